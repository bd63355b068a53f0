package dashboard

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// The JSON API. Every endpoint takes the month as ?period=YYYY-MM (default: the latest
// closed, as in the chat) and works through rollupOf, so that Roller.Select decides what
// the person sees.

// ---- parameters ----

func (s *Server) firstPeriod() progressbot.Period {
	if s.Plan.Issued.IsZero() {
		return progressbot.Period{Year: s.Plan.StartYear, Month: time.January}
	}
	return progressbot.PeriodOf(s.Plan.Issued)
}

func (s *Server) period(q url.Values) (progressbot.Period, error) {
	now := s.now()
	v := q.Get("period")
	if v == "" {
		return s.clamp(s.Calendar.LastClosed(now)), nil
	}
	p, err := progressbot.ParsePeriod(v)
	if err != nil || p.Before(s.firstPeriod()) || s.Calendar.Current(now).Before(p) {
		return progressbot.Period{}, refuse(http.StatusBadRequest, "dashboard.err.period", err)
	}
	return p, nil
}

func (s *Server) clamp(p progressbot.Period) progressbot.Period {
	if cur := s.Calendar.Current(s.now()); cur.Before(p) {
		return cur
	}
	if f := s.firstPeriod(); p.Before(f) {
		return f
	}
	return p
}

// subject reads a subject parameter ("chain:petrochem", "unit:hukou", "task:6", "plan");
// empty gives def.
func subject(q url.Values, name string, def progressbot.Subject) (progressbot.Subject, error) {
	v := strings.TrimSpace(q.Get(name))
	switch v {
	case "":
		return def, nil
	case "plan":
		return progressbot.PlanSubject, nil
	}
	kind, key, ok := strings.Cut(v, ":")
	if !ok || key == "" {
		return progressbot.Subject{}, refuse(http.StatusBadRequest, "dashboard.err.subject", nil)
	}
	switch k := progressbot.SubjectKind(kind); k {
	case progressbot.SubjectChain, progressbot.SubjectCluster, progressbot.SubjectUnit, progressbot.SubjectIndicator,
		progressbot.SubjectTask, progressbot.SubjectWork, progressbot.SubjectProject:
		return progressbot.Subject{Kind: k, Key: key}, nil
	}
	return progressbot.Subject{}, refuse(http.StatusBadRequest, "dashboard.err.subject", nil)
}

// periodSubject reads ?period and ?subject (default: the person's scope).
func (s *Server) periodSubject(p *person, q url.Values) (progressbot.Period, progressbot.Subject, error) {
	per, err := s.period(q)
	if err != nil {
		return per, progressbot.Subject{}, err
	}
	sub, err := subject(q, "subject", p.Scope)
	return per, sub, err
}

func subjectCode(sub progressbot.Subject) string { return sub.String() }

// ---- rollups ----

// selectFor is Roller.Select for a person, with its refusals turned into answers.
func (s *Server) selectFor(p *person, sub progressbot.Subject, within ...progressbot.Subject) (*progressbot.Selection, error) {
	sel, err := s.roller.Select(sub, p.Scope, within...)
	switch {
	case errors.Is(err, progressbot.ErrOutOfScope):
		return nil, refuse(http.StatusForbidden, "dashboard.err.scope", err)
	case errors.Is(err, progressbot.ErrUnknownSubject):
		return nil, refuse(http.StatusNotFound, "dashboard.err.unknown", err)
	}
	return sel, err
}

// Which items a snapshot reads: every item of the selection, only its tasks (the task
// table), or none (who has not reported needs only the reports). The others then count
// as not reported, and the endpoint does not show them.
const (
	readAll   = ""
	readTasks = "tasks"
	readNone  = "none"
)

