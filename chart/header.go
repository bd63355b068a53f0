package chart

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// figure is a plot with what goes above it: a title and a legend laid out in rows, as
// a phone held upright has more room across than down the side of the plot.
type figure struct {
	plot   *plot.Plot
	title  string
	legend []entry
}

// entry is one item of the legend: a name and the marks that stand for it.
type entry struct {
	name   string
	thumbs []plot.Thumbnailer
}

// Sizes of the header's text and marks.
const (
	titleSize   = vg.Length(17)
	legendSize  = vg.Length(12.5)
	thumbWidth  = vg.Length(22)
	legendGap   = vg.Length(14)
	headerSpace = vg.Length(6)
)

// draw draws the title, then the legend, then the plot in the room left below them.
func (f *figure) draw(fs *fontSet, c draw.Canvas) {
	top := c.Max.Y
	width := c.Max.X - c.Min.X
	if f.title != "" {
		// A long title takes two lines rather than losing its end (often the measure).
		sty := fs.style(titleSize)
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		for _, line := range fs.wrap(f.title, titleSize, width, 2) {
			c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: top}, line)
			top -= sty.Height(line) + vg.Points(2)
		}
		top -= headerSpace
	}
	if len(f.legend) > 0 {
		top = f.drawLegend(fs, c, top)
	}
	c.Max.Y = top
	f.plot.Draw(c)
}

// drawLegend lays the entries out left to right, centred, starting a new row when one
// would run past the edge, and returns where the rows end.
func (f *figure) drawLegend(fs *fontSet, c draw.Canvas, top vg.Length) vg.Length {
	sty := fs.style(legendSize)
	sty.YAlign = draw.YCenter
	ext := sty.FontExtents()
	rowHeight := ext.Height
	width := c.Max.X - c.Min.X
	type placed struct {
		e    entry
		text string
		w    vg.Length
	}
	var rows [][]placed
	var rowWidths []vg.Length
	var row []placed
	var rw vg.Length
	for _, e := range f.legend {
		if e.name == "" {
			continue
		}
		t := fs.fit(e.name, legendSize, width-thumbWidth-vg.Points(4))
		w := thumbWidth + vg.Points(4) + sty.Width(t)
		if len(row) > 0 && rw+legendGap+w > width {
			rows, rowWidths, row, rw = append(rows, row), append(rowWidths, rw), nil, 0
		}
		if len(row) > 0 {
			rw += legendGap
		}
		row, rw = append(row, placed{e, t, w}), rw+w
	}
	if len(row) > 0 {
		rows, rowWidths = append(rows, row), append(rowWidths, rw)
	}
	for i, row := range rows {
		mid := top - rowHeight/2
		x := c.Min.X + (width-rowWidths[i])/2
		for _, p := range row {
			box := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: mid - ext.Ascent/2},
				Max: vg.Point{X: x + thumbWidth, Y: mid + ext.Ascent/2},
			}}
			for _, t := range p.e.thumbs {
				t.Thumbnail(&box)
			}
			c.FillText(sty, vg.Point{X: x + thumbWidth + vg.Points(4), Y: mid}, p.text)
			x += p.w + legendGap
		}
		top -= rowHeight
	}
	return top - headerSpace
}

// swatch is a legend mark: a square of a colour, as a bar of that colour.
type swatch struct{ color color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	side := c.Max.Y - c.Min.Y
	x := (c.Min.X + c.Max.X - side) / 2
	c.FillPolygon(s.color, []vg.Point{
		{X: x, Y: c.Min.Y}, {X: x + side, Y: c.Min.Y},
		{X: x + side, Y: c.Max.Y}, {X: x, Y: c.Max.Y},
	})
}
