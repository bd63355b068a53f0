package schedule

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// Bulletins: the monthly one over a period; the quarterly and year-end ones over their
// span, with rankings. Pace, lagging items and coordination requests come from the
// leaders' rollup (progressbot.Roller over store.Snapshot), narrowed to the recipient's
// scope; completeness and timeliness are judged here against each unit's own deadline
// (moved off non-working days, extended), as recorded when the report was submitted.

// publishedBoard is a period's 红黄榜 once an admin has published it; ok is false until
// then.
func (s *Scheduler) publishedBoard(ctx context.Context, p progressbot.Period) (b store.Board, ok bool, err error) {
	b, err = s.DB.PublishedBoard(ctx, s.Plan.ID, p)
	if errors.Is(err, store.ErrNotFound) {
		return b, false, nil
	}
	return b, err == nil, err
}

// boardLines renders the published 红黄榜's lists, narrowed to the units a selection
// covers.
func boardLines(b *strings.Builder, n names, board store.Board, has func(unit string) bool) {
	loc := n.loc
	for _, list := range []progressbot.BoardList{progressbot.RedList, progressbot.YellowList} {
		var items []string
		for _, e := range board.Listed(list) {
			if !has(e.Unit) {
				continue
			}
			item := n.unit(e.Unit)
			switch e.Reason {
			case progressbot.BoardLate, progressbot.BoardMissing:
				item = loc.T("schedule.board.item_days", "Unit", item, "Reason", loc.T("schedule.board.reason."+string(e.Reason)), "Days", e.Days)
			default:
				item = loc.T("schedule.board.item", "Unit", item, "Reason", loc.T("schedule.board.reason."+string(e.Reason)))
			}
			items = append(items, item)
		}
		text := strings.Join(items, loc.T("schedule.sep"))
		if len(items) == 0 {
			text = loc.T("schedule.bulletin.none")
		}
		b.WriteString(loc.T("schedule.bulletin.board_"+string(list), "List", text) + "\n")
	}
}

const (
	listMax  = 8  // items listed per section of a bulletin
	rankShow = 5  // units shown at each end of a ranking
	unitsMax = 30 // units named in a list
)

// unitTimeliness is how one unit stands on its report for one period.
type unitTimeliness struct {
	unit     string
	state    progressbot.Timeliness
	deadline time.Time
	lateDays int
	extended bool
}

// timeliness judges the reports of units for a period at t against their deadlines:
// recorded timeliness first, else the submission time against the deadline in force.
func (s *Scheduler) timeliness(ctx context.Context, ps *periodState, units []string, t time.Time) ([]unitTimeliness, error) {
	rec, err := s.DB.RecordedTimeliness(ctx, s.Plan.ID, ps.p)
	if err != nil {
		return nil, err
	}
	days := func(d time.Duration) int { return int(math.Ceil(d.Hours() / 24)) }
	var out []unitTimeliness
	for _, u := range units {
		ut := unitTimeliness{unit: u, deadline: ps.deadline(u)}
		_, ut.extended = ps.exts[u]
		sub := ps.subs[u]
		switch {
		case sub.State == progressbot.ReportSubmitted:
			at, dl := sub.SubmittedAt, ut.deadline
			if r, ok := rec[u]; ok && r.SubmittedAt.Equal(sub.SubmittedAt.Truncate(time.Millisecond)) {
				at, dl = r.SubmittedAt, r.Deadline
			}
			if at.After(dl) {
				ut.state, ut.lateDays = progressbot.Late, days(at.Sub(dl))
			} else {
				ut.state = progressbot.OnTime
			}
		case t.After(ut.deadline):
			ut.state, ut.lateDays = progressbot.Missing, days(t.Sub(ut.deadline))
		default:
			ut.state = progressbot.Pending
		}
		out = append(out, ut)
	}
	return out, nil
}

// rollup is the leaders' rollup of a scope for a period at t.
func (s *Scheduler) rollup(ctx context.Context, sc progressbot.Subject, p progressbot.Period, t time.Time) (*progressbot.Rollup, error) {
	r := s.roller()
	sel, err := r.Select(sc, sc)
	if err != nil {
		return nil, err
	}
	snap, err := s.DB.Snapshot(ctx, s.Plan.ID, r.Query(sel, p, false))
	if err != nil {
		return nil, err
	}
	if snap.Deadline, snap.Deadlines, err = s.Deadlines(ctx, p); err != nil {
		return nil, err
	}
	return r.Roll(sel, p, snap, s.Config.Calendar, t), nil
}

