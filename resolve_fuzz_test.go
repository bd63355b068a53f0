package progressbot_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/progressbot/progressbot"
)

// FuzzResolve: whatever is typed, Resolve does not panic, its matches are good, sorted
// best first and name things of the plan, an ambiguous answer has two matches, and
// suggestions come only when nothing matched.
func FuzzResolve(f *testing.F) {
	for _, c := range resolveCases {
		f.Add(c.q)
	}
	f.Add("湖口 任务6 专精特新 谁还没报 红黄榜 全市 petrochemical")
	f.Add(strings.Repeat("石化", 200))
	f.Add("\xff\xfe任务\x00")
	p := resolveBundledPlan(f)
	r := resolveBundledResolver(f)
	f.Fuzz(func(t *testing.T, q string) {
		res := r.Resolve(q)
		check := func(what string, ms []progressbot.Match) {
			for i, m := range ms {
				if !resolveExists(p, m) {
					t.Fatalf("%s %+v names nothing in the plan", what, m)
				}
				if m.Score <= 0 || m.Score > 1 {
					t.Fatalf("%s %+v: score out of range", what, m)
				}
				if i > 0 && ms[i-1].Score < m.Score {
					t.Fatalf("%s not sorted by score: %+v", what, ms)
				}
				for _, n := range ms[:i] {
					if n.Kind == m.Kind && n.Key == m.Key {
						t.Fatalf("%s lists %s:%s twice", what, m.Kind, m.Key)
					}
				}
			}
		}
		check("matches", res.Matches)
		check("suggestions", res.Suggestions)
		if len(res.Matches) > 0 && len(res.Suggestions) > 0 {
			t.Fatal("suggestions next to matches")
		}
		if res.Ambiguous && len(res.Matches) < 2 {
			t.Fatal("ambiguous with fewer than two matches")
		}
		if len(res.Matches) > 0 && res.Matches[len(res.Matches)-1].Score < 0.66 {
			t.Fatalf("weak match kept: %+v", res.Matches)
		}
		n := progressbot.NormalizeName(q)
		if progressbot.NormalizeName(n) != n {
			t.Fatalf("NormalizeName not idempotent: %q → %q → %q", q, n, progressbot.NormalizeName(n))
		}
		if utf8.ValidString(q) && strings.TrimSpace(q) == "" && len(res.Matches) > 0 {
			t.Fatalf("blank question matched %+v", res.Matches)
		}
	})
}

// BenchmarkResolve resolves each question of the table in turn on the bundled plan.
func BenchmarkResolve(b *testing.B) {
	r := resolveBundledResolver(b)
	qs := make([]string, len(resolveCases))
	for i, c := range resolveCases {
		qs[i] = c.q
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r.Resolve(qs[i%len(qs)])
	}
}
