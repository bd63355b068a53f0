package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/storetest"
)

// failingReader gives some bytes, then fails: a download cut off.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestPutFile(t *testing.T) {
	db, _ := storetest.PlanDB(t)
	// A failed read stores nothing, not even a temporary file.
	if _, _, err := db.PutFile(&failingReader{n: 5000}); err == nil {
		t.Fatal("a failed read was stored")
	}
	if got := filesIn(t, db.FilesDir()); len(got) != 0 {
		t.Errorf("left behind: %v", got)
	}
	pdf := []byte("%PDF-1.7 minutes of the meeting")
	want := sha256.Sum256(pdf)
	for i := 0; i < 2; i++ {
		sum, size, err := db.PutFile(bytes.NewReader(pdf))
		if err != nil {
			t.Fatal(err)
		}
		if sum != hex.EncodeToString(want[:]) || size != int64(len(pdf)) {
			t.Errorf("put %d: %s %d", i, sum, size)
		}
		got, err := db.ReadFile(sum)
		if err != nil || !bytes.Equal(got, pdf) {
			t.Errorf("read back: %q %v", got, err)
		}
	}
	if got := filesIn(t, db.FilesDir()); len(got) != 1 || got[0] != hex.EncodeToString(want[:]) {
		t.Errorf("the same file twice is not one file: %v", got)
	}
	for _, bad := range []string{"", "../pb.db", hex.EncodeToString(want[:])[:63] + "/", "ABCDEF"} {
		if _, err := db.ReadFile(bad); err == nil {
			t.Errorf("ReadFile(%q) read something", bad)
		}
	}
}

