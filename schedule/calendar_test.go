package schedule_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/schedule"
	"github.com/progressbot/progressbot/store"
)

// A deadline on a non-working day moves to the same hour of the next working day, and the
// reminders count working days around it.
func TestHolidayMovesDeadline(t *testing.T) {
	w := newWorld(t, at("2025-09-01 00:00"))
	tests := []struct {
		period              string
		deadline            string // moved
		asWritten           string // ShiftDeadline off
		open, before, due   string
		after1, after3, esc string
	}{
		// 国庆节 2025: 1–8 October off; Sunday 28 September and Saturday 11 October work.
		{"2025-09", "2025-10-09 18:00", "2025-10-05 18:00",
			"2025-09-22 09:00", "2025-09-28 09:00", "2025-10-09 09:00",
			"2025-10-10 09:00", "2025-10-13 09:00", "2025-10-14 09:00"},
		// 劳动节 2025: 1–5 May off; Sunday 27 April works.
		{"2025-04", "2025-05-06 18:00", "2025-05-05 18:00",
			"2025-04-21 09:00", "2025-04-28 09:00", "2025-05-06 09:00",
			"2025-05-07 09:00", "2025-05-09 09:00", "2025-05-12 09:00"},
		// An ordinary month: 5 November 2025 is a Wednesday.
		{"2025-10", "2025-11-05 18:00", "2025-11-05 18:00",
			"2025-10-20 09:00", "2025-10-31 09:00", "2025-11-05 09:00",
			"2025-11-06 09:00", "2025-11-10 09:00", "2025-11-11 09:00"},
		// 春节 2026: 15–23 February off, Saturday 14 and 28 February work; the January
		// period is due on Thursday 5 February, before it. The February period opens on
		// Friday the 20th, in the holiday: its first reminder waits for Tuesday the 24th.
		{"2026-02", "2026-03-05 18:00", "2026-03-05 18:00",
			"2026-02-24 09:00", "2026-03-02 09:00", "2026-03-05 09:00",
			"2026-03-06 09:00", "2026-03-10 09:00", "2026-03-11 09:00"},
	}
	for _, tt := range tests {
		p, _ := progressbot.ParsePeriod(tt.period)
		cfg := w.cfg
		dl := cfg.BaseDeadline(p)
		if !dl.Equal(at(tt.deadline)) {
			t.Errorf("%s: deadline %s, want %s", tt.period, dl, tt.deadline)
		}
		cfg.ShiftDeadline = false
		if got := cfg.BaseDeadline(p); !got.Equal(at(tt.asWritten)) {
			t.Errorf("%s: unshifted deadline %s, want %s", tt.period, got, tt.asWritten)
		}
		steps, esc := w.cfg.Timetable(p, dl)
		got := map[string]time.Time{}
		for _, s := range steps {
			got[s.Name] = s.At
		}
		for name, want := range map[string]string{"open": tt.open, "before": tt.before, "due": tt.due, "after-1": tt.after1, "after-3": tt.after3} {
			if !got[name].Equal(at(want)) {
				t.Errorf("%s: %s at %s, want %s", tt.period, name, got[name], want)
			}
		}
		if !esc.At.Equal(at(tt.esc)) {
			t.Errorf("%s: escalation at %s, want %s", tt.period, esc.At, tt.esc)
		}
		for _, s := range append(steps, esc) {
			if !w.cfg.Allowed(s.At) {
				t.Errorf("%s: %s at %s, a non-working day or quiet hours", tt.period, s.Name, s.At)
			}
		}
	}
}

