package seeds

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/progressbot/progressbot"
	"go.yaml.in/yaml/v3"
)

func loadBundled(t testing.TB) *progressbot.Plan {
	t.Helper()
	p, _, err := Load(Bundled(), DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBundledPlanLoads(t *testing.T) {
	p := loadBundled(t)
	counts := []struct {
		what string
		got  int
		want int
	}{
		{"tasks", len(p.Tasks), 23},
		{"actions", len(p.Actions), 7},
		{"附件1 chains", len(p.Chains), 11},
		{"clusters", len(p.Clusters), 6},
		{"counties", len(p.Counties()), 14},
		{"附件2 categories", len(p.WorkCategories), 5},
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.what, c.got, c.want)
		}
	}
	manufacturing, annex4 := 0, 0
	for _, c := range p.Chains {
		if c.Manufacturing {
			manufacturing++
		}
		if c.Annex4No > 0 {
			annex4++
		}
	}
	for _, c := range p.Clusters {
		if c.Annex4No > 0 {
			annex4++
		}
	}
	if manufacturing != 9 {
		t.Errorf("9610 manufacturing chains: got %d, want 9", manufacturing)
	}
	if annex4 != 15 {
		t.Errorf("附件4 rows: got %d, want 15", annex4)
	}
	for i, task := range p.Tasks {
		if task.No != i+1 {
			t.Errorf("task %d out of order at %d", task.No, i)
		}
		if task.No <= 19 && len(task.Lead) == 0 {
			t.Errorf("task %d has no lead unit", task.No)
		}
	}
	if p.City == "" || p.Unit(p.City).Kind != progressbot.UnitCity {
		t.Errorf("plan city %q is not a city unit", p.City)
	}
}

// TestDocumentTotals holds the county tables of 附件3 to their own 合计 rows: the 14
// county cells of each year add up to the total, except where the document itself does
// not add up (listed here, each checked by hand against the document).
// TestDocumentTotals: the bundled 附件3 has its eight tables of 14 counties, and the one
// place the document does not add up is declared as such; the loader itself holds every
// other year of every table to its 合计 (TestBadSeeds has a table that does not).
func TestDocumentTotals(t *testing.T) {
	b, err := fs.ReadFile(Bundled(), DefaultPlan+"/county-targets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f CountyTablesFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Tables) != 8 {
		t.Errorf("附件3 tables: got %d, want 8", len(f.Tables))
	}
	var known []string
	for _, tb := range f.Tables {
		if len(tb.Rows) != 14 {
			t.Errorf("%s: %d county rows, want 14", tb.Indicator, len(tb.Rows))
		}
		for _, m := range tb.KnownMismatches {
			known = append(known, fmt.Sprintf("%s/%d: sum %v, total %v", tb.Indicator, m.Year, m.Sum, m.Total))
		}
	}
	// 附件3（一）规模以上工业企业户数 2025: the county cells add to 2998, 合计 says 3000.
	if want := []string{"above-scale-enterprises/2025: sum 2998, total 3000"}; !slices.Equal(known, want) {
		t.Errorf("declared mismatches %q, want %q", known, want)
	}
	loadBundled(t)
}

