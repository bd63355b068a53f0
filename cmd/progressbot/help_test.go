package main

import (
	"errors"
	"flag"
	"strings"
	"testing"
	"unicode"
)

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// TestHelpInEachLanguage: the usage and every command's -h speak the language of
// --lang (anywhere on the line, before the command too) or else PROGRESSBOT_LANG: every
// flag is described in it, no message id shows, and asking for help is no failure
// (main exits 0 on flag.ErrHelp).
func TestHelpInEachLanguage(t *testing.T) {
	type run struct {
		env  string
		args []string
		lang string
	}
	runs := []run{
		{"", []string{"--lang", "en", "--help"}, "en"},
		{"", []string{"--lang=en", "-h"}, "en"},
		{"en", []string{"help"}, "en"},
		{"", []string{"--help"}, "zh-CN"},
		{"en", []string{"--lang", "zh-CN", "--help"}, "zh-CN"},
	}
	for _, c := range commands() {
		runs = append(runs, run{"", []string{c.name, "-h"}, "zh-CN"}, run{"en", []string{c.name, "-h"}, "en"},
			run{"", []string{c.name, "-h", "--lang", "en"}, "en"}, run{"", []string{"--lang", "en", c.name, "--help"}, "en"})
	}
	for _, r := range runs {
		vars := map[string]string{"PROGRESSBOT_LANG": r.env}
		out, errOut, err := runCmdStderr(t, vars, r.args...)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%v (PROGRESSBOT_LANG=%q): %v", r.args, r.env, err)
		}
		text := out + errOut
		if strings.Contains(text, "cli.") || strings.TrimSpace(text) == "" {
			t.Errorf("%v: %q", r.args, text)
		}
		for _, line := range strings.Split(text, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "-") {
				continue // a flag's name and type
			}
			if hasHan(line) != (r.lang == "zh-CN") && !strings.Contains(line, "Language") && !strings.Contains(line, "语言") {
				t.Errorf("%v (PROGRESSBOT_LANG=%q) wants %s: %q", r.args, r.env, r.lang, line)
			}
		}
	}
}

// TestChatFollowsTheStoredLanguage: once /lang was used in chat, a later chat answers in
// that language whatever --lang says, and the terminal's own lines follow it.
func TestChatFollowsTheStoredLanguage(t *testing.T) {
	vars := map[string]string{"PROGRESSBOT_DB": t.TempDir() + "/pb.db"}
	if _, _, err := runScript(vars, "/lang en\n/quit\n", "chat", "--role", "leader"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runScript(vars, "/help\n/quit\n", "chat", "--role", "leader", "--lang", "zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "(Terminal mode") || !strings.Contains(out, "Commands for leaders") || strings.Contains(out, "终端模式") {
		t.Errorf("chat after /lang en:\n%s", out)
	}
}
