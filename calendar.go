package progressbot

import "time"

// Calendar says when a monthly period opens and when its reports are due. Period P opens
// on OpenDay of month P at 00:00 and its reports are due at DeadlineHour on DeadlineDay of
// the month after, in the calendar's location. A report after the deadline is late, not
// refused.
type Calendar struct {
	OpenDay      int // 1–28; default 20
	DeadlineDay  int // 1–28; default 5
	DeadlineHour int // 0–23; default 18
	Location     *time.Location
}

// DefaultCalendar opens a period on the 20th and wants it by 18:00 on the 5th of the next
// month, Beijing time.
func DefaultCalendar(loc *time.Location) Calendar {
	return Calendar{OpenDay: 20, DeadlineDay: 5, DeadlineHour: 18, Location: loc}
}

func (c Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

func clampDay(d, def int) int {
	if d < 1 || d > 28 {
		return def
	}
	return d
}

// Opens is when period p opens.
func (c Calendar) Opens(p Period) time.Time {
	return time.Date(p.Year, p.Month, clampDay(c.OpenDay, 20), 0, 0, 0, 0, c.loc())
}

// Deadline is when reports for p are due.
func (c Calendar) Deadline(p Period) time.Time {
	n := p.Next()
	h := c.DeadlineHour
	if h < 0 || h > 23 {
		h = 18
	}
	return time.Date(n.Year, n.Month, clampDay(c.DeadlineDay, 5), h, 0, 0, 0, c.loc())
}

// Current is the period being reported at t: the latest one that has opened.
func (c Calendar) Current(t time.Time) Period {
	t = t.In(c.loc())
	p := PeriodOf(t)
	if t.Before(c.Opens(p)) {
		return p.Prev()
	}
	return p
}