// snapshot reads what a selection's rollup needs, or takes it from the cache.
func (s *Server) snapshot(ctx context.Context, sel *progressbot.Selection, per progressbot.Period, texts bool, only string) (*progressbot.Snapshot, error) {
	key := fmt.Sprint(sel.Subject, sel.Within, sel.Scope, per, texts, only)
	return s.cache.get(ctx, key, func() (*progressbot.Snapshot, error) {
		q := s.roller.Query(sel, per, texts)
		switch only {
		case readTasks:
			q.Items = slices.DeleteFunc(q.Items, func(j progressbot.JudgedItem) bool { return j.Item.Kind != progressbot.ItemTask })
		case readNone:
			q.Items = nil
		}
		snap, err := s.DB.Snapshot(ctx, s.Plan.ID, q)
		if err != nil {
			return nil, fmt.Errorf("dashboard snapshot: %w", err)
		}
		if s.Deadlines != nil {
			if snap.Deadline, snap.Deadlines, err = s.Deadlines(ctx, per); err != nil {
				return nil, fmt.Errorf("dashboard deadlines: %w", err)
			}
		}
		return snap, nil
	})
}

func (s *Server) rollupOf(ctx context.Context, p *person, sub, within progressbot.Subject, per progressbot.Period, texts bool, only string) (*progressbot.Rollup, error) {
	sel, err := s.selectFor(p, sub, within)
	if err != nil {
		return nil, err
	}
	snap, err := s.snapshot(ctx, sel, per, texts, only)
	if err != nil {
		return nil, err
	}
	return s.roller.Roll(sel, per, snap, s.Calendar, s.now()), nil
}

// ---- JSON shapes ----

type periodJSON struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

type countsJSON struct {
	Total    int `json:"total"`
	Ahead    int `json:"ahead"`
	OnTrack  int `json:"on_track"`
	Lagging  int `json:"lagging"`
	Serious  int `json:"serious"`
	NoData   int `json:"no_data"`
	NoTarget int `json:"no_target"`
}

func countsOf(c progressbot.Counts) countsJSON {
	return countsJSON{c.Total, c.Ahead, c.OnTrack, c.Lagging, c.Serious, c.NoData, c.NoTarget}
}

type entryJSON struct {
	Unit         string   `json:"unit,omitempty"`
	UnitName     string   `json:"unit_name,omitempty"`
	Item         string   `json:"item"` // the item's subject, to drill into
	ItemName     string   `json:"item_name"`
	Level        string   `json:"level"`
	Reason       string   `json:"reason"`
	Ratio        *float64 `json:"ratio,omitempty"`
	Value        *float64 `json:"value,omitempty"`
	Expected     *float64 `json:"expected,omitempty"`
	Measure      string   `json:"measure,omitempty"`
	Status       string   `json:"status,omitempty"`
	Stage        string   `json:"stage,omitempty"`
	Deadline     string   `json:"deadline,omitempty"`
	Coordination string   `json:"coordination,omitempty"`
	Done         string   `json:"done,omitempty"`
}

func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	r := math.Round(v*1000) / 1000
	return &r
}

func (s *Server) entry(e progressbot.Entry, loc *locales.Localizer) entryJSON {
	out := entryJSON{
		Unit: e.Unit, Item: subjectCode(progressbot.SubjectOfItem(e.Item)), ItemName: s.itemName(e.Item, loc),
		Level: string(e.Level), Reason: string(e.Reason), Status: string(e.Status), Stage: string(e.Stage),
		Coordination: e.Coordination, Done: e.Done,
	}
	if e.Unit != "" {
		out.UnitName = s.unitName(e.Unit, loc)
	} else {
		out.UnitName = loc.T("dashboard.city_total")
	}
	if e.HasValue {
		out.Value = num(e.Value)
	}
	if e.Reason == progressbot.ReasonValue || e.Reason == progressbot.ReasonTotal || e.Reason == progressbot.ReasonTotalPartial {
		if e.Expected != 0 {
			out.Expected = num(e.Expected)
		}
		if e.Ratio != 0 {
			out.Ratio = num(e.Ratio)
		}
	}
	if in := s.Plan.Indicator(e.Item.Key); e.Item.Kind == progressbot.ItemIndicator && in != nil {
		out.Measure = in.Measure
	}
	if !e.Deadline.IsZero() {
		out.Deadline = e.Deadline.String()
	}
	return out
}

type unitJSON struct {
	Unit       string     `json:"unit"`
	Name       string     `json:"name"`
	Counts     countsJSON `json:"counts"`
	Timeliness string     `json:"timeliness,omitempty"`
	Days       int        `json:"days,omitempty"`
}

