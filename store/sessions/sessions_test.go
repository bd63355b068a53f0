package sessions

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"
)

func TestMain(m *testing.M) {
	// The fault tests make go-redis log every failed dial; keep output readable.
	logging.Disable()
	os.Exit(m.Run())
}

// ---------------------------------------------------------------------------
// Fixtures: one per backend, so that the same contract runs against each.

// fixture is a store plus the means to make time pass for its sessions and
// to read a session's remaining TTL.
type fixture struct {
	store   Store
	advance func(d time.Duration)
	ttl     func(chatID int64) time.Duration // < 0: no such key or no TTL
}

type backend struct {
	name string
	open func(tb testing.TB, opts Options) *fixture
}

func backends() []backend {
	redisName := "redis/miniredis"
	if os.Getenv("REDIS_URL") != "" {
		redisName = "redis/REDIS_URL"
	}
	return []backend{
		{"memory", newMemoryFixture},
		{redisName, newRedisFixture},
		{"cached " + redisName, newCachedFixture},
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newMemoryFixture(tb testing.TB, opts Options) *fixture {
	clock := newFakeClock()
	opts.Now = clock.Now
	m := NewMemory(opts)
	tb.Cleanup(func() { _ = m.Close() })
	return &fixture{
		store:   m,
		advance: clock.Advance,
		ttl: func(chatID int64) time.Duration {
			m.mu.Lock()
			defer m.mu.Unlock()
			e, ok := m.entries[chatID]
			if !ok {
				return -1
			}
			return e.expires.Sub(clock.Now())
		},
	}
}

// newRedisFixture uses the server at REDIS_URL when it is set, with a key
// prefix unique to the test whose keys are deleted afterwards (never
// FLUSHDB: the server may be shared), and an in-process miniredis otherwise.
func newRedisFixture(tb testing.TB, opts Options) *fixture {
	ctx := context.Background()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		mr := miniredis.RunT(tb)
		url = "redis://" + mr.Addr() + "/0"
		f := openRedisFixture(tb, url, opts)
		f.advance = mr.FastForward
		return f
	}
	opts.KeyPrefix = uniquePrefix(tb)
	f := openRedisFixture(tb, url, opts)
	admin := f.store.(*Redis).client
	// Time cannot be fast-forwarded on a real server; shorten the TTL of
	// this test's keys by d instead, which is what d passing would do.
	f.advance = func(d time.Duration) {
		for _, key := range scanKeys(tb, admin, opts.KeyPrefix) {
			pttl, err := admin.PTTL(ctx, key).Result()
			if err != nil {
				tb.Fatalf("PTTL %s: %v", key, err)
			}
			if pttl < 0 {
				continue
			}
			if left := pttl - d; left <= 0 {
				admin.Del(ctx, key)
			} else {
				admin.PExpire(ctx, key, left)
			}
		}
	}
	tb.Cleanup(func() {
		c := redis.NewClient(mustParseURL(tb, url))
		defer c.Close()
		if keys := scanKeys(tb, c, opts.KeyPrefix); len(keys) > 0 {
			c.Del(ctx, keys...)
		}
	})
	return f
}

func openRedisFixture(tb testing.TB, url string, opts Options) *fixture {
	ctx := context.Background()
	st, err := Open(ctx, url, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	r := st.(*Redis)
	return &fixture{
		store: st,
		ttl: func(chatID int64) time.Duration {
			d, err := r.client.PTTL(ctx, r.key(chatID)).Result()
			if err != nil {
				tb.Fatalf("PTTL: %v", err)
			}
			return d
		},
	}
}

func mustParseURL(tb testing.TB, url string) *redis.Options {
	o, err := redis.ParseURL(url)
	if err != nil {
		tb.Fatalf("ParseURL: %v", err)
	}
	return o
}

var unsafeKeyChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func uniquePrefix(tb testing.TB) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "progressbot:test:" + unsafeKeyChars.ReplaceAllString(tb.Name(), "_") + ":" + hex.EncodeToString(b[:]) + ":"
}

func scanKeys(tb testing.TB, c redis.UniversalClient, prefix string) []string {
	var keys []string
	iter := c.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
	for iter.Next(context.Background()) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		tb.Fatalf("SCAN %s*: %v", prefix, err)
	}
	return keys
}

// ---------------------------------------------------------------------------
// The contract, run against every backend.

