package progressbot

import (
	"testing"
	"time"
)

var cst = time.FixedZone("CST", 8*3600) // Asia/Shanghai, without needing tzdata

// at reads "2006-01-02 15:04" in Beijing time.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func day(s string) CivilDate {
	d, err := ParseCivilDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// span maps every date from..to to name.
func span(m map[CivilDate]string, from, to, name string) map[CivilDate]string {
	for d := day(from); !day(to).Before(d); d = d.AddDays(1) {
		m[d] = name
	}
	return m
}

// testCalendar is a small calendar with one rule per case: 2025's 国庆节、中秋节 week with its
// two make-up days, 2025's 元旦 on a Wednesday, and a 2023 notice whose 元旦 begins in the
// December before (2022-12-30 is a Friday: invented, so that it matters).
func testCalendar() WorkCalendar {
	return WorkCalendar{Years: map[int]HolidayYear{
		2025: {
			Source: "test 2025",
			Holidays: span(map[CivilDate]string{{2025, 1, 1}: "元旦"},
				"2025-10-01", "2025-10-08", "国庆节、中秋节"),
			Workdays: map[CivilDate]string{{2025, 9, 28}: "国庆节、中秋节", {2025, 10, 11}: "国庆节、中秋节"},
		},
		2023: {
			Source:   "test 2023",
			Holidays: span(map[CivilDate]string{}, "2022-12-30", "2023-01-02", "元旦"),
		},
	}}
}

func TestWorkCalendarIsWorkday(t *testing.T) {
	cal := testCalendar()
	custom := WorkCalendar{Fixed: []FixedHoliday{{Name: "test", Month: time.March, Day: 3}}}
	rows := []struct {
		name string
		cal  WorkCalendar
		t    time.Time
		want bool
	}{
		{"ordinary Wednesday", cal, at(t, "2025-09-24 10:00"), true},
		{"ordinary Saturday", cal, at(t, "2025-09-27 10:00"), false},
		{"ordinary Sunday", cal, at(t, "2025-10-12 10:00"), false},
		{"holiday on a Wednesday", cal, at(t, "2025-10-01 10:00"), false},
		{"holiday on a Monday", cal, at(t, "2025-10-06 10:00"), false},
		{"weekend inside the holiday", cal, at(t, "2025-10-04 10:00"), false},
		{"make-up Sunday", cal, at(t, "2025-09-28 10:00"), true},
		{"make-up Saturday", cal, at(t, "2025-10-11 10:00"), true},
		{"first day after the holiday", cal, at(t, "2025-10-09 00:00"), true},
		{"元旦 on a weekday", cal, at(t, "2025-01-01 10:00"), false},
		{"next year's 元旦 in December (Friday)", cal, at(t, "2022-12-30 10:00"), false},
		{"December weekday not in any notice", cal, at(t, "2022-12-29 10:00"), true},
		{"holiday by Beijing date, not by UTC", cal, time.Date(2025, 9, 30, 16, 30, 0, 0, time.UTC).In(cst), false},
		{"same instant read in UTC is the 30th", cal, time.Date(2025, 9, 30, 16, 30, 0, 0, time.UTC), true},
		{"fallback: 元旦 2027 (Friday)", cal, at(t, "2027-01-01 10:00"), false},
		{"fallback: 国庆节 2027-10-01 (Friday)", cal, at(t, "2027-10-01 10:00"), false},
		{"fallback: 2027-10-04 (Monday) unknown, so a workday", cal, at(t, "2027-10-04 10:00"), true},
		{"fallback: 5月2日 from 2025 (2030, Thursday)", cal, at(t, "2030-05-02 10:00"), false},
		{"fallback: 5月2日 before 2025 (2022, Monday)", cal, at(t, "2022-05-02 10:00"), true},
		{"fallback: 5月1日 before 2025 (2019, Wednesday)", cal, at(t, "2019-05-01 10:00"), false},
		{"fallback: the lunar festivals are unknown (春节 2027-02-08)", cal, at(t, "2027-02-08 10:00"), true},
		{"known year: fixed dates not applied (2025-10-01 comes from the notice only)", WorkCalendar{Years: map[int]HolidayYear{2025: {}}}, at(t, "2025-10-01 10:00"), true},
		{"zero calendar: weekday", WorkCalendar{}, at(t, "2025-09-24 10:00"), true},
		{"zero calendar: statutory fixed date", WorkCalendar{}, at(t, "2025-10-02 10:00"), false},
		{"custom fixed list replaces the statutory one", custom, at(t, "2027-03-03 10:00"), false},
		{"custom fixed list: 国庆节 no longer fixed", custom, at(t, "2027-10-01 10:00"), true},
	}
	for _, r := range rows {
		if got := r.cal.IsWorkday(r.t); got != r.want {
			t.Errorf("%s: IsWorkday(%s) = %v, want %v", r.name, r.t.Format(time.RFC3339), got, r.want)
		}
	}
}