func (s *Server) unitRow(u progressbot.UnitRow, loc *locales.Localizer) unitJSON {
	return unitJSON{Unit: u.Unit, Name: s.unitName(u.Unit, loc), Counts: countsOf(u.Counts), Timeliness: string(u.Timeliness), Days: u.Days}
}

func limit[T any](xs []T, n int) []T {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}

// ---- endpoints ----

// me says who the person is, what they may pick, and the page's texts in their language.
func (s *Server) me(ctx context.Context, p *person, q url.Values) (any, error) {
	loc := p.Loc
	texts := s.texts[loc.Lang]
	var periods []periodJSON
	first := s.firstPeriod()
	for per := s.Calendar.Current(s.now()); !per.Before(first); per = per.Prev() {
		periods = append(periods, periodJSON{per.String(), periodLabel(per, loc)})
	}
	type option struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	var inds []option
	if s.geo != nil {
		for _, in := range s.mapIndicators(p) {
			inds = append(inds, option{in.ID, pick(loc, in.Name, in.En)})
		}
	}
	return map[string]any{
		"name":           p.Name,
		"role":           p.Role,
		"scope":          subjectCode(p.Scope),
		"scope_name":     s.subjectName(p.Scope, loc),
		"lang":           loc.Lang,
		"plan":           pick(loc, s.Plan.Title, s.Plan.TitleEn),
		"periods":        periods,
		"period":         s.clamp(s.Calendar.LastClosed(s.now())).String(),
		"map":            s.geo != nil && len(inds) > 0,
		"map_indicators": inds,
		"texts":          texts,
	}, nil
}

// pageTexts are the page's words: every dashboard.page.* message of the language.
func pageTexts(loc *locales.Localizer) (map[string]string, error) {
	all, err := locales.Messages(loc.Lang)
	if err != nil {
		return nil, fmt.Errorf("page texts: %w", err)
	}
	out := map[string]string{}
	for id := range all {
		if k, ok := strings.CutPrefix(id, "dashboard.page."); ok {
			out[k] = loc.T(id)
		}
	}
	return out, nil
}

func periodLabel(p progressbot.Period, loc *locales.Localizer) string {
	return loc.T("dashboard.period", "Year", p.Year, "Month", int(p.Month))
}

// mapIndicators are the county-level indicators the person may see on the map, those
// with targets for the most counties first (the first is the map's default).
func (s *Server) mapIndicators(p *person) []*progressbot.Indicator {
	var out []*progressbot.Indicator
	for _, in := range s.countyIndicators {
		if in.Scope != progressbot.ScopeCounty {
			continue
		}
		if _, err := s.roller.Select(progressbot.Subject{Kind: progressbot.SubjectIndicator, Key: in.ID}, p.Scope); err == nil {
			out = append(out, in)
		}
	}
	return out
}

