package flows

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
)

// Questions by intent (progressbot.Resolver.Intent): which are lagging, what needs
// coordination, rankings, comparisons and what changed. Each answer is a view of its own,
// a button like any rollup's ("q:<view>:<yymm>:<page>:<subject>[:<other>]"), computed
// from rollups that go through Engine.rollup and so through Roller.Select: a chain chief
// asking which counties lag sees the counties of their chain, on their chain's items.
//
// The views:
//
//	L   what is lagging (entries, worst first)     Lu Lc  units, counties   Li Lt  indicators, tasks
//	C   what needs coordination
//	R<axis><dir><n>  a ranking of units (axis u or c, dir t top or b bottom, n 0 for all):
//	    on an indicator by its pace ratio, on anything else by the share of items on pace
//	V   two subjects side by side: the subject and the one after it in the data
//	M<yymm>  the subject in its period against the month yymm
//	W   what changed since the month before; Wn only what became lagging

// Intent views' first letters.
const (
	intentLagging = 'L'
	intentCoord   = 'C'
	intentRank    = 'R'
	intentVersus  = 'V'
	intentMonths  = 'M'
	intentChange  = 'W'
)

// rankPage is how many units a ranking shows at most on one screen.
const rankPage = 10

// isIntentView reports whether a view name is one of the intent views above.
func isIntentView(name string) bool {
	if name == "" {
		return false
	}
	switch name[0] {
	case intentLagging:
		return name == "L" || len(name) == 2 && strings.ContainsRune("ucit", rune(name[1]))
	case intentCoord, intentVersus:
		return len(name) == 1
	case intentChange:
		return name == "W" || name == "Wn"
	case intentMonths:
		_, ok := parseYYMM(name[1:])
		return ok
	case intentRank:
		_, _, _, ok := parseRank(name)
		return ok
	}
	return false
}

// parseRank reads "Rct5": counties, top, 5.
func parseRank(name string) (counties, top bool, n int, ok bool) {
	if len(name) < 4 || name[0] != intentRank || !strings.ContainsRune("uc", rune(name[1])) || !strings.ContainsRune("tb", rune(name[2])) {
		return false, false, 0, false
	}
	n, err := strconv.Atoi(name[3:])
	if err != nil || n < 0 || n > 50 || strconv.Itoa(n) != name[3:] {
		return false, false, 0, false
	}
	return name[1] == 'c', name[2] == 't', n, true
}

// askIntent answers a question that asks for an intent; ok is false when it asks for
// none (the question is then read as a name).
func (e *Engine) askIntent(ctx context.Context, u User, text string, per progressbot.Period, loc *locales.Localizer) (Reply, bool, error) {
	scope, ok := e.scopeOf(u)
	if !ok {
		return Reply{}, false, nil // ask refuses
	}
	v, ok := e.intentOf(scope, text, per)
	if !ok {
		return Reply{}, false, nil
	}
	e.log().Info("question by intent", "user_id", u.ID, "view", v.name)
	r, err := e.intentView(ctx, u, v, false, loc)
	return r, true, err
}

// intentOf is the view that answers a question by intent, asked by someone whose scope
// is scope, in period per; ok is false when the question asks for no intent.
func (e *Engine) intentOf(scope progressbot.Subject, text string, per progressbot.Period) (view, bool) {
	in, ok := e.Resolver().Intent(text)
	if !ok {
		return view{}, false
	}
	var subjects []progressbot.Subject
	for _, m := range in.Subjects {
		s, ok := progressbot.SubjectOf(m)
		if !ok {
			return view{}, false // 谁还没报, 红黄榜: commands of their own
		}
		if s.Kind == progressbot.SubjectPlan {
			s = scope // 全市 from a chain chief is their chain
		}
		subjects = append(subjects, s)
	}
	v := view{period: per, subject: scope}
	if len(subjects) > 0 {
		v.subject = subjects[0]
	}
	switch in.Kind {
	case progressbot.IntentLagging:
		v.name = lagView(in.Axis, v.subject)
	case progressbot.IntentCoordination:
		v.name = string(intentCoord)
	case progressbot.IntentRanking:
		v.name = rankView(in)
	case progressbot.IntentChange:
		v.name = "W"
		if in.NewOnly {
			v.name = "Wn"
		}
	case progressbot.IntentCompare:
		if len(in.Months) == 2 {
			a, b := e.monthPeriod(in.Months[0]), e.monthPeriod(in.Months[1])
			if a == b {
				return view{}, false
			}
			if b.Before(a) {
				a, b = b, a
			}
			v.name, v.period = string(intentMonths)+yymm(a), b
			break
		}
		if len(subjects) != 2 {
			return view{}, false
		}
		v.name, v.within = string(intentVersus), subjects[1:]
	default:
		return view{}, false
	}
	return v, true
}

