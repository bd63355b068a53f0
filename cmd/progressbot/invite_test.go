package main

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
)

var inviteCode = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestInvite(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "pb.db")
	vars := map[string]string{"PROGRESSBOT_DB": dbPath}
	if _, err := runCmd(t, vars, "seed"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		role      store.Role
		unit      string
		scope     string
		out       []string // in the output
		expiresIn time.Duration
	}{
		{"liaison by full name", []string{"--role", "liaison", "--unit", "湖口县"}, nil,
			store.RoleLiaison, "hukou", "", []string{"联络员", "单位：湖口县", "有效期至", "(Asia/Shanghai)"}, 7 * 24 * time.Hour},
		{"liaison by short name", []string{"--role", "liaison", "--unit", "湖口"}, nil,
			store.RoleLiaison, "hukou", "", []string{"湖口县"}, 7 * 24 * time.Hour},
		{"liaison by English alias, in English", []string{"--role", "liaison", "--unit", "Hukou", "--lang", "en"}, nil,
			store.RoleLiaison, "hukou", "", []string{"liaison", "Hukou County (湖口县)", "valid until"}, 7 * 24 * time.Hour},
		{"liaison of a bureau by short name", []string{"--role", "liaison", "--unit", "工信局"}, nil,
			store.RoleLiaison, "gxj", "", []string{"市工信局"}, 7 * 24 * time.Hour},
		{"liaison by key, spaces trimmed", []string{"--role", "liaison", "--unit", " hukou "}, nil,
			store.RoleLiaison, "hukou", "", []string{"湖口县"}, 7 * 24 * time.Hour},
		{"leader of a chain", []string{"--role", "leader", "--scope", "石化化工"}, nil,
			store.RoleLeader, "", "chain:petrochem", []string{"领导", "产业链“石化化工产业”"}, 7 * 24 * time.Hour},
		{"leader of a chain by English alias", []string{"--role", "leader", "--scope", "petrochemical", "--lang", "en"}, nil,
			store.RoleLeader, "", "chain:petrochem", []string{"leader", "the chain Petrochemicals (石化化工产业)"}, 7 * 24 * time.Hour},
		{"leader of a chain by stored form", []string{"--role", "leader", "--scope", "chain:石化"}, nil,
			store.RoleLeader, "", "chain:petrochem", nil, 7 * 24 * time.Hour},
		{"leader of a cluster", []string{"--role", "leader", "--scope", "锂电"}, nil,
			store.RoleLeader, "", "cluster:lithium-pv", []string{"集群"}, 7 * 24 * time.Hour},
		{"leader of a county", []string{"--role", "leader", "--unit", "湖口"}, nil,
			store.RoleLeader, "hukou", "unit:hukou", []string{"单位：湖口县"}, 7 * 24 * time.Hour},
		{"leader of a county by scope", []string{"--role", "leader", "--scope", "彭泽"}, nil,
			store.RoleLeader, "", "unit:pengze", []string{"单位“彭泽县”"}, 7 * 24 * time.Hour},
		{"city leader", []string{"--role", "leader"}, nil,
			store.RoleLeader, "", "", []string{"整个方案"}, 7 * 24 * time.Hour},
		{"admin, one day, in Chinese role name", []string{"--role", "管理员", "--ttl", "1d"}, nil,
			store.RoleAdmin, "", "", []string{"管理员"}, 24 * time.Hour},
		{"admin with a deep link", []string{"--role", "admin", "--bot", "@JiujiangProgressBot", "--ttl", "90m"}, nil,
			store.RoleAdmin, "", "", []string{"https://t.me/JiujiangProgressBot?start="}, 90 * time.Minute},
		{"deep link from the environment", []string{"--role", "liaison", "--unit", "湖口县"}, map[string]string{"PROGRESSBOT_BOT_USERNAME": "JiujiangProgressBot"},
			store.RoleLiaison, "hukou", "", []string{"https://t.me/JiujiangProgressBot?start="}, 7 * 24 * time.Hour},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := map[string]string{}
			for k, x := range vars {
				v[k] = x
			}
			for k, x := range tt.env {
				v[k] = x
			}
			before := time.Now()
			out, err := runCmd(t, v, append([]string{"invite"}, tt.args...)...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			code := lastLine(out)
			if !inviteCode.MatchString(code) {
				t.Fatalf("last line %q is not a code:\n%s", code, out)
			}
			for _, want := range tt.out {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "https://t.me/") && !strings.Contains(out, "?start="+code+"\n") {
				t.Errorf("deep link does not carry the code:\n%s", out)
			}

			db, err := store.Open(context.Background(), dbPath)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// Past the lifetime the code is refused; within it, it binds the person.
			id := int64(100 + 2*i)
			db.Now = func() time.Time { return before.Add(tt.expiresIn + time.Minute) }
			if _, err := db.Redeem(context.Background(), code, id, id, "Late"); !errors.Is(err, store.ErrInviteExpired) {
				t.Errorf("redeem after %s: %v, want expired", tt.expiresIn, err)
			}
			db.Now = func() time.Time { return before.Add(tt.expiresIn - time.Minute) }
			u, err := db.Redeem(context.Background(), code, id+1, id+1, "Person")
			if err != nil {
				t.Fatal(err)
			}
			if u.PlanID != seeds.DefaultPlan || u.Role != tt.role || u.Unit != tt.unit || u.Scope != tt.scope {
				t.Errorf("redeemed %+v, want %s/%s/%q", u, tt.role, tt.unit, tt.scope)
			}
		})
	}
}

