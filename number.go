package progressbot

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file reads the numbers liaisons type on a phone ("1.2万", "3000亿元", "约200家",
// "１２％", "百分之十二") and renders numbers back for a phone screen. It is pure: no I/O, no
// user-facing text. Errors carry a NumberReason that the bot maps to a localized message.

// MaxNumberRunes is the longest answer, in characters after trimming spaces, that
// ParseNumber reads; anything longer fails with ReasonTooLong.
const MaxNumberRunes = 64

// NumberReason says why an answer is not a usable number. The values are stable and may be
// used as message IDs.
type NumberReason string

const (
	// ReasonEmpty: nothing but spaces.
	ReasonEmpty NumberReason = "empty"
	// ReasonTooLong: more than MaxNumberRunes characters.
	ReasonTooLong NumberReason = "too_long"
	// ReasonNoValue: the person said there is no figure: "无", "暂无", "不知道", "-", "N/A".
	// The bot may offer to skip the item or to record 0; the parser does not guess.
	ReasonNoValue NumberReason = "no_value"
	// ReasonNotANumber: no number could be read: "abc", "1.2.3", "12..5", "万", "1e5", emoji.
	ReasonNotANumber NumberReason = "not_a_number"
	// ReasonTwoNumbers: a range, a list or alternatives: "200-300", "200或300", "200、300",
	// "200 300", "50%-60%", "3000亿，同比增长12%".
	ReasonTwoNumbers NumberReason = "two_numbers"
	// ReasonUnknownUnit: a number followed by words that are not a known unit: "12kg", "12‰".
	// NumberError.Unit holds the words.
	ReasonUnknownUnit NumberReason = "unknown_unit"
	// ReasonUnitMismatch (from Number.In): the unit typed cannot be converted into the
	// indicator's measure: "12%" for a 亿元 indicator, "25家" for a % indicator.
	// NumberError.Unit holds the unit typed and NumberError.Measure the indicator's measure.
	ReasonUnitMismatch NumberReason = "unit_mismatch"
)

// NumberError is the error returned by ParseNumber and Number.In.
type NumberError struct {
	Reason  NumberReason
	Input   string // the answer as typed (for Number.In: the parsed number, formatted)
	Unit    string // ReasonUnknownUnit: the words not understood; ReasonUnitMismatch: the unit typed
	Measure string // ReasonUnitMismatch: the indicator's measure
}

// Sentinel errors for errors.Is; a *NumberError matches the sentinel with the same Reason.
var (
	ErrNumberEmpty    = &NumberError{Reason: ReasonEmpty}
	ErrNumberTooLong  = &NumberError{Reason: ReasonTooLong}
	ErrNoValue        = &NumberError{Reason: ReasonNoValue}
	ErrNotANumber     = &NumberError{Reason: ReasonNotANumber}
	ErrTwoNumbers     = &NumberError{Reason: ReasonTwoNumbers}
	ErrUnknownUnit    = &NumberError{Reason: ReasonUnknownUnit}
	ErrUnitMismatch   = &NumberError{Reason: ReasonUnitMismatch}
	errNumberInternal = errors.New("number: internal")
)

func (e *NumberError) Error() string {
	var what string
	switch e.Reason {
	case ReasonEmpty:
		what = "empty"
	case ReasonTooLong:
		what = fmt.Sprintf("longer than %d characters", MaxNumberRunes)
	case ReasonNoValue:
		what = "no value given"
	case ReasonNotANumber:
		what = "not a number"
	case ReasonTwoNumbers:
		what = "more than one number"
	case ReasonUnknownUnit:
		what = fmt.Sprintf("unknown unit %q", e.Unit)
	case ReasonUnitMismatch:
		what = fmt.Sprintf("unit %q does not convert to measure %q", e.Unit, e.Measure)
	default:
		what = string(e.Reason)
	}
	if e.Input == "" {
		return "number: " + what
	}
	in := e.Input
	if utf8.RuneCountInString(in) > MaxNumberRunes {
		in = string([]rune(in)[:MaxNumberRunes]) + "…"
	}
	return fmt.Sprintf("number %q: %s", in, what)
}

// Is makes errors.Is(err, ErrTwoNumbers) and the like work.
func (e *NumberError) Is(target error) bool {
	t, ok := target.(*NumberError)
	return ok && t.Reason == e.Reason
}

// ReasonOf returns the NumberReason of err, or "" when err is nil or not a *NumberError.
func ReasonOf(err error) NumberReason {
	var ne *NumberError
	if errors.As(err, &ne) {
		return ne.Reason
	}
	return ""
}

// Number is an answer as the person typed it.
//
// Value is expressed in Scale, the largest Chinese magnitude typed (万, 亿, 万亿): "3000亿元"
// is Value 3000, Scale 1e8; "1.2万" is 1.2 × 1e4; "1亿2000万" is 1.2 × 1e8. 十, 百 and 千 are
// ordinary ways of writing a number, not a scale: "3千" is Value 3000, Scale 1, and "5千万"
// is Value 5000, Scale 1e4. Value × Scale is the quantity in Unit.
//
// A bare number (no magnitude, no unit) is read in the indicator's own measure by In; a
// magnitude or a unit makes it absolute and In converts it.
type Number struct {
	Value float64
	// Scale is 1, 1e4 (万), 1e8 (亿) or 1e12 (万亿). The zero value means 1.
	Scale float64
	// Unit is the canonical unit typed after the number, without magnitude: "元", "美元",
	// "家", "户", "个", "项", "%", "百分点", "m²", "吨", … or "" when none was typed.
	// "％", "个百分点", "平方米", "块" are written "%", "百分点", "m²", "元".
	Unit string
	// Measure is the measure suffix typed: the magnitude word of Scale followed by Unit,
	// e.g. "亿元", "万家", "万", "%", "百分点", "家", or "" for a bare number.
	Measure string
	// Approx is set when the person signalled the figure is not exact: a prefix 约, 大约,
	// 大概, 大致, 约为, 将近, 接近, 近, 差不多, 估计, 预计, 超过, 超, 多于, 逾, 不到, 不足,
	// 少于, 至少, 不少于, ~, ≈; or a suffix 左右, 上下, 以上, 以下, 以内, 多, 余, 来, 许, +
	// ("200多家", "200多万", "1万余户"). Value is the figure stated; the bot decides whether
	// to accept it or to ask for the exact figure.
	Approx bool
	// Percent is set when Unit is "%" or "百分点" (typed %, ％, 百分点, 个百分点 or 百分之…).
	Percent bool
}

// ParseNumber reads one number as a liaison types it on a phone.
//
// It understands:
//   - ASCII and full-width digits, signs (+ - － − 负) and decimal points (. ．, and 。
//     between two digits, which phone keyboards in Chinese mode produce); ".5" and "5." too;
//   - thousands separators , and ，: the first group has 1–3 digits and every other group
//     exactly 3 ("1,234", "1，234,567.8"); any other comma between digits separates two
//     numbers ("200, 300", "1,23" → ReasonTwoNumbers);
//   - magnitudes 十 百 千 (plain numbers: "3千" = 3000) and 万 亿 (scales), stacked (千万,
//     百万, 万亿) and compound ("1亿2000万", "1万2千"); colloquial "1万5" = 15000, "3千5" =
//     3500, "3个亿" = 3亿, "200多万" (approximate);
//   - Chinese numerals: 〇零一二两三…九十百千万亿, financial 壹贰叁…拾佰仟, 点 as a decimal
//     point ("三点五亿"), 负 for minus, 百分之 for percent ("百分之十二");
//   - a unit after the number (see Number.In for the list), spaces anywhere except between
//     two digits (U+3000 included), trailing sentence punctuation (。 . ! ？ …), ¥/￥ before
//     the number (元), and after a count unit the thing counted ("5家企业", "3个项目");
//   - approximate markers (see Number.Approx).
//
// Scientific notation, fractions ("1/2"), ranges and lists are rejected. Negative numbers
// are valid (growth rates); whether a value is plausible is decided elsewhere.
func ParseNumber(s string) (Number, error) {
	fail := func(r NumberReason, unit string) (Number, error) {
		return Number{}, &NumberError{Reason: r, Input: s, Unit: unit}
	}
	t := strings.TrimFunc(s, isNumSpace)
	if t == "" {
		return fail(ReasonEmpty, "")
	}
	if utf8.RuneCountInString(t) > MaxNumberRunes {
		return fail(ReasonTooLong, "")
	}
	if !utf8.ValidString(t) {
		return fail(ReasonNotANumber, "")
	}
	rs := normalizeNumber(t)
	if len(rs) == 0 {
		return fail(ReasonNotANumber, "")
	}
	if noValueWords[string(rs)] {
		return fail(ReasonNoValue, "")
	}
	p := numParser{rs: rs}
	n, reason, unit := p.parse()
	if reason != "" {
		return fail(reason, unit)
	}
	return n, nil
}

// In converts the number into an indicator's measure.
//
// A measure is an optional magnitude (十 百 千 万 十万 百万 千万 亿 万亿) followed by a unit:
//
//	money   元 (块, 块钱); 美元 — so 元, 万元, 亿元, 万亿元, 亿美元
//	count   个 家 户 项 人 名 位 台 套 件 辆 座 条 次 所 处 批 宗 种 只 张 — so 家, 万家, 万户
//	percent % (％, 百分比) and 百分点 (个百分点): the two convert 1:1, because liaisons write
//	        "2%" for "2个百分点"
//	area    m² (m2, ㎡, 平方米, 平米, 平方) — so m², 万m²; 平方公里 (km²) and 亩 are units of their own
//	other   吨, 吨标准煤, 千瓦, 千瓦时 — so 万吨, 万千瓦, 亿千瓦时
//
// All count units are one dimension (a 家 indicator accepts "25户" or "25个"); other
// dimensions do not convert into each other. Any other measure ("指数", "吨标准煤/万元") is
// taken as an opaque unit after peeling a leading magnitude: it accepts bare and scaled
// numbers but no typed unit.
//
// The rules: a bare number ("3000") is already in the measure and is returned as typed,
// whatever the measure. Otherwise the magnitudes are applied and the result is expressed in
// the measure: "3000亿" or "3000亿元" into 亿元 → 3000; "300000万元" into 亿元 → 30; "1.2万"
// into 家 → 12000; "5万" into 万家 → 5; "3000元" into 亿元 → 0.00003. The empty measure
// gives the absolute quantity ("3000亿元" → 3e11) and accepts any unit. A typed unit of
// another dimension than the measure's fails with ReasonUnitMismatch ("12%" into 亿元).
func (n Number) In(measure string) (float64, error) {
	exp := scaleExp(n.Scale)
	if n.Unit == "" && exp == 0 {
		return n.Value, nil
	}
	m := parseMeasure(measure)
	if n.Unit != "" && m.dim != "" {
		u, ok := unitTable[n.Unit]
		if !ok || u.dim != m.dim {
			return 0, &NumberError{
				Reason:  ReasonUnitMismatch,
				Input:   FormatNumber(n.Value, n.Measure),
				Unit:    n.Unit,
				Measure: measure,
			}
		}
	}
	return scale10(n.Value, exp-m.exp), nil
}

// FormatNumber renders v compactly for a phone screen, followed by measure as given:
// thousands separators, at most two decimals for |v| ≥ 1 and two significant digits below
// 1, no trailing zeros, no "-0". The measure is kept, not rescaled: (7000, "亿元") →
// "7,000亿元", (12, "%") → "12%", (0.0035, "万元") → "0.0035万元"; "百分点" is written
// "个百分点". NaN is "—" and infinities "∞" and "-∞". ParseNumber reads the result back
// when it is at most MaxNumberRunes long.
func FormatNumber(v float64, measure string) string {
	switch {
	case math.IsNaN(v):
		return "—"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "-∞"
	}
	a := math.Abs(v)
	var s string
	if a >= 1 || a == 0 {
		s = strconv.FormatFloat(a, 'f', 2, 64)
	} else {
		d := 1 - int(math.Floor(math.Log10(a)))
		s = strconv.FormatFloat(a, 'f', d, 64)
	}
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b strings.Builder
	if v < 0 && s != "0" {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteString(frac)
	m := strings.TrimSpace(measure)
	if m == "百分点" {
		m = "个百分点"
	}
	b.WriteString(m)
	return b.String()
}

// ---- units and measures ----

type unitInfo struct {
	canon string // canonical name, e.g. "m²" for 平方米
	dim   string // dimension; units of one dimension convert 1:1
}

// unitAliases maps what a person may type to the unit. Longest match wins.
var unitAliases = map[string]unitInfo{
	"元": {"元", "money"}, "块": {"元", "money"}, "块钱": {"元", "money"},
	"美元": {"美元", "usd"},
	"%":  {"%", "percent"}, "百分比": {"%", "percent"},
	"百分点": {"百分点", "percent"}, "个百分点": {"百分点", "percent"},
	"m²": {"m²", "area"}, "m2": {"m²", "area"}, "㎡": {"m²", "area"},
	"平方米": {"m²", "area"}, "平米": {"m²", "area"}, "平方": {"m²", "area"},
	"平方公里": {"km²", "km²"}, "km²": {"km²", "km²"}, "km2": {"km²", "km²"},
	"亩": {"亩", "亩"},
	"吨": {"吨", "吨"}, "吨标准煤": {"吨标准煤", "吨标准煤"},
	"千瓦": {"千瓦", "千瓦"}, "千瓦时": {"千瓦时", "千瓦时"},
}

// countUnits are classifiers; they are all one dimension.
const countUnits = "个家户项人名位台套件辆座条次所处批宗种只张"

// unitTable maps canonical unit names to their info.
var unitTable = map[string]unitInfo{}

// unitKeys are the aliases, longest first.
var unitKeys []string

func init() {
	for _, r := range countUnits {
		unitAliases[string(r)] = unitInfo{string(r), "count"}
	}
	for k, u := range unitAliases {
		unitKeys = append(unitKeys, k)
		unitTable[u.canon] = u
	}
	sort.Slice(unitKeys, func(i, j int) bool {
		if li, lj := utf8.RuneCountInString(unitKeys[i]), utf8.RuneCountInString(unitKeys[j]); li != lj {
			return li > lj
		}
		return unitKeys[i] < unitKeys[j]
	})
}

// matchUnit returns the unit typed at rs[i:], and its length in runes.
func matchUnit(rs []rune, i int) (unitInfo, int) {
	for _, k := range unitKeys {
		if hasRunePrefix(rs[i:], k) {
			return unitAliases[k], utf8.RuneCountInString(k)
		}
	}
	return unitInfo{}, 0
}

type measureInfo struct {
	exp  int    // power of ten of the measure's magnitude
	unit string // canonical unit, or the opaque rest, or ""
	dim  string // "" when the measure has no unit
}

var measurePrefixes = []struct {
	s   string
	exp int
}{
	{"万亿", 12}, {"千万", 7}, {"百万", 6}, {"十万", 5}, {"亿", 8}, {"万", 4}, {"千", 3}, {"百", 2}, {"十", 1},
}

func parseMeasure(measure string) measureInfo {
	m := string(normalizeNumber(strings.TrimFunc(measure, isNumSpace)))
	if m == "" {
		return measureInfo{}
	}
	if u, ok := unitAliases[m]; ok {
		return measureInfo{0, u.canon, u.dim}
	}
	for _, p := range measurePrefixes {
		if rest, ok := strings.CutPrefix(m, p.s); ok {
			if rest == "" {
				return measureInfo{p.exp, "", ""}
			}
			if u, ok := unitAliases[rest]; ok {
				return measureInfo{p.exp, u.canon, u.dim}
			}
			return measureInfo{p.exp, rest, "?" + rest}
		}
	}
	return measureInfo{0, m, "?" + m}
}

// magWord names a scale exponent as typed in a Measure.
func magWord(exp int) string {
	switch exp {
	case 4:
		return "万"
	case 8:
		return "亿"
	case 12:
		return "万亿"
	}
	return ""
}

func scaleExp(scale float64) int {
	if scale == 0 || scale == 1 || math.IsNaN(scale) || math.IsInf(scale, 0) {
		return 0
	}
	return int(math.Round(math.Log10(math.Abs(scale))))
}

// scale10 returns v × 10^k, correctly rounded from v's shortest decimal form, so that
// 1.2 × 10^4 is exactly 12000 and 300000 × 10^-4 exactly 30.
func scale10(v float64, k int) float64 {
	if k == 0 || v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	s := strconv.FormatFloat(v, 'e', -1, 64)
	i := strings.IndexByte(s, 'e')
	e, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return v * math.Pow10(k)
	}
	r, _ := strconv.ParseFloat(s[:i]+"e"+strconv.Itoa(e+k), 64)
	return r
}

// ---- normalization ----

var noValueWords = map[string]bool{
	"无": true, "没有": true, "暂无": true, "暂无数据": true, "无数据": true, "没数": true,
	"不知道": true, "不清楚": true, "不详": true, "未知": true, "待定": true, "待统计": true,
	"未统计": true, "空": true, "n/a": true, "na": true, "none": true, "null": true, "nil": true,
	"-": true, "--": true, "—": true, "——": true, "/": true,
}

func isNumSpace(r rune) bool { return unicode.IsSpace(r) || r == '\u3000' || unicode.Is(unicode.Cf, r) }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// foldNumberRune maps full-width forms to ASCII, ASCII letters to lower case, and the
// look-alike minus and tilde signs to '-' and '~'.
func foldNumberRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x2212 || r == 0xFE63:
		return '-'
	case r == 0xFFE5:
		return '¥'
	case r == 0x301C || r == 0x223C:
		return '~'
	}
	if r >= 'A' && r <= 'Z' {
		r += 'a' - 'A'
	}
	return r
}

