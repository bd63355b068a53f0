package progressbot

import (
	"math"
	"strconv"
	"strings"
)

// countMeasures are measures of whole things: 198户, never 49.58户.
var countMeasures = map[string]bool{"户": true, "家": true, "个": true, "名": true, "项": true}

// Decimals is how many decimals an indicator's figures are written with: as many as the
// plan writes its targets with (1.0% → 1), and for anything but a count of whole things
// (户, 家, 个, 名) at least one, so that a sum of reported revenue keeps its tenths.
func (p *Plan) Decimals(in *Indicator) int {
	d := 0
	if !countMeasures[strings.TrimSpace(in.Measure)] {
		d = 1
	}
	for _, t := range p.Targets {
		if t.Indicator != in.ID {
			continue
		}
		for _, v := range []*float64{t.Floor, t.Stretch} {
			if v != nil {
				d = max(d, decimalsOf(*v))
			}
		}
	}
	return d
}

// decimalsOf counts the decimals a number is written with (at most 4).
func decimalsOf(v float64) int {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return 0
	}
	return min(len(s)-i-1, 4)
}

// Round rounds v to d decimals, half away from zero.
func Round(v float64, d int) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	f := math.Pow(10, float64(d))
	return math.Round(v*f) / f
}