func TestContract(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, f *fixture)
		opts Options
	}{
		{"GetMissing", testGetMissing, Options{}},
		{"PutNew", testPutNew, Options{}},
		{"PutStale", testPutStale, Options{}},
		{"RaceFromSameVersion", testRaceFromSameVersion, Options{}},
		{"NoLostUpdates", testNoLostUpdates, Options{}},
		{"Delete", testDelete, Options{}},
		{"TTLExpiry", testTTLExpiry, Options{TTL: time.Hour}},
		{"DefaultTTL", testDefaultTTL, Options{}},
		{"BytesExact", testBytesExact, Options{}},
		{"ChatsIndependent", testChatsIndependent, Options{}},
		{"CallerSlicesNotRetained", testCallerSlicesNotRetained, Options{}},
		{"Closed", testClosed, Options{}},
	}
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					tc.run(t, be.open(t, tc.opts))
				})
			}
		})
	}
}

var ctx = context.Background()

func mustGet(t *testing.T, st Store, chatID int64) Session {
	t.Helper()
	s, err := st.Get(ctx, chatID)
	if err != nil {
		t.Fatalf("Get(%d): %v", chatID, err)
	}
	return s
}

func mustPut(t *testing.T, st Store, s Session) Session {
	t.Helper()
	got, err := st.Put(ctx, s)
	if err != nil {
		t.Fatalf("Put(%d, v%d): %v", s.ChatID, s.Version, err)
	}
	return got
}

func wantSession(t *testing.T, got Session, chatID, version int64, data []byte) {
	t.Helper()
	if got.ChatID != chatID || got.Version != version || !bytes.Equal(got.Data, data) {
		t.Fatalf("session = {%d v%d %q}, want {%d v%d %q}", got.ChatID, got.Version, got.Data, chatID, version, data)
	}
}

func testGetMissing(t *testing.T, f *fixture) {
	for _, id := range []int64{1, 0, -1001234567890, 1<<62 + 5} {
		s := mustGet(t, f.store, id)
		wantSession(t, s, id, 0, nil)
		if s.Data != nil {
			t.Errorf("missing session has Data %q, want nil", s.Data)
		}
	}
}

func testPutNew(t *testing.T, f *fixture) {
	const id = 42
	got := mustPut(t, f.store, Session{ChatID: id, Version: 0, Data: []byte("step=1")})
	wantSession(t, got, id, 1, []byte("step=1"))
	wantSession(t, mustGet(t, f.store, id), id, 1, []byte("step=1"))

	got = mustPut(t, f.store, Session{ChatID: id, Version: got.Version, Data: []byte("step=2")})
	wantSession(t, got, id, 2, []byte("step=2"))
	wantSession(t, mustGet(t, f.store, id), id, 2, []byte("step=2"))

	// Put returns a session ready for the next Put.
	s := mustGet(t, f.store, id)
	s.Data = []byte("step=3")
	s = mustPut(t, f.store, s)
	wantSession(t, s, id, 3, []byte("step=3"))
}

func testPutStale(t *testing.T, f *fixture) {
	const id = 7
	mustPut(t, f.store, Session{ChatID: id, Data: []byte("a")})             // v1
	mustPut(t, f.store, Session{ChatID: id, Version: 1, Data: []byte("b")}) // v2

	for _, v := range []int64{0, 1, 3, 99, -1} {
		_, err := f.store.Put(ctx, Session{ChatID: id, Version: v, Data: []byte("stale")})
		if !errors.Is(err, ErrConflict) {
			t.Errorf("Put with version %d over v2: err = %v, want ErrConflict", v, err)
		}
		if errors.Is(err, ErrUnavailable) {
			t.Errorf("conflict also matches ErrUnavailable: %v", err)
		}
	}
	wantSession(t, mustGet(t, f.store, id), id, 2, []byte("b"))

	// A version for a chat that has no session conflicts too.
	if _, err := f.store.Put(ctx, Session{ChatID: 8, Version: 1}); !errors.Is(err, ErrConflict) {
		t.Errorf("Put v1 on missing chat: err = %v, want ErrConflict", err)
	}
	wantSession(t, mustGet(t, f.store, 8), 8, 0, nil)
}