// normalizeNumber folds widths, drops spaces and format characters except a space between
// two digits (kept as ' ', it separates two numbers), reads 。 between two digits as a
// decimal point, and drops trailing sentence punctuation.
func normalizeNumber(t string) []rune {
	in := []rune(t)
	for i, r := range in {
		in[i] = foldNumberRune(r)
	}
	numPunct := func(r rune) bool { return isDigit(r) || r == '.' || r == ',' }
	out := make([]rune, 0, len(in))
	for i := 0; i < len(in); i++ {
		r := in[i]
		if isNumSpace(r) {
			j := i
			for j < len(in) && isNumSpace(in[j]) {
				j++
			}
			if len(out) > 0 && j < len(in) && numPunct(out[len(out)-1]) && numPunct(in[j]) {
				out = append(out, ' ')
			}
			i = j - 1
			continue
		}
		if r == '。' && len(out) > 0 && isDigit(out[len(out)-1]) && i+1 < len(in) && isDigit(in[i+1]) {
			r = '.'
		}
		out = append(out, r)
	}
	for len(out) > 0 && strings.ContainsRune("。.,!?;:、~…", out[len(out)-1]) {
		out = out[:len(out)-1]
	}
	return out
}

func hasRunePrefix(rs []rune, p string) bool {
	i := 0
	for _, r := range p {
		if i >= len(rs) || rs[i] != r {
			return false
		}
		i++
	}
	return true
}

