package chart

import (
	_ "embed"
	"fmt"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// fontData is Noto Sans CJK SC Regular cut down to GB2312, Latin and punctuation and the
// characters of the locale files and bundled plans: 1.5 MB instead of 16 MB for the
// whole face, and enough for the names of any plan written in simplified Chinese. How
// it was made, and how to make it again, is in fonts/README.md; its licence (SIL OFL
// 1.1) is fonts/OFL.txt.
//
//go:embed fonts/NotoSansCJKsc-Regular-GB2312.otf
var fontData []byte

// typeface names the embedded font in gonum's font cache.
const typeface font.Typeface = "Noto Sans CJK SC"

// missingGlyph stands in for a character the embedded font cannot draw: 〓 (geta mark),
// the placeholder Chinese and Japanese typesetting use for a missing character. The
// caption under a picture spells every name in full, so nothing is lost.
const missingGlyph = '〓'

// fontSet is the embedded font registered with a gonum font cache of its own (not
// gonum's default cache, which other code may change), and the text handler that draws
// with it. It is built once and only read afterwards.
type fontSet struct {
	face    *opentype.Font
	handler textHandler
}

var loadFonts = sync.OnceValues(func() (*fontSet, error) {
	f, err := opentype.Parse(fontData)
	if err != nil {
		return nil, fmt.Errorf("chart: parse embedded font: %w", err)
	}
	cache := font.NewCache(font.Collection{{Font: font.Font{Typeface: typeface}, Face: f}})
	return &fontSet{face: f, handler: textHandler{text.Plain{Fonts: cache}}}, nil
})

// The em box of the font's ideographs: from 0.12 em below the baseline to 0.88 above.
const (
	emAscent  = 0.88
	emDescent = 0.12
	emLeading = 1.25
)

// textHandler draws like text.Plain but places text by the em box of the ideographs,
// not by the font's ascent and descent (1.16 and 0.29 em here, room for accents Chinese
// never uses): text.Plain would put every centred label a third of a character too low
// and leave a gap above each title.
type textHandler struct{ text.Plain }

func (h textHandler) Extents(f font.Font) font.Extents {
	return font.Extents{Ascent: emAscent * f.Size, Descent: emDescent * f.Size, Height: emLeading * f.Size}
}

func (h textHandler) Box(txt string, f font.Font) (width, height, depth vg.Length) {
	width, _, _ = h.Plain.Box(txt, f)
	e := h.Extents(f)
	return width, e.Ascent, e.Descent
}

// Draw shifts the point so that text.Plain, which puts the baseline at the font's real
// ascent below the top of the box and a font size above it, puts it emDescent above the
// box's bottom instead. The shift is along the text's own up, whatever its rotation.
func (h textHandler) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	face := h.Fonts.Lookup(sty.Font, sty.Font.Size)
	d := h.Extents(sty.Font).Descent + face.Extents().Ascent - sty.Font.Size
	sin, cos := math.Sincos(sty.Rotation)
	pt.X -= d * vg.Length(sin)
	pt.Y += d * vg.Length(cos)
	h.Plain.Draw(c, txt, sty, pt)
}

// style is a text style in the embedded font.
func (fs *fontSet) style(size vg.Length) text.Style {
	return text.Style{
		Color:   colorText,
		Font:    font.Font{Typeface: typeface, Size: size},
		Handler: fs.handler,
	}
}

// use makes every text of a plot (title, axis labels, ticks, legend) draw with the
// embedded font at the sizes the plot already has.
func (fs *fontSet) use(p *plot.Plot) {
	p.TextHandler = fs.handler
	for _, s := range []*text.Style{&p.Title.TextStyle, &p.Legend.TextStyle,
		&p.X.Label.TextStyle, &p.Y.Label.TextStyle, &p.X.Tick.Label, &p.Y.Tick.Label} {
		s.Font = font.Font{Typeface: typeface, Size: s.Font.Size}
		s.Handler = fs.handler
	}
}

// has reports whether the embedded font has a glyph for r.
func (fs *fontSet) has(buf *sfnt.Buffer, r rune) bool {
	i, err := fs.face.GlyphIndex(buf, r)
	return err == nil && i != 0
}

// fit makes s drawable: control characters become spaces, characters the font lacks
// become missingGlyph, and a text wider than width (when width > 0) is cut at a
// character and ends with an ellipsis.
func (fs *fontSet) fit(s string, size, width vg.Length) string {
	var buf sfnt.Buffer
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f:
			r = ' '
		case !fs.has(&buf, r):
			r = missingGlyph
		}
		b.WriteRune(r)
	}
	s = strings.TrimSpace(b.String())
	if width <= 0 {
		return s
	}
	sty := fs.style(size)
	if sty.Width(s) <= width {
		return s
	}
	runes := []rune(s)
	for n := len(runes) - 1; n > 0; n-- {
		t := strings.TrimSpace(string(runes[:n]))
		if t += ellipsis(t); sty.Width(t) <= width {
			return t
		}
	}
	return "…"
}

// ellipsis ends a cut text: "…" after Chinese, where the font draws it as the three
// centred dots Chinese uses, and "..." after Latin, where those would look out of place.
func ellipsis(cut string) string {
	if r, _ := utf8.DecodeLastRuneInString(cut); r < 0x2e80 {
		return "..."
	}
	return "…"
}

// wrap breaks s into at most n lines no wider than width: at a space when there is one
// past the middle of the line (Latin), else between any two characters (Chinese). The
// last line is cut with an ellipsis if the text still does not fit.
func (fs *fontSet) wrap(s string, size, width vg.Length, n int) []string {
	s = fs.fit(s, size, 0)
	sty := fs.style(size)
	var lines []string
	for len(lines) < n-1 && sty.Width(s) > width {
		runes := []rune(s)
		k := 1
		for k < len(runes) && sty.Width(string(runes[:k+1])) <= width {
			k++
		}
		for j := k; j > k/2; j-- {
			if runes[j] == ' ' {
				k = j
				break
			}
		}
		lines = append(lines, strings.TrimSpace(string(runes[:k])))
		s = strings.TrimSpace(string(runes[k:]))
	}
	return append(lines, fs.fit(s, size, width))
}
