package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// cmdBackup writes an online, consistent copy of the database, and of the files folder
// beside it (evidence) to <backup>.files, while serve runs:
//
//	progressbot backup --out /backups/progressbot-2026-11-26.db
//	progressbot backup --check /backups/progressbot-2026-11-26.db   # before restoring it
//
// The copy is SQLite's VACUUM INTO on a read-only connection of its own (see
// store.BackupFile): one consistent snapshot, taken beside a running bot without
// stopping it, checked with integrity_check, private to its owner. The last line of
// the output is the backup's path.
func cmdBackup(ctx context.Context, e *env, args []string) error {
	var c config
	fs := e.flagSet("backup", &c, "db", "lang")
	out := fs.String("out", "", "the backup file to write; it must not exist (default: progressbot-<time>.db beside the database)")
	check := fs.String("check", "", "instead of backing up, check a backup file (integrity and counts) before restoring it")
	if _, err := parse(fs, args, e.stderr); err != nil {
		return err
	}
	l := locales.For(c.lang)
	if *check != "" {
		info, err := store.Inspect(ctx, *check)
		if err != nil {
			return fmt.Errorf("backup: check %s: %w", *check, err)
		}
		printBackup(e, l, info)
		if info.Integrity != "ok" {
			return userError(l, "cli.backup.err.integrity", "File", *check)
		}
		if info.FilesMissing > 0 {
			return userError(l, "cli.backup.err.files_missing", "File", *check, "N", info.FilesMissing, "Dir", info.Files)
		}
		return nil
	}
	dst := *out
	if dst == "" {
		dst = filepath.Join(filepath.Dir(c.dbPath), "progressbot-"+time.Now().UTC().Format("20060102T150405Z")+".db")
	}
	t0 := time.Now()
	info, err := store.BackupFile(ctx, c.dbPath, dst)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, l.T("cli.backup.done", "DB", c.dbPath, "Took", time.Since(t0).Round(time.Millisecond).String()))
	printBackup(e, l, info)
	return nil
}

// printBackup reports a backup in l's language; the last line is its path, for scripts.
func printBackup(e *env, l *locales.Localizer, info store.BackupInfo) {
	fmt.Fprintln(e.stdout, l.T("cli.backup.integrity", "Result", info.Integrity))
	fmt.Fprintln(e.stdout, l.T("cli.backup.counts", "Bytes", info.Bytes, "Answers", info.Answers, "Reports", info.Reports,
		"Submissions", info.Submissions, "Users", info.Users, "Migrations", info.Migrations))
	fmt.Fprintln(e.stdout, l.T("cli.backup.files", "Evidence", info.Evidence, "Missing", info.FilesMissing, "Dir", info.Files))
	fmt.Fprintln(e.stdout, info.Path)
}