// lagView is the lagging view for what the question lists; a unit is not a list of
// units, so for a unit it is its lagging items.
func lagView(axis progressbot.IntentAxis, subject progressbot.Subject) string {
	switch axis {
	case progressbot.AxisUnits, progressbot.AxisCounties:
		if subject.Kind == progressbot.SubjectUnit {
			return "L"
		}
		if axis == progressbot.AxisCounties {
			return "Lc"
		}
		return "Lu"
	case progressbot.AxisIndicators:
		return "Li"
	case progressbot.AxisTasks:
		return "Lt"
	}
	return "L"
}

func rankView(in progressbot.Intent) string {
	axis, dir, n := "u", "t", in.Top
	if in.Axis == progressbot.AxisCounties {
		axis = "c"
	}
	if in.Bottom > 0 {
		dir, n = "b", in.Bottom
	}
	return string(intentRank) + axis + dir + strconv.Itoa(min(n, 50))
}

// monthPeriod is the latest period of a month, not after the one being reported.
func (e *Engine) monthPeriod(m time.Month) progressbot.Period {
	cur := e.Calendar.Current(e.now())
	p := progressbot.Period{Year: cur.Year, Month: m}
	if cur.Before(p) {
		p.Year--
	}
	return e.clampPeriod(p)
}

// intentRollup is rollup with its refusals turned into replies, as showRollup does.
func (e *Engine) intentRollup(ctx context.Context, u User, v view, subj progressbot.Subject, within []progressbot.Subject, per progressbot.Period, loc *locales.Localizer) (*progressbot.Rollup, *Reply, error) {
	ru, err := e.rollup(ctx, u, subj, within, per, false)
	if r, ok := e.refusedRollup(err, u, subj, v.period, loc, "view", v.name); ok {
		return nil, &r, nil
	}
	return ru, nil, err
}

// intentView shows one intent view.
func (e *Engine) intentView(ctx context.Context, u User, v view, edit bool, loc *locales.Localizer) (Reply, error) {
	var m Message
	dash := v
	switch v.name[0] {
	case intentVersus:
		if len(v.within) != 1 || v.within[0] == v.subject {
			return Reply{Toast: loc.T("button.stale")}, nil
		}
		a, refused, err := e.intentRollup(ctx, u, v, v.subject, nil, v.period, loc)
		if refused != nil || err != nil {
			return deref(refused), err
		}
		b, refused, err := e.intentRollup(ctx, u, v, v.within[0], nil, v.period, loc)
		if refused != nil || err != nil {
			return deref(refused), err
		}
		m = e.versusScreen(a, b, v, loc)
		dash.within = nil // the dashboard opens at the first of the two
	case intentMonths, intentChange:
		other := v.period.Prev()
		if v.name[0] == intentMonths {
			other, _ = parseYYMM(v.name[1:])
			other = e.clampPeriod(other)
		}
		cur, refused, err := e.intentRollup(ctx, u, v, v.subject, v.within, v.period, loc)
		if refused != nil || err != nil {
			return deref(refused), err
		}
		old, refused, err := e.intentRollup(ctx, u, v, v.subject, v.within, other, loc)
		if refused != nil || err != nil {
			return deref(refused), err
		}
		m = e.changeScreen(cur, old, v, v.name == "Wn", loc)
	default:
		ru, refused, err := e.intentRollup(ctx, u, v, v.subject, v.within, v.period, loc)
		if refused != nil || err != nil {
			return deref(refused), err
		}
		switch v.name[0] {
		case intentLagging:
			m = e.lagScreen(ru, v, loc)
		case intentCoord:
			m = e.coordIntentScreen(ru, v, loc)
		case intentRank:
			m = e.rankScreen(ru, v, loc)
		}
	}
	m.Edit = edit
	m.Keyboard = append(m.Keyboard, e.dashboardRow(u, dash, loc)...)
	return Reply{Messages: []Message{m}}, nil
}

