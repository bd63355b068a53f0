package flows_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/demo"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/store"
)

// demoWorld is a world with demo reports from October 2025 (so that the last December and
// the last quarter are there), seen on 26 November 2026: October is the last closed
// period, November is being reported.
func demoWorld(t *testing.T) *world {
	t.Helper()
	demoOnce.Do(func() {
		// Filling is the slow part of a demo world (minutes under the race detector, for
		// all the tests that want one); the data is the same every time (seed 1, the
		// same clock), so it is made once and each test gets a copy of the file.
		w := newWorld(t)
		from := progressbot.Period{Year: 2025, Month: 10}
		if _, demoErr = demo.Fill(context.Background(), w.db, w.e.Plan, demo.Options{Seed: 1, From: from, Now: w.now, Calendar: w.e.Calendar}); demoErr != nil {
			return
		}
		dir, err := os.MkdirTemp("", "flows-demo-")
		if demoErr = err; err != nil {
			return
		}
		demoTemplate = filepath.Join(dir, "demo.db")
		_, demoErr = w.db.Backup(context.Background(), demoTemplate)
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return newWorldFrom(t, demoTemplate)
}

var (
	demoOnce     sync.Once
	demoTemplate string
	demoErr      error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if demoTemplate != "" {
		os.RemoveAll(filepath.Dir(demoTemplate))
	}
	os.Exit(code)
}

// pages is the text of every page of a paged list, pressing the next-page button.
func (p *person) pages(next string) string {
	var b strings.Builder
	for i := 0; i < 20; i++ {
		b.WriteString(p.screen() + "\n")
		if _, ok := p.button(next); !ok {
			break
		}
		p.press(next)
	}
	return b.String()
}

// lacks fails when the screen shows any of the texts.
func (p *person) lacks(t *testing.T, texts ...string) {
	t.Helper()
	s := p.screen()
	for _, x := range texts {
		if strings.Contains(s, x) {
			t.Errorf("screen shows %q:\n%s", x, s)
		}
	}
}

func TestLeaderQuestions(t *testing.T) {
	w := demoWorld(t)
	zh := w.invited(store.RoleLeader, "", "", "zh-CN")
	en := w.invited(store.RoleLeader, "", "", "en")
	tests := []struct {
		who  *person
		ask  string
		cmd  bool
		want []string
	}{
		{zh, "石化化工进展", false, []string{"【石化化工产业】2026年10月", "填报", "超前", "严重滞后", "未报", "单位", "按时", "需关注", "需协调", "[按单位]", "[按任务]"}},
		{zh, "石化化工", true, []string{"【石化化工产业】2026年10月"}},
		{zh, "石化化攻", false, []string{"【石化化工产业】"}},
		{zh, "石化化工 2026-09", false, []string{"【石化化工产业】2026年9月"}},
		{zh, "湖口县怎么样", false, []string{"【湖口县】2026年10月", "本期报送：", "填报", "[按指标]"}},
		{zh, "规模以上工业企业户数", false, []string{"【规模以上工业企业户数】", "全市合计：", "户，应达", "全市2026年目标："}},
		{zh, "任务6", false, []string{"【任务6 持续扩大有效投资】2026年10月", "单位"}},
		{zh, "芳烃二期", false, []string{"【石化芳烃二期】", "九江经开区："}},
		{zh, "全市", false, []string{"【全市】2026年10月", "[按单位]", "[按指标]"}},
		{zh, "", true, []string{"【全市】2026年10月"}},
		{en, "petrochemical progress", false, []string{"Petrochemicals — October 2026", "items: ahead", "units: on time", "[By unit]"}},
		{en, "Hukou county", false, []string{"Hukou County — October 2026", "Report this period:"}},
		{en, "task 6", false, []string{"Task 6", "October 2026"}},
		{en, "above-scale industrial enterprises", false, []string{"City total: ", "expected", "City target 2026:"}},
	}
	for _, tt := range tests {
		name := tt.ask
		if tt.cmd {
			name = "/progress " + name
		}
		t.Run(name, func(t *testing.T) {
			if tt.cmd {
				tt.who.cmd("progress", tt.ask)
			} else {
				tt.who.say(tt.ask)
			}
			tt.who.sees(t, tt.want...)
			if n := len([]rune(tt.who.text())); n > 1500 {
				t.Errorf("a wall of text: %d characters", n)
			}
			for _, m := range tt.who.last.Messages {
				for _, row := range m.Keyboard {
					for _, b := range row {
						if len(b.Data) > 64 {
							t.Errorf("callback data %q is %d bytes", b.Data, len(b.Data))
						}
					}
				}
			}
		})
	}
}

func TestLeaderNoMatchAndAmbiguous(t *testing.T) {
	w := demoWorld(t)
	l := w.invited(store.RoleLeader, "", "", "zh-CN")
	l.say("天气怎么样")
	l.sees(t, "没有找到“天气怎么样”", "可以这样问")
	l.say("电")
	l.sees(t, "没有找到", "您是不是要找", "电子信息")
	l.press("电子信息")
	l.sees(t, "【电子信息产业】2026年10月")

	l.say("数字化转型")
	l.sees(t, "可能指以下几项，请选择")
	if n := len(l.last.Messages[0].Keyboard); n < 2 {
		t.Fatalf("%d options", n)
	}
	l.press("任务 任务11")
	l.sees(t, "【任务11 深入推进制造业数字化转型】2026年10月")

	en := w.invited(store.RoleLeader, "", "", "en")
	en.say("cluster")
	en.sees(t, "could mean several things")
	en.press("Cluster")
	en.sees(t, "October 2026", "items:")
}

func TestLeaderDrillDownAndBack(t *testing.T) {
	w := demoWorld(t)
	l := w.invited(store.RoleLeader, "", "", "zh-CN")
	l.say("石化化工")
	l.press("按单位")
	l.sees(t, "按单位（", "1. ", "[1]", "[↩ 返回]")
	if !l.last.Messages[0].Edit {
		t.Error("a drill-down replaces the message")
	}
	first := strings.SplitN(strings.SplitN(l.text(), "\n1. ", 2)[1], "：", 2)[0] // "🔴 市工信局"
	unitName := first[strings.Index(first, " ")+1:]
	l.press("下一页")
	l.sees(t, "第 2/")
	l.press("上一页")
	l.press("1")
	l.sees(t, "【"+unitName+" · 石化化工产业】", "[↩ 返回石化化工产业]")
	l.press("按任务")
	l.sees(t, "按任务（")
	l.press("1")
	l.sees(t, "· "+unitName+" · 石化化工产业】", "[↩ 返回"+unitName+"]")
	l.press("返回")
	l.sees(t, "【"+unitName+" · 石化化工产业】")
	l.press("返回石化化工产业")
	l.sees(t, "【石化化工产业】2026年10月", "需关注")

	l.press("按任务")
	l.press("1")
	l.sees(t, "· 石化化工产业】", "[按单位]")
	l.press("按单位")
	l.sees(t, "本期工作：") // each unit's status and words
	l.press("返回")
	l.press("返回石化化工产业")

	l.press("需关注")
	l.sees(t, "需关注（")
	l.press("返回")
	l.press("需协调")
	l.sees(t, "需协调（")
	l.press("返回")
	l.press("‹ 2026年9月")
	l.sees(t, "【石化化工产业】2026年9月")
	l.press("2026年10月 ›")
	l.press("2026年11月 ›")
	l.sees(t, "【石化化工产业】2026年11月", "本期填报中")

	// Indicators by county, ranked, in English.
	en := w.invited(store.RoleLeader, "", "", "en")
	en.say("Hukou")
	en.press("By indicator")
	en.sees(t, "By indicator (", "expected")
	en.press("1")
	en.sees(t, "· Hukou County —", "Back to Hukou County")
}

func TestMissing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	hukou := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	pengze := w.invited(store.RoleLiaison, "pengze", "", "zh-CN")
	// 湖口县 submits, 彭泽县 answers one item.
	hukou.cmd("report", "")
	hukou.press("核对全部")
	hukou.press("提交")
	hukou.press("仍然提交")
	pengze.cmd("report", "")
	pengze.press("开始填报")
	pengze.say("12")

	l := w.invited(store.RoleLeader, "", "", "zh-CN")
	l.cmd("missing", "")
	l.sees(t, "【谁还没报】2026年11月", "12月5日 18:00 截止", "还有 10 天", "未开始填报", "下一页")
	all := l.pages("下一页")
	if !strings.Contains(all, "彭泽县 · 已填 1/") || strings.Contains(all, "湖口县") {
		t.Errorf("missing lists:\n%s", all)
	}
	l.say("谁还没报")
	l.sees(t, "【谁还没报】2026年11月")
	l.press("下一页")
	l.sees(t, "第 2/")

	// After the deadline: how late.
	w.setNow(time.Date(2026, 12, 8, 9, 0, 0, 0, shanghai))
	l.cmd("missing", "")
	l.sees(t, "已逾期 3 天")

	// A chain chief sees the chain's units only.
	chief := w.invited(store.RoleLeader, "", "chain:petrochem", "zh-CN")
	chief.cmd("missing", "")
	chief.sees(t, "范围：石化化工产业")
	if all := chief.pages("下一页"); !strings.Contains(all, "石化化工产业链链长办") || strings.Contains(all, "电子信息产业链链长办") {
		t.Errorf("the chain's missing units:\n%s", all)
	}

	// Everyone submitted: said so.
	units, _ := w.e.Plan.Reporters(), 0
	for _, u := range units {
		if _, err := w.db.Submit(ctx, w.e.Plan.ID, u, progressbot.Period{Year: 2026, Month: 11}, store.Who{}); err != nil {
			t.Fatal(err)
		}
	}
	l.cmd("missing", "")
	l.sees(t, "全部已提交")

	en := w.invited(store.RoleLeader, "", "", "en")
	en.cmd("missing", "2026-10")
	en.sees(t, "Who hasn't reported — October 2026", "days overdue", "not started")
}

func TestBoardReviewAndPublish(t *testing.T) {
	w := demoWorld(t)
	ctx := context.Background()
	oct := progressbot.Period{Year: 2026, Month: 10}
	admin := w.invited(store.RoleAdmin, "", "", "zh-CN")
	leader := w.invited(store.RoleLeader, "", "", "zh-CN")

	// Before anything is published leaders see nothing.
	leader.cmd("board", "")
	leader.sees(t, "2026年10月红黄榜尚未发布")

	admin.cmd("board", "")
	admin.sees(t, "【红黄榜】2026年10月 · 草稿（待审核）", "红榜（", "[✕1]", "审核通过")
	if all := admin.pages("下一页"); !strings.Contains(all, "黄榜（") || !strings.Contains(all, "未报送（逾期") {
		t.Errorf("board pages:\n%s", all)
	}
	admin.cmd("board", "")
	b, err := w.db.Board(ctx, w.e.Plan.ID, oct)
	if err != nil || len(b.Listed(progressbot.RedList)) == 0 || len(b.Listed(progressbot.YellowList)) == 0 {
		t.Fatalf("draft: %+v %v", b, err)
	}
	first := b.Listed(progressbot.RedList)[0]
	firstName := w.e.Plan.Unit(first.Unit).Name

	// Remove the first entry, the reason typed after pressing ✕1.
	admin.press("✕1")
	admin.sees(t, "请输入将【"+firstName+"】移出红榜的理由")
	admin.say("数据待核实")
	admin.sees(t, "已将【"+firstName+"】移出，理由：数据待核实", "已移除（1）")

	// A removal waits for its reason half an hour at most, and not past another button.
	admin.press("✕1")
	w.setNow(w.now.Add(31 * time.Minute))
	admin.say("湖口县")
	admin.sees(t, "【湖口县】2026年10月")
	w.setNow(time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai))
	admin.cmd("board", "")
	admin.press("✕1")
	admin.press("取消")
	admin.say("湖口县")
	admin.sees(t, "【湖口县】2026年10月")
	admin.cmd("board", "")

	// /cancel drops a removal waiting for its reason: what follows is a question.
	admin.press("✕1")
	admin.cmd("cancel", "")
	admin.say("石化化工")
	admin.sees(t, "【石化化工产业】2026年10月")
	if b, _ := w.db.Board(ctx, w.e.Plan.ID, oct); len(b.Entries)-len(b.Listed(progressbot.RedList))-len(b.Listed(progressbot.YellowList)) != 1 {
		t.Error("a cancelled removal removed something")
	}

	// A leader cannot act on the board, even with a forged button.
	leader.do(flows.Input{Data: "b:ok:2610"})
	leader.sees(t, "只有管理员")
	leader.do(flows.Input{Data: "b:pub:2610"})
	if b, _ := w.db.Board(ctx, w.e.Plan.ID, oct); b.State != store.BoardDraft {
		t.Errorf("a leader changed the board: %s", b.State)
	}

	admin.cmd("board", "")
	publishBefore, hasPublish := admin.button("发布")
	if hasPublish && !strings.Contains(publishBefore.Label, "审核") {
		t.Error("publish offered before approval")
	}
	admin.press("审核通过")
	admin.sees(t, "已审核（待发布）", "📢 发布")
	pub, _ := admin.button("📢 发布")
	admin.press("📢 发布")
	admin.sees(t, "已发布2026年10月红黄榜", "将推送给各位领导")
	// Publishing again does nothing.
	r := admin.do(flows.Input{Data: pub.Data})
	if !strings.Contains(r.Toast, "已发布过") {
		t.Errorf("second publish: %+v", r)
	}
	pb, err := w.db.PublishedBoard(ctx, w.e.Plan.ID, oct)
	if err != nil || pb.State != store.BoardPublished {
		t.Fatalf("published: %+v %v", pb, err)
	}
	if e, ok := pb.Entry(progressbot.RedList, first.Unit); !ok || !e.Removed || e.RemovedReason != "数据待核实" {
		t.Errorf("removed entry kept with its reason: %+v", e)
	}
	// Too late to remove anything now.
	admin.do(flows.Input{Data: "b:x:2610:y" + pb.Listed(progressbot.YellowList)[0].Unit})
	if pb2, _ := w.db.PublishedBoard(ctx, w.e.Plan.ID, oct); len(pb2.Listed(progressbot.YellowList)) != len(pb.Listed(progressbot.YellowList)) {
		t.Error("an entry was removed from a published board")
	}

	// Leaders see the published lists, without the removed entry.
	leader.cmd("board", "")
	leader.sees(t, "【红黄榜】2026年10月", "红榜（", "黄榜（", "发布时间")
	leader.lacks(t, firstName+" — ", "✕", "审核")
	leader.say("红黄榜")
	leader.sees(t, "【红黄榜】2026年10月")
	leader.cmd("board", "2026-09")
	leader.sees(t, "2026年9月红黄榜尚未发布", "已发布的红黄榜", "[2026年10月]")
	leader.press("2026年10月")
	leader.sees(t, "【红黄榜】2026年10月")

	// A chain chief sees the chain's units only.
	chief := w.invited(store.RoleLeader, "", "chain:petrochem", "zh-CN")
	chief.cmd("board", "2026-10")
	chief.sees(t, "仅列出石化化工产业范围内的单位")
	chief.lacks(t, "电子信息产业链链长办")

	// The open period has no board yet.
	admin.cmd("board", "2026-11")
	admin.sees(t, "2026年11月尚未截止")
	// A liaison has no board.
	li := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	li.cmd("board", "")
	li.sees(t, "红黄榜供领导查看")

	en := w.invited(store.RoleLeader, "", "", "en")
	en.cmd("board", "2026-10")
	en.sees(t, "Honour and warning lists", "Honour roll", "Warning list")
}

