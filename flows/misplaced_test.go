package flows_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// TestNoPressUndoesFinishedWork: each press a liaison may make by mistake, in both
// languages, and what it must leave as it was.
func TestNoPressUndoesFinishedWork(t *testing.T) {
	const unit = "hukou"
	tests := []struct {
		name string
		run  func(t *testing.T, w *world, li *person, loc *locales.Localizer)
	}{
		{"skip on an answered item keeps the answer", func(t *testing.T, w *world, li *person, loc *locales.Localizer) {
			pos := walkToLoc(t, w, li, unit, progressbot.ItemTask, loc)
			ref := w.e.Plan.Due(unit, nov)[pos]
			li.press(loc.T("status.lagging"))
			li.say("x-done")
			li.press(loc.T("button.back"))
			li.press(loc.T("button.skip"))
			if a := answer(t, w, unit, ref); a.Skipped || a.Done != "x-done" || a.Status != progressbot.StatusLagging {
				t.Errorf("after 跳过: %+v", a)
			}
			// A half answer stays too.
			li.press(loc.T("button.back"))
			li.press(loc.T("button.back"))
			next := w.e.Plan.Due(unit, nov)[pos-1]
			li.press(loc.T("button.skip")) // the item before: open, so skipped
			if a := answer(t, w, unit, next); !a.Skipped {
				t.Errorf("an open item was not skipped: %+v", a)
			}
		}},
		{"a half-answered task keeps its status on skip", func(t *testing.T, w *world, li *person, loc *locales.Localizer) {
			pos := walkToLoc(t, w, li, unit, progressbot.ItemTask, loc)
			ref := w.e.Plan.Due(unit, nov)[pos]
			li.press(loc.T("status.on_track"))
			li.press(loc.T("button.skip"))
			if a := answer(t, w, unit, ref); a.Skipped || a.Status != progressbot.StatusOnTrack {
				t.Errorf("after 跳过 on a half answer: %+v", a)
			}
		}},
		{"submit with open items asks first, naming how many", func(t *testing.T, w *world, li *person, loc *locales.Localizer) {
			li.cmd("report", "")
			li.press(loc.T("button.review"))
			li.press(loc.T("button.submit"))
			open := len(w.e.Plan.Due(unit, nov))
			li.sees(t, fmt.Sprint(open), loc.T("button.submit_anyway"))
			if rep, _ := w.db.Report(context.Background(), w.e.Plan.ID, unit, nov); rep.State == progressbot.ReportSubmitted {
				t.Fatal("submitted before the liaison confirmed")
			}
			li.press(loc.T("button.continue"))
			li.sees(t, "1/")
		}},
		{"continue with every item filled opens the review", func(t *testing.T, w *world, li *person, loc *locales.Localizer) {
			li.cmd("report", "")
			li.press(loc.T("button.start"))
			for li.answerCurrent(t, li.lang == "zh-CN") {
			}
			li.cmd("report", "")
			li.sees(t, loc.T("report.all_answered"))
			li.press(loc.T("button.continue"))
			li.sees(t, loc.T("button.submit"))
			if _, ok := li.button(loc.T("button.edit", "N", 1)); !ok {
				t.Errorf("继续填报 did not open the review:\n%s", li.screen())
			}
		}},
		{"the confirmation offers the reopen it names", func(t *testing.T, w *world, li *person, loc *locales.Localizer) {
			li.cmd("report", "")
			li.press(loc.T("button.review"))
			li.press(loc.T("button.submit"))
			li.press(loc.T("button.submit_anyway"))
			li.sees(t, loc.T("button.reopen"))
			if _, ok := li.button(loc.T("button.reopen")); !ok {
				t.Errorf("the confirmation names a button it does not show:\n%s", li.screen())
			}
			// After the deadline no text names reopening.
			w.setNow(time.Date(2026, 12, 9, 9, 0, 0, 0, shanghai))
			li.say("change")
			if _, ok := li.button(loc.T("button.reopen")); ok || strings.Contains(li.screen(), loc.T("report.already_submitted_text")) {
				t.Errorf("after the deadline:\n%s", li.screen())
			}
		}},
		{"all as last month keeps what was typed this month", func(t *testing.T, w *world, li *person, loc *locales.Localizer) {
			w.setNow(time.Date(2026, 10, 26, 10, 0, 0, 0, shanghai))
			typeMonth(t, w, li, unit, nov.Prev(), li.lang == "zh-CN")
			w.setNow(time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai))
			pos := walkToLoc(t, w, li, unit, progressbot.ItemTask, loc)
			ref := w.e.Plan.Due(unit, nov)[pos]
			li.press(loc.T("status.done"))
			li.say("typed in November")
			li.cmd("report", "")
			li.press(loc.T("button.carry_all"))
			if a := answer(t, w, unit, ref); a.Done != "typed in November" || a.Source != progressbot.SourceChat {
				t.Errorf("全部同上月 replaced an answer of this month: %+v", a)
			}
		}},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, tt := range tests {
			t.Run(lang+"/"+tt.name, func(t *testing.T) {
				w := newWorld(t)
				li := w.invited(store.RoleLiaison, unit, "", lang)
				tt.run(t, w, li, locales.For(lang))
			})
		}
	}
}

// walkToLoc opens the report and skips to the first item of kind k, in the person's
// language.
func walkToLoc(t *testing.T, w *world, li *person, unit string, k progressbot.ItemKind, loc *locales.Localizer) int {
	t.Helper()
	li.cmd("report", "")
	li.press(loc.T("button.start"))
	for i, ref := range w.e.Plan.Due(unit, nov) {
		if ref.Kind == k {
			return i
		}
		li.press(loc.T("button.skip"))
	}
	t.Fatalf("%s owes no %s in %s", unit, k, nov)
	return -1
}

