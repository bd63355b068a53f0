package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
)

// names renders the plan's things for people, in a language.
type names struct {
	p   *progressbot.Plan
	loc *locales.Localizer
	tz  *time.Location
}

func (n names) en() bool { return n.loc.Lang == "en" }

func (n names) unit(id string) string {
	u := n.p.Unit(id)
	if u == nil {
		return id
	}
	if n.en() && u.En != "" {
		return u.En
	}
	return u.Name
}

func (n names) units(ids []string, max int) string {
	var parts []string
	for i, id := range ids {
		if max > 0 && i == max {
			parts = append(parts, n.loc.T("schedule.more_units", "N", len(ids)-max))
			break
		}
		parts = append(parts, n.unit(id))
	}
	return strings.Join(parts, n.loc.T("schedule.sep"))
}

func (n names) scope(s string) string {
	kind, key, _ := strings.Cut(s, ":")
	switch kind {
	case "chain":
		if c := n.p.Chain(key); c != nil {
			if n.en() && c.En != "" {
				return c.En
			}
			return c.Name
		}
	case "cluster":
		if c := n.p.Cluster(key); c != nil {
			if n.en() && c.En != "" {
				return c.En
			}
			return c.Name
		}
	case "unit":
		return n.unit(key)
	}
	return n.loc.T("scope.all")
}

func (n names) period(p progressbot.Period) string {
	return n.loc.T("period.label", "Year", p.Year, "Month", int(p.Month), "MonthName", p.Month.String())
}

func (n names) moment(t time.Time) string {
	t = t.In(n.tz)
	return n.loc.T("time.deadline", "Month", int(t.Month()), "MonthName", t.Month().String(), "Day", t.Day(), "Time", t.Format("15:04"))
}

func (n names) date(t time.Time) string {
	t = t.In(n.tz)
	return n.loc.T("schedule.date", "Month", int(t.Month()), "MonthName", t.Month().String(), "Day", t.Day())
}

func clip(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

// item names an item in one short line.
func (n names) item(ref progressbot.ItemRef) string {
	switch ref.Kind {
	case progressbot.ItemIndicator:
		if in := n.p.Indicator(ref.Key); in != nil {
			if n.en() && in.En != "" {
				return clip(in.En, 40)
			}
			return clip(in.Name, 30)
		}
	case progressbot.ItemTask:
		no, _ := strconv.Atoi(ref.Key)
		if t := n.p.Task(no); t != nil {
			title := t.Title
			if n.en() && t.TitleEn != "" {
				title = t.TitleEn
			}
			return n.loc.T("schedule.item.task", "N", t.No, "Name", clip(title, 24))
		}
	case progressbot.ItemWorkItem:
		if w := n.p.WorkItem(ref.Key); w != nil {
			return n.loc.T("schedule.item.work", "N", strings.TrimPrefix(w.ID, "wi-"), "Name", clip(w.Work, 24))
		}
	case progressbot.ItemProject:
		if pr := n.p.Project(ref.Key); pr != nil {
			if n.en() && pr.En != "" {
				return clip(pr.En, 40)
			}
			return clip(pr.Name, 30)
		}
	}
	return ref.String()
}

func (n names) value(ref progressbot.ItemRef, v float64) string {
	measure := ""
	if in := n.p.Indicator(ref.Key); in != nil {
		measure = in.Measure
	}
	return n.loc.Amount(v, measure)
}

func percent(num, den int) string {
	if den == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(num)/float64(den))
}

func ratioPercent(r float64) string {
	if r > 9.99 {
		return ">999%"
	}
	return fmt.Sprintf("%.0f%%", 100*r)
}

// splitText cuts a text into parts of at most max characters at line breaks (a line
// longer than max is cut where it must).
func splitText(s string, max int) []string {
	var (
		parts []string
		cur   strings.Builder
		n     int
	)
	flush := func() {
		if t := strings.TrimRight(cur.String(), "\n"); strings.TrimSpace(t) != "" {
			parts = append(parts, t)
		}
		cur.Reset()
		n = 0
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		l := utf8.RuneCountInString(line)
		if n+l > max && n > 0 {
			flush()
		}
		for l > max {
			r := []rune(line)
			cur.WriteString(string(r[:max]))
			flush()
			line = string(r[max:])
			l -= max
		}
		cur.WriteString(line)
		n += l
	}
	flush()
	return parts
}
