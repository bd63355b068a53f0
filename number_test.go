package progressbot

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// flags in numberTests: "~" Approx, "%" Percent.
var numberTests = []struct {
	in      string
	measure string // the indicator's measure passed to In
	want    float64
	flags   string
	typed   string // Number.Measure
	reason  NumberReason
}{
	// plain ASCII
	{"200", "家", 200, "", "", ""},
	{"0", "家", 0, "", "", ""},
	{"007", "", 7, "", "", ""},
	{"3000", "亿元", 3000, "", "", ""},
	{"1,234", "", 1234, "", "", ""},
	{"1,234,567.89", "元", 1234567.89, "", "", ""},
	{"12.5", "%", 12.5, "", "", ""},
	{".5", "", 0.5, "", "", ""},
	{"5.", "", 5, "", "", ""},
	{"+5", "%", 5, "", "", ""},
	{"-3.2", "%", -3.2, "", "", ""},
	{"-0", "", 0, "", "", ""},
	{"  42  ", "", 42, "", "", ""},
	{"\u3000\u300042\u3000", "", 42, "", "", ""},
	{"42。", "", 42, "", "", ""},
	{strings.Repeat("0", 63) + "1", "", 1, "", "", ""},

	// full-width and phone keyboards
	{"１２３", "", 123, "", "", ""},
	{"１２３，４５６．７", "", 123456.7, "", "", ""},
	{"－５", "%", -5, "", "", ""},
	{"−5", "%", -5, "", "", ""},
	{"１２％", "%", 12, "%", "%", ""},
	{"12。5", "", 12.5, "", "", ""},
	{"1，234", "", 1234, "", "", ""},
	{"２．５万", "家", 25000, "", "万", ""},

	// magnitudes and measures
	{"1.2万", "家", 12000, "", "万", ""},
	{"1.2万", "万家", 1.2, "", "万", ""},
	{"5万", "万家", 5, "", "万", ""},
	{"5", "万家", 5, "", "", ""},
	{"5万家", "家", 50000, "", "万家", ""},
	{"3000亿", "亿元", 3000, "", "亿", ""},
	{"3000亿元", "亿元", 3000, "", "亿元", ""},
	{"3000 亿元", "亿元", 3000, "", "亿元", ""},
	{"3000亿元", "", 3e11, "", "亿元", ""},
	{"300000万元", "亿元", 30, "", "万元", ""},
	{"1,200万", "亿元", 0.12, "", "万", ""},
	{"12亿元", "万元", 120000, "", "亿元", ""},
	{"5000元", "万元", 0.5, "", "元", ""},
	{"1亿2000万", "亿元", 1.2, "", "亿", ""},
	{"1亿2000万", "万元", 12000, "", "亿", ""},
	{"1万2千", "", 12000, "", "万", ""},
	{"3千", "家", 3000, "", "", ""},
	{"3千", "亿元", 3000, "", "", ""},
	{"5千万", "亿元", 0.5, "", "万", ""},
	{"5千万元", "千万元", 5, "", "万元", ""},
	{"3万亿", "亿元", 30000, "", "万亿", ""},
	{"1万5", "", 15000, "", "万", ""},
	{"3千5", "", 3500, "", "", ""},
	{"3个亿", "亿元", 3, "", "亿", ""},
	{"￥3000万", "亿元", 0.3, "", "万元", ""},
	{"2.5万m²", "万m²", 2.5, "", "万m²", ""},
	{"25000平方米", "万m²", 2.5, "", "m²", ""},
	{"5万千瓦", "千瓦", 50000, "", "万千瓦", ""},
	{"800千瓦", "万千瓦", 0.08, "", "千瓦", ""},
	{"12", "吨标准煤/万元", 12, "", "", ""},
	{"0.35", "指数", 0.35, "", "", ""},

	// percent
	{"12%", "%", 12, "%", "%", ""},
	{"12 %", "%", 12, "%", "%", ""},
	{"-1.5%", "%", -1.5, "%", "%", ""},
	{"12个百分点", "百分点", 12, "%", "百分点", ""},
	{"2个百分点", "%", 2, "%", "百分点", ""},
	{"2%", "百分点", 2, "%", "%", ""},
	{"百分之十二", "%", 12, "%", "%", ""},
	{"百分之12.5", "%", 12.5, "%", "%", ""},
	{"12", "%", 12, "", "", ""},

	// counts
	{"25家", "家", 25, "", "家", ""},
	{"25户", "家", 25, "", "户", ""},
	{"3个", "项", 3, "", "个", ""},
	{"5家企业", "家", 5, "", "家", ""},
	{"3个项目", "个", 3, "", "个", ""},

	// approximate
	{"约200", "家", 200, "~", "", ""},
	{"大约200家", "家", 200, "~", "家", ""},
	{"200左右", "", 200, "~", "", ""},
	{"200家左右", "家", 200, "~", "家", ""},
	{"近3000亿元", "亿元", 3000, "~", "亿元", ""},
	{"200多家", "家", 200, "~", "家", ""},
	{"200多万元", "万元", 200, "~", "万元", ""},
	{"超过50%", "%", 50, "~%", "%", ""},
	{"1万余户", "户", 10000, "~", "万户", ""},
	{"~200", "", 200, "~", "", ""},
	{"200+", "", 200, "~", "", ""},

	// Chinese numerals
	{"一百", "", 100, "", "", ""},
	{"十五", "", 15, "", "", ""},
	{"一百二十三", "", 123, "", "", ""},
	{"两千零五", "", 2005, "", "", ""},
	{"两百五", "", 250, "", "", ""},
	{"一万五", "", 15000, "", "万", ""},
	{"一万零五", "", 10005, "", "万", ""},
	{"十二万", "万家", 12, "", "万", ""},
	{"三点五亿", "亿元", 3.5, "", "亿", ""},
	{"零", "", 0, "", "", ""},
	{"负三", "%", -3, "", "", ""},
	{"叁佰", "", 300, "", "", ""},

	// nothing typed
	{"", "", 0, "", "", ReasonEmpty},
	{"   ", "", 0, "", "", ReasonEmpty},
	{"\u3000", "", 0, "", "", ReasonEmpty},

	// too long
	{strings.Repeat("1", 65), "", 0, "", "", ReasonTooLong},
	{"约" + strings.Repeat("一", 70), "", 0, "", "", ReasonTooLong},

	// no figure
	{"无", "家", 0, "", "", ReasonNoValue},
	{"不知道", "", 0, "", "", ReasonNoValue},
	{"暂无。", "", 0, "", "", ReasonNoValue},
	{"N/A", "", 0, "", "", ReasonNoValue},
	{"-", "", 0, "", "", ReasonNoValue},

	// not a number
	{"abc", "", 0, "", "", ReasonNotANumber},
	{"1.2.3", "", 0, "", "", ReasonNotANumber},
	{"12..5", "", 0, "", "", ReasonNotANumber},
	{"万", "", 0, "", "", ReasonNotANumber},
	{"亿元", "亿元", 0, "", "", ReasonNotANumber},
	{"百", "", 0, "", "", ReasonNotANumber},
	{"%", "", 0, "", "", ReasonNotANumber},
	{"约", "", 0, "", "", ReasonNotANumber},
	{"😀", "", 0, "", "", ReasonNotANumber},
	{"1e5", "", 0, "", "", ReasonNotANumber},
	{"--5", "", 0, "", "", ReasonNotANumber},
	{"1亿万", "", 0, "", "", ReasonNotANumber},
	{"2万1亿", "", 0, "", "", ReasonNotANumber},
	{"1万20000", "", 0, "", "", ReasonNotANumber},
	{"1.5万5", "", 0, "", "", ReasonNotANumber},
	{"二三", "", 0, "", "", ReasonNotANumber},
	{"\xff12", "", 0, "", "", ReasonNotANumber},

	// two numbers
	{"200-300", "", 0, "", "", ReasonTwoNumbers},
	{"200~300", "", 0, "", "", ReasonTwoNumbers},
	{"200～300", "", 0, "", "", ReasonTwoNumbers},
	{"200或300", "", 0, "", "", ReasonTwoNumbers},
	{"200、300", "", 0, "", "", ReasonTwoNumbers},
	{"200 300", "", 0, "", "", ReasonTwoNumbers},
	{"200, 300", "", 0, "", "", ReasonTwoNumbers},
	{"1,23", "", 0, "", "", ReasonTwoNumbers},
	{"12345,678", "", 0, "", "", ReasonTwoNumbers},
	{"50%-60%", "%", 0, "", "", ReasonTwoNumbers},
	{"3000亿，同比增长12%", "亿元", 0, "", "", ReasonTwoNumbers},
	{"200至三百", "", 0, "", "", ReasonTwoNumbers},

	// unknown unit
	{"12kg", "", 0, "", "", ReasonUnknownUnit},
	{"12‰", "", 0, "", "", ReasonUnknownUnit},
	{"百分之12元", "", 0, "", "", ReasonUnknownUnit},

	// unit does not fit the indicator
	{"12%", "亿元", 0, "", "", ReasonUnitMismatch},
	{"3000亿元", "%", 0, "", "", ReasonUnitMismatch},
	{"25家", "亿元", 0, "", "", ReasonUnitMismatch},
	{"2.5万m²", "家", 0, "", "", ReasonUnitMismatch},
	{"12个百分点", "万元", 0, "", "", ReasonUnitMismatch},
	{"12美元", "亿元", 0, "", "", ReasonUnitMismatch},
	{"12元", "吨标准煤/万元", 0, "", "", ReasonUnitMismatch},
}

