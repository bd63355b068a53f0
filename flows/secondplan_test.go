package flows_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
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

// TestHonestAnswers: a question answered about something other than what was typed
// says what it answers; a period nobody has reported says so instead of 0 of 0 (0%).
func TestHonestAnswers(t *testing.T) {
	w := newWorld(t)
	for _, tt := range []struct{ lang, q, want string }{
		{"zh-CN", "新能源汽车产业链进展", "按「新能源产业」回答"},
		{"en", "新能源汽车", "Answering for “"},
	} {
		p := w.invited(store.RoleLeader, "", "", tt.lang)
		if got := p.say(tt.q).Messages[0].Text; !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s %q: %q", tt.lang, tt.q, got)
		}
		if got := p.say(w.e.Plan.Chains[0].Name).Messages[0].Text; strings.HasPrefix(got, tt.want[:6]) {
			t.Errorf("%s: an exact name is answered as a guess: %q", tt.lang, got)
		}
	}
	db, plan := storetest.SecondPlanDB(t)
	e := &flows.Engine{DB: db, Plan: plan, Sessions: sessions.NewMemory(sessions.Options{}), Calendar: progressbot.DefaultCalendar(shanghai),
		Now: func() time.Time { return time.Date(2026, 3, 12, 10, 0, 0, 0, shanghai) }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := context.Background()
	code, err := db.CreateInvite(ctx, store.InviteSpec{PlanID: plan.ID, Role: store.RoleLeader})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		u, _ := e.Who(ctx, 77, 77, "x", lang)
		if lang == "zh-CN" {
			if _, err := e.Handle(ctx, u, flows.Input{Command: "start", Args: code}); err != nil {
				t.Fatal(err)
			}
			u, _ = e.Who(ctx, 77, 77, "x", lang)
		} else if _, err := e.Handle(ctx, u, flows.Input{Command: "lang", Args: "en"}); err != nil {
			t.Fatal(err)
		}
		u, _ = e.Who(ctx, 77, 77, "x", lang)
		county := plan.Indicators[1] // reported by each county
		r, err := e.Handle(ctx, u, flows.Input{Command: "progress", Args: county.Name})
		if err != nil {
			t.Fatal(err)
		}
		got := r.Messages[0].Text
		if strings.Contains(got, "(0%") || strings.Contains(got, "（0%") || !strings.Contains(got, map[string]string{"zh-CN": "尚无", "en": "nothing reported yet"}[lang]) {
			t.Errorf("%s: an unreported period:\n%s", lang, got)
		}
	}
}
