package flows_test

import (
	"context"
	"testing"

	"github.com/progressbot/progressbot/store"
)

// TestOneLanguageRule: a person's stored choice wins; for a person without one, their
// Telegram language when it is a supported one, else the bot's own (Engine.Lang, from
// PROGRESSBOT_LANG).
func TestOneLanguageRule(t *testing.T) {
	w := newWorld(t)
	w.e.Lang = "en"
	ctx := context.Background()
	who := func(id int64, code string) string {
		u, err := w.e.Who(ctx, id, id, "x", code)
		if err != nil {
			t.Fatal(err)
		}
		return u.Lang
	}
	for code, want := range map[string]string{"ru": "en", "": "en", "zh-hans": "zh-CN", "en-GB": "en"} {
		if got := who(7, code); got != want {
			t.Errorf("new person, Telegram %q: %s, want %s", code, got, want)
		}
	}
	p := w.invited(store.RoleLeader, "", "", "en")
	p.cmd("lang", "zh-CN")
	for _, code := range []string{"en", "ru", ""} {
		if got := who(p.id, code); got != "zh-CN" {
			t.Errorf("chose 中文, Telegram %q: %s", code, got)
		}
	}
}
