package flows_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/export"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
	"github.com/xuri/excelize/v2"
)

// memFiles serves the files people send from memory, by id.
type memFiles map[string][]byte

func (m memFiles) Open(_ context.Context, f flows.InFile) (io.ReadCloser, error) {
	b, ok := m[f.ID]
	if !ok {
		return nil, errors.New("no such file")
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// send has the person send a file as a document.
func (p *person) send(files memFiles, name string, data []byte) flows.Reply {
	id := "f" + strconv.Itoa(len(files))
	files[id] = data
	return p.do(flows.Input{File: &flows.InFile{ID: id, Name: name, Size: int64(len(data))}})
}

// sheetForm presses 用表格填报 on the report's first screen and opens the form sent.
func sheetForm(t *testing.T, li *person, lang string) *excelize.File {
	t.Helper()
	li.cmd("report", "")
	r := li.press(locales.For(lang).T("sheet.button"))
	if len(r.Messages) != 1 || r.Messages[0].Document == nil || !strings.HasSuffix(r.Messages[0].Document.Name, ".xlsx") {
		t.Fatalf("no form sent: %+v", r)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Messages[0].Document.Data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// fill writes cells of an item's row, found by the hidden id column K.
func fill(t *testing.T, f *excelize.File, ref progressbot.ItemRef, cells map[string]any) int {
	t.Helper()
	sheet := f.GetSheetName(0)
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if len(r) >= 11 && r[10] == ref.String() {
			for col, v := range cells {
				if err := f.SetCellValue(sheet, col+strconv.Itoa(i+1), v); err != nil {
					t.Fatal(err)
				}
			}
			return i + 1
		}
	}
	t.Fatalf("no row for %s", ref)
	return 0
}

func xlsx(t *testing.T, f *excelize.File) []byte {
	t.Helper()
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sheetWorld is a world whose engine fetches files from memory, and 湖口县's liaison.
func sheetWorld(t *testing.T, lang string) (*world, memFiles, *person) {
	t.Helper()
	w := newWorld(t)
	files := memFiles{}
	w.e.Files = files
	return w, files, w.invited(store.RoleLiaison, "hukou", "", lang)
}

func (w *world) report(unit string) progressbot.Report {
	w.t.Helper()
	r, err := w.db.Report(context.Background(), w.e.Plan.ID, unit, nov)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

func TestSheetRoundTrip(t *testing.T) {
	for _, lang := range locales.Languages {
		t.Run(lang, func(t *testing.T) {
			loc := locales.For(lang)
			w, files, li := sheetWorld(t, lang)
			ind, t6, t7, t8, proj := mustRef("ind:above-scale-enterprises"), mustRef("task:6"), mustRef("task:7"), mustRef("task:8"), mustRef("proj:tinci-longshan-base")
			// Task 8 was typed in the chat before; the spreadsheet changes it.
			if _, err := w.db.SaveAnswer(context.Background(), w.e.Plan.ID, progressbot.Answer{Unit: "hukou", Period: nov, Item: t8,
				Status: progressbot.StatusOnTrack, Done: "typed", Coordination: loc.T("report.none_value")}); err != nil {
				t.Fatal(err)
			}
			f := sheetForm(t, li, lang)
			fill(t, f, ind, map[string]any{"G": "270"})
			fill(t, f, t6, map[string]any{"H": loc.T("status.on_track"), "I": "走访企业"})
			bad := fill(t, f, t7, map[string]any{"H": "进行中", "I": "x"})
			fill(t, f, t8, map[string]any{"H": loc.T("status.done")})
			fill(t, f, t8, map[string]any{"I": "typed"})
			fill(t, f, proj, map[string]any{"H": loc.T("stage.started")})
			summary := li.send(files, "report.xlsx", xlsx(t, f))
			li.sees(t, loc.T("sheet.summary.save", "Count", 4, "New", 3, "Changed", 1),
				loc.T("sheet.summary.problem", "Row", bad, "Column", "H", "Field", loc.T("sheet.col.state"),
					"Why", loc.T("sheet.why.status_unknown", "Text", "进行中", "Labels", statusLabels(loc))),
				"→ "+loc.T("status.done"))
			if strings.Contains(li.screen(), "sheet.") {
				t.Errorf("a message id shows:\n%s", li.screen())
			}
			if got := len(w.report("hukou").Answers); got != 1 {
				t.Fatalf("%d answers saved before 保存", got)
			}
			r := li.press(loc.T("sheet.button_save"))
			if !r.Messages[0].Edit || !strings.Contains(r.Messages[0].Text, loc.T("sheet.summary.saved", "Count", 4)) {
				t.Errorf("the summary does not say it was saved: %+v", r.Messages[0])
			}
			unit := w.e.Plan.Unit("hukou").Name
			if lang == "en" {
				unit = w.e.Plan.Unit("hukou").En
			}
			li.sees(t, loc.T("report.review", "Unit", unit, "Period", loc.T("period.label", "Year", 2026, "Month", 11, "MonthName", "November"),
				"Answered", 4, "Skipped", 0, "Open", len(w.e.Plan.Due("hukou", nov))-4))
			rep := w.report("hukou")
			for _, it := range []progressbot.ItemRef{ind, t6, t8, proj} {
				a, ok := rep.Answers[it]
				if !ok || a.Source != progressbot.SourceSheet || a.UserID != li.id {
					t.Errorf("%s: %+v", it, a)
				}
			}
			if a := rep.Answers[t8]; a.Status != progressbot.StatusDone {
				t.Errorf("task 8 not changed: %+v", a)
			}
			if _, ok := rep.Answers[t7]; ok {
				t.Error("the refused row was saved")
			}
			// A second press on 保存 saves nothing more.
			li.last = summary
			if r := li.press(loc.T("sheet.button_save")); r.Toast != loc.T("button.stale") {
				t.Errorf("second 保存: toast %q", r.Toast)
			}
			if n := len(history(t, w, t6)); n != 1 {
				t.Errorf("task 6 has %d answers after a second 保存", n)
			}
		})
	}
}

func statusLabels(loc *locales.Localizer) string {
	var ls []string
	for _, s := range progressbot.TaskStatuses {
		ls = append(ls, loc.T("status."+string(s)))
	}
	return strings.Join(ls, loc.T("sheet.label_sep"))
}

func mustRef(s string) progressbot.ItemRef {
	r, err := progressbot.ParseItemRef(s)
	if err != nil {
		panic(err)
	}
	return r
}

func history(t *testing.T, w *world, it progressbot.ItemRef) []progressbot.Answer {
	t.Helper()
	h, err := w.db.History(context.Background(), w.e.Plan.ID, "hukou", nov, it)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestSheetCancel(t *testing.T) {
	w, files, li := sheetWorld(t, "zh-CN")
	li.cmd("report", "")
	if kb := li.last.Messages[0].Keyboard; len(kb) < 2 || len(kb[1]) != 1 || kb[1][0].Label != "用表格填报" {
		t.Errorf("用表格填报 is not a row of its own under 开始填报:\n%s", li.screen())
	}
	f := sheetForm(t, li, "zh-CN")
	fill(t, f, mustRef("task:6"), map[string]any{"H": "滞后", "I": "x"})
	li.send(files, "report.xlsx", xlsx(t, f))
	summary := li.last
	r := li.press("取消")
	if !strings.Contains(r.Messages[0].Text, "已取消") {
		t.Errorf("cancel says %q", r.Messages[0].Text)
	}
	li.last = summary
	if r := li.press("保存"); r.Toast != locales.For("zh-CN").T("button.stale") { // the summary's button, pressed after 取消
		t.Errorf("保存 after 取消: toast %q", r.Toast)
	}
	if n := len(w.report("hukou").Answers); n != 0 {
		t.Errorf("%d answers saved after 取消", n)
	}
}

// TestSheetCheck: a value that would be asked again when typed is listed for a check in
// the summary, and saved with the rest on 保存.
func TestSheetCheck(t *testing.T) {
	w, files, li := sheetWorld(t, "zh-CN")
	f := sheetForm(t, li, "zh-CN")
	ind := mustRef("ind:above-scale-enterprises")
	row := fill(t, f, ind, map[string]any{"G": "1.2万"})
	li.send(files, "report.xlsx", xlsx(t, f))
	li.sees(t, "请核对这些数值", "第"+strconv.Itoa(row)+"行", "远高于全年目标")
	li.press("保存")
	if a := w.report("hukou").Answers[ind]; a.Value == nil || *a.Value != 12000 || a.Raw != "1.2万" {
		t.Errorf("saved %+v", a)
	}
}

func TestSheetRefused(t *testing.T) {
	w := newWorld(t)
	p := w.e.Plan
	form := func(unit string, period progressbot.Period) []byte {
		var buf bytes.Buffer
		fm := export.Form{Plan: p, Unit: unit, Period: period, Due: p.Due(unit, period), Loc: locales.For("zh-CN")}
		if err := export.WriteForm(&buf, fm); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	blank := form("hukou", nov)
	tests := []struct {
		name string
		data []byte
		size int64 // declared, when not the data's
		zh   string
		en   string
	}{
		{"not a workbook", []byte("not a zip"), 0, "不能作为 Excel 表格", "does not open as an Excel workbook"},
		{"another unit's form", form("pengze", nov), 0, "这是彭泽县的填报表", "That is the form of Pengze County"},
		{"another month's form", form("hukou", nov.Prev()), 0, "这是2026年10月的填报表", "That is the form for October 2026"},
		{"no usable row", blank, 0, "没有可以保存的行", "no row that can be saved"},
		{"declared too large", blank, export.MaxFormBytes + 1, "文件太大", "too large"},
		{"too large", make([]byte, export.MaxFormBytes+1), 0, "文件太大", "too large"},
	}
	for _, tt := range tests {
		for _, lang := range locales.Languages {
			t.Run(tt.name+"/"+lang, func(t *testing.T) {
				w := newWorld(t)
				files := memFiles{"x": tt.data}
				w.e.Files = files
				li := w.invited(store.RoleLiaison, "hukou", "", lang)
				size := tt.size
				if size == 0 {
					size = int64(len(tt.data))
				}
				r := li.do(flows.Input{File: &flows.InFile{ID: "x", Name: "report.xlsx", Size: size}})
				want := tt.zh
				if lang == "en" {
					want = tt.en
				}
				li.sees(t, want)
				if _, ok := li.button(locales.For(lang).T("sheet.button_save")); ok || len(r.Messages) != 1 {
					t.Errorf("refused file offers to save: %s", li.screen())
				}
				if n := len(w.report("hukou").Answers); n != 0 {
					t.Errorf("%d answers saved", n)
				}
			})
		}
	}
}

func TestSheetWithoutFiles(t *testing.T) {
	w := newWorld(t)
	li := w.invited(store.RoleLiaison, "hukou", "", "en")
	li.do(flows.Input{File: &flows.InFile{ID: "x", Name: "report.xlsx", Size: 100}})
	li.sees(t, "Files cannot be received right now")
}

func TestSheetSubmitted(t *testing.T) {
	w, files, li := sheetWorld(t, "zh-CN")
	f := sheetForm(t, li, "zh-CN")
	if _, err := w.db.Submit(context.Background(), w.e.Plan.ID, "hukou", nov, store.Who{UserID: li.id, ChatID: li.id}); err != nil {
		t.Fatal(err)
	}
	fill(t, f, mustRef("task:6"), map[string]any{"H": "滞后", "I": "x"})
	li.send(files, "report.xlsx", xlsx(t, f))
	li.sees(t, "本期报告已经提交", "重新打开")
	if a, ok := w.report("hukou").Answers[mustRef("task:6")]; ok {
		t.Errorf("task 6 changed after submitting: %+v", a)
	}
}

// TestSheetLongSummary: a file full of mistakes still gets one message, which says how
// many more there are than it lists.
func TestSheetLongSummary(t *testing.T) {
	w := newWorld(t)
	files := memFiles{}
	w.e.Files = files
	li := w.invited(store.RoleLiaison, "gxj", "", "zh-CN")
	f := sheetForm(t, li, "zh-CN")
	due := w.e.Plan.Due("gxj", nov)
	for _, ref := range due {
		fill(t, f, ref, map[string]any{"G": "很多很多", "H": strings.Repeat("不知道", 10), "I": "x"})
	}
	li.send(files, "report.xlsx", xlsx(t, f))
	li.sees(t, "以下 "+strconv.Itoa(len(due))+" 处无法读取", "另有 "+strconv.Itoa(len(due)-12)+" 条", "没有可以保存的行")
	if n := len([]rune(li.text())); n > 4000 {
		t.Errorf("summary of %d characters", n)
	}
}

// TestInputsBySpreadsheet counts what a county's liaison does for a whole month by
// spreadsheet, from /report to the confirmation (filling the file not counted): at most
// 6 inputs. The figure is in the README (go test ./flows -run TestInputsBySpreadsheet -v).
func TestInputsBySpreadsheet(t *testing.T) {
	for _, lang := range locales.Languages {
		t.Run(lang, func(t *testing.T) {
			loc := locales.For(lang)
			w, files, li := sheetWorld(t, lang)
			li.inputs = 0
			f := sheetForm(t, li, lang)
			due := w.e.Plan.Due("hukou", nov)
			for _, ref := range due {
				switch ref.Kind {
				case progressbot.ItemIndicator:
					fill(t, f, ref, map[string]any{"G": 270.0})
				case progressbot.ItemProject:
					fill(t, f, ref, map[string]any{"H": loc.T("stage.started")})
				default:
					fill(t, f, ref, map[string]any{"H": loc.T("status.on_track"), "I": "走访企业"})
				}
			}
			li.send(files, "report.xlsx", xlsx(t, f))
			li.press(loc.T("sheet.button_save"))
			li.press(loc.T("button.submit"))
			li.press(loc.T("button.submit_confirm"))
			rep := w.report("hukou")
			t.Logf("hukou, %s by spreadsheet: %d inputs", nov, li.inputs)
			if rep.State != progressbot.ReportSubmitted || li.inputs > 6 {
				t.Errorf("report %s after %d inputs, want submitted in at most 6:\n%s", rep.State, li.inputs, li.screen())
			}
			for _, ref := range due {
				if a := rep.Answers[ref]; a.Source != progressbot.SourceSheet || a.Skipped {
					t.Errorf("%s: %+v, want answered from the spreadsheet", ref, a)
				}
			}
		})
	}
}

// countedFiles is memFiles that counts the downloads of each file.
type countedFiles struct {
	memFiles
	opens map[string]int
}

func (c countedFiles) Open(ctx context.Context, f flows.InFile) (io.ReadCloser, error) {
	c.opens[f.ID]++
	return c.memFiles.Open(ctx, f)
}

// TestWorkbookAsEvidence: a workbook that is not the form, sent with a task on screen, is
// attached to the task after one download (it used to be fetched again to be kept); one
// larger than any form is evidence too, not refused as a form too large; with no item
// open, both are refused as forms and nothing is attached.
func TestWorkbookAsEvidence(t *testing.T) {
	x := excelize.NewFile()
	x.SetCellValue("Sheet1", "A1", "台账")
	small := xlsx(t, x)
	// Past the form's limit: a zip whose one stored entry is that long (the evidence
	// check reads the signature, nothing more).
	var big bytes.Buffer
	big.WriteString("PK\x03\x04")
	big.Write(bytes.Repeat([]byte{'x'}, export.MaxFormBytes+1))
	for _, tc := range []struct {
		name      string
		data      []byte
		declared  int // the size Telegram gave; 0: the real one
		onTask    bool
		attached  bool
		refusal   string // message id, when refused
		downloads int    // at most
	}{
		{"not the form, on a task", small, 0, true, true, "", 1},
		{"larger than a form, on a task", big.Bytes(), 0, true, true, "", 1},
		// Declared small, found larger than a form once fetched: fetched again, whole.
		{"larger than declared, on a task", big.Bytes(), 1000, true, true, "", 2},
		{"not the form, first screen", small, 0, false, false, "sheet.file.not_form", 1},
		{"larger than a form, first screen", big.Bytes(), 0, false, false, "sheet.file.too_large", 0},
		{"larger than declared, first screen", big.Bytes(), 1000, false, false, "sheet.file.too_large", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc := locales.For("zh-CN")
			w := newWorld(t)
			files := countedFiles{memFiles{"f": tc.data}, map[string]int{}}
			w.e.Files = files
			li := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
			li.cmd("report", "")
			if tc.onTask {
				li.press(loc.T("button.start"))
				li.say("12") // the indicator; a task is on screen now
			}
			size := cmp.Or(tc.declared, len(tc.data))
			li.do(flows.Input{File: &flows.InFile{ID: "f", Name: "台账.xlsx", Size: int64(size)}})
			evs, err := w.db.EvidenceOf(context.Background(), w.e.Plan.ID, nov, "hukou")
			if err != nil {
				t.Fatal(err)
			}
			if got := len(evs) == 1 && evs[0].Name == "台账.xlsx" && evs[0].Item.Kind == progressbot.ItemTask; got != tc.attached || len(evs) > 1 {
				t.Fatalf("attached %+v, want attached %v; the bot said:\n%s", evs, tc.attached, li.text())
			}
			if tc.attached && evs[0].Size != int64(len(tc.data)) {
				t.Errorf("kept %d bytes of %d", evs[0].Size, len(tc.data))
			}
			if tc.refusal != "" {
				li.sees(t, loc.T(tc.refusal, "Max", export.MaxFormBytes>>20))
			}
			if n := files.opens["f"]; n > tc.downloads {
				t.Errorf("downloaded %d times, want at most %d", n, tc.downloads)
			}
		})
	}
}