// TestNavigationRowIsLast: on every item screen the last row is 跳过 · 上一项 · 暂停, in
// that order, and a button shown only sometimes (保持不变) is above it, never inside.
func TestNavigationRowIsLast(t *testing.T) {
	w := newWorld(t)
	loc := locales.For("zh-CN")
	li := w.invited(store.RoleLiaison, "jjetdz", "", "zh-CN")
	want := []string{loc.T("button.skip"), loc.T("button.back"), loc.T("button.pause")}
	check := func(what string) {
		t.Helper()
		kb := li.last.Messages[len(li.last.Messages)-1].Keyboard
		if len(kb) == 0 {
			t.Fatalf("%s: no keyboard", what)
		}
		var last []string
		for _, b := range kb[len(kb)-1] {
			last = append(last, b.Label)
		}
		if !slices.Equal(last, want) {
			t.Errorf("%s: last row %q, want %q", what, last, want)
		}
		for _, row := range kb[:len(kb)-1] {
			for _, b := range row {
				if slices.Contains(want, b.Label) {
					t.Errorf("%s: %q outside the navigation row", what, b.Label)
				}
			}
		}
	}
	li.cmd("report", "")
	li.press(loc.T("button.start"))
	due := w.e.Plan.Due("jjetdz", nov)
	seen := map[string]bool{}
	for _, ref := range due {
		switch ref.Kind {
		case progressbot.ItemIndicator:
			check("indicator")
			li.say("99999999")
			check("indicator, implausible value")
			li.press(loc.T("button.redo"))
			li.say("12")
			if _, ok := li.button(loc.T("button.confirm")); ok {
				li.press(loc.T("button.confirm"))
			}
			li.press(loc.T("button.back"))
			check("indicator, answered (keep)")
			li.press(loc.T("button.keep"))
		case progressbot.ItemTask, progressbot.ItemWorkItem:
			check("task")
			li.press(loc.T("button.coord"))
			check("task, coordination")
			li.press(loc.T("button.none"))
			li.press(loc.T("status.on_track"))
			check("task, what was done")
			li.say("done")
		case progressbot.ItemProject:
			check("project")
			li.press(loc.T("stage.started"))
		}
		seen[string(ref.Kind)] = true
	}
	for _, k := range []string{"ind", "task", "proj"} {
		if !seen[k] {
			t.Errorf("no %s screen checked", k)
		}
	}
}

// TestTwoLiaisonsOfOneUnit: two liaisons of one unit report at once. Each sees the
// other's answers on the next screen, nothing either gave is lost, and 重新打开修改 takes
// effect on the first press, whoever submitted.
func TestTwoLiaisonsOfOneUnit(t *testing.T) {
	const unit = "hukou"
	w := newWorld(t)
	ctx := context.Background()
	loc := locales.For("zh-CN")
	a := w.invited(store.RoleLiaison, unit, "", "zh-CN")
	b := w.invited(store.RoleLiaison, unit, "", "zh-CN")
	due := w.e.Plan.Due(unit, nov)

	a.cmd("report", "")
	a.press(loc.T("button.start"))
	b.cmd("report", "")
	b.press(loc.T("button.start"))
	a.say("150") // the indicator, by a
	// b still shows the indicator; b's next screen is the next open item, a's answer kept.
	b.press(loc.T("button.skip"))
	if got := answer(t, w, unit, due[0]); got.Value == nil || *got.Value != 150 {
		t.Errorf("b's 跳过 replaced a's answer: %+v", got)
	}
	b.sees(t, "〔2/")
	b.press(loc.T("status.on_track"))
	b.say("b-done")
	// a, shown item 2 before b answered it, presses 跳过: b's answer stays, and a's
	// next screens show it.
	a.press(loc.T("button.skip"))
	a.sees(t, "〔3/")
	a.press(loc.T("button.back"))
	a.sees(t, loc.T("report.current", "Value", loc.T("status.on_track")))
	if h, _ := w.db.History(ctx, w.e.Plan.ID, unit, nov, due[1]); len(h) != 2 {
		t.Errorf("item 2's history: %d answers, want b's two parts", len(h))
	}

	// a submits; b's next press shows it, and b's first press of 重新打开修改 reopens.
	a.cmd("report", "")
	a.press(loc.T("button.review"))
	a.press(loc.T("button.submit"))
	a.press(loc.T("button.submit_anyway"))
	a.sees(t, loc.T("report.submitted_short"))
	b.cmd("report", "")
	b.press(loc.T("button.reopen"))
	if rep, _ := w.db.Report(ctx, w.e.Plan.ID, unit, nov); rep.State != progressbot.ReportOpen {
		t.Fatalf("b's first 重新打开修改 left the report %s", rep.State)
	}
	b.sees(t, loc.T("button.submit"))
	// a's confirmation still carries its reopen button: pressed now, the report is
	// already open and a lands in the review, nothing reopened twice.
	a.press(loc.T("button.reopen"))
	a.sees(t, loc.T("button.submit"))
	ev, _ := w.db.Events(ctx, w.e.Plan.ID, unit, nov)
	if len(ev) != 2 || ev[0].Event != "submit" || ev[1].Event != "reopen" {
		t.Errorf("events %+v, want submit then one reopen", ev)
	}
	rep, _ := w.db.Report(ctx, w.e.Plan.ID, unit, nov)
	if got := rep.Answers[due[1]]; got.Done != "b-done" {
		t.Errorf("b's answer lost: %+v", got)
	}
}
