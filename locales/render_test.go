package locales

import (
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// TestRenderedKept: a message rendered with data is the same text when it comes from the
// kept renderings as when go-i18n renders it afresh, plural forms included, and no two
// data differ only in where one value ends.
func TestRenderedKept(t *testing.T) {
	b, err := Bundle()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, id string
		kv       []any
	}{
		{"en", "time.minutes", []any{"Count", 1}},
		{"en", "time.minutes", []any{"Count", 2}},
		{"en", "report.carried", []any{"Count", 1}},
		{"en", "report.carried", []any{"Count", 5}},
		{"zh-CN", "report.carried", []any{"Count", 5}},
		{"en", "time.deadline", []any{"MonthName", "Nov", "Day", 12, "Time", "18:00"}},
		{"en", "time.deadline", []any{"MonthName", "Nov1", "Day", 2, "Time", "18:00"}},
		{"en", "time.deadline", []any{"MonthName", "Nov", "Day", int64(12), "Time", "18:00"}},
		{"zh-CN", "time.deadline", []any{"MonthName", "11月", "Day", 12, "Time", "18:00"}},
	}
	for _, tc := range tests {
		fresh := &Localizer{Lang: tc.lang, l: i18n.NewLocalizer(b, tc.lang)}
		want := fresh.T(tc.id, tc.kv...)
		for i := range 3 { // the first renders and keeps, the others read what was kept
			if got := For(tc.lang).T(tc.id, tc.kv...); got != want {
				t.Errorf("%s %s %v, call %d: %q, want %q", tc.lang, tc.id, tc.kv, i, got, want)
			}
		}
	}
	for _, pair := range [][2][]any{
		{{"A", "ab", "B", "c"}, {"A", "a", "B", "bc"}},
		{{"Count", 1}, {"Count", "1"}},
		{{"Count", 1}, {"Count", 1.0}},
	} {
		k1, ok1 := renderKey("x", pair[0])
		k2, ok2 := renderKey("x", pair[1])
		if !ok1 || !ok2 || k1 == k2 {
			t.Errorf("renderKey %v and %v: %q (%v), %q (%v)", pair[0], pair[1], k1, ok1, k2, ok2)
		}
	}
	if _, ok := renderKey("x", []any{"When", struct{}{}}); ok {
		t.Error("a value of another type was kept")
	}
}
