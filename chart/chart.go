// Package chart draws the two pictures a leader gets on a phone, as PNG bytes:
//
//   - IndicatorPath: an indicator's monthly values for a unit (or the city) against the
//     path the plan expects, with the year-end targets marked;
//   - CountyPace: a county's (or a bureau's) indicators as horizontal bars of
//     actual / expected, with the plan's pace thresholds as vertical lines.
//
// Each picture has a title, a legend and the names in the reader's language, which the
// caller gives already translated: the package knows no locale. All text is drawn with
// an embedded subset of Noto Sans CJK SC (font.go), which covers GB2312's hanzi, Latin
// and punctuation; a character outside it is drawn as 〓, and the caption, which spells
// every name and number, stays the text version of the picture.
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/progressbot/progressbot"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Size of the pictures in pixels: wide enough to read on a phone held upright, and no
// larger than Telegram shows without a tap.
const (
	Width  = 800
	Height = 500
	dpi    = 96
)

// ErrNoData is returned when there is nothing to draw.
var ErrNoData = errors.New("chart: nothing to draw")

// Colours: the pace levels in traffic-light order, and the lines.
var (
	colorActual   = color.RGBA{R: 0x1f, G: 0x5f, B: 0xbf, A: 0xff}
	colorExpected = color.RGBA{R: 0x70, G: 0x70, B: 0x70, A: 0xff}
	colorTarget   = color.RGBA{R: 0xd0, G: 0x30, B: 0x20, A: 0xff}
	colorGrid     = color.RGBA{R: 0xe4, G: 0xe4, B: 0xe4, A: 0xff}
	colorText     = color.RGBA{R: 0x20, G: 0x20, B: 0x20, A: 0xff}
	levelColors   = map[progressbot.PaceLevel]color.Color{
		progressbot.PaceAhead:   color.RGBA{R: 0x2e, G: 0x8b, B: 0x57, A: 0xff},
		progressbot.PaceOnTrack: color.RGBA{R: 0x3c, G: 0x78, B: 0xd8, A: 0xff},
		progressbot.PaceLagging: color.RGBA{R: 0xf0, G: 0x9a, B: 0x1a, A: 0xff},
		progressbot.PaceSerious: color.RGBA{R: 0xd0, G: 0x30, B: 0x20, A: 0xff},
	}
)

// Point is a value reported for a month.
type Point struct {
	Period progressbot.Period
	Value  float64
}

// PathInput is what IndicatorPath draws.
type PathInput struct {
	Kind progressbot.IndicatorKind
	Path progressbot.Path // the unit's targets (progressbot.Plan.PathFor)
	// Actual are the values reported, one per month at most, in any order.
	Actual []Point
	// From and To are the first and last months shown. A zero From starts at the
	// earliest actual value, else three years before To; a zero To ends at the latest
	// actual value.
	From, To progressbot.Period
	// Title heads the picture, e.g. the unit, the indicator and its measure.
	Title  string
	Legend PathLegend
}

// PathLegend names an indicator path's marks in the reader's language; an empty name
// leaves its mark out of the legend.
type PathLegend struct {
	Actual   string // the values reported
	Expected string // the value expected by pace at each month's end
	Target   string // the year-end targets
}

// IndicatorPath draws an indicator's monthly path against its target path: the values
// reported as a solid line with points, the expected value at each month end
// (progressbot.Expected for the indicator's kind) as a dashed line, and the year-end
// targets within the months shown as red diamonds with their values. For an annual flow,
// which restarts every January, each year is its own line.
func IndicatorPath(in PathInput) ([]byte, error) {
	fs, err := loadFonts()
	if err != nil {
		return nil, err
	}
	f, err := pathPlot(fs, in)
	if err != nil {
		return nil, err
	}
	return render(fs, f)
}

