package flows

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// Leaders' questions: /progress (and free text), /missing and /board.
//
// Rollup buttons carry everything they need and no session: "q:<view>:<yymm>:<page>:
// <subject>[:<within>…]", where a subject is a kind letter and a key ("cpetrochem",
// "uhukou", "t6"; "p" is the whole plan) and the withins are the subjects a drill-down was
// opened from, nearest first (at most two: 石化化工 › 德安县 › 任务8). Every tap goes through Roller.Select again, the one place where scope is
// checked, so a forged button for another chain is refused like a typed question. Board
// buttons are "b:<act>:<yymm>[:<arg>]"; every act checks the person's role again.

// roller rolls the engine's plan up; built once, on first use.
func (e *Engine) roller() *progressbot.Roller {
	e.rollerOnce.Do(func() { e.rollerV = progressbot.NewRoller(e.Plan) })
	return e.rollerV
}

// scopeOf is what a person may see: an admin everything, a leader their scope, a liaison
// their own unit. ok is false for anyone else (or a scope that no longer parses).
func (e *Engine) scopeOf(u User) (progressbot.Subject, bool) {
	acc := u.Account
	if acc == nil {
		return progressbot.Subject{}, false
	}
	switch acc.Role {
	case store.RoleAdmin:
		return progressbot.PlanSubject, true
	case store.RoleLeader:
		s, err := progressbot.ParseScope(acc.Scope)
		return s, err == nil
	case store.RoleLiaison:
		if acc.Unit == "" {
			return progressbot.Subject{}, false
		}
		return progressbot.Subject{Kind: progressbot.SubjectUnit, Key: acc.Unit}, true
	}
	return progressbot.Subject{}, false
}

// Views of a rollup.
const (
	viewSummary   = "r"
	viewUnits     = "u"
	viewTasks     = "t"
	viewIndicator = "i"
	viewAttention = "a"
	viewCoord     = "c"
	viewMissing   = "m"
	viewFiles     = "f" // evidence of a unit or an item (evidence_leader.go)
)

// Page sizes: a phone screen each.
const (
	summaryAttention = 5
	summaryCoord     = 3
	summaryMissing   = 5
	listPage         = 8
	missingPage      = 15
	boardPage        = 15
)

var kindCodes = map[progressbot.SubjectKind]byte{
	progressbot.SubjectPlan: 'p', progressbot.SubjectChain: 'c', progressbot.SubjectCluster: 'g', progressbot.SubjectUnit: 'u',
	progressbot.SubjectIndicator: 'i', progressbot.SubjectTask: 't', progressbot.SubjectWork: 'w', progressbot.SubjectProject: 'j',
}

func (e *Engine) encodeSubject(s progressbot.Subject, short bool) string {
	if s.IsZero() {
		return ""
	}
	c := kindCodes[s.Kind]
	if s.Kind == progressbot.SubjectPlan {
		return "p"
	}
	if short {
		if i := e.subjectIndex(s); i >= 0 {
			return string(c) + "#" + strconv.Itoa(i)
		}
	}
	return string(c) + s.Key
}

// subjectIndex is the subject's position in the plan's lists, for keys too long for a
// button; -1 if it has none.
func (e *Engine) subjectIndex(s progressbot.Subject) int {
	for i := 0; ; i++ {
		key, ok := e.subjectKey(s.Kind, i)
		if !ok {
			return -1
		}
		if key == s.Key {
			return i
		}
	}
}

// subjectKey is the key of the i-th subject of a kind in the plan's lists.
func (e *Engine) subjectKey(kind progressbot.SubjectKind, i int) (string, bool) {
	p := e.Plan
	switch {
	case i < 0:
	case kind == progressbot.SubjectChain && i < len(p.Chains):
		return p.Chains[i].ID, true
	case kind == progressbot.SubjectCluster && i < len(p.Clusters):
		return p.Clusters[i].ID, true
	case kind == progressbot.SubjectUnit && i < len(p.Units):
		return p.Units[i].ID, true
	case kind == progressbot.SubjectIndicator && i < len(p.Indicators):
		return p.Indicators[i].ID, true
	case kind == progressbot.SubjectTask && i < len(p.Tasks):
		return p.Tasks[i].Key(), true
	case kind == progressbot.SubjectWork && i < len(p.WorkItems):
		return p.WorkItems[i].ID, true
	case kind == progressbot.SubjectProject && i < len(p.Projects):
		return p.Projects[i].ID, true
	}
	return "", false
}

func (e *Engine) decodeSubject(code string) (progressbot.Subject, bool) {
	if code == "" {
		return progressbot.Subject{}, false
	}
	var kind progressbot.SubjectKind
	for k, c := range kindCodes {
		if c == code[0] {
			kind = k
		}
	}
	if kind == "" {
		return progressbot.Subject{}, false
	}
	if kind == progressbot.SubjectPlan {
		return progressbot.PlanSubject, len(code) == 1
	}
	key := code[1:]
	if idx, ok := strings.CutPrefix(key, "#"); ok {
		i, err := strconv.Atoi(idx)
		if err != nil || i < 0 {
			return progressbot.Subject{}, false
		}
		key, _ = e.subjectKey(kind, i) // "" past the end: refused below
	}
	return progressbot.Subject{Kind: kind, Key: key}, key != ""
}

func yymm(p progressbot.Period) string { return fmt.Sprintf("%02d%02d", p.Year-2000, int(p.Month)) }

func parseYYMM(s string) (progressbot.Period, bool) {
	if len(s) != 4 {
		return progressbot.Period{}, false
	}
	y, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[2:])
	if err1 != nil || err2 != nil || m < 1 || m > 12 {
		return progressbot.Period{}, false
	}
	return progressbot.Period{Year: 2000 + y, Month: time.Month(m)}, true
}

// view is one screen of a rollup, as a button names it.
type view struct {
	name    string
	period  progressbot.Period
	page    int
	subject progressbot.Subject
	within  []progressbot.Subject // drilled into from, nearest first
}

// maxDepth is how many parents a drill-down remembers.
const maxDepth = 2

// child is the view of a subject drilled into from v: within v's subject and parents.
func (v view) child(s progressbot.Subject) view {
	c := view{name: viewSummary, period: v.period, subject: s}
	if v.subject.Kind != progressbot.SubjectPlan {
		c.within = append([]progressbot.Subject{v.subject}, v.within...)
	}
	if len(c.within) > maxDepth {
		c.within = c.within[:maxDepth]
	}
	return c
}

// parent is the view a back button returns to.
func (v view) parent() view {
	return view{name: viewSummary, period: v.period, subject: v.within[0], within: v.within[1:]}
}

func (e *Engine) viewData(v view) string {
	for _, short := range []bool{false, true} {
		d := fmt.Sprintf("q:%s:%s:%d:%s", v.name, yymm(v.period), v.page, e.encodeSubject(v.subject, short))
		for _, w := range v.within {
			d += ":" + e.encodeSubject(w, short)
		}
		if len(d) <= 64 {
			return d
		}
	}
	// Still too long (it cannot be with indexes): drop the parents.
	return fmt.Sprintf("q:%s:%s:%d:%s", v.name, yymm(v.period), v.page, e.encodeSubject(v.subject, true))
}

func (e *Engine) parseView(data string) (view, bool) {
	parts := strings.Split(data, ":")
	if len(parts) < 5 || len(parts) > 5+maxDepth || parts[0] != "q" {
		return view{}, false
	}
	v := view{name: parts[1]}
	var ok bool
	if v.period, ok = parseYYMM(parts[2]); !ok {
		return view{}, false
	}
	page, err := strconv.Atoi(parts[3])
	if err != nil || page < 0 || page > 1000 {
		return view{}, false
	}
	v.page = page
	if v.subject, ok = e.decodeSubject(parts[4]); !ok {
		return view{}, false
	}
	for _, code := range parts[5:] {
		w, ok := e.decodeSubject(code)
		if !ok {
			return view{}, false
		}
		v.within = append(v.within, w)
	}
	return v, true
}

// periodRE finds a period typed with a question: "石化化工 2026-09", "/board 2026-10".
var periodRE = regexp.MustCompile(`(?:^|\s)(20\d\d)[-./年](0?[1-9]|1[0-2])月?(?:\s|$)`)

