package flows

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
)

// /missing: who has not submitted yet.

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
		nav = append(nav, Button{Label: loc.T("button.prev_page"), Data: v.encode(e.Plan)})
	}
	if page < pages-1 {
		v.page = page + 1
		nav = append(nav, Button{Label: loc.T("button.next_page"), Data: v.encode(e.Plan)})
	}
	m := Message{Text: b.String(), Edit: edit}
	if len(nav) > 0 {
		m.Keyboard = [][]Button{nav}
	}
	return Reply{Messages: []Message{m}}, nil
}
