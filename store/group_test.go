package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
)

// TestGroupCommit: writes that wait while another runs share one transaction, and a
// failing one undoes only its own rows; every caller gets its own outcome.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	db := groupDB(t)
	boom := errors.New("boom")
	const writers = 40
	tests := []struct {
		name    string
		grouped bool
	}{{"grouped", true}, {"alone", false}}
	for ti, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := holdWriter(ctx, db)
			errs := make([]error, writers)
			var mu sync.Mutex
			txs := map[any]bool{} // the transactions the writes ran in
			var wg sync.WaitGroup
			for i := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n := ti*1000 + i
					fn := func(tx *Tx) error {
						mu.Lock()
						txs[tx.Tx] = true
						mu.Unlock()
						if _, err := tx.ExecContext(ctx, `INSERT INTO g (n) VALUES (?)`, n); err != nil {
							return err
						}
						if i%7 == 3 {
							return fmt.Errorf("writer %d: %w", i, boom) // after its insert: must be undone
						}
						return nil
					}
					if tt.grouped {
						errs[i] = groupedWrite(db)(ctx, fn)
					} else {
						errs[i] = db.Write(ctx, fn)
					}
				}()
			}
			waitQueued(t, db, writers)
			release()
			wg.Wait()
			for i, err := range errs {
				if want := i%7 == 3; want != errors.Is(err, boom) || (!want && err != nil) {
					t.Errorf("writer %d: %v", i, err)
				}
			}
			var rows, failed int
			if err := db.r.QueryRowContext(ctx, `SELECT count(*), count(CASE WHEN (n % 1000) % 7 = 3 THEN 1 END) FROM g WHERE n / 1000 = ?`, ti).Scan(&rows, &failed); err != nil {
				t.Fatal(err)
			}
			if want := writers - (writers+3)/7; rows != want || failed != 0 {
				t.Errorf("%d rows (want %d), %d of failed writers", rows, want, failed)
			}
			// All forty waited behind one write: grouped, they share one transaction.
			if want := map[bool]int{true: 1, false: writers}[tt.grouped]; len(txs) != want {
				t.Errorf("%d transactions for %d writes, want %d", len(txs), writers, want)
			}
			if db.wq.running || len(db.wq.pending) != 0 {
				t.Errorf("queue not drained: running %v, %d pending", db.wq.running, len(db.wq.pending))
			}
		})
	}
}

// TestGroupCancelledWhileQueued: a write whose caller gave up before its turn does not
// run, and says why; the others are not affected.
func TestGroupCancelledWhileQueued(t *testing.T) {
	ctx := context.Background()
	db := groupDB(t)
	release := holdWriter(ctx, db)
	gone, cancel := context.WithCancel(ctx)
	insert := func(n int) func(*Tx) error {
		return func(tx *Tx) error {
			_, err := tx.ExecContext(context.Background(), `INSERT INTO g (n) VALUES (?)`, n)
			return err
		}
	}
	errs := make(chan error, 2)
	go func() { errs <- groupedWrite(db)(gone, insert(1)) }()
	waitQueued(t, db, 1)
	go func() { errs <- groupedWrite(db)(ctx, insert(2)) }()
	waitQueued(t, db, 2)
	cancel()
	// The caller who gave up hears so at once, while the connection is still held.
	select {
	case e1 := <-errs:
		if !errors.Is(e1, context.Canceled) {
			t.Errorf("the cancelled write: %v", e1)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled write still waits for its turn")
	}
	release()
	if e2 := <-errs; e2 != nil {
		t.Errorf("the write behind it: %v", e2)
	}
	var ns []int
	rows, err := db.r.QueryContext(ctx, `SELECT n FROM g`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		rows.Scan(&n)
		ns = append(ns, n)
	}
	if fmt.Sprint(ns) != "[2]" {
		t.Errorf("rows %v, want [2]", ns)
	}
}

// holdWriter holds the writer connection until release is called, so that the writes
// made meanwhile queue behind it.
func holdWriter(ctx context.Context, db *DB) (release func()) {
	done, holding := make(chan struct{}), make(chan struct{})
	go db.Write(ctx, func(tx *Tx) error { close(holding); <-done; return nil })
	<-holding
	return func() { close(done) }
}

// groupDB is a database with one table g (n INTEGER PRIMARY KEY) to write rows into.
func groupDB(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE g (n INTEGER PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return db
}

// groupedWrite is db's grouped write with the shape of Write, for tests that run both.
func groupedWrite(db *DB) func(context.Context, func(*Tx) error) error {
	return func(ctx context.Context, fn func(*Tx) error) error {
		return db.writeGrouped(ctx, func(_ context.Context, tx *Tx) error { return fn(tx) }, nil)
	}
}

// waitQueued waits until n writes wait behind the one running.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	for range 5000 {
		db.wq.mu.Lock()
		k := len(db.wq.pending)
		db.wq.mu.Unlock()
		if k >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("fewer than %d writes queued", n)
}

// TestGroupPanic: a write that panics gets an error, the writes it shared a transaction or
// the queue with are saved, and the queue goes on.
func TestGroupPanic(t *testing.T) {
	for _, grouped := range []bool{true, false} {
		t.Run(fmt.Sprint("grouped ", grouped), func(t *testing.T) {
			ctx := context.Background()
			db := groupDB(t)
			release := holdWriter(ctx, db)
			write := db.Write
			if grouped {
				write = groupedWrite(db)
			}
			errs := make([]error, 3)
			var wg sync.WaitGroup
			for i := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = write(ctx, func(tx *Tx) error {
						if _, err := tx.ExecContext(ctx, `INSERT INTO g (n) VALUES (?)`, i); err != nil {
							return err
						}
						if i == 1 {
							panic("boom")
						}
						return nil
					})
				}()
				waitQueued(t, db, i+1)
			}
			release()
			wg.Wait()
			if errs[0] != nil || errs[2] != nil || errs[1] == nil || !strings.Contains(errs[1].Error(), "boom") {
				t.Errorf("outcomes %v", errs)
			}
			var ns []int
			rows, err := db.r.QueryContext(ctx, `SELECT n FROM g ORDER BY n`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var n int
				rows.Scan(&n)
				ns = append(ns, n)
			}
			rows.Close()
			if fmt.Sprint(ns) != "[0 2]" {
				t.Errorf("rows %v, want [0 2]", ns)
			}
			if err := db.Write(ctx, func(tx *Tx) error { return nil }); err != nil {
				t.Errorf("the queue after a panic: %v", err)
			}
		})
	}
}