func cutPeriod(text string) (string, progressbot.Period, bool) {
	m := periodRE.FindStringSubmatchIndex(text)
	if m == nil {
		return text, progressbot.Period{}, false
	}
	y, _ := strconv.Atoi(text[m[2]:m[3]])
	mo, _ := strconv.Atoi(text[m[4]:m[5]])
	rest := strings.TrimSpace(text[:m[0]] + " " + text[m[1]:])
	return rest, progressbot.Period{Year: y, Month: time.Month(mo)}, true
}

// clampPeriod keeps a period between the plan's first and the open one.
func (e *Engine) clampPeriod(p progressbot.Period) progressbot.Period {
	if cur := e.Calendar.Current(e.now()); cur.Before(p) {
		return cur
	}
	if first := e.firstPeriod(); p.Before(first) {
		return first
	}
	return p
}

func (e *Engine) firstPeriod() progressbot.Period {
	if e.Plan.Issued.IsZero() {
		return progressbot.Period{Year: e.Plan.StartYear, Month: time.January}
	}
	return progressbot.PeriodOf(e.Plan.Issued)
}

// ---- entry points ----

func (e *Engine) leaderCommand(ctx context.Context, u User, in Input, loc *locales.Localizer) (Reply, error) {
	args := strings.TrimSpace(in.Args)
	e.dropPending(ctx, u)
	switch in.Command {
	case "missing":
		_, per, ok := cutPeriod(" " + args + " ")
		if !ok {
			per = e.Calendar.Current(e.now())
		}
		return e.missing(ctx, u, e.clampPeriod(per), 0, false, loc)
	case "board":
		_, per, ok := cutPeriod(" " + args + " ")
		return e.board(ctx, u, per, ok, false, "", loc)
	}
	if args == "" && u.Account.Role == store.RoleLiaison {
		return e.liaisonProgress(ctx, u, loc)
	}
	if args == "" {
		scope, ok := e.scopeOf(u)
		if !ok {
			return e.refuse(u, loc), nil
		}
		return e.showRollup(ctx, u, view{name: viewSummary, period: e.Calendar.LastClosed(e.now()), subject: scope}, false, loc)
	}
	return e.ask(ctx, u, args, loc)
}

func (e *Engine) leaderText(ctx context.Context, u User, text string, loc *locales.Localizer) (Reply, error) {
	if u.Account.Role == store.RoleAdmin {
		if r, ok, err := e.boardReason(ctx, u, text, loc); ok || err != nil {
			return r, err
		}
	}
	return e.ask(ctx, u, text, loc)
}

func (e *Engine) leaderButton(ctx context.Context, u User, data string, loc *locales.Localizer) (Reply, error) {
	if !strings.HasPrefix(data, "b:x:") {
		e.dropPending(ctx, u) // a removal waits for its reason only until the admin does something else
	}
	if strings.HasPrefix(data, "b:") {
		return e.boardButton(ctx, u, data, loc)
	}
	v, ok := e.parseView(data)
	if !ok {
		return Reply{Toast: loc.T("button.stale")}, nil
	}
	v.period = e.clampPeriod(v.period)
	if v.name == viewMissing {
		return e.missing(ctx, u, v.period, v.page, true, loc)
	}
	if isIntentView(v.name) {
		return e.intentView(ctx, u, v, true, loc) // intent.go
	}
	return e.showRollup(ctx, u, v, true, loc)
}

// ask answers a question typed as text or after /progress.
func (e *Engine) ask(ctx context.Context, u User, text string, loc *locales.Localizer) (Reply, error) {
	scope, ok := e.scopeOf(u)
	if !ok {
		return e.refuse(u, loc), nil
	}
	text, per, hasPeriod := cutPeriod(" " + strings.TrimSpace(text) + " ")
	text = strings.TrimSpace(text)
	if !hasPeriod {
		per = e.Calendar.LastClosed(e.now())
	}
	per = e.clampPeriod(per)
	if text == "" {
		return e.showRollup(ctx, u, view{name: viewSummary, period: per, subject: scope}, false, loc)
	}
	if r, ok, err := e.askIntent(ctx, u, text, per, loc); ok || err != nil {
		return r, err // which lag, what needs coordination, rankings, comparisons, changes (intent.go)
	}
	res := e.Resolver().Resolve(text)
	if len(res.Matches) == 0 {
		return e.noMatch(u, text, res.Suggestions, per, loc), nil
	}
	m := res.Matches[0]
	if res.Ambiguous {
		var options []progressbot.Match
		for _, x := range res.Matches {
			if x.Score >= m.Score-0.03 && len(options) < 6 {
				options = append(options, x)
			}
		}
		// Offer what the person may see; one left is the answer.
		options = e.visible(u, scope, options)
		switch len(options) {
		case 0:
		case 1:
			m = options[0]
		default:
			return e.askBack(text, options, per, loc), nil
		}
	}
	switch m.Kind {
	case progressbot.MatchMissing:
		return e.missing(ctx, u, e.Calendar.Current(e.now()), 0, false, loc)
	case progressbot.MatchBoard:
		return e.board(ctx, u, per, hasPeriod, false, "", loc)
	}
	subj, ok := progressbot.SubjectOf(m)
	if !ok {
		return e.noMatch(u, text, nil, per, loc), nil
	}
	if subj.Kind == progressbot.SubjectPlan {
		subj = scope // "全市" from a chain chief is their chain
	}
	r, err := e.showRollup(ctx, u, view{name: viewSummary, period: per, subject: subj}, false, loc)
	if err == nil && m.Partial && len(r.Messages) > 0 {
		// What was typed is not quite what is answered: say what is.
		r.Messages[0].Text = loc.T("leader.answered_as", "Name", e.subjectName(subj, loc)) + "\n" + r.Messages[0].Text
	}
	return r, err
}

// visible keeps the matches inside the person's scope (commands always are).
func (e *Engine) visible(u User, scope progressbot.Subject, ms []progressbot.Match) []progressbot.Match {
	var out []progressbot.Match
	for _, m := range ms {
		if m.Kind.IsCommand() {
			out = append(out, m)
			continue
		}
		s, ok := progressbot.SubjectOf(m)
		if !ok {
			continue
		}
		if _, err := e.roller().Select(s, scope); err == nil {
			out = append(out, m)
		}
	}
	return out
}

func (e *Engine) matchButton(m progressbot.Match, per progressbot.Period, loc *locales.Localizer) Button {
	label := clip(m.Name, 18)
	if s, ok := progressbot.SubjectOf(m); ok {
		label = e.kindLabel(s, loc) + " " + clip(e.subjectName(s, loc), 18)
		if s.Kind == progressbot.SubjectPlan {
			label = e.subjectName(s, loc)
		}
		return Button{Label: label, Data: e.viewData(view{name: viewSummary, period: per, subject: s})}
	}
	switch m.Kind {
	case progressbot.MatchMissing:
		return Button{Label: loc.T("leader.missing.button"), Data: e.viewData(view{name: viewMissing, period: e.Calendar.Current(e.now()), subject: progressbot.PlanSubject})}
	}
	return Button{Label: loc.T("leader.board.button"), Data: "b:v:" + yymm(per)}
}

func (e *Engine) askBack(text string, options []progressbot.Match, per progressbot.Period, loc *locales.Localizer) Reply {
	var rows [][]Button
	for _, m := range options {
		rows = append(rows, []Button{e.matchButton(m, per, loc)})
	}
	return Reply{Messages: []Message{{Text: loc.T("leader.ambiguous", "Text", clip(text, 30)), Keyboard: rows}}}
}

func (e *Engine) noMatch(u User, text string, suggestions []progressbot.Match, per progressbot.Period, loc *locales.Localizer) Reply {
	scope, _ := e.scopeOf(u)
	suggestions = e.visible(u, scope, suggestions)
	if len(suggestions) == 0 {
		return Reply{Messages: []Message{{Text: loc.T("leader.no_match", "Text", clip(text, 30)) + "\n" + loc.T("leader.examples", e.examples(loc)...)}}}
	}
	var rows [][]Button
	for _, m := range suggestions {
		rows = append(rows, []Button{e.matchButton(m, per, loc)})
	}
	return Reply{Messages: []Message{{Text: loc.T("leader.suggest", "Text", clip(text, 30)), Keyboard: rows}}}
}

