package store

// Online backups.
//
// A backup is SQLite's `VACUUM INTO`, run on a read-only connection of its own:
//
//   - VACUUM INTO reads the source inside one read transaction, so under WAL the copy is
//     the database exactly as of one commit — every transaction committed before it began,
//     none of those that commit while it runs — and it is written as a fresh, defragmented
//     database file (rollback-journal mode; store.Open switches a restored file to WAL).
//   - A WAL reader never blocks the writer and the writer never blocks it: answers keep
//     being saved while the copy is made.
//   - Not the writer pool: it has one connection, and every answer would wait for the
//     copy to finish. Not the reader pool either: its connections are query_only, and
//     SQLite refuses VACUUM INTO there (it writes, if only to another file); taking a
//     reader for the copy would also take a slot from the rollups. A connection opened
//     with mode=ro is a reader that may write the output file and can never change the
//     live database.
//
// The copy goes to a temporary file beside the destination, is synced, checked with
// PRAGMA integrity_check, made private (0600: it holds names and chat ids) and renamed
// into place, so a backup file is either whole and checked or absent.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// BackupInfo describes a database file: a backup just made, or a file to restore.
type BackupInfo struct {
	Path        string
	Bytes       int64
	Integrity   string // "ok", or what PRAGMA integrity_check found
	Answers     int64  // rows in answers
	Reports     int64  // rows in reports
	Submissions int64  // submit events
	Users       int64  // bound people
	Migrations  int64  // schema migrations applied
	// Files is the folder of stored files (evidence) that goes with the database file:
	// BackupFilesDir(Path). Evidence counts the files attached, FilesMissing those of
	// them not in Files whole (to be 0 before a restore); FilesCopied is how many files a
	// backup just copied.
	Files        string
	Evidence     int64
	FilesMissing int64
	FilesCopied  int64
}

// Backup writes a consistent copy of the live database to dst while it is in use, and
// its files folder to BackupFilesDir(dst). dst must not exist. See BackupFile.
func (db *DB) Backup(ctx context.Context, dst string) (BackupInfo, error) {
	return BackupFile(ctx, db.path, dst)
}

// BackupFile writes a consistent copy of the SQLite database at src to dst, online: a
// process may be writing to src meanwhile (`progressbot backup` runs beside `serve`). It
// never writes to src and runs no migrations. dst must not exist; its directory is
// created. The copy is checked (integrity_check) before it is put in place. Then the
// files folder beside src (evidence) is copied to BackupFilesDir(dst), and the copy is
// checked to hold every file the database copy names.
func BackupFile(ctx context.Context, src, dst string) (BackupInfo, error) {
	info := BackupInfo{Path: dst}
	if _, err := os.Stat(src); err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	for _, p := range []string{dst, BackupFilesDir(dst)} {
		if _, err := os.Lstat(p); err == nil {
			return info, fmt.Errorf("backup: %s already exists", p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return info, fmt.Errorf("backup: %w", err)
		}
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(dir, "."+filepath.Base(dst)+".tmp-"+hex.EncodeToString(rnd[:]))
	defer os.Remove(tmp) // gone after the rename; removes a partial copy on failure

	conn, err := sql.Open("sqlite", readOnlyDSN(src))
	if err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return info, fmt.Errorf("backup %s: %w", src, err)
	}
	if err := syncFile(tmp); err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	checked, err := Inspect(ctx, tmp)
	if err != nil {
		return info, fmt.Errorf("backup: checking the copy: %w", err)
	}
	if checked.Integrity != "ok" {
		return info, fmt.Errorf("backup: the copy failed integrity_check: %s", checked.Integrity)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename itself durable
		_ = d.Sync()
		d.Close()
	}
	n, _, err := backupFiles(src, dst)
	if err != nil {
		return info, err
	}
	checked.Path, checked.Files, checked.FilesCopied = dst, BackupFilesDir(dst), n
	if checked.Evidence, checked.FilesMissing, err = inspectFiles(ctx, dst); err != nil {
		return checked, fmt.Errorf("backup: checking the files: %w", err)
	}
	if checked.FilesMissing > 0 {
		return checked, fmt.Errorf("backup: %d attached files are missing from %s", checked.FilesMissing, checked.Files)
	}
	return checked, nil
}

// Inspect opens a database file read-only — a backup, or a file about to be restored —
// and reports its size, PRAGMA integrity_check and row counts. It writes nothing.
func Inspect(ctx context.Context, path string) (BackupInfo, error) {
	info := BackupInfo{Path: path}
	st, err := os.Stat(path)
	if err != nil {
		return info, err
	}
	info.Bytes = st.Size()
	conn, err := sql.Open("sqlite", readOnlyDSN(path))
	if err != nil {
		return info, err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	rows, err := conn.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return info, err
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return info, err
		}
		problems = append(problems, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return info, err
	}
	info.Integrity = strings.Join(problems, "; ")
	err = conn.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM answers), (SELECT count(*) FROM reports),
		(SELECT count(*) FROM report_events WHERE event = 'submit'),
		(SELECT count(*) FROM users), (SELECT count(*) FROM schema_migrations)`).
		Scan(&info.Answers, &info.Reports, &info.Submissions, &info.Users, &info.Migrations)
	if err != nil {
		return info, fmt.Errorf("%s: not a progressbot database? %w", path, err)
	}
	info.Files = BackupFilesDir(path)
	if info.Evidence, info.FilesMissing, err = checkFiles(ctx, conn, info.Files); err != nil {
		return info, fmt.Errorf("%s: evidence: %w", path, err)
	}
	return info, nil
}

// Totals are counts for the metrics endpoint.
type Totals struct {
	Answers     int64 // every answer ever saved (the table is append-only)
	Submissions int64 // every submit (report events are append-only)
	// Outbox counts the scheduler's messages by kind and state (sent rows stay sent, so
	// the sent counts only grow); nil when there is no outbox.
	Outbox []OutboxCount
}

// OutboxCount is how many of the scheduler's messages of a kind are in a state.
type OutboxCount struct {
	Kind, State string
	N           int64
}

// Totals counts answers, submissions and the outbox, in one read transaction.
func (db *DB) Totals(ctx context.Context) (Totals, error) {
	var t Totals
	err := db.Read(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM answers`).Scan(&t.Answers); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM report_events WHERE event = 'submit'`).Scan(&t.Submissions); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'outbox'`).Scan(&n); err != nil || n == 0 {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT kind, state, count(*) FROM outbox GROUP BY kind, state ORDER BY kind, state`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c OutboxCount
			if err := rows.Scan(&c.Kind, &c.State, &c.N); err != nil {
				return err
			}
			t.Outbox = append(t.Outbox, c)
		}
		return rows.Err()
	})
	if err != nil {
		return t, fmt.Errorf("totals: %w", err)
	}
	return t, nil
}

// readOnlyDSN opens path read-only: mode=ro, and a busy timeout for the moment a
// checkpoint holds the WAL index.
func readOnlyDSN(path string) string {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "busy_timeout(10000)")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
