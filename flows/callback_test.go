package flows

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/seeds"
)

func bundledPlan(t *testing.T) *progressbot.Plan {
	t.Helper()
	p, _, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var oct26 = progressbot.Period{Year: 2026, Month: 10}

// TestCallbackFormats: each kind's value encodes to the bytes its buttons have always
// carried, and those bytes decode to the value, so that a button sent before an upgrade
// presses as it did.
func TestCallbackFormats(t *testing.T) {
	p := bundledPlan(t)
	hukou := progressbot.Subject{Kind: progressbot.SubjectUnit, Key: "hukou"}
	chain := progressbot.Subject{Kind: progressbot.SubjectChain, Key: "petrochem"}
	task := progressbot.Subject{Kind: progressbot.SubjectTask, Key: "1"}
	for _, tt := range []struct {
		data string
		c    callback
	}{
		{"rp", startReport{}},
		{"r:abcd:3:go", reportPress{Nonce: "abcd", Step: 3, Act: "go"}},
		{"r:abcd:3:status:1", reportPress{Nonce: "abcd", Step: 3, Act: "status", Arg: "1"}},
		{"q:r:2610:0:p", view{name: viewSummary, period: oct26, subject: progressbot.PlanSubject}},
		{"q:u:2610:2:uhukou", view{name: viewUnits, period: oct26, page: 2, subject: hukou}},
		{"q:r:2610:0:t1:uhukou:cpetrochem", view{name: viewSummary, period: oct26, subject: task, within: []progressbot.Subject{hukou, chain}}},
		{"q:M2609:2610:0:cpetrochem", view{name: "M2609", period: oct26, subject: chain}},
		{"b:v:2610", boardPress{Act: boardView, Period: oct26}},
		{"b:v:2610:2", boardPress{Act: boardView, Period: oct26, Page: 2}},
		{"b:x:2610:rhukou", boardPress{Act: boardRemove, Period: oct26, List: progressbot.RedList, Unit: "hukou"}},
		{"b:x:2610:yhukou", boardPress{Act: boardRemove, Period: oct26, List: progressbot.YellowList, Unit: "hukou"}},
		{"b:n:2610", boardPress{Act: boardCancel, Period: oct26}},
		{"b:ok:2610", boardPress{Act: boardApprove, Period: oct26}},
		{"b:pub:2610", boardPress{Act: boardPublish, Period: oct26}},
		{"x:f:2026-10:x", exportPress{Act: exportFileAct, Period: oct26, Format: formatXLSX}},
		{"x:f:2026-10:c", exportPress{Act: exportFileAct, Period: oct26, Format: formatCSV}},
		{"x:cp:hukou:202610", exportPress{Act: exportPaceAct, Period: oct26, Unit: "hukou"}},
		{"x:ci:" + p.Indicators[0].ID + ":hukou:202610", exportPress{Act: exportIndicatorAct, Period: oct26, Unit: "hukou", Indicator: p.Indicators[0].ID}},
		{"lang:zh-CN", langPress{Lang: "zh-CN"}},
		{"lang:en", langPress{Lang: "en"}},
	} {
		if got := tt.c.encode(p); got != tt.data {
			t.Errorf("%+v encodes as %q, want %q", tt.c, got, tt.data)
		}
		r, ok := routeOf(tt.data)
		if !ok {
			t.Errorf("%q: no route", tt.data)
			continue
		}
		got, ok := r.decode(p, tt.data)
		if !ok || !reflect.DeepEqual(got, tt.c) {
			t.Errorf("%q decodes as %+v, %v; want %+v", tt.data, got, ok, tt.c)
		}
	}
}

// TestCallbackOldForms: data that buttons carried before and the encoders no longer
// write decodes as it did.
func TestCallbackOldForms(t *testing.T) {
	p := bundledPlan(t)
	for _, tt := range []struct {
		data string
		want callback
	}{
		// A board's page back to its first wrote the page; a board view writes none now.
		{"b:v:2610:0", boardPress{Act: boardView, Period: oct26}},
		// Subjects and indicators by their position in the plan's lists.
		{"q:r:2610:0:u#0", view{name: viewSummary, period: oct26, subject: progressbot.Subject{Kind: progressbot.SubjectUnit, Key: p.Units[0].ID}}},
		{"x:ci:#0:hukou:202610", exportPress{Act: exportIndicatorAct, Period: oct26, Unit: "hukou", Indicator: p.Indicators[0].ID}},
	} {
		r, _ := routeOf(tt.data)
		got, ok := r.decode(p, tt.data)
		if !ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q decodes as %+v, %v; want %+v", tt.data, got, ok, tt.want)
		}
	}
}

