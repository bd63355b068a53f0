package progressbot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
)

// intentCases: one row per question: the intent it asks for, what the answer lists, the
// things it names (kind:key), the months, a ranking's size, whether only what became
// lagging is asked. want "" is a question that asks for no intent: a name, a command, or
// an intent beside words that name nothing of the plan.
var intentCases = []struct {
	q        string
	want     progressbot.IntentKind
	axis     progressbot.IntentAxis
	subjects string // "chain:petrochem unit:hukou"
	months   string // "10 11"
	top, bot int
	newOnly  bool
}{
	{q: "哪些县滞后", want: "lagging", axis: "counties"},
	{q: "滞后的指标", want: "lagging", axis: "indicators"},
	{q: "哪些单位落后", want: "lagging", axis: "units"},
	{q: "湖口县滞后吗", want: "lagging", subjects: "unit:hukou"}, // 湖口县's 县 is its name, not counties
	{q: "湖口县哪些任务滞后", want: "lagging", axis: "tasks", subjects: "unit:hukou"},
	{q: "任务6滞后", want: "lagging", subjects: "task:6"},
	{q: "which counties are lagging", want: "lagging", axis: "counties"},
	{q: "lagging indicators", want: "lagging", axis: "indicators"},
	{q: "petrochemicals lagging", want: "lagging", subjects: "chain:petrochem"},
	{q: "需协调事项有哪些", want: "coordination"},
	{q: "石化化工有什么需要协调", want: "coordination", subjects: "chain:petrochem"},
	{q: "what needs coordination", want: "coordination"},
	{q: "规上企业排名", want: "ranking", subjects: "indicator:above-scale-enterprises"},
	{q: "排名前五的县", want: "ranking", axis: "counties", top: 5},
	{q: "前5名的县", want: "ranking", axis: "counties", top: 5},
	{q: "小巨人排名后五", want: "ranking", subjects: "indicator:little-giants", bot: 5},
	{q: "倒数三名的县", want: "ranking", axis: "counties", bot: 3},
	{q: "最差的县", want: "ranking", axis: "counties", bot: 5},
	{q: "bottom 5 counties on 小巨人", want: "ranking", axis: "counties", subjects: "indicator:little-giants", bot: 5},
	{q: "top three counties", want: "ranking", axis: "counties", top: 3},
	{q: "湖口 vs 彭泽", want: "compare", subjects: "unit:hukou unit:pengze"},
	{q: "湖口和彭泽比", want: "compare", subjects: "unit:hukou unit:pengze"},
	{q: "湖口彭泽对比", want: "compare", subjects: "unit:hukou unit:pengze"},
	{q: "compare Hukou and Pengze", want: "compare", subjects: "unit:hukou unit:pengze"},
	{q: "电子信息对比石化化工", want: "compare", subjects: "chain:electronics chain:petrochem"},
	{q: "石化化工 10月 vs 11月", want: "compare", subjects: "chain:petrochem", months: "10 11"},
	{q: "石化化工十月和十一月比", want: "compare", subjects: "chain:petrochem", months: "10 11"},
	{q: "petrochemicals october vs november", want: "compare", subjects: "chain:petrochem", months: "10 11"},
	{q: "本月新增滞后", want: "change", newOnly: true},
	{q: "比上月变化", want: "change"},
	{q: "what changed since last month", want: "change"},
	{q: "石化化工比上月有什么变化", want: "change", subjects: "chain:petrochem"},
	// Not intents: names (one that holds an intent's word too), commands, nonsense.
	{q: "石化化工"},
	{q: "湖口县"},
	{q: "数字经济发展水平全省位次"},
	{q: "digital economy rank"},
	{q: "制造业增加值占地区生产总值比重"}, // 比 of 比重 is no comparison
	{q: "园区新增工业用地“标准地”出让占比"},
	{q: "谁还没报"},
	{q: "天气滞后"},     // an intent beside words that name nothing
	{q: "湖口 vs 天气"}, // one side names nothing
}

func TestIntent(t *testing.T) {
	r := resolveBundledResolver(t)
	for _, c := range intentCases {
		t.Run(c.q, func(t *testing.T) {
			in, ok := r.Intent(c.q)
			if c.want == "" {
				if ok {
					t.Fatalf("read as an intent: %+v", in)
				}
				return
			}
			if !ok {
				t.Fatalf("not read as an intent")
			}
			var subjects, months []string
			for _, m := range in.Subjects {
				subjects = append(subjects, string(m.Kind)+":"+m.Key)
			}
			for _, m := range in.Months {
				months = append(months, fmt.Sprint(int(m)))
			}
			got := fmt.Sprintf("%s/%s/%s/%s/%d/%d/%v", in.Kind, in.Axis, strings.Join(subjects, " "), strings.Join(months, " "), in.Top, in.Bottom, in.NewOnly)
			want := fmt.Sprintf("%s/%s/%s/%s/%d/%d/%v", c.want, c.axis, c.subjects, c.months, c.top, c.bot, c.newOnly)
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// FuzzIntent: whatever is typed, Intent does not panic, and what it reads names things
// of the plan: at most two, two only for a comparison; months are months.
func FuzzIntent(f *testing.F) {
	for _, c := range intentCases {
		f.Add(c.q)
	}
	f.Add("前前前五五名名 vs vs 和和 比比 10月11月12月")
	f.Add(strings.Repeat("滞后", 100))
	p := resolveBundledPlan(f)
	r := resolveBundledResolver(f)
	f.Fuzz(func(t *testing.T, q string) {
		in, ok := r.Intent(q)
		if !ok {
			return
		}
		if len(in.Subjects) > 2 || len(in.Subjects) == 2 && in.Kind != progressbot.IntentCompare {
			t.Fatalf("%q: %+v", q, in)
		}
		for _, m := range in.Subjects {
			if !m.Kind.IsCommand() && !resolveExists(p, m) {
				t.Fatalf("%q: %+v names nothing in the plan", q, m)
			}
		}
		for _, m := range in.Months {
			if m < time.January || m > time.December {
				t.Fatalf("%q: month %d", q, m)
			}
		}
		if in.Top < 0 || in.Bottom < 0 || in.Top > 50 || in.Bottom > 50 {
			t.Fatalf("%q: %+v", q, in)
		}
	})
}

// BenchmarkIntent reads each question of the intent table in turn on the bundled plan, as
// a leader's question is read before anything else.
func BenchmarkIntent(b *testing.B) {
	r := resolveBundledResolver(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Intent(intentCases[i%len(intentCases)].q)
	}
}
