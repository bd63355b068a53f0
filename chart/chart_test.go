package chart

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/progressbot/progressbot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func per(y, m int) progressbot.Period { return progressbot.Period{Year: y, Month: time.Month(m)} }

// sampleLevel is a county's count of above-scale enterprises: a level indicator with
// targets 165, 181 and 198 for 2023–2025, reported monthly and lagging a little.
func sampleLevel() PathInput {
	in := PathInput{
		Kind: progressbot.KindLevel,
		Path: progressbot.Path{Targets: []progressbot.YearValue{{Year: 2023, Value: 165}, {Year: 2024, Value: 181}, {Year: 2025, Value: 198}}},
		From: per(2023, 9), To: per(2026, 11),
	}
	v := 160.0
	for m := per(2023, 9); !per(2026, 11).Before(m); m = m.Next() {
		if m == per(2024, 7) {
			continue // not reported that month
		}
		in.Actual = append(in.Actual, Point{m, v})
		v += 1.1
	}
	return in
}

// sampleFlow is year-to-date revenue: an annual flow that restarts every January.
func sampleFlow() PathInput {
	in := PathInput{
		Kind: progressbot.KindAnnualFlow,
		Path: progressbot.Path{Targets: []progressbot.YearValue{{Year: 2025, Value: 7000}}},
		To:   per(2026, 11),
	}
	for m := per(2024, 1); !per(2026, 11).Before(m); m = m.Next() {
		in.Actual = append(in.Actual, Point{m, 6800 * float64(m.Month) / 12})
	}
	return in
}

func samplePace() PaceInput {
	return PaceInput{Thresholds: progressbot.DefaultPace, Bars: []Bar{
		{Ratio: 0.62, Level: progressbot.PaceSerious},
		{Ratio: 0.88, Level: progressbot.PaceLagging},
		{Ratio: math.NaN(), Level: progressbot.PaceNoData},
		{Ratio: 0.99, Level: progressbot.PaceOnTrack},
		{Ratio: 1.31, Level: progressbot.PaceAhead},
		{Ratio: math.Inf(1), Level: progressbot.PaceAhead},
	}}
}

// checkPNG decodes a picture and checks its size and that it is not blank.
func checkPNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got := img.Bounds().Size(); got != (image.Point{Width, Height}) {
		t.Errorf("size %v, want %dx%d", got, Width, Height)
	}
	// Pixel variance of the grey level: a blank (or one-colour) picture has none.
	var sum, sq float64
	n := 0
	colours := map[color.RGBA]bool{}
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y += 2 {
		for x := bd.Min.X; x < bd.Max.X; x += 2 {
			r, g, b, a := img.At(x, y).RGBA()
			colours[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}] = true
			l := (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
			sum += l
			sq += l * l
			n++
		}
	}
	mean := sum / float64(n)
	if v := sq/float64(n) - mean*mean; v < 50 {
		t.Errorf("picture looks blank: grey variance %.1f", v)
	}
	if mean < 150 {
		t.Errorf("picture is dark (mean grey %.0f): the background should be white", mean)
	}
	if len(colours) < 4 {
		t.Errorf("only %d colours", len(colours))
	}
	return img
}

func TestIndicatorPath(t *testing.T) {
	for name, in := range map[string]PathInput{"level": sampleLevel(), "flow": sampleFlow()} {
		t.Run(name, func(t *testing.T) {
			b, err := IndicatorPath(in)
			if err != nil {
				t.Fatal(err)
			}
			checkPNG(t, b)
			again, err := IndicatorPath(in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, again) {
				t.Error("the same input gave a different picture")
			}
			if dir := os.Getenv("CHART_OUT"); dir != "" {
				_ = os.WriteFile(dir+"/path-"+name+".png", b, 0o644)
			}
		})
	}
}

func TestCountyPace(t *testing.T) {
	b, err := CountyPace(samplePace())
	if err != nil {
		t.Fatal(err)
	}
	img := checkPNG(t, b)
	again, _ := CountyPace(samplePace())
	if !bytes.Equal(b, again) {
		t.Error("the same input gave a different picture")
	}
	// The serious and the ahead colours are both in the picture.
	want := map[color.Color]bool{levelColors[progressbot.PaceSerious]: false, levelColors[progressbot.PaceAhead]: false}
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			for c := range want {
				cr, cg, cb, _ := c.RGBA()
				if r == cr && g == cg && bl == cb {
					want[c] = true
				}
			}
		}
	}
	for c, seen := range want {
		if !seen {
			t.Errorf("bar colour %v not drawn", c)
		}
	}
	if dir := os.Getenv("CHART_OUT"); dir != "" {
		_ = os.WriteFile(dir+"/pace.png", b, 0o644)
	}
}

func TestBadInput(t *testing.T) {
	if _, err := IndicatorPath(PathInput{Kind: progressbot.KindLevel}); !errors.Is(err, ErrNoData) {
		t.Errorf("empty path: %v", err)
	}
	if _, err := IndicatorPath(PathInput{Kind: progressbot.KindLevel, Actual: []Point{{per(2026, 1), 1}}, From: per(2026, 5), To: per(2026, 1)}); err == nil {
		t.Error("end before start accepted")
	}
	if _, err := CountyPace(PaceInput{}); !errors.Is(err, ErrNoData) {
		t.Errorf("no bars: %v", err)
	}
	if _, err := CountyPace(PaceInput{Bars: []Bar{{Key: "一二三四五六七八九十一二三", Ratio: 1}}}); err == nil {
		t.Error("a 13-character key accepted")
	}
	// A target path only, nothing reported yet: still a picture.
	in := sampleLevel()
	in.Actual = nil
	b, err := IndicatorPath(in)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, b)
	// Values only, no numeric target (a text-only target).
	in = sampleLevel()
	in.Path = progressbot.Path{}
	if _, err := IndicatorPath(in); err != nil {
		t.Fatal(err)
	}
	// Lower is better, negative growth, one point.
	if _, err := IndicatorPath(PathInput{Kind: progressbot.KindGrowthRate, Path: progressbot.Path{Targets: []progressbot.YearValue{{Year: 2026, Value: -3}}},
		Actual: []Point{{Period: per(2026, 11), Value: -4.5}}}); err != nil {
		t.Fatal(err)
	}
}

