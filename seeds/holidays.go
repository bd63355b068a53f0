package seeds

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"go.yaml.in/yaml/v3"
)

// The Chinese working calendar as data: holidays/cn.yaml transcribes the State Council
// General Office's annual notices (国务院办公厅关于XXXX年部分节假日安排的通知) and the
// fixed-date statutory holidays used for a year with no notice yet. Holidays returns the
// bundled file; LoadHolidays reads a file of the same format that an admin supplies when a
// new notice is published, to be laid over the bundled data with WorkCalendar.Merge.

//go:embed holidays/cn.yaml
var holidaysYAML []byte

// HolidaysPath is the bundled holiday file, as named in errors.
const HolidaysPath = "holidays/cn.yaml"

// HolidaysFile is the format of holidays/cn.yaml.
type HolidaysFile struct {
	Source string              `yaml:"source"` // what the file transcribes
	Fixed  []HolidayFixed      `yaml:"fixed"`  // optional in a file an admin loads
	Years  []HolidayNoticeYear `yaml:"years"`
}

// HolidayFixed is a statutory holiday on fixed Gregorian dates (MM-DD), applied to the years
// Since–Until (0: unbounded) that have no notice.
type HolidayFixed struct {
	Name  string   `yaml:"name"`
	Dates []string `yaml:"dates"`
	Since int      `yaml:"since"`
	Until int      `yaml:"until"`
	Basis string   `yaml:"basis"` // the article of 全国年节及纪念日放假办法
}

// HolidayNoticeYear is one year's notice.
type HolidayNoticeYear struct {
	Year      int               `yaml:"year"`
	Notice    HolidayNotice     `yaml:"notice"`
	Festivals []HolidayFestival `yaml:"festivals"`
	Note      string            `yaml:"note"`
}

// HolidayNotice names the notice a year's dates come from.
type HolidayNotice struct {
	Title   string      `yaml:"title"`   // 国务院办公厅关于2025年部分节假日安排的通知
	Number  string      `yaml:"number"`  // 国办发明电〔2024〕12号
	Issued  HolidayDate `yaml:"issued"`  // 2024-11-12
	URL     string      `yaml:"url"`     // on www.gov.cn
	Checked []string    `yaml:"checked"` // published copies the dates were compared with
}

// HolidayFestival is one item of a notice: a festival, or two the notice combines
// (中秋节、国庆节), with its holiday dates and make-up working days.
type HolidayFestival struct {
	Name  string        `yaml:"name"`
	Text  string        `yaml:"text"`  // the notice's own sentence
	Off   []HolidayDate `yaml:"off"`   // 放假, consecutive, in order
	Work  []HolidayDate `yaml:"work"`  // 调休上班, Saturdays and Sundays
	Total int           `yaml:"total"` // the notice's 共N天, when it gives one
	Note  string        `yaml:"note"`
}

// HolidayDate is a YYYY-MM-DD date as written, with its line for error messages.
type HolidayDate struct {
	Value string
	Line  int
}

// UnmarshalYAML keeps the scalar as written and where it was.
func (d *HolidayDate) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a date YYYY-MM-DD", n.Line)
	}
	d.Value, d.Line = n.Value, n.Line
	return nil
}

// MarshalYAML writes the date as written.
func (d HolidayDate) MarshalYAML() (any, error) { return d.Value, nil }

// Holidays is the bundled working calendar: the notices for 2023–2026 and the fixed-date
// holidays for other years.
func Holidays() (progressbot.WorkCalendar, error) {
	return parseHolidays(HolidaysPath, holidaysYAML)
}

// LoadHolidays reads a holiday file of the same format as holidays/cn.yaml, typically a
// newly published year's notice an admin transcribed (fixed is optional there), with the
// same validation. Merge the result over the bundled calendar:
//
//	cal = bundled.Merge(loaded)
func LoadHolidays(r io.Reader) (progressbot.WorkCalendar, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return progressbot.WorkCalendar{}, fmt.Errorf("holidays: %w", err)
	}
	return parseHolidays("holidays", b)
}

type holidayLoader struct {
	file     string
	root     *yaml.Node
	problems []Problem
	seen     map[progressbot.CivilDate]string // date → the key that listed it
}

func (l *holidayLoader) problem(line int, key, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: l.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

var unknownField = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)

// holidayKeys lists the keys each part of the format takes, for unknown-key messages.
var holidayKeys = map[string]reflect.Type{
	"seeds.HolidaysFile":      reflect.TypeOf(HolidaysFile{}),
	"seeds.HolidayFixed":      reflect.TypeOf(HolidayFixed{}),
	"seeds.HolidayNoticeYear": reflect.TypeOf(HolidayNoticeYear{}),
	"seeds.HolidayNotice":     reflect.TypeOf(HolidayNotice{}),
	"seeds.HolidayFestival":   reflect.TypeOf(HolidayFestival{}),
}

