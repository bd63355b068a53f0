package store

import (
	"sync"
	"time"
)

// memo keeps what this process read from the database for the lookups every update makes
// (the person, their unit's report, the period's deadline extensions), so that a report
// step reads SQLite only when something changed.
//
// It is exact for the writes of this process: each writer, after its commit, updates the
// value it changed in place or forgets it. A read that raced a write cannot put back what
// the write replaced: get hands out a ticket (the count of writes so far) and fill keeps
// the value read only if no write to the key was recorded since the ticket. Writes made
// by another process on the same file (the command line's import, a second handle in a
// test) are seen once an entry is older than ttl.
type memo[K comparable, V any] struct {
	ttl time.Duration
	max int

	mu     sync.Mutex
	m      map[K]*memoEntry[V]
	writes uint64 // writes recorded so far
	// floor is the write count when entries were last forgotten wholesale: a key without
	// an entry may have been written after any ticket older than floor.
	floor uint64
}

type memoEntry[V any] struct {
	val   V
	has   bool
	at    time.Time // when val was read from the database
	wrote uint64    // the write count at the last write to this key
}

func newMemo[K comparable, V any](ttl time.Duration, max int) *memo[K, V] {
	return &memo[K, V]{ttl: ttl, max: max, m: map[K]*memoEntry[V]{}}
}

// get returns the value kept for k, if any, and the ticket to fill it with after reading
// the database (a value kept can be added to). A memo with ttl 0 keeps nothing.
func (c *memo[K, V]) get(k K) (v V, ticket uint64, ok bool) {
	if c == nil || c.ttl <= 0 {
		return v, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[k]; e != nil && e.has && time.Since(e.at) < c.ttl {
		return e.val, c.writes, true
	}
	return v, c.writes, false
}

// fill keeps v, read from the database after get gave ticket, unless k was written since.
func (c *memo[K, V]) fill(k K, ticket uint64, v V) {
	if c == nil || c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[k]
	switch {
	case e == nil && ticket < c.floor:
		return
	case e == nil:
		if len(c.m) >= c.max {
			c.forgetAllLocked()
			if ticket < c.floor {
				return
			}
		}
		e = &memoEntry[V]{}
		c.m[k] = e
	case e.wrote > ticket:
		return
	}
	e.val, e.has, e.at = v, true, time.Now()
}

// wrote records a committed write to k. update changes the kept value to what the write
// made it, or returns false to forget it; nil forgets it. A value get returned may be in
// use without the lock, so update must replace what it changes (a new map, not a write
// into the old one).
func (c *memo[K, V]) wrote(k K, update func(*V) bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	e := c.m[k]
	if e == nil {
		if len(c.m) >= c.max {
			c.forgetAllLocked()
		}
		e = &memoEntry[V]{}
		c.m[k] = e
	}
	e.wrote = c.writes
	if e.has && (update == nil || !update(&e.val)) {
		var zero V
		e.val, e.has = zero, false
	}
}

// forgetAll forgets everything: after a write whose reach the memo cannot follow (a plan
// reload, an import).
func (c *memo[K, V]) forgetAll() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	c.forgetAllLocked()
}

func (c *memo[K, V]) forgetAllLocked() {
	c.m = map[K]*memoEntry[V]{}
	c.floor = c.writes
}