func (e *Engine) refuse(u User, loc *locales.Localizer) Reply {
	return Reply{Messages: []Message{{Text: loc.T("leader.no_scope")}}, Toast: loc.T("leader.no_scope")}
}

// outOfScope says a question is outside what the person may see, and offers their own.
func (e *Engine) outOfScope(u User, subj progressbot.Subject, per progressbot.Period, loc *locales.Localizer) Reply {
	scope, _ := e.scopeOf(u)
	text := loc.T("leader.out_of_scope", "Subject", e.subjectTitle(subj, nil, loc), "Scope", e.subjectTitle(scope, nil, loc))
	return Reply{
		Messages: []Message{{Text: text, Keyboard: [][]Button{{{Label: loc.T("leader.button.my_scope"), Data: e.viewData(view{name: viewSummary, period: per, subject: scope})}}}}},
		Toast:    loc.T("leader.out_of_scope_short"),
	}
}

// ---- rollups ----

// rollup computes what a person sees of a subject in a period; ErrOutOfScope when it is
// not theirs to see.
func (e *Engine) rollup(ctx context.Context, u User, subj progressbot.Subject, within []progressbot.Subject, per progressbot.Period, texts bool) (*progressbot.Rollup, error) {
	scope, ok := e.scopeOf(u)
	if !ok {
		return nil, progressbot.ErrOutOfScope
	}
	r := e.roller()
	sel, err := r.Select(subj, scope, within...)
	if err != nil {
		return nil, err
	}
	snap, err := e.DB.Snapshot(ctx, e.Plan.ID, r.Query(sel, per, texts))
	if err != nil {
		return nil, err
	}
	if e.Schedule != nil {
		if snap.Deadline, snap.Deadlines, err = e.Schedule.Deadlines(ctx, per); err != nil {
			return nil, err
		}
	}
	return r.Roll(sel, per, snap, e.Calendar, e.now()), nil
}

func (e *Engine) showRollup(ctx context.Context, u User, v view, edit bool, loc *locales.Localizer) (Reply, error) {
	_, isItem := v.subject.Item()
	texts := v.name == viewUnits && isItem
	ru, err := e.rollup(ctx, u, v.subject, v.within, v.period, texts)
	if r, ok := e.refusedRollup(err, u, v.subject, v.period, loc, "within", fmt.Sprint(v.within)); ok {
		return r, nil
	}
	if err != nil {
		return Reply{}, err
	}
	var m Message
	switch v.name {
	case viewUnits:
		m = e.unitsScreen(ru, v, loc)
	case viewTasks:
		m = e.itemsScreen(ru, v, false, loc)
	case viewIndicator:
		m = e.itemsScreen(ru, v, true, loc)
	case viewAttention:
		m = e.entriesScreen(ru, v, ru.Attention, "leader.attention.title", loc)
	case viewCoord:
		m = e.coordScreen(ru, v, loc)
	case viewFiles:
		return e.evidenceFiles(ctx, ru, v, edit, loc)
	default:
		v.name = viewSummary
		m = e.summaryScreen(ru, v, loc)
		if err := e.withEvidence(ctx, ru, v, &m, loc); err != nil {
			return Reply{}, err
		}
	}
	m.Edit = edit
	m.Keyboard = append(m.Keyboard, e.dashboardRow(u, v, loc)...)
	return Reply{Messages: []Message{m}}, nil
}

// ---- naming ----

func (e *Engine) kindLabel(s progressbot.Subject, loc *locales.Localizer) string {
	return loc.T("leader.kind." + string(s.Kind))
}

// subjectName is a subject's name in the person's language.
func (e *Engine) subjectName(s progressbot.Subject, loc *locales.Localizer) string {
	en := loc.Lang == "en"
	pick := func(zh, english string) string {
		if en && english != "" {
			return english
		}
		return zh
	}
	p := e.Plan
	switch s.Kind {
	case progressbot.SubjectPlan:
		return loc.T("scope.all")
	case progressbot.SubjectChain:
		if c := p.Chain(s.Key); c != nil {
			return pick(c.Name, c.En)
		}
	case progressbot.SubjectCluster:
		if c := p.Cluster(s.Key); c != nil {
			return pick(c.Name, c.En)
		}
	case progressbot.SubjectUnit:
		return e.unitName(s.Key, loc)
	}
	if ref, ok := s.Item(); ok {
		return e.itemName(ref, loc)
	}
	return s.Key
}

// itemName is an item's short name: "任务6 持续扩大有效投资", "规模以上工业企业户数".
func (e *Engine) itemName(ref progressbot.ItemRef, loc *locales.Localizer) string {
	en := loc.Lang == "en"
	p := e.Plan
	switch ref.Kind {
	case progressbot.ItemIndicator:
		if in := p.Indicator(ref.Key); in != nil {
			if en && in.En != "" {
				return in.En
			}
			return in.Name
		}
	case progressbot.ItemTask:
		no, _ := strconv.Atoi(ref.Key)
		if t := p.Task(no); t != nil {
			name := t.Title
			if en && t.TitleEn != "" {
				name = t.TitleEn
			}
			return loc.T("leader.item.task", "N", t.No, "Name", name)
		}
	case progressbot.ItemWorkItem:
		if w := p.WorkItem(ref.Key); w != nil {
			return loc.T("leader.item.work", "N", strings.TrimLeft(strings.TrimPrefix(w.ID, "wi-"), "0"), "Name", w.Work)
		}
	case progressbot.ItemProject:
		if pr := p.Project(ref.Key); pr != nil {
			if en && pr.En != "" {
				return pr.En
			}
			return pr.Name
		}
	}
	return ref.String()
}

// shortUnit and shortItem are names clipped to fit a line on a phone: Chinese names are
// short, English ones long.
func (e *Engine) shortUnit(unit string, loc *locales.Localizer) string {
	if loc.Lang == "en" {
		return clip(e.unitName(unit, loc), 26)
	}
	return clip(e.unitName(unit, loc), 12)
}

func (e *Engine) shortItem(ref progressbot.ItemRef, loc *locales.Localizer) string {
	if loc.Lang == "en" {
		return clip(e.itemName(ref, loc), 24)
	}
	return clip(e.itemName(ref, loc), 14)
}

func (e *Engine) subjectTitle(s progressbot.Subject, within []progressbot.Subject, loc *locales.Localizer) string {
	t := e.subjectName(s, loc)
	for _, w := range within {
		if w.Kind != progressbot.SubjectPlan {
			t += " · " + e.subjectName(w, loc)
		}
	}
	return t
}

func levelIcon(l progressbot.PaceLevel) string {
	switch l {
	case progressbot.PaceSerious:
		return "🔴"
	case progressbot.PaceLagging:
		return "🟠"
	case progressbot.PaceNoData:
		return "⚪"
	case progressbot.PaceOnTrack:
		return "🟢"
	case progressbot.PaceAhead:
		return "🔵"
	}
	return "▫️"
}

func pct(r float64) string {
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return "—"
	}
	return strconv.Itoa(int(math.Round(r*100))) + "%"
}

func (e *Engine) measure(ref progressbot.ItemRef) string {
	if in := e.Plan.Indicator(ref.Key); in != nil {
		return in.Measure
	}
	return ""
}

// entryText says in one line where an entry stands (without the item's or unit's name).
func (e *Engine) entryText(en progressbot.Entry, loc *locales.Localizer) string {
	m := e.measure(en.Item)
	num := func(v float64) string { return loc.Amount(v, m) }
	switch en.Reason {
	case progressbot.ReasonValue:
		return loc.T("leader.entry.value", "Value", num(en.Value), "Expected", num(en.Expected), "Pct", pct(en.Ratio))
	case progressbot.ReasonTotal:
		return loc.T("leader.entry.total", "Value", num(en.Value), "Expected", num(en.Expected), "Pct", pct(en.Ratio))
	case progressbot.ReasonTotalPartial:
		if !en.HasValue {
			// Nobody has reported: a sum of nothing against nothing means nothing.
			return loc.T("leader.entry.total_none", "Count", en.Missing)
		}
		return loc.T("leader.entry.total_partial", "Value", num(en.Value), "Expected", num(en.Expected), "Pct", pct(en.Ratio), "Count", en.Missing)
	case progressbot.ReasonNoTarget:
		if en.HasValue {
			return loc.T("leader.entry.no_target", "Value", num(en.Value))
		}
		if en.Stage != "" {
			return loc.T("stage." + string(en.Stage))
		}
	case progressbot.ReasonDone, progressbot.ReasonOnTrack, progressbot.ReasonNotStarted, progressbot.ReasonLagging:
		return loc.T("status." + string(en.Status))
	case progressbot.ReasonOverdue:
		return loc.T("leader.entry.overdue", "Status", loc.T("status."+string(en.Status)), "Deadline", deadlineText(en.Deadline, loc))
	case progressbot.ReasonStage, progressbot.ReasonStageAhead:
		return loc.T("stage." + string(en.Stage))
	case progressbot.ReasonStageBehind:
		return loc.T("leader.entry.stage_behind", "Stage", loc.T("stage."+string(en.Stage)), "Due", loc.T("stage."+string(en.Due)))
	case progressbot.ReasonSkipped:
		return loc.T("leader.entry.skipped")
	}
	return loc.T("leader.entry.not_reported")
}