func deref(r *Reply) Reply {
	if r == nil {
		return Reply{}
	}
	return *r
}

// intentHead is a view's first line and the line that says what it lists.
func (e *Engine) intentHead(ru *progressbot.Rollup, v view, line string, loc *locales.Localizer) *strings.Builder {
	var b strings.Builder
	b.WriteString(e.heading(ru, v, loc))
	if !ru.Closed {
		b.WriteString("\n" + loc.T("leader.open_period", "Deadline", e.deadlineLabel(ru.Period, loc)))
	}
	b.WriteString("\n" + line)
	return &b
}

// listed is a page of numbered lines with a button each that drills into what the line
// names, and the pager's row.
type listed struct {
	lines []string
	open  []progressbot.Subject
}

func (l *listed) add(line string, s progressbot.Subject) {
	l.lines = append(l.lines, line)
	l.open = append(l.open, s)
}

// page writes the page of v and returns its keyboard: numbered drill-downs and the
// pager.
func (e *Engine) page(b *strings.Builder, l listed, v view, empty string, loc *locales.Localizer) [][]Button {
	if len(l.lines) == 0 {
		b.WriteString("\n" + empty)
	}
	from, to, nav := e.pager(v, len(l.lines), listPage, loc)
	if note := pageNote(v, len(l.lines), listPage, loc); note != "" {
		b.WriteString(note)
	}
	var open []Button
	for i := from; i < to; i++ {
		b.WriteString(fmt.Sprintf("\n%d. %s", i+1, l.lines[i]))
		open = append(open, Button{Label: strconv.Itoa(i + 1), Data: v.child(l.open[i]).encode(e.Plan)})
	}
	return append(chunk(open, 4), nav)
}

// ---- lagging ----

func (e *Engine) lagScreen(ru *progressbot.Rollup, v view, loc *locales.Localizer) Message {
	var l listed
	key := "intent.lagging.entries"
	switch v.name {
	case "Lu", "Lc":
		key = "intent.lagging.units"
		if v.name == "Lc" {
			key = "intent.lagging.counties"
		}
		for _, ur := range ru.Units {
			if ur.Counts.Lagging+ur.Counts.Serious == 0 || v.name == "Lc" && !e.isCounty(ur.Unit) {
				continue
			}
			l.add(levelIcon(ur.Counts.Worst())+" "+e.shortUnit(ur.Unit, loc)+loc.T("leader.colon")+lagCounts(ur.Counts, loc),
				progressbot.Subject{Kind: progressbot.SubjectUnit, Key: ur.Unit})
		}
	case "Li", "Lt":
		key = "intent.lagging.indicators"
		if v.name == "Lt" {
			key = "intent.lagging.tasks"
		}
		for _, it := range ru.Items {
			if (it.Item.Kind == progressbot.ItemIndicator) != (v.name == "Li") || !it.Level.Lagging() {
				continue
			}
			l.add(levelIcon(it.Level)+" "+e.shortItem(it.Item, loc)+loc.T("leader.colon")+e.itemText(ru, it, loc), progressbot.SubjectOfItem(it.Item))
		}
	default:
		for _, en := range ru.Attention {
			l.add(e.entryLine(en, ru, loc), drillOf(en, ru))
		}
	}
	b := e.intentHead(ru, v, loc.T(key, "Count", len(l.lines)), loc)
	rows := e.page(b, l, v, loc.T("intent.lagging.none"), loc)
	return Message{Text: b.String(), Keyboard: append(rows, e.periodRow(v, loc)...)}
}

// lagCounts is "严重滞后 2 · 滞后 3".
func lagCounts(c progressbot.Counts, loc *locales.Localizer) string {
	var parts []string
	if c.Serious > 0 {
		parts = append(parts, loc.T("leader.level.serious")+" "+strconv.Itoa(c.Serious))
	}
	if c.Lagging > 0 {
		parts = append(parts, loc.T("leader.level.lagging")+" "+strconv.Itoa(c.Lagging))
	}
	return strings.Join(parts, " · ")
}