// textRecorder is a canvas that draws nothing and keeps every string the plot draws,
// with the typeface it is drawn in.
type textRecorder struct {
	texts []string
	faces []font.Typeface
}

func (r *textRecorder) SetLineWidth(vg.Length)              {}
func (r *textRecorder) SetLineDash([]vg.Length, vg.Length)  {}
func (r *textRecorder) SetColor(color.Color)                {}
func (r *textRecorder) Rotate(float64)                      {}
func (r *textRecorder) Translate(vg.Point)                  {}
func (r *textRecorder) Scale(float64, float64)              {}
func (r *textRecorder) Push()                               {}
func (r *textRecorder) Pop()                                {}
func (r *textRecorder) Stroke(vg.Path)                      {}
func (r *textRecorder) Fill(vg.Path)                        {}
func (r *textRecorder) DrawImage(vg.Rectangle, image.Image) {}
func (r *textRecorder) Size() (vg.Length, vg.Length)        { return vg.Points(600), vg.Points(375) }
func (r *textRecorder) FillString(f font.Face, _ vg.Point, s string) {
	r.texts, r.faces = append(r.texts, s), append(r.faces, f.Font.Typeface)
}

// TestLabels draws each chart without a title or legend, as before charts had them, on
// a canvas that records text: the months, values and percentages are all there.
func TestLabels(t *testing.T) {
	fs := fonts(t)
	var figs []*figure
	for _, in := range []PathInput{sampleLevel(), sampleFlow()} {
		f, err := pathPlot(fs, in)
		if err != nil {
			t.Fatal(err)
		}
		figs = append(figs, f)
	}
	f, err := pacePlot(fs, samplePace())
	if err != nil {
		t.Fatal(err)
	}
	figs = append(figs, f)
	for i, f := range figs {
		rec := &textRecorder{}
		f.draw(fs, draw.New(rec))
		if len(rec.texts) < 5 {
			t.Errorf("figure %d: only %d strings drawn: %q", i, len(rec.texts), rec.texts)
		}
		for _, s := range rec.texts {
			if !utf8.ValidString(s) || s == "" {
				t.Errorf("figure %d draws %q", i, s)
			}
		}
		t.Logf("figure %d: %s", i, strings.Join(rec.texts, " | "))
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{7000, "7000"}, {12000, "12,000"}, {1234567, "1,234,567"}, {12.5, "12.5"}, {0.35, "0.35"},
		{3.14159, "3.14"}, {-4.5, "-4.5"}, {198, "198"}, {0, "0"}, {math.NaN(), ""},
	}
	for _, tt := range tests {
		if got := formatValue(tt.v); got != tt.want {
			t.Errorf("formatValue(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	if got := formatPercent(0.955); got != "96%" {
		t.Errorf("formatPercent: %q", got)
	}
}

func TestMonthTicks(t *testing.T) {
	lo, hi := x(per(2023, 9))-0.5, x(per(2026, 11))+0.5
	var labels []string
	for _, tk := range (monthTicks{}).Ticks(lo, hi) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if len(labels) == 0 || len(labels) > 8 {
		t.Fatalf("labels: %v", labels)
	}
	for _, l := range labels {
		if len(l) != 7 || l[4] != '-' {
			t.Errorf("label %q is not YYYY-MM", l)
		}
	}
	if labels[0] != "2024-01" {
		t.Errorf("labels start at %q, want a calendar boundary: %v", labels[0], labels)
	}
}

// The benchmarks draw the charts as a Chinese reader gets them: title, legend and names.
func BenchmarkIndicatorPath(b *testing.B) {
	fs := fonts(b)
	build := readerCharts(b, "zh-CN")["path-level"]
	b.ReportAllocs()
	for b.Loop() {
		f, err := build(fs)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := render(fs, f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCountyPace(b *testing.B) {
	fs := fonts(b)
	build := readerCharts(b, "zh-CN")["pace"]
	b.ReportAllocs()
	for b.Loop() {
		f, err := build(fs)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := render(fs, f); err != nil {
			b.Fatal(err)
		}
	}
}

func TestManyBars(t *testing.T) {
	in := PaceInput{Thresholds: progressbot.DefaultPace}
	for i := 0; i < 30; i++ {
		r := 0.6 + float64(i)*0.03
		l := progressbot.PaceLagging
		if r >= 0.95 {
			l = progressbot.PaceOnTrack
		}
		in.Bars = append(in.Bars, Bar{Ratio: r, Level: l})
	}
	b, err := CountyPace(in)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, b)
	if dir := os.Getenv("CHART_OUT"); dir != "" {
		_ = os.WriteFile(dir+"/pace-30.png", b, 0o644)
	}
	in.Bars = append(in.Bars, make([]Bar, 11)...)
	if _, err := CountyPace(in); err == nil {
		t.Error("41 bars accepted")
	}
}
