package flows

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
)

// Rollups of a subject within a person's scope, and the screens that show them: the
// summary, its lists by unit, task and indicator, what needs attention and coordination.

// rollup computes what a person sees of a subject in a period; ErrOutOfScope when it is
// not theirs to see.
func (e *Engine) rollup(ctx context.Context, u User, subj progressbot.Subject, within []progressbot.Subject, per progressbot.Period, texts bool) (*progressbot.Rollup, error) {
	scope, ok := e.scopeOf(u)
	if !ok {
		return nil, progressbot.ErrOutOfScope
	}
	r := e.roller()
	sel, err := r.Select(subj, scope, within...)
	if err != nil {
		return nil, err
	}
	snap, err := e.DB.Snapshot(ctx, e.Plan.ID, r.Query(sel, per, texts))
	if err != nil {
		return nil, err
	}
	if e.Schedule != nil {
		if snap.Deadline, snap.Deadlines, err = e.Schedule.Deadlines(ctx, per); err != nil {
			return nil, err
		}
	}
	return r.Roll(sel, per, snap, e.Calendar, e.now()), nil
}

func (e *Engine) showRollup(ctx context.Context, u User, v view, edit bool, loc *locales.Localizer) (Reply, error) {
	_, isItem := v.subject.Item()
	texts := v.name == viewUnits && isItem
	ru, err := e.rollup(ctx, u, v.subject, v.within, v.period, texts)
	if r, ok := e.refusedRollup(err, u, v.subject, v.period, loc, "within", fmt.Sprint(v.within)); ok {
		return r, nil
	}
	if err != nil {
		return Reply{}, err
	}
	var m Message
	switch v.name {
	case viewUnits:
		m = e.unitsScreen(ru, v, loc)
	case viewTasks:
		m = e.itemsScreen(ru, v, false, loc)
	case viewIndicator:
		m = e.itemsScreen(ru, v, true, loc)
	case viewAttention:
		m = e.entriesScreen(ru, v, ru.Attention, "leader.attention.title", func(en progressbot.Entry) string { return e.entryLine(en, ru, loc) }, loc)
	case viewCoord:
		m = e.entriesScreen(ru, v, ru.Coordination, "leader.coordination", func(en progressbot.Entry) string { return e.coordLine(en, ru, loc) }, loc)
	case viewFiles:
		return e.evidenceFiles(ctx, ru, v, edit, loc)
	default:
		v.name = viewSummary
		m = e.summaryScreen(ru, v, loc)
		if err := e.withEvidence(ctx, ru, v, &m, loc); err != nil {
			return Reply{}, err
		}
	}
	m.Edit = edit
	m.Keyboard = append(m.Keyboard, e.dashboardRow(u, v, loc)...)
	return Reply{Messages: []Message{m}}, nil
}

