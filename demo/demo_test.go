package demo_test

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/demo"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/storetest"
)

var (
	shanghai = func() *time.Location { l, _ := time.LoadLocation("Asia/Shanghai"); return l }()
	cal      = progressbot.DefaultCalendar(shanghai)
	now      = time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai)
)

func plan(t testing.TB) *progressbot.Plan {
	t.Helper()
	p, _, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDeterministic(t *testing.T) {
	p := plan(t)
	a := demo.Generate(p, demo.Options{Seed: 7, Now: now, Calendar: cal})
	b := demo.Generate(p, demo.Options{Seed: 7, Now: now, Calendar: cal})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed made two histories")
	}
	c := demo.Generate(p, demo.Options{Seed: 8, Now: now, Calendar: cal})
	if reflect.DeepEqual(a, c) {
		t.Fatal("another seed made the same history")
	}
	// A unit's history does not depend on the others: a shorter range is a prefix.
	d := demo.Generate(p, demo.Options{Seed: 7, Now: now, Calendar: cal, To: progressbot.Period{Year: 2024, Month: 6}})
	if len(d) == 0 || len(d) >= len(a) || !reflect.DeepEqual(d, a[:len(d)]) {
		t.Errorf("history to 2024-06 (%d reports) is not the start of the whole (%d)", len(d), len(a))
	}
}

func TestCoversEveryKind(t *testing.T) {
	p := plan(t)
	reports := demo.Generate(p, demo.Options{Seed: 1, Now: now, Calendar: cal})
	first, open := progressbot.PeriodOf(p.Issued), cal.Current(now)
	if reports[0].Period != first || reports[len(reports)-1].Period != open {
		t.Errorf("from %s to %s, want %s to %s", reports[0].Period, reports[len(reports)-1].Period, first, open)
	}
	kinds := map[progressbot.ItemKind]int{}
	statuses := map[progressbot.TaskStatus]int{}
	stages := map[progressbot.ProjectStage]int{}
	var skipped, late, onTime, openReports, coordination int
	submittedIn := map[progressbot.Period]map[string]bool{}
	for _, r := range reports {
		deadline := cal.Deadline(r.Period)
		if !r.SubmittedAt.IsZero() {
			if r.SubmittedAt.After(now) {
				t.Fatalf("%s %s submitted in the future", r.Unit, r.Period)
			}
			if r.SubmittedAt.After(deadline) {
				late++
			} else {
				onTime++
			}
			if submittedIn[r.Period] == nil {
				submittedIn[r.Period] = map[string]bool{}
			}
			submittedIn[r.Period][r.Unit] = true
		} else {
			openReports++
		}
		due := map[progressbot.ItemRef]bool{}
		for _, ref := range p.Due(r.Unit, r.Period) {
			due[ref] = true
		}
		for _, a := range r.Answers {
			if !due[a.Item] {
				t.Fatalf("%s %s: answer on %s, which is not due", r.Unit, r.Period, a.Item)
			}
			if !r.SubmittedAt.IsZero() && a.At.After(r.SubmittedAt) || a.At.Before(r.OpenedAt) {
				t.Fatalf("%s %s: answer at %s outside %s–%s", r.Unit, r.Period, a.At, r.OpenedAt, r.SubmittedAt)
			}
			kinds[a.Item.Kind]++
			switch {
			case a.Skipped:
				skipped++
			case a.Item.Kind == progressbot.ItemIndicator:
				if a.Value == nil || *a.Value < 0 && p.Indicator(a.Item.Key).Kind != progressbot.KindGrowthRate {
					t.Fatalf("%s %s %s: value %v", r.Unit, r.Period, a.Item, a.Value)
				}
			case a.Item.Kind == progressbot.ItemProject:
				stages[a.Stage]++
			default:
				statuses[a.Status]++
				if a.Done == "" || a.Coordination == "" {
					t.Fatalf("%s %s %s: incomplete task answer %+v", r.Unit, r.Period, a.Item, a)
				}
				if progressbot.NeedsCoordination(a.Coordination) {
					coordination++
				}
			}
		}
	}
	for _, k := range []progressbot.ItemKind{progressbot.ItemIndicator, progressbot.ItemTask, progressbot.ItemWorkItem, progressbot.ItemProject} {
		if kinds[k] == 0 {
			t.Errorf("no %s answers", k)
		}
	}
	for _, s := range progressbot.TaskStatuses {
		if statuses[s] == 0 {
			t.Errorf("no task reported %s", s)
		}
	}
	if len(stages) < 4 {
		t.Errorf("projects reach only %v", stages)
	}
	if skipped == 0 || late == 0 || onTime == 0 || coordination == 0 {
		t.Errorf("skipped %d, late %d, on time %d, coordination %d", skipped, late, onTime, coordination)
	}
	// Missing reports: in closed periods some, in the open one many.
	closed := cal.LastClosed(now)
	missing := func(per progressbot.Period) int {
		n := 0
		for _, u := range p.Reporters() {
			if len(p.Due(u, per)) > 0 && !submittedIn[per][u] {
				n++
			}
		}
		return n
	}
	reporters := len(p.Reporters())
	if m := missing(closed); m == 0 || m > reporters/4 {
		t.Errorf("%s: %d of %d missing", closed, m, reporters)
	}
	if m := missing(open); m < reporters/4 {
		t.Errorf("open period %s: only %d of %d not in yet", open, m, reporters)
	}
	if openReports == 0 {
		t.Error("no report left open")
	}
}

