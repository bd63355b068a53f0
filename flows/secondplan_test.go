package flows_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store/sessions"
	"github.com/progressbot/progressbot/store/storetest"
)

// TestSecondPlanNamesNothingOfTheBundled walks every screen of every role in both
// languages with a small invented plan loaded, and fails on any name of the bundled
// plan: help, usage, examples and greetings take their examples from the loaded plan.
func TestSecondPlanNamesNothingOfTheBundled(t *testing.T) {
	db, p := storetest.SecondPlanDB(t)
	banned := storetest.BundledNames(t, p)
	for _, lang := range locales.Languages {
		t.Run(lang, func(t *testing.T) {
			w := &world{t: t, db: db, now: time.Date(2026, 3, 12, 10, 0, 0, 0, shanghai), nextID: 1000 + int64(len(lang))*1000}
			clock := func() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.now }
			w.mem = sessions.NewMemory(sessions.Options{Now: clock})
			w.e = &flows.Engine{DB: db, Plan: p, Sessions: w.mem, Calendar: progressbot.DefaultCalendar(shanghai), Now: clock,
				Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			withSchedule(t, w)
			n := 0
			walkScreens(t, w, lang, func(what string, r flows.Reply, typed []string) {
				text := shown(r)
				for _, c := range r.Commands {
					text += "\n" + c.Description
				}
				// What was typed may be echoed ("没有找到“…”").
				for _, s := range typed {
					text = strings.ReplaceAll(text, s, "")
				}
				for _, name := range banned {
					if strings.Contains(text, name) {
						t.Errorf("%s: names %q of the bundled plan:\n%s", what, name, text)
					}
				}
				n++
			})
			if n < 100 {
				t.Errorf("only %d screens", n)
			}
		})
	}
}

// TestLocalesNameNoPlan: no message names a unit, chain, indicator or city of the bundled
// plan; examples are filled in from the loaded plan.
func TestLocalesNameNoPlan(t *testing.T) {
	_, p := storetest.SecondPlanDB(t)
	banned := storetest.BundledNames(t, p)
	for _, lang := range locales.Languages {
		msgs, err := locales.Messages(lang)
		if err != nil {
			t.Fatal(err)
		}
		for id, m := range msgs {
			for _, name := range banned {
				if strings.Contains(m, name) {
					t.Errorf("%s %s names %q: %q", lang, id, name, m)
				}
			}
		}
	}
}
