package export

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/store"
)

// Source is the store as exports and charts read it; *store.DB satisfies it.
type Source interface {
	Report(ctx context.Context, planID, unit string, period progressbot.Period) (progressbot.Report, error)
	Previous(ctx context.Context, planID, unit string, before progressbot.Period, item progressbot.ItemRef) (progressbot.Answer, bool, error)
	UnitUsers(ctx context.Context, planID, unit string) ([]store.User, error)
}

var _ Source = (*store.DB)(nil)

// Reader reads what units reported, one report per unit and period, cached for the life
// of the Reader (one export, one chart). It is safe for concurrent use.
type Reader struct {
	src  Source
	plan *progressbot.Plan

	mu      sync.Mutex
	reports map[reportKey]progressbot.Report
}

type reportKey struct {
	unit   string
	period progressbot.Period
}

// NewReader reads reports of plan p from src.
func NewReader(src Source, p *progressbot.Plan) *Reader {
	return &Reader{src: src, plan: p, reports: map[reportKey]progressbot.Report{}}
}

// Report is a unit's report for a period.
func (r *Reader) Report(ctx context.Context, unit string, period progressbot.Period) (progressbot.Report, error) {
	k := reportKey{unit, period}
	r.mu.Lock()
	rep, ok := r.reports[k]
	r.mu.Unlock()
	if ok {
		return rep, nil
	}
	rep, err := r.src.Report(ctx, r.plan.ID, unit, period)
	if err != nil {
		return rep, err
	}
	r.mu.Lock()
	r.reports[k] = rep
	r.mu.Unlock()
	return rep, nil
}

// Reading is what stands for one item of one unit in a period.
type Reading struct {
	// Answer is the latest answer that says something (not skipped, with a value, status
	// or stage): the period's own, else the latest before it. OK is false when there is
	// none at all.
	Answer progressbot.Answer
	OK     bool
	// AsOf is the period the answer belongs to.
	AsOf progressbot.Period
	// Due is true when the item is owed in the period (its frequency closes then).
	Due bool
	// Missing is true when the item is due and the period has no answer that says
	// something: the unit has not reported it (or skipped it). Answer may still hold an
	// earlier period's answer, for reference.
	Missing bool
	// Skipped is true when the period's answer is an explicit skip.
	Skipped bool
	// Draft is true when the period's answer belongs to a report not submitted yet.
	Draft bool
}

// Current reports whether the reading is the period's own answer.
func (rd Reading) Current(period progressbot.Period) bool { return rd.OK && rd.AsOf == period }

// Frequency is how often an item is reported.
func Frequency(p *progressbot.Plan, ref progressbot.ItemRef) progressbot.Frequency {
	var f progressbot.Frequency
	switch ref.Kind {
	case progressbot.ItemIndicator:
		if in := p.Indicator(ref.Key); in != nil {
			f = in.Frequency
		}
	case progressbot.ItemTask:
		f = p.Reporting.Tasks
	case progressbot.ItemWorkItem:
		f = p.Reporting.WorkItems
	case progressbot.ItemProject:
		f = p.Reporting.Projects
	}
	if !f.Valid() {
		return progressbot.Monthly
	}
	return f
}

// IsDue reports whether an item is owed in a period: its frequency closes then and the
// plan had been issued.
func IsDue(p *progressbot.Plan, ref progressbot.ItemRef, period progressbot.Period) bool {
	if !p.Issued.IsZero() && period.Before(progressbot.PeriodOf(p.Issued)) {
		return false
	}
	return period.Closes(Frequency(p, ref), p.Reporting.AnnualMonth)
}

// says reports whether an answer says something about its item.
func says(a progressbot.Answer) bool {
	if a.Skipped {
		return false
	}
	switch a.Item.Kind {
	case progressbot.ItemIndicator:
		return a.Value != nil
	case progressbot.ItemTask, progressbot.ItemWorkItem:
		return a.Status != ""
	case progressbot.ItemProject:
		return a.Stage != ""
	}
	return false
}

