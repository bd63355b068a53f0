package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot/locales"
	"github.com/xuri/excelize/v2"
)

// runCmd runs the binary's entry point with a test environment.
func runCmd(t *testing.T, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	out, _, err := runCmdStderr(t, vars, args...)
	return out, err
}

// runCmdStderr is runCmd that also returns what was written to standard error.
func runCmdStderr(t *testing.T, vars map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	err = dispatch(context.Background(), e, args)
	return out.String(), errb.String(), err
}

// msg is a message a test expects, rendered in the language under test. A template value
// that is itself a msg is rendered in the same language first.
type msg struct {
	id string
	kv []any
}

func m(id string, kv ...any) msg { return msg{id: id, kv: kv} }

func (x msg) in(lang string) string {
	kv := slices.Clone(x.kv)
	for i, v := range kv {
		if sub, ok := v.(msg); ok {
			kv[i] = sub.in(lang)
		}
	}
	return locales.For(lang).T(x.id, kv...)
}

// refusal is a command line that must fail with a message from the locales.
type refusal struct {
	name    string
	args    []string          // after the command's name
	env     map[string]string // added to the test's variables
	want    msg
	mention []string // in the message in every language: the flag, the value given
}

// checkRefusals runs each case twice: in the default language, and with --lang en right
// after the command's name. The error must be exactly the case's message in that language,
// and the two languages must differ, so that a message in the wrong language fails too.
func checkRefusals(t *testing.T, vars map[string]string, command string, cases []refusal) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			zh, en := tt.want.in("zh-CN"), tt.want.in("en")
			if zh == en {
				t.Fatalf("%s reads the same in both languages: %q", tt.want.id, zh)
			}
			env := maps.Clone(vars)
			maps.Copy(env, tt.env)
			for lang, args := range map[string][]string{
				"zh-CN": append([]string{command}, tt.args...),
				"en":    append([]string{command, "--lang", "en"}, tt.args...),
			} {
				_, err := runCmd(t, env, args...)
				wantRefusal(t, err, lang, tt.want)
				for _, w := range tt.mention {
					if err != nil && !strings.Contains(err.Error(), w) {
						t.Errorf("%s: %q does not mention %q", lang, err, w)
					}
				}
			}
		})
	}
}

// wantRefusal fails unless err is exactly want in lang, and want is a message of lang
// that renders (a missing one renders as its id).
func wantRefusal(t *testing.T, err error, lang string, want msg) {
	t.Helper()
	text := want.in(lang)
	if text == want.id || strings.Contains(text, "<no value>") {
		t.Fatalf("%s: message %s does not render: %q", lang, want.id, text)
	}
	switch {
	case err == nil:
		t.Errorf("%s: no error, want %q", lang, text)
	case err.Error() != text:
		t.Errorf("%s: err = %q\nwant %q", lang, err, text)
	}
}

func TestSeedUnitsExport(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(dir, "pb.db")}
	out, err := runCmd(t, vars, "seed")
	if err != nil || !strings.Contains(out, "jiujiang-2023") {
		t.Fatalf("seed: %q %v", out, err)
	}
	out, err = runCmd(t, vars, "seed", "--lang", "en")
	if err != nil || !strings.Contains(out, "already matches") {
		t.Fatalf("second seed: %q %v", out, err)
	}
	out, err = runCmd(t, vars, "units")
	if err != nil || !strings.Contains(out, "湖口县") || !strings.Contains(out, "工信局") {
		t.Fatalf("units: %v\n%s", err, out)
	}

	csvPath := filepath.Join(dir, "t.csv")
	if _, err := runCmd(t, vars, "export", "targets", "--format", "csv", "--out", csvPath); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs {
		// 附件3（一）: 湖口县 规模以上工业企业户数 2025 = 198.
		if r[1] == "above-scale-enterprises" && r[2] == "湖口县" && r[3] == "2025" && r[4] == "198" {
			found = true
		}
	}
	if !found {
		t.Error("csv lacks 湖口县's 2025 target of 198 above-scale enterprises")
	}

	xlsxPath := filepath.Join(dir, "t.xlsx")
	if _, err := runCmd(t, vars, "export", "--lang", "en", "targets", "--format", "xlsx", "--out", xlsxPath); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(xlsxPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Targets")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(recs) {
		t.Errorf("xlsx has %d rows, csv %d", len(rows), len(recs))
	}
	if rows[0][0] != "Indicator" {
		t.Errorf("xlsx header: %v", rows[0])
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(dir, "pb.db")}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"seed from a missing folder", []string{"seed", "--dir", filepath.Join(dir, "nope")}, "missing file"},
		{"unknown flag", []string{"units", "--colour"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runCmd(t, vars, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestDispatch: without a command, or with one it does not know, progressbot shows the
// usage and refuses, in the language of PROGRESSBOT_LANG (there is no --lang yet).
func TestDispatch(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		envLang string
		lang    string
		want    *msg // nil: no error
	}{
		{"no command", nil, "", "zh-CN", &msg{id: "cli.err.no_command"}},
		{"no command, in English", nil, "en", "en", &msg{id: "cli.err.no_command"}},
		{"unknown command", []string{"frobnicate"}, "", "zh-CN", &msg{"cli.err.unknown_command", []any{"Name", "frobnicate"}}},
		{"unknown command, in English", []string{"frobnicate"}, "en-US", "en", &msg{"cli.err.unknown_command", []any{"Name", "frobnicate"}}},
		{"unknown command, an unsupported language", []string{"frobnicate"}, "fr", "zh-CN", &msg{"cli.err.unknown_command", []any{"Name", "frobnicate"}}},
		{"help", []string{"help"}, "", "zh-CN", nil},
		{"help, in English", []string{"--help"}, "en", "en", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"PROGRESSBOT_LANG": tt.envLang}
			_, stderr, err := runCmdStderr(t, vars, tt.args...)
			if tt.want == nil {
				if err != nil {
					t.Errorf("err = %v", err)
				}
			} else {
				wantRefusal(t, err, tt.lang, *tt.want)
				if tt.want.in("zh-CN") == tt.want.in("en") {
					t.Errorf("%s reads the same in both languages", tt.want.id)
				}
			}
			// The usage, every command with its description, in the same language.
			l := locales.For(tt.lang)
			if !strings.HasPrefix(stderr, l.T("cli.usage")+"\n") || !strings.Contains(stderr, l.T("cli.usage.more")) {
				t.Errorf("usage not in %s:\n%s", tt.lang, stderr)
			}
			for _, c := range commands() {
				if d := l.T(c.short); d == c.short || !strings.Contains(stderr, c.name+" ") || !strings.Contains(stderr, d+"\n") {
					t.Errorf("usage lacks %s, %q:\n%s", c.name, d, stderr)
				}
			}
		})
	}
}

