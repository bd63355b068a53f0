package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/schedule"
	"github.com/progressbot/progressbot/store"
)

// Delivery decides on the kind of the sender's error alone: a fake sender says what
// happened with the domain's errors, as bot.Send does with Telegram's.
func TestDeliveryDecidesOnKinds(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		state store.OutboxState
		next  time.Duration // pending rows: when the row goes again, after now (backoff: at the latest, from half of it)
		want  schedule.Delivery
	}{
		{"blocked", fmt.Errorf("sendMessage: %w", &progressbot.Error{Kind: progressbot.Blocked, Msg: "blocked"}),
			store.OutboxBlocked, 0, schedule.Delivery{Blocked: 1}},
		{"invalid", &progressbot.Error{Kind: progressbot.Invalid, Msg: "message text is empty"},
			store.OutboxFailed, 0, schedule.Delivery{Failed: 1}},
		{"retry after", fmt.Errorf("sendMessage: still rate limited: %w", &progressbot.Error{Kind: progressbot.RetryLater, RetryAfter: 90 * time.Second}),
			store.OutboxPending, 90 * time.Second, schedule.Delivery{Retried: 1}},
		{"retry after, no wait said", &progressbot.Error{Kind: progressbot.RetryLater},
			store.OutboxPending, time.Second, schedule.Delivery{Retried: 1}},
		{"not found is retried", &progressbot.Error{Kind: progressbot.NotFound},
			store.OutboxPending, 30 * time.Second, schedule.Delivery{Retried: 1}},
		{"any other error is retried", errors.New("connection reset"),
			store.OutboxPending, 30 * time.Second, schedule.Delivery{Retried: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := at("2025-10-09 10:00") // a working day, after the National Day holiday
			w := newWorld(t, now)
			w.person("L1", 1001, store.RoleLiaison, "hukou", "", "")
			rec := &recorder{clock: w.clock, fail: func(int64) error { return tt.err }}
			s := w.scheduler(w.db, rec, "one")
			s.RetryBase = 30 * time.Second
			ctx := context.Background()
			if _, err := w.db.Enqueue(ctx, []store.OutboxMessage{{PlanID: w.plan.ID, Key: "notice|2025-10|1001|test", Kind: "notice",
				Period: "2025-10", ChatID: 1001, UserID: 1001, Role: "liaison", Text: "hello", DueAt: now.Add(-time.Hour)}}); err != nil {
				t.Fatal(err)
			}
			d, err := s.Deliver(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if d != tt.want {
				t.Errorf("delivery = %+v, want %+v", d, tt.want)
			}
			rows, err := w.db.Outbox(ctx, w.plan.ID, store.OutboxFilter{ChatID: 1001})
			if err != nil || len(rows) != 1 {
				t.Fatalf("rows = %v, %v", rows, err)
			}
			r := rows[0]
			if r.State != tt.state {
				t.Errorf("row %s, want %s", r.State, tt.state)
			}
			earliest := tt.next
			if progressbot.KindOf(tt.err) != progressbot.RetryLater {
				earliest = tt.next / 2 // the backoff's jitter
			}
			if wait := r.NextAttempt.Sub(now); tt.state == store.OutboxPending && (wait < earliest || wait > tt.next) {
				t.Errorf("next attempt in %v, want %v to %v", wait, earliest, tt.next)
			}
		})
	}
}
