package progressbot_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/seeds"
)

var resolveBundled = sync.OnceValues(func() (*progressbot.Resolver, error) {
	p, _, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		return nil, err
	}
	return progressbot.NewResolver(p), nil
})

func resolveBundledPlan(tb testing.TB) *progressbot.Plan {
	tb.Helper()
	p, _, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func resolveBundledResolver(tb testing.TB) *progressbot.Resolver {
	tb.Helper()
	r, err := resolveBundled()
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

const (
	mChain     = progressbot.MatchChain
	mCluster   = progressbot.MatchCluster
	mUnit      = progressbot.MatchUnit
	mIndicator = progressbot.MatchIndicator
	mTask      = progressbot.MatchTask
	mWork      = progressbot.MatchWork
	mProject   = progressbot.MatchProject
	mMissing   = progressbot.MatchMissing
	mBoard     = progressbot.MatchBoard
	mOverview  = progressbot.MatchOverview
	mNone      = progressbot.MatchKind("")
)

// resolveCases: one question per row. kind/key is the expected best match (kind "" for
// no good match; key "*" for any key of that kind, where equal scores tie); amb whether
// the bot must ask back; alt, when set, a thing that must be offered next to the best
// (an ambiguous row) or, for a row without a match, the first suggestion.
var resolveCases = []struct {
	q    string
	kind progressbot.MatchKind
	key  string
	amb  bool
	alt  string
	why  string
	// partial: the best match explains only part of the question, and the answer must
	// say what it answers (Match.Partial).
	partial bool
}{
	// Chains, with what people add around them.
	{q: "石化化工 progress", kind: mChain, key: "petrochem"},
	{q: "石化化工进展", kind: mChain, key: "petrochem"},
	{q: "石化进展怎么样？", kind: mChain, key: "petrochem"},
	{q: "petrochemical", kind: mChain, key: "petrochem"},
	{q: "Petrochemicals", kind: mChain, key: "petrochem"},
	{q: "petrochem", kind: mChain, key: "petrochem", why: "word prefix; the chain's alias is the shortest name containing it"},
	{q: "化工", kind: mChain, key: "petrochem", why: "alias of the chain; 化工集群 only contains it"},
	{q: "石化化工产业链", kind: mChain, key: "petrochem"},
	{q: "how is the petrochemical chain doing", kind: mChain, key: "petrochem"},
	{q: "/progress 石化化工", kind: mChain, key: "petrochem"},
	{q: "\u3000石化化工\u3000", kind: mChain, key: "petrochem", why: "ideographic spaces"},
	{q: "石化化攻", kind: mChain, key: "petrochem", why: "typo, one edit", partial: true},
	{q: "钢铁", kind: mChain, key: "steel"},
	{q: "steal", kind: mChain, key: "steel", why: "typo", partial: true},
	{q: "电子信息", kind: mChain, key: "electronics", why: "the chain's exact short name beats the cluster 电子信息集群 containing it"},
	{q: "装备制造", kind: mChain, key: "equipment", why: "exact short name of the chain; the cluster 装备制造集群 merely contains it: not ambiguous"},
	{q: "新能源", kind: mChain, key: "new-energy"},
	{q: "文旅", kind: mChain, key: "culture-tourism"},
	{q: "物流情况", kind: mChain, key: "shipping-logistics"},
	// Clusters.
	{q: "钢铁有色", kind: mCluster, key: "steel-nonferrous"},
	{q: "锂电", kind: mCluster, key: "lithium-pv"},
	{q: "光伏", kind: mCluster, key: "lithium-pv"},
	{q: "lithium battery", kind: mCluster, key: "lithium-pv"},
	{q: "有机硅", kind: mCluster, key: "silicone-fibre"},
	{q: "电子信息集群", kind: mCluster, key: "electronics-cluster"},
	{q: "electronics cluster", kind: mCluster, key: "electronics-cluster"},
	// Units.
	{q: "湖口", kind: mUnit, key: "hukou", why: "exact short name beats 湖口高新区 containing it"},
	{q: "湖口县怎么样", kind: mUnit, key: "hukou"},
	{q: "Hukou county", kind: mUnit, key: "hukou"},
	{q: "hukou", kind: mUnit, key: "hukou"},
	{q: "ＨＵＫＯＵ", kind: mUnit, key: "hukou", why: "full-width letters"},
	{q: "湖口市", kind: mUnit, key: "hukou", why: "one edit from 湖口县", partial: true},
	{q: "Pengzee", kind: mUnit, key: "pengze", why: "typo", partial: true},
	{q: "Pengzee county", kind: mUnit, key: "pengze", partial: true},
	{q: "彭泽县的最新进展", kind: mUnit, key: "pengze"},
	{q: "德安", kind: mUnit, key: "dean"},
	{q: "De'an", kind: mUnit, key: "dean"},
	{q: "Ruichang City", kind: mUnit, key: "ruichang"},
	{q: "九江", kind: mUnit, key: "city"},
	{q: "Jiujiang City", kind: mUnit, key: "city"},
	{q: "工信局", kind: mUnit, key: "gxj"},
	{q: "市工信局", kind: mUnit, key: "gxj"},
	{q: "Bureau of Industry and Information Technology", kind: mUnit, key: "gxj", why: "inside the English name, word-aligned"},
	{q: "发改委", kind: mUnit, key: "fgw"},
	{q: "湖口高新区", kind: mUnit, key: "hukou-hitech"},
	{q: "经开区", kind: mUnit, key: "jjetdz"},
	{q: "高新区", kind: mUnit, key: "gongqing-hitech", amb: true, alt: "hukou-hitech", why: "two parks contain it equally"},
	{q: "bureau", kind: mUnit, key: "*", amb: true, why: "every bureau's English name has it"},
	// Indicators.
	{q: "专精特新", kind: mIndicator, key: "little-giants"},
	{q: "小巨人", kind: mIndicator, key: "little-giants"},
	{q: "湖口的专精特新情况", kind: mIndicator, key: "little-giants", why: "explains 4 of 6 runes, 湖口 only 2", partial: true},
	// English inflections: plural and singular are one name.
	{q: "little giants", kind: mIndicator, key: "little-giants"},
	{q: "little giant", kind: mIndicator, key: "little-giants", why: "singular of the English name"},
	{q: "how are the little giants doing", kind: mIndicator, key: "little-giants"},
	{q: "green factory", kind: mIndicator, key: "green-factories", why: "factories → factory"},
	{q: "listed company", kind: mIndicator, key: "listed-companies", why: "companies → company"},
	{q: "high-tech enterprise", kind: mIndicator, key: "high-tech-enterprises"},
	{q: "research institute", kind: mIndicator, key: "industry-research-institutes"},
	// Another thing than what was typed: said so.
	{q: "新能源汽车产业链进展", kind: mChain, key: "new-energy", partial: true, why: "no chain 新能源汽车: the answer is 新能源产业's, and says so"},
	{q: "新能源汽车", kind: mChain, key: "new-energy", partial: true},
	{q: "新能源", kind: mChain, key: "new-energy", why: "the chain's own name: not partial"},
	{q: "九江经开区营收", kind: mIndicator, key: "jjetdz-revenue", why: "abbreviation of 九江经开区营业收入 explains all of it; the unit 九江经开区 only 5 of 7 runes"},
	{q: "湖口高新区营收", kind: mIndicator, key: "hukou-hitech-zone-revenue"},
	{q: "企业上云", kind: mIndicator, key: "cloud-enterprises"},
	{q: "绿色工厂", kind: mIndicator, key: "green-factories"},
	{q: "营收", kind: mIndicator, key: "industrial-revenue", why: "short name of the city's revenue; 经开区营收 etc. only contain it"},
	{q: "全市工业营业收入", kind: mIndicator, key: "industrial-revenue", why: "the full name beats the 全市 command found inside it"},
	{q: "R&D占比", kind: mIndicator, key: "rd-intensity"},
	{q: "高企", kind: mIndicator, key: "high-tech-enterprises"},
	{q: "能耗", kind: mIndicator, key: "energy-intensity"},
	{q: "招商", kind: mIndicator, key: "attracted-investment"},
	{q: "规模以上工业企业户数", kind: mIndicator, key: "above-scale-enterprises"},
	{q: "green factories", kind: mIndicator, key: "green-factories"},
	// Tasks and key work items.
	{q: "任务6", kind: mTask, key: "6"},
	{q: "task 6", kind: mTask, key: "6"},
	{q: "Task 23", kind: mTask, key: "23"},
	{q: "第6项任务", kind: mTask, key: "6"},
	{q: "6号任务", kind: mTask, key: "6"},
	{q: "任务六", kind: mTask, key: "6"},
	{q: "第二十三项任务", kind: mTask, key: "23"},
	{q: "任务６进展如何", kind: mTask, key: "6", why: "full-width digit"},
	{q: "任务99", kind: mNone, why: "no such task"},
	{q: "持续扩大有效投资", kind: mTask, key: "6", why: "the task's title"},
	{q: "有效投资", kind: mTask, key: "6"},
	{q: "重点工作3", kind: mWork, key: "wi-03"},
	{q: "wi-03", kind: mWork, key: "wi-03"},
	{q: "第14项重点工作", kind: mWork, key: "wi-14"},
	{q: "key work 14", kind: mWork, key: "wi-14"},
	// Projects.
	{q: "芳烃二期", kind: mProject, key: "petrochem-aromatics-2"},
	{q: "芳烃", kind: mProject, key: "petrochem-aromatics-2", amb: true, alt: "jjsh-refining-px", why: "石化芳烃二期 and 炼油芳烃一体化项目"},
	{q: "大湖塘钨矿", kind: mProject, key: "dahutang-tungsten"},
	{q: "钨矿", kind: mProject, key: "dahutang-tungsten"},
	{q: "心连心二期", kind: mProject, key: "xinlianxin-2"},
	// Commands.
	{q: "谁还没报", kind: mMissing, key: "missing"},
	{q: "还有谁没报", kind: mMissing, key: "missing", partial: true},
	{q: "who hasn't reported", kind: mMissing, key: "missing"},
	{q: "/missing", kind: mMissing, key: "missing"},
	{q: "mising", kind: mMissing, key: "missing", why: "typo", partial: true},
	{q: "红黄榜", kind: mBoard, key: "board"},
	{q: "红榜", kind: mBoard, key: "board"},
	{q: "黄榜", kind: mBoard, key: "board"},
	{q: "board", kind: mBoard, key: "board"},
	{q: "honour roll", kind: mBoard, key: "board"},
	{q: "红黄帮", kind: mBoard, key: "board", why: "typo", partial: true},
	{q: "全市", kind: mOverview, key: "overview", why: "the command phrase wins over the city unit's alias 全市"},
	{q: "总体", kind: mOverview, key: "overview"},
	{q: "overall progress", kind: mOverview, key: "overview"},
	{q: "whole plan", kind: mOverview, key: "overview"},
	// Ambiguous.
	{q: "数字化转型", kind: mIndicator, key: "*", amb: true, alt: "11", why: "two indicators and task 11 contain it"},
	{q: "集群", kind: mCluster, key: "*", amb: true},
	{q: "九江石化", kind: mChain, key: "petrochem", amb: true, alt: "city", why: "the company 九江石化 is no unit: 九江 and 石化 explain equal halves"},
	// Nothing.
	{q: "天气怎么样", kind: mNone},
	{q: "asdfgh", kind: mNone},
	{q: "", kind: mNone},
	{q: "进展", kind: mNone, why: "only filler"},
	{q: "？？？", kind: mNone},
	{q: "fgw", kind: mNone, why: "pinyin only where the seed lists it"},
	{q: "电", kind: mNone, alt: "electronics", why: "too short to match; suggested"},
}

func TestResolve(t *testing.T) {
	p := resolveBundledPlan(t)
	r := resolveBundledResolver(t)
	if len(resolveCases) < 70 {
		t.Fatalf("%d rows, want at least 70", len(resolveCases))
	}
	for _, c := range resolveCases {
		t.Run(c.q, func(t *testing.T) {
			res := r.Resolve(c.q)
			for _, m := range append(slices.Clone(res.Matches), res.Suggestions...) {
				if !resolveExists(p, m) {
					t.Errorf("match %+v names nothing in the plan", m)
				}
			}
			if c.kind == mNone {
				if len(res.Matches) > 0 {
					t.Fatalf("want no match, got %+v", res.Matches)
				}
				if res.Ambiguous {
					t.Error("ambiguous without matches")
				}
				if c.alt != "" && (len(res.Suggestions) == 0 || res.Suggestions[0].Key != c.alt) {
					t.Errorf("suggestions %+v, want %q first", res.Suggestions, c.alt)
				}
				return
			}
			if len(res.Matches) == 0 {
				t.Fatalf("no match (suggestions %+v), want %s:%s", res.Suggestions, c.kind, c.key)
			}
			if len(res.Suggestions) > 0 {
				t.Errorf("suggestions %+v next to matches", res.Suggestions)
			}
			got := res.Matches[0]
			if got.Kind != c.kind || (c.key != "*" && got.Key != c.key) {
				t.Fatalf("best %s:%s (%.3f), want %s:%s (%s); all %+v", got.Kind, got.Key, got.Score, c.kind, c.key, c.why, res.Matches)
			}
			if !c.amb && got.Partial != c.partial {
				t.Errorf("partial %v, want %v: %+v", got.Partial, c.partial, got)
			}
			if res.Ambiguous != c.amb {
				t.Errorf("ambiguous %v, want %v; matches %+v", res.Ambiguous, c.amb, res.Matches)
			}
			if c.alt != "" {
				found := false
				for _, m := range res.Matches[1:] {
					found = found || m.Key == c.alt && m.Score > got.Score-0.03
				}
				if !found {
					t.Errorf("%q is not offered next to %s; matches %+v", c.alt, got.Key, res.Matches)
				}
			}
		})
	}
}

// resolveExists reports whether a match names a thing of the plan (or is a command).
func resolveExists(p *progressbot.Plan, m progressbot.Match) bool {
	switch m.Kind {
	case mChain:
		return p.Chain(m.Key) != nil
	case mCluster:
		return p.Cluster(m.Key) != nil
	case mUnit:
		return p.Unit(m.Key) != nil
	case mIndicator:
		return p.Indicator(m.Key) != nil
	case mWork:
		return p.WorkItem(m.Key) != nil
	case mProject:
		return p.Project(m.Key) != nil
	case mTask:
		for _, t := range p.Tasks {
			if t.Key() == m.Key {
				return true
			}
		}
		return false
	case mMissing, mBoard, mOverview:
		return m.Key == string(m.Kind)
	}
	return false
}
