package flows

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/export"
	"github.com/progressbot/progressbot/locales"
)

// The report by spreadsheet: 用表格填报 sends the unit's form for the period
// (export.WriteForm); the liaison fills it and sends it back; the bot reads it
// (export.ReadForm) and answers with one summary, with 保存 and 取消. Nothing is saved
// before 保存.

// sheetImport is a spreadsheet read and waiting for 保存: the rows that would change
// something, and the summary shown, which 保存 and 取消 leave in the chat without its
// buttons.
type sheetImport struct {
	Rows    []sheetRow `json:"a"`
	Summary string     `json:"t"`
}

// sheetRow is one accepted row's answer, in the session's short form.
type sheetRow struct {
	Item    string   `json:"i"`
	Value   *float64 `json:"v,omitempty"`
	Raw     string   `json:"r,omitempty"`
	Status  string   `json:"s,omitempty"`
	Done    string   `json:"d,omitempty"`
	Carried bool     `json:"dc,omitempty"`
	Coord   string   `json:"c,omitempty"`
	Stage   string   `json:"g,omitempty"`
}

func newSheetRow(a progressbot.Answer) sheetRow {
	return sheetRow{Item: a.Item.String(), Value: a.Value, Raw: a.Raw, Status: string(a.Status), Done: a.Done,
		Carried: a.DoneCarried, Coord: a.Coordination, Stage: string(a.Stage)}
}

func (r sheetRow) answer() (progressbot.Answer, error) {
	ref, err := progressbot.ParseItemRef(r.Item)
	if err != nil {
		return progressbot.Answer{}, err
	}
	return progressbot.Answer{Item: ref, Value: r.Value, Raw: r.Raw, Status: progressbot.TaskStatus(r.Status), Done: r.Done,
		DoneCarried: r.Carried, Coordination: r.Coord, Stage: progressbot.ProjectStage(r.Stage), Source: progressbot.SourceSheet}, nil
}

// Limits on the summary's lists, so that it stays one message (Telegram: 4096
// characters) however many rows the file has.
const (
	sheetListChanged  = 8
	sheetListProblems = 12
	sheetListChecks   = 5
)

func (rc *reportCtx) onSheetButton(ctx context.Context, act string) (Reply, error) {
	switch act {
	case "sheet":
		return rc.sheetTemplate(ctx)
	case "sheetsave":
		return rc.sheetSave(ctx)
	}
	return rc.sheetDrop(ctx)
}

// form is what the unit's form for the period is made from and read against.
func (rc *reportCtx) form(ctx context.Context) (export.Form, error) {
	last := make(map[progressbot.ItemRef]progressbot.Answer, len(rc.due))
	for _, ref := range rc.due {
		a, ok, err := rc.e.DB.Previous(ctx, rc.e.Plan.ID, rc.st.Unit, rc.period, ref)
		if err != nil {
			return export.Form{}, fmt.Errorf("sheet form: %w", err)
		}
		if ok {
			last[ref] = a
		}
	}
	return export.Form{Plan: rc.e.Plan, Unit: rc.st.Unit, Period: rc.period, Due: rc.due,
		Current: rc.rep.Answers, Last: last, Loc: rc.loc}, nil
}

// sheetTemplate sends the form. The screen it was asked from stays as it is.
func (rc *reportCtx) sheetTemplate(ctx context.Context) (Reply, error) {
	if len(rc.due) == 0 {
		return rc.show(ctx, false, rc.loc.T("button.stale"))
	}
	fm, err := rc.form(ctx)
	if err != nil {
		return Reply{}, err
	}
	var buf bytes.Buffer
	if err := export.WriteForm(&buf, fm); err != nil {
		return Reply{}, err
	}
	name := "report-" + rc.st.Unit + "-" + rc.period.String() + ".xlsx"
	rc.e.log().Info("sheet form sent", "user_id", rc.u.ID, "unit", rc.st.Unit, "period", rc.period.String(), "items", len(rc.due), "bytes", buf.Len())
	caption := rc.loc.T("sheet.template_caption", "Unit", rc.e.unitName(rc.st.Unit, rc.loc), "Period", periodLabel(rc.period, rc.loc))
	return Reply{Messages: []Message{{Text: caption, Document: &File{Name: name, Data: buf.Bytes()}}}, Toast: rc.loc.T("sheet.sent_short")}, nil
}