func (e *Engine) summaryScreen(ru *progressbot.Rollup, v view, loc *locales.Localizer) Message {
	var b strings.Builder
	b.WriteString(e.title(ru, v, loc))
	b.WriteString("\n")
	subj := v.subject
	_, isItem := subj.Item()
	// An indicator: the city total (or the one value) first, with the city's target.
	if subj.Kind == progressbot.SubjectIndicator && len(ru.Items) == 1 {
		it := ru.Items[0]
		if it.Total != nil {
			b.WriteString(levelIcon(it.Total.Level) + " " + loc.T("leader.city_total") + loc.T("leader.colon") + e.entryText(*it.Total, loc) + "\n")
		} else if len(ru.Entries) == 1 {
			b.WriteString(e.entryLine(ru.Entries[0], ru, loc) + "\n")
		}
		if t, ok := e.cityTarget(subj.Key, ru.Period, loc); ok {
			b.WriteString(loc.T("leader.city_target", "Year", ru.Period.Year, "Target", t) + "\n")
		}
	}
	if subj.Kind == progressbot.SubjectProject {
		if pr := e.Plan.Project(subj.Key); pr != nil {
			var ms []string
			for _, m := range pr.Milestones {
				ms = append(ms, m.By+" "+loc.T("stage."+string(m.Stage)))
			}
			if len(ms) > 0 {
				b.WriteString(loc.T("leader.milestones", "List", strings.Join(ms, loc.T("leader.list_sep"))) + "\n")
			}
		}
		for _, en := range ru.Entries {
			b.WriteString(levelIcon(en.Level) + " " + e.shortUnit(en.Unit, loc) + loc.T("leader.colon") + e.entryText(en, loc) + "\n")
		}
	}
	if subj.Kind == progressbot.SubjectUnit && len(ru.Units) > 0 {
		for _, ur := range ru.Units {
			if ur.Unit == subj.Key && ur.Timeliness != "" {
				b.WriteString(loc.T("leader.report_state", "State", e.timelyText(ur, loc)) + "\n")
			}
		}
	}
	b.WriteString(e.headline(ru, loc))
	if ru.Head.Total == 0 {
		b.WriteString("\n" + loc.T("leader.nothing"))
	}
	section := func(headID string, entries []progressbot.Entry, limit int, line func(progressbot.Entry) string) {
		if len(entries) == 0 {
			return
		}
		b.WriteString("\n\n" + loc.T(headID, "Count", len(entries)))
		for i, en := range entries {
			if i == limit {
				b.WriteString("\n" + loc.T("leader.more_lines", "Count", len(entries)-i))
				break
			}
			b.WriteString("\n" + line(en))
		}
	}
	section("leader.attention", ru.Attention, summaryAttention, func(en progressbot.Entry) string { return e.entryLine(en, ru, loc) })
	section("leader.coordination", ru.Coordination, summaryCoord, func(en progressbot.Entry) string { return e.coordLine(en, ru, loc) })
	if subj.Kind != progressbot.SubjectUnit && len(ru.Missing) > 0 {
		var names []string
		for i, ur := range ru.Missing {
			if i == summaryMissing {
				names = append(names, loc.T("leader.and_more", "Count", len(ru.Missing)-i))
				break
			}
			how := loc.T("leader.days_overdue", "Count", ur.Days)
			if ur.Timeliness == progressbot.Pending {
				how = loc.T("leader.days_left", "Count", ur.Days)
			}
			names = append(names, e.shortUnit(ur.Unit, loc)+loc.T("leader.paren", "Text", how))
		}
		b.WriteString("\n\n" + loc.T("leader.not_submitted") + strings.Join(names, loc.T("leader.list_sep")))
	}
	var rows [][]Button
	var row []Button
	at := func(name string, label string) {
		w := v
		w.name, w.page = name, 0
		row = append(row, Button{Label: label, Data: w.encode(e.Plan)})
	}
	if len(ru.Attention) > summaryAttention {
		at(viewAttention, loc.T("leader.button.attention", "Count", len(ru.Attention)))
	}
	if len(ru.Coordination) > summaryCoord {
		at(viewCoord, loc.T("leader.button.coordination", "Count", len(ru.Coordination)))
	}
	if len(row) > 0 {
		rows, row = append(rows, row), nil
	}
	var nTasks, nInd int
	for _, it := range ru.Items {
		if it.Item.Kind == progressbot.ItemIndicator {
			nInd++
		} else {
			nTasks++
		}
	}
	if subj.Kind != progressbot.SubjectUnit && (len(ru.Units) > 1 || isItem) {
		at(viewUnits, loc.T("leader.button.by_unit"))
	}
	if nTasks > 0 && !isItem {
		at(viewTasks, loc.T("leader.button.by_task"))
	}
	if nInd > 0 && !isItem {
		at(viewIndicator, loc.T("leader.button.by_indicator"))
	}
	if len(row) > 0 {
		rows, row = append(rows, row), nil
	}
	rows = append(rows, e.periodRow(v, loc)...)
	if len(v.within) > 0 {
		rows = append(rows, []Button{{Label: loc.T("leader.button.back_to", "Name", clip(e.subjectName(v.within[0], loc), 12)),
			Data: v.parent().encode(e.Plan)}})
	}
	return Message{Text: b.String(), Keyboard: rows}
}

// cityTarget is the city's numeric target of an indicator for the period's year.
func (e *Engine) cityTarget(indicator string, per progressbot.Period, loc *locales.Localizer) (string, bool) {
	in := e.Plan.Indicator(indicator)
	if in == nil {
		return "", false
	}
	path := e.Plan.PathFor(in.ID, e.Plan.TargetUnit(in, e.Plan.City), nil)
	if len(path.Targets) == 0 {
		return "", false
	}
	t, ok := progressbot.Expected(in.Kind, path, per.Year, 1)
	return loc.Amount(t, in.Measure), ok
}

