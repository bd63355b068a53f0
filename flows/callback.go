package flows

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
)

// Callback data: what an inline button carries back when it is pressed. Each kind of
// button is a typed value with its encoder and decoder here, and callbackRoutes sends a
// press to the handler of its kind by prefix:
//
//	rp                                          a reminder's "start reporting" (ReportButtonData)
//	r:<nonce>:<step>:<act>[:<arg>]              the report flow (reportPress)
//	q:<view>:<yymm>:<page>:<subject>[:<within>…] a rollup's screen (view)
//	b:<act>:<yymm>[:<arg>]                      the 红黄榜 (boardPress)
//	x:f:<YYYY-MM>:<x|c>                         an export (exportPress), and its charts:
//	x:cp:<unit>:<YYYYMM>  x:ci:<indicator>:<unit>:<YYYYMM>
//	lang:<code>                                 a language (langPress)
//
// The formats are those of buttons already in people's chats: a button sent before an
// upgrade still presses as it did. Data carries no rights: every handler checks the
// presser's role and scope again. A decoder reads only the data's shape; what depends on
// the moment (a period's range, a session's nonce) is the handler's to check.

const (
	// callbackSep separates the fields of callback data.
	callbackSep = ":"
	// maxCallbackData is Telegram's limit on a button's callback data, in bytes.
	maxCallbackData = 64
)

// callback is a button's data as a typed value.
type callback interface {
	// encode is the data the button carries; the plan names subjects and indicators too
	// long for a button by their position in its lists.
	encode(p *progressbot.Plan) string
}

// pack puts a kind's prefix and fields together: the one place callback data is checked
// against the separator rule (no field may hold the separator: it would shift every field
// after it) and Telegram's 64 bytes. ok is false when either fails; a kind with a shorter
// form then tries it, and one without returns the data as it is, for the transport to
// refuse loudly (bot's markup) rather than send a button that presses as something else.
func pack(fields ...string) (string, bool) {
	ok := true
	for _, f := range fields {
		ok = ok && !strings.Contains(f, callbackSep)
	}
	d := strings.Join(fields, callbackSep)
	return d, ok && len(d) <= maxCallbackData
}

// callbackRoute sends the presses of one kind of button to its handler.
type callbackRoute struct {
	// prefix names the kind: data that starts with it (equals it, when whole) is the
	// kind's.
	prefix string
	whole  bool
	// unbound: the kind may be pressed by someone without an account (a language).
	unbound bool
	// decode reads the kind's data. Handlers call their kind's decoder themselves, after
	// the checks that come first (the presser's role, a pending removal dropped); the
	// codec's tests and FuzzCallback check every kind through it.
	decode func(p *progressbot.Plan, data string) (callback, bool)
	handle func(e *Engine, ctx context.Context, u User, data string, loc *locales.Localizer) (Reply, error)
}

// callbackRoutes are the kinds of buttons, as go-telegram/bot registers a handler per
// prefix.
var callbackRoutes = []callbackRoute{
	{prefix: ReportButtonData, whole: true, decode: decoder(decodeStartReport),
		handle: func(e *Engine, ctx context.Context, u User, _ string, loc *locales.Localizer) (Reply, error) {
			return e.reportCommand(ctx, u, loc)
		}},
	{prefix: reportPrefix + callbackSep, decode: decoder(decodeReportPress), handle: (*Engine).reportButton},
	{prefix: viewPrefix + callbackSep, decode: decoder(decodeView), handle: (*Engine).viewButton},
	{prefix: boardPrefix + callbackSep, decode: decoder(decodeBoardPress), handle: (*Engine).boardButton},
	{prefix: exportPrefix + callbackSep, decode: decoder(decodeExportPress), handle: (*Engine).exportButton},
	{prefix: langPrefix + callbackSep, unbound: true, decode: decoder(decodeLangPress),
		handle: func(e *Engine, ctx context.Context, u User, data string, loc *locales.Localizer) (Reply, error) {
			c, _ := decodeLangPress(e.Plan, data)
			return e.lang(ctx, u, c.Lang, loc)
		}},
}

// decoder makes a kind's typed decoder a route's.
func decoder[C callback](decode func(*progressbot.Plan, string) (C, bool)) func(*progressbot.Plan, string) (callback, bool) {
	return func(p *progressbot.Plan, data string) (callback, bool) { return decode(p, data) }
}