// sheetUpload reads a spreadsheet a liaison sent and answers with the summary of what
// 保存 would save. A file that cannot be taken as a whole gets a clear answer, and
// nothing changes.
func (e *Engine) sheetUpload(ctx context.Context, u User, in Input, loc *locales.Localizer) (Reply, error) {
	say := func(key string, kv ...any) (Reply, error) {
		return Reply{Messages: []Message{{Text: loc.T(key, kv...)}}}, nil
	}
	if e.Files == nil {
		return say("sheet.file.no_files")
	}
	if in.File.Size > export.MaxFormBytes {
		if e.itemOpen(ctx, u) {
			// Too large to be the form: a workbook of the liaison's own, as evidence for
			// the item on their screen, up to the size any evidence may have.
			return e.evidenceUpload(ctx, u, in, loc)
		}
		return say("sheet.file.too_large", "Max", export.MaxFormBytes>>20)
	}
	s, err := e.load(ctx, u.ChatID)
	if err != nil {
		return Reply{}, err
	}
	rc, err := e.openReport(ctx, u, s, loc)
	if err != nil {
		return Reply{}, err
	}
	if rc.submitted() {
		return rc.show(ctx, false, "", Message{Text: loc.T("sheet.file.submitted")})
	}
	if len(rc.due) == 0 {
		return say("sheet.file.nothing_due")
	}
	fm, err := rc.form(ctx)
	if err != nil {
		return Reply{}, err
	}
	data, err := e.fetchForm(ctx, *in.File)
	if err != nil {
		e.log().Warn("sheet upload: cannot fetch the file", "user_id", u.ID, "unit", rc.st.Unit, "err", err)
		return say("sheet.file.fetch_failed")
	}
	read, err := export.ReadForm(data, fm)
	var fe *export.FormError
	switch {
	case errors.As(err, &fe) && fe.Kind == export.FormNotForm && e.itemOpen(ctx, u):
		// A workbook of the liaison's own (a data table, minutes) sent on an item's
		// screen is evidence for it, as any office document would be; it is in hand.
		return e.attachUpload(ctx, u, in, loc, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	case errors.As(err, &fe) && fe.Kind == export.FormTooLarge && e.itemOpen(ctx, u):
		// Larger than its declared size said, and than any form: evidence, fetched whole.
		return e.evidenceUpload(ctx, u, in, loc)
	case errors.As(err, &fe):
		e.log().Info("sheet upload refused", "user_id", u.ID, "unit", rc.st.Unit, "period", rc.period.String(), "why", string(fe.Kind), "err", err)
		return say("sheet.file."+string(fe.Kind), "Max", export.MaxFormBytes>>20,
			"Unit", e.unitName(fe.Unit, loc), "Own", e.unitName(rc.st.Unit, loc),
			"Period", periodLabel(fe.Period, loc), "Current", periodLabel(rc.period, loc))
	case err != nil:
		e.log().Warn("sheet upload: cannot read the file", "user_id", u.ID, "unit", rc.st.Unit, "err", err)
		return say("sheet.file.fetch_failed")
	}
	return rc.sheetSummary(ctx, read)
}

// fetchForm downloads a file sent as the form, up to one byte more than a form may have
// (export.ReadForm then refuses it as too large).
func (e *Engine) fetchForm(ctx context.Context, f InFile) ([]byte, error) {
	body, err := e.Files.Open(ctx, f)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, export.MaxFormBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch form: %w", err)
	}
	return data, nil
}

// sheetSummary tells what a spreadsheet read would save and keeps it for 保存.
func (rc *reportCtx) sheetSummary(ctx context.Context, read export.FormRead) (Reply, error) {
	loc := rc.loc
	var rows []sheetRow
	var fresh, changed, same int
	var changes, checks []string
	for _, row := range read.Rows {
		a := row.Answer
		title := clip(rc.e.itemTitle(a.Item, loc), 24)
		switch row.Change {
		case export.FormSame:
			same++
			continue
		case export.FormNew:
			fresh++
		case export.FormChanged:
			changed++
			changes = append(changes, clip(loc.T("sheet.summary.changed_line", "Row", row.Row, "Item", title,
				"Old", export.AnswerLine(rc.e.Plan, rc.rep.Answers[a.Item], loc), "New", export.AnswerLine(rc.e.Plan, a, loc)), 140))
		}
		if in := rc.e.Plan.Indicator(a.Item.Key); a.Item.Kind == progressbot.ItemIndicator && in != nil && a.Value != nil {
			if why := rc.implausibleFor(ctx, a.Item, in, *a.Value); why != "" {
				checks = append(checks, loc.T("sheet.summary.check_line", "Row", row.Row, "Item", title,
					"Why", loc.T("sheet.check."+why, "Value", progressbot.FormatNumber(*a.Value, in.Measure))))
			}
		}
		rows = append(rows, newSheetRow(a))
	}
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	line(loc.T("sheet.summary.head", "Unit", rc.e.unitName(rc.st.Unit, loc), "Period", periodLabel(rc.period, loc)))
	if len(rows) > 0 {
		line(loc.T("sheet.summary.save", "Count", len(rows), "New", fresh, "Changed", changed))
	}
	if same > 0 {
		line(loc.T("sheet.summary.same", "Count", same))
	}
	if read.Empty > 0 {
		line(loc.T("sheet.summary.empty", "Count", read.Empty))
	}
	rc.sheetList(&b, loc.T("sheet.summary.changed_head"), changes, sheetListChanged)
	rc.sheetList(&b, loc.T("sheet.summary.check_head"), checks, sheetListChecks)
	var problems []string
	for _, p := range read.Problems {
		problems = append(problems, rc.problemLine(p))
	}
	rc.sheetList(&b, loc.T("sheet.summary.problems_head", "Count", len(problems)), problems, sheetListProblems)
	b.WriteString("\n")
	rc.e.log().Info("sheet read", "user_id", rc.u.ID, "unit", rc.st.Unit, "period", rc.period.String(),
		"new", fresh, "changed", changed, "same", same, "empty", read.Empty, "problems", len(read.Problems))
	if len(rows) == 0 {
		// Nothing to save: the session is left as it was.
		key := "sheet.summary.nothing_usable"
		if same > 0 && len(read.Problems) == 0 {
			key = "sheet.summary.nothing_new"
		}
		b.WriteString(loc.T(key))
		return Reply{Messages: []Message{{Text: b.String()}}}, nil
	}
	summary := strings.TrimSpace(b.String())
	rc.st.Sheet = &sheetImport{Rows: rows, Summary: summary}
	rc.st.Step++
	if err := rc.e.save(ctx, rc.s); err != nil {
		return Reply{}, err
	}
	text := summary + "\n\n" + loc.T("sheet.summary.ask", "Count", len(rows))
	return Reply{Messages: []Message{{Text: text, Keyboard: [][]Button{{
		rc.btn(loc.T("sheet.button_save"), "sheetsave"), rc.btn(loc.T("sheet.button_cancel"), "sheetdrop"),
	}}}}}, nil
}