// Many writers start from the same version: exactly one wins each round.
func testRaceFromSameVersion(t *testing.T, f *fixture) {
	const (
		id      = -100500 // a group chat
		writers = 64
		rounds  = 8
	)
	version := int64(0)
	for round := range rounds {
		var (
			start   = make(chan struct{})
			wg      sync.WaitGroup
			wins    atomic.Int32
			winner  atomic.Int32
			badErrs = make(chan error, writers)
		)
		for w := range writers {
			wg.Go(func() {
				<-start
				data := []byte(fmt.Sprintf("round %d writer %d", round, w))
				got, err := f.store.Put(ctx, Session{ChatID: id, Version: version, Data: data})
				switch {
				case err == nil:
					wins.Add(1)
					winner.Store(int32(w))
					if got.Version != version+1 {
						badErrs <- fmt.Errorf("winner got version %d, want %d", got.Version, version+1)
					}
				case !errors.Is(err, ErrConflict):
					badErrs <- err
				}
			})
		}
		close(start)
		wg.Wait()
		close(badErrs)
		for err := range badErrs {
			t.Errorf("round %d: %v", round, err)
		}
		if n := wins.Load(); n != 1 {
			t.Fatalf("round %d: %d writers won, want exactly 1", round, n)
		}
		version++
		want := []byte(fmt.Sprintf("round %d writer %d", round, winner.Load()))
		wantSession(t, mustGet(t, f.store, id), id, version, want)
	}
}

// Read-modify-write with retry on conflict never loses an increment.
func testNoLostUpdates(t *testing.T, f *fixture) {
	const (
		id      = 99
		workers = 16
		each    = 20
	)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for done := 0; done < each; {
				s, err := f.store.Get(ctx, id)
				if err != nil {
					errs <- err
					return
				}
				n := 0
				if len(s.Data) > 0 {
					n, _ = strconv.Atoi(string(s.Data))
				}
				s.Data = []byte(strconv.Itoa(n + 1))
				if _, err := f.store.Put(ctx, s); errors.Is(err, ErrConflict) {
					continue
				} else if err != nil {
					errs <- err
					return
				}
				done++
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	const total = workers * each
	wantSession(t, mustGet(t, f.store, id), id, total, []byte(strconv.Itoa(total)))
}

func testDelete(t *testing.T, f *fixture) {
	const id = 5
	if err := f.store.Delete(ctx, id); err != nil {
		t.Fatalf("Delete of a missing session: %v", err)
	}
	s := mustPut(t, f.store, Session{ChatID: id, Data: []byte("x")})
	s = mustPut(t, f.store, Session{ChatID: id, Version: s.Version, Data: []byte("y")})
	mustPut(t, f.store, Session{ChatID: 6, Data: []byte("other")})

	if err := f.store.Delete(ctx, id); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantSession(t, mustGet(t, f.store, id), id, 0, nil)
	wantSession(t, mustGet(t, f.store, 6), 6, 1, []byte("other"))
	if d := f.ttl(id); d >= 0 {
		t.Errorf("deleted session still has TTL %v", d)
	}

	// The old version is stale; a fresh start from 0 works.
	if _, err := f.store.Put(ctx, s); !errors.Is(err, ErrConflict) {
		t.Errorf("Put with pre-delete version: err = %v, want ErrConflict", err)
	}
	wantSession(t, mustPut(t, f.store, Session{ChatID: id, Data: []byte("z")}), id, 1, []byte("z"))
}

func testTTLExpiry(t *testing.T, f *fixture) {
	const (
		id  = 11
		ttl = time.Hour
	)
	checkTTL := func(when string) {
		t.Helper()
		if d := f.ttl(id); d <= ttl-time.Minute || d > ttl {
			t.Fatalf("%s: TTL = %v, want about %v", when, d, ttl)
		}
	}
	s := mustPut(t, f.store, Session{ChatID: id, Data: []byte("a")})
	checkTTL("after first Put")

	f.advance(ttl - 10*time.Minute)
	wantSession(t, mustGet(t, f.store, id), id, 1, []byte("a"))
	if d := f.ttl(id); d > 11*time.Minute {
		t.Fatalf("Get extended the TTL to %v", d)
	}

	// Put refreshes the TTL.
	s = mustPut(t, f.store, Session{ChatID: id, Version: s.Version, Data: []byte("b")})
	checkTTL("after second Put")
	f.advance(ttl - 10*time.Minute)
	wantSession(t, mustGet(t, f.store, id), id, 2, []byte("b"))

	// Past the TTL it is gone and counts as missing: version 0 again.
	f.advance(11 * time.Minute)
	wantSession(t, mustGet(t, f.store, id), id, 0, nil)
	if _, err := f.store.Put(ctx, s); !errors.Is(err, ErrConflict) {
		t.Errorf("Put with expired version: err = %v, want ErrConflict", err)
	}
	wantSession(t, mustPut(t, f.store, Session{ChatID: id, Data: []byte("c")}), id, 1, []byte("c"))
	checkTTL("after Put on an expired session")
}

func testDefaultTTL(t *testing.T, f *fixture) {
	mustPut(t, f.store, Session{ChatID: 1})
	if d := f.ttl(1); d <= DefaultTTL-time.Minute || d > DefaultTTL {
		t.Fatalf("TTL = %v, want about %v", d, DefaultTTL)
	}
	f.advance(DefaultTTL - time.Hour)
	wantSession(t, mustGet(t, f.store, 1), 1, 1, nil)
	f.advance(2 * time.Hour)
	wantSession(t, mustGet(t, f.store, 1), 1, 0, nil)
}

func testBytesExact(t *testing.T, f *fixture) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	big := make([]byte, 256<<10)
	_, _ = rand.Read(big)
	cases := []struct {
		name string
		data []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"nul", []byte{0}},
		{"invalid UTF-8", []byte{0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1}},
		{"all bytes", all},
		{"chinese", []byte("石化化工进展；湖口县 1.2万")},
		{"json", []byte(`{"step":3,"item":"task:6","back":["a","b"]}`)},
		{"crlf and spaces", []byte("\r\n \t\r\n")},
		{"lua-ish", []byte("'; return 1 --\"")},
		{"redis protocol", []byte("*1\r\n$4\r\nPING\r\n")},
		{"256 KiB random", big},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := int64(1000 + i)
			got := mustPut(t, f.store, Session{ChatID: id, Data: tc.data})
			if got.Version != 1 {
				t.Fatalf("version %d, want 1", got.Version)
			}
			s := mustGet(t, f.store, id)
			if !bytes.Equal(s.Data, tc.data) || s.Version != 1 {
				t.Fatalf("Get = v%d %d bytes, want v1 %d bytes (equal %v)", s.Version, len(s.Data), len(tc.data), bytes.Equal(s.Data, tc.data))
			}
			if s.Data == nil {
				t.Fatalf("stored session has nil Data, want non-nil")
			}
		})
	}
}