func TestWorkCalendarKnownAndNames(t *testing.T) {
	cal := testCalendar()
	for _, r := range []struct {
		year  int
		known bool
	}{{2025, true}, {2023, true}, {2022, false}, {2024, false}, {2027, false}} {
		if cal.Known(r.year) != r.known || cal.Fallback(r.year) == r.known {
			t.Errorf("Known(%d) = %v, Fallback = %v; want known %v", r.year, cal.Known(r.year), cal.Fallback(r.year), r.known)
		}
	}
	if got := cal.KnownYears(); len(got) != 2 || got[0] != 2023 || got[1] != 2025 {
		t.Errorf("KnownYears = %v", got)
	}
	rows := []struct {
		t       string
		holiday string
		makeup  string
	}{
		{"2025-10-03 09:00", "国庆节、中秋节", ""},
		{"2025-09-28 09:00", "", "国庆节、中秋节"},
		{"2025-09-27 09:00", "", ""}, // an ordinary Saturday is neither
		{"2022-12-30 09:00", "元旦", ""},
		{"2027-10-02 09:00", "国庆节", ""}, // fallback
		{"2027-05-02 09:00", "劳动节", ""},
	}
	for _, r := range rows {
		h, hok := cal.HolidayName(at(t, r.t))
		m, mok := cal.MakeupFor(at(t, r.t))
		if h != r.holiday || hok != (r.holiday != "") || m != r.makeup || mok != (r.makeup != "") {
			t.Errorf("%s: HolidayName = %q,%v MakeupFor = %q,%v; want %q, %q", r.t, h, hok, m, mok, r.holiday, r.makeup)
		}
	}
}

func TestWorkCalendarNextWorkday(t *testing.T) {
	cal := testCalendar()
	rows := []struct {
		name      string
		t         string
		onOrAfter string
		after     string
	}{
		{"working day", "2025-09-24 18:00", "2025-09-24 18:00", "2025-09-25 18:00"},
		{"Friday", "2025-09-26 18:00", "2025-09-26 18:00", "2025-09-28 18:00"}, // Sunday make-up
		{"ordinary Saturday", "2025-09-27 18:00", "2025-09-28 18:00", "2025-09-28 18:00"},
		{"holiday: deadline moves past the week", "2025-10-05 18:00", "2025-10-09 18:00", "2025-10-09 18:00"},
		{"day before the holiday", "2025-09-30 18:00", "2025-09-30 18:00", "2025-10-09 18:00"},
		{"last holiday day", "2025-10-08 09:15", "2025-10-09 09:15", "2025-10-09 09:15"},
		{"make-up Saturday", "2025-10-11 18:00", "2025-10-11 18:00", "2025-10-13 18:00"},
		{"fallback year, 国庆节 Friday", "2027-10-01 18:00", "2027-10-04 18:00", "2027-10-04 18:00"},
		{"across the year end into a known 元旦", "2022-12-29 08:00", "2022-12-29 08:00", "2023-01-03 08:00"},
	}
	for _, r := range rows {
		if got := cal.NextWorkdayOnOrAfter(at(t, r.t)); !got.Equal(at(t, r.onOrAfter)) {
			t.Errorf("%s: NextWorkdayOnOrAfter(%s) = %s, want %s", r.name, r.t, got.Format("2006-01-02 15:04"), r.onOrAfter)
		}
		if got := cal.NextWorkday(at(t, r.t)); !got.Equal(at(t, r.onOrAfter)) {
			t.Errorf("%s: NextWorkday(%s) = %s, want %s", r.name, r.t, got.Format("2006-01-02 15:04"), r.onOrAfter)
		}
		if got := cal.NextWorkdayAfter(at(t, r.t)); !got.Equal(at(t, r.after)) {
			t.Errorf("%s: NextWorkdayAfter(%s) = %s, want %s", r.name, r.t, got.Format("2006-01-02 15:04"), r.after)
		}
	}
	// The result keeps t's location.
	if got := cal.NextWorkdayAfter(at(t, "2025-09-30 18:00")); got.Location() != cst {
		t.Errorf("location %v, want %v", got.Location(), cst)
	}
}