func deadlineText(p progressbot.Period, loc *locales.Localizer) string {
	if p.Month == time.December {
		return loc.T("leader.year", "Year", p.Year)
	}
	return periodLabel(p, loc)
}

// entryLine is an entry with its names: "🔴 任务8 夯实… · 濂溪区：滞后，已过期限（2025年）".
func (e *Engine) entryLine(en progressbot.Entry, ru *progressbot.Rollup, loc *locales.Localizer) string {
	var names []string
	if _, isItem := ru.Selection.Subject.Item(); !isItem {
		names = append(names, e.shortItem(en.Item, loc))
	}
	if en.Unit == "" {
		names = append(names, loc.T("leader.city_total"))
	} else if ru.Selection.Subject.Kind != progressbot.SubjectUnit {
		names = append(names, e.shortUnit(en.Unit, loc))
	}
	s := levelIcon(en.Level) + " " + strings.Join(names, " · ")
	if len(names) > 0 {
		s += loc.T("leader.colon")
	}
	s += e.entryText(en, loc)
	if en.Period != ru.Period && en.Unit != "" {
		s += loc.T("leader.as_of", "Period", periodLabel(en.Period, loc))
	}
	return s
}

func (e *Engine) headline(ru *progressbot.Rollup, loc *locales.Localizer) string {
	h := ru.Head
	var b strings.Builder
	b.WriteString(loc.T("leader.head.items", "Count", h.Total))
	parts := []string{}
	for _, x := range []struct {
		n   int
		key string
	}{{h.Ahead, "ahead"}, {h.OnTrack, "on_track"}, {h.Lagging, "lagging"}, {h.Serious, "serious"}, {h.NoData, "no_data"}, {h.NoTarget, "no_target"}} {
		if x.n > 0 || x.key == "lagging" || x.key == "serious" {
			parts = append(parts, loc.T("leader.level."+x.key)+" "+strconv.Itoa(x.n))
		}
	}
	b.WriteString(strings.Join(parts, " · "))
	if rp := ru.Reports; rp.Units > 0 && ru.Selection.Subject.Kind != progressbot.SubjectUnit {
		b.WriteString("\n")
		b.WriteString(loc.T("leader.head.units", "Count", rp.Units))
		parts = parts[:0]
		parts = append(parts, loc.T("leader.timely.on_time")+" "+strconv.Itoa(rp.OnTime))
		if rp.Late > 0 {
			parts = append(parts, loc.T("leader.timely.late")+" "+strconv.Itoa(rp.Late))
		}
		if rp.Missing > 0 || rp.Pending == 0 {
			parts = append(parts, loc.T("leader.timely.missing")+" "+strconv.Itoa(rp.Missing))
		}
		if rp.Pending > 0 {
			parts = append(parts, loc.T("leader.timely.pending")+" "+strconv.Itoa(rp.Pending))
		}
		b.WriteString(strings.Join(parts, " · "))
	}
	return b.String()
}

// heading is "【subject · parents】period"; a unit seen through a chain or cluster scope
// names the scope too, since only its items are shown.
func (e *Engine) heading(ru *progressbot.Rollup, v view, loc *locales.Localizer) string {
	within := v.within
	sc := ru.Selection.Scope
	if v.subject.Kind == progressbot.SubjectUnit && (sc.Kind == progressbot.SubjectChain || sc.Kind == progressbot.SubjectCluster) && !slices.Contains(within, sc) {
		within = append(slices.Clone(within), sc)
	}
	return loc.T("leader.title", "Subject", e.subjectTitle(v.subject, within, loc), "Period", periodLabel(ru.Period, loc))
}

func (e *Engine) title(ru *progressbot.Rollup, v view, loc *locales.Localizer) string {
	t := e.heading(ru, v, loc)
	if !ru.Closed {
		t += "\n" + loc.T("leader.open_period", "Deadline", e.deadlineLabel(ru.Period, loc))
	}
	return t
}

func (e *Engine) deadlineLabel(p progressbot.Period, loc *locales.Localizer) string {
	d := e.periodDeadline(p)
	return loc.T("time.deadline", "Month", int(d.Month()), "MonthName", d.Month().String(), "Day", d.Day(), "Time", d.Format("15:04"))
}

func (e *Engine) timelyText(ur progressbot.UnitRow, loc *locales.Localizer) string {
	switch ur.Timeliness {
	case progressbot.OnTime:
		return loc.T("leader.timely.on_time")
	case progressbot.Late:
		return loc.T("leader.timely.late_days", "Count", ur.Days)
	case progressbot.Missing:
		return loc.T("leader.timely.missing_days", "Count", ur.Days)
	case progressbot.Pending:
		return loc.T("leader.timely.pending_days", "Count", ur.Days)
	}
	return ""
}

func (e *Engine) summaryScreen(ru *progressbot.Rollup, v view, loc *locales.Localizer) Message {
	var b strings.Builder
	b.WriteString(e.title(ru, v, loc))
	b.WriteString("\n")
	subj := v.subject
	_, isItem := subj.Item()
	// An indicator: the city total (or the one value) first, with the city's target.
	if subj.Kind == progressbot.SubjectIndicator && len(ru.Items) == 1 {
		it := ru.Items[0]
		if it.Total != nil {
			b.WriteString(levelIcon(it.Total.Level) + " " + loc.T("leader.city_total") + loc.T("leader.colon") + e.entryText(*it.Total, loc) + "\n")
		} else if len(ru.Entries) == 1 {
			b.WriteString(e.entryLine(ru.Entries[0], ru, loc) + "\n")
		}
		if t, ok := e.cityTarget(subj.Key, ru.Period, loc); ok {
			b.WriteString(loc.T("leader.city_target", "Year", ru.Period.Year, "Target", t) + "\n")
		}
	}
	if subj.Kind == progressbot.SubjectProject {
		if pr := e.Plan.Project(subj.Key); pr != nil {
			var ms []string
			for _, m := range pr.Milestones {
				ms = append(ms, m.By+" "+loc.T("stage."+string(m.Stage)))
			}
			if len(ms) > 0 {
				b.WriteString(loc.T("leader.milestones", "List", strings.Join(ms, loc.T("leader.list_sep"))) + "\n")
			}
		}
		for _, en := range ru.Entries {
			b.WriteString(levelIcon(en.Level) + " " + e.shortUnit(en.Unit, loc) + loc.T("leader.colon") + e.entryText(en, loc) + "\n")
		}
	}
	if subj.Kind == progressbot.SubjectUnit && len(ru.Units) > 0 {
		for _, ur := range ru.Units {
			if ur.Unit == subj.Key && ur.Timeliness != "" {
				b.WriteString(loc.T("leader.report_state", "State", e.timelyText(ur, loc)) + "\n")
			}
		}
	}
	b.WriteString(e.headline(ru, loc))
	if ru.Head.Total == 0 {
		b.WriteString("\n" + loc.T("leader.nothing"))
	}
	if n := len(ru.Attention); n > 0 {
		b.WriteString("\n\n" + loc.T("leader.attention", "Count", n))
		for i, en := range ru.Attention {
			if i == summaryAttention {
				b.WriteString("\n" + loc.T("leader.more_lines", "Count", n-i))
				break
			}
			b.WriteString("\n" + e.entryLine(en, ru, loc))
		}
	}
	if n := len(ru.Coordination); n > 0 {
		b.WriteString("\n\n" + loc.T("leader.coordination", "Count", n))
		for i, en := range ru.Coordination {
			if i == summaryCoord {
				b.WriteString("\n" + loc.T("leader.more_lines", "Count", n-i))
				break
			}
			b.WriteString("\n" + e.coordLine(en, ru, loc))
		}
	}
	if subj.Kind != progressbot.SubjectUnit && len(ru.Missing) > 0 {
		var names []string
		for i, ur := range ru.Missing {
			if i == summaryMissing {
				names = append(names, loc.T("leader.and_more", "Count", len(ru.Missing)-i))
				break
			}
			how := loc.T("leader.days_overdue", "Count", ur.Days)
			if ur.Timeliness == progressbot.Pending {
				how = loc.T("leader.days_left", "Count", ur.Days)
			}
			names = append(names, e.shortUnit(ur.Unit, loc)+loc.T("leader.paren", "Text", how))
		}
		b.WriteString("\n\n" + loc.T("leader.not_submitted") + strings.Join(names, loc.T("leader.list_sep")))
	}
	var rows [][]Button
	var row []Button
	at := func(name string, label string) {
		w := v
		w.name, w.page = name, 0
		row = append(row, Button{Label: label, Data: e.viewData(w)})
	}
	if len(ru.Attention) > summaryAttention {
		at(viewAttention, loc.T("leader.button.attention", "Count", len(ru.Attention)))
	}
	if len(ru.Coordination) > summaryCoord {
		at(viewCoord, loc.T("leader.button.coordination", "Count", len(ru.Coordination)))
	}
	if len(row) > 0 {
		rows, row = append(rows, row), nil
	}
	var nTasks, nInd int
	for _, it := range ru.Items {
		if it.Item.Kind == progressbot.ItemIndicator {
			nInd++
		} else {
			nTasks++
		}
	}
	if subj.Kind != progressbot.SubjectUnit && (len(ru.Units) > 1 || isItem) {
		at(viewUnits, loc.T("leader.button.by_unit"))
	}
	if nTasks > 0 && !isItem {
		at(viewTasks, loc.T("leader.button.by_task"))
	}
	if nInd > 0 && !isItem {
		at(viewIndicator, loc.T("leader.button.by_indicator"))
	}
	if len(row) > 0 {
		rows, row = append(rows, row), nil
	}
	rows = append(rows, e.periodRow(v, loc)...)
	if len(v.within) > 0 {
		rows = append(rows, []Button{{Label: loc.T("leader.button.back_to", "Name", clip(e.subjectName(v.within[0], loc), 12)),
			Data: e.viewData(v.parent())}})
	}
	return Message{Text: b.String(), Keyboard: rows}
}