// Nothing goes out at night or on a holiday: not what the timetable wants, not what waits
// in the outbox. It goes at the next allowed moment instead.
func TestNothingAtNightOrOnHoliday(t *testing.T) {
	w := newWorld(t, at("2025-10-01 10:00"))
	w.person("Admin", 3001, store.RoleAdmin, "", "", "")
	w.person("L1", 1001, store.RoleLiaison, "hukou", "", "")
	rec := &recorder{clock: w.clock}
	s := w.scheduler(w.db, rec, "one")
	ctx := context.Background()
	// A row ready since 9 a.m. on a holiday.
	if _, err := w.db.Enqueue(ctx, []store.OutboxMessage{{PlanID: w.plan.ID, Key: "notice|2025-10|3001|test", Kind: "notice",
		Period: "2025-10", ChatID: 3001, UserID: 3001, Role: "admin", Text: "hello", DueAt: at("2025-10-01 09:00")}}); err != nil {
		t.Fatal(err)
	}
	for _, moment := range []string{"2025-10-01 10:00", "2025-10-03 12:00", "2025-10-08 23:59", "2025-10-09 07:59"} {
		w.clock.Set(at(moment))
		if items, err := s.Preview(ctx, at(moment)); err != nil || len(items) != 0 {
			t.Errorf("preview at %s: %v %v", moment, items, err)
		}
		if _, err := s.Step(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(rec.all()); n != 0 {
			t.Fatalf("sent %d messages at %s", n, moment)
		}
	}
	// 08:00 on Thursday 9 October, the first working morning: the waiting row goes; the
	// reminders wait for 09:00.
	w.clock.Set(at("2025-10-09 08:00"))
	if _, err := s.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.all(); len(got) != 1 || got[0].Text != "hello" || got[0].Chat != 3001 {
		t.Fatalf("at 08:00: %+v", got)
	}
	w.clock.Set(at("2025-10-09 09:00"))
	items, err := s.Preview(ctx, at("2025-10-09 09:00"))
	if err != nil || len(items) != 1 || items[0].Key != "remind|2025-09|1001|due@2025-10-09" {
		t.Fatalf("preview at 09:00: %+v %v", items, err)
	}
	if _, err := s.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.all(); len(got) != 2 || !strings.Contains(got[1].Text, "今天 18:00 截止") {
		t.Fatalf("at 09:00: %+v", got)
	}
}

// A year without a State Council notice is logged once, however often it is looked at.
func TestFallbackYearLoggedOnce(t *testing.T) {
	w := newWorld(t, at("2030-03-02 10:00"))
	var buf bytes.Buffer
	s := w.scheduler(w.db, &recorder{clock: w.clock}, "one")
	s.Log = slog.New(slog.NewTextHandler(&buf, nil))
	ctx := context.Background()
	for _, m := range []string{"2030-03-04 10:00", "2030-03-05 10:00", "2030-06-03 10:00"} {
		w.clock.Set(at(m))
		if _, err := s.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(buf.String(), "no State Council holiday notice"); n != 1 {
		t.Errorf("fallback logged %d times:\n%s", n, buf.String())
	}
	if !strings.Contains(buf.String(), "year=2030") {
		t.Errorf("log does not name the year:\n%s", buf.String())
	}
}

// An admin's extension moves one unit's reminders and escalation; the history is kept.
func TestExtension(t *testing.T) {
	w := monthWorld(t)
	rec := &recorder{clock: w.clock}
	s := w.scheduler(w.db, rec, "one")
	ctx := context.Background()
	events := map[time.Time]func(){
		at("2025-10-09 10:30"): func() {
			x, was, err := s.Extend(ctx, schedule.Extension{Unit: "hukou", Period: sep2025, Workdays: 2, Reason: "汛情", By: 3001})
			if err != nil {
				t.Fatal(err)
			}
			// Two working days after Thursday the 9th: Friday, then the make-up Saturday.
			if !was.Equal(at("2025-10-09 18:00")) || !x.Until.Equal(at("2025-10-11 18:00")) {
				t.Errorf("extension: was %s, now %s", was, x.Until)
			}
			if _, _, err := s.Extend(ctx, schedule.Extension{Unit: "hukou", Period: sep2025, Until: at("2025-10-10 18:00"), Reason: "x"}); err == nil {
				t.Error("an extension to an earlier deadline was granted")
			}
		},
	}
	w.play(at("2025-10-09 09:00"), at("2025-10-20 12:00"), time.Hour, []*schedule.Scheduler{s}, events)
	var l1 []sentRow
	for _, r := range w.sentRows() {
		if strings.Contains(r.Key, "2025-09|L1|") || strings.HasPrefix(r.Key, "escalate|2025-09|Lall") {
			l1 = append(l1, r)
		}
	}
	want := []sentRow{
		{"remind|2025-09|L1|due@2025-10-09", "2025-10-09 09:00"},
		// The next tick after the extension tells the liaison the new deadline.
		{"remind|2025-09|L1|before@2025-10-11", "2025-10-09 11:00"},
		{"remind|2025-09|L1|due@2025-10-11", "2025-10-11 09:00"},
		{"remind|2025-09|L1|after-1@2025-10-11", "2025-10-13 09:00"},
		{"remind|2025-09|L1|after-2@2025-10-11", "2025-10-14 09:00"},
		{"escalate|2025-09|Lall|2025-10-09", "2025-10-14 09:00"},
		{"remind|2025-09|L1|after-3@2025-10-11", "2025-10-15 09:00"},
		{"escalate|2025-09|Lall|2025-10-11", "2025-10-16 09:00"},
	}
	sortRows(want)
	if len(l1) != len(want) {
		t.Fatalf("got %s\nwant %s", show(l1), show(want))
	}
	for i := range want {
		if l1[i] != want[i] {
			t.Fatalf("got %s\nwant %s", show(l1), show(want))
		}
	}
	hist, err := w.db.DeadlineExtensionHistory(ctx, w.plan.ID, "hukou", sep2025)
	if err != nil || len(hist) != 1 || hist[0].Reason != "汛情" || hist[0].By != 3001 || !hist[0].At.Equal(at("2025-10-09 10:30")) {
		t.Errorf("history: %+v %v", hist, err)
	}
	for _, d := range rec.all() {
		if w.names[d.Chat] == "L1" && d.At.Equal(at("2025-10-11 09:00")) && !strings.Contains(d.Text, "截止时间（已延期）：10月11日 18:00") {
			t.Errorf("L1's reminder on the new deadline day:\n%s", d.Text)
		}
		if w.names[d.Chat] == "L1" && d.At.Equal(at("2025-10-09 11:00")) && !strings.Contains(d.Text, "距截止还有 2 个工作日") {
			t.Errorf("L1's reminder after the extension:\n%s", d.Text)
		}
	}
}
