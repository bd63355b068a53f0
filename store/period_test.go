package store_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/demo"
	"github.com/progressbot/progressbot/store"
)

var (
	shanghai = func() *time.Location { l, _ := time.LoadLocation("Asia/Shanghai"); return l }()
	cal      = progressbot.DefaultCalendar(shanghai)
	// demoNow is "today" for the demo history: November 2026 is being reported.
	demoNow = time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai)
)

func planDBWith(t testing.TB) (*store.DB, *progressbot.Plan) {
	t.Helper()
	db := openDB(t)
	p, sum := bundled(t)
	if _, err := db.SavePlan(context.Background(), p, sum); err != nil {
		t.Fatal(err)
	}
	return db, p
}

// demoDB is a database with the bundled plan and three years of demo data.
func demoDB(t testing.TB) (*store.DB, *progressbot.Plan) {
	t.Helper()
	db, p := planDBWith(t)
	if _, err := demo.Fill(context.Background(), db, p, demo.Options{Seed: 1, Now: demoNow, Calendar: cal}); err != nil {
		t.Fatal(err)
	}
	return db, p
}

func ref(s string) progressbot.ItemRef {
	r, err := progressbot.ParseItemRef(s)
	if err != nil {
		panic(err)
	}
	return r
}

// TestLatestValuesFollowAnswers: the rollup table follows every answer saved, the latest
// counting, through the triggers of migration 0004.
func TestLatestValuesFollowAnswers(t *testing.T) {
	ctx := context.Background()
	db, p := planDBWith(t)
	nov := progressbot.Period{Year: 2026, Month: 11}
	ind, task := ref("ind:above-scale-enterprises"), ref("task:6")
	save := func(a progressbot.Answer) {
		t.Helper()
		a.Unit, a.Period = "hukou", nov
		if _, err := db.SaveAnswer(ctx, p.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	snapshot := func() map[progressbot.ItemRef]progressbot.Cell {
		t.Helper()
		out := map[progressbot.ItemRef]progressbot.Cell{}
		for _, units := range [][]string{{"hukou"}, nil} { // by unit and by item
			s, err := db.Snapshot(ctx, p.ID, progressbot.SnapshotQuery{Period: nov, Units: units,
				Items: []progressbot.JudgedItem{{Item: ind, Period: nov}, {Item: task, Period: nov}}, Texts: true})
			if err != nil {
				t.Fatal(err)
			}
			got := map[progressbot.ItemRef]progressbot.Cell{}
			for _, c := range s.Cells {
				got[c.Item] = c
			}
			if units == nil {
				if fmt.Sprint(got) != fmt.Sprint(out) {
					t.Errorf("by item %v, by unit %v", got, out)
				}
			}
			out = got
		}
		return out
	}
	v := func(x float64) *float64 { return &x }
	save(progressbot.Answer{Item: ind, Value: v(190), Raw: "190"})
	if c := snapshot()[ind]; !c.HasValue || c.Value != 190 {
		t.Errorf("first value %+v", c)
	}
	save(progressbot.Answer{Item: ind, Value: v(195), Raw: "195"})
	if c := snapshot()[ind]; c.Value != 195 {
		t.Errorf("corrected value %+v", c)
	}
	save(progressbot.Answer{Item: ind, Skipped: true})
	if c := snapshot()[ind]; !c.Skipped || c.HasValue {
		t.Errorf("skipped %+v", c)
	}
	save(progressbot.Answer{Item: task, Status: progressbot.StatusLagging, Done: "调度3次", Coordination: "需协调用地"})
	if c := snapshot()[task]; c.Status != progressbot.StatusLagging || c.Coordination != "需协调用地" || c.Done != "调度3次" {
		t.Errorf("task %+v", c)
	}
	save(progressbot.Answer{Item: task, Status: progressbot.StatusOnTrack, Done: "推进中", Coordination: "无"})
	if c := snapshot()[task]; c.Status != progressbot.StatusOnTrack || c.Coordination != "" {
		t.Errorf("task corrected %+v", c)
	}
}

// TestCoordinationFlag: every answer that needs coordination reaches the rollup, whatever
// the store's prefilter thinks of it.
func TestCoordinationFlag(t *testing.T) {
	ctx := context.Background()
	db, p := planDBWith(t)
	texts := []string{"", "无", "无。", " None ", "none.", "NONE", "N/A", "暂无", "没有", "无需协调", "—", "-", "/", "　无　",
		"需协调用地指标", "无法开工", "no land", "None of the land is approved", "资金"}
	task := ref("task:13") // 24 units owe it
	units := p.Reporters()
	var owers []string
	for _, u := range units {
		if slices.Contains(p.Owes(u), task) {
			owers = append(owers, u)
		}
	}
	if len(owers) < len(texts) {
		t.Fatalf("%d units owe task 13, need %d", len(owers), len(texts))
	}
	nov := progressbot.Period{Year: 2026, Month: 11}
	for i, text := range texts {
		if _, err := db.SaveAnswer(ctx, p.ID, progressbot.Answer{Unit: owers[i], Period: nov, Item: task, Status: progressbot.StatusOnTrack, Done: "x", Coordination: text}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := db.Snapshot(ctx, p.ID, progressbot.SnapshotQuery{Period: nov, Items: []progressbot.JudgedItem{{Item: task, Period: nov}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range s.Cells {
		got[c.Unit] = c.Coordination
	}
	for i, text := range texts {
		want := ""
		if progressbot.NeedsCoordination(text) {
			want = text
		}
		if got[owers[i]] != want {
			t.Errorf("%q: rollup sees %q, want %q", text, got[owers[i]], want)
		}
	}
}

// TestFlagsRoundTrip: every status and stage survives the packing of latest_values.flags
// (the trigger's CASE and scanCell agree).
func TestFlagsRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, p := planDBWith(t)
	task, proj := ref("task:13"), ref("proj:jjsh-refining-px")
	var taskUnits []string
	for _, u := range p.Reporters() {
		if slices.Contains(p.Owes(u), task) {
			taskUnits = append(taskUnits, u)
		}
	}
	var items []progressbot.JudgedItem
	for i, st := range progressbot.TaskStatuses {
		per := progressbot.Period{Year: 2026, Month: time.Month(1 + i)}
		items = append(items, progressbot.JudgedItem{Item: task, Period: per})
		if _, err := db.SaveAnswer(ctx, p.ID, progressbot.Answer{Unit: taskUnits[i], Period: per, Item: task, Status: st, Coordination: "无"}); err != nil {
			t.Fatal(err)
		}
	}
	for i, sg := range progressbot.ProjectStages {
		per := progressbot.Period{Year: 2025, Month: time.Month(1 + i)}
		items = append(items, progressbot.JudgedItem{Item: proj, Period: per})
		if _, err := db.SaveAnswer(ctx, p.ID, progressbot.Answer{Unit: "jjetdz", Period: per, Item: proj, Stage: sg, Skipped: i == 6}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := db.Snapshot(ctx, p.ID, progressbot.SnapshotQuery{Items: items})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]progressbot.Cell{}
	for _, c := range s.Cells {
		got[c.Period.String()] = c
	}
	for i, st := range progressbot.TaskStatuses {
		if c := got[progressbot.Period{Year: 2026, Month: time.Month(1 + i)}.String()]; c.Status != st || c.Skipped {
			t.Errorf("status %s read back as %+v", st, c)
		}
	}
	for i, sg := range progressbot.ProjectStages {
		if c := got[progressbot.Period{Year: 2025, Month: time.Month(1 + i)}.String()]; c.Stage != sg || c.Skipped != (i == 6) {
			t.Errorf("stage %s read back as %+v", sg, c)
		}
	}
}

// TestMigrationNoCoordinationList holds the list in migration 0004 to
// progressbot.NoCoordinationSQL.
func TestMigrationNoCoordinationList(t *testing.T) {
	b, err := os.ReadFile("migrations/0004_rollups.sql")
	if err != nil {
		t.Fatal(err)
	}
	lists := regexp.MustCompile(`NOT IN \(([^)]*)\)`).FindAllStringSubmatch(string(b), -1)
	if len(lists) != 3 {
		t.Fatalf("%d lists in the migration, want 3", len(lists))
	}
	var want []string
	for _, s := range progressbot.NoCoordinationSQL {
		want = append(want, "'"+s+"'")
	}
	for _, l := range lists {
		if got := strings.Split(l[1], ", "); !slices.Equal(got, want) {
			t.Errorf("migration list %v, want %v", got, want)
		}
	}
}

// TestSnapshotMatchesReports: on three years of demo data, what the rollup table holds is
// exactly the latest answers the reports hold, for every unit and period.
func TestSnapshotMatchesReports(t *testing.T) {
	ctx := context.Background()
	db, p := demoDB(t)
	for _, per := range []progressbot.Period{{Year: 2023, Month: 12}, {Year: 2025, Month: 6}, {Year: 2026, Month: 10}, {Year: 2026, Month: 11}} {
		var items []progressbot.JudgedItem
		for _, it := range p.Indicators {
			items = append(items, progressbot.JudgedItem{Item: progressbot.ItemRef{Kind: progressbot.ItemIndicator, Key: it.ID}, Period: per})
		}
		for _, it := range p.Tasks {
			items = append(items, progressbot.JudgedItem{Item: progressbot.ItemRef{Kind: progressbot.ItemTask, Key: it.Key()}, Period: per})
		}
		for _, it := range p.WorkItems {
			items = append(items, progressbot.JudgedItem{Item: progressbot.ItemRef{Kind: progressbot.ItemWorkItem, Key: it.ID}, Period: per})
		}
		for _, it := range p.Projects {
			items = append(items, progressbot.JudgedItem{Item: progressbot.ItemRef{Kind: progressbot.ItemProject, Key: it.ID}, Period: per})
		}
		s, err := db.Snapshot(ctx, p.ID, progressbot.SnapshotQuery{Period: per, Items: items, Texts: true, Reports: p.Reporters()})
		if err != nil {
			t.Fatal(err)
		}
		cells := map[string]map[progressbot.ItemRef]progressbot.Cell{}
		for _, c := range s.Cells {
			if cells[c.Unit] == nil {
				cells[c.Unit] = map[progressbot.ItemRef]progressbot.Cell{}
			}
			cells[c.Unit][c.Item] = c
		}
		for i, u := range p.Reporters() {
			rep, err := db.Report(ctx, p.ID, u, per)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Answers) != len(cells[u]) {
				t.Errorf("%s %s: %d answers, %d cells", u, per, len(rep.Answers), len(cells[u]))
			}
			for item, a := range rep.Answers {
				c := cells[u][item]
				if c.Skipped != a.Skipped || c.HasValue != (a.Value != nil) || a.Value != nil && c.Value != *a.Value ||
					c.Status != a.Status || c.Stage != a.Stage || c.Done != a.Done {
					t.Errorf("%s %s %s: cell %+v, answer %+v", u, per, item, c, a)
				}
			}
			if rs := s.Reports[i]; rs.Unit != u || rs.State != rep.State || !rs.SubmittedAt.Equal(rep.SubmittedAt) || rs.Opened != (rep.ID != 0) {
				t.Errorf("%s %s: report status %+v, report %+v", u, per, rs, rep)
			}
		}
	}
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	db, p := planDBWith(t)
	oct := progressbot.Period{Year: 2026, Month: 10}
	at := time.Date(2026, 10, 28, 9, 0, 0, 0, shanghai)
	v := 12.0
	rep := store.ImportReport{Unit: "hukou", Period: oct, OpenedAt: at, SubmittedAt: at.Add(time.Hour), SubmittedBy: 7,
		Answers: []progressbot.Answer{{Item: ref("ind:above-scale-enterprises"), Value: &v, At: at.Add(time.Minute), UserID: 7}}}
	st, err := db.Import(ctx, p.ID, []store.ImportReport{rep})
	if err != nil || st != (store.ImportStats{Reports: 1, Answers: 1, Submitted: 1}) {
		t.Fatalf("import: %+v %v", st, err)
	}
	r, err := db.Report(ctx, p.ID, "hukou", oct)
	if err != nil || r.State != progressbot.ReportSubmitted || !r.SubmittedAt.Equal(at.Add(time.Hour)) || len(r.Answers) != 1 {
		t.Errorf("report %+v %v", r, err)
	}
	if ev, _ := db.Events(ctx, p.ID, "hukou", oct); len(ev) != 1 {
		t.Errorf("%d events", len(ev))
	}
	if _, err := db.Import(ctx, p.ID, []store.ImportReport{rep}); !errors.Is(err, store.ErrReportExists) {
		t.Errorf("second import: %v", err)
	}
	if n, _ := db.Reported(ctx, p.ID); n != 1 {
		t.Errorf("reported %d", n)
	}
	// Through the normal path afterwards: the import is history like any other.
	if _, err := db.SaveAnswer(ctx, p.ID, progressbot.Answer{Unit: "hukou", Period: oct, Item: ref("task:1"), Status: progressbot.StatusDone, Coordination: "无"}); err != nil {
		t.Fatal(err)
	}
	subs, err := db.Submissions(ctx, p.ID, oct, []string{"hukou", "pengze"})
	if err != nil || len(subs) != 2 || subs[0].Answers != 2 || !subs[0].Opened || subs[1].Opened || subs[1].State != progressbot.ReportOpen {
		t.Errorf("submissions %+v %v", subs, err)
	}
}

// ---- benchmarks ----

// benchRollup measures whole rollups (select, snapshot, roll) and reports the median and
// the 99th percentile of the iterations' times.
func benchRollup(b *testing.B, db *store.DB, r *progressbot.Roller, s progressbot.Subject, per progressbot.Period, now time.Time) {
	ctx := context.Background()
	p := r.Plan()
	var times []time.Duration
	var cells int
	for b.Loop() {
		t0 := time.Now()
		sel, err := r.Select(s, progressbot.PlanSubject)
		if err != nil {
			b.Fatal(err)
		}
		snap, err := db.Snapshot(ctx, p.ID, r.Query(sel, per, false))
		if err != nil {
			b.Fatal(err)
		}
		ru := r.Roll(sel, per, snap, cal, now)
		times = append(times, time.Since(t0))
		cells = ru.Head.Total
	}
	slices.Sort(times)
	q := func(f float64) float64 {
		return float64(times[min(len(times)-1, int(f*float64(len(times))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
	b.ReportMetric(float64(cells), "entries")
}

// BenchmarkRollupBundled: the 石化化工 chain and 湖口县 on the bundled plan with three years of
// demo data (September 2023 to November 2026), October 2026 as a leader would see it in
// late November.
func BenchmarkRollupBundled(b *testing.B) {
	db, p := demoDB(b)
	r := progressbot.NewRoller(p)
	per := cal.LastClosed(demoNow)
	for _, c := range []struct {
		name string
		s    progressbot.Subject
	}{
		{"petrochem-chain", progressbot.Subject{Kind: progressbot.SubjectChain, Key: "petrochem"}},
		{"hukou-county", progressbot.Subject{Kind: progressbot.SubjectUnit, Key: "hukou"}},
		{"whole-plan", progressbot.PlanSubject},
	} {
		b.Run(c.name, func(b *testing.B) { benchRollup(b, db, r, c.s, per, demoNow) })
	}
}

// Synthetic dataset: 1,000 counties × 100 items (40 indicators, 60 tasks, ten chains) ×
// 60 monthly periods = 6,000,000 answers, every one submitted.
const (
	synthUnits   = 1000
	synthItems   = 100
	synthPeriods = 60
	// synthVersion names the cached database; change it when the generator changes.
	synthVersion = "v2"
)

var synthStart = progressbot.Period{Year: 2022, Month: 1}

// explicitly skips a benchmark unless -bench names it, so that -bench . never builds the
// synthetic database by accident.
func explicitly(b *testing.B, name string) {
	f := flag.Lookup("test.bench")
	if f == nil || !strings.Contains(f.Value.String(), name) {
		b.Skipf("run with -bench %s: it builds a 6-million-answer database (cached in %s)", name, os.TempDir())
	}
}

// synthDB opens the synthetic database, building it the first time (several minutes) in
// os.TempDir(), keyed by synthVersion.
func synthDB(b *testing.B, p *progressbot.Plan) *store.DB {
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("progressbot-bench-synthetic-%s.db", synthVersion))
	if _, err := os.Stat(path); err == nil {
		db, err := store.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		return db
	}
	tmp := path + ".building"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	db, err := store.Open(ctx, tmp)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.SavePlan(ctx, p, "synthetic-"+synthVersion); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	answers := 0
	for i := 0; i < synthPeriods; i++ {
		per := synthStart.Add(i)
		st, err := db.Import(ctx, p.ID, demo.SyntheticPeriod(p, per, cal, 1))
		if err != nil {
			b.Fatal(err)
		}
		answers += st.Answers
		if i%10 == 9 {
			b.Logf("synthetic database: %d periods, %d answers, %s", i+1, answers, time.Since(t0).Round(time.Second))
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	b.Logf("synthetic database built: %d answers in %s", answers, time.Since(t0).Round(time.Second))
	if db, err = store.Open(ctx, path); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkRollupSynthetic: a chain (10 items × 1,000 units) and a county (100 items) in
// the last of 60 periods of the synthetic dataset, and the chain in the 12th period, to
// show that the history behind a period costs nothing. Run it by name:
//
//	go test ./store -run '^$' -bench RollupSynthetic -benchtime 300x
func BenchmarkRollupSynthetic(b *testing.B) {
	explicitly(b, "RollupSynthetic")
	p := demo.Synthetic(synthUnits, synthItems, synthStart, synthPeriods/12)
	db := synthDB(b, p)
	defer db.Close()
	r := progressbot.NewRoller(p)
	last := synthStart.Add(synthPeriods - 1)
	for _, c := range []struct {
		name string
		s    progressbot.Subject
		per  progressbot.Period
	}{
		{"chain", progressbot.Subject{Kind: progressbot.SubjectChain, Key: "c03"}, last},
		{"county", progressbot.Subject{Kind: progressbot.SubjectUnit, Key: "u0500"}, last},
		{"chain-12th-month", progressbot.Subject{Kind: progressbot.SubjectChain, Key: "c03"}, synthStart.Add(11)},
	} {
		now := cal.Deadline(c.per).Add(10 * 24 * time.Hour)
		b.Run(c.name, func(b *testing.B) { benchRollup(b, db, r, c.s, c.per, now) })
	}
}