// routeOf is the route of the kind callback data is of; ok is false for data of no kind.
func routeOf(data string) (callbackRoute, bool) {
	for _, r := range callbackRoutes {
		if data == r.prefix || !r.whole && strings.HasPrefix(data, r.prefix) {
			return r, true
		}
	}
	return callbackRoute{}, false
}

// ---- rp: a reminder's button ----

// startReport is a reminder's "start reporting" button: /report, for the presser's unit.
type startReport struct{}

func (startReport) encode(*progressbot.Plan) string { return ReportButtonData }

func decodeStartReport(_ *progressbot.Plan, data string) (startReport, bool) {
	return startReport{}, data == ReportButtonData
}

// ---- r: the report flow ----

const reportPrefix = "r"

// reportPress is a button of the report flow: an act (with its argument, "status" "1")
// on the screen of a session (its nonce) at a step; a press from another session or an
// earlier step is stale.
type reportPress struct {
	Nonce string
	Step  int
	Act   string
	// Arg takes the rest of the data, separators included.
	Arg string
}

func (c reportPress) encode(*progressbot.Plan) string {
	fields := []string{reportPrefix, c.Nonce, strconv.Itoa(c.Step), c.Act}
	if c.Arg != "" {
		fields = append(fields, c.Arg)
	}
	d, _ := pack(fields...)
	return d
}

func decodeReportPress(_ *progressbot.Plan, data string) (reportPress, bool) {
	parts := strings.SplitN(data, callbackSep, 5)
	if len(parts) < 4 || parts[0] != reportPrefix {
		return reportPress{}, false
	}
	step, err := strconv.Atoi(parts[2])
	if err != nil {
		return reportPress{}, false
	}
	c := reportPress{Nonce: parts[1], Step: step, Act: parts[3]}
	if len(parts) == 5 {
		c.Arg = parts[4]
	}
	return c, true
}

// ---- q: a rollup's screen ----

const viewPrefix = "q"

// A view's subjects are a kind letter and a key ("cpetrochem", "uhukou", "t6"; "p" is
// the whole plan), or a kind letter and the subject's position in the plan's lists
// ("i#3") when the keys do not fit.
var kindCodes = map[progressbot.SubjectKind]byte{
	progressbot.SubjectPlan: 'p', progressbot.SubjectChain: 'c', progressbot.SubjectCluster: 'g', progressbot.SubjectUnit: 'u',
	progressbot.SubjectIndicator: 'i', progressbot.SubjectTask: 't', progressbot.SubjectWork: 'w', progressbot.SubjectProject: 'j',
}

// encode is the view's data: with the subjects' keys if they fit, else their positions;
// still too long (it cannot be with positions), without the parents.
func (v view) encode(p *progressbot.Plan) string {
	for _, short := range []bool{false, true} {
		fields := []string{viewPrefix, v.name, yymm(v.period), strconv.Itoa(v.page), encodeSubject(p, v.subject, short)}
		for _, w := range v.within {
			fields = append(fields, encodeSubject(p, w, short))
		}
		if d, ok := pack(fields...); ok {
			return d
		}
	}
	d, _ := pack(viewPrefix, v.name, yymm(v.period), strconv.Itoa(v.page), encodeSubject(p, v.subject, true))
	return d
}

func decodeView(p *progressbot.Plan, data string) (view, bool) {
	parts := strings.Split(data, callbackSep)
	if len(parts) < 5 || len(parts) > 5+maxDepth || parts[0] != viewPrefix {
		return view{}, false
	}
	v := view{name: parts[1]}
	var ok bool
	if v.period, ok = parseYYMM(parts[2]); !ok {
		return view{}, false
	}
	page, err := strconv.Atoi(parts[3])
	if err != nil || page < 0 || page > 1000 {
		return view{}, false
	}
	v.page = page
	if v.subject, ok = decodeSubject(p, parts[4]); !ok {
		return view{}, false
	}
	for _, code := range parts[5:] {
		w, ok := decodeSubject(p, code)
		if !ok {
			return view{}, false
		}
		v.within = append(v.within, w)
	}
	return v, true
}

func encodeSubject(p *progressbot.Plan, s progressbot.Subject, short bool) string {
	if s.IsZero() {
		return ""
	}
	c := kindCodes[s.Kind]
	if s.Kind == progressbot.SubjectPlan {
		return "p"
	}
	if short {
		if i := subjectIndex(p, s); i >= 0 {
			return string(c) + "#" + strconv.Itoa(i)
		}
	}
	return string(c) + s.Key
}

