package store

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/seeds"
)

// newPlanDB is a fresh database with the bundled plan.
func newPlanDB(t *testing.T) (*DB, *progressbot.Plan) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "memo.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, sum, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SavePlan(ctx, p, sum); err != nil {
		t.Fatal(err)
	}
	return db, p
}

// TestMemoOrder plays the interleavings of one reader (get, read the database, fill) and
// one writer (commit, wrote) that matter: the value kept is never older than the write.
func TestMemoOrder(t *testing.T) {
	inc := func(v *int) bool { *v++; return true }
	tests := []struct {
		name string
		run  func(c *memo[string, int])
		want int
		has  bool
	}{
		{"read then fill", func(c *memo[string, int]) {
			_, tk, _ := c.get("k")
			c.fill("k", tk, 1)
		}, 1, true},
		{"a write between get and fill keeps the read out", func(c *memo[string, int]) {
			_, tk, _ := c.get("k")
			c.wrote("k", nil)
			c.fill("k", tk, 1)
		}, 0, false},
		{"a write to another key does not", func(c *memo[string, int]) {
			_, tk, _ := c.get("k")
			c.wrote("other", nil)
			c.fill("k", tk, 1)
		}, 1, true},
		{"a stale fill before the writer records is updated by it", func(c *memo[string, int]) {
			_, tk, _ := c.get("k")
			c.fill("k", tk, 1) // read before the commit
			c.wrote("k", inc)  // the committed write, recorded after
		}, 2, true},
		{"nil update forgets", func(c *memo[string, int]) {
			_, tk, _ := c.get("k")
			c.fill("k", tk, 1)
			c.wrote("k", nil)
		}, 0, false},
		{"an update that gives up forgets", func(c *memo[string, int]) {
			_, tk, _ := c.get("k")
			c.fill("k", tk, 1)
			c.wrote("k", func(*int) bool { return false })
		}, 0, false},
		{"a fill after a later get is kept", func(c *memo[string, int]) {
			c.wrote("k", nil)
			_, tk, _ := c.get("k")
			c.fill("k", tk, 3)
		}, 3, true},
		{"forgetAll keeps a read begun before it out", func(c *memo[string, int]) {
			_, tk, _ := c.get("k")
			c.forgetAll()
			c.fill("k", tk, 1)
		}, 0, false},
		{"eviction keeps a read begun before a forgotten write out", func(c *memo[string, int]) {
			_, tk, _ := c.get("k")
			c.wrote("k", nil)
			for i := range 4 { // more keys than the memo holds: "k" is forgotten
				c.wrote(fmt.Sprint(i), nil)
			}
			c.fill("k", tk, 1)
		}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newMemo[string, int](time.Hour, 3)
			tt.run(c)
			got, _, has := c.get("k")
			if got != tt.want || has != tt.has {
				t.Errorf("got %d, %v; want %d, %v", got, has, tt.want, tt.has)
			}
		})
	}
}

func TestMemoOffAndExpired(t *testing.T) {
	off := newMemo[string, int](0, 10)
	_, tk, _ := off.get("k")
	off.fill("k", tk, 1)
	if _, _, ok := off.get("k"); ok {
		t.Error("a memo with ttl 0 kept a value")
	}
	short := newMemo[string, int](time.Nanosecond, 10)
	_, tk, _ = short.get("k")
	short.fill("k", tk, 1)
	time.Sleep(time.Millisecond)
	if _, _, ok := short.get("k"); ok {
		t.Error("an expired value was returned")
	}
}

