package seeds

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"go.yaml.in/yaml/v3"
)

var beijing = time.FixedZone("CST", 8*3600) // Asia/Shanghai, without needing tzdata

func bj(t testing.TB, s string) time.Time {
	t.Helper()
	layout := "2006-01-02 15:04"
	if len(s) == len("2006-01-02") {
		layout = "2006-01-02"
	}
	v, err := time.ParseInLocation(layout, s, beijing)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func bundledHolidays(t testing.TB) progressbot.WorkCalendar {
	t.Helper()
	cal, err := Holidays()
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

type workdayRow struct {
	date string
	want bool
	why  string
}

// each gives one row per date from..to.
func each(t testing.TB, from, to string, want bool, why string) []workdayRow {
	var rows []workdayRow
	for d := bj(t, from); !d.After(bj(t, to)); d = d.AddDate(0, 0, 1) {
		rows = append(rows, workdayRow{d.Format("2006-01-02"), want, why})
	}
	return rows
}

func TestHolidaysBundledWorkdays(t *testing.T) {
	cal := bundledHolidays(t)
	rows := []workdayRow{
		// 2023: 国办发明电〔2022〕16号
		{"2022-12-31", false, "2023 元旦 begins in 2022 (Saturday)"},
		{"2023-01-02", false, "2023 元旦 (Monday)"},
		{"2023-01-03", true, "after 元旦"},
		{"2023-01-23", false, "2023 春节 (Monday)"},
		{"2023-01-28", true, "2023 春节 make-up Saturday"},
		{"2023-01-29", true, "2023 春节 make-up Sunday"},
		{"2023-04-05", false, "2023 清明节 (Wednesday)"},
		{"2023-04-23", true, "2023 劳动节 make-up Sunday"},
		{"2023-05-03", false, "2023 劳动节 (Wednesday)"},
		{"2023-05-06", true, "2023 劳动节 make-up Saturday"},
		{"2023-06-23", false, "2023 端午节 (Friday)"},
		{"2023-06-25", true, "2023 端午节 make-up Sunday"},
	}
	rows = append(rows, each(t, "2023-09-29", "2023-10-06", false, "2023 中秋节、国庆节 combined")...)
	rows = append(rows, []workdayRow{
		{"2023-10-07", true, "2023 中秋节、国庆节 make-up Saturday"},
		{"2023-10-08", true, "2023 中秋节、国庆节 make-up Sunday"},
		{"2023-03-15", true, "2023 ordinary Wednesday"},
		{"2023-03-18", false, "2023 ordinary Saturday"},
		// 2024: 国办发明电〔2023〕7号
		{"2024-01-01", false, "2024 元旦 (Monday)"},
		{"2024-02-04", true, "2024 春节 make-up Sunday (调休)"},
		{"2024-02-09", true, "2024 除夕 is only encouraged as a day off"},
	}...)
	rows = append(rows, each(t, "2024-02-10", "2024-02-17", false, "2024 春节")...)
	rows = append(rows, []workdayRow{
		{"2024-02-18", true, "2024 春节 make-up Sunday"},
		{"2024-04-04", false, "2024 清明节 (Thursday)"},
		{"2024-04-07", true, "2024 清明节 make-up Sunday"},
		{"2024-04-28", true, "2024 劳动节 make-up Sunday"},
		{"2024-05-03", false, "2024 劳动节 (Friday)"},
		{"2024-05-11", true, "2024 劳动节 make-up Saturday"},
		{"2024-06-10", false, "2024 端午节 (Monday)"},
		{"2024-09-14", true, "2024 中秋节 make-up Saturday"},
		{"2024-09-16", false, "2024 中秋节 (Monday)"},
		{"2024-09-29", true, "2024 国庆节 make-up Sunday"},
		{"2024-10-07", false, "2024 国庆节 (Monday)"},
		{"2024-10-12", true, "2024 国庆节 make-up Saturday"},
		{"2024-03-13", true, "2024 ordinary Wednesday"},
		{"2024-03-16", false, "2024 ordinary Saturday"},
		// 2025: 国办发明电〔2024〕12号, the first year with 除夕 and 5月2日 statutory
		{"2025-01-01", false, "2025 元旦 (Wednesday)"},
		{"2025-01-26", true, "2025 春节 make-up Sunday"},
	}...)
	rows = append(rows, each(t, "2025-01-28", "2025-02-04", false, "2025 春节, from 除夕")...)
	rows = append(rows, []workdayRow{
		{"2025-02-08", true, "2025 春节 make-up Saturday"},
		{"2025-04-04", false, "2025 清明节 (Friday)"},
		{"2025-04-27", true, "2025 劳动节 make-up Sunday"},
		{"2025-05-05", false, "2025 劳动节 (Monday)"},
		{"2025-05-10", false, "2025 劳动节 has one make-up day only: 05-10 is an ordinary Saturday"},
		{"2025-06-02", false, "2025 端午节 (Monday)"},
		{"2025-09-28", true, "2025 国庆节、中秋节 make-up Sunday"},
	}...)
	rows = append(rows, each(t, "2025-10-01", "2025-10-08", false, "2025 国庆节、中秋节 combined")...)
	rows = append(rows, []workdayRow{
		{"2025-10-11", true, "2025 国庆节、中秋节 make-up Saturday"},
		{"2025-03-12", true, "2025 ordinary Wednesday"},
		{"2025-03-15", false, "2025 ordinary Saturday"},
		// 2026: 国办发明电〔2025〕7号
		{"2026-01-02", false, "2026 元旦 (Friday)"},
		{"2026-01-04", true, "2026 元旦 make-up Sunday"},
		{"2026-02-14", true, "2026 春节 make-up Saturday"},
	}...)
	rows = append(rows, each(t, "2026-02-15", "2026-02-23", false, "2026 春节, 9 days")...)
	rows = append(rows, []workdayRow{
		{"2026-02-28", true, "2026 春节 make-up Saturday"},
		{"2026-04-06", false, "2026 清明节 (Monday)"},
		{"2026-05-05", false, "2026 劳动节 (Tuesday)"},
		{"2026-05-09", true, "2026 劳动节 make-up Saturday"},
		{"2026-06-19", false, "2026 端午节 (Friday)"},
		{"2026-09-20", true, "2026 国庆节 make-up Sunday"},
		{"2026-09-25", false, "2026 中秋节 (Friday)"},
	}...)
	rows = append(rows, each(t, "2026-10-01", "2026-10-07", false, "2026 国庆节")...)
	rows = append(rows, []workdayRow{
		{"2026-10-08", true, "2026 after 国庆节 (Thursday)"},
		{"2026-10-10", true, "2026 国庆节 make-up Saturday"},
		{"2026-03-11", true, "2026 ordinary Wednesday"},
		{"2026-03-14", false, "2026 ordinary Saturday"},
		// 2027: no notice yet, fallback
		{"2027-01-01", false, "2027 fallback: 元旦 fixed date (Friday)"},
		{"2027-03-10", true, "2027 fallback: ordinary Wednesday"},
		{"2027-05-03", true, "2027 fallback: 劳动节 is only 05-01/02 without the notice"},
		{"2027-10-01", false, "2027 fallback: 国庆节 fixed date (Friday)"},
	}...)
	for _, r := range rows {
		if got := cal.IsWorkday(bj(t, r.date+" 10:00")); got != r.want {
			t.Errorf("%s (%s): IsWorkday = %v, want %v", r.date, r.why, got, r.want)
		}
	}
}

func TestHolidaysBundledKnown(t *testing.T) {
	cal := bundledHolidays(t)
	for _, r := range []struct {
		year  int
		known bool
	}{{2022, false}, {2023, true}, {2024, true}, {2025, true}, {2026, true}, {2027, false}} {
		if cal.Known(r.year) != r.known || cal.Fallback(r.year) == r.known {
			t.Errorf("%d: Known = %v, Fallback = %v; want known %v", r.year, cal.Known(r.year), cal.Fallback(r.year), r.known)
		}
	}
	for _, r := range []struct {
		year   int
		number string
		url    string
	}{
		{2023, "国办发明电〔2022〕16号", "https://www.gov.cn/zhengce/content/2022-12/08/content_5730844.htm"},
		{2024, "国办发明电〔2023〕7号", "https://www.gov.cn/zhengce/content/202310/content_6911527.htm"},
		{2025, "国办发明电〔2024〕12号", "https://www.gov.cn/zhengce/content/202411/content_6986382.htm"},
		{2026, "国办发明电〔2025〕7号", "https://www.gov.cn/zhengce/content/202511/content_7047090.htm"},
	} {
		src := cal.Years[r.year].Source
		if !strings.Contains(src, fmt.Sprintf("关于%d年部分节假日安排的通知", r.year)) || !strings.Contains(src, r.number) || !strings.Contains(src, r.url) {
			t.Errorf("%d: source %q, want the notice title, %s and %s", r.year, src, r.number, r.url)
		}
	}
}

// The fixed-date holidays in the file are the statutory ones the Go code falls back to.
func TestHolidaysBundledFixed(t *testing.T) {
	cal := bundledHolidays(t)
	key := func(fs []progressbot.FixedHoliday) []string {
		var out []string
		for _, f := range fs {
			out = append(out, fmt.Sprintf("%s %02d-%02d %d–%d", f.Name, int(f.Month), f.Day, f.Since, f.Until))
		}
		sort.Strings(out)
		return out
	}
	got, want := key(cal.Fixed), key(progressbot.StatutoryFixedHolidays())
	// The file spells 劳动节 before 2025 with an explicit until; the Go table leaves 05-01
	// unbounded. Compare what they decide instead, over the years either could matter.
	for y := 2000; y <= 2100; y++ {
		for _, md := range [][2]int{{1, 1}, {5, 1}, {5, 2}, {5, 3}, {10, 1}, {10, 2}, {10, 3}, {10, 4}} {
			d := time.Date(y, time.Month(md[0]), md[1], 12, 0, 0, 0, beijing)
			if cal.Known(y) {
				continue
			}
			_, a := cal.HolidayName(d)
			_, b := progressbot.WorkCalendar{}.HolidayName(d)
			if a != b {
				t.Fatalf("%s: file says holiday %v, StatutoryFixedHolidays %v\nfile: %v\ngo:   %v", d.Format("2006-01-02"), a, b, got, want)
			}
		}
	}
}

// Each year names all seven festivals, and the 共N天 in each sentence is the number of dates.
func TestHolidaysBundledComplete(t *testing.T) {
	f := bundledFile(t)
	all := []string{"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}
	total := regexp.MustCompile(`共(\d+)天`)
	for _, y := range f.Years {
		seen := map[string]bool{}
		for _, fe := range y.Festivals {
			for _, n := range strings.Split(fe.Name, "、") {
				seen[n] = true
			}
			if m := total.FindStringSubmatch(fe.Text); m != nil {
				n, _ := strconv.Atoi(m[1])
				if n != len(fe.Off) || fe.Total != n {
					t.Errorf("%d %s: the text says 共%d天, off lists %d, total %d", y.Year, fe.Name, n, len(fe.Off), fe.Total)
				}
			}
			if strings.Contains(fe.Text, "上班") != (len(fe.Work) > 0) {
				t.Errorf("%d %s: the text and the make-up days disagree", y.Year, fe.Name)
			}
		}
		for _, n := range all {
			if !seen[n] {
				t.Errorf("%d: %s missing", y.Year, n)
			}
		}
		if len(seen) != len(all) {
			t.Errorf("%d: festivals %v", y.Year, seen)
		}
	}
}

func bundledFile(t testing.TB) HolidaysFile {
	t.Helper()
	var f HolidaysFile
	dec := yaml.NewDecoder(bytes.NewReader(holidaysYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestHolidaysNextAllowedAndDeadlines(t *testing.T) {
	cal := bundledHolidays(t)
	q := progressbot.DefaultQuietHours()
	allowed := []struct {
		name string
		t    string
		want string
	}{
		{"a reminder due in the 2025 National Day week", "2025-10-03 09:00", "2025-10-09 08:00"},
		{"the evening before the 2025 National Day week", "2025-09-30 22:30", "2025-10-09 08:00"},
		{"Friday night before the 2025-10-11 make-up Saturday", "2025-10-10 23:00", "2025-10-11 08:00"},
		{"Saturday night before the 2025-09-28 make-up Sunday", "2025-09-27 23:00", "2025-09-28 08:00"},
		{"2024 除夕 night to the 2024-02-18 make-up Sunday", "2024-02-09 23:00", "2024-02-18 08:00"},
		{"an ordinary 2026 Saturday to Monday", "2026-03-14 10:00", "2026-03-16 08:00"},
		{"inside 2026 春节 to the first working day after it", "2026-02-20 10:00", "2026-02-24 08:00"},
		{"an ordinary working morning", "2025-03-12 10:05", "2025-03-12 10:05"},
	}
	for _, r := range allowed {
		if got := q.NextAllowed(bj(t, r.t), cal); !got.Equal(bj(t, r.want)) {
			t.Errorf("%s: NextAllowed(%s) = %s, want %s", r.name, r.t, got.Format("2006-01-02 15:04"), r.want)
		}
	}
	deadlines := []struct {
		name string
		t    string
		want string
	}{
		{"2025-10-05 deadline moves past the holiday", "2025-10-05 18:00", "2025-10-09 18:00"},
		{"2023-10-05 deadline moves to the make-up Saturday", "2023-10-05 18:00", "2023-10-07 18:00"},
		{"2026-04-05 (清明节, Sunday) moves to Tuesday", "2026-04-05 18:00", "2026-04-07 18:00"},
		{"2024-05-05 moves to Monday", "2024-05-05 18:00", "2024-05-06 18:00"},
		{"a working-day deadline stays", "2025-03-05 18:00", "2025-03-05 18:00"},
	}
	for _, r := range deadlines {
		if got := cal.NextWorkdayOnOrAfter(bj(t, r.t)); !got.Equal(bj(t, r.want)) {
			t.Errorf("%s: NextWorkdayOnOrAfter(%s) = %s, want %s", r.name, r.t, got.Format("2006-01-02 15:04"), r.want)
		}
	}
	before := []struct {
		name string
		t    string
		n    int
		want string
	}{
		{"-3 across a weekend", "2025-03-17 18:00", -3, "2025-03-12 18:00"},
		{"-3 across the 2025 National Day week", "2025-10-10 18:00", -3, "2025-09-29 18:00"},
		{"-3 across 2025 春节 and its make-up Sunday", "2025-02-05 18:00", -3, "2025-01-24 18:00"},
		{"-3 across 2026 春节 and its make-up Saturday", "2026-02-24 18:00", -3, "2026-02-12 18:00"},
		{"+1 after the 2025 National Day week", "2025-09-30 18:00", 1, "2025-10-09 18:00"},
	}
	for _, r := range before {
		if got := cal.AddWorkdays(bj(t, r.t), r.n); !got.Equal(bj(t, r.want)) {
			t.Errorf("%s: AddWorkdays(%s, %d) = %s, want %s", r.name, r.t, r.n, got.Format("2006-01-02 15:04"), r.want)
		}
	}
	if got := cal.WorkdaysBetween(bj(t, "2025-09-29"), bj(t, "2025-10-09")); got != 2 {
		t.Errorf("WorkdaysBetween across the 2025 National Day week = %d, want 2", got)
	}
}

// goodNotice is a made-up notice for 2030 in the bundled format, as an admin would write it.
const goodNotice = `years:
  - year: 2030
    notice:
      title: 国务院办公厅关于2030年部分节假日安排的通知
      number: 国办发明电〔2029〕1号
      issued: 2029-11-01
      url: https://www.gov.cn/test
    festivals:
      - name: 元旦
        text: test
        off: [2029-12-31, 2030-01-01]
        total: 2
      - name: 国庆节
        text: test 上班
        off: [2030-10-01, 2030-10-02, 2030-10-03, 2030-10-04, 2030-10-05, 2030-10-06, 2030-10-07]
        work: [2030-09-29, 2030-10-12]
        total: 7
`

func TestHolidaysLoad(t *testing.T) {
	loaded, err := LoadHolidays(strings.NewReader(goodNotice))
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Fixed != nil || !loaded.Known(2030) {
		t.Fatalf("loaded %v, fixed %v", loaded.KnownYears(), loaded.Fixed)
	}
	cal := bundledHolidays(t).Merge(loaded)
	rows := []struct {
		date string
		want bool
		why  string
	}{
		{"2029-12-31", false, "2030 元旦 begins on 2029-12-31 (Monday)"},
		{"2030-10-08", true, "the loaded notice ends on the 7th (Tuesday)"},
		{"2030-10-12", true, "loaded make-up Saturday"},
		{"2025-10-08", false, "the bundled years are still there"},
	}
	for _, r := range rows {
		if got := cal.IsWorkday(bj(t, r.date+" 10:00")); got != r.want {
			t.Errorf("%s (%s): IsWorkday = %v, want %v", r.date, r.why, got, r.want)
		}
	}
	if got := cal.KnownYears(); fmt.Sprint(got) != "[2023 2024 2025 2026 2030]" || cal.Fixed == nil {
		t.Errorf("merged years %v, fixed %v", got, cal.Fixed)
	}
}

func TestHolidaysLoadBad(t *testing.T) {
	edit := func(from, to string) string {
		doc := strings.Replace(goodNotice, from, to, 1)
		if doc == goodNotice {
			t.Fatalf("%q is not in the test document", from)
		}
		return doc
	}
	rows := []struct {
		name string
		doc  string
		at   string // the text on the line the error must name; "" not checked
		want []string
	}{
		{"a weekday listed as make-up", edit("work: [2030-09-29", "work: [2030-09-30"), "work: [2030-09-30",
			[]string{"years[2030].festivals[国庆节].work[0]", "2030-09-30 is a Monday", "Saturday or Sunday"}},
		{"an unparseable date", edit("2030-01-01]", "2030-02-30]"), "2030-02-30]",
			[]string{"years[2030].festivals[元旦].off[1]", `"2030-02-30" is not a date`}},
		{"not a date at all", edit("2030-01-01]", "Jan 1]"), "Jan 1]",
			[]string{"years[2030].festivals[元旦].off[1]", `"Jan 1" is not a date`}},
		{"an unknown key", edit("total: 2\n", "totl: 2\n"), "totl: 2",
			[]string{"totl: unknown key"}},
		{"an unknown key in the notice", edit("url: https", "link: https"), "link: https",
			[]string{"link: unknown key"}},
		{"a holiday that is also a make-up day", edit("2030-10-12]", "2030-10-05]"), "2030-10-05]",
			[]string{"work[1]", "2030-10-05 is both a holiday and a make-up working day", "off[4]"}},
		{"a date in another year", edit("work: [2030-09-29", "work: [2031-09-28"), "work: [2031-09-28",
			[]string{"work[0]", "2031-09-28 is not in 2030"}},
		{"a December date outside 元旦", edit("work: [2030-09-29", "work: [2029-12-29"), "work: [2029-12-29",
			[]string{"2029-12-29 is not in 2030", "only 元旦"}},
		{"a gap in the holiday", edit("2030-10-03, 2030-10-04", "2030-10-03, 2030-10-14"), "2030-10-14",
			[]string{"off[3]", "2030-10-14 does not follow 2030-10-03"}},
		{"共N天 disagrees", edit("total: 7\n", "total: 8\n"), "total: 8",
			[]string{"festivals[国庆节].total", "says 8 days, off lists 7"}},
		{"a year listed twice", goodNotice + strings.TrimPrefix(goodNotice, "years:\n"), "",
			[]string{"years[2030]", "year 2030 is listed twice"}},
		{"missing document number", edit("      number: 国办发明电〔2029〕1号\n", ""), "title:",
			[]string{"years[2030].notice.number", "missing"}},
		{"the title names another year", edit("关于2030年部分", "关于2031年部分"), "title:",
			[]string{"notice.title", "is not the notice for 2030"}},
		{"a notice issued after its year", edit("issued: 2029-11-01", "issued: 2031-01-01"), "issued:",
			[]string{"notice.issued", "after the year"}},
		{"broken YAML", edit("- name: 国庆节\n", "- name: [国庆节\n"), "",
			[]string{"seed holidays: 1 problem(s)", "holidays:"}},
		{"empty", "", "", []string{"empty file"}},
		{"no years", "years: []\n", "", []string{"no year"}},
		{"a bad fixed date", "fixed:\n  - name: 元旦\n    dates: [\"13-01\"]\n" + goodNotice, "13-01",
			[]string{"fixed[0].dates[0]", `"13-01" is not a month and day`}},
	}
	for _, r := range rows {
		_, err := LoadHolidays(strings.NewReader(r.doc))
		if err == nil {
			t.Errorf("%s: no error", r.name)
			continue
		}
		msg := err.Error()
		for _, w := range r.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q does not say %q", r.name, msg, w)
			}
		}
		if r.at != "" {
			i := strings.Index(r.doc, r.at)
			if i < 0 {
				t.Fatalf("%s: %q not in the document", r.name, r.at)
			}
			if l := fmt.Sprintf("holidays:%d:", strings.Count(r.doc[:i], "\n")+1); !strings.Contains(msg, l) {
				t.Errorf("%s: error %q does not name the line (%s)", r.name, msg, l)
			}
		}
	}
}
