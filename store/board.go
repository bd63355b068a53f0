package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/progressbot/progressbot"
)

// BoardState is where a period's 红黄榜 stands.
type BoardState string

const (
	BoardDraft     BoardState = "draft"     // computed, being reviewed; recomputed as reports come in
	BoardApproved  BoardState = "approved"  // reviewed by an admin and frozen, waiting to be published
	BoardPublished BoardState = "published" // published to the leaders; never changed again
)

// BoardItem is an entry of a stored 红黄榜.
type BoardItem struct {
	progressbot.BoardEntry
	Position      int // within its list, from 0
	Removed       bool
	RemovedReason string
	RemovedBy     int64
	RemovedAt     time.Time
}

// Board is a period's 红黄榜.
type Board struct {
	PlanID      string
	Period      progressbot.Period
	State       BoardState
	Entries     []BoardItem // red list first, then yellow, each in order
	ApprovedAt  time.Time
	ApprovedBy  int64
	PublishedAt time.Time
	PublishedBy int64
}

// Listed returns the entries of a list that were not removed.
func (b Board) Listed(list progressbot.BoardList) []BoardItem {
	var out []BoardItem
	for _, e := range b.Entries {
		if e.List == list && !e.Removed {
			out = append(out, e)
		}
	}
	return out
}

// Entry finds an entry by list and unit.
func (b Board) Entry(list progressbot.BoardList, unit string) (BoardItem, bool) {
	for _, e := range b.Entries {
		if e.List == list && e.Unit == unit {
			return e, true
		}
	}
	return BoardItem{}, false
}

// Board errors.
var (
	ErrBoardPublished   = &progressbot.Error{Kind: progressbot.Conflict, Msg: "the board is already published"}
	ErrBoardNotApproved = &progressbot.Error{Kind: progressbot.Conflict, Msg: "the board must be approved before it is published"}
	ErrBoardNoEntry     = &progressbot.Error{Kind: progressbot.NotFound, Msg: "no such entry on the board"}
)

// Board reads a period's 红黄榜, whatever its state; ErrNotFound when none was drafted.
func (db *DB) Board(ctx context.Context, planID string, period progressbot.Period) (Board, error) {
	var b Board
	err := db.Read(ctx, func(tx *Tx) error {
		var err error
		b, err = readBoard(ctx, tx, planID, period)
		return err
	})
	if err != nil {
		return b, fmt.Errorf("board %s: %w", period, err)
	}
	return b, nil
}

// PublishedBoard reads a period's published 红黄榜 (what the leaders, and the scheduler
// that sends it to them, may see); ErrNotFound when it is not published.
func (db *DB) PublishedBoard(ctx context.Context, planID string, period progressbot.Period) (Board, error) {
	b, err := db.Board(ctx, planID, period)
	if err == nil && b.State != BoardPublished {
		err = fmt.Errorf("board %s: %w", period, ErrNotFound)
	}
	if err != nil {
		return Board{}, err
	}
	return b, nil
}