// TestReportMemoMatchesDatabase: many liaisons of one unit saving, submitting, reopening
// and reading at once; afterwards the report kept in memory is the one in the database,
// and so is every report read along the way as far as its own writes go.
func TestReportMemoMatchesDatabase(t *testing.T) {
	db, p := newPlanDB(t)
	ctx := context.Background()
	period := progressbot.Period{Year: 2026, Month: 11}
	unit := "hukou"
	due := p.Due(unit, period)
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				ref := due[(w*7+i)%len(due)]
				v := float64(w*1000 + i)
				saved, err := db.SaveAnswer(ctx, p.ID, progressbot.Answer{Unit: unit, Period: period, Item: ref, Value: &v, Raw: fmt.Sprint(v), Status: "on_track", Coordination: "无", Stage: "started", UserID: int64(w + 1)})
				if err != nil {
					t.Error(err)
					return
				}
				r, err := db.Report(ctx, p.ID, unit, period)
				if err != nil {
					t.Error(err)
					return
				}
				if got := r.Answers[ref]; got.ID < saved.ID {
					t.Errorf("read after own write: %s has answer %d, saved %d", ref, got.ID, saved.ID)
				}
				switch i % 13 {
				case 5:
					_, err = db.Submit(ctx, p.ID, unit, period, Who{UserID: int64(w + 1)})
				case 9:
					err = db.Reopen(ctx, p.ID, unit, period, Who{UserID: int64(w + 1)})
				}
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	kept, err := db.Report(ctx, p.ID, unit, period)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := db.readReport(ctx, p.ID, unit, period)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(kept, fresh) {
		t.Errorf("kept report differs from the database:\nkept  %+v\nfresh %+v", kept, fresh)
	}
	// Each write is seen by the next read.
	v := 1.0
	for _, step := range []struct {
		name string
		do   func() error
		want progressbot.ReportState
	}{
		{"submit", func() error { _, err := db.Submit(ctx, p.ID, unit, period, Who{UserID: 1}); return err }, progressbot.ReportSubmitted},
		{"reopen", func() error { return db.Reopen(ctx, p.ID, unit, period, Who{UserID: 1}) }, progressbot.ReportOpen},
		{"save", func() error {
			_, err := db.SaveAnswer(ctx, p.ID, progressbot.Answer{Unit: unit, Period: period, Item: due[0], Value: &v, Raw: "1"})
			return err
		}, progressbot.ReportOpen},
		{"submit again", func() error { _, err := db.Submit(ctx, p.ID, unit, period, Who{UserID: 1}); return err }, progressbot.ReportSubmitted},
	} {
		if err := step.do(); err != nil {
			t.Fatal(err)
		}
		r, err := db.Report(ctx, p.ID, unit, period)
		if err != nil {
			t.Fatal(err)
		}
		fresh, _ := db.readReport(ctx, p.ID, unit, period)
		if r.State != step.want || !reflect.DeepEqual(r, fresh) {
			t.Errorf("after %s: state %s, want %s; same as the database: %v", step.name, r.State, step.want, reflect.DeepEqual(r, fresh))
		}
	}
	// What Report returned is shared, so it is never written: the save above made a new
	// map, and the report read before it still holds what the database held then.
	if !reflect.DeepEqual(kept, fresh) {
		t.Errorf("a save changed a report returned before it:\nkept %+v\nthen %+v", kept, fresh)
	}
}

