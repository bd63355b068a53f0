package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/store"
)

// codePattern is what a Telegram deep link accepts as its start parameter.
var codePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// clock is a settable time for db.Now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func (c *clock) set(t time.Time)     { c.t = t }

func newClock(db *store.DB) *clock {
	c := &clock{time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	db.Now = c.now
	return c
}

func planDB(t *testing.T) (*store.DB, string) {
	t.Helper()
	db := openDB(t)
	p, sum := bundled(t)
	if _, err := db.SavePlan(context.Background(), p, sum); err != nil {
		t.Fatal(err)
	}
	return db, p.ID
}

func mustInvite(t *testing.T, db *store.DB, spec store.InviteSpec) string {
	t.Helper()
	code, err := db.CreateInvite(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestInviteRedeem(t *testing.T) {
	ctx := context.Background()
	db, plan := planDB(t)
	newClock(db)
	tests := []struct {
		name      string
		spec      store.InviteSpec
		wantUnit  string
		wantScope string
	}{
		{"liaison of a county", store.InviteSpec{Role: store.RoleLiaison, Unit: "hukou"}, "hukou", ""},
		{"leader of a chain", store.InviteSpec{Role: store.RoleLeader, Scope: "chain:petrochem"}, "", "chain:petrochem"},
		{"leader of a cluster", store.InviteSpec{Role: store.RoleLeader, Scope: "cluster:lithium-pv"}, "", "cluster:lithium-pv"},
		{"leader of a county", store.InviteSpec{Role: store.RoleLeader, Unit: "hukou"}, "hukou", "unit:hukou"},
		{"leader by unit scope", store.InviteSpec{Role: store.RoleLeader, Scope: "unit:pengze"}, "", "unit:pengze"},
		{"city leader", store.InviteSpec{Role: store.RoleLeader}, "", ""},
		{"admin", store.InviteSpec{Role: store.RoleAdmin, CreatedBy: 42}, "", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.PlanID = plan
			code := mustInvite(t, db, tt.spec)
			if !codePattern.MatchString(code) || len(code) != 22 {
				t.Errorf("code %q: want 22 characters of [A-Za-z0-9_-]", code)
			}
			id := int64(1000 + i)
			u, err := db.Redeem(ctx, code, id, id*10, "Person "+tt.name)
			if err != nil {
				t.Fatal(err)
			}
			want := store.User{TelegramID: id, ChatID: id * 10, Name: "Person " + tt.name, PlanID: plan,
				Role: tt.spec.Role, Unit: tt.wantUnit, Scope: tt.wantScope, Active: true, CreatedAt: db.Now()}
			if !u.CreatedAt.Equal(want.CreatedAt) {
				t.Errorf("created at %v, want %v", u.CreatedAt, want.CreatedAt)
			}
			u.CreatedAt = want.CreatedAt
			if u != want {
				t.Errorf("redeemed:\n got %+v\nwant %+v", u, want)
			}
			got, err := db.User(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			got.CreatedAt = want.CreatedAt
			if got != want {
				t.Errorf("read back:\n got %+v\nwant %+v", got, want)
			}
		})
	}
	// Two invites never share a code.
	seen := map[string]bool{}
	for range 50 {
		c := mustInvite(t, db, store.InviteSpec{PlanID: plan, Role: store.RoleAdmin})
		if seen[c] {
			t.Fatalf("code %q issued twice", c)
		}
		seen[c] = true
	}

	us, err := db.Users(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, u := range us {
		order = append(order, fmt.Sprintf("%s/%s", u.Role, u.Unit))
	}
	if got := fmt.Sprint(order); got != "[admin/ leader/ leader/ leader/ leader/ leader/hukou liaison/hukou]" {
		t.Errorf("users by role, unit, name: %s", got)
	}
	liaisons, err := db.UnitUsers(ctx, plan, "hukou")
	if err != nil || len(liaisons) != 1 || liaisons[0].TelegramID != 1000 {
		t.Errorf("liaisons of hukou: %+v %v", liaisons, err)
	}
	if _, err := db.User(ctx, 99); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
}

func TestCreateInviteRefused(t *testing.T) {
	db, plan := planDB(t)
	tests := []struct {
		name string
		spec store.InviteSpec
		want error
	}{
		{"liaison without unit", store.InviteSpec{PlanID: plan, Role: store.RoleLiaison}, store.ErrBadInvite},
		{"unknown unit", store.InviteSpec{PlanID: plan, Role: store.RoleLiaison, Unit: "atlantis"}, store.ErrBadInvite},
		{"unit given by name, not key", store.InviteSpec{PlanID: plan, Role: store.RoleLiaison, Unit: "湖口县"}, store.ErrBadInvite},
		{"leader of an unknown unit", store.InviteSpec{PlanID: plan, Role: store.RoleLeader, Unit: "atlantis"}, store.ErrBadInvite},
		{"unknown role", store.InviteSpec{PlanID: plan, Role: "king", Unit: "hukou"}, store.ErrBadInvite},
		{"no role", store.InviteSpec{PlanID: plan}, store.ErrBadInvite},
		{"unknown plan", store.InviteSpec{PlanID: "atlantis-2023", Role: store.RoleAdmin}, store.ErrNotFound},
		{"no plan", store.InviteSpec{Role: store.RoleAdmin}, store.ErrBadInvite},
		{"scope for a liaison", store.InviteSpec{PlanID: plan, Role: store.RoleLiaison, Unit: "hukou", Scope: "chain:petrochem"}, store.ErrBadInvite},
		{"unknown chain", store.InviteSpec{PlanID: plan, Role: store.RoleLeader, Scope: "chain:atlantis"}, store.ErrBadInvite},
		{"unknown cluster", store.InviteSpec{PlanID: plan, Role: store.RoleLeader, Scope: "cluster:petrochem"}, store.ErrBadInvite},
		{"unknown unit scope", store.InviteSpec{PlanID: plan, Role: store.RoleLeader, Scope: "unit:atlantis"}, store.ErrBadInvite},
		{"malformed scope", store.InviteSpec{PlanID: plan, Role: store.RoleLeader, Scope: "petrochem"}, store.ErrBadInvite},
		{"negative lifetime", store.InviteSpec{PlanID: plan, Role: store.RoleAdmin, TTL: -time.Hour}, store.ErrBadInvite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, err := db.CreateInvite(context.Background(), tt.spec)
			if !errors.Is(err, tt.want) || code != "" {
				t.Errorf("code %q, err %v, want %v", code, err, tt.want)
			}
		})
	}
	raw := rawDB(t, db)
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM invites`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d invites stored by refused specs (%v)", n, err)
	}
}

func rawDB(t *testing.T, db *store.DB) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func TestInviteHashedAtRest(t *testing.T) {
	ctx := context.Background()
	db, plan := planDB(t)
	var codes []string
	for _, spec := range []store.InviteSpec{
		{PlanID: plan, Role: store.RoleLiaison, Unit: "hukou"},
		{PlanID: plan, Role: store.RoleLeader, Scope: "chain:petrochem"},
		{PlanID: plan, Role: store.RoleAdmin},
	} {
		codes = append(codes, mustInvite(t, db, spec))
	}
	// A redeemed code and a wrong guess leave no plaintext either.
	if _, err := db.Redeem(ctx, codes[0], 7, 70, "Li"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Redeem(ctx, codes[1]+"x", 8, 80, "Guess"); !errors.Is(err, store.ErrInviteUnknown) {
		t.Fatal(err)
	}

	raw := rawDB(t, db)
	hashes := map[string]bool{}
	rows, err := raw.Query(`SELECT code_hash FROM invites`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var h string
		rows.Scan(&h)
		hashes[h] = true
	}
	rows.Close()
	for _, c := range codes {
		sum := sha256.Sum256([]byte(c))
		if !hashes[hex.EncodeToString(sum[:])] {
			t.Errorf("no SHA-256 of code %q stored", c)
		}
	}
	// Every column of every table, then the file's bytes (with the WAL, where fresh pages
	// live until a checkpoint).
	all := dump(t, db.Path())
	db.Close()
	files := []string{db.Path(), db.Path() + "-wal", db.Path() + "-shm"}
	var disk [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		disk = append(disk, b)
	}
	for _, c := range codes {
		if bytes.Contains([]byte(all), []byte(c)) {
			t.Errorf("code %q readable in a column", c)
		}
		for i, b := range disk {
			if bytes.Contains(b, []byte(c)) {
				t.Errorf("code %q in the bytes of %s", c, files[i])
			}
		}
	}
	if len(disk[0])+len(disk[1]) == 0 {
		t.Error("read no database bytes")
	}
}

func TestInviteSingleUse(t *testing.T) {
	ctx := context.Background()
	db, plan := planDB(t)
	tests := []struct {
		name         string
		second       int64
		wantFailures int
	}{
		{"again by the same person", 1, 1},
		{"by another person", 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := mustInvite(t, db, store.InviteSpec{PlanID: plan, Role: store.RoleLiaison, Unit: "hukou"})
			if _, err := db.Redeem(ctx, code, 1, 10, "First"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Redeem(ctx, code, tt.second, tt.second*10, "Second"); !errors.Is(err, store.ErrInviteUsed) {
				t.Errorf("second redeem: %v, want ErrInviteUsed", err)
			}
			if got := failures(t, db, tt.second); got != tt.wantFailures {
				t.Errorf("%d failures recorded, want %d", got, tt.wantFailures)
			}
			if tt.second != 1 {
				if _, err := db.User(ctx, tt.second); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("the second person got bound: %v", err)
				}
			}
		})
	}
}

func failures(t *testing.T, db *store.DB, telegramID int64) int {
	t.Helper()
	var n int
	if err := rawDB(t, db).QueryRow(`SELECT count(*) FROM invite_failures WHERE telegram_id = ?`, telegramID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInviteExpiry(t *testing.T) {
	ctx := context.Background()
	db, plan := planDB(t)
	c := newClock(db)
	start := c.t
	tests := []struct {
		name  string
		ttl   time.Duration
		after time.Duration
		want  error
	}{
		{"default, a day left", 0, 6 * 24 * time.Hour, nil},
		{"default, at the last moment", 0, 7 * 24 * time.Hour, nil},
		{"default, past seven days", 0, 7*24*time.Hour + time.Second, store.ErrInviteExpired},
		{"one hour, in time", time.Hour, 59 * time.Minute, nil},
		{"one hour, too late", time.Hour, 61 * time.Minute, store.ErrInviteExpired},
		{"thirty days, after ten", 30 * 24 * time.Hour, 10 * 24 * time.Hour, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.set(start)
			code := mustInvite(t, db, store.InviteSpec{PlanID: plan, Role: store.RoleLiaison, Unit: "hukou", TTL: tt.ttl})
			c.add(tt.after)
			id := int64(100 + i) // a fresh person each time, so no throttling
			_, err := db.Redeem(ctx, code, id, id, "P")
			if !errors.Is(err, tt.want) {
				t.Errorf("redeem after %s: %v, want %v", tt.after, err, tt.want)
			}
			_, err = db.User(ctx, id)
			if bound := err == nil; bound != (tt.want == nil) {
				t.Errorf("bound = %v after %v", bound, tt.want)
			}
		})
	}
}

func TestInviteUnknown(t *testing.T) {
	ctx := context.Background()
	db, plan := planDB(t)
	code := mustInvite(t, db, store.InviteSpec{PlanID: plan, Role: store.RoleAdmin})
	for i, bad := range []string{"", "nope", code[:21], code + "A", "' OR 1=1 --", "湖口县"} {
		id := int64(10 + i)
		if _, err := db.Redeem(ctx, bad, id, id, "G"); !errors.Is(err, store.ErrInviteUnknown) {
			t.Errorf("redeem %q: %v, want ErrInviteUnknown", bad, err)
		}
		if failures(t, db, id) != 1 {
			t.Errorf("wrong code %q not recorded as a failure", bad)
		}
	}
	// Spaces around a pasted code do not matter.
	if _, err := db.Redeem(ctx, " "+code+"\n", 1, 1, "A"); err != nil {
		t.Error(err)
	}
}

func TestInviteThrottle(t *testing.T) {
	ctx := context.Background()
	db, plan := planDB(t)
	c := newClock(db)
	const guesser = 77
	code := mustInvite(t, db, store.InviteSpec{PlanID: plan, Role: store.RoleLiaison, Unit: "hukou"})
	for i := range 3 {
		if w, err := db.InviteWait(ctx, guesser); err != nil || w != 0 {
			t.Fatalf("wait before guess %d: %v %v", i+1, w, err)
		}
		if _, err := db.Redeem(ctx, fmt.Sprintf("guess-%d", i), guesser, guesser, "G"); !errors.Is(err, store.ErrInviteUnknown) {
			t.Fatalf("guess %d: %v", i+1, err)
		}
		c.add(time.Second)
	}
	// Three wrong guesses: ten seconds after the last (one has passed).
	w, err := db.InviteWait(ctx, guesser)
	if err != nil || w != 9*time.Second {
		t.Fatalf("wait after 3 guesses: %v %v, want 9s", w, err)
	}
	// Refused without looking at the code, valid or not; nothing recorded.
	for _, try := range []string{code, "guess-4"} {
		_, err := db.Redeem(ctx, try, guesser, guesser, "G")
		if !errors.Is(err, store.ErrInviteThrottled) || progressbot.RetryAfter(err) != 9*time.Second {
			t.Errorf("redeem %q while throttled: %v", try, err)
		}
	}
	if n := failures(t, db, guesser); n != 3 {
		t.Errorf("%d failures after refused tries, want 3", n)
	}
	if _, err := db.User(ctx, guesser); !errors.Is(err, store.ErrNotFound) {
		t.Error("a throttled redeem bound the person")
	}
	// Someone else is not slowed down.
	if w, _ := db.InviteWait(ctx, guesser+1); w != 0 {
		t.Errorf("another person waits %v", w)
	}
	c.add(9*time.Second + time.Millisecond)
	if w, _ := db.InviteWait(ctx, guesser); w != 0 {
		t.Errorf("wait after waiting: %v", w)
	}
	if _, err := db.Redeem(ctx, code, guesser, guesser, "G"); err != nil {
		t.Fatalf("valid code after the wait: %v", err)
	}
	if n := failures(t, db, guesser); n != 0 {
		t.Errorf("%d failures left after a success", n)
	}
}

// TestThrottleSchedule checks the waits: none for three failures an hour, then doubling
// from ten seconds, at most an hour, counting only the last hour's failures.
func TestThrottleSchedule(t *testing.T) {
	ctx := context.Background()
	db, _ := planDB(t)
	c := newClock(db)
	now := c.t
	raw := rawDB(t, db)
	tests := []struct {
		name string
		ago  []time.Duration // failures, this long before now
		want time.Duration
	}{
		{"none", nil, 0},
		{"two", []time.Duration{0, 0}, 0},
		{"three, just now", []time.Duration{0, 0, 0}, 10 * time.Second},
		{"three, latest 4s ago", []time.Duration{30 * time.Second, 20 * time.Second, 4 * time.Second}, 6 * time.Second},
		{"four", []time.Duration{0, 0, 0, 0}, 20 * time.Second},
		{"five", []time.Duration{0, 0, 0, 0, 0}, 40 * time.Second},
		{"eight", repeat(8, 0), 320 * time.Second},
		{"eleven", repeat(11, 0), 2560 * time.Second},
		{"twelve: capped at an hour", repeat(12, 0), time.Hour},
		{"a hundred", repeat(100, 0), time.Hour},
		{"three, long over", []time.Duration{3 * time.Minute, 2 * time.Minute, time.Minute}, 0},
		{"old ones do not count", []time.Duration{2 * time.Hour, 61 * time.Minute, 0, 0}, 0},
		{"four, one old", []time.Duration{61 * time.Minute, 0, 0, 0}, 10 * time.Second},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := int64(500 + i)
			for _, ago := range tt.ago {
				if _, err := raw.Exec(`INSERT INTO invite_failures (telegram_id, at) VALUES (?, ?)`,
					id, now.Add(-ago).UTC().Format(time.RFC3339Nano)); err != nil {
					t.Fatal(err)
				}
			}
			got, err := db.InviteWait(ctx, id)
			if err != nil || got != tt.want {
				t.Errorf("wait = %v (%v), want %v", got, err, tt.want)
			}
		})
	}
}

func repeat(n int, d time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestReinvite(t *testing.T) {
	ctx := context.Background()
	db, plan := planDB(t)
	c := newClock(db)
	first := c.t
	code := mustInvite(t, db, store.InviteSpec{PlanID: plan, Role: store.RoleLiaison, Unit: "hukou"})
	if _, err := db.Redeem(ctx, code, 5, 50, "Wang"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetLang(ctx, 5, "en"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetActive(ctx, 5, false); err != nil {
		t.Fatal(err)
	}
	c.add(24 * time.Hour)
	code = mustInvite(t, db, store.InviteSpec{PlanID: plan, Role: store.RoleLeader, Scope: "chain:petrochem"})
	u, err := db.Redeem(ctx, code, 5, 51, "Wang Wei")
	if err != nil {
		t.Fatal(err)
	}
	want := store.User{TelegramID: 5, ChatID: 51, Name: "Wang Wei", PlanID: plan, Role: store.RoleLeader,
		Scope: "chain:petrochem", Lang: "en", Active: true}
	if !u.CreatedAt.Equal(first) {
		t.Errorf("created at %v, want the first binding %v", u.CreatedAt, first)
	}
	u.CreatedAt = time.Time{}
	if u != want {
		t.Errorf("re-invited:\n got %+v\nwant %+v", u, want)
	}
	if us, _ := db.UnitUsers(ctx, plan, "hukou"); len(us) != 0 {
		t.Errorf("hukou still has liaisons: %+v", us)
	}
}

func TestSetLangActive(t *testing.T) {
	ctx := context.Background()
	db, plan := planDB(t)
	for i, name := range []string{"Zhao", "Qian"} {
		code := mustInvite(t, db, store.InviteSpec{PlanID: plan, Role: store.RoleLiaison, Unit: "hukou"})
		if _, err := db.Redeem(ctx, code, int64(i+1), int64(i+1), name); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name     string
		do       func() error
		wantLang string
		want     []string // active liaisons of hukou
	}{
		{"bound", func() error { return nil }, "", []string{"Qian", "Zhao"}},
		{"english", func() error { return db.SetLang(ctx, 1, "en") }, "en", []string{"Qian", "Zhao"}},
		{"chinese", func() error { return db.SetLang(ctx, 1, "zh-CN") }, "zh-CN", []string{"Qian", "Zhao"}},
		{"blocked the bot", func() error { return db.SetActive(ctx, 1, false) }, "zh-CN", []string{"Qian"}},
		{"back", func() error { return db.SetActive(ctx, 1, true) }, "zh-CN", []string{"Qian", "Zhao"}},
		{"follow telegram", func() error { return db.SetLang(ctx, 1, "") }, "", []string{"Qian", "Zhao"}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		u, err := db.User(ctx, 1)
		if err != nil || u.Lang != st.wantLang {
			t.Errorf("%s: lang %q (%v), want %q", st.name, u.Lang, err, st.wantLang)
		}
		us, err := db.UnitUsers(ctx, plan, "hukou")
		var names []string
		for _, u := range us {
			names = append(names, u.Name)
		}
		if err != nil || fmt.Sprint(names) != fmt.Sprint(st.want) {
			t.Errorf("%s: liaisons %v (%v), want %v", st.name, names, err, st.want)
		}
	}
	if all, _ := db.Users(ctx, plan); len(all) != 2 {
		t.Errorf("users: %d, want 2", len(all))
	}
	if err := db.SetLang(ctx, 99, "en"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("set lang of a stranger: %v", err)
	}
	if err := db.SetActive(ctx, 99, false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("set active of a stranger: %v", err)
	}
}

func TestRedeemConcurrent(t *testing.T) {
	ctx := context.Background()
	db, plan := planDB(t)
	code := mustInvite(t, db, store.InviteSpec{PlanID: plan, Role: store.RoleLiaison, Unit: "hukou"})
	var (
		wg   sync.WaitGroup
		errs = make([]error, 8)
	)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = db.Redeem(ctx, code, int64(i+1), int64(i+1), fmt.Sprint("P", i))
		})
	}
	wg.Wait()
	ok, used := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrInviteUsed):
			used++
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if ok != 1 || used != 7 {
		t.Errorf("%d redeemed, %d refused as used; want 1 and 7", ok, used)
	}
	if us, _ := db.UnitUsers(ctx, plan, "hukou"); len(us) != 1 {
		t.Errorf("hukou has %d liaisons, want 1", len(us))
	}
}
