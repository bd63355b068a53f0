package flows

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
)

// Naming: subjects, items and units in the person's language, and the lines of a rollup.

func (e *Engine) kindLabel(s progressbot.Subject, loc *locales.Localizer) string {
	return loc.T("leader.kind." + string(s.Kind))
}

// subjectName is a subject's name in the person's language.
func (e *Engine) subjectName(s progressbot.Subject, loc *locales.Localizer) string {
	en := loc.Lang == "en"
	pick := func(zh, english string) string {
		if en && english != "" {
			return english
		}
		return zh
	}
	p := e.Plan
	switch s.Kind {
	case progressbot.SubjectPlan:
		return loc.T("scope.all")
	case progressbot.SubjectChain:
		if c := p.Chain(s.Key); c != nil {
			return pick(c.Name, c.En)
		}
	case progressbot.SubjectCluster:
		if c := p.Cluster(s.Key); c != nil {
			return pick(c.Name, c.En)
		}
	case progressbot.SubjectUnit:
		return e.unitName(s.Key, loc)
	}
	if ref, ok := s.Item(); ok {
		return e.itemName(ref, loc)
	}
	return s.Key
}

// itemName is an item's short name: "任务6 持续扩大有效投资", "规模以上工业企业户数".
func (e *Engine) itemName(ref progressbot.ItemRef, loc *locales.Localizer) string {
	en := loc.Lang == "en"
	p := e.Plan
	switch ref.Kind {
	case progressbot.ItemIndicator:
		if in := p.Indicator(ref.Key); in != nil {
			if en && in.En != "" {
				return in.En
			}
			return in.Name
		}
	case progressbot.ItemTask:
		no, _ := strconv.Atoi(ref.Key)
		if t := p.Task(no); t != nil {
			name := t.Title
			if en && t.TitleEn != "" {
				name = t.TitleEn
			}
			return loc.T("leader.item.task", "N", t.No, "Name", name)
		}
	case progressbot.ItemWorkItem:
		if w := p.WorkItem(ref.Key); w != nil {
			return loc.T("leader.item.work", "N", strings.TrimLeft(strings.TrimPrefix(w.ID, "wi-"), "0"), "Name", w.Work)
		}
	case progressbot.ItemProject:
		if pr := p.Project(ref.Key); pr != nil {
			if en && pr.En != "" {
				return pr.En
			}
			return pr.Name
		}
	}
	return ref.String()
}

// shortUnit and shortItem are names clipped to fit a line on a phone: Chinese names are
// short, English ones long.
func (e *Engine) shortUnit(unit string, loc *locales.Localizer) string {
	if loc.Lang == "en" {
		return clip(e.unitName(unit, loc), 26)
	}
	return clip(e.unitName(unit, loc), 12)
}

func (e *Engine) shortItem(ref progressbot.ItemRef, loc *locales.Localizer) string {
	if loc.Lang == "en" {
		return clip(e.itemName(ref, loc), 24)
	}
	return clip(e.itemName(ref, loc), 14)
}

func (e *Engine) subjectTitle(s progressbot.Subject, within []progressbot.Subject, loc *locales.Localizer) string {
	t := e.subjectName(s, loc)
	for _, w := range within {
		if w.Kind != progressbot.SubjectPlan {
			t += " · " + e.subjectName(w, loc)
		}
	}
	return t
}

func levelIcon(l progressbot.PaceLevel) string {
	switch l {
	case progressbot.PaceSerious:
		return "🔴"
	case progressbot.PaceLagging:
		return "🟠"
	case progressbot.PaceNoData:
		return "⚪"
	case progressbot.PaceOnTrack:
		return "🟢"
	case progressbot.PaceAhead:
		return "🔵"
	}
	return "▫️"
}

func pct(r float64) string {
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return "—"
	}
	return strconv.Itoa(int(math.Round(r*100))) + "%"
}

func (e *Engine) measure(ref progressbot.ItemRef) string {
	if in := e.Plan.Indicator(ref.Key); in != nil {
		return in.Measure
	}
	return ""
}

// entryText says in one line where an entry stands (without the item's or unit's name).
func (e *Engine) entryText(en progressbot.Entry, loc *locales.Localizer) string {
	m := e.measure(en.Item)
	num := func(v float64) string { return loc.Amount(v, m) }
	switch en.Reason {
	case progressbot.ReasonValue:
		return loc.T("leader.entry.value", "Value", num(en.Value), "Expected", num(en.Expected), "Pct", pct(en.Ratio))
	case progressbot.ReasonTotal:
		return loc.T("leader.entry.total", "Value", num(en.Value), "Expected", num(en.Expected), "Pct", pct(en.Ratio))
	case progressbot.ReasonTotalPartial:
		if !en.HasValue {
			// Nobody has reported: a sum of nothing against nothing means nothing.
			return loc.T("leader.entry.total_none", "Count", en.Missing)
		}
		return loc.T("leader.entry.total_partial", "Value", num(en.Value), "Expected", num(en.Expected), "Pct", pct(en.Ratio), "Count", en.Missing)
	case progressbot.ReasonNoTarget:
		if en.HasValue {
			return loc.T("leader.entry.no_target", "Value", num(en.Value))
		}
		if en.Stage != "" {
			return loc.T("stage." + string(en.Stage))
		}
	case progressbot.ReasonDone, progressbot.ReasonOnTrack, progressbot.ReasonNotStarted, progressbot.ReasonLagging:
		return loc.T("status." + string(en.Status))
	case progressbot.ReasonOverdue:
		return loc.T("leader.entry.overdue", "Status", loc.T("status."+string(en.Status)), "Deadline", deadlineText(en.Deadline, loc))
	case progressbot.ReasonStage, progressbot.ReasonStageAhead:
		return loc.T("stage." + string(en.Stage))
	case progressbot.ReasonStageBehind:
		return loc.T("leader.entry.stage_behind", "Stage", loc.T("stage."+string(en.Stage)), "Due", loc.T("stage."+string(en.Due)))
	case progressbot.ReasonSkipped:
		return loc.T("leader.entry.skipped")
	}
	return loc.T("leader.entry.not_reported")
}

