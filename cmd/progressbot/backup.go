package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/progressbot/progressbot/store"
)

// cmdBackup writes an online, consistent copy of the database while serve runs:
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
	fs := e.flagSet("backup", &c, "db")
	out := fs.String("out", "", "the backup file to write; it must not exist (default: progressbot-<time>.db beside the database)")
	check := fs.String("check", "", "instead of backing up, check a backup file (integrity and counts) before restoring it")
	if _, err := parse(fs, args, e.stderr); err != nil {
		return err
	}
	if *check != "" {
		info, err := store.Inspect(ctx, *check)
		if err != nil {
			return fmt.Errorf("backup: check %s: %w", *check, err)
		}
		printBackup(e, info)
		if info.Integrity != "ok" {
			return errors.New("backup: " + *check + " failed integrity_check: do not restore it")
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
	fmt.Fprintf(e.stdout, "backup of %s in %s\n", c.dbPath, time.Since(t0).Round(time.Millisecond))
	printBackup(e, info)
	return nil
}

func printBackup(e *env, info store.BackupInfo) {
	fmt.Fprintf(e.stdout, "integrity_check: %s\n", info.Integrity)
	fmt.Fprintf(e.stdout, "%d bytes; %d answers, %d reports, %d submissions, %d people, %d migrations\n",
		info.Bytes, info.Answers, info.Reports, info.Submissions, info.Users, info.Migrations)
	fmt.Fprintln(e.stdout, info.Path)
}
