package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
)

// The outbox (migration 0006): every message the scheduler means to send is first a row,
// under a unique key, and leaves the row's 'pending' state exactly once. A process claims
// ready rows with a lease (ClaimOutbox), sends them, and settles them (SettleOutbox, in
// batches; MarkSent, FinishOutbox, RetryOutbox one by one). Settling checks the lease's
// owner, so a process whose lease ran out (and whose rows another process took) cannot
// settle them a second time.

// OutboxState is where an outbox row stands.
type OutboxState string

const (
	OutboxPending   OutboxState = "pending"   // waiting to be sent (or being sent, under a lease)
	OutboxSent      OutboxState = "sent"      // Telegram accepted it
	OutboxFailed    OutboxState = "failed"    // given up: a permanent error, or too many attempts
	OutboxBlocked   OutboxState = "blocked"   // the recipient blocked the bot (403)
	OutboxCancelled OutboxState = "cancelled" // no longer wanted (the unit submitted; a newer reminder superseded it)
	OutboxExpired   OutboxState = "expired"   // could not go before it went stale
)

// Final reports whether s is a state a row never leaves.
func (s OutboxState) Final() bool { return s != OutboxPending }

// OutboxMessage is one row of the outbox.
type OutboxMessage struct {
	ID     int64
	PlanID string
	// Key is unique across the outbox: kind|period|recipient|step. Enqueueing a key that
	// is already there does nothing.
	Key string
	// Series groups the rows that replace each other (the reminders of one person for one
	// period): enqueueing a row cancels the pending rows of its series.
	Series string
	Kind   string
	Period string
	Step   string

	ChatID  int64
	UserID  int64  // the person; 0 for a group chat
	Role    string // liaison, leader, admin or group
	Unit    string // the recipient's unit, or the scope of a leader or group
	Subject []string
	Lang    string

	Text     string
	Keyboard string // inline keyboard as JSON; "" for none
	Priority int    // lower goes first

	DueAt   time.Time // the moment the schedule meant it for
	Expires time.Time // zero: never stale

	State       OutboxState
	Attempts    int
	NextAttempt time.Time
	LeaseUntil  time.Time
	Owner       string
	LastError   string
	CreatedAt   time.Time
	DoneAt      time.Time
}

// ErrLeaseLost is returned when settling a row whose lease this owner no longer holds.
var ErrLeaseLost = &progressbot.Error{Kind: progressbot.Conflict, Msg: "outbox lease lost"}

// fixedLayout is how the outbox and the deadline tables keep times: UTC, fixed width, so
// that they compare as text.
const fixedLayout = "2006-01-02T15:04:05.000Z"

func fixed(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(fixedLayout)
}

func parseFixed(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(fixedLayout, s)
	if err != nil {
		return parseStamp(s)
	}
	return t
}

const outboxCols = `id, plan_id, key, series, kind, period, step, chat_id, user_id, role, unit, subject, lang,
	text, keyboard, priority, due_at, expires_at, state, attempts, next_attempt, lease_until, owner, last_error,
	created_at, done_at`

func scanOutbox(sc interface{ Scan(...any) error }) (OutboxMessage, error) {
	var (
		m                                                          OutboxMessage
		subject, due, expires, state, next, lease, created, doneAt string
	)
	err := sc.Scan(&m.ID, &m.PlanID, &m.Key, &m.Series, &m.Kind, &m.Period, &m.Step, &m.ChatID, &m.UserID, &m.Role,
		&m.Unit, &subject, &m.Lang, &m.Text, &m.Keyboard, &m.Priority, &due, &expires, &state, &m.Attempts, &next,
		&lease, &m.Owner, &m.LastError, &created, &doneAt)
	if err != nil {
		return m, err
	}
	if subject != "" {
		m.Subject = strings.Split(subject, ",")
	}
	m.State = OutboxState(state)
	m.DueAt, m.Expires, m.NextAttempt = parseFixed(due), parseFixed(expires), parseFixed(next)
	m.LeaseUntil, m.CreatedAt, m.DoneAt = parseFixed(lease), parseFixed(created), parseFixed(doneAt)
	return m, nil
}

// EnqueueResult says what Enqueue did.
type EnqueueResult struct {
	Inserted   []string // keys of the rows added
	Existing   int      // keys already in the outbox, left as they were
	Superseded int      // pending rows of the same series cancelled by a newer one
}

