package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/schedule"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
)

// withSchedule attaches a scheduler (that sends nothing) to the world's engine.
func withSchedule(t *testing.T, w *world) *schedule.Scheduler {
	t.Helper()
	work, err := seeds.Holidays()
	if err != nil {
		t.Fatal(err)
	}
	s := &schedule.Scheduler{DB: w.db, Plan: w.e.Plan, Config: schedule.DefaultConfig(shanghai, work), Now: w.e.Now, Log: w.e.Log}
	w.e.Calendar = s.Config.Calendar
	w.e.SetSchedule(s)
	return s
}

// inChat is a person's command from a chat other than their private one (a group).
func (p *person) inChat(chat int64, name, args string) flows.Reply {
	p.w.t.Helper()
	ctx := context.Background()
	u, err := p.w.e.Who(ctx, p.id, chat, "Tester", p.lang)
	if err != nil {
		p.w.t.Fatal(err)
	}
	r, err := p.w.e.Handle(ctx, u, flows.Input{Command: name, Args: args})
	if err != nil {
		p.w.t.Fatal(err)
	}
	return r
}

func text(r flows.Reply) string {
	var b []string
	for _, m := range r.Messages {
		b = append(b, m.Text)
	}
	return strings.Join(b, "\n")
}

func TestRemindPreview(t *testing.T) {
	w := newWorld(t) // 2026-11-26 10:00
	admin := w.invited(store.RoleAdmin, "", "", "")
	liaison := w.invited(store.RoleLiaison, "hukou", "", "")

	if got := text(admin.cmd("remind", "")); !strings.Contains(got, "调度器没有运行") {
		t.Errorf("without a scheduler: %q", got)
	}
	withSchedule(t, w)
	if got := text(liaison.cmd("remind", "")); !strings.Contains(got, "仅供管理员") {
		t.Errorf("liaison's /remind: %q", got)
	}
	// Thursday 26 November 2026: the opening reminder (Friday the 20th) is past its
	// catch-up, the next is due three working days before Monday 7 December (the 5th is a
	// Saturday): Wednesday 2 December.
	if got := text(admin.cmd("remind", "")); !strings.Contains(got, "没有要发送的消息") {
		t.Errorf("preview now: %q", got)
	}
	got := text(admin.cmd("remind", "2026-12-02T09:00:00+08:00"))
	if !strings.Contains(got, "1 条消息") || !strings.Contains(got, "湖口县 · 联络员 · 截止前提醒 · 2026年11月") {
		t.Errorf("preview on 2 December: %q", got)
	}
	if got := text(admin.cmd("remind", "2026-12-05T10:00:00+08:00")); !strings.Contains(got, "非工作日或免打扰") {
		t.Errorf("preview on a Saturday: %q", got)
	}
	if got := text(admin.cmd("remind", "tomorrow")); !strings.Contains(got, "RFC 3339") {
		t.Errorf("bad time: %q", got)
	}
}

func TestExtendCommand(t *testing.T) {
	w := newWorld(t) // 2026-11-26 10:00, period 2026-11, due Monday 7 December 18:00
	admin := w.invited(store.RoleAdmin, "", "", "")
	liaison := w.invited(store.RoleLiaison, "hukou", "", "")
	s := withSchedule(t, w)
	ctx := context.Background()
	nov := progressbot.Period{Year: 2026, Month: time.November}

	for _, tt := range []struct{ args, want string }{
		{"", "用法"},
		{"湖口县", "用法"},
		{"不存在的县 3 理由", "找不到单位"},
		{"湖口县 3", "请写明延期理由"},
		{"湖口县 99 理由", "1–30"},
	} {
		if got := text(admin.cmd("remind", "extend "+tt.args)); !strings.Contains(got, tt.want) {
			t.Errorf("/remind extend %s: %q, want %q", tt.args, got, tt.want)
		}
	}
	if got := text(liaison.cmd("remind", "extend 湖口县 3 理由")); !strings.Contains(got, "仅供管理员") {
		t.Errorf("a liaison extended: %q", got)
	}
	got := text(admin.cmd("remind", "extend 湖口 3 受汛情影响 数据延后"))
	if !strings.Contains(got, "【湖口县】2026年11月的截止时间延至 12月10日 18:00（原为 12月7日 18:00）") || !strings.Contains(got, "受汛情影响 数据延后") {
		t.Errorf("extend: %q", got)
	}
	dl, extended, err := s.Deadline(ctx, "hukou", nov)
	if err != nil || !extended || !dl.Equal(time.Date(2026, 12, 10, 18, 0, 0, 0, shanghai)) {
		t.Errorf("deadline %s %v %v", dl, extended, err)
	}
	// A date; an earlier one is refused.
	if got := text(admin.cmd("remind", "extend 湖口县 2026-12-08 太早")); !strings.Contains(got, "不晚于") {
		t.Errorf("earlier date: %q", got)
	}
	if got := text(admin.cmd("remind", "extend Hukou 2026-12-12 周末")); !strings.Contains(got, "12月14日 18:00") {
		// Saturday the 12th moves to Monday the 14th.
		t.Errorf("date on a Saturday: %q", got)
	}
	hist, err := w.db.DeadlineExtensionHistory(ctx, w.e.Plan.ID, "hukou", nov)
	if err != nil || len(hist) != 2 || hist[0].Reason != "受汛情影响 数据延后" || hist[0].By != admin.id {
		t.Errorf("history: %+v %v", hist, err)
	}
}

