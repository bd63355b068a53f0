package export

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/xuri/excelize/v2"
)

const (
	// MaxFormBytes is the largest form file read back. A filled form of the largest unit
	// is a few dozen kilobytes; anything near this is not one.
	MaxFormBytes = 4 << 20
	// maxUnzipped bounds what the workbook's parts may unpack to, so that a small file
	// cannot unpack into gigabytes.
	maxUnzipped = 24 << 20
	// MaxFormText is the longest text a cell may hold, in characters: more than a
	// liaison writes in a month, and small enough to keep a pending import in a session.
	MaxFormText = 1000
)

// FormErrorKind says why a file cannot be read as this unit's form for the period.
type FormErrorKind string

const (
	FormTooLarge    FormErrorKind = "too_large"    // over MaxFormBytes
	FormNotWorkbook FormErrorKind = "not_workbook" // not an .xlsx file (or a damaged one)
	FormNotForm     FormErrorKind = "not_form"     // a workbook, but not a form of this bot and plan
	FormOtherUnit   FormErrorKind = "other_unit"   // a form of another unit
	FormOtherPeriod FormErrorKind = "other_period" // a form of another period
)

// FormError is the error ReadForm returns for a file it cannot take as a whole.
type FormError struct {
	Kind FormErrorKind
	// Unit and Period are what the file is for, when it is a form (other_unit,
	// other_period).
	Unit   string
	Period progressbot.Period
	Err    error
}

// Sentinels for errors.Is; a *FormError matches the sentinel of its Kind.
var (
	ErrFormTooLarge    = &FormError{Kind: FormTooLarge}
	ErrFormNotWorkbook = &FormError{Kind: FormNotWorkbook}
	ErrFormNotForm     = &FormError{Kind: FormNotForm}
	ErrFormOtherUnit   = &FormError{Kind: FormOtherUnit}
	ErrFormOtherPeriod = &FormError{Kind: FormOtherPeriod}
)

func (e *FormError) Error() string {
	s := "form: " + string(e.Kind)
	switch e.Kind {
	case FormOtherUnit:
		s += " " + e.Unit
	case FormOtherPeriod:
		s += " " + e.Period.String()
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormError) Is(target error) bool {
	t, ok := target.(*FormError)
	return ok && t.Kind == e.Kind
}

func (e *FormError) Unwrap() error { return e.Err }

// The fields a FormProblem points at: the cells to fill, or the row as a whole.
const (
	FieldValue = "value"
	FieldState = "state" // a task's status or a project's stage
	FieldDone  = "done"
	FieldCoord = "coord"
	FieldRow   = "row"
)

// FormProblem is a row ReadForm cannot take, and why. Reason is a stable id that the bot
// renders in the reader's language: "number.<NumberReason>" for a value that is not a
// usable number, else one of status_unknown, stage_unknown, status_missing, done_missing,
// no_last_done, too_long, no_item, unknown_item, duplicate.
type FormProblem struct {
	Row    int    // the sheet's row number, as Excel shows it
	Column string // the column's letter; "" for the row as a whole
	Field  string // FieldValue, FieldState, FieldDone, FieldCoord or FieldRow
	Reason string
	Text   string // what the cell held, clipped
	// Unit and Measure, for a number: the unit typed and the indicator's measure.
	Unit, Measure string
}

// FormChange says how an accepted row compares with what is saved for the item now.
type FormChange int

const (
	FormNew     FormChange = iota // nothing saved yet for the period (or skipped)
	FormChanged                   // differs from what is saved
	FormSame                      // what is saved already
)

// FormRow is a row ReadForm accepts: the answer it gives (Item and the answer's fields
// set, Source SourceSheet; unit, period and who are the caller's).
type FormRow struct {
	Row    int
	Answer progressbot.Answer
	Change FormChange
}

// FormRead is what a form read back holds.
type FormRead struct {
	Rows     []FormRow // accepted rows, in sheet order
	Problems []FormProblem
	Empty    int // item rows left empty: they change nothing
}

// ReadForm reads a filled-in form back from its bytes (at most MaxFormBytes: more is
// refused as FormTooLarge; the caller downloads at most one byte more, and keeps the bytes
// for what else the file may be). A file that is not this unit's form for this period is
// refused as a whole with a *FormError; otherwise
// every row is checked with the rules of typed answers: a value is read as people type it
// (1.2万, 3000亿, or a number cell) in the indicator's measure, a status or stage by its
// label in either language, a task needs a status and what was done, and an empty
// 需协调事项 means none. A row left empty changes nothing.
func ReadForm(data []byte, fm Form) (FormRead, error) {
	if len(data) > MaxFormBytes {
		return FormRead{}, &FormError{Kind: FormTooLarge}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzipped})
	if err != nil {
		return FormRead{}, &FormError{Kind: FormNotWorkbook, Err: err}
	}
	defer f.Close()
	sheet, err := checkMeta(f, fm)
	if err != nil {
		return FormRead{}, err
	}
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return FormRead{}, &FormError{Kind: FormNotForm, Err: err}
	}
	rd := formReader{f: f, sheet: sheet, fm: fm, loc: fm.loc(), labels: newLabels(), due: map[progressbot.ItemRef]bool{}, seen: map[progressbot.ItemRef]int{}}
	for _, ref := range fm.Due {
		rd.due[ref] = true
	}
	for i, row := range rows {
		rd.row(i+1, row)
	}
	return rd.out, nil
}

