package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Boot is one run of the bot.
type Boot struct {
	ID      string
	Started time.Time
	Ended   time.Time // zero: still running, or killed
}

// StartBoot records that a run of the bot with this id has begun.
func (db *DB) StartBoot(ctx context.Context, id string) error {
	err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO boots (id, started_at) VALUES (?, ?)`, id, fixed(tx.Now))
		return err
	})
	if err != nil {
		return fmt.Errorf("start boot: %w", err)
	}
	return nil
}

// EndBoot records that the run ended cleanly: every update it took was handled and
// answered.
func (db *DB) EndBoot(ctx context.Context, id string) error {
	err := db.Write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE boots SET ended_at = ? WHERE id = ? AND ended_at IS NULL`, fixed(tx.Now), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("end boot %s: %w", id, err)
	}
	return nil
}

// Boot is the run with this id; ErrNotFound for a run never recorded (a database
// restored from an older backup, say).
func (db *DB) Boot(ctx context.Context, id string) (Boot, error) {
	var b Boot
	err := db.Read(ctx, func(tx *Tx) (err error) {
		b, err = scanBoot(tx.QueryRowContext(ctx, `SELECT id, started_at, ended_at FROM boots WHERE id = ?`, id))
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return b, fmt.Errorf("boot %s: %w", id, err)
	}
	return b, err
}

// LastBoot is the run started last; ErrNotFound before the first.
func (db *DB) LastBoot(ctx context.Context) (Boot, error) {
	var b Boot
	err := db.Read(ctx, func(tx *Tx) (err error) {
		b, err = scanBoot(tx.QueryRowContext(ctx, `SELECT id, started_at, ended_at FROM boots ORDER BY started_at DESC, id DESC LIMIT 1`))
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return b, fmt.Errorf("last boot: %w", err)
	}
	return b, err
}

func scanBoot(r *sql.Row) (Boot, error) {
	var b Boot
	var started string
	var ended sql.NullString
	switch err := r.Scan(&b.ID, &started, &ended); {
	case errors.Is(err, sql.ErrNoRows):
		return b, ErrNotFound
	case err != nil:
		return b, err
	}
	b.Started = parseFixed(started)
	if ended.Valid {
		b.Ended = parseFixed(ended.String)
	}
	return b, nil
}
