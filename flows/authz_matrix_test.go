package flows_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/store"
)

// The authorization matrix of the leaders' and admins' side: every role and scope × every
// leader and admin command (/progress and free-text questions, /missing, /board, /export,
// /invite, /remind, /extend) and every callback prefix (q:, b:, x:, rp), with buttons
// taken from other people's screens, forged, truncated, and replayed after a role or
// scope change. report_security_test.go has the unbound person and the report flow.
//
// Every refusal is asserted by its wording (locales/*.zh-CN.yaml), so that a check cannot
// pass because nothing was shown; and nothing that must be refused may change the
// database (dbState).

// Refusals, as the zh-CN locale words them (the message id in brackets).
const (
	refStale        = "这个按钮已过期"              // button.stale
	refOutOfScope   = "不在您的查询范围内"            // leader.out_of_scope
	refOutShort     = "不在查询范围内"              // leader.out_of_scope_short (the toast)
	refUnknown      = "方案中已没有这一项"            // leader.unknown_subject
	refChart        = "这不在您的查看范围内"           // export.chart.not_allowed
	refBoardAdmin   = "只有管理员可以审核和发布红黄榜"      // leader.board.admins_only
	refBoardLiaison = "红黄榜供领导查看"             // leader.board.not_for_liaison
	refInvite       = "只有管理员可以生成邀请码"         // invite.chat.admins_only
	refAdminOnly    = "这个命令仅供管理员使用"          // remind.chat.admins_only (also /extend)
	refNotGroup     = "请在领导群里发送这个命令"         // group.not_group
	refGroupRole    = "只有领导或管理员可以登记领导群"      // group.not_allowed
	refHint         = "如需填报本月进展，请发送 /report" // liaison.hint
	refNeedInvite   = "请使用管理员发给您的邀请链接"       // start.need_invite
	refNotLiaison   = "填报由各单位联络员完成"          // report.not_liaison
)

// refusals are the texts that mark a reply as a refusal.
var refusals = []string{refStale, refOutOfScope, refOutShort, refUnknown, refChart, refBoardAdmin, refBoardLiaison}

// contentMarkers appear only on screens that show plan data: a rollup's headline and
// lists, /missing's counts, a 红黄榜, a file or a chart.
var contentMarkers = []string{"填报 ", "需关注", "需协调", "应报 ", "红榜（", "黄榜（", "按单位（", "按任务（", "按指标（", "[doc:", "[photo:"}

var oct = progressbot.Period{Year: 2026, Month: 10}

