package export

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
)

// Options say which workbook to build.
type Options struct {
	Period progressbot.Period
	Scope  Scope
	// Calendar gives the period's deadline, for the missing list; Now is the moment the
	// workbook is made.
	Calendar progressbot.Calendar
	Now      time.Time
	Loc      *locales.Localizer
}

// The tables of a period's workbook, by the names a command line asks for one of them.
const (
	TableOverview   = "overview"
	TableCounties   = "counties"   // every county-level indicator, county by county (long form)
	TableIndicators = "indicators" // every indicator for the whole city
	TableTasks      = "tasks"      // tasks and key work items, unit by unit
	TableProjects   = "projects"
	TableMissing    = "missing"
	TableTargets    = "targets"
)

// TableNames lists the names Single accepts.
var TableNames = []string{TableTasks, TableCounties, TableIndicators, TableProjects, TableMissing, TableEvidence, TableTargets, TableOverview}

// Book is a period's workbook: its sheets, and the headline counts for a caption.
type Book struct {
	Tables  []Table
	Summary Summary
}

// Summary is the headline of a workbook, within its scope.
type Summary struct {
	UnitsDue, Submitted, Late, Missing int
	// Pace counts the county rows and the city-level indicators by level.
	Pace map[progressbot.PaceLevel]int
	// Tasks counts the task and key work item rows by the status that stands; Unreported
	// counts those due and not reported.
	Tasks      map[progressbot.TaskStatus]int
	Unreported int
}

// Workbook builds the period's workbook, the one a bureau hands to its meeting, in sheet
// order: an overview; one sheet per county-level indicator (附件3: each county's target
// for the year, value reported, value expected by now, ratio and pace); the city's
// indicators; tasks and key work items by unit (status, what was done, coordination
// needed); key projects (stage against milestones); the units that have not submitted;
// the evidence attached (佐证材料); and the plan's targets. Every sheet is limited to opt.Scope.
func Workbook(ctx context.Context, src Source, p *progressbot.Plan, opt Options) (Book, error) {
	b, err := newBuilder(ctx, src, p, opt)
	if err != nil {
		return Book{}, err
	}
	tables := []Table{b.overview()}
	tables = append(tables, b.countySheets()...)
	ev, err := b.evidenceTable(ctx, src)
	if err != nil {
		return Book{}, fmt.Errorf("export %s: %w", opt.Period, err)
	}
	tables = append(tables, b.indicatorTable(), b.taskTable(), b.projectTable(), b.missingTable(), ev, ScopedTargets(p, b.loc, opt.Scope))
	return Book{Tables: tables, Summary: b.summary()}, nil
}

func (b *builder) summary() Summary {
	s := Summary{UnitsDue: b.due, Submitted: b.done, Late: b.late, Missing: len(b.missing),
		Pace: map[progressbot.PaceLevel]int{}, Tasks: map[progressbot.TaskStatus]int{}}
	for _, r := range b.county {
		if !r.total {
			s.Pace[r.st.Pace.Level]++
		}
	}
	for _, st := range b.city {
		if st.Indicator.Scope == progressbot.ScopeCity {
			s.Pace[st.Pace.Level]++
		}
	}
	for _, r := range b.tasks {
		switch {
		case r.read.OK && !r.read.Missing:
			s.Tasks[r.read.Answer.Status]++
		case r.read.Due:
			s.Unreported++
		}
	}
	return s
}

// Single builds one table of the period's workbook, by name (TableNames), for a .csv file.
func Single(ctx context.Context, src Source, p *progressbot.Plan, opt Options, name string) (Table, error) {
	if name == TableTargets {
		return ScopedTargets(p, loc(opt), opt.Scope), nil
	}
	b, err := newBuilder(ctx, src, p, opt)
	if err != nil {
		return Table{}, err
	}
	switch name {
	case TableOverview:
		return b.overview(), nil
	case TableCounties:
		return b.countyTable(), nil
	case TableIndicators:
		return b.indicatorTable(), nil
	case TableTasks:
		return b.taskTable(), nil
	case TableProjects:
		return b.projectTable(), nil
	case TableMissing:
		return b.missingTable(), nil
	case TableEvidence:
		return b.evidenceTable(ctx, src)
	}
	return Table{}, fmt.Errorf("table %q: want one of %s", name, strings.Join(TableNames, ", "))
}

