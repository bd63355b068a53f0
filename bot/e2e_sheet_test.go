package bot_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/locales"
)

// TestE2ESpreadsheet: the spreadsheet both ways through Telegram, in both languages. The
// liaison presses 用表格填报 and gets the unit's form as a document; fills every item in it;
// sends it back; reads the one summary and presses 保存; then submits. Files that cannot be taken get a clear answer and change
// nothing.
func TestE2ESpreadsheet(t *testing.T) {
	inEachLanguage(t, func(t *testing.T, r *rig, lang string, loc *locales.Localizer) {
		ctx := context.Background()
		u, other := r.liaison(8901, lang, "hukou"), r.liaison(8902, lang, "pengze")

		sent := len(r.srv.CallsOf("sendDocument"))
		u.say("/report")
		u.press(loc.T("sheet.button"))
		docs := r.srv.CallsOf("sendDocument")
		if len(docs) != sent+1 || !strings.HasSuffix(docs[len(docs)-1].FileName, ".xlsx") {
			t.Fatalf("no form sent: %d documents", len(docs)-sent)
		}
		form := docs[len(docs)-1].FileData

		// Files it cannot take: a clear answer each, nothing saved.
		other.say("/report")
		other.press(loc.T("sheet.button"))
		pengze := r.srv.CallsOf("sendDocument")
		bad := []bottest.File{
			{Name: "notes.xlsx", MIME: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: []byte("not a zip")},
			{Name: "pengze.xlsx", Data: pengze[len(pengze)-1].FileData}, // another unit's form
			{Name: "empty.xlsx", Data: form}, // nothing filled in
		}
		for _, f := range bad {
			u.send(f)
			if u.hasButton(loc.T("sheet.button_save")) {
				t.Errorf("%s: offered to save:\n%s", f.Name, u.last())
			}
		}
		if rep, _ := r.db.Report(ctx, r.plan.ID, "hukou", nov); len(rep.Answers) != 0 {
			t.Fatalf("refused files saved %d answers", len(rep.Answers))
		}

		// The whole month in the form.
		x, err := excelize.OpenReader(bytes.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		sheet := x.GetSheetName(0)
		rows, _ := x.GetRows(sheet)
		filled := 0
		for i, row := range rows {
			if len(row) < 11 {
				continue
			}
			ref, err := progressbot.ParseItemRef(row[10])
			if err != nil {
				continue
			}
			cells := map[string]any{}
			switch ref.Kind {
			case progressbot.ItemIndicator:
				cells["G"] = "1.2万"
			case progressbot.ItemProject:
				cells["H"] = loc.T("stage.started")
			default:
				cells["H"], cells["I"] = loc.T("status.on_track"), "survey"
			}
			for col, v := range cells {
				x.SetCellValue(sheet, col+strconv.Itoa(i+1), v)
			}
			filled++
		}
		buf, err := x.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		due := len(r.plan.Due("hukou", nov))
		if filled != due {
			t.Fatalf("the form has %d item rows, %d due", filled, due)
		}

		u.say("/report")
		u.press(loc.T("sheet.button"))
		u.send(bottest.File{Name: "hukou.xlsx", Data: buf.Bytes()})
		u.press(loc.T("sheet.button_save"))
		u.press(loc.T("button.submit"))
		u.press(loc.T("button.submit_confirm"))
		u.sees(loc.T("report.submitted_short"))
		rep, _ := r.db.Report(ctx, r.plan.ID, "hukou", nov)
		if rep.State != progressbot.ReportSubmitted || len(rep.Answers) != due {
			t.Fatalf("report %s with %d answers, %d due", rep.State, len(rep.Answers), due)
		}
		for _, a := range rep.Answers {
			if a.Source != progressbot.SourceSheet || a.Skipped {
				t.Errorf("%s: %+v, want read from the spreadsheet", a.Item, a)
			}
			if a.Value != nil && *a.Value != 12000 {
				t.Errorf("%s: 1.2万 read as %v", a.Item, *a.Value)
			}
		}
	})
}

// TestE2EWorkbookAsEvidence: a workbook that is not the bot's form, sent on a task's
// screen, is evidence for the task like any office document; sent with no item open, it
// is refused as not a form.
func TestE2EWorkbookAsEvidence(t *testing.T) {
	inEachLanguage(t, func(t *testing.T, r *rig, lang string, loc *locales.Localizer) {
		u := r.liaison(8911, lang, "hukou")
		x := excelize.NewFile()
		x.SetCellValue("Sheet1", "A1", "台账")
		buf, err := x.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		table := bottest.File{Name: "台账.xlsx", Data: buf.Bytes()}
		u.say("/report")
		u.send(table)
		if n := len(r.evidence("hukou")); n != 0 {
			t.Fatalf("a workbook sent on the first screen was attached (%d)", n)
		}
		u.pressOn(lastWithButtons(r, u.id), loc.T("button.start"))
		u.say("12") // the indicator; a task is on screen now
		u.send(table)
		evs := r.evidence("hukou")
		if len(evs) != 1 || evs[0].Name != "台账.xlsx" || evs[0].Item.Kind != progressbot.ItemTask {
			t.Errorf("a workbook on a task's screen: %+v", evs)
		}
	})
}
