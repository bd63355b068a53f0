package export_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/export"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/seeds"
	"github.com/xuri/excelize/v2"
)

func bundledPlan(t testing.TB) *progressbot.Plan {
	t.Helper()
	p, _, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newForm(p *progressbot.Plan, unit string, period progressbot.Period, lang string) export.Form {
	return export.Form{Plan: p, Unit: unit, Period: period, Due: p.Due(unit, period),
		Current: map[progressbot.ItemRef]progressbot.Answer{}, Last: map[progressbot.ItemRef]progressbot.Answer{}, Loc: locales.For(lang)}
}

// filled is a form as the liaison has it open in a spreadsheet program.
type filled struct {
	t     testing.TB
	f     *excelize.File
	sheet string
}

func openForm(t testing.TB, fm export.Form) *filled {
	t.Helper()
	var buf bytes.Buffer
	if err := export.WriteForm(&buf, fm); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &filled{t: t, f: f, sheet: f.GetSheetName(0)}
}

// row is the sheet row holding an item, found by the hidden id column.
func (x *filled) row(ref progressbot.ItemRef) int {
	x.t.Helper()
	rows, err := x.f.GetRows(x.sheet)
	if err != nil {
		x.t.Fatal(err)
	}
	for i, r := range rows {
		if len(r) >= 11 && r[10] == ref.String() {
			return i + 1
		}
	}
	x.t.Fatalf("no row for %s", ref)
	return 0
}

func (x *filled) cell(col string, row int) string { return col + strconv.Itoa(row) }

// set writes a cell of an item's row; a float64 makes a number cell.
func (x *filled) set(ref progressbot.ItemRef, col string, v any) {
	x.t.Helper()
	if err := x.f.SetCellValue(x.sheet, x.cell(col, x.row(ref)), v); err != nil {
		x.t.Fatal(err)
	}
}

func (x *filled) bytes() []byte {
	x.t.Helper()
	buf, err := x.f.WriteToBuffer()
	if err != nil {
		x.t.Fatal(err)
	}
	return buf.Bytes()
}

func read(t *testing.T, data []byte, fm export.Form) export.FormRead {
	t.Helper()
	got, err := export.ReadForm(data, fm)
	if err != nil {
		t.Fatalf("read form: %v", err)
	}
	return got
}

func ref(s string) progressbot.ItemRef {
	r, err := progressbot.ParseItemRef(s)
	if err != nil {
		panic(err)
	}
	return r
}

func TestFormTemplate(t *testing.T) {
	p := bundledPlan(t)
	for _, lang := range locales.Languages {
		t.Run(lang, func(t *testing.T) {
			loc := locales.For(lang)
			fm := newForm(p, "hukou", nov, lang)
			v := 265.0
			ind := ref("ind:above-scale-enterprises")
			fm.Last[ind] = progressbot.Answer{Item: ind, Period: progressbot.Period{Year: 2026, Month: 10}, Value: &v}
			task := ref("task:6")
			fm.Current[task] = progressbot.Answer{Item: task, Status: progressbot.StatusLagging, Done: "done text", Coordination: "land"}
			x := openForm(t, fm)
			if x.sheet != loc.T("sheet.form.sheet") {
				t.Errorf("first sheet %q", x.sheet)
			}
			title, _ := x.f.GetCellValue(x.sheet, "A1")
			for _, want := range []string{"湖口县", loc.T("sheet.form.title", "Unit", unitNameIn(p, "hukou", lang), "Period", loc.T("period.label", "Year", 2026, "Month", 11, "MonthName", "November"))} {
				if want == "湖口县" && lang == "en" {
					continue
				}
				if !strings.Contains(title, want) {
					t.Errorf("title row %q lacks %q", title, want)
				}
			}
			if !strings.Contains(title, loc.T("sheet.same_as_last")) {
				t.Errorf("instruction row %q does not explain %q", title, loc.T("sheet.same_as_last"))
			}
			// One row per due item, in order, with its kind, last answer and this period's
			// answer so far.
			rows, _ := x.f.GetRows(x.sheet)
			var ids []string
			for _, r := range rows[2:] {
				ids = append(ids, r[10])
			}
			var want []string
			for _, r := range fm.Due {
				want = append(want, r.String())
			}
			if !slices.Equal(ids, want) {
				t.Errorf("rows %v, want %v", ids, want)
			}
			r := x.row(ind)
			if kind, _ := x.f.GetCellValue(x.sheet, x.cell("B", r)); kind != loc.T("sheet.kind.ind") {
				t.Errorf("kind %q", kind)
			}
			if last, _ := x.f.GetCellValue(x.sheet, x.cell("F", r)); !strings.Contains(last, "265") {
				t.Errorf("last answer %q lacks 265", last)
			}
			r = x.row(task)
			if st, _ := x.f.GetCellValue(x.sheet, x.cell("H", r)); st != loc.T("status.lagging") {
				t.Errorf("status prefilled %q", st)
			}
			// Drop-down lists: statuses on task rows, stages on project rows, localized.
			dvs, err := x.f.GetDataValidations(x.sheet)
			if err != nil || len(dvs) != 2 {
				t.Fatalf("%d data validations, %v", len(dvs), err)
			}
			lists := dvs[0].Formula1 + dvs[1].Formula1
			for _, w := range []string{loc.T("status.on_track"), loc.T("stage.started")} {
				if !strings.Contains(lists, w) {
					t.Errorf("drop-down lists %q lack %q", lists, w)
				}
			}
			// 湖口县 owes tasks 1–19 but 4, then two projects, in that order.
			tasks := x.cell("H", x.row(ref("task:1"))) + ":" + x.cell("H", x.row(ref("task:19")))
			projects := x.cell("H", x.row(ref("proj:tinci-longshan-base"))) + ":" + x.cell("H", x.row(ref("proj:tianxi-recycling-park")))
			if dvs[0].Sqref != tasks || dvs[1].Sqref != projects {
				t.Errorf("lists cover %q and %q, want %q and %q", dvs[0].Sqref, dvs[1].Sqref, tasks, projects)
			}
			// The item ids and the hidden sheet are out of sight.
			if vis, _ := x.f.GetColVisible(x.sheet, "K"); vis {
				t.Error("id column visible")
			}
			if vis, _ := x.f.GetSheetVisible("progressbot"); vis {
				t.Error("meta sheet visible")
			}
		})
	}
}

func unitNameIn(p *progressbot.Plan, id, lang string) string {
	u := p.Unit(id)
	if lang == "en" && u.En != "" {
		return u.En
	}
	return u.Name
}

// TestFormRoundTrip fills a form as a liaison would, in the form's language or the
// other one, and reads it back.
func TestFormRoundTrip(t *testing.T) {
	p := bundledPlan(t)
	for _, lang := range locales.Languages {
		t.Run(lang, func(t *testing.T) {
			fm := newForm(p, "hukou", nov, lang)
			x := openForm(t, fm)
			ind, t6, t7, proj := ref("ind:above-scale-enterprises"), ref("task:6"), ref("task:7"), ref("proj:tinci-longshan-base")
			x.set(ind, "G", "1.2万")
			x.set(t6, "H", locales.For(lang).T("status.on_track"))
			x.set(t6, "I", "调研 12 家企业")
			x.set(t7, "H", "Done") // the English label in either form
			x.set(t7, "I", "完成")
			x.set(t7, "J", "用地指标")
			x.set(proj, "H", locales.For(lang).T("stage.started"))
			got := read(t, x.bytes(), fm)
			if len(got.Problems) != 0 {
				t.Fatalf("problems: %+v", got.Problems)
			}
			if got.Empty != len(fm.Due)-4 {
				t.Errorf("%d empty rows, want %d", got.Empty, len(fm.Due)-4)
			}
			byItem := map[progressbot.ItemRef]export.FormRow{}
			for _, r := range got.Rows {
				byItem[r.Answer.Item] = r
				if r.Change != export.FormNew || r.Answer.Source != progressbot.SourceSheet || r.Row != x.row(r.Answer.Item) {
					t.Errorf("%s: %+v", r.Answer.Item, r)
				}
			}
			if a := byItem[ind].Answer; a.Value == nil || *a.Value != 12000 || a.Raw != "1.2万" {
				t.Errorf("indicator %+v", a)
			}
			none := locales.For(lang).T("report.none_value")
			if a := byItem[t6].Answer; a.Status != progressbot.StatusOnTrack || a.Done != "调研 12 家企业" || a.Coordination != none {
				t.Errorf("task 6 %+v", a)
			}
			if a := byItem[t7].Answer; a.Status != progressbot.StatusDone || a.Coordination != "用地指标" {
				t.Errorf("task 7 %+v", a)
			}
			if a := byItem[proj].Answer; a.Stage != progressbot.StageStarted {
				t.Errorf("project %+v", a)
			}
		})
	}
}

func TestFormRefused(t *testing.T) {
	p := bundledPlan(t)
	hukou := newForm(p, "hukou", nov, "zh-CN")
	good := openForm(t, hukou).bytes()
	plain := excelize.NewFile()
	defer plain.Close()
	_ = plain.SetCellValue("Sheet1", "A1", "task:6")
	other, _ := plain.WriteToBuffer()
	tests := []struct {
		name string
		data []byte
		fm   export.Form
		want error
	}{
		{"not a zip", []byte("just some text, not a workbook"), hukou, export.ErrFormNotWorkbook},
		{"a zip that is no workbook", zipOf(t), hukou, export.ErrFormNotWorkbook},
		{"a workbook without the markers", other.Bytes(), hukou, export.ErrFormNotForm},
		{"another unit's form", good, newForm(p, "pengze", nov, "zh-CN"), export.ErrFormOtherUnit},
		{"another month's form", good, newForm(p, "hukou", nov.Next(), "zh-CN"), export.ErrFormOtherPeriod},
		{"too large", append(slices.Clone(good), make([]byte, export.MaxFormBytes)...), hukou, export.ErrFormTooLarge},
		{"empty", nil, hukou, export.ErrFormNotWorkbook},
		{"unpacks to too much", bomb(t), hukou, export.ErrFormNotWorkbook},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := export.ReadForm(tt.data, tt.fm)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			var fe *export.FormError
			if errors.As(err, &fe) && tt.want == export.ErrFormOtherUnit && (fe.Unit != "hukou" || fe.Period != nov) {
				t.Errorf("other unit: the file is for %s %s", fe.Unit, fe.Period)
			}
		})
	}
}

