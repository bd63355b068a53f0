package storetest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
)

// SecondPlan is the id of a small invented plan under testdata/plans: a city no real
// plan names, for tests that check that nothing of the bundled plan shows when another
// plan is loaded.
const SecondPlan = "qingluan-2025"

// SecondPlanDir is the folder of the second plan, for `progressbot seed --dir`.
func SecondPlanDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "plans", SecondPlan)
}

// SecondPlanDB opens a fresh database holding only the second plan.
func SecondPlanDB(tb testing.TB) (*store.DB, *progressbot.Plan) {
	tb.Helper()
	ctx := context.Background()
	dir := SecondPlanDir()
	p, sum, err := seeds.Load(os.DirFS(filepath.Dir(dir)), filepath.Base(dir))
	if err != nil {
		tb.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(tb.TempDir(), "pb.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.SavePlan(ctx, p, sum); err != nil {
		tb.Fatal(err)
	}
	return db, p
}

// BundledNames are the names by which a reader would recognise the bundled plan: its
// city, title, units, chains, clusters, indicators and projects, in both languages, with
// their short names and aliases. Words too common to tell anything (全市, a one-rune
// short name, anything the other plan uses itself) are left out.
func BundledNames(tb testing.TB, other *progressbot.Plan) []string {
	tb.Helper()
	p, _, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		tb.Fatal(err)
	}
	all := planNames(p)
	if c := p.Unit(p.City); c != nil {
		// The city's name as people shorten it: without 市, its first English word.
		all = append(all, strings.TrimSuffix(c.Name, "市"))
		if f := strings.Fields(c.En); len(f) > 0 {
			all = append(all, f[0])
		}
	}
	theirs := planWords(other)
	seen := map[string]bool{}
	var out []string
	for _, s := range all {
		s = strings.TrimSpace(s)
		if utf8.RuneCountInString(s) < 2 || (s[0] < 0x80 && len(s) < 5) || seen[s] || strings.Contains(theirs, s) || common[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// common are aliases of the bundled plan that are ordinary words of any plan.
var common = map[string]bool{"全市": true, "市政府": true, "各县（市、区）": true}

// planNames are a plan's title and the names of its units, chains, clusters, indicators
// and projects, in both languages, with short names and aliases.
func planNames(p *progressbot.Plan) []string {
	out := []string{p.Title, p.TitleEn}
	for _, u := range p.Units {
		out = append(append(out, u.Names()...), u.En)
	}
	for _, c := range p.Chains {
		out = append(append(out, c.Name, c.Short, c.En), c.Aliases...)
	}
	for _, c := range p.Clusters {
		out = append(append(out, c.Name, c.Short, c.En), c.Aliases...)
	}
	for _, in := range p.Indicators {
		out = append(append(out, in.Name, in.En), in.Short...)
	}
	for _, pr := range p.Projects {
		out = append(append(out, pr.Name, pr.En), pr.Short...)
	}
	return out
}

// planWords is everything a plan names or says, for telling whether a name of another
// plan is one of its words too.
func planWords(p *progressbot.Plan) string {
	words := planNames(p)
	for _, t := range p.Tasks {
		words = append(words, t.Title, t.TitleEn, t.Text)
	}
	for _, in := range p.Indicators {
		words = append(words, in.Measure)
	}
	return strings.Join(words, "\n")
}
