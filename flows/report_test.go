package flows_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

var nov = progressbot.Period{Year: 2026, Month: 11}

func TestWholeReport(t *testing.T) {
	tests := []struct {
		lang, unit string
		zh         bool
		want       []string
	}{
		{"zh-CN", "hukou", true, []string{"提交成功", "湖口县", "2026年11月"}},
		{"en", "kjj", false, []string{"Submitted", "Science & Tech. Bureau", "November 2026"}},
		{"zh-CN", "gxj", true, []string{"提交成功", "市工信局"}},
	}
	for _, tt := range tests {
		t.Run(tt.unit+"/"+tt.lang, func(t *testing.T) {
			w := newWorld(t)
			li := w.invited(store.RoleLiaison, tt.unit, "", tt.lang)
			li.cmd("report", "")
			due := w.e.Plan.Due(tt.unit, nov)
			li.sees(t, fmt.Sprint(len(due)/len(due)))
			if tt.zh {
				li.press("开始填报")
			} else {
				li.press("Start")
			}
			kinds := map[progressbot.ItemKind]bool{}
			for i := 0; i < len(due)+1; i++ {
				if !li.answerCurrent(t, tt.zh) {
					break
				}
				kinds[due[i].Kind] = true
			}
			if tt.zh {
				li.press("提交")
				li.press("确认提交")
			} else {
				li.press("Submit")
				li.press("Confirm submit")
			}
			li.sees(t, tt.want...)
			li.sees(t, fmt.Sprint(len(due)))
			r, err := w.db.Report(context.Background(), w.e.Plan.ID, tt.unit, nov)
			if err != nil {
				t.Fatal(err)
			}
			if r.State != progressbot.ReportSubmitted || len(r.Answers) != len(due) {
				t.Errorf("report: state %s, %d answers for %d due", r.State, len(r.Answers), len(due))
			}
			for _, a := range r.Answers {
				if a.Skipped {
					t.Errorf("%s skipped although answered", a.Item)
				}
			}
		})
	}
}

// walkTo opens the report and moves to the first item of kind k.
func walkTo(t *testing.T, w *world, li *person, unit string, k progressbot.ItemKind) int {
	t.Helper()
	li.cmd("report", "")
	li.press("开始填报")
	due := w.e.Plan.Due(unit, nov)
	for i, ref := range due {
		if ref.Kind == k {
			return i
		}
		li.press("跳过")
	}
	t.Fatalf("%s owes no %s in %s", unit, k, nov)
	return -1
}

func TestIndicatorAnswers(t *testing.T) {
	// 九江经开区 owes monthly indicators; each row types one answer at the first one.
	tests := []struct {
		name      string
		input     string
		wantText  []string
		wantSaved *float64
		confirm   bool
	}{
		{"plain number", "275", []string{"已保存"}, ptr(275), false},
		{"full-width digits", "２７５", nil, ptr(275), false},
		{"not a number", "很多", []string{"没有识别出数字"}, nil, false},
		{"a range", "200-300", []string{"只填一个数值"}, nil, false},
		{"no figure", "无", []string{"跳过"}, nil, false},
		{"wrong unit", "12%", []string{"不一致"}, nil, false},
		{"negative asks to confirm", "-5", []string{"负数", "确认"}, nil, true},
		{"far above target asks to confirm", "99999亿", []string{"远高于全年目标"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			li := w.invited(store.RoleLiaison, "jjetdz", "", "zh-CN")
			pos := walkTo(t, w, li, "jjetdz", progressbot.ItemIndicator)
			ref := w.e.Plan.Due("jjetdz", nov)[pos]
			li.say(tt.input)
			li.sees(t, tt.wantText...)
			r, _ := w.db.Report(context.Background(), w.e.Plan.ID, "jjetdz", nov)
			a, ok := r.Answers[ref]
			if tt.wantSaved != nil && (!ok || a.Value == nil || *a.Value != *tt.wantSaved || a.Raw != tt.input) {
				t.Errorf("saved %+v, want %v typed as %q", a, *tt.wantSaved, tt.input)
			}
			if tt.wantSaved == nil && ok {
				t.Errorf("saved %+v for %q", a, tt.input)
			}
			if tt.confirm {
				li.press("确认")
				r, _ = w.db.Report(context.Background(), w.e.Plan.ID, "jjetdz", nov)
				if a, ok := r.Answers[ref]; !ok || a.Raw != tt.input {
					t.Errorf("confirmed value not saved: %+v", a)
				}
			}
		})
	}
}

