package progressbot

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds the leaders' rollups: what a chain, cluster, unit, indicator, task, key
// work item, project or the whole plan looks like in a period, computed from a snapshot of
// answers by pure code (the store only fetches the snapshot). It also holds who may see
// what (Roller.Select, the one place where scope is enforced) and the rules of the 红黄榜.

// SubjectKind is what a rollup is about.
type SubjectKind string

const (
	SubjectPlan      SubjectKind = "plan"
	SubjectChain     SubjectKind = "chain"
	SubjectCluster   SubjectKind = "cluster"
	SubjectUnit      SubjectKind = "unit"
	SubjectIndicator SubjectKind = "indicator"
	SubjectTask      SubjectKind = "task"
	SubjectWork      SubjectKind = "work"
	SubjectProject   SubjectKind = "project"
)

// Subject is one thing of the plan a leader asks about. The whole plan has an empty Key.
type Subject struct {
	Kind SubjectKind
	Key  string
}

// PlanSubject is the whole plan.
var PlanSubject = Subject{Kind: SubjectPlan}

func (s Subject) String() string {
	if s.Kind == SubjectPlan || s.Kind == "" {
		return string(SubjectPlan)
	}
	return string(s.Kind) + ":" + s.Key
}

// IsZero reports whether s is unset.
func (s Subject) IsZero() bool { return s.Kind == "" }

// Item is the reportable item a subject names, for an indicator, task, work item or
// project.
func (s Subject) Item() (ItemRef, bool) {
	switch s.Kind {
	case SubjectIndicator:
		return ItemRef{ItemIndicator, s.Key}, true
	case SubjectTask:
		return ItemRef{ItemTask, s.Key}, true
	case SubjectWork:
		return ItemRef{ItemWorkItem, s.Key}, true
	case SubjectProject:
		return ItemRef{ItemProject, s.Key}, true
	}
	return ItemRef{}, false
}

// SubjectOfItem is the subject of a reportable item.
func SubjectOfItem(ref ItemRef) Subject {
	switch ref.Kind {
	case ItemIndicator:
		return Subject{SubjectIndicator, ref.Key}
	case ItemTask:
		return Subject{SubjectTask, ref.Key}
	case ItemWorkItem:
		return Subject{SubjectWork, ref.Key}
	}
	return Subject{SubjectProject, ref.Key}
}

// SubjectOf turns a resolver match into a subject: the overview command is the whole
// plan; the other commands are not subjects.
func SubjectOf(m Match) (Subject, bool) {
	switch m.Kind {
	case MatchOverview:
		return PlanSubject, true
	case MatchChain:
		return Subject{SubjectChain, m.Key}, true
	case MatchCluster:
		return Subject{SubjectCluster, m.Key}, true
	case MatchUnit:
		return Subject{SubjectUnit, m.Key}, true
	case MatchIndicator:
		return Subject{SubjectIndicator, m.Key}, true
	case MatchTask:
		return Subject{SubjectTask, m.Key}, true
	case MatchWork:
		return Subject{SubjectWork, m.Key}, true
	case MatchProject:
		return Subject{SubjectProject, m.Key}, true
	}
	return Subject{}, false
}

// ParseScope reads a user's scope as stored: "" (the whole plan), "chain:<id>",
// "cluster:<id>" or "unit:<key>".
func ParseScope(s string) (Subject, error) {
	if s == "" {
		return PlanSubject, nil
	}
	kind, key, ok := strings.Cut(s, ":")
	if ok && key != "" {
		switch SubjectKind(kind) {
		case SubjectChain, SubjectCluster, SubjectUnit:
			return Subject{SubjectKind(kind), key}, nil
		}
	}
	return Subject{}, fmt.Errorf("scope %q: want chain:<id>, cluster:<id> or unit:<key>", s)
}

// ErrOutOfScope is returned by Roller.Select for a question outside the asker's scope.
var ErrOutOfScope = &Error{Kind: Forbidden, Msg: "outside the asker's scope"}

// ErrUnknownSubject is returned by Roller.Select for a subject the plan does not have.
var ErrUnknownSubject = &Error{Kind: NotFound, Msg: "unknown subject"}

// Roller computes rollups for one plan. Build it once with NewRoller; it is read-only
// afterwards and safe for concurrent use. Units and items are numbered (document order,
// items in list order: indicators, projects, tasks, key work items) so that a rollup
// works on slices rather than maps.
type Roller struct {
	p         *Plan
	units     []string // unit ids, document order
	unitIdx   map[string]int32
	items     []ItemRef       // every item, in the order rollups list them
	itemOrder map[ItemRef]int // index into items
	owers     [][]int32       // item index → units owing it, document order
	owes      [][]bool        // unit index → item index → owes it
	freq      []Frequency     // item index → how often it is reported
	chains    map[string]coverage
	clusters  map[string]coverage
	paths     map[string]*indicatorPaths
	deadline  map[ItemRef]Period // tasks and work items with a deadline
	mile      map[string][]milestoneAt
	issued    Period
}

// indicatorPaths are an indicator's target paths: one for a city indicator, one per
// reporting county for a county indicator.
type indicatorPaths struct {
	city   *pathInfo
	byUnit []*pathInfo // by unit index
}

type pathInfo struct {
	path Path
	ok   bool
}

type milestoneAt struct {
	stage int
	by    Period
}

