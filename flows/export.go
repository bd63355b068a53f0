package flows

import (
	"bytes"
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/chart"
	"github.com/progressbot/progressbot/export"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// /export sends the period's workbook as a document: an admin gets the whole plan, a
// leader their scope, a liaison their own unit. Buttons under it move a month back or
// forth and switch to the tasks table as CSV. A unit's export also offers its pace chart,
// whose numbered buttons send each indicator's monthly path.
//
// Callback data, all under "x:" (which the engine routes here; exportPress in callback.go
// encodes and decodes it) and within 64 bytes:
//
//	x:f:<YYYY-MM>:<x|c>               the workbook (x) or the tasks CSV (c) of a period
//	x:cp:<unit>:<YYYYMM>              a unit's pace chart
//	x:ci:<indicator>:<unit>:<YYYYMM>  an indicator's monthly path for a unit (the city's
//	                                  id for a county-level indicator's city total)
//
// Every period, of a file or a chart, must lie within exportRange.
//
// The data carries no rights: every press is checked against the presser's scope again.

const (
	formatXLSX = "x"
	formatCSV  = "c"
)

func (e *Engine) exportCommand(ctx context.Context, u User, args string, loc *locales.Localizer) (Reply, error) {
	sc, msg := e.exportScope(u, loc)
	if msg != "" {
		return Reply{Messages: []Message{{Text: msg}}}, nil
	}
	period, format := e.Calendar.Current(e.now()), formatXLSX
	for _, w := range strings.Fields(args) {
		switch strings.ToLower(w) {
		case "csv", "任务", "任务表", "tasks":
			format = formatCSV
		case "xlsx", "excel", "工作簿":
		case "help", "帮助", "?", "？":
			return Reply{Messages: []Message{{Text: loc.T("export.chat.usage")}}}, nil
		default:
			p, ok := e.exportPeriod(w)
			if !ok {
				first, last := e.exportRange()
				return Reply{Messages: []Message{{Text: loc.T("export.chat.bad_period", "Text", w, "First", first.String(), "Last", last.String()) +
					"\n\n" + loc.T("export.chat.usage")}}}, nil
			}
			period = p
		}
	}
	m, err := e.exportFile(ctx, u, sc, period, format, loc)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Messages: []Message{m}}, nil
}

func (e *Engine) exportButton(ctx context.Context, u User, data string, loc *locales.Localizer) (Reply, error) {
	stale := Reply{Toast: loc.T("button.stale")}
	sc, msg := e.exportScope(u, loc)
	if msg != "" {
		return Reply{Messages: []Message{{Text: msg}}, Toast: msg}, nil
	}
	c, ok := decodeExportPress(e.Plan, data)
	if !ok || !e.inExportRange(c.Period) {
		return stale, nil
	}
	var (
		m   Message
		err error
	)
	switch c.Act {
	case exportFileAct:
		m, err = e.exportFile(ctx, u, sc, c.Period, c.Format, loc)
	case exportPaceAct:
		m, err = e.paceChart(ctx, sc, c.Unit, c.Period, loc)
	default:
		m, err = e.indicatorChart(ctx, sc, e.Plan.Indicator(c.Indicator), c.Unit, c.Period, loc)
	}
	if err != nil {
		return Reply{}, err
	}
	toast := loc.T("export.chat.done_short")
	if m.Document == nil && m.Photo == nil {
		toast = m.Text
	}
	return Reply{Messages: []Message{m}, Toast: clip(toast, 190)}, nil
}

// exportScope is what a person may export, or the message why nothing.
func (e *Engine) exportScope(u User, loc *locales.Localizer) (export.Scope, string) {
	acc := u.Account
	switch acc.Role {
	case store.RoleAdmin:
		return export.Scope{}, ""
	case store.RoleLiaison:
		if acc.Unit == "" || e.Plan.Unit(acc.Unit) == nil {
			return export.Scope{}, loc.T("export.chat.no_unit")
		}
		return export.UnitScope(acc.Unit), ""
	case store.RoleLeader:
		sc, err := export.ParseScope(e.Plan, acc.Scope)
		if err != nil {
			return export.Scope{}, loc.T("export.chat.no_scope")
		}
		return sc, ""
	}
	return export.Scope{}, loc.T("export.chat.no_scope")
}

// exportRange is the months that can be exported: from the plan's issue to the period
// being reported now.
func (e *Engine) exportRange() (first, last progressbot.Period) {
	last = e.Calendar.Current(e.now())
	first = progressbot.Period{Year: e.Plan.StartYear, Month: 1}
	if !e.Plan.Issued.IsZero() {
		first = progressbot.PeriodOf(e.Plan.Issued)
	}
	if first.IsZero() || last.Before(first) {
		first = last
	}
	return first, last
}

