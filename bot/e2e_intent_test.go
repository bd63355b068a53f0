package bot_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/progressbot/progressbot/dashboard"
	"github.com/progressbot/progressbot/store"
)

// TestE2EIntent: questions by intent through the fake Bot API in both languages, as a
// chain chief: the answer is their chain's, carries the 看板 Mini App button at the
// chain, and its numbered buttons drill down; a comparison with another chain is refused.
func TestE2EIntent(t *testing.T) {
	r := leaderRig(t)
	r.stop()
	r.dash = &dashboard.Links{PublicURL: "https://dash.example.org/", Token: r.srv.Token(), Now: r.clock}
	r.start()
	for _, tt := range []struct {
		lang, ask, refuse string
		want              []string
		drilled           string
	}{
		{"zh-hans", "哪些县滞后", "不在您的查询范围内", []string{"【石化化工产业】2026年10月", "有滞后事项的县（市、区）（", "最差的在前"}, " · 石化化工产业】2026年10月"},
		{"en", "which counties are lagging", "outside what you can see", []string{"Petrochemicals — October 2026", "Counties with lagging items (", "worst first"}, " · Petrochemicals — October 2026"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			lead := r.user(map[string]int64{"zh-hans": 8301, "en": 8302}[tt.lang], tt.lang)
			lead.say("/start " + r.inviteScope(store.RoleLeader, "", "chain:petrochem"))
			lead.say(tt.ask)
			lead.sees(tt.want...)
			apps := webApps(r.srv.Last(lead.id))
			if len(apps) != 1 {
				t.Fatalf("Mini App buttons: %v", apps)
			}
			if u, err := url.Parse(apps[0]); err != nil || u.Query().Get("subject") != "chain:petrochem" || u.Query().Get("period") != "2026-10" {
				t.Errorf("看板 opens %s, want the chain in 2026-10", apps[0])
			}
			lead.press("1")
			if got := lead.last(); !strings.Contains(got, tt.drilled) || strings.Contains(got, tt.want[1]) {
				t.Errorf("the first county's button opened:\n%s", got)
			}
			lead.say("石化化工 vs 电子信息")
			lead.sees(tt.refuse)
		})
	}
}
