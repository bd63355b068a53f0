package locales

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var templateKey = regexp.MustCompile(`\{\{\s*\.(\w+)`)

// TestComplete fails when a message exists in one language and not the other, or does
// not render.
func TestComplete(t *testing.T) {
	sets := map[string]map[string]string{}
	for _, lang := range Languages {
		msgs, err := Messages(lang)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		if len(msgs) == 0 {
			t.Fatalf("%s: no messages", lang)
		}
		sets[lang] = msgs
	}
	for _, a := range Languages {
		for _, b := range Languages {
			for id := range sets[a] {
				if _, ok := sets[b][id]; !ok {
					t.Errorf("message %q is in %s but not in %s", id, a, b)
				}
			}
		}
	}
	for _, lang := range Languages {
		loc := For(lang)
		for id, raw := range sets[lang] {
			// Give every key the template names (in any language), so that a template
			// error or a key the other language lacks shows up.
			var kv []any
			seen := map[string]bool{}
			for _, l := range Languages {
				for _, m := range templateKey.FindAllStringSubmatch(sets[l][id], -1) {
					if !seen[m[1]] {
						seen[m[1]] = true
						kv = append(kv, m[1], 2)
					}
				}
			}
			// Each plural form: a count of 1 picks English "one", which a message with a
			// count must render too.
			for _, n := range []int{0, 1, 2, 21} {
				for i := 0; i+1 < len(kv); i += 2 {
					kv[i+1] = n
				}
				s := loc.T(id, kv...)
				if s == id || strings.TrimSpace(s) == "" || strings.Contains(s, "<no value>") || strings.Contains(s, "{{") {
					t.Errorf("%s: message %q does not render with %d: %q (from %q)", lang, id, n, s, raw)
				}
			}
		}
	}
}

// countedNoun is a number followed by an English noun to inflect: "{{.Count}} items",
// "{{.Units}} units". Placeholders that hold no number are left out.
var countedNoun = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}\s+((?:key |working )?[a-z]{2,}s)\b`)

// notCounts are placeholders that hold names, dates or words, and words after a number
// that do not inflect.
var (
	notCounts = map[string]bool{"Plan": true, "Unit": true, "Period": true, "Subject": true, "At": true, "Deadline": true,
		"Chain": true, "CountyShort": true, "County": true, "Indicator": true, "Task": true, "Was": true, "Year": true,
		"To": true, "From": true, "Current": true, "Name": true, "Scope": true, "Time": true, "Text": true, "Value": true,
		"Code": true, "Who": true, "Link": true, "File": true, "Role": true, "Pace": true, "Rank": true, "MonthName": true}
	notNouns = map[string]bool{"of": true, "and": true, "the": true, "for": true, "was": true, "has": true, "is": true, "are": true,
		"day": false, "so": true, "to": true, "in": true, "on": true, "at": true, "or": true, "with": true, "from": true, "yuan": true}
)

// TestPlurals fails on an English message that puts a noun after a count in one form
// only ("1 indicators"): such a message needs go-i18n's one and other forms.
func TestPlurals(t *testing.T) {
	names, err := fs.Glob(files, "*.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := fs.ReadFile(files, n)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for id, v := range m {
			s, ok := v.(string)
			if !ok {
				continue // plural forms
			}
			for _, m := range countedNoun.FindAllStringSubmatch(s, -1) {
				if !notCounts[m[1]] && !notNouns[m[2]] {
					t.Errorf("%s: %s puts a noun after a number without plural forms: %q", n, id, m[0])
				}
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

func TestSupported(t *testing.T) {
	for in, want := range map[string]bool{"": false, "ru": false, "zh": true, "zh-hans": true, "en-US": true, "EN": true, "fr": false} {
		if got := Supported(in); got != want {
			t.Errorf("Supported(%q) = %v", in, got)
		}
	}
}
