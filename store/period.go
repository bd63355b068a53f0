package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/progressbot/progressbot"
)

// This file reads what leaders' rollups need (Snapshot, Submissions) and writes reports in
// bulk (Import, for demo data and benchmarks).
//
// A rollup reads latest_values (migration 0004), a copy of the latest answer of each unit
// on each item in each period with only the fields rollups use, kept by triggers in the
// transaction that saves the answer. Its primary key (period, item_id, unit_id) makes the
// answers of one item in one period one contiguous range, so a chain's rollup reads its
// items' ranges and nothing else; a unit's rollup reads one range of latest_values_unit
// (unit_id, period) per period it needs. The cost of a rollup therefore grows with the
// number of answers it shows, not with the history kept.

// planIDs maps a plan's unit keys and item refs to their row ids and back. Rows are never
// deleted or re-keyed, so a cached mapping is never wrong, only possibly incomplete (a
// reseed added a unit): a miss reloads it.
type planIDs struct {
	unitKey map[int64]string
	unitID  map[string]int64
	itemID  map[progressbot.ItemRef]int64
	itemRef map[int64]progressbot.ItemRef
}

func (db *DB) ids(ctx context.Context, planID string, reload bool) (*planIDs, error) {
	db.idsMu.Lock()
	ids := db.idsByPlan[planID]
	db.idsMu.Unlock()
	if ids != nil && !reload {
		return ids, nil
	}
	ids = &planIDs{unitKey: map[int64]string{}, unitID: map[string]int64{}, itemID: map[progressbot.ItemRef]int64{}, itemRef: map[int64]progressbot.ItemRef{}}
	rows, err := db.r.QueryContext(ctx, `SELECT id, key FROM units WHERE plan_id = ?`, planID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return nil, err
		}
		ids.unitKey[id], ids.unitID[key] = key, id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.r.QueryContext(ctx, `SELECT id, kind, key FROM items WHERE plan_id = ?`, planID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var kind, key string
		if err := rows.Scan(&id, &kind, &key); err != nil {
			return nil, err
		}
		ref := progressbot.ItemRef{Kind: progressbot.ItemKind(kind), Key: key}
		ids.itemID[ref], ids.itemRef[id] = id, ref
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	db.idsMu.Lock()
	db.idsByPlan[planID] = ids
	db.idsMu.Unlock()
	return ids, nil
}

// idsFor returns the ids, reloading once if a unit or item asked for is not known yet.
func (db *DB) idsFor(ctx context.Context, planID string, units []string, items []progressbot.JudgedItem) (*planIDs, error) {
	ids, err := db.ids(ctx, planID, false)
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		if _, ok := ids.unitID[u]; !ok {
			return db.ids(ctx, planID, true)
		}
	}
	for _, it := range items {
		if _, ok := ids.itemID[it.Item]; !ok {
			return db.ids(ctx, planID, true)
		}
	}
	return ids, nil
}

const (
	qByItem = `SELECT unit_id, value, flags FROM latest_values WHERE period = ? AND item_id = ?`
	// Without statistics the planner prefers the primary key's period prefix, which is
	// every answer of the period; the unit's index reads only the unit's.
	qByUnit = `SELECT item_id, value, flags FROM latest_values INDEXED BY latest_values_unit WHERE unit_id = ? AND period = ?`
	// The texts of an item's (or a unit's) answers whose flags match: (flags & mask) =
	// mask, so mask 2 reads those that may ask for coordination and mask 0 all of them.
	qTextsByItem = `SELECT l.unit_id, a.coordination, a.done, a.done_carried FROM latest_values l JOIN answers a ON a.id = l.answer_id
		WHERE l.period = ? AND l.item_id = ? AND (l.flags & ?) = ?`
	qTextsByUnit = `SELECT l.item_id, a.coordination, a.done, a.done_carried FROM latest_values l INDEXED BY latest_values_unit JOIN answers a ON a.id = l.answer_id
		WHERE l.unit_id = ? AND l.period = ? AND (l.flags & ?) = ?`
	qReportsAll = `SELECT r.unit_id, r.state, coalesce(r.submitted_at, '') FROM reports r WHERE r.period = ?`
	qReportsOne = `SELECT r.state, coalesce(r.submitted_at, '') FROM reports r WHERE r.unit_id = ? AND r.period = ?`
	// Reports of a period, with how many items each has answered so far.
	qCounts = `SELECT r.unit_id, r.state, coalesce(r.submitted_at, ''), (SELECT count(*) FROM latest_answers l WHERE l.report_id = r.id)
		FROM reports r WHERE r.period = ?`
)

func periodInt(p progressbot.Period) int { return p.Year*100 + int(p.Month) }