// hanDigit returns the value of a Chinese digit, or -1.
func hanDigit(r rune) int {
	switch r {
	case '〇', '零':
		return 0
	case '一', '壹':
		return 1
	case '二', '两', '贰', '貳', '兩':
		return 2
	case '三', '叁', '參':
		return 3
	case '四', '肆':
		return 4
	case '五', '伍':
		return 5
	case '六', '陆', '陸':
		return 6
	case '七', '柒':
		return 7
	case '八', '捌':
		return 8
	case '九', '玖':
		return 9
	}
	return -1
}

func smallMag(r rune) int {
	switch r {
	case '十', '拾':
		return 1
	case '百', '佰':
		return 2
	case '千', '仟':
		return 3
	}
	return 0
}

func bigMag(r rune) int {
	switch r {
	case '万', '萬':
		return 4
	case '亿', '億':
		return 8
	}
	return 0
}

func isMagRune(r rune) bool { return smallMag(r) > 0 || bigMag(r) > 0 }

var approxPrefixes = sortedByLen([]string{
	"大约", "大概", "大致", "约为", "约莫", "约", "将近", "接近", "近", "差不多", "估计", "预计",
	"超过", "超", "多于", "逾", "不到", "不足", "少于", "至少", "不少于", "~", "≈",
})