func (s *Scheduler) bulletinText(ctx context.Context, kind string, ps *periodState, scope, lang string, t time.Time) (string, error) {
	loc := locales.For(lang)
	n := names{p: s.Plan, loc: loc, tz: s.Config.loc()}
	sc, err := progressbot.ParseScope(scope)
	if err != nil {
		return "", err
	}
	p := ps.p
	var b strings.Builder
	switch kind {
	case KindQuarter:
		b.WriteString(loc.T("schedule.bulletin.title.quarter", "Year", p.Year, "Q", p.Quarter(), "Scope", n.scope(scope)))
	case KindYear:
		b.WriteString(loc.T("schedule.bulletin.title.year", "Year", p.Year, "Scope", n.scope(scope)))
	default:
		b.WriteString(loc.T("schedule.bulletin.title.month", "Period", n.period(p), "Scope", n.scope(scope)))
	}
	b.WriteString("\n")
	ru, err := s.rollup(ctx, sc, p, t)
	if err != nil {
		return "", err
	}
	if kind == KindBulletin {
		if err := s.monthSections(ctx, &b, n, sc, ps, ru, t); err != nil {
			return "", err
		}
	} else {
		if err := s.spanSections(ctx, &b, n, kind, sc, ps, ru, t); err != nil {
			return "", err
		}
	}
	b.WriteString("\n" + loc.T("schedule.bulletin.foot"))
	return b.String(), nil
}

func (s *Scheduler) monthSections(ctx context.Context, b *strings.Builder, n names, sc progressbot.Subject, ps *periodState, ru *progressbot.Rollup, t time.Time) error {
	loc := n.loc
	units, err := s.roller().ScopeUnits(sc, ps.p)
	if err != nil {
		return err
	}
	tl, err := s.timeliness(ctx, ps, units, t)
	if err != nil {
		return err
	}
	// 一、填报情况
	b.WriteString("\n" + loc.T("schedule.bulletin.sec.completeness") + "\n")
	var onTime, late, missing, pending []unitTimeliness
	for _, u := range tl {
		switch u.state {
		case progressbot.OnTime:
			onTime = append(onTime, u)
		case progressbot.Late:
			late = append(late, u)
		case progressbot.Missing:
			missing = append(missing, u)
		default:
			pending = append(pending, u)
		}
	}
	submitted := len(onTime) + len(late)
	b.WriteString(loc.T("schedule.bulletin.completeness", "Owed", len(tl), "Submitted", submitted, "OnTime", len(onTime),
		"Late", len(late), "Missing", len(missing)+len(pending), "Rate", percent(submitted, len(tl)), "OnTimeRate", percent(len(onTime), len(tl))))
	if len(late) > 0 {
		slices.SortStableFunc(late, func(a, b unitTimeliness) int { return b.lateDays - a.lateDays })
		var items []string
		for i, u := range late {
			if i == unitsMax {
				items = append(items, loc.T("schedule.more_units", "N", len(late)-i))
				break
			}
			items = append(items, loc.T("schedule.bulletin.late_item", "Unit", n.unit(u.unit), "Days", u.lateDays))
		}
		b.WriteString("\n" + loc.T("schedule.bulletin.late_list", "List", strings.Join(items, loc.T("schedule.sep"))))
	}
	if len(missing) > 0 {
		var ids []string
		for _, u := range missing {
			ids = append(ids, u.unit)
		}
		b.WriteString("\n" + loc.T("schedule.bulletin.missing_list", "List", n.units(ids, unitsMax)))
	}
	if len(pending) > 0 {
		var items []string
		for _, u := range pending {
			items = append(items, loc.T("schedule.bulletin.ext_item", "Unit", n.unit(u.unit), "Deadline", n.moment(u.deadline)))
		}
		b.WriteString("\n" + loc.T("schedule.bulletin.extended_list", "List", strings.Join(items, loc.T("schedule.sep"))))
	}
	b.WriteString("\n")
	s.paceSections(b, n, ru, 2)
	// 五、红黄榜, once published; when it is published later it goes on its own.
	b.WriteString("\n" + loc.T("schedule.bulletin.sec.board") + "\n")
	board, ok, err := s.publishedBoard(ctx, ps.p)
	if err != nil {
		return err
	}
	if !ok {
		b.WriteString(loc.T("schedule.bulletin.board_pending") + "\n")
		return nil
	}
	inScope := map[string]bool{}
	for _, u := range units {
		inScope[u] = true
	}
	boardLines(b, n, board, func(u string) bool { return inScope[u] })
	return nil
}