// byUnitMax is the number of units up to which a snapshot reads unit by unit (one range
// of latest_values_unit per unit and period) rather than item by item.
const byUnitMax = 8

// Snapshot reads, in one read transaction, the latest answers a rollup needs: for each
// item of q, the answers for the period that judges it, of q's units (every unit when
// q.Units is nil), grouped by item; the coordination text of the answers that may ask for
// something (and, with q.Texts, every answer's texts); and the state of q.Reports'
// reports for q.Period.
func (db *DB) Snapshot(ctx context.Context, planID string, q progressbot.SnapshotQuery) (*progressbot.Snapshot, error) {
	ids, err := db.idsFor(ctx, planID, q.Units, q.Items)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	snap := &progressbot.Snapshot{}
	err = db.Read(ctx, func(tx *Tx) error {
		if q.Units != nil && len(q.Units) <= byUnitMax {
			snap.Cells = make([]progressbot.Cell, 0, len(q.Units)*len(q.Items))
			if err := readByUnit(ctx, tx, ids, q, snap); err != nil {
				return err
			}
		} else {
			n := len(q.Units)
			if q.Units == nil {
				n = 16
			}
			snap.Cells = make([]progressbot.Cell, 0, n*len(q.Items))
			if err := readByItem(ctx, tx, ids, q, snap); err != nil {
				return err
			}
		}
		var err error
		snap.Reports, err = readReports(ctx, tx, ids, q.Period, q.Reports, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", q.Period, err)
	}
	return snap, nil
}

// Bits of latest_values.flags (migration 0004).
const (
	flagSkipped     = 1
	flagCoord       = 2
	flagStatusShift = 2
	flagStageShift  = 5
)

// scanCell reads a row of qByItem or qByUnit: the unit's or item's id and the cell.
func scanCell(rows *sql.Rows, c *progressbot.Cell) (id int64, coord bool, err error) {
	var (
		value sql.NullFloat64
		flags int64
	)
	if err = rows.Scan(&id, &value, &flags); err != nil {
		return
	}
	c.HasValue, c.Value = value.Valid, value.Float64
	c.Skipped = flags&flagSkipped != 0
	if s := int(flags>>flagStatusShift) & 7; s > 0 && s <= len(progressbot.TaskStatuses) {
		c.Status = progressbot.TaskStatuses[s-1]
	}
	if s := int(flags>>flagStageShift) & 7; s > 0 && s <= len(progressbot.ProjectStages) {
		c.Stage = progressbot.ProjectStages[s-1]
	}
	return id, flags&flagCoord != 0, nil
}

// readTexts fills the texts of cells (by the id of their unit or item) from a texts
// query.
func readTexts(ctx context.Context, tx *Tx, q string, texts bool, cells []progressbot.Cell, byID map[int64]int, a, b int64) error {
	mask := int64(flagCoord)
	if texts {
		mask = 0
	}
	rows, err := tx.QueryContext(ctx, q, a, b, mask, mask)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id          int64
			coord, done string
			carried     bool
		)
		if err := rows.Scan(&id, &coord, &done, &carried); err != nil {
			return err
		}
		i, ok := byID[id]
		if !ok {
			continue
		}
		if progressbot.NeedsCoordination(coord) {
			cells[i].Coordination = coord
		}
		if texts {
			cells[i].Done, cells[i].DoneCarried = done, carried
		}
	}
	return rows.Err()
}

