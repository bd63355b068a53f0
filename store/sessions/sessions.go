// Package sessions keeps where each chat is in a conversation flow.
//
// A session is small and opaque: the flows package serializes its own state
// into Session.Data. The answers a user gives live in SQLite, so losing a
// session (expiry, a flushed Redis) is an inconvenience, never data loss.
//
// Two implementations share one contract:
//
//   - Redis (NewRedis, Open): for `progressbot serve` with REDIS_URL set.
//   - Memory (NewMemory): for `progressbot chat`, tests, and serve without
//     REDIS_URL.
//
// Contract:
//
//   - Get of a chat with no session returns Session{ChatID: id} (Version 0,
//     Data nil) and no error.
//   - Put is optimistic concurrency control: it succeeds only if the stored
//     version still equals s.Version (0 for "no session yet"), stores the data
//     as version s.Version+1 and returns the stored session. A writer holding a
//     stale version gets an error matching ErrConflict and nothing changes;
//     of two writers starting from the same version exactly one wins.
//   - Every session expires Options.TTL after its last Put (Get does not
//     extend it). An expired or deleted session reads as missing (Version 0).
//   - Data is byte-exact: empty, binary and non-UTF-8 data come back as given.
//     A stored session always has non-nil Data (possibly empty).
//   - Errors caused by a store that cannot be reached in time (connection
//     refused or reset, timeouts, a server that is loading or failing over)
//     match ErrUnavailable: the caller should tell the user "try again in a
//     moment"; the store recovers by itself when the server is back.
package sessions

import (
	"context"
	"errors"
	"time"
)

// Session is where one chat is in a conversation flow.
type Session struct {
	ChatID int64
	// Version is 0 for a chat with no session and increases by one on every
	// successful Put.
	Version int64
	// Data is opaque to this package.
	Data []byte
}

// Store keeps sessions per chat. Implementations are safe for concurrent use.
type Store interface {
	// Get returns the chat's session, or Session{ChatID: chatID} with
	// Version 0 when it has none.
	Get(ctx context.Context, chatID int64) (Session, error)
	// Put stores s.Data as version s.Version+1 if the stored version is still
	// s.Version, and returns the stored session. Otherwise it returns an
	// error matching ErrConflict.
	Put(ctx context.Context, s Session) (Session, error)
	// Delete removes the chat's session; deleting a missing one is not an error.
	Delete(ctx context.Context, chatID int64) error
	// Ping reports whether the store is reachable (for /healthz).
	Ping(ctx context.Context) error
	// Close releases the store's resources. Later calls return ErrClosed.
	Close() error
}

var (
	// ErrConflict is returned by Put when the stored version is not the
	// version the caller read: another writer got there first. Re-read and
	// decide again.
	ErrConflict = errors.New("sessions: version conflict")
	// ErrUnavailable marks errors caused by a store that cannot be reached in
	// time. The operation may succeed if retried a moment later.
	ErrUnavailable = errors.New("sessions: store unavailable")
	// ErrClosed is returned by operations on a closed store.
	ErrClosed = errors.New("sessions: store closed")
)

// Defaults for Options.
const (
	DefaultKeyPrefix = "progressbot:session:"
	DefaultTTL       = 7 * 24 * time.Hour
	DefaultTimeout   = 2 * time.Second
)

// Options configure a Store. The zero value gives the defaults.
type Options struct {
	// KeyPrefix is prepended to the decimal chat ID to form the Redis key.
	// Default DefaultKeyPrefix. Ignored by Memory.
	KeyPrefix string
	// TTL is how long a session lives after its last Put. Default DefaultTTL.
	// Redis stores it in milliseconds; values under 1ms become 1ms.
	TTL time.Duration
	// Timeout bounds each Redis operation (a deadline is added to the
	// context unless it already has an earlier one) and, in Open, is the
	// dial, read, write and pool timeout of the client. Default
	// DefaultTimeout; negative disables the per-operation deadline. Ignored by
	// Memory.
	Timeout time.Duration
	// Now is the clock used by Memory for expiry; default time.Now. Redis
	// expires keys on the server's clock.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.KeyPrefix == "" {
		o.KeyPrefix = DefaultKeyPrefix
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
