package flows

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// The admin's side of the monthly cycle: /remind previews what the scheduler would send,
// /extend (also "/remind extend") moves one unit's deadline with a reason, and
// "/remind group" sent in a group chat registers it as a leaders' group for the bulletins.

// Schedule is what these commands need from the scheduler (package schedule's
// *Scheduler). Attach it with Engine.SetSchedule.
type Schedule interface {
	// PreviewLines lists what would be sent at a moment, one line per message: unit,
	// role, kind, period and recipient, separated by tabs.
	PreviewLines(ctx context.Context, at time.Time, lang string) ([]string, error)
	// Allowed reports whether anything may go out at a moment.
	Allowed(t time.Time) bool
	// BaseDeadline is a period's deadline moved off a non-working day, before any
	// unit's extension.
	BaseDeadline(p progressbot.Period) time.Time
	// Deadlines is a period's deadline (moved off a non-working day) and the units whose
	// deadline was extended, with theirs.
	Deadlines(ctx context.Context, p progressbot.Period) (base time.Time, extended map[string]time.Time, err error)
	// Deadline is a unit's deadline for a period, with extensions.
	Deadline(ctx context.Context, unit string, p progressbot.Period) (deadline time.Time, extended bool, err error)
	// ExtendDeadline moves it by working days, or to a moment; it returns the new
	// deadline and the one it replaces. It fails with store.ErrExtensionNotLater when the
	// deadline would not move later.
	ExtendDeadline(ctx context.Context, unit string, p progressbot.Period, workdays int, until time.Time, reason string, by int64) (deadline, was time.Time, err error)
}

// SetSchedule attaches the scheduler to the engine, and sets Engine.Preview if it is
// unset.
func (e *Engine) SetSchedule(s Schedule) {
	e.Schedule = s
	if e.Preview == nil && s != nil {
		e.Preview = func(ctx context.Context, at time.Time) ([]string, error) {
			return s.PreviewLines(ctx, at, locales.Default)
		}
	}
}

func (e *Engine) schedule() Schedule { return e.Schedule }

// periodDeadline is a period's deadline for every unit without an extension.
func (e *Engine) periodDeadline(p progressbot.Period) time.Time {
	if s := e.schedule(); s != nil {
		return s.BaseDeadline(p)
	}
	return e.Calendar.Deadline(p)
}

// deadlineFor is a unit's deadline for a period as the scheduler has it (moved off a
// non-working day, extended), else the calendar's: what the report flow should show and
// judge lateness and reopening by.
func (e *Engine) deadlineFor(ctx context.Context, unit string, p progressbot.Period) time.Time {
	if s := e.schedule(); s != nil {
		if d, _, err := s.Deadline(ctx, unit, p); err == nil {
			return d
		}
	}
	return e.Calendar.Deadline(p)
}

// ReportButtonData is the callback data of a reminder's "start reporting" button: the
// engine opens /report for it.
const ReportButtonData = "rp"

const previewMax = 40 // lines shown in chat

func (e *Engine) remindCommand(ctx context.Context, u User, args string, loc *locales.Localizer) (Reply, error) {
	word, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(word) {
	case "group", "领导群", "群":
		return e.groupCommand(ctx, u, rest, loc)
	}
	if u.Account.Role != store.RoleAdmin {
		return Reply{Messages: []Message{{Text: loc.T("remind.chat.admins_only")}}}, nil
	}
	switch strings.ToLower(word) {
	case "extend", "延期":
		return e.extendCommand(ctx, u, rest, loc)
	case "help", "帮助", "?":
		return Reply{Messages: []Message{{Text: loc.T("remind.chat.usage")}}}, nil
	}
	at := e.now()
	if word != "" {
		t, err := time.Parse(time.RFC3339, word)
		if err != nil {
			return Reply{Messages: []Message{{Text: loc.T("remind.chat.bad_time") + "\n\n" + loc.T("remind.chat.usage")}}}, nil
		}
		at = t
	}
	return e.preview(ctx, at, loc)
}

func (e *Engine) preview(ctx context.Context, at time.Time, loc *locales.Localizer) (Reply, error) {
	s := e.schedule()
	if s == nil && e.Preview == nil {
		return Reply{Messages: []Message{{Text: loc.T("remind.chat.no_scheduler")}}}, nil
	}
	if e.Calendar.Location != nil {
		at = at.In(e.Calendar.Location)
	}
	stamp := at.Format("2006-01-02 15:04")
	if s != nil && !s.Allowed(at) {
		return Reply{Messages: []Message{{Text: loc.T("remind.chat.preview_quiet", "At", stamp)}}}, nil
	}
	var (
		lines []string
		err   error
	)
	if s != nil {
		lines, err = s.PreviewLines(ctx, at, loc.Lang)
	} else {
		lines, err = e.Preview(ctx, at)
	}
	if err != nil {
		return Reply{}, fmt.Errorf("preview: %w", err)
	}
	if len(lines) == 0 {
		return Reply{Messages: []Message{{Text: loc.T("remind.chat.preview_none", "At", stamp)}}}, nil
	}
	var b strings.Builder
	b.WriteString(loc.T("remind.chat.preview_head", "At", stamp, "N", len(lines)))
	for i, l := range lines {
		if i == previewMax {
			b.WriteString("\n" + loc.T("remind.chat.preview_more", "N", len(lines)-i))
			break
		}
		b.WriteString("\n· " + strings.ReplaceAll(l, "\t", " · "))
	}
	return Reply{Messages: []Message{{Text: b.String()}}}, nil
}