// subjectIndex is the subject's position in the plan's lists, for keys too long for a
// button; -1 if it has none.
func subjectIndex(p *progressbot.Plan, s progressbot.Subject) int {
	for i := 0; ; i++ {
		key, ok := subjectKey(p, s.Kind, i)
		if !ok {
			return -1
		}
		if key == s.Key {
			return i
		}
	}
}

// subjectKey is the key of the i-th subject of a kind in the plan's lists.
func subjectKey(p *progressbot.Plan, kind progressbot.SubjectKind, i int) (string, bool) {
	switch {
	case i < 0:
	case kind == progressbot.SubjectChain && i < len(p.Chains):
		return p.Chains[i].ID, true
	case kind == progressbot.SubjectCluster && i < len(p.Clusters):
		return p.Clusters[i].ID, true
	case kind == progressbot.SubjectUnit && i < len(p.Units):
		return p.Units[i].ID, true
	case kind == progressbot.SubjectIndicator && i < len(p.Indicators):
		return p.Indicators[i].ID, true
	case kind == progressbot.SubjectTask && i < len(p.Tasks):
		return p.Tasks[i].Key(), true
	case kind == progressbot.SubjectWork && i < len(p.WorkItems):
		return p.WorkItems[i].ID, true
	case kind == progressbot.SubjectProject && i < len(p.Projects):
		return p.Projects[i].ID, true
	}
	return "", false
}

func decodeSubject(p *progressbot.Plan, code string) (progressbot.Subject, bool) {
	if code == "" {
		return progressbot.Subject{}, false
	}
	var kind progressbot.SubjectKind
	for k, c := range kindCodes {
		if c == code[0] {
			kind = k
		}
	}
	if kind == "" {
		return progressbot.Subject{}, false
	}
	if kind == progressbot.SubjectPlan {
		return progressbot.PlanSubject, len(code) == 1
	}
	key := code[1:]
	if idx, ok := strings.CutPrefix(key, "#"); ok {
		i, err := strconv.Atoi(idx)
		if err != nil || i < 0 {
			return progressbot.Subject{}, false
		}
		key, _ = subjectKey(p, kind, i) // "" past the end: refused below
	}
	return progressbot.Subject{Kind: kind, Key: key}, key != ""
}

// yymm is a period as rollup and board buttons carry it: "2610".
func yymm(p progressbot.Period) string { return fmt.Sprintf("%02d%02d", p.Year-2000, int(p.Month)) }

func parseYYMM(s string) (progressbot.Period, bool) {
	if len(s) != 4 {
		return progressbot.Period{}, false
	}
	y, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[2:])
	if err1 != nil || err2 != nil || m < 1 || m > 12 {
		return progressbot.Period{}, false
	}
	return progressbot.Period{Year: 2000 + y, Month: time.Month(m)}, true
}

// ---- b: the 红黄榜 ----

const boardPrefix = "b"

// Board acts.
const (
	boardView    = "v"   // show a month's board (a page of it)
	boardRemove  = "x"   // remove an entry: ask the admin for the reason
	boardCancel  = "n"   // do not remove it after all
	boardApprove = "ok"  // approve the draft
	boardPublish = "pub" // publish the approved board
)

// boardPress is a button of the 红黄榜. An act the handler does not know is kept, for it
// to refuse after checking the presser's role.
type boardPress struct {
	Act    string
	Period progressbot.Period
	// Page is the page a view shows (written when not the first).
	Page int
	// List and Unit are the entry a removal names; both empty when the data names no
	// list ("b:x:2610:q…"): the handler refuses it.
	List progressbot.BoardList
	Unit string
}

func (c boardPress) encode(*progressbot.Plan) string {
	fields := []string{boardPrefix, c.Act, yymm(c.Period)}
	switch {
	case c.Act == boardView && c.Page != 0:
		fields = append(fields, strconv.Itoa(c.Page))
	case c.Act == boardRemove:
		list := ""
		if c.List != "" {
			list = string(c.List[0])
		}
		fields = append(fields, list+c.Unit)
	}
	d, _ := pack(fields...)
	return d
}

