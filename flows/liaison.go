package flows

import (
	"context"
	"fmt"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
)

// liaisonProgress answers a liaison's /progress: their own month first, counted over
// what is due in it — not the unit's rollup, which also counts items of earlier
// periods — with the way into the report and into the unit's rollup.
func (e *Engine) liaisonProgress(ctx context.Context, u User, loc *locales.Localizer) (Reply, error) {
	unit := u.Account.Unit
	per := e.Calendar.Current(e.now())
	due := e.Plan.Due(unit, per)
	rep, err := e.DB.Report(ctx, e.Plan.ID, unit, per)
	if err != nil {
		return Reply{}, err
	}
	var answered, skipped int
	var open []string
	for _, ref := range due {
		a, ok := rep.Answers[ref]
		switch {
		case !complete(ref, a, ok):
			open = append(open, clip(e.itemTitle(ref, loc), 24))
		case a.Skipped:
			skipped++
		default:
			answered++
		}
	}
	var b strings.Builder
	fmt.Fprintln(&b, loc.T("liaison.progress.head", "Unit", e.unitName(unit, loc), "Period", periodLabel(per, loc)))
	d := e.deadlineFor(ctx, unit, per)
	dl := loc.T("time.deadline", "Month", int(d.Month()), "MonthName", d.Month().String(), "Day", d.Day(), "Time", d.Format("15:04"))
	if rep.State == progressbot.ReportSubmitted {
		fmt.Fprintln(&b, loc.T("liaison.progress.submitted", "Time", rep.SubmittedAt.In(e.Calendar.Location).Format("01-02 15:04")))
	} else {
		fmt.Fprintln(&b, loc.T("liaison.progress.deadline", "Deadline", dl))
	}
	fmt.Fprint(&b, loc.T("liaison.progress.counts", "Due", len(due), "Answered", answered, "Skipped", skipped, "Open", len(open)))
	if len(open) > 0 {
		shown := open[:min(len(open), 5)]
		fmt.Fprint(&b, "\n"+loc.T("liaison.progress.open", "List", strings.Join(shown, loc.T("leader.list_sep"))))
		if len(open) > len(shown) {
			fmt.Fprint(&b, loc.T("liaison.progress.more", "Count", len(open)-len(shown)))
		}
	}
	report := loc.T("button.continue")
	switch {
	case rep.State == progressbot.ReportSubmitted:
		report = loc.T("liaison.progress.view_report")
	case answered+skipped == 0:
		report = loc.T("button.start")
	}
	unitView := view{name: viewSummary, period: per, subject: progressbot.Subject{Kind: progressbot.SubjectUnit, Key: unit}}
	return Reply{Messages: []Message{{Text: b.String(), Keyboard: [][]Button{
		{{Label: report, Data: ReportButtonData}},
		{{Label: loc.T("liaison.progress.rollup"), Data: unitView.encode(e.Plan)}},
	}}}}, nil
}