func TestWorkCalendarAddWorkdays(t *testing.T) {
	cal := testCalendar()
	rows := []struct {
		name string
		t    string
		n    int
		want string
	}{
		{"zero", "2025-10-04 10:00", 0, "2025-10-04 10:00"},
		{"+1 ordinary", "2025-09-24 10:00", 1, "2025-09-25 10:00"},
		{"+1 from Friday lands on the make-up Sunday", "2025-09-26 10:00", 1, "2025-09-28 10:00"},
		{"+2 across the holiday week", "2025-09-29 10:00", 2, "2025-10-09 10:00"},
		{"+1 from inside the holiday", "2025-10-03 10:00", 1, "2025-10-09 10:00"},
		{"+3 from the last holiday day, through the make-up Saturday", "2025-10-08 10:00", 3, "2025-10-11 10:00"},
		{"-3 across a weekend", "2025-09-23 18:00", -3, "2025-09-18 18:00"},
		{"-3 before a deadline just after the holiday", "2025-10-10 18:00", -3, "2025-09-29 18:00"},
		{"-3 across the holiday and a make-up Sunday", "2025-10-09 18:00", -3, "2025-09-28 18:00"},
		{"-1 from an ordinary Saturday", "2025-09-27 18:00", -1, "2025-09-26 18:00"},
		{"-1 from 2023-01-03 skips 元旦 and the December day before", "2023-01-03 09:00", -1, "2022-12-29 09:00"},
		{"+5 through a fallback year", "2027-09-29 09:00", 5, "2027-10-07 09:00"},
	}
	for _, r := range rows {
		if got := cal.AddWorkdays(at(t, r.t), r.n); !got.Equal(at(t, r.want)) {
			t.Errorf("%s: AddWorkdays(%s, %d) = %s, want %s", r.name, r.t, r.n, got.Format("2006-01-02 15:04"), r.want)
		}
	}
}

func TestWorkCalendarWorkdaysBetween(t *testing.T) {
	cal := testCalendar()
	rows := []struct {
		name string
		a, b string
		want int
	}{
		{"same day", "2025-09-24 09:00", "2025-09-24 18:00", 0},
		{"Monday to Thursday", "2025-09-22 09:00", "2025-09-25 18:00", 3},
		{"Friday to Monday, weekend skipped", "2025-09-19 09:00", "2025-09-22 09:00", 1},
		{"across the holiday week", "2025-09-29 09:00", "2025-10-09 09:00", 2},
		{"inside the holiday", "2025-10-02 09:00", "2025-10-07 09:00", 0},
		{"backwards", "2025-10-09 09:00", "2025-09-28 09:00", -3},
		{"backwards from a holiday", "2025-10-05 09:00", "2025-09-29 09:00", -2},
		{"clock times ignored", "2025-09-22 23:59", "2025-09-23 00:01", 1},
	}
	for _, r := range rows {
		if got := cal.WorkdaysBetween(at(t, r.a), at(t, r.b)); got != r.want {
			t.Errorf("%s: WorkdaysBetween(%s, %s) = %d, want %d", r.name, r.a, r.b, got, r.want)
		}
	}
	// The inverse of AddWorkdays, from working days and from days off alike.
	for _, s := range []string{"2025-09-24 10:00", "2025-09-27 10:00", "2025-10-01 10:00", "2025-10-11 10:00", "2022-12-31 10:00", "2027-10-02 10:00"} {
		for n := -12; n <= 12; n++ {
			t0 := at(t, s)
			if got := cal.WorkdaysBetween(t0, cal.AddWorkdays(t0, n)); got != n {
				t.Errorf("WorkdaysBetween(%s, AddWorkdays(%s, %d)) = %d", s, s, n, got)
			}
		}
	}
}