func ptr(v float64) *float64 { return &v }

func TestSameAsLastAndFarFromLast(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	li := w.invited(store.RoleLiaison, "jjetdz", "", "zh-CN")
	due := w.e.Plan.Due("jjetdz", nov)
	var ref progressbot.ItemRef
	for _, r := range due {
		if r.Kind == progressbot.ItemIndicator {
			ref = r
			break
		}
	}
	v := 260.0
	if _, err := w.db.SaveAnswer(ctx, w.e.Plan.ID, progressbot.Answer{Unit: "jjetdz", Period: nov.Prev(), Item: ref, Value: &v, Raw: "260"}); err != nil {
		t.Fatal(err)
	}
	walkTo(t, w, li, "jjetdz", progressbot.ItemIndicator)
	li.sees(t, "上次填报（2026年10月）：260")
	li.say("600")
	li.sees(t, "相差较大")
	li.press("重新输入")
	li.press("同上月")
	r, _ := w.db.Report(ctx, w.e.Plan.ID, "jjetdz", nov)
	if a := r.Answers[ref]; a.Value == nil || *a.Value != 260 {
		t.Errorf("同上月 saved %+v", a)
	}
}

func TestNavigation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	li := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	pos := walkTo(t, w, li, "hukou", progressbot.ItemTask)
	due := w.e.Plan.Due("hukou", nov)
	task := due[pos]
	li.press("滞后")
	// Pause mid-task, and come back: the task resumes at its missing part.
	li.press("暂停")
	li.sees(t, "已暂停")
	li.cmd("report", "")
	li.sees(t, "继续填报")
	li.press("继续填报")
	li.sees(t, "推进情况：滞后", "本期完成情况")
	// What was done completes the task (需协调事项 defaults to none): two inputs.
	li.say("推进土地报批")
	li.sees(t, fmt.Sprintf("〔%d/", pos+2))
	r, _ := w.db.Report(ctx, w.e.Plan.ID, "hukou", nov)
	if a := r.Answers[task]; a.Status != progressbot.StatusLagging || a.Done != "推进土地报批" || a.Coordination != "无" {
		t.Errorf("task answer: %+v", a)
	}
	// Back to the task; 需协调事项 is asked when pressed for.
	li.press("上一项")
	li.sees(t, "本期已填：滞后")
	li.press("需协调事项")
	li.sees(t, "需要协调")
	li.say("用地指标紧张")
	r, _ = w.db.Report(ctx, w.e.Plan.ID, "hukou", nov)
	if a := r.Answers[task]; a.Coordination != "用地指标紧张" || a.Done != "推进土地报批" {
		t.Errorf("task answer after coordination: %+v", a)
	}
	hist, _ := w.db.History(ctx, w.e.Plan.ID, "hukou", nov, task)
	if len(hist) != 3 {
		t.Errorf("each part saved as it was given: %d rows, want 3", len(hist))
	}
	// Back goes to the task again, showing what was entered; 保持不变 keeps it.
	li.press("上一项")
	li.sees(t, "本期已填：滞后 · 需协调：用地指标紧张")
	li.press("保持不变")
	// Review lists everything and each item can be changed: a new status keeps what
	// was done this month and goes back to the review.
	li.cmd("report", "")
	li.press("核对全部")
	li.sees(t, "核对", "改1")
	li.press(fmt.Sprintf("改%d", pos+1))
	li.press("已完成")
	li.sees(t, "核对")
	r, _ = w.db.Report(ctx, w.e.Plan.ID, "hukou", nov)
	if a := r.Answers[task]; a.Status != progressbot.StatusDone || a.Done != "推进土地报批" {
		t.Errorf("edited from review: %+v", a)
	}
}