// NewRoller indexes a plan for rollups.
func NewRoller(p *Plan) *Roller {
	r := &Roller{
		p:         p,
		unitIdx:   map[string]int32{},
		itemOrder: map[ItemRef]int{},
		chains:    map[string]coverage{},
		clusters:  map[string]coverage{},
		paths:     map[string]*indicatorPaths{},
		deadline:  map[ItemRef]Period{},
		mile:      map[string][]milestoneAt{},
	}
	if !p.Issued.IsZero() {
		r.issued = PeriodOf(p.Issued)
	}
	chainItems := map[string]map[ItemRef]bool{}
	clusterItems := map[string]map[ItemRef]bool{}
	add := func(m map[string]map[ItemRef]bool, key string, ref ItemRef) {
		if m[key] == nil {
			m[key] = map[ItemRef]bool{}
		}
		m[key][ref] = true
	}
	// Indicators first, then projects, tasks and key work items: the order lists use.
	for _, in := range p.Indicators {
		ref := ItemRef{ItemIndicator, in.ID}
		r.items = append(r.items, ref)
		for _, c := range in.Chains {
			add(chainItems, c, ref)
		}
	}
	for _, pr := range p.Projects {
		ref := ItemRef{ItemProject, pr.ID}
		r.items = append(r.items, ref)
		for _, c := range pr.Chains {
			add(chainItems, c, ref)
		}
		for _, m := range pr.Milestones {
			if by, ok := parseDeadline(m.By); ok && m.Stage.Valid() {
				r.mile[pr.ID] = append(r.mile[pr.ID], milestoneAt{m.Stage.Index(), by})
			}
		}
	}
	for _, t := range p.Tasks {
		ref := ItemRef{ItemTask, t.Key()}
		r.items = append(r.items, ref)
		for _, c := range t.Chains {
			add(chainItems, c, ref)
		}
		for _, c := range t.Clusters {
			add(clusterItems, c, ref)
		}
		if d, ok := parseDeadline(t.Deadline); ok {
			r.deadline[ref] = d
		}
	}
	for _, w := range p.WorkItems {
		ref := ItemRef{ItemWorkItem, w.ID}
		r.items = append(r.items, ref)
		for _, c := range w.Chains {
			add(chainItems, c, ref)
		}
		if d, ok := parseDeadline(w.Deadline); ok {
			r.deadline[ref] = d
		}
	}
	r.freq = make([]Frequency, len(r.items))
	for i, ref := range r.items {
		r.itemOrder[ref] = i
		r.freq[i] = p.frequencyOf(ref)
	}
	r.owers = make([][]int32, len(r.items))
	r.owes = make([][]bool, len(p.Units))
	for i, u := range p.Units {
		r.units = append(r.units, u.ID)
		r.unitIdx[u.ID] = int32(i)
		r.owes[i] = make([]bool, len(r.items))
		for _, ref := range p.Owes(u.ID) {
			if ii, ok := r.itemOrder[ref]; ok {
				r.owers[ii] = append(r.owers[ii], int32(i))
				r.owes[i][ii] = true
			}
		}
	}
	for _, c := range p.Chains {
		r.chains[c.ID] = r.chainCoverage(chainItems[c.ID], map[string]bool{c.Office: true})
	}
	for _, cl := range p.Clusters {
		offices := map[string]bool{}
		for _, id := range cl.Chains {
			for ref := range chainItems[id] {
				add(clusterItems, cl.ID, ref)
			}
			if c := p.Chain(id); c != nil {
				offices[c.Office] = true
			}
		}
		r.clusters[cl.ID] = r.chainCoverage(clusterItems[cl.ID], offices)
	}
	for _, in := range p.Indicators {
		ip := &indicatorPaths{}
		mk := func(unit string) *pathInfo {
			pi := &pathInfo{path: p.PathFor(in.ID, p.TargetUnit(in, unit), nil)}
			pi.ok = len(pi.path.Targets) > 0
			return pi
		}
		if in.Scope == ScopeCounty {
			ip.byUnit = make([]*pathInfo, len(r.units))
			for _, u := range r.owers[r.itemOrder[ItemRef{ItemIndicator, in.ID}]] {
				ip.byUnit[u] = mk(r.units[u])
			}
		} else {
			ip.city = mk("")
		}
		r.paths[in.ID] = ip
	}
	return r
}

// Plan is the plan the roller works on.
func (r *Roller) Plan() *Plan { return r.p }

// parseDeadline reads "2025" (the end of 2025) or "2023-12".
func parseDeadline(s string) (Period, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 4 {
		y, err := strconv.Atoi(s)
		if err != nil {
			return Period{}, false
		}
		return Period{y, time.December}, true
	}
	p, err := ParsePeriod(s)
	return p, err == nil
}

// TargetUnit is the unit whose targets judge what a unit reports for an indicator: its
// own for a county indicator; for a city indicator the city's, or the one unit the
// targets name (a park) when the city has none.
func (p *Plan) TargetUnit(in *Indicator, unit string) string {
	if in.Scope == ScopeCounty {
		return unit
	}
	if len(p.targets[targetKey{in.ID, p.City}]) > 0 {
		return p.City
	}
	for _, t := range p.Targets {
		if t.Indicator == in.ID {
			return t.Unit
		}
	}
	return p.City
}

// pathOf is the path of an indicator for a reporting unit (by index).
func (r *Roller) pathOf(in *Indicator, u int32) *pathInfo {
	ip := r.paths[in.ID]
	switch {
	case ip == nil:
	case ip.city != nil:
		return ip.city
	case u >= 0 && int(u) < len(ip.byUnit) && ip.byUnit[u] != nil:
		return ip.byUnit[u]
	}
	return &pathInfo{}
}

func (pi *pathInfo) expectedAt(kind IndicatorKind, per Period) (float64, bool) {
	if !pi.ok {
		return 0, false
	}
	return Expected(kind, pi.path, per.Year, per.YearFraction())
}

// JudgedAt is the period whose report an item is judged on at period p: p itself for a
// monthly item, the last quarter's closing month for a quarterly one, the last annual
// month for an annual one. ok is false when that period is before the plan was issued.
func (r *Roller) JudgedAt(ref ItemRef, p Period) (Period, bool) {
	f := Monthly
	if ii, ok := r.itemOrder[ref]; ok {
		f = r.freq[ii]
	}
	for i := 0; i < 12; i++ {
		q := p.Add(-i)
		if q.Closes(f, r.p.Reporting.AnnualMonth) {
			if !r.issued.IsZero() && q.Before(r.issued) {
				return Period{}, false
			}
			return q, true
		}
	}
	return Period{}, false
}

// ---- who sees what ----

// coverage is a set of items × a set of units; a nil set is everything.
type coverage struct {
	items map[ItemRef]bool
	units map[string]bool
}

