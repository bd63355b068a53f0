package bot_test

import (
	"context"
	"slices"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
)

// TestE2EMisplacedPresses: through Telegram, in both languages, the presses a liaison
// makes by mistake leave finished work as it was; two liaisons of one unit see each
// other's answers; the navigation row is the last row of every item's message; a
// liaison's /progress counts only what is due this month.
func TestE2EMisplacedPresses(t *testing.T) {
	inEachLanguage(t, func(t *testing.T, r *rig, lang string, loc *locales.Localizer) {
		zh := loc.Lang != "en"
		ctx := context.Background()
		a, b := r.liaison(8701, lang, "hukou"), r.liaison(8702, lang, "hukou")
		due := r.plan.Due("hukou", nov)
		nav := []string{loc.T("button.skip"), loc.T("button.back"), loc.T("button.pause")}
		lastRow := func(u *tgUser) []string {
			m := r.srv.Last(u.id)
			var labels []string
			if len(m.Buttons) > 0 {
				for _, btn := range m.Buttons[len(m.Buttons)-1] {
					labels = append(labels, btn.Text)
				}
			}
			return labels
		}

		a.say("/report")
		a.press(loc.T("button.start"))
		a.say("150") // item 1, the indicator
		if got := lastRow(a); !slices.Equal(got, nav) {
			t.Errorf("a task's last row %q, want %q", got, nav)
		}
		a.press(loc.T("status.lagging"))
		if got := lastRow(a); !slices.Equal(got, nav) {
			t.Errorf("what was done: last row %q, want %q", got, nav)
		}
		a.say("a-done") // item 2 whole: item 3 is asked

		// b opens the report at item 1 (answered by a): 跳过 keeps a's value.
		b.say("/report")
		b.press(loc.T("button.review"))
		b.press(loc.T("button.edit", "N", 1))
		b.sees("150")
		b.press(loc.T("button.skip"))
		rep, _ := r.db.Report(ctx, r.plan.ID, "hukou", nov)
		if v := rep.Answers[due[0]]; v.Skipped || v.Value == nil || *v.Value != 150 {
			t.Errorf("b's 跳过 replaced a's answer: %+v", v)
		}
		// b's review shows a's task answer.
		b.sees(loc.T("status.lagging"))

		// 提交 with open items asks first; 继续填报 goes on to what is open.
		b.press(loc.T("button.submit"))
		if !b.hasButton(loc.T("button.submit_anyway")) || !b.hasButton(loc.T("button.continue")) {
			t.Fatalf("提交 with open items did not ask:\n%s", b.last())
		}
		b.press(loc.T("button.continue"))
		b.sees(loc.T("report.progress", "Index", 3, "Total", len(due)))

		// Everything filled: 继续填报 on the first screen opens the review.
		for b.answer(zh) {
		}
		b.say("/report")
		b.press(loc.T("button.continue"))
		if !b.hasButton(loc.T("button.submit")) {
			t.Fatalf("继续填报 with every item filled did not open the review:\n%s", b.last())
		}
		b.press(loc.T("button.submit"))
		b.press(loc.T("button.submit_confirm"))
		if !b.hasButton(loc.T("button.reopen")) {
			t.Errorf("the confirmation names reopening without its button:\n%s", b.last())
		}

		// a's /progress: its own month, every due item answered, nothing open.
		a.say("/progress")
		a.sees(loc.T("liaison.progress.counts", "Due", len(due), "Answered", len(due), "Skipped", 0, "Open", 0))

		// a reopens with one press, from the message that offers it.
		a.say("/report")
		a.press(loc.T("button.reopen"))
		rep, _ = r.db.Report(ctx, r.plan.ID, "hukou", nov)
		if rep.State != progressbot.ReportOpen {
			t.Errorf("one press of 重新打开修改 left the report %s", rep.State)
		}
	})
}