// TestScope is who sees what, through the conversation: one row per person and question.
func TestScope(t *testing.T) {
	w := demoWorld(t)
	admin := w.invited(store.RoleAdmin, "", "", "zh-CN")
	city := w.invited(store.RoleLeader, "", "", "zh-CN")
	chief := w.invited(store.RoleLeader, "", "chain:petrochem", "zh-CN")
	cluster := w.invited(store.RoleLeader, "", "cluster:lithium-pv", "zh-CN")
	county := w.invited(store.RoleLeader, "hukou", "", "zh-CN")
	liaison := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	const refused = "不在您的查询范围内"
	tests := []struct {
		who  string
		p    *person
		ask  string // text, or "/progress …"
		want string // a text the answer has; refused for a refusal
	}{
		{"admin", admin, "电子信息", "【电子信息产业】"},
		{"admin", admin, "/progress", "【全市】"},
		{"city leader", city, "湖口县", "【湖口县】"},
		{"city leader", city, "/progress", "【全市】"},
		{"chain chief", chief, "石化化工", "【石化化工产业】"},
		{"chain chief", chief, "/progress", "【石化化工产业】"},
		{"chain chief", chief, "全市", "【石化化工产业】"},
		{"chain chief", chief, "电子信息", refused},
		{"chain chief", chief, "新能源", refused},
		{"chain chief", chief, "任务8", "【任务8 夯实产业创新载体】"},
		{"chain chief", chief, "任务3", refused},
		{"chain chief", chief, "规模以上工业企业户数", refused},
		{"chain chief: a unit of the chain, its items only", chief, "湖口县", "【湖口县 · 石化化工产业】"},
		{"chain chief", chief, "电子信息产业链链长办", refused},
		{"cluster leader", cluster, "新能源", "【新能源产业】"},
		{"cluster leader", cluster, "石化化工", refused},
		{"county leader", county, "湖口县", "【湖口县】"},
		{"county leader", county, "/progress", "【湖口县】"},
		{"county leader", county, "彭泽县", refused},
		{"county leader", county, "石化化工", refused},
		{"liaison", liaison, "/progress", "【湖口县】"},
		{"liaison", liaison, "/progress 湖口", "【湖口县】"},
		{"liaison", liaison, "/progress 彭泽县", refused},
		{"liaison", liaison, "/progress 石化化工", refused},
	}
	for _, tt := range tests {
		t.Run(tt.who+" "+tt.ask, func(t *testing.T) {
			if q, ok := strings.CutPrefix(tt.ask, "/progress"); ok {
				tt.p.cmd("progress", strings.TrimSpace(q))
			} else {
				tt.p.say(tt.ask)
			}
			tt.p.sees(t, tt.want)
			if tt.want != refused {
				tt.p.lacks(t, refused)
			}
		})
	}
	// A chain chief's view of a unit shows the chain's items only.
	chief.say("湖口县")
	chief.lacks(t, "按指标", "规模以上工业企业户数")
	chief.press("按任务")
	if all := chief.pages("下一页"); strings.Contains(all, "任务3 ") || !strings.Contains(all, "任务1 ") {
		t.Errorf("湖口县 seen by the 石化化工 chief:\n%s", all)
	}

	// Forged buttons: another chain, a drill-down into another chain's task, a unit of
	// another chain under the chief's own chain.
	for _, data := range []string{"q:r:2610:0:celectronics", "q:u:2610:0:t3:cpetrochem", "q:r:2610:0:uoffice-electronics", "q:r:2610:0:p", "q:i:2610:0:i#12"} {
		r := chief.do(flows.Input{Data: data})
		if !strings.Contains(r.Toast, "不在查询范围内") {
			t.Errorf("forged %s: %+v", data, r)
		}
	}
	// Garbage and an unbound stranger.
	if r := chief.do(flows.Input{Data: "q:zz"}); r.Toast == "" || len(r.Messages) > 0 {
		t.Errorf("garbage button: %+v", r)
	}
	stranger := w.person("zh-CN")
	stranger.cmd("progress", "石化化工")
	stranger.sees(t, "邀请")
	stranger.lacks(t, "石化化工产业")
	stranger.say("石化化工")
	stranger.lacks(t, "石化化工产业")
	stranger.do(flows.Input{Data: "q:r:2610:0:cpetrochem"})
	stranger.lacks(t, "石化化工产业")
}

