package flows_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/progressbot/progressbot/store"
)

var commandAt = regexp.MustCompile(`(?m)/([a-z]+)`)

// commandsIn lists the commands a text names, once each, in order.
func commandsIn(s string) []string {
	var out []string
	for _, m := range commandAt.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// TestEachRoleSeesItsCommands: for each role and language, /help, the start greeting,
// the command menu and /cancel name the commands that person can use and no other; the
// admin's name /invite, /extend and /remind with their usage.
func TestEachRoleSeesItsCommands(t *testing.T) {
	w := newWorld(t)
	withSchedule(t, w)
	county := w.e.Plan.Counties()[0]
	tests := []struct {
		role store.Role
		unit string
		want []string
	}{
		{"", "", []string{"start", "lang", "help"}},
		{store.RoleLiaison, county.ID, []string{"report", "progress", "export", "lang", "cancel", "help"}},
		{store.RoleLeader, "", []string{"progress", "missing", "board", "export", "lang", "help"}},
		{store.RoleAdmin, "", []string{"progress", "missing", "board", "export", "invite", "extend", "remind", "lang", "cancel", "help"}},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, tt := range tests {
			var p *person
			if tt.role == "" {
				p = w.person(lang)
			} else {
				p = w.invited(tt.role, tt.unit, "", lang)
			}
			name := lang + " " + string(tt.role)
			help := p.cmd("help", "")
			if got := commandsIn(help.Messages[0].Text); !slices.Equal(got, tt.want) {
				t.Errorf("%s: /help names %v, want %v:\n%s", name, got, tt.want, help.Messages[0].Text)
			}
			var menu []string
			for _, c := range help.Commands {
				menu = append(menu, c.Name)
			}
			if !slices.Equal(menu, tt.want) {
				t.Errorf("%s: menu %v, want %v", name, menu, tt.want)
			}
			if tt.role == "" {
				continue
			}
			start := p.cmd("start", "")
			if got := commandsIn(start.Messages[0].Text); !slices.Equal(got, tt.want) {
				t.Errorf("%s: /start names %v, want %v", name, got, tt.want)
			}
			for _, c := range commandsIn(p.cmd("cancel", "").Messages[0].Text) {
				if !slices.Contains(tt.want, c) {
					t.Errorf("%s: /cancel names /%s", name, c)
				}
			}
			if tt.role == store.RoleAdmin {
				// Usage with an example from the plan.
				for _, c := range []string{"/invite liaison " + county.Name, "/extend "} {
					if !strings.Contains(help.Messages[0].Text, c) {
						t.Errorf("%s: /help lacks %q", name, c)
					}
				}
			}
		}
	}
}
