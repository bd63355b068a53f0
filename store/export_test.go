package store

import (
	"context"
	"fmt"
	"time"
)

// InviteWait reads the wait inviteWait computes, for the throttle tests (store_test);
// the bot learns it from Redeem's error.
func (db *DB) InviteWait(ctx context.Context, telegramID int64) (time.Duration, error) {
	var wait time.Duration
	err := db.Read(ctx, func(tx *Tx) error {
		var err error
		wait, err = inviteWait(ctx, tx, telegramID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("invite wait %d: %w", telegramID, err)
	}
	return wait, nil
}