func pathPlot(fs *fontSet, in PathInput) (*figure, error) {
	actual := slices.Clone(in.Actual)
	slices.SortFunc(actual, func(a, b Point) int { return monthIndex(a.Period) - monthIndex(b.Period) })
	actual = slices.CompactFunc(actual, func(a, b Point) bool { return a.Period == b.Period })
	from, to := in.From, in.To
	if to.IsZero() {
		if len(actual) == 0 {
			return nil, ErrNoData
		}
		to = actual[len(actual)-1].Period
	}
	if from.IsZero() {
		from = to.Add(-35)
		if len(actual) > 0 && from.Before(actual[0].Period) {
			from = actual[0].Period
		}
	}
	if to.Before(from) {
		return nil, fmt.Errorf("chart: months %s to %s: the end is before the start", from, to)
	}
	if monthIndex(to)-monthIndex(from) > 12*20 {
		return nil, fmt.Errorf("chart: months %s to %s: more than twenty years", from, to)
	}
	var shown []Point
	for _, a := range actual {
		if !a.Period.Before(from) && !to.Before(a.Period) && finite(a.Value) {
			shown = append(shown, a)
		}
	}
	var expected []Point
	if len(in.Path.Targets) > 0 {
		for m := from; !to.Before(m); m = m.Next() {
			if v, ok := progressbot.Expected(in.Kind, in.Path, m.Year, m.YearFraction()); ok {
				expected = append(expected, Point{m, v})
			}
		}
	}
	if len(shown) == 0 && len(expected) == 0 {
		return nil, ErrNoData
	}

	p := newPlot(fs)
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = colorGrid, colorGrid
	p.Add(grid)
	fig := &figure{plot: p, title: in.Title}

	split := in.Kind == progressbot.KindAnnualFlow
	var thumbs []plot.Thumbnailer
	for _, seg := range segments(expected, split) {
		l, err := plotter.NewLine(xys(seg))
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		l.Color = colorExpected
		l.Width = vg.Points(2)
		l.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
		p.Add(l)
		thumbs = []plot.Thumbnailer{l}
	}
	if len(thumbs) > 0 {
		fig.legend = append(fig.legend, entry{name: in.Legend.Expected, thumbs: thumbs})
	}
	thumbs = nil
	for _, seg := range segments(shown, split) {
		l, s, err := plotter.NewLinePoints(xys(seg))
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		l.Color, l.Width = colorActual, vg.Points(2.5)
		s.Color, s.Shape, s.Radius = colorActual, draw.CircleGlyph{}, vg.Points(3.5)
		p.Add(l, s)
		thumbs = []plot.Thumbnailer{l, s}
	}
	if len(thumbs) > 0 {
		// The values reported come first in the legend: they are what the picture is of.
		fig.legend = append([]entry{{name: in.Legend.Actual, thumbs: thumbs}}, fig.legend...)
	}

	// Year-end targets inside the months shown.
	var marks plotter.XYs
	var labels []string
	for _, t := range in.Path.Targets {
		end := progressbot.Period{Year: t.Year, Month: 12}
		if end.Before(from) || to.Before(end) || !finite(t.Value) {
			continue
		}
		marks = append(marks, plotter.XY{X: x(end), Y: t.Value})
		labels = append(labels, formatValue(t.Value))
	}
	if len(marks) > 0 {
		s, err := plotter.NewScatter(marks)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		s.Color, s.Shape, s.Radius = colorTarget, draw.PyramidGlyph{}, vg.Points(6)
		p.Add(s)
		fig.legend = append(fig.legend, entry{name: in.Legend.Target, thumbs: []plot.Thumbnailer{s}})
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: marks, Labels: labels})
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		for i := range lb.TextStyle {
			lb.TextStyle[i] = fs.style(vg.Points(13))
			lb.TextStyle[i].Color = colorTarget
			lb.TextStyle[i].XAlign = draw.XCenter
		}
		lb.Offset = vg.Point{Y: vg.Points(9)}
		p.Add(lb)
	}

	// Axes: months along the bottom, values up the side.
	p.X.Min, p.X.Max = x(from)-0.5, x(to)+0.5
	p.X.Tick.Marker = monthTicks{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, pts := range [][]Point{shown, expected} {
		for _, pt := range pts {
			lo, hi = math.Min(lo, pt.Value), math.Max(hi, pt.Value)
		}
	}
	for _, m := range marks {
		lo, hi = math.Min(lo, m.Y), math.Max(hi, m.Y)
	}
	if hi <= lo {
		lo, hi = lo-1, hi+1
	}
	pad := (hi - lo) * 0.12
	p.Y.Min, p.Y.Max = lo-pad, hi+pad
	if lo >= 0 && lo < hi/2 {
		// Start at zero when the values span most of the way down anyway; otherwise
		// zoom in, so that the gap between the two lines is visible.
		p.Y.Min = 0
	}
	p.Y.Tick.Marker = valueTicks{}
	return fig, nil
}