// drillOf is what a line about an entry opens: its item, or its unit when the rollup
// is already the item's.
func drillOf(en progressbot.Entry, ru *progressbot.Rollup) progressbot.Subject {
	if _, isItem := ru.Selection.Subject.Item(); isItem && en.Unit != "" {
		return progressbot.Subject{Kind: progressbot.SubjectUnit, Key: en.Unit}
	}
	return progressbot.SubjectOfItem(en.Item)
}

func (e *Engine) isCounty(unit string) bool {
	u := e.Plan.Unit(unit)
	return u != nil && u.Kind == progressbot.UnitCounty
}

// itemText is how an item stands in a rollup, in a few words: its total, its one
// entry, or its counts.
func (e *Engine) itemText(ru *progressbot.Rollup, it progressbot.ItemRow, loc *locales.Localizer) string {
	if en := ru.Standing(it); en != nil {
		return e.entryText(*en, loc)
	}
	return countsText(it.Counts, loc)
}

// ---- coordination ----

func (e *Engine) coordIntentScreen(ru *progressbot.Rollup, v view, loc *locales.Localizer) Message {
	var l listed
	for _, en := range ru.Coordination {
		l.add(strings.TrimPrefix(e.coordLine(en, ru, loc), "· "), drillOf(en, ru))
	}
	b := e.intentHead(ru, v, loc.T("intent.coordination", "Count", len(l.lines)), loc)
	rows := e.page(b, l, v, loc.T("intent.coordination.none"), loc)
	return Message{Text: b.String(), Keyboard: append(rows, e.periodRow(v, loc)...)}
}

// ---- rankings ----

// ranked is one unit in a ranking: its score (NaN when it cannot be ranked) and what the
// line says of it.
type ranked struct {
	unit  string
	score float64
	level progressbot.PaceLevel
	text  string
}

// rankUnits ranks the units of a rollup, best first, those that cannot be ranked last:
// on an indicator by the ratio of each unit's value to where it should be by now, on
// anything else by the share of its judged items that are on pace or ahead.
func (e *Engine) rankUnits(ru *progressbot.Rollup, counties bool, loc *locales.Localizer) []ranked {
	var out []ranked
	if ru.Selection.Subject.Kind == progressbot.SubjectIndicator {
		for _, en := range ru.Entries {
			if en.Unit == "" || counties && !e.isCounty(en.Unit) {
				continue
			}
			r := ranked{unit: en.Unit, score: math.NaN(), level: en.Level, text: e.entryText(en, loc)}
			if en.HasValue && en.Expected > 0 && !math.IsInf(en.Ratio, 0) && !math.IsNaN(en.Ratio) && en.Reason == progressbot.ReasonValue {
				r.score = en.Ratio
			}
			out = append(out, r)
		}
	} else {
		for _, ur := range ru.Units {
			if counties && !e.isCounty(ur.Unit) {
				continue
			}
			c := ur.Counts
			r := ranked{unit: ur.Unit, score: math.NaN(), level: c.Worst(), text: countsText(c, loc)}
			if c.Judged() > 0 {
				r.score = float64(c.Ahead+c.OnTrack) / float64(c.Judged())
				r.text = loc.T("intent.rank.on_pace", "On", c.Ahead+c.OnTrack, "Judged", c.Judged(), "Pct", pct(r.score))
				if lag := lagCounts(c, loc); lag != "" {
					r.text += " · " + lag
				}
			}
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b ranked) int {
		an, bn := math.IsNaN(a.score), math.IsNaN(b.score)
		switch {
		case an && bn:
			return 0
		case an:
			return 1
		case bn:
			return -1
		}
		return cmp.Compare(b.score, a.score)
	})
	return out
}