func (e *Engine) coordLine(en progressbot.Entry, ru *progressbot.Rollup, loc *locales.Localizer) string {
	var names []string
	if ru.Selection.Subject.Kind != progressbot.SubjectUnit {
		names = append(names, e.shortUnit(en.Unit, loc))
	}
	if _, isItem := ru.Selection.Subject.Item(); !isItem {
		names = append(names, e.shortItem(en.Item, loc))
	}
	return "· " + strings.Join(names, " · ") + loc.T("leader.colon") + clip(en.Coordination, 40)
}

// periodRow offers the month before and after.
func (e *Engine) periodRow(v view, loc *locales.Localizer) [][]Button {
	var row []Button
	prev, next := v.period.Prev(), v.period.Next()
	if !prev.Before(e.firstPeriod()) {
		w := v
		w.period, w.page = prev, 0
		row = append(row, Button{Label: "‹ " + periodLabel(prev, loc), Data: w.encode(e.Plan)})
	}
	if !e.Calendar.Current(e.now()).Before(next) {
		w := v
		w.period, w.page = next, 0
		row = append(row, Button{Label: periodLabel(next, loc) + " ›", Data: w.encode(e.Plan)})
	}
	if len(row) == 0 {
		return nil
	}
	return [][]Button{row}
}

// pager is the page's slice bounds, and the buttons to move between pages and back.
func (e *Engine) pager(v view, n, size int, loc *locales.Localizer) (from, to int, nav []Button) {
	pages := max(1, (n+size-1)/size)
	page := min(v.page, pages-1)
	from, to = page*size, min(n, (page+1)*size)
	if page > 0 {
		w := v
		w.page = page - 1
		nav = append(nav, Button{Label: loc.T("button.prev_page"), Data: w.encode(e.Plan)})
	}
	if page < pages-1 {
		w := v
		w.page = page + 1
		nav = append(nav, Button{Label: loc.T("button.next_page"), Data: w.encode(e.Plan)})
	}
	w := v
	w.name, w.page = viewSummary, 0
	nav = append(nav, Button{Label: loc.T("leader.button.back"), Data: w.encode(e.Plan)})
	return from, to, nav
}

func pageNote(v view, n, size int, loc *locales.Localizer) string {
	pages := max(1, (n+size-1)/size)
	if pages == 1 {
		return ""
	}
	return " " + loc.T("report.page", "Page", min(v.page, pages-1)+1, "Pages", pages)
}

// entriesScreen is one page of a rollup's list of entries under its title, each written
// by line.
func (e *Engine) entriesScreen(ru *progressbot.Rollup, v view, es []progressbot.Entry, titleKey string, line func(progressbot.Entry) string, loc *locales.Localizer) Message {
	from, to, nav := e.pager(v, len(es), listPage, loc)
	var b strings.Builder
	b.WriteString(e.heading(ru, v, loc))
	b.WriteString("\n" + loc.T(titleKey, "Count", len(es)) + pageNote(v, len(es), listPage, loc))
	for i := from; i < to; i++ {
		b.WriteString("\n" + line(es[i]))
	}
	return Message{Text: b.String(), Keyboard: [][]Button{nav}}
}

func countsText(c progressbot.Counts, loc *locales.Localizer) string {
	var parts []string
	for _, x := range []struct {
		n   int
		key string
	}{{c.Serious, "serious"}, {c.Lagging, "lagging"}, {c.NoData, "no_data"}, {c.OnTrack, "on_track"}, {c.Ahead, "ahead"}} {
		if x.n > 0 {
			parts = append(parts, loc.T("leader.level."+x.key)+" "+strconv.Itoa(x.n))
		}
	}
	return strings.Join(parts, " · ")
}

