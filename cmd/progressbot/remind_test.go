package main

import (
	"context"
	"os"
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
	// (A bad value in the environment alone is refused: see TestRemindBadInput.)
	bad := map[string]string{"PROGRESSBOT_DB": path, "PROGRESSBOT_DEADLINE_DAY": "40"}
	if _, err := runCmd(t, bad, "remind", "--dry-run", "--deadline-day", "10", "--at", "2025-10-09T09:00:00+08:00"); err != nil {
		t.Errorf("the flag should win over the environment: %v", err)
	}
	env := map[string]string{"PROGRESSBOT_DB": path, "PROGRESSBOT_DEADLINE_DAY": "10", "PROGRESSBOT_REMIND_HOUR": "10"}
	out, err = runCmd(t, env, "remind", "--dry-run", "--at", "2025-10-10T10:00:00+08:00")
	if err != nil || !strings.Contains(out, "截止当日提醒") {
		t.Errorf("deadline on the 10th, reminders at 10:00: %v\n%s", err, out)
	}
}

// TestRemindBadInput: the calendar's and the scheduler's settings, from a flag or the
// environment, and --at are refused in the command's language before a database is opened.
func TestRemindBadInput(t *testing.T) {
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(t.TempDir(), "pb.db")}
	at := []string{"--dry-run", "--at", "2025-10-09T09:00:00+08:00"}
	with := func(args ...string) []string { return append(args, at...) }
	bad := func(source, value string, want msg) msg {
		return m("cli.schedule.err.value", "Source", source, "Value", value, "Text", want)
	}
	checkRefusals(t, vars, "remind", []refusal{
		{name: "no --dry-run", args: []string{"--at", "2025-10-09T09:00:00+08:00"}, want: m("cli.remind.need_dry_run"), mention: []string{"--dry-run"}},
		{name: "bad --at", args: []string{"--dry-run", "--at", "tomorrow"}, want: m("cli.remind.err.at", "Value", "tomorrow"), mention: []string{"--at", "tomorrow", "RFC 3339"}},
		{name: "deadline day 40", args: with("--deadline-day", "40"),
			want: bad("--deadline-day", "40", m("cli.schedule.want.whole", "Min", 1, "Max", 28)), mention: []string{"--deadline-day", "40", "1", "28"}},
		{name: "remind hour 24", args: with("--remind-hour=24"),
			want: bad("--remind-hour", "24", m("cli.schedule.want.whole", "Min", 0, "Max", 23)), mention: []string{"--remind-hour", "24", "23"}},
		{name: "open day not a number", args: with("--open-day", "first"),
			want: bad("--open-day", "first", m("cli.schedule.want.whole", "Min", 1, "Max", 28)), mention: []string{"--open-day", "first"}},
		{name: "rate zero", args: with("--rate", "0"),
			want: bad("--rate", "0", m("cli.schedule.want.positive")), mention: []string{"--rate"}},
		{name: "group rate not a number", args: with("--group-rate", "lots"),
			want: bad("--group-rate", "lots", m("cli.schedule.want.positive")), mention: []string{"--group-rate", "lots"}},
		{name: "deadline shift maybe", args: with("--deadline-shift=maybe"),
			want: bad("--deadline-shift", "maybe", m("cli.schedule.want.bool")), mention: []string{"--deadline-shift", "maybe", "true", "false"}},
		{name: "quiet hours without an end", args: with("--quiet-hours", "22"),
			want: bad("--quiet-hours", "22", m("cli.schedule.want.quiet_hours")), mention: []string{"--quiet-hours", "22-8"}},
		{name: "quiet hours past midnight", args: with("--quiet-hours", "22-25"),
			want: bad("--quiet-hours", "22-25", m("cli.schedule.want.quiet_hours")), mention: []string{"22-25"}},
		{name: "a bad flag after a good one", args: with("--deadline-day", "10", "--deadline-day", "29"),
			want: bad("--deadline-day", "29", m("cli.schedule.want.whole", "Min", 1, "Max", 28)), mention: []string{"29"}},
		{name: "deadline day 40 in the environment", args: at, env: map[string]string{"PROGRESSBOT_DEADLINE_DAY": "40"},
			want: bad("PROGRESSBOT_DEADLINE_DAY", "40", m("cli.schedule.want.whole", "Min", 1, "Max", 28)), mention: []string{"PROGRESSBOT_DEADLINE_DAY", "40"}},
		{name: "bad rate in the environment, bad flag on the command line", args: with("--rate", "-1"), env: map[string]string{"PROGRESSBOT_RATE": "fast"},
			want: bad("--rate", "-1", m("cli.schedule.want.positive")), mention: []string{"--rate", "-1"}},
	})
	if _, err := os.Stat(vars["PROGRESSBOT_DB"]); err == nil {
		t.Error("a bad setting made a database")
	}
}

// TestRemindBadInputs: every refused setting is reported, in the order of the flags'
// names, in the command's language.
func TestRemindBadInputs(t *testing.T) {
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(t.TempDir(), "pb.db"), "PROGRESSBOT_LANG": "en"}
	_, err := runCmd(t, vars, "remind", "--dry-run", "--remind-hour", "99", "--deadline-day", "0")
	want := m("cli.schedule.err.value", "Source", "--deadline-day", "Value", "0", "Text", m("cli.schedule.want.whole", "Min", 1, "Max", 28)).in("en") + "\n" +
		m("cli.schedule.err.value", "Source", "--remind-hour", "Value", "99", "Text", m("cli.schedule.want.whole", "Min", 0, "Max", 23)).in("en")
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}
