package export

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/xuri/excelize/v2"
)

// Form is a unit's report form (填报表) for one period: the workbook a liaison fills in
// Excel or WPS instead of answering item by item in the chat (WriteForm), and sends back
// (ReadForm).
type Form struct {
	Plan   *progressbot.Plan
	Unit   string
	Period progressbot.Period
	// Due is what the unit owes in the period (Plan.Due): one row each, in this order.
	Due []progressbot.ItemRef
	// Current is the period's latest answer per item: the template shows it in the cells
	// to fill, and a row read back is compared with it.
	Current map[progressbot.ItemRef]progressbot.Answer
	// Last is each item's latest answer of an earlier period (store.DB.Previous): shown
	// for reference, and what 同上月 in the "what was done" cell stands for.
	Last map[progressbot.ItemRef]progressbot.Answer
	Loc  *locales.Localizer
}

// The form's columns. The hidden column K keeps each row's item, so that a row sorted or
// moved by the liaison still answers its own item.
const (
	colNo     = iota + 1 // A 序号
	colKind              // B 类型
	colNumber            // C 编号
	colName              // D 名称
	colAsked             // E 填报内容
	colLast              // F 上期情况
	colValue             // G 本期数值 (indicators)
	colState             // H 状态/阶段 (tasks: status, projects: stage)
	colDone              // I 完成情况 (tasks)
	colCoord             // J 需协调事项 (tasks)
	colID                // K item id, hidden
)

const (
	// formMarker and formVersion head the hidden sheet that tells a form of this bot from
	// any other workbook.
	formMarker  = "progressbot-form"
	formVersion = "1"
	metaSheet   = "progressbot"
	// idHeader heads the hidden id column; it is not translated, so that the header row
	// is told from a data row in any language.
	idHeader  = "item_id"
	firstData = 3 // row 1: title and instructions, row 2: header
)

// The cells of the hidden sheet, column B; column A names them for a curious reader.
var metaRows = []string{"marker", "plan", "unit", "period", "sheet"}

func (fm Form) loc() *locales.Localizer {
	if fm.Loc == nil {
		return locales.For(locales.Default)
	}
	return fm.Loc
}