// cityTarget is the city's numeric target of an indicator for the period's year.
func (e *Engine) cityTarget(indicator string, per progressbot.Period, loc *locales.Localizer) (string, bool) {
	in := e.Plan.Indicator(indicator)
	if in == nil {
		return "", false
	}
	path := e.Plan.PathFor(in.ID, e.Plan.TargetUnit(in, e.Plan.City), nil)
	if len(path.Targets) == 0 {
		return "", false
	}
	t, ok := progressbot.Expected(in.Kind, path, per.Year, 1)
	return loc.Amount(t, in.Measure), ok
}

func (e *Engine) coordLine(en progressbot.Entry, ru *progressbot.Rollup, loc *locales.Localizer) string {
	var names []string
	if ru.Selection.Subject.Kind != progressbot.SubjectUnit {
		names = append(names, e.shortUnit(en.Unit, loc))
	}
	if _, isItem := ru.Selection.Subject.Item(); !isItem {
		names = append(names, e.shortItem(en.Item, loc))
	}
	return "· " + strings.Join(names, " · ") + loc.T("leader.colon") + clip(en.Coordination, 40)
}

// periodRow offers the month before and after.
func (e *Engine) periodRow(v view, loc *locales.Localizer) [][]Button {
	var row []Button
	prev, next := v.period.Prev(), v.period.Next()
	if !prev.Before(e.firstPeriod()) {
		w := v
		w.period, w.page = prev, 0
		row = append(row, Button{Label: "‹ " + periodLabel(prev, loc), Data: e.viewData(w)})
	}
	if !e.Calendar.Current(e.now()).Before(next) {
		w := v
		w.period, w.page = next, 0
		row = append(row, Button{Label: periodLabel(next, loc) + " ›", Data: e.viewData(w)})
	}
	if len(row) == 0 {
		return nil
	}
	return [][]Button{row}
}

// pager is the page's slice bounds, and the buttons to move between pages and back.
func (e *Engine) pager(v view, n, size int, loc *locales.Localizer) (from, to int, nav []Button) {
	pages := max(1, (n+size-1)/size)
	page := min(v.page, pages-1)
	from, to = page*size, min(n, (page+1)*size)
	if page > 0 {
		w := v
		w.page = page - 1
		nav = append(nav, Button{Label: loc.T("button.prev_page"), Data: e.viewData(w)})
	}
	if page < pages-1 {
		w := v
		w.page = page + 1
		nav = append(nav, Button{Label: loc.T("button.next_page"), Data: e.viewData(w)})
	}
	w := v
	w.name, w.page = viewSummary, 0
	nav = append(nav, Button{Label: loc.T("leader.button.back"), Data: e.viewData(w)})
	return from, to, nav
}

func pageNote(v view, n, size int, loc *locales.Localizer) string {
	pages := max(1, (n+size-1)/size)
	if pages == 1 {
		return ""
	}
	return " " + loc.T("report.page", "Page", min(v.page, pages-1)+1, "Pages", pages)
}

func (e *Engine) entriesScreen(ru *progressbot.Rollup, v view, es []progressbot.Entry, titleKey string, loc *locales.Localizer) Message {
	from, to, nav := e.pager(v, len(es), listPage, loc)
	var b strings.Builder
	b.WriteString(e.heading(ru, v, loc))
	b.WriteString("\n" + loc.T(titleKey, "Count", len(es)) + pageNote(v, len(es), listPage, loc))
	for i := from; i < to; i++ {
		b.WriteString("\n" + e.entryLine(es[i], ru, loc))
	}
	return Message{Text: b.String(), Keyboard: [][]Button{nav}}
}

func (e *Engine) coordScreen(ru *progressbot.Rollup, v view, loc *locales.Localizer) Message {
	es := ru.Coordination
	from, to, nav := e.pager(v, len(es), listPage, loc)
	var b strings.Builder
	b.WriteString(e.heading(ru, v, loc))
	b.WriteString("\n" + loc.T("leader.coordination", "Count", len(es)) + pageNote(v, len(es), listPage, loc))
	for i := from; i < to; i++ {
		b.WriteString("\n" + e.coordLine(es[i], ru, loc))
	}
	return Message{Text: b.String(), Keyboard: [][]Button{nav}}
}

func countsText(c progressbot.Counts, loc *locales.Localizer) string {
	var parts []string
	for _, x := range []struct {
		n   int
		key string
	}{{c.Serious, "serious"}, {c.Lagging, "lagging"}, {c.NoData, "no_data"}, {c.OnTrack, "on_track"}, {c.Ahead, "ahead"}} {
		if x.n > 0 {
			parts = append(parts, loc.T("leader.level."+x.key)+" "+strconv.Itoa(x.n))
		}
	}
	return strings.Join(parts, " · ")
}

// unitsScreen lists units worst first; for an item, each unit's answer and words.
func (e *Engine) unitsScreen(ru *progressbot.Rollup, v view, loc *locales.Localizer) Message {
	if _, isItem := v.subject.Item(); isItem {
		return e.answersScreen(ru, v, loc)
	}
	units := ru.Units
	from, to, nav := e.pager(v, len(units), listPage, loc)
	var b strings.Builder
	b.WriteString(e.heading(ru, v, loc))
	b.WriteString("\n" + loc.T("leader.by_unit", "Count", len(units)) + pageNote(v, len(units), listPage, loc))
	var open []Button
	for i := from; i < to; i++ {
		ur := units[i]
		line := fmt.Sprintf("\n%d. %s %s%s%s", i+1, levelIcon(ur.Counts.Worst()), e.shortUnit(ur.Unit, loc), loc.T("leader.colon"), countsText(ur.Counts, loc))
		if t := e.timelyText(ur, loc); t != "" && ur.Timeliness != progressbot.OnTime {
			line += " · " + t
		}
		b.WriteString(line)
		open = append(open, Button{Label: strconv.Itoa(i + 1), Data: e.viewData(v.child(progressbot.Subject{Kind: progressbot.SubjectUnit, Key: ur.Unit}))})
	}
	return Message{Text: b.String(), Keyboard: append(chunk(open, 4), nav)}
}