var approxSuffixes = sortedByLen([]string{"左右", "上下", "以上", "以下", "以内", "多", "余", "来", "许", "+"})

// separators join two numbers in a range, list or alternative.
const separators = "-~至到或和与及/、,;+ "

func sortedByLen(ss []string) []string {
	sort.SliceStable(ss, func(i, j int) bool {
		return utf8.RuneCountInString(ss[i]) > utf8.RuneCountInString(ss[j])
	})
	return ss
}

func matchWord(rs []rune, i int, words []string) int {
	for _, w := range words {
		if hasRunePrefix(rs[i:], w) {
			return utf8.RuneCountInString(w)
		}
	}
	return 0
}

// ---- the parser ----

type tokKind uint8

const (
	tokNum   tokKind = iota + 1 // a digit string or one Chinese digit
	tokFrac                     // digits after 点: "0.5"
	tokSmall                    // 十 百 千
	tokBig                      // 万 亿
)

type numTok struct {
	kind   tokKind
	text   string // tokNum, tokFrac: ASCII decimal
	exp    int    // tokSmall, tokBig
	single bool   // tokNum: exactly one digit, no point, no separator
	dec    bool   // tokNum: has a decimal point
	zero   bool   // tokNum: Chinese 零/〇, a filler inside a numeral
}

