// Package store keeps plans, reports and answers in SQLite (modernc.org/sqlite, no cgo).
//
// Two pools share one database file in WAL mode: a writer pool of one connection whose
// transactions begin IMMEDIATE, so writers queue on SQLite's lock instead of failing to
// upgrade a read lock, and a reader pool that serves rollups concurrently with writes.
// Pragmas are in the DSN so that every pooled connection gets them.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/progressbot/progressbot"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the application's database.
type DB struct {
	path string
	w    *pool // one connection, IMMEDIATE transactions
	r    *pool // readers
	// Now is the clock; tests replace it.
	Now func() time.Time

	users   *memo[int64, userRow]
	reports *memo[reportKey, progressbot.Report]
	exts    *memo[extKey, map[string]DeadlineExtension]
	prevs   *memo[prevKey, map[progressbot.Period]prevAnswer]
	// evidence counts a report's files per item: the review shows them on every screen.
	evidenceCounts *memo[reportKey, map[progressbot.ItemRef]int]

	// wq orders writes on the writer connection and groups concurrent saves (group.go).
	wq writeQueue

	// idsByPlan maps each plan's keys to row ids (see planIDs), filled on first use.
	idsMu     sync.Mutex
	idsByPlan map[string]*planIDs
}

// MemoTTL bounds how long a lookup kept in memory (a person, a unit's report, an item's
// answer in an earlier period, a period's deadline extensions) may go unchecked against writes made by another process; writes
// made through this DB are seen at once. See memo.
const MemoTTL = 10 * time.Second

// memoSize bounds each memo's entries: every person and every unit's report for a few
// periods, with room to spare.
const memoSize = 20000

// ErrNotFound is returned when a row asked for does not exist.
var ErrNotFound = &progressbot.Error{Kind: progressbot.NotFound, Msg: "not found"}

// Open opens (creating if needed) the database at path and applies pending migrations.
// The path ":memory:" is not supported, since two pools need one shared file; tests use a
// file in t.TempDir().
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("open db: a file path is required")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open db: %w", err)
		}
	}
	w, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("open db: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open db: %w", err)
	}
	readers := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(readers)
	// database/sql keeps two idle connections by default and closes the rest; reopening
	// one parses the schema and sets the pragmas again, on every burst.
	r.SetMaxIdleConns(readers)
	db := &DB{path: path, w: &pool{DB: w}, r: &pool{DB: r}, Now: time.Now, idsByPlan: map[string]*planIDs{}}
	db.SetMemoTTL(MemoTTL)
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if n := sweepUploads(db.FilesDir(), time.Now()); n > 0 {
		slog.Info("removed the temporary files of uploads cut off by a crash", "count", n)
	}
	return db, nil
}

func dsn(path string, writer bool) string {
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		"foreign_keys(1)",
		"busy_timeout(10000)",
		"synchronous(NORMAL)", // durable across process crashes in WAL mode
		"temp_store(MEMORY)",
	} {
		q.Add("_pragma", p)
	}
	// Each connection has its own page cache, and the file grows for years: caches sized
	// for the whole database would make the process grow with it (six connections at
	// 16 MB could hold 96 MB). Report steps read the memos, rollups a few index ranges,
	// and the OS page cache holds the file anyway, so 1 MB a reader and 2 MB for the
	// writer (whose pages every answer touches) keep the hot pages: the bundled plan's
	// rollups are as fast as with 4 and 8 MB, a chain of the synthetic 6,000,000-answer
	// database about 10% slower (p50 21.8 against 19.4 ms), and on two cores (four
	// readers) all caches together hold at most 6 MB.
	if writer {
		q.Add("_pragma", "cache_size(-2000)")
	} else {
		q.Add("_pragma", "cache_size(-1000)")
	}
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// SetMemoTTL sets how long lookups kept in memory go unchecked against other processes'
// writes; 0 turns the memos off, for a handle that shares the file with another writer
// and must see its writes at once. Call it before the DB is used.
func (db *DB) SetMemoTTL(ttl time.Duration) {
	db.users = newMemo[int64, userRow](ttl, memoSize)
	db.reports = newMemo[reportKey, progressbot.Report](ttl, memoSize)
	db.exts = newMemo[extKey, map[string]DeadlineExtension](ttl, memoSize)
	db.prevs = newMemo[prevKey, map[progressbot.Period]prevAnswer](ttl, memoSize)
	db.evidenceCounts = newMemo[reportKey, map[progressbot.ItemRef]int](ttl, memoSize)
}

// forgetMemos forgets what every memo of reports keeps: after a write whose reach they
// cannot follow (a plan reload, an import).
func (db *DB) forgetMemos() {
	db.reports.forgetAll()
	db.prevs.forgetAll()
	db.evidenceCounts.forgetAll()
}

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.r.Close(), db.w.Close())
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.r.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		err := db.Write(ctx, func(tx *Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, base).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := fs.ReadFile(migrations, name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, base, tx.Stamp())
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", base, err)
		}
	}
	return nil
}

// Tx is a transaction with the moment it began, so that every row it writes carries one
// timestamp.
type Tx struct {
	*sql.Tx
	Now        time.Time
	pool       *pool
	unprepared []string
}

// Stamp is the transaction's time as stored: RFC 3339 in UTC with nanoseconds.
func (tx *Tx) Stamp() string { return stamp(tx.Now) }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// Write runs fn in a write transaction, committing when fn returns nil. SQLITE_BUSY
// beyond the busy timeout is retried a few times, since a busy database must never cost a
// liaison an answer.
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	return db.writeThen(ctx, fn, nil)
}

// retryBusy runs a write again, after a pause, while it fails with SQLITE_BUSY.
func (db *DB) retryBusy(ctx context.Context, write func() error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = write()
		if !isBusy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(50<<attempt) * time.Millisecond):
		}
	}
	return err
}

// Read runs fn in a read-only transaction: one consistent snapshot.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.r, &sql.TxOptions{ReadOnly: true}, fn)
}

func (db *DB) run(ctx context.Context, p *pool, opts *sql.TxOptions, fn func(*Tx) error) error {
	sqlTx, err := p.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: sqlTx, Now: db.Now(), pool: p}
	defer func() {
		if len(tx.unprepared) > 0 {
			p.prepare(context.WithoutCancel(ctx), tx.unprepared)
		}
	}()
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func isBusy(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked")
}