func readByItem(ctx context.Context, tx *Tx, ids *planIDs, q progressbot.SnapshotQuery, snap *progressbot.Snapshot) error {
	var want map[int64]bool
	if q.Units != nil {
		want = make(map[int64]bool, len(q.Units))
		for _, u := range q.Units {
			if id, ok := ids.unitID[u]; ok {
				want[id] = true
			}
		}
	}
	var unitIDs []int64 // of this item's cells
	for _, it := range q.Items {
		itemID, ok := ids.itemID[it.Item]
		if !ok {
			continue
		}
		rows, err := tx.QueryContext(ctx, qByItem, periodInt(it.Period), itemID)
		if err != nil {
			return err
		}
		start, anyCoord := len(snap.Cells), false
		unitIDs = unitIDs[:0]
		for rows.Next() {
			c := progressbot.Cell{Item: it.Item, Period: it.Period}
			unitID, coord, err := scanCell(rows, &c)
			if err != nil {
				rows.Close()
				return err
			}
			if want != nil && !want[unitID] {
				continue
			}
			c.Unit = ids.unitKey[unitID]
			snap.Cells = append(snap.Cells, c)
			unitIDs = append(unitIDs, unitID)
			anyCoord = anyCoord || coord
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if anyCoord || q.Texts && len(unitIDs) > 0 {
			byID := make(map[int64]int, len(unitIDs))
			for i, id := range unitIDs {
				byID[id] = start + i
			}
			if err := readTexts(ctx, tx, qTextsByItem, q.Texts, snap.Cells, byID, int64(periodInt(it.Period)), itemID); err != nil {
				return err
			}
		}
	}
	return nil
}

func readByUnit(ctx context.Context, tx *Tx, ids *planIDs, q progressbot.SnapshotQuery, snap *progressbot.Snapshot) error {
	// The periods needed, and for each the items judged on it.
	type pk = progressbot.Period
	byPeriod := map[pk]map[int64]progressbot.ItemRef{}
	var periods []pk
	for _, it := range q.Items {
		id, ok := ids.itemID[it.Item]
		if !ok {
			continue
		}
		if byPeriod[it.Period] == nil {
			byPeriod[it.Period] = map[int64]progressbot.ItemRef{}
			periods = append(periods, it.Period)
		}
		byPeriod[it.Period][id] = it.Item
	}
	for _, u := range q.Units {
		unitID, ok := ids.unitID[u]
		if !ok {
			continue
		}
		for _, per := range periods {
			rows, err := tx.QueryContext(ctx, qByUnit, unitID, periodInt(per))
			if err != nil {
				return err
			}
			items := byPeriod[per]
			byID := map[int64]int{}
			anyCoord := false
			for rows.Next() {
				c := progressbot.Cell{Unit: u, Period: per}
				itemID, coord, err := scanCell(rows, &c)
				if err != nil {
					rows.Close()
					return err
				}
				ref, ok := items[itemID]
				if !ok {
					continue
				}
				c.Item = ref
				byID[itemID] = len(snap.Cells)
				snap.Cells = append(snap.Cells, c)
				anyCoord = anyCoord || coord
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if anyCoord || q.Texts && len(byID) > 0 {
				if err := readTexts(ctx, tx, qTextsByUnit, q.Texts, snap.Cells, byID, unitID, int64(periodInt(per))); err != nil {
					return err
				}
			}
		}
	}
	// Group the cells by item, in the order of q.Items, as readByItem returns them.
	order := make(map[progressbot.ItemRef]int, len(q.Items))
	for i, it := range q.Items {
		order[it.Item] = i
	}
	slices.SortStableFunc(snap.Cells, func(a, b progressbot.Cell) int { return order[a.Item] - order[b.Item] })
	return nil
}

// readReports reads the reports of units for a period; units that have none are
// returned unopened. With counts, each report's number of answered items is read too.
func readReports(ctx context.Context, tx *Tx, ids *planIDs, per progressbot.Period, units []string, counts bool) ([]progressbot.ReportStatus, error) {
	out := make([]progressbot.ReportStatus, 0, len(units))
	if len(units) == 0 {
		return out, nil
	}
	found := make(map[string]progressbot.ReportStatus, len(units))
	if len(units) <= byUnitMax && !counts {
		for _, u := range units {
			id, ok := ids.unitID[u]
			if !ok {
				continue
			}
			var state, at string
			err := tx.QueryRowContext(ctx, qReportsOne, id, per.String()).Scan(&state, &at)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return nil, err
			}
			found[u] = reportStatus(u, state, at, 0)
		}
	} else {
		q := qReportsAll
		if counts {
			q = qCounts
		}
		rows, err := tx.QueryContext(ctx, q, per.String())
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				unitID    int64
				state, at string
				n         int
			)
			dst := []any{&unitID, &state, &at}
			if counts {
				dst = append(dst, &n)
			}
			if err := rows.Scan(dst...); err != nil {
				return nil, err
			}
			if u, ok := ids.unitKey[unitID]; ok {
				found[u] = reportStatus(u, state, at, n)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, u := range units {
		rs, ok := found[u]
		if !ok {
			rs = progressbot.ReportStatus{Unit: u, State: progressbot.ReportOpen}
		}
		out = append(out, rs)
	}
	return out, nil
}

func reportStatus(unit, state, at string, n int) progressbot.ReportStatus {
	rs := progressbot.ReportStatus{Unit: unit, Opened: true, State: progressbot.ReportState(state), Answers: n}
	if at != "" {
		rs.SubmittedAt = parseStamp(at)
	}
	return rs
}

// Submissions returns where the reports of units for a period stand, with how many items
// each has answered, in the order of units: what /missing shows.
func (db *DB) Submissions(ctx context.Context, planID string, per progressbot.Period, units []string) ([]progressbot.ReportStatus, error) {
	ids, err := db.idsFor(ctx, planID, units, nil)
	if err != nil {
		return nil, fmt.Errorf("submissions: %w", err)
	}
	var out []progressbot.ReportStatus
	err = db.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = readReports(ctx, tx, ids, per, units, true)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("submissions %s: %w", per, err)
	}
	return out, nil
}

// ImportReport is one unit's report for one period as a bulk import writes it.
type ImportReport struct {
	Unit     string
	Period   progressbot.Period
	OpenedAt time.Time
	// Answers are appended in order, each at its own At; the last one per item is the
	// latest.
	Answers []progressbot.Answer
	// SubmittedAt, when not zero, marks the report submitted then (one submit event).
	SubmittedAt time.Time
	SubmittedBy int64
}

// ImportStats counts what Import wrote.
type ImportStats struct {
	Reports, Answers, Submitted int
}

// ErrReportExists is returned by Import for a report that is already in the database:
// imports only add history, never mix with it.
var ErrReportExists = &progressbot.Error{Kind: progressbot.Conflict, Msg: "report already exists"}

// Import writes reports in bulk, in one write transaction, into the same tables as
// SaveAnswer and Submit (answers, latest_answers and, through its triggers,
// latest_values; reports and their submit events) with the times the reports give rather
// than the clock's: demo data and benchmarks. Every report must be new.
func (db *DB) Import(ctx context.Context, planID string, reports []ImportReport) (ImportStats, error) {
	var stats ImportStats
	var units []string
	for _, r := range reports {
		units = append(units, r.Unit)
	}
	slices.Sort(units)
	units = slices.Compact(units)
	ids, err := db.idsFor(ctx, planID, units, nil)
	if err != nil {
		return stats, fmt.Errorf("import: %w", err)
	}
	err = db.Write(ctx, func(tx *Tx) error {
		stats = ImportStats{}
		prep := func(q string) (*sql.Stmt, error) { return tx.PrepareContext(ctx, q) }
		insReport, err := prep(`INSERT INTO reports (unit_id, period, state, opened_at, submitted_at, submitted_by, revision) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (unit_id, period) DO NOTHING RETURNING id`)
		if err != nil {
			return err
		}
		defer insReport.Close()
		insAnswer, err := prep(`INSERT INTO answers (report_id, item_id, skipped, value, raw, status, done, coordination, stage, user_id, chat_id, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
		if err != nil {
			return err
		}
		defer insAnswer.Close()
		insLatest, err := prep(`INSERT INTO latest_answers (report_id, item_id, answer_id) VALUES (?, ?, ?)
			ON CONFLICT (report_id, item_id) DO UPDATE SET answer_id = excluded.answer_id`)
		if err != nil {
			return err
		}
		defer insLatest.Close()
		insEvent, err := prep(`INSERT INTO report_events (report_id, event, user_id, chat_id, at) VALUES (?, 'submit', ?, 0, ?)`)
		if err != nil {
			return err
		}
		defer insEvent.Close()
		for _, r := range reports {
			unitID, ok := ids.unitID[r.Unit]
			if !ok {
				return fmt.Errorf("unit %s: %w", r.Unit, ErrNotOwed)
			}
			state, submitted, revision := "open", sql.NullString{}, 0
			if !r.SubmittedAt.IsZero() {
				state, submitted, revision = "submitted", sql.NullString{String: stamp(r.SubmittedAt), Valid: true}, 1
			}
			var rid int64
			err := insReport.QueryRowContext(ctx, unitID, r.Period.String(), state, stamp(r.OpenedAt), submitted, sql.NullInt64{Int64: r.SubmittedBy, Valid: submitted.Valid}, revision).Scan(&rid)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%s %s: %w", r.Unit, r.Period, ErrReportExists)
			}
			if err != nil {
				return err
			}
			stats.Reports++
			for _, a := range r.Answers {
				itemID, ok := ids.itemID[a.Item]
				if !ok {
					return fmt.Errorf("item %s: %w", a.Item, ErrNotOwed)
				}
				var aid int64
				if err := insAnswer.QueryRowContext(ctx, rid, itemID, a.Skipped, a.Value, a.Raw, string(a.Status), a.Done, a.Coordination,
					string(a.Stage), a.UserID, a.ChatID, stamp(a.At)).Scan(&aid); err != nil {
					return err
				}
				if _, err := insLatest.ExecContext(ctx, rid, itemID, aid); err != nil {
					return err
				}
				stats.Answers++
			}
			if submitted.Valid {
				if _, err := insEvent.ExecContext(ctx, rid, r.SubmittedBy, submitted.String); err != nil {
					return err
				}
				stats.Submitted++
			}
		}
		return nil
	})
	db.forgetMemos()
	if err != nil {
		return stats, fmt.Errorf("import: %w", err)
	}
	return stats, nil
}

// Reported counts the reports of a plan, to tell an empty history from one in use.
func (db *DB) Reported(ctx context.Context, planID string) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM reports r JOIN units u ON u.id = r.unit_id WHERE u.plan_id = ?`, planID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("reported: %w", err)
	}
	return n, nil
}