func knownKeys(typeName string) string {
	t, ok := holidayKeys[typeName]
	if !ok {
		return ""
	}
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return " (want one of: " + strings.Join(keys, ", ") + ")"
}

func (l *holidayLoader) yamlProblem(err error) {
	for _, m := range yamlMessages(err) {
		if sm := unknownField.FindStringSubmatch(m.msg); sm != nil {
			l.problem(m.line, sm[1], "unknown key%s", knownKeys(sm[2]))
			continue
		}
		l.problem(m.line, "", "%s", m.msg)
	}
}

// line finds the line of the node at path (map keys and sequence indices) from the root,
// or of the deepest node on the way.
func (l *holidayLoader) line(path ...any) int {
	n, line := l.root, 0
	for _, p := range path {
		if n == nil {
			break
		}
		line = n.Line
		switch p := p.(type) {
		case string:
			n = mapValue(n, p)
		case int:
			if n.Kind != yaml.SequenceNode || p >= len(n.Content) {
				n = nil
			} else {
				n = n.Content[p]
			}
		}
	}
	if n != nil {
		line = n.Line
	}
	return line
}

func parseHolidays(name string, b []byte) (progressbot.WorkCalendar, error) {
	l := &holidayLoader{file: name, seen: map[progressbot.CivilDate]string{}}
	var f HolidaysFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			l.problem(0, "", "empty file")
		} else {
			l.yamlProblem(err)
		}
		return progressbot.WorkCalendar{}, &Error{Dir: name, Problems: l.problems}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err == nil && len(doc.Content) > 0 {
		l.root = doc.Content[0]
	}
	cal := l.check(&f)
	if len(l.problems) > 0 {
		return progressbot.WorkCalendar{}, &Error{Dir: name, Problems: l.problems}
	}
	return cal, nil
}

func (l *holidayLoader) check(f *HolidaysFile) progressbot.WorkCalendar {
	cal := progressbot.WorkCalendar{Years: map[int]progressbot.HolidayYear{}}
	for i, fx := range f.Fixed {
		cal.Fixed = append(cal.Fixed, l.fixed(i, fx)...)
	}
	if len(f.Years) == 0 {
		l.problem(l.line("years"), "years", "no year: list at least one notice")
	}
	for i := range f.Years {
		y := &f.Years[i]
		key := fmt.Sprintf("years[%d]", y.Year)
		if y.Year < 2000 || y.Year > 2200 {
			l.problem(l.line("years", i, "year"), fmt.Sprintf("years[#%d].year", i+1), "year %d: want 2000–2200", y.Year)
			continue
		}
		if _, dup := cal.Years[y.Year]; dup {
			l.problem(l.line("years", i, "year"), key, "year %d is listed twice", y.Year)
			continue
		}
		cal.Years[y.Year] = l.year(i, key, y)
	}
	return cal
}

func (l *holidayLoader) fixed(i int, fx HolidayFixed) []progressbot.FixedHoliday {
	key := fmt.Sprintf("fixed[%d]", i)
	if strings.TrimSpace(fx.Name) == "" {
		l.problem(l.line("fixed", i), key+".name", "missing")
	}
	if fx.Since != 0 && fx.Until != 0 && fx.Since > fx.Until {
		l.problem(l.line("fixed", i, "since"), key+".since", "since %d is after until %d", fx.Since, fx.Until)
	}
	if len(fx.Dates) == 0 {
		l.problem(l.line("fixed", i), key+".dates", "missing")
	}
	var out []progressbot.FixedHoliday
	for j, s := range fx.Dates {
		// A leap year, so that 02-29 would parse; no statutory holiday is on it anyway.
		t, err := time.Parse("2006-01-02", "2024-"+s)
		if err != nil || len(s) != 5 {
			l.problem(l.line("fixed", i, "dates", j), fmt.Sprintf("%s.dates[%d]", key, j), "%q is not a month and day (want MM-DD)", s)
			continue
		}
		out = append(out, progressbot.FixedHoliday{Name: fx.Name, Month: t.Month(), Day: t.Day(), Since: fx.Since, Until: fx.Until})
	}
	return out
}