func TestWorkCalendarMerge(t *testing.T) {
	base := testCalendar()
	newer := WorkCalendar{Years: map[int]HolidayYear{
		2025: {Source: "corrected 2025", Holidays: map[CivilDate]string{{2025, 9, 24}: "test"}},
		2027: {Source: "2027", Workdays: map[CivilDate]string{{2027, 10, 9}: "国庆节"}, Holidays: span(map[CivilDate]string{}, "2027-10-01", "2027-10-07", "国庆节")},
	}}
	m := base.Merge(newer)
	rows := []struct {
		name string
		t    string
		want bool
	}{
		{"the newer 2025 notice wins", "2025-09-24 10:00", false},
		{"the older 2025 notice is gone entirely", "2025-10-01 10:00", true},
		{"a year only in the base stays", "2022-12-30 10:00", false},
		{"a new year is known: its holiday", "2027-10-04 10:00", false},
		{"a new year is known: its make-up Saturday", "2027-10-09 10:00", true},
	}
	for _, r := range rows {
		if got := m.IsWorkday(at(t, r.t)); got != r.want {
			t.Errorf("%s: IsWorkday(%s) = %v, want %v", r.name, r.t, got, r.want)
		}
	}
	if !m.Known(2027) || base.Known(2027) || m.Years[2025].Source != "corrected 2025" || base.Years[2025].Source != "test 2025" {
		t.Errorf("merge changed its inputs or lost a year: merged %v, base %v", m.KnownYears(), base.KnownYears())
	}
	fixed := WorkCalendar{Fixed: []FixedHoliday{{Name: "x", Month: time.March, Day: 3}}}
	if got := base.Merge(fixed).Fixed; len(got) != 1 {
		t.Errorf("other's fixed holidays should replace: %v", got)
	}
	if got := fixed.Merge(newer).Fixed; len(got) != 1 {
		t.Errorf("an empty fixed list should keep the base's: %v", got)
	}
}

func TestQuietHoursContains(t *testing.T) {
	def := DefaultQuietHours()
	rows := []struct {
		name string
		q    QuietHours
		t    string
		want bool
	}{
		{"21:59 is not quiet", def, "2025-09-24 21:59", false},
		{"22:00 is quiet", def, "2025-09-24 22:00", true},
		{"23:59 is quiet", def, "2025-09-24 23:59", true},
		{"midnight is quiet", def, "2025-09-24 00:00", true},
		{"07:59 is quiet", def, "2025-09-24 07:59", true},
		{"08:00 is not quiet", def, "2025-09-24 08:00", false},
		{"noon", def, "2025-09-24 12:00", false},
		{"same-day window: inside", QuietHours{12, 14}, "2025-09-24 13:30", true},
		{"same-day window: end", QuietHours{12, 14}, "2025-09-24 14:00", false},
		{"same-day window: before", QuietHours{12, 14}, "2025-09-24 11:59", false},
		{"Start == End: never quiet", QuietHours{8, 8}, "2025-09-24 08:30", false},
	}
	for _, r := range rows {
		if got := r.q.Contains(at(t, r.t)); got != r.want {
			t.Errorf("%s: %v.Contains(%s) = %v, want %v", r.name, r.q, r.t, got, r.want)
		}
	}
	// Hours are read in t's location: 15:00 UTC is 23:00 in Beijing.
	utc := time.Date(2025, 9, 24, 15, 0, 0, 0, time.UTC)
	if def.Contains(utc) || !def.Contains(utc.In(cst)) {
		t.Error("Contains should read the hour in t's location")
	}
	if err := def.Validate(); err != nil {
		t.Error(err)
	}
	if err := (QuietHours{22, 24}).Validate(); err == nil {
		t.Error("Validate should refuse hour 24")
	}
}

