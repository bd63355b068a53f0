package progressbot

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	fixed := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		clock Clock
		wall  bool
	}{
		{"none set: the wall clock", nil, true},
		{"set: its time", func() time.Time { return fixed }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := time.Now()
			got := tt.clock.Now()
			if tt.wall && (got.Before(before) || got.After(time.Now())) {
				t.Errorf("got %v, not the wall clock's time", got)
			}
			if !tt.wall && !got.Equal(fixed) {
				t.Errorf("got %v, want %v", got, fixed)
			}
		})
	}
}
