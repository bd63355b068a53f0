package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/progressbot/progressbot/store"
)

func TestRemindDryRun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pb.db")
	vars := map[string]string{"PROGRESSBOT_DB": path}
	if _, err := runCmd(t, vars, "seed"); err != nil {
		t.Fatal(err)
	}
	code, err := runCmd(t, vars, "invite", "--role", "liaison", "--unit", "湖口县")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(code), "\n")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Redeem(context.Background(), lines[len(lines)-1], 1001, 1001, "张三"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// The morning of the deadline of September 2025, moved by the National Day holiday to
	// Thursday 9 October.
	out, err := runCmd(t, vars, "remind", "--dry-run", "--at", "2025-10-09T09:00:00+08:00")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "湖口县") || !strings.Contains(out, "联络员") || !strings.Contains(out, "截止当日提醒") ||
		!strings.Contains(out, "张三") || !strings.Contains(out, "共 1 条消息（仅预览，未发送）") {
		t.Errorf("dry run:\n%s", out)
	}
	// With the deadline left on Sunday 5 October (--deadline-shift=false), Thursday 9
	// October is the first working day after it: an overdue reminder.
	out, err = runCmd(t, vars, "remind", "--dry-run", "--at", "2025-10-09T09:00:00+08:00", "--deadline-shift=false", "--lang", "en")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Hukou") || !strings.Contains(out, "overdue reminder") {
		t.Errorf("dry run with the deadline on the 5th:\n%s", out)
	}
	// A holiday: nothing.
	out, err = runCmd(t, vars, "remind", "--dry-run", "--at", "2025-10-03T10:00:00+08:00")
	if err != nil || !strings.Contains(out, "非工作日或免打扰") || !strings.Contains(out, "2025-10-09T08:00:00+08:00") {
		t.Errorf("holiday: %v\n%s", err, out)
	}
	// Configuration from the environment, overridden by a flag.
	bad := map[string]string{"PROGRESSBOT_DB": path, "PROGRESSBOT_DEADLINE_DAY": "40"}
	if _, err := runCmd(t, bad, "remind", "--dry-run", "--at", "2025-10-09T09:00:00+08:00"); err == nil || !strings.Contains(err.Error(), "PROGRESSBOT_DEADLINE_DAY") {
		t.Errorf("a bad deadline day in the environment: %v", err)
	}
	if _, err := runCmd(t, bad, "remind", "--dry-run", "--deadline-day", "10", "--at", "2025-10-09T09:00:00+08:00"); err != nil {
		t.Errorf("the flag should win over the environment: %v", err)
	}
	env := map[string]string{"PROGRESSBOT_DB": path, "PROGRESSBOT_DEADLINE_DAY": "10", "PROGRESSBOT_REMIND_HOUR": "10"}
	out, err = runCmd(t, env, "remind", "--dry-run", "--at", "2025-10-10T10:00:00+08:00")
	if err != nil || !strings.Contains(out, "截止当日提醒") {
		t.Errorf("deadline on the 10th, reminders at 10:00: %v\n%s", err, out)
	}
	if _, err := runCmd(t, vars, "remind", "--at", "2025-10-09T09:00:00+08:00"); err == nil || !strings.Contains(err.Error(), "--dry-run") {
		t.Errorf("without --dry-run: %v", err)
	}
	if _, err := runCmd(t, vars, "remind", "--dry-run", "--at", "tomorrow"); err == nil {
		t.Error("a bad --at was accepted")
	}
}
