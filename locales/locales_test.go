package locales

import (
	"slices"
	"strings"
	"testing"
)

// TestComplete fails when a message exists in one language and not the other, or does
// not render.
func TestComplete(t *testing.T) {
	sets := map[string][]string{}
	for _, lang := range Languages {
		ids, err := IDs(lang)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		if len(ids) == 0 {
			t.Fatalf("%s: no messages", lang)
		}
		sets[lang] = ids
	}
	for _, a := range Languages {
		for _, b := range Languages {
			for _, id := range sets[a] {
				if !slices.Contains(sets[b], id) {
					t.Errorf("message %q is in %s but not in %s", id, a, b)
				}
			}
		}
	}
	for _, lang := range Languages {
		loc := For(lang)
		for _, id := range sets[lang] {
			// Render with every plausible template key so that a template error shows up.
			s := loc.T(id, "Count", 2, "Unit", "U", "Plan", "P", "Period", "2026-11", "Name", "N",
				"Units", 1, "Items", 2, "Targets", 3, "Retired", 0, "File", "f", "N", 1, "Total", 2,
				"Value", "1", "Measure", "m", "Target", "t", "Pace", "p", "Last", "l", "Deadline", "d",
				"Code", "c", "Role", "r", "Link", "l", "Reason", "r", "Answered", 1, "Skipped", 0,
				"Text", "t", "Status", "s", "Stage", "s", "Expected", "e", "Index", 1, "Min", 1, "Max", 2, "Wait", "1m", "Level", "l", "Bot", "b", "Kind", "k", "Done", "d", "Coordination", "c", "Title", "t", "Year", 2025, "Seconds", 1)
			if s == id || s == "" || strings.Contains(s, "<no value>") {
				t.Errorf("%s: message %q does not render: %q", lang, id, s)
			}
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "zh-CN"}, {"zh", "zh-CN"}, {"zh-hans", "zh-CN"}, {"zh-TW", "zh-CN"},
		{"en", "en"}, {"en-US", "en"}, {"EN-gb", "en"}, {"ru", "zh-CN"}, {"english", "zh-CN"},
	}
	for _, tt := range tests {
		if got := Match(tt.in); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
