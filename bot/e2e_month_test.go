package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// TestE2ECarriedMonth: a county's liaison, through Telegram in both languages, reports
// October item by item, then carries November over from it in one press: only the
// indicator is asked, the review shows what was carried, 提交 asks before it sends, and
// the confirmation carries the reopen button it names.
func TestE2ECarriedMonth(t *testing.T) {
	inEachLanguage(t, func(t *testing.T, r *rig, lang string, loc *locales.Localizer) {
		zh := loc.Lang != "en"
		ctx := context.Background()
		u := r.liaison(8801, lang, "hukou")

		r.mu.Lock()
		r.now = time.Date(2026, 10, 26, 10, 0, 0, 0, shanghai)
		r.mu.Unlock()
		u.say("/report")
		if u.hasButton(loc.T("button.carry_all")) {
			t.Fatal("全部同上月 offered with no earlier report")
		}
		u.press(loc.T("button.start"))
		for u.answer(zh) {
		}
		u.press(loc.T("button.submit"))
		u.press(loc.T("button.submit_confirm"))
		u.sees(loc.T("report.submitted_short"))

		r.mu.Lock()
		r.now = time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai)
		r.mu.Unlock()
		u.say("/report")
		u.press(loc.T("button.carry_all"))
		// Only the indicator is asked; values are not carried.
		u.sees(loc.T("report.ask_value", "Measure", loc.MeasureName(r.plan.Indicator(r.plan.Due("hukou", nov)[0].Key).Measure)))
		u.say("12")
		u.sees(loc.T("answer.done_carried"))
		u.press(loc.T("button.submit"))
		if !u.hasButton(loc.T("button.submit_confirm")) {
			t.Fatalf("提交 did not ask first:\n%s", u.last())
		}
		rep, _ := r.db.Report(ctx, r.plan.ID, "hukou", nov)
		if rep.State == progressbot.ReportSubmitted {
			t.Fatal("submitted before confirming")
		}
		u.press(loc.T("button.submit_confirm"))
		u.sees(loc.T("report.submitted_short"))
		if !u.hasButton(loc.T("button.reopen")) {
			t.Errorf("the confirmation names reopening without its button:\n%s", u.last())
		}
		rep, _ = r.db.Report(ctx, r.plan.ID, "hukou", nov)
		carried := 0
		for _, a := range rep.Answers {
			if a.Source == progressbot.SourceCarried {
				carried++
			}
		}
		if due := len(r.plan.Due("hukou", nov)); carried != due-1 || len(rep.Answers) != due {
			t.Errorf("%d answers, %d carried, for %d due (one indicator)", len(rep.Answers), carried, due)
		}
	})
}

// hasButton reports whether the bot's latest message has a button labelled label.
func (u *tgUser) hasButton(label string) bool {
	if m := u.r.srv.Last(u.id); m != nil {
		for _, row := range m.Buttons {
			for _, b := range row {
				if b.Text == label {
					return true
				}
			}
		}
	}
	return false
}

// inEachLanguage runs a test on a fresh rig for a Chinese and for an English speaker.
func inEachLanguage(t *testing.T, run func(t *testing.T, r *rig, lang string, loc *locales.Localizer)) {
	for _, lang := range []string{"zh-hans", "en"} {
		t.Run(lang, func(t *testing.T) { run(t, newRig(t), lang, locales.For(locales.Match(lang))) })
	}
}

// liaison is a person who redeemed a liaison's invite for unit.
func (r *rig) liaison(id int64, lang, unit string) *tgUser {
	u := r.user(id, lang)
	u.say("/start " + r.invite(store.RoleLiaison, unit))
	return u
}