func TestInviteRefused(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "pb.db")
	vars := map[string]string{"PROGRESSBOT_DB": dbPath}
	if _, err := runCmd(t, vars, "seed"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string // in the error
	}{
		{"bad role", []string{"--role", "king"}, []string{"king", "liaison"}},
		{"no role", []string{"--unit", "湖口县"}, []string{"--role"}},
		{"liaison without unit", []string{"--role", "liaison"}, []string{"--unit"}},
		{"liaison without unit, in English", []string{"--role", "liaison", "--lang", "en"}, []string{"a liaison invite needs --unit"}},
		{"unknown unit", []string{"--role", "liaison", "--unit", "湖口镇"}, []string{"湖口镇", "是否指：湖口县"}},
		{"unknown unit, in English", []string{"--role", "liaison", "--unit", "Hukuo", "--lang", "en"}, []string{`"Hukuo"`, "did you mean 湖口县"}},
		{"unknown unit far from any", []string{"--role", "liaison", "--unit", "Atlantis"}, []string{"Atlantis", "progressbot units"}},
		{"unknown scope", []string{"--role", "leader", "--scope", "石油化工"}, []string{"石油化工", "产业链"}},
		{"unknown scope, in English", []string{"--role", "leader", "--scope", "petrochemistry", "--lang", "en"}, []string{"petrochemistry", "did you mean 石化化工"}},
		{"ambiguous unit", []string{"--role", "liaison", "--unit", "高新区"}, []string{"高新区", "共青城高新区", "湖口高新区"}},
		{"ambiguous scope, in English", []string{"--role", "leader", "--scope", "高新区", "--lang", "en"}, []string{"more than one", "共青城高新区", "湖口高新区"}},
		{"unknown scope kind", []string{"--role", "leader", "--scope", "task:6"}, []string{"task:6"}},
		{"scope for a liaison", []string{"--role", "liaison", "--unit", "湖口县", "--scope", "石化化工"}, []string{"--scope"}},
		{"scope for an admin", []string{"--role", "admin", "--scope", "石化化工", "--lang", "en"}, []string{"--scope", "admin"}},
		{"bad lifetime", []string{"--role", "admin", "--ttl", "forever"}, []string{"forever"}},
		{"negative lifetime", []string{"--role", "admin", "--ttl", "-1h"}, []string{"-1h"}},
		{"bad bot username", []string{"--role", "admin", "--bot", "my bot!"}, []string{"my bot!"}},
		{"stray argument", []string{"--role", "admin", "湖口县"}, []string{"湖口县"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCmd(t, vars, append([]string{"invite"}, tt.args...)...)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.TrimSpace(out) != "" {
				t.Errorf("a refused invite printed:\n%s", out)
			}
		})
	}
	// Nothing was stored by any of them.
	raw, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM invites`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d invites stored by refused commands (%v)", n, err)
	}
}
