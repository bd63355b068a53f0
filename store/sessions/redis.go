package sessions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// A session is a Redis hash at KeyPrefix+chatID with two fields:
//
//	v  the version, a decimal integer >= 1
//	d  the data, raw bytes
//
// and a TTL set by every Put.

// putScript checks the version and writes in one atomic step.
//
//	KEYS[1] the session key
//	ARGV[1] the version the caller read (0: no session)
//	ARGV[2] the data
//	ARGV[3] the TTL in milliseconds
//
// It returns the new version (>= 1) on success and -1-stored (<= -1) when the
// stored version differs.
var putScript = redis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if cur ~= tonumber(ARGV[1]) then
  return -1 - cur
end
local nv = cur + 1
redis.call('HSET', KEYS[1], 'v', string.format('%d', nv), 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return nv
`)

// Redis is a Store on a Redis server (or cluster) through go-redis.
type Redis struct {
	client     redis.UniversalClient
	prefix     string
	ttlMillis  int64
	timeout    time.Duration
	ownsClient bool
	closed     atomic.Bool
}

var _ Store = (*Redis)(nil)

// NewRedis returns a Store on client. Close does not close a client passed
// here; the caller owns it. Only opts.KeyPrefix, opts.TTL and opts.Timeout are
// used. For operations to give up within opts.Timeout on a hung server, the
// client should have ContextTimeoutEnabled (Open sets it).
func NewRedis(client redis.UniversalClient, opts Options) *Redis {
	opts = opts.withDefaults()
	return &Redis{
		client:    client,
		prefix:    opts.KeyPrefix,
		ttlMillis: max(opts.TTL.Milliseconds(), 1),
		timeout:   opts.Timeout,
	}
}

// Open connects to the Redis server at rawURL (REDIS_URL, e.g.
// redis://127.0.0.1:6379/0, parsed by redis.ParseURL), pings it once and
// returns a Store that owns the client. Dial, read, write and pool timeouts
// default to opts.Timeout (2s) unless the URL sets them (dial_timeout=...),
// retries are limited to one, so that a dead Redis never holds a handler for
// long. An unreachable server gives an error matching ErrUnavailable.
func Open(ctx context.Context, rawURL string, opts Options) (Store, error) {
	opts = opts.withDefaults()
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, password included: drop it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("session open: invalid REDIS_URL: %w", err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if ro.DialTimeout == 0 {
		ro.DialTimeout = timeout
	}
	if ro.ReadTimeout == 0 {
		ro.ReadTimeout = timeout
	}
	if ro.WriteTimeout == 0 {
		ro.WriteTimeout = timeout
	}
	if ro.PoolTimeout == 0 {
		ro.PoolTimeout = timeout
	}
	if ro.MaxRetries == 0 {
		// One retry: enough to replace a pooled connection that a server
		// restart closed, not enough to multiply the wait on a dead server.
		ro.MaxRetries = 1
	}
	ro.DialerRetries = 1
	// A session is a few hundred bytes; go-redis's default 32 KiB read and write
	// buffers per pooled connection would be most of the store's memory.
	if ro.ReadBufferSize == 0 {
		ro.ReadBufferSize = 4 << 10
	}
	if ro.WriteBufferSize == 0 {
		ro.WriteBufferSize = 4 << 10
	}
	ro.ContextTimeoutEnabled = true
	if ro.MaintNotificationsConfig == nil {
		ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	}
	client := redis.NewClient(ro)
	r := NewRedis(client, opts)
	r.ownsClient = true
	if err := r.Ping(ctx); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("session open %s: %w", ro.Addr, err)
	}
	return r, nil
}

// Get implements Store.
func (r *Redis) Get(ctx context.Context, chatID int64) (Session, error) {
	if r.closed.Load() {
		return Session{}, fmt.Errorf("session get: %w", ErrClosed)
	}
	ctx, cancel := r.opContext(ctx)
	defer cancel()
	vals, err := r.client.HMGet(ctx, r.key(chatID), "v", "d").Result()
	if err != nil {
		return Session{}, r.wrap("session get", err)
	}
	if len(vals) != 2 || (vals[0] == nil && vals[1] == nil) {
		return Session{ChatID: chatID}, nil
	}
	vs, ok1 := vals[0].(string)
	ds, ok2 := vals[1].(string)
	version, err := strconv.ParseInt(vs, 10, 64)
	if !ok1 || !ok2 || err != nil || version < 1 {
		return Session{}, fmt.Errorf("session get chat %d: malformed session in Redis", chatID)
	}
	return Session{ChatID: chatID, Version: version, Data: []byte(ds)}, nil
}

// Put implements Store.
func (r *Redis) Put(ctx context.Context, s Session) (Session, error) {
	if r.closed.Load() {
		return Session{}, fmt.Errorf("session put: %w", ErrClosed)
	}
	ctx, cancel := r.opContext(ctx)
	defer cancel()
	data := s.Data
	if data == nil {
		data = []byte{}
	}
	n, err := putScript.Run(ctx, r.client, []string{r.key(s.ChatID)}, s.Version, data, r.ttlMillis).Int64()
	if err != nil {
		return Session{}, r.wrap("session put", err)
	}
	if n < 1 {
		return Session{}, fmt.Errorf("session put chat %d: have version %d, stored %d: %w",
			s.ChatID, s.Version, -1-n, ErrConflict)
	}
	return Session{ChatID: s.ChatID, Version: n, Data: s.Data}, nil
}

// Delete implements Store.
func (r *Redis) Delete(ctx context.Context, chatID int64) error {
	if r.closed.Load() {
		return fmt.Errorf("session delete: %w", ErrClosed)
	}
	ctx, cancel := r.opContext(ctx)
	defer cancel()
	if err := r.client.Del(ctx, r.key(chatID)).Err(); err != nil {
		return r.wrap("session delete", err)
	}
	return nil
}

// Ping implements Store.
func (r *Redis) Ping(ctx context.Context) error {
	if r.closed.Load() {
		return fmt.Errorf("session ping: %w", ErrClosed)
	}
	ctx, cancel := r.opContext(ctx)
	defer cancel()
	if err := r.client.Ping(ctx).Err(); err != nil {
		return r.wrap("session ping", err)
	}
	return nil
}

// Close implements Store. It closes the client only if Open created it.
func (r *Redis) Close() error {
	if !r.closed.CompareAndSwap(false, true) {
		return nil
	}
	if r.ownsClient {
		return r.client.Close()
	}
	return nil
}

func (r *Redis) key(chatID int64) string {
	var b strings.Builder
	b.Grow(len(r.prefix) + 20)
	b.WriteString(r.prefix)
	var num [20]byte
	b.Write(strconv.AppendInt(num[:0], chatID, 10))
	return b.String()
}

func noop() {}

// opContext bounds one operation by r.timeout unless ctx ends sooner.
func (r *Redis) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.timeout <= 0 {
		return ctx, noop
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= r.timeout {
		return ctx, noop
	}
	return context.WithTimeout(ctx, r.timeout)
}

// wrap prefixes err with op and marks it with ErrUnavailable or ErrClosed
// when that is its cause.
func (r *Redis) wrap(op string, err error) error {
	switch {
	case errors.Is(err, redis.ErrClosed):
		return fmt.Errorf("%s: %w: %w", op, ErrClosed, err)
	case unavailable(err):
		return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

// transientReplies are server error replies that mean "not now" rather than
// "wrong request".
var transientReplies = []string{"LOADING", "BUSY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "READONLY", "NOREPLICAS"}

// unavailable reports whether err comes from Redis not being reachable in
// time (rather than from a bad request or a missing key).
func unavailable(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) || errors.Is(err, context.Canceled) {
		return false
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		for _, p := range transientReplies {
			if redis.HasErrorPrefix(err, p) {
				return true
			}
		}
		return false
	}
	var nerr net.Error
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, redis.ErrPoolTimeout) ||
		errors.Is(err, redis.ErrPoolExhausted) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.As(err, &nerr)
}