// TestCallbackRoutes: data goes to the kind its prefix names, "rp" only whole; anything
// else is of no kind (a stale button).
func TestCallbackRoutes(t *testing.T) {
	for _, tt := range []struct {
		data, prefix string
	}{
		{"rp", "rp"}, {"rpx", ""}, {"rp:1", ""}, {"r:", "r:"}, {"r", ""},
		{"q:r:2610:0:p", "q:"}, {"Q:r:2610:0:p", ""}, {"b:", "b:"}, {"x:f", "x:"},
		{"lang:", "lang:"}, {"lang", ""}, {"", ""}, {"zz:1", ""},
	} {
		r, ok := routeOf(tt.data)
		if r.prefix != tt.prefix || ok != (tt.prefix != "") {
			t.Errorf("%q routes to %q, %v; want %q", tt.data, r.prefix, ok, tt.prefix)
		}
	}
	for _, r := range callbackRoutes {
		if r.unbound != (r.prefix == "lang:") {
			t.Errorf("%q: unbound %v", r.prefix, r.unbound)
		}
	}
}

// TestCallbackFits: every subject of the bundled plan, drilled into from two parents, and
// every chart button of every unit and indicator fit in Telegram's 64 bytes and decode
// to what they were made of.
func TestCallbackFits(t *testing.T) {
	p := bundledPlan(t)
	var subjects []progressbot.Subject
	for _, kind := range []progressbot.SubjectKind{progressbot.SubjectChain, progressbot.SubjectCluster, progressbot.SubjectUnit,
		progressbot.SubjectIndicator, progressbot.SubjectTask, progressbot.SubjectWork, progressbot.SubjectProject} {
		for i := 0; ; i++ {
			key, ok := subjectKey(p, kind, i)
			if !ok {
				break
			}
			subjects = append(subjects, progressbot.Subject{Kind: kind, Key: key})
		}
	}
	long := func(a, b progressbot.Subject) int { return len(b.Key) - len(a.Key) }
	parents := append([]progressbot.Subject(nil), subjects...)
	slices.SortFunc(parents, long)
	for _, s := range subjects {
		v := view{name: "Rct50", period: oct26, page: 1000, subject: s, within: parents[:maxDepth]}
		check(t, p, v)
	}
	for _, u := range p.Units {
		check(t, p, boardPress{Act: boardRemove, Period: oct26, List: progressbot.YellowList, Unit: u.ID})
		check(t, p, exportPress{Act: exportPaceAct, Period: oct26, Unit: u.ID})
		for _, in := range p.Indicators {
			check(t, p, exportPress{Act: exportIndicatorAct, Period: oct26, Unit: u.ID, Indicator: in.ID})
		}
	}
}

func check(t *testing.T, p *progressbot.Plan, c callback) {
	t.Helper()
	d := c.encode(p)
	if len(d) > maxCallbackData {
		t.Errorf("%+v: %q is over %d bytes", c, d, maxCallbackData)
	}
	r, _ := routeOf(d)
	got, ok := r.decode(p, d)
	if !ok || !reflect.DeepEqual(got, c) {
		t.Errorf("%+v: %q decodes as %+v, %v", c, d, got, ok)
	}
}

// TestPack: the separator in a field or data over 64 bytes is refused, and the data is
// the fields joined.
func TestPack(t *testing.T) {
	for _, tt := range []struct {
		fields []string
		data   string
		ok     bool
	}{
		{[]string{"q", "r", "2610"}, "q:r:2610", true},
		{[]string{"x", "cp", "a:b", "202610"}, "x:cp:a:b:202610", false},
		{[]string{"b", strings.Repeat("a", 62)}, "b:" + strings.Repeat("a", 62), true},
		{[]string{"b", strings.Repeat("a", 63)}, "b:" + strings.Repeat("a", 63), false},
	} {
		d, ok := pack(tt.fields...)
		if d != tt.data || ok != tt.ok {
			t.Errorf("pack(%q) = %q, %v; want %q, %v", tt.fields, d, ok, tt.data, tt.ok)
		}
	}
}
