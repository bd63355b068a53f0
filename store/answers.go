package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/progressbot/progressbot"
)

// Who is the person and chat behind a change, kept with every answer and report event.
type Who struct {
	UserID int64
	ChatID int64
}

// ErrNotOwed is returned for an answer about a unit or item the plan does not know.
var ErrNotOwed = &progressbot.Error{Kind: progressbot.NotFound, Msg: "unknown unit or item"}

// ensureReport returns the report id of a unit for a period, opening it if needed.
func ensureReport(ctx context.Context, tx *Tx, planID, unit string, period progressbot.Period) (int64, error) {
	var unitID int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM units WHERE plan_id = ? AND key = ?`, planID, unit).Scan(&unitID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("unit %s: %w", unit, ErrNotOwed)
	}
	if err != nil {
		return 0, err
	}
	return reportID(ctx, tx, unitID, period)
}

// SaveAnswer appends an answer. The answer's time is the transaction's; its ID is set.
func (db *DB) SaveAnswer(ctx context.Context, planID string, a progressbot.Answer) (progressbot.Answer, error) {
	saved, err := db.SaveAnswers(ctx, planID, []progressbot.Answer{a})
	if err != nil {
		return a, err
	}
	return saved[0], nil
}

// SaveAnswers appends answers of one unit for one period in one transaction: all are
// saved or none (a month carried over, a spreadsheet read). Their time is the
// transaction's; their IDs are set.
func (db *DB) SaveAnswers(ctx context.Context, planID string, as []progressbot.Answer) ([]progressbot.Answer, error) {
	if len(as) == 0 {
		return nil, nil
	}
	as = slices.Clone(as)
	unit, period := as[0].Unit, as[0].Period
	itemIDs := make([]int64, len(as))
	var unitID int64
	for i, a := range as {
		if a.Unit != unit || a.Period != period {
			return nil, fmt.Errorf("save answers: %s %s among %s %s: one report at a time", a.Unit, a.Period, unit, period)
		}
		var err error
		if unitID, itemIDs[i], err = db.answerIDs(ctx, planID, a.Unit, a.Item); err != nil {
			return nil, fmt.Errorf("save answer %s %s %s: %w", a.Unit, a.Period, a.Item, err)
		}
	}
	var rid int64
	key := reportKey{planID, unit, period}
	// The memos change as the rows did, in commit order (see writeReq.after).
	remember := func(err error) {
		for _, a := range as {
			db.prevs.wrote(prevKey{planID, a.Unit, a.Item}, keepBefore(period))
		}
		db.reports.wrote(key, func(r *progressbot.Report) bool {
			if err != nil {
				return false
			}
			// A new map: readers copy the one they were given without the memo's lock.
			answers := maps.Clone(r.Answers)
			for _, a := range as {
				answers[a.Item] = a
			}
			r.Answers, r.ID = answers, rid
			return true
		})
	}
	err := db.writeGrouped(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		if rid, err = reportID(ctx, tx, unitID, period); err != nil {
			return err
		}
		for i := range as {
			a := &as[i]
			a.At = parseStamp(tx.Stamp()) // as a read gives it back
			err = tx.QueryRowContext(ctx, `INSERT INTO answers (report_id, item_id, skipped, value, raw, status, done, coordination, stage, user_id, chat_id, at, done_carried, source)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				rid, itemIDs[i], a.Skipped, a.Value, a.Raw, string(a.Status), a.Done, a.Coordination, string(a.Stage), a.UserID, a.ChatID, tx.Stamp(), a.DoneCarried, string(a.Source)).Scan(&a.ID)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO latest_answers (report_id, item_id, answer_id) VALUES (?, ?, ?)
				ON CONFLICT (report_id, item_id) DO UPDATE SET answer_id = excluded.answer_id`, rid, itemIDs[i], a.ID)
			if err != nil {
				return err
			}
		}
		return nil
	}, remember)
	if err != nil {
		if len(as) == 1 {
			return nil, fmt.Errorf("save answer %s %s %s: %w", unit, period, as[0].Item, err)
		}
		return nil, fmt.Errorf("save %d answers %s %s: %w", len(as), unit, period, err)
	}
	return as, nil
}

// answerIDs finds the row ids of a unit and an item of a plan: ErrNotOwed for a unit or
// item the plan does not have.
func (db *DB) answerIDs(ctx context.Context, planID, unit string, item progressbot.ItemRef) (unitID, itemID int64, err error) {
	ids, err := db.ids(ctx, planID, false)
	if err != nil {
		return 0, 0, err
	}
	if _, ok := ids.unitID[unit]; !ok {
		ids, err = db.ids(ctx, planID, true) // a reseed may have added it
	} else if _, ok := ids.itemID[item]; !ok {
		ids, err = db.ids(ctx, planID, true)
	}
	if err != nil {
		return 0, 0, err
	}
	var ok bool
	if unitID, ok = ids.unitID[unit]; !ok {
		return 0, 0, fmt.Errorf("unit %s: %w", unit, ErrNotOwed)
	}
	if itemID, ok = ids.itemID[item]; !ok {
		return 0, 0, fmt.Errorf("item %s: %w", item, ErrNotOwed)
	}
	return unitID, itemID, nil
}

// reportID returns the id of a unit's report for a period, creating the report. It reads
// before it writes: the report exists for all but a unit's first answer of the month.
func reportID(ctx context.Context, tx *Tx, unitID int64, period progressbot.Period) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM reports WHERE unit_id = ? AND period = ?`, unitID, period.String()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `INSERT INTO reports (unit_id, period, state, opened_at) VALUES (?, ?, 'open', ?) RETURNING id`,
			unitID, period.String(), tx.Stamp()).Scan(&id)
	}
	return id, err
}