type numParser struct {
	rs     []rune
	i      int
	approx bool
	toks   []numTok
}

func (p *numParser) parse() (n Number, reason NumberReason, unit string) {
	rs := p.rs
	// prefixes, in any order
	neg, signed, percent, yuan := false, false, false, false
	for p.i < len(rs) {
		if k := matchWord(rs, p.i, approxPrefixes); k > 0 {
			p.approx = true
			p.i += k
			continue
		}
		switch r := rs[p.i]; {
		case r == '+' || r == '-' || r == '负':
			if signed {
				return n, ReasonNotANumber, ""
			}
			signed, neg = true, r != '+'
			p.i++
			continue
		case r == '¥' && !yuan:
			yuan = true
			p.i++
			continue
		case !percent && hasRunePrefix(rs[p.i:], "百分之"):
			percent = true
			p.i += 3
			continue
		}
		break
	}
	if reason := p.scanCore(); reason != "" {
		return n, reason, ""
	}
	if len(p.toks) == 0 {
		return n, ReasonNotANumber, ""
	}
	// suffixes: approximate markers and one unit, in any order
	var u unitInfo
	for p.i < len(rs) {
		if k := matchWord(rs, p.i, approxSuffixes); k > 0 {
			p.approx = true
			p.i += k
			continue
		}
		if u.canon == "" {
			if v, k := matchUnit(rs, p.i); k > 0 {
				u = v
				p.i += k
				continue
			}
		}
		if u.dim == "count" && allHan(rs[p.i:]) {
			p.i = len(rs) // the thing counted: "5家企业"
		}
		break
	}
	if rest := rs[p.i:]; len(rest) > 0 {
		hasASCIIDigit, hasHanNum := false, false
		for _, r := range rest {
			hasASCIIDigit = hasASCIIDigit || isDigit(r)
			hasHanNum = hasHanNum || hanDigit(r) >= 0 || isMagRune(r)
		}
		switch {
		case hasASCIIDigit && rest[0] < utf8.RuneSelf && unicode.IsLetter(rest[0]):
			return n, ReasonNotANumber, "" // 1e5, 12a3
		case hasASCIIDigit, hasHanNum && strings.ContainsRune(separators, rest[0]):
			return n, ReasonTwoNumbers, ""
		}
		return n, ReasonUnknownUnit, string(rest)
	}
	switch {
	case percent && u.canon == "":
		u = unitAliases["%"]
	case percent && u.dim != "percent":
		return n, ReasonUnknownUnit, u.canon
	case yuan && u.canon == "":
		u = unitAliases["元"]
	case yuan && u.dim != "money":
		return n, ReasonUnknownUnit, u.canon
	}
	v, exp, ok := p.eval()
	if !ok || math.IsInf(v, 0) || math.IsNaN(v) {
		return n, ReasonNotANumber, ""
	}
	if neg && v != 0 {
		v = -v
	}
	n = Number{
		Value:   v,
		Scale:   math.Pow10(exp),
		Unit:    u.canon,
		Measure: magWord(exp) + u.canon,
		Approx:  p.approx,
		Percent: u.dim == "percent",
	}
	return n, "", ""
}

