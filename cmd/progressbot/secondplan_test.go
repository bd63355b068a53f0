package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/progressbot/progressbot/store/storetest"
)

// TestSecondPlanCLI: with a small invented plan seeded, nothing the command line prints
// — usage, every command's help, refusals, chat as each role — names anything of the
// bundled plan, and chat runs without --unit.
func TestSecondPlanCLI(t *testing.T) {
	_, p := storetest.SecondPlanDB(t)
	banned := storetest.BundledNames(t, p)
	for _, lang := range []string{"zh-CN", "en"} {
		vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(t.TempDir(), "pb.db"), "PROGRESSBOT_LANG": lang}
		if _, err := runCmd(t, vars, "seed", "--dir", storetest.SecondPlanDir()); err != nil {
			t.Fatal(err)
		}
		runs := [][]string{{"--help"}, {"units"}, {"invite", "--role", "liaison"}, {"invite", "--role", "liaison", "--unit", "北坡"},
			{"invite", "--role", "leader", "--scope", "nowhere"}, {"invite", "--role", "liaison", "--bot", "a-b"},
			{"export", "targets", "--format", "csv", "--out", filepath.Join(t.TempDir(), "t.csv")}, {"export"}}
		for _, c := range commands() {
			runs = append(runs, []string{c.name, "-h"})
		}
		scripts := map[string][]string{
			"/help\n/report\n/progress\n/quit\n":            {"chat"},
			"/help\n/progress\n/missing\nwhat\n/quit\n":     {"chat", "--role", "leader"},
			"/help\n/invite\n/extend\n/cancel\n/quit\n":     {"chat", "--role", "admin"},
			"/help\n/progress 丝绸\n/progress Beipo\n/quit\n": {"chat", "--role", "leader", "--scope", "silk"},
		}
		for script, args := range scripts {
			out, errOut, err := runScript(vars, script, args...)
			if err != nil {
				t.Errorf("%s %v: %v\n%s", lang, args, err, errOut)
			}
			check(t, lang, args, out+errOut, banned)
		}
		for _, args := range runs {
			out, errOut, err := runCmdStderr(t, vars, args...)
			text := out + errOut
			if err != nil {
				text += err.Error()
			}
			check(t, lang, args, text, banned)
		}
	}
}

func runScript(vars map[string]string, script string, args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(script), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	err := dispatch(context.Background(), e, args)
	return out.String(), errb.String(), err
}

func check(t *testing.T, lang string, args []string, text string, banned []string) {
	t.Helper()
	for _, name := range banned {
		if strings.Contains(text, name) {
			t.Errorf("%s %v names %q of the bundled plan:\n%s", lang, args, name, text)
		}
	}
}