// reportKey names a unit's report for a period in the memo.
type reportKey struct {
	plan, unit string
	period     progressbot.Period
}

const answerCols = `a.id, i.kind, i.key, a.skipped, a.value, a.raw, a.status, a.done, a.coordination, a.stage, a.user_id, a.chat_id, a.at, a.done_carried, a.source`

func scanAnswer(sc interface{ Scan(...any) error }, unit string, period progressbot.Period) (progressbot.Answer, error) {
	var (
		a                       progressbot.Answer
		kind, status, stage, at string
		source                  string
		value                   sql.NullFloat64
	)
	if err := sc.Scan(&a.ID, &kind, &a.Item.Key, &a.Skipped, &value, &a.Raw, &status, &a.Done, &a.Coordination, &stage, &a.UserID, &a.ChatID, &at, &a.DoneCarried, &source); err != nil {
		return a, err
	}
	a.Item.Kind = progressbot.ItemKind(kind)
	a.Unit, a.Period = unit, period
	a.Status, a.Stage = progressbot.TaskStatus(status), progressbot.ProjectStage(stage)
	a.Source = progressbot.AnswerSource(source)
	if value.Valid {
		v := value.Float64
		a.Value = &v
	}
	a.At = parseStamp(at)
	return a, nil
}

// Report returns a unit's report for a period with the latest answer per item. A report
// nobody has started is returned open and empty, with ID 0. The Answers map is shared
// with other readers: read it, and make a new map to change it (maps.Clone).
func (db *DB) Report(ctx context.Context, planID, unit string, period progressbot.Period) (progressbot.Report, error) {
	key := reportKey{planID, unit, period}
	r, ticket, ok := db.reports.get(key)
	if !ok {
		var err error
		if r, err = db.readReport(ctx, planID, unit, period); err != nil {
			return r, err
		}
		db.reports.fill(key, ticket, r)
	}
	// r.Answers is the memo's map, shared by every reader and replaced, never changed,
	// by a save: a copy per update was a tenth of the bot's allocations under load.
	return r, nil
}

func (db *DB) readReport(ctx context.Context, planID, unit string, period progressbot.Period) (progressbot.Report, error) {
	r := progressbot.Report{Unit: unit, Period: period, State: progressbot.ReportOpen, Answers: map[progressbot.ItemRef]progressbot.Answer{}}
	err := db.Read(ctx, func(tx *Tx) error {
		var (
			state       string
			submittedAt sql.NullString
			by          sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `SELECT r.id, r.state, r.submitted_at, r.submitted_by, r.revision FROM reports r
			JOIN units u ON u.id = r.unit_id WHERE u.plan_id = ? AND u.key = ? AND r.period = ?`, planID, unit, period.String()).
			Scan(&r.ID, &state, &submittedAt, &by, &r.Revision)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		r.State = progressbot.ReportState(state)
		if submittedAt.Valid {
			r.SubmittedAt = parseStamp(submittedAt.String)
		}
		r.SubmittedBy = by.Int64
		rows, err := tx.QueryContext(ctx, `SELECT `+answerCols+` FROM latest_answers l
			JOIN answers a ON a.id = l.answer_id JOIN items i ON i.id = l.item_id WHERE l.report_id = ?`, r.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAnswer(rows, unit, period)
			if err != nil {
				return err
			}
			r.Answers[a.Item] = a
		}
		return rows.Err()
	})
	if err != nil {
		return r, fmt.Errorf("report %s %s: %w", unit, period, err)
	}
	return r, nil
}