func TestStaleAndForgedButtons(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	li := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	pos := walkTo(t, w, li, "hukou", progressbot.ItemTask)
	task := w.e.Plan.Due("hukou", nov)[pos]
	b, _ := li.button("按计划推进")
	li.do(flows.Input{Data: b.Data})
	// A second tap of the same button: nothing more is saved.
	r := li.do(flows.Input{Data: b.Data})
	if !strings.Contains(r.Toast, "过期") {
		t.Errorf("second tap toast: %q", r.Toast)
	}
	rep, _ := w.db.Report(ctx, w.e.Plan.ID, "hukou", nov)
	before := len(rep.Answers)
	if hist, _ := w.db.History(ctx, w.e.Plan.ID, "hukou", nov, task); len(hist) != 1 {
		t.Errorf("two taps saved %d answers, want 1", len(hist))
	}
	// Another unit's liaison presses the same (forged) data: refused, nothing saved.
	other := w.invited(store.RoleLiaison, "pengze", "", "zh-CN")
	r = other.do(flows.Input{Data: b.Data})
	if !strings.Contains(r.Toast, "过期") {
		t.Errorf("forged data toast: %q", r.Toast)
	}
	for _, u := range []string{"hukou", "pengze"} {
		rep, _ := w.db.Report(ctx, w.e.Plan.ID, u, nov)
		if u == "pengze" && len(rep.Answers) != 0 || u == "hukou" && len(rep.Answers) != before {
			t.Errorf("%s: forged data changed answers", u)
		}
	}
	// An unbound person gets nothing for any input.
	stranger := w.person("zh-CN")
	for _, in := range []flows.Input{{Data: b.Data}, {Command: "report"}, {Text: "石化化工进展"}, {Command: "missing"}} {
		r := stranger.do(in)
		if len(r.Messages) != 1 || !strings.Contains(r.Messages[0].Text, "邀请") {
			t.Errorf("unbound %+v got %q", in, stranger.screen())
		}
	}
}

func TestSubmitTwiceAndReopen(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	li := w.invited(store.RoleLiaison, "kjj", "", "zh-CN")
	li.cmd("report", "")
	li.press("核对全部")
	li.press("提交")
	li.sees(t, "5 项未填完")
	b, _ := li.button("仍然提交")
	first := li.do(flows.Input{Data: b.Data})
	second := li.do(flows.Input{Data: b.Data})
	if !strings.Contains(first.Messages[0].Text, "提交成功") {
		t.Errorf("first submit: %q", first.Messages[0].Text)
	}
	if strings.Contains(second.Messages[0].Text, "提交成功") {
		t.Error("second tap submitted again")
	}
	ev, _ := w.db.Events(ctx, w.e.Plan.ID, "kjj", nov)
	if len(ev) != 1 {
		t.Errorf("%d submit events, want 1", len(ev))
	}
	// Unanswered items were recorded as skipped.
	rep, _ := w.db.Report(ctx, w.e.Plan.ID, "kjj", nov)
	if len(rep.Answers) != len(w.e.Plan.Due("kjj", nov)) {
		t.Errorf("answers after submit: %d", len(rep.Answers))
	}
	// Reopen before the deadline, change one thing, submit again.
	li.cmd("report", "")
	li.sees(t, "已提交（", "重新打开修改")
	li.press("重新打开修改")
	li.press("改1")
	li.answerCurrent(t, true)
	li.press("提交")
	li.press("确认提交")
	li.sees(t, "提交成功")
	ev, _ = w.db.Events(ctx, w.e.Plan.ID, "kjj", nov)
	if len(ev) != 3 {
		t.Errorf("events: %+v", ev)
	}
	// After the deadline (2026-12-05 18:00) the report can no longer be reopened.
	w.setNow(time.Date(2026, 12, 6, 9, 0, 0, 0, shanghai))
	li.cmd("report", "")
	if _, ok := li.button("重新打开修改"); ok {
		t.Error("reopen offered after the deadline")
	}
}

func TestLateSubmission(t *testing.T) {
	w := newWorld(t)
	li := w.invited(store.RoleLiaison, "kjj", "", "zh-CN")
	w.setNow(time.Date(2026, 12, 8, 9, 0, 0, 0, shanghai))
	li.cmd("report", "")
	li.sees(t, "已过截止时间")
	li.press("核对全部")
	li.press("提交")
	li.press("仍然提交")
	li.sees(t, "迟报")
}

func TestSessionLostMidFlow(t *testing.T) {
	// Redis flushed (or the process restarted with an in-memory store): the next /report
	// resumes with every answer already given.
	w := newWorld(t)
	ctx := context.Background()
	li := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	li.cmd("report", "")
	li.press("开始填报")
	li.answerCurrent(t, true)
	li.answerCurrent(t, true)
	stale, _ := li.button("跳过")
	if err := w.mem.Delete(ctx, li.id); err != nil {
		t.Fatal(err)
	}
	r := li.do(flows.Input{Data: stale.Data})
	if !strings.Contains(r.Toast, "过期") {
		t.Errorf("button after the session was lost: %q", r.Toast)
	}
	li.sees(t, "已填 2/", "继续填报")
	li.press("继续填报")
	li.sees(t, "〔3/")
}