// Bar is one indicator of a pace chart.
type Bar struct {
	// Key is the bar's number, a few characters ("1", "2"…) that the caption and the
	// buttons under the picture use too. Empty means the bar's 1-based position.
	Key string
	// Label names the bar after its key, in the reader's language; a long name is cut
	// to fit with "…" (the caption has it whole).
	Label string
	// Ratio is actual / expected (progressbot.Judge); above 1 is ahead. NaN draws no
	// bar: nothing was reported. An infinite ratio (nothing was expected yet) is drawn
	// at the chart's right edge.
	Ratio float64
	Level progressbot.PaceLevel
}

// PaceInput is what CountyPace draws.
type PaceInput struct {
	Bars       []Bar // top to bottom, e.g. worst first
	Thresholds progressbot.PaceThresholds
	// Title heads the picture, e.g. the unit and the month; Axis names the ratio under
	// the bars.
	Title, Axis string
	Legend      PaceLegend
}

// PaceLegend names a pace chart's marks in the reader's language; a level or mark with
// no name is left out of the legend.
type PaceLegend struct {
	Levels     map[progressbot.PaceLevel]string // the colours, for the levels drawn
	Thresholds string                           // the dashed lines
	NoData     string                           // beside a bar with nothing reported; "n/a" if empty
}

// legendLevels is the order of the pace levels in a legend: the traffic light's.
var legendLevels = []progressbot.PaceLevel{progressbot.PaceAhead, progressbot.PaceOnTrack, progressbot.PaceLagging, progressbot.PaceSerious}

// CountyPace draws a unit's indicators as horizontal bars of actual / expected, coloured
// by pace level, each with its percentage, and the thresholds between the levels as
// dashed vertical lines.
func CountyPace(in PaceInput) ([]byte, error) {
	fs, err := loadFonts()
	if err != nil {
		return nil, err
	}
	f, err := pacePlot(fs, in)
	if err != nil {
		return nil, err
	}
	return render(fs, f)
}

// maxRatio is where the bar scale stops: a unit at five times its pace is drawn at 250%.
const maxRatio = 2.5

// maxKey is the longest bar key, in characters.
const maxKey = 12

