package progressbot

import (
	"math/bits"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MatchKind is what a question resolved to: a thing of the plan or a command.
type MatchKind string

const (
	MatchChain     MatchKind = "chain"
	MatchCluster   MatchKind = "cluster"
	MatchUnit      MatchKind = "unit"
	MatchIndicator MatchKind = "indicator"
	MatchTask      MatchKind = "task"
	MatchWork      MatchKind = "work" // key work item (重点工作)
	MatchProject   MatchKind = "project"

	MatchMissing  MatchKind = "missing"  // 谁还没报: who has not reported
	MatchBoard    MatchKind = "board"    // 红黄榜
	MatchOverview MatchKind = "overview" // 全市: the whole plan
)

// IsCommand reports whether k is a command rather than a thing of the plan.
func (k MatchKind) IsCommand() bool {
	return k == MatchMissing || k == MatchBoard || k == MatchOverview
}

// rank orders kinds when scores tie: commands, then the plan's structure (chains,
// clusters, units), then what is measured and done.
func (k MatchKind) rank() int {
	switch k {
	case MatchMissing, MatchBoard, MatchOverview:
		return 0
	case MatchChain:
		return 1
	case MatchCluster:
		return 2
	case MatchUnit:
		return 3
	case MatchIndicator:
		return 4
	case MatchProject:
		return 5
	case MatchTask:
		return 6
	case MatchWork:
		return 7
	}
	return 8
}

// Match is one thing a question may mean. Key is the thing's id (chain, cluster, unit,
// indicator, project), the task number ("6"), the work item id ("wi-03"), or the
// command's kind for a command. Name is the plan's name for it (a task's title, the
// beginning of a work item's text).
type Match struct {
	Kind  MatchKind
	Key   string
	Name  string
	Score float64
	// Partial: the thing's names explain only part of the question (新能源汽车 → the
	// chain 新能源产业), or match it only with a typo: an answer about it must say what
	// it answers.
	Partial bool
}

// Item returns the reportable item a match names, for a task, work item, indicator or
// project.
func (m Match) Item() (ItemRef, bool) {
	switch m.Kind {
	case MatchTask:
		return ItemRef{ItemTask, m.Key}, true
	case MatchWork:
		return ItemRef{ItemWorkItem, m.Key}, true
	case MatchIndicator:
		return ItemRef{ItemIndicator, m.Key}, true
	case MatchProject:
		return ItemRef{ItemProject, m.Key}, true
	}
	return ItemRef{}, false
}

// Resolution is what a question resolved to.
type Resolution struct {
	// Matches are the good matches, best first (at most 8).
	Matches []Match
	// Ambiguous is set when the two best matches are close in score: ask back, offering
	// the Matches whose score is close to the first.
	Ambiguous bool
	// Suggestions, when Matches is empty, are the closest names (at most 3), best first.
	Suggestions []Match
}

const (
	rsScoreCommand   = 1.00
	rsScoreExact     = 0.96
	rsScoreInName    = 0.78
	rsScoreAbbrev    = 0.74
	rsSpanName       = 0.15
	rsThingBonus     = 0.02
	rsScoreInQuery   = 0.55
	rsSpanQuery      = 0.30
	rsScoreTypo      = 0.50
	rsSpanTypo       = 0.30
	rsGood           = 0.66
	rsMargin         = 0.03
	rsSuggestMin     = 0.60
	rsMaxMatches     = 8
	rsMaxSuggestions = 3
	rsMaxRunes       = 64  // a question form is cut to this many runes
	rsMaxInput       = 256 // runes of input read at all
)

// rsCommands are the phrases of the commands. Like names, they are folded; the command
// phrases are matched exactly, inside a longer question, or with a typo.
var rsCommands = []struct {
	kind    MatchKind
	name    string
	phrases []string
}{
	{MatchMissing, "谁还没报", []string{
		"谁还没报", "谁没报", "谁未报", "还没报", "没报", "未报", "未报送", "没有报", "谁没有报", "没交", "未提交", "没提交", "缺报", "漏报",
		"who hasn't reported", "who has not reported", "who haven't reported", "hasn't reported", "has not reported",
		"not reported", "unreported", "missing", "missing reports", "who is missing", "who's missing",
	}},
	{MatchBoard, "红黄榜", []string{
		"红黄榜", "红榜", "黄榜", "红黄牌", "光荣榜", "红黄榜单",
		"board", "honour roll", "honor roll", "red and yellow list", "red yellow list", "red list", "yellow list", "leaderboard",
	}},
	{MatchOverview, "全市", []string{
		"全市", "总体", "整体", "全部", "总览", "全局", "全盘", "汇总", "全市总体", "全市整体", "总体情况",
		"overall", "overview", "whole plan", "the whole plan", "whole city", "all", "everything", "summary",
	}},
}

// rsFillerWords are removed from a question before it is matched (in its stripped form).
var rsFillerWords = []string{
	// Chinese
	"进展", "进度", "情况", "怎么样", "怎样", "怎么", "如何", "咋样", "咋", "最新", "查询", "查看", "查一下", "查下", "看看",
	"看一下", "看下", "瞧瞧", "一下", "的", "了", "吗", "呢", "啊", "吧", "呀", "嘛", "请问", "请", "麻烦", "帮我", "给我",
	"告诉我", "我想", "我要", "想", "知道", "说说", "讲讲", "现在", "目前", "当前", "最近", "近况", "本月", "这个月", "上个月",
	"今年", "本年", "汇报", "报告", "详情", "具体", "一览", "有关", "关于", "方面", "数据", "多少", "哪些",
	// English
	"progress", "status", "update", "updates", "latest", "current", "report on", "report for", "report",
	"how is", "hows", "how are", "how about", "what about", "what is", "whats", "how", "what", "is", "are",
	"the", "a", "an", "doing", "going", "please", "pls", "show me", "show", "tell me", "tell", "give me", "give", "me",
	"check", "see", "view", "info", "on", "for", "in", "about", "now", "today", "this month", "yet", "so far",
	"county", "district", "city", "chain", "industry chain",
}

// Resolver is the question resolver: what a leader types ("石化化工 progress", "湖口县怎么样",
// "任务6", "谁还没报", "Hukou county", "石化化攻") → the chain, cluster, unit, indicator,
// task, key work item, project or command it names. Pure code: build it once with
// NewResolver from a Plan; Resolve answers from in-memory indexes and is safe for
// concurrent use.
//
// # How a question is read
//
//  1. Folding. Full-width letters, digits and punctuation become half-width, letters
//     become lower case, apostrophes vanish (how's → hows), and the text is cut into
//     tokens: every Han character is a token of its own, a run of other letters or
//     digits is one token (a word), anything else only separates tokens. The key of a
//     text is its tokens joined with nothing between them (NormalizeName).
//  2. Filler words. Words people add around a name — 进展, 进度, 情况, 怎么样, 如何,
//     最新, 查看, 一下, 的, 了, 吗, progress, status, how is, please, show me, county,
//     district, city … (see rsFillerWords) — are removed, giving a second, stripped form
//     of the question. Both forms are scored and each candidate keeps its better score,
//     so a name that itself contains a filler (有研发活动的…, Hukou County, Jiujiang City)
//     is still found whole.
//  3. Numbers. 任务6 / task 6 / 第6项任务 / 6号任务 / 任务六 name task 6; 重点工作3 /
//     第3项重点工作 / wi-03 / key work 3 name the key work item whose id ends in 3.
//  4. Names. Every name of every thing is compared with each form of the question:
//     chains, clusters and units by name, short name, aliases and English name;
//     indicators and projects by name, short names and English name; tasks by title
//     and English title; commands by their phrases (rsCommands). Pinyin is matched
//     only where the seed lists it as an alias.
//
// # Scoring (Match.Score, 0–1; higher is better)
//
// For one question form q and one name n, both as keys (runes counted after folding):
//
//	exact       q == n                                        1.00 command, 0.96 anything else
//	in name     n contains q (Latin: from a word start)       0.78 + 0.15·|q|/|n|  (+0.02 chain/cluster/unit)
//	abbreviated q is an in-order subsequence of n starting    0.74 + 0.15·|q|/|n|  (+0.02 chain/cluster/unit)
//	            with the same character (Han, |q| ≥ 3, |q|/|n| ≥ 0.4: 九江经开区营收 ≈ 九江经开区营业收入)
//	in question q contains n (whole words), n ≥ 2 runes        0.55 + 0.30·c, c = share of q's runes covered
//	            by all of the thing's names found in q (a task number found in q counts too)
//	typo        edit distance d on runes ≤ 1 for Han names of 3–5 runes, 2 for 6+;  0.50 + 0.30·(1 − d/max(|q|,|n|))
//	            Latin names: 1 for 4–7 letters (same first letter), 2 for 8–13, 3 for 14+
//
// A thing's score is the best over its names and the two forms. The order this gives:
// an exact name beats any partial one (湖口 is 湖口县, not 湖口高新区; 电子信息 is the
// chain, whose short name it is, not 电子信息集群; 装备制造 likewise the chain, 0.96
// against the cluster's 0.90); a name that contains the whole question beats a
// question that merely contains a name, and a shorter such name beats a longer one
// (the share |q|/|n|); for a bare name contained in several names, chains, clusters and
// units get a small bonus over indicators, projects and tasks whose long names merely
// contain it; typos come last. A question that contains several names goes to the thing
// that explains the most of it: 湖口专精特新 → little giants (4 of 6 runes) before
// Hukou (2 of 6); 九江经开区营收 is read as an abbreviation of the indicator 九江经开区营业
// 收入 (all 7 runes explained, 0.86) rather than the unit 九江经开区 (5 of 7, 0.76).
//
// A match is good at 0.66 or more (rsGood). Matches holds the good ones, best first.
// The question is Ambiguous when the second best is within 0.03 (rsMargin) of the best
// (芳烃: two projects; 高新区: two parks) — but an exact name is never ambiguous with a
// partial match; the bot then asks back with buttons. When nothing is good, Suggestions
// holds up to three things whose names come closest (weaker partial matches and looser
// typos, scored on the same scale), for "did you mean".
//
// 全市 is both an overview command phrase and an alias of the city unit: the command
// wins (1.00 against 0.96), and the city stays in Matches as the runner-up.
type Resolver struct {
	ents    []rsEntity
	names   []rsName
	tasks   map[int]int32 // task number → entity
	works   map[int]int32 // work item number (trailing digits of its id) → entity
	fillers map[string][][]string
}

type rsEntity struct {
	kind MatchKind
	key  string
	name string
}

// rsName is one indexed name of one entity.
type rsName struct {
	ent     int32
	cmd     bool
	thing   bool // chain, cluster or unit: bonus when a bare name is contained
	han     bool
	n       int // runes in key
	maxTypo int
	bloom   uint64
	key     string
	tok     string // " tok tok … " for whole-word containment
	runes   []rune
}

// NewResolver indexes the names of a plan's chains, clusters, units, indicators, tasks,
// work items and projects, and the command phrases. p may be nil (commands only).
func NewResolver(p *Plan) *Resolver {
	r := &Resolver{tasks: map[int]int32{}, works: map[int]int32{}, fillers: map[string][][]string{}}
	for _, w := range rsFillerWords {
		if t := rsTokens(w); len(t) > 0 {
			r.fillers[t[0]] = append(r.fillers[t[0]], t)
		}
	}
	for _, ps := range r.fillers {
		slices.SortStableFunc(ps, func(a, b []string) int { return len(b) - len(a) }) // longest first
	}
	for _, c := range rsCommands {
		e := r.add(c.kind, string(c.kind), c.name)
		for _, ph := range c.phrases {
			r.addName(e, ph)
		}
	}
	if p == nil {
		return r
	}
	for _, c := range p.Chains {
		e := r.add(MatchChain, c.ID, c.Name)
		r.addNames(e, append([]string{c.Name, c.Short, c.En, c.EnFull}, c.Aliases...))
	}
	for _, c := range p.Clusters {
		e := r.add(MatchCluster, c.ID, c.Name)
		r.addNames(e, append([]string{c.Name, c.Short, c.En, c.EnFull}, c.Aliases...))
	}
	for _, u := range p.Units {
		e := r.add(MatchUnit, u.ID, u.Name)
		r.addNames(e, u.Names())
	}
	for _, in := range p.Indicators {
		e := r.add(MatchIndicator, in.ID, in.Name)
		r.addNames(e, append([]string{in.Name, in.En, in.EnFull}, in.Short...))
	}
	for _, pr := range p.Projects {
		e := r.add(MatchProject, pr.ID, pr.Name)
		r.addNames(e, append([]string{pr.Name, pr.En, pr.EnFull}, pr.Short...))
	}
	for _, t := range p.Tasks {
		e := r.add(MatchTask, t.Key(), t.Title)
		r.addNames(e, []string{t.Title, t.TitleEn})
		r.tasks[t.No] = e
	}
	for _, w := range p.WorkItems {
		e := r.add(MatchWork, w.ID, rsClip(w.Work, 24))
		if n, ok := rsTrailingNumber(w.ID); ok {
			if _, dup := r.works[n]; !dup {
				r.works[n] = e
			}
		}
	}
	return r
}

func (r *Resolver) add(kind MatchKind, key, name string) int32 {
	r.ents = append(r.ents, rsEntity{kind: kind, key: key, name: name})
	return int32(len(r.ents) - 1)
}

func (r *Resolver) addNames(e int32, names []string) {
	seen := map[string]bool{}
	for _, n := range names {
		if k := NormalizeName(n); k != "" && !seen[k] {
			seen[k] = true
			r.addName(e, n)
		}
	}
}

func (r *Resolver) addName(e int32, name string) {
	toks := rsTokens(name)
	if len(toks) == 0 {
		return
	}
	key := strings.Join(toks, "")
	runes := []rune(key)
	han := rsHasHan(runes)
	kind := r.ents[e].kind
	r.names = append(r.names, rsName{
		ent: e, cmd: kind.IsCommand(), thing: kind == MatchChain || kind == MatchCluster || kind == MatchUnit,
		han: han, n: len(runes), maxTypo: rsMaxTypo(len(runes), han), bloom: rsBloom(runes),
		key: key, tok: " " + strings.Join(toks, " ") + " ", runes: runes,
	})
}

// NormalizeName is the form in which the resolver compares names: full-width folded to
// half-width, lower case, and only letters and digits kept (spaces, punctuation,
// brackets and quotes dropped), so "Ｈukou County", "hukou county" and "HukouCounty"
// are one name, and so are "R&D占比" and "rd占比". (seeds.Normalize, which the loader
// uses to tell names apart, keeps punctuation; this one is looser, for matching.)
func NormalizeName(s string) string {
	n := strings.Join(rsTokens(s), "")
	// Joining tokens can make a new word that ends in "s" ("0 00s" → "000s", then
	// "000"): normalize again until nothing changes, so that a normalized name is its own
	// normal form. A second pass is the most it takes, a joined name being one word.
	for range 8 {
		m := strings.Join(rsTokens(n), "")
		if m == n {
			break
		}
		n = m
	}
	return n
}

// rsFold folds one rune: full-width ASCII to half-width, the ideographic space to a
// space, letters to lower case.
func rsFold(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		return ' '
	}
	return unicode.ToLower(r)
}