func loc(opt Options) *locales.Localizer {
	if opt.Loc == nil {
		return locales.For(locales.Default)
	}
	return opt.Loc
}

// builder reads everything a workbook needs once, then lays out the tables.
type builder struct {
	p      *progressbot.Plan
	opt    Options
	loc    *locales.Localizer
	period progressbot.Period
	r      *Reader

	county  []countyRow
	city    []Standing
	tasks   []taskRow
	proj    []projRow
	missing []missingRow
	due     int // units that owe anything in scope
	done    int // of which submitted
	late    int // of which submitted after the deadline
}

type countyRow struct {
	st    Standing
	total bool // the city's 合计 row
}

type taskRow struct {
	ref   progressbot.ItemRef
	unit  string
	lead  bool
	read  Reading
	title string
	label string
}

type projRow struct {
	pr   *progressbot.Project
	read Reading
}

type missingRow struct {
	unit     string
	due      int
	answered int
	started  bool
	liaisons []string
}

func newBuilder(ctx context.Context, src Source, p *progressbot.Plan, opt Options) (*builder, error) {
	if opt.Period.IsZero() {
		return nil, fmt.Errorf("export: no period")
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	b := &builder{p: p, opt: opt, loc: loc(opt), period: opt.Period, r: NewReader(src, p)}
	if err := b.read(ctx); err != nil {
		return nil, fmt.Errorf("export %s: %w", opt.Period, err)
	}
	return b, nil
}

func (b *builder) read(ctx context.Context) error {
	p, sc, period := b.p, b.opt.Scope, b.period
	// County-level indicators: each county, then the city total.
	for _, in := range p.Indicators {
		if in.Scope != progressbot.ScopeCounty {
			continue
		}
		ref := progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: in.ID}
		for _, c := range p.Counties() {
			if len(p.TargetsFor(in.ID, c.ID)) == 0 || !sc.Row(p, ref, c.ID) {
				continue
			}
			st, err := b.r.Indicator(ctx, in, c.ID, period)
			if err != nil {
				return err
			}
			b.county = append(b.county, countyRow{st: st})
		}
		if sc.Kind == "unit" || !sc.Item(p, ref) {
			continue
		}
		st, err := b.r.CityTotal(ctx, in, period)
		if err != nil {
			return err
		}
		b.county = append(b.county, countyRow{st: st, total: true})
	}
	// Every indicator for the city: the owner's value, or the counties' total.
	for _, in := range p.Indicators {
		ref := progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: in.ID}
		reporter := in.Owner
		if in.Scope == progressbot.ScopeCounty {
			reporter = p.City
		}
		if sc.Kind == "unit" && (in.Scope == progressbot.ScopeCounty || reporter != sc.Key) || !sc.Row(p, ref, reporter) {
			continue
		}
		st, err := b.r.Indicator(ctx, in, reporter, period)
		if err != nil {
			return err
		}
		b.city = append(b.city, st)
	}
	// Tasks and key work items, each lead then each responsible unit.
	add := func(ref progressbot.ItemRef, label, title string, lead, resp []string) error {
		for i, u := range append(append([]string(nil), lead...), resp...) {
			if !sc.Row(p, ref, u) {
				continue
			}
			rd, err := b.r.Read(ctx, u, ref, period)
			if err != nil {
				return err
			}
			b.tasks = append(b.tasks, taskRow{ref: ref, unit: u, lead: i < len(lead), read: rd, label: label, title: title})
		}
		return nil
	}
	en := b.loc.Lang == "en"
	for _, t := range p.Tasks {
		title := t.Title
		if en && t.TitleEn != "" {
			title = t.TitleEn
		}
		if err := add(progressbot.ItemRef{Kind: progressbot.ItemTask, Key: t.Key()}, b.loc.T("export.item.task", "N", t.No), title, t.Lead, t.Responsible); err != nil {
			return err
		}
	}
	for _, w := range p.WorkItems {
		title := w.Work
		if w.Task != "" {
			title += "：" + w.Task
			if en {
				title = w.Work + ": " + w.Task
			}
		}
		if err := add(progressbot.ItemRef{Kind: progressbot.ItemWorkItem, Key: w.ID}, b.loc.T("export.item.work", "N", strings.TrimPrefix(w.ID, "wi-")), title, w.Lead, w.Responsible); err != nil {
			return err
		}
	}
	// Key projects.
	for _, pr := range p.Projects {
		ref := progressbot.ItemRef{Kind: progressbot.ItemProject, Key: pr.ID}
		if !sc.Row(p, ref, pr.Unit) {
			continue
		}
		row := projRow{pr: pr}
		if pr.Unit != "" {
			rd, err := b.r.Read(ctx, pr.Unit, ref, period)
			if err != nil {
				return err
			}
			row.read = rd
		}
		b.proj = append(b.proj, row)
	}
	// Who owes what, who has submitted.
	deadline := b.opt.Calendar.Deadline(period)
	for _, u := range p.Reporters() {
		due := p.Due(u, period)
		if len(due) == 0 || !sc.Unit(p, u, period) {
			continue
		}
		b.due++
		rep, err := b.r.Report(ctx, u, period)
		if err != nil {
			return err
		}
		if rep.State == progressbot.ReportSubmitted {
			b.done++
			if rep.SubmittedAt.After(deadline) {
				b.late++
			}
			continue
		}
		m := missingRow{unit: u, due: len(due), started: rep.ID != 0}
		for _, ref := range due {
			if a, ok := rep.Answers[ref]; ok && (says(a) || a.Skipped) {
				m.answered++
			}
		}
		users, err := b.r.src.UnitUsers(ctx, p.ID, u)
		if err != nil {
			return err
		}
		for _, us := range users {
			m.liaisons = append(m.liaisons, us.Name)
		}
		b.missing = append(b.missing, m)
	}
	return nil
}