// checkMeta checks the hidden sheet and returns the name of the sheet with the items.
func checkMeta(f *excelize.File, fm Form) (string, error) {
	if idx, err := f.GetSheetIndex(metaSheet); err != nil || idx < 0 {
		return "", &FormError{Kind: FormNotForm, Err: errors.New("no form sheet")}
	}
	vals := make([]string, len(metaRows))
	for i := range metaRows {
		v, err := f.GetCellValue(metaSheet, cellName(2, i+1))
		if err != nil {
			return "", &FormError{Kind: FormNotForm, Err: err}
		}
		vals[i] = strings.TrimSpace(v)
	}
	marker, plan, unit, period, sheet := vals[0], vals[1], vals[2], vals[3], vals[4]
	if marker != formMarker+"/"+formVersion || plan != fm.Plan.ID {
		return "", &FormError{Kind: FormNotForm, Err: fmt.Errorf("marker %q plan %q", marker, plan)}
	}
	per, err := progressbot.ParsePeriod(period)
	if err != nil {
		return "", &FormError{Kind: FormNotForm, Err: err}
	}
	if unit != fm.Unit {
		return "", &FormError{Kind: FormOtherUnit, Unit: unit, Period: per}
	}
	if per != fm.Period {
		return "", &FormError{Kind: FormOtherPeriod, Unit: unit, Period: per}
	}
	if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		// Renamed by the liaison: the items are on the first sheet.
		sheet = f.GetSheetName(0)
	}
	return sheet, nil
}

// labels maps what a cell may say, in either language, to what it means.
type labels struct {
	status map[string]progressbot.TaskStatus
	stage  map[string]progressbot.ProjectStage
	same   map[string]bool
}