func pacePlot(fs *fontSet, in PaceInput) (*figure, error) {
	n := len(in.Bars)
	if n == 0 {
		return nil, ErrNoData
	}
	if n > 40 {
		return nil, fmt.Errorf("chart: %d bars: at most 40 fit a phone screen", n)
	}
	th := in.Thresholds
	if !th.Valid() {
		th = progressbot.DefaultPace
	}
	size := vg.Points(12.5)
	if n > 14 {
		// Many bars: smaller text, so that neighbouring labels do not run together.
		size = vg.Points(max(9, 12.5-float64(n-14)/4))
	}
	keys := make([]string, n)
	for i, b := range in.Bars {
		key := b.Key
		if key == "" {
			key = strconv.Itoa(i + 1)
		}
		if utf8.RuneCountInString(key) > maxKey {
			return nil, fmt.Errorf("chart: bar key %q: longer than %d characters", key, maxKey)
		}
		keys[i] = fs.fit(strings.TrimSpace(key+" "+b.Label), size, labelWidth)
	}
	p := newPlot(fs)
	grid := plotter.NewGrid()
	grid.Horizontal.Width = 0
	grid.Vertical.Color = colorGrid
	p.Add(grid)
	fig := &figure{plot: p, title: in.Title}
	drawn := map[progressbot.PaceLevel]bool{}

	hi := th.Ahead * 1.15
	for _, b := range in.Bars {
		if r := b.Ratio; !math.IsNaN(r) {
			hi = math.Max(hi, math.Min(r, maxRatio)*1.12)
		}
	}
	hi = math.Min(hi, maxRatio*1.12)
	barWidth := vg.Points(math.Min(28, 0.6*(Height*72/dpi-80)/float64(n)))
	var ptxt plotter.XYs
	var txt []string
	for i, b := range in.Bars {
		y := float64(n - 1 - i) // first bar on top
		r := b.Ratio
		label := "n/a"
		if in.Legend.NoData != "" {
			label = fs.fit(in.Legend.NoData, size, 0)
		}
		switch {
		case math.IsNaN(r):
			r = 0
		case math.IsInf(r, 1) || r > maxRatio:
			label = ">" + strconv.Itoa(int(maxRatio*100)) + "%"
			r = maxRatio
		case r < 0 || math.IsInf(r, -1):
			label = formatPercent(math.Max(r, -9.99))
			r = 0
		default:
			label = formatPercent(r)
		}
		if r > 0 {
			bc, err := plotter.NewBarChart(plotter.Values{r}, barWidth)
			if err != nil {
				return nil, fmt.Errorf("chart: %w", err)
			}
			bc.Horizontal, bc.XMin = true, y
			bc.LineStyle.Width = 0
			bc.Color = levelColors[b.Level]
			if bc.Color == nil {
				bc.Color = colorExpected
			}
			p.Add(bc)
			drawn[b.Level] = true
		}
		ptxt = append(ptxt, plotter.XY{X: r, Y: y})
		txt = append(txt, label)
	}
	for _, lv := range legendLevels {
		if name := in.Legend.Levels[lv]; name != "" && drawn[lv] {
			fig.legend = append(fig.legend, entry{name: name, thumbs: []plot.Thumbnailer{swatch{levelColors[lv]}}})
		}
	}
	for i, v := range []float64{th.Lagging, th.OnTrack, th.Ahead} {
		l, err := plotter.NewLine(plotter.XYs{{X: v, Y: -0.6}, {X: v, Y: float64(n) - 0.4}})
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		l.Color, l.Width = colorExpected, vg.Points(1.5)
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(4)}
		p.Add(l)
		if i == 0 {
			fig.legend = append(fig.legend, entry{name: in.Legend.Thresholds, thumbs: []plot.Thumbnailer{l}})
		}
	}
	lb, err := plotter.NewLabels(plotter.XYLabels{XYs: ptxt, Labels: txt})
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	p.Y.Tick.Label.Font.Size = size
	for i := range lb.TextStyle {
		lb.TextStyle[i] = fs.style(size)
		lb.TextStyle[i].YAlign = draw.YCenter
	}
	lb.Offset = vg.Point{X: vg.Points(4)}
	p.Add(lb)

	p.X.Min, p.X.Max = 0, hi
	p.X.Tick.Marker = ratioTicks{th: th}
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	p.Y.Tick.Marker = keyTicks(keys)
	p.Y.Tick.Length = 0
	if in.Axis != "" {
		p.X.Label.Text = fs.fit(in.Axis, p.X.Label.TextStyle.Font.Size, Width*72/dpi-20)
		p.X.Label.Padding = vg.Points(5)
	}
	return fig, nil
}

// labelWidth is the widest a bar's key and name may be: about a third of the picture,
// a dozen Chinese characters at the usual size.
const labelWidth = vg.Length(0.34 * Width * 72 / dpi)

func newPlot(fs *fontSet) *plot.Plot {
	p := plot.New()
	fs.use(p)
	p.BackgroundColor = color.White
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Tick.Label.Font.Size = vg.Points(13)
		a.Tick.Label.Color = colorText
		a.Label.TextStyle.Font.Size = vg.Points(12.5)
		a.Label.TextStyle.Color = colorText
		a.Padding = vg.Points(4)
	}
	p.X.Tick.Label.XAlign = draw.XCenter
	return p
}