func (b *builder) header(table string, ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = b.loc.T("export."+table+".header."+id, "Year", b.period.Year)
	}
	return out
}

func (b *builder) indicatorName(in *progressbot.Indicator) string {
	if b.loc.Lang == "en" && in.En != "" {
		return in.En
	}
	return in.Name
}

func (b *builder) unitName(id string) string {
	if id == "" {
		return ""
	}
	return unitName(b.p, id, b.loc)
}

// PaceWord is a pace level in words: 超前, 正常, 滞后, 严重滞后, 未报, 无数值目标.
func PaceWord(l progressbot.PaceLevel, loc *locales.Localizer) string {
	if l == "" {
		l = progressbot.PaceNoData
	}
	return loc.T("export.pace." + string(l))
}

// cells of a standing: target, value, as of, expected, ratio, pace, note.
func (b *builder) standingCells(st Standing) []any {
	var target, value, asOf, expected, ratio any = "", "", "", "", ""
	// Figures as precisely as the plan states its targets; ratios to 0.1 %.
	d := b.p.Decimals(st.Indicator)
	if st.Target != nil {
		target = *st.Target
	} else if st.TargetText != "" {
		target = st.TargetText
	}
	if st.Value != nil {
		value = progressbot.Round(*st.Value, d)
		asOf = st.Reading.AsOf.String()
	}
	switch st.Pace.Level {
	case progressbot.PaceNoTarget:
	case progressbot.PaceNoData:
		expected = progressbot.Round(st.Pace.Expected, d)
	default:
		expected = progressbot.Round(st.Pace.Expected, d)
		if !math.IsInf(st.Pace.Ratio, 0) && !math.IsNaN(st.Pace.Ratio) {
			ratio = progressbot.Round(st.Pace.Ratio, 3)
		}
	}
	return []any{target, value, asOf, expected, ratio, PaceWord(st.Pace.Level, b.loc), b.standingNote(st)}
}

