package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/progressbot/progressbot"
)

// PlanLoad says what loading a plan did.
type PlanLoad struct {
	Created   bool // the plan was new
	Unchanged bool // the same seed was loaded before; nothing was written
	Units     int
	Items     int
	Targets   int
	Retired   int // units and items no longer in the seed
}

// SavePlan stores a plan loaded from a seed. Loading the same seed again (same checksum)
// writes nothing; a corrected seed updates names and targets in place and retires what it
// no longer has, without touching any report or answer.
func (db *DB) SavePlan(ctx context.Context, p *progressbot.Plan, checksum string) (PlanLoad, error) {
	var res PlanLoad
	data, err := json.Marshal(p)
	if err != nil {
		return res, fmt.Errorf("save plan: %w", err)
	}
	err = db.Write(ctx, func(tx *Tx) error {
		var old string
		switch err := tx.QueryRowContext(ctx, `SELECT checksum FROM plans WHERE id = ?`, p.ID).Scan(&old); {
		case errors.Is(err, sql.ErrNoRows):
			res.Created = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO plans (id, title, doc_number, checksum, data, loaded_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				p.ID, p.Title, p.DocNumber, checksum, data, tx.Stamp(), tx.Stamp()); err != nil {
				return err
			}
		case err != nil:
			return err
		case old == checksum:
			res.Unchanged = true
			return nil
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE plans SET title = ?, doc_number = ?, checksum = ?, data = ?, updated_at = ? WHERE id = ?`,
				p.Title, p.DocNumber, checksum, data, tx.Stamp(), p.ID); err != nil {
				return err
			}
		}
		return savePlanRows(ctx, tx, p, &res)
	})
	// Retired units and items leave the reports read before.
	db.forgetMemos()
	if err != nil {
		return res, fmt.Errorf("save plan %s: %w", p.ID, err)
	}
	return res, nil
}

func savePlanRows(ctx context.Context, tx *Tx, p *progressbot.Plan, res *PlanLoad) error {
	for _, t := range []string{"units", "items"} {
		if _, err := tx.ExecContext(ctx, `UPDATE `+t+` SET retired = 1 WHERE plan_id = ?`, p.ID); err != nil {
			return err
		}
	}
	unitStmt, err := tx.PrepareContext(ctx, `INSERT INTO units (plan_id, key, name, kind, name_en, retired) VALUES (?, ?, ?, ?, ?, 0)
		ON CONFLICT (plan_id, key) DO UPDATE SET name = excluded.name, kind = excluded.kind, name_en = excluded.name_en, retired = 0`)
	if err != nil {
		return err
	}
	defer unitStmt.Close()
	for _, u := range p.Units {
		if _, err := unitStmt.ExecContext(ctx, p.ID, u.ID, u.Name, string(u.Kind), u.En); err != nil {
			return fmt.Errorf("unit %s: %w", u.ID, err)
		}
		res.Units++
	}
	itemStmt, err := tx.PrepareContext(ctx, `INSERT INTO items (plan_id, kind, key, title, retired) VALUES (?, ?, ?, ?, 0)
		ON CONFLICT (plan_id, kind, key) DO UPDATE SET title = excluded.title, retired = 0`)
	if err != nil {
		return err
	}
	defer itemStmt.Close()
	for _, it := range planItems(p) {
		if _, err := itemStmt.ExecContext(ctx, p.ID, string(it.ref.Kind), it.ref.Key, it.title); err != nil {
			return fmt.Errorf("item %s: %w", it.ref, err)
		}
		res.Items++
	}
	for _, t := range []string{"units", "items"} {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t+` WHERE plan_id = ? AND retired = 1`, p.ID).Scan(&n); err != nil {
			return err
		}
		res.Retired += n
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM targets WHERE plan_id = ?`, p.ID); err != nil {
		return err
	}
	tStmt, err := tx.PrepareContext(ctx, `INSERT INTO targets (plan_id, indicator, unit, year, floor, stretch, text, companies, measure, source, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer tStmt.Close()
	for _, t := range p.Targets {
		measure := ""
		if in := p.Indicator(t.Indicator); in != nil {
			measure = in.Measure
		}
		if _, err := tStmt.ExecContext(ctx, p.ID, t.Indicator, t.Unit, t.Year, t.Floor, t.Stretch, t.Text,
			strings.Join(t.Companies, "、"), measure, t.Source, t.Note); err != nil {
			return fmt.Errorf("target %s/%s/%d: %w", t.Indicator, t.Unit, t.Year, err)
		}
		res.Targets++
	}
	return nil
}

type planItem struct {
	ref   progressbot.ItemRef
	title string
}

func planItems(p *progressbot.Plan) []planItem {
	var out []planItem
	for _, t := range p.Tasks {
		out = append(out, planItem{progressbot.ItemRef{Kind: progressbot.ItemTask, Key: t.Key()}, t.Title})
	}
	for _, w := range p.WorkItems {
		out = append(out, planItem{progressbot.ItemRef{Kind: progressbot.ItemWorkItem, Key: w.ID}, w.Work})
	}
	for _, in := range p.Indicators {
		out = append(out, planItem{progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: in.ID}, in.Name})
	}
	for _, pr := range p.Projects {
		out = append(out, planItem{progressbot.ItemRef{Kind: progressbot.ItemProject, Key: pr.ID}, pr.Name})
	}
	return out
}

// Plan reads a stored plan, indexed and ready for use.
func (db *DB) Plan(ctx context.Context, id string) (*progressbot.Plan, error) {
	var data []byte
	err := db.r.QueryRowContext(ctx, `SELECT data FROM plans WHERE id = ?`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("plan %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", id, err)
	}
	p := &progressbot.Plan{}
	if err := json.Unmarshal(data, p); err != nil {
		return nil, fmt.Errorf("plan %s: %w", id, err)
	}
	p.Index()
	return p, nil
}

// PlanIDs lists the stored plans.
func (db *DB) PlanIDs(ctx context.Context) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM plans ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("plans: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("plans: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
