package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// Outbox kinds.
const (
	KindRemind   = "remind"     // to a liaison whose unit has not submitted
	KindEscalate = "escalate"   // to a leader: who in their scope is missing
	KindBulletin = "bulletin"   // monthly bulletin, to leaders and leaders' groups
	KindQuarter  = "bulletin-q" // quarterly bulletin
	KindYear     = "bulletin-y" // year-end bulletin
	KindNotice   = "notice"     // to admins: someone blocked the bot
	KindBoard    = "board"      // the 红黄榜, when it is published after the bulletin went
)

// OutboxKinds are the kinds above, for what counts messages by kind.
func OutboxKinds() []string {
	return []string{KindRemind, KindEscalate, KindBulletin, KindQuarter, KindYear, KindNotice, KindBoard}
}

// Priorities: lower goes first.
const (
	prioNotice = iota
	prioEscalate
	prioRemind
	prioBulletin
)

// maxPart is the longest text of one message part: below Telegram's 4096, with room for
// the part label.
const maxPart = 3500

// intent is a message the schedule wants at a moment, before it is rendered: cheap to
// compute every tick, rendered only when its key is not in the outbox yet.
type intent struct {
	msg    store.OutboxMessage
	render func(ctx context.Context) ([]store.OutboxMessage, error)
}

// people are the plan's active recipients, read once per planning round.
type people struct {
	liaisons map[string][]store.User // by unit
	leaders  []store.User
	admins   []store.User
	groups   []store.LeaderGroup
}

func (s *Scheduler) people(ctx context.Context) (*people, error) {
	us, err := s.DB.Users(ctx, s.Plan.ID)
	if err != nil {
		return nil, err
	}
	pp := &people{liaisons: map[string][]store.User{}}
	for _, u := range us {
		if !u.Active || u.ChatID == 0 {
			continue
		}
		switch u.Role {
		case store.RoleLiaison:
			if u.Unit != "" {
				pp.liaisons[u.Unit] = append(pp.liaisons[u.Unit], u)
			}
		case store.RoleLeader:
			pp.leaders = append(pp.leaders, u)
		case store.RoleAdmin:
			pp.admins = append(pp.admins, u)
		}
	}
	pp.groups, err = s.DB.LeaderGroups(ctx, s.Plan.ID, false)
	if err != nil {
		return nil, err
	}
	return pp, nil
}

// periodState is what the planner knows of one period at one moment.
type periodState struct {
	p        progressbot.Period
	base     time.Time // the deadline before extensions
	subs     map[string]store.ReportSummary
	exts     map[string]store.DeadlineExtension
	reporter []string // units that owe something, document order
}

func (ps *periodState) submitted(unit string) bool {
	return ps.subs[unit].State == progressbot.ReportSubmitted
}

// deadline is a unit's deadline: its extension, else the period's.
func (ps *periodState) deadline(unit string) time.Time {
	if x, ok := ps.exts[unit]; ok {
		return x.Until
	}
	return ps.base
}

func (s *Scheduler) periodState(ctx context.Context, p progressbot.Period) (*periodState, error) {
	ps := &periodState{p: p, base: s.Config.BaseDeadline(p)}
	var err error
	if ps.subs, err = s.DB.PeriodSubmissions(ctx, s.Plan.ID, p); err != nil {
		return nil, err
	}
	if ps.exts, err = s.DB.DeadlineExtensions(ctx, s.Plan.ID, p); err != nil {
		return nil, err
	}
	for _, u := range s.Plan.Reporters() {
		if len(s.Plan.Due(u, p)) > 0 {
			ps.reporter = append(ps.reporter, u)
		}
	}
	return ps, nil
}