// PublishedPeriods lists the periods whose 红黄榜 is published, latest first.
func (db *DB) PublishedPeriods(ctx context.Context, planID string) ([]progressbot.Period, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT period FROM boards WHERE plan_id = ? AND state = 'published' ORDER BY period DESC`, planID)
	if err != nil {
		return nil, fmt.Errorf("published boards: %w", err)
	}
	defer rows.Close()
	var out []progressbot.Period
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		if p, err := progressbot.ParsePeriod(s); err == nil {
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

func readBoard(ctx context.Context, tx *Tx, planID string, period progressbot.Period) (Board, error) {
	b := Board{PlanID: planID, Period: period}
	var (
		state                   string
		approvedAt, publishedAt sql.NullString
		approvedBy, publishedBy sql.NullInt64
	)
	err := tx.QueryRowContext(ctx, `SELECT state, approved_at, approved_by, published_at, published_by FROM boards WHERE plan_id = ? AND period = ?`,
		planID, period.String()).Scan(&state, &approvedAt, &approvedBy, &publishedAt, &publishedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return b, ErrNotFound
	}
	if err != nil {
		return b, err
	}
	b.State = BoardState(state)
	b.ApprovedAt, b.ApprovedBy = parseStamp(approvedAt.String), approvedBy.Int64
	b.PublishedAt, b.PublishedBy = parseStamp(publishedAt.String), publishedBy.Int64
	rows, err := tx.QueryContext(ctx, `SELECT list, unit, position, reason, ahead, lagging, serious, judged, days, removed_reason, removed_by, removed_at
		FROM board_entries WHERE plan_id = ? AND period = ? ORDER BY list = 'yellow', position, unit`, planID, period.String())
	if err != nil {
		return b, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e             BoardItem
			list, reason  string
			removedReason sql.NullString
			removedBy     sql.NullInt64
			removedAt     sql.NullString
		)
		if err := rows.Scan(&list, &e.Unit, &e.Position, &reason, &e.Ahead, &e.Lagging, &e.Serious, &e.Judged, &e.Days,
			&removedReason, &removedBy, &removedAt); err != nil {
			return b, err
		}
		e.List, e.Reason = progressbot.BoardList(list), progressbot.BoardReason(reason)
		e.Removed, e.RemovedReason, e.RemovedBy = removedReason.Valid, removedReason.String, removedBy.Int64
		e.RemovedAt = parseStamp(removedAt.String)
		b.Entries = append(b.Entries, e)
	}
	return b, rows.Err()
}

// DraftBoard makes the entries computed by the rules a period's draft 红黄榜, or brings
// the draft up to date: entries no longer computed go, new ones come, figures are
// refreshed; an entry an admin removed stays removed as it was, with its reason. An
// approved or published board is returned unchanged.
func (db *DB) DraftBoard(ctx context.Context, planID string, period progressbot.Period, entries []progressbot.BoardEntry) (Board, error) {
	var b Board
	err := db.Write(ctx, func(tx *Tx) error {
		var err error
		b, err = readBoard(ctx, tx, planID, period)
		switch {
		case errors.Is(err, ErrNotFound):
			if _, err := tx.ExecContext(ctx, `INSERT INTO boards (plan_id, period, state, created_at, updated_at) VALUES (?, ?, 'draft', ?, ?)`,
				planID, period.String(), tx.Stamp(), tx.Stamp()); err != nil {
				return err
			}
		case err != nil:
			return err
		case b.State != BoardDraft:
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM board_entries WHERE plan_id = ? AND period = ? AND removed_reason IS NULL`, planID, period.String()); err != nil {
			return err
		}
		pos := map[progressbot.BoardList]int{}
		for _, e := range entries {
			if _, err := tx.ExecContext(ctx, `INSERT INTO board_entries (plan_id, period, list, unit, position, reason, ahead, lagging, serious, judged, days)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (plan_id, period, list, unit) DO UPDATE SET position = excluded.position, reason = excluded.reason,
					ahead = excluded.ahead, lagging = excluded.lagging, serious = excluded.serious, judged = excluded.judged, days = excluded.days
				WHERE board_entries.removed_reason IS NULL`,
				planID, period.String(), string(e.List), e.Unit, pos[e.List], string(e.Reason), e.Ahead, e.Lagging, e.Serious, e.Judged, e.Days); err != nil {
				return err
			}
			pos[e.List]++
		}
		if _, err := tx.ExecContext(ctx, `UPDATE boards SET updated_at = ? WHERE plan_id = ? AND period = ?`, tx.Stamp(), planID, period.String()); err != nil {
			return err
		}
		b, err = readBoard(ctx, tx, planID, period)
		return err
	})
	if err != nil {
		return b, fmt.Errorf("draft board %s: %w", period, err)
	}
	return b, nil
}

// RemoveFromBoard takes an entry off a draft or approved 红黄榜 with the reason an admin
// gave; an approved board goes back to draft, to be approved again. Removing an entry
// already removed changes nothing.
func (db *DB) RemoveFromBoard(ctx context.Context, planID string, period progressbot.Period, list progressbot.BoardList, unit, reason string, who Who) (Board, error) {
	var b Board
	err := db.Write(ctx, func(tx *Tx) error {
		var err error
		if b, err = readBoard(ctx, tx, planID, period); err != nil {
			return err
		}
		if b.State == BoardPublished {
			return ErrBoardPublished
		}
		e, ok := b.Entry(list, unit)
		if !ok {
			return ErrBoardNoEntry
		}
		if e.Removed {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE board_entries SET removed_reason = ?, removed_by = ?, removed_at = ?
			WHERE plan_id = ? AND period = ? AND list = ? AND unit = ?`, reason, who.UserID, tx.Stamp(), planID, period.String(), string(list), unit); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE boards SET state = 'draft', approved_at = NULL, approved_by = NULL, updated_at = ? WHERE plan_id = ? AND period = ?`,
			tx.Stamp(), planID, period.String()); err != nil {
			return err
		}
		b, err = readBoard(ctx, tx, planID, period)
		return err
	})
	if err != nil {
		return b, fmt.Errorf("remove from board %s: %w", period, err)
	}
	return b, nil
}

