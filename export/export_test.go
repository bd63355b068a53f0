package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/export"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/storetest"
	"github.com/xuri/excelize/v2"
)

var (
	shanghai = func() *time.Location { l, _ := time.LoadLocation("Asia/Shanghai"); return l }()
	nov      = progressbot.Period{Year: 2026, Month: 11}
	sep      = progressbot.Period{Year: 2026, Month: 9}
	// The export is made on 8 December, after November's deadline (5 December 18:00).
	now = time.Date(2026, 12, 8, 10, 0, 0, 0, shanghai)
)

type fixture struct {
	db *store.DB
	p  *progressbot.Plan
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db, p := storetest.PlanDB(t)
	db.Now = func() time.Time { return time.Date(2026, 11, 28, 10, 0, 0, 0, shanghai) }
	return &fixture{db: db, p: p}
}

func (f *fixture) save(t testing.TB, a progressbot.Answer) {
	t.Helper()
	if _, err := f.db.SaveAnswer(context.Background(), f.p.ID, a); err != nil {
		t.Fatal(err)
	}
}

func ind(key string) progressbot.ItemRef {
	return progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: key}
}

func task(no int) progressbot.ItemRef {
	return progressbot.ItemRef{Kind: progressbot.ItemTask, Key: strconv.Itoa(no)}
}

func val(v float64) *float64 { return &v }

// seedAnswers: 湖口县 reports 201 above-scale enterprises for November (its 2025 target,
// the last, is 198: 正常), 彭泽县 150 (严重滞后), 湖口县 14 little giants for September (a
// quarterly indicator, not due in November), a task and a project; 市科技局 submits.
func (f *fixture) seedAnswers(t testing.TB) {
	ctx := context.Background()
	f.save(t, progressbot.Answer{Unit: "hukou", Period: nov, Item: ind("above-scale-enterprises"), Value: val(201), Raw: "201"})
	f.save(t, progressbot.Answer{Unit: "pengze", Period: nov, Item: ind("above-scale-enterprises"), Value: val(150), Raw: "150"})
	f.save(t, progressbot.Answer{Unit: "hukou", Period: sep, Item: ind("little-giants"), Value: val(3), Raw: "3"})
	f.save(t, progressbot.Answer{Unit: "hukou", Period: nov, Item: task(6), Status: progressbot.StatusLagging, Done: "推进土地报批", Coordination: "用地指标紧张"})
	f.save(t, progressbot.Answer{Unit: "hukou", Period: nov, Item: progressbot.ItemRef{Kind: progressbot.ItemProject, Key: "tinci-longshan-base"}, Stage: progressbot.StageStarted})
	f.save(t, progressbot.Answer{Unit: "gxj", Period: nov, Item: ind("industrial-revenue"), Value: val(5800), Raw: "5800亿"})
	f.save(t, progressbot.Answer{Unit: "kjj", Period: nov, Item: task(5), Status: progressbot.StatusDone, Done: "完成", Coordination: "无"})
	if _, err := f.db.Submit(ctx, f.p.ID, "kjj", nov, store.Who{UserID: 1}); err != nil {
		t.Fatal(err)
	}
	f.attach(t, "hukou", task(6), "现场.jpg", "image/jpeg", "\xff\xd8\xff photo")
	f.attach(t, "pengze", ind("above-scale-enterprises"), "名录.pdf", "application/pdf", "%PDF-1.7 list")
}

// attach stores a file and attaches it as evidence to a unit's item for November.
func (f *fixture) attach(t testing.TB, unit string, item progressbot.ItemRef, name, mime, data string) {
	sum, size, err := f.db.PutFile(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.db.AttachEvidence(context.Background(), f.p.ID, store.Evidence{Unit: unit, Period: nov, Item: item, SHA256: sum,
		Name: name, MIME: mime, Size: size, UserID: 77}); err != nil {
		t.Fatal(err)
	}
}

func opts(lang string, sc export.Scope) export.Options {
	return export.Options{Period: nov, Scope: sc, Calendar: progressbot.DefaultCalendar(shanghai), Now: now, Loc: locales.For(lang)}
}

// workbook builds and writes the workbook and opens it again, as a reader of the file would.
func workbook(t *testing.T, f *fixture, lang string, sc export.Scope) (*excelize.File, export.Book) {
	t.Helper()
	book, err := export.Workbook(context.Background(), f.db, f.p, opts(lang, sc))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := export.WriteXLSX(&buf, book.Tables...); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x, book
}

// sheetRows reads a sheet as it would show, keyed by the first column.
func sheetRows(t *testing.T, x *excelize.File, sheet string) (header []string, rows map[string][]string) {
	t.Helper()
	all, err := x.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %q: %v (sheets: %v)", sheet, err, x.GetSheetList())
	}
	rows = map[string][]string{}
	for _, r := range all[1:] {
		if len(r) > 0 {
			rows[r[0]] = r
		}
	}
	return all[0], rows
}

