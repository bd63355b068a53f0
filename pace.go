package progressbot

import (
	"math"
	"slices"
)

// PaceLevel is the verdict on an indicator against where it should be by now.
type PaceLevel string

const (
	PaceAhead    PaceLevel = "ahead"     // 超前
	PaceOnTrack  PaceLevel = "on_track"  // 正常
	PaceLagging  PaceLevel = "lagging"   // 滞后
	PaceSerious  PaceLevel = "serious"   // 严重滞后
	PaceNoTarget PaceLevel = "no_target" // nothing numeric to judge against
	PaceNoData   PaceLevel = "no_data"   // nothing reported
)

// Lagging reports whether the level is behind pace: 滞后 or 严重滞后.
func (l PaceLevel) Lagging() bool { return l == PaceLagging || l == PaceSerious }

// Judged reports whether the level says anything of pace (something reported, against a
// numeric target).
func (l PaceLevel) Judged() bool { return l != PaceNoData && l != PaceNoTarget }

// Rank orders levels from worst to best so that rollups can show the worst first.
func (l PaceLevel) Rank() int {
	switch l {
	case PaceSerious:
		return 0
	case PaceLagging:
		return 1
	case PaceNoData:
		return 2
	case PaceOnTrack:
		return 3
	case PaceAhead:
		return 4
	}
	return 5
}

// PaceThresholds are the bounds on actual/expected: at or above Ahead is 超前, at or above
// OnTrack is 正常, at or above Lagging is 滞后, below is 严重滞后. They are configuration
// (plan.yaml), not law.
type PaceThresholds struct {
	Ahead   float64
	OnTrack float64
	Lagging float64
}

// DefaultPace is used when a plan does not configure its own thresholds.
var DefaultPace = PaceThresholds{Ahead: 1.05, OnTrack: 0.95, Lagging: 0.80}

// Valid reports whether the thresholds are positive and ordered.
func (t PaceThresholds) Valid() bool {
	return t.Lagging > 0 && t.Lagging <= t.OnTrack && t.OnTrack <= t.Ahead
}

// YearValue is a value an indicator should have (or had) at the end of a year.
type YearValue struct {
	Year  int
	Value float64
}

// Path is what an indicator should be over time: year-end targets and, optionally, a
// baseline — where it stood at the end of Baseline.Year (last year's actual, or the value
// first reported under the plan).
type Path struct {
	Baseline *YearValue
	Targets  []YearValue // any order; Expected sorts a copy
}

// Expected is where an indicator of the given kind should be at frac (0–1] through year.
//
//   - level, cumulative, share: on the straight line between the last known point before
//     the moment (a year-end target or the baseline) and the next year-end target; with
//     nothing before the first target, the first target itself is expected; past the last
//     target the final target stands.
//   - annual_flow: the year's target (the nearest later one when the year has none, the
//     final one past the horizon) times frac, since a flow restarts every January.
//   - growth_rate: the year's target rate itself; a rate is not prorated.
//
// ok is false when the path has no targets.
func Expected(kind IndicatorKind, path Path, year int, frac float64) (v float64, ok bool) {
	if len(path.Targets) == 0 {
		return 0, false
	}
	frac = math.Max(0, math.Min(1, frac))
	ts := slices.Clone(path.Targets)
	slices.SortFunc(ts, func(a, b YearValue) int { return a.Year - b.Year })
	last := ts[len(ts)-1]

	switch kind {
	case KindAnnualFlow, KindGrowthRate:
		t := yearTarget(ts, year)
		if kind == KindGrowthRate {
			return t, true
		}
		return t * frac, true
	}

	// Stock-like kinds: piecewise linear through the known points.
	if year > last.Year || (year == last.Year && frac == 1) {
		return last.Value, true
	}
	now := float64(year-1) + frac // position on a scale where year Y ends at Y
	points := ts
	if b := path.Baseline; b != nil && b.Year < ts[0].Year {
		points = append([]YearValue{*b}, ts...)
	}
	if now <= float64(points[0].Year) {
		if points[0].Year == ts[0].Year {
			return ts[0].Value, true // nothing to interpolate from
		}
		return points[0].Value, true
	}
	for i := 1; i < len(points); i++ {
		a, b := points[i-1], points[i]
		if now <= float64(b.Year) {
			f := (now - float64(a.Year)) / float64(b.Year-a.Year)
			return a.Value + (b.Value-a.Value)*f, true
		}
	}
	return last.Value, true
}

// yearTarget is the target of year, else of the nearest later year, else the final one.
func yearTarget(sorted []YearValue, year int) float64 {
	for _, t := range sorted {
		if t.Year >= year {
			return t.Value
		}
	}
	return sorted[len(sorted)-1].Value
}

// Judge compares an actual value with the expected one. The ratio is actual/expected, or
// expected/actual when lower is better, so that above 1 always means ahead.
func Judge(actual, expected float64, dir Direction, th PaceThresholds) (ratio float64, level PaceLevel) {
	if !th.Valid() {
		th = DefaultPace
	}
	switch {
	case expected == 0 && actual == 0:
		return 1, PaceOnTrack
	case expected == 0:
		if (actual > 0) == (dir != LowerIsBetter) {
			return math.Inf(1), PaceAhead
		}
		return 0, PaceSerious
	}
	if dir == LowerIsBetter {
		if actual <= 0 {
			return math.Inf(1), PaceAhead
		}
		ratio = expected / actual
	} else {
		ratio = actual / expected
		if expected < 0 {
			// A negative expectation (a planned decline): being above it is good.
			ratio = 2 - actual/expected
		}
	}
	switch {
	case ratio >= th.Ahead:
		level = PaceAhead
	case ratio >= th.OnTrack:
		level = PaceOnTrack
	case ratio >= th.Lagging:
		level = PaceLagging
	default:
		level = PaceSerious
	}
	return ratio, level
}

// PathFor builds the target path of an indicator for a unit from the plan's targets, with
// an optional baseline. Text-only targets are left out.
func (p *Plan) PathFor(indicator, unit string, baseline *YearValue) Path {
	path := Path{Baseline: baseline}
	for _, t := range p.TargetsFor(indicator, unit) {
		if v, ok := t.Value(); ok {
			path.Targets = append(path.Targets, YearValue{Year: t.Year, Value: v})
		}
	}
	return path
}

// PaceResult is an indicator's standing in a period.
type PaceResult struct {
	Expected float64
	Ratio    float64
	Level    PaceLevel
}

// PaceOf judges an actual value reported for period against the indicator's path.
func (p *Plan) PaceOf(in *Indicator, path Path, period Period, actual *float64) PaceResult {
	exp, ok := Expected(in.Kind, path, period.Year, period.YearFraction())
	if !ok {
		return PaceResult{Level: PaceNoTarget}
	}
	if actual == nil {
		return PaceResult{Expected: exp, Level: PaceNoData}
	}
	th := p.Pace
	if !th.Valid() {
		th = DefaultPace
	}
	r, l := Judge(*actual, exp, in.Direction, th)
	return PaceResult{Expected: exp, Ratio: r, Level: l}
}