// TestRollupsShowAMix: on the demo data the rollups a leader sees have every level.
func TestRollupsShowAMix(t *testing.T) {
	ctx := context.Background()
	db, p := storetest.PlanDB(t)
	t0 := time.Now()
	st, err := demo.Fill(ctx, db, p, demo.Options{Seed: 1, Now: now, Calendar: cal})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo data: %+v in %s", st, time.Since(t0))
	if _, err := demo.Fill(ctx, db, p, demo.Options{Seed: 1, Now: now, Calendar: cal}); err == nil {
		t.Error("demo data written twice")
	}
	r := progressbot.NewRoller(p)
	per := cal.LastClosed(now)
	for _, s := range []progressbot.Subject{progressbot.PlanSubject, {Kind: progressbot.SubjectChain, Key: "petrochem"}} {
		sel, err := r.Select(s, progressbot.PlanSubject)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := db.Snapshot(ctx, p.ID, r.Query(sel, per, false))
		if err != nil {
			t.Fatal(err)
		}
		ru := r.Roll(sel, per, snap, cal, now)
		h := ru.Head
		if h.Ahead == 0 || h.OnTrack == 0 || h.Lagging == 0 || h.Serious == 0 || h.NoData == 0 {
			t.Errorf("%s: levels %+v", s, h)
		}
		if ru.Reports.OnTime == 0 || ru.Reports.Late == 0 || ru.Reports.Missing == 0 {
			t.Errorf("%s: reports %+v", s, ru.Reports)
		}
		if len(ru.Coordination) == 0 || len(ru.Attention) == 0 {
			t.Errorf("%s: %d coordination requests, %d needing attention", s, len(ru.Coordination), len(ru.Attention))
		}
		if s.Kind == progressbot.SubjectPlan {
			board := r.Board(ru, progressbot.DefaultBoardRules)
			lists := map[progressbot.BoardList]int{}
			for _, b := range board {
				lists[b.List]++
			}
			if lists[progressbot.RedList] == 0 || lists[progressbot.YellowList] == 0 {
				t.Errorf("board %v", lists)
			}
		}
	}
	// Temperaments are a mix too.
	temps := map[demo.Temperament]int{}
	for _, u := range p.Reporters() {
		temps[demo.TemperamentOf(1, u)]++
	}
	if len(temps) != 4 {
		t.Errorf("temperaments %v", temps)
	}
}

func TestSynthetic(t *testing.T) {
	ctx := context.Background()
	start := progressbot.Period{Year: 2024, Month: 1}
	p := demo.Synthetic(20, 10, start, 1)
	if len(p.Reporters()) != 20 {
		t.Fatalf("%d reporters", len(p.Reporters()))
	}
	for _, u := range p.Reporters() {
		if n := len(p.Due(u, start)); n != 10 {
			t.Fatalf("%s owes %d", u, n)
		}
	}
	reports := demo.SyntheticPeriod(p, start, cal, 1)
	if len(reports) != 20 || len(reports[0].Answers) != 10 {
		t.Fatalf("%d reports, %d answers", len(reports), len(reports[0].Answers))
	}
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SavePlan(ctx, p, "synthetic"); err != nil {
		t.Fatal(err)
	}
	st, err := db.Import(ctx, p.ID, reports)
	if err != nil || st.Answers != 200 {
		t.Fatalf("%+v %v", st, err)
	}
	r := progressbot.NewRoller(p)
	sel, err := r.Select(progressbot.Subject{Kind: progressbot.SubjectChain, Key: "c01"}, progressbot.PlanSubject)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := db.Snapshot(ctx, p.ID, r.Query(sel, start, false))
	if err != nil {
		t.Fatal(err)
	}
	if ru := r.Roll(sel, start, snap, cal, cal.Deadline(start).Add(time.Hour)); ru.Head.Total != 20 || ru.Head.NoData != 0 {
		t.Errorf("chain c01: %+v", ru.Head)
	}
}

// TestNoFormatErrors: no text the demo writes carries a fmt error such as
// "%!(EXTRA int=6)" or "%!d(MISSING)" — every answer Fill stores, read back.
func TestNoFormatErrors(t *testing.T) {
	ctx := context.Background()
	db, p := storetest.PlanDB(t)
	st, err := demo.Fill(ctx, db, p, demo.Options{Seed: 1, Now: now, Calendar: cal})
	if err != nil {
		t.Fatal(err)
	}
	var n, texts int
	err = db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT raw, status, done, coordination, stage FROM answers`)
		if err != nil {
			return err
		}
		defer rows.Close()
		bad := 0
		for rows.Next() {
			var f [5]string
			if err := rows.Scan(&f[0], &f[1], &f[2], &f[3], &f[4]); err != nil {
				return err
			}
			n++
			for _, s := range f {
				if s != "" {
					texts++
				}
				if strings.Contains(s, "%!") {
					if bad++; bad <= 5 {
						t.Errorf("answer %d: %q", n, s)
					}
				}
			}
		}
		if bad > 5 {
			t.Errorf("… %d texts with a format error in all", bad)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != st.Answers || texts == 0 {
		t.Fatalf("read %d answers (%d texts), Fill wrote %d", n, texts, st.Answers)
	}
}
