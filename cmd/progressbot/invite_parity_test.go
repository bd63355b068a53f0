package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestInviteNamesAsInChat: the command line's invite and chat's /invite read the same
// name the same way — the same unit or scope, or the same refusal (ambiguous, unknown).
// It fails when the two drift apart.
func TestInviteNamesAsInChat(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "pb.db")
	vars := map[string]string{"PROGRESSBOT_DB": dbPath}
	if _, err := runCmd(t, vars, "seed"); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// last is the target of the invite made last: its unit, else its scope.
	last := func() string {
		var unit, scope string
		if err := raw.QueryRow(`SELECT coalesce(unit, ''), scope FROM invites ORDER BY id DESC LIMIT 1`).Scan(&unit, &scope); err != nil {
			t.Fatal(err)
		}
		if unit != "" {
			return "unit:" + unit
		}
		return scope
	}
	const ambiguous, unknown = "ambiguous", "unknown"
	tests := []struct {
		name   string
		leader bool // a leader's scope, else a liaison's unit
		want   string
	}{
		{"湖口县", false, "unit:hukou"},
		{"湖口", false, "unit:hukou"},
		{"Hukou County", false, "unit:hukou"},
		{"hukou", false, "unit:hukou"},
		{"gxj", false, "unit:gxj"},
		{"工信局", false, "unit:gxj"},
		{"Development & Reform", false, "unit:fgw"},
		{"全市", false, "unit:city"},
		{"九江", false, "unit:city"},
		{"石化化工", false, "unit:office-petrochem"},
		{"高新区", false, ambiguous},
		{"湖口镇", false, unknown},
		{"Hukuo", false, unknown},
		{"湖口村", false, unknown},
		{"火星", false, unknown},
		{"石化化工", true, "chain:petrochem"},
		{"petrochemical", true, "chain:petrochem"},
		{"chain:石化", true, "chain:petrochem"},
		{"锂电", true, "cluster:lithium-pv"},
		{"彭泽", true, "unit:pengze"},
		{"Hukou", true, "unit:hukou"},
		{"高新区", true, ambiguous},
		{"石油化工", true, unknown},
		{"petrochemistry", true, unknown},
		{"task:6", true, unknown},
	}
	for _, tt := range tests {
		role, flag := "liaison", "--unit"
		if tt.leader {
			role, flag = "leader", "--scope"
		}
		t.Run(role+" "+tt.name, func(t *testing.T) {
			cli := ""
			switch _, err := runCmd(t, vars, "invite", "--role", role, flag, tt.name); {
			case err == nil:
				cli = last()
			case strings.Contains(err.Error(), "对应多个"):
				cli = ambiguous
			case strings.Contains(err.Error(), "方案中没有名为"):
				cli = unknown
			default:
				t.Fatalf("command line: %v", err)
			}

			out, errOut, err := runScript(vars, "/invite "+role+" "+tt.name+"\n/quit\n", "chat", "--role", "admin")
			if err != nil {
				t.Fatalf("chat: %v\n%s", err, errOut)
			}
			// What the bot answered to the line after the first prompt.
			parts := strings.Split(out, "> ")
			if len(parts) < 3 {
				t.Fatalf("chat did not answer:\n%s", out)
			}
			reply, chat := parts[1], ""
			switch {
			case strings.Contains(reply, "邀请码："):
				chat = last()
			case strings.Contains(reply, "对应多个"):
				chat = ambiguous
			case strings.Contains(reply, "没有找到"):
				chat = unknown
			default:
				t.Fatalf("chat answered:\n%s", reply)
			}

			if cli != chat || cli != tt.want {
				t.Errorf("%q: command line %s, chat %s; want %s", tt.name, cli, chat, tt.want)
			}
		})
	}
}
