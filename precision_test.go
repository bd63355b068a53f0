package progressbot_test

import (
	"testing"

	"github.com/progressbot/progressbot"
)

// TestDecimals: figures are written as precisely as the plan writes its targets, counts
// of whole things as whole numbers.
func TestDecimals(t *testing.T) {
	p := resolveBundledPlan(t)
	for id, want := range map[string]int{
		"above-scale-enterprises": 0, // 户, targets 2500, 3000
		"industrial-revenue":      1, // 亿元: a sum keeps its tenths
		"rd-intensity":            1, // 1.0%
		"little-giants":           0,
	} {
		if got := p.Decimals(p.Indicator(id)); got != want {
			t.Errorf("%s: %d decimals, want %d", id, got, want)
		}
	}
	for _, tt := range []struct {
		v    float64
		d    int
		want float64
	}{{49.58333333333371, 0, 50}, {49.58333333333371, 1, 49.6}, {0.9875, 3, 0.988}, {-2.25, 1, -2.3}} {
		if got := progressbot.Round(tt.v, tt.d); got != tt.want {
			t.Errorf("Round(%v, %d) = %v, want %v", tt.v, tt.d, got, tt.want)
		}
	}
}
