package flows

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestBounded: a file past the limit fails with ErrFileTooLarge whatever size was
// declared; one of exactly the limit is read whole.
func TestBounded(t *testing.T) {
	for _, tt := range []struct {
		n       int
		tooBig  bool
		readLen int
	}{{0, false, 0}, {9, false, 9}, {10, false, 10}, {11, true, 10}, {5000, true, 10}} {
		b, err := io.ReadAll(Bounded(io.NopCloser(bytes.NewReader(make([]byte, tt.n))), 10))
		if errors.Is(err, ErrFileTooLarge) != tt.tooBig || len(b) != tt.readLen {
			t.Errorf("%d bytes: read %d, err %v", tt.n, len(b), err)
		}
	}
}
