package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/progressbot/progressbot"
)

// Evidence is a file a liaison attached to an item of a unit's report for a period
// (佐证材料). The file is FilePath(SHA256) in the files folder.
type Evidence struct {
	ID     int64
	Unit   string
	Period progressbot.Period
	Item   progressbot.ItemRef
	SHA256 string // hex
	Name   string // as sent, or made up for a photo
	MIME   string // as sniffed from the content
	Size   int64
	UserID int64
	ChatID int64
	At     time.Time
}

// FilesDir is the folder of stored files (evidence): "files" beside the database file.
// Backups copy it with the database.
func (db *DB) FilesDir() string { return filesDir(db.path) }

func filesDir(dbPath string) string { return filepath.Join(filepath.Dir(dbPath), "files") }

// FilePath is where the file of a SHA-256 (hex) is kept.
func (db *DB) FilePath(sum string) string { return filepath.Join(db.FilesDir(), sum) }

// PutFile stores what r gives in the files folder under its SHA-256 and returns the
// hash and size. The content goes to a temporary file that is synced and then renamed,
// so a stored file is whole or absent; a file already there (the same content sent
// before) is kept as it is. Reading r may fail (a download cut off, a file too large):
// nothing is stored then.
func (db *DB) PutFile(r io.Reader) (sum string, size int64, err error) {
	dir := db.FilesDir()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", 0, fmt.Errorf("put file: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return "", 0, fmt.Errorf("put file: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; a partial file on failure
	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(tmp, h), r)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("put file: %w", err)
	}
	sum = hex.EncodeToString(h.Sum(nil))
	dst := filepath.Join(dir, sum)
	if _, err := os.Stat(dst); err == nil {
		return sum, size, nil // the same content is there already
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return "", 0, fmt.Errorf("put file: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", 0, fmt.Errorf("put file: %w", err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename itself durable
		err = d.Sync()
		d.Close()
		if err != nil {
			return "", 0, fmt.Errorf("put file: %w", err)
		}
	}
	return sum, size, nil
}

// staleUpload is how old a temporary upload must be to be taken for one a killed process
// left behind: far longer than any upload takes (a download is cut off within the
// update's 20 s).
const staleUpload = time.Hour

// sweepUploads removes the temporary files of uploads a killed process left in the files
// folder; a failure only leaves them for the next time.
func sweepUploads(dir string, now time.Time) (removed int) {
	tmps, _ := filepath.Glob(filepath.Join(dir, ".upload-*"))
	for _, t := range tmps {
		if st, err := os.Stat(t); err == nil && now.Sub(st.ModTime()) > staleUpload && os.Remove(t) == nil {
			removed++
		}
	}
	return removed
}

// ReadFile returns the content of a stored file.
func (db *DB) ReadFile(sum string) ([]byte, error) {
	if !isHash(sum) {
		return nil, fmt.Errorf("read file %q: not a hash", sum)
	}
	b, err := os.ReadFile(db.FilePath(sum))
	if err != nil {
		return nil, fmt.Errorf("read file: %w", err)
	}
	return b, nil
}

// AttachEvidence records a stored file (PutFile) as evidence for an item; its time is
// the transaction's. added is false when the same file was already attached to that
// item for the period (nothing changes then); count is how many files the item has now.
func (db *DB) AttachEvidence(ctx context.Context, planID string, ev Evidence) (saved Evidence, added bool, count int, err error) {
	if ev.SHA256 == "" || ev.Unit == "" || ev.Item.Key == "" || ev.Period.IsZero() {
		return ev, false, 0, errors.New("attach evidence: unit, period, item and file are required")
	}
	// The review's counts change as the rows did, in commit order (see writeReq.after).
	remember := func(err error) {
		db.evidenceCounts.wrote(reportKey{planID, ev.Unit, ev.Period}, func(counts *map[progressbot.ItemRef]int) bool {
			if err != nil {
				return false
			}
			c := maps.Clone(*counts) // readers hold the old map without the memo's lock
			c[ev.Item] = count
			*counts = c
			return true
		})
	}
	err = db.writeThen(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO evidence (plan_id, unit, period, item, sha256, name, mime, size, user_id, chat_id, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			planID, ev.Unit, ev.Period.String(), ev.Item.String(), ev.SHA256, ev.Name, ev.MIME, ev.Size, ev.UserID, ev.ChatID, tx.Stamp())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		added = n == 1
		row := tx.QueryRowContext(ctx, `SELECT id, name, mime, size, user_id, chat_id, at FROM evidence
			WHERE plan_id = ? AND period = ? AND unit = ? AND item = ? AND sha256 = ?`,
			planID, ev.Period.String(), ev.Unit, ev.Item.String(), ev.SHA256)
		var at string
		if err := row.Scan(&ev.ID, &ev.Name, &ev.MIME, &ev.Size, &ev.UserID, &ev.ChatID, &at); err != nil {
			return err
		}
		ev.At = parseStamp(at)
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM evidence WHERE plan_id = ? AND period = ? AND unit = ? AND item = ?`,
			planID, ev.Period.String(), ev.Unit, ev.Item.String()).Scan(&count)
	}, remember)
	if err != nil {
		return ev, false, 0, fmt.Errorf("attach evidence %s %s %s: %w", ev.Unit, ev.Period, ev.Item, err)
	}
	return ev, added, count, nil
}

// EvidenceOf lists the evidence of a period, in the order it was attached; unit, when
// not "", keeps one unit's.
func (db *DB) EvidenceOf(ctx context.Context, planID string, period progressbot.Period, unit string) ([]Evidence, error) {
	q := `SELECT id, unit, period, item, sha256, name, mime, size, user_id, chat_id, at FROM evidence
		WHERE plan_id = ? AND period = ?`
	args := []any{planID, period.String()}
	if unit != "" {
		q += ` AND unit = ?`
		args = append(args, unit)
	}
	return db.evidence(ctx, q+` ORDER BY id`, args...)
}

// EvidenceBetween lists the evidence of the periods from first to last, for an export.
func (db *DB) EvidenceBetween(ctx context.Context, planID string, first, last progressbot.Period) ([]Evidence, error) {
	return db.evidence(ctx, `SELECT id, unit, period, item, sha256, name, mime, size, user_id, chat_id, at FROM evidence
		WHERE plan_id = ? AND period BETWEEN ? AND ? ORDER BY period, id`, planID, first.String(), last.String())
}

func (db *DB) evidence(ctx context.Context, q string, args ...any) ([]Evidence, error) {
	var out []Evidence
	err := db.Read(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ev Evidence
			var period, item, at string
			if err := rows.Scan(&ev.ID, &ev.Unit, &period, &item, &ev.SHA256, &ev.Name, &ev.MIME, &ev.Size, &ev.UserID, &ev.ChatID, &at); err != nil {
				return err
			}
			if ev.Period, err = progressbot.ParsePeriod(period); err != nil {
				return err
			}
			if ev.Item, err = progressbot.ParseItemRef(item); err != nil {
				return err
			}
			ev.At = parseStamp(at)
			out = append(out, ev)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	return out, nil
}

// EvidenceCounts counts a unit's files by item for a period (the review's 📎).
func (db *DB) EvidenceCounts(ctx context.Context, planID, unit string, period progressbot.Period) (map[progressbot.ItemRef]int, error) {
	key := reportKey{planID, unit, period}
	out, ticket, ok := db.evidenceCounts.get(key)
	if ok {
		return out, nil // shared: callers only read it, and an attach makes a new map
	}
	evs, err := db.EvidenceOf(ctx, planID, period, unit)
	if err != nil {
		return nil, err
	}
	out = map[progressbot.ItemRef]int{}
	for _, ev := range evs {
		out[ev.Item]++
	}
	db.evidenceCounts.fill(key, ticket, out)
	return out, nil
}
