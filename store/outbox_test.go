package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/progressbot/progressbot/store"
)

// outboxDB is a database with the bundled plan on a fake clock, with its file path for a
// second handle.
func outboxDB(t *testing.T) (*store.DB, string, *clock, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ob.db")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, sum := bundled(t)
	if _, err := db.SavePlan(context.Background(), p, sum); err != nil {
		t.Fatal(err)
	}
	return db, p.ID, newClock(db), path
}

func msg(plan, key, series string, chat int64, due time.Time) store.OutboxMessage {
	return store.OutboxMessage{PlanID: plan, Key: key, Series: series, Kind: "remind", Period: "2026-11", ChatID: chat,
		UserID: chat, Role: "liaison", Unit: "hukou", Subject: []string{"hukou"}, Text: "text of " + key, DueAt: due}
}

func TestEnqueueIdempotent(t *testing.T) {
	db, plan, c, _ := outboxDB(t)
	ctx := context.Background()
	m := msg(plan, "remind|2026-11|1|open", "remind|2026-11|1", 1, c.now())
	res, err := db.Enqueue(ctx, []store.OutboxMessage{m})
	if err != nil || len(res.Inserted) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	m.Text = "changed"
	res, err = db.Enqueue(ctx, []store.OutboxMessage{m})
	if err != nil || len(res.Inserted) != 0 || res.Existing != 1 {
		t.Fatalf("second enqueue: %+v %v", res, err)
	}
	rows, err := db.Outbox(ctx, plan, store.OutboxFilter{})
	if err != nil || len(rows) != 1 || rows[0].Text != "text of remind|2026-11|1|open" || rows[0].State != store.OutboxPending {
		t.Fatalf("rows: %+v %v", rows, err)
	}
	if got := rows[0].Subject; len(got) != 1 || got[0] != "hukou" {
		t.Errorf("subject %v", got)
	}
	// A newer row of the series cancels the pending older one.
	c.add(time.Hour)
	res, err = db.Enqueue(ctx, []store.OutboxMessage{msg(plan, "remind|2026-11|1|due", "remind|2026-11|1", 1, c.now())})
	if err != nil || res.Superseded != 1 {
		t.Fatalf("supersede: %+v %v", res, err)
	}
	keys, err := db.OutboxKeys(ctx, plan, "remind|2026-11|")
	if err != nil || keys["remind|2026-11|1|open"] != store.OutboxCancelled || keys["remind|2026-11|1|due"] != store.OutboxPending || len(keys) != 2 {
		t.Errorf("keys: %v %v", keys, err)
	}
	if _, err := db.Enqueue(ctx, []store.OutboxMessage{{PlanID: plan, Key: "x", ChatID: 1}}); err == nil {
		t.Error("a row without text was enqueued")
	}
}