// Read returns what stands for an item of a unit in a period.
func (r *Reader) Read(ctx context.Context, unit string, ref progressbot.ItemRef, period progressbot.Period) (Reading, error) {
	rd := Reading{Due: IsDue(r.plan, ref, period)}
	rep, err := r.Report(ctx, unit, period)
	if err != nil {
		return rd, err
	}
	if a, ok := rep.Answers[ref]; ok {
		if says(a) {
			rd.Answer, rd.OK, rd.AsOf = a, true, period
			rd.Draft = rep.State != progressbot.ReportSubmitted
			return rd, nil
		}
		rd.Skipped = a.Skipped
	}
	rd.Missing = rd.Due
	a, ok, err := r.src.Previous(ctx, r.plan.ID, unit, period, ref)
	if err != nil {
		return rd, err
	}
	if ok && says(a) {
		rd.Answer, rd.OK, rd.AsOf = a, true, a.Period
	}
	return rd, nil
}

// TargetUnit is the unit whose targets judge what unit reports for an indicator: the unit
// itself for a county-level indicator; for a city-level one the city, else whichever unit
// the plan gives its targets to.
func TargetUnit(p *progressbot.Plan, in *progressbot.Indicator, unit string) string {
	if in.Scope == progressbot.ScopeCounty && unit != p.City {
		return unit
	}
	if len(p.TargetsFor(in.ID, p.City)) > 0 {
		return p.City
	}
	for _, t := range p.Targets {
		if t.Indicator == in.ID {
			return t.Unit
		}
	}
	return p.City
}

// Standing is an indicator of a unit in a period against its target path.
type Standing struct {
	Indicator *progressbot.Indicator
	Unit      string // who reports it (the city for a county-level indicator's total)
	// Target is the numeric target for the period's year (the final one past the
	// horizon); TargetText the plan's words when the target is text only.
	Target     *float64
	TargetText string
	Reading    Reading
	// Value is the value judged: the period's, or for an item not due in the period the
	// latest before it. Nil when the unit has not reported it.
	Value *float64
	Pace  progressbot.PaceResult
	// Covered and Counties count, for a county-level indicator's city total, the
	// counties whose values are in the sum and the counties that owe it.
	Covered, Counties int
	Partial           float64 // the sum of the counties that reported, when not all did
}

// yearTarget is the numeric target of a path for year, or text-only words.
func yearTarget(p *progressbot.Plan, in *progressbot.Indicator, tu string, year int) (*float64, string) {
	path := p.PathFor(in.ID, tu, nil)
	if v, ok := progressbot.Expected(in.Kind, path, year, 1); ok {
		return &v, ""
	}
	// The words of the year's target, else of the nearest later year, else the last.
	var text string
	best := 0
	for _, t := range p.TargetsFor(in.ID, tu) {
		if t.Text == "" {
			continue
		}
		if text == "" || best < year || t.Year >= year && t.Year < best {
			text, best = t.Text, t.Year
		}
	}
	if text != "" && best != year {
		text = strconv.Itoa(best) + ": " + text
	}
	return nil, text
}

// Indicator judges an indicator reported by unit in a period. For a county-level
// indicator and the city, see CityTotal.
func (r *Reader) Indicator(ctx context.Context, in *progressbot.Indicator, unit string, period progressbot.Period) (Standing, error) {
	if in.Scope == progressbot.ScopeCounty && unit == r.plan.City {
		return r.CityTotal(ctx, in, period)
	}
	tu := TargetUnit(r.plan, in, unit)
	st := Standing{Indicator: in, Unit: unit}
	st.Target, st.TargetText = yearTarget(r.plan, in, tu, period.Year)
	rd, err := r.Read(ctx, unit, progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: in.ID}, period)
	if err != nil {
		return st, fmt.Errorf("%s %s: %w", in.ID, unit, err)
	}
	st.Reading = rd
	path := r.plan.PathFor(in.ID, tu, nil)
	if rd.OK && !rd.Missing {
		st.Value = rd.Answer.Value
		st.Pace = r.plan.PaceOf(in, path, rd.AsOf, st.Value)
	} else {
		st.Pace = r.plan.PaceOf(in, path, period, nil)
	}
	return st, nil
}