func zipOf(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("hello"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bomb is a small zip that unpacks to 64 MB, named as a workbook's sheet.
func bomb(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range 64 {
		_, _ = w.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > export.MaxFormBytes {
		t.Fatalf("bomb of %d bytes is not small", buf.Len())
	}
	return buf.Bytes()
}

// TestFormRenamedSheet: a liaison who renames the sheet still sends a form.
func TestFormRenamedSheet(t *testing.T) {
	p := bundledPlan(t)
	fm := newForm(p, "hukou", nov, "zh-CN")
	x := openForm(t, fm)
	x.set(ref("task:6"), "H", "滞后")
	x.set(ref("task:6"), "I", "x")
	if err := x.f.SetSheetName(x.sheet, "湖口"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, x.bytes(), fm); len(got.Rows) != 1 {
		t.Errorf("rows %+v, problems %+v", got.Rows, got.Problems)
	}
}

// TestFormRows checks row by row what is accepted and what is refused, and why.
func TestFormRows(t *testing.T) {
	p := bundledPlan(t)
	lastDone := "上月完成调研"
	type cell struct {
		col string
		v   any
	}
	tests := []struct {
		name   string
		unit   string
		item   string
		cells  []cell
		accept func(a progressbot.Answer) bool
		// reason and column of the one problem expected, when the row is refused.
		reason, col string
	}{
		{"value typed with 万", "gxj", "ind:above-scale-net-increase", []cell{{"G", "1.2万"}}, value(12000), "", ""},
		{"value in a number cell", "gxj", "ind:industrial-revenue", []cell{{"G", 275.5}}, value(275.5), "", ""},
		{"value with its measure", "gxj", "ind:industrial-revenue", []cell{{"G", "3000亿元"}}, value(3000), "", ""},
		{"percent typed", "gxj", "ind:above-scale-revenue-growth", []cell{{"G", "12%"}}, value(12), "", ""},
		{"not a number", "gxj", "ind:industrial-revenue", []cell{{"G", "很多"}}, nil, "number.not_a_number", "G"},
		{"a range", "gxj", "ind:industrial-revenue", []cell{{"G", "200-300"}}, nil, "number.two_numbers", "G"},
		{"wrong unit", "gxj", "ind:industrial-revenue", []cell{{"G", "12%"}}, nil, "number.unit_mismatch", "G"},
		{"no figure", "gxj", "ind:industrial-revenue", []cell{{"G", "暂无"}}, nil, "number.no_value", "G"},
		{"status in the other language", "hukou", "task:6", []cell{{"H", "on track"}, {"I", "x"}}, status(progressbot.StatusOnTrack), "", ""},
		{"status not in the list", "hukou", "task:6", []cell{{"H", "进行中"}, {"I", "x"}}, nil, "status_unknown", "H"},
		{"status missing", "hukou", "task:6", []cell{{"I", "做了一些工作"}}, nil, "status_missing", "H"},
		{"what was done missing", "hukou", "task:6", []cell{{"H", "滞后"}}, nil, "done_missing", "I"},
		{"done as last month", "hukou", "task:6", []cell{{"H", "滞后"}, {"I", "同上月"}}, func(a progressbot.Answer) bool {
			return a.Done == lastDone && a.DoneCarried
		}, "", ""},
		{"done as last month with nothing earlier", "hukou", "task:7", []cell{{"H", "滞后"}, {"I", "Same as last month"}}, nil, "no_last_done", "I"},
		{"coordination none in English", "hukou", "task:6", []cell{{"H", "滞后"}, {"I", "x"}, {"J", "None"}}, func(a progressbot.Answer) bool {
			return a.Coordination == "无"
		}, "", ""},
		{"text too long", "hukou", "task:6", []cell{{"H", "滞后"}, {"I", strings.Repeat("长", export.MaxFormText+1)}}, nil, "too_long", "I"},
		{"stage", "hukou", "proj:tinci-longshan-base", []cell{{"H", "投产"}}, func(a progressbot.Answer) bool { return a.Stage == progressbot.StageProducing }, "", ""},
		{"stage not in the list", "hukou", "proj:tinci-longshan-base", []cell{{"H", "施工"}}, nil, "stage_unknown", "H"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fm := newForm(p, tt.unit, nov, "zh-CN")
			it := ref(tt.item)
			if it == ref("task:6") {
				fm.Last[it] = progressbot.Answer{Item: it, Status: progressbot.StatusOnTrack, Done: lastDone}
			}
			x := openForm(t, fm)
			for _, c := range tt.cells {
				x.set(it, c.col, c.v)
			}
			got := read(t, x.bytes(), fm)
			if tt.accept != nil {
				if len(got.Problems) != 0 || len(got.Rows) != 1 || !tt.accept(got.Rows[0].Answer) {
					t.Fatalf("rows %+v, problems %+v", got.Rows, got.Problems)
				}
				return
			}
			if len(got.Rows) != 0 || len(got.Problems) != 1 {
				t.Fatalf("rows %+v, problems %+v", got.Rows, got.Problems)
			}
			pr := got.Problems[0]
			if pr.Reason != tt.reason || pr.Column != tt.col || pr.Row != x.row(it) {
				t.Errorf("problem %+v, want %s in %s%d", pr, tt.reason, tt.col, x.row(it))
			}
		})
	}
}

func value(v float64) func(progressbot.Answer) bool {
	return func(a progressbot.Answer) bool { return a.Value != nil && *a.Value == v }
}

func status(s progressbot.TaskStatus) func(progressbot.Answer) bool {
	return func(a progressbot.Answer) bool { return a.Status == s && a.Coordination == "无" }
}

// TestFormPercentCell: Excel stores 12% typed into a cell as the number 0.12 shown as a
// percentage; it is read as 12%.
func TestFormPercentCell(t *testing.T) {
	p := bundledPlan(t)
	fm := newForm(p, "gxj", nov, "zh-CN")
	x := openForm(t, fm)
	it := ref("ind:above-scale-revenue-growth")
	x.set(it, "G", 0.12)
	pct, err := x.f.NewStyle(&excelize.Style{NumFmt: 9})
	if err != nil {
		t.Fatal(err)
	}
	c := x.cell("G", x.row(it))
	if err := x.f.SetCellStyle(x.sheet, c, c, pct); err != nil {
		t.Fatal(err)
	}
	got := read(t, x.bytes(), fm)
	if len(got.Rows) != 1 || *got.Rows[0].Answer.Value != 12 {
		t.Fatalf("rows %+v, problems %+v", got.Rows, got.Problems)
	}
}

// TestFormRowsAgainstSaved: rows left as the template filled them change nothing, an
// edited row is a change, and rows the liaison adds or copies are refused.
func TestFormRowsAgainstSaved(t *testing.T) {
	p := bundledPlan(t)
	fm := newForm(p, "hukou", nov, "zh-CN")
	v := 270.0
	ind, t6, t7 := ref("ind:above-scale-enterprises"), ref("task:6"), ref("task:7")
	fm.Current[ind] = progressbot.Answer{Item: ind, Value: &v, Raw: "270"}
	fm.Current[t6] = progressbot.Answer{Item: t6, Status: progressbot.StatusOnTrack, Done: "调研", Coordination: "无"}
	fm.Current[t7] = progressbot.Answer{Item: t7, Status: progressbot.StatusOnTrack, Done: "调研", Coordination: "无"}
	x := openForm(t, fm)
	x.set(t7, "H", "已完成")
	// A row added at the end without an id, a copy of task 6's row, and a row naming an
	// item not due.
	n := len(fm.Due) + 3
	_ = x.f.SetSheetRow(x.sheet, x.cell("A", n), &[]any{nil, nil, nil, "new", nil, nil, 5.0})
	_ = x.f.SetSheetRow(x.sheet, x.cell("A", n+1), &[]any{nil, nil, nil, nil, nil, nil, nil, "滞后", "x", nil, t6.String()})
	_ = x.f.SetSheetRow(x.sheet, x.cell("A", n+2), &[]any{nil, nil, nil, nil, nil, nil, 5.0, nil, nil, nil, "ind:no-such"})
	got := read(t, x.bytes(), fm)
	changes := map[progressbot.ItemRef]export.FormChange{}
	for _, r := range got.Rows {
		changes[r.Answer.Item] = r.Change
	}
	want := map[progressbot.ItemRef]export.FormChange{ind: export.FormSame, t6: export.FormSame, t7: export.FormChanged}
	if len(changes) != len(want) {
		t.Errorf("rows %+v", got.Rows)
	}
	for k, w := range want {
		if changes[k] != w {
			t.Errorf("%s: change %d, want %d", k, changes[k], w)
		}
	}
	var reasons []string
	for _, pr := range got.Problems {
		reasons = append(reasons, pr.Reason)
	}
	if !slices.Equal(reasons, []string{"no_item", "duplicate", "unknown_item"}) {
		t.Errorf("problems %+v", got.Problems)
	}
}

// BenchmarkForm makes the form of the unit that owes the most in a month (市工信局 in
// December: 84 items) and reads a filled copy back.
func BenchmarkForm(b *testing.B) {
	p := bundledPlan(b)
	dec := progressbot.Period{Year: 2026, Month: 12}
	unit, most := "", 0
	for _, u := range p.Reporters() {
		if n := len(p.Due(u, dec)); n > most {
			unit, most = u, n
		}
	}
	fm := newForm(p, unit, dec, "zh-CN")
	for _, r := range fm.Due {
		v := 12.0
		fm.Last[r] = progressbot.Answer{Item: r, Period: nov, Value: &v, Status: progressbot.StatusOnTrack, Done: "推进中", Coordination: "无", Stage: progressbot.StageStarted}
	}
	x := openForm(b, fm)
	for _, r := range fm.Due {
		switch r.Kind {
		case progressbot.ItemIndicator:
			x.set(r, "G", "1.2万")
		case progressbot.ItemProject:
			x.set(r, "H", "开工")
		default:
			x.set(r, "H", "按计划推进")
			x.set(r, "I", "同上月")
		}
	}
	data := x.bytes()
	b.Logf("%s: %d items, filled form %d bytes", unit, len(fm.Due), len(data))
	write := func(b *testing.B) {
		var buf bytes.Buffer
		if err := export.WriteForm(&buf, fm); err != nil {
			b.Fatal(err)
		}
	}
	parse := func(b *testing.B) {
		got, err := export.ReadForm(data, fm)
		if err != nil || len(got.Rows) != len(fm.Due) {
			b.Fatalf("%d rows of %d, %v, problems %+v", len(got.Rows), len(fm.Due), err, got.Problems)
		}
	}
	for _, bm := range []struct {
		name  string
		steps []func(*testing.B)
	}{{"template+parse", []func(*testing.B){write, parse}}, {"template", []func(*testing.B){write}}, {"parse", []func(*testing.B){parse}}} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, step := range bm.steps {
					step(b)
				}
			}
		})
	}
}
