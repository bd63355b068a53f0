package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
)

// The reporting calendar's records (migration 0007): deadline extensions granted to one
// unit for one period, and the timeliness of each submitted report as the scheduler
// recorded it.

// DeadlineExtension is an admin's extension of one unit's deadline for one period.
type DeadlineExtension struct {
	ID     int64
	PlanID string
	Unit   string
	Period progressbot.Period
	Until  time.Time // the new deadline
	Reason string
	By     int64 // Telegram id of the admin; 0 for the command line
	At     time.Time
}

// ErrBadExtension is returned for an extension that makes no sense.
var ErrBadExtension = &progressbot.Error{Kind: progressbot.Invalid, Msg: "invalid deadline extension"}

// ErrExtensionNotLater is returned (by the scheduler) for an extension that would not move
// the deadline in force any later.
var ErrExtensionNotLater = &progressbot.Error{Kind: progressbot.Conflict, Msg: "the new deadline is not later than the one in force"}

// ExtendDeadline records an extension. Extensions are append-only: a second one for the
// same unit and period is a new row and the latest counts. The unit must be a live unit of
// the plan and the reason must be given.
func (db *DB) ExtendDeadline(ctx context.Context, x DeadlineExtension) (DeadlineExtension, error) {
	x.Reason = strings.TrimSpace(x.Reason)
	switch {
	case x.PlanID == "" || x.Unit == "" || x.Period.IsZero():
		return x, fmt.Errorf("extend deadline: %w: plan, unit and period are required", ErrBadExtension)
	case x.Until.IsZero():
		return x, fmt.Errorf("extend deadline: %w: no new deadline", ErrBadExtension)
	case x.Reason == "":
		return x, fmt.Errorf("extend deadline: %w: a reason is required", ErrBadExtension)
	}
	err := db.Write(ctx, func(tx *Tx) error {
		if err := liveUnit(ctx, tx, x.PlanID, x.Unit); errors.Is(err, ErrBadInvite) {
			return fmt.Errorf("%w: unknown unit %q", ErrBadExtension, x.Unit)
		} else if err != nil {
			return err
		}
		x.At = tx.Now
		return tx.QueryRowContext(ctx, `INSERT INTO deadline_extensions (plan_id, unit, period, until, reason, by_user, at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			x.PlanID, x.Unit, x.Period.String(), fixed(x.Until), x.Reason, x.By, fixed(tx.Now)).Scan(&x.ID)
	})
	db.exts.wrote(extKey{x.PlanID, x.Period}, nil)
	if err != nil {
		return x, fmt.Errorf("extend deadline %s %s: %w", x.Unit, x.Period, err)
	}
	return x, nil
}

// DeadlineExtensions returns the extension in force for each unit that has one in a
// period: the latest granted.
func (db *DB) DeadlineExtensions(ctx context.Context, planID string, period progressbot.Period) (map[string]DeadlineExtension, error) {
	key := extKey{planID, period}
	out, ticket, ok := db.exts.get(key)
	if !ok {
		all, err := db.extensions(ctx, `plan_id = ? AND period = ?`, planID, period.String())
		if err != nil {
			return nil, err
		}
		out = make(map[string]DeadlineExtension, len(all))
		for _, x := range all { // in id order: the latest wins
			out[x.Unit] = x
		}
		db.exts.fill(key, ticket, out)
	}
	return maps.Clone(out), nil
}

// extKey names a period's extensions in the memo.
type extKey struct {
	plan   string
	period progressbot.Period
}

// DeadlineExtensionHistory lists every extension granted to a unit for a period, oldest
// first.
func (db *DB) DeadlineExtensionHistory(ctx context.Context, planID, unit string, period progressbot.Period) ([]DeadlineExtension, error) {
	return db.extensions(ctx, `plan_id = ? AND unit = ? AND period = ?`, planID, unit, period.String())
}

func (db *DB) extensions(ctx context.Context, where string, args ...any) ([]DeadlineExtension, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, plan_id, unit, period, until, reason, by_user, at FROM deadline_extensions
		WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("deadline extensions: %w", err)
	}
	defer rows.Close()
	var out []DeadlineExtension
	for rows.Next() {
		var (
			x                 DeadlineExtension
			period, until, at string
		)
		if err := rows.Scan(&x.ID, &x.PlanID, &x.Unit, &period, &until, &x.Reason, &x.By, &at); err != nil {
			return nil, fmt.Errorf("deadline extensions: %w", err)
		}
		x.Period, _ = progressbot.ParsePeriod(period)
		x.Until, x.At = parseFixed(until), parseFixed(at)
		out = append(out, x)
	}
	return out, rows.Err()
}

// ReportSummary is where one unit's report for a period stands, without its answers.
type ReportSummary struct {
	Unit        string
	State       progressbot.ReportState
	SubmittedAt time.Time // zero unless submitted
	Revision    int
	Answered    int // items with an answer (skipped ones included)
}

// PeriodSubmissions returns, in one query, the state of every report of a period that
// anyone started: units that never started are absent.
func (db *DB) PeriodSubmissions(ctx context.Context, planID string, period progressbot.Period) (map[string]ReportSummary, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT u.key, r.state, coalesce(r.submitted_at, ''), r.revision,
			(SELECT count(*) FROM latest_answers l WHERE l.report_id = r.id)
		FROM reports r JOIN units u ON u.id = r.unit_id WHERE u.plan_id = ? AND r.period = ?`, planID, period.String())
	if err != nil {
		return nil, fmt.Errorf("period submissions %s: %w", period, err)
	}
	defer rows.Close()
	out := map[string]ReportSummary{}
	for rows.Next() {
		var (
			s         ReportSummary
			state, at string
		)
		if err := rows.Scan(&s.Unit, &state, &at, &s.Revision, &s.Answered); err != nil {
			return nil, fmt.Errorf("period submissions %s: %w", period, err)
		}
		s.State = progressbot.ReportState(state)
		if s.State == progressbot.ReportSubmitted && at != "" {
			s.SubmittedAt = parseStamp(at)
		}
		out[s.Unit] = s
	}
	return out, rows.Err()
}

// Timeliness is a submitted report measured against the deadline that applied to it.
type Timeliness struct {
	Unit        string
	Period      progressbot.Period
	SubmittedAt time.Time
	Deadline    time.Time
	Late        bool
	LateBy      time.Duration
	RecordedAt  time.Time
}

// RecordTimeliness keeps, for each given report, when it was submitted and the deadline
// that applied to it; a row for the same unit and period is replaced only when the
// submission time changed (a report reopened and submitted again). It returns how many
// rows it wrote.
func (db *DB) RecordTimeliness(ctx context.Context, planID string, ts []Timeliness) (int, error) {
	if len(ts) == 0 {
		return 0, nil
	}
	n := 0
	err := db.Write(ctx, func(tx *Tx) error {
		n = 0
		for _, t := range ts {
			late := t.SubmittedAt.After(t.Deadline)
			lateBy := int64(0)
			if late {
				lateBy = int64(t.SubmittedAt.Sub(t.Deadline) / time.Second)
			}
			r, err := tx.ExecContext(ctx, `INSERT INTO report_timeliness (plan_id, unit, period, submitted_at, deadline, late, late_seconds, recorded_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (plan_id, unit, period) DO UPDATE SET submitted_at = excluded.submitted_at, deadline = excluded.deadline,
					late = excluded.late, late_seconds = excluded.late_seconds, recorded_at = excluded.recorded_at
				WHERE report_timeliness.submitted_at != excluded.submitted_at`,
				planID, t.Unit, t.Period.String(), fixed(t.SubmittedAt), fixed(t.Deadline), late, lateBy, fixed(tx.Now))
			if err != nil {
				return err
			}
			k, _ := r.RowsAffected()
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("record timeliness: %w", err)
	}
	return n, nil
}

// RecordedTimeliness returns the timeliness recorded for a period, by unit.
func (db *DB) RecordedTimeliness(ctx context.Context, planID string, period progressbot.Period) (map[string]Timeliness, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT unit, submitted_at, deadline, late, late_seconds, recorded_at FROM report_timeliness
		WHERE plan_id = ? AND period = ?`, planID, period.String())
	if err != nil {
		return nil, fmt.Errorf("recorded timeliness %s: %w", period, err)
	}
	defer rows.Close()
	out := map[string]Timeliness{}
	for rows.Next() {
		var (
			t                 Timeliness
			sub, dl, recorded string
			lateSeconds       int64
		)
		if err := rows.Scan(&t.Unit, &sub, &dl, &t.Late, &lateSeconds, &recorded); err != nil {
			return nil, fmt.Errorf("recorded timeliness %s: %w", period, err)
		}
		t.Period = period
		t.SubmittedAt, t.Deadline, t.RecordedAt = parseFixed(sub), parseFixed(dl), parseFixed(recorded)
		t.LateBy = time.Duration(lateSeconds) * time.Second
		out[t.Unit] = t
	}
	return out, rows.Err()
}
