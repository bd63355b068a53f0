package flows_test

import (
	"strings"
	"testing"

	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// TestLiaisonProgress: a liaison's /progress shows their own month, counted over what is
// due in it: right after submitting every item, nothing is open.
func TestLiaisonProgress(t *testing.T) {
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			loc := locales.For(lang)
			w := newWorld(t)
			li := w.invited(store.RoleLiaison, "hukou", "", lang)
			due := len(w.e.Plan.Due("hukou", nov))
			li.cmd("progress", "")
			li.sees(t, loc.T("liaison.progress.counts", "Due", due, "Answered", 0, "Skipped", 0, "Open", due), loc.T("button.start"))
			typeMonth(t, w, li, "hukou", nov, lang == "zh-CN")
			li.cmd("progress", "")
			li.sees(t, loc.T("liaison.progress.counts", "Due", due, "Answered", due, "Skipped", 0, "Open", 0))
			if s := li.screen(); strings.Contains(s, loc.T("liaison.progress.open", "List", "")) {
				t.Errorf("open items listed after submitting all %d:\n%s", due, s)
			}
			li.press(loc.T("liaison.progress.rollup"))
			li.sees(t, loc.T("period.label", "Year", nov.Year, "Month", int(nov.Month), "MonthName", nov.Month.String()))
		})
	}
}