func TestBadSeeds(t *testing.T) {
	base := map[string][]byte{}
	entries, err := fs.ReadDir(Bundled(), DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(Bundled(), DefaultPlan+"/"+e.Name())
		if err != nil {
			t.Fatal(err)
		}
		base[e.Name()] = b
	}
	firstUnit := strings.Trim(string(firstMatch(t, base["tasks.yaml"], "lead: [", "]")), `"`)
	tests := []struct {
		name   string
		file   string
		edit   func(string) string
		remove bool
		want   []string // substrings of the error
	}{
		{"missing file", "units.yaml", nil, true, []string{"units.yaml", "missing file"}},
		{"typo in a unit name", "tasks.yaml", func(s string) string {
			return strings.Replace(s, "lead: [\""+firstUnit+"\"]", "lead: [\""+firstUnit+"x\"]", 1)
		}, false, []string{"tasks.yaml:", "tasks[0].lead", "unknown unit", "did you mean"}},
		{"duplicate unit id", "units.yaml", func(s string) string {
			return strings.Replace(s, "id: lianxi", "id: xunyang", 1)
		}, false, []string{"units.yaml:", "duplicate id \"xunyang\""}},
		{"non-numeric target", "county-targets.yaml", func(s string) string {
			return replaceNth(s, "{value: 32}", "{value: 三十二}", 1)
		}, false, []string{"county-targets.yaml:", "cannot unmarshal"}},
		{"unknown key", "plan.yaml", func(s string) string { return "titel: x\n" + s }, false, []string{"plan.yaml:1", "titel"}},
		{"bad indicator kind", "indicators.yaml", func(s string) string {
			return replaceNth(s, "kind: level", "kind: stock", 1)
		}, false, []string{"indicators.yaml:", "unknown kind \"stock\""}},
		{"unknown chain", "tasks.yaml", func(s string) string {
			return replaceNth(s, "petrochem", "petrochemz", 1)
		}, false, []string{"tasks.yaml:", "unknown chain \"petrochemz\""}},
		{"broken yaml", "chains.yaml", func(s string) string { return "chains: [\n" + s }, false, []string{"chains.yaml:"}},
		{"English name too long for a list", "units.yaml", func(s string) string {
			return strings.Replace(s, `en: "Industry & IT Bureau"`, "en: Jiujiang Municipal Bureau of Industry", 1)
		}, false, []string{"units.yaml:", ".en", "lists show 26", "en_full"}},
		{"a remark in an English name", "projects.yaml", func(s string) string {
			return strings.Replace(s, "en: Tianxi recycling park", "en: Tianxi (probably Tinci)", 1)
		}, false, []string{"projects.yaml:", "remark", "note"}},
		{"two units with one English name", "units.yaml", func(s string) string {
			return strings.Replace(s, "en: Commerce Bureau", "en: Education Bureau", 1)
		}, false, []string{"units.yaml:", "\"Education Bureau\" already belongs to unit"}},
		{"no English name", "indicators.yaml", func(s string) string {
			return strings.Replace(s, "en: Little giants", "en: \"\"", 1)
		}, false, []string{"indicators.yaml:", "short English form"}},
		{"county rows that do not add up to the 合计", "county-targets.yaml", func(s string) string {
			return replaceNth(s, "{value: 32}", "{value: 33}", 1)
		}, false, []string{"county-targets.yaml:", "tables[0].total", "2023", "2501", "2500"}},
		{"a known mismatch with other numbers", "county-targets.yaml", func(s string) string {
			return strings.Replace(s, "sum: 2998", "sum: 2997", 1)
		}, false, []string{"county-targets.yaml:", "2025", "2998", "3000"}},
		{"a known mismatch without a note", "county-targets.yaml", func(s string) string {
			return strings.Replace(s, "        note: \"The document's own arithmetic", "        note: \"\" # The document's own arithmetic", 1)
		}, false, []string{"county-targets.yaml:", "2025", "2998", "3000"}},
		{"wrong number of cells", "county-targets.yaml", func(s string) string {
			return replaceNth(s, "- {value: 32}", "- {value: 32}\n          - {value: 1}", 1)
		}, false, []string{"county-targets.yaml:", "cells for"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, b := range base {
				fsys["p/"+name] = &fstest.MapFile{Data: b}
			}
			if tt.remove {
				delete(fsys, "p/"+tt.file)
			} else {
				fsys["p/"+tt.file] = &fstest.MapFile{Data: []byte(tt.edit(string(base[tt.file])))}
			}
			_, _, err := Load(fsys, "p")
			if err == nil {
				t.Fatal("loaded without error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}

func firstMatch(t *testing.T, b []byte, open, close string) []byte {
	s := string(b)
	i := strings.Index(s, open)
	if i < 0 {
		t.Fatalf("no %q in seed", open)
	}
	s = s[i+len(open):]
	j := strings.Index(s, close)
	first, _, _ := strings.Cut(s[:j], ",")
	return []byte(strings.TrimSpace(first))
}

func replaceNth(s, old, new string, n int) string {
	i := -1
	for ; n > 0; n-- {
		j := strings.Index(s[i+1:], old)
		if j < 0 {
			return s
		}
		i += 1 + j
	}
	return s[:i] + new + s[i+len(old):]
}

func BenchmarkLoadBundled(b *testing.B) {
	for b.Loop() {
		if _, _, err := Load(Bundled(), DefaultPlan); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDue(b *testing.B) {
	p := loadBundled(b)
	nov, _ := progressbot.ParsePeriod("2026-12")
	for b.Loop() {
		_ = p.Due("hukou", nov)
	}
}