func (b *builder) standingNote(st Standing) string {
	var notes []string
	rd := st.Reading
	in := st.Indicator
	switch {
	case st.Counties > 0 && st.Covered < st.Counties:
		notes = append(notes, b.loc.T("export.note.partial", "Covered", st.Covered, "Counties", st.Counties,
			"Sum", b.loc.Amount(progressbot.Round(st.Partial, b.p.Decimals(in)), in.Measure)))
	case rd.Missing && rd.OK:
		notes = append(notes, b.loc.T("export.note.last", "Period", rd.AsOf.String(), "Value", b.loc.Amount(*rd.Answer.Value, in.Measure)))
	}
	if rd.Skipped {
		notes = append(notes, b.loc.T("export.note.skipped"))
	}
	switch {
	case !rd.Due && st.Value != nil:
		notes = append(notes, b.loc.T("export.note.not_due", "Frequency", b.loc.T("export.frequency."+string(in.Frequency))))
	case !rd.Due && st.Counties == 0:
		notes = append(notes, b.loc.T("export.note.never", "Frequency", b.loc.T("export.frequency."+string(in.Frequency))))
	}
	if rd.Draft && st.Value != nil {
		notes = append(notes, b.loc.T("export.note.draft"))
	}
	if in.Direction == progressbot.LowerIsBetter {
		notes = append(notes, b.loc.T("export.note.lower_better"))
	}
	return strings.Join(notes, b.loc.T("export.note.sep"))
}

var standingFormats = []string{"", "#,##0.##", "#,##0.##", "", "#,##0.##", "0.0%", "", ""}

// countySheets is 附件3 as it stands in the period: one sheet per county-level indicator,
// a row per county and the city's 合计.
func (b *builder) countySheets() []Table {
	var out []Table
	var cur *Table
	var curID string
	for _, row := range b.county {
		in := row.st.Indicator
		if in.ID != curID {
			name := in.Name
			if len(in.Short) > 0 {
				name = in.Short[0]
			}
			if b.loc.Lang == "en" && in.En != "" {
				name = in.En
			}
			out = append(out, Table{
				Name:   b.loc.T("export.county.sheet", "Name", name),
				Header: b.header("county", "unit", "target", "value", "as_of", "expected", "ratio", "pace", "note"),
				Format: standingFormats,
				Widths: []float64{16, 14, 12, 10, 14, 10, 10, 40},
			})
			// Measures belong in the header, where a number's unit is read.
			h := out[len(out)-1].Header
			for _, i := range []int{1, 2, 4} {
				h[i] += "（" + in.Measure + "）"
				if b.loc.Lang == "en" {
					h[i] = strings.TrimSuffix(h[i], "（"+in.Measure+"）") + " (" + b.loc.MeasureName(in.Measure) + ")"
				}
			}
			cur, curID = &out[len(out)-1], in.ID
		}
		name := b.unitName(row.st.Unit)
		if row.total {
			name = b.loc.T("export.county.total")
		}
		cur.Rows = append(cur.Rows, append([]any{name}, b.standingCells(row.st)...))
	}
	return out
}

// countyTable is every county-level indicator in one long table, for a .csv file.
func (b *builder) countyTable() Table {
	t := Table{
		Name:   b.loc.T("export.counties.sheet"),
		Header: b.header("county", "indicator", "measure", "unit", "target", "value", "as_of", "expected", "ratio", "pace", "note"),
		Format: append([]string{"", "", ""}, standingFormats[1:]...),
	}
	for _, row := range b.county {
		name := b.unitName(row.st.Unit)
		if row.total {
			name = b.loc.T("export.county.total")
		}
		in := row.st.Indicator
		t.Rows = append(t.Rows, append([]any{b.indicatorName(in), b.loc.MeasureName(in.Measure), name}, b.standingCells(row.st)...))
	}
	return t
}

func (b *builder) indicatorTable() Table {
	t := Table{
		Name:   b.loc.T("export.indicators.sheet"),
		Header: b.header("indicators", "indicator", "measure", "owner", "frequency", "target", "value", "as_of", "expected", "ratio", "pace", "note"),
		Format: append([]string{"", "", "", ""}, standingFormats[1:]...),
		Widths: []float64{36, 8, 16, 8, 14, 12, 10, 14, 10, 10, 40},
	}
	for _, st := range b.city {
		in := st.Indicator
		owner := b.unitName(in.Owner)
		if in.Scope == progressbot.ScopeCounty {
			owner = b.loc.T("export.indicators.counties")
		}
		t.Rows = append(t.Rows, append([]any{b.indicatorName(in), b.loc.MeasureName(in.Measure), owner, b.loc.T("export.frequency." + string(in.Frequency))}, b.standingCells(st)...))
	}
	return t
}

