package progressbot

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Questions by intent: what leaders ask that is not a name — which are lagging, what
// needs coordination, rankings, comparisons, what changed. Resolver.Intent reads one out
// of a question; the names in it (a chain, a county, an indicator) are resolved as
// Resolve resolves them. The words below are the resolver's own, like its filler words:
// plain Chinese and English, no name of any plan.

// IntentKind is what a question asks for beside a name.
type IntentKind string

const (
	IntentLagging      IntentKind = "lagging"      // 哪些县滞后, lagging indicators
	IntentCoordination IntentKind = "coordination" // 需协调事项有哪些
	IntentRanking      IntentKind = "ranking"      // 排名前五的县, bottom 5 counties on …
	IntentCompare      IntentKind = "compare"      // A vs B; a thing in one month against another
	IntentChange       IntentKind = "change"       // 比上月变化, 本月新增滞后
)

// IntentAxis is what an answer lists.
type IntentAxis string

const (
	AxisAny        IntentAxis = ""
	AxisUnits      IntentAxis = "units"
	AxisCounties   IntentAxis = "counties"
	AxisIndicators IntentAxis = "indicators"
	AxisTasks      IntentAxis = "tasks"
)

// Intent is a question read for its intent.
type Intent struct {
	Kind IntentKind
	Axis IntentAxis
	// Subjects are the things named, best match each: none (the asker's whole scope),
	// one, or two for a comparison of two things.
	Subjects []Match
	// Months are the months named, in the order typed: two for a comparison of one thing
	// across months.
	Months []time.Month
	// Top and Bottom: a ranking's first or last N; both 0 for the whole ranking.
	Top, Bottom int
	// NewOnly: a change asked only about what became lagging (本月新增滞后).
	NewOnly bool
}

// rsIntentWords are the phrases that mark each intent, folded like names. Order matters
// where phrases overlap: what changed (比上月) before a comparison (比), a comparison
// before a ranking, a ranking before lagging (排名靠后 is a ranking).
var rsIntentWords = []struct {
	kind    IntentKind
	phrases rsPhrases
}{
	{IntentChange, rsPhraseSet(
		"新增滞后", "新滞后", "新出现滞后", "变成滞后", "比上月变化", "较上月变化", "和上月比", "与上月比", "跟上月比", "同上月比",
		"比上月", "较上月", "环比", "变化", "变动", "有何变化", "有什么变化", "哪些变化", "上月以来",
		"what changed", "what has changed", "whats changed", "changed", "change", "changes", "since last month",
		"compared with last month", "compared to last month", "vs last month", "versus last month", "newly lagging",
		"new lagging", "whats new", "what is new",
	)},
	{IntentCompare, rsPhraseSet(
		"对比一下", "比一比", "比较一下", "对比", "比较", "相比", "比", "vs", "v", "versus", "compare", "compared", "comparison", "against",
	)},
	{IntentRanking, rsPhraseSet(
		"排名", "排行", "排序", "名次", "排位", "倒数", "垫底", "末位", "最好", "最差", "领先",
		"ranking", "rank", "ranked", "league table", "top", "bottom", "best", "worst",
	)},
	{IntentCoordination, rsPhraseSet(
		"需协调事项", "需要协调", "需协调", "要协调", "协调事项", "协调", "困难和问题", "困难问题", "诉求",
		"needs coordination", "need coordination", "needing coordination", "coordination", "coordinate", "need help", "needs help",
		"blockers", "blocker", "issues to coordinate",
	)},
	{IntentLagging, rsPhraseSet(
		"严重滞后", "滞后", "落后", "拖后腿", "进度慢", "慢了", "跟不上",
		"lagging", "lagging behind", "lag", "lags", "behind", "behind schedule", "falling behind", "off track", "slow",
	)},
}

// rsAxisWords name what an answer lists.
var rsAxisWords = []struct {
	axis    IntentAxis
	phrases [][]string // in the order tried: 各县市区 before 县
}{
	{AxisCounties, rsTokenized("各县市区", "县市区", "县市", "县区", "区县", "各县", "哪些县", "哪个县", "县", "counties", "county", "districts", "district")},
	{AxisIndicators, rsTokenized("哪些指标", "各项指标", "指标", "indicators", "indicator", "targets")},
	{AxisTasks, rsTokenized("哪些任务", "任务", "重点工作", "tasks", "task")},
	{AxisUnits, rsTokenized("哪些单位", "各单位", "单位", "部门", "units", "unit", "departments", "bureaus", "who", "which ones")},
}

