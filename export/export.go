// Package export turns plan data and reports into tables and writes them as .csv or
// .xlsx files that an office clerk can hand to a meeting.
package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/xuri/excelize/v2"
)

// Table is one sheet: a header row and data rows. Cells are strings or float64 so that
// spreadsheets keep numbers as numbers.
type Table struct {
	Name   string
	Header []string
	Rows   [][]any
	// Format optionally gives each column's number format in the workbook ("0%",
	// "#,##0.##"); "" or a missing entry is Excel's General. CSV files write plain numbers.
	Format []string
	// Widths optionally gives each column's width in characters.
	Widths []float64
}

// Targets lists every target of a plan, one row each: indicator, code, unit, year, floor,
// stretch, measure, the plan's words, note.
func Targets(p *progressbot.Plan, loc *locales.Localizer) Table {
	return ScopedTargets(p, loc, Scope{})
}

// ScopedTargets lists the targets within a scope: in a unit scope the unit's own targets
// and those of the city indicators it reports, in a chain scope the targets of the
// chain's indicators.
func ScopedTargets(p *progressbot.Plan, loc *locales.Localizer, sc Scope) Table {
	t := Table{Name: loc.T("export.targets.sheet"), Format: []string{"", "", "", "0", "#,##0.##", "#,##0.##"}}
	for _, h := range []string{"indicator", "indicator_id", "unit", "year", "floor", "stretch", "measure", "text", "note"} {
		t.Header = append(t.Header, loc.T("export.targets.header."+h))
	}
	for _, in := range p.Indicators {
		ref := progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: in.ID}
		units := []string{p.City}
		if in.Scope == progressbot.ScopeCounty {
			for _, c := range p.Counties() {
				units = append(units, c.ID)
			}
		}
		seen := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.Indicator == in.ID && !seen[tg.Unit] {
				seen[tg.Unit] = true
				if !contains(units, tg.Unit) {
					units = append(units, tg.Unit)
				}
			}
		}
		for _, u := range units {
			reporter := u
			if in.Scope == progressbot.ScopeCity {
				reporter = in.Owner
			}
			if !sc.Row(p, ref, reporter) {
				continue
			}
			for _, tg := range p.TargetsFor(in.ID, u) {
				name := in.Name
				if loc.Lang == "en" && in.En != "" {
					name = in.En
				}
				t.Rows = append(t.Rows, []any{name, in.ID, unitName(p, u, loc), float64(tg.Year), num(tg.Floor), num(tg.Stretch), in.Measure, tg.Text, tg.Note})
			}
		}
	}
	return t
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func num(p *float64) any {
	if p == nil {
		return ""
	}
	return *p
}

// WriteCSV writes one table as UTF-8 CSV with a byte-order mark, so that Excel on a
// Chinese Windows desktop opens it with the right encoding.
func WriteCSV(w io.Writer, t Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	rec := make([]string, len(t.Header))
	for _, r := range t.Rows {
		for i := range rec {
			rec[i] = ""
			if i < len(r) {
				rec[i] = cell(r[i])
			}
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

func cell(v any) string {
	switch x := v.(type) {
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return x
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// WriteXLSX writes the tables as sheets of one workbook, with a bold, frozen header row
// and an autofilter so that a clerk can sort and filter at once. Numbers stay numbers,
// shown with the table's column formats.
func WriteXLSX(w io.Writer, tables ...Table) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	styles := map[string]int{}
	style := func(format string) (int, error) {
		if id, ok := styles[format]; ok {
			return id, nil
		}
		fm := format
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &fm})
		if err != nil {
			return 0, err
		}
		styles[format] = id
		return id, nil
	}
	used := map[string]bool{}
	for i, t := range tables {
		name := uniqueSheetName(sheetName(t.Name, i), used)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return fmt.Errorf("write xlsx: %w", err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		for c := range t.Header {
			width := 14.0
			if c == 0 || c >= len(t.Header)-2 {
				width = 30
			}
			if c < len(t.Widths) && t.Widths[c] > 0 {
				width = t.Widths[c]
			}
			if err := sw.SetColWidth(c+1, c+1, width); err != nil {
				return fmt.Errorf("write xlsx: %w", err)
			}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		head := make([]any, len(t.Header))
		for c, h := range t.Header {
			head[c] = excelize.Cell{StyleID: bold, Value: h}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		colStyle := make([]int, len(t.Format))
		for c, fm := range t.Format {
			if fm == "" {
				continue
			}
			if colStyle[c], err = style(fm); err != nil {
				return fmt.Errorf("write xlsx: %w", err)
			}
		}
		for r, row := range t.Rows {
			out := make([]any, len(row))
			for c, v := range row {
				switch x := v.(type) {
				case float64:
					switch {
					case math.IsInf(x, 0) || math.IsNaN(x):
						out[c] = ""
					case c < len(colStyle) && colStyle[c] != 0:
						out[c] = excelize.Cell{StyleID: colStyle[c], Value: x}
					default:
						out[c] = x
					}
				default:
					out[c] = v
				}
			}
			addr, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(addr, out); err != nil {
				return fmt.Errorf("write xlsx: %w", err)
			}
		}
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		if len(t.Header) > 0 {
			last, _ := excelize.CoordinatesToCellName(len(t.Header), len(t.Rows)+1)
			if err := f.AutoFilter(name, "A1:"+last, nil); err != nil {
				return fmt.Errorf("write xlsx: %w", err)
			}
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// uniqueSheetName keeps sheet names distinct (Excel compares them case-insensitively),
// adding " (2)", " (3)"… within the 31-character limit.
func uniqueSheetName(name string, used map[string]bool) string {
	key := func(s string) string { return strings.ToLower(s) }
	out := name
	for n := 2; used[key(out)]; n++ {
		suffix := fmt.Sprintf(" (%d)", n)
		r := []rune(name)
		if len(r)+len(suffix) > 31 {
			r = r[:31-len(suffix)]
		}
		out = string(r) + suffix
	}
	used[key(out)] = true
	return out
}

// sheetName keeps a sheet name within Excel's rules: at most 31 characters, none of
// : \ / ? * [ ].
func sheetName(s string, i int) string {
	r := []rune(s)
	out := make([]rune, 0, len(r))
	for _, c := range r {
		switch c {
		case ':', '\\', '/', '?', '*', '[', ']':
			c = '_'
		}
		out = append(out, c)
	}
	if len(out) > 31 {
		out = out[:31]
	}
	if len(out) == 0 {
		return fmt.Sprintf("Sheet%d", i+1)
	}
	return string(out)
}
