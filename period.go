package progressbot

import (
	"fmt"
	"strconv"
	"time"
)

// Period is a monthly reporting period, written 2026-11. Quarterly and annual items are
// reported in the period that closes their quarter or year.
type Period struct {
	Year  int
	Month time.Month
}

// ParsePeriod reads YYYY-MM.
func ParsePeriod(s string) (Period, error) {
	if len(s) != 7 || s[4] != '-' {
		return Period{}, fmt.Errorf("period %q: want YYYY-MM", s)
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:])
	if err1 != nil || err2 != nil || m < 1 || m > 12 || y < 2000 || y > 2200 {
		return Period{}, fmt.Errorf("period %q: want YYYY-MM", s)
	}
	return Period{Year: y, Month: time.Month(m)}, nil
}

// PeriodOf returns the period containing t, in t's location.
func PeriodOf(t time.Time) Period { return Period{Year: t.Year(), Month: t.Month()} }

func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// IsZero reports whether p is the zero period.
func (p Period) IsZero() bool { return p.Year == 0 }

// Quarter is 1–4.
func (p Period) Quarter() int { return (int(p.Month)-1)/3 + 1 }

// Next returns the following month.
func (p Period) Next() Period { return p.Add(1) }

// Prev returns the previous month.
func (p Period) Prev() Period { return p.Add(-1) }

// Add moves n months.
func (p Period) Add(n int) Period {
	m := p.Year*12 + int(p.Month) - 1 + n
	return Period{Year: m / 12, Month: time.Month(m%12 + 1)}
}

// Before reports whether p comes before q.
func (p Period) Before(q Period) bool {
	return p.Year < q.Year || (p.Year == q.Year && p.Month < q.Month)
}

// Start is the first instant of the period in loc.
func (p Period) Start(loc *time.Location) time.Time {
	return time.Date(p.Year, p.Month, 1, 0, 0, 0, 0, loc)
}

// End is the first instant after the period in loc.
func (p Period) End(loc *time.Location) time.Time { return p.Next().Start(loc) }

// YearFraction is how much of the year has passed at the end of the period: 11/12 for
// November. Pace is judged at the end of the period being reported.
func (p Period) YearFraction() float64 { return float64(p.Month) / 12 }

// Closes reports whether an item of frequency f is due in this period: every month,
// the last month of each quarter, or the annual month (December unless configured).
func (p Period) Closes(f Frequency, annualMonth int) bool {
	switch f {
	case Monthly:
		return true
	case Quarterly:
		return p.Month%3 == 0
	case Annual:
		if annualMonth < 1 || annualMonth > 12 {
			annualMonth = 12
		}
		return int(p.Month) == annualMonth
	}
	return false
}