// rsIntentFiller are words around an intent that name nothing: what is left once they
// and the intent's words are gone is the thing asked about.
var rsIntentFiller = rsPhraseSet(
	// Single Han characters that occur inside names (上 in 规上, 有 in 有效期) are left to
	// the resolver, which reads them as part of a name or not at all.
	"有哪些", "哪些", "哪个", "有什么", "什么", "有没有", "是否", "事项", "问题", "需要", "情况", "本月", "上月", "这个月",
	"上个月", "本期", "上期", "名单",
	"which", "what", "whats", "where", "are", "is", "the", "on", "by", "in", "of", "for", "and", "with", "to", "since",
	"last", "month", "this", "needs", "need", "what needs", "show", "list", "me", "items", "item", "things", "that",
	"first", "most", "least", "performing", "performer", "performers", "now", "so far",
)

// rsPairSeparators join the two things of a comparison (湖口和彭泽, Hukou and Pengze).
var rsPairSeparators = []string{"和", "与", "跟", "同", "及", "and", "with", "to"}

// rsNewLagging are the phrases of a change that ask only for what became lagging.
var rsNewLagging = rsPhraseSet("新增滞后", "新滞后", "新出现滞后", "变成滞后", "newly lagging", "new lagging")

// rsWorst and rsBest ask for the end of a ranking when no number says how many.
var (
	rsWorst = rsPhraseSet("最差", "倒数", "垫底", "末位", "worst", "bottom")
	rsBest  = rsPhraseSet("最好", "领先", "best", "top")
)

// rsEnMonths are English month names and abbreviations (may is left out: a word).
var rsEnMonths = map[string]time.Month{
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
	"june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9,
	"sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

var rsEnNumbers = map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}

// rsPhrases are phrases folded into tokens like a question, longest first, as rsCut
// tries them. The tables above are made once, when the package is initialized, not for
// every question.
type rsPhrases [][]string

func rsPhraseSet(phrases ...string) rsPhrases {
	ps := rsTokenized(phrases...)
	slices.SortStableFunc(ps, func(a, b []string) int { return len(b) - len(a) })
	return ps
}

// rsTokenized folds each phrase into tokens, in the order given.
func rsTokenized(phrases ...string) [][]string {
	ps := make([][]string, 0, len(phrases))
	for _, p := range phrases {
		if t := rsTokens(p); len(t) > 0 {
			ps = append(ps, t)
		}
	}
	return ps
}

// rsCut removes every occurrence of any phrase (longest first) from toks, and reports
// whether one was found.
func rsCut(toks []string, ps rsPhrases) ([]string, bool) {
	out := make([]string, 0, len(toks))
	found := false
	for i := 0; i < len(toks); {
		n := 0
		for _, p := range ps {
			if len(p) <= len(toks)-i && slices.Equal(p, toks[i:i+len(p)]) {
				n = len(p)
				break
			}
		}
		if n > 0 {
			found = true
			out = append(out, "") // a gap: what stood on either side is not one name
			i += n
			continue
		}
		out = append(out, toks[i])
		i++
	}
	return out, found
}

// Intent reads a question for an intent. ok is false when it asks for none, or when
// what it names beside the intent is not a thing of the plan: the question is then read
// as a name (Resolve). A question that is exactly a name is never an intent (an
// indicator called "… rank" is that indicator).
func (r *Resolver) Intent(question string) (Intent, bool) {
	toks := rsTokens(question)
	if len(toks) == 0 || len(toks) > rsMaxRunes {
		return Intent{}, false
	}
	var in Intent
	toks, in.Months = rsMonths(toks)
	toks, in.Top, in.Bottom = rsRankNumbers(toks)
	found := false
	for _, w := range rsIntentWords {
		var ok bool
		if w.kind == IntentCompare && len(in.Months) < 2 && !rsHasCompareMark(toks) {
			continue // 比 alone, and "v", compare only with something to compare
		}
		if w.kind == IntentLagging && in.Kind == IntentChange {
			var lag bool
			if toks, lag = rsCut(toks, w.phrases); lag {
				in.NewOnly = true
			}
			continue
		}
		if toks, ok = rsCut(toks, w.phrases); ok && !found {
			in.Kind, found = w.kind, true
		}
	}
	if in.Top > 0 || in.Bottom > 0 {
		if !found || in.Kind == IntentLagging {
			in.Kind, found = IntentRanking, true
		}
	}
	if !found {
		return Intent{}, false
	}
	if ms := r.matches(question); len(ms) > 0 && ms[0].Score >= rsScoreExact && !ms[0].Partial {
		return Intent{}, false // a name that holds an intent's word
	}
	if in.Kind == IntentChange && rsHasAny(question, rsNewLagging) {
		in.NewOnly = true
	}
	if in.Kind == IntentRanking && in.Top == 0 && in.Bottom == 0 {
		// 最差 / worst / 倒数 without a number: the last five.
		if rsHasAny(question, rsWorst) {
			in.Bottom = 5
		} else if rsHasAny(question, rsBest) {
			in.Top = 5
		}
	}
	toks, in.Axis = r.axis(toks)
	toks, _ = rsCut(toks, rsIntentFiller)
	parts := rsParts(r.strip(toks))
	switch {
	case in.Kind == IntentCompare && len(in.Months) >= 2:
		in.Months = in.Months[:2]
		if len(parts) > 1 {
			return Intent{}, false
		}
	case in.Kind == IntentCompare:
		a, b, ok := r.pair(parts)
		if !ok {
			return Intent{}, false
		}
		in.Subjects = []Match{a, b}
		return in, true
	}
	if len(parts) == 0 {
		return in, true
	}
	m, ok := r.one(strings.Join(slices.Concat(parts...), " "))
	if !ok {
		return Intent{}, false
	}
	in.Subjects = []Match{m}
	return in, true
}