// shown is everything a reply shows, as text: messages, files, buttons and the toast.
func shown(r flows.Reply) string {
	var b strings.Builder
	for _, m := range r.Messages {
		b.WriteString(m.Text + "\n")
		if m.Document != nil {
			fmt.Fprintf(&b, "[doc:%s]\n", m.Document.Name)
		}
		if m.Photo != nil {
			fmt.Fprintf(&b, "[photo:%s]\n", m.Photo.Name)
		}
		for _, row := range m.Keyboard {
			for _, btn := range row {
				b.WriteString("[" + btn.Label + "]")
			}
			b.WriteString("\n")
		}
	}
	if r.Toast != "" {
		b.WriteString("(toast " + r.Toast + ")")
	}
	return b.String()
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// dataOf lists the callback data of a reply's buttons.
func dataOf(r flows.Reply) []string {
	var out []string
	for _, m := range r.Messages {
		for _, row := range m.Keyboard {
			for _, b := range row {
				out = append(out, b.Data)
			}
		}
	}
	return out
}

// dbState is everything an input could change, as text: who is bound to what, invites
// and failed redeems, deadline extensions, boards and their entries, removals waiting
// for a reason, leaders' groups, reports and their events, and store.Totals.
func dbState(t *testing.T, w *world) string {
	t.Helper()
	ctx := context.Background()
	queries := []string{
		`SELECT telegram_id, role, coalesce(unit, ''), scope, lang, active FROM users ORDER BY telegram_id`,
		`SELECT id, role, coalesce(unit, ''), scope, created_by, coalesce(used_by, 0) FROM invites ORDER BY id`,
		`SELECT count(*) FROM invite_failures`,
		`SELECT id, unit, period, until, reason, by_user FROM deadline_extensions ORDER BY id`,
		`SELECT period, state, coalesce(approved_by, 0), coalesce(published_by, 0) FROM boards ORDER BY period`,
		`SELECT period, list, unit, position, coalesce(removed_reason, ''), coalesce(removed_by, 0) FROM board_entries ORDER BY period, list, unit`,
		`SELECT telegram_id, period, list, unit FROM board_pending ORDER BY telegram_id`,
		`SELECT chat_id, scope, active, added_by FROM leader_groups ORDER BY chat_id`,
		// Reports change by state and revision; events and answers are append-only (the
		// database refuses to change or delete one), so the last id tells whether one was
		// added, without counting a table that demo data makes large.
		`SELECT count(*), coalesce(max(id), 0), coalesce(sum(revision), 0), coalesce(sum(state = 'submitted'), 0) FROM reports`,
		`SELECT coalesce(max(id), 0) FROM report_events`,
		`SELECT coalesce(max(id), 0) FROM answers`,
		`SELECT kind, state, count(*) FROM outbox GROUP BY kind, state ORDER BY kind, state`,
	}
	var b strings.Builder
	err := w.db.Read(ctx, func(tx *store.Tx) error {
		for _, q := range queries {
			rows, err := tx.QueryContext(ctx, q)
			if err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			b.WriteString(q + "\n")
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				fmt.Fprintln(&b, vals...)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// count runs a count query.
func count(t *testing.T, w *world, q string, args ...any) int {
	t.Helper()
	ctx := context.Background()
	var n int
	if err := w.db.Read(ctx, func(tx *store.Tx) error { return tx.QueryRowContext(ctx, q, args...).Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	return n
}

// diffLines names the lines of b that a lacks and the other way round, for a failure
// message.
func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for _, l := range al {
		if !slices.Contains(bl, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range bl {
		if !slices.Contains(al, l) {
			out = append(out, "+ "+l)
		}
	}
	if len(out) > 20 {
		out = append(out[:20], "…")
	}
	return strings.Join(out, "\n")
}

// reinvite makes an existing person redeem a new invite: their role, unit or scope
// change, their Telegram id and chat stay.
func (p *person) reinvite(role store.Role, unit, scope string) {
	p.w.t.Helper()
	code, err := p.w.db.CreateInvite(context.Background(), store.InviteSpec{PlanID: p.w.e.Plan.ID, Role: role, Unit: unit, Scope: scope})
	if err != nil {
		p.w.t.Fatal(err)
	}
	p.cmd("start", code)
}

// cast is a demo world (reports from October 2025, seen on 26 November 2026: October
// closed, November being reported) with a scheduler, and one person of every role and
// scope.
type cast struct {
	w      *world
	people map[string]*person
}

// Who is who in the matrices.
const (
	whoLiaison = "liaison 湖口县"
	whoCity    = "city leader"
	whoChain   = "chain leader 石化化工"
	whoNarrow  = "chain leader 文化旅游" // a chain of two units: 市工信局 and its office
	whoCounty  = "county leader 湖口县" // scope unit:hukou
	whoCluster = "cluster leader 锂电光伏"
	whoAdmin   = "admin"
)

func newCast(t *testing.T) *cast {
	t.Helper()
	w := demoWorld(t)
	withSchedule(t, w)
	c := &cast{w: w, people: map[string]*person{
		whoLiaison: w.invited(store.RoleLiaison, "hukou", "", "zh-CN"),
		whoCity:    w.invited(store.RoleLeader, "", "", "zh-CN"),
		whoChain:   w.invited(store.RoleLeader, "", "chain:petrochem", "zh-CN"),
		whoNarrow:  w.invited(store.RoleLeader, "", "chain:culture-tourism", "zh-CN"),
		whoCounty:  w.invited(store.RoleLeader, "", "unit:hukou", "zh-CN"),
		whoCluster: w.invited(store.RoleLeader, "", "cluster:lithium-pv", "zh-CN"),
		whoAdmin:   w.invited(store.RoleAdmin, "", "", "zh-CN"),
	}}
	attachEverywhere(t, w, oct)
	// Each greeting names the role and scope, so the invites did what they say.
	for who, want := range map[string]string{whoLiaison: "湖口县", whoChain: "石化化工", whoNarrow: "文化旅游", whoCounty: "湖口县", whoCluster: "锂电"} {
		if !strings.Contains(c.people[who].text(), want) {
			t.Fatalf("%s greeted as %q", who, c.people[who].text())
		}
	}
	return c
}

// input reads "/name args" as a command, "data:…" as a pressed button, anything else
// as typed text.
func input(s string) flows.Input {
	if d, ok := strings.CutPrefix(s, "data:"); ok {
		return flows.Input{Data: d}
	}
	if name, ok := strings.CutPrefix(s, "/"); ok {
		name, args, _ := strings.Cut(name, " ")
		return flows.Input{Command: name, Args: args}
	}
	return flows.Input{Text: s}
}

// TestAuthzCommands: one row per role × command or question. A row with refuse names
// the refusal the reply must carry (and shows no plan data); a row with want names what
// the answer must show, and lacks what lies outside the person's scope. Every row but
// the admin's own actions leaves the database as it was; those are checked for exactly
// the change they make.
func TestAuthzCommands(t *testing.T) {
	c := newCast(t)
	w := c.w
	ctx := context.Background()
	invites := func() int { return count(t, w, `SELECT count(*) FROM invites`) }
	extensions := func(unit string) int {
		h, err := w.db.DeadlineExtensionHistory(ctx, w.e.Plan.ID, unit, nov)
		if err != nil {
			t.Fatal(err)
		}
		return len(h)
	}
	type change func(t *testing.T, before map[string]int)
	// counted is what an admin's action is allowed to change, and checked by.
	counted := func() map[string]int {
		return map[string]int{"invites": invites(), "hukou": extensions("hukou"), "pengze": extensions("pengze"),
			"boards": count(t, w, `SELECT count(*) FROM boards`)}
	}
	adds := func(what string) change {
		return func(t *testing.T, before map[string]int) {
			after := counted()
			for k := range before {
				if want := before[k] + map[bool]int{true: 1}[k == what]; after[k] != want {
					t.Errorf("%s: %d → %d, want %d", k, before[k], after[k], want)
				}
			}
		}
	}
	outsideChain := []string{"电子信息产业链链长办", "市金融办", "市文广新旅局"}
	tests := []struct {
		who    string
		in     string
		refuse string   // the refusal the reply carries
		want   []string // or what the answer shows
		lacks  []string
		change change // nil: the database is unchanged
	}{
		// A liaison: their own unit only, no leaders' questions in free text, no 红黄榜, no
		// admin commands; /export is their own unit's workbook.
		{who: whoLiaison, in: "/progress", want: []string{"【湖口县】2026年11月"}, lacks: []string{"【全市】", "彭泽县", "按单位"}},
		{who: whoLiaison, in: "/progress 全市", want: []string{"【湖口县】2026年10月"}, lacks: []string{"【全市】"}},
		{who: whoLiaison, in: "/progress 湖口县", want: []string{"【湖口县】2026年10月"}},
		{who: whoLiaison, in: "/progress 彭泽县", refuse: refOutOfScope},
		{who: whoLiaison, in: "/progress 石化化工", refuse: refOutOfScope},
		// An indicator the unit reports: its own value only, not the city's total.
		{who: whoLiaison, in: "/progress 规模以上工业企业户数", want: []string{"【规模以上工业企业户数】2026年10月", "湖口县："}, lacks: []string{"全市合计", "彭泽县", "按单位（"}},
		{who: whoLiaison, in: "/progress 任务4", refuse: refOutOfScope}, // 湖口县 does not report task 4
		{who: whoLiaison, in: "/progress 谁还没报", want: []string{"【谁还没报】", "范围：湖口县", "应报 1 个单位"}, lacks: []string{"彭泽县"}},
		{who: whoLiaison, in: "石化化工 progress", refuse: refHint},
		{who: whoLiaison, in: "湖口县怎么样", refuse: refHint},
		{who: whoLiaison, in: "谁还没报", refuse: refHint},
		{who: whoLiaison, in: "红黄榜", refuse: refHint},
		{who: whoLiaison, in: "/missing", want: []string{"【谁还没报】2026年11月", "范围：湖口县", "应报 1 个单位"}, lacks: []string{"彭泽县", "濂溪区"}},
		{who: whoLiaison, in: "/missing 2026-10", want: []string{"【谁还没报】2026年10月", "范围：湖口县", "应报 1 个单位"}, lacks: []string{"彭泽县"}},
		{who: whoLiaison, in: "/board", refuse: refBoardLiaison},
		{who: whoLiaison, in: "/board 2026-10", refuse: refBoardLiaison},
		{who: whoLiaison, in: "/export", want: []string{"[doc:progress-2026-11-hukou.xlsx]", "【湖口县】"}},
		{who: whoLiaison, in: "/export 2026-10 csv", want: []string{"[doc:tasks-2026-10-hukou.csv]"}},
		{who: whoLiaison, in: "/invite liaison 彭泽县", refuse: refInvite},
		{who: whoLiaison, in: "/invite admin", refuse: refInvite},
		{who: whoLiaison, in: "/extend 湖口县 3 受汛情影响", refuse: refAdminOnly},
		{who: whoLiaison, in: "/remind", refuse: refAdminOnly},
		{who: whoLiaison, in: "/remind 2026-12-02T09:00:00+08:00", refuse: refAdminOnly, lacks: []string{"联络员 · 截止前提醒"}},
		{who: whoLiaison, in: "/remind extend 湖口县 3 受汛情影响", refuse: refAdminOnly},
		{who: whoLiaison, in: "/remind group", refuse: refNotGroup},
		{who: whoLiaison, in: "data:" + flows.ReportButtonData, want: []string{"【湖口县】2026年11月的报告已提交"}}, // a reminder's button opens their own report

		// A chain chief: the chain, its units seen through the chain, nothing else.
		{who: whoChain, in: "/progress", want: []string{"【石化化工产业】2026年10月"}, lacks: outsideChain},
		{who: whoChain, in: "/progress 全市", want: []string{"【石化化工产业】2026年10月"}},
		{who: whoChain, in: "/progress 电子信息", refuse: refOutOfScope},
		{who: whoChain, in: "石化化工 progress", want: []string{"【石化化工产业】2026年10月"}, lacks: outsideChain},
		{who: whoChain, in: "电子信息进展", refuse: refOutOfScope},
		{who: whoChain, in: "新能源", refuse: refOutOfScope},
		{who: whoChain, in: "湖口县怎么样", want: []string{"【湖口县 · 石化化工产业】2026年10月"}, lacks: []string{"规模以上工业企业户数", "按指标"}},
		{who: whoChain, in: "电子信息产业链链长办", refuse: refOutOfScope},
		{who: whoChain, in: "市金融办", refuse: refOutOfScope},
		{who: whoChain, in: "任务3", refuse: refOutOfScope},
		{who: whoChain, in: "规模以上工业企业户数", refuse: refOutOfScope},
		{who: whoChain, in: "谁还没报", want: []string{"【谁还没报】2026年11月", "范围：石化化工产业", "应报 30 个单位"}, lacks: outsideChain},
		{who: whoChain, in: "/missing 2026-10", want: []string{"【谁还没报】2026年10月", "范围：石化化工产业"}, lacks: outsideChain},
		{who: whoChain, in: "/board", want: []string{"2026年10月红黄榜尚未发布"}, lacks: []string{"草稿", "✕", "红榜（"}},
		{who: whoChain, in: "红黄榜", want: []string{"2026年10月红黄榜尚未发布"}, lacks: []string{"草稿", "红榜（"}},
		{who: whoChain, in: "/export", want: []string{"[doc:progress-2026-11-petrochem.xlsx]", "【石化化工】"}},
		{who: whoChain, in: "/invite leader 石化化工", refuse: refInvite},
		{who: whoChain, in: "/invite admin", refuse: refInvite},
		{who: whoChain, in: "/extend 湖口县 3 受汛情影响", refuse: refAdminOnly},
		{who: whoChain, in: "/remind", refuse: refAdminOnly},
		{who: whoChain, in: "/remind extend 湖口县 3 受汛情影响", refuse: refAdminOnly},
		{who: whoChain, in: "/remind group", refuse: refNotGroup},
		{who: whoChain, in: "data:" + flows.ReportButtonData, refuse: refNotLiaison},

		// The chief of a chain of two units: neither counties nor other bureaus.
		{who: whoNarrow, in: "/progress", want: []string{"【文化旅游产业】2026年10月", "单位 2 个"}, lacks: []string{"湖口县", "石化化工"}},
		{who: whoNarrow, in: "湖口县怎么样", refuse: refOutOfScope},
		{who: whoNarrow, in: "石化化工", refuse: refOutOfScope},
		{who: whoNarrow, in: "/missing", want: []string{"范围：文化旅游产业", "应报 2 个单位"}, lacks: []string{"湖口县", "彭泽县"}},
		{who: whoNarrow, in: "/export", want: []string{"[doc:progress-2026-11-culture-tourism.xlsx]"}},

		// A county's leader (scope unit:hukou): the county only.
		{who: whoCounty, in: "/progress", want: []string{"【湖口县】2026年10月"}, lacks: []string{"【全市】"}},
		{who: whoCounty, in: "彭泽县怎么样", refuse: refOutOfScope},
		{who: whoCounty, in: "石化化工 progress", refuse: refOutOfScope},
		{who: whoCounty, in: "谁还没报", want: []string{"范围：湖口县", "应报 1 个单位"}, lacks: []string{"彭泽县"}},
		{who: whoCounty, in: "/board", want: []string{"尚未发布"}, lacks: []string{"草稿", "红榜（"}},
		{who: whoCounty, in: "/export", want: []string{"[doc:progress-2026-11-hukou.xlsx]"}},
		{who: whoCounty, in: "/invite liaison 湖口县", refuse: refInvite},
		{who: whoCounty, in: "/extend 湖口县 3 受汛情影响", refuse: refAdminOnly},
		{who: whoCounty, in: "/remind", refuse: refAdminOnly},
		{who: whoCounty, in: "data:" + flows.ReportButtonData, refuse: refNotLiaison},

		// A cluster's leader.
		{who: whoCluster, in: "/progress", want: []string{"锂电和光伏新能源先进制造业集群"}},
		{who: whoCluster, in: "新能源", want: []string{"【新能源产业】"}},
		{who: whoCluster, in: "石化化工", refuse: refOutOfScope},
		{who: whoCluster, in: "/export", want: []string{"-lithium-pv.xlsx]"}},
		{who: whoCluster, in: "/invite admin", refuse: refInvite},
		{who: whoCluster, in: "/remind extend 湖口县 3 受汛情影响", refuse: refAdminOnly},

		// Questions by intent (intent.go): each goes through Roller.Select like a name, so a
		// person sees what lags, needs coordination, ranks or changed within their scope.
		{who: whoLiaison, in: "哪些县滞后", lacks: []string{"有滞后事项的县", "彭泽县"}}, // a liaison's text is not a question
		{who: whoLiaison, in: "/progress 哪些县滞后", want: []string{"【湖口县】2026年10月", "滞后事项（"}, lacks: []string{"彭泽县", "【全市】"}},
		{who: whoLiaison, in: "/progress 湖口 vs 彭泽", refuse: refOutOfScope},
		{who: whoLiaison, in: "/progress 石化化工有什么需要协调", refuse: refOutOfScope},
		{who: whoChain, in: "哪些县滞后", want: []string{"【石化化工产业】2026年10月", "有滞后事项的县（市、区）（"}, lacks: outsideChain},
		{who: whoChain, in: "需协调事项有哪些", want: []string{"【石化化工产业】2026年10月", "需协调事项（"}, lacks: outsideChain},
		{who: whoChain, in: "排名前五的县", want: []string{"【石化化工产业】2026年10月", "县（市、区）排名前5"}, lacks: outsideChain},
		{who: whoChain, in: "本月新增滞后", want: []string{"【石化化工产业】2026年10月", "新增滞后"}, lacks: outsideChain},
		{who: whoChain, in: "比上月变化", want: []string{"【石化化工产业】2026年10月", "变差"}, lacks: outsideChain},
		{who: whoChain, in: "石化化工 10月 vs 11月", want: []string{"【石化化工产业】2026年11月", "与2026年10月相比"}, lacks: outsideChain},
		{who: whoChain, in: "湖口 vs 彭泽", want: []string{"【湖口县 对比 彭泽县】2026年10月"}, lacks: outsideChain},
		{who: whoChain, in: "电子信息哪些县滞后", refuse: refOutOfScope},
		{who: whoChain, in: "电子信息对比石化化工", refuse: refOutOfScope},
		{who: whoChain, in: "规上企业排名", refuse: refOutOfScope},
		{who: whoNarrow, in: "哪些县滞后", want: []string{"【文化旅游产业】2026年10月"}, lacks: []string{"湖口县", "彭泽县", "石化化工"}},
		{who: whoNarrow, in: "湖口 vs 彭泽", refuse: refOutOfScope},
		{who: whoCounty, in: "需协调事项有哪些", want: []string{"【湖口县】2026年10月"}, lacks: []string{"彭泽县"}},
		{who: whoCounty, in: "湖口 vs 彭泽", refuse: refOutOfScope},
		{who: whoCounty, in: "排名前五的县", want: []string{"【湖口县】2026年10月"}, lacks: []string{"彭泽县", "武宁县"}},
		{who: whoCluster, in: "哪些县滞后", want: []string{"锂电和光伏新能源先进制造业集群"}},
		{who: whoCluster, in: "石化化工 vs 电子信息", refuse: refOutOfScope},
		{who: whoCity, in: "哪些县滞后", want: []string{"【全市】2026年10月", "有滞后事项的县"}},
		{who: whoCity, in: "电子信息对比石化化工", want: []string{"【电子信息产业 对比 石化化工产业】"}},
		{who: whoCity, in: "规上企业排名", want: []string{"【规模以上工业企业户数】2026年10月", "单位排名"}},
		{who: whoAdmin, in: "本月新增滞后", want: []string{"【全市】2026年10月", "新增滞后"}},

		// A city leader sees everything, changes nothing.
		{who: whoCity, in: "/progress", want: []string{"【全市】2026年10月"}},
		{who: whoCity, in: "石化化工 progress", want: []string{"【石化化工产业】2026年10月"}},
		{who: whoCity, in: "湖口县怎么样", want: []string{"【湖口县】2026年10月"}},
		{who: whoCity, in: "谁还没报", want: []string{"【谁还没报】2026年11月"}, lacks: []string{"范围："}},
		{who: whoCity, in: "/board", want: []string{"2026年10月红黄榜尚未发布"}, lacks: []string{"草稿", "✕"}},
		{who: whoCity, in: "/export", want: []string{"[doc:progress-2026-11.xlsx]"}},
		{who: whoCity, in: "/invite liaison 彭泽县", refuse: refInvite},
		{who: whoCity, in: "/invite leader", refuse: refInvite},
		{who: whoCity, in: "/invite admin", refuse: refInvite},
		{who: whoCity, in: "/extend 湖口县 3 受汛情影响", refuse: refAdminOnly},
		{who: whoCity, in: "/remind", refuse: refAdminOnly},
		{who: whoCity, in: "/remind 2026-12-02T09:00:00+08:00", refuse: refAdminOnly, lacks: []string{"联络员 · 截止前提醒"}},
		{who: whoCity, in: "/remind extend 湖口县 3 受汛情影响", refuse: refAdminOnly},
		{who: whoCity, in: "/remind group", refuse: refNotGroup},
		{who: whoCity, in: "data:" + flows.ReportButtonData, refuse: refNotLiaison},

		// The admin: the controls that show the refused paths do change things when
		// allowed.
		{who: whoAdmin, in: "/progress", want: []string{"【全市】2026年10月"}},
		{who: whoAdmin, in: "data:" + flows.ReportButtonData, refuse: refNotLiaison},
		{who: whoAdmin, in: "/board", want: []string{"【红黄榜】2026年10月 · 草稿（待审核）", "[✕1]", "审核通过"}, change: adds("boards")},
		{who: whoAdmin, in: "/export", want: []string{"[doc:progress-2026-11.xlsx]"}},
		{who: whoAdmin, in: "/invite liaison 彭泽县", want: []string{"邀请码："}, change: adds("invites")},
		{who: whoAdmin, in: "/invite admin", want: []string{"邀请码："}, change: adds("invites")},
		{who: whoAdmin, in: "/remind 2026-12-02T09:00:00+08:00", want: []string{"2026-12-02 09:00"}},
		{who: whoAdmin, in: "/extend 湖口县 3 受汛情影响", want: []string{"已将【湖口县】2026年11月的截止时间延至"}, change: adds("hukou")},
		{who: whoAdmin, in: "/remind extend 彭泽县 2 受汛情影响", want: []string{"已将【彭泽县】2026年11月的截止时间延至"}, change: adds("pengze")},
		// The refusals of the admin commands come before any parsing: the same arguments
		// are refused to everyone else whatever they are.
		{who: whoChain, in: "/extend 彭泽县 2026-12-20 理由", refuse: refAdminOnly},
		{who: whoCity, in: "/invite liaison", refuse: refInvite},
	}
	for _, tt := range tests {
		t.Run(tt.who+" "+tt.in, func(t *testing.T) {
			p := c.people[tt.who]
			before, counts := dbState(t, w), counted()
			got := shown(p.do(input(tt.in)))
			if tt.refuse != "" {
				if !strings.Contains(got, tt.refuse) {
					t.Errorf("want the refusal %q, got:\n%s", tt.refuse, got)
				}
				for _, m := range contentMarkers {
					if strings.Contains(got, m) {
						t.Errorf("a refusal shows %q:\n%s", m, got)
					}
				}
			}
			for _, s := range tt.want {
				if !strings.Contains(got, s) {
					t.Errorf("lacks %q:\n%s", s, got)
				}
			}
			if tt.refuse == "" && containsAny(got, refusals...) {
				t.Errorf("refused:\n%s", got)
			}
			for _, s := range tt.lacks {
				if strings.Contains(got, s) {
					t.Errorf("shows %q:\n%s", s, got)
				}
			}
			after := dbState(t, w)
			if tt.change != nil {
				tt.change(t, counts)
			} else if after != before {
				t.Errorf("the database changed:\n%s", diffLines(before, after))
			}
		})
	}

	// /remind group: in a group chat a liaison is refused, and in any chat the
	// refusal registers nothing.
	before := dbState(t, w)
	const group = -100555
	if got := shown(c.people[whoLiaison].inChat(group, "remind", "group")); !strings.Contains(got, refGroupRole) {
		t.Errorf("a liaison registering a group: %s", got)
	}
	if got := shown(c.people[whoLiaison].inChat(group, "remind", "group off")); !strings.Contains(got, refGroupRole) {
		t.Errorf("a liaison unregistering a group: %s", got)
	}
	if after := dbState(t, w); after != before {
		t.Errorf("a liaison changed the groups:\n%s", diffLines(before, after))
	}
	// A chain chief's group gets the chief's scope, never more.
	c.people[whoChain].inChat(group, "remind", "group")
	gs, err := w.db.LeaderGroups(ctx, w.e.Plan.ID, false)
	if err != nil || len(gs) != 1 || gs[0].Scope != "chain:petrochem" {
		t.Errorf("the chain chief's group: %+v %v", gs, err)
	}
}

// TestAuthzBoardActions: only an admin removes (with a reason), approves and publishes
// a 红黄榜. Everyone else pressing the admin's buttons, or forging them, is told so and
// changes nothing; a reason typed by anyone else removes nothing; leaders see the
// published list within their scope only.
func TestAuthzBoardActions(t *testing.T) {
	c := newCast(t)
	w := c.w
	ctx := context.Background()
	a := c.people[whoAdmin]
	a.cmd("board", "")
	a.sees(t, "草稿（待审核）")
	draft, err := w.db.Board(ctx, w.e.Plan.ID, oct)
	if err != nil || len(draft.Listed(progressbot.RedList)) == 0 || len(draft.Listed(progressbot.YellowList)) == 0 {
		t.Fatalf("draft: %+v %v", draft, err)
	}
	red, yellow := draft.Listed(progressbot.RedList)[0].Unit, draft.Listed(progressbot.YellowList)[0].Unit
	adminButtons := buttonsOf(a)
	a.press("下一页")
	adminButtons = append(adminButtons, buttonsOf(a)...)
	forged := []string{"b:ok:2610", "b:pub:2610", "b:n:2610", "b:x:2610:r" + red, "b:x:2610:y" + yellow, "b:x:2610:r" + yellow, "b:ok:2609", "b:zz:2610"}
	acts := map[string]int{}
	others := []string{whoLiaison, whoCity, whoChain, whoNarrow, whoCounty, whoCluster}

	before := dbState(t, w)
	for _, who := range others {
		p := c.people[who]
		for _, d := range append(slices.Clone(adminButtons), forged...) {
			r := p.do(flows.Input{Data: d})
			got := shown(r)
			act := strings.Split(d, ":")[1]
			acts[act]++
			switch {
			case act == "v" && who == whoLiaison:
				if !strings.Contains(got, refBoardLiaison) {
					t.Errorf("%s pressed %s: %s", who, d, got)
				}
			case act == "v":
				// Paging the admin's draft shows a leader the published list: none yet.
				if !strings.Contains(got, "尚未发布") || containsAny(got, "草稿", "✕", "红榜（") {
					t.Errorf("%s pressed %s: %s", who, d, got)
				}
			default:
				if !strings.Contains(r.Toast, refBoardAdmin) || !strings.Contains(got, refBoardAdmin) || containsAny(got, "理由", "红榜（") {
					t.Errorf("%s pressed %s: %s", who, d, got)
				}
			}
		}
	}
	for _, act := range []string{"x", "ok", "v"} {
		if acts[act] == 0 {
			t.Errorf("no %q button pressed (the admin's screen: %v)", act, adminButtons)
		}
	}
	if after := dbState(t, w); after != before {
		t.Errorf("the admin's buttons changed the database in other hands:\n%s", diffLines(before, after))
	}

	// Approving a month that has no board (2026-09, closed; 2026-12, not yet) says so,
	// not "已发布过", and drafts nothing.
	before = dbState(t, w)
	for d, want := range map[string]string{"b:ok:2609": "2026年9月没有红黄榜", "b:ok:2612": "2026年12月没有红黄榜"} {
		r := a.do(flows.Input{Data: d})
		if !strings.Contains(r.Toast, want) || strings.Contains(shown(r), "已发布过") || containsAny(shown(r), "草稿", "红榜（") {
			t.Errorf("the admin pressed %s: %s", d, shown(r))
		}
	}
	if after := dbState(t, w); after != before {
		t.Errorf("approving a month without a board changed the database:\n%s", diffLines(before, after))
	}

	// The admin presses ✕1: the removal waits for a reason. Others typing a reason
	// remove nothing and do not take the admin's pending removal.
	a.cmd("board", "")
	a.press("✕1")
	a.sees(t, "请输入将【")
	pending := func() int { return count(t, w, `SELECT count(*) FROM board_pending WHERE telegram_id = ?`, a.id) }
	if pending() != 1 {
		t.Fatal("the removal does not wait for its reason")
	}
	before = dbState(t, w)
	for _, who := range others {
		got := shown(c.people[who].say("数据待核实"))
		if strings.Contains(got, "已将【") || strings.Contains(got, "移出") {
			t.Errorf("%s's text removed an entry: %s", who, got)
		}
	}
	if after := dbState(t, w); after != before {
		t.Errorf("others' reasons changed the database:\n%s", diffLines(before, after))
	}
	a.say("数据待核实") // the control: the admin's reason removes
	a.sees(t, "移出，理由：数据待核实", "已移除（1）")
	if pending() != 0 {
		t.Error("the pending removal was not taken")
	}
	a.press("审核通过")
	a.sees(t, "已审核（待发布）")

	// Approved, not published: nobody else can publish, nor remove.
	before = dbState(t, w)
	for _, who := range others {
		for _, d := range []string{"b:pub:2610", "b:x:2610:y" + yellow, "b:ok:2610"} {
			if r := c.people[who].do(flows.Input{Data: d}); !strings.Contains(r.Toast, refBoardAdmin) {
				t.Errorf("%s pressed %s: %s", who, d, shown(r))
			}
		}
		if got := shown(c.people[who].cmd("board", "2026-10")); strings.Contains(got, "红榜（") {
			t.Errorf("%s sees the unpublished board: %s", who, got)
		}
	}
	if after := dbState(t, w); after != before {
		t.Errorf("others changed the approved board:\n%s", diffLines(before, after))
	}
	if b, _ := w.db.Board(ctx, w.e.Plan.ID, oct); b.State != store.BoardApproved {
		t.Fatalf("board %s, want approved", b.State)
	}
	a.press("📢 发布")
	a.sees(t, "已发布2026年10月红黄榜")

	// Published: each leader sees the units of their scope only; a liaison nothing.
	pub, err := w.db.PublishedBoard(ctx, w.e.Plan.ID, oct)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		who   string
		scope progressbot.Subject
		want  string
	}{
		{whoCity, progressbot.PlanSubject, "【红黄榜】2026年10月"},
		{whoChain, progressbot.Subject{Kind: progressbot.SubjectChain, Key: "petrochem"}, "仅列出石化化工产业范围内的单位"},
		{whoNarrow, progressbot.Subject{Kind: progressbot.SubjectChain, Key: "culture-tourism"}, "仅列出文化旅游产业范围内的单位"},
		{whoCounty, progressbot.Subject{Kind: progressbot.SubjectUnit, Key: "hukou"}, "仅列出湖口县范围内的单位"},
		{whoCluster, progressbot.Subject{Kind: progressbot.SubjectCluster, Key: "lithium-pv"}, "仅列出锂电和光伏新能源先进制造业集群范围内的单位"},
	} {
		got := shown(c.people[tt.who].cmd("board", "2026-10"))
		if !strings.Contains(got, tt.want) || strings.Contains(got, "✕") || strings.Contains(got, "草稿") {
			t.Errorf("%s: %s", tt.who, got)
		}
		in, _ := scopeUnits(w, tt.scope)
		listed := 0
		for _, it := range pub.Entries {
			name := onList(w.e.Plan.Unit(it.Unit).Name)
			switch {
			case it.Removed:
				if strings.Contains(got, name+" — ") {
					t.Errorf("%s sees the removed %s", tt.who, name)
				}
			case in[it.Unit]:
				listed++
				if !strings.Contains(got, name+" — ") {
					t.Errorf("%s misses %s of their scope:\n%s", tt.who, name, got)
				}
			default:
				if strings.Contains(got, name+" — ") {
					t.Errorf("%s sees %s outside their scope:\n%s", tt.who, name, got)
				}
			}
		}
		if tt.who == whoCity && listed == 0 {
			t.Errorf("the city leader sees no entry:\n%s", got)
		}
	}
	if got := shown(c.people[whoLiaison].cmd("board", "2026-10")); !strings.Contains(got, refBoardLiaison) {
		t.Errorf("a liaison's /board: %s", got)
	}

	// Replayed after publishing: the admin's remove and publish change nothing.
	before = dbState(t, w)
	for _, d := range adminButtons {
		r := a.do(flows.Input{Data: d})
		if strings.HasPrefix(d, "b:x:") && !strings.Contains(r.Toast, "已发布过") {
			t.Errorf("the admin removed from a published board with %s: %s", d, shown(r))
		}
	}
	if r := a.do(flows.Input{Data: "b:pub:2610"}); !strings.Contains(r.Toast, "已发布过") {
		t.Errorf("published twice: %s", shown(r))
	}
	if after := dbState(t, w); after != before {
		t.Errorf("replayed buttons changed a published board:\n%s", diffLines(before, after))
	}
}

// clip12 is the part of a unit's name a line of a list shows: its first 12 characters.
func clip12(s string) string {
	r := []rune(s)
	if len(r) > 12 {
		r = r[:12]
	}
	return string(r)
}

// onList is a unit's name as a list line shows it, clipped with an ellipsis.
func onList(s string) string {
	if c := clip12(s); c != s {
		return c + "…"
	}
	return s
}

// scopeUnits is the set of units a scope covers in any month of the demo data, and the
// names (clipped as lists show them) of the units it does not, leaving out a name that
// is part of a covered unit's name.
func scopeUnits(w *world, scope progressbot.Subject) (in map[string]bool, outside []string) {
	w.t.Helper()
	p := w.e.Plan
	r := progressbot.NewRoller(p)
	in = map[string]bool{}
	for per := (progressbot.Period{Year: 2025, Month: 10}); !nov.Before(per); per = per.Next() {
		us, err := r.ScopeUnits(scope, per)
		if err != nil {
			w.t.Fatal(err)
		}
		for _, u := range us {
			in[u] = true
		}
	}
	if scope.Kind == progressbot.SubjectPlan {
		return in, nil
	}
	for _, u := range p.Units {
		if in[u.ID] {
			continue
		}
		name := clip12(u.Name)
		if !slices.ContainsFunc(p.Units, func(v *progressbot.Unit) bool { return in[v.ID] && strings.Contains(v.Name, name) }) {
			outside = append(outside, name)
		}
	}
	return in, outside
}

// presser is a person pressing buttons that were not theirs, and what their scope lets
// them see.
type presser struct {
	name  string
	p     *person
	scope progressbot.Subject
	file  string // what every file they are sent is named with: "-petrochem."
	in    map[string]bool
	out   []string
	// plain is the plan's own words that name units outside the scope: titles of
	// items that may be shown (重点工作12 names 共青城高新区). They are not data.
	plain []string
}

func newPresser(w *world, name string, p *person, scope progressbot.Subject, file string) presser {
	in, out := scopeUnits(w, scope)
	pr := presser{name: name, p: p, scope: scope, file: file, in: in, out: out}
	var titles []string
	for _, t := range w.e.Plan.Tasks {
		titles = append(titles, t.Title)
	}
	for _, wi := range w.e.Plan.WorkItems {
		titles = append(titles, wi.Work)
	}
	for _, in := range w.e.Plan.Indicators {
		titles = append(titles, in.Name)
	}
	for _, pj := range w.e.Plan.Projects {
		titles = append(titles, pj.Name)
	}
	for _, t := range titles {
		if containsAny(t, out...) {
			pr.plain = append(pr.plain, t)
		}
	}
	return pr
}

// mustRefuse: a q: button whose subject is the whole plan (to anyone with a narrower
// scope) or that names a unit outside the scope, as subject or parent.
func (pr presser) mustRefuse(plan *progressbot.Plan, d string) bool {
	parts := strings.Split(d, ":")
	if parts[0] != "q" || len(parts) < 5 || parts[1] == "m" || pr.scope.Kind == progressbot.SubjectPlan {
		return false
	}
	for i, code := range parts[4:] {
		if code == "" {
			continue
		}
		key := code[1:]
		if n, ok := strings.CutPrefix(key, "#"); ok && code[0] == 'u' {
			i, err := strconv.Atoi(n)
			if err != nil || i < 0 || i >= len(plan.Units) {
				continue
			}
			key = plan.Units[i].ID
		}
		switch {
		case code == "p" && i == 0:
			return true
		case code[0] == 'u' && plan.Unit(key) != nil && !pr.in[key]:
			return true
		}
	}
	return false
}

// press presses a button and checks the reply: a refusal (by its wording) showing no
// plan data and offering only the person's own scope, or an answer that names no unit
// outside the person's scope and sends only files of their scope. It returns whether
// the press was refused.
func (pr presser) press(t *testing.T, d string) bool {
	t.Helper()
	r := pr.p.do(flows.Input{Data: d})
	got := shown(r)
	refused := containsAny(got, refusals...)
	if refused {
		for _, m := range contentMarkers {
			if strings.Contains(got, m) {
				t.Errorf("%s pressed %q: a refusal shows %q:\n%s", pr.name, d, m, got)
			}
		}
		for _, m := range r.Messages {
			for _, row := range m.Keyboard {
				for _, b := range row {
					if b.Label != "查看我的范围" {
						t.Errorf("%s pressed %q: a refusal offers %q", pr.name, d, b.Label)
					}
				}
			}
		}
	} else {
		if len(r.Messages) == 0 {
			t.Errorf("%s pressed %q: no answer, toast %q", pr.name, d, r.Toast)
		}
		data := got
		for _, s := range pr.plain {
			data = strings.ReplaceAll(data, s, "")
		}
		for _, name := range pr.out {
			if strings.Contains(data, name) {
				t.Errorf("%s pressed %q: shown %s, outside their scope:\n%s", pr.name, d, name, got)
			}
		}
		for _, m := range r.Messages {
			// Evidence keeps the name it was sent with; its caption names its unit,
			// checked above with the text.
			if m.Document != nil && !strings.Contains(m.Document.Name, pr.file) && !strings.HasPrefix(d, "q:f:") {
				t.Errorf("%s pressed %q: sent %s", pr.name, d, m.Document.Name)
			}
		}
	}
	if !refused && pr.mustRefuse(pr.p.w.e.Plan, d) {
		t.Errorf("%s pressed %q: not refused:\n%s", pr.name, d, got)
	}
	return refused
}

// crawl collects the buttons a person is shown for some inputs and, breadth first, on
// the screens those buttons open (files are collected, not opened), up to limit.
func crawl(p *person, seeds []string, limit int) []string {
	seen := map[string]bool{}
	var out, queue []string
	add := func(r flows.Reply) {
		for _, d := range dataOf(r) {
			// The report flow's buttons (a liaison's /progress leads into it) are the
			// liaison's own session: report_security_test covers them.
			if d == flows.ReportButtonData || strings.HasPrefix(d, "r:") {
				continue
			}
			if !seen[d] && len(out) < limit {
				seen[d] = true
				out = append(out, d)
				queue = append(queue, d)
			}
		}
	}
	for _, s := range seeds {
		add(p.do(input(s)))
	}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if !strings.HasPrefix(d, "x:") {
			add(p.do(flows.Input{Data: d}))
		}
	}
	return out
}

// TestAuthzOthersButtons: the buttons the city leader, a chain chief and a liaison were
// shown (drill-downs, pages, months, /missing, the published 红黄榜, exports and charts),
// pressed by people of other scopes, are refused or show only what those people may
// see; and change nothing.
func TestAuthzOthersButtons(t *testing.T) {
	c := newCast(t)
	w := c.w
	a := c.people[whoAdmin]
	a.cmd("board", "")
	a.press("审核通过")
	a.press("📢 发布")
	a.sees(t, "已发布2026年10月红黄榜")

	questions := []string{"/progress", "石化化工", "电子信息", "文化旅游", "湖口县怎么样", "彭泽县", "市金融办", "任务3", "任务4", "规模以上工业企业户数",
		"芳烃二期", "谁还没报", "/missing 2026-10", "/board", "/board 2026-09", "/export", "/export csv", "电", "数字化转型"}
	cityButtons := crawl(c.people[whoCity], questions, 400)
	// The intent views' buttons (intent.go), and the screens they open.
	intents := []string{"哪些县滞后", "滞后的指标", "哪些单位滞后", "湖口县哪些任务滞后", "需协调事项有哪些", "排名前五的县", "规上企业排名",
		"小巨人排名后三", "湖口 vs 彭泽", "电子信息对比石化化工", "石化化工 10月 vs 11月", "本月新增滞后", "比上月变化"}
	intentButtons := crawl(c.people[whoCity], intents, 150)
	// A comparison of months has no button to itself on its screen (no month row).
	intentButtons = append(intentButtons, "q:M2610:2611:0:cpetrochem", "q:M2609:2610:0:uhukou", "q:M2609:2610:0:p")
	for _, prefix := range []string{"q:Lc:", "q:Li:", "q:Lu:", "q:Lt:", "q:C:", "q:Rct5:", "q:Rut0:", "q:Rub3:", "q:V:", "q:Wn:", "q:W:"} {
		if !slices.ContainsFunc(intentButtons, func(d string) bool { return strings.HasPrefix(d, prefix) }) {
			t.Errorf("no %s button collected from the intent views", prefix)
		}
	}
	cityButtons = append(cityButtons, intentButtons...)
	chainButtons := crawl(c.people[whoChain], questions, 150)
	li := c.people[whoLiaison]
	liaisonButtons := crawl(li, []string{"/progress", "/export", "/missing"}, 40)
	li.cmd("export", "")
	li.press("进度图") // a unit's charts: x:cp and x:ci
	liaisonButtons = append(liaisonButtons, buttonsOf(li)...)
	for _, tt := range []struct {
		from string
		bs   []string
		min  int
	}{{"city", cityButtons, 350}, {"chain", chainButtons, 100}, {"liaison", liaisonButtons, 8}} {
		if len(tt.bs) < tt.min {
			t.Fatalf("only %d buttons collected from the %s's screens", len(tt.bs), tt.from)
		}
	}
	for _, prefix := range []string{"q:r:", "q:u:", "q:t:", "q:i:", "q:m:", "q:f:", "b:v:", "x:f:", "x:cp:", "x:ci:"} {
		if !slices.ContainsFunc(slices.Concat(cityButtons, liaisonButtons), func(d string) bool { return strings.HasPrefix(d, prefix) }) {
			t.Errorf("no %s button collected", prefix)
		}
	}
	const electronics = "q:r:2610:0:celectronics"
	if !slices.Contains(cityButtons, electronics) {
		t.Fatalf("the city leader was not shown %s", electronics)
	}

	petrochem := progressbot.Subject{Kind: progressbot.SubjectChain, Key: "petrochem"}
	tests := []struct {
		pr          presser
		bs          []string
		mustRefuse  []string
		minRefused  int
		minAnswered int
	}{
		{newPresser(w, whoChain, c.people[whoChain], petrochem, "-petrochem."), cityButtons, []string{electronics}, 20, 20},
		{newPresser(w, whoNarrow, c.people[whoNarrow], progressbot.Subject{Kind: progressbot.SubjectChain, Key: "culture-tourism"}, "-culture-tourism."), slices.Concat(cityButtons, chainButtons, liaisonButtons), []string{electronics, "q:r:2610:0:cpetrochem"}, 100, 5},
		{newPresser(w, whoCounty, c.people[whoCounty], progressbot.Subject{Kind: progressbot.SubjectUnit, Key: "hukou"}, "-hukou."), slices.Concat(cityButtons, chainButtons), []string{electronics, "q:r:2610:0:cpetrochem"}, 50, 5},
		{newPresser(w, whoLiaison, li, progressbot.Subject{Kind: progressbot.SubjectUnit, Key: "hukou"}, "-hukou."), slices.Concat(cityButtons, chainButtons), []string{electronics, "q:r:2610:0:cpetrochem"}, 50, 5},
		{newPresser(w, "electronics chief", w.invited(store.RoleLeader, "", "chain:electronics", "zh-CN"), progressbot.Subject{Kind: progressbot.SubjectChain, Key: "electronics"}, "-electronics."), slices.Concat(chainButtons, liaisonButtons), []string{"q:r:2610:0:cpetrochem"}, 20, 1},
		{newPresser(w, "liaison 彭泽县", w.invited(store.RoleLiaison, "pengze", "", "zh-CN"), progressbot.Subject{Kind: progressbot.SubjectUnit, Key: "pengze"}, "-pengze."), liaisonButtons, nil, 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.pr.name, func(t *testing.T) {
			if len(tt.pr.out) == 0 {
				t.Fatalf("no unit outside %s", tt.pr.scope)
			}
			before := dbState(t, w)
			refused, answered, must := 0, 0, 0
			for _, d := range tt.bs {
				if tt.pr.mustRefuse(w.e.Plan, d) {
					must++
				}
				if tt.pr.press(t, d) {
					refused++
				} else {
					answered++
					if slices.Contains(tt.mustRefuse, d) {
						t.Errorf("%s answered", d)
					}
				}
			}
			t.Logf("%d buttons: %d refused (%d of them named something outside the scope), %d answered within the scope", len(tt.bs), refused, must, answered)
			if must == 0 {
				t.Error("no button named anything outside the scope")
			}
			if refused < tt.minRefused || answered < tt.minAnswered {
				t.Errorf("%d refused (want ≥ %d), %d answered (want ≥ %d): the matrix does not exercise both paths", refused, tt.minRefused, answered, tt.minAnswered)
			}
			if after := dbState(t, w); after != before {
				t.Errorf("pressing others' buttons changed the database:\n%s", diffLines(before, after))
			}
		})
	}

	// Truncated data: every prefix of a sample of the city leader's buttons, pressed by
	// the chain chief and the liaison, is refused or stays in scope.
	var sample []string
	for i, d := range cityButtons {
		if i%25 == 0 {
			sample = append(sample, d)
		}
	}
	for _, pr := range []presser{tests[0].pr, tests[3].pr} {
		before := dbState(t, w)
		for _, d := range sample {
			for n := 1; n < len(d); n++ {
				pr.press(t, d[:n])
			}
		}
		if after := dbState(t, w); after != before {
			t.Errorf("%s: truncated buttons changed the database:\n%s", pr.name, diffLines(before, after))
		}
	}
}

// TestAuthzForgedData: one row per forged callback data × role: changed ids,
// out-of-range numbers, other prefixes, truncated and 64-byte junk. Each is refused by
// its wording, shows no plan data, and changes nothing.
func TestAuthzForgedData(t *testing.T) {
	c := newCast(t)
	w := c.w
	c.people[whoAdmin].cmd("board", "") // a draft for 2026-10, for the b: rows to aim at
	draft, err := w.db.Board(context.Background(), w.e.Plan.ID, oct)
	if err != nil || len(draft.Listed(progressbot.RedList)) == 0 {
		t.Fatalf("draft: %+v %v", draft, err)
	}
	red := draft.Listed(progressbot.RedList)[0].Unit // a real entry, under a letter that is not its list's
	junk := []string{
		"q:" + strings.Repeat("9", 62),
		"b:" + strings.Repeat("x", 62),
		"x:" + strings.Repeat("#", 62),
		strings.Repeat(":", 64),
		"q:r:2610:0:u" + strings.Repeat("湖", 17) + "1", // 64 bytes of a unit that is not
		"x:ci:" + strings.Repeat("a", 30) + ":hukou:202611:" + strings.Repeat("9", 15),
		string([]byte{0xff, 0xfe, 'q', ':', 0x00, 0x80}) + strings.Repeat("\xc3", 58),
		"q:r:2610:0:p" + strings.Repeat(":t1", 17) + "x",
		strings.Repeat("q:r:2610:0:p", 20), // longer than Telegram allows
	}
	for _, j := range junk[:len(junk)-1] {
		if len(j) != 64 {
			t.Fatalf("junk %q is %d bytes", j, len(j))
		}
	}
	// want: the refusal for each role; "" in the map is everyone else.
	stale := map[string]string{"": refStale}
	board := map[string]string{"": refBoardAdmin, whoAdmin: refStale}
	type row struct {
		data string
		want map[string]string
	}
	rows := []row{
		{"q:", stale}, {"q", stale}, {"q:r", stale}, {"q:r:2610", stale}, {"q:r:2610:0", stale},
		{"q:r:2610:0:", stale},
		{"q:r:2613:0:p", stale}, {"q:r:2600:0:p:", stale}, {"q:r:261:0:p", stale}, {"q:r:abcd:0:p", stale},
		{"q:r:2610:-1:p", stale}, {"q:r:2610:1001:p", stale}, {"q:r:2610:x:p", stale},
		{"q:r:2610:0:c#999", stale}, {"q:r:2610:0:u#-1", stale}, {"q:r:2610:0:u#99999999999999999999", stale},
		{"q:r:2610:0:cnosuch", map[string]string{"": refUnknown}},
		{"q:r:2610:0:t999", map[string]string{"": refUnknown}},
		{"q:r:2610:0:zhukou", stale}, {"q:r:2610:0:pp", stale},
		{"q:r:2610:0:uhukou:x", stale}, {"q:r:2610:0:uhukou::", stale},
		{"q:r:2610:0:t1:cpetrochem:uhukou:t2", stale}, // deeper than a drill-down goes
		{"q:r:2610:0:celectronics", map[string]string{"": refOutShort, whoAdmin: "", whoCity: ""}},
		{"q:r:2610:0:uhukou:celectronics", map[string]string{"": refOutShort, whoAdmin: "", whoCity: ""}},
		{"q:u:2610:0:t3:cpetrochem", map[string]string{"": refOutShort}}, // 任务3 is not the chain's
		{"q:r:2610:0:uoffice-electronics:cpetrochem", map[string]string{"": refOutShort, whoAdmin: "", whoCity: ""}},
		{"q:zz:2610:0:p", map[string]string{"": refOutShort, whoAdmin: "", whoCity: ""}}, // an unknown view is the summary
		// Intent views: both sides of a comparison, and every view's subject, are checked.
		{"q:V:2610:0:uhukou", stale}, {"q:V:2610:0:uhukou:uhukou", stale},
		{"q:V:2610:0:uhukou:celectronics", map[string]string{"": refOutShort, whoAdmin: "", whoCity: ""}},
		{"q:V:2610:0:celectronics:uhukou", map[string]string{"": refOutShort, whoAdmin: "", whoCity: ""}},
		{"q:Lc:2610:0:p", map[string]string{"": refOutShort, whoAdmin: "", whoCity: ""}},
		{"q:Lc:2610:0:celectronics", map[string]string{"": refOutShort, whoAdmin: "", whoCity: ""}},
		{"q:C:2610:0:celectronics", map[string]string{"": refOutShort, whoAdmin: "", whoCity: ""}},
		{"q:Rct5:2610:0:celectronics", map[string]string{"": refOutShort, whoAdmin: "", whoCity: ""}},
		{"q:Rub3:2610:0:iabove-scale-enterprises", map[string]string{"": refOutShort, whoAdmin: "", whoCity: "", whoLiaison: "", whoCounty: ""}},
		{"q:M2609:2610:0:celectronics", map[string]string{"": refOutShort, whoAdmin: "", whoCity: ""}},
		{"q:Wn:2610:0:celectronics", map[string]string{"": refOutShort, whoAdmin: "", whoCity: ""}},
		{"q:W:2610:0:uhukou:celectronics", map[string]string{"": refOutShort, whoAdmin: "", whoCity: ""}},
		{"q:Lc:2610:0:cnosuch", map[string]string{"": refUnknown}},
		{"b:", stale}, {"b", stale}, {"b:x", stale}, {"b:v:abcd", stale}, {"b:v:2613", stale}, {"b:ok:26100", stale},
		{"b:ok:2612", map[string]string{"": refBoardAdmin, whoAdmin: "尚未截止"}},
		{"b:pub:2612", map[string]string{"": refBoardAdmin, whoAdmin: "尚未截止"}},
		{"b:zz:2610", board}, {"b:x:2610:", board}, {"b:x:2610:r", board}, {"b:x:2610:rnosuch", board},
		{"b:x:2610:r../../etc", board}, {"b:x:2610:q" + "hukou", board},
		{"b:x:2610:q" + red, board}, {"b:x:2610:R" + red, board}, {"b:x:2610:-" + red, board}, // only r and y name a list
		// 2026-09 is closed and has no board: the admin is told so (not "已发布过"), and
		// nothing is drafted.
		{"b:ok:2609", map[string]string{"": refBoardAdmin, whoAdmin: "2026年9月没有红黄榜"}},
		{"x:", stale}, {"x", stale}, {"x:f", stale}, {"x:f:2026-11", stale}, {"x:f:2026-11:z", stale},
		{"x:f:2099-01:x", stale}, {"x:f:2019-01:x", stale}, {"x:f:2026-13:x", stale}, {"x:f:2026-11:x:x", stale},
		{"x:cp:hukou:2026", stale}, {"x:cp:hukou:202613", stale}, {"x:cp:hukou", stale},
		{"x:cp:nosuch:202611", map[string]string{"": refChart}},
		{"x:cp::202611", map[string]string{"": refChart}},
		{"x:ci:#99999:hukou:202611", map[string]string{"": refChart}},
		{"x:ci:#-1:hukou:202611", map[string]string{"": refChart}},
		{"x:ci:nosuch:hukou:202611", map[string]string{"": refChart}},
		{"x:ci:above-scale-enterprises:nosuch:202611", map[string]string{"": refChart}},
		{"x:ci:above-scale-enterprises:hukou", stale},
		// Charts take the months an export takes: from the plan's issue (2023-09) to the
		// period being reported (2026-11).
		{"x:cp:hukou:209912", stale}, {"x:cp:hukou:202612", stale}, {"x:cp:hukou:202308", stale}, {"x:cp:hukou:190001", stale},
		{"x:ci:above-scale-enterprises:hukou:209912", stale}, {"x:ci:above-scale-enterprises:hukou:202612", stale},
		{"x:ci:above-scale-enterprises:hukou:202308", stale}, {"x:ci:#0:hukou:000001", stale},
		{"x:zz:1:2", stale},
		{"zz:1", stale}, {"Q:r:2610:0:p", stale}, {"rpx", stale}, {"rp:1", stale}, {"lang", stale},
	}
	for _, j := range junk {
		rows = append(rows, row{j, stale})
	}
	for _, who := range []string{whoLiaison, whoChain, whoCounty, whoCity, whoAdmin} {
		p := c.people[who]
		for _, tt := range rows {
			want, ok := tt.want[who]
			if !ok {
				want = tt.want[""]
			}
			before := dbState(t, w)
			r := p.do(flows.Input{Data: tt.data})
			got := shown(r)
			if want == "" { // the control: this data is a view within this person's scope
				if containsAny(got, refusals...) || len(r.Messages) == 0 {
					t.Errorf("%s, %q: refused: %s", who, tt.data, got)
				}
				continue
			}
			if !strings.Contains(got, want) || r.Toast == "" && len(r.Messages) == 0 {
				t.Errorf("%s, %q: want %q, got: %s", who, tt.data, want, got)
			}
			for _, m := range contentMarkers {
				if strings.Contains(got, m) {
					t.Errorf("%s, %q: shows %q: %s", who, tt.data, m, got)
				}
			}
			if after := dbState(t, w); after != before {
				t.Errorf("%s, %q: the database changed:\n%s", who, tt.data, diffLines(before, after))
			}
		}
	}
}

// TestAuthzReplayAfterRoleChange: buttons a person was shown, pressed again after their
// role or scope changed (a new invite redeemed) or their account was deactivated, are
// judged by what they are now.
func TestAuthzReplayAfterRoleChange(t *testing.T) {
	c := newCast(t)
	w := c.w
	ctx := context.Background()
	questions := []string{"/progress", "湖口县怎么样", "任务4", "谁还没报", "/export", "/board"}

	t.Run("chain chief moved to another chain", func(t *testing.T) {
		p := w.invited(store.RoleLeader, "", "chain:petrochem", "zh-CN")
		bs := crawl(p, questions, 80)
		const own = "q:r:2610:0:cpetrochem"
		if !slices.Contains(bs, own) {
			t.Fatalf("%s not among %v", own, bs)
		}
		if r := p.do(flows.Input{Data: own}); containsAny(shown(r), refusals...) {
			t.Fatalf("before the change %s is refused: %s", own, shown(r))
		}
		p.reinvite(store.RoleLeader, "", "chain:culture-tourism")
		p.sees(t, "文化旅游")
		pr := newPresser(w, "former 石化化工 chief", p, progressbot.Subject{Kind: progressbot.SubjectChain, Key: "culture-tourism"}, "-culture-tourism.")
		before := dbState(t, w)
		replayMostlyRefused(t, pr, bs, own)
		if after := dbState(t, w); after != before {
			t.Errorf("replays changed the database:\n%s", diffLines(before, after))
		}
	})

	t.Run("city leader made a liaison", func(t *testing.T) {
		p := w.invited(store.RoleLeader, "", "", "zh-CN")
		bs := crawl(p, questions, 80)
		p.reinvite(store.RoleLiaison, "pengze", "")
		p.sees(t, "彭泽县")
		pr := newPresser(w, "former city leader", p, progressbot.Subject{Kind: progressbot.SubjectUnit, Key: "pengze"}, "-pengze.")
		before := dbState(t, w)
		replayMostlyRefused(t, pr, bs, "")
		if got := shown(p.say("石化化工 progress")); !strings.Contains(got, refHint) {
			t.Errorf("a question from the former leader: %s", got)
		}
		if after := dbState(t, w); after != before {
			t.Errorf("replays changed the database:\n%s", diffLines(before, after))
		}
	})

	t.Run("admin made a leader with a removal waiting", func(t *testing.T) {
		p := w.invited(store.RoleAdmin, "", "", "zh-CN")
		p.cmd("board", "2026-09")
		p.sees(t, "【红黄榜】2026年9月 · 草稿（待审核）")
		bs := buttonsOf(p)
		p.press("✕1")
		p.sees(t, "请输入将【")
		p.reinvite(store.RoleLeader, "", "chain:petrochem")
		before := dbState(t, w)
		if got := shown(p.say("数据待核实")); strings.Contains(got, "移出") {
			t.Errorf("the former admin's reason removed an entry: %s", got)
		}
		pressed := 0
		for _, d := range bs {
			if strings.HasPrefix(d, "b:v:") {
				continue
			}
			pressed++
			if r := p.do(flows.Input{Data: d}); !strings.Contains(r.Toast, refBoardAdmin) {
				t.Errorf("replayed %s: %s", d, shown(r))
			}
		}
		if pressed < 3 {
			t.Errorf("only %d admin buttons replayed: %v", pressed, bs)
		}
		if after := dbState(t, w); after != before {
			t.Errorf("the former admin changed the database:\n%s", diffLines(before, after))
		}
		sep := progressbot.Period{Year: 2026, Month: 9}
		if b, err := w.db.Board(ctx, w.e.Plan.ID, sep); err != nil || b.State != store.BoardDraft || len(b.Entries) != len(b.Listed(progressbot.RedList))+len(b.Listed(progressbot.YellowList)) {
			t.Errorf("the September board: %+v %v", b.State, err)
		}
	})

	t.Run("deactivated", func(t *testing.T) {
		p := w.invited(store.RoleLeader, "", "", "zh-CN")
		bs := crawl(p, questions, 40)
		if err := w.db.SetActive(ctx, p.id, false); err != nil {
			t.Fatal(err)
		}
		before := dbState(t, w)
		for _, d := range bs {
			r := p.do(flows.Input{Data: d})
			if got := shown(r); !strings.Contains(got, refNeedInvite) || containsAny(got, contentMarkers...) {
				t.Errorf("a deactivated leader pressed %s: %s", d, got)
			}
		}
		for _, q := range []string{"/progress", "/missing", "/board", "/export", "湖口县怎么样", "/invite admin", "/extend 湖口县 3 理由"} {
			if got := shown(p.do(input(q))); !strings.Contains(got, refNeedInvite) {
				t.Errorf("a deactivated leader's %s: %s", q, got)
			}
		}
		if after := dbState(t, w); after != before {
			t.Errorf("a deactivated leader changed the database:\n%s", diffLines(before, after))
		}
	})
}

// replayMostlyRefused presses buttons kept from before a role change: at least half must
// be refused (the rest may be answered within the new scope), and mustRefuse always.
func replayMostlyRefused(t *testing.T, pr presser, bs []string, mustRefuse string) {
	t.Helper()
	refused := 0
	for _, d := range bs {
		if pr.press(t, d) {
			refused++
		} else if d == mustRefuse {
			t.Errorf("replayed %s answered", d)
		}
	}
	if refused < len(bs)/2 {
		t.Errorf("only %d of %d replayed buttons refused", refused, len(bs))
	}
}