// TestMemoSeesOtherHandles: a write through another handle (another process)
// is seen by a handle with memos off at once, and by one with memos on once the entry has
// expired; a person's language set through the handle itself is seen at once.
func TestMemoSeesOtherHandles(t *testing.T) {
	a, p := newPlanDB(t)
	ctx := context.Background()
	b, err := Open(ctx, a.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.SetMemoTTL(0)
	code, err := a.CreateInvite(ctx, InviteSpec{PlanID: p.ID, Role: RoleLiaison, Unit: "hukou"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.User(ctx, 77); err == nil {
		t.Fatal("a person before redeeming")
	}
	if _, err := a.Redeem(ctx, code, 77, 77, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.User(ctx, 77); err != nil {
		t.Fatalf("a does not see its own redeem: %v", err)
	}
	if err := b.SetLang(ctx, 77, "en"); err != nil {
		t.Fatal(err)
	}
	if u, _ := b.User(ctx, 77); u.Lang != "en" {
		t.Errorf("b (memo off) reads lang %q", u.Lang)
	}
	if u, _ := a.User(ctx, 77); u.Lang != "" {
		t.Errorf("a saw b's write before its memo expired (%q): the test proves nothing", u.Lang)
	}
	a.SetMemoTTL(time.Nanosecond) // as if MemoTTL had passed
	if u, _ := a.User(ctx, 77); u.Lang != "en" {
		t.Errorf("a reads lang %q after expiry", u.Lang)
	}
	if err := a.SetLang(ctx, 77, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	a.SetMemoTTL(time.Hour)
	a.User(ctx, 77)
	if err := a.SetLang(ctx, 77, "en"); err != nil {
		t.Fatal(err)
	}
	if u, _ := a.User(ctx, 77); u.Lang != "en" {
		t.Errorf("a reads lang %q after its own write", u.Lang)
	}
}

// TestPreviousMemo: "last reported" follows every save of an earlier period at once.
func TestPreviousMemo(t *testing.T) {
	db, p := newPlanDB(t)
	ctx := context.Background()
	nov, oct, sep := progressbot.Period{Year: 2026, Month: 11}, progressbot.Period{Year: 2026, Month: 10}, progressbot.Period{Year: 2026, Month: 9}
	ref := p.Due("hukou", nov)[0]
	save := func(per progressbot.Period, v float64, skipped bool) {
		t.Helper()
		a := progressbot.Answer{Unit: "hukou", Period: per, Item: ref, Skipped: skipped, Status: "on_track", Coordination: "无", Stage: "started"}
		if !skipped {
			a.Value = &v
		}
		if _, err := db.SaveAnswer(ctx, p.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name   string
		do     func()
		want   float64 // 0: none
		period progressbot.Period
	}{
		{"nothing yet", func() {}, 0, progressbot.Period{}},
		{"September answered", func() { save(sep, 5, false) }, 5, sep},
		{"October answered", func() { save(oct, 7, false) }, 7, oct},
		{"October corrected", func() { save(oct, 8, false) }, 8, oct},
		{"October skipped: September's counts", func() { save(oct, 0, true) }, 5, sep},
		{"November's own answer is not previous", func() { save(nov, 99, false) }, 5, sep},
	}
	for _, st := range steps {
		st.do()
		for range 2 { // the second read comes from the memo
			a, ok, err := db.Previous(ctx, p.ID, "hukou", nov, ref)
			if err != nil {
				t.Fatal(err)
			}
			var got float64
			if ok && a.Value != nil {
				got = *a.Value
			}
			if got != st.want || (ok && a.Period != st.period) || ok != (st.want != 0) {
				t.Errorf("%s: previous %v (%v, %s), want %v (%s)", st.name, got, ok, a.Period, st.want, st.period)
			}
		}
	}
}

// TestPreviousMemoLaterPeriods: a save keeps what was kept for the periods up to its own
// and forgets what was kept for later ones, so each reads what it should at once.
func TestPreviousMemoLaterPeriods(t *testing.T) {
	db, p := newPlanDB(t)
	ctx := context.Background()
	oct, nov, dec := progressbot.Period{Year: 2026, Month: 10}, progressbot.Period{Year: 2026, Month: 11}, progressbot.Period{Year: 2026, Month: 12}
	ref := p.Due("hukou", nov)[0]
	save := func(per progressbot.Period, v float64) {
		t.Helper()
		if _, err := db.SaveAnswer(ctx, p.ID, progressbot.Answer{Unit: "hukou", Period: per, Item: ref, Value: &v, Raw: "x", Status: "on_track", Coordination: "无", Stage: "started"}); err != nil {
			t.Fatal(err)
		}
	}
	prev := func(before progressbot.Period) float64 {
		t.Helper()
		a, ok, err := db.Previous(ctx, p.ID, "hukou", before, ref)
		if err != nil {
			t.Fatal(err)
		}
		if !ok || a.Value == nil {
			return 0
		}
		return *a.Value
	}
	save(oct, 7)
	for _, c := range []struct {
		name     string
		do       func()
		nov, dec float64
	}{
		{"October answered", func() {}, 7, 7},
		{"November answered", func() { save(nov, 9) }, 7, 9},
		{"November corrected", func() { save(nov, 11) }, 7, 11},
		{"December answered", func() { save(dec, 13) }, 7, 11},
	} {
		c.do()
		for range 2 { // the second read comes from the memo
			if got := prev(nov); got != c.nov {
				t.Errorf("%s: before November %v, want %v", c.name, got, c.nov)
			}
			if got := prev(dec); got != c.dec {
				t.Errorf("%s: before December %v, want %v", c.name, got, c.dec)
			}
		}
	}
}

// TestReportMemoNeverChangesWhatItGave: a report handed out stays as it was when a later
// save changes the kept one. Report copies the answers without the memo's lock, so a save
// that wrote into that map would race it (and crash the process with "concurrent map
// read and map write").
func TestReportMemoNeverChangesWhatItGave(t *testing.T) {
	db, p := newPlanDB(t)
	ctx := context.Background()
	period := progressbot.Period{Year: 2026, Month: 11}
	due := p.Due("hukou", period)
	save := func(ref progressbot.ItemRef, v float64) {
		t.Helper()
		if _, err := db.SaveAnswer(ctx, p.ID, progressbot.Answer{Unit: "hukou", Period: period, Item: ref, Value: &v, Raw: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	save(due[0], 1)
	if _, err := db.Report(ctx, p.ID, "hukou", period); err != nil {
		t.Fatal(err)
	}
	key := reportKey{p.ID, "hukou", period}
	given, _, ok := db.reports.get(key)
	if !ok {
		t.Fatal("the report was not kept")
	}
	first := given.Answers[due[0]].ID
	save(due[1], 2) // a new item
	save(due[0], 3) // a newer answer to a kept item
	if len(given.Answers) != 1 || given.Answers[due[0]].ID != first {
		t.Errorf("a save changed a report already handed out: %d answers, first %d → %d", len(given.Answers), first, given.Answers[due[0]].ID)
	}
	if now, _, _ := db.reports.get(key); len(now.Answers) != 2 || now.Answers[due[0]].ID == first {
		t.Errorf("the kept report missed the saves: %+v", now.Answers)
	}
}

// TestMemoFollowsSubmitAndReopen: after each submit and reopen the report kept in memory
// is the one the database holds (state, time, who, revision), without reading it again.
func TestMemoFollowsSubmitAndReopen(t *testing.T) {
	db, p := newPlanDB(t)
	ctx := context.Background()
	fresh, err := Open(ctx, db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	fresh.SetMemoTTL(0)
	nov := progressbot.Period{Year: 2026, Month: 11}
	ref := p.Due("hukou", nov)[0]
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { clock = clock.Add(time.Minute); return clock }
	steps := []struct {
		name string
		do   func() error
	}{
		{"submit with nothing", func() error { _, err := db.Submit(ctx, p.ID, "hukou", nov, Who{UserID: 1}); return err }},
		{"reopen", func() error { return db.Reopen(ctx, p.ID, "hukou", nov, Who{UserID: 2}) }},
		{"reopen again", func() error { return db.Reopen(ctx, p.ID, "hukou", nov, Who{UserID: 2}) }},
		{"save", func() error {
			_, err := db.SaveAnswer(ctx, p.ID, progressbot.Answer{Unit: "hukou", Period: nov, Item: ref, Skipped: true})
			return err
		}},
		{"submit", func() error { _, err := db.Submit(ctx, p.ID, "hukou", nov, Who{UserID: 3}); return err }},
		{"submit twice", func() error { _, err := db.Submit(ctx, p.ID, "hukou", nov, Who{UserID: 4}); return err }},
		{"reopen after", func() error { return db.Reopen(ctx, p.ID, "hukou", nov, Who{UserID: 5}) }},
		{"submit after", func() error { _, err := db.Submit(ctx, p.ID, "hukou", nov, Who{UserID: 6}); return err }},
	}
	for _, st := range steps {
		if _, err := db.Report(ctx, p.ID, "hukou", nov); err != nil { // kept before the write
			t.Fatal(err)
		}
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		kept, err := db.Report(ctx, p.ID, "hukou", nov)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fresh.Report(ctx, p.ID, "hukou", nov)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(kept, want) {
			t.Errorf("after %s the memo holds\n%+v\nthe database\n%+v", st.name, kept, want)
		}
	}
}

// TestMemoEvidenceCounts: the review's 📎 counts follow each attach at once, and an
// attach of a file already there changes nothing.
func TestMemoEvidenceCounts(t *testing.T) {
	db, p := newPlanDB(t)
	ctx := context.Background()
	nov := progressbot.Period{Year: 2026, Month: 11}
	due := p.Due("hukou", nov)
	attach := func(item progressbot.ItemRef, sum string) {
		t.Helper()
		if _, _, _, err := db.AttachEvidence(ctx, p.ID, Evidence{Unit: "hukou", Period: nov, Item: item, SHA256: sum, Name: "a.jpg", MIME: "image/jpeg", Size: 1}); err != nil {
			t.Fatal(err)
		}
	}
	sum := func(i int) string { return fmt.Sprintf("%064x", i) }
	steps := []struct {
		name string
		do   func()
		want map[progressbot.ItemRef]int
	}{
		{"none yet", func() {}, map[progressbot.ItemRef]int{}},
		{"one file", func() { attach(due[0], sum(1)) }, map[progressbot.ItemRef]int{due[0]: 1}},
		{"the same file again", func() { attach(due[0], sum(1)) }, map[progressbot.ItemRef]int{due[0]: 1}},
		{"a second file", func() { attach(due[0], sum(2)) }, map[progressbot.ItemRef]int{due[0]: 2}},
		{"another item", func() { attach(due[1], sum(1)) }, map[progressbot.ItemRef]int{due[0]: 2, due[1]: 1}},
	}
	for _, st := range steps {
		before, err := db.EvidenceCounts(ctx, p.ID, "hukou", nov) // kept before the write
		if err != nil {
			t.Fatal(err)
		}
		kept := maps.Clone(before)
		st.do()
		got, err := db.EvidenceCounts(ctx, p.ID, "hukou", nov)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, st.want) {
			t.Errorf("%s: counts %v, want %v", st.name, got, st.want)
		}
		if !reflect.DeepEqual(before, kept) {
			t.Errorf("%s: the counts handed out before the attach changed to %v", st.name, before)
		}
	}
}