// ApproveBoard marks a draft reviewed and freezes it. Approving an approved board changes
// nothing; a published one is refused.
func (db *DB) ApproveBoard(ctx context.Context, planID string, period progressbot.Period, who Who) (Board, error) {
	var b Board
	err := db.Write(ctx, func(tx *Tx) error {
		var err error
		if b, err = readBoard(ctx, tx, planID, period); err != nil {
			return err
		}
		switch b.State {
		case BoardPublished:
			return ErrBoardPublished
		case BoardApproved:
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE boards SET state = 'approved', approved_at = ?, approved_by = ?, updated_at = ? WHERE plan_id = ? AND period = ?`,
			tx.Stamp(), who.UserID, tx.Stamp(), planID, period.String()); err != nil {
			return err
		}
		b, err = readBoard(ctx, tx, planID, period)
		return err
	})
	if err != nil {
		return b, fmt.Errorf("approve board %s: %w", period, err)
	}
	return b, nil
}

// PublishBoard publishes an approved 红黄榜. Publishing is idempotent: a board already
// published is returned as it is with already set, and nothing is written.
func (db *DB) PublishBoard(ctx context.Context, planID string, period progressbot.Period, who Who) (b Board, already bool, err error) {
	err = db.Write(ctx, func(tx *Tx) error {
		var err error
		already = false
		if b, err = readBoard(ctx, tx, planID, period); err != nil {
			return err
		}
		switch b.State {
		case BoardPublished:
			already = true
			return nil
		case BoardDraft:
			return ErrBoardNotApproved
		}
		if _, err := tx.ExecContext(ctx, `UPDATE boards SET state = 'published', published_at = ?, published_by = ?, updated_at = ? WHERE plan_id = ? AND period = ?`,
			tx.Stamp(), who.UserID, tx.Stamp(), planID, period.String()); err != nil {
			return err
		}
		b, err = readBoard(ctx, tx, planID, period)
		return err
	})
	if err != nil {
		return b, false, fmt.Errorf("publish board %s: %w", period, err)
	}
	return b, already, nil
}

// BoardPending is an entry an admin pressed "remove" on and whose reason is to come.
type BoardPending struct {
	Period progressbot.Period
	List   progressbot.BoardList
	Unit   string
	At     time.Time
}

// SetBoardPending remembers that an admin is about to type the reason for removing an
// entry (replacing any earlier one of theirs).
func (db *DB) SetBoardPending(ctx context.Context, planID string, telegramID int64, p BoardPending) error {
	err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO board_pending (telegram_id, plan_id, period, list, unit, at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (telegram_id) DO UPDATE SET plan_id = excluded.plan_id, period = excluded.period, list = excluded.list, unit = excluded.unit, at = excluded.at`,
			telegramID, planID, p.Period.String(), string(p.List), p.Unit, tx.Stamp())
		return err
	})
	if err != nil {
		return fmt.Errorf("board pending: %w", err)
	}
	return nil
}

// TakeBoardPending returns and forgets an admin's pending removal; ok is false when
// there is none.
func (db *DB) TakeBoardPending(ctx context.Context, planID string, telegramID int64) (p BoardPending, ok bool, err error) {
	err = db.Write(ctx, func(tx *Tx) error {
		var period, list, at string
		err := tx.QueryRowContext(ctx, `DELETE FROM board_pending WHERE telegram_id = ? AND plan_id = ? RETURNING period, list, unit, at`,
			telegramID, planID).Scan(&period, &list, &p.Unit, &at)
		if errors.Is(err, sql.ErrNoRows) {
			ok = false
			return nil
		}
		if err != nil {
			return err
		}
		p.Period, err = progressbot.ParsePeriod(period)
		p.List, p.At, ok = progressbot.BoardList(list), parseStamp(at), err == nil
		return nil
	})
	if err != nil {
		return p, false, fmt.Errorf("board pending: %w", err)
	}
	return p, ok, nil
}