// CityTotal judges a county-level indicator for the whole city: the sum of the counties'
// values against the city's targets (附件3's 合计 row), when every county that owes it
// has reported for the same period; otherwise it is not judged and Partial holds the sum
// so far.
func (r *Reader) CityTotal(ctx context.Context, in *progressbot.Indicator, period progressbot.Period) (Standing, error) {
	p := r.plan
	st := Standing{Indicator: in, Unit: p.City}
	st.Target, st.TargetText = yearTarget(p, in, p.City, period.Year)
	var (
		sum  float64
		asOf progressbot.Period
		same = true
	)
	for _, c := range p.Counties() {
		if len(p.TargetsFor(in.ID, c.ID)) == 0 {
			continue
		}
		st.Counties++
		cs, err := r.Indicator(ctx, in, c.ID, period)
		if err != nil {
			return st, err
		}
		if cs.Value == nil {
			continue
		}
		if st.Covered > 0 && cs.Reading.AsOf != asOf {
			same = false
		}
		st.Covered++
		asOf = cs.Reading.AsOf
		sum += *cs.Value
	}
	path := p.PathFor(in.ID, p.City, nil)
	if st.Counties > 0 && st.Covered == st.Counties && same {
		v := sum
		st.Value = &v
		st.Reading = Reading{OK: true, AsOf: asOf, Due: IsDue(p, progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: in.ID}, period)}
		st.Pace = p.PaceOf(in, path, asOf, &v)
		return st, nil
	}
	st.Partial = sum
	st.Reading = Reading{Due: IsDue(p, progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: in.ID}, period), Missing: true}
	st.Pace = p.PaceOf(in, path, period, nil)
	return st, nil
}

// Series is the values an indicator of a unit took each month from..to: the value each
// monthly report gives. For a county-level indicator and the city it is the sum over the
// counties in the months where every county's latest value is known (carried forward
// within a year for an annual flow, which restarts each January).
func (r *Reader) Series(ctx context.Context, in *progressbot.Indicator, unit string, from, to progressbot.Period) (map[progressbot.Period]float64, error) {
	ref := progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: in.ID}
	if in.Scope == progressbot.ScopeCounty && unit == r.plan.City {
		var per []map[progressbot.Period]float64
		for _, c := range r.plan.Counties() {
			if len(r.plan.TargetsFor(in.ID, c.ID)) == 0 {
				continue
			}
			s, err := r.Series(ctx, in, c.ID, from, to)
			if err != nil {
				return nil, err
			}
			per = append(per, s)
		}
		out := map[progressbot.Period]float64{}
		if len(per) == 0 {
			return out, nil
		}
		last := make([]*float64, len(per))
		lastYear := make([]int, len(per))
		for m := from; !to.Before(m); m = m.Next() {
			sum, all, fresh := 0.0, true, false
			for i, s := range per {
				if v, ok := s[m]; ok {
					v := v
					last[i], lastYear[i], fresh = &v, m.Year, true
				}
				if last[i] == nil || in.Kind == progressbot.KindAnnualFlow && lastYear[i] != m.Year {
					all = false
					continue
				}
				sum += *last[i]
			}
			if all && fresh {
				out[m] = sum
			}
		}
		return out, nil
	}
	out := map[progressbot.Period]float64{}
	for m := from; !to.Before(m); m = m.Next() {
		rep, err := r.Report(ctx, unit, m)
		if err != nil {
			return nil, err
		}
		if a, ok := rep.Answers[ref]; ok && says(a) {
			out[m] = *a.Value
		}
	}
	return out, nil
}