func allHan(rs []rune) bool {
	for _, r := range rs {
		if !unicode.Is(unicode.Han, r) || hanDigit(r) >= 0 || isMagRune(r) {
			return false
		}
	}
	return true
}

// scanCore reads the digits, numerals and magnitudes into p.toks.
func (p *numParser) scanCore() NumberReason {
	rs := p.rs
	n := len(rs)
	for p.i < n {
		i := p.i
		r := rs[i]
		switch {
		case isDigit(r) || (r == '.' && i+1 < n && isDigit(rs[i+1])):
			t, j, reason := scanArabic(rs, i)
			if reason != "" {
				return reason
			}
			p.toks = append(p.toks, t)
			p.i = j
		case hanDigit(r) >= 0:
			d := hanDigit(r)
			p.toks = append(p.toks, numTok{kind: tokNum, text: strconv.Itoa(d), single: true, zero: d == 0})
			p.i++
		case r == '点' && len(p.toks) > 0 && i+1 < n && (isDigit(rs[i+1]) || hanDigit(rs[i+1]) >= 0):
			j := i + 1
			var b strings.Builder
			b.WriteString("0.")
			for j < n && (isDigit(rs[j]) || hanDigit(rs[j]) >= 0) {
				if isDigit(rs[j]) {
					b.WriteRune(rs[j])
				} else {
					b.WriteByte(byte('0' + hanDigit(rs[j])))
				}
				j++
			}
			p.toks = append(p.toks, numTok{kind: tokFrac, text: b.String()})
			p.i = j
		case smallMag(r) > 0:
			if _, k := matchUnit(rs, i); k > 0 { // 千瓦, 百分点
				return ""
			}
			p.toks = append(p.toks, numTok{kind: tokSmall, exp: smallMag(r)})
			p.i++
		case bigMag(r) > 0:
			p.toks = append(p.toks, numTok{kind: tokBig, exp: bigMag(r)})
			p.i++
		case r == '个' && len(p.toks) > 0 && i+1 < n && bigMag(rs[i+1]) > 0: // 3个亿
			p.i++
		case (r == '多' || r == '余' || r == '来') && len(p.toks) > 0 && i+1 < n && isMagRune(rs[i+1]):
			if _, k := matchUnit(rs, i+1); k > 0 {
				return ""
			}
			p.approx = true // 200多万
			p.i++
		default:
			return ""
		}
	}
	return ""
}

