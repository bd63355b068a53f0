package flows

import (
	"fmt"
	"io"
)

// Bounded reads at most max bytes of rc and then fails with ErrFileTooLarge if rc has
// more: for Files implementations, so that a file whose size was not declared, or was
// declared wrong, is still never read past the limit.
func Bounded(rc io.ReadCloser, max int64) io.ReadCloser { return &bounded{rc: rc, left: max} }

type bounded struct {
	rc   io.ReadCloser
	left int64
}

func (r *bounded) Read(p []byte) (int, error) {
	if r.left <= 0 {
		// One byte more tells a file of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := io.ReadFull(r.rc, one[:]); n > 0 {
			return 0, fmt.Errorf("read file: %w", ErrFileTooLarge)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.rc.Read(p)
	r.left -= int64(n)
	return n, err
}

func (r *bounded) Close() error { return r.rc.Close() }