func (l *holidayLoader) year(i int, key string, y *HolidayNoticeYear) progressbot.HolidayYear {
	n := y.Notice
	if n.Title == "" {
		l.problem(l.line("years", i, "notice"), key+".notice.title", "missing")
	} else if !strings.Contains(n.Title, fmt.Sprintf("%d年", y.Year)) {
		l.problem(l.line("years", i, "notice", "title"), key+".notice.title", "%q is not the notice for %d", n.Title, y.Year)
	}
	if n.Number == "" {
		l.problem(l.line("years", i, "notice"), key+".notice.number", "missing (e.g. 国办发明电〔2024〕12号)")
	}
	if n.Issued.Value == "" {
		l.problem(l.line("years", i, "notice"), key+".notice.issued", "missing")
	} else if d, err := progressbot.ParseCivilDate(n.Issued.Value); err != nil {
		l.problem(n.Issued.Line, key+".notice.issued", "%v", err)
	} else if d.Year > y.Year {
		l.problem(n.Issued.Line, key+".notice.issued", "%s is after the year the notice is for", d)
	}
	if !strings.HasPrefix(n.URL, "https://") && !strings.HasPrefix(n.URL, "http://") {
		l.problem(l.line("years", i, "notice"), key+".notice.url", "want the notice's address on www.gov.cn")
	}
	if len(y.Festivals) == 0 {
		l.problem(l.line("years", i), key+".festivals", "missing")
	}
	hy := progressbot.HolidayYear{
		Source:   fmt.Sprintf("%s（%s，%s）%s", n.Title, n.Number, n.Issued.Value, n.URL),
		Holidays: map[progressbot.CivilDate]string{},
		Workdays: map[progressbot.CivilDate]string{},
	}
	for j := range y.Festivals {
		l.festival(i, j, key, y.Year, &y.Festivals[j], hy)
	}
	return hy
}

func (l *holidayLoader) festival(i, j int, ykey string, year int, fe *HolidayFestival, hy progressbot.HolidayYear) {
	key := fmt.Sprintf("%s.festivals[%s]", ykey, fe.Name)
	if strings.TrimSpace(fe.Name) == "" {
		key = fmt.Sprintf("%s.festivals[#%d]", ykey, j+1)
		l.problem(l.line("years", i, "festivals", j), key+".name", "missing")
	}
	if strings.TrimSpace(fe.Text) == "" {
		l.problem(l.line("years", i, "festivals", j), key+".text", "missing: copy the notice's sentence")
	}
	if len(fe.Off) == 0 {
		l.problem(l.line("years", i, "festivals", j), key+".off", "missing: the holiday dates")
	}
	if fe.Total != 0 && fe.Total != len(fe.Off) {
		l.problem(l.line("years", i, "festivals", j, "total"), key+".total", "the notice says %d days, off lists %d", fe.Total, len(fe.Off))
	}
	// 元旦 may begin in the December before the year (2022-12-31 in the 2023 notice).
	newYear := strings.Contains(fe.Name, "元旦")
	inYear := func(d progressbot.CivilDate) bool {
		return d.Year == year || (newYear && d.Year == year-1 && d.Month == time.December)
	}
	var prev progressbot.CivilDate
	for k, hd := range fe.Off {
		dkey := fmt.Sprintf("%s.off[%d]", key, k)
		d, ok := l.date(hd, dkey, year, inYear)
		if !ok {
			prev = progressbot.CivilDate{}
			continue
		}
		if prev != (progressbot.CivilDate{}) && d != prev.AddDays(1) {
			l.problem(hd.Line, dkey, "%s does not follow %s: list every day of the holiday, in order", d, prev)
		}
		prev = d
		hy.Holidays[d] = fe.Name
	}
	for k, hd := range fe.Work {
		dkey := fmt.Sprintf("%s.work[%d]", key, k)
		d, ok := l.date(hd, dkey, year, inYear)
		if !ok {
			continue
		}
		if !d.IsWeekend() {
			l.problem(hd.Line, dkey, "%s is a %s: a make-up working day (调休上班) is a Saturday or Sunday", d, d.Weekday())
			continue
		}
		hy.Workdays[d] = fe.Name
	}
}

// date parses one listed date and checks it belongs to the year and is listed once.
func (l *holidayLoader) date(hd HolidayDate, key string, year int, inYear func(progressbot.CivilDate) bool) (progressbot.CivilDate, bool) {
	d, err := progressbot.ParseCivilDate(hd.Value)
	if err != nil {
		l.problem(hd.Line, key, "%v", err)
		return d, false
	}
	if !inYear(d) {
		l.problem(hd.Line, key, "%s is not in %d (only 元旦 may begin in the December before)", d, year)
		return d, false
	}
	if other, dup := l.seen[d]; dup {
		what := "listed twice"
		if strings.Contains(other, ".off[") != strings.Contains(key, ".off[") {
			what = "both a holiday and a make-up working day"
		}
		l.problem(hd.Line, key, "%s is %s (also at %s)", d, what, other)
		return d, false
	}
	l.seen[d] = key
	return d, true
}
