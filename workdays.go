package progressbot

import (
	"fmt"
	"sort"
	"time"
)

// The Chinese working calendar. Each year the General Office of the State Council publishes
// which days are holidays (放假) and which Saturdays and Sundays are working days instead
// (调休上班). WorkCalendar holds those notices, year by year; a year no notice covers yet
// falls back to Monday–Friday minus the fixed-date statutory holidays (the lunar festivals
// cannot be known without data), and Fallback(year) says so, for the caller to log.
//
// Everything here works on calendar dates: the date of a time.Time is taken in its own
// location, so pass times in Asia/Shanghai.

// CivilDate is a calendar date without a time zone.
type CivilDate struct {
	Year  int
	Month time.Month
	Day   int
}

// CivilDateOf is t's date in t's location.
func CivilDateOf(t time.Time) CivilDate {
	y, m, d := t.Date()
	return CivilDate{y, m, d}
}

// ParseCivilDate reads YYYY-MM-DD and refuses dates that do not exist (2025-02-29).
func ParseCivilDate(s string) (CivilDate, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return CivilDate{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD)", s)
	}
	return CivilDateOf(t), nil
}

func (d CivilDate) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// In is midnight at the start of d in loc.
func (d CivilDate) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Weekday is the day of the week of d.
func (d CivilDate) Weekday() time.Weekday { return d.In(time.UTC).Weekday() }

// AddDays moves d by n days.
func (d CivilDate) AddDays(n int) CivilDate { return CivilDateOf(d.In(time.UTC).AddDate(0, 0, n)) }

// Before reports whether d comes before e.
func (d CivilDate) Before(e CivilDate) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// IsWeekend reports whether d is a Saturday or a Sunday.
func (d CivilDate) IsWeekend() bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}

// HolidayYear is one year's notice: its holidays and its make-up working days, each mapped
// to the festival it belongs to (春节, 中秋节、国庆节 …). A few 元旦 dates of a year's notice
// may fall in the December before (2022-12-31 is in the 2023 notice).
type HolidayYear struct {
	Source   string               // the notice: title, document number, URL
	Holidays map[CivilDate]string // 放假: not working days, whatever the weekday
	Workdays map[CivilDate]string // 调休上班: Saturdays and Sundays that are working days
}

// FixedHoliday is a statutory holiday on a fixed Gregorian date (全国年节及纪念日放假办法),
// used for a year no notice covers. Since and Until bound the years it applies to
// (0: unbounded).
type FixedHoliday struct {
	Name  string
	Month time.Month
	Day   int
	Since int
	Until int
}

func (f FixedHoliday) applies(d CivilDate) bool {
	return d.Month == f.Month && d.Day == f.Day &&
		(f.Since == 0 || d.Year >= f.Since) && (f.Until == 0 || d.Year <= f.Until)
}

// StatutoryFixedHolidays are the fixed-date holidays of 全国年节及纪念日放假办法: 元旦
// 1 January; 劳动节 1 May, and 2 May as well from 2025 (国务院令第795号); 国庆节 1–3 October.
// A WorkCalendar whose Fixed is nil uses them.
func StatutoryFixedHolidays() []FixedHoliday {
	return []FixedHoliday{
		{Name: "元旦", Month: time.January, Day: 1},
		{Name: "劳动节", Month: time.May, Day: 1},
		{Name: "劳动节", Month: time.May, Day: 2, Since: 2025},
		{Name: "国庆节", Month: time.October, Day: 1},
		{Name: "国庆节", Month: time.October, Day: 2},
		{Name: "国庆节", Month: time.October, Day: 3},
	}
}

// WorkCalendar says which days are working days in mainland China. The zero value knows no
// notice: weekends and the statutory fixed-date holidays only. It is read-only once built
// and safe for concurrent use.
type WorkCalendar struct {
	Years map[int]HolidayYear // by the year the notice is for
	Fixed []FixedHoliday      // for years not in Years; nil means StatutoryFixedHolidays
}

// Known reports whether the State Council's notice for year is in the calendar. Note that
// the last days of a known year can still change with the next year's notice (元旦 may
// begin on 30 or 31 December); until that notice is loaded they count as ordinary days.
func (c WorkCalendar) Known(year int) bool {
	_, ok := c.Years[year]
	return ok
}