func TestSeedFromDir(t *testing.T) {
	// A plan folder on disk loads like the bundled one; a broken one changes nothing.
	dir := t.TempDir()
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(dir, "pb.db")}
	planDir := filepath.Join(dir, "myplan")
	if err := os.MkdirAll(planDir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join("..", "..", "seeds", "jiujiang-2023")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		b, _ := os.ReadFile(filepath.Join(src, en.Name()))
		os.WriteFile(filepath.Join(planDir, en.Name()), b, 0o644)
	}
	if _, err := runCmd(t, vars, "seed", "--dir", planDir); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(vars["PROGRESSBOT_DB"])
	os.WriteFile(filepath.Join(planDir, "units.yaml"), []byte("units:\n  - id: Bad Id\n"), 0o644)
	_, err = runCmd(t, vars, "seed", "--dir", planDir)
	if err == nil || !strings.Contains(err.Error(), "units.yaml:") {
		t.Errorf("broken seed: %v", err)
	}
	after, _ := os.ReadFile(vars["PROGRESSBOT_DB"])
	if !bytes.Equal(before, after) {
		t.Error("a broken seed changed the database")
	}
}

func TestChat(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		script string
		want   []string
	}{
		{"liaison walks in", []string{"chat", "--unit", "湖口县"}, "/report\n1\n198\n2\n开展调研\n5\n4\n/quit\n",
			[]string{"湖口县", "开始填报", "〔1/", "✓ 已保存", "需要协调", "已暂停"}},
		{"no --unit: the plan's first county", []string{"chat"}, "/quit\n", []string{"浔阳区", "/report 开始填报"}},
		{"a leader is not told to /report", []string{"chat", "--role", "leader"}, "/quit\n", []string{"/progress"}},
		{"liaison in English by short name", []string{"chat", "--lang", "en", "--unit", "工信局"}, "/report\n",
			[]string{"Industry & IT Bureau", "Start"}},
		{"bad number is explained", []string{"chat", "--unit", "湖口县"}, "/report\n1\nabc\n", []string{"没有识别出数字"}},
		{"unknown unit", []string{"chat", "--unit", "湖口镇"}, "", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(t.TempDir(), "pb.db")}
			var out, errb bytes.Buffer
			e := &env{stdin: strings.NewReader(tt.script), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
			err := dispatch(context.Background(), e, tt.args)
			if tt.name == "unknown unit" {
				if err == nil || !strings.Contains(err.Error(), "湖口镇") {
					t.Errorf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestManyPlans: with two plans in the database, a command that needs one asks which.
func TestManyPlans(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(dir, "pb.db")}
	if _, err := runCmd(t, vars, "seed"); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join("..", "..", "seeds", "jiujiang-2023")
	other := filepath.Join(dir, "other")
	if err := os.CopyFS(other, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(other, "plan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("\nid: jiujiang-2023\n"), []byte("\nid: another-2024\n"), 1)
	if err := os.WriteFile(filepath.Join(other, "plan.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, vars, "seed", "--dir", other); err != nil {
		t.Fatal(err)
	}
	want := m("cli.err.plans", "Plans", "another-2024, jiujiang-2023")
	checkRefusals(t, vars, "units", []refusal{{name: "units", want: want, mention: []string{"another-2024", "jiujiang-2023", "--plan"}}})
	checkRefusals(t, vars, "export", []refusal{{name: "export", args: []string{"targets"}, want: want}})
	if _, err := runCmd(t, vars, "units", "--plan", "another-2024"); err != nil {
		t.Errorf("units --plan: %v", err)
	}
}

// TestChatDeadlineAsServe: the terminal shows a liaison the deadline serve keeps — moved
// off a non-working day, as the scheduler moves it — not the calendar's bare date.
func TestChatDeadlineAsServe(t *testing.T) {
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(t.TempDir(), "pb.db")}
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader("/report\n"), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	if err := dispatch(context.Background(), e, []string{"chat"}); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	cfg, _, err := scheduleFlags(flag.NewFlagSet("serve", flag.ContinueOnError), e).config(loc)
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.BaseDeadline(cfg.Calendar.Current(time.Now()))
	want := locales.For("zh-CN").T("time.deadline", "Month", int(d.Month()), "Day", d.Day(), "Time", d.Format("15:04"))
	if !strings.Contains(out.String(), want) {
		t.Errorf("chat shows no deadline %q (serve's):\n%s", want, out.String())
	}
}
