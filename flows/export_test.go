package flows_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/store"
	"github.com/xuri/excelize/v2"
)

// document is the file of the last reply, which must be one.
func (p *person) document(t *testing.T) *flows.File {
	t.Helper()
	for _, m := range p.last.Messages {
		if m.Document != nil {
			return m.Document
		}
	}
	t.Fatalf("no document on screen:\n%s", p.screen())
	return nil
}

func (p *person) photo(t *testing.T) *flows.File {
	t.Helper()
	for _, m := range p.last.Messages {
		if m.Photo != nil {
			return m.Photo
		}
	}
	t.Fatalf("no photo on screen:\n%s", p.screen())
	return nil
}

func openXLSX(t *testing.T, f *flows.File) *excelize.File {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func sheet(t *testing.T, x *excelize.File, name string) [][]string {
	t.Helper()
	rows, err := x.GetRows(name)
	if err != nil {
		t.Fatalf("sheet %q: %v (have %v)", name, err, x.GetSheetList())
	}
	return rows
}

func (w *world) answer(unit string, period progressbot.Period, a progressbot.Answer) {
	w.t.Helper()
	a.Unit, a.Period = unit, period
	if _, err := w.db.SaveAnswer(context.Background(), w.e.Plan.ID, a); err != nil {
		w.t.Fatal(err)
	}
}

func indRef(key string) progressbot.ItemRef {
	return progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: key}
}

func TestExportAdmin(t *testing.T) {
	w := newWorld(t)
	v := 201.0
	w.answer("hukou", nov, progressbot.Answer{Item: indRef("above-scale-enterprises"), Value: &v, Raw: "201"})
	admin := w.invited(store.RoleAdmin, "", "", "zh-CN")
	admin.cmd("export", "")
	doc := admin.document(t)
	if doc.Name != "progress-2026-11.xlsx" {
		t.Errorf("file name %q", doc.Name)
	}
	admin.sees(t, "【全市】2026年11月进展报表", "应报", "◀ 2026年10月", "任务表 CSV")
	if _, ok := admin.button("▶"); ok {
		t.Error("a button to a month that has not opened")
	}
	x := openXLSX(t, doc)
	rows := sheet(t, x, "县区-规上企业")
	found := false
	for _, r := range rows {
		if r[0] == "湖口县" && r[2] == "201" && r[6] == "正常" {
			found = true
		}
	}
	if !found {
		t.Errorf("湖口县's 201 not in the county sheet: %q", rows)
	}

	admin.press("任务表 CSV")
	doc = admin.document(t)
	if doc.Name != "tasks-2026-11.csv" {
		t.Errorf("csv file name %q", doc.Name)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(doc.Data, []byte("\ufeff")))).ReadAll()
	if err != nil || len(recs) < 100 || recs[0][0] != "事项" {
		t.Errorf("tasks csv: %d records, %v", len(recs), err)
	}
	admin.sees(t, "Excel 报表")

	admin.press("◀ 2026年10月")
	if doc := admin.document(t); doc.Name != "tasks-2026-10.csv" {
		t.Errorf("previous month: %q", doc.Name)
	}
	admin.sees(t, "2026年11月 ▶")

	admin.cmd("export", "2026-09")
	if doc := admin.document(t); doc.Name != "progress-2026-09.xlsx" {
		t.Errorf("/export 2026-09: %q", doc.Name)
	}
	for _, bad := range []string{"2026-13", "2030-01", "2023-01", "next"} {
		admin.cmd("export", bad)
		admin.sees(t, "无效", "用法")
		if len(admin.last.Messages) != 1 || admin.last.Messages[0].Document != nil {
			t.Errorf("/export %s sent a file", bad)
		}
	}
	// A forged or stale button: nothing is sent.
	r := admin.do(flows.Input{Data: "x:f:2099-01:x"})
	if len(r.Messages) != 0 || !strings.Contains(r.Toast, "过期") {
		t.Errorf("forged month: %+v", r)
	}
}

func TestExportEnglish(t *testing.T) {
	w := newWorld(t)
	admin := w.invited(store.RoleAdmin, "", "", "en")
	admin.cmd("export", "csv")
	doc := admin.document(t)
	if doc.Name != "tasks-2026-11.csv" || !bytes.Contains(doc.Data, []byte("Coordination needed")) {
		t.Errorf("English csv %q: %.200s", doc.Name, doc.Data)
	}
	admin.sees(t, "Tasks, November 2026", "Excel workbook")
}