// paceSections writes the indicators against pace, the lagging tasks and projects and the
// coordination requests of a rollup, numbering sections from first.
func (s *Scheduler) paceSections(b *strings.Builder, n names, ru *progressbot.Rollup, first int) {
	loc := n.loc
	var ind progressbot.Counts
	for _, e := range ru.Entries {
		if e.Item.Kind != progressbot.ItemIndicator {
			continue
		}
		switch e.Level {
		case progressbot.PaceAhead:
			ind.Ahead++
		case progressbot.PaceOnTrack:
			ind.OnTrack++
		case progressbot.PaceLagging:
			ind.Lagging++
		case progressbot.PaceSerious:
			ind.Serious++
		case progressbot.PaceNoData:
			ind.NoData++
		default:
			ind.NoTarget++
		}
	}
	b.WriteString("\n" + loc.T("schedule.bulletin.sec.pace", "No", sectionNo(loc, first)) + "\n")
	if ind.Judged() == 0 && ind.NoData == 0 {
		b.WriteString(loc.T("schedule.bulletin.pace_none") + "\n")
	} else {
		b.WriteString(loc.T("schedule.bulletin.pace", "Judged", ind.Judged(), "Ahead", ind.Ahead, "OnTrack", ind.OnTrack,
			"Lagging", ind.Lagging, "Serious", ind.Serious, "NoData", ind.NoData) + "\n")
		shown := 0
		for _, e := range ru.Attention {
			if e.Item.Kind != progressbot.ItemIndicator {
				continue
			}
			if shown == listMax {
				b.WriteString(loc.T("schedule.more", "N", countKind(ru.Attention, true)-shown) + "\n")
				break
			}
			unit := n.unit(e.Unit)
			if e.Unit == "" {
				unit = loc.T("schedule.bulletin.city_total")
			}
			level := loc.T("schedule.level." + string(e.Level))
			if e.Expected != 0 {
				b.WriteString(loc.T("schedule.bulletin.pace_item", "Indicator", n.item(e.Item), "Unit", unit, "Level", level,
					"Actual", n.value(e.Item, e.Value), "Expected", n.value(e.Item, e.Expected), "Pct", ratioPercent(e.Ratio)) + "\n")
			} else {
				b.WriteString(loc.T("schedule.bulletin.pace_item_short", "Indicator", n.item(e.Item), "Unit", unit, "Level", level) + "\n")
			}
			shown++
		}
	}
	b.WriteString("\n" + loc.T("schedule.bulletin.sec.tasks", "No", sectionNo(loc, first+1)) + "\n")
	shown := 0
	for _, e := range ru.Attention {
		if e.Item.Kind == progressbot.ItemIndicator {
			continue
		}
		if shown == listMax {
			b.WriteString(loc.T("schedule.more", "N", countKind(ru.Attention, false)-shown) + "\n")
			break
		}
		reason := loc.T("schedule.reason." + string(e.Reason))
		b.WriteString(loc.T("schedule.bulletin.task_item", "Item", n.item(e.Item), "Unit", n.unit(e.Unit), "Reason", reason) + "\n")
		shown++
	}
	if shown == 0 {
		b.WriteString(loc.T("schedule.bulletin.none") + "\n")
	}
	b.WriteString("\n" + loc.T("schedule.bulletin.sec.coord", "No", sectionNo(loc, first+2)) + "\n")
	for i, e := range ru.Coordination {
		if i == listMax {
			b.WriteString(loc.T("schedule.more", "N", len(ru.Coordination)-i) + "\n")
			break
		}
		b.WriteString(loc.T("schedule.bulletin.coord_item", "Unit", n.unit(e.Unit), "Item", n.item(e.Item), "Text", clip(e.Coordination, 80)) + "\n")
	}
	if len(ru.Coordination) == 0 {
		b.WriteString(loc.T("schedule.bulletin.none") + "\n")
	}
}

func countKind(es []progressbot.Entry, indicators bool) int {
	n := 0
	for _, e := range es {
		if (e.Item.Kind == progressbot.ItemIndicator) == indicators {
			n++
		}
	}
	return n
}

func sectionNo(loc *locales.Localizer, i int) string {
	return loc.T(fmt.Sprintf("schedule.bulletin.no%d", i))
}

// unitSpan is a unit's record over a quarter or a year.
type unitSpan struct {
	unit                         string
	owed, onTime, late, missing  int
	judged, onPace, lag, serious int
}

func (u unitSpan) paceShare() float64 {
	if u.judged == 0 {
		return -1
	}
	return float64(u.onPace) / float64(u.judged)
}