// History returns every answer ever given for one item of a unit's report, oldest first:
// the audit trail of who changed what and when.
func (db *DB) History(ctx context.Context, planID, unit string, period progressbot.Period, item progressbot.ItemRef) ([]progressbot.Answer, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+answerCols+` FROM answers a
		JOIN items i ON i.id = a.item_id JOIN reports r ON r.id = a.report_id JOIN units u ON u.id = r.unit_id
		WHERE u.plan_id = ? AND u.key = ? AND r.period = ? AND i.kind = ? AND i.key = ? ORDER BY a.id`,
		planID, unit, period.String(), string(item.Kind), item.Key)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	var out []progressbot.Answer
	for rows.Next() {
		a, err := scanAnswer(rows, unit, period)
		if err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Previous returns the latest non-skipped answer for an item of a unit in a period before
// the given one, to show "last reported" and to check plausibility. ok is false when there
// is none.
func (db *DB) Previous(ctx context.Context, planID, unit string, before progressbot.Period, item progressbot.ItemRef) (progressbot.Answer, bool, error) {
	key := prevKey{planID, unit, item}
	kept, ticket, _ := db.prevs.get(key)
	if p, ok := kept[before]; ok {
		return p.a, p.ok, nil
	}
	a, ok, err := db.readPrevious(ctx, planID, unit, before, item)
	if err != nil {
		return a, ok, err
	}
	m := make(map[progressbot.Period]prevAnswer, len(kept)+1)
	maps.Copy(m, kept)
	m[before] = prevAnswer{a, ok}
	db.prevs.fill(key, ticket, m)
	return a, ok, nil
}

// keepBefore is the memo update after a save of an item in period saved: what came before
// a period up to saved is unchanged by it, so only the answers kept for later periods are
// forgotten. (Forgetting all of them made every screen after a save read SQLite again:
// 4% of the CPU under load.)
func keepBefore(saved progressbot.Period) func(*map[progressbot.Period]prevAnswer) bool {
	return func(kept *map[progressbot.Period]prevAnswer) bool {
		m := make(map[progressbot.Period]prevAnswer, len(*kept))
		for before, p := range *kept {
			if !saved.Before(before) {
				m[before] = p
			}
		}
		*kept = m // a new map: readers hold the old one without the memo's lock
		return true
	}
}

// prevKey names one item of one unit in the memo of previous answers; a save of the item
// in a period forgets what was kept for the periods after it.
type prevKey struct {
	plan, unit string
	item       progressbot.ItemRef
}

type prevAnswer struct {
	a  progressbot.Answer
	ok bool
}

func (db *DB) readPrevious(ctx context.Context, planID, unit string, before progressbot.Period, item progressbot.ItemRef) (a progressbot.Answer, ok bool, err error) {
	var period string
	row := db.r.QueryRowContext(ctx, `SELECT `+answerCols+`, r.period FROM latest_answers l
		JOIN answers a ON a.id = l.answer_id JOIN items i ON i.id = l.item_id JOIN reports r ON r.id = l.report_id JOIN units u ON u.id = r.unit_id
		WHERE u.plan_id = ? AND u.key = ? AND i.kind = ? AND i.key = ? AND r.period < ? AND a.skipped = 0
		ORDER BY r.period DESC LIMIT 1`, planID, unit, string(item.Kind), item.Key, before.String())
	var pa progressbot.Answer
	var (
		kind, status, stage, at, source string
		value                           sql.NullFloat64
	)
	err = row.Scan(&pa.ID, &kind, &pa.Item.Key, &pa.Skipped, &value, &pa.Raw, &status, &pa.Done, &pa.Coordination, &stage, &pa.UserID, &pa.ChatID, &at, &pa.DoneCarried, &source, &period)
	if errors.Is(err, sql.ErrNoRows) {
		return a, false, nil
	}
	if err != nil {
		return a, false, fmt.Errorf("previous answer: %w", err)
	}
	pa.Item.Kind = progressbot.ItemKind(kind)
	pa.Unit = unit
	pa.Period, _ = progressbot.ParsePeriod(period)
	pa.Status, pa.Stage = progressbot.TaskStatus(status), progressbot.ProjectStage(stage)
	pa.Source = progressbot.AnswerSource(source)
	if value.Valid {
		v := value.Float64
		pa.Value = &v
	}
	pa.At = parseStamp(at)
	return pa, true, nil
}

// SubmitResult says what a submit did.
type SubmitResult struct {
	Revision         int
	AlreadySubmitted bool // nothing changed since the last submit: not counted again
}

// Submit marks a unit's report for a period submitted. Submitting a report that is already
// submitted and unchanged is a no-op, so two taps on the button make one submission.
func (db *DB) Submit(ctx context.Context, planID, unit string, period progressbot.Period, who Who) (SubmitResult, error) {
	var (
		res SubmitResult
		rid int64
		at  string
	)
	key := reportKey{planID, unit, period}
	// The report kept in memory changes as the row did (its answers did not), in commit
	// order: reading it all again after every submit was a tenth of the CPU of a
	// reopen-and-submit flow.
	remember := func(err error) {
		db.reports.wrote(key, func(r *progressbot.Report) bool {
			if err != nil {
				return false
			}
			r.ID, r.State = rid, progressbot.ReportSubmitted
			if !res.AlreadySubmitted {
				r.SubmittedAt, r.SubmittedBy, r.Revision = parseStamp(at), who.UserID, res.Revision
			}
			return true
		})
	}
	err := db.writeThen(ctx, func(tx *Tx) error {
		res = SubmitResult{} // a busy attempt may have run before
		var err error
		if rid, err = ensureReport(ctx, tx, planID, unit, period); err != nil {
			return err
		}
		var state string
		if err := tx.QueryRowContext(ctx, `SELECT state, revision FROM reports WHERE id = ?`, rid).Scan(&state, &res.Revision); err != nil {
			return err
		}
		if state == string(progressbot.ReportSubmitted) {
			res.AlreadySubmitted = true
			return nil
		}
		res.Revision++
		at = tx.Stamp()
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET state = 'submitted', submitted_at = ?, submitted_by = ?, revision = ? WHERE id = ?`,
			at, who.UserID, res.Revision, rid); err != nil {
			return err
		}
		return addEvent(ctx, tx, rid, "submit", who)
	}, remember)
	if err != nil {
		return res, fmt.Errorf("submit %s %s: %w", unit, period, err)
	}
	return res, nil
}

// Reopen opens a submitted report for revision. The caller checks the deadline.
func (db *DB) Reopen(ctx context.Context, planID, unit string, period progressbot.Period, who Who) error {
	var rid int64
	remember := func(err error) { // in commit order, as Submit's
		db.reports.wrote(reportKey{planID, unit, period}, func(r *progressbot.Report) bool {
			if err != nil {
				return false
			}
			r.ID, r.State = rid, progressbot.ReportOpen // submitted_at and the revision stay, as in the row
			return true
		})
	}
	err := db.writeThen(ctx, func(tx *Tx) error {
		var err error
		if rid, err = ensureReport(ctx, tx, planID, unit, period); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE reports SET state = 'open' WHERE id = ? AND state = 'submitted'`, rid)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return addEvent(ctx, tx, rid, "reopen", who)
	}, remember)
	if err != nil {
		return fmt.Errorf("reopen %s %s: %w", unit, period, err)
	}
	return nil
}

func addEvent(ctx context.Context, tx *Tx, reportID int64, event string, who Who) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO report_events (report_id, event, user_id, chat_id, at) VALUES (?, ?, ?, ?, ?)`,
		reportID, event, who.UserID, who.ChatID, tx.Stamp())
	return err
}

// ReportEvent is one submit or reopen.
type ReportEvent struct {
	Event string
	Who
	At string
}

// Events lists a report's submits and reopens, oldest first.
func (db *DB) Events(ctx context.Context, planID, unit string, period progressbot.Period) ([]ReportEvent, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT e.event, e.user_id, e.chat_id, e.at FROM report_events e
		JOIN reports r ON r.id = e.report_id JOIN units u ON u.id = r.unit_id
		WHERE u.plan_id = ? AND u.key = ? AND r.period = ? ORDER BY e.id`, planID, unit, period.String())
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	var out []ReportEvent
	for rows.Next() {
		var e ReportEvent
		if err := rows.Scan(&e.Event, &e.UserID, &e.ChatID, &e.At); err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