// taskNumbers lists the task numbers of a workbook's tasks sheet.
func taskNumbers(t *testing.T, x *excelize.File) []int {
	t.Helper()
	var out []int
	for _, r := range sheet(t, x, "任务推进")[1:] {
		if n, err := strconv.Atoi(strings.TrimPrefix(r[0], "任务")); err == nil && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func TestExportChainLeader(t *testing.T) {
	w := newWorld(t)
	p := w.e.Plan
	for _, chain := range []string{"petrochem", "electronics"} {
		leader := w.invited(store.RoleLeader, "", "chain:"+chain, "zh-CN")
		leader.cmd("export", "")
		doc := leader.document(t)
		if doc.Name != "progress-2026-11-"+chain+".xlsx" {
			t.Errorf("%s: file name %q", chain, doc.Name)
		}
		leader.sees(t, "【"+p.Chain(chain).Short+"】")
		x := openXLSX(t, doc)
		tasks := taskNumbers(t, x)
		if len(tasks) == 0 {
			t.Fatalf("%s: no tasks", chain)
		}
		for _, n := range tasks {
			if !slices.Contains(p.Task(n).Chains, chain) {
				t.Errorf("%s chief sees task %d of chains %v", chain, n, p.Task(n).Chains)
			}
		}
		for _, tk := range p.Tasks {
			if slices.Contains(tk.Chains, chain) && len(tk.Lead)+len(tk.Responsible) > 0 && !slices.Contains(tasks, tk.No) {
				t.Errorf("%s chief misses task %d", chain, tk.No)
			}
		}
		// Projects: the chain's only.
		for _, r := range sheet(t, x, "重大项目")[1:] {
			if !strings.Contains(r[3], p.Chain(chain).Short) {
				t.Errorf("%s chief sees project %q of %q", chain, r[0], r[3])
			}
		}
		// Another chain's office is not in the chain chief's rows.
		for _, r := range sheet(t, x, "任务推进")[1:] {
			if strings.Contains(r[2], "链长办") && !strings.Contains(r[2], p.Chain(chain).Short) {
				t.Errorf("%s chief sees %s's row", chain, r[2])
			}
		}
	}
}

func TestExportLiaisonAndCharts(t *testing.T) {
	w := newWorld(t)
	// 湖口县 reports its above-scale enterprises every month of 2026, 九江经开区 nothing.
	for m := 1; m <= 11; m++ {
		v := 190 + float64(m)
		w.answer("hukou", progressbot.Period{Year: 2026, Month: time.Month(m)}, progressbot.Answer{Item: indRef("above-scale-enterprises"), Value: &v, Raw: "x"})
	}
	li := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	li.cmd("export", "")
	doc := li.document(t)
	if doc.Name != "progress-2026-11-hukou.xlsx" {
		t.Errorf("file name %q", doc.Name)
	}
	x := openXLSX(t, doc)
	for _, r := range sheet(t, x, "任务推进")[1:] {
		if r[2] != "湖口县" {
			t.Fatalf("湖口县's liaison sees a row of %s", r[2])
		}
	}
	county := sheet(t, x, "县区-规上企业")
	if len(county) != 2 || county[1][0] != "湖口县" || county[1][2] != "201" {
		t.Errorf("county sheet: %q", county)
	}

	// The pace chart, then an indicator's path from its numbered button.
	li.press("进度图")
	ph := li.photo(t)
	img, err := png.Decode(bytes.NewReader(ph.Data))
	if err != nil || img.Bounds().Dx() != 800 {
		t.Fatalf("pace chart: %v", err)
	}
	li.sees(t, "【湖口县】2026年11月指标进度", "规模以上工业企业户数")
	caption := li.text()
	if len([]rune(caption)) > 1024 {
		t.Errorf("caption of %d characters", len([]rune(caption)))
	}
	// Find the number of above-scale enterprises in the caption and press it.
	n := ""
	for _, line := range strings.Split(caption, "\n") {
		if strings.Contains(line, "规模以上工业企业户数") {
			n, _, _ = strings.Cut(line, ".")
		}
	}
	li.press(n)
	li.photo(t)
	li.sees(t, "【湖口县】规模以上工业企业户数（户）", "2026年11月：201户", "按进度应达 198户", "正常")

	// Another county's liaison pressing 湖口县's buttons gets nothing of 湖口县.
	other := w.invited(store.RoleLiaison, "pengze", "", "zh-CN")
	for _, data := range []string{"x:cp:hukou:202611", "x:ci:above-scale-enterprises:hukou:202611", "x:ci:above-scale-enterprises:" + w.e.Plan.City + ":202611"} {
		r := other.do(flows.Input{Data: data})
		if len(r.Messages) != 1 || r.Messages[0].Photo != nil || !strings.Contains(r.Messages[0].Text, "不在您的查看范围") {
			t.Errorf("%s: pengze got %+v", data, r)
		}
	}
	// The admin sees the city total's path.
	admin := w.invited(store.RoleAdmin, "", "", "zh-CN")
	admin.do(flows.Input{Data: "x:ci:above-scale-enterprises:" + w.e.Plan.City + ":202611"})
	admin.photo(t)
	admin.sees(t, "未报")
}
