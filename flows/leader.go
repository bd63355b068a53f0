package flows

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// Leaders' questions: /progress (and free text), /missing and /board.
// The entry points are here; rollups and their screens are in rollup.go, names and lines in
// naming.go, /missing in missing.go and /board in board.go.
//
// Rollup buttons carry everything they need and no session: "q:<view>:<yymm>:<page>:
// <subject>[:<within>…]", where a subject is a kind letter and a key ("cpetrochem",
// "uhukou", "t6"; "p" is the whole plan) and the withins are the subjects a drill-down was
// opened from, nearest first (at most two: 石化化工 › 德安县 › 任务8). Every tap goes through Roller.Select again, the one place where scope is
// checked, so a forged button for another chain is refused like a typed question. Board
// buttons are "b:<act>:<yymm>[:<arg>]"; every act checks the person's role again. Both are
// encoded and decoded in callback.go.

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

// viewButton answers a rollup's button (q:).
func (e *Engine) viewButton(ctx context.Context, u User, data string, loc *locales.Localizer) (Reply, error) {
	e.dropPending(ctx, u) // a removal waits for its reason only until the admin does something else
	v, ok := decodeView(e.Plan, data)
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
		return Button{Label: label, Data: view{name: viewSummary, period: per, subject: s}.encode(e.Plan)}
	}
	switch m.Kind {
	case progressbot.MatchMissing:
		return Button{Label: loc.T("leader.missing.button"), Data: view{name: viewMissing, period: e.Calendar.Current(e.now()), subject: progressbot.PlanSubject}.encode(e.Plan)}
	}
	return Button{Label: loc.T("leader.board.button"), Data: boardPress{Act: boardView, Period: per}.encode(e.Plan)}
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
		Messages: []Message{{Text: text, Keyboard: [][]Button{{{Label: loc.T("leader.button.my_scope"), Data: view{name: viewSummary, period: per, subject: scope}.encode(e.Plan)}}}}},
		Toast:    loc.T("leader.out_of_scope_short"),
	}
}
