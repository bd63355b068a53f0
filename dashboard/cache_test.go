package dashboard

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
)

func TestSnapCache(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	c := newSnapCache(10*time.Second, 2)
	c.now = func() time.Time { return now }
	var reads atomic.Int32
	read := func() (*progressbot.Snapshot, error) {
		reads.Add(1)
		return &progressbot.Snapshot{}, nil
	}

	// Concurrent requests for one snapshot share a read.
	release := make(chan struct{})
	slow := func() (*progressbot.Snapshot, error) { <-release; return read() }
	var wg sync.WaitGroup
	got := make([]*progressbot.Snapshot, 8)
	wg.Add(1)
	go func() { defer wg.Done(); got[0], _ = c.get(ctx, "a", slow) }()
	for c.inFlight("a") == false {
		time.Sleep(time.Millisecond)
	}
	for i := 1; i < len(got); i++ {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], _ = c.get(ctx, "a", slow) }()
	}
	close(release)
	wg.Wait()
	if n := reads.Load(); n != 1 {
		t.Errorf("%d reads for 8 requests at once, want 1", n)
	}
	for i := range got {
		if got[i] != got[0] || got[i] == nil {
			t.Fatalf("request %d got another snapshot", i)
		}
	}
	// Kept for the TTL, then read again.
	if s, _ := c.get(ctx, "a", read); s != got[0] || reads.Load() != 1 {
		t.Errorf("within the TTL: read again")
	}
	now = now.Add(10 * time.Second)
	if s, _ := c.get(ctx, "a", read); s == got[0] || reads.Load() != 2 {
		t.Errorf("past the TTL: not read again")
	}
	// A failed read is not kept.
	boom := errors.New("boom")
	if _, err := c.get(ctx, "b", func() (*progressbot.Snapshot, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, err := c.get(ctx, "b", read); err != nil {
		t.Errorf("after a failed read: %v", err)
	}
	// At most max kept.
	c.get(ctx, "c", read)
	c.get(ctx, "d", read)
	if n := c.size(); n > 2 {
		t.Errorf("%d kept, max 2", n)
	}
	// A negative TTL keeps nothing.
	off := newSnapCache(-1, 2)
	before := reads.Load()
	off.get(ctx, "a", read)
	off.get(ctx, "a", read)
	if reads.Load()-before != 2 {
		t.Errorf("cache off: %d reads for 2 requests", reads.Load()-before)
	}
}

func (c *snapCache) inFlight(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[key]
	if e == nil {
		return false
	}
	select {
	case <-e.done:
		return false
	default:
		return true
	}
}

func (c *snapCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
