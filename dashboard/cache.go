package dashboard

import (
	"context"
	"sync"
	"time"

	"github.com/progressbot/progressbot"
)

// DefaultSnapshotTTL is how long a snapshot read for one request answers the next ones
// with the same question (store.MemoTTL, the staleness the store allows for another
// process's writes): the page asks for the whole plan's rollup and its cards at once,
// and a meeting room's screen asks again and again.
const DefaultSnapshotTTL = 10 * time.Second

// snapCache keeps the snapshots read for the dashboard for ttl, and lets concurrent
// requests for the same snapshot share one read. At most max are kept.
type snapCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu sync.Mutex
	m  map[string]*snapEntry
}

type snapEntry struct {
	done chan struct{} // closed when the read is over
	snap *progressbot.Snapshot
	err  error
	at   time.Time
}

func newSnapCache(ttl time.Duration, max int) *snapCache {
	return &snapCache{ttl: ttl, max: max, now: time.Now, m: map[string]*snapEntry{}}
}

// get returns the snapshot kept for key, waits for a read of it under way, or reads it.
// A failed read is not kept.
func (c *snapCache) get(ctx context.Context, key string, read func() (*progressbot.Snapshot, error)) (*progressbot.Snapshot, error) {
	if c == nil || c.ttl <= 0 {
		return read()
	}
	c.mu.Lock()
	if e := c.m[key]; e != nil {
		select {
		case <-e.done:
			if e.err == nil && c.now().Sub(e.at) < c.ttl {
				c.mu.Unlock()
				return e.snap, nil
			}
		default:
			c.mu.Unlock()
			select {
			case <-e.done:
				return e.snap, e.err
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	e := &snapEntry{done: make(chan struct{})}
	c.m[key] = e
	c.evictLocked()
	c.mu.Unlock()

	e.snap, e.err = read()
	e.at = c.now()
	close(e.done)
	if e.err != nil {
		c.mu.Lock()
		if c.m[key] == e {
			delete(c.m, key)
		}
		c.mu.Unlock()
	}
	return e.snap, e.err
}

// evictLocked drops expired entries, then the oldest finished ones, down to max.
func (c *snapCache) evictLocked() {
	now := c.now()
	for k, e := range c.m {
		select {
		case <-e.done:
			if now.Sub(e.at) >= c.ttl {
				delete(c.m, k)
			}
		default:
		}
	}
	for len(c.m) > c.max {
		var oldest string
		var at time.Time
		for k, e := range c.m {
			select {
			case <-e.done:
				if oldest == "" || e.at.Before(at) {
					oldest, at = k, e.at
				}
			default:
			}
		}
		if oldest == "" {
			return // every entry is being read
		}
		delete(c.m, oldest)
	}
}