// render draws a figure into an 800×500 picture and encodes it as PNG.
func render(fs *fontSet, f *figure) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	c := vgimg.NewWith(vgimg.UseImage(img), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	f.draw(fs, draw.Crop(dc, vg.Points(6), -vg.Points(14), vg.Points(6), -vg.Points(8)))
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, c.Image()); err != nil {
		return nil, fmt.Errorf("chart: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// monthIndex counts months from year 0, so that months are evenly spaced along the X axis.
func monthIndex(p progressbot.Period) int { return p.Year*12 + int(p.Month) - 1 }

func x(p progressbot.Period) float64 { return float64(monthIndex(p)) }

func periodAt(v float64) progressbot.Period {
	m := int(math.Round(v))
	return progressbot.Period{Year: m / 12, Month: 1}.Add(m % 12)
}

// segments splits points into one run per year when byYear (an annual flow restarts every
// January, so December and January are not joined), else keeps them as one run.
func segments(pts []Point, byYear bool) [][]Point {
	var out [][]Point
	var cur []Point
	for _, pt := range pts {
		if len(cur) > 0 {
			last := cur[len(cur)-1].Period
			if byYear && last.Year != pt.Period.Year {
				out, cur = append(out, cur), nil
			}
		}
		cur = append(cur, pt)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func xys(pts []Point) plotter.XYs {
	out := make(plotter.XYs, len(pts))
	for i, pt := range pts {
		out[i] = plotter.XY{X: x(pt.Period), Y: pt.Value}
	}
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// monthTicks labels the X axis with months, YYYY-MM, every 1, 2, 3, 6 or 12 months so
// that at most eight labels fit under an 800-pixel picture, on calendar boundaries
// (quarters, half-years, Januaries); unlabelled ticks mark the months or quarters between.
type monthTicks struct{}

func (monthTicks) Ticks(lo, hi float64) []plot.Tick {
	first, last := int(math.Ceil(lo)), int(math.Floor(hi))
	span := last - first + 1
	step := 12
	for _, s := range []int{1, 2, 3, 6, 12} {
		if span/s < 8 {
			step = s
			break
		}
	}
	minor := 1
	if span > 48 {
		minor = 3
	}
	var ticks []plot.Tick
	for m := first; m <= last; m++ {
		switch {
		case m%step == 0:
			ticks = append(ticks, plot.Tick{Value: float64(m), Label: periodAt(float64(m)).String()})
		case m%minor == 0:
			ticks = append(ticks, plot.Tick{Value: float64(m)})
		}
	}
	return ticks
}

// valueTicks labels the value axis with round numbers in ASCII.
type valueTicks struct{}

func (valueTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = formatValue(ticks[i].Value)
		}
	}
	return ticks
}

// ratioTicks marks 0%, 50%, 100%, … and the thresholds.
type ratioTicks struct{ th progressbot.PaceThresholds }

func (t ratioTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for v := 0.0; v <= hi+1e-9; v += 0.5 {
		ticks = append(ticks, plot.Tick{Value: v, Label: formatPercent(v)})
	}
	for _, v := range []float64{t.th.Lagging, t.th.OnTrack, t.th.Ahead} {
		if math.Abs(v-math.Round(v*2)/2) > 1e-9 {
			ticks = append(ticks, plot.Tick{Value: v})
		}
	}
	return ticks
}

// keyTicks labels the bars from the top.
type keyTicks []string

func (k keyTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := make([]plot.Tick, len(k))
	for i, key := range k {
		ticks[i] = plot.Tick{Value: float64(len(k) - 1 - i), Label: key}
	}
	return ticks
}

// formatValue writes a number in ASCII with at most three significant decimals and
// thousands separators: 7,000, 12.5, 0.35.
func formatValue(v float64) string {
	if !finite(v) {
		return ""
	}
	neg := v < 0
	v = math.Abs(v)
	var s string
	switch {
	case v >= 1000 || v == math.Trunc(v):
		s = strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	case v >= 10:
		s = strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	default:
		s = strconv.FormatFloat(v, 'f', -1, 64)
		if len(s) > 5 {
			s = strconv.FormatFloat(v, 'g', 3, 64)
		}
	}
	if i := strings.IndexByte(s, '.'); i < 0 && len(s) > 4 && !strings.ContainsAny(s, "e") {
		var b strings.Builder
		for j, c := range s {
			if j > 0 && (len(s)-j)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		s = b.String()
	}
	if neg {
		s = "-" + s
	}
	return s
}

func formatPercent(r float64) string {
	return strconv.FormatFloat(math.Round(r*100), 'f', -1, 64) + "%"
}