// axis finds what the answer lists, and removes its words. A county's own name keeps
// its 县 (湖口县滞后吗 asks about 湖口县, not about counties).
func (r *Resolver) axis(toks []string) ([]string, IntentAxis) {
	for _, a := range rsAxisWords {
		for _, pt := range a.phrases {
			for i := 0; i+len(pt) <= len(toks); i++ {
				if !slices.Equal(pt, toks[i:i+len(pt)]) {
					continue
				}
				// A name ending in this word (湖口县, 任务6 has a number after it) is a name.
				if r.partOfName(toks, i, len(pt)) {
					continue
				}
				return slices.Concat(toks[:i], []string{""}, toks[i+len(pt):]), a.axis
			}
		}
	}
	return toks, AxisAny
}

// partOfName reports whether toks[i:i+n] belongs to a name that runs into it: a Han
// token just before it that, with it, ends a name of the plan (湖口 + 县), or a number
// just after it (任务 6).
func (r *Resolver) partOfName(toks []string, i, n int) bool {
	if i+n < len(toks) && toks[i+n] != "" {
		if _, err := strconv.Atoi(toks[i+n]); err == nil {
			return true
		}
		if _, ok := rsNumber(toks[i+n]); ok {
			return true
		}
	}
	if i == 0 || toks[i-1] == "" || !rsHasHan([]rune(toks[i-1])) {
		return false
	}
	// Longest run of Han tokens ending with the word, tried from two runes up.
	for from := i - 1; from >= 0 && toks[from] != "" && rsHasHan([]rune(toks[from])); from-- {
		key := strings.Join(toks[from:i+n], "")
		ms := r.matches(key)
		if len(ms) > 0 && ms[0].Score >= rsScoreExact && !ms[0].Kind.IsCommand() {
			return true
		}
	}
	return false
}

// one resolves what is left of a question to one thing of the plan. Commands (全市)
// stand for the whole scope.
func (r *Resolver) one(text string) (Match, bool) {
	ms := r.matches(text)
	if len(ms) == 0 {
		return Match{}, false
	}
	return ms[0], true
}

// pair splits what is left of a comparison into two things: at a gap left by a word
// taken out (vs, 和, compare … and …) or, failing that, at the point where both sides
// resolve best (湖口彭泽).
func (r *Resolver) pair(parts [][]string) (Match, Match, bool) {
	if len(parts) == 2 {
		a, ok1 := r.one(strings.Join(parts[0], " "))
		b, ok2 := r.one(strings.Join(parts[1], " "))
		if ok1 && ok2 && a.Kind == b.Kind && a.Key != b.Key && !a.Kind.IsCommand() {
			return a, b, true
		}
		return Match{}, Match{}, false
	}
	if len(parts) != 1 || len(parts[0]) < 2 {
		return Match{}, Match{}, false
	}
	all := parts[0]
	var best [2]Match
	bestScore := 0.0
	for cut := 1; cut < len(all); cut++ {
		right := all[cut:]
		if slices.Contains(rsPairSeparators, right[0]) && len(right) > 1 {
			right = right[1:]
		}
		a, ok1 := r.one(strings.Join(all[:cut], " "))
		b, ok2 := r.one(strings.Join(right, " "))
		if !ok1 || !ok2 || a.Kind != b.Kind || a.Key == b.Key || a.Kind.IsCommand() {
			continue
		}
		if s := min(a.Score, b.Score); s > bestScore {
			best, bestScore = [2]Match{a, b}, s
		}
	}
	return best[0], best[1], bestScore > 0
}

