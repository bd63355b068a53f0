package progressbot

import "time"

// Clock is where a component takes the time from: tests set one, and the zero Clock is the
// wall clock. Components hold it as a field (Engine.Now, Scheduler.Now, the dashboard's)
// so that the rule "none set means time.Now" lives here once.
type Clock func() time.Time

// Now is the clock's time, or the wall clock's when none is set.
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}