func (r *Roller) coverageOf(s Subject) (coverage, error) {
	p := r.p
	switch s.Kind {
	case SubjectPlan:
		return coverage{}, nil
	case SubjectChain:
		c, ok := r.chains[s.Key]
		if !ok {
			return coverage{}, fmt.Errorf("chain %q: %w", s.Key, ErrUnknownSubject)
		}
		return c, nil
	case SubjectCluster:
		c, ok := r.clusters[s.Key]
		if !ok {
			return coverage{}, fmt.Errorf("cluster %q: %w", s.Key, ErrUnknownSubject)
		}
		return c, nil
	case SubjectUnit:
		if p.Unit(s.Key) == nil {
			return coverage{}, fmt.Errorf("unit %q: %w", s.Key, ErrUnknownSubject)
		}
		items := map[ItemRef]bool{}
		for _, ref := range p.Owes(s.Key) {
			items[ref] = true
		}
		return coverage{items: items, units: map[string]bool{s.Key: true}}, nil
	}
	ref, ok := s.Item()
	if !ok || !r.known(ref) {
		return coverage{}, fmt.Errorf("%s: %w", s, ErrUnknownSubject)
	}
	return coverage{items: map[ItemRef]bool{ref: true}}, nil
}

func (r *Roller) known(ref ItemRef) bool {
	_, ok := r.itemOrder[ref]
	return ok
}

// chainCoverage is a chain's (or cluster's) items and the units that report on them,
// less the offices of other chains: a chain office answers a task shared by several
// chains for its own chain.
func (r *Roller) chainCoverage(items map[ItemRef]bool, offices map[string]bool) coverage {
	cov := coverage{items: map[ItemRef]bool{}, units: map[string]bool{}}
	for ref := range items {
		cov.items[ref] = true
		for _, ui := range r.owers[r.itemOrder[ref]] {
			u := r.units[ui]
			if un := r.p.Unit(u); un != nil && un.Kind == UnitChainOffice && !offices[u] {
				continue
			}
			cov.units[u] = true
		}
	}
	for o := range offices {
		if len(r.p.Owes(o)) > 0 {
			cov.units[o] = true
		}
	}
	return cov
}

func (c coverage) hasItem(ref ItemRef) bool { return c.items == nil || c.items[ref] }
func (c coverage) hasUnit(u string) bool    { return c.units == nil || c.units[u] }

func intersect(a, b coverage) coverage {
	out := coverage{}
	switch {
	case a.items == nil:
		out.items = b.items
	case b.items == nil:
		out.items = a.items
	default:
		out.items = map[ItemRef]bool{}
		for k := range a.items {
			if b.items[k] {
				out.items[k] = true
			}
		}
	}
	switch {
	case a.units == nil:
		out.units = b.units
	case b.units == nil:
		out.units = a.units
	default:
		out.units = map[string]bool{}
		for k := range a.units {
			if b.units[k] {
				out.units[k] = true
			}
		}
	}
	return out
}

// Selection is what one rollup covers: the items and units of its subject, narrowed to
// the parents it was opened from and to the asker's scope. Build it with Roller.Select.
type Selection struct {
	Subject Subject
	Within  []Subject // the subjects it was drilled into from, nearest first
	Scope   Subject
	Items   []ItemRef // in list order
	items   []int32   // their indexes
	unitSet []bool    // by unit index; nil: every unit
	unitLst []int32   // the units of unitSet, document order
}

// HasUnit reports whether a unit's answers count in the selection.
func (s *Selection) HasUnit(r *Roller, u string) bool {
	if s.unitSet == nil {
		return true
	}
	i, ok := r.unitIdx[u]
	return ok && s.unitSet[i]
}

func (s *Selection) hasIdx(u int32) bool { return s.unitSet == nil || s.unitSet[u] }

// Units lists the selection's units in document order; nil means every unit.
func (s *Selection) Units(r *Roller) []string {
	if s.unitSet == nil {
		return nil
	}
	out := make([]string, len(s.unitLst))
	for i, u := range s.unitLst {
		out[i] = r.units[u]
	}
	return out
}

// Select is the one place where who sees what is decided. It returns what a person with
// the given scope sees of subject (drilled into from the within subjects, if any), or
// ErrOutOfScope.
//
// A scope, like a subject, covers a set of items and a set of units: the whole plan
// everything; a chain its tasks, key work items, projects and indicators (Task.Chains,
// WorkItem.Chains, Project.Chains, Indicator.Chains) and the units that report on them,
// except other chains' offices; a cluster the same for its member chains plus the tasks
// that name the cluster; a unit the items it owes, and itself. A question is allowed when
// its subject lies inside the scope: a chain, cluster, indicator, task, work item or
// project when all its items are the scope's items (its units are then narrowed to the
// scope's); a unit when it is one of the scope's units, and it then shows only the
// scope's items. The whole plan is inside the whole plan only.
func (r *Roller) Select(subject, scope Subject, within ...Subject) (*Selection, error) {
	sc, err := r.coverageOf(scope)
	if err != nil {
		return nil, err
	}
	cov, err := r.coverageOf(subject)
	if err != nil {
		return nil, err
	}
	if !inside(subject, cov, scope, sc) {
		return nil, fmt.Errorf("%s in scope %s: %w", subject, scope, ErrOutOfScope)
	}
	// A drill-down is allowed only from what the person may see, and narrows.
	for _, parent := range within {
		if parent.IsZero() {
			continue
		}
		w, err := r.coverageOf(parent)
		if err != nil {
			return nil, err
		}
		if !inside(parent, w, scope, sc) {
			return nil, fmt.Errorf("%s within %s in scope %s: %w", subject, parent, scope, ErrOutOfScope)
		}
		cov = intersect(cov, w)
	}
	cov = intersect(cov, sc)
	sel := &Selection{Subject: subject, Within: within, Scope: scope}
	for i, ref := range r.items {
		if cov.hasItem(ref) {
			sel.Items = append(sel.Items, ref)
			sel.items = append(sel.items, int32(i))
		}
	}
	if cov.units != nil {
		sel.unitSet = make([]bool, len(r.units))
		for u := range cov.units {
			if i, ok := r.unitIdx[u]; ok {
				sel.unitSet[i] = true
			}
		}
		for i, in := range sel.unitSet {
			if in {
				sel.unitLst = append(sel.unitLst, int32(i))
			}
		}
	}
	hasParent := slices.ContainsFunc(within, func(s Subject) bool { return !s.IsZero() })
	if len(sel.Items) == 0 && (scope.Kind != SubjectPlan || hasParent) {
		// Nothing left: a drill-down into something its parent does not have, or nothing
		// of the scope's (only a forged button asks for either).
		return nil, fmt.Errorf("%s in scope %s: nothing to show: %w", subject, scope, ErrOutOfScope)
	}
	return sel, nil
}