// rollup is the headline and worst items of a subject (default: the person's scope):
// the dashboard's top and every drill-down.
func (s *Server) rollup(ctx context.Context, p *person, q url.Values) (any, error) {
	per, sub, err := s.periodSubject(p, q)
	if err != nil {
		return nil, err
	}
	within, err := subject(q, "within", progressbot.Subject{})
	if err != nil {
		return nil, err
	}
	ru, err := s.rollupOf(ctx, p, sub, within, per, false, readAll)
	if err != nil {
		return nil, err
	}
	loc := p.Loc
	levels := map[string]int{}
	for _, it := range ru.Items {
		if it.Item.Kind == progressbot.ItemIndicator {
			levels[string(it.Level)]++
		}
	}
	var attention, coord []entryJSON
	for _, e := range limit(ru.Attention, 12) {
		attention = append(attention, s.entry(e, loc))
	}
	for _, e := range limit(ru.Coordination, 12) {
		coord = append(coord, s.entry(e, loc))
	}
	var units []unitJSON
	for _, u := range limit(ru.Units, 20) {
		units = append(units, s.unitRow(u, loc))
	}
	type itemJSON struct {
		Item   string     `json:"item"`
		Name   string     `json:"name"`
		Level  string     `json:"level"`
		Counts countsJSON `json:"counts"`
		Total  *entryJSON `json:"total,omitempty"`
	}
	var items []itemJSON
	for _, it := range limit(ru.Items, 20) {
		ij := itemJSON{Item: subjectCode(progressbot.SubjectOfItem(it.Item)), Name: s.itemName(it.Item, loc), Level: string(it.Level), Counts: countsOf(it.Counts)}
		if it.Total != nil {
			t := s.entry(*it.Total, loc)
			ij.Total = &t
		}
		items = append(items, ij)
	}
	title := s.subjectName(sub, loc)
	if !within.IsZero() && within.Kind != progressbot.SubjectPlan {
		title += " · " + s.subjectName(within, loc)
	}
	return map[string]any{
		"subject":          subjectCode(sub),
		"kind":             sub.Kind,
		"title":            title,
		"period":           per.String(),
		"period_label":     periodLabel(per, loc),
		"closed":           ru.Closed,
		"deadline":         ru.Deadline.In(s.loc()).Format("2006-01-02"),
		"reports":          map[string]int{"units": ru.Reports.Units, "on_time": ru.Reports.OnTime, "late": ru.Reports.Late, "missing": ru.Reports.Missing, "pending": ru.Reports.Pending},
		"head":             countsOf(ru.Head),
		"indicator_levels": levels,
		"attention":        attention,
		"attention_total":  len(ru.Attention),
		"coordination":     coord,
		"units":            units,
		"items":            items,
	}, nil
}

func (s *Server) loc() *time.Location {
	if s.Calendar.Location != nil {
		return s.Calendar.Location
	}
	return time.Local
}

// countyMap is the pace of one county-level indicator in every county the person sees.
func (s *Server) countyMap(ctx context.Context, p *person, q url.Values) (any, error) {
	per, err := s.period(q)
	if err != nil {
		return nil, err
	}
	ins := s.mapIndicators(p)
	if s.geo == nil || len(ins) == 0 {
		return nil, refuse(http.StatusNotFound, "dashboard.err.no_map", nil)
	}
	in := ins[0]
	if id := q.Get("indicator"); id != "" {
		in = s.Plan.Indicator(id)
		if in == nil || in.Scope != progressbot.ScopeCounty {
			return nil, refuse(http.StatusNotFound, "dashboard.err.unknown", nil)
		}
	}
	ru, err := s.rollupOf(ctx, p, progressbot.Subject{Kind: progressbot.SubjectIndicator, Key: in.ID}, progressbot.Subject{}, per, false, readAll)
	if err != nil {
		return nil, err
	}
	loc := p.Loc
	var counties []entryJSON
	var total *entryJSON
	for _, e := range ru.Entries {
		if u := s.Plan.Unit(e.Unit); u != nil && u.Kind == progressbot.UnitCounty {
			counties = append(counties, s.entry(e, loc))
		}
	}
	for _, it := range ru.Items {
		if it.Total != nil {
			t := s.entry(*it.Total, loc)
			total = &t
		}
	}
	// The names of every county on the map, coloured or not, to label it.
	names := map[string]string{}
	for _, id := range s.Map.Units {
		names[id] = s.unitName(id, loc)
	}
	var unmapped []string
	for _, u := range s.Map.Unmapped {
		if ru.Selection.HasUnit(s.roller, u) {
			unmapped = append(unmapped, s.unitName(u, loc))
		}
	}
	return map[string]any{
		"indicator":      in.ID,
		"indicator_name": pick(loc, in.Name, in.En),
		"measure":        in.Measure,
		"period":         per.String(),
		"counties":       counties,
		"total":          total,
		"unmapped":       unmapped,
		"names":          names,
	}, nil
}

// geoJSON is the county map, features named by unit id.
func (s *Server) geoJSON(ctx context.Context, p *person, q url.Values) (any, error) {
	if s.geo == nil {
		return nil, refuse(http.StatusNotFound, "dashboard.err.no_map", nil)
	}
	return rawJSON(s.geo), nil
}

type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