// Fallback reports whether dates in year are judged by weekends and the fixed-date holidays
// only, for want of that year's notice: the caller should log it (and an admin load the
// notice once it is published).
func (c WorkCalendar) Fallback(year int) bool { return !c.Known(year) }

// KnownYears lists the years whose notice is in the calendar, in order.
func (c WorkCalendar) KnownYears() []int {
	ys := make([]int, 0, len(c.Years))
	for y := range c.Years {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	return ys
}

// lookup finds d in the notices: the notice for its year, and the next year's (元旦 may
// begin in December).
func (c WorkCalendar) lookup(d CivilDate) (name string, holiday, makeup bool) {
	for _, y := range [2]int{d.Year, d.Year + 1} {
		hy, ok := c.Years[y]
		if !ok {
			continue
		}
		if n, ok := hy.Workdays[d]; ok {
			return n, false, true
		}
		if n, ok := hy.Holidays[d]; ok {
			return n, true, false
		}
	}
	return "", false, false
}

func (c WorkCalendar) fixed(d CivilDate) (string, bool) {
	if c.Known(d.Year) {
		return "", false
	}
	fixed := c.Fixed
	if fixed == nil {
		fixed = StatutoryFixedHolidays()
	}
	for _, f := range fixed {
		if f.applies(d) {
			return f.Name, true
		}
	}
	return "", false
}

// IsWorkdayDate reports whether d is a working day: a make-up day is, a holiday is not,
// otherwise Monday to Friday are.
func (c WorkCalendar) IsWorkdayDate(d CivilDate) bool {
	if _, holiday, makeup := c.lookup(d); makeup {
		return true
	} else if holiday {
		return false
	}
	if _, ok := c.fixed(d); ok {
		return false
	}
	return !d.IsWeekend()
}

// IsWorkday reports whether t's date, in t's location, is a working day.
func (c WorkCalendar) IsWorkday(t time.Time) bool { return c.IsWorkdayDate(CivilDateOf(t)) }

// HolidayName names the festival that makes t's date a holiday (from the notice, or from the
// fixed-date holidays in a fallback year); ok is false on any other day, weekends included.
func (c WorkCalendar) HolidayName(t time.Time) (name string, ok bool) {
	d := CivilDateOf(t)
	if n, holiday, makeup := c.lookup(d); holiday {
		return n, true
	} else if makeup {
		return "", false
	}
	return c.fixed(d)
}

// MakeupFor names the festival a make-up working day (调休上班) on t's date is for; ok is
// false if t's date is not one.
func (c WorkCalendar) MakeupFor(t time.Time) (name string, ok bool) {
	if n, _, makeup := c.lookup(CivilDateOf(t)); makeup {
		return n, true
	}
	return "", false
}

// withDate is t's clock time on date d, in t's location.
func withDate(t time.Time, d CivilDate) time.Time {
	return time.Date(d.Year, d.Month, d.Day, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// NextWorkdayOnOrAfter is t itself if t's date is a working day, else the same clock time on
// the first working day after it. A deadline that falls on a holiday moves with it.
func (c WorkCalendar) NextWorkdayOnOrAfter(t time.Time) time.Time {
	d := CivilDateOf(t)
	if c.IsWorkdayDate(d) {
		return t
	}
	return withDate(t, c.nextWorkday(d))
}

// NextWorkdayAfter is the same clock time on the first working day strictly after t's date,
// whether or not t's date is itself a working day: "the next working day".
func (c WorkCalendar) NextWorkdayAfter(t time.Time) time.Time {
	return withDate(t, c.nextWorkday(CivilDateOf(t)))
}

// NextWorkday is NextWorkdayOnOrAfter.
func (c WorkCalendar) NextWorkday(t time.Time) time.Time { return c.NextWorkdayOnOrAfter(t) }

func (c WorkCalendar) nextWorkday(d CivilDate) CivilDate {
	for {
		d = d.AddDays(1)
		if c.IsWorkdayDate(d) {
			return d
		}
	}
}

// AddWorkdays moves t by n working days, keeping its clock time: for n > 0 to the n-th
// working day after t's date, for n < 0 to the |n|-th working day before it ("three working
// days before the deadline" is AddWorkdays(deadline, -3)). t's own date is not counted,
// working day or not; n = 0 returns t.
func (c WorkCalendar) AddWorkdays(t time.Time, n int) time.Time {
	if n == 0 {
		return t
	}
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	d := CivilDateOf(t)
	for n > 0 {
		d = d.AddDays(step)
		if c.IsWorkdayDate(d) {
			n--
		}
	}
	return withDate(t, d)
}

// WorkdaysBetween counts the working days stepped onto going from a's date to b's date
// (clock times are ignored): when b is after a, the working days after a's date up to and
// including b's date; when b is before a, minus the working days from b's date up to but
// excluding a's date; 0 on the same date. It is the inverse of AddWorkdays:
// WorkdaysBetween(t, AddWorkdays(t, n)) == n. From Monday to a Thursday deadline in an
// ordinary week it is 3.
func (c WorkCalendar) WorkdaysBetween(a, b time.Time) int {
	da, db := CivilDateOf(a), CivilDateOf(b)
	sign := 1
	if db.Before(da) {
		// [db, da) counted backwards: the same days as (db-1, da-1].
		sign = -1
		da, db = db.AddDays(-1), da.AddDays(-1)
	}
	n := 0
	for d := da.AddDays(1); !db.Before(d); d = d.AddDays(1) {
		if c.IsWorkdayDate(d) {
			n++
		}
	}
	return sign * n
}

// Merge is c with other laid over it: each year in other replaces that year in c entirely
// (a newer notice, or a corrected one, wins), and other's fixed-date holidays replace c's if
// it has any. Neither calendar is changed.
func (c WorkCalendar) Merge(other WorkCalendar) WorkCalendar {
	out := WorkCalendar{Years: make(map[int]HolidayYear, len(c.Years)+len(other.Years)), Fixed: c.Fixed}
	for y, hy := range c.Years {
		out.Years[y] = hy
	}
	for y, hy := range other.Years {
		out.Years[y] = hy
	}
	if len(other.Fixed) > 0 {
		out.Fixed = other.Fixed
	}
	return out
}

// QuietHours is the part of each day when no reminder goes out: from Start:00 up to End:00
// (hours 0–23), across midnight when Start > End. Start == End means no quiet hours.
type QuietHours struct{ Start, End int }

// DefaultQuietHours is 22:00–08:00.
func DefaultQuietHours() QuietHours { return QuietHours{Start: 22, End: 8} }

// Validate checks that both hours are 0–23.
func (q QuietHours) Validate() error {
	if q.Start < 0 || q.Start > 23 || q.End < 0 || q.End > 23 {
		return fmt.Errorf("quiet hours %02d:00–%02d:00: hours must be 0–23", q.Start, q.End)
	}
	return nil
}

func (q QuietHours) String() string { return fmt.Sprintf("%02d:00–%02d:00", q.Start, q.End) }

// Contains reports whether t, in its location, is in the quiet hours: Start:00 is quiet,
// End:00 is not.
func (q QuietHours) Contains(t time.Time) bool {
	h := t.Hour()
	switch {
	case q.Start == q.End:
		return false
	case q.Start < q.End:
		return h >= q.Start && h < q.End
	default:
		return h >= q.Start || h < q.End
	}
}

// NextAllowed is the first moment at or after t, in t's location, that is on a working day
// and outside the quiet hours: t itself if it is allowed; End:00 when t is in the quiet hours
// before a working day's morning; the start of the next working day (then End:00 if
// midnight is quiet) when t's date is not a working day. Friday 23:00 before a make-up
// Saturday gives Saturday 08:00; an ordinary Saturday gives Monday 08:00, or the first
// working day after a holiday.
func (q QuietHours) NextAllowed(t time.Time, cal WorkCalendar) time.Time {
	for {
		d := CivilDateOf(t)
		if !cal.IsWorkdayDate(d) {
			t = cal.nextWorkday(d).In(t.Location())
			continue
		}
		if !q.Contains(t) {
			return t
		}
		// In the quiet hours of a working day: wait for them to end, today or (after
		// Start on a wrapping window) tomorrow, which may not be a working day.
		end := d
		if q.Start > q.End && t.Hour() >= q.Start {
			end = d.AddDays(1)
		}
		t = time.Date(end.Year, end.Month, end.Day, q.End, 0, 0, 0, t.Location())
	}
}
