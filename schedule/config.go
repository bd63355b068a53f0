package schedule

import (
	"errors"
	"fmt"
	"time"

	"github.com/progressbot/progressbot"
)

// Config is the reporting calendar and the reminder timetable.
type Config struct {
	// Calendar says when a period opens and when its reports are due (open day, deadline
	// day and hour, time zone).
	Calendar progressbot.Calendar
	// Work is the Chinese working calendar: the bundled State Council notices, merged with
	// any an admin loaded.
	Work progressbot.WorkCalendar
	// ShiftDeadline moves a deadline that falls on a non-working day to the same hour of
	// the next working day (2025-10-05, in the National Day holiday, becomes 2025-10-09).
	ShiftDeadline bool
	// Quiet is when nothing goes out (default 22:00–08:00); nothing goes out on a
	// non-working day either.
	Quiet progressbot.QuietHours
	// RemindHour is the hour (0–23) reminders and escalations go out; default 9.
	RemindHour int
	// BeforeDays is how many working days before the deadline the "before" reminder goes;
	// default 3, 0 for none.
	BeforeDays int
	// AfterLimit is how many reminders go after the deadline, one each working day;
	// default 3. The working day after the last, the leaders are told who is missing.
	AfterLimit int
	// BulletinHour is the hour the bulletins go out, on the day of the escalation;
	// default 10.
	BulletinHour int
	// CatchUpDays is for how many working days a message that could not go at its moment
	// (the process was down) is still sent; default 2. A reminder is not sent once the next
	// one is due.
	CatchUpDays int
	// ReportButton, when set, is the callback data of a "start reporting" button under
	// each reminder; the flows engine must route it to /report. Every reminder also ends
	// with /report, which Telegram makes tappable.
	ReportButton string
}