func testChatsIndependent(t *testing.T, f *fixture) {
	ids := []int64{1, 2, -1, -1001234567890, 0, 1<<63 - 1, -1 << 63}
	for i, id := range ids {
		for v := range i + 1 {
			mustPut(t, f.store, Session{ChatID: id, Version: int64(v), Data: []byte(fmt.Sprint(id, v))})
		}
	}
	for i, id := range ids {
		wantSession(t, mustGet(t, f.store, id), id, int64(i+1), []byte(fmt.Sprint(id, i)))
	}
}

func testCallerSlicesNotRetained(t *testing.T, f *fixture) {
	data := []byte("original")
	mustPut(t, f.store, Session{ChatID: 3, Data: data})
	copy(data, "XXXXXXXX")
	s := mustGet(t, f.store, 3)
	copy(s.Data, "YYYYYYYY")
	wantSession(t, mustGet(t, f.store, 3), 3, 1, []byte("original"))
}

func testClosed(t *testing.T, f *fixture) {
	mustPut(t, f.store, Session{ChatID: 1})
	if err := f.store.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := f.store.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := f.store.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := f.store.Get(ctx, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close: %v, want ErrClosed", err)
	}
	if _, err := f.store.Put(ctx, Session{ChatID: 1, Version: 1}); !errors.Is(err, ErrClosed) {
		t.Errorf("Put after Close: %v, want ErrClosed", err)
	}
	if err := f.store.Delete(ctx, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Delete after Close: %v, want ErrClosed", err)
	}
	if err := f.store.Ping(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Ping after Close: %v, want ErrClosed", err)
	}
}

// ---------------------------------------------------------------------------
// Redis specifics.