// scanArabic reads ASCII digits with optional thousands separators and decimal part.
func scanArabic(rs []rune, i int) (numTok, int, NumberReason) {
	n := len(rs)
	j := i
	for j < n && isDigit(rs[j]) {
		j++
	}
	intLen := j - i
	var b strings.Builder
	if intLen == 0 {
		b.WriteByte('0')
	}
	b.WriteString(string(rs[i:j]))
	grouped := false
	if j+1 < n && rs[j] == ',' && isDigit(rs[j+1]) {
		if intLen > 3 {
			return numTok{}, 0, ReasonTwoNumbers
		}
		for j+1 < n && rs[j] == ',' && isDigit(rs[j+1]) {
			k := j + 1
			for k < n && isDigit(rs[k]) {
				k++
			}
			if k-(j+1) != 3 {
				return numTok{}, 0, ReasonTwoNumbers
			}
			b.WriteString(string(rs[j+1 : k]))
			j = k
			grouped = true
		}
	}
	dec := false
	if j < n && rs[j] == '.' {
		switch {
		case j+1 < n && isDigit(rs[j+1]):
			k := j + 1
			for k < n && isDigit(rs[k]) {
				k++
			}
			b.WriteByte('.')
			b.WriteString(string(rs[j+1 : k]))
			j, dec = k, true
			if j+1 < n && rs[j] == '.' && (isDigit(rs[j+1]) || rs[j+1] == '.') {
				return numTok{}, 0, ReasonNotANumber // 1.2.3
			}
			if j+1 < n && rs[j] == ',' && isDigit(rs[j+1]) {
				return numTok{}, 0, ReasonTwoNumbers // 1.5,2
			}
		case j+1 < n && rs[j+1] == '.':
			return numTok{}, 0, ReasonNotANumber // 12..5
		}
	}
	return numTok{kind: tokNum, text: b.String(), single: intLen == 1 && !dec && !grouped, dec: dec}, j, ""
}

func ratOf(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(errNumberInternal)
	}
	return r
}

var ratPow10 [13]*big.Rat

func init() {
	for i := range ratPow10 {
		ratPow10[i] = new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(i)), nil))
	}
}

