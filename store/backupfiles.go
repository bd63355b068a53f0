package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// BackupFilesDir is where a backup at path keeps the files folder (evidence):
// "<path>.files", beside it. A restore puts its contents back into the files folder
// beside the database (DB.FilesDir).
func BackupFilesDir(path string) string { return path + ".files" }

// backupFiles copies the files folder of the database at src into dst's
// BackupFilesDir. It runs after the database was copied: a file is stored (synced)
// before the row that names it commits, so every file the copy names is there already;
// files stored since are copied too, harmlessly. Stored files never change (they are
// named by their content), so each is copied as it is, through a temporary file, synced.
func backupFiles(src, dst string) (n, bytes int64, err error) {
	from, to := filesDir(src), BackupFilesDir(dst)
	entries, err := os.ReadDir(from)
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, nil // nothing stored yet
	}
	if err != nil {
		return 0, 0, fmt.Errorf("backup files: %w", err)
	}
	if err := os.MkdirAll(to, 0o750); err != nil {
		return 0, 0, fmt.Errorf("backup files: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !isHash(e.Name()) {
			continue // an upload in progress (".upload-…"), or something not ours
		}
		size, err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
		if err != nil {
			return n, bytes, fmt.Errorf("backup files: %w", err)
		}
		n++
		bytes += size
	}
	if d, err := os.Open(to); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return n, bytes, nil
}

// isHash tells a stored file's name: a SHA-256 in lowercase hex.
func isHash(name string) bool {
	return len(name) == sha256.Size*2 && strings.Trim(name, "0123456789abcdef") == ""
}

// inspectFiles is checkFiles for the database file at path and its BackupFilesDir.
func inspectFiles(ctx context.Context, path string) (rows, missing int64, err error) {
	conn, err := sql.Open("sqlite", readOnlyDSN(path))
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	return checkFiles(ctx, conn, BackupFilesDir(path))
}

func copyFile(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp)
	n, err := io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return n, os.Rename(tmp, dst)
}

// checkFiles counts the evidence rows of the database on conn and the files they name
// that are missing from dir or do not hash to their name. A database from before
// evidence has none.
func checkFiles(ctx context.Context, conn *sql.DB, dir string) (rows, missing int64, err error) {
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'evidence'`).Scan(&n); err != nil || n == 0 {
		return 0, 0, err
	}
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM evidence`).Scan(&rows); err != nil {
		return 0, 0, err
	}
	rs, err := conn.QueryContext(ctx, `SELECT DISTINCT sha256 FROM evidence`)
	if err != nil {
		return 0, 0, err
	}
	var sums []string
	for rs.Next() {
		var s string
		if err := rs.Scan(&s); err != nil {
			rs.Close()
			return 0, 0, err
		}
		sums = append(sums, s)
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return 0, 0, err
	}
	for _, sum := range sums {
		if !fileHashes(filepath.Join(dir, sum), sum) {
			missing++
		}
	}
	return rows, missing, nil
}

func fileHashes(path, sum string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false
	}
	return hex.EncodeToString(h.Sum(nil)) == sum
}