// inside reports whether a subject lies inside a scope: a unit when it is one of the
// scope's units, anything else when all its items are the scope's items.
func inside(subject Subject, cov coverage, scope Subject, sc coverage) bool {
	switch {
	case scope.Kind == SubjectPlan:
		return true
	case subject.Kind == SubjectUnit:
		return sc.hasUnit(subject.Key)
	case cov.items == nil:
		return false
	}
	for ref := range cov.items {
		if !sc.hasItem(ref) {
			return false
		}
	}
	return true
}

// ScopeUnits lists the units a scope covers that owe anything in period p, in document
// order: whose reports /missing and timeliness count.
func (r *Roller) ScopeUnits(scope Subject, p Period) ([]string, error) {
	sel, err := r.Select(scope, scope)
	if err != nil {
		return nil, err
	}
	return r.reportUnits(sel, p), nil
}

// reportUnits are the selection's units that owe one of its items in period p (as Due
// says), in document order.
func (r *Roller) reportUnits(sel *Selection, p Period) []string {
	var out []string
	for _, u := range r.reportIdx(sel, p) {
		out = append(out, r.units[u])
	}
	return out
}

// fewUnits is the size up to which a selection's units are walked rather than each
// item's owers.
const fewUnits = 64

func (s *Selection) few() bool { return s.unitSet != nil && len(s.unitLst) <= fewUnits }

func (r *Roller) reportIdx(sel *Selection, p Period) []int32 {
	if !r.issued.IsZero() && p.Before(r.issued) {
		return nil
	}
	owe := make([]bool, len(r.units))
	for _, ii := range sel.items {
		if !p.Closes(r.freq[ii], r.p.Reporting.AnnualMonth) {
			continue
		}
		if sel.few() {
			for _, u := range sel.unitLst {
				if r.owes[u][ii] {
					owe[u] = true
				}
			}
			continue
		}
		for _, u := range r.owers[ii] {
			if sel.hasIdx(u) {
				owe[u] = true
			}
		}
	}
	var out []int32
	for u, ok := range owe {
		if ok {
			out = append(out, int32(u))
		}
	}
	return out
}

// ---- snapshot: what the store reads ----

// JudgedItem is an item and the period whose latest answers judge it.
type JudgedItem struct {
	Item   ItemRef
	Period Period
}

// SnapshotQuery is what a rollup needs from the store.
type SnapshotQuery struct {
	Period Period
	Items  []JudgedItem
	// Units, when not nil, are the only units whose answers are wanted; nil is every unit.
	Units []string
	// Reports are the units whose report for Period (state, submit time) is wanted.
	Reports []string
	// Texts asks for what was done (Cell.Done) as well; the coordination text of a cell
	// that needs coordination is always read.
	Texts bool
}

// Cell is the latest answer of one unit on one item for one period.
type Cell struct {
	Unit         string
	Item         ItemRef
	Period       Period
	Skipped      bool
	HasValue     bool
	Value        float64
	Status       TaskStatus
	Stage        ProjectStage
	Coordination string // only when NeedsCoordination
	Done         string // only when the query asked for texts
	DoneCarried  bool   // Done is an earlier month's text, carried unchanged (同上月)
}

// ReportStatus is where a unit's report for a period stands.
type ReportStatus struct {
	Unit        string
	Opened      bool // the liaison has started it
	State       ReportState
	SubmittedAt time.Time
	Answers     int // items answered so far (latest answers), when read
}

// Snapshot is what the store read for a rollup.
type Snapshot struct {
	Cells   []Cell
	Reports []ReportStatus
	// Deadline, when set, is the period's deadline as the scheduler keeps it (moved off a
	// non-working day); Deadlines holds the units whose deadline was extended. Without
	// them the calendar's deadline judges timeliness.
	Deadline  time.Time
	Deadlines map[string]time.Time
}

// Query is what the store must read for a selection in period p.
func (r *Roller) Query(sel *Selection, p Period, texts bool) SnapshotQuery {
	q := SnapshotQuery{Period: p, Units: sel.Units(r), Texts: texts}
	for _, ref := range sel.Items {
		if jp, ok := r.JudgedAt(ref, p); ok {
			q.Items = append(q.Items, JudgedItem{ref, jp})
		}
	}
	q.Reports = r.reportUnits(sel, p)
	return q
}

// noCoordination are the answers that mean "nothing needs coordination", folded.
var noCoordination = map[string]bool{
	"": true, "无": true, "没有": true, "暂无": true, "无需协调": true, "没有需要协调的": true,
	"none": true, "no": true, "nil": true, "n/a": true, "na": true, "nothing": true, "-": true, "—": true, "/": true,
}

// NoCoordinationSQL lists, for the store, answers that certainly need no coordination
// (lower-cased, trimmed of spaces): every one of them is in NeedsCoordination's list, so
// that a row the store flags may still need no coordination but never the other way.
var NoCoordinationSQL = []string{"", "无", "没有", "暂无", "none", "no", "n/a", "na", "-", "/"}

// NeedsCoordination reports whether a 需协调事项 answer asks for something: not empty and
// not "无", "None" or the like (trailing punctuation and spaces ignored).
func NeedsCoordination(text string) bool {
	s := strings.ToLower(strings.TrimSpace(text))
	s = strings.TrimRight(s, "。.！!；;，, 　")
	s = strings.TrimSpace(s)
	return !noCoordination[s]
}

// ---- the rollup ----

// Timeliness is how a unit's report for a period stands against its deadline.
type Timeliness string

const (
	OnTime  Timeliness = "on_time"
	Late    Timeliness = "late"    // submitted after the deadline
	Missing Timeliness = "missing" // not submitted, deadline passed
	Pending Timeliness = "pending" // not submitted, deadline to come
)

// Reason says why an entry stands at its level.
type Reason string

