package sessions

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// maxSweepInterval bounds how long expired sessions of chats that never come
// back can stay in memory.
const maxSweepInterval = time.Minute

// Memory is an in-process Store with the same semantics as Redis. Expired
// sessions are dropped lazily when touched, and all of them by a sweep that
// Put runs at most once per min(TTL, 1 minute) — no background goroutine.
type Memory struct {
	ttl           time.Duration
	now           func() time.Time
	sweepInterval time.Duration

	mu        sync.Mutex
	entries   map[int64]memEntry
	lastSweep time.Time
	closed    bool
}

type memEntry struct {
	version int64
	data    []byte
	expires time.Time
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-process store. Only opts.TTL and opts.Now are
// used.
func NewMemory(opts Options) *Memory {
	opts = opts.withDefaults()
	m := &Memory{
		ttl:           opts.TTL,
		now:           opts.Now,
		sweepInterval: min(opts.TTL, maxSweepInterval),
		entries:       make(map[int64]memEntry),
	}
	m.lastSweep = m.now()
	return m
}

// lookup returns the live entry for chatID, dropping it if expired.
// m.mu must be held.
func (m *Memory) lookup(chatID int64, now time.Time) (memEntry, bool) {
	e, ok := m.entries[chatID]
	if ok && !now.Before(e.expires) {
		delete(m.entries, chatID)
		return memEntry{}, false
	}
	return e, ok
}

// Get implements Store.
func (m *Memory) Get(ctx context.Context, chatID int64) (Session, error) {
	if err := ctx.Err(); err != nil {
		return Session{}, fmt.Errorf("session get: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Session{}, fmt.Errorf("session get: %w", ErrClosed)
	}
	e, ok := m.lookup(chatID, m.now())
	if !ok {
		return Session{ChatID: chatID}, nil
	}
	return Session{ChatID: chatID, Version: e.version, Data: clone(e.data)}, nil
}

// Put implements Store.
func (m *Memory) Put(ctx context.Context, s Session) (Session, error) {
	if err := ctx.Err(); err != nil {
		return Session{}, fmt.Errorf("session put: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Session{}, fmt.Errorf("session put: %w", ErrClosed)
	}
	now := m.now()
	if now.Sub(m.lastSweep) >= m.sweepInterval {
		m.sweep(now)
	}
	e, _ := m.lookup(s.ChatID, now) // a missing entry has version 0
	if e.version != s.Version {
		return Session{}, fmt.Errorf("session put chat %d: have version %d, stored %d: %w",
			s.ChatID, s.Version, e.version, ErrConflict)
	}
	e = memEntry{version: e.version + 1, data: clone(s.Data), expires: now.Add(m.ttl)}
	m.entries[s.ChatID] = e
	return Session{ChatID: s.ChatID, Version: e.version, Data: s.Data}, nil
}

// Delete implements Store.
func (m *Memory) Delete(ctx context.Context, chatID int64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("session delete: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("session delete: %w", ErrClosed)
	}
	delete(m.entries, chatID)
	return nil
}

// Ping implements Store; it fails only after Close.
func (m *Memory) Ping(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("session ping: %w", ErrClosed)
	}
	return nil
}

// Close implements Store. It drops all sessions.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.entries = nil
	return nil
}

// Len returns the number of sessions held, including expired ones not yet
// swept.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// sweep drops every expired entry. m.mu must be held.
func (m *Memory) sweep(now time.Time) {
	for id, e := range m.entries {
		if !now.Before(e.expires) {
			delete(m.entries, id)
		}
	}
	m.lastSweep = now
}

// clone copies b; the result is non-nil even when b is empty, so a stored
// session always has non-nil Data.
func clone(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
}