// periods are the periods whose messages may be wanted at t: the one being reported and
// the two before it (their late reminders, escalations and bulletins), that have opened.
func (s *Scheduler) periods(t time.Time) []progressbot.Period {
	cur := s.Config.Calendar.Current(t)
	var out []progressbot.Period
	for i := 2; i >= 0; i-- {
		p := cur.Add(-i)
		if !s.Plan.Issued.IsZero() && p.Before(progressbot.PeriodOf(s.Plan.Issued)) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// intents lists every message the schedule wants at t, given the database: not yet
// filtered against the outbox.
func (s *Scheduler) intents(ctx context.Context, t time.Time, pp *people, states []*periodState) ([]intent, error) {
	var out []intent
	for _, ps := range states {
		out = append(out, s.reminderIntents(t, pp, ps)...)
		esc, err := s.escalationIntents(t, pp, ps)
		if err != nil {
			return nil, err
		}
		out = append(out, esc...)
		out = append(out, s.bulletinIntents(t, pp, ps)...)
		board, err := s.boardIntents(ctx, t, pp, ps)
		if err != nil {
			return nil, err
		}
		out = append(out, board...)
	}
	return out, nil
}

func remindKey(p progressbot.Period, chat int64, step string) string {
	return fmt.Sprintf("%s|%s|%d|%s", KindRemind, p, chat, step)
}

// stepKey names a step in keys: the open reminder is once per period; the others are
// tied to the deadline they count from, so that an extension brings fresh ones.
func stepKey(st Step, deadline time.Time, tz *time.Location) string {
	if st.Name == StepOpen {
		return st.Name
	}
	return st.Name + "@" + deadline.In(tz).Format(time.DateOnly)
}

func (s *Scheduler) reminderIntents(t time.Time, pp *people, ps *periodState) []intent {
	var out []intent
	tz := s.Config.loc()
	for _, unit := range ps.reporter {
		if ps.submitted(unit) {
			continue
		}
		liaisons := pp.liaisons[unit]
		if len(liaisons) == 0 {
			continue
		}
		dl := ps.deadline(unit)
		steps, _ := s.Config.Timetable(ps.p, dl)
		st, ok := current(steps, t)
		if !ok {
			continue
		}
		for _, u := range liaisons {
			u := u
			m := store.OutboxMessage{
				PlanID: s.Plan.ID, Kind: KindRemind, Period: ps.p.String(), Step: stepKey(st, dl, tz),
				Key:    remindKey(ps.p, u.ChatID, stepKey(st, dl, tz)),
				Series: fmt.Sprintf("%s|%s|%d", KindRemind, ps.p, u.ChatID),
				ChatID: u.ChatID, UserID: u.TelegramID, Role: string(store.RoleLiaison), Unit: unit,
				Subject: []string{unit}, Lang: u.Lang, Priority: prioRemind, DueAt: st.At, Expires: st.Until,
			}
			_, extended := ps.exts[unit]
			out = append(out, intent{msg: m, render: func(ctx context.Context) ([]store.OutboxMessage, error) {
				text, err := s.reminderText(ctx, u.Lang, unit, ps.p, st, dl, extended, t)
				if err != nil {
					return nil, err
				}
				m.Text = text
				if s.Config.ReportButton != "" {
					kb, _ := json.Marshal([][]flows.Button{{{Label: locales.For(u.Lang).T("schedule.remind.button"), Data: s.Config.ReportButton}}})
					m.Keyboard = string(kb)
				}
				return []store.OutboxMessage{m}, nil
			}})
		}
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// remaining counts what a unit still has to answer in a period, by kind.
type remaining struct {
	total, left int
	byKind      map[progressbot.ItemKind]int
}

func (s *Scheduler) remaining(ctx context.Context, unit string, p progressbot.Period) (remaining, error) {
	due := s.Plan.Due(unit, p)
	r := remaining{total: len(due), byKind: map[progressbot.ItemKind]int{}}
	rep, err := s.DB.Report(ctx, s.Plan.ID, unit, p)
	if err != nil {
		return r, err
	}
	for _, ref := range due {
		if _, ok := rep.Answers[ref]; !ok {
			r.left++
			r.byKind[ref.Kind]++
		}
	}
	return r, nil
}

func (s *Scheduler) reminderText(ctx context.Context, lang, unit string, p progressbot.Period, st Step, deadline time.Time, extended bool, now time.Time) (string, error) {
	loc := locales.For(lang)
	n := names{p: s.Plan, loc: loc, tz: s.Config.loc()}
	rem, err := s.remaining(ctx, unit, p)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	args := []any{"Unit", n.unit(unit), "Period", n.period(p)}
	switch {
	case st.Name == StepOpen:
		b.WriteString(loc.T("schedule.remind.open", args...))
	case st.Name == StepBefore:
		days := s.Config.Work.WorkdaysBetween(later(st.At, now), deadline)
		b.WriteString(loc.T("schedule.remind.before", append(args, "Days", days)...))
	case st.Name == StepDue:
		b.WriteString(loc.T("schedule.remind.due", append(args, "Time", deadline.In(s.Config.loc()).Format("15:04"))...))
	default:
		days := max(s.Config.Work.WorkdaysBetween(deadline, later(st.At, now)), 1)
		b.WriteString(loc.T("schedule.remind.after", append(args, "Days", days)...))
	}
	b.WriteString("\n")
	if rem.left == 0 {
		b.WriteString(loc.T("schedule.remind.todo_none"))
	} else {
		var parts []string
		for _, k := range []progressbot.ItemKind{progressbot.ItemIndicator, progressbot.ItemTask, progressbot.ItemWorkItem, progressbot.ItemProject} {
			if c := rem.byKind[k]; c > 0 {
				parts = append(parts, loc.T("schedule.remind.part."+string(k), "N", c))
			}
		}
		b.WriteString(loc.T("schedule.remind.todo", "Left", rem.left, "Total", rem.total, "Parts", strings.Join(parts, loc.T("schedule.sep"))))
	}
	b.WriteString("\n")
	if extended {
		b.WriteString(loc.T("schedule.remind.deadline_extended", "Deadline", n.moment(deadline)))
	} else {
		b.WriteString(loc.T("schedule.remind.deadline", "Deadline", n.moment(deadline)))
	}
	if strings.HasPrefix(st.Name, StepAfter) {
		b.WriteString("\n" + loc.T("schedule.remind.late"))
	}
	b.WriteString("\n" + loc.T("schedule.remind.action"))
	return b.String(), nil
}

// escalationIntents tells each leader, once per period and deadline, which units of
// their scope are still missing when the last reminder has gone unanswered.
func (s *Scheduler) escalationIntents(t time.Time, pp *people, ps *periodState) ([]intent, error) {
	// Units whose escalation is wanted now, grouped by the deadline they missed.
	byDeadline := map[time.Time][]string{}
	var escAt = map[time.Time]Step{}
	for _, unit := range ps.reporter {
		if ps.submitted(unit) {
			continue
		}
		dl := ps.deadline(unit)
		_, esc := s.Config.Timetable(ps.p, dl)
		if t.Before(esc.At) || !t.Before(esc.Until) {
			continue
		}
		byDeadline[dl] = append(byDeadline[dl], unit)
		escAt[dl] = esc
	}
	if len(byDeadline) == 0 {
		return nil, nil
	}
	var out []intent
	tz := s.Config.loc()
	scopeUnits := map[string]map[string]bool{}
	for _, leader := range pp.leaders {
		covered, ok := scopeUnits[leader.Scope]
		if !ok {
			sc, err := progressbot.ParseScope(leader.Scope)
			if err != nil {
				s.log().Warn("leader with an unreadable scope", "user_id", leader.TelegramID, "scope", leader.Scope)
				continue
			}
			us, err := s.roller().ScopeUnits(sc, ps.p)
			if err != nil {
				s.log().Warn("leader's scope is not in the plan", "user_id", leader.TelegramID, "scope", leader.Scope, "err", err)
				continue
			}
			covered = map[string]bool{}
			for _, u := range us {
				covered[u] = true
			}
			scopeUnits[leader.Scope] = covered
		}
		for dl, units := range byDeadline {
			var mine []string
			for _, u := range units {
				if covered[u] {
					mine = append(mine, u)
				}
			}
			if len(mine) == 0 {
				continue
			}
			leader, dl, esc := leader, dl, escAt[dl]
			m := store.OutboxMessage{
				PlanID: s.Plan.ID, Kind: KindEscalate, Period: ps.p.String(), Step: dl.In(tz).Format(time.DateOnly),
				Key:    fmt.Sprintf("%s|%s|%d|%s", KindEscalate, ps.p, leader.ChatID, dl.In(tz).Format(time.DateOnly)),
				ChatID: leader.ChatID, UserID: leader.TelegramID, Role: string(store.RoleLeader), Unit: leader.Scope,
				Subject: mine, Lang: leader.Lang, Priority: prioEscalate, DueAt: esc.At, Expires: esc.Until,
			}
			out = append(out, intent{msg: m, render: func(ctx context.Context) ([]store.OutboxMessage, error) {
				text, err := s.escalationText(ctx, leader.Lang, pp, ps, mine, dl)
				if err != nil {
					return nil, err
				}
				m.Text = text
				return []store.OutboxMessage{m}, nil
			}})
		}
	}
	return out, nil
}

func (s *Scheduler) escalationText(ctx context.Context, lang string, pp *people, ps *periodState, units []string, deadline time.Time) (string, error) {
	loc := locales.For(lang)
	n := names{p: s.Plan, loc: loc, tz: s.Config.loc()}
	var b strings.Builder
	b.WriteString(loc.T("schedule.escalate.head", "Period", n.period(ps.p), "N", len(units), "Deadline", n.moment(deadline), "Times", s.Config.AfterLimit))
	for i, u := range units {
		if i == 40 {
			b.WriteString("\n" + loc.T("schedule.more", "N", len(units)-i))
			break
		}
		rem, err := s.remaining(ctx, u, ps.p)
		if err != nil {
			return "", err
		}
		line := loc.T("schedule.escalate.line_none", "Unit", n.unit(u))
		if rem.left < rem.total {
			line = loc.T("schedule.escalate.line", "Unit", n.unit(u), "Done", rem.total-rem.left, "Total", rem.total)
		}
		if len(pp.liaisons[u]) == 0 {
			line += loc.T("schedule.escalate.no_liaison")
		}
		b.WriteString("\n" + line)
	}
	b.WriteString("\n" + loc.T("schedule.escalate.foot"))
	return b.String(), nil
}

// bulletinIntents sends the period's bulletins (monthly; quarterly at a quarter's end;
// year-end in the annual month) to every leader and leaders' group, each over its scope.
func (s *Scheduler) bulletinIntents(t time.Time, pp *people, ps *periodState) []intent {
	st := s.Config.BulletinStep(ps.p)
	if t.Before(st.At) || !t.Before(st.Until) {
		return nil
	}
	kinds := []string{KindBulletin}
	if ps.p.Month%3 == 0 {
		kinds = append(kinds, KindQuarter)
	}
	annual := s.Plan.Reporting.AnnualMonth
	if annual < 1 || annual > 12 {
		annual = 12
	}
	if int(ps.p.Month) == annual {
		kinds = append(kinds, KindYear)
	}
	rs := pp.bulletinRecipients()
	var out []intent
	for _, kind := range kinds {
		for _, r := range rs {
			kind, r := kind, r
			m := store.OutboxMessage{
				PlanID: s.Plan.ID, Kind: kind, Period: ps.p.String(),
				ChatID: r.chat, UserID: r.user, Role: r.role, Unit: r.scope, Lang: r.lang,
				Priority: prioBulletin, DueAt: st.At, Expires: st.Until,
			}
			m.Key = bulletinKey(kind, ps.p, r.chat, 1)
			out = append(out, intent{msg: m, render: func(ctx context.Context) ([]store.OutboxMessage, error) {
				text, err := s.bulletinText(ctx, kind, ps, r.scope, r.lang, t)
				if err != nil {
					return nil, err
				}
				parts := splitText(text, maxPart)
				loc := locales.For(r.lang)
				var msgs []store.OutboxMessage
				for j, part := range parts {
					pm := m
					pm.Key = bulletinKey(kind, ps.p, r.chat, j+1)
					pm.Step = fmt.Sprintf("%d/%d", j+1, len(parts))
					if len(parts) > 1 {
						part += "\n" + loc.T("schedule.bulletin.part", "I", j+1, "N", len(parts))
					}
					pm.Text = part
					msgs = append(msgs, pm)
				}
				return msgs, nil
			}})
		}
	}
	return out
}

// recipient is a leader or a leaders' group that receives bulletins.
type recipient struct {
	chat, user int64
	role       string
	scope      string
	lang       string
}

func (pp *people) bulletinRecipients() []recipient {
	var rs []recipient
	for _, l := range pp.leaders {
		rs = append(rs, recipient{l.ChatID, l.TelegramID, string(store.RoleLeader), l.Scope, l.Lang})
	}
	for _, g := range pp.groups {
		rs = append(rs, recipient{g.ChatID, 0, "group", g.Scope, g.Lang})
	}
	return rs
}

// boardIntents sends a period's 红黄榜 to the leaders and groups when an admin published
// it after the monthly bulletin went (a board published earlier is in the bulletin).
func (s *Scheduler) boardIntents(ctx context.Context, t time.Time, pp *people, ps *periodState) ([]intent, error) {
	board, ok, err := s.publishedBoard(ctx, ps.p)
	if err != nil || !ok {
		return nil, err
	}
	bs := s.Config.BulletinStep(ps.p)
	if board.PublishedAt.Before(bs.At) {
		return nil, nil
	}
	from := s.Config.NextAllowed(board.PublishedAt)
	if t.Before(from) || !t.Before(s.Config.catchUp(from)) {
		return nil, nil
	}
	var out []intent
	for _, r := range pp.bulletinRecipients() {
		r := r
		m := store.OutboxMessage{
			PlanID: s.Plan.ID, Kind: KindBoard, Period: ps.p.String(), Step: "1/1",
			Key:    bulletinKey(KindBoard, ps.p, r.chat, 1),
			ChatID: r.chat, UserID: r.user, Role: r.role, Unit: r.scope, Lang: r.lang,
			Priority: prioBulletin, DueAt: from, Expires: s.Config.catchUp(from),
		}
		out = append(out, intent{msg: m, render: func(ctx context.Context) ([]store.OutboxMessage, error) {
			sc, err := progressbot.ParseScope(r.scope)
			if err != nil {
				return nil, err
			}
			units, err := s.roller().ScopeUnits(sc, ps.p)
			if err != nil {
				return nil, err
			}
			in := map[string]bool{}
			for _, u := range units {
				in[u] = true
			}
			loc := locales.For(r.lang)
			n := names{p: s.Plan, loc: loc, tz: s.Config.loc()}
			var b strings.Builder
			b.WriteString(loc.T("schedule.board.title", "Period", n.period(ps.p), "Scope", n.scope(r.scope)) + "\n")
			boardLines(&b, n, board, func(u string) bool { return in[u] })
			m.Text = strings.TrimSpace(b.String())
			return []store.OutboxMessage{m}, nil
		}})
	}
	return out, nil
}

func bulletinKey(kind string, p progressbot.Period, chat int64, part int) string {
	return fmt.Sprintf("%s|%s|%d|%d", kind, p, chat, part)
}

// plan lists the messages the schedule wants at t that are not in the outbox yet,
// rendered. It writes nothing.
func (s *Scheduler) plan(ctx context.Context, t time.Time) ([]store.OutboxMessage, []*periodState, error) {
	if !s.Config.Allowed(t) {
		return nil, nil, nil
	}
	s.noteFallback(t)
	pp, err := s.people(ctx)
	if err != nil {
		return nil, nil, err
	}
	var states []*periodState
	var prefixes []string
	for _, p := range s.periods(t) {
		ps, err := s.periodState(ctx, p)
		if err != nil {
			return nil, nil, err
		}
		s.noteFallback(ps.base)
		states = append(states, ps)
		for _, k := range []string{KindRemind, KindEscalate, KindBulletin, KindQuarter, KindYear, KindBoard} {
			prefixes = append(prefixes, k+"|"+p.String()+"|")
		}
	}
	ins, err := s.intents(ctx, t, pp, states)
	if err != nil {
		return nil, nil, err
	}
	if len(ins) == 0 {
		return nil, states, nil
	}
	have, err := s.DB.OutboxKeys(ctx, s.Plan.ID, prefixes...)
	if err != nil {
		return nil, nil, err
	}
	var out []store.OutboxMessage
	for _, in := range ins {
		if _, ok := have[in.msg.Key]; ok {
			continue
		}
		ms, err := in.render(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("render %s: %w", in.msg.Key, err)
		}
		out = append(out, ms...)
	}
	slices.SortStableFunc(out, func(a, b store.OutboxMessage) int {
		if a.Priority != b.Priority {
			return a.Priority - b.Priority
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, states, nil
}

// recordTimeliness keeps the timeliness of reports submitted in the periods planned.
func (s *Scheduler) recordTimeliness(ctx context.Context, states []*periodState) error {
	for _, ps := range states {
		rec, err := s.DB.RecordedTimeliness(ctx, s.Plan.ID, ps.p)
		if err != nil {
			return err
		}
		var ts []store.Timeliness
		for unit, sub := range ps.subs {
			if sub.State != progressbot.ReportSubmitted || sub.SubmittedAt.IsZero() {
				continue
			}
			if r, ok := rec[unit]; ok && r.SubmittedAt.Equal(sub.SubmittedAt.Truncate(time.Millisecond)) {
				continue
			}
			ts = append(ts, store.Timeliness{Unit: unit, Period: ps.p, SubmittedAt: sub.SubmittedAt, Deadline: ps.deadline(unit)})
		}
		if len(ts) == 0 {
			continue
		}
		slices.SortFunc(ts, func(a, b store.Timeliness) int { return strings.Compare(a.Unit, b.Unit) })
		if _, err := s.DB.RecordTimeliness(ctx, s.Plan.ID, ts); err != nil {
			return err
		}
	}
	return nil
}