// DefaultConfig is the calendar of design §3 (docs/design.md) with the defaults above, in loc, on the
// given working calendar.
func DefaultConfig(loc *time.Location, work progressbot.WorkCalendar) Config {
	return Config{
		Calendar:      progressbot.DefaultCalendar(loc),
		Work:          work,
		ShiftDeadline: true,
		Quiet:         progressbot.DefaultQuietHours(),
		RemindHour:    9,
		BeforeDays:    3,
		AfterLimit:    3,
		BulletinHour:  10,
		CatchUpDays:   2,
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	var errs []error
	cal := c.Calendar
	if cal.OpenDay < 1 || cal.OpenDay > 28 {
		errs = append(errs, fmt.Errorf("open day %d: want 1–28", cal.OpenDay))
	}
	if cal.DeadlineDay < 1 || cal.DeadlineDay > 28 {
		errs = append(errs, fmt.Errorf("deadline day %d: want 1–28", cal.DeadlineDay))
	}
	if cal.DeadlineHour < 0 || cal.DeadlineHour > 23 {
		errs = append(errs, fmt.Errorf("deadline hour %d: want 0–23", cal.DeadlineHour))
	}
	if cal.Location == nil {
		errs = append(errs, errors.New("no time zone"))
	}
	if err := c.Quiet.Validate(); err != nil {
		errs = append(errs, err)
	}
	for _, h := range []struct {
		name string
		v    int
	}{{"remind hour", c.RemindHour}, {"bulletin hour", c.BulletinHour}} {
		if h.v < 0 || h.v > 23 {
			errs = append(errs, fmt.Errorf("%s %d: want 0–23", h.name, h.v))
		}
	}
	if c.BeforeDays < 0 || c.BeforeDays > 20 {
		errs = append(errs, fmt.Errorf("reminders before the deadline: %d working days: want 0–20", c.BeforeDays))
	}
	if c.AfterLimit < 0 || c.AfterLimit > 20 {
		errs = append(errs, fmt.Errorf("reminders after the deadline: %d: want 0–20", c.AfterLimit))
	}
	if c.CatchUpDays < 0 || c.CatchUpDays > 20 {
		errs = append(errs, fmt.Errorf("catch-up: %d working days: want 0–20", c.CatchUpDays))
	}
	if len(c.ReportButton) > 64 {
		errs = append(errs, errors.New("report button data over 64 bytes"))
	}
	return errors.Join(errs...)
}

func (c Config) loc() *time.Location {
	if c.Calendar.Location == nil {
		return time.UTC
	}
	return c.Calendar.Location
}

// BaseDeadline is when reports for p are due before any extension: the configured day
// and hour, moved to the next working day when it falls on a non-working one and
// ShiftDeadline is set.
func (c Config) BaseDeadline(p progressbot.Period) time.Time {
	d := c.Calendar.Deadline(p)
	if c.ShiftDeadline {
		d = c.Work.NextWorkdayOnOrAfter(d)
	}
	return d
}

// Allowed reports whether a message may go out at t: a working day, outside the quiet
// hours.
func (c Config) Allowed(t time.Time) bool {
	t = t.In(c.loc())
	return c.Work.IsWorkday(t) && !c.Quiet.Contains(t)
}

// NextAllowed is the first moment at or after t when a message may go out.
func (c Config) NextAllowed(t time.Time) time.Time {
	return c.Quiet.NextAllowed(t.In(c.loc()), c.Work)
}

// at is hour:00 on t's date (in the calendar's zone), or on the first working day after
// it when that date is not one, then moved out of the quiet hours if need be.
func (c Config) at(t time.Time, hour int) time.Time {
	t = t.In(c.loc())
	d := c.Work.NextWorkdayOnOrAfter(time.Date(t.Year(), t.Month(), t.Day(), hour, 0, 0, 0, c.loc()))
	return c.NextAllowed(d)
}

// Step is one moment of a unit's reminder timetable, wanted from At until Until: until the
// next step replaces it, or CatchUpDays working days later, whichever comes first (a
// process that was down does not send a stale reminder).
type Step struct {
	Name  string // open, before, due, after-1 … after-N; escalate; bulletin
	At    time.Time
	Until time.Time
}

// Reminder steps.
const (
	StepOpen     = "open"
	StepBefore   = "before"
	StepDue      = "due"
	StepAfter    = "after" // after-1, after-2, …
	StepEscalate = "escalate"
	StepBulletin = "bulletin"
)

// Timetable is the reminder steps of a unit for period p whose reports are due at
// deadline, in time order, and the escalation to the leaders that follows them. Every
// moment is on a working day outside the quiet hours. A step that would not come after
// the one before it (a "before" reminder earlier than the period's opening) is left out.
func (c Config) Timetable(p progressbot.Period, deadline time.Time) (reminders []Step, escalate Step) {
	deadline = deadline.In(c.loc())
	seq := []Step{{Name: StepOpen, At: c.at(c.Calendar.Opens(p), c.RemindHour)}}
	if c.BeforeDays > 0 {
		seq = append(seq, Step{Name: StepBefore, At: c.at(c.Work.AddWorkdays(deadline, -c.BeforeDays), c.RemindHour)})
	}
	if due := c.at(deadline, c.RemindHour); due.Before(deadline) {
		seq = append(seq, Step{Name: StepDue, At: due})
	}
	for k := 1; k <= c.AfterLimit; k++ {
		seq = append(seq, Step{Name: fmt.Sprintf("%s-%d", StepAfter, k), At: c.at(c.Work.AddWorkdays(deadline, k), c.RemindHour)})
	}
	escalate = Step{Name: StepEscalate, At: c.at(c.Work.AddWorkdays(deadline, c.AfterLimit+1), c.RemindHour)}
	if !escalate.At.After(deadline) {
		escalate.At = c.NextAllowed(deadline.Add(time.Hour))
	}
	escalate.Until = c.catchUp(escalate.At)
	for _, s := range seq {
		if n := len(reminders); n > 0 && !s.At.After(reminders[n-1].At) {
			continue
		}
		if !s.At.Before(escalate.At) {
			break
		}
		reminders = append(reminders, s)
	}
	for i := range reminders {
		next := escalate.At
		if i+1 < len(reminders) {
			next = reminders[i+1].At
		}
		reminders[i].Until = next
		if cu := c.catchUp(reminders[i].At); cu.Before(next) {
			reminders[i].Until = cu
		}
	}
	return reminders, escalate
}

// BulletinStep is when the bulletins of period p go out: on the day of the escalation of
// units without an extension, at BulletinHour.
func (c Config) BulletinStep(p progressbot.Period) Step {
	_, esc := c.Timetable(p, c.BaseDeadline(p))
	at := c.at(esc.At, c.BulletinHour)
	if at.Before(esc.At) {
		at = esc.At
	}
	return Step{Name: StepBulletin, At: at, Until: c.catchUp(at)}
}

// catchUp is the end of the catch-up window of a moment.
func (c Config) catchUp(t time.Time) time.Time {
	if c.CatchUpDays <= 0 {
		return t.Add(time.Hour)
	}
	return c.Work.AddWorkdays(t, c.CatchUpDays)
}

// current is the step wanted at t, if any.
func current(steps []Step, t time.Time) (Step, bool) {
	for _, s := range steps {
		if !t.Before(s.At) && t.Before(s.Until) {
			return s, true
		}
	}
	return Step{}, false
}