func (e *Engine) rankScreen(ru *progressbot.Rollup, v view, loc *locales.Localizer) Message {
	counties, top, n, _ := parseRank(v.name)
	all := e.rankUnits(ru, counties, loc)
	judged := 0
	for _, r := range all {
		if !math.IsNaN(r.score) {
			judged++
		}
	}
	by := "intent.rank.by_pace"
	if ru.Selection.Subject.Kind == progressbot.SubjectIndicator {
		by = "intent.rank.by_ratio"
	}
	// Which ranks are shown: the first n, the last n (worst first), or all ranked.
	var shown []int
	switch {
	case n == 0:
		for i := 0; i < judged; i++ {
			shown = append(shown, i)
		}
	case top:
		for i := 0; i < min(n, judged); i++ {
			shown = append(shown, i)
		}
	default:
		for i := judged - 1; i >= max(0, judged-n); i-- {
			shown = append(shown, i)
		}
	}
	key := "intent.rank.all"
	if n > 0 && top {
		key = "intent.rank.top"
	} else if n > 0 {
		key = "intent.rank.bottom"
	}
	what := loc.T("intent.rank.units")
	if counties {
		what = loc.T("intent.rank.counties")
	}
	b := e.intentHead(ru, v, loc.T(key, "Count", len(shown), "What", what)+loc.T("leader.paren", "Text", loc.T(by)), loc)
	if n == 0 && len(shown) > rankPage {
		shown = shown[:rankPage] // a phone screen; the dashboard has the whole table
		b.WriteString("\n" + loc.T("intent.rank.first", "Count", rankPage, "Total", judged))
	}
	var open []Button
	for _, i := range shown {
		r := all[i]
		b.WriteString(fmt.Sprintf("\n%d. %s %s%s%s", i+1, levelIcon(r.level), e.shortUnit(r.unit, loc), loc.T("leader.colon"), r.text))
		open = append(open, Button{Label: strconv.Itoa(i + 1), Data: v.child(progressbot.Subject{Kind: progressbot.SubjectUnit, Key: r.unit}).encode(e.Plan)})
	}
	if len(shown) == 0 {
		b.WriteString("\n" + loc.T("intent.rank.none"))
	}
	if rest := len(all) - judged; rest > 0 {
		var names []string
		for i, r := range all[judged:] {
			if i == summaryMissing {
				names = append(names, loc.T("leader.and_more", "Count", rest-i))
				break
			}
			names = append(names, e.shortUnit(r.unit, loc))
		}
		b.WriteString("\n" + loc.T("intent.rank.unranked", "Count", rest) + strings.Join(names, loc.T("leader.list_sep")))
	}
	rows := chunk(open, 5)
	rows = append(rows, []Button{{Label: loc.T("leader.button.back"), Data: view{name: viewSummary, period: v.period, subject: v.subject, within: v.within}.encode(e.Plan)}})
	return Message{Text: b.String(), Keyboard: append(rows, e.periodRow(v, loc)...)}
}

// ---- comparisons ----

// side is how an item stands on one side of a comparison.
type side struct {
	level progressbot.PaceLevel
	text  string
}

// sides is each item of a rollup as a comparison shows it: level and a short figure.
func (e *Engine) sides(ru *progressbot.Rollup, loc *locales.Localizer) map[progressbot.ItemRef]side {
	out := map[progressbot.ItemRef]side{}
	for _, it := range ru.Items {
		s := side{level: it.Level, text: loc.T("leader.level." + string(it.Level))}
		if en := ru.Standing(it); en != nil && en.HasValue && en.Expected > 0 {
			s.text = pct(en.Ratio)
		}
		out[it.Item] = s
	}
	return out
}