func deadlineText(p progressbot.Period, loc *locales.Localizer) string {
	if p.Month == time.December {
		return loc.T("leader.year", "Year", p.Year)
	}
	return periodLabel(p, loc)
}

// entryLine is an entry with its names: "🔴 任务8 夯实… · 濂溪区：滞后，已过期限（2025年）".
func (e *Engine) entryLine(en progressbot.Entry, ru *progressbot.Rollup, loc *locales.Localizer) string {
	var names []string
	if _, isItem := ru.Selection.Subject.Item(); !isItem {
		names = append(names, e.shortItem(en.Item, loc))
	}
	if en.Unit == "" {
		names = append(names, loc.T("leader.city_total"))
	} else if ru.Selection.Subject.Kind != progressbot.SubjectUnit {
		names = append(names, e.shortUnit(en.Unit, loc))
	}
	s := levelIcon(en.Level) + " " + strings.Join(names, " · ")
	if len(names) > 0 {
		s += loc.T("leader.colon")
	}
	s += e.entryText(en, loc)
	if en.Period != ru.Period && en.Unit != "" {
		s += loc.T("leader.as_of", "Period", periodLabel(en.Period, loc))
	}
	return s
}

func (e *Engine) headline(ru *progressbot.Rollup, loc *locales.Localizer) string {
	h := ru.Head
	var b strings.Builder
	b.WriteString(loc.T("leader.head.items", "Count", h.Total))
	parts := []string{}
	for _, x := range []struct {
		n   int
		key string
	}{{h.Ahead, "ahead"}, {h.OnTrack, "on_track"}, {h.Lagging, "lagging"}, {h.Serious, "serious"}, {h.NoData, "no_data"}, {h.NoTarget, "no_target"}} {
		if x.n > 0 || x.key == "lagging" || x.key == "serious" {
			parts = append(parts, loc.T("leader.level."+x.key)+" "+strconv.Itoa(x.n))
		}
	}
	b.WriteString(strings.Join(parts, " · "))
	if rp := ru.Reports; rp.Units > 0 && ru.Selection.Subject.Kind != progressbot.SubjectUnit {
		b.WriteString("\n")
		b.WriteString(loc.T("leader.head.units", "Count", rp.Units))
		parts = parts[:0]
		parts = append(parts, loc.T("leader.timely.on_time")+" "+strconv.Itoa(rp.OnTime))
		if rp.Late > 0 {
			parts = append(parts, loc.T("leader.timely.late")+" "+strconv.Itoa(rp.Late))
		}
		if rp.Missing > 0 || rp.Pending == 0 {
			parts = append(parts, loc.T("leader.timely.missing")+" "+strconv.Itoa(rp.Missing))
		}
		if rp.Pending > 0 {
			parts = append(parts, loc.T("leader.timely.pending")+" "+strconv.Itoa(rp.Pending))
		}
		b.WriteString(strings.Join(parts, " · "))
	}
	return b.String()
}

// heading is "【subject · parents】period"; a unit seen through a chain or cluster scope
// names the scope too, since only its items are shown.
func (e *Engine) heading(ru *progressbot.Rollup, v view, loc *locales.Localizer) string {
	within := v.within
	sc := ru.Selection.Scope
	if v.subject.Kind == progressbot.SubjectUnit && (sc.Kind == progressbot.SubjectChain || sc.Kind == progressbot.SubjectCluster) && !slices.Contains(within, sc) {
		within = append(slices.Clone(within), sc)
	}
	return loc.T("leader.title", "Subject", e.subjectTitle(v.subject, within, loc), "Period", periodLabel(ru.Period, loc))
}

func (e *Engine) title(ru *progressbot.Rollup, v view, loc *locales.Localizer) string {
	t := e.heading(ru, v, loc)
	if !ru.Closed {
		t += "\n" + loc.T("leader.open_period", "Deadline", e.deadlineLabel(ru.Period, loc))
	}
	return t
}

func (e *Engine) deadlineLabel(p progressbot.Period, loc *locales.Localizer) string {
	d := e.periodDeadline(p)
	return loc.T("time.deadline", "Month", int(d.Month()), "MonthName", d.Month().String(), "Day", d.Day(), "Time", d.Format("15:04"))
}

func (e *Engine) timelyText(ur progressbot.UnitRow, loc *locales.Localizer) string {
	switch ur.Timeliness {
	case progressbot.OnTime:
		return loc.T("leader.timely.on_time")
	case progressbot.Late:
		return loc.T("leader.timely.late_days", "Count", ur.Days)
	case progressbot.Missing:
		return loc.T("leader.timely.missing_days", "Count", ur.Days)
	case progressbot.Pending:
		return loc.T("leader.timely.pending_days", "Count", ur.Days)
	}
	return ""
}
