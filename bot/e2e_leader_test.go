package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/demo"
	"github.com/progressbot/progressbot/store"
)

// leaderRig is a running bot on demo reports from October 2025, on 26 November 2026.
func leaderRig(t *testing.T) *rig {
	t.Helper()
	r := newRig(t)
	from := progressbot.Period{Year: 2025, Month: 10}
	if _, err := demo.Fill(context.Background(), r.db, r.plan, demo.Options{Seed: 1, From: from, Now: r.clock(), Calendar: progressbot.DefaultCalendar(shanghai)}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) inviteScope(role store.Role, unit, scope string) string {
	code, err := r.db.CreateInvite(context.Background(), store.InviteSpec{PlanID: r.plan.ID, Role: role, Unit: unit, Scope: scope})
	if err != nil {
		r.t.Fatal(err)
	}
	return code
}

// pressData taps a button with the given callback data on the bot's latest message, as a
// forged or replayed tap would.
func (u *tgUser) pressData(data string) {
	m := u.r.srv.Last(u.id)
	id := 1
	if m != nil {
		id = m.ID
	}
	u.r.expected++
	u.r.srv.Press(u.id, u.id, id, data)
	u.r.settle()
}

// everSaw reports whether any message the bot sent to the user contains text.
func (u *tgUser) everSaw(text string) bool {
	for _, c := range u.r.srv.Sent(u.id) {
		if strings.Contains(c.Text, text) {
			return true
		}
	}
	return false
}

func TestE2ELeaderRollups(t *testing.T) {
	r := leaderRig(t)
	zh := r.user(8101, "zh-hans")
	zh.say("/start " + r.inviteScope(store.RoleLeader, "", ""))
	zh.say("石化化工进展")
	zh.sees("【石化化工产业】2026年10月", "填报", "严重滞后", "需关注")
	zh.press("按单位")
	zh.sees("按单位（")
	zh.press("1")
	zh.sees("· 石化化工产业】")
	zh.press("按任务")
	zh.sees("按任务（")
	zh.press("返回")
	zh.press("返回石化化工产业")
	zh.sees("【石化化工产业】2026年10月", "需关注")
	// A drill-down edits the message in place: one rollup message in the chat.
	if n := r.srv.Count("editMessageText"); n < 5 {
		t.Errorf("%d edits", n)
	}

	// Ambiguous: pick from the buttons.
	zh.say("数字化转型")
	zh.sees("可能指以下几项")
	zh.press("任务11")
	zh.sees("【任务11 深入推进制造业数字化转型】")

	// English, a county, by indicator and back.
	en := r.user(8102, "en")
	en.say("/start " + r.inviteScope(store.RoleLeader, "", ""))
	en.say("How is Hukou doing?")
	en.sees("Hukou County — October 2026", "Report this period")
	en.press("By indicator")
	en.sees("By indicator (")
	en.press("Back")
	en.sees("Hukou County — October 2026")
	en.say("/progress petrochemical")
	en.sees("Petrochemicals — October 2026", "items:")

	en.say("/missing")
	en.sees("Who hasn't reported — November 2026")

	// Every tap was answered.
	if presses, answers := r.srv.Count("answerCallbackQuery"), len(r.srv.CallsOf("answerCallbackQuery")); presses != answers || answers == 0 {
		t.Errorf("callback answers: %d of %d", answers, presses)
	}
}

func TestE2EChainChiefAndStrangers(t *testing.T) {
	r := leaderRig(t)
	chief := r.user(8201, "zh")
	chief.say("/start " + r.inviteScope(store.RoleLeader, "", "chain:petrochem"))
	chief.sees("石化化工产业")
	chief.say("/progress")
	chief.sees("【石化化工产业】2026年10月")
	chief.say("电子信息进展")
	chief.sees("不在您的查询范围内")
	// A forged button for another chain, and one for a unit of another chain.
	chief.pressData("q:r:2610:0:celectronics")
	chief.pressData("q:u:2610:0:celectronics")
	chief.pressData("q:r:2610:0:uoffice-electronics")
	if chief.everSaw("【电子信息产业】2026") || chief.everSaw("【电子信息产业链链长办】2026") || chief.everSaw("按单位（") {
		t.Error("a chain chief saw another chain")
	}
	chief.sees("不在您的查询范围内")

	stranger := r.user(8202, "zh")
	stranger.say("石化化工进展")
	stranger.sees("邀请")
	stranger.say("/progress 石化化工")
	stranger.say("/missing")
	stranger.say("/board")
	stranger.pressData("q:r:2610:0:cpetrochem")
	for _, c := range r.srv.Sent(stranger.id) {
		if strings.Contains(c.Text, "石化化工产业") || strings.Contains(c.Text, "填报") && strings.Contains(c.Text, "项") {
			t.Errorf("a stranger was shown plan data: %q", c.Text)
		}
	}

	// A liaison sees their own unit only.
	li := r.user(8203, "zh")
	li.say("/start " + r.invite(store.RoleLiaison, "hukou"))
	li.say("/progress")
	li.sees("【湖口县】")
	li.say("/progress 彭泽县")
	li.sees("不在您的查询范围内")
}