// unitsScreen lists units worst first; for an item, each unit's answer and words.
func (e *Engine) unitsScreen(ru *progressbot.Rollup, v view, loc *locales.Localizer) Message {
	if _, isItem := v.subject.Item(); isItem {
		return e.answersScreen(ru, v, loc)
	}
	units := ru.Units
	from, to, nav := e.pager(v, len(units), listPage, loc)
	var b strings.Builder
	b.WriteString(e.heading(ru, v, loc))
	b.WriteString("\n" + loc.T("leader.by_unit", "Count", len(units)) + pageNote(v, len(units), listPage, loc))
	var open []Button
	for i := from; i < to; i++ {
		ur := units[i]
		line := fmt.Sprintf("\n%d. %s %s%s%s", i+1, levelIcon(ur.Counts.Worst()), e.shortUnit(ur.Unit, loc), loc.T("leader.colon"), countsText(ur.Counts, loc))
		if t := e.timelyText(ur, loc); t != "" && ur.Timeliness != progressbot.OnTime {
			line += " · " + t
		}
		b.WriteString(line)
		open = append(open, Button{Label: strconv.Itoa(i + 1), Data: v.child(progressbot.Subject{Kind: progressbot.SubjectUnit, Key: ur.Unit}).encode(e.Plan)})
	}
	return Message{Text: b.String(), Keyboard: append(chunk(open, 4), nav)}
}

func chunk(bs []Button, n int) [][]Button {
	var rows [][]Button
	for len(bs) > 0 {
		k := min(n, len(bs))
		rows = append(rows, bs[:k])
		bs = bs[k:]
	}
	return rows
}

// answersScreen is an item's units, each with its answer and, for a task, what it did and
// what it needs.
func (e *Engine) answersScreen(ru *progressbot.Rollup, v view, loc *locales.Localizer) Message {
	es := ru.Entries
	from, to, nav := e.pager(v, len(es), listPage, loc)
	var b strings.Builder
	b.WriteString(e.heading(ru, v, loc))
	b.WriteString("\n" + loc.T("leader.by_unit", "Count", len(es)) + pageNote(v, len(es), listPage, loc))
	for i := from; i < to; i++ {
		en := es[i]
		b.WriteString(fmt.Sprintf("\n%d. %s %s%s%s", i+1, levelIcon(en.Level), e.shortUnit(en.Unit, loc), loc.T("leader.colon"), e.entryText(en, loc)))
		if en.Done != "" && en.Reason != progressbot.ReasonSkipped {
			key := "leader.done"
			if en.DoneCarried {
				key = "leader.done_carried" // a leader sees it was not written anew
			}
			b.WriteString("\n   " + loc.T(key, "Text", clip(en.Done, 40)))
		}
		if en.Coordination != "" {
			b.WriteString("\n   " + loc.T("answer.coordination", "Text", clip(en.Coordination, 40)))
		}
	}
	return Message{Text: b.String(), Keyboard: [][]Button{nav}}
}

// itemsScreen lists tasks, work items and projects, or indicators, worst first.
func (e *Engine) itemsScreen(ru *progressbot.Rollup, v view, indicators bool, loc *locales.Localizer) Message {
	var items []progressbot.ItemRow
	for _, it := range ru.Items {
		if (it.Item.Kind == progressbot.ItemIndicator) == indicators {
			items = append(items, it)
		}
	}
	from, to, nav := e.pager(v, len(items), listPage, loc)
	key := "leader.by_task"
	if indicators {
		key = "leader.by_indicator"
	}
	var b strings.Builder
	b.WriteString(e.heading(ru, v, loc))
	b.WriteString("\n" + loc.T(key, "Count", len(items)) + pageNote(v, len(items), listPage, loc))
	var open []Button
	single := v.subject.Kind == progressbot.SubjectUnit
	for i := from; i < to; i++ {
		it := items[i]
		line := fmt.Sprintf("\n%d. %s %s%s", i+1, levelIcon(it.Level), e.shortItem(it.Item, loc), loc.T("leader.colon"))
		en := ru.Standing(it)
		if en == nil && single {
			en = ru.EntryOf(it.Item) // a unit's own line, whatever its counts
		}
		if en != nil {
			line += e.entryText(*en, loc)
		} else {
			line += countsText(it.Counts, loc)
		}
		if it.Period != ru.Period {
			line += loc.T("leader.as_of", "Period", periodLabel(it.Period, loc))
		}
		b.WriteString(line)
		open = append(open, Button{Label: strconv.Itoa(i + 1), Data: v.child(progressbot.SubjectOfItem(it.Item)).encode(e.Plan)})
	}
	return Message{Text: b.String(), Keyboard: append(chunk(open, 4), nav)}
}
