package locales

import (
	"strconv"
	"strings"

	"github.com/progressbot/progressbot"
)

// Amount writes a value with its measure in the localizer's language: "198户" in
// Chinese, "198 enterprises" (and "1 enterprise") in English, with the plural form the
// message "measure.<measure>" gives. A measure without a message is written as the plan
// gives it.
func (l *Localizer) Amount(v float64, measure string) string {
	if l.Lang == Default {
		return progressbot.FormatNumber(v, measure)
	}
	id := "measure." + strings.TrimSpace(measure)
	s := l.T(id, "Value", progressbot.FormatNumber(v, ""), "Count", strconv.FormatFloat(v, 'f', -1, 64))
	if s == id {
		return progressbot.FormatNumber(v, measure)
	}
	return s
}

// MeasureName is a measure as a label ("enterprises", "% "): the message's plural form
// without a value.
func (l *Localizer) MeasureName(measure string) string {
	if l.Lang == Default || strings.TrimSpace(measure) == "" {
		return measure
	}
	id := "measure." + strings.TrimSpace(measure)
	s := l.T(id, "Value", "", "Count", 2)
	if s == id {
		return measure
	}
	if s = strings.TrimSpace(s); s == "" {
		// A bare count (个): the label says what the figure is.
		return l.T("measure.count_label")
	}
	return s
}