func norm(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func newLabels() labels {
	l := labels{status: map[string]progressbot.TaskStatus{}, stage: map[string]progressbot.ProjectStage{}, same: map[string]bool{}}
	for _, lang := range locales.Languages {
		loc := locales.For(lang)
		for _, s := range progressbot.TaskStatuses {
			l.status[norm(loc.T("status."+string(s)))] = s
		}
		for _, s := range progressbot.ProjectStages {
			l.stage[norm(loc.T("stage."+string(s)))] = s
		}
		l.same[norm(loc.T("sheet.same_as_last"))] = true
	}
	return l
}

// isNone reports whether a text says "none" in any language.
func isNone(s string) bool {
	for _, lang := range locales.Languages {
		if norm(s) == norm(locales.For(lang).T("report.none_value")) {
			return true
		}
	}
	return false
}

type formReader struct {
	f      *excelize.File
	sheet  string
	fm     Form
	loc    *locales.Localizer
	labels labels
	due    map[progressbot.ItemRef]bool
	seen   map[progressbot.ItemRef]int // item → the row that answered it
	out    FormRead
}

func cellIn(row []string, col int) string {
	if col-1 < len(row) {
		return strings.TrimSpace(row[col-1])
	}
	return ""
}

func (rd *formReader) problem(r, col int, field, reason, text string) {
	letter := ""
	if col > 0 {
		letter, _ = excelize.ColumnNumberToName(col)
	}
	rd.out.Problems = append(rd.out.Problems, FormProblem{Row: r, Column: letter, Field: field, Reason: reason, Text: clip(text, 40)})
}

func (rd *formReader) row(r int, row []string) {
	id := cellIn(row, colID)
	filled := false
	for c := colValue; c <= colCoord; c++ {
		filled = filled || cellIn(row, c) != ""
	}
	if id == idHeader || id == "" && !filled {
		return // the header, the title, or a blank line
	}
	ref, err := progressbot.ParseItemRef(id)
	switch {
	case id == "":
		rd.problem(r, 0, FieldRow, "no_item", "")
		return
	case err != nil || !rd.due[ref]:
		rd.problem(r, 0, FieldRow, "unknown_item", "")
		return
	}
	if first, ok := rd.seen[ref]; ok {
		if filled {
			rd.problem(r, 0, FieldRow, "duplicate", strconv.Itoa(first))
		}
		return
	}
	rd.seen[ref] = r
	a, ok := rd.answer(r, ref, row)
	if !ok {
		return
	}
	if a == nil {
		rd.out.Empty++
		return
	}
	a.Item, a.Source = ref, progressbot.SourceSheet
	change := FormNew
	if cur, has := rd.fm.Current[ref]; has && !cur.Skipped {
		change = FormChanged
		if SameAnswer(cur, *a) {
			change = FormSame
		}
	}
	rd.out.Rows = append(rd.out.Rows, FormRow{Row: r, Answer: *a, Change: change})
}

// answer reads a row's cells to fill: nil when they are empty, ok false when the row
// has a problem (recorded).
func (rd *formReader) answer(r int, ref progressbot.ItemRef, row []string) (*progressbot.Answer, bool) {
	switch ref.Kind {
	case progressbot.ItemIndicator:
		return rd.value(r, ref, row)
	case progressbot.ItemTask, progressbot.ItemWorkItem:
		return rd.task(r, ref, row)
	case progressbot.ItemProject:
		text := cellIn(row, colState)
		if text == "" {
			return nil, true
		}
		st, ok := rd.labels.stage[norm(text)]
		if !ok {
			rd.problem(r, colState, FieldState, "stage_unknown", text)
			return nil, false
		}
		return &progressbot.Answer{Stage: st}, true
	}
	return nil, true
}

func (rd *formReader) value(r int, ref progressbot.ItemRef, row []string) (*progressbot.Answer, bool) {
	text := cellIn(row, colValue)
	if text == "" {
		return nil, true
	}
	in := rd.fm.Plan.Indicator(ref.Key)
	if in == nil {
		rd.problem(r, 0, FieldRow, "unknown_item", "")
		return nil, false
	}
	text = rd.numberCell(r, text)
	v, reason, unit, err := progressbot.ReadValue(text, in.Measure)
	if err != nil {
		rd.problem(r, colValue, FieldValue, "number."+string(reason), text)
		p := &rd.out.Problems[len(rd.out.Problems)-1]
		p.Unit, p.Measure = unit, in.Measure
		return nil, false
	}
	return &progressbot.Answer{Value: &v, Raw: text}, true
}

// numberCell turns a number cell's raw value into what the person typed: without an
// exponent, and with a percent sign when the cell shows one (12% is stored as 0.12).
func (rd *formReader) numberCell(r int, raw string) string {
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return raw // typed as text: 1.2万, 3000亿
	}
	shown, err := rd.f.GetCellValue(rd.sheet, cellName(colValue, r))
	if err == nil && strings.HasSuffix(strings.TrimSpace(shown), "%") {
		return strconv.FormatFloat(v*100, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func (rd *formReader) task(r int, ref progressbot.ItemRef, row []string) (*progressbot.Answer, bool) {
	state, done, coord := cellIn(row, colState), cellIn(row, colDone), cellIn(row, colCoord)
	if state == "" && done == "" && coord == "" {
		return nil, true
	}
	ok := true
	st, known := rd.labels.status[norm(state)]
	switch {
	case state == "":
		rd.problem(r, colState, FieldState, "status_missing", "")
		ok = false
	case !known:
		rd.problem(r, colState, FieldState, "status_unknown", state)
		ok = false
	}
	a := &progressbot.Answer{Status: st, Done: done, Coordination: coord}
	switch {
	case done == "":
		rd.problem(r, colDone, FieldDone, "done_missing", "")
		ok = false
	case rd.labels.same[norm(done)]:
		last, has := rd.fm.Last[ref]
		if !has || last.Done == "" {
			rd.problem(r, colDone, FieldDone, "no_last_done", done)
			ok = false
		}
		a.Done, a.DoneCarried = last.Done, true
	case utf8.RuneCountInString(done) > MaxFormText:
		rd.problem(r, colDone, FieldDone, "too_long", done)
		ok = false
	}
	switch {
	case coord == "" || isNone(coord):
		a.Coordination = rd.loc.T("report.none_value")
	case utf8.RuneCountInString(coord) > MaxFormText:
		rd.problem(r, colCoord, FieldCoord, "too_long", coord)
		ok = false
	}
	if !ok {
		return nil, false
	}
	return a, true
}

// SameAnswer reports whether two answers for an item say the same: the same value, the
// same status, texts and stage. "None" in either language is the same none.
func SameAnswer(a, b progressbot.Answer) bool {
	if a.Skipped || b.Skipped {
		return a.Skipped == b.Skipped
	}
	switch a.Item.Kind {
	case progressbot.ItemIndicator:
		return a.Value != nil && b.Value != nil && *a.Value == *b.Value || a.Value == nil && b.Value == nil
	case progressbot.ItemTask, progressbot.ItemWorkItem:
		sameCoord := a.Coordination == b.Coordination || isNone(a.Coordination) && isNone(b.Coordination)
		return a.Status == b.Status && a.Done == b.Done && a.DoneCarried == b.DoneCarried && sameCoord
	case progressbot.ItemProject:
		return a.Stage == b.Stage
	}
	return false
}