func (b *builder) taskTable() Table {
	t := Table{
		Name:   b.loc.T("export.tasks.sheet"),
		Header: b.header("tasks", "item", "title", "unit", "role", "status", "done", "coordination", "as_of", "note"),
		Widths: []float64{12, 40, 16, 8, 12, 40, 40, 10, 24},
	}
	for _, row := range b.tasks {
		role := b.loc.T("export.role.responsible")
		if row.lead {
			role = b.loc.T("export.role.lead")
		}
		status, done, coord, asOf := b.loc.T("export.status.missing"), "", "", ""
		rd := row.read
		var notes []string
		switch {
		case rd.OK && !rd.Missing:
			status = b.loc.T("status." + string(rd.Answer.Status))
			done, coord, asOf = rd.Answer.Done, rd.Answer.Coordination, rd.AsOf.String()
			if !rd.Due {
				notes = append(notes, b.loc.T("export.note.not_due", "Frequency", b.loc.T("export.frequency."+string(Frequency(b.p, row.ref)))))
			}
			if rd.Draft {
				notes = append(notes, b.loc.T("export.note.draft"))
			}
			if rd.Answer.DoneCarried {
				notes = append(notes, b.loc.T("export.note.done_carried")) // not written anew this month
			}
		case rd.Skipped:
			status = b.loc.T("export.status.skipped")
		case !rd.Due:
			status = b.loc.T("export.status.not_due")
		}
		if rd.Missing && rd.OK {
			notes = append(notes, b.loc.T("export.note.last", "Period", rd.AsOf.String(), "Value", b.loc.T("status."+string(rd.Answer.Status))))
		}
		t.Rows = append(t.Rows, []any{row.label, clip(row.title, 120), b.unitName(row.unit), role, status, done, coord, asOf,
			strings.Join(notes, b.loc.T("export.note.sep"))})
	}
	return t
}

// milestonePeriod reads a milestone's date: "2023-12", or "2026" for the end of 2026.
func milestonePeriod(by string) (progressbot.Period, bool) {
	if p, err := progressbot.ParsePeriod(by); err == nil {
		return p, true
	}
	if y, err := strconv.Atoi(strings.TrimSpace(by)); err == nil && y > 1900 && y < 3000 {
		return progressbot.Period{Year: y, Month: 12}, true
	}
	return progressbot.Period{}, false
}

func (b *builder) projectTable() Table {
	t := Table{
		Name:   b.loc.T("export.projects.sheet"),
		Header: b.header("projects", "project", "unit", "company", "chains", "stage", "as_of", "milestones", "schedule"),
		Widths: []float64{40, 16, 16, 16, 10, 10, 36, 30},
	}
	en := b.loc.Lang == "en"
	for _, row := range b.proj {
		pr := row.pr
		name := pr.Name
		if en && pr.En != "" {
			name = pr.En
		}
		var chains []string
		for _, id := range pr.Chains {
			if c := b.p.Chain(id); c != nil {
				n := c.Short
				if en && c.En != "" || n == "" {
					n = c.En
				}
				chains = append(chains, n)
			}
		}
		var ms []string
		for _, m := range pr.Milestones {
			ms = append(ms, m.By+" "+b.loc.T("stage."+string(m.Stage)))
		}
		stage, asOf := b.loc.T("export.status.missing"), ""
		rd := row.read
		switch {
		case pr.Unit == "":
			stage = b.loc.T("export.projects.no_unit")
		case rd.OK && !rd.Missing:
			stage, asOf = b.loc.T("stage."+string(rd.Answer.Stage)), rd.AsOf.String()
		case !rd.Due:
			stage = b.loc.T("export.status.not_due")
		}
		// Schedule: the milestones whose date has come, against the stage reported.
		schedule := ""
		var behind []string
		anyDue := false
		for _, m := range pr.Milestones {
			at, ok := milestonePeriod(m.By)
			if !ok || b.period.Before(at) {
				continue
			}
			anyDue = true
			if !rd.OK || rd.Answer.Stage.Index() < m.Stage.Index() {
				behind = append(behind, b.loc.T("export.projects.due", "By", m.By, "Stage", b.loc.T("stage."+string(m.Stage))))
			}
		}
		switch {
		case len(behind) > 0 && rd.OK:
			schedule = b.loc.T("export.projects.behind", "Text", strings.Join(behind, b.loc.T("export.note.sep")))
		case len(behind) > 0:
			schedule = b.loc.T("export.projects.unknown", "Text", strings.Join(behind, b.loc.T("export.note.sep")))
		case anyDue:
			schedule = b.loc.T("export.projects.on_time")
		}
		sep := "；"
		if en {
			sep = "; "
		}
		t.Rows = append(t.Rows, []any{name, b.unitName(pr.Unit), pr.Company, strings.Join(chains, "、"), stage, asOf, strings.Join(ms, sep), schedule})
	}
	return t
}