// rsTokens folds s and cuts it into tokens: a Han character is a token of its own, a
// run of other letters and digits is one token, apostrophes vanish, anything else
// separates tokens. Only the first rsMaxInput runes are read.
func rsTokens(s string) []string {
	var toks []string
	// Tokens are substrings of what b has built so far; a strings.Builder never changes
	// bytes it has written, so they stay valid as it grows.
	var b strings.Builder
	start := -1 // byte offset in b where the current word began
	flush := func() {
		if start >= 0 {
			toks = append(toks, rsSingular(b.String()[start:]))
			start = -1
		}
	}
	b.Grow(len(s))
	count := 0
	for _, c := range s {
		if count++; count > rsMaxInput {
			break
		}
		c = rsFold(c)
		switch {
		case unicode.Is(unicode.Han, c):
			flush()
			at := b.Len()
			b.WriteRune(c)
			toks = append(toks, b.String()[at:])
		case unicode.IsLetter(c) || unicode.IsDigit(c) || unicode.Is(unicode.Mn, c):
			if start < 0 {
				start = b.Len()
			}
			b.WriteRune(c)
		case c == '\'' || c == '’' || c == '‘' || c == '`' || c == '´':
		default:
			flush()
		}
	}
	flush()
	return toks
}

// rsSingular folds an English plural to its singular, so that "little giants" and
// "little giant", "green factory" and "green factories" are one name: -ies → -y,
// -sses/-xes/-ches/-shes lose -es, any other -s after a consonant or vowel but s, u or
// i is dropped. Names and questions are folded alike, so a word it mangles ("status" →
// "statu") still matches itself.
func rsSingular(w string) string {
	n := len(w)
	if n < 4 || w[n-1] != 's' || w[0] > unicode.MaxASCII {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && n > 4:
		return w[:n-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"):
		return w[:n-2]
	case strings.ContainsRune("sui", rune(w[n-2])):
		return w
	}
	return w[:n-1]
}

func rsHasHan(rs []rune) bool {
	for _, c := range rs {
		if unicode.Is(unicode.Han, c) {
			return true
		}
	}
	return false
}

// rsBloom is a 64-bit set of the runes of a key; a has runes b lacks when a&^b != 0, and
// the number of such bits is a lower bound on the edit distance from a to b.
func rsBloom(rs []rune) uint64 {
	var m uint64
	for _, c := range rs {
		m |= 1 << ((uint32(c) * 2654435761) >> 26)
	}
	return m
}

// rsMaxTypo is how many edits a name of n runes tolerates.
func rsMaxTypo(n int, han bool) int {
	if han {
		switch {
		case n < 3:
			return 0
		case n < 6:
			return 1
		}
		return 2
	}
	switch {
	case n < 4:
		return 0
	case n < 8:
		return 1
	case n < 14:
		return 2
	}
	return 3
}

// rsQuery is one form of a question.
type rsQuery struct {
	key     string
	tok     string // " tok tok … "
	tokOpen string // tok without its last space when the last token is a Latin word of 4+ letters: a word prefix
	runes   []rune
	starts  []int // rune offset of each token in key
	n       int
	bloom   uint64
	han     bool
}

func rsMakeQuery(toks []string) (rsQuery, bool) {
	var q rsQuery
	n := 0
	for i, t := range toks {
		c := utf8.RuneCountInString(t)
		if n+c > rsMaxRunes {
			toks = toks[:i]
			break
		}
		q.starts = append(q.starts, n)
		n += c
	}
	if len(toks) == 0 {
		return q, false
	}
	q.key = strings.Join(toks, "")
	q.tok = " " + strings.Join(toks, " ") + " "
	q.runes = []rune(q.key)
	q.n = len(q.runes)
	q.bloom = rsBloom(q.runes)
	q.han = rsHasHan(q.runes)
	last := []rune(toks[len(toks)-1])
	if len(last) >= 4 && !rsHasHan(last) {
		q.tokOpen = q.tok[:len(q.tok)-1]
	}
	return q, true
}

// strip removes filler words, longest phrase first.
func (r *Resolver) strip(toks []string) []string {
	out := make([]string, 0, len(toks))
	for i := 0; i < len(toks); {
		skip := 0
		for _, ph := range r.fillers[toks[i]] {
			if len(ph) <= len(toks)-i && slices.Equal(ph, toks[i:i+len(ph)]) {
				skip = len(ph)
				break
			}
		}
		if skip > 0 {
			i += skip
			continue
		}
		out = append(out, toks[i])
		i++
	}
	return out
}

// rsScratch is the per-question state: each entity's best score and, per form, the
// runes of the question its names cover.
type rsScratch struct {
	best    []float64
	partial []bool // the best score came from names covering part of the question
	cov     []uint64
	touched []int32
}

// Resolve reads one question.
func (r *Resolver) Resolve(question string) Resolution {
	return r.resolve(question, nil, true)
}

// matches reads text for the things it names, without the suggestions Resolve adds when
// nothing matches: those measure the edit distance to every name, most of a question's
// cost, and the intent reader, which reads parts of a question, never shows them.
func (r *Resolver) matches(text string) []Match {
	return r.resolve(text, nil, false).Matches
}

// resolve reads a question; when keep is set, only things of the kinds it keeps are
// matched and suggested (Pick); suggest asks for suggestions when nothing matches.
func (r *Resolver) resolve(question string, keep func(MatchKind) bool, suggest bool) Resolution {
	toks := rsTokens(question)
	if len(toks) == 0 {
		return Resolution{}
	}
	forms := make([]rsQuery, 0, 2)
	if q, ok := rsMakeQuery(toks); ok {
		forms = append(forms, q)
	}
	if st := r.strip(toks); len(st) > 0 && len(st) < len(toks) {
		if q, ok := rsMakeQuery(st); ok {
			forms = append(forms, q)
		}
	}
	if len(forms) == 0 {
		return Resolution{}
	}
	s := &rsScratch{best: make([]float64, len(r.ents)), partial: make([]bool, len(r.ents)), cov: make([]uint64, len(r.ents))}
	for i := range forms {
		r.score(&forms[i], s)
	}
	var res Resolution
	for e, sc := range s.best {
		if sc >= rsGood && (keep == nil || keep(r.ents[e].kind)) {
			m := r.match(int32(e), sc)
			m.Partial = s.partial[e]
			res.Matches = append(res.Matches, m)
		}
	}
	rsSort(res.Matches)
	if len(res.Matches) > rsMaxMatches {
		res.Matches = res.Matches[:rsMaxMatches]
	}
	if len(res.Matches) >= 2 {
		res.Ambiguous = rsClose(res.Matches[0].Score, res.Matches[1].Score)
	}
	if len(res.Matches) == 0 && suggest {
		res.Suggestions = r.suggest(forms, s.best, keep)
	}
	return res
}

func (r *Resolver) match(e int32, score float64) Match {
	en := r.ents[e]
	return Match{Kind: en.kind, Key: en.key, Name: en.name, Score: score}
}

func rsSort(ms []Match) {
	slices.SortFunc(ms, func(a, b Match) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		if d := a.Kind.rank() - b.Kind.rank(); d != 0 {
			return d
		}
		return strings.Compare(a.Key, b.Key)
	})
}

