package flows

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
)

func periodLabel(p progressbot.Period, loc *locales.Localizer) string {
	return loc.T("period.label", "Year", p.Year, "Month", int(p.Month), "MonthName", p.Month.String())
}

func (rc *reportCtx) deadlineLabel() string {
	d := rc.e.deadlineFor(rc.ctx, rc.st.Unit, rc.period)
	return rc.loc.T("time.deadline", "Month", int(d.Month()), "MonthName", d.Month().String(), "Day", d.Day(), "Time", d.Format("15:04"))
}

// clip shortens text for a phone screen, on a rune boundary.
func clip(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

// itemTitle names an item in one line.
func (e *Engine) itemTitle(ref progressbot.ItemRef, loc *locales.Localizer) string {
	en := loc.Lang == "en"
	switch ref.Kind {
	case progressbot.ItemIndicator:
		if in := e.Plan.Indicator(ref.Key); in != nil {
			name := in.Name
			if en && in.En != "" {
				name = in.En
			}
			return loc.T("item.indicator", "Name", name, "Measure", loc.MeasureName(in.Measure))
		}
	case progressbot.ItemTask:
		no, _ := strconv.Atoi(ref.Key)
		if t := e.Plan.Task(no); t != nil {
			name := t.Title
			if en && t.TitleEn != "" {
				name = t.TitleEn
			}
			return loc.T("item.task", "N", t.No, "Name", name)
		}
	case progressbot.ItemWorkItem:
		if w := e.Plan.WorkItem(ref.Key); w != nil {
			return loc.T("item.work", "N", strings.TrimPrefix(w.ID, "wi-"), "Name", clip(w.Work, 40))
		}
	case progressbot.ItemProject:
		if p := e.Plan.Project(ref.Key); p != nil {
			name := p.Name
			if en && p.En != "" {
				name = p.En
			}
			return loc.T("item.project", "Name", name)
		}
	}
	return ref.String()
}

// answerText summarizes an answer in one line.
func (e *Engine) answerText(ref progressbot.ItemRef, a progressbot.Answer, ok bool, loc *locales.Localizer) string {
	switch {
	case !ok:
		return loc.T("answer.none")
	case a.Skipped:
		return loc.T("answer.skipped")
	}
	switch ref.Kind {
	case progressbot.ItemIndicator:
		if a.Value == nil {
			return loc.T("answer.none")
		}
		measure := ""
		if in := e.Plan.Indicator(ref.Key); in != nil {
			measure = in.Measure
		}
		return loc.Amount(*a.Value, measure)
	case progressbot.ItemTask, progressbot.ItemWorkItem:
		if a.Status == "" {
			return loc.T("answer.none")
		}
		s := loc.T("status." + string(a.Status))
		switch {
		case a.Done == "":
			s += " " + loc.T("answer.unfinished")
		case a.DoneCarried:
			s += " · " + loc.T("answer.done_carried")
		}
		if a.Coordination != "" && a.Coordination != loc.T("report.none_value") {
			s += " · " + loc.T("answer.coordination", "Text", clip(a.Coordination, 20))
		}
		return s
	case progressbot.ItemProject:
		if a.Stage == "" {
			return loc.T("answer.none")
		}
		return loc.T("stage." + string(a.Stage))
	}
	return ""
}

// screen renders where the liaison is.
func (rc *reportCtx) screen() Message {
	loc := rc.loc
	switch {
	case rc.submitted():
		return rc.submittedScreen()
	case rc.st.Pos < 0:
		return rc.intro()
	case rc.st.Pos >= len(rc.due) && rc.st.Phase == phaseSubmit:
		return rc.confirmSubmit()
	case rc.st.Pos >= len(rc.due):
		return rc.review()
	case rc.st.Typed != nil:
		return Message{Text: loc.T("report.recheck", "Text", clip(*rc.st.Typed, 200), "Item", rc.questionLabel(rc.item(), rc.st.Phase)),
			Keyboard: [][]Button{{rc.btn(loc.T("button.file_typed"), "file")}, {rc.btn(loc.T("button.drop_typed"), "drop")}}}
	}
	ref := rc.item()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n", loc.T("report.progress", "Index", rc.st.Pos+1, "Total", len(rc.due)), rc.e.itemTitle(ref, loc))
	a, ok := rc.rep.Answers[ref]
	switch ref.Kind {
	case progressbot.ItemIndicator:
		return rc.indicatorScreen(&b, a, ok)
	case progressbot.ItemTask, progressbot.ItemWorkItem:
		return rc.taskScreen(&b, ref, a, ok)
	case progressbot.ItemProject:
		return rc.projectScreen(&b, ref, a, ok)
	}
	return Message{Text: b.String()}
}

// nav ends every item's keyboard: the navigation row, always last and always in this
// order, so that a thumb finds it in the same place on every screen. A button shown only
// sometimes (保持不变) goes in a row above it, never between.
func (rc *reportCtx) nav(rows [][]Button, keepable bool) [][]Button {
	loc := rc.loc
	if keepable {
		rows = append(rows, []Button{rc.btn(loc.T("button.keep"), "keep")})
	}
	return append(rows, []Button{rc.btn(loc.T("button.skip"), "skip"), rc.btn(loc.T("button.back"), "back"), rc.btn(loc.T("button.pause"), "pause")})
}

func (rc *reportCtx) indicatorScreen(b *strings.Builder, a progressbot.Answer, ok bool) Message {
	loc := rc.loc
	in := rc.e.Plan.Indicator(rc.item().Key)
	tu := rc.e.Plan.TargetUnit(in, rc.st.Unit)
	path := rc.e.Plan.PathFor(in.ID, tu, nil)
	if t, has := rc.yearTarget(in); has {
		fmt.Fprintln(b, loc.T("report.target", "Year", rc.period.Year, "Target", loc.Amount(t, in.Measure)))
		if exp, ok := progressbot.Expected(in.Kind, path, rc.period.Year, rc.period.YearFraction()); ok && exp != t {
			fmt.Fprintln(b, loc.T("report.expected", "Expected", loc.Amount(exp, in.Measure)))
		}
	} else {
		for _, tg := range rc.e.Plan.TargetsFor(in.ID, tu) {
			if tg.Text != "" {
				fmt.Fprintln(b, loc.T("report.target_text", "Year", tg.Year, "Text", clip(tg.Text, 60)))
			}
		}
	}
	var rows [][]Button
	if rc.st.Phase == phaseConfirm && rc.st.Pending != nil {
		fmt.Fprint(b, loc.T("report.confirm."+rc.st.Pending.Why, "Value", loc.Amount(rc.st.Pending.Value, in.Measure), "Text", rc.st.Pending.Raw))
		rows = append(rows, []Button{rc.btn(loc.T("button.confirm"), "ok"), rc.btn(loc.T("button.redo"), "redo")})
		return Message{Text: b.String(), Keyboard: rc.nav(rows, false)}
	}
	if prev, has := rc.previous(); has && prev.Value != nil {
		fmt.Fprintln(b, loc.T("report.last", "Period", periodLabel(prev.Period, loc), "Value", loc.Amount(*prev.Value, in.Measure)))
		rows = append(rows, []Button{rc.btn(loc.T("button.same", "Value", loc.Amount(*prev.Value, in.Measure)), "same")})
	}
	if ok {
		fmt.Fprintln(b, loc.T("report.current", "Value", rc.e.answerText(rc.item(), a, ok, loc)))
	}
	fmt.Fprint(b, loc.T("report.ask_value", "Measure", loc.MeasureName(in.Measure)))
	return Message{Text: b.String(), Keyboard: rc.nav(rows, complete(rc.item(), a, ok))}
}

// previous is the item's latest answer from an earlier period. The lookup is cheap (an
// indexed query) and only runs while rendering one screen.
func (rc *reportCtx) previous() (progressbot.Answer, bool) {
	a, ok, err := rc.e.DB.Previous(rc.ctx, rc.e.Plan.ID, rc.st.Unit, rc.period, rc.item())
	if err != nil {
		return a, false
	}
	return a, ok
}

func (rc *reportCtx) taskScreen(b *strings.Builder, ref progressbot.ItemRef, a progressbot.Answer, ok bool) Message {
	loc := rc.loc
	var lead []string
	var text string
	if ref.Kind == progressbot.ItemTask {
		no, _ := strconv.Atoi(ref.Key)
		t := rc.e.Plan.Task(no)
		lead, text = t.Lead, t.Text
	} else {
		w := rc.e.Plan.WorkItem(ref.Key)
		lead, text = w.Lead, w.Task
	}
	var leads []string
	for _, l := range lead {
		leads = append(leads, rc.e.unitName(l, loc))
	}
	if len(leads) > 0 {
		fmt.Fprintln(b, loc.T("report.lead", "Units", strings.Join(leads, "、")))
	}
	prev, hasPrev := rc.previous()
	switch rc.st.Phase {
	case phaseDone:
		// The status is given: what was done, typed, or last month's text as it was.
		fmt.Fprintln(b, loc.T("report.status_chosen", "Status", loc.T("status."+string(a.Status))))
		if hasPrev && prev.Done != "" {
			fmt.Fprintln(b, loc.T("report.last_done", "Period", periodLabel(prev.Period, loc), "Text", clip(prev.Done, 60)))
		}
		fmt.Fprint(b, loc.T("report.ask_done"))
		var quick []Button
		if hasPrev && prev.Done != "" {
			quick = append(quick, rc.btn(loc.T("button.same_text"), "samedone"))
		}
		quick = append(quick, rc.btn(loc.T("button.none"), "nodone"))
		return Message{Text: b.String(), Keyboard: rc.nav([][]Button{quick}, false)}
	case phaseCoord:
		fmt.Fprint(b, loc.T("report.ask_coord"))
		return Message{Text: b.String(), Keyboard: rc.nav([][]Button{{rc.btn(loc.T("button.none"), "none")}}, false)}
	}
	fmt.Fprintln(b, clip(text, 160))
	if hasPrev && prev.Status != "" {
		fmt.Fprintln(b, loc.T("report.last", "Period", periodLabel(prev.Period, loc), "Value", loc.T("status."+string(prev.Status))))
	}
	if ok {
		fmt.Fprintln(b, loc.T("report.current", "Value", rc.e.answerText(ref, a, ok, loc)))
	}
	fmt.Fprint(b, loc.T("report.ask_status"))
	var statusRow1, statusRow2 []Button
	for i, st := range progressbot.TaskStatuses {
		bt := rc.btnOf(loc.T("status."+string(st)), "status", i)
		if i < 2 {
			statusRow1 = append(statusRow1, bt)
		} else {
			statusRow2 = append(statusRow2, bt)
		}
	}
	rows := [][]Button{statusRow1, statusRow2, {rc.btn(loc.T("button.coord"), "coord")}}
	return Message{Text: b.String(), Keyboard: rc.nav(rows, complete(ref, a, ok))}
}

func (rc *reportCtx) projectScreen(b *strings.Builder, ref progressbot.ItemRef, a progressbot.Answer, ok bool) Message {
	loc := rc.loc
	p := rc.e.Plan.Project(ref.Key)
	for _, m := range p.Milestones {
		fmt.Fprintln(b, loc.T("report.milestone", "Stage", loc.T("stage."+string(m.Stage)), "By", m.By))
	}
	if ok {
		fmt.Fprintln(b, loc.T("report.current", "Value", rc.e.answerText(ref, a, ok, loc)))
	}
	fmt.Fprint(b, loc.T("report.ask_stage"))
	var rows [][]Button
	var row []Button
	for i, sg := range progressbot.ProjectStages {
		row = append(row, rc.btnOf(loc.T("stage."+string(sg)), "stage", i))
		if len(row) == 4 {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return Message{Text: b.String(), Keyboard: rc.nav(rows, complete(ref, a, ok))}
}

func (rc *reportCtx) intro() Message {
	loc := rc.loc
	var nInd, nTask, nWork, nProj int
	for _, ref := range rc.due {
		switch ref.Kind {
		case progressbot.ItemIndicator:
			nInd++
		case progressbot.ItemTask:
			nTask++
		case progressbot.ItemWorkItem:
			nWork++
		case progressbot.ItemProject:
			nProj++
		}
	}
	answered, skipped, open := rc.counts()
	var b strings.Builder
	fmt.Fprintln(&b, loc.T("report.intro", "Unit", rc.e.unitName(rc.st.Unit, loc), "Period", periodLabel(rc.period, loc), "Deadline", rc.deadlineLabel()))
	fmt.Fprintln(&b, loc.T("report.intro_counts", "Indicators", nInd, "Tasks", nTask, "Works", nWork, "Projects", nProj))
	if len(rc.due) == 0 {
		fmt.Fprint(&b, loc.T("report.nothing_due"))
		return Message{Text: b.String()}
	}
	if rc.deadlinePassed() {
		fmt.Fprintln(&b, loc.T("report.late_notice"))
	}
	label := loc.T("button.start")
	if answered+skipped > 0 {
		first := rc.firstOpen()
		if first < len(rc.due) {
			fmt.Fprint(&b, loc.T("report.resume", "Done", answered+skipped, "Total", len(rc.due), "Next", rc.e.itemTitle(rc.due[first], loc)))
		} else {
			fmt.Fprint(&b, loc.T("report.all_answered"))
		}
		label = loc.T("button.continue")
	}
	// 开始填报 first: a person (and the shared harness's virtual liaison, which presses
	// the first button it may) answers in chat unless they choose the spreadsheet.
	rows := [][]Button{
		{rc.btn(label, "go"), rc.btn(loc.T("button.review"), "review")},
		{rc.btn(loc.T("sheet.button"), "sheet")},
	}
	if open > 0 && rc.canCarry() {
		rows = append(rows, []Button{rc.btn(loc.T("button.carry_all"), "carry")})
	}
	return Message{Text: b.String(), Keyboard: rows}
}

// canCarry reports whether an open item other than an indicator has an answer from an
// earlier month to carry over. The lookups are memoized by the store.
func (rc *reportCtx) canCarry() bool {
	for _, ref := range rc.due {
		if a, ok := rc.rep.Answers[ref]; begun(a, ok) || ref.Kind == progressbot.ItemIndicator {
			continue
		}
		if prev, ok, err := rc.e.DB.Previous(rc.ctx, rc.e.Plan.ID, rc.st.Unit, rc.period, ref); err == nil && ok && (prev.Status != "" || prev.Stage != "") {
			return true
		}
	}
	return false
}

// confirmSubmit asks before a report goes to the leaders, naming what is still open.
func (rc *reportCtx) confirmSubmit() Message {
	loc := rc.loc
	answered, skipped, open := rc.counts()
	unit, period := rc.e.unitName(rc.st.Unit, loc), periodLabel(rc.period, loc)
	if open > 0 {
		return Message{Text: loc.T("report.confirm_submit_open", "Unit", unit, "Period", period, "Answered", answered, "Skipped", skipped, "Open", open),
			Keyboard: [][]Button{{rc.btn(loc.T("button.submit_anyway"), "submitok"), rc.btn(loc.T("button.continue"), "go")}}}
	}
	return Message{Text: loc.T("report.confirm_submit", "Unit", unit, "Period", period, "Answered", answered, "Skipped", skipped),
		Keyboard: [][]Button{{rc.btn(loc.T("button.submit_confirm"), "submitok"), rc.btn(loc.T("button.back_to_review"), "back")}}}
}

func (rc *reportCtx) review() Message {
	loc := rc.loc
	answered, skipped, open := rc.counts()
	pages := (len(rc.due) + reviewPage - 1) / reviewPage
	page := min(rc.st.Page, max(0, pages-1))
	var b strings.Builder
	fmt.Fprintln(&b, loc.T("report.review", "Unit", rc.e.unitName(rc.st.Unit, loc), "Period", periodLabel(rc.period, loc),
		"Answered", answered, "Skipped", skipped, "Open", open))
	if pages > 1 {
		fmt.Fprintln(&b, loc.T("report.page", "Page", page+1, "Pages", pages))
	}
	var rows [][]Button
	var row []Button
	files := rc.evidenceCounts()
	for i := page * reviewPage; i < min(len(rc.due), (page+1)*reviewPage); i++ {
		ref := rc.due[i]
		a, ok := rc.rep.Answers[ref]
		mark := "✓"
		if !complete(ref, a, ok) {
			mark = "…"
		}
		fmt.Fprintf(&b, "\n%d. %s %s\n   %s%s", i+1, mark, clip(rc.e.itemTitle(ref, loc), 36), rc.e.answerText(ref, a, ok, loc), evidenceMark(files[ref]))
		row = append(row, rc.btnOf(loc.T("button.edit", "N", i+1), "edit", i))
		if len(row) == 4 {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	var pager []Button
	if page > 0 {
		pager = append(pager, rc.btnOf(loc.T("button.prev_page"), "page", page-1))
	}
	if page < pages-1 {
		pager = append(pager, rc.btnOf(loc.T("button.next_page"), "page", page+1))
	}
	if len(pager) > 0 {
		rows = append(rows, pager)
	}
	submit := loc.T("button.submit")
	if open > 0 {
		submit = loc.T("button.submit_with_open", "Open", open)
	}
	rows = append(rows, []Button{rc.btn(submit, "submit"), rc.btn(loc.T("button.pause"), "pause")})
	return Message{Text: b.String(), Keyboard: rows}
}

func (rc *reportCtx) submittedScreen() Message {
	loc := rc.loc
	answered, skipped, _ := rc.counts()
	text := loc.T("report.is_submitted", "Unit", rc.e.unitName(rc.st.Unit, loc), "Period", periodLabel(rc.period, loc),
		"Answered", answered, "Skipped", skipped, "Time", rc.rep.SubmittedAt.In(rc.e.Calendar.Location).Format("01-02 15:04"))
	if rc.deadlinePassed() {
		return Message{Text: text}
	}
	text += "\n" + loc.T("report.can_reopen", "Deadline", rc.deadlineLabel())
	return Message{Text: text, Keyboard: [][]Button{{rc.btn(loc.T("button.reopen"), "reopen")}}}
}
