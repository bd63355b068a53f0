package bot_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/dashboard"
	"github.com/progressbot/progressbot/store"
)

// webApps are the Mini App addresses of the buttons of the bot's latest message to a user.
func webApps(m *bottest.Msg) []string {
	var out []string
	if m == nil {
		return nil
	}
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.WebApp != nil {
				out = append(out, b.WebApp.URL)
			}
		}
	}
	return out
}

// TestE2EDashboard: with a public address, a leader's rollup carries a 看板 button that
// opens the Mini App at what the rollup showed, /dashboard gives a signed link, and a
// liaison gets neither.
func TestE2EDashboard(t *testing.T) {
	r := leaderRig(t)
	r.stop()
	r.dash = &dashboard.Links{PublicURL: "https://dash.example.org/", Token: r.srv.Token(), Now: r.clock}
	r.start()

	lead := r.user(8201, "zh-hans")
	lead.say("/start " + r.inviteScope(store.RoleLeader, "", "chain:petrochem"))
	lead.say("石化化工进展")
	lead.sees("【石化化工产业】2026年10月")
	apps := webApps(r.srv.Last(lead.id))
	if len(apps) != 1 {
		t.Fatalf("rollup's Mini App buttons: %v", apps)
	}
	u, err := url.Parse(apps[0])
	if err != nil || u.Host != "dash.example.org" || u.Path != "/app/" ||
		u.Query().Get("period") != "2026-10" || u.Query().Get("subject") != "chain:petrochem" {
		t.Errorf("看板 button opens %s, want the dashboard at chain:petrochem, 2026-10", apps[0])
	}
	lead.press("按单位")
	lead.press("1")
	apps = webApps(r.srv.Last(lead.id))
	if len(apps) != 1 || !strings.Contains(apps[0], "within=chain%3Apetrochem") || !strings.Contains(apps[0], "subject=unit%3A") {
		t.Errorf("drilled-down rollup's 看板 button: %v", apps)
	}

	lead.say("/dashboard")
	lead.sees("看板链接", "https://dash.example.org/app/link?")
	if apps := webApps(r.srv.Last(lead.id)); len(apps) != 1 {
		t.Errorf("/dashboard's Mini App button: %v", apps)
	}

	liaison := r.user(8202, "zh-hans")
	liaison.say("/start " + r.inviteScope(store.RoleLiaison, "hukou", ""))
	liaison.say("/dashboard")
	liaison.sees("看板只对领导和管理员开放")
	if liaison.everSaw("https://dash.example.org") {
		t.Error("a liaison was given a dashboard link")
	}
}