func TestClaimLeaseSettle(t *testing.T) {
	db, plan, c, _ := outboxDB(t)
	ctx := context.Background()
	now := c.now()
	var ms []store.OutboxMessage
	for i := 1; i <= 5; i++ {
		ms = append(ms, msg(plan, fmt.Sprintf("k%d", i), "", int64(i), now))
	}
	later := msg(plan, "later", "", 9, now.Add(time.Hour))
	if _, err := db.Enqueue(ctx, append(ms, later)); err != nil {
		t.Fatal(err)
	}
	got, err := db.ClaimOutbox(ctx, plan, "A", time.Minute, 3)
	if err != nil || len(got) != 3 || got[0].Key != "k1" || got[2].Key != "k3" || got[0].Attempts != 1 || got[0].Owner != "A" {
		t.Fatalf("claim A: %+v %v", got, err)
	}
	rest, err := db.ClaimOutbox(ctx, plan, "B", time.Minute, 10)
	if err != nil || len(rest) != 2 || rest[0].Key != "k4" {
		t.Fatalf("claim B: %+v %v", rest, err)
	}
	// Settle: sent, final, released without counting the attempt.
	errs, err := db.SettleOutbox(ctx, "A", []store.Settlement{
		{ID: got[0].ID, State: store.OutboxSent},
		{ID: got[1].ID, State: store.OutboxBlocked, Reason: "403"},
		{ID: got[2].ID, State: store.OutboxPending, Next: now, Reason: "shutdown"},
		{ID: rest[0].ID, State: store.OutboxSent}, // B's
	})
	if err != nil || errs[0] != nil || errs[1] != nil || errs[2] != nil || !errors.Is(errs[3], store.ErrLeaseLost) {
		t.Fatalf("settle: %v %v", errs, err)
	}
	again, err := db.ClaimOutbox(ctx, plan, "A", time.Minute, 10)
	if err != nil || len(again) != 1 || again[0].Key != "k3" || again[0].Attempts != 1 {
		t.Fatalf("released row: %+v %v", again, err)
	}
	// B dies; its lease runs out and A takes its rows, counting a second attempt. B can
	// no longer settle them.
	c.add(61 * time.Second)
	taken, err := db.ClaimOutbox(ctx, plan, "A", time.Minute, 10)
	if err != nil || len(taken) != 3 { // k3 (A's own, expired), k4, k5
		t.Fatalf("after B's lease: %+v %v", taken, err)
	}
	for _, m := range taken {
		if m.Key == "k4" && m.Attempts != 2 {
			t.Errorf("k4 attempts %d", m.Attempts)
		}
	}
	if err := db.MarkSent(ctx, rest[1].ID, "B"); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("B settled a row it lost: %v", err)
	}
	if err := db.RetryOutbox(ctx, taken[0].ID, "A", c.now().Add(time.Hour), "502", true); err != nil {
		t.Fatal(err)
	}
	counts, _ := db.OutboxCounts(ctx, plan)
	if counts[store.OutboxSent] != 1 || counts[store.OutboxBlocked] != 1 || counts[store.OutboxPending] != 4 {
		t.Errorf("counts %v", counts)
	}
	next, ok, err := db.NextOutboxAttempt(ctx, plan)
	if err != nil || !ok || !next.After(c.now()) {
		t.Errorf("next attempt %s %v %v", next, ok, err)
	}
	if n, err := db.CancelPendingTo(ctx, plan, 9, store.OutboxBlocked, "blocked"); err != nil || n != 1 {
		t.Errorf("cancel to chat 9: %d %v", n, err)
	}
}

// Two handles on one file claiming at once never hold the same row.
func TestClaimConcurrent(t *testing.T) {
	db, plan, c, path := outboxDB(t)
	ctx := context.Background()
	var ms []store.OutboxMessage
	for i := 0; i < 300; i++ {
		ms = append(ms, msg(plan, fmt.Sprintf("k%03d", i), "", int64(i+1), c.now()))
	}
	if _, err := db.Enqueue(ctx, ms); err != nil {
		t.Fatal(err)
	}
	other, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.Now = c.now
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for i, h := range []*store.DB{db, other, db, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprint("p", i)
			for {
				got, err := h.ClaimOutbox(ctx, plan, owner, time.Minute, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				its := make([]store.Settlement, len(got))
				mu.Lock()
				for j, m := range got {
					if prev, dup := seen[m.Key]; dup {
						t.Errorf("%s claimed by %s and %s", m.Key, prev, owner)
					}
					seen[m.Key] = owner
					its[j] = store.Settlement{ID: m.ID, State: store.OutboxSent}
				}
				mu.Unlock()
				if _, err := h.SettleOutbox(ctx, owner, its); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != 300 {
		t.Errorf("%d rows claimed, want 300", len(seen))
	}
}

func TestLeaderGroups(t *testing.T) {
	db, plan, _, _ := outboxDB(t)
	ctx := context.Background()
	if err := db.RegisterGroup(ctx, store.LeaderGroup{ChatID: 5, PlanID: plan}); err == nil {
		t.Error("a private chat was registered as a group")
	}
	if err := db.RegisterGroup(ctx, store.LeaderGroup{ChatID: -100, PlanID: plan, Scope: "chain:petrochem", AddedBy: 7}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetGroupActive(ctx, -100, false); err != nil {
		t.Fatal(err)
	}
	if gs, _ := db.LeaderGroups(ctx, plan, false); len(gs) != 0 {
		t.Errorf("inactive group listed: %+v", gs)
	}
	if err := db.RegisterGroup(ctx, store.LeaderGroup{ChatID: -100, PlanID: plan, AddedBy: 8}); err != nil {
		t.Fatal(err)
	}
	gs, err := db.LeaderGroups(ctx, plan, false)
	if err != nil || len(gs) != 1 || gs[0].Scope != "" || gs[0].AddedBy != 8 || !gs[0].Active {
		t.Errorf("re-registered: %+v %v", gs, err)
	}
	if err := db.SetGroupActive(ctx, -999, false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown group: %v", err)
	}
}