func TestAttachEvidence(t *testing.T) {
	ctx := context.Background()
	db, p := storetest.PlanDB(t)
	unit := p.Units[0].ID
	nov := progressbot.Period{Year: 2026, Month: 11}
	task := progressbot.ItemRef{Kind: progressbot.ItemTask, Key: "1"}
	project := progressbot.ItemRef{Kind: progressbot.ItemProject, Key: "p1"}
	put := func(data string) string {
		sum, _, err := db.PutFile(bytes.NewReader([]byte(data)))
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	a, b := put("photo a"), put("photo b")
	steps := []struct {
		item      progressbot.ItemRef
		sum       string
		period    progressbot.Period
		wantAdded bool
		wantCount int
	}{
		{task, a, nov, true, 1},
		{task, a, nov, false, 1}, // the same file again: one row
		{task, b, nov, true, 2},
		{project, a, nov, true, 1}, // the same file for another item
		{task, a, nov.Add(1), true, 1},
	}
	for i, s := range steps {
		ev, added, n, err := db.AttachEvidence(ctx, p.ID, store.Evidence{Unit: unit, Period: s.period, Item: s.item, SHA256: s.sum,
			Name: "x.jpg", MIME: "image/jpeg", Size: 7, UserID: 9, ChatID: 9})
		if err != nil {
			t.Fatal(err)
		}
		if added != s.wantAdded || n != s.wantCount || ev.ID == 0 || ev.At.IsZero() {
			t.Errorf("step %d: added %v count %d id %d; want %v %d", i, added, n, ev.ID, s.wantAdded, s.wantCount)
		}
	}
	if _, _, _, err := db.AttachEvidence(ctx, p.ID, store.Evidence{Unit: unit, Period: nov, Item: task}); err == nil {
		t.Error("evidence without a file was recorded")
	}
	evs, err := db.EvidenceOf(ctx, p.ID, nov, unit)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[0].SHA256 != a || evs[1].SHA256 != b || evs[2].Item != project || evs[0].Period != nov {
		t.Errorf("evidence of the unit: %+v", evs)
	}
	if other, _ := db.EvidenceOf(ctx, p.ID, nov, p.Units[1].ID); len(other) != 0 {
		t.Errorf("another unit's: %+v", other)
	}
	counts, err := db.EvidenceCounts(ctx, p.ID, unit, nov)
	if err != nil || counts[task] != 2 || counts[project] != 1 || len(counts) != 2 {
		t.Errorf("counts %v %v", counts, err)
	}
	all, err := db.EvidenceBetween(ctx, p.ID, nov, nov.Add(1))
	if err != nil || len(all) != 4 || all[3].Period != nov.Add(1) {
		t.Errorf("between: %d %v", len(all), err)
	}
}

// TestFileKeptAcrossReopen: what was stored is there after the database is closed and
// opened again, file and row.
func TestFileKeptAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/pb.db"
	db, p := storetest.PlanDBAt(t, path)
	sum, _, err := db.PutFile(bytes.NewReader([]byte("scan")))
	if err != nil {
		t.Fatal(err)
	}
	nov := progressbot.Period{Year: 2026, Month: 11}
	if _, _, _, err := db.AttachEvidence(ctx, p.ID, store.Evidence{Unit: p.Units[0].ID, Period: nov, Item: progressbot.ItemRef{Kind: progressbot.ItemTask, Key: "2"}, SHA256: sum, Name: "scan.pdf", MIME: "application/pdf", Size: 4}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	evs, err := db2.EvidenceOf(ctx, p.ID, nov, "")
	if err != nil || len(evs) != 1 {
		t.Fatalf("%v %v", evs, err)
	}
	if b, err := db2.ReadFile(evs[0].SHA256); err != nil || string(b) != "scan" {
		t.Errorf("%q %v", b, err)
	}
}

// TestBackupCopiesFiles: a backup takes the files folder along, its check finds a file
// missing or damaged, and a restore of both brings every file back.
func TestBackupCopiesFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, p := storetest.PlanDBAt(t, filepath.Join(dir, "live", "pb.db"))
	nov := progressbot.Period{Year: 2026, Month: 11}
	var sums []string
	for i, data := range []string{"photo", "minutes", "photo"} {
		sum, size, err := db.PutFile(strings.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		item := progressbot.ItemRef{Kind: progressbot.ItemTask, Key: strconv.Itoa(i + 1)}
		if _, _, _, err := db.AttachEvidence(ctx, p.ID, store.Evidence{Unit: p.Units[0].ID, Period: nov, Item: item, SHA256: sum, Name: data, MIME: "text/plain", Size: size}); err != nil {
			t.Fatal(err)
		}
		sums = append(sums, sum)
	}
	dst := filepath.Join(dir, "backups", "b.db")
	info, err := db.Backup(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	if info.Evidence != 3 || info.FilesMissing != 0 || info.FilesCopied != 2 || info.Files != store.BackupFilesDir(dst) {
		t.Errorf("backup: %+v", info)
	}
	if _, err := db.Backup(ctx, dst); err == nil {
		t.Error("a backup overwrote another")
	}
	// Restore into a fresh folder: the database and its files.
	restored := filepath.Join(dir, "restored", "pb.db")
	if err := os.MkdirAll(filepath.Join(dir, "restored", "files"), 0o750); err != nil {
		t.Fatal(err)
	}
	copyTo := func(src, dst string) {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	copyTo(dst, restored)
	for _, sum := range sums[:2] {
		copyTo(filepath.Join(store.BackupFilesDir(dst), sum), filepath.Join(dir, "restored", "files", sum))
	}
	db2, err := store.Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	evs, err := db2.EvidenceOf(ctx, p.ID, nov, "")
	if err != nil || len(evs) != 3 {
		t.Fatalf("restored evidence: %v %v", evs, err)
	}
	for _, ev := range evs {
		if b, err := db2.ReadFile(ev.SHA256); err != nil || string(b) != ev.Name {
			t.Errorf("restored %s: %q %v", ev.Name, b, err)
		}
	}
	// A damaged file and a missing one are found by the check.
	os.WriteFile(filepath.Join(store.BackupFilesDir(dst), sums[0]), []byte("damaged"), 0o600)
	os.Remove(filepath.Join(store.BackupFilesDir(dst), sums[1]))
	if info, err := store.Inspect(ctx, dst); err != nil || info.FilesMissing != 2 {
		t.Errorf("check of a damaged backup: %+v %v", info, err)
	}
}

// TestStaleUploadsSwept: an upload cut off by a crash leaves its temporary file; the next
// open removes it once it is old, and leaves a recent one (an upload still under way in
// another process) and every stored file alone.
func TestStaleUploadsSwept(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pb.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	sum, _, err := db.PutFile(strings.NewReader("kept"))
	if err != nil {
		t.Fatal(err)
	}
	dir := db.FilesDir()
	db.Close()
	stale, fresh := filepath.Join(dir, ".upload-111"), filepath.Join(dir, ".upload-222")
	for _, f := range []string{stale, fresh} {
		if err := os.WriteFile(f, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a stale upload was kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a recent upload was removed: %v", err)
	}
	if b, err := db.ReadFile(sum); err != nil || string(b) != "kept" {
		t.Errorf("a stored file: %q %v", b, err)
	}
}