var (
	daysArg = regexp.MustCompile(`^[0-9]{1,3}$`)
	dateArg = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// extendCommand: "/extend 湖口县 3 理由…" moves the unit's deadline for the current period
// by 3 working days; "/extend 湖口县 2025-10-15 理由…" to that date at the usual hour.
func (e *Engine) extendCommand(ctx context.Context, u User, args string, loc *locales.Localizer) (Reply, error) {
	if u.Account.Role != store.RoleAdmin {
		return Reply{Messages: []Message{{Text: loc.T("remind.chat.admins_only")}}}, nil
	}
	s := e.schedule()
	if s == nil {
		return Reply{Messages: []Message{{Text: loc.T("remind.chat.no_scheduler")}}}, nil
	}
	fields := strings.Fields(args)
	at := -1
	for i, f := range fields {
		if daysArg.MatchString(f) || dateArg.MatchString(f) {
			at = i
			break
		}
	}
	if at <= 0 {
		return Reply{Messages: []Message{{Text: loc.T("extend.usage", e.examples(loc)...)}}}, nil
	}
	name := strings.Join(fields[:at], " ")
	reason := strings.Join(fields[at+1:], " ")
	m, ok := e.resolveTarget(name, store.RoleLiaison)
	if !ok {
		return Reply{Messages: []Message{{Text: loc.T("extend.unknown_unit", "Name", name)}}}, nil
	}
	if reason == "" {
		return Reply{Messages: []Message{{Text: loc.T("extend.no_reason", e.examples(loc)...)}}}, nil
	}
	var (
		workdays int
		until    time.Time
	)
	if arg := fields[at]; dateArg.MatchString(arg) {
		d, err := progressbot.ParseCivilDate(arg)
		if err != nil {
			return Reply{Messages: []Message{{Text: loc.T("extend.bad_days")}}}, nil
		}
		tz := e.Calendar.Location
		if tz == nil {
			tz = time.UTC
		}
		hour := e.Calendar.DeadlineHour
		if hour < 0 || hour > 23 {
			hour = 18
		}
		until = time.Date(d.Year, d.Month, d.Day, hour, 0, 0, 0, tz)
	} else {
		n, _ := strconv.Atoi(arg)
		if n < 1 || n > 30 {
			return Reply{Messages: []Message{{Text: loc.T("extend.bad_days")}}}, nil
		}
		workdays = n
	}
	period := e.Calendar.Current(e.now())
	unitName, periodName := e.unitName(m.Key, loc), periodLabel(period, loc)
	if len(e.Plan.Due(m.Key, period)) == 0 {
		return Reply{Messages: []Message{{Text: loc.T("extend.not_owed", "Unit", unitName, "Period", periodName)}}}, nil
	}
	dl, was, err := s.ExtendDeadline(ctx, m.Key, period, workdays, until, reason, u.ID)
	if err != nil {
		if r, ok := errorReply(err, loc, append(e.examples(loc), "Deadline", momentLabel(until, loc), "Was", momentLabel(was, loc))...); ok {
			return r, nil
		}
		return Reply{}, err
	}
	e.log().Info("deadline extended in chat", "user_id", u.ID, "unit", m.Key, "period", period.String(), "until", dl.Format(time.RFC3339))
	return Reply{Messages: []Message{{Text: loc.T("extend.done", "Unit", unitName, "Period", periodName,
		"Deadline", momentLabel(dl, loc), "Was", momentLabel(was, loc), "Reason", reason)}}}, nil
}

func momentLabel(t time.Time, loc *locales.Localizer) string {
	if t.IsZero() {
		return "—"
	}
	return loc.T("time.deadline", "Month", int(t.Month()), "MonthName", t.Month().String(), "Day", t.Day(), "Time", t.Format("15:04"))
}

// groupCommand registers (or, with "off", unregisters) the group chat it is sent in as a
// leaders' group that receives the bulletins, over the sender's scope.
func (e *Engine) groupCommand(ctx context.Context, u User, arg string, loc *locales.Localizer) (Reply, error) {
	if u.ChatID >= 0 {
		return Reply{Messages: []Message{{Text: loc.T("group.not_group")}}}, nil
	}
	role := u.Account.Role
	if role != store.RoleLeader && role != store.RoleAdmin {
		return Reply{Messages: []Message{{Text: loc.T("group.not_allowed")}}}, nil
	}
	// A group registered by someone else is the bulletin of their scope: a leader whose
	// scope does not cover it may not switch it off or narrow it to their own.
	if role == store.RoleLeader {
		groups, err := e.DB.LeaderGroups(ctx, e.Plan.ID, false)
		if err != nil {
			return Reply{}, err
		}
		for _, g := range groups {
			if g.ChatID == u.ChatID && g.AddedBy != u.ID && u.Account.Scope != "" && u.Account.Scope != g.Scope {
				return Reply{Messages: []Message{{Text: loc.T("group.not_yours", "Scope", e.scopeName(g.Scope, loc))}}}, nil
			}
		}
	}
	switch strings.ToLower(arg) {
	case "off", "stop", "取消", "关闭":
		err := e.DB.SetGroupActive(ctx, u.ChatID, false)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Reply{}, err
		}
		e.log().Info("leaders' group unregistered", "chat_id", u.ChatID, "user_id", u.ID)
		return Reply{Messages: []Message{{Text: loc.T("group.unregistered")}}}, nil
	}
	scope := ""
	if role == store.RoleLeader {
		scope = u.Account.Scope
	}
	if err := e.DB.RegisterGroup(ctx, store.LeaderGroup{ChatID: u.ChatID, PlanID: e.Plan.ID, Scope: scope, Lang: loc.Lang, AddedBy: u.ID}); err != nil {
		return Reply{}, err
	}
	e.log().Info("leaders' group registered", "chat_id", u.ChatID, "user_id", u.ID, "scope", scope)
	return Reply{Messages: []Message{{Text: loc.T("group.registered", "Scope", e.scopeName(scope, loc))}}}, nil
}