// decodeBoardPress reads a board button. Act is set even when the rest does not decode,
// for the handler to tell a removal from the admin moving on.
func decodeBoardPress(_ *progressbot.Plan, data string) (boardPress, bool) {
	parts := strings.SplitN(data, callbackSep, 4)
	if len(parts) < 3 || parts[0] != boardPrefix {
		return boardPress{}, false
	}
	c := boardPress{Act: parts[1]}
	per, ok := parseYYMM(parts[2])
	if !ok {
		return c, false
	}
	c.Period = per
	arg := ""
	if len(parts) == 4 {
		arg = parts[3]
	}
	switch c.Act {
	case boardView:
		c.Page, _ = strconv.Atoi(arg) // the first page when it names none
	case boardRemove:
		if arg == "" {
			break
		}
		for _, l := range []progressbot.BoardList{progressbot.RedList, progressbot.YellowList} {
			if arg[0] == l[0] {
				c.List, c.Unit = l, arg[1:]
			}
		}
	}
	return c, true
}

// ---- x: exports and charts ----

const exportPrefix = "x"

// Export acts.
const (
	exportFileAct      = "f"  // a period's workbook or tasks CSV
	exportPaceAct      = "cp" // a unit's pace chart
	exportIndicatorAct = "ci" // an indicator's monthly path for a unit
)

// exportPress is a button under an export or a chart.
type exportPress struct {
	Act    string
	Period progressbot.Period
	Format string // of a file: formatXLSX or formatCSV
	Unit   string // of a chart
	// Indicator is the id of an indicator chart's indicator; "" when the data names one
	// past the end of the plan's list.
	Indicator string
}

func (c exportPress) encode(p *progressbot.Plan) string {
	switch c.Act {
	case exportFileAct:
		d, _ := pack(exportPrefix, c.Act, c.Period.String(), c.Format)
		return d
	case exportIndicatorAct:
		d, ok := pack(exportPrefix, c.Act, c.Indicator, c.Unit, periodCode(c.Period))
		if !ok {
			i := slices.IndexFunc(p.Indicators, func(in *progressbot.Indicator) bool { return in.ID == c.Indicator })
			d, _ = pack(exportPrefix, c.Act, "#"+strconv.Itoa(i), c.Unit, periodCode(c.Period))
		}
		return d
	}
	d, _ := pack(exportPrefix, c.Act, c.Unit, periodCode(c.Period))
	return d
}

func decodeExportPress(p *progressbot.Plan, data string) (exportPress, bool) {
	parts := strings.Split(data, callbackSep)
	if len(parts) < 2 || parts[0] != exportPrefix {
		return exportPress{}, false
	}
	c := exportPress{Act: parts[1]}
	var err error
	ok := false
	switch {
	case len(parts) == 4 && c.Act == exportFileAct && (parts[3] == formatXLSX || parts[3] == formatCSV):
		c.Format = parts[3]
		c.Period, err = progressbot.ParsePeriod(strings.TrimSpace(parts[2]))
		ok = err == nil
	case len(parts) == 4 && c.Act == exportPaceAct:
		c.Unit = parts[2]
		c.Period, ok = parsePeriodCode(parts[3])
	case len(parts) == 5 && c.Act == exportIndicatorAct:
		c.Indicator, c.Unit = indicatorOfCode(p, parts[2]), parts[3]
		c.Period, ok = parsePeriodCode(parts[4])
	}
	if !ok {
		return exportPress{}, false
	}
	return c, true
}

// indicatorOfCode reads an indicator as a chart button names it: its id, or "#" and its
// position in the plan's list; "" for a position past the end.
func indicatorOfCode(p *progressbot.Plan, code string) string {
	n, ok := strings.CutPrefix(code, "#")
	if !ok {
		return code
	}
	i, err := strconv.Atoi(n)
	if err != nil || i < 0 || i >= len(p.Indicators) {
		return ""
	}
	return p.Indicators[i].ID
}

func periodCode(p progressbot.Period) string { return fmt.Sprintf("%04d%02d", p.Year, int(p.Month)) }

func parsePeriodCode(s string) (progressbot.Period, bool) {
	if len(s) != 6 {
		return progressbot.Period{}, false
	}
	p, err := progressbot.ParsePeriod(s[:4] + "-" + s[4:])
	return p, err == nil
}

// ---- lang: a language ----

const langPrefix = "lang"

// langPress chooses a language ("zh-CN", "en"); "" asks which.
type langPress struct{ Lang string }

func (c langPress) encode(*progressbot.Plan) string {
	d, _ := pack(langPrefix, c.Lang)
	return d
}

func decodeLangPress(_ *progressbot.Plan, data string) (langPress, bool) {
	lang, ok := strings.CutPrefix(data, langPrefix+callbackSep)
	return langPress{Lang: lang}, ok
}