const (
	ReasonValue        Reason = "value"         // an indicator judged against its pace
	ReasonNoTarget     Reason = "no_target"     // reported, nothing numeric to judge against
	ReasonDone         Reason = "done"          // 已完成
	ReasonOnTrack      Reason = "on_track"      // 按计划推进
	ReasonNotStarted   Reason = "not_started"   // 未启动, before the deadline
	ReasonLagging      Reason = "lagging"       // 滞后
	ReasonOverdue      Reason = "overdue"       // 滞后 or 未启动 past the deadline
	ReasonStage        Reason = "stage"         // project at or past its milestone
	ReasonStageAhead   Reason = "stage_ahead"   // project past a milestone not yet due
	ReasonStageBehind  Reason = "stage_behind"  // project short of a milestone due
	ReasonNotReported  Reason = "not_reported"  // no answer
	ReasonSkipped      Reason = "skipped"       // the liaison skipped it
	ReasonTotal        Reason = "total"         // an indicator's city total
	ReasonTotalPartial Reason = "total_partial" // a city total with counties missing
)

// Entry is one unit's standing on one item, or (Unit empty) an indicator's city total.
type Entry struct {
	Unit   string
	Item   ItemRef
	Period Period // the period whose report it is judged on
	Level  PaceLevel
	Reason Reason

	HasValue bool
	Value    float64
	Expected float64 // indicators with a numeric target
	Ratio    float64
	Status   TaskStatus
	Stage    ProjectStage
	// Due is the stage a project should have reached (its latest milestone due).
	Due          ProjectStage
	Deadline     Period // tasks and work items with a deadline
	Coordination string
	Done         string
	DoneCarried  bool // Done carried unchanged from an earlier month (同上月)
	// Reported and Missing count the counties of a city total.
	Reported, Missing int

	ui, ii int32 // unit index (-1 for a total) and item index, for ordering
}

// Counts tallies entries by level.
type Counts struct {
	Total    int
	Ahead    int // 超前, tasks 已完成, projects ahead of their milestones
	OnTrack  int
	Lagging  int
	Serious  int
	NoData   int // not reported or skipped
	NoTarget int // reported, nothing to judge against
}

func (c *Counts) add(l PaceLevel) {
	c.Total++
	switch l {
	case PaceAhead:
		c.Ahead++
	case PaceOnTrack:
		c.OnTrack++
	case PaceLagging:
		c.Lagging++
	case PaceSerious:
		c.Serious++
	case PaceNoData:
		c.NoData++
	default:
		c.NoTarget++
	}
}

// Worst is the worst level counted (PaceNoTarget when nothing was).
func (c Counts) Worst() PaceLevel {
	switch {
	case c.Serious > 0:
		return PaceSerious
	case c.Lagging > 0:
		return PaceLagging
	case c.NoData > 0:
		return PaceNoData
	case c.OnTrack > 0:
		return PaceOnTrack
	case c.Ahead > 0:
		return PaceAhead
	}
	return PaceNoTarget
}

// Judged is the number of entries judged against a pace (all but no data and no target).
func (c Counts) Judged() int { return c.Ahead + c.OnTrack + c.Lagging + c.Serious }

// Reports tallies units by timeliness.
type Reports struct {
	Units, OnTime, Late, Missing, Pending int
}

// UnitRow is one unit in a rollup: how its items stand and whether it reported on time.
type UnitRow struct {
	ui         int32
	Unit       string
	Counts     Counts
	Timeliness Timeliness // for the rollup's period; "" when it owes nothing then
	Days       int        // days late (late, missing) or left (pending)
}

// ItemRow is one item in a rollup: how its units stand and, for a county indicator, the
// city total.
type ItemRow struct {
	Item   ItemRef
	Period Period
	Level  PaceLevel // the total's level, else the single unit's, else the worst
	Counts Counts
	Total  *Entry
}

// Rollup is a subject's standing in a period.
type Rollup struct {
	Selection *Selection
	Period    Period
	Deadline  time.Time
	Closed    bool // the deadline has passed

	Head    Counts
	Reports Reports
	// Attention lists what is lagging or seriously lagging, worst first: entries and city
	// totals.
	Attention []Entry
	// Coordination lists the 需协调事项 that ask for something.
	Coordination []Entry
	Units        []UnitRow // worst first
	Items        []ItemRow // worst first
	Entries      []Entry   // every unit × item, worst first
	// Missing are the units that have not submitted (Missing or Pending), latest first.
	Missing []UnitRow
}

// EntryOf is the first entry of item in the rollup, nil when it has none.
func (ru *Rollup) EntryOf(item ItemRef) *Entry {
	for i := range ru.Entries {
		if ru.Entries[i].Item == item {
			return &ru.Entries[i]
		}
	}
	return nil
}

// Standing is the one entry that stands for an item of the rollup: its total, else its
// only entry; nil when several units report it and nothing sums them (then its counts
// say how it stands).
func (ru *Rollup) Standing(it ItemRow) *Entry {
	switch {
	case it.Total != nil:
		return it.Total
	case it.Counts.Total == 1:
		return ru.EntryOf(it.Item)
	}
	return nil
}

// Roll computes the rollup of a selection in period p from a snapshot read with
// Query(sel, p, …), at time now on calendar cal. Entries are worst first for an item's
// rollup and in list order (items, then units) otherwise; Attention is always worst
// first.
func (r *Roller) Roll(sel *Selection, p Period, snap *Snapshot, cal Calendar, now time.Time) *Rollup {
	ru := &Rollup{Selection: sel, Period: p, Deadline: cal.Deadline(p)}
	if !snap.Deadline.IsZero() {
		ru.Deadline = snap.Deadline
	}
	ru.Closed = now.After(ru.Deadline)
	th := r.p.Pace
	if !th.Valid() {
		th = DefaultPace
	}
	st := r.newRollState(sel, snap)
	ru.Entries = make([]Entry, 0, r.entriesFor(sel))
	for _, ii := range sel.items {
		r.rollItem(ru, st, ii, p, th)
	}
	r.rollReports(ru, st, p, now)
	r.collectUnits(ru, st)
	r.sortRollup(ru)
	return ru
}

// rollState is what Roll's passes share: the snapshot's cells grouped by item, and per
// unit (by index) its row and whether the rollup shows it.
type rollState struct {
	sel    *Selection
	snap   *Snapshot
	byItem [][]int32 // cell indexes of each item; the store returns them grouped by item
	slot   []int32   // cell index + 1 of the item being rolled, by unit
	rows   []UnitRow
	used   []bool
}