func (s *rsScratch) raise(e int32, v float64) {
	if v > s.best[e] {
		s.best[e], s.partial[e] = v, false
	}
}

// raisePartial is raise for a score from names that explain only part of the question.
func (s *rsScratch) raisePartial(e int32, v float64) {
	if v > s.best[e] {
		s.best[e], s.partial[e] = v, true
	}
}

// cover marks runes [from, from+n) of the question as explained by entity e.
func (s *rsScratch) cover(e int32, from, n int) {
	if s.cov[e] == 0 {
		s.touched = append(s.touched, e)
	}
	var m uint64
	if n >= 64 {
		m = ^uint64(0)
	} else {
		m = (uint64(1)<<n - 1) << from
	}
	s.cov[e] |= m
}

// score compares one form of the question with every name, then turns what the names
// found inside the question cover into scores.
func (r *Resolver) score(q *rsQuery, s *rsScratch) {
	s.touched = s.touched[:0]
	r.numbers(q, s)
	qMinIn := 3 // shortest question that may be found inside a longer name
	if q.han {
		qMinIn = 2
	}
	for i := range r.names {
		nm := &r.names[i]
		switch {
		case nm.n == q.n && nm.key == q.key:
			if nm.cmd {
				s.raise(nm.ent, rsScoreCommand)
			} else {
				s.raise(nm.ent, rsScoreExact)
			}
			continue
		case nm.n < q.n:
			// The name may be inside the question, as whole words.
			if nm.n >= 2 && nm.bloom&^q.bloom == 0 {
				if at := strings.Index(q.tok, nm.tok); at >= 0 {
					s.cover(nm.ent, q.starts[strings.Count(q.tok[:at], " ")], nm.n)
				}
			}
		case nm.n > q.n:
			// The question may be inside the name, or an abbreviation of it.
			if q.n >= qMinIn && q.bloom&^nm.bloom == 0 {
				bonus := 0.0
				if nm.thing {
					bonus = rsThingBonus
				}
				share := float64(q.n) / float64(nm.n)
				if strings.Contains(nm.tok, q.tok) || q.tokOpen != "" && strings.Contains(nm.tok, q.tokOpen) {
					s.raise(nm.ent, rsScoreInName+rsSpanName*share+bonus)
					continue
				}
				if q.han && q.n >= 3 && share >= 0.4 && q.runes[0] == nm.runes[0] && rsSubsequence(q.runes, nm.runes) {
					s.raise(nm.ent, rsScoreAbbrev+rsSpanName*share+bonus)
					continue
				}
			}
		}
		// A typo.
		if d := nm.maxTypo; d > 0 && q.n >= 3 && rsAbs(q.n-nm.n) <= d && bits.OnesCount64(q.bloom&^nm.bloom) <= d &&
			(nm.han || nm.n >= 8 || q.runes[0] == nm.runes[0]) {
			if dist := Distance(q.runes, nm.runes, d); dist <= d {
				s.raisePartial(nm.ent, rsScoreTypo+rsSpanTypo*(1-float64(dist)/float64(max(q.n, nm.n))))
			}
		}
	}
	for _, e := range s.touched {
		c := bits.OnesCount64(s.cov[e])
		s.cov[e] = 0
		if c >= q.n {
			s.raise(e, rsScoreExact)
			continue
		}
		s.raisePartial(e, rsScoreInQuery+rsSpanQuery*float64(c)/float64(q.n))
	}
}