func TestQuietHoursNextAllowed(t *testing.T) {
	cal := testCalendar()
	def := DefaultQuietHours()
	rows := []struct {
		name string
		q    QuietHours
		t    string
		want string
	}{
		{"allowed already", def, "2025-09-24 10:17", "2025-09-24 10:17"},
		{"early morning waits for 08:00", def, "2025-09-24 06:30", "2025-09-24 08:00"},
		{"late evening waits for the next morning", def, "2025-09-24 22:30", "2025-09-25 08:00"},
		{"Friday 23:00 before a make-up Saturday", def, "2025-10-10 23:00", "2025-10-11 08:00"},
		{"Saturday 23:00 before a make-up Sunday", def, "2025-09-27 23:00", "2025-09-28 08:00"},
		{"ordinary Saturday goes to Monday", def, "2025-09-20 10:00", "2025-09-22 08:00"},
		{"Friday night to Monday morning", def, "2025-09-19 22:00", "2025-09-22 08:00"},
		{"inside the holiday week", def, "2025-10-03 10:00", "2025-10-09 08:00"},
		{"the evening before the holiday", def, "2025-09-30 23:30", "2025-10-09 08:00"},
		{"make-up Sunday morning", def, "2025-09-28 07:00", "2025-09-28 08:00"},
		{"make-up Saturday afternoon", def, "2025-10-11 15:00", "2025-10-11 15:00"},
		{"into a known 元旦 across the year end", def, "2022-12-29 23:00", "2023-01-03 08:00"},
		{"fallback year 国庆节", def, "2027-10-01 09:00", "2027-10-04 08:00"},
		{"no quiet hours: the start of the next working day", QuietHours{0, 0}, "2025-09-20 10:00", "2025-09-22 00:00"},
		{"same-day window", QuietHours{12, 14}, "2025-09-24 12:10", "2025-09-24 14:00"},
		{"midnight-start window on a holiday", QuietHours{0, 7}, "2025-10-08 10:00", "2025-10-09 07:00"},
	}
	for _, r := range rows {
		if got := r.q.NextAllowed(at(t, r.t), cal); !got.Equal(at(t, r.want)) {
			t.Errorf("%s: NextAllowed(%s) = %s, want %s", r.name, r.t, got.Format("2006-01-02 15:04"), r.want)
		}
	}
	// A UTC time is judged in UTC: 2025-09-30 23:30 UTC is a Tuesday night there.
	utc := time.Date(2025, 9, 30, 23, 30, 0, 0, time.UTC)
	if got, want := def.NextAllowed(utc, cal), time.Date(2025, 10, 9, 8, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("NextAllowed in UTC = %s, want %s", got, want)
	}
}

func TestWorkdaysCivilDate(t *testing.T) {
	rows := []struct {
		in      string
		ok      bool
		weekday time.Weekday
	}{
		{"2024-02-29", true, time.Thursday},
		{"2025-02-29", false, 0},
		{"2025-13-01", false, 0},
		{"2025-1-01", false, 0},
		{"20250101", false, 0},
		{"2025-10-11", true, time.Saturday},
	}
	for _, r := range rows {
		d, err := ParseCivilDate(r.in)
		if (err == nil) != r.ok {
			t.Errorf("ParseCivilDate(%q) err = %v, want ok %v", r.in, err, r.ok)
			continue
		}
		if r.ok && (d.String() != r.in || d.Weekday() != r.weekday) {
			t.Errorf("ParseCivilDate(%q) = %s (%s), want %s", r.in, d, d.Weekday(), r.weekday)
		}
	}
	if got := day("2024-12-31").AddDays(1); got != day("2025-01-01") {
		t.Errorf("AddDays across the year end = %s", got)
	}
	if got := day("2025-03-01").AddDays(-1); got != day("2025-02-28") {
		t.Errorf("AddDays back across February = %s", got)
	}
}