// cards are the chains and clusters the person sees, each with its headline and worst
// items. One snapshot of the person's scope serves them all: each card's selection lies
// inside the scope's, so the scope's snapshot holds every answer the card needs.
func (s *Server) cards(ctx context.Context, p *person, q url.Values) (any, error) {
	per, err := s.period(q)
	if err != nil {
		return nil, err
	}
	type card struct {
		Subject string      `json:"subject"`
		Kind    string      `json:"kind"`
		Name    string      `json:"name"`
		Level   string      `json:"level"`
		Head    countsJSON  `json:"head"`
		Worst   []entryJSON `json:"worst"`
	}
	subs := s.cardSubjects(p.Scope)
	scopeSel, err := s.selectFor(p, p.Scope)
	if err != nil {
		return nil, err
	}
	var snap *progressbot.Snapshot
	out := []card{}
	loc := p.Loc
	for _, sub := range subs {
		sel, err := s.roller.Select(sub, p.Scope)
		if err != nil || len(sel.Items) == 0 {
			continue // not the person's to see
		}
		if snap == nil {
			if snap, err = s.snapshot(ctx, scopeSel, per, false, readAll); err != nil {
				return nil, err
			}
		}
		ru := s.roller.Roll(sel, per, snap, s.Calendar, s.now())
		c := card{Subject: subjectCode(sub), Kind: string(sub.Kind), Name: s.subjectName(sub, loc), Level: string(ru.Head.Worst()), Head: countsOf(ru.Head)}
		for _, e := range limit(ru.Attention, 3) {
			c.Worst = append(c.Worst, s.entry(e, loc))
		}
		out = append(out, c)
	}
	return map[string]any{"period": per.String(), "cards": out}, nil
}

// cardSubjects are the cards a scope shows: every chain and cluster for the whole plan,
// a chain's own card for its leader, a cluster's and its chains' for a cluster's. (Select
// would also let a chain leader open another chain whose items all lie in their chain;
// the cards stay with what the person leads.)
func (s *Server) cardSubjects(scope progressbot.Subject) []progressbot.Subject {
	var subs []progressbot.Subject
	chain := func(id string) { subs = append(subs, progressbot.Subject{Kind: progressbot.SubjectChain, Key: id}) }
	switch scope.Kind {
	case progressbot.SubjectPlan:
		for _, c := range s.Plan.Chains {
			chain(c.ID)
		}
		for _, c := range s.Plan.Clusters {
			subs = append(subs, progressbot.Subject{Kind: progressbot.SubjectCluster, Key: c.ID})
		}
	case progressbot.SubjectChain:
		chain(scope.Key)
	case progressbot.SubjectCluster:
		subs = append(subs, scope)
		if c := s.Plan.Cluster(scope.Key); c != nil {
			for _, id := range c.Chains {
				chain(id)
			}
		}
	}
	return subs
}

// pathMonths is how many months an indicator's path shows.
const pathMonths = 12

// path is an indicator's monthly value against where its targets say it should be, for
// the city (a county indicator's total) or one unit, over the year to the period.
func (s *Server) path(ctx context.Context, p *person, q url.Values) (any, error) {
	per, err := s.period(q)
	if err != nil {
		return nil, err
	}
	in := s.Plan.Indicator(q.Get("indicator"))
	if in == nil {
		return nil, refuse(http.StatusNotFound, "dashboard.err.unknown", nil)
	}
	sub := progressbot.Subject{Kind: progressbot.SubjectIndicator, Key: in.ID}
	var within progressbot.Subject
	unit := q.Get("unit")
	if unit != "" {
		within = progressbot.Subject{Kind: progressbot.SubjectUnit, Key: unit}
	}
	sel, err := s.selectFor(p, sub, within)
	if err != nil {
		return nil, err
	}
	from := per.Add(1 - pathMonths)
	if f := s.firstPeriod(); from.Before(f) {
		from = f
	}
	type point struct {
		Period   string   `json:"period"`
		Label    string   `json:"label"`
		Value    *float64 `json:"value"`
		Expected *float64 `json:"expected"`
		Level    string   `json:"level"`
	}
	loc := p.Loc
	var pts []point
	for m := from; !per.Before(m); m = m.Next() {
		snap, err := s.snapshot(ctx, sel, m, false, readAll)
		if err != nil {
			return nil, err
		}
		ru := s.roller.Roll(sel, m, snap, s.Calendar, s.now())
		pt := point{Period: m.String(), Label: periodLabel(m, loc), Level: string(progressbot.PaceNoData)}
		var e *progressbot.Entry
		for i := range ru.Items {
			if ru.Items[i].Total != nil && unit == "" {
				e = ru.Items[i].Total
			}
		}
		if e == nil && len(ru.Entries) == 1 {
			e = &ru.Entries[0]
		}
		if e != nil {
			pt.Level = string(e.Level)
			if e.HasValue {
				pt.Value = num(e.Value)
			}
			if e.Expected != 0 {
				pt.Expected = num(e.Expected)
			}
		}
		pts = append(pts, pt)
	}
	name := pick(loc, in.Name, in.En)
	if unit != "" {
		name += " · " + s.unitName(unit, loc)
	}
	return map[string]any{"indicator": in.ID, "name": name, "measure": in.Measure, "unit": unit, "points": pts}, nil
}