func TestRegisterLeadersGroup(t *testing.T) {
	w := newWorld(t)
	leader := w.invited(store.RoleLeader, "", "chain:petrochem", "")
	liaison := w.invited(store.RoleLiaison, "hukou", "", "")
	ctx := context.Background()
	const group = -100777
	if got := text(leader.cmd("remind", "group")); !strings.Contains(got, "领导群里") {
		t.Errorf("in a private chat: %q", got)
	}
	if got := text(liaison.inChat(group, "remind", "group")); !strings.Contains(got, "只有领导或管理员") {
		t.Errorf("a liaison registered a group: %q", got)
	}
	if got := text(leader.inChat(group, "remind", "group")); !strings.Contains(got, "已将本群登记为领导群") || !strings.Contains(got, "石化化工") {
		t.Errorf("register: %q", got)
	}
	gs, err := w.db.LeaderGroups(ctx, w.e.Plan.ID, false)
	if err != nil || len(gs) != 1 || gs[0].ChatID != group || gs[0].Scope != "chain:petrochem" || gs[0].AddedBy != leader.id {
		t.Fatalf("groups: %+v %v", gs, err)
	}
	if got := text(leader.inChat(group, "remind", "group off")); !strings.Contains(got, "不再接收") {
		t.Errorf("unregister: %q", got)
	}
	if gs, _ := w.db.LeaderGroups(ctx, w.e.Plan.ID, false); len(gs) != 0 {
		t.Errorf("still active: %+v", gs)
	}
}

// TestLeadersGroupOfAnotherScope: a group registered by one leader can be changed or
// stopped by a leader whose scope covers it, or an admin, not narrowed or stopped by a
// leader of a smaller or other scope. One row per step, in order, on one group.
func TestLeadersGroupOfAnotherScope(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	const group = -100778
	city := w.invited(store.RoleLeader, "", "", "")
	chain := w.invited(store.RoleLeader, "", "chain:petrochem", "")
	chain2 := w.invited(store.RoleLeader, "", "chain:petrochem", "")
	other := w.invited(store.RoleLeader, "", "chain:electronics", "")
	admin := w.invited(store.RoleAdmin, "", "", "")
	steps := []struct {
		name   string
		who    *person
		args   string
		says   string
		active bool   // the group is active afterwards
		scope  string // and has this scope
	}{
		{"the city leader registers", city, "group", "已将本群登记为领导群", true, ""},
		{"a chain leader may not narrow it", chain, "group", "只有范围覆盖它的领导或管理员", true, ""},
		{"nor stop it", chain, "group off", "只有范围覆盖它的领导或管理员", true, ""},
		{"an admin stops it", admin, "group off", "不再接收", false, ""},
		{"the chain leader registers it for the chain", chain, "group", "石化化工", true, "chain:petrochem"},
		{"a leader of the same chain may stop it", chain2, "group off", "不再接收", false, ""},
		{"the chain leader registers it again", chain, "group", "石化化工", true, "chain:petrochem"},
		{"a leader of another chain may not take it", other, "group", "只有范围覆盖它的领导或管理员", true, "chain:petrochem"},
		{"the city leader widens it", city, "group", "已将本群登记为领导群", true, ""},
	}
	for _, st := range steps {
		got := text(st.who.inChat(group, "remind", st.args))
		if !strings.Contains(got, st.says) {
			t.Errorf("%s: %q", st.name, got)
		}
		gs, err := w.db.LeaderGroups(ctx, w.e.Plan.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if active := len(gs) == 1; active != st.active || (active && gs[0].Scope != st.scope) {
			t.Errorf("%s: groups %+v, want active %v scope %q", st.name, gs, st.active, st.scope)
		}
	}
}