// TestMemoInCommitOrder: liaisons of one unit submitting and reopening at once leave the
// report kept in memory as the database has it (the memo follows writes in commit order).
func TestMemoInCommitOrder(t *testing.T) {
	db, p := newPlanDB(t)
	ctx := context.Background()
	nov := progressbot.Period{Year: 2026, Month: 11}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db.Report(ctx, p.ID, "hukou", nov) // readers in between, filling the memo
			if i%2 == 0 {
				if _, err := db.Submit(ctx, p.ID, "hukou", nov, Who{UserID: int64(i)}); err != nil {
					t.Error(err)
				}
			} else if err := db.Reopen(ctx, p.ID, "hukou", nov, Who{UserID: int64(i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	kept, err := db.Report(ctx, p.ID, "hukou", nov)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Open(ctx, db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	fresh.SetMemoTTL(0)
	want, err := fresh.Report(ctx, p.ID, "hukou", nov)
	if err != nil {
		t.Fatal(err)
	}
	if kept.State != want.State || kept.Revision != want.Revision || !kept.SubmittedAt.Equal(want.SubmittedAt) || kept.SubmittedBy != want.SubmittedBy {
		t.Errorf("memo %s rev %d at %v by %d; database %s rev %d at %v by %d", kept.State, kept.Revision, kept.SubmittedAt, kept.SubmittedBy,
			want.State, want.Revision, want.SubmittedAt, want.SubmittedBy)
	}
}

// TestAfterRunsInTurn: a write's after hook runs before the next write does, so the
// memos it updates follow the rows in commit order.
func TestAfterRunsInTurn(t *testing.T) {
	ctx := context.Background()
	db := groupDB(t)
	release := holdWriter(ctx, db)
	var mu sync.Mutex
	var order []string
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		db.writeThen(ctx, func(tx *Tx) error { note("a wrote"); return nil }, func(error) {
			time.Sleep(50 * time.Millisecond) // room for b to run, were the hook outside a's turn
			note("a's hook")
		})
	}()
	waitQueued(t, db, 1)
	go func() {
		defer wg.Done()
		db.Write(ctx, func(tx *Tx) error { note("b wrote"); return nil })
	}()
	waitQueued(t, db, 2)
	release()
	wg.Wait()
	if got := fmt.Sprint(order); got != "[a wrote a's hook b wrote]" {
		t.Errorf("order %s", got)
	}
}