// The hash layout {v, d} and the TTL, as other tools (redis-cli) see them.
func TestRedisStorageFormat(t *testing.T) {
	f := newRedisFixture(t, Options{TTL: 90 * time.Second})
	r := f.store.(*Redis)
	mustPut(t, r, Session{ChatID: -42, Data: []byte{0, 0xff, 'x'}})
	key := r.key(-42)
	if !strings.HasSuffix(key, ":-42") {
		t.Fatalf("key = %q", key)
	}
	h, err := r.client.HGetAll(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h["v"] != "1" || h["d"] != "\x00\xffx" {
		t.Fatalf("HGETALL %s = %q", key, h)
	}
	if d := f.ttl(-42); d <= 80*time.Second || d > 90*time.Second {
		t.Fatalf("PTTL = %v, want about 90s", d)
	}
}

func TestRedisDefaultKeyPrefix(t *testing.T) {
	r := NewRedis(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), Options{})
	defer r.client.Close()
	if got := r.key(-1001234567890); got != "progressbot:session:-1001234567890" {
		t.Fatalf("key = %q", got)
	}
}

// A real server expires keys by its own clock (only with REDIS_URL; miniredis
// needs FastForward, covered by the contract).
func TestRedisRealExpiry(t *testing.T) {
	if os.Getenv("REDIS_URL") == "" {
		t.Skip("REDIS_URL not set")
	}
	f := newRedisFixture(t, Options{TTL: 300 * time.Millisecond})
	mustPut(t, f.store, Session{ChatID: 1, Data: []byte("x")})
	if d := f.ttl(1); d <= 0 || d > 300*time.Millisecond {
		t.Fatalf("PTTL = %v, want (0, 300ms]", d)
	}
	time.Sleep(500 * time.Millisecond)
	wantSession(t, mustGet(t, f.store, 1), 1, 0, nil)
}

// Redis stopped mid-flow: every operation fails fast with ErrUnavailable and
// nothing panics; when it is back on the same address the same store works
// again, data intact.
func TestRedisStoppedAndRestarted(t *testing.T) {
	mr := miniredis.RunT(t)
	const timeout = 500 * time.Millisecond
	st, err := Open(ctx, "redis://"+mr.Addr()+"/0", Options{Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := mustPut(t, st, Session{ChatID: 1, Data: []byte("before")})

	mr.Close()
	ops := map[string]func() error{
		"Get":    func() error { _, err := st.Get(ctx, 1); return err },
		"Put":    func() error { _, err := st.Put(ctx, s); return err },
		"Delete": func() error { return st.Delete(ctx, 1) },
		"Ping":   func() error { return st.Ping(ctx) },
	}
	for round := range 3 { // the first call meets pooled connections, later ones fresh dials
		for name, op := range ops {
			start := time.Now()
			err := op()
			elapsed := time.Since(start)
			if round == 0 {
				t.Logf("%s with Redis down, %v: %v", name, elapsed.Round(time.Millisecond), err)
			}
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("%s with Redis down: err = %v, want ErrUnavailable", name, err)
			}
			if errors.Is(err, ErrConflict) || errors.Is(err, ErrClosed) {
				t.Fatalf("%s: unavailable error also matches conflict/closed: %v", name, err)
			}
			if elapsed > 10*timeout { // a bound on hanging, generous for a loaded machine
				t.Fatalf("%s took %v with Redis down, want < %v", name, elapsed, 10*timeout)
			}
			if !strings.HasPrefix(err.Error(), "session "+strings.ToLower(name)) {
				t.Errorf("%s error %q lacks the operation prefix", name, err)
			}
		}
	}

	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := st.Get(ctx, 1)
		if err == nil {
			wantSession(t, got, 1, 1, []byte("before"))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("store did not recover after restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantSession(t, mustPut(t, st, s), 1, 2, []byte("before"))
	if err := st.Ping(ctx); err != nil {
		t.Fatalf("Ping after restart: %v", err)
	}
}

// Redis flushed mid-flow (or the session expired): the session reads as new;
// nothing fails.
func TestRedisFlushedMidFlow(t *testing.T) {
	mr := miniredis.RunT(t)
	st, err := Open(ctx, "redis://"+mr.Addr(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := mustPut(t, st, Session{ChatID: 1, Data: []byte("x")})
	mr.FlushAll()
	wantSession(t, mustGet(t, st, 1), 1, 0, nil)
	if _, err := st.Put(ctx, s); !errors.Is(err, ErrConflict) {
		t.Fatalf("Put with pre-flush version: %v, want ErrConflict", err)
	}
	wantSession(t, mustPut(t, st, Session{ChatID: 1, Data: []byte("y")}), 1, 1, []byte("y"))
}

// The script cache is lost on a server restart (SCRIPT FLUSH here): Put falls
// back from EVALSHA to EVAL.
func TestRedisScriptCacheFlushed(t *testing.T) {
	mr := miniredis.RunT(t)
	st, err := Open(ctx, "redis://"+mr.Addr(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := mustPut(t, st, Session{ChatID: 1})
	if err := st.(*Redis).client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	wantSession(t, mustPut(t, st, s), 1, 2, nil)
}

// A server that accepts connections and never answers must not hold a
// handler longer than the timeout.
func TestRedisHungServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns sync.WaitGroup
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Go(func() { _, _ = io.Copy(io.Discard, c); c.Close() })
		}
	}()
	const timeout = 300 * time.Millisecond

	start := time.Now()
	_, err = Open(ctx, "redis://"+ln.Addr().String(), Options{Timeout: timeout})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Open on a hung server: %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 4*timeout {
		t.Fatalf("Open took %v", d)
	}

	// NewRedis on a caller's client: the per-operation deadline bounds it.
	client := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ContextTimeoutEnabled: true, MaxRetries: -1})
	defer client.Close()
	st := NewRedis(client, Options{Timeout: timeout})
	start = time.Now()
	_, err = st.Get(ctx, 1)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get on a hung server: %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 4*timeout {
		t.Fatalf("Get took %v", d)
	}
	// A caller's shorter deadline wins.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := st.Put(short, Session{ChatID: 1}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Put on a hung server: %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > timeout {
		t.Fatalf("Put with a 50ms deadline took %v", d)
	}
}

func TestOpenUnreachable(t *testing.T) {
	start := time.Now()
	st, err := Open(ctx, "redis://127.0.0.1:1/0", Options{Timeout: 500 * time.Millisecond})
	if err == nil {
		st.Close()
		t.Fatal("Open on a closed port succeeded")
	}
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Open took %v", d)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error %q does not name the address", err)
	}
}