func chunk(bs []Button, n int) [][]Button {
	var rows [][]Button
	for len(bs) > 0 {
		k := min(n, len(bs))
		rows = append(rows, bs[:k])
		bs = bs[k:]
	}
	return rows
}

// answersScreen is an item's units, each with its answer and, for a task, what it did and
// what it needs.
func (e *Engine) answersScreen(ru *progressbot.Rollup, v view, loc *locales.Localizer) Message {
	es := ru.Entries
	from, to, nav := e.pager(v, len(es), listPage, loc)
	var b strings.Builder
	b.WriteString(e.heading(ru, v, loc))
	b.WriteString("\n" + loc.T("leader.by_unit", "Count", len(es)) + pageNote(v, len(es), listPage, loc))
	for i := from; i < to; i++ {
		en := es[i]
		b.WriteString(fmt.Sprintf("\n%d. %s %s%s%s", i+1, levelIcon(en.Level), e.shortUnit(en.Unit, loc), loc.T("leader.colon"), e.entryText(en, loc)))
		if en.Done != "" && en.Reason != progressbot.ReasonSkipped {
			key := "leader.done"
			if en.DoneCarried {
				key = "leader.done_carried" // a leader sees it was not written anew
			}
			b.WriteString("\n   " + loc.T(key, "Text", clip(en.Done, 40)))
		}
		if en.Coordination != "" {
			b.WriteString("\n   " + loc.T("answer.coordination", "Text", clip(en.Coordination, 40)))
		}
	}
	return Message{Text: b.String(), Keyboard: [][]Button{nav}}
}

// itemsScreen lists tasks, work items and projects, or indicators, worst first.
func (e *Engine) itemsScreen(ru *progressbot.Rollup, v view, indicators bool, loc *locales.Localizer) Message {
	var items []progressbot.ItemRow
	for _, it := range ru.Items {
		if (it.Item.Kind == progressbot.ItemIndicator) == indicators {
			items = append(items, it)
		}
	}
	from, to, nav := e.pager(v, len(items), listPage, loc)
	key := "leader.by_task"
	if indicators {
		key = "leader.by_indicator"
	}
	var b strings.Builder
	b.WriteString(e.heading(ru, v, loc))
	b.WriteString("\n" + loc.T(key, "Count", len(items)) + pageNote(v, len(items), listPage, loc))
	var open []Button
	single := v.subject.Kind == progressbot.SubjectUnit
	for i := from; i < to; i++ {
		it := items[i]
		line := fmt.Sprintf("\n%d. %s %s%s", i+1, levelIcon(it.Level), e.shortItem(it.Item, loc), loc.T("leader.colon"))
		switch {
		case it.Total != nil:
			line += e.entryText(*it.Total, loc)
		case single || it.Counts.Total == 1:
			for _, en := range ru.Entries {
				if en.Item == it.Item {
					line += e.entryText(en, loc)
					break
				}
			}
		default:
			line += countsText(it.Counts, loc)
		}
		if it.Period != ru.Period {
			line += loc.T("leader.as_of", "Period", periodLabel(it.Period, loc))
		}
		b.WriteString(line)
		open = append(open, Button{Label: strconv.Itoa(i + 1), Data: e.viewData(v.child(progressbot.SubjectOfItem(it.Item)))})
	}
	return Message{Text: b.String(), Keyboard: append(chunk(open, 4), nav)}
}

// ---- /missing ----

// missing lists the units in the person's scope that have not submitted for a period,
// with how late they are.
func (e *Engine) missing(ctx context.Context, u User, per progressbot.Period, page int, edit bool, loc *locales.Localizer) (Reply, error) {
	scope, ok := e.scopeOf(u)
	if !ok {
		return e.refuse(u, loc), nil
	}
	r := e.roller()
	units, err := r.ScopeUnits(scope, per)
	if err != nil {
		return Reply{}, err
	}
	subs, err := e.DB.Submissions(ctx, e.Plan.ID, per, units)
	if err != nil {
		return Reply{}, err
	}
	deadline := e.periodDeadline(per)
	now := e.now()
	var notYet []progressbot.ReportStatus
	for _, s := range subs {
		if s.State != progressbot.ReportSubmitted {
			notYet = append(notYet, s)
		}
	}
	// Not started first, then the least answered.
	due := map[string]int{}
	for _, s := range notYet {
		due[s.Unit] = len(e.Plan.Due(s.Unit, per))
	}
	slices.SortStableFunc(notYet, func(a, b progressbot.ReportStatus) int {
		if a.Opened != b.Opened {
			if !a.Opened {
				return -1
			}
			return 1
		}
		return a.Answers*due[b.Unit] - b.Answers*due[a.Unit]
	})
	var b strings.Builder
	title := loc.T("leader.missing.title", "Period", periodLabel(per, loc), "Deadline", e.deadlineLabel(per, loc))
	days := int(math.Ceil(math.Abs(now.Sub(deadline).Hours()) / 24))
	if now.After(deadline) {
		title += loc.T("leader.missing.overdue", "Count", days)
	} else {
		title += loc.T("leader.missing.left", "Count", days)
	}
	b.WriteString(title)
	if scope.Kind != progressbot.SubjectPlan {
		b.WriteString("\n" + loc.T("leader.missing.scope", "Scope", e.subjectName(scope, loc)))
	}
	b.WriteString("\n" + loc.T("leader.missing.counts", "Units", len(subs), "Submitted", len(subs)-len(notYet), "Missing", len(notYet)))
	if len(notYet) == 0 {
		b.WriteString("\n" + loc.T("leader.missing.none"))
		return Reply{Messages: []Message{{Text: b.String(), Edit: edit}}}, nil
	}
	pages := (len(notYet) + missingPage - 1) / missingPage
	page = min(page, pages-1)
	if pages > 1 {
		b.WriteString(" " + loc.T("report.page", "Page", page+1, "Pages", pages))
	}
	for i := page * missingPage; i < min(len(notYet), (page+1)*missingPage); i++ {
		s := notYet[i]
		state := loc.T("leader.missing.not_started")
		if s.Opened {
			state = loc.T("leader.missing.answered", "Done", s.Answers, "Total", due[s.Unit])
		}
		b.WriteString(fmt.Sprintf("\n%d. %s · %s", i+1, e.shortUnit(s.Unit, loc), state))
	}
	var nav []Button
	v := view{name: viewMissing, period: per, subject: progressbot.PlanSubject}
	if page > 0 {
		v.page = page - 1
		nav = append(nav, Button{Label: loc.T("button.prev_page"), Data: e.viewData(v)})
	}
	if page < pages-1 {
		v.page = page + 1
		nav = append(nav, Button{Label: loc.T("button.next_page"), Data: e.viewData(v)})
	}
	m := Message{Text: b.String(), Edit: edit}
	if len(nav) > 0 {
		m.Keyboard = [][]Button{nav}
	}
	return Reply{Messages: []Message{m}}, nil
}

// ---- /board (红黄榜) ----

// board shows a period's 红黄榜: to an admin the draft under review (computed afresh while
// it is a draft), to a leader the published list within their scope.
func (e *Engine) board(ctx context.Context, u User, per progressbot.Period, asked, edit bool, toast string, loc *locales.Localizer) (Reply, error) {
	return e.boardPage(ctx, u, per, 0, asked, edit, toast, loc)
}

