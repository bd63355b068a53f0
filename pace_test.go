package progressbot

import (
	"math"
	"testing"
)

func TestExpected(t *testing.T) {
	yv := func(y int, v float64) YearValue { return YearValue{y, v} }
	counties := Path{Targets: []YearValue{yv(2023, 165), yv(2024, 181), yv(2025, 198)}}
	withBase := Path{Baseline: &YearValue{2022, 150}, Targets: []YearValue{yv(2023, 165), yv(2024, 181), yv(2025, 198)}}
	only2025 := Path{Baseline: &YearValue{2022, 4000}, Targets: []YearValue{yv(2025, 7000)}}
	flows := Path{Targets: []YearValue{yv(2023, 200), yv(2024, 200), yv(2025, 200)}}
	tests := []struct {
		name   string
		kind   IndicatorKind
		path   Path
		year   int
		frac   float64
		want   float64
		wantOK bool
	}{
		{"no targets", KindLevel, Path{}, 2024, 0.5, 0, false},
		{"level at year end is the target", KindLevel, counties, 2024, 1, 181, true},
		{"level mid-year interpolates", KindLevel, counties, 2024, 0.5, 173, true},
		{"level in first year without baseline is the first target", KindLevel, counties, 2023, 0.5, 165, true},
		{"level in first year with baseline interpolates", KindLevel, withBase, 2023, 0.5, 157.5, true},
		{"level before the baseline year is the baseline", KindLevel, withBase, 2022, 0.5, 150, true},
		{"cumulative across a gap of years", KindCumulative, only2025, 2024, 1, 6000, true},
		{"share follows the line", KindShare, only2025, 2023, 0.25, 4250, true},
		{"past the horizon the final target stands", KindLevel, counties, 2026, 0.5, 198, true},
		{"last year end", KindLevel, counties, 2025, 1, 198, true},
		{"flow is prorated", KindAnnualFlow, flows, 2024, 0.25, 50, true},
		{"flow at year end is the target", KindAnnualFlow, flows, 2025, 1, 200, true},
		{"flow past the horizon uses the final target", KindAnnualFlow, flows, 2026, 0.5, 100, true},
		{"flow before its only target year uses it", KindAnnualFlow, only2025, 2023, 0.5, 3500, true},
		{"growth rate is not prorated", KindGrowthRate, Path{Targets: []YearValue{yv(2025, 10)}}, 2024, 0.25, 10, true},
		{"growth rate past horizon", KindGrowthRate, Path{Targets: []YearValue{yv(2025, 10)}}, 2027, 0.5, 10, true},
		{"unsorted targets are sorted", KindLevel, Path{Targets: []YearValue{yv(2025, 198), yv(2024, 181)}}, 2025, 0.5, 189.5, true},
		{"fraction is clamped", KindAnnualFlow, flows, 2024, 1.5, 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Expected(tt.kind, tt.path, tt.year, tt.frac)
			if ok != tt.wantOK || math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Expected = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	th := PaceThresholds{Ahead: 1.05, OnTrack: 0.95, Lagging: 0.8}
	tests := []struct {
		name      string
		actual    float64
		expected  float64
		dir       Direction
		th        PaceThresholds
		wantLevel PaceLevel
		wantRatio float64
	}{
		{"exactly on pace", 100, 100, HigherIsBetter, th, PaceOnTrack, 1},
		{"ahead at the threshold", 105, 100, HigherIsBetter, th, PaceAhead, 1.05},
		{"just under ahead", 104, 100, HigherIsBetter, th, PaceOnTrack, 1.04},
		{"on track at the threshold", 95, 100, HigherIsBetter, th, PaceOnTrack, 0.95},
		{"lagging", 90, 100, HigherIsBetter, th, PaceLagging, 0.9},
		{"lagging at the threshold", 80, 100, HigherIsBetter, th, PaceLagging, 0.8},
		{"seriously lagging", 79, 100, HigherIsBetter, th, PaceSerious, 0.79},
		{"lower is better and lower", 0.5, 0.6, LowerIsBetter, th, PaceAhead, 1.2},
		{"lower is better and higher", 0.6, 0.5, LowerIsBetter, th, PaceLagging, 0.5 / 0.6},
		{"nothing expected nothing done", 0, 0, HigherIsBetter, th, PaceOnTrack, 1},
		{"nothing expected something done", 3, 0, HigherIsBetter, th, PaceAhead, math.Inf(1)},
		{"negative growth against positive target", -2, 10, HigherIsBetter, th, PaceSerious, -0.2},
		{"planned decline beaten", -1, -2, HigherIsBetter, th, PaceAhead, 1.5},
		{"planned decline missed", -3, -2, HigherIsBetter, th, PaceSerious, 0.5},
		{"custom thresholds", 90, 100, HigherIsBetter, PaceThresholds{Ahead: 1.2, OnTrack: 0.9, Lagging: 0.5}, PaceOnTrack, 0.9},
		{"invalid thresholds fall back to defaults", 90, 100, HigherIsBetter, PaceThresholds{Ahead: 0.5, OnTrack: 0.9, Lagging: 1}, PaceLagging, 0.9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ratio, level := Judge(tt.actual, tt.expected, tt.dir, tt.th)
			if level != tt.wantLevel || !(math.Abs(ratio-tt.wantRatio) < 1e-9 || ratio == tt.wantRatio) {
				t.Errorf("Judge = %v, %v; want %v, %v", ratio, level, tt.wantRatio, tt.wantLevel)
			}
		})
	}
}

func TestPeriodCloses(t *testing.T) {
	tests := []struct {
		period string
		f      Frequency
		annual int
		want   bool
	}{
		{"2026-11", Monthly, 12, true},
		{"2026-11", Quarterly, 12, false},
		{"2026-12", Quarterly, 12, true},
		{"2026-03", Quarterly, 12, true},
		{"2026-12", Annual, 12, true},
		{"2026-11", Annual, 12, false},
		{"2026-06", Annual, 6, true},
		{"2026-12", Annual, 0, true},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.period)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Closes(tt.f, tt.annual); got != tt.want {
			t.Errorf("%s Closes(%s, %d) = %v, want %v", tt.period, tt.f, tt.annual, got, tt.want)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in      string
		want    Period
		wantErr bool
	}{
		{"2026-11", Period{2026, 11}, false},
		{"2026-01", Period{2026, 1}, false},
		{"2026-13", Period{}, true},
		{"2026-00", Period{}, true},
		{"26-11", Period{}, true},
		{"2026/11", Period{}, true},
		{"", Period{}, true},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParsePeriod(%q) = %v, %v", tt.in, got, err)
		}
		if err == nil && got.String() != tt.in {
			t.Errorf("String() = %q, want %q", got.String(), tt.in)
		}
	}
	if got := (Period{2026, 12}).Next(); got != (Period{2027, 1}) {
		t.Errorf("Next = %v", got)
	}
	if got := (Period{2026, 1}).Prev(); got != (Period{2025, 12}) {
		t.Errorf("Prev = %v", got)
	}
}

func TestPaceLevelLaggingJudged(t *testing.T) {
	tests := []struct {
		l               PaceLevel
		lagging, judged bool
	}{
		{PaceAhead, false, true}, {PaceOnTrack, false, true}, {PaceLagging, true, true},
		{PaceSerious, true, true}, {PaceNoTarget, false, false}, {PaceNoData, false, false},
	}
	for _, tt := range tests {
		if tt.l.Lagging() != tt.lagging || tt.l.Judged() != tt.judged {
			t.Errorf("%s: lagging %v judged %v", tt.l, tt.l.Lagging(), tt.l.Judged())
		}
	}
}