// exportPeriod reads a month typed after /export, within exportRange.
func (e *Engine) exportPeriod(s string) (progressbot.Period, bool) {
	p, err := progressbot.ParsePeriod(strings.TrimSpace(s))
	if err != nil {
		return p, false
	}
	return p, e.inExportRange(p)
}

// inExportRange tells whether a month is within exportRange.
func (e *Engine) inExportRange(p progressbot.Period) bool {
	first, last := e.exportRange()
	return !p.Before(first) && !last.Before(p)
}

// exportFile makes the workbook (or the tasks CSV) of a period within a scope.
func (e *Engine) exportFile(ctx context.Context, u User, sc export.Scope, period progressbot.Period, format string, loc *locales.Localizer) (Message, error) {
	opt := export.Options{Period: period, Scope: sc, Calendar: e.Calendar, Now: e.now(), Loc: loc}
	scopeName := sc.Name(e.Plan, loc)
	suffix := ""
	if !sc.All() {
		suffix = "-" + sc.Key
	}
	var (
		buf  bytes.Buffer
		m    Message
		name string
	)
	switch format {
	case formatCSV:
		t, err := export.Single(ctx, e.DB, e.Plan, opt, export.TableTasks)
		if err != nil {
			return m, err
		}
		if err := export.WriteCSV(&buf, t); err != nil {
			return m, err
		}
		name = "tasks-" + period.String() + suffix + ".csv"
		m.Text = loc.T("export.chat.caption_csv", "Scope", scopeName, "Period", periodLabel(period, loc))
	default:
		book, err := export.Workbook(ctx, e.DB, e.Plan, opt)
		if err != nil {
			return m, err
		}
		if err := export.WriteXLSX(&buf, book.Tables...); err != nil {
			return m, err
		}
		name = "progress-" + period.String() + suffix + ".xlsx"
		s := book.Summary
		m.Text = loc.T("export.chat.caption", "Scope", scopeName, "Period", periodLabel(period, loc),
			"Due", s.UnitsDue, "Submitted", s.Submitted, "Late", s.Late, "Missing", s.Missing,
			"Ahead", s.Pace[progressbot.PaceAhead], "OnTrack", s.Pace[progressbot.PaceOnTrack], "Lagging", s.Pace[progressbot.PaceLagging],
			"Serious", s.Pace[progressbot.PaceSerious], "NoData", s.Pace[progressbot.PaceNoData],
			"TasksLagging", s.Tasks[progressbot.StatusLagging], "TasksMissing", s.Unreported)
	}
	e.log().Info("export", "user_id", u.ID, "scope", sc.String(), "period", period.String(), "file", name, "bytes", buf.Len())
	m.Document = &File{Name: name, Data: buf.Bytes()}

	first, last := e.exportRange()
	var nav []Button
	if prev := period.Prev(); !prev.Before(first) {
		nav = append(nav, Button{Label: loc.T("export.button.prev", "Period", periodLabel(prev, loc)), Data: exportPress{Act: exportFileAct, Period: prev, Format: format}.encode(e.Plan)})
	}
	if next := period.Next(); !last.Before(next) {
		nav = append(nav, Button{Label: loc.T("export.button.next", "Period", periodLabel(next, loc)), Data: exportPress{Act: exportFileAct, Period: next, Format: format}.encode(e.Plan)})
	}
	other := []Button{{Label: loc.T("export.button.csv"), Data: exportPress{Act: exportFileAct, Period: period, Format: formatCSV}.encode(e.Plan)}}
	if format == formatCSV {
		other = []Button{{Label: loc.T("export.button.xlsx"), Data: exportPress{Act: exportFileAct, Period: period, Format: formatXLSX}.encode(e.Plan)}}
	}
	if sc.Kind == "unit" && len(e.chartIndicators(sc, sc.Key)) > 0 {
		other = append(other, Button{Label: loc.T("export.button.pace_chart"), Data: exportPress{Act: exportPaceAct, Unit: sc.Key, Period: period}.encode(e.Plan)})
	}
	if len(nav) > 0 {
		m.Keyboard = append(m.Keyboard, nav)
	}
	m.Keyboard = append(m.Keyboard, other)
	return m, nil
}