func (e *Engine) boardPage(ctx context.Context, u User, per progressbot.Period, page int, asked, edit bool, toast string, loc *locales.Localizer) (Reply, error) {
	if u.Account.Role == store.RoleLiaison {
		return Reply{Messages: []Message{{Text: loc.T("leader.board.not_for_liaison")}}}, nil
	}
	now := e.now()
	if !asked {
		per = e.Calendar.LastClosed(now)
	}
	if u.Account.Role != store.RoleAdmin {
		return e.publishedBoard(ctx, u, per, asked, edit, loc)
	}
	if !now.After(e.periodDeadline(per)) {
		return Reply{Messages: []Message{{Text: loc.T("leader.board.not_closed", "Period", periodLabel(per, loc), "Deadline", e.deadlineLabel(per, loc)), Edit: edit}}}, nil
	}
	if per.Before(e.firstPeriod()) {
		return Reply{Messages: []Message{{Text: loc.T("leader.board.none", "Period", periodLabel(per, loc)), Edit: edit}}}, nil
	}
	b, err := e.DB.Board(ctx, e.Plan.ID, per)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Reply{}, err
	}
	if errors.Is(err, store.ErrNotFound) || b.State == store.BoardDraft {
		r := e.roller()
		ru, err := e.rollup(ctx, u, progressbot.PlanSubject, nil, per, false)
		if err != nil {
			return Reply{}, err
		}
		if b, err = e.DB.DraftBoard(ctx, e.Plan.ID, per, r.Board(ru, progressbot.DefaultBoardRules)); err != nil {
			return Reply{}, err
		}
	}
	m := e.boardReview(b, page, loc)
	m.Edit = edit
	return Reply{Messages: []Message{m}, Toast: toast}, nil
}

func (e *Engine) boardLine(it store.BoardItem, loc *locales.Localizer) string {
	var why string
	switch it.Reason {
	case progressbot.BoardAhead:
		why = loc.T("leader.board.why.ahead", "Ahead", it.Ahead, "Judged", it.Judged)
	case progressbot.BoardMissing:
		why = loc.T("leader.board.why.missing", "Count", it.Days)
	case progressbot.BoardLate:
		why = loc.T("leader.board.why.late", "Count", it.Days)
	case progressbot.BoardSerious:
		why = loc.T("leader.board.why.serious", "Count", it.Serious)
		if it.Lagging > 0 {
			why += loc.T("leader.list_sep") + loc.T("leader.board.why.lagging", "Count", it.Lagging)
		}
	case progressbot.BoardLagging:
		why = loc.T("leader.board.why.lagging", "Count", it.Lagging)
	}
	return e.shortUnit(it.Unit, loc) + " — " + why
}

// boardReview is the admin's screen: both lists numbered (boardPage entries a page), a
// remove button per entry shown, then approve or publish.
func (e *Engine) boardReview(b store.Board, page int, loc *locales.Localizer) Message {
	var sb strings.Builder
	sb.WriteString(loc.T("leader.board.title", "Period", periodLabel(b.Period, loc)) + " · " + loc.T("leader.board.state."+string(b.State)))
	red, yellow := b.Listed(progressbot.RedList), b.Listed(progressbot.YellowList)
	all := append(append([]store.BoardItem{}, red...), yellow...)
	pages := max(1, (len(all)+boardPage-1)/boardPage)
	page = min(max(page, 0), pages-1)
	from, to := page*boardPage, min(len(all), (page+1)*boardPage)
	if pages > 1 {
		sb.WriteString(" " + loc.T("report.page", "Page", page+1, "Pages", pages))
	}
	var remove []Button
	for li, list := range []progressbot.BoardList{progressbot.RedList, progressbot.YellowList} {
		start, n := 0, len(red)
		if li == 1 {
			start, n = len(red), len(yellow)
		}
		shown := max(from, start) < min(to, start+n)
		if n == 0 {
			shown = li == 0 && page == 0 || li == 1 && page == pages-1
		}
		if !shown {
			continue // the list is on another page
		}
		sb.WriteString("\n\n" + loc.T("leader.board.list."+string(list), "Count", n))
		if n == 0 {
			sb.WriteString("\n" + loc.T("leader.board.empty"))
		}
		for i := max(from, start); i < min(to, start+n); i++ {
			it := all[i]
			sb.WriteString(fmt.Sprintf("\n%d. %s", i+1, e.boardLine(it, loc)))
			if b.State != store.BoardPublished {
				remove = append(remove, Button{Label: "✕" + strconv.Itoa(i+1), Data: "b:x:" + yymm(b.Period) + ":" + string(list[0]) + it.Unit})
			}
		}
	}
	var removed []string
	for _, it := range b.Entries {
		if it.Removed {
			removed = append(removed, "· "+e.shortUnit(it.Unit, loc)+loc.T("leader.paren", "Text", loc.T("leader.board.list_name."+string(it.List)))+loc.T("leader.colon")+clip(it.RemovedReason, 30))
		}
	}
	if len(removed) > 0 {
		sb.WriteString("\n\n" + loc.T("leader.board.removed", "Count", len(removed)) + "\n" + strings.Join(removed, "\n"))
	}
	rows := chunk(remove, 5)
	var nav []Button
	if page > 0 {
		nav = append(nav, Button{Label: loc.T("button.prev_page"), Data: "b:v:" + yymm(b.Period) + ":" + strconv.Itoa(page-1)})
	}
	if page < pages-1 {
		nav = append(nav, Button{Label: loc.T("button.next_page"), Data: "b:v:" + yymm(b.Period) + ":" + strconv.Itoa(page+1)})
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	switch b.State {
	case store.BoardDraft:
		sb.WriteString("\n\n" + loc.T("leader.board.review_hint"))
		rows = append(rows, []Button{{Label: loc.T("leader.board.button.approve"), Data: "b:ok:" + yymm(b.Period)}})
	case store.BoardApproved:
		sb.WriteString("\n\n" + loc.T("leader.board.approved_hint"))
		rows = append(rows, []Button{{Label: loc.T("leader.board.button.publish"), Data: "b:pub:" + yymm(b.Period)}})
	case store.BoardPublished:
		sb.WriteString("\n\n" + loc.T("leader.board.published_at", "Time", b.PublishedAt.In(e.Calendar.Location).Format("2006-01-02 15:04")))
	}
	return Message{Text: sb.String(), Keyboard: rows}
}

// publishedBoard shows a leader a published 红黄榜, only the units within their scope.
func (e *Engine) publishedBoard(ctx context.Context, u User, per progressbot.Period, asked, edit bool, loc *locales.Localizer) (Reply, error) {
	b, err := e.DB.PublishedBoard(ctx, e.Plan.ID, per)
	if errors.Is(err, store.ErrNotFound) && !asked {
		// The latest published one, if the last month's is not out yet.
		if ps, err2 := e.DB.PublishedPeriods(ctx, e.Plan.ID); err2 == nil && len(ps) > 0 {
			per = ps[0]
			b, err = e.DB.PublishedBoard(ctx, e.Plan.ID, per)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		text := loc.T("leader.board.not_published", "Period", periodLabel(per, loc))
		ps, err := e.DB.PublishedPeriods(ctx, e.Plan.ID)
		if err != nil {
			return Reply{}, err
		}
		var bs []Button
		for i, p := range ps {
			if i == 6 {
				break
			}
			bs = append(bs, Button{Label: periodLabel(p, loc), Data: "b:v:" + yymm(p)})
		}
		if len(bs) > 0 {
			text += "\n" + loc.T("leader.board.published_list")
		}
		return Reply{Messages: []Message{{Text: text, Keyboard: chunk(bs, 3), Edit: edit}}}, nil
	}
	if err != nil {
		return Reply{}, err
	}
	scope, ok := e.scopeOf(u)
	if !ok {
		return e.refuse(u, loc), nil
	}
	r := e.roller()
	var sb strings.Builder
	sb.WriteString(loc.T("leader.board.title", "Period", periodLabel(per, loc)))
	if scope.Kind != progressbot.SubjectPlan {
		sb.WriteString("\n" + loc.T("leader.board.scoped", "Scope", e.subjectName(scope, loc)))
	}
	for _, list := range []progressbot.BoardList{progressbot.RedList, progressbot.YellowList} {
		var lines []string
		for _, it := range b.Listed(list) {
			if scope.Kind != progressbot.SubjectPlan {
				if _, err := r.Select(progressbot.Subject{Kind: progressbot.SubjectUnit, Key: it.Unit}, scope); err != nil {
					continue
				}
			}
			lines = append(lines, fmt.Sprintf("%d. %s", len(lines)+1, e.boardLine(it, loc)))
		}
		sb.WriteString("\n\n" + loc.T("leader.board.list."+string(list), "Count", len(lines)))
		if len(lines) == 0 {
			sb.WriteString("\n" + loc.T("leader.board.empty"))
		} else {
			sb.WriteString("\n" + strings.Join(lines, "\n"))
		}
	}
	sb.WriteString("\n\n" + loc.T("leader.board.published_at", "Time", b.PublishedAt.In(e.Calendar.Location).Format("2006-01-02 15:04")))
	var nav []Button
	if prev := per.Prev(); !prev.Before(e.firstPeriod()) {
		nav = append(nav, Button{Label: "‹ " + periodLabel(prev, loc), Data: "b:v:" + yymm(prev)})
	}
	m := Message{Text: sb.String(), Edit: edit}
	if len(nav) > 0 {
		m.Keyboard = [][]Button{nav}
	}
	return Reply{Messages: []Message{m}}, nil
}

func (e *Engine) boardButton(ctx context.Context, u User, data string, loc *locales.Localizer) (Reply, error) {
	parts := strings.SplitN(data, ":", 4)
	if len(parts) < 3 {
		return Reply{Toast: loc.T("button.stale")}, nil
	}
	act := parts[1]
	per, ok := parseYYMM(parts[2])
	if !ok {
		return Reply{Toast: loc.T("button.stale")}, nil
	}
	if act == "v" {
		page := 0
		if len(parts) == 4 {
			page, _ = strconv.Atoi(parts[3])
		}
		return e.boardPage(ctx, u, per, page, true, true, "", loc)
	}
	if u.Account.Role != store.RoleAdmin {
		return Reply{Toast: loc.T("leader.board.admins_only"), Messages: []Message{{Text: loc.T("leader.board.admins_only")}}}, nil
	}
	who := store.Who{UserID: u.ID, ChatID: u.ChatID}
	switch act {
	case "x":
		if len(parts) != 4 || len(parts[3]) < 2 {
			return Reply{Toast: loc.T("button.stale")}, nil
		}
		var list progressbot.BoardList
		switch parts[3][0] {
		case progressbot.RedList[0]:
			list = progressbot.RedList
		case progressbot.YellowList[0]:
			list = progressbot.YellowList
		default:
			return Reply{Toast: loc.T("button.stale")}, nil
		}
		unit := parts[3][1:]
		b, err := e.DB.Board(ctx, e.Plan.ID, per)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return Reply{Toast: loc.T("button.stale")}, nil
			}
			return Reply{}, err
		}
		if b.State == store.BoardPublished {
			return Reply{Toast: loc.T("leader.board.already_published_short")}, nil
		}
		if it, ok := b.Entry(list, unit); !ok || it.Removed {
			return Reply{Toast: loc.T("button.stale")}, nil
		}
		if err := e.DB.SetBoardPending(ctx, e.Plan.ID, u.ID, store.BoardPending{Period: per, List: list, Unit: unit}); err != nil {
			return Reply{}, err
		}
		s, err := e.load(ctx, u.ChatID)
		if err != nil {
			return Reply{}, err
		}
		s.st = state{Flow: "board", Nonce: newNonce()}
		if err := e.save(ctx, s); err != nil {
			return Reply{}, err
		}
		text := loc.T("leader.board.ask_reason", "Unit", e.unitName(unit, loc), "List", loc.T("leader.board.list_name."+string(list)))
		return Reply{Messages: []Message{{Text: text, Keyboard: [][]Button{{{Label: loc.T("leader.board.button.cancel"), Data: "b:n:" + yymm(per)}}}}}}, nil
	case "n":
		e.dropPending(ctx, u)
		return e.board(ctx, u, per, true, true, loc.T("leader.board.cancelled_short"), loc)
	case "ok":
		if _, err := e.DB.ApproveBoard(ctx, e.Plan.ID, per, who); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return e.noBoard(per, loc), nil
			}
			if _, toast, ok := errorMessage(err); ok {
				return e.board(ctx, u, per, true, true, loc.T(toast), loc)
			}
			return Reply{}, err
		}
		e.log().Info("board approved", "user_id", u.ID, "period", per.String())
		return e.board(ctx, u, per, true, true, loc.T("leader.board.approved_short"), loc)
	case "pub":
		b, already, err := e.DB.PublishBoard(ctx, e.Plan.ID, per, who)
		if errors.Is(err, store.ErrNotFound) {
			err = store.ErrBoardNotApproved // no board drafted: none approved either
		}
		if _, toast, ok := errorMessage(err); ok {
			return e.board(ctx, u, per, true, true, loc.T(toast), loc)
		}
		if err != nil {
			return Reply{}, err
		}
		if already {
			return Reply{Toast: loc.T("leader.board.already_published_short"),
				Messages: []Message{{Text: loc.T("leader.board.already_published", "Period", periodLabel(per, loc))}}}, nil
		}
		e.log().Info("board published", "user_id", u.ID, "period", per.String())
		text := loc.T("leader.board.published", "Period", periodLabel(per, loc),
			"Red", len(b.Listed(progressbot.RedList)), "Yellow", len(b.Listed(progressbot.YellowList)))
		return Reply{Messages: []Message{{Text: text, Edit: true}}, Toast: loc.T("leader.board.published_short")}, nil
	}
	return Reply{Toast: loc.T("button.stale")}, nil
}

