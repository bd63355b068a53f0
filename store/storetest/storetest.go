// Package storetest gives tests of other packages a database holding the bundled plan,
// the starting point most of them share.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
)

// PlanDB opens a fresh database in tb's temporary folder and stores the bundled plan in
// it; the database is closed when the test ends.
func PlanDB(tb testing.TB) (*store.DB, *progressbot.Plan) {
	tb.Helper()
	return PlanDBAt(tb, filepath.Join(tb.TempDir(), "pb.db"))
}

// PlanDBAt is PlanDB with the database file at path, which may already hold one (the
// plan is then stored again, which changes nothing).
func PlanDBAt(tb testing.TB, path string) (*store.DB, *progressbot.Plan) {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	p, sum, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.SavePlan(ctx, p, sum); err != nil {
		tb.Fatal(err)
	}
	return db, p
}