func (r *Roller) newRollState(sel *Selection, snap *Snapshot) *rollState {
	st := &rollState{sel: sel, snap: snap, byItem: make([][]int32, len(r.items)),
		slot: make([]int32, len(r.units)), rows: make([]UnitRow, len(r.units)), used: make([]bool, len(r.units))}
	prev, pi := ItemRef{}, -1
	for i := range snap.Cells {
		c := &snap.Cells[i]
		if pi < 0 || c.Item != prev {
			ii, ok := r.itemOrder[c.Item]
			if !ok {
				continue
			}
			prev, pi = c.Item, ii
		}
		st.byItem[pi] = append(st.byItem[pi], int32(i))
	}
	return st
}

// entriesFor is how many entries a selection can have: one per item and unit that owes it.
func (r *Roller) entriesFor(sel *Selection) int {
	size := 0
	for _, ii := range sel.items {
		if sel.few() {
			size += len(sel.unitLst)
		} else {
			size += len(r.owers[ii])
		}
	}
	return size
}

// cityTotal adds up a county-level indicator over the counties: the sum of their values,
// and of what each should have reached by now for those judged on a value.
type cityTotal struct {
	entry       *Entry
	sumExpected float64
	judgedValue float64
	judged      int
}

func (t *cityTotal) add(e Entry, ref ItemRef, jp Period, ii int32) {
	if t.entry == nil {
		t.entry = &Entry{Item: ref, Period: jp, Reason: ReasonTotal, ui: -1, ii: ii}
	}
	if !e.HasValue {
		t.entry.Missing++
		return
	}
	t.entry.HasValue = true
	t.entry.Value += e.Value
	t.entry.Reported++
	if e.Reason == ReasonValue {
		t.sumExpected += e.Expected
		t.judgedValue += e.Value
		t.judged++
	}
}

// judge settles the total's level: the counties that reported a value and have a target,
// their sum against the sum of what each should have reached by now.
func (t *cityTotal) judge(in *Indicator, th PaceThresholds) *Entry {
	total := t.entry
	total.Expected = t.sumExpected
	switch {
	case !total.HasValue:
		total.Level = PaceNoData
	case t.judged == 0:
		total.Level = PaceNoTarget
	default:
		total.Ratio, total.Level = Judge(t.judgedValue, t.sumExpected, in.Direction, th)
	}
	if total.Missing > 0 {
		total.Reason = ReasonTotalPartial
	}
	return total
}

// rollItem judges one item for every unit of the selection that owes it: its entries,
// their counts on the item, the unit rows and the headline, what needs attention or
// coordination, and a county indicator's city total.
func (r *Roller) rollItem(ru *Rollup, st *rollState, ii int32, p Period, th PaceThresholds) {
	ref := r.items[ii]
	jp, ok := r.JudgedAt(ref, p)
	if !ok {
		return
	}
	cells := st.snap.Cells
	for _, ci := range st.byItem[ii] {
		if u, ok := r.unitIdx[cells[ci].Unit]; ok {
			st.slot[u] = ci + 1
		}
	}
	ir := ItemRow{Item: ref, Period: jp}
	var in *Indicator
	if ref.Kind == ItemIndicator {
		in = r.p.Indicator(ref.Key)
	}
	summable := in != nil && in.Scope == ScopeCounty && (in.Kind == KindLevel || in.Kind == KindCumulative || in.Kind == KindAnnualFlow)
	var total cityTotal
	visit := func(u int32) {
		var c *Cell
		if st.slot[u] > 0 {
			c = &cells[st.slot[u]-1]
		}
		e := r.judge(ref, in, u, jp, c, th)
		e.ii = ii
		ru.Entries = append(ru.Entries, e)
		ir.Counts.add(e.Level)
		ru.Head.add(e.Level)
		st.used[u] = true
		st.rows[u].Counts.add(e.Level)
		if e.Coordination != "" {
			ru.Coordination = append(ru.Coordination, e)
		}
		if e.Level.Lagging() {
			ru.Attention = append(ru.Attention, e)
		}
		if summable {
			total.add(e, ref, jp, ii)
		}
	}
	if sel := st.sel; sel.few() {
		for _, u := range sel.unitLst {
			if r.owes[u][ii] {
				visit(u)
			}
		}
	} else {
		for _, u := range r.owers[ii] {
			if sel.hasIdx(u) {
				visit(u)
			}
		}
	}
	for _, ci := range st.byItem[ii] {
		if u, ok := r.unitIdx[cells[ci].Unit]; ok {
			st.slot[u] = 0
		}
	}
	switch {
	case total.entry != nil && ir.Counts.Total > 1:
		t := total.judge(in, th)
		ir.Total, ir.Level = t, t.Level
		if t.Level.Lagging() {
			ru.Attention = append(ru.Attention, *t)
		}
	case ir.Counts.Total > 0:
		ir.Level = ir.Counts.Worst()
	}
	if ir.Counts.Total > 0 {
		ru.Items = append(ru.Items, ir)
	}
}

// rollReports sets the timeliness of the units that owe a report in the period.
func (r *Roller) rollReports(ru *Rollup, st *rollState, p Period, now time.Time) {
	reports := make(map[string]*ReportStatus, len(st.snap.Reports))
	for i := range st.snap.Reports {
		reports[st.snap.Reports[i].Unit] = &st.snap.Reports[i]
	}
	for _, u := range r.reportIdx(st.sel, p) {
		ur := &st.rows[u]
		st.used[u] = true
		rs := ReportStatus{}
		if x := reports[r.units[u]]; x != nil {
			rs = *x
		}
		deadline := ru.Deadline
		if d, ok := st.snap.Deadlines[r.units[u]]; ok {
			deadline = d
		}
		ur.Timeliness, ur.Days = timeliness(rs, deadline, now)
		ru.Reports.Units++
		switch ur.Timeliness {
		case OnTime:
			ru.Reports.OnTime++
		case Late:
			ru.Reports.Late++
		case Missing:
			ru.Reports.Missing++
		case Pending:
			ru.Reports.Pending++
		}
	}
}

// collectUnits lists the rows of the units the rollup shows, and those that owe a report.
func (r *Roller) collectUnits(ru *Rollup, st *rollState) {
	for u, ok := range st.used {
		if ok {
			st.rows[u].ui, st.rows[u].Unit = int32(u), r.units[u]
			ru.Units = append(ru.Units, st.rows[u])
			if t := st.rows[u].Timeliness; t == Missing || t == Pending {
				ru.Missing = append(ru.Missing, st.rows[u])
			}
		}
	}
}