// TestCallbackData: every button of every screen of every chain and indicator is under
// Telegram's 64 bytes and answers when pressed.
func TestCallbackData(t *testing.T) {
	w := demoWorld(t)
	p := w.e.Plan
	admin := w.invited(store.RoleAdmin, "", "", "en")
	var names []string
	for _, c := range p.Chains {
		names = append(names, c.Name)
	}
	for _, in := range p.Indicators {
		names = append(names, in.Name)
	}
	for _, pr := range p.Projects {
		names = append(names, pr.Name)
	}
	pressed := 0
	for _, name := range names {
		admin.cmd("progress", name)
		screen := admin.last
		for _, m := range screen.Messages {
			for _, row := range m.Keyboard {
				for _, b := range row {
					if len(b.Data) > 64 {
						t.Errorf("%s: button %q is %d bytes", name, b.Data, len(b.Data))
					}
					r := admin.do(flows.Input{Data: b.Data})
					pressed++
					if len(r.Messages) == 0 || strings.Contains(r.Toast, "outside") {
						t.Errorf("%s: button %q: %+v", name, b.Data, r)
					}
					// One level deeper: the lists' numbered buttons.
					for _, m2 := range r.Messages {
						for _, row2 := range m2.Keyboard {
							for _, b2 := range row2 {
								if len(b2.Data) > 64 {
									t.Errorf("%s: button %q is %d bytes", name, b2.Data, len(b2.Data))
								}
							}
						}
					}
				}
			}
		}
	}
	if pressed < 100 {
		t.Errorf("only %d buttons pressed", pressed)
	}
}
