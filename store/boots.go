package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// StartBoot records that a run of the bot with this id has begun.
func (db *DB) StartBoot(ctx context.Context, id string) error {
	err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO boots (id, started_at) VALUES (?, ?)`, id, tx.Stamp())
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
		res, err := tx.ExecContext(ctx, `UPDATE boots SET ended_at = ? WHERE id = ? AND ended_at IS NULL`, tx.Stamp(), id)
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

// BootEndedCleanly reports whether the run with this id ended cleanly. A run never
// recorded (a database restored from an older backup, say) did not, as far as anyone
// can tell.
func (db *DB) BootEndedCleanly(ctx context.Context, id string) (bool, error) {
	var ended sql.NullString
	err := db.Read(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT ended_at FROM boots WHERE id = ?`, id).Scan(&ended)
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("boot %s: %w", id, err)
	}
	return ended.Valid, nil
}