// WriteForm writes the unit's form for the period as an .xlsx workbook: a title and
// instruction row in the reader's language, a header row, one row per due item (kind,
// number, name, what is asked, last period's answer, then the cells to fill, holding
// this period's answers so far), drop-down lists of the localized statuses and stages,
// and a hidden sheet naming the plan, unit and period.
func WriteForm(w io.Writer, fm Form) error {
	loc := fm.loc()
	f := excelize.NewFile()
	defer f.Close()
	fw := &formWriter{f: f, fm: fm, loc: loc, sheet: sheetName(loc.T("sheet.form.sheet"), 0)}
	fw.check(f.SetSheetName("Sheet1", fw.sheet))
	fw.styles()
	fw.head()
	for i, ref := range fm.Due {
		fw.row(firstData+i, i, ref)
	}
	fw.validations()
	fw.layout()
	fw.meta()
	if fw.err != nil {
		return fmt.Errorf("write form: %w", fw.err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write form: %w", err)
	}
	return nil
}

// formWriter lays out one form; the first error stops the rest from mattering and is
// returned once.
type formWriter struct {
	f     *excelize.File
	fm    Form
	loc   *locales.Localizer
	sheet string
	err   error

	title, header, text, input, blank int
	// statusRows and stageRows collect the rows whose state cell takes a status or a
	// stage, for the drop-down lists.
	statusRows, stageRows []int
}

func (fw *formWriter) check(err error) {
	if fw.err == nil {
		fw.err = err
	}
}

func (fw *formWriter) style(s *excelize.Style) int {
	id, err := fw.f.NewStyle(s)
	fw.check(err)
	return id
}

func (fw *formWriter) styles() {
	border := []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}}
	wrap := &excelize.Alignment{WrapText: true, Vertical: "top"}
	fw.title = fw.style(&excelize.Style{Alignment: wrap, Font: &excelize.Font{Size: 11}})
	fw.header = fw.style(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"},
		Font: &excelize.Font{Bold: true}, Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}})
	fw.text = fw.style(&excelize.Style{Alignment: wrap, Border: border})
	// The cells to fill stand out; those that do not apply to a row are greyed.
	fw.input = fw.style(&excelize.Style{Alignment: wrap, Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}})
	fw.blank = fw.style(&excelize.Style{Alignment: wrap, Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EDEDED"}}})
}

func cellName(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}

func (fw *formWriter) head() {
	fm, loc := fw.fm, fw.loc
	title := loc.T("sheet.form.title", "Unit", unitName(fm.Plan, fm.Unit, loc), "Period", periodLabel(fm.Period, loc))
	fw.check(fw.f.SetCellValue(fw.sheet, "A1", title+"\n"+loc.T("sheet.form.instructions", "Same", loc.T("sheet.same_as_last"))))
	fw.check(fw.f.MergeCell(fw.sheet, "A1", cellName(colCoord, 1)))
	fw.check(fw.f.SetCellStyle(fw.sheet, "A1", cellName(colCoord, 1), fw.title))
	fw.check(fw.f.SetRowHeight(fw.sheet, 1, 96))
	head := make([]any, 0, colID)
	for _, c := range formFields {
		head = append(head, loc.T("sheet.col."+c))
	}
	head = append(head, idHeader)
	fw.check(fw.f.SetSheetRow(fw.sheet, cellName(1, 2), &head))
	fw.check(fw.f.SetCellStyle(fw.sheet, "A2", cellName(colCoord, 2), fw.header))
}

// formFields name the columns A–J, as the locale keys sheet.col.<name> and the fields of
// a FormProblem.
var formFields = []string{"no", "kind", "number", "name", "asked", "last", FieldValue, FieldState, FieldDone, FieldCoord}

func (fw *formWriter) row(r, i int, ref progressbot.ItemRef) {
	fm, loc := fw.fm, fw.loc
	number, name, asked := itemCells(fm.Plan, fm.Unit, fm.Period, ref, loc)
	last := ""
	if a, ok := fm.Last[ref]; ok {
		last = loc.T("sheet.form.last", "Period", periodLabel(a.Period, loc), "Answer", AnswerLine(fm.Plan, a, loc))
	}
	cells := []any{float64(i + 1), loc.T("sheet.kind." + string(ref.Kind)), number, name, asked, last, nil, nil, nil, nil, ref.String()}
	if a, ok := fm.Current[ref]; ok && !a.Skipped {
		fillCells(cells, a, loc)
	}
	fw.check(fw.f.SetSheetRow(fw.sheet, cellName(1, r), &cells))
	fw.check(fw.f.SetCellStyle(fw.sheet, cellName(colNo, r), cellName(colLast, r), fw.text))
	// Which of the cells to fill this row asks for.
	asks := map[int]bool{}
	switch ref.Kind {
	case progressbot.ItemIndicator:
		asks[colValue] = true
	case progressbot.ItemTask, progressbot.ItemWorkItem:
		asks[colState], asks[colDone], asks[colCoord] = true, true, true
		fw.statusRows = append(fw.statusRows, r)
	case progressbot.ItemProject:
		asks[colState] = true
		fw.stageRows = append(fw.stageRows, r)
	}
	for c := colValue; c <= colCoord; c++ {
		st := fw.blank
		if asks[c] {
			st = fw.input
		}
		fw.check(fw.f.SetCellStyle(fw.sheet, cellName(c, r), cellName(c, r), st))
	}
}

// fillCells puts an answer of this period into the cells to fill.
func fillCells(cells []any, a progressbot.Answer, loc *locales.Localizer) {
	switch a.Item.Kind {
	case progressbot.ItemIndicator:
		if a.Value != nil {
			cells[colValue-1] = *a.Value
		}
	case progressbot.ItemTask, progressbot.ItemWorkItem:
		if a.Status != "" {
			cells[colState-1] = loc.T("status." + string(a.Status))
		}
		cells[colDone-1] = a.Done
		if a.DoneCarried {
			cells[colDone-1] = loc.T("sheet.same_as_last")
		}
		cells[colCoord-1] = a.Coordination
	case progressbot.ItemProject:
		if a.Stage != "" {
			cells[colState-1] = loc.T("stage." + string(a.Stage))
		}
	}
}

// itemCells are a row's number, name and what it asks.
func itemCells(p *progressbot.Plan, unit string, period progressbot.Period, ref progressbot.ItemRef, loc *locales.Localizer) (number, name, asked string) {
	en := loc.Lang == "en"
	pick := func(zh, alt string) string {
		if en && alt != "" {
			return alt
		}
		return zh
	}
	switch ref.Kind {
	case progressbot.ItemIndicator:
		in := p.Indicator(ref.Key)
		if in == nil {
			break
		}
		asked = loc.T("sheet.asked.ind", "Measure", in.Measure)
		if t, text := yearTarget(p, in, TargetUnit(p, in, unit), period.Year); t != nil {
			asked += "\n" + loc.T("sheet.asked.target", "Year", period.Year, "Target", progressbot.FormatNumber(*t, in.Measure))
		} else if text != "" {
			asked += "\n" + loc.T("sheet.asked.target", "Year", period.Year, "Target", text)
		}
		return "", pick(in.Name, in.En), asked
	case progressbot.ItemTask:
		no, _ := strconv.Atoi(ref.Key)
		if t := p.Task(no); t != nil {
			return ref.Key, pick(t.Title, t.TitleEn), loc.T("sheet.asked.task")
		}
	case progressbot.ItemWorkItem:
		if w := p.WorkItem(ref.Key); w != nil {
			return strings.TrimPrefix(w.ID, "wi-"), w.Work, loc.T("sheet.asked.task")
		}
	case progressbot.ItemProject:
		pr := p.Project(ref.Key)
		if pr == nil {
			break
		}
		asked = loc.T("sheet.asked.proj")
		for _, m := range pr.Milestones {
			asked += "\n" + loc.T("sheet.asked.milestone", "Stage", loc.T("stage."+string(m.Stage)), "By", m.By)
		}
		return "", pick(pr.Name, pr.En), asked
	}
	return "", ref.String(), ""
}

// AnswerLine renders an answer in one line, as the form and the import summary show it.
func AnswerLine(p *progressbot.Plan, a progressbot.Answer, loc *locales.Localizer) string {
	if a.Skipped {
		return loc.T("answer.skipped")
	}
	switch a.Item.Kind {
	case progressbot.ItemIndicator:
		if a.Value == nil {
			break
		}
		measure := ""
		if in := p.Indicator(a.Item.Key); in != nil {
			measure = in.Measure
		}
		return progressbot.FormatNumber(*a.Value, measure)
	case progressbot.ItemTask, progressbot.ItemWorkItem:
		if a.Status == "" {
			break
		}
		done := a.Done
		if a.DoneCarried {
			done = loc.T("sheet.same_as_last")
		}
		coord := a.Coordination
		if coord == "" {
			coord = "—"
		}
		return loc.T("sheet.answer.task", "Status", loc.T("status."+string(a.Status)), "Done", clip(done, 60), "Coord", clip(coord, 40))
	case progressbot.ItemProject:
		if a.Stage != "" {
			return loc.T("stage." + string(a.Stage))
		}
	}
	return loc.T("answer.none")
}

func periodLabel(p progressbot.Period, loc *locales.Localizer) string {
	return loc.T("period.label", "Year", p.Year, "Month", int(p.Month), "MonthName", p.Month.String())
}

// validations add the drop-down lists: statuses on task rows, stages on project rows,
// in the reader's language. A label of the other language is accepted when read, so
// the list warns rather than refuses.
func (fw *formWriter) validations() {
	loc := fw.loc
	var statuses, stages []string
	for _, s := range progressbot.TaskStatuses {
		statuses = append(statuses, loc.T("status."+string(s)))
	}
	for _, s := range progressbot.ProjectStages {
		stages = append(stages, loc.T("stage."+string(s)))
	}
	fw.dropList(fw.statusRows, statuses, loc.T("sheet.form.pick_status"))
	fw.dropList(fw.stageRows, stages, loc.T("sheet.form.pick_stage"))
}

func (fw *formWriter) dropList(rows []int, labels []string, prompt string) {
	if len(rows) == 0 {
		return
	}
	dv := excelize.NewDataValidation(true)
	dv.SetSqref(sqref(colState, rows))
	fw.check(dv.SetDropList(labels))
	dv.SetError(excelize.DataValidationErrorStyleWarning, fw.loc.T("sheet.form.not_in_list_title"), prompt)
	dv.SetInput(fw.loc.T("sheet.col."+FieldState), prompt)
	fw.check(fw.f.AddDataValidation(fw.sheet, dv))
}

// sqref names the cells of a column in rows (ascending), runs joined: "H3:H9 H12".
func sqref(col int, rows []int) string {
	var parts []string
	for i := 0; i < len(rows); {
		j := i
		for j+1 < len(rows) && rows[j+1] == rows[j]+1 {
			j++
		}
		part := cellName(col, rows[i])
		if j > i {
			part += ":" + cellName(col, rows[j])
		}
		parts = append(parts, part)
		i = j + 1
	}
	return strings.Join(parts, " ")
}

func (fw *formWriter) layout() {
	widths := []float64{5, 9, 6, 30, 22, 28, 12, 13, 36, 24}
	for i, wd := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		fw.check(fw.f.SetColWidth(fw.sheet, col, col, wd))
	}
	idCol, _ := excelize.ColumnNumberToName(colID)
	fw.check(fw.f.SetColVisible(fw.sheet, idCol, false))
	fw.check(fw.f.SetPanes(fw.sheet, &excelize.Panes{Freeze: true, YSplit: firstData - 1, TopLeftCell: cellName(1, firstData), ActivePane: "bottomLeft"}))
}

// meta writes the hidden sheet that names the plan, unit and period, so that a file for
// another unit or month is refused.
func (fw *formWriter) meta() {
	fm := fw.fm
	if _, err := fw.f.NewSheet(metaSheet); err != nil {
		fw.check(err)
		return
	}
	values := []string{formMarker + "/" + formVersion, fm.Plan.ID, fm.Unit, fm.Period.String(), fw.sheet}
	for i, v := range values {
		fw.check(fw.f.SetSheetRow(metaSheet, cellName(1, i+1), &[]any{metaRows[i], v}))
	}
	fw.check(fw.f.SetSheetVisible(metaSheet, false, true))
	fw.f.SetActiveSheet(0)
}
