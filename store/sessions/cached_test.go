package sessions

import (
	"errors"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// newCachedFixture is the Redis fixture behind a cache whose clock moves with the
// fixture's time, so the contract's expiry holds for what the cache remembers too.
func newCachedFixture(tb testing.TB, opts Options) *fixture {
	f := newRedisFixture(tb, opts)
	clock := newFakeClock()
	opts.Now = clock.Now
	c := NewCached(f.store, 0, opts)
	advance := f.advance
	return &fixture{
		store:   c,
		advance: func(d time.Duration) { advance(d); clock.Advance(d) },
		ttl:     f.ttl,
	}
}

func openCached(t *testing.T) (*miniredis.Miniredis, *Cached, Store) {
	t.Helper()
	mr := miniredis.RunT(t)
	inner, err := Open(ctx, "redis://"+mr.Addr()+"/0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := Open(ctx, "redis://"+mr.Addr()+"/0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	c := NewCached(inner, 0, Options{})
	t.Cleanup(func() { _ = c.Close() })
	return mr, c, other
}

// TestCachedOneRoundTrip: once a chat's session was written or read, reading it again
// costs no command to Redis; only the write goes there.
func TestCachedOneRoundTrip(t *testing.T) {
	mr, c, _ := openCached(t)
	s := mustPut(t, c, Session{ChatID: 5, Data: []byte("a")})
	for i := range 3 {
		before := mr.CommandCount()
		got := mustGet(t, c, 5)
		wantSession(t, got, 5, s.Version, s.Data)
		if n := mr.CommandCount() - before; n != 0 {
			t.Fatalf("Get after Put: %d commands to Redis, want 0", n)
		}
		got.Data = []byte{byte('b' + i)}
		s = mustPut(t, c, got)
	}
	wantSession(t, mustGet(t, c, 5), 5, 4, []byte("d"))
}

// TestCachedOtherWriter: a session written by another process is never overwritten with
// what this one remembered; the stale write fails as a conflict, and the next read
// returns the other writer's session.
func TestCachedOtherWriter(t *testing.T) {
	_, c, other := openCached(t)
	s := mustPut(t, c, Session{ChatID: 9, Data: []byte("mine")})
	theirs := mustPut(t, other, Session{ChatID: 9, Version: s.Version, Data: []byte("theirs")})

	stale := mustGet(t, c, 9) // what this process wrote last
	wantSession(t, stale, 9, s.Version, []byte("mine"))
	stale.Data = []byte("overwrite")
	if _, err := c.Put(ctx, stale); !errors.Is(err, ErrConflict) {
		t.Fatalf("Put over another writer's session: %v, want ErrConflict", err)
	}
	wantSession(t, mustGet(t, c, 9), 9, theirs.Version, []byte("theirs"))
	wantSession(t, mustGet(t, other, 9), 9, theirs.Version, []byte("theirs"))
}

// TestCachedRedisDown: a failed write forgets the chat, so nothing is read from memory
// that Redis may not hold.
func TestCachedRedisDown(t *testing.T) {
	mr, c, _ := openCached(t)
	s := mustPut(t, c, Session{ChatID: 2, Data: []byte("x")})
	mr.Close()
	if _, err := c.Put(ctx, s); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Put with Redis down: %v, want ErrUnavailable", err)
	}
	if _, err := c.Get(ctx, 2); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get after a failed Put: %v, want ErrUnavailable (not a remembered session)", err)
	}
}