func TestOpenBadURL(t *testing.T) {
	for _, u := range []string{
		"redis://user:s3cret@[::1",
		"redis://:s3cret@host:notaport/0",
		"http://:s3cret@127.0.0.1:6379",
		"redis://:s3cret@127.0.0.1:6379/notadb",
		"",
	} {
		st, err := Open(ctx, u, Options{})
		if err == nil {
			st.Close()
			t.Errorf("Open(%q) succeeded", u)
			continue
		}
		if errors.Is(err, ErrUnavailable) {
			t.Errorf("Open(%q): a bad URL is not ErrUnavailable: %v", u, err)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q): error leaks the password: %v", u, err)
		}
	}
}

// A caller's client is the caller's: Close leaves it open.
func TestNewRedisDoesNotCloseCallerClient(t *testing.T) {
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer client.Close()
	st := NewRedis(client, Options{})
	mustPut(t, st, Session{ChatID: 1})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := client.Ping(ctx).Err(); err != nil {
		t.Fatalf("client closed by store: %v", err)
	}
}

// Server replies: "not now" ones are ErrUnavailable, others are not, and
// neither panics.
func TestRedisServerErrors(t *testing.T) {
	mr := miniredis.RunT(t)
	st, err := Open(ctx, "redis://"+mr.Addr(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct {
		reply       string
		unavailable bool
	}{
		{"LOADING Redis is loading the dataset in memory", true},
		{"MASTERDOWN Link with MASTER is down", true},
		{"BUSY Redis is busy running a script", true},
		{"READONLY You can't write against a read only replica.", true},
		{"ERR unknown command", false},
		{"NOPERM this user has no permissions", false},
	} {
		mr.SetError(tc.reply)
		_, gerr := st.Get(ctx, 1)
		_, perr := st.Put(ctx, Session{ChatID: 1})
		mr.SetError("")
		for _, err := range []error{gerr, perr} {
			if err == nil {
				t.Fatalf("%q: no error", tc.reply)
			}
			if errors.Is(err, ErrUnavailable) != tc.unavailable {
				t.Errorf("%q: errors.Is(ErrUnavailable) = %v, want %v (%v)", tc.reply, !tc.unavailable, tc.unavailable, err)
			}
			if errors.Is(err, ErrConflict) {
				t.Errorf("%q: matches ErrConflict", tc.reply)
			}
		}
	}
	wantSession(t, mustPut(t, st, Session{ChatID: 1}), 1, 1, nil)

	// A foreign value under the key: an error, not a panic, not "missing".
	r := st.(*Redis)
	for name, set := range map[string]func(key string){
		"string":       func(key string) { _ = mr.Set(key, "x") },
		"hash no v":    func(key string) { mr.HSet(key, "d", "x") },
		"hash bad v":   func(key string) { mr.HSet(key, "v", "abc", "d", "x") },
		"hash zero v":  func(key string) { mr.HSet(key, "v", "0", "d", "x") },
		"hash no data": func(key string) { mr.HSet(key, "v", "3") },
	} {
		mr.Del(r.key(2))
		set(r.key(2))
		if s, err := st.Get(ctx, 2); err == nil || errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: Get = %+v, %v; want a non-availability error", name, s, err)
		}
	}
	mr.Del(r.key(2))
	_ = mr.Set(r.key(2), "x")
	if _, err := st.Put(ctx, Session{ChatID: 2}); err == nil || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrConflict) {
		t.Errorf("Put over a string key: %v", err)
	}
}

