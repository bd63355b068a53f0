package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/store"
)

// restore performs the restore procedure the README gives: with the bot stopped, move
// the live database and its -wal and -shm files aside, copy the backup in its place.
func restore(t *testing.T, backup, live string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(live+suffix, live+suffix+".before-restore"); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	in, err := os.Open(backup)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(live, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBackupWhileWriting backs up while answers are being saved, restores the backup into
// a fresh path as the README says, and finds every answer acknowledged before the backup
// began, with integrity_check ok.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "live.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, sum := bundled(t)
	if _, err := db.SavePlan(ctx, p, sum); err != nil {
		t.Fatal(err)
	}
	period := progressbot.Period{Year: 2026, Month: 11}
	units := []string{"hukou", "pengze", "gxj", "xunyang"}

	type acked struct {
		unit string
		item progressbot.ItemRef
		id   int64
	}
	var (
		mu     sync.Mutex
		ok     []acked
		stop   atomic.Bool
		writes sync.WaitGroup
	)
	for w, unit := range units {
		due := p.Due(unit, period)
		writes.Add(1)
		go func() {
			defer writes.Done()
			for n := 0; !stop.Load(); n++ {
				ref := due[n%len(due)]
				a := progressbot.Answer{Unit: unit, Period: period, Item: ref, UserID: int64(100 + w), ChatID: int64(100 + w)}
				switch ref.Kind {
				case progressbot.ItemIndicator:
					v := float64(n)
					a.Value, a.Raw = &v, fmt.Sprint(n)
				case progressbot.ItemProject:
					a.Stage = progressbot.ProjectStages[n%len(progressbot.ProjectStages)]
				default:
					a.Status, a.Done, a.Coordination = progressbot.StatusOnTrack, fmt.Sprintf("工作 %d", n), "无"
				}
				saved, err := db.SaveAnswer(ctx, p.ID, a)
				if err != nil {
					t.Errorf("save: %v", err)
					return
				}
				mu.Lock()
				ok = append(ok, acked{unit, ref, saved.ID})
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	before := append([]acked(nil), ok...) // acknowledged before the backup began
	mu.Unlock()
	backup := filepath.Join(dir, "backups", "pb-backup.db")
	info, err := db.Backup(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // writes go on after the backup, too
	stop.Store(true)
	writes.Wait()
	mu.Lock()
	total := len(ok)
	mu.Unlock()
	if len(before) == 0 || total <= len(before) {
		t.Fatalf("the test wrote %d answers before the backup and %d in all: not a backup under load", len(before), total)
	}
	if info.Integrity != "ok" || info.Answers < int64(len(before)) || info.Answers > int64(total) {
		t.Fatalf("backup info %+v: want integrity ok and between %d and %d answers", info, len(before), total)
	}
	if st, err := os.Stat(backup); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode: %v %v, want 0600", st.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "backups", ".*tmp*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	db.Close()

	// Restore into the live path (the bot stopped), then open it as serve would.
	live := filepath.Join(dir, "live.db")
	restore(t, backup, live)
	rdb, err := store.Open(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	seen := map[int64]bool{}
	for _, a := range before {
		if seen[a.id] {
			continue
		}
		hist, err := rdb.History(ctx, p.ID, a.unit, period, a.item)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hist {
			seen[h.ID] = true
		}
		if !seen[a.id] {
			t.Errorf("answer %d (%s %s), acknowledged before the backup, is missing after restore", a.id, a.unit, a.item)
		}
	}
	tot, err := rdb.Totals(ctx)
	if err != nil || tot.Answers != info.Answers {
		t.Errorf("restored totals %+v %v, backup had %d answers", tot, err, info.Answers)
	}
	after, err := store.Inspect(ctx, live)
	if err != nil || after.Integrity != "ok" {
		t.Errorf("restored database: %+v %v", after, err)
	}
	// The restored database takes answers again.
	v := 1.0
	if _, err := rdb.SaveAnswer(ctx, p.ID, progressbot.Answer{Unit: "gxj", Period: period, Item: p.Due("gxj", period)[0], Value: &v, Raw: "1"}); err != nil {
		t.Errorf("save after restore: %v", err)
	}
	t.Logf("%d answers acknowledged before the backup, %d in the backup, %d written in all", len(before), info.Answers, total)
}

func TestBackupRefusals(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	dir := t.TempDir()
	dst := filepath.Join(dir, "b.db")
	if err := os.WriteFile(dst, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Backup(ctx, dst); err == nil {
		t.Error("a backup overwrote an existing file")
	}
	if b, _ := os.ReadFile(dst); string(b) != "x" {
		t.Error("the existing file was changed")
	}
	if _, err := store.BackupFile(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "c.db")); err == nil {
		t.Error("a backup of a missing database succeeded")
	}
	if _, err := store.Inspect(ctx, dst); err == nil {
		t.Error("Inspect took a file that is no database")
	}
}

// TestBackupClosedDatabase backs up a database no process has open (no -wal, no -shm).
func TestBackupClosedDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "pb.db")
	db, err := store.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	p, sum := bundled(t)
	if _, err := db.SavePlan(ctx, p, sum); err != nil {
		t.Fatal(err)
	}
	db.Close()
	info, err := store.BackupFile(ctx, src, filepath.Join(dir, "copy.db"))
	if err != nil || info.Integrity != "ok" || info.Migrations == 0 {
		t.Fatalf("%+v %v", info, err)
	}
}