// chartIndicators are the indicators a unit reports against numeric targets, within a
// scope: the county-level ones it has targets for and the city-level ones it owns.
func (e *Engine) chartIndicators(sc export.Scope, unit string) []*progressbot.Indicator {
	p := e.Plan
	var out []*progressbot.Indicator
	for _, in := range p.Indicators {
		switch {
		case in.Scope == progressbot.ScopeCounty && len(p.PathFor(in.ID, unit, nil).Targets) > 0:
		case in.Scope == progressbot.ScopeCity && in.Owner == unit && len(p.PathFor(in.ID, export.TargetUnit(p, in, unit), nil).Targets) > 0:
		default:
			continue
		}
		if sc.Row(p, progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: in.ID}, unit) {
			out = append(out, in)
		}
	}
	return out
}

func (e *Engine) indicatorName(in *progressbot.Indicator, loc *locales.Localizer) string {
	if loc.Lang == "en" && in.En != "" {
		return in.En
	}
	return in.Name
}

// maxBars is how many indicators a pace chart shows, worst first: more do not read on a
// phone.
const maxBars = 20

// paceChart draws a unit's indicators against their pace, worst first, numbered; the
// caption names them and buttons with the same numbers open each one's monthly path.
func (e *Engine) paceChart(ctx context.Context, sc export.Scope, unit string, period progressbot.Period, loc *locales.Localizer) (Message, error) {
	if e.Plan.Unit(unit) == nil {
		return Message{Text: loc.T("export.chart.not_allowed")}, nil
	}
	ins := e.chartIndicators(sc, unit)
	if len(ins) == 0 {
		if !sc.All() && !(sc.Kind == "unit" && sc.Key == unit) {
			return Message{Text: loc.T("export.chart.not_allowed")}, nil
		}
		return Message{Text: loc.T("export.chart.none")}, nil
	}
	r := export.NewReader(e.DB, e.Plan)
	type row struct {
		in *progressbot.Indicator
		st export.Standing
	}
	var rows []row
	for _, in := range ins {
		st, err := r.Indicator(ctx, in, unit, period)
		if err != nil {
			return Message{}, err
		}
		if st.Pace.Level != progressbot.PaceNoTarget {
			rows = append(rows, row{in, st})
		}
	}
	if len(rows) == 0 {
		return Message{Text: loc.T("export.chart.none")}, nil
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		if d := a.st.Pace.Level.Rank() - b.st.Pace.Level.Rank(); d != 0 {
			return d
		}
		switch {
		case a.st.Pace.Ratio < b.st.Pace.Ratio:
			return -1
		case a.st.Pace.Ratio > b.st.Pace.Ratio:
			return 1
		}
		return 0
	})
	more := 0
	if len(rows) > maxBars {
		rows, more = rows[:maxBars], len(rows)-maxBars
	}
	th := e.Plan.Pace
	if !th.Valid() {
		th = progressbot.DefaultPace
	}
	pct := func(v float64) string { return strconv.FormatFloat(math.Round(v*100), 'f', -1, 64) + "%" }
	in := chart.PaceInput{Thresholds: th,
		Title: loc.T("chart.pace.title", "Unit", e.unitName(unit, loc), "Period", periodLabel(period, loc)),
		Axis:  loc.T("chart.pace.axis"),
		Legend: chart.PaceLegend{Levels: map[progressbot.PaceLevel]string{}, NoData: loc.T("chart.pace.no_data"),
			Thresholds: loc.T("chart.pace.thresholds", "Lagging", pct(th.Lagging), "OnTrack", pct(th.OnTrack), "Ahead", pct(th.Ahead))},
	}
	for _, l := range []progressbot.PaceLevel{progressbot.PaceAhead, progressbot.PaceOnTrack, progressbot.PaceLagging, progressbot.PaceSerious} {
		in.Legend.Levels[l] = export.PaceWord(l, loc)
	}
	var b strings.Builder
	b.WriteString(loc.T("export.chart.pace_caption", "Unit", e.unitName(unit, loc), "Period", periodLabel(period, loc),
		"Lagging", pct(th.Lagging), "OnTrack", pct(th.OnTrack), "Ahead", pct(th.Ahead)))
	var kb [][]Button
	var btns []Button
	for i, rw := range rows {
		ratio := math.NaN()
		shown := "—"
		if rw.st.Pace.Level != progressbot.PaceNoData {
			ratio = rw.st.Pace.Ratio
			if !math.IsInf(ratio, 0) {
				shown = pct(ratio)
			}
		}
		in.Bars = append(in.Bars, chart.Bar{Label: e.indicatorName(rw.in, loc), Ratio: ratio, Level: rw.st.Pace.Level})
		b.WriteString("\n" + loc.T("export.chart.pace_line", "N", i+1, "Indicator", clip(e.indicatorName(rw.in, loc), 24), "Ratio", shown,
			"Pace", export.PaceWord(rw.st.Pace.Level, loc)))
		btns = append(btns, Button{Label: strconv.Itoa(i + 1), Data: exportPress{Act: exportIndicatorAct, Indicator: rw.in.ID, Unit: unit, Period: period}.encode(e.Plan)})
		if len(btns) == 6 {
			kb, btns = append(kb, btns), nil
		}
	}
	if len(btns) > 0 {
		kb = append(kb, btns)
	}
	if more > 0 {
		b.WriteString("\n" + loc.T("export.chart.pace_more", "Count", more))
	}
	b.WriteString("\n" + loc.T("export.chart.pace_buttons"))
	png, err := chart.CountyPace(in)
	if err != nil {
		return Message{}, err
	}
	return Message{Text: b.String(), Photo: &File{Name: "pace-" + unit + "-" + period.String() + ".png", Data: png}, Keyboard: kb}, nil
}