// sortRollup puts the worst first everywhere, then the plan's order.
func (r *Roller) sortRollup(ru *Rollup) {
	sortEntries(ru.Attention)
	if _, isItem := ru.Selection.Subject.Item(); isItem {
		sortEntries(ru.Entries)
	}
	slices.SortFunc(ru.Coordination, entryOrder)
	slices.SortFunc(ru.Units, func(a, b UnitRow) int {
		if d := unitBadness(b) - unitBadness(a); d != 0 {
			return d
		}
		return int(a.ui - b.ui)
	})
	slices.SortFunc(ru.Missing, func(a, b UnitRow) int {
		if a.Timeliness != b.Timeliness {
			if a.Timeliness == Missing {
				return -1
			}
			return 1
		}
		if a.Timeliness == Missing && a.Days != b.Days {
			return b.Days - a.Days
		}
		return int(a.ui - b.ui)
	})
	slices.SortStableFunc(ru.Items, func(a, b ItemRow) int {
		if d := a.Level.Rank() - b.Level.Rank(); d != 0 {
			return d
		}
		if d := (b.Counts.Serious*4 + b.Counts.Lagging*2 + b.Counts.NoData) - (a.Counts.Serious*4 + a.Counts.Lagging*2 + a.Counts.NoData); d != 0 {
			return d
		}
		return r.itemOrder[a.Item] - r.itemOrder[b.Item]
	})
}

// unitBadness orders units worst first: a missing report weighs most, then seriously
// lagging items, lagging ones, late reports and items not reported.
func unitBadness(u UnitRow) int {
	b := u.Counts.Serious*100 + u.Counts.Lagging*10 + u.Counts.NoData
	switch u.Timeliness {
	case Missing:
		b += 1000
	case Late:
		b += 5
	}
	return b
}

func timeliness(rs ReportStatus, deadline, now time.Time) (Timeliness, int) {
	days := func(d time.Duration) int { return int(math.Ceil(d.Hours() / 24)) }
	switch {
	case rs.State == ReportSubmitted && !rs.SubmittedAt.After(deadline):
		return OnTime, 0
	case rs.State == ReportSubmitted:
		return Late, days(rs.SubmittedAt.Sub(deadline))
	case now.After(deadline):
		return Missing, days(now.Sub(deadline))
	}
	return Pending, days(deadline.Sub(now))
}

// entryOrder is list order: items in list order, a city total before its units, units
// in document order.
func entryOrder(a, b Entry) int {
	if a.ii != b.ii {
		return int(a.ii - b.ii)
	}
	return int(a.ui - b.ui)
}

// sortEntries orders entries worst first: by level (PaceLevel.Rank), then overdue before
// merely lagging, then by how far behind (the ratio, for values and totals), then in list
// order.
func sortEntries(es []Entry) {
	type key struct {
		rank    int
		overdue bool
		ratio   float64
		i       int
	}
	keys := make([]key, len(es))
	for i, e := range es {
		k := key{rank: e.Level.Rank(), overdue: e.Reason == ReasonOverdue, ratio: math.Inf(1), i: i}
		if e.Reason == ReasonValue || e.Reason == ReasonTotal || e.Reason == ReasonTotalPartial {
			k.ratio = e.Ratio
		}
		keys[i] = k
	}
	slices.SortFunc(keys, func(a, b key) int {
		switch {
		case a.rank != b.rank:
			return a.rank - b.rank
		case a.overdue != b.overdue:
			if a.overdue {
				return -1
			}
			return 1
		case a.ratio != b.ratio:
			if a.ratio < b.ratio {
				return -1
			}
			return 1
		}
		return entryOrder(es[a.i], es[b.i])
	})
	sorted := make([]Entry, len(es))
	for i, k := range keys {
		sorted[i] = es[k.i]
	}
	copy(es, sorted)
}

// judge is one unit's standing on one item.
func (r *Roller) judge(ref ItemRef, in *Indicator, u int32, jp Period, c *Cell, th PaceThresholds) Entry {
	e := Entry{Unit: r.units[u], Item: ref, Period: jp, Level: PaceNoData, Reason: ReasonNotReported, ui: u}
	if d, ok := r.deadline[ref]; ok {
		e.Deadline = d
	}
	if c != nil {
		if c.Coordination != "" && NeedsCoordination(c.Coordination) {
			e.Coordination = c.Coordination
		}
		e.Done, e.DoneCarried = c.Done, c.DoneCarried
		if c.Skipped {
			e.Reason = ReasonSkipped
			e.Coordination = ""
			return e
		}
	}
	switch ref.Kind {
	case ItemIndicator:
		pi := r.pathOf(in, u)
		exp, hasExp := pi.expectedAt(in.Kind, jp)
		e.Expected = exp
		if c == nil || !c.HasValue {
			return e
		}
		e.HasValue, e.Value = true, c.Value
		if !hasExp {
			e.Level, e.Reason = PaceNoTarget, ReasonNoTarget
			return e
		}
		e.Ratio, e.Level = Judge(c.Value, exp, in.Direction, th)
		e.Reason = ReasonValue
	case ItemTask, ItemWorkItem:
		if c == nil || c.Status == "" {
			return e
		}
		e.Status = c.Status
		overdue := !e.Deadline.IsZero() && e.Deadline.Before(jp)
		switch c.Status {
		case StatusDone:
			e.Level, e.Reason = PaceAhead, ReasonDone
		case StatusOnTrack:
			e.Level, e.Reason = PaceOnTrack, ReasonOnTrack
		case StatusNotStarted:
			e.Level, e.Reason = PaceOnTrack, ReasonNotStarted
			if overdue {
				e.Level, e.Reason = PaceSerious, ReasonOverdue
			}
		case StatusLagging:
			e.Level, e.Reason = PaceLagging, ReasonLagging
			if overdue {
				e.Level, e.Reason = PaceSerious, ReasonOverdue
			}
		}
	case ItemProject:
		if c == nil || c.Stage == "" {
			return e
		}
		e.Stage = c.Stage
		e.Level, e.Reason = r.judgeStage(ref.Key, c.Stage, jp, &e)
	}
	return e
}