var (
	rsTaskRe = regexp.MustCompile(`第?([0-9]+|[零〇一二两三四五六七八九十]+)[项号条个]?任务|任务第?([0-9]+|[零〇一二两三四五六七八九十]+)[项号条]?|tasks?(?:no|number)?([0-9]+)`)
	rsWorkRe = regexp.MustCompile(`第?([0-9]+|[零〇一二两三四五六七八九十]+)[项号条个]?重点工作|重点工作第?([0-9]+|[零〇一二两三四五六七八九十]+)[项号条]?|wi0*([0-9]+)|(?:keywork|workitem|keyworkitem)s?(?:no|number)?0*([0-9]+)`)
)

// numbers finds task and work item numbers in the question; each covers the runes it
// spans, like a name found in the question.
func (r *Resolver) numbers(q *rsQuery, s *rsScratch) {
	if strings.Contains(q.key, "任务") || strings.Contains(q.key, "task") {
		r.number(q, s, rsTaskRe, r.tasks)
	}
	if strings.Contains(q.key, "重点工作") || strings.Contains(q.key, "wi") || strings.Contains(q.key, "work") {
		r.number(q, s, rsWorkRe, r.works)
	}
}

func (r *Resolver) number(q *rsQuery, s *rsScratch, re *regexp.Regexp, ents map[int]int32) {
	for _, m := range re.FindAllStringSubmatchIndex(q.key, 4) {
		for g := 1; 2*g+1 < len(m); g++ {
			if m[2*g] < 0 {
				continue
			}
			n, ok := rsNumber(q.key[m[2*g]:m[2*g+1]])
			if !ok {
				break
			}
			if e, ok := ents[n]; ok {
				from := utf8.RuneCountInString(q.key[:m[0]])
				s.cover(e, from, utf8.RuneCountInString(q.key[m[0]:m[1]]))
			}
			break
		}
	}
}