// A typed answer's acknowledgement names the question it was saved under — the item and,
// for a task, the part — so that text typed on an older screen shows where it went.
func TestTypedAnswerNamesItsQuestion(t *testing.T) {
	zh := locales.For("zh-CN")
	// title is how the flow names the item on screen (item.* in the locales).
	title := func(w *world, ref progressbot.ItemRef) string {
		switch ref.Kind {
		case progressbot.ItemIndicator:
			in := w.e.Plan.Indicator(ref.Key)
			return zh.T("item.indicator", "Name", in.Name, "Measure", in.Measure)
		case progressbot.ItemTask:
			no, _ := strconv.Atoi(ref.Key)
			task := w.e.Plan.Task(no)
			return zh.T("item.task", "N", task.No, "Name", task.Title)
		}
		t.Fatalf("no title for %s", ref)
		return ""
	}
	tests := []struct {
		name  string
		unit  string
		kind  progressbot.ItemKind
		steps func(li *person)
		part  string // "" or the id of the part's label
	}{
		{"an indicator's value", "jjetdz", progressbot.ItemIndicator, func(li *person) { li.say("275") }, ""},
		{"what was done for a task", "hukou", progressbot.ItemTask, func(li *person) {
			li.press("滞后")
			li.say("推进土地报批")
		}, "report.part.done"},
		{"what needs coordination", "hukou", progressbot.ItemTask, func(li *person) {
			li.press("需协调事项")
			li.say("用地指标紧张")
		}, "report.part.coord"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			li := w.invited(store.RoleLiaison, tt.unit, "", "zh-CN")
			pos := walkTo(t, w, li, tt.unit, tt.kind)
			name := []rune(title(w, w.e.Plan.Due(tt.unit, nov)[pos]))
			tt.steps(li)
			first, _, _ := strings.Cut(li.screen(), "\n")
			// The item's name (cut to fit a phone) after the acknowledgement, then the part.
			if want := zh.T("report.saved_to", "Item", string(name[:10])); !strings.HasPrefix(first, want) {
				t.Errorf("acknowledgement %q, want it to start %q", first, want)
			}
			switch part := zh.T(tt.part, "Item", ""); {
			case tt.part != "" && !strings.HasSuffix(first, part):
				t.Errorf("acknowledgement %q does not name the part %q", first, part)
			case tt.part == "" && strings.Contains(first, " · "):
				t.Errorf("acknowledgement %q names a part", first)
			}
		})
	}
}

func TestLanguage(t *testing.T) {
	w := newWorld(t)
	li := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	li.sees(t, "湖口县")
	li.cmd("lang", "")
	li.press("English")
	li.sees(t, "English")
	li.cmd("report", "")
	li.sees(t, "Hukou County", "Deadline")
	li.cmd("lang", "klingon")
	li.sees(t, "not available")
}

func TestInvites(t *testing.T) {
	w := newWorld(t)
	p := w.person("zh-CN")
	tests := []struct {
		args string
		want string
	}{
		{"", "邀请"},
		{"nonsense", "无效"},
		{"nonsense2", "无效"},
		{"nonsense3", "无效"},
		{"nonsense4", "次数过多"},
	}
	for _, tt := range tests {
		p.cmd("start", tt.args)
		p.sees(t, tt.want)
	}
	code, _ := w.db.CreateInvite(context.Background(), store.InviteSpec{PlanID: w.e.Plan.ID, Role: store.RoleLeader, Scope: "chain:petrochem"})
	q := w.person("en")
	q.cmd("start", code)
	q.sees(t, "Petrochemical")
	r := w.person("zh-CN")
	r.cmd("start", code)
	r.sees(t, "已经使用")
}