func (b *builder) missingTable() Table {
	t := Table{
		Name:   b.loc.T("export.missing.sheet"),
		Header: b.header("missing", "unit", "kind", "due", "answered", "deadline", "days_late", "state", "liaisons"),
		Format: []string{"", "", "0", "0", "", "0", "", ""},
		Widths: []float64{24, 12, 10, 10, 18, 10, 24, 24},
	}
	cal := b.opt.Calendar
	deadline := cal.Deadline(b.period)
	now := b.opt.Now
	if cal.Location != nil {
		now = now.In(cal.Location)
	}
	for _, m := range b.missing {
		kind := ""
		if u := b.p.Unit(m.unit); u != nil {
			kind = b.loc.T("unit.kind." + string(u.Kind))
		}
		var daysLate any = ""
		var state string
		if now.After(deadline) {
			d := int(math.Ceil(now.Sub(deadline).Hours() / 24))
			daysLate = float64(d)
			state = b.loc.T("export.missing.late", "Count", d)
		} else {
			state = b.loc.T("export.missing.not_yet", "Count", int(math.Ceil(deadline.Sub(now).Hours()/24)))
		}
		if m.started {
			state += b.loc.T("export.note.sep") + b.loc.T("export.missing.started")
		}
		liaisons := strings.Join(m.liaisons, "、")
		if liaisons == "" {
			liaisons = b.loc.T("export.missing.no_liaison")
		}
		t.Rows = append(t.Rows, []any{b.unitName(m.unit), kind, float64(m.due), float64(m.answered), deadline.Format("2006-01-02 15:04"), daysLate, state, liaisons})
	}
	return t
}

// overview is the cover sheet: what the workbook is and the headline counts.
func (b *builder) overview() Table {
	t := Table{
		Name:   b.loc.T("export.overview.sheet"),
		Header: b.header("overview", "what", "value"),
		Widths: []float64{28, 60},
	}
	add := func(id string, v any) { t.Rows = append(t.Rows, []any{b.loc.T("export.overview." + id), v}) }
	title := b.p.Title
	if b.loc.Lang == "en" && b.p.TitleEn != "" {
		title = b.p.TitleEn
	}
	now := b.opt.Now
	if b.opt.Calendar.Location != nil {
		now = now.In(b.opt.Calendar.Location)
	}
	add("plan", title)
	add("period", b.loc.T("export.period", "Year", b.period.Year, "Month", int(b.period.Month), "MonthName", b.period.Month.String()))
	add("scope", b.opt.Scope.Name(b.p, b.loc))
	add("deadline", b.opt.Calendar.Deadline(b.period).Format("2006-01-02 15:04"))
	add("made", now.Format("2006-01-02 15:04"))
	add("units_due", float64(b.due))
	add("units_submitted", float64(b.done))
	add("units_late", float64(b.late))
	add("units_missing", float64(len(b.missing)))
	sum := b.summary()
	for _, l := range []progressbot.PaceLevel{progressbot.PaceSerious, progressbot.PaceLagging, progressbot.PaceNoData, progressbot.PaceOnTrack, progressbot.PaceAhead} {
		t.Rows = append(t.Rows, []any{b.loc.T("export.overview.pace", "Level", PaceWord(l, b.loc)), float64(sum.Pace[l])})
	}
	t.Rows = append(t.Rows, []any{b.loc.T("export.overview.tasks", "Status", b.loc.T("export.status.missing")), float64(sum.Unreported)})
	for _, st := range []progressbot.TaskStatus{progressbot.StatusLagging, progressbot.StatusNotStarted, progressbot.StatusOnTrack, progressbot.StatusDone} {
		t.Rows = append(t.Rows, []any{b.loc.T("export.overview.tasks", "Status", b.loc.T("status."+string(st))), float64(sum.Tasks[st])})
	}
	return t
}

func clip(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}