// sheetList writes a headed list, at most limit lines and how many more.
func (rc *reportCtx) sheetList(b *strings.Builder, head string, lines []string, limit int) {
	if len(lines) == 0 {
		return
	}
	b.WriteString("\n" + head + "\n")
	for i, l := range lines {
		if i == limit {
			b.WriteString(rc.loc.T("sheet.summary.more", "Count", len(lines)-limit) + "\n")
			break
		}
		b.WriteString(l + "\n")
	}
}

// problemLine says in the person's language which cell of a row cannot be taken, and why.
func (rc *reportCtx) problemLine(p export.FormProblem) string {
	loc := rc.loc
	var labels []string
	switch p.Reason {
	case "status_unknown":
		for _, s := range progressbot.TaskStatuses {
			labels = append(labels, loc.T("status."+string(s)))
		}
	case "stage_unknown":
		for _, s := range progressbot.ProjectStages {
			labels = append(labels, loc.T("stage."+string(s)))
		}
	}
	limit := export.MaxFormText
	if strings.HasPrefix(p.Reason, "number.") {
		limit = progressbot.MaxNumberRunes
	}
	why := loc.T("sheet.why."+p.Reason, "Text", p.Text, "Unit", p.Unit, "Measure", p.Measure,
		"Labels", strings.Join(labels, loc.T("sheet.label_sep")), "Max", limit, "First", p.Text)
	if p.Column == "" {
		return loc.T("sheet.summary.problem_row", "Row", p.Row, "Why", why)
	}
	return loc.T("sheet.summary.problem", "Row", p.Row, "Column", p.Column, "Field", loc.T("sheet.col."+p.Field), "Why", why)
}

// sheetSave saves every row the summary listed, in one transaction, as answers from a
// spreadsheet, and shows the review. A row that meanwhile became what is saved (typed
// by another liaison of the unit, say) is not saved again.
func (rc *reportCtx) sheetSave(ctx context.Context) (Reply, error) {
	imp := rc.st.Sheet
	if imp == nil {
		return rc.show(ctx, false, rc.loc.T("button.stale"))
	}
	due := make(map[progressbot.ItemRef]bool, len(rc.due))
	for _, ref := range rc.due {
		due[ref] = true
	}
	var as []progressbot.Answer
	for _, r := range imp.Rows {
		a, err := r.answer()
		if err != nil || !due[a.Item] {
			continue
		}
		if cur, ok := rc.rep.Answers[a.Item]; ok && export.SameAnswer(cur, a) {
			continue
		}
		a.Unit, a.Period, a.UserID, a.ChatID = rc.st.Unit, rc.period, rc.u.ID, rc.u.ChatID
		as = append(as, a)
	}
	saved, err := rc.saveAll(ctx, as)
	if err != nil {
		return Reply{}, err
	}
	rc.e.log().Info("sheet saved", "user_id", rc.u.ID, "unit", rc.st.Unit, "period", rc.period.String(), "answers", len(saved))
	rc.st.Sheet = nil
	rc.st.Back = false
	rc.enter(len(rc.due))
	done := Message{Text: imp.Summary + "\n\n" + rc.loc.T("sheet.summary.saved", "Count", len(saved)), Edit: true}
	return rc.show(ctx, false, rc.loc.T("sheet.saved_short", "Count", len(saved)), done)
}

// sheetDrop discards the spreadsheet read, and shows where the liaison was.
func (rc *reportCtx) sheetDrop(ctx context.Context) (Reply, error) {
	imp := rc.st.Sheet
	if imp == nil {
		return rc.show(ctx, false, rc.loc.T("button.stale"))
	}
	rc.st.Sheet = nil
	rc.e.log().Info("sheet cancelled", "user_id", rc.u.ID, "unit", rc.st.Unit, "period", rc.period.String())
	done := Message{Text: imp.Summary + "\n\n" + rc.loc.T("sheet.summary.cancelled"), Edit: true}
	return rc.show(ctx, false, rc.loc.T("sheet.cancelled_short"), done)
}