func TestUnavailableClassification(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{redis.Nil, false},
		{fmt.Errorf("x: %w", redis.Nil), false},
		{context.Canceled, false},
		{errors.New("something else"), false},
		{context.DeadlineExceeded, true},
		{io.EOF, true},
		{io.ErrUnexpectedEOF, true},
		{redis.ErrPoolTimeout, true},
		{redis.ErrPoolExhausted, true},
		{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{fmt.Errorf("wrapped: %w", syscall.EPIPE), true},
		{&net.DNSError{Err: "no such host", Name: "redis", IsNotFound: true}, true},
	} {
		if got := unavailable(tc.err); got != tc.want {
			t.Errorf("unavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// ---------------------------------------------------------------------------
// Memory specifics.

func TestMemorySweepsExpired(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(Options{TTL: time.Hour, Now: clock.Now})
	for id := range int64(100) {
		mustPut(t, m, Session{ChatID: id})
	}
	clock.Advance(30 * time.Minute)
	mustPut(t, m, Session{ChatID: 1000}) // sweeps nothing yet: none expired
	if n := m.Len(); n != 101 {
		t.Fatalf("Len = %d, want 101", n)
	}
	clock.Advance(31 * time.Minute)
	mustPut(t, m, Session{ChatID: 1001}) // the first 100 are expired and swept
	if n := m.Len(); n != 2 {
		t.Fatalf("Len after sweep = %d, want 2", n)
	}
}

func TestMemoryHonoursContext(t *testing.T) {
	m := NewMemory(Options{})
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := m.Get(cctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Get: %v", err)
	}
	if _, err := m.Put(cctx, Session{ChatID: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put: %v", err)
	}
	if err := m.Delete(cctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete: %v", err)
	}
}

// ---------------------------------------------------------------------------
// Benchmarks: one Get+Put cycle, as one step of a flow does.

var benchData = bytes.Repeat([]byte(`{"flow":"report","step":7,"item":"ind:12"}`), 6) // ~250 bytes

func benchGetPut(b *testing.B, st Store) {
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, err := st.Get(ctx, 42)
		if err != nil {
			b.Fatal(err)
		}
		s.Data = benchData
		if _, err := st.Put(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
}

func benchGetPutParallel(b *testing.B, st Store) {
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := next.Add(1)
		for pb.Next() {
			s, err := st.Get(ctx, id)
			if err != nil {
				b.Error(err)
				return
			}
			s.Data = benchData
			if _, err := st.Put(ctx, s); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkRedisGetPut(b *testing.B) {
	benchGetPut(b, newRedisFixture(b, Options{}).store)
}

func BenchmarkRedisGetPutParallel(b *testing.B) {
	benchGetPutParallel(b, newRedisFixture(b, Options{}).store)
}

func BenchmarkMemoryGetPut(b *testing.B) {
	benchGetPut(b, NewMemory(Options{}))
}

func BenchmarkMemoryGetPutParallel(b *testing.B) {
	benchGetPutParallel(b, NewMemory(Options{}))
}
