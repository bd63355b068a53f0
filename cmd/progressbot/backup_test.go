package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
)

// TestBackupCommand runs `progressbot backup --out` while another connection keeps saving
// answers (as a running serve would), then `backup --check` on the result, and checks
// the refusals: an existing file, a file that is no database.
func TestBackupCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "pb.db")
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, sum, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SavePlan(ctx, p, sum); err != nil {
		t.Fatal(err)
	}
	period := progressbot.Period{Year: 2026, Month: 11}
	var (
		stop  atomic.Bool
		saved atomic.Int64
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		due := p.Due("hukou", period)
		for n := 0; !stop.Load(); n++ {
			if _, err := db.SaveAnswer(ctx, p.ID, progressbot.Answer{Unit: "hukou", Period: period, Item: due[n%len(due)], Skipped: true, UserID: 1, ChatID: 1}); err != nil {
				t.Error(err)
				return
			}
			saved.Add(1)
		}
	}()
	for saved.Load() < 50 {
		time.Sleep(time.Millisecond)
	}
	before := saved.Load()
	vars := map[string]string{"PROGRESSBOT_DB": dbPath}
	out, err := runCmd(t, vars, "backup", "--out", filepath.Join(dir, "b", "copy.db"))
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	zh := locales.For("zh-CN")
	if last := lines[len(lines)-1]; last != filepath.Join(dir, "b", "copy.db") || !strings.HasPrefix(out, zh.T("cli.backup.done", "DB", dbPath, "Took", "")) ||
		!slices.Contains(lines, zh.T("cli.backup.integrity", "Result", "ok")) {
		t.Errorf("backup output:\n%s", out)
	}
	info, err := store.Inspect(ctx, filepath.Join(dir, "b", "copy.db"))
	if err != nil || info.Answers < before {
		t.Errorf("the backup has %d answers, %d were saved before it began (%v)", info.Answers, before, err)
	}
	out, err = runCmd(t, vars, "backup", "--check", filepath.Join(dir, "b", "copy.db"))
	if err != nil || !slices.Contains(strings.Split(out, "\n"), zh.T("cli.backup.integrity", "Result", "ok")) {
		t.Errorf("check: %v\n%s", err, out)
	}
	// In English, the counts too.
	out, err = runCmd(t, vars, "backup", "--check", filepath.Join(dir, "b", "copy.db"), "--lang", "en")
	en := locales.For("en")
	if err != nil || !strings.HasPrefix(out, en.T("cli.backup.integrity", "Result", "ok")+"\n"+en.T("cli.backup.counts", "Bytes", info.Bytes,
		"Answers", info.Answers, "Reports", info.Reports, "Submissions", info.Submissions, "Users", info.Users, "Migrations", info.Migrations)+"\n") {
		t.Errorf("check in English: %v\n%s", err, out)
	}
	if _, err := runCmd(t, vars, "backup", "--out", filepath.Join(dir, "b", "copy.db")); err == nil {
		t.Error("a backup overwrote an existing file")
	}
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("not a database"), 0o600)
	if _, err := runCmd(t, vars, "backup", "--check", junk); err == nil {
		t.Error("--check passed a file that is no database")
	}
	// Without --out, the copy goes beside the database.
	out, err = runCmd(t, vars, "backup")
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || filepath.Dir(lines[len(lines)-1]) != dir || !strings.HasPrefix(filepath.Base(lines[len(lines)-1]), "progressbot-") {
		t.Errorf("default backup path: %v\n%s", err, out)
	}
}

// TestBackupCheckCorrupt: backup --check refuses a file whose integrity_check fails, in the
// command's language. The index's definition is rewritten behind SQLite's back, so that
// its entries no longer match the rows while every table still counts.
func TestBackupCheckCorrupt(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(dir, "pb.db")}
	if _, err := runCmd(t, vars, "seed"); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", vars["PROGRESSBOT_DB"])
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`CREATE TABLE t(a)`, `CREATE INDEX ti ON t(a)`, `INSERT INTO t VALUES (1), (2)`,
		`PRAGMA writable_schema = ON`, `UPDATE sqlite_schema SET sql = 'CREATE INDEX ti ON t(-a)' WHERE name = 'ti'`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	path := vars["PROGRESSBOT_DB"]
	checkRefusals(t, vars, "backup", []refusal{
		{name: "broken index", args: []string{"--check", path}, want: m("cli.backup.err.integrity", "File", path), mention: []string{path, "integrity_check"}},
	})
}

// TestBackupCommandFiles: `backup` copies the evidence files beside the copy, says how
// many there are, and `backup --check` refuses a backup whose files are missing.
func TestBackupCommandFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(dir, "pb.db")}
	if _, err := runCmd(t, vars, "seed"); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, vars["PROGRESSBOT_DB"])
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	sum, size, err := db.PutFile(strings.NewReader("%PDF-1.7 minutes"))
	if err != nil {
		t.Fatal(err)
	}
	nov := progressbot.Period{Year: 2026, Month: 11}
	if _, _, _, err := db.AttachEvidence(ctx, p.ID, store.Evidence{Unit: "hukou", Period: nov, Item: p.Due("hukou", nov)[0], SHA256: sum,
		Name: "纪要.pdf", MIME: "application/pdf", Size: size}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	dst := filepath.Join(dir, "b", "copy.db")
	out, err := runCmd(t, vars, "backup", "--out", dst)
	zh := locales.For("zh-CN")
	if err != nil || !strings.Contains(out, zh.T("cli.backup.files", "Evidence", 1, "Missing", 0, "Dir", store.BackupFilesDir(dst))) {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(filepath.Join(store.BackupFilesDir(dst), sum)); err != nil || string(b) != "%PDF-1.7 minutes" {
		t.Errorf("the file in the backup: %q %v", b, err)
	}
	if _, err := runCmd(t, vars, "backup", "--check", dst); err != nil {
		t.Errorf("check: %v", err)
	}
	os.Remove(filepath.Join(store.BackupFilesDir(dst), sum))
	checkRefusals(t, vars, "backup", []refusal{{name: "a file missing", args: []string{"--check", dst},
		want: m("cli.backup.err.files_missing", "File", dst, "N", 1, "Dir", store.BackupFilesDir(dst)), mention: []string{dst}}})
}