var numberSentinels = map[NumberReason]error{
	ReasonEmpty:        ErrNumberEmpty,
	ReasonTooLong:      ErrNumberTooLong,
	ReasonNoValue:      ErrNoValue,
	ReasonNotANumber:   ErrNotANumber,
	ReasonTwoNumbers:   ErrTwoNumbers,
	ReasonUnknownUnit:  ErrUnknownUnit,
	ReasonUnitMismatch: ErrUnitMismatch,
}

func TestParseNumber(t *testing.T) {
	for _, tc := range numberTests {
		n, err := ParseNumber(tc.in)
		got := 0.0
		if err == nil {
			got, err = n.In(tc.measure)
		}
		if tc.reason != "" {
			if ReasonOf(err) != tc.reason {
				t.Errorf("%q in %q: got (%v, %v), want reason %s", tc.in, tc.measure, got, err, tc.reason)
			} else if !errors.Is(err, numberSentinels[tc.reason]) || !strings.HasPrefix(err.Error(), "number") {
				t.Errorf("%q: error %v does not match its sentinel or is not lower case", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q in %q: unexpected error %v", tc.in, tc.measure, err)
			continue
		}
		if !numbersClose(got, tc.want) {
			t.Errorf("%q in %q: got %v, want %v", tc.in, tc.measure, got, tc.want)
		}
		if flags := numberFlags(n); flags != tc.flags {
			t.Errorf("%q: flags %q, want %q", tc.in, flags, tc.flags)
		}
		if n.Measure != tc.typed {
			t.Errorf("%q: typed measure %q, want %q", tc.in, n.Measure, tc.typed)
		}
	}
}

var formatTests = []struct {
	v       float64
	measure string
	want    string
}{
	{7000, "亿元", "7,000亿元"},
	{30, "亿元", "30亿元"},
	{12, "%", "12%"},
	{12.5, "%", "12.5%"},
	{-3.25, "%", "-3.25%"},
	{1.5, "百分点", "1.5个百分点"},
	{12000, "家", "12,000家"},
	{0, "户", "0户"},
	{math.Copysign(0, -1), "", "0"},
	{100, "", "100"},
	{1000, "", "1,000"},
	{999.999, "", "1,000"},
	{3.10, "", "3.1"},
	{1234567.891, "", "1,234,567.89"},
	{-1234.5, "亿元", "-1,234.5亿元"},
	{0.5, "", "0.5"},
	{0.12345, "", "0.12"},
	{0.0035, "万元", "0.0035万元"},
	{-0.004, "", "-0.004"},
	{2.5, "万m²", "2.5万m²"},
	{1e12, "元", "1,000,000,000,000元"},
	{math.NaN(), "", "—"},
	{math.Inf(1), "", "∞"},
	{math.Inf(-1), "%", "-∞"},
}

func TestFormatNumber(t *testing.T) {
	for _, tc := range formatTests {
		got := FormatNumber(tc.v, tc.measure)
		if got != tc.want {
			t.Errorf("FormatNumber(%v, %q) = %q, want %q", tc.v, tc.measure, got, tc.want)
			continue
		}
		if math.IsNaN(tc.v) || math.IsInf(tc.v, 0) {
			continue
		}
		n, err := ParseNumber(got)
		if err != nil {
			t.Errorf("ParseNumber(%q): %v", got, err)
			continue
		}
		if back, err := n.In(tc.measure); err != nil || !formattedClose(back, tc.v) {
			t.Errorf("ParseNumber(%q).In(%q) = %v, %v; want about %v", got, tc.measure, back, err, tc.v)
		}
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, tc := range numberTests {
		f.Add(tc.in)
	}
	for _, tc := range formatTests {
		f.Add(FormatNumber(tc.v, tc.measure))
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNumber(s)
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("%q: error without reason: %v", s, err)
			}
			return
		}
		if math.IsNaN(n.Value) || math.IsInf(n.Value, 0) {
			t.Fatalf("%q: value %v", s, n.Value)
		}
		switch n.Scale {
		case 1, 1e4, 1e8, 1e12:
		default:
			t.Fatalf("%q: scale %v", s, n.Scale)
		}
		if n.Percent != (n.Unit == "%" || n.Unit == "百分点") {
			t.Fatalf("%q: percent %v for unit %q", s, n.Percent, n.Unit)
		}
		if v, err := n.In(n.Measure); err != nil || v != n.Value {
			t.Fatalf("%q: In(%q) = %v, %v; want %v", s, n.Measure, v, err, n.Value)
		}
		if v, err := n.In(""); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%q: In(\"\") = %v, %v", s, v, err)
		}
		out := FormatNumber(n.Value, n.Measure)
		if utf8.RuneCountInString(out) > MaxNumberRunes {
			return // thousands separators made it too long to type back
		}
		m, err := ParseNumber(out)
		if err != nil {
			t.Fatalf("%q → %q: %v", s, out, err)
		}
		if m.Measure != n.Measure || !formattedClose(m.Value, n.Value) {
			t.Fatalf("%q → %q → %v %q, want %v %q", s, out, m.Value, m.Measure, n.Value, n.Measure)
		}
		if again := FormatNumber(m.Value, m.Measure); again != out {
			t.Fatalf("%q → %q → %q: formatting is not stable", s, out, again)
		}
	})
}

func BenchmarkParseNumber(b *testing.B) {
	inputs := []string{"200", "1,234,567.89", "1.2万", "约3000亿元", "1亿2000万", "１２％", "百分之十二", "200-300"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _ = ParseNumber(inputs[i%len(inputs)])
	}
}

func numberFlags(n Number) string {
	s := ""
	if n.Approx {
		s += "~"
	}
	if n.Percent {
		s += "%"
	}
	return s
}

func numbersClose(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// formattedClose reports whether got is what FormatNumber's rounding may make of want.
func formattedClose(got, want float64) bool {
	d := math.Abs(got - want)
	if math.Abs(want) >= 1 {
		return d <= 0.005+1e-12*math.Abs(want)
	}
	return d <= 0.05*math.Abs(want)+1e-300
}
