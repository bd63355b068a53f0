package sessions

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultCacheFor is how long Cached trusts a session it wrote or read.
const DefaultCacheFor = 10 * time.Minute

// Cached is a Store in front of another (Redis) that remembers the sessions this process
// wrote or read last, so that an update costs one round trip to the store of record —
// the versioned Put — instead of two. A press or a typed answer reads its chat's session
// and writes it back; the read was a tenth of the bot's CPU under load, and its answer
// was, every time but the first, what this process had just written.
//
// It is correct when this process is the only writer of these sessions, which long
// polling guarantees (Telegram hands a bot's updates to one getUpdates at a time). A
// write made elsewhere is still never overwritten: Put remains a compare-and-set on the
// store of record, so a stale session read here makes that Put fail with ErrConflict
// (the person is asked to try again) and is forgotten, and the next Get reads afresh. An
// update that changes nothing writes nothing (flows' Engine.put), so it answers from the
// session as this process last saw it; a session is trusted for at most
// min(CacheFor, TTL) after it was last seen.
type Cached struct {
	inner  Store
	maxAge time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[int64]cachedEntry
	seen    int // remembers since the last sweep
	closed  atomic.Bool
}

type cachedEntry struct {
	s  Session
	at time.Time
}

var _ Store = (*Cached)(nil)

// sweepEvery is how many sessions are remembered between two sweeps of those too old
// to be trusted, which bounds the memory of chats that went quiet.
const sweepEvery = 1024

// NewCached puts a cache in front of inner. cacheFor <= 0 gives DefaultCacheFor; only
// opts.TTL and opts.Now are used. Close closes inner.
func NewCached(inner Store, cacheFor time.Duration, opts Options) *Cached {
	opts = opts.withDefaults()
	if cacheFor <= 0 {
		cacheFor = DefaultCacheFor
	}
	return &Cached{inner: inner, maxAge: min(cacheFor, opts.TTL), now: opts.Now, entries: make(map[int64]cachedEntry)}
}

// Get implements Store: the session this process saw last, if recent, else inner's.
func (c *Cached) Get(ctx context.Context, chatID int64) (Session, error) {
	if c.closed.Load() {
		return Session{}, fmt.Errorf("session get: %w", ErrClosed)
	}
	c.mu.Lock()
	e, ok := c.entries[chatID]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < c.maxAge {
		s := e.s
		s.Data = bytes.Clone(s.Data) // the caller may keep or change it
		return s, nil
	}
	s, err := c.inner.Get(ctx, chatID)
	if err == nil && s.Version > 0 {
		c.remember(s, false)
	}
	return s, err
}

// Put implements Store: a compare-and-set on inner; the stored session is remembered,
// and on any failure (a conflict above all) the chat's is forgotten.
func (c *Cached) Put(ctx context.Context, s Session) (Session, error) {
	out, err := c.inner.Put(ctx, s)
	if err != nil {
		c.forget(s.ChatID)
		return out, err
	}
	c.remember(out, true)
	return out, nil
}

// Delete implements Store.
func (c *Cached) Delete(ctx context.Context, chatID int64) error {
	c.forget(chatID)
	err := c.inner.Delete(ctx, chatID)
	c.forget(chatID) // a Get that overlapped the delete may have remembered the old one
	return err
}

// Ping implements Store.
func (c *Cached) Ping(ctx context.Context) error { return c.inner.Ping(ctx) }

// Close implements Store: it forgets everything and closes inner.
func (c *Cached) Close() error {
	c.closed.Store(true)
	c.mu.Lock()
	c.entries = make(map[int64]cachedEntry)
	c.mu.Unlock()
	return c.inner.Close()
}

// remember keeps s: always when it was just stored (put), else unless a later version
// of the chat's session is kept already (a slow Get must not undo a Put that finished
// before it).
func (c *Cached) remember(s Session, put bool) {
	s.Data = bytes.Clone(s.Data)
	if s.Data == nil {
		s.Data = []byte{}
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[s.ChatID]; ok && !put && old.s.Version > s.Version {
		return
	}
	c.entries[s.ChatID] = cachedEntry{s: s, at: now}
	if c.seen++; c.seen >= sweepEvery {
		c.seen = 0
		for id, e := range c.entries {
			if now.Sub(e.at) >= c.maxAge {
				delete(c.entries, id)
			}
		}
	}
}

func (c *Cached) forget(chatID int64) {
	c.mu.Lock()
	delete(c.entries, chatID)
	c.mu.Unlock()
}