// rsNumber reads 6, 23, 六, 十六, 二十三 (up to 99).
func rsNumber(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	if s[0] >= '0' && s[0] <= '9' {
		if len(s) > 4 {
			return 0, false
		}
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	digit := func(c rune) int {
		return slices.Index([]rune("零一二三四五六七八九"), c)
	}
	rs := []rune(strings.NewReplacer("〇", "零", "两", "二").Replace(s))
	if len(rs) > 3 {
		return 0, false
	}
	ten := slices.Index(rs, '十')
	if ten < 0 {
		if len(rs) != 1 {
			return 0, false
		}
		d := digit(rs[0])
		return d, d > 0
	}
	// [d]十[d]
	if slices.Index(rs[ten+1:], '十') >= 0 {
		return 0, false
	}
	tens, ones := 1, 0
	if ten == 1 {
		if tens = digit(rs[0]); tens <= 0 {
			return 0, false
		}
	} else if ten != 0 {
		return 0, false
	}
	if ten+1 < len(rs) {
		if ten+2 != len(rs) {
			return 0, false
		}
		if ones = digit(rs[ten+1]); ones <= 0 {
			return 0, false
		}
	}
	return tens*10 + ones, true
}

func rsTrailingNumber(id string) (int, bool) {
	i := len(id)
	for i > 0 && id[i-1] >= '0' && id[i-1] <= '9' {
		i--
	}
	if i == len(id) || len(id)-i > 4 {
		return 0, false
	}
	n, err := strconv.Atoi(id[i:])
	return n, err == nil
}

// suggest ranks, when nothing matched well, the things whose names come closest: the
// weaker partial matches already scored, and typos beyond the tolerated distance with a
// similarity of at least 0.4, on the typo scale. When keep is set, only things of the
// kinds it keeps are suggested.
func (r *Resolver) suggest(forms []rsQuery, best []float64, keep func(MatchKind) bool) []Match {
	score := slices.Clone(best)
	for fi := range forms {
		q := &forms[fi]
		for i := range r.names {
			nm := &r.names[i]
			if nm.han != q.han {
				continue
			}
			longest := max(q.n, nm.n)
			limit := longest * 6 / 10 // similarity ≥ 0.4
			if rsAbs(q.n-nm.n) > limit || bits.OnesCount64(q.bloom&^nm.bloom) > limit {
				continue
			}
			if d := Distance(q.runes, nm.runes, limit); d <= limit {
				v := rsScoreTypo + rsSpanTypo*(1-float64(d)/float64(longest))
				if v > score[nm.ent] {
					score[nm.ent] = v
				}
			}
		}
	}
	var out []Match
	for e, v := range score {
		if v >= rsSuggestMin && (keep == nil || keep(r.ents[e].kind)) {
			out = append(out, r.match(int32(e), v))
		}
	}
	rsSort(out)
	if len(out) > rsMaxSuggestions {
		out = out[:rsMaxSuggestions]
	}
	return out
}

// rsSubsequence reports whether a occurs in b in order, not necessarily contiguously.
func rsSubsequence(a, b []rune) bool {
	i := 0
	for _, c := range b {
		if i < len(a) && a[i] == c {
			i++
		}
	}
	return i == len(a)
}

func rsAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// rsClip shortens s to at most n runes, ending it with … when cut; it stops at the end
// of the first sentence.
func rsClip(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "。；\n"); i > 0 {
		s = s[:i]
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n]) + "…"
}

// rsClose reports whether a match scoring s is as likely as the best one's top: within
// the margin, and never a partial match beside an exact name.
func rsClose(top, s float64) bool {
	return s > top-rsMargin && !(top >= rsScoreExact && s < rsScoreExact)
}
