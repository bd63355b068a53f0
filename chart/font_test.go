package chart

import (
	"image"
	"image/color"
	"image/draw"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/seeds"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func fonts(t testing.TB) *fontSet {
	t.Helper()
	fs, err := loadFonts()
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// bundledPlan is the plan shipped with the binary: the names the tests draw come from
// it, not from the code.
func bundledPlan(t testing.TB) *progressbot.Plan {
	t.Helper()
	p, _, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// planNames picks a county and two indicators with Chinese names from the plan.
func planNames(t testing.TB, p *progressbot.Plan) (county *progressbot.Unit, ins []*progressbot.Indicator) {
	t.Helper()
	for _, u := range p.Units {
		if u.Kind == progressbot.UnitCounty && u.En != "" {
			county = u
			break
		}
	}
	for _, in := range p.Indicators {
		if in.En != "" && in.Measure != "" && len(ins) < 2 {
			ins = append(ins, in)
		}
	}
	if county == nil || len(ins) < 2 {
		t.Fatal("the bundled plan has no county or no named indicators")
	}
	return county, ins
}

// rasterize draws s in black on white with a face of the given size.
func rasterize(face font.Face, s string) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 64*len([]rune(s))+16, 80))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	c := vgimg.NewWith(vgimg.UseImage(img), vgimg.UseDPI(72))
	c.SetColor(color.Black)
	c.FillString(face, vg.Point{X: 8, Y: 20}, s)
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), c.Image(), image.Point{}, draw.Src)
	return out
}

// ink counts the dark pixels of a picture.
func ink(img *image.RGBA) int {
	n := 0
	for i := 0; i < len(img.Pix); i += 4 {
		if img.Pix[i] < 128 {
			n++
		}
	}
	return n
}

func samePixels(a, b *image.RGBA) bool {
	return a.Bounds() == b.Bounds() && slices.Equal(a.Pix, b.Pix)
}

// TestCJKGlyphsDrawn rasterizes the Chinese names of the bundled plan one character at
// a time with the embedded font and checks that each one leaves ink and differs from the
// font's missing-glyph box (.notdef, drawn for a private-use character), and that the
// whole name differs from what gonum's own Latin font (Liberation) draws for it, which is
// boxes. Were the font to lose its Chinese glyphs, every character would equal the box.
func TestCJKGlyphsDrawn(t *testing.T) {
	fs := fonts(t)
	county, ins := planNames(t, bundledPlan(t))
	ours := fs.handler.Fonts.Lookup(font.Font{Typeface: typeface}, 40)
	if ours.Face != fs.face {
		t.Fatal("the font cache does not give the embedded font")
	}
	tofu := rasterize(ours, "\ue000")
	seen := map[*image.RGBA]rune{}
	for _, name := range []string{county.Name, ins[0].Name, ins[1].Name} {
		for _, r := range name {
			if !unicode.Is(unicode.Han, r) {
				continue
			}
			img := rasterize(ours, string(r))
			if ink(img) < 20 {
				t.Errorf("%q: %d dark pixels: nothing drawn", r, ink(img))
			}
			if samePixels(img, tofu) {
				t.Errorf("%q is drawn as the missing-glyph box", r)
			}
			for other, o := range seen {
				if o != r && samePixels(img, other) {
					t.Errorf("%q and %q are drawn the same", r, o)
				}
			}
			seen[img] = r
		}
		latin := font.DefaultCache.Lookup(plot.DefaultFont, 40)
		if samePixels(rasterize(ours, name), rasterize(latin, name)) {
			t.Errorf("%q: the embedded font draws it as a Latin-only font does", name)
		}
	}
	if len(seen) < 4 {
		t.Fatalf("only %d Chinese characters tried", len(seen))
	}
}