// Enqueue adds messages to the outbox in one transaction. A key already present is left
// as it is, whatever its state: that is what makes planning idempotent across ticks,
// restarts and processes. A new row with a Series cancels the pending rows of that series
// that are due no later than it and that no process is sending. A message is ready at its DueAt (NextAttempt, when set,
// overrides).
func (db *DB) Enqueue(ctx context.Context, msgs []OutboxMessage) (EnqueueResult, error) {
	var res EnqueueResult
	if len(msgs) == 0 {
		return res, nil
	}
	err := db.Write(ctx, func(tx *Tx) error {
		res = EnqueueResult{}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO outbox (plan_id, key, series, kind, period, step, chat_id, user_id, role,
			unit, subject, lang, text, keyboard, priority, due_at, expires_at, state, next_attempt, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
			ON CONFLICT (key) DO NOTHING`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, m := range msgs {
			if m.Key == "" || m.PlanID == "" || m.ChatID == 0 || strings.TrimSpace(m.Text) == "" {
				return fmt.Errorf("outbox message %q: key, plan, chat and text are required", m.Key)
			}
			next := m.NextAttempt
			if next.IsZero() {
				next = m.DueAt
			}
			if next.IsZero() {
				next = tx.Now
			}
			r, err := ins.ExecContext(ctx, m.PlanID, m.Key, m.Series, m.Kind, m.Period, m.Step, m.ChatID, m.UserID, m.Role,
				m.Unit, strings.Join(m.Subject, ","), m.Lang, m.Text, m.Keyboard, m.Priority, fixed(m.DueAt), fixed(m.Expires),
				fixed(next), fixed(tx.Now))
			if err != nil {
				return fmt.Errorf("outbox message %q: %w", m.Key, err)
			}
			if n, _ := r.RowsAffected(); n == 0 {
				res.Existing++
				continue
			}
			res.Inserted = append(res.Inserted, m.Key)
			if m.Series == "" {
				continue
			}
			r, err = tx.ExecContext(ctx, `UPDATE outbox SET state = 'cancelled', done_at = ?, last_error = 'superseded by ' || ?
				WHERE series = ? AND key != ? AND state = 'pending' AND due_at <= ? AND (lease_until = '' OR lease_until <= ?)`,
				fixed(tx.Now), m.Key, m.Series, m.Key, fixed(m.DueAt), fixed(tx.Now))
			if err != nil {
				return err
			}
			n, _ := r.RowsAffected()
			res.Superseded += int(n)
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("enqueue: %w", err)
	}
	return res, nil
}

// ClaimOutbox leases up to limit ready rows of a plan to owner until now+lease: pending,
// due (next_attempt at or before now) and not leased by anyone (or leased by a process
// whose lease ran out). The claim is one write transaction, so two processes never hold
// the same row; each claim counts as an attempt. Rows come back in sending order:
// priority, then when they became due, then id.
func (db *DB) ClaimOutbox(ctx context.Context, planID, owner string, lease time.Duration, limit int) ([]OutboxMessage, error) {
	if owner == "" || lease <= 0 || limit <= 0 {
		return nil, fmt.Errorf("claim outbox: owner, lease and limit are required")
	}
	var out []OutboxMessage
	err := db.Write(ctx, func(tx *Tx) error {
		out = out[:0]
		now := fixed(tx.Now)
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET lease_until = ?, owner = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND plan_id = ? AND next_attempt <= ?
				AND (lease_until = '' OR lease_until <= ?) ORDER BY priority, next_attempt, id LIMIT ?)
			RETURNING `+outboxCols, fixed(tx.Now.Add(lease)), owner, planID, now, now, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanOutbox(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	sortOutbox(out)
	return out, nil
}

func sortOutbox(ms []OutboxMessage) {
	less := func(a, b OutboxMessage) bool {
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		if !a.NextAttempt.Equal(b.NextAttempt) {
			return a.NextAttempt.Before(b.NextAttempt)
		}
		return a.ID < b.ID
	}
	// Insertion sort: claims are small and nearly in order already.
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && less(ms[j], ms[j-1]); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// Settlement is what became of a leased row: a final State (sent, failed, blocked,
// cancelled, expired) with its Reason, or — State OutboxPending — released to be tried
// again at Next, counting the attempt its claim made or giving it back.
type Settlement struct {
	ID           int64
	State        OutboxState
	Reason       string
	Next         time.Time // for OutboxPending
	CountAttempt bool      // for OutboxPending
}

// SettleOutbox records what became of leased rows, in one write transaction. Each row is
// changed only while owner holds it (it is pending and owner's); for a row it no longer
// holds, errs has ErrLeaseLost at the row's index, and the others are settled anyway.
func (db *DB) SettleOutbox(ctx context.Context, owner string, items []Settlement) (errs []error, err error) {
	if len(items) == 0 {
		return nil, nil
	}
	err = db.Write(ctx, func(tx *Tx) error {
		errs = make([]error, len(items))
		now := fixed(tx.Now)
		for i, it := range items {
			var r sql.Result
			var err error
			switch {
			case it.State == OutboxPending:
				dec := 1
				if it.CountAttempt {
					dec = 0
				}
				next := it.Next
				if next.IsZero() {
					next = tx.Now
				}
				r, err = tx.ExecContext(ctx, `UPDATE outbox SET next_attempt = ?, lease_until = '', owner = '', last_error = ?,
					attempts = max(attempts - ?, 0) WHERE id = ? AND owner = ? AND state = 'pending'`,
					fixed(next), clipError(it.Reason), dec, it.ID, owner)
			case it.State.Final():
				r, err = tx.ExecContext(ctx, `UPDATE outbox SET state = ?, last_error = ?, lease_until = '', done_at = ?
					WHERE id = ? AND owner = ? AND state = 'pending'`,
					string(it.State), clipError(it.Reason), now, it.ID, owner)
			default:
				return fmt.Errorf("settle outbox %d: unknown state %q", it.ID, it.State)
			}
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n == 0 {
				errs[i] = fmt.Errorf("outbox row %d: %w", it.ID, ErrLeaseLost)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("settle outbox: %w", err)
	}
	return errs, nil
}

func (db *DB) settleOne(ctx context.Context, owner string, it Settlement) error {
	errs, err := db.SettleOutbox(ctx, owner, []Settlement{it})
	if err != nil {
		return err
	}
	return errs[0]
}

// MarkSent records that a leased row was delivered.
func (db *DB) MarkSent(ctx context.Context, id int64, owner string) error {
	return db.settleOne(ctx, owner, Settlement{ID: id, State: OutboxSent})
}

// FinishOutbox gives a leased row a final state (failed, blocked, cancelled, expired)
// with the reason.
func (db *DB) FinishOutbox(ctx context.Context, id int64, owner string, state OutboxState, reason string) error {
	if !state.Final() {
		return fmt.Errorf("finish outbox %d: %q is not a final state", id, state)
	}
	return db.settleOne(ctx, owner, Settlement{ID: id, State: state, Reason: reason})
}

// RetryOutbox releases a leased row to be tried again at next. countAttempt false gives
// back the attempt its claim counted (the row was not tried: shutdown, pacing, a lease
// about to run out).
func (db *DB) RetryOutbox(ctx context.Context, id int64, owner string, next time.Time, reason string, countAttempt bool) error {
	return db.settleOne(ctx, owner, Settlement{ID: id, State: OutboxPending, Next: next, Reason: reason, CountAttempt: countAttempt})
}

func clipError(s string) string {
	if r := []rune(s); len(r) > 500 {
		return string(r[:500]) + "…"
	}
	return s
}

// CancelPendingTo settles every pending row to a chat that nobody holds a live lease on,
// with a final state and reason: after a 403 nothing more is tried there. It returns how
// many rows it settled.
func (db *DB) CancelPendingTo(ctx context.Context, planID string, chatID int64, state OutboxState, reason string) (int, error) {
	if !state.Final() {
		return 0, fmt.Errorf("cancel outbox to %d: %q is not a final state", chatID, state)
	}
	var n int64
	err := db.Write(ctx, func(tx *Tx) error {
		now := fixed(tx.Now)
		r, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, last_error = ?, done_at = ?, lease_until = ''
			WHERE plan_id = ? AND chat_id = ? AND state = 'pending' AND (lease_until = '' OR lease_until <= ?)`,
			string(state), clipError(reason), now, planID, chatID, now)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("cancel outbox to %d: %w", chatID, err)
	}
	return int(n), nil
}

// OutboxKeys returns the state of every row of a plan whose key starts with one of the
// prefixes (e.g. "remind|2025-09|"): what the planner has already enqueued.
func (db *DB) OutboxKeys(ctx context.Context, planID string, prefixes ...string) (map[string]OutboxState, error) {
	out := map[string]OutboxState{}
	for _, p := range prefixes {
		rows, err := db.r.QueryContext(ctx, `SELECT key, state FROM outbox WHERE plan_id = ? AND key >= ? AND key < ?`,
			planID, p, p+"\U0010FFFF")
		if err != nil {
			return nil, fmt.Errorf("outbox keys: %w", err)
		}
		for rows.Next() {
			var k, s string
			if err := rows.Scan(&k, &s); err != nil {
				rows.Close()
				return nil, fmt.Errorf("outbox keys: %w", err)
			}
			out[k] = OutboxState(s)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("outbox keys: %w", err)
		}
	}
	return out, nil
}

// OutboxFilter selects rows for Outbox. Zero fields select everything.
type OutboxFilter struct {
	State  OutboxState
	Kind   string
	Period string
	ChatID int64
	// ReadyAt, when set, keeps pending rows due at or before it (leased or not).
	ReadyAt time.Time
	Limit   int
}

// Outbox lists rows of a plan in id order: for tests, previews and the admin's eye.
func (db *DB) Outbox(ctx context.Context, planID string, f OutboxFilter) ([]OutboxMessage, error) {
	q := `SELECT ` + outboxCols + ` FROM outbox WHERE plan_id = ?`
	args := []any{planID}
	if f.State != "" {
		q += ` AND state = ?`
		args = append(args, string(f.State))
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	if f.Period != "" {
		q += ` AND period = ?`
		args = append(args, f.Period)
	}
	if f.ChatID != 0 {
		q += ` AND chat_id = ?`
		args = append(args, f.ChatID)
	}
	if !f.ReadyAt.IsZero() {
		q += ` AND state = 'pending' AND next_attempt <= ?`
		args = append(args, fixed(f.ReadyAt))
	}
	q += ` ORDER BY id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxMessage
	for rows.Next() {
		m, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// OutboxCounts counts a plan's rows by state.
func (db *DB) OutboxCounts(ctx context.Context, planID string) (map[OutboxState]int, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT state, count(*) FROM outbox WHERE plan_id = ? GROUP BY state`, planID)
	if err != nil {
		return nil, fmt.Errorf("outbox counts: %w", err)
	}
	defer rows.Close()
	out := map[OutboxState]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("outbox counts: %w", err)
		}
		out[OutboxState(s)] = n
	}
	return out, rows.Err()
}

// NextOutboxAttempt is when the earliest pending row of a plan becomes ready (or its
// lease runs out); ok is false when nothing is pending.
func (db *DB) NextOutboxAttempt(ctx context.Context, planID string) (t time.Time, ok bool, err error) {
	var s sql.NullString
	err = db.r.QueryRowContext(ctx, `SELECT min(max(next_attempt, lease_until)) FROM outbox WHERE plan_id = ? AND state = 'pending'`, planID).Scan(&s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next outbox attempt: %w", err)
	}
	if !s.Valid || s.String == "" {
		return time.Time{}, false, nil
	}
	return parseFixed(s.String), true, nil
}

// LeaderGroup is a group chat that receives the bulletins.
type LeaderGroup struct {
	ChatID  int64
	PlanID  string
	Title   string
	Scope   string // as a leader's: "" for the whole plan
	Lang    string
	Active  bool
	AddedBy int64
}

// RegisterGroup adds a leaders' group, or makes it active again with the new scope.
func (db *DB) RegisterGroup(ctx context.Context, g LeaderGroup) error {
	if g.ChatID >= 0 || g.PlanID == "" {
		return fmt.Errorf("register group %d: a group chat (negative id) and a plan are required", g.ChatID)
	}
	err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO leader_groups (chat_id, plan_id, title, scope, lang, active, added_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
			ON CONFLICT (chat_id) DO UPDATE SET plan_id = excluded.plan_id, title = excluded.title, scope = excluded.scope,
				lang = excluded.lang, active = 1, added_by = excluded.added_by, updated_at = excluded.updated_at`,
			g.ChatID, g.PlanID, g.Title, g.Scope, g.Lang, g.AddedBy, tx.Stamp(), tx.Stamp())
		return err
	})
	if err != nil {
		return fmt.Errorf("register group %d: %w", g.ChatID, err)
	}
	return nil
}

// SetGroupActive turns a leaders' group on or off (off after the bot was removed from it).
// ErrNotFound if the group was never registered.
func (db *DB) SetGroupActive(ctx context.Context, chatID int64, active bool) error {
	err := db.Write(ctx, func(tx *Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE leader_groups SET active = ?, updated_at = ? WHERE chat_id = ?`, active, tx.Stamp(), chatID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set group active %d: %w", chatID, err)
	}
	return nil
}

// LeaderGroups lists the registered groups of a plan; only the active ones unless all.
func (db *DB) LeaderGroups(ctx context.Context, planID string, all bool) ([]LeaderGroup, error) {
	q := `SELECT chat_id, plan_id, title, scope, lang, active, added_by FROM leader_groups WHERE plan_id = ?`
	if !all {
		q += ` AND active = 1`
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY chat_id`, planID)
	if err != nil {
		return nil, fmt.Errorf("leader groups: %w", err)
	}
	defer rows.Close()
	var out []LeaderGroup
	for rows.Next() {
		var g LeaderGroup
		if err := rows.Scan(&g.ChatID, &g.PlanID, &g.Title, &g.Scope, &g.Lang, &g.Active, &g.AddedBy); err != nil {
			return nil, fmt.Errorf("leader groups: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