func (u unitSpan) onTimeShare() float64 {
	if u.owed == 0 {
		return -1
	}
	return float64(u.onTime) / float64(u.owed)
}

// spanSections writes a quarterly or year-end bulletin: timeliness over the span, pace at
// its end, the lagging items and coordination requests of its last period, and the
// ranking of the scope's units.
func (s *Scheduler) spanSections(ctx context.Context, b *strings.Builder, n names, kind string, sc progressbot.Subject, last *periodState, ru *progressbot.Rollup, t time.Time) error {
	loc := n.loc
	first := last.p.Add(-2)
	if kind == KindYear {
		first = progressbot.Period{Year: last.p.Year, Month: time.January}
	}
	if iss := s.Plan.Issued; !iss.IsZero() && first.Before(progressbot.PeriodOf(iss)) {
		first = progressbot.PeriodOf(iss)
	}
	spans := map[string]*unitSpan{}
	var order []string
	var periods int
	var tot unitSpan
	for p := first; !last.p.Before(p); p = p.Next() {
		periods++
		ps := last
		if p != last.p {
			var err error
			if ps, err = s.periodState(ctx, p); err != nil {
				return err
			}
		}
		units, err := s.roller().ScopeUnits(sc, p)
		if err != nil {
			return err
		}
		tl, err := s.timeliness(ctx, ps, units, t)
		if err != nil {
			return err
		}
		for _, u := range tl {
			us := spans[u.unit]
			if us == nil {
				us = &unitSpan{unit: u.unit}
				spans[u.unit] = us
				order = append(order, u.unit)
			}
			us.owed++
			tot.owed++
			switch u.state {
			case progressbot.OnTime:
				us.onTime++
				tot.onTime++
			case progressbot.Late:
				us.late++
				tot.late++
			default:
				us.missing++
				tot.missing++
			}
		}
	}
	from, to := n.period(first), n.period(last.p)
	b.WriteString("\n" + loc.T("schedule.bulletin.sec.span", "From", from, "To", to) + "\n")
	b.WriteString(loc.T("schedule.bulletin.span", "Periods", periods, "Owed", tot.owed, "OnTime", tot.onTime, "Late", tot.late,
		"Missing", tot.missing, "Rate", percent(tot.onTime+tot.late, tot.owed), "OnTimeRate", percent(tot.onTime, tot.owed)) + "\n")
	// Pace at the end of the span, by unit.
	for _, ur := range ru.Units {
		us := spans[ur.Unit]
		if us == nil {
			continue
		}
		c := ur.Counts
		us.judged, us.onPace, us.lag, us.serious = c.Judged(), c.Ahead+c.OnTrack, c.Lagging, c.Serious
	}
	s.paceSections(b, n, ru, 2)
	// Ranking: share of judged items on pace (超前 and 正常), then on-time reports, then
	// document order.
	ranked := make([]*unitSpan, 0, len(order))
	for _, u := range order {
		ranked = append(ranked, spans[u])
	}
	slices.SortStableFunc(ranked, func(a, b *unitSpan) int {
		if x, y := a.paceShare(), b.paceShare(); x != y {
			if x > y {
				return -1
			}
			return 1
		}
		if x, y := a.onTimeShare(), b.onTimeShare(); x != y {
			if x > y {
				return -1
			}
			return 1
		}
		return 0
	})
	b.WriteString("\n" + loc.T("schedule.bulletin.sec.ranking", "No", sectionNo(loc, 5)) + "\n")
	b.WriteString(loc.T("schedule.bulletin.rank_rule") + "\n")
	line := func(i int, u *unitSpan) string {
		pace := "—"
		if u.judged > 0 {
			pace = percent(u.onPace, u.judged)
		}
		return loc.T("schedule.bulletin.rank_item", "Rank", i+1, "Unit", n.unit(u.unit), "Pace", pace,
			"OnTime", u.onTime, "Owed", u.owed)
	}
	if len(ranked) <= 2*rankShow {
		for i, u := range ranked {
			b.WriteString(line(i, u) + "\n")
		}
	} else {
		b.WriteString(loc.T("schedule.bulletin.rank_top") + "\n")
		for i := 0; i < rankShow; i++ {
			b.WriteString(line(i, ranked[i]) + "\n")
		}
		b.WriteString(loc.T("schedule.bulletin.rank_bottom") + "\n")
		for i := len(ranked) - rankShow; i < len(ranked); i++ {
			b.WriteString(line(i, ranked[i]) + "\n")
		}
	}
	return nil
}