// judgeStage compares a project's stage with its milestones at period jp: short of a
// milestone due is lagging, seriously so when that milestone is more than a year
// overdue; at a milestone not yet due is ahead; with no milestones, nothing to judge.
func (r *Roller) judgeStage(project string, stage ProjectStage, jp Period, e *Entry) (PaceLevel, Reason) {
	ms := r.mile[project]
	if len(ms) == 0 {
		return PaceNoTarget, ReasonNoTarget
	}
	at := stage.Index()
	due := -1
	behind, longBehind, ahead := false, false, false
	for _, m := range ms {
		if jp.Before(m.by) {
			if at >= m.stage {
				ahead = true
			}
			continue
		}
		due = max(due, m.stage)
		if at < m.stage {
			behind = true
			if m.by.Add(12).Before(jp) {
				longBehind = true
			}
		}
	}
	if due >= 0 {
		e.Due = ProjectStages[due]
	}
	switch {
	case longBehind:
		return PaceSerious, ReasonStageBehind
	case behind:
		return PaceLagging, ReasonStageBehind
	case ahead:
		return PaceAhead, ReasonStageAhead
	}
	return PaceOnTrack, ReasonStage
}

// ---- 红黄榜 ----

// BoardList is one of the two lists of the 红黄榜.
type BoardList string

const (
	RedList    BoardList = "red"    // 红榜: ahead of pace and on time
	YellowList BoardList = "yellow" // 黄榜: lagging, late or missing
)

// BoardReason says why a unit is on a list.
type BoardReason string

const (
	BoardAhead   BoardReason = "ahead"   // red: on time, complete, nothing lagging, a third or more ahead
	BoardMissing BoardReason = "missing" // yellow: not submitted by the deadline
	BoardLate    BoardReason = "late"    // yellow: submitted after the deadline
	BoardSerious BoardReason = "serious" // yellow: a quarter or more lagging, some seriously
	BoardLagging BoardReason = "lagging" // yellow: a quarter or more lagging
)

// BoardEntry is a unit on the 红黄榜 with the figures behind it.
type BoardEntry struct {
	List    BoardList
	Unit    string
	Reason  BoardReason
	Ahead   int
	Lagging int
	Serious int
	Judged  int
	Days    int // days late (late, missing)
}

// BoardRules are the 红黄榜's thresholds.
type BoardRules struct {
	// RedAheadShare is the share of a unit's judged items that must be ahead (超前,
	// 已完成, past a milestone early) for the 红榜.
	RedAheadShare float64
	// YellowShare is the share of a unit's judged items lagging or seriously lagging that
	// puts it on the 黄榜.
	YellowShare float64
}

// DefaultBoardRules are the rules the README documents.
var DefaultBoardRules = BoardRules{RedAheadShare: 1.0 / 3, YellowShare: 0.25}

// Board computes the draft 红黄榜 from a whole-plan rollup of a closed period:
//
//   - 黄榜: every unit that owes a report and did not submit it by the deadline (missing),
//     submitted it late, or has YellowShare or more of its judged items lagging or
//     seriously lagging (at least one); missing first, then late (most days first), then
//     by seriously lagging and lagging items.
//   - 红榜: every unit that submitted on time, left nothing unanswered, has nothing lagging,
//     and has at least RedAheadShare of its judged items ahead; most ahead (by share) first.
//
// A unit is on one list at most.
func (r *Roller) Board(ru *Rollup, rules BoardRules) []BoardEntry {
	var red, yellow []BoardEntry
	for _, ur := range ru.Units {
		if ur.Timeliness == "" {
			continue
		}
		c := ur.Counts
		be := BoardEntry{Unit: ur.Unit, Ahead: c.Ahead, Lagging: c.Lagging, Serious: c.Serious, Judged: c.Judged()}
		switch {
		case ur.Timeliness == Missing:
			be.List, be.Reason, be.Days = YellowList, BoardMissing, ur.Days
		case ur.Timeliness == Late:
			be.List, be.Reason, be.Days = YellowList, BoardLate, ur.Days
		case c.Serious+c.Lagging > 0 && float64(c.Serious+c.Lagging) >= rules.YellowShare*float64(c.Judged()):
			be.List, be.Reason = YellowList, BoardLagging
			if c.Serious > 0 {
				be.Reason = BoardSerious
			}
		case ur.Timeliness == OnTime && c.NoData == 0 && c.Lagging == 0 && c.Ahead > 0 &&
			float64(c.Ahead) >= rules.RedAheadShare*float64(c.Judged()):
			be.List, be.Reason = RedList, BoardAhead
		default:
			continue
		}
		if be.List == RedList {
			red = append(red, be)
		} else {
			yellow = append(yellow, be)
		}
	}
	share := func(b BoardEntry) float64 {
		if b.Judged == 0 {
			return 0
		}
		return float64(b.Ahead) / float64(b.Judged)
	}
	slices.SortStableFunc(red, func(a, b BoardEntry) int {
		if sa, sb := share(a), share(b); sa != sb {
			if sa > sb {
				return -1
			}
			return 1
		}
		if a.Ahead != b.Ahead {
			return b.Ahead - a.Ahead
		}
		return int(r.unitIdx[a.Unit] - r.unitIdx[b.Unit])
	})
	reasonRank := map[BoardReason]int{BoardMissing: 0, BoardLate: 1, BoardSerious: 2, BoardLagging: 3}
	slices.SortStableFunc(yellow, func(a, b BoardEntry) int {
		if d := reasonRank[a.Reason] - reasonRank[b.Reason]; d != 0 {
			return d
		}
		if d := b.Days - a.Days; d != 0 {
			return d
		}
		if d := b.Serious - a.Serious; d != 0 {
			return d
		}
		if d := b.Lagging - a.Lagging; d != 0 {
			return d
		}
		return int(r.unitIdx[a.Unit] - r.unitIdx[b.Unit])
	})
	return append(red, yellow...)
}

// LastClosed is the latest period whose deadline has passed at t: the one leaders'
// rollups and the 红黄榜 show by default.
func (c Calendar) LastClosed(t time.Time) Period {
	p := c.Current(t)
	if t.After(c.Deadline(p)) {
		return p
	}
	return p.Prev()
}
