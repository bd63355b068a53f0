package flows_test

import (
	"context"
	"strings"
	"testing"

	"github.com/progressbot/progressbot/dashboard"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/store"
)

// TestIntentTable: questions by intent in both languages, one row each, with the view
// each must reach (its callback data: view, month, page, subject[, the other one]). The
// reply to the typed question must be that view's screen, the same as pressing its
// button; it fits a phone, carries the 看板 button, and lists worst first. Rows with no
// view are names or commands, which no intent may take. The demo world is seen on 26
// November 2026: October is the last closed month.
func TestIntentTable(t *testing.T) {
	w := demoWorld(t)
	w.e.Dashboard = &dashboard.Links{PublicURL: "https://dash.example.org/", Token: "t"}
	zh := w.invited(store.RoleLeader, "", "", "zh-CN")
	en := w.invited(store.RoleLeader, "", "", "en")
	chain := w.invited(store.RoleLeader, "", "chain:petrochem", "zh-CN")
	county := w.invited(store.RoleLeader, "", "unit:hukou", "en")
	tests := []struct {
		who  *person
		ask  string
		view string   // "" for a question that asks for no intent
		want []string // on the screen
	}{
		// Which are lagging.
		{zh, "哪些县滞后", "q:Lc:2610:0:p", []string{"【全市】2026年10月", "有滞后事项的县（市、区）（", "最差的在前", "武宁县"}},
		{zh, "哪些县（市、区）滞后", "q:Lc:2610:0:p", []string{"有滞后事项的县（市、区）"}},
		{zh, "滞后的指标", "q:Li:2610:0:p", []string{"滞后的指标（", "应达"}},
		{zh, "哪些指标滞后了", "q:Li:2610:0:p", []string{"滞后的指标（"}},
		{zh, "哪些单位滞后", "q:Lu:2610:0:p", []string{"有滞后事项的单位（"}},
		{zh, "滞后的任务", "q:Lt:2610:0:p", []string{"滞后的任务和项目（"}},
		{zh, "哪些事项滞后", "q:L:2610:0:p", []string{"滞后事项（"}},
		{zh, "石化化工哪些县滞后", "q:Lc:2610:0:cpetrochem", []string{"【石化化工产业】2026年10月", "有滞后事项的县"}},
		{zh, "石化化工 2026-09 哪些县滞后", "q:Lc:2609:0:cpetrochem", []string{"【石化化工产业】2026年9月"}},
		{zh, "湖口县滞后吗", "q:L:2610:0:uhukou", []string{"【湖口县】2026年10月", "滞后事项（"}},
		{zh, "湖口县哪些任务滞后", "q:Lt:2610:0:uhukou", []string{"【湖口县】", "滞后的任务和项目（"}},
		{en, "which counties are lagging", "q:Lc:2610:0:p", []string{"the whole city — October 2026", "Counties with lagging items (", "worst first"}},
		{en, "lagging indicators", "q:Li:2610:0:p", []string{"Lagging indicators ("}},
		{en, "which units are behind", "q:Lu:2610:0:p", []string{"Units with lagging items ("}},
		{en, "lagging tasks", "q:Lt:2610:0:p", []string{"Lagging tasks and projects ("}},
		{en, "which counties are lagging in petrochemicals", "q:Lc:2610:0:cpetrochem", []string{"Petrochemicals — October 2026"}},
		{en, "is Hukou lagging", "q:L:2610:0:uhukou", []string{"Hukou County — October 2026", "Lagging ("}},

		// What needs coordination.
		{zh, "需协调事项有哪些", "q:C:2610:0:p", []string{"需协调事项（", "需协调"}},
		{zh, "石化化工有什么需要协调", "q:C:2610:0:cpetrochem", []string{"【石化化工产业】2026年10月", "需协调事项（"}},
		{zh, "湖口县需协调事项", "q:C:2610:0:uhukou", []string{"【湖口县】"}},
		{en, "what needs coordination", "q:C:2610:0:p", []string{"Needs coordination ("}},
		{en, "petrochemicals needs coordination", "q:C:2610:0:cpetrochem", []string{"Petrochemicals — October 2026", "Needs coordination ("}},

		// Rankings.
		{zh, "规上企业排名", "q:Rut0:2610:0:iabove-scale-enterprises", []string{"【规模以上工业企业户数】2026年10月", "单位排名", "1. ", "应达"}},
		{zh, "排名前五的县", "q:Rct5:2610:0:p", []string{"县（市、区）排名前5", "5. ", "项正常或超前"}},
		{zh, "小巨人排名后三", "q:Rub3:2610:0:ilittle-giants", []string{"【国家专精特新小巨人企业】", "单位排名后3，最差的在前"}},
		{zh, "倒数五名的县", "q:Rcb5:2610:0:p", []string{"县（市、区）排名后5"}},
		{zh, "石化化工各县排名", "q:Rct0:2610:0:cpetrochem", []string{"【石化化工产业】", "县（市、区）排名"}},
		{en, "bottom 5 counties on 小巨人", "q:Rcb5:2610:0:ilittle-giants", []string{"Little giants — October 2026", "Bottom 5 of the counties, worst first"}},
		{en, "bottom 5 counties on little giants", "q:Rcb5:2610:0:ilittle-giants", []string{"Bottom 5 of the counties"}},
		{en, "top 3 counties", "q:Rct3:2610:0:p", []string{"Top 3 of the counties", "3. "}},
		{en, "above-scale enterprises ranking", "q:Rut0:2610:0:iabove-scale-enterprises", []string{"Ranking of units", "by pace"}},

		// Comparisons: two things, or one thing in two months.
		{zh, "湖口 vs 彭泽", "q:V:2610:0:uhukou:upengze", []string{"【湖口县 对比 彭泽县】2026年10月", "共同事项（", "[湖口县]", "[彭泽县]"}},
		{zh, "湖口和彭泽比", "q:V:2610:0:uhukou:upengze", []string{"【湖口县 对比 彭泽县】"}},
		{zh, "电子信息对比石化化工", "q:V:2610:0:celectronics:cpetrochem", []string{"【电子信息产业 对比 石化化工产业】"}},
		{zh, "石化化工 10月 vs 11月", "q:M2610:2611:0:cpetrochem", []string{"【石化化工产业】2026年11月", "2026年10月：", "与2026年10月相比"}},
		{zh, "湖口县9月和10月对比", "q:M2609:2610:0:uhukou", []string{"【湖口县】2026年10月", "与2026年9月相比"}},
		{en, "compare Hukou and Pengze", "q:V:2610:0:uhukou:upengze", []string{"Hukou County vs Pengze County — October 2026", "Items both have ("}},
		{en, "Hukou vs Pengze", "q:V:2610:0:uhukou:upengze", []string{"Hukou County vs Pengze County"}},
		{en, "petrochemicals October vs November", "q:M2610:2611:0:cpetrochem", []string{"Petrochemicals — November 2026", "Against October 2026"}},

		// What changed.
		{zh, "本月新增滞后", "q:Wn:2610:0:p", []string{"【全市】2026年10月", "与2026年9月相比新增滞后"}},
		{zh, "比上月变化", "q:W:2610:0:p", []string{"与2026年9月相比：变差", "好转"}},
		{zh, "石化化工比上月有什么变化", "q:W:2610:0:cpetrochem", []string{"【石化化工产业】2026年10月", "与2026年9月相比"}},
		{en, "what changed since last month", "q:W:2610:0:p", []string{"Against September 2026: worse", "better"}},
		{en, "newly lagging this month", "q:Wn:2610:0:p", []string{"newly lagging"}},

		// A chain chief's intents are their chain's; a county leader's their county's.
		{chain, "哪些县滞后", "q:Lc:2610:0:cpetrochem", []string{"【石化化工产业】2026年10月", "有滞后事项的县"}},
		{chain, "排名前五的县", "q:Rct5:2610:0:cpetrochem", []string{"【石化化工产业】", "县（市、区）排名前5"}},
		{chain, "需协调事项有哪些", "q:C:2610:0:cpetrochem", []string{"【石化化工产业】"}},
		{chain, "全市滞后的指标", "q:Li:2610:0:cpetrochem", []string{"【石化化工产业】"}},
		{chain, "本月新增滞后", "q:Wn:2610:0:cpetrochem", []string{"【石化化工产业】"}},
		{chain, "电子信息哪些县滞后", "q:Lc:2610:0:celectronics", []string{"不在您的查询范围内", "[查看我的范围]"}},
		{county, "what needs coordination", "q:C:2610:0:uhukou", []string{"Hukou County — October 2026"}},
		{county, "Hukou vs Pengze", "q:V:2610:0:uhukou:upengze", []string{"Pengze County is outside what you can see"}},

		// Names and commands stay what they are.
		{zh, "石化化工", "", []string{"【石化化工产业】2026年10月", "[按单位]"}},
		{zh, "湖口县怎么样", "", []string{"【湖口县】2026年10月"}},
		{zh, "数字经济发展水平全省位次", "", []string{"【数字经济发展水平全省位次】"}},
		{en, "digital economy rank", "", []string{"Digital economy rank — October 2026"}},
		{zh, "任务6", "", []string{"【任务6 持续扩大有效投资】"}},
		{zh, "谁还没报", "", []string{"【谁还没报】"}},
	}
	ctx := context.Background()
	views := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.who.lang+" "+tt.ask, func(t *testing.T) {
			u, err := w.e.Who(ctx, tt.who.id, tt.who.id, "Tester", tt.who.lang)
			if err != nil {
				t.Fatal(err)
			}
			if got := w.e.IntentViewData(u, tt.ask); got != tt.view {
				t.Fatalf("reaches %q, want %q", got, tt.view)
			}
			typed := tt.who.say(tt.ask)
			tt.who.sees(t, tt.want...)
			if tt.view == "" {
				return
			}
			views[strings.Split(tt.view, ":")[1]] = true
			pressed := tt.who.do(flows.Input{Data: tt.view})
			if a, b := screenOf(typed), screenOf(pressed); a != b {
				t.Errorf("the typed question and its view's button differ:\n%s\n---\n%s", a, b)
			}
			if n := len([]rune(typed.Messages[0].Text)); n > 1200 {
				t.Errorf("%d characters: more than a phone screen", n)
			}
			refused := strings.Contains(screenOf(typed), "不在您的查询范围内") || strings.Contains(screenOf(typed), "outside what you can see")
			if !refused && !strings.Contains(screenOf(typed), "[📊") {
				t.Errorf("no 看板 button:\n%s", screenOf(typed))
			}
			for _, d := range dataOf(typed) {
				if len(d) > 64 {
					t.Errorf("callback data %q is %d bytes", d, len(d))
				}
			}
			if strings.HasPrefix(tt.view, "q:L") {
				worstFirst(t, typed.Messages[0].Text)
			}
		})
	}
	for _, v := range []string{"L", "Lu", "Lc", "Li", "Lt", "C", "Rut0", "Rct5", "Rcb5", "V", "M2610", "W", "Wn"} {
		if !views[v] {
			t.Errorf("no question reaches the view %s", v)
		}
	}
}

