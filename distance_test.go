package progressbot

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", 3, 0},
		{"湖口县", "湖口县", 3, 0},
		{"湖口", "湖口县", 3, 1},    // insertion
		{"湖口县", "湖口", 3, 1},    // deletion
		{"湖口县", "湖日县", 3, 1},   // substitution
		{"石化化工", "石化工化", 3, 1}, // two neighbours swapped: one edit, not two
		{"petrochem", "petrohcem", 3, 1},
		{"kitten", "sitting", 5, 3},
		{"ca", "abc", 5, 3},     // optimal string alignment, not Damerau: no edit of a swapped pair
		{"彭泽县", "湖口镇", 1, 2},    // past the limit: limit+1
		{"a", "abcdefgh", 2, 3}, // lengths alone exceed the limit
		{"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxzy", 3, 1}, // longer than the stack buffer
	}
	for _, tt := range tests {
		if got := Distance([]rune(tt.a), []rune(tt.b), tt.limit); got != tt.want {
			t.Errorf("Distance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}