func TestInviteInChat(t *testing.T) {
	w := newWorld(t)
	w.e.BotUsername = "JiujiangProgressBot"
	admin := w.invited(store.RoleAdmin, "", "", "zh-CN")
	tests := []struct {
		args     string
		want     string
		redeemTo string // what the invitee is greeted as
	}{
		{"liaison 湖口", "t.me/JiujiangProgressBot?start=", "湖口县"},
		{"liaison 工信局", "邀请码", "市工信局"},
		{"leader 石化化工", "邀请码", "石化化工"},
		{"leader", "邀请码", "全市"},
		{"admin", "邀请码", "管理员"},
		{"liaison 火星", "没有找到", ""},
		{"liaison", "没有找到", ""},
		{"boss 湖口", "用法", ""},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			admin.cmd("invite", tt.args)
			admin.sees(t, tt.want)
			if tt.redeemTo == "" {
				return
			}
			_, code, ok := strings.Cut(admin.text(), "邀请码：")
			if !ok {
				t.Fatalf("no code in %q", admin.text())
			}
			code, _, _ = strings.Cut(code, "\n")
			p := w.person("zh-CN")
			p.cmd("start", code)
			p.sees(t, tt.redeemTo)
		})
	}
	li := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	li.cmd("invite", "admin")
	li.sees(t, "只有管理员")
}

func TestReminderButtonOpensReport(t *testing.T) {
	w := newWorld(t)
	li := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	li.do(flows.Input{Data: flows.ReportButtonData})
	li.sees(t, "【湖口县】2026年11月进展填报", "开始填报")
	stranger := w.person("zh-CN")
	stranger.do(flows.Input{Data: flows.ReportButtonData})
	stranger.sees(t, "邀请")
}

// A typed answer delivered again (Telegram redelivers an update the bot did not confirm
// before a crash) must not answer the next question.
func TestRedeliveredTextAnswersOnce(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	li := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	pos := walkTo(t, w, li, "hukou", progressbot.ItemTask)
	due := w.e.Plan.Due("hukou", nov)
	li.press("滞后")
	done := flows.Input{UpdateID: 500, Text: "推进土地报批"}
	li.do(done) // a whole answer: the next item is asked
	next := fmt.Sprintf("〔%d/", pos+2)
	li.sees(t, next)
	li.do(done) // the same update again
	li.sees(t, next)
	rep, _ := w.db.Report(ctx, w.e.Plan.ID, "hukou", nov)
	if a, ok := rep.Answers[due[pos+1]]; ok {
		t.Errorf("redelivered text answered the next question: %+v", a)
	}
	if a := rep.Answers[due[pos]]; a.Done != "推进土地报批" {
		t.Errorf("the task lost its answer: %+v", a)
	}
	li.do(flows.Input{UpdateID: 501, Text: "滞后"}) // the next task's status, typed
	rep, _ = w.db.Report(ctx, w.e.Plan.ID, "hukou", nov)
	if a := rep.Answers[due[pos+1]]; a.Status != progressbot.StatusLagging {
		t.Errorf("the next update was not taken: %+v", a)
	}
}

// TestNothingDonePress: on a task's "what was done" screen 无 is one press for the word
// the prompt asks for; it completes the task (需协调事项 defaults to 无) and moves on.
// On the 需协调事项 screen the same button still answers that question only.
func TestNothingDonePress(t *testing.T) {
	tests := []struct {
		lang, start, status, coord string
		viaCoord                   bool
	}{
		{"zh-CN", "开始填报", "按计划推进", "需协调事项", false},
		{"en", "Start", "On track", "Needs coordination", false},
		{"zh-CN", "开始填报", "按计划推进", "需协调事项", true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.lang, tt.viaCoord), func(t *testing.T) {
			w := newWorld(t)
			ctx := context.Background()
			loc := locales.For(tt.lang)
			li := w.invited(store.RoleLiaison, "hukou", "", tt.lang)
			li.cmd("report", "")
			li.press(tt.start)
			due := w.e.Plan.Due("hukou", nov)
			i := 0
			for ; due[i].Kind != progressbot.ItemTask; i++ {
				li.press(loc.T("button.skip"))
			}
			if tt.viaCoord {
				li.press(tt.coord)
				li.press(loc.T("button.none")) // no coordination needed
				li.sees(t, loc.T("report.ask_status"))
			}
			li.press(tt.status)
			li.sees(t, loc.T("report.ask_done"))
			li.press(loc.T("button.none"))
			r, err := w.db.Report(ctx, w.e.Plan.ID, "hukou", nov)
			if err != nil {
				t.Fatal(err)
			}
			a := r.Answers[due[i]]
			none := loc.T("report.none_value")
			if a.Done != none || a.Coordination != none || a.DoneCarried || a.Status != progressbot.StatusOnTrack {
				t.Errorf("after 无: %+v", a)
			}
			li.sees(t, loc.T("report.progress", "Index", i+2, "Total", len(due))) // the next item
		})
	}
}