// noBoard answers an action on a month that has no 红黄榜 (a forged or stale button):
// that there is none, and, for a month not closed yet, when there will be. Nothing is
// drafted: a board is reviewed on screen before it is approved.
func (e *Engine) noBoard(per progressbot.Period, loc *locales.Localizer) Reply {
	none := loc.T("leader.board.none", "Period", periodLabel(per, loc))
	text := none
	if !e.now().After(e.periodDeadline(per)) {
		text = loc.T("leader.board.not_closed", "Period", periodLabel(per, loc), "Deadline", e.deadlineLabel(per, loc))
	}
	return Reply{Toast: none, Messages: []Message{{Text: text}}}
}

// pendingFor is how long a removal waits for its reason.
const pendingFor = 30 * time.Minute

// boardReason takes the text an admin typed after pressing remove as the reason. ok is
// false when no removal was waiting for one (or it waited too long: the text is then a
// question).
func (e *Engine) boardReason(ctx context.Context, u User, text string, loc *locales.Localizer) (Reply, bool, error) {
	s, err := e.load(ctx, u.ChatID)
	if err != nil {
		return Reply{}, false, err
	}
	if s.st.Flow != "board" {
		return Reply{}, false, nil
	}
	s.st = state{}
	if err := e.save(ctx, s); err != nil {
		return Reply{}, false, err
	}
	p, ok, err := e.DB.TakeBoardPending(ctx, e.Plan.ID, u.ID)
	if err != nil || !ok || e.now().Sub(p.At) > pendingFor {
		return Reply{}, false, err
	}
	reason := strings.TrimSpace(text)
	if reason == "" {
		return Reply{Messages: []Message{{Text: loc.T("report.empty_text")}}}, true, nil
	}
	_, err = e.DB.RemoveFromBoard(ctx, e.Plan.ID, p.Period, p.List, p.Unit, clip(reason, 200), store.Who{UserID: u.ID, ChatID: u.ChatID})
	if errors.Is(err, store.ErrNotFound) {
		err = store.ErrBoardNoEntry // the board is gone, and the entry with it
	}
	if err != nil {
		if r, ok := errorReply(err, loc, "Period", periodLabel(p.Period, loc)); ok {
			return r, true, nil
		}
		return Reply{}, true, err
	}
	e.log().Info("board entry removed", "user_id", u.ID, "period", p.Period.String(), "list", string(p.List), "unit", p.Unit)
	r, err := e.board(ctx, u, p.Period, true, false, "", loc)
	if err != nil {
		return Reply{}, true, err
	}
	r.Messages = append([]Message{{Text: loc.T("leader.board.removed_one", "Unit", e.unitName(p.Unit, loc), "Reason", clip(reason, 60))}}, r.Messages...)
	return r, true, nil
}

// dropPending forgets a removal waiting for its reason, when the admin moves on to
// something else.
func (e *Engine) dropPending(ctx context.Context, u User) {
	if u.Account == nil || u.Account.Role != store.RoleAdmin {
		return
	}
	s, err := e.load(ctx, u.ChatID)
	if err != nil || s.st.Flow != "board" {
		return
	}
	s.st = state{}
	_ = e.save(ctx, s)
	_, _, _ = e.DB.TakeBoardPending(ctx, e.Plan.ID, u.ID)
}