// eval computes the value of p.toks in units of 10^exp, exp being the scale of the first
// 万/亿 group (0 when none). ok is false when the tokens do not form one number.
func (p *numParser) eval() (v float64, exp int, ok bool) {
	toks := p.toks
	// fast path: one plain number
	if len(toks) == 1 && toks[0].kind == tokNum {
		f, err := strconv.ParseFloat(toks[0].text, 64)
		return f, 0, err == nil
	}
	const none = 1 << 10
	var (
		total    = new(big.Rat)
		small    = new(big.Rat) // terms with 十百千 in the current group
		smallHas bool
		lastSm   = none // exponent of the last 十百千 in the current group
		pend     *big.Rat
		pendTok  numTok
		pendPrev tokKind // kind of the token before the pending number
		sawZero  bool    // a 零 since the last magnitude: no "一万五" shorthand
		fracDone bool    // after 点… only 万/亿 may follow
		anyNum   bool
		grpOpen  bool
		grpVal   *big.Rat
		grpExp   int
		grpLast  int
		grpDec   bool
		lastDec  bool // the last committed group had a decimal
		prevGrp  = none
		firstExp = -1
		prevKind tokKind
		smallDec bool
	)
	commit := func() bool {
		if prevGrp != none {
			if grpExp >= prevGrp || grpVal.Cmp(ratPow10[prevGrp-grpExp]) >= 0 {
				return false
			}
		}
		total.Add(total, new(big.Rat).Mul(grpVal, ratPow10[grpExp]))
		prevGrp = grpExp
		if firstExp < 0 {
			firstExp = grpExp
		}
		lastDec = grpDec
		grpOpen = false
		return true
	}
	for _, t := range toks {
		if grpOpen && t.kind != tokBig && !commit() {
			return 0, 0, false
		}
		switch t.kind {
		case tokNum:
			if fracDone || (pend != nil && !pendTok.zero) {
				return 0, 0, false // two numbers side by side: 二三, 1.5万5 handled below
			}
			if pend == nil {
				pendPrev = prevKind
			}
			pend, pendTok = ratOf(t.text), t
			if t.zero {
				sawZero = true
			} else {
				anyNum = true
			}
		case tokFrac:
			switch {
			case fracDone:
				return 0, 0, false
			case pend != nil && !pendTok.dec:
				pend = new(big.Rat).Add(pend, ratOf(t.text))
				pendTok.dec, pendTok.single, pendTok.zero = true, false, false
				anyNum = true
			case pend == nil && prevKind == tokSmall:
				small.Add(small, ratOf(t.text))
				smallDec = true
			default:
				return 0, 0, false
			}
			fracDone = true
		case tokSmall:
			if fracDone {
				return 0, 0, false
			}
			var m *big.Rat
			switch {
			case pend != nil && !pendTok.zero:
				m = pend
				smallDec = smallDec || pendTok.dec
			case pend == nil && t.exp == 1 && prevKind != tokSmall && !smallHas:
				m = big.NewRat(1, 1) // 十五
				anyNum = true
			default:
				return 0, 0, false
			}
			if m.Sign() <= 0 || m.Cmp(ratPow10[1]) >= 0 || t.exp >= lastSm {
				return 0, 0, false
			}
			small.Add(small, new(big.Rat).Mul(m, ratPow10[t.exp]))
			smallHas, lastSm, pend, sawZero = true, t.exp, nil, false
		case tokBig:
			if prevKind == tokBig { // 万亿
				if t.exp <= grpLast {
					return 0, 0, false
				}
				grpExp += t.exp
				grpLast = t.exp
				break
			}
			if !smallHas && (pend == nil || pendTok.zero) {
				return 0, 0, false // 万, 零万
			}
			g := new(big.Rat).Set(small)
			dec := smallDec
			if pend != nil && !pendTok.zero {
				if lastSm != none && pend.Cmp(ratPow10[lastSm]) >= 0 {
					return 0, 0, false
				}
				g.Add(g, pend)
				dec = dec || pendTok.dec
			}
			grpVal, grpExp, grpLast, grpDec, grpOpen = g, t.exp, t.exp, dec, true
			small, smallHas, lastSm, pend, sawZero, fracDone, smallDec = new(big.Rat), false, none, nil, false, false, false
		}
		prevKind = t.kind
	}
	if grpOpen && !commit() {
		return 0, 0, false
	}
	if !anyNum {
		if pend != nil && pendTok.zero && len(toks) == 1 {
			return 0, 0, true // 零
		}
		return 0, 0, false
	}
	rest := new(big.Rat).Set(small)
	if pend != nil && !pendTok.zero {
		shorthand := pendTok.single && !sawZero
		switch {
		case shorthand && pendPrev == tokSmall && lastSm >= 2: // 3千5, 两百五
			if smallDec {
				return 0, 0, false // 1.5千5
			}
			rest.Add(rest, new(big.Rat).Mul(pend, ratPow10[lastSm-1]))
		case shorthand && pendPrev == tokBig && !smallHas: // 1万5, 一亿五
			if lastDec {
				return 0, 0, false // 1.5万5
			}
			total.Add(total, new(big.Rat).Mul(pend, ratPow10[prevGrp-1]))
		default:
			if lastSm != none && pend.Cmp(ratPow10[lastSm]) >= 0 {
				return 0, 0, false
			}
			rest.Add(rest, pend)
		}
	}
	if prevGrp != none && rest.Cmp(ratPow10[prevGrp]) >= 0 {
		return 0, 0, false // 1万20000
	}
	total.Add(total, rest)
	if firstExp < 0 {
		firstExp = 0
	}
	total.Quo(total, ratPow10[firstExp])
	f, _ := total.Float64()
	return f, firstExp, true
}

// ReadValue reads a value as a person types it for an indicator of the given measure:
// the number in that measure, or why it is not one (the reason and the unit typed), as
// the chat and the report form both answer it.
func ReadValue(text, measure string) (float64, NumberReason, string, error) {
	n, err := ParseNumber(text)
	var v float64
	if err == nil {
		v, err = n.In(measure)
	}
	if err != nil {
		reason, unit := ReasonNotANumber, ""
		var ne *NumberError
		if errors.As(err, &ne) {
			reason, unit = ne.Reason, ne.Unit
		}
		return 0, reason, unit, err
	}
	return v, "", "", nil
}