// raw is a cell's stored value, and whether it is stored as a number.
func raw(t *testing.T, x *excelize.File, sheet, cell string) (string, bool) {
	t.Helper()
	v, err := x.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	typ, err := x.GetCellType(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	return v, typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset && v != ""
}

func col(header []string, name string) int {
	for i, h := range header {
		if strings.HasPrefix(h, name) {
			return i
		}
	}
	return -1
}

func TestWorkbookCounty(t *testing.T) {
	f := newFixture(t)
	f.seedAnswers(t)
	x, book := workbook(t, f, "zh-CN", export.Scope{})
	sheets := x.GetSheetList()
	for _, want := range []string{"概况", "县区-规上企业", "县区-小巨人", "全市指标", "任务推进", "重大项目", "未报单位", "目标值"} {
		if !slices.Contains(sheets, want) {
			t.Errorf("no sheet %q in %v", want, sheets)
		}
	}
	h, rows := sheetRows(t, x, "县区-规上企业")
	if h[col(h, "2026年目标")] != "2026年目标（户）" {
		t.Errorf("header: %v", h)
	}
	hk := rows["湖口县"]
	if hk == nil {
		t.Fatalf("no 湖口县 row: %v", rows)
	}
	want := map[string]string{"2026年目标": "198", "填报值": "201", "填报期": "2026-11", "按进度应达": "198", "完成比": "101.5%", "进度": "正常"}
	for c, v := range want {
		if got := hk[col(h, c)]; got != v {
			t.Errorf("湖口县 %s = %q, want %q (row %q)", c, got, v, hk)
		}
	}
	if got := rows["彭泽县"][col(h, "进度")]; got != "严重滞后" {
		t.Errorf("彭泽县 pace %q, want 严重滞后", got)
	}
	if got := rows["浔阳区"][col(h, "进度")]; got != "未报" {
		t.Errorf("浔阳区 pace %q, want 未报", got)
	}
	if total := rows["合计（全市）"]; total == nil || !strings.Contains(total[col(h, "说明")], "2/14") || total[col(h, "进度")] != "未报" {
		t.Errorf("total row: %q", total)
	}
	// Numbers are numbers: the value and the ratio are stored as numbers, not text.
	r := 2 + slices.IndexFunc(mustRows(t, x, "县区-规上企业")[1:], func(row []string) bool { return row[0] == "湖口县" })
	for _, c := range []string{"B", "C", "E", "F"} {
		v, isNum := raw(t, x, "县区-规上企业", c+strconv.Itoa(r))
		if !isNum {
			t.Errorf("%s%d = %q is not a number", c, r, v)
		}
	}
	// Ratios to 0.1 %.
	if v, _ := raw(t, x, "县区-规上企业", "F"+strconv.Itoa(r)); v != "1.015" {
		t.Errorf("ratio stored as %q", v)
	}
	// A quarterly indicator not due in November shows September's value, judged then.
	h, rows = sheetRows(t, x, "县区-小巨人")
	lg := rows["湖口县"]
	if lg[col(h, "填报值")] != "3" || lg[col(h, "填报期")] != "2026-09" || !strings.Contains(lg[col(h, "说明")], "季报") {
		t.Errorf("little giants 湖口县: %q", lg)
	}
	// The city's indicators: 市工信局's revenue, an annual flow: 7000 for the year, 11/12
	// of it expected by November.
	h, rows = sheetRows(t, x, "全市指标")
	rev := rows["全市工业营业收入"]
	if rev == nil || rev[col(h, "报送单位")] != "市工信局" || rev[col(h, "填报值")] != "5,800" || rev[col(h, "进度")] != "滞后" {
		t.Errorf("industrial revenue: %q", rev)
	}
	if book.Summary.Submitted != 1 || book.Summary.Pace[progressbot.PaceOnTrack] < 1 || book.Summary.Pace[progressbot.PaceSerious] < 1 {
		t.Errorf("summary: %+v", book.Summary)
	}
}

func mustRows(t *testing.T, x *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func near(s string, want float64) bool {
	v, err := strconv.ParseFloat(s, 64)
	return err == nil && math.Abs(v-want) < 1e-9
}

func TestWorkbookTasksProjectsMissing(t *testing.T) {
	f := newFixture(t)
	f.seedAnswers(t)
	x, _ := workbook(t, f, "zh-CN", export.Scope{})
	all := mustRows(t, x, "任务推进")
	h := all[0]
	var found, lead bool
	for _, r := range all[1:] {
		if r[0] == "任务6" && r[col(h, "单位")] == "湖口县" {
			found = true
			if r[col(h, "推进情况")] != "滞后" || r[col(h, "本期工作")] != "推进土地报批" || r[col(h, "需协调事项")] != "用地指标紧张" || r[col(h, "职责")] != "责任" {
				t.Errorf("task 6 湖口县: %q", r)
			}
		}
		if r[0] == "任务6" && r[col(h, "单位")] == "市工信局" {
			lead = r[col(h, "职责")] == "牵头" && r[col(h, "推进情况")] == "未报"
		}
	}
	if !found || !lead {
		t.Errorf("task rows: 湖口县 found %v, 市工信局 lead and unreported %v", found, lead)
	}
	// Key work items are quarterly: not due in November.
	for _, r := range all[1:] {
		if strings.HasPrefix(r[0], "重点工作") && r[col(h, "推进情况")] != "未到填报期" {
			t.Errorf("key work item in November: %q", r)
			break
		}
	}

	h, rows := sheetRows(t, x, "重大项目")
	pr := rows["天赐高新龙山基地"]
	if pr == nil || pr[col(h, "当前阶段")] != "开工" || pr[col(h, "单位")] != "湖口县" {
		t.Errorf("project: %q", pr)
	}
	// 九江石化's refining project was to start by 2023-12; nobody reported it.
	if r := rows["1000万吨原油加工能力升级+150万吨PX项目"]; r == nil || !strings.Contains(r[col(h, "节点进度")], "应于2023-12开工") {
		t.Errorf("refining project schedule: %q", r)
	}

	h, rows = sheetRows(t, x, "未报单位")
	hk := rows["湖口县"]
	if hk == nil || hk[col(h, "逾期天数")] != "3" || !strings.Contains(hk[col(h, "状态")], "已开始填报") || hk[col(h, "联络员")] != "未登记联络员" {
		t.Errorf("missing 湖口县: %q", hk)
	}
	if rows["市科技局"] != nil {
		t.Error("市科技局 submitted but is listed as missing")
	}
	if rows["浔阳区"] == nil {
		t.Error("浔阳区 reported nothing but is not listed")
	}
}

func TestWorkbookEnglish(t *testing.T) {
	f := newFixture(t)
	f.seedAnswers(t)
	x, _ := workbook(t, f, "en", export.Scope{})
	sheets := x.GetSheetList()
	if !slices.Contains(sheets, "Overview") || !slices.Contains(sheets, "Tasks") || !slices.Contains(sheets, "Targets") {
		t.Fatalf("sheets: %v", sheets)
	}
	seen := map[string]bool{}
	for _, s := range sheets {
		if seen[strings.ToLower(s)] || len([]rune(s)) > 31 {
			t.Errorf("sheet name %q duplicated or too long", s)
		}
		seen[strings.ToLower(s)] = true
	}
	var county string
	for _, s := range sheets {
		if strings.HasPrefix(s, "County Above-scale") {
			county = s
		}
	}
	h, rows := sheetRows(t, x, county)
	if hk := rows["Hukou County"]; hk == nil || hk[col(h, "Pace")] != "On track" || h[col(h, "Target")] != "Target 2026 (enterprises)" {
		t.Errorf("English county sheet %q: %q %q", county, h, hk)
	}
}

func TestWorkbookScope(t *testing.T) {
	f := newFixture(t)
	f.seedAnswers(t)
	ctx := context.Background()
	petro, err := export.ParseScope(f.p, "chain:petrochem")
	if err != nil {
		t.Fatal(err)
	}
	x, _ := workbook(t, f, "zh-CN", petro)
	all := mustRows(t, x, "任务推进")
	if len(all) < 2 {
		t.Fatal("a chain chief's task sheet is empty")
	}
	for _, r := range all[1:] {
		no, err := strconv.Atoi(strings.TrimPrefix(r[0], "任务"))
		if err != nil {
			// a key work item: its chains must include petrochem
			continue
		}
		if !slices.Contains(f.p.Task(no).Chains, "petrochem") {
			t.Errorf("petrochem export has task %d (chains %v)", no, f.p.Task(no).Chains)
		}
	}
	_, projects := sheetRows(t, x, "重大项目")
	if projects["天赐高新龙山基地"] != nil {
		t.Error("a new-energy project in the petrochem export")
	}
	if projects["石化芳烃二期"] == nil {
		t.Error("石化芳烃二期 missing from the petrochem export")
	}

	// A county's own export: its rows only, no city total, no other county.
	x, _ = workbook(t, f, "zh-CN", export.UnitScope("hukou"))
	_, rows := sheetRows(t, x, "县区-规上企业")
	if len(rows) != 1 || rows["湖口县"] == nil {
		t.Errorf("湖口县's county sheet: %v", rows)
	}
	all = mustRows(t, x, "任务推进")
	for _, r := range all[1:] {
		if r[2] != "湖口县" {
			t.Errorf("湖口县's export has a row of %s", r[2])
		}
	}
	_, missing := sheetRows(t, x, "未报单位")
	if len(missing) != 1 {
		t.Errorf("湖口县's missing list: %v", missing)
	}
	_, targets := sheetRows(t, x, "目标值")
	for _, r := range mustRows(t, x, "目标值")[1:] {
		if r[2] != "湖口县" {
			t.Errorf("湖口县's targets include %q", r)
		}
	}
	if len(targets) == 0 {
		t.Error("湖口县 has no targets")
	}
	if _, err := export.ParseScope(f.p, "chain:nope"); err == nil {
		t.Error("unknown chain accepted")
	}
	// A scoped single table too.
	tb, err := export.Single(ctx, f.db, f.p, opts("zh-CN", export.UnitScope("hukou")), export.TableCounties)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tb.Rows {
		if r[2] != "湖口县" {
			t.Errorf("scoped counties table row %v", r)
		}
	}
}

// longFraction is a number with more decimals than any figure of a plan needs (ratios
// are written to 0.1 %, that is three decimals of a fraction).
var longFraction = regexp.MustCompile(`^-?[0-9]+\.[0-9]{4,}$`)

func TestCSV(t *testing.T) {
	f := newFixture(t)
	f.seedAnswers(t)
	ctx := context.Background()
	for _, name := range export.TableNames {
		tb, err := export.Single(ctx, f.db, f.p, opts("zh-CN", export.Scope{}), name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var buf bytes.Buffer
		if err := export.WriteCSV(&buf, tb); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("\ufeff")) {
			t.Errorf("%s: no byte-order mark", name)
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(recs) < 2 {
			t.Errorf("%s: %d records", name, len(recs))
		}
		// Numbers as the plan states them: no 49.58333333333371.
		for _, r := range recs {
			for _, c := range r {
				if longFraction.MatchString(c) {
					t.Errorf("%s: %q written with more decimals than the plan uses: %q", name, c, r)
				}
			}
		}
		switch name {
		case export.TableTasks:
			ok := false
			for _, r := range recs {
				if r[0] == "任务6" && r[2] == "湖口县" && r[4] == "滞后" && r[6] == "用地指标紧张" {
					ok = true
				}
			}
			if !ok {
				t.Error("tasks csv lacks 湖口县's task 6")
			}
		case export.TableCounties:
			ok := false
			for _, r := range recs {
				// indicator, measure, county, target, value, as of, expected, ratio, pace
				if r[0] == "规模以上工业企业户数" && r[2] == "湖口县" && r[4] == "201" && r[8] == "正常" && r[7] == "1.015" {
					ok = true
				}
				// A count of enterprises is expected in whole enterprises.
				if r[0] == "规模以上工业企业户数" && r[6] != "" && strings.Contains(r[6], ".") {
					t.Errorf("expected %q enterprises: %q", r[6], r)
				}
			}
			if !ok {
				t.Errorf("counties csv lacks 湖口县's 201 正常: %q", recs[:3])
			}
		}
	}
	if _, err := export.Single(ctx, f.db, f.p, opts("zh-CN", export.Scope{}), "nonsense"); err == nil {
		t.Error("unknown table accepted")
	}
}

func TestTargetsUnchanged(t *testing.T) {
	p, _, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	tb := export.Targets(p, locales.For("zh-CN"))
	if len(tb.Rows) != len(p.Targets) {
		t.Errorf("%d target rows for %d targets", len(tb.Rows), len(p.Targets))
	}
}

func TestUniqueSheetNames(t *testing.T) {
	long := strings.Repeat("x", 40)
	var buf bytes.Buffer
	if err := export.WriteXLSX(&buf, export.Table{Name: long, Header: []string{"a"}}, export.Table{Name: long, Header: []string{"a"}},
		export.Table{Name: "A:B", Header: []string{"a"}, Rows: [][]any{{math.Inf(1)}, {math.NaN()}, {1.5}}}); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	names := x.GetSheetList()
	if len(names) != 3 || names[0] == names[1] || names[2] != "A_B" {
		t.Errorf("sheets: %q", names)
	}
}

func BenchmarkWorkbook(b *testing.B) {
	f := newFixture(b)
	f.seedAnswers(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		book, err := export.Workbook(ctx, f.db, f.p, opts("zh-CN", export.Scope{}))
		if err != nil {
			b.Fatal(err)
		}
		if err := export.WriteXLSX(&bytes.Buffer{}, book.Tables...); err != nil {
			b.Fatal(err)
		}
	}
}