// screenOf is a reply's text and buttons (labels and data), without whether it edits.
func screenOf(r flows.Reply) string {
	var b strings.Builder
	for _, m := range r.Messages {
		b.WriteString(m.Text)
		for _, row := range m.Keyboard {
			b.WriteString("\n")
			for _, btn := range row {
				b.WriteString("[" + btn.Label + "]" + btn.Data + btn.WebApp + " ")
			}
		}
	}
	return b.String()
}

// worstFirst fails when a seriously lagging line (🔴) comes after a lagging one (🟠)
// in a list that must be worst first.
func worstFirst(t *testing.T, text string) {
	t.Helper()
	seenLagging := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.Contains(line, "🟠"):
			seenLagging = true
		case strings.Contains(line, "🔴") && seenLagging:
			t.Errorf("🔴 after 🟠:\n%s", text)
			return
		}
	}
}

// TestIntentHelpExamples: the questions a leader's /help offers as examples, taken from
// the loaded plan, are each read as an intent and answered, in both languages.
func TestIntentHelpExamples(t *testing.T) {
	w := demoWorld(t)
	for _, tt := range []struct{ lang, intro, sep, end string }{{"zh-CN", "也可以这样问：", "、", "。"}, {"en", "You can also ask: ", ", ", "."}} {
		p := w.invited(store.RoleLeader, "", "", tt.lang)
		p.cmd("help", "")
		_, line, ok := strings.Cut(p.text(), tt.intro)
		if !ok {
			t.Fatalf("%s: /help offers no questions by intent:\n%s", tt.lang, p.text())
		}
		line, _, _ = strings.Cut(line, "\n")
		u, err := w.e.Who(context.Background(), p.id, p.id, "Tester", tt.lang)
		if err != nil {
			t.Fatal(err)
		}
		qs := strings.Split(strings.TrimSuffix(line, tt.end), tt.sep)
		if len(qs) < 5 {
			t.Fatalf("%s: %d examples: %q", tt.lang, len(qs), line)
		}
		for _, q := range qs {
			if w.e.IntentViewData(u, q) == "" {
				t.Errorf("%s: the example %q is not read as an intent", tt.lang, q)
				continue
			}
			p.say(q)
			if s := screenOf(p.last); strings.Contains(s, "不在您的查询范围内") || strings.Contains(s, "outside what you can see") {
				t.Errorf("%s: the example %q is refused: %s", tt.lang, q, s)
			}
		}
	}
}