// rsParts splits tokens at the gaps left by cut words, dropping empty parts and parts
// that only join two others (和, and).
func rsParts(toks []string) [][]string {
	var out [][]string
	var cur []string
	for _, t := range append(toks, "") {
		if t == "" {
			if len(cur) > 0 && !(len(cur) == 1 && slices.Contains(rsPairSeparators, cur[0])) {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	return out
}

// rsHasCompareMark reports whether a question sets two things side by side: vs, 对比,
// 比较, compare, or 和/与/跟 … 比.
func rsHasCompareMark(toks []string) bool {
	for i, t := range toks {
		switch t {
		case "vs", "versus", "compare", "compared", "comparison", "against", "对", "较":
			if t == "对" || t == "较" {
				if i+1 < len(toks) && toks[i+1] == "比" {
					return true
				}
				continue
			}
			return true
		case "v":
			return i > 0 && i+1 < len(toks)
		case "比":
			// 比较 / 相比 / 比一比 / … 比 at the end; not 比上月, 比重, 占比.
			if i+1 < len(toks) && (toks[i+1] == "重" || toks[i+1] == "上" || toks[i+1] == "例") {
				continue
			}
			if i > 0 && (toks[i-1] == "占" || toks[i-1] == "环" || toks[i-1] == "同") {
				continue
			}
			return true
		}
	}
	return false
}

// rsMonths takes the months named out of the question: 10月, 十一月, October, oct.
func rsMonths(toks []string) ([]string, []time.Month) {
	var months []time.Month
	out := make([]string, 0, len(toks))
	for i := 0; i < len(toks); i++ {
		if m, ok := rsEnMonths[toks[i]]; ok {
			months = append(months, m)
			out = append(out, "")
			continue
		}
		// digits or Han numerals, then 月
		j := i
		for j < len(toks) && j-i < 3 && toks[j] != "月" && (rsIsDigits(toks[j]) || strings.ContainsAny(toks[j], "一二三四五六七八九十")) {
			j++
		}
		if j > i && j < len(toks) && toks[j] == "月" {
			if n, ok := rsNumber(strings.Join(toks[i:j], "")); ok && n >= 1 && n <= 12 {
				months = append(months, time.Month(n))
				out = append(out, "")
				i = j
				continue
			}
		}
		out = append(out, toks[i])
	}
	return out, months
}

func rsIsDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// rsRankNumbers takes a ranking's size out of the question: 前五 / 前5名 / top 5 / top
// five (Top), 后五 / 倒数5 / 末5 / bottom 5 / worst five (Bottom).
func rsRankNumbers(toks []string) ([]string, int, int) {
	top, bottom := 0, 0
	out := make([]string, 0, len(toks))
	num := func(i int) (int, int) { // value and tokens used, at toks[i]
		if i >= len(toks) {
			return 0, 0
		}
		if n, ok := rsEnNumbers[toks[i]]; ok {
			return n, 1
		}
		if rsIsDigits(toks[i]) {
			n, err := strconv.Atoi(toks[i])
			if err == nil && n > 0 && n <= 50 {
				return n, 1
			}
			return 0, 0
		}
		for k := min(3, len(toks)-i); k >= 1; k-- {
			if n, ok := rsNumber(strings.Join(toks[i:i+k], "")); ok && n > 0 && n <= 50 {
				return n, k
			}
		}
		return 0, 0
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		var dst *int
		skip := 0
		switch t {
		case "前", "top", "best", "first":
			dst = &top
		case "后", "末", "bottom", "worst", "last":
			dst = &bottom
		case "倒":
			if i+1 < len(toks) && toks[i+1] == "数" {
				dst, skip = &bottom, 1
				if i+2 < len(toks) && toks[i+2] == "前" {
					skip = 2
				}
			}
		}
		if dst != nil {
			if n, k := num(i + 1 + skip); k > 0 {
				*dst = n
				out = append(out, "")
				i += skip + k
				// A measure word after the number: 前五名, 后3个, 倒数五位.
				if i+1 < len(toks) && strings.Contains("名个位家项", toks[i+1]) && toks[i+1] != "" {
					i++
				}
				continue
			}
		}
		out = append(out, t)
	}
	return out, top, bottom
}

// rsHasAny reports whether the folded question contains one of the phrases as tokens.
func rsHasAny(question string, ps rsPhrases) bool {
	_, found := rsCut(rsTokens(question), ps)
	return found
}