// indicatorChart draws an indicator's monthly path for a unit over up to three years to
// the period, against the path its targets set.
func (e *Engine) indicatorChart(ctx context.Context, sc export.Scope, in *progressbot.Indicator, unit string, period progressbot.Period, loc *locales.Localizer) (Message, error) {
	p := e.Plan
	if in == nil || p.Unit(unit) == nil {
		return Message{Text: loc.T("export.chart.not_allowed")}, nil
	}
	ref := progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: in.ID}
	total := in.Scope == progressbot.ScopeCounty && unit == p.City
	if total && sc.Kind == "unit" || !sc.Row(p, ref, unit) {
		return Message{Text: loc.T("export.chart.not_allowed")}, nil
	}
	first, _ := e.exportRange()
	from := period.Add(-35)
	if from.Before(first) {
		from = first
	}
	if period.Before(from) {
		from = period
	}
	r := export.NewReader(e.DB, p)
	series, err := r.Series(ctx, in, unit, from, period)
	if err != nil {
		return Message{}, err
	}
	input := chart.PathInput{Kind: in.Kind, Path: p.PathFor(in.ID, export.TargetUnit(p, in, unit), nil), From: from, To: period,
		Title:  loc.T("chart.path.title", "Unit", e.unitName(unit, loc), "Indicator", e.indicatorName(in, loc), "Measure", in.Measure),
		Legend: chart.PathLegend{Actual: loc.T("chart.path.actual"), Expected: loc.T("chart.path.expected"), Target: loc.T("chart.path.target")}}
	if in.Measure == "" {
		input.Title = loc.T("chart.path.title_bare", "Unit", e.unitName(unit, loc), "Indicator", e.indicatorName(in, loc))
	}
	for m, v := range series {
		input.Actual = append(input.Actual, chart.Point{Period: m, Value: v})
	}
	png, err := chart.IndicatorPath(input)
	if errors.Is(err, chart.ErrNoData) {
		return Message{Text: loc.T("export.chart.no_data")}, nil
	}
	if err != nil {
		return Message{}, err
	}
	st, err := r.Indicator(ctx, in, unit, period)
	if err != nil {
		return Message{}, err
	}
	text := loc.T("export.chart.path_caption", "Unit", e.unitName(unit, loc), "Indicator", e.indicatorName(in, loc), "Measure", loc.MeasureName(in.Measure))
	switch {
	case st.Pace.Level == progressbot.PaceNoTarget:
	case st.Value != nil:
		text += "\n" + loc.T("export.chart.path_latest", "Period", periodLabel(st.Reading.AsOf, loc), "Value", loc.Amount(*st.Value, in.Measure),
			"Expected", loc.Amount(st.Pace.Expected, in.Measure), "Pace", export.PaceWord(st.Pace.Level, loc))
	default:
		text += "\n" + loc.T("export.chart.path_missing", "Period", periodLabel(period, loc), "Expected", loc.Amount(st.Pace.Expected, in.Measure))
	}
	m := Message{Text: text, Photo: &File{Name: "path-" + in.ID + "-" + unit + "-" + period.String() + ".png", Data: png}}
	if !total && len(e.chartIndicators(sc, unit)) > 1 {
		m.Keyboard = [][]Button{{{Label: loc.T("export.button.pace_chart"), Data: exportPress{Act: exportPaceAct, Unit: unit, Period: period}.encode(e.Plan)}}}
	}
	return m, nil
}