// versusScreen sets two subjects side by side: each one's headline, then the items
// both have, worst first.
func (e *Engine) versusScreen(a, b *progressbot.Rollup, v view, loc *locales.Localizer) Message {
	an, bn := e.subjectName(v.subject, loc), e.subjectName(v.within[0], loc)
	var sb strings.Builder
	sb.WriteString(loc.T("leader.title", "Subject", loc.T("intent.versus.title", "A", an, "B", bn), "Period", periodLabel(v.period, loc)))
	for _, x := range []struct {
		name string
		ru   *progressbot.Rollup
	}{{an, a}, {bn, b}} {
		line := levelIcon(x.ru.Head.Worst()) + " " + x.name + loc.T("leader.colon") + countsText(x.ru.Head, loc)
		if x.ru.Head.Total == 0 {
			line += loc.T("leader.nothing")
		}
		sb.WriteString("\n" + line)
	}
	sa, sbs := e.sides(a, loc), e.sides(b, loc)
	type row struct {
		item  progressbot.ItemRef
		worst int
	}
	var rows []row
	for _, it := range a.Items {
		if y, ok := sbs[it.Item]; ok {
			rows = append(rows, row{it.Item, min(sa[it.Item].level.Rank(), y.level.Rank())})
		}
	}
	slices.SortStableFunc(rows, func(x, y row) int { return x.worst - y.worst })
	sb.WriteString("\n\n" + loc.T("intent.versus.common", "Count", len(rows)))
	for i, r := range rows {
		if i == listPage {
			sb.WriteString("\n" + loc.T("leader.more_lines", "Count", len(rows)-i))
			break
		}
		x, y := sa[r.item], sbs[r.item]
		sb.WriteString("\n· " + e.shortItem(r.item, loc) + loc.T("leader.colon") + levelIcon(x.level) + " " + x.text + loc.T("intent.versus_sep") + levelIcon(y.level) + " " + y.text)
	}
	if len(rows) == 0 {
		sb.WriteString("\n" + loc.T("intent.versus.none"))
	}
	open := []Button{
		{Label: clip(an, 14), Data: view{name: viewSummary, period: v.period, subject: v.subject}.encode(e.Plan)},
		{Label: clip(bn, 14), Data: view{name: viewSummary, period: v.period, subject: v.within[0]}.encode(e.Plan)},
	}
	return Message{Text: sb.String(), Keyboard: append([][]Button{open}, e.periodRow(v, loc)...)}
}

// changeScreen compares a subject's rollup in its period with another month's: the
// headline of both, then the entries whose level moved, what got worse first (only what
// became lagging when newOnly).
func (e *Engine) changeScreen(cur, old *progressbot.Rollup, v view, newOnly bool, loc *locales.Localizer) Message {
	type key struct {
		unit string
		item progressbot.ItemRef
	}
	before := map[key]progressbot.PaceLevel{}
	for _, en := range old.Entries {
		before[key{en.Unit, en.Item}] = en.Level
	}
	for _, it := range old.Items {
		if it.Total != nil {
			before[key{"", it.Item}] = it.Total.Level
		}
	}
	entries := slices.Clone(cur.Entries)
	for _, it := range cur.Items {
		if it.Total != nil {
			entries = append(entries, *it.Total)
		}
	}
	type moved struct {
		en   progressbot.Entry
		was  progressbot.PaceLevel
		diff int
	}
	var ms []moved
	for _, en := range entries {
		was, ok := before[key{en.Unit, en.Item}]
		// A level that says nothing of pace (not reported yet, no target) is no change
		// of pace: /missing tells who has not reported.
		if !ok || was == en.Level || !en.Level.Judged() || !was.Judged() {
			continue
		}
		if newOnly && (!en.Level.Lagging() || was.Lagging()) {
			continue
		}
		ms = append(ms, moved{en, was, en.Level.Rank() - was.Rank()})
	}
	// Worse first (most fallen first), then better; within each, the worst level first.
	slices.SortStableFunc(ms, func(a, b moved) int {
		if (a.diff < 0) != (b.diff < 0) {
			if a.diff < 0 {
				return -1
			}
			return 1
		}
		if d := a.en.Level.Rank() - b.en.Level.Rank(); d != 0 {
			return d
		}
		return a.diff - b.diff
	})
	var l listed
	worse := 0
	for _, m := range ms {
		if m.diff < 0 {
			worse++
		}
		l.add(levelIcon(m.was)+loc.T("intent.became")+e.entryLine(m.en, cur, loc), drillOf(m.en, cur))
	}
	line := loc.T("intent.change.counts", "Worse", worse, "Better", len(ms)-worse, "Was", periodLabel(old.Period, loc))
	if newOnly {
		line = loc.T("intent.change.new_lagging", "Count", len(ms), "Was", periodLabel(old.Period, loc))
	}
	b := e.intentHead(cur, v, loc.T("intent.change.heads", "Now", periodLabel(cur.Period, loc), "NowCounts", countsText(cur.Head, loc),
		"Was", periodLabel(old.Period, loc), "WasCounts", countsText(old.Head, loc))+"\n"+line, loc)
	rows := e.page(b, l, v, loc.T("intent.change.none"), loc)
	if v.name[0] != intentMonths {
		// A comparison of two months names the other in the view: no month row moves
		// one of the two.
		rows = append(rows, e.periodRow(v, loc)...)
	}
	return Message{Text: b.String(), Keyboard: rows}
}