// tasks is the task table of a subject (default: the person's scope): each unit's status
// on each task, with what was done and what needs coordination.
func (s *Server) tasks(ctx context.Context, p *person, q url.Values) (any, error) {
	per, sub, err := s.periodSubject(p, q)
	if err != nil {
		return nil, err
	}
	ru, err := s.rollupOf(ctx, p, sub, progressbot.Subject{}, per, true, readTasks)
	if err != nil {
		return nil, err
	}
	rows := []entryJSON{}
	for _, e := range ru.Entries {
		if e.Item.Kind == progressbot.ItemTask {
			rows = append(rows, s.entry(e, p.Loc))
		}
	}
	return map[string]any{"subject": subjectCode(sub), "period": per.String(), "rows": rows}, nil
}

// board is the period's 红黄榜 as published, only the units the person sees; an admin
// also sees a draft or approved list, marked so.
func (s *Server) board(ctx context.Context, p *person, q url.Values) (any, error) {
	per, err := s.period(q)
	if err != nil {
		return nil, err
	}
	var b store.Board
	if p.Role == store.RoleAdmin {
		b, err = s.DB.Board(ctx, s.Plan.ID, per)
	} else {
		b, err = s.DB.PublishedBoard(ctx, s.Plan.ID, per)
	}
	if errors.Is(err, store.ErrNotFound) {
		return map[string]any{"period": per.String(), "state": "none", "red": []any{}, "yellow": []any{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dashboard board: %w", err)
	}
	type row struct {
		Unit    string `json:"unit"`
		Name    string `json:"name"`
		Reason  string `json:"reason"`
		Ahead   int    `json:"ahead"`
		Lagging int    `json:"lagging"`
		Serious int    `json:"serious"`
		Judged  int    `json:"judged"`
		Days    int    `json:"days,omitempty"`
	}
	lists := map[progressbot.BoardList][]row{progressbot.RedList: {}, progressbot.YellowList: {}}
	for list := range lists {
		for _, it := range b.Listed(list) {
			if _, err := s.roller.Select(progressbot.Subject{Kind: progressbot.SubjectUnit, Key: it.Unit}, p.Scope); err != nil {
				continue
			}
			lists[list] = append(lists[list], row{it.Unit, s.unitName(it.Unit, p.Loc), string(it.Reason), it.Ahead, it.Lagging, it.Serious, it.Judged, it.Days})
		}
	}
	return map[string]any{"period": per.String(), "state": b.State, "red": lists[progressbot.RedList], "yellow": lists[progressbot.YellowList]}, nil
}

// missing lists the units of the person's scope that have not submitted the period's
// report, the longest overdue first.
func (s *Server) missing(ctx context.Context, p *person, q url.Values) (any, error) {
	per, err := s.period(q)
	if err != nil {
		return nil, err
	}
	// Who has not reported comes from the reports alone: no answer needs reading.
	ru, err := s.rollupOf(ctx, p, p.Scope, progressbot.Subject{}, per, false, readNone)
	if err != nil {
		return nil, err
	}
	units := []unitJSON{}
	for _, u := range ru.Missing {
		units = append(units, s.unitRow(u, p.Loc))
	}
	return map[string]any{"period": per.String(), "owing": ru.Reports.Units, "units": units}, nil
}