// TestFontCovers checks that every character of the names and measures of the bundled
// plan and of the messages drawn in pictures, in both languages, is in the embedded
// font: a new name or message outside it means running chart/fonts/subset.sh again.
// (Other messages may carry emoji for Telegram, which no picture draws.)
func TestFontCovers(t *testing.T) {
	fs := fonts(t)
	p := bundledPlan(t)
	texts := map[string]string{}
	for _, u := range p.Units {
		texts["unit "+u.ID] = u.Name + u.En + strings.Join(u.Short, "")
	}
	for _, in := range p.Indicators {
		texts["indicator "+in.ID] = in.Name + in.En + in.Measure
	}
	for _, lang := range locales.Languages {
		msgs, err := locales.Messages(lang)
		if err != nil {
			t.Fatal(err)
		}
		for id, m := range msgs {
			if strings.HasPrefix(id, "chart.") || strings.HasPrefix(id, "export.pace.") || id == "period.label" {
				texts[lang+" "+id] = m
			}
		}
	}
	for where, s := range texts {
		var missing []rune
		for _, r := range s {
			if !unicode.IsSpace(r) && !unicode.IsControl(r) && !fs.has(nil, r) {
				missing = append(missing, r)
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s: no glyph for %q", where, string(missing))
		}
	}
}

// TestFit checks what happens to a text the font cannot draw whole.
func TestFit(t *testing.T) {
	fs := fonts(t)
	county, _ := planNames(t, bundledPlan(t))
	tests := []struct {
		name, in string
		width    vg.Length
		want     string
	}{
		{"plain", county.Name, 0, county.Name},
		{"outside GB2312 (CJK extension B)", "A\U00020000" + county.Name, 0, "A〓" + county.Name},
		{"control characters", "a\tb\n", 0, "a b"},
		{"fits", "Pace 95%", 400, "Pace 95%"},
	}
	for _, tt := range tests {
		if got := fs.fit(tt.in, 12, tt.width); got != tt.want {
			t.Errorf("%s: fit(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
	if got := fs.fit("Industrial enterprises with revenue", 12, 80); !strings.HasSuffix(got, "...") {
		t.Errorf("Latin cut to %q, want it to end in ...", got)
	}
	long := strings.Repeat(county.Name, 10)
	got := fs.fit(long, 12, 100)
	if !strings.HasSuffix(got, "…") || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Errorf("cut %q to %q", long, got)
	}
	if w := fs.style(12).Width(got); w > 100 || w < 80 {
		t.Errorf("cut to %v wide, want a little under 100", w)
	}
}

// reader builds each kind of chart the way flows does, with the bundled plan's names
// and the messages of a language.
func readerCharts(t testing.TB, lang string) map[string]func(*fontSet) (*figure, error) {
	t.Helper()
	loc := locales.For(lang)
	county, ins := planNames(t, bundledPlan(t))
	name := func(zh, en string) string {
		if lang == "en" && en != "" {
			return en
		}
		return zh
	}
	unit := name(county.Name, county.En)
	legend := PathLegend{Actual: loc.T("chart.path.actual"), Expected: loc.T("chart.path.expected"), Target: loc.T("chart.path.target")}
	path := func(in PathInput, ind *progressbot.Indicator) PathInput {
		in.Title = loc.T("chart.path.title", "Unit", unit, "Indicator", name(ind.Name, ind.En), "Measure", ind.Measure)
		in.Legend = legend
		return in
	}
	pace := samplePace()
	pace.Title = loc.T("chart.pace.title", "Unit", unit, "Period", loc.T("period.label", "Year", 2026, "Month", 11, "MonthName", "November"))
	pace.Axis = loc.T("chart.pace.axis")
	pace.Legend = PaceLegend{Levels: map[progressbot.PaceLevel]string{}, NoData: loc.T("chart.pace.no_data"),
		Thresholds: loc.T("chart.pace.thresholds", "Lagging", formatPercent(pace.Thresholds.Lagging),
			"OnTrack", formatPercent(pace.Thresholds.OnTrack), "Ahead", formatPercent(pace.Thresholds.Ahead))}
	for _, l := range legendLevels {
		pace.Legend.Levels[l] = loc.T("export.pace." + string(l))
	}
	for i := range pace.Bars {
		in := ins[i%len(ins)]
		pace.Bars[i].Label = name(in.Name, in.En)
	}
	return map[string]func(*fontSet) (*figure, error){
		"path-level": func(fs *fontSet) (*figure, error) { return pathPlot(fs, path(sampleLevel(), ins[0])) },
		"path-flow":  func(fs *fontSet) (*figure, error) { return pathPlot(fs, path(sampleFlow(), ins[1])) },
		"pace":       func(fs *fontSet) (*figure, error) { return pacePlot(fs, pace) },
	}
}

// drawFigure renders a figure as PNG and checks the picture (saved as name.png in
// $CHART_OUT when set, to look at), then draws it again on a canvas that records text.
func drawFigure(t *testing.T, fs *fontSet, f *figure, name string) *textRecorder {
	t.Helper()
	b, err := render(fs, f)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, b)
	if dir := os.Getenv("CHART_OUT"); dir != "" {
		_ = os.WriteFile(dir+"/"+name+".png", b, 0o644)
	}
	rec := &textRecorder{}
	f.draw(fs, vgdraw.New(rec))
	return rec
}

// TestReaders draws each chart for a Chinese and an English reader: a valid picture,
// every string in the embedded font and none with a missing character, and the title,
// the legend and the names among them.
func TestReaders(t *testing.T) {
	fs := fonts(t)
	for _, lang := range locales.Languages {
		for kind, build := range readerCharts(t, lang) {
			t.Run(lang+"/"+kind, func(t *testing.T) {
				f, err := build(fs)
				if err != nil {
					t.Fatal(err)
				}
				rec := drawFigure(t, fs, f, kind+"-"+lang)
				for i, s := range rec.texts {
					if rec.faces[i] != typeface {
						t.Errorf("%q drawn in %q, not the embedded font", s, rec.faces[i])
					}
					if strings.ContainsRune(s, missingGlyph) {
						t.Errorf("%q has a character the font lacks", s)
					}
				}
				// The title whole, on one line or two.
				nospace := func(s string) string { return strings.ReplaceAll(s, " ", "") }
				if !strings.Contains(nospace(strings.Join(rec.texts, "")), nospace(f.title)) {
					t.Errorf("title %q is not drawn whole; drawn: %q", f.title, rec.texts)
				}
				var want []string
				for _, e := range f.legend {
					want = append(want, e.name)
				}
				if kind == "pace" {
					want = append(want, f.plot.X.Label.Text)
				}
				for _, w := range want {
					// A text too wide for the picture is drawn cut, ending in an ellipsis.
					drawn := slices.ContainsFunc(rec.texts, func(s string) bool {
						cut := strings.TrimSuffix(strings.TrimSuffix(s, "..."), "…")
						return s == w || len(cut) > 10 && len(cut) < len(s) && strings.HasPrefix(w, cut)
					})
					if w == "" || !drawn {
						t.Errorf("%q is not drawn; drawn: %q", w, rec.texts)
					}
				}
				if lang == "zh-CN" && !strings.ContainsFunc(f.title, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
					t.Errorf("a Chinese reader's title %q has no Chinese", f.title)
				}
			})
		}
	}
}

// TestMissingCharacter draws names with a character outside the font (one of CJK
// extension B, as a rare place name may have): the picture is made, the character is
// drawn as 〓 and the rest of the name as it is.
func TestMissingCharacter(t *testing.T) {
	fs := fonts(t)
	county, _ := planNames(t, bundledPlan(t))
	odd := "\U00020000" + county.Name
	in := samplePace()
	in.Title, in.Bars[0].Label = odd, odd
	f, err := pacePlot(fs, in)
	if err != nil {
		t.Fatal(err)
	}
	rec := drawFigure(t, fs, f, "missing")
	for _, want := range []string{"〓" + county.Name, "1 〓" + county.Name} {
		if !slices.Contains(rec.texts, want) {
			t.Errorf("%q not drawn; drawn: %q", want, rec.texts)
		}
	}
	path := sampleLevel()
	path.Title, path.Legend.Actual = odd, odd
	if _, err := IndicatorPath(path); err != nil {
		t.Fatal(err)
	}
}

// TestWrap breaks titles: Latin at a space, Chinese between any characters, no line
// wider than asked, nothing lost when two lines hold it, and the last line cut when not.
func TestWrap(t *testing.T) {
	fs := fonts(t)
	county, ins := planNames(t, bundledPlan(t))
	zh := county.Name + ins[0].Name + ins[1].Name + county.Name
	en := county.En + " " + ins[0].En
	const width = 260
	for _, s := range []string{zh, en} {
		lines := fs.wrap(s, titleSize, width, 2)
		if len(lines) != 2 {
			t.Fatalf("%q: %d lines %q, want 2", s, len(lines), lines)
		}
		for _, l := range lines {
			if w := fs.style(titleSize).Width(l); w > width {
				t.Errorf("line %q is %v wide, more than %v", l, w, vg.Length(width))
			}
		}
		sep := "" // Chinese breaks between characters, Latin at a space
		if s == en {
			sep = " "
		}
		if strings.Join(lines, sep) != s {
			t.Errorf("%q wrapped as %q", s, lines)
		}
	}
	if got := fs.wrap(county.Name, titleSize, width, 2); len(got) != 1 || got[0] != county.Name {
		t.Errorf("a short title wrapped as %q", got)
	}
	long := strings.Repeat(zh, 5)
	got := fs.wrap(long, titleSize, width, 2)
	if len(got) != 2 || !strings.HasSuffix(got[1], "…") {
		t.Errorf("a very long title wrapped as %q", got)
	}
}
