package schedule_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot/schedule"
	"github.com/progressbot/progressbot/store"
)

// withoutBulletins drops the bulletin rows (their parts depend on the text's length).
func withoutBulletins(rs []sentRow) []sentRow {
	var out []sentRow
	for _, r := range rs {
		if !strings.HasPrefix(r.Key, "bulletin") {
			out = append(out, r)
		}
	}
	return out
}

func bulletinKeys(rs []sentRow) []string {
	var out []string
	for _, r := range rs {
		if strings.HasPrefix(r.Key, "bulletin") {
			out = append(out, r.Key)
		}
	}
	slices.Sort(out)
	return out
}

// noDuplicates checks that no recorder got the same text for the same chat twice, and that
// the recorders together got exactly one send per sent row.
func noDuplicates(t *testing.T, w *world, recs ...*recorder) {
	t.Helper()
	seen := map[string]int{}
	total := 0
	for _, r := range recs {
		for _, d := range r.all() {
			seen[fmt.Sprint(d.Chat, "\x00", d.Text)]++
			total++
		}
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("sent %d times: %.80q", n, k)
		}
	}
	if rows := len(w.sentRows()); rows != total {
		t.Errorf("%d sends for %d sent rows", total, rows)
	}
}

// A process that dies in the middle — after claiming the deadline day's reminders and
// before sending them — loses nothing and repeats nothing: another process on the same
// database takes the rows once their lease runs out, and carries on with the month.
func TestRestartInTheMiddle(t *testing.T) {
	w := monthWorld(t)
	ctx := context.Background()
	recA := &recorder{clock: w.clock}
	a := w.scheduler(w.db, recA, "A")
	events := w.monthEvents()
	w.play(at("2025-09-20 00:00"), at("2025-10-09 08:00"), time.Hour, []*schedule.Scheduler{a}, events)

	// 09:00 on the deadline day: A plans, claims, and dies before sending.
	w.clock.Set(at("2025-10-09 09:00"))
	res, err := a.Enqueue(ctx)
	if err != nil || len(res.Inserted) != 2 {
		t.Fatalf("enqueue at 09:00: %+v %v", res, err)
	}
	claimed, err := w.db.ClaimOutbox(ctx, w.plan.ID, "A", 5*time.Minute, 100)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %d rows, %v", len(claimed), err)
	}

	// B starts on its own handle of the database, as a restarted process would.
	recB := &recorder{clock: w.clock}
	b := w.scheduler(w.open(), recB, "B")
	w.play(at("2025-10-09 09:00"), at("2025-10-16 00:00"), time.Hour, []*schedule.Scheduler{b}, events)

	want := monthWant(w)
	for i, r := range want {
		if strings.Contains(r.Key, "due@") {
			want[i].At = "2025-10-09 10:00" // the first tick after the dead lease
		}
	}
	sortRows(want)
	got := withoutBulletins(w.sentRows())
	if !slices.Equal(got, want) {
		t.Errorf("after a restart:\n got %s\nwant %s", show(got), show(want))
	}
	if n := len(bulletinKeys(w.sentRows())); n < 8 {
		t.Errorf("only %d bulletin messages", n)
	}
	noDuplicates(t, w, recA, recB)
	for _, d := range recB.all() {
		if strings.Contains(d.Text, "今天 18:00 截止") && !d.At.Equal(at("2025-10-09 10:00")) {
			t.Errorf("the dead process's row went at %s", d.At)
		}
	}
}

// A process stopped cleanly between two ticks and started again the next morning sends
// what the night held back, once.
func TestRestartOvernight(t *testing.T) {
	w := monthWorld(t)
	recA, recB := &recorder{clock: w.clock}, &recorder{clock: w.clock}
	a := w.scheduler(w.db, recA, "A")
	events := w.monthEvents()
	w.play(at("2025-09-20 00:00"), at("2025-10-10 08:00"), time.Hour, []*schedule.Scheduler{a}, events)
	b := w.scheduler(w.open(), recB, "B")
	w.play(at("2025-10-10 09:00"), at("2025-10-16 00:00"), time.Hour, []*schedule.Scheduler{b}, events)
	want := monthWant(w)
	sortRows(want)
	if got := withoutBulletins(w.sentRows()); !slices.Equal(got, want) {
		t.Errorf("got %s\nwant %s", show(got), show(want))
	}
	noDuplicates(t, w, recA, recB)
}

// Two schedulers on one database, ticking at the same moments, send each message once.
func TestTwoSchedulers(t *testing.T) {
	w := monthWorld(t)
	recA, recB := &recorder{clock: w.clock}, &recorder{clock: w.clock}
	a := w.scheduler(w.db, recA, "A")
	b := w.scheduler(w.open(), recB, "B")
	w.play(at("2025-09-20 00:00"), at("2025-10-16 00:00"), time.Hour, []*schedule.Scheduler{a, b}, w.monthEvents())
	want := monthWant(w)
	sortRows(want)
	got := w.sentRows()
	if !slices.Equal(withoutBulletins(got), want) {
		t.Errorf("got %s\nwant %s", show(withoutBulletins(got)), show(want))
	}
	noDuplicates(t, w, recA, recB)

	// The same bulletins as one scheduler sends.
	w1 := monthWorld(t)
	one := w1.scheduler(w1.db, &recorder{clock: w1.clock}, "one")
	w1.play(at("2025-09-20 00:00"), at("2025-10-16 00:00"), time.Hour, []*schedule.Scheduler{one}, w1.monthEvents())
	if x, y := bulletinKeys(got), bulletinKeys(w1.sentRows()); !slices.Equal(x, y) {
		t.Errorf("bulletins of two schedulers %v, of one %v", x, y)
	}
	if len(recA.all()) == 0 || len(recB.all()) == 0 {
		t.Logf("one scheduler sent everything (A %d, B %d)", len(recA.all()), len(recB.all()))
	}
	counts, err := w.db.OutboxCounts(context.Background(), w.plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.OutboxPending] != 0 || counts[store.OutboxFailed] != 0 {
		t.Errorf("outbox: %v", counts)
	}
}

// Run sends what is due as it comes and, told to stop, finishes what it has in hand.
func TestRun(t *testing.T) {
	w := monthWorld(t)
	rec := &recorder{clock: w.clock}
	s := w.scheduler(w.db, rec, "run")
	s.Tick, s.Poll = 20*time.Millisecond, 20*time.Millisecond
	w.clock.Set(at("2025-09-22 09:00"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(rec.all()) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	// The next morning's reminders wait for their moment; move the clock there.
	w.clock.Set(at("2025-09-28 09:00"))
	for len(rec.all()) < 6 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(rec.all()); n != 6 {
		t.Fatalf("sent %d, want 6", n)
	}
	noDuplicates(t, w, rec)
	counts, err := w.db.OutboxCounts(context.Background(), w.plan.ID)
	if err != nil || counts[store.OutboxSent] != 6 || counts[store.OutboxPending] != 0 {
		t.Errorf("outbox %v %v", counts, err)
	}
}
