package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// TestInputsPerRoute counts what a county's liaison does for a month, from /report to the
// confirmation, by each route: every item typed afresh, and everything carried over from
// last month. The figures are in the README (go test ./flows -run TestInputsPerRoute -v).
func TestInputsPerRoute(t *testing.T) {
	const unit = "hukou"
	for _, lang := range []string{"zh-CN", "en"} {
		loc := locales.For(lang)
		zh := lang == "zh-CN"
		t.Run("typed/"+lang, func(t *testing.T) {
			w := newWorld(t)
			li := w.invited(store.RoleLiaison, unit, "", lang)
			li.inputs = 0
			n := typeMonth(t, w, li, unit, nov, zh)
			perTask := 0
			for _, c := range n.task {
				perTask = max(perTask, c)
			}
			t.Logf("%s, %s typed afresh: %d inputs (%d indicators, %d tasks, %d projects); at most %d a task",
				unit, nov, li.inputs, len(n.ind), len(n.task), len(n.proj), perTask)
			if perTask > 2 {
				t.Errorf("a task took %d inputs, want at most 2", perTask)
			}
		})
		t.Run("as last month/"+lang, func(t *testing.T) {
			w := newWorld(t)
			ctx := context.Background()
			li := w.invited(store.RoleLiaison, unit, "", lang)
			oct := nov.Prev()
			w.setNow(time.Date(2026, 10, 26, 10, 0, 0, 0, shanghai))
			typeMonth(t, w, li, unit, oct, zh)
			w.setNow(time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai))

			li.inputs = 0
			li.cmd("report", "")
			li.press(loc.T("button.carry_all"))
			carried := 0
			for _, ref := range w.e.Plan.Due(unit, nov) {
				if ref.Kind != progressbot.ItemIndicator {
					carried++
				}
			}
			li.sees(t, loc.T("report.carried", "Count", carried))
			for li.answerCurrent(t, zh) {
			}
			li.sees(t, loc.T("answer.done_carried"))
			li.press(loc.T("button.submit"))
			li.press(loc.T("button.submit_confirm"))
			li.sees(t, loc.T("report.submitted_short"))
			t.Logf("%s, %s all as last month: %d inputs", unit, nov, li.inputs)
			if li.inputs > 6 {
				t.Errorf("an unchanged month took %d inputs, want at most 6", li.inputs)
			}
			// What was carried is marked so, audited with its source; values are not carried.
			rep, err := w.db.Report(ctx, w.e.Plan.ID, unit, nov)
			if err != nil {
				t.Fatal(err)
			}
			for _, ref := range w.e.Plan.Due(unit, nov) {
				a := rep.Answers[ref]
				switch ref.Kind {
				case progressbot.ItemIndicator:
					if a.Source == progressbot.SourceCarried || a.Value == nil {
						t.Errorf("%s: %+v, want a value typed this month", ref, a)
					}
				case progressbot.ItemTask, progressbot.ItemWorkItem:
					if a.Source != progressbot.SourceCarried || !a.DoneCarried || a.Status == "" || a.Done == "" || a.UserID != li.id {
						t.Errorf("%s: %+v, want carried with its status and what was done", ref, a)
					}
				case progressbot.ItemProject:
					if a.Source != progressbot.SourceCarried || a.Stage == "" {
						t.Errorf("%s: %+v, want its stage carried", ref, a)
					}
				}
			}
		})
	}
}

// monthInputs is how many inputs each item took, by kind.
type monthInputs struct{ ind, task, proj []int }

// typeMonth answers every item of a unit's report afresh and submits it, counting the
// inputs each item took.
func typeMonth(t *testing.T, w *world, li *person, unit string, p progressbot.Period, zh bool) monthInputs {
	t.Helper()
	loc := locales.For(li.lang)
	var n monthInputs
	li.cmd("report", "")
	li.press(loc.T("button.start"))
	due := w.e.Plan.Due(unit, p)
	for i := 0; i < len(due); i++ {
		before := li.inputs
		if !li.answerCurrent(t, zh) {
			t.Fatalf("item %d of %d not shown:\n%s", i+1, len(due), li.screen())
		}
		c := li.inputs - before
		switch due[i].Kind {
		case progressbot.ItemIndicator:
			n.ind = append(n.ind, c)
		case progressbot.ItemProject:
			n.proj = append(n.proj, c)
		default:
			n.task = append(n.task, c)
		}
	}
	if !strings.Contains(li.screen(), loc.T("button.submit")) {
		t.Fatalf("no review after the last item:\n%s", li.screen())
	}
	li.press(loc.T("button.submit"))
	li.press(loc.T("button.submit_confirm"))
	li.sees(t, loc.T("report.submitted_short"))
	return n
}

// TestCarriedMarkedForLeaders: what was done, carried over unchanged, reaches leaders
// marked 同上月 in the rollup by unit and in the workbook, so that nobody takes it for
// this month's words.
func TestCarriedMarkedForLeaders(t *testing.T) {
	const unit = "hukou"
	w := newWorld(t)
	li := w.invited(store.RoleLiaison, unit, "", "zh-CN")
	w.setNow(time.Date(2026, 10, 26, 10, 0, 0, 0, shanghai))
	typeMonth(t, w, li, unit, nov.Prev(), true)
	w.setNow(time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai))
	li.cmd("report", "")
	li.press("全部同上月")
	for li.answerCurrent(t, true) {
	}
	li.press("提交")
	li.press("确认提交")
	zh := locales.For("zh-CN")

	l := w.invited(store.RoleLeader, "", "", "zh-CN")
	l.say("任务1 2026-11")
	l.press("按单位")
	l.press("下一页")
	l.sees(t, zh.T("leader.done_carried", "Text", "完成调研"))

	l.cmd("export", "2026-11")
	x := openXLSX(t, l.document(t))
	found := false
	for _, name := range x.GetSheetList() {
		for _, row := range sheet(t, x, name) {
			found = found || strings.Contains(strings.Join(row, "|"), zh.T("export.note.done_carried"))
		}
	}
	if !found {
		t.Errorf("the workbook does not mark what was carried:\n%s", l.screen())
	}
}
