package progressbot_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
)

// tiny is a plan small enough to reason about by hand:
//
//	counties a, b, c; bureau x; chain offices o1 (chain c1) and o2 (chain c2)
//	chains c1, c2; cluster g1 = {c1}
//	ind:i1  county-scope cumulative 家, chain c1, targets a 10→20, b 20→40, c 10→20 (2025→2026), city 40→80
//	ind:i2  city-scope annual flow 亿元 owned by x, chain c1, city target 120 in 2026
//	ind:i3  city-scope level owned by x, no chain, lower is better, city target 5
//	task:1  chains c1 c2, deadline 2025, lead x, responsible a b o1 o2
//	task:2  chain c2, no deadline, responsible x
//	work:wi-1 chain c1, quarterly, responsible a
//	proj:p1 unit a, chain c1, milestones started by 2025-06, completed by 2027-06
//	proj:p2 unit b, chain c1, no milestones
func tiny() *progressbot.Plan {
	f := func(v float64) *float64 { return &v }
	p := &progressbot.Plan{
		ID: "tiny", Issued: time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC), StartYear: 2025, EndYear: 2026, City: "city",
		Reporting: progressbot.Reporting{Tasks: progressbot.Monthly, WorkItems: progressbot.Quarterly, Projects: progressbot.Monthly, AnnualMonth: 12},
		Pace:      progressbot.DefaultPace,
		Units: []*progressbot.Unit{
			{ID: "city", Name: "全市", Kind: progressbot.UnitCity},
			{ID: "a", Name: "甲县", Kind: progressbot.UnitCounty},
			{ID: "b", Name: "乙县", Kind: progressbot.UnitCounty},
			{ID: "c", Name: "丙县", Kind: progressbot.UnitCounty},
			{ID: "x", Name: "市某局", Kind: progressbot.UnitBureau},
			{ID: "o1", Name: "一链办", Kind: progressbot.UnitChainOffice},
			{ID: "o2", Name: "二链办", Kind: progressbot.UnitChainOffice},
		},
		Chains: []*progressbot.Chain{
			{ID: "c1", Name: "一链", Office: "o1"},
			{ID: "c2", Name: "二链", Office: "o2"},
		},
		Clusters: []*progressbot.Cluster{{ID: "g1", Name: "一集群", Chains: []string{"c1"}}},
		Indicators: []*progressbot.Indicator{
			{ID: "i1", Name: "绿色工厂", Measure: "家", Kind: progressbot.KindCumulative, Direction: progressbot.HigherIsBetter,
				Frequency: progressbot.Monthly, Scope: progressbot.ScopeCounty, Owner: "x", Chains: []string{"c1"}},
			{ID: "i2", Name: "营收", Measure: "亿元", Kind: progressbot.KindAnnualFlow, Direction: progressbot.HigherIsBetter,
				Frequency: progressbot.Monthly, Scope: progressbot.ScopeCity, Owner: "x", Chains: []string{"c1"}},
			{ID: "i3", Name: "能耗", Measure: "吨", Kind: progressbot.KindLevel, Direction: progressbot.LowerIsBetter,
				Frequency: progressbot.Monthly, Scope: progressbot.ScopeCity, Owner: "x"},
		},
		Targets: []progressbot.Target{
			{Indicator: "i1", Unit: "a", Year: 2025, Floor: f(10)}, {Indicator: "i1", Unit: "a", Year: 2026, Floor: f(20)},
			{Indicator: "i1", Unit: "b", Year: 2025, Floor: f(20)}, {Indicator: "i1", Unit: "b", Year: 2026, Floor: f(40)},
			{Indicator: "i1", Unit: "c", Year: 2025, Floor: f(10)}, {Indicator: "i1", Unit: "c", Year: 2026, Floor: f(20)},
			{Indicator: "i1", Unit: "city", Year: 2025, Floor: f(40)}, {Indicator: "i1", Unit: "city", Year: 2026, Floor: f(80)},
			{Indicator: "i2", Unit: "city", Year: 2026, Floor: f(120)},
			{Indicator: "i3", Unit: "city", Year: 2026, Floor: f(5)},
		},
		Tasks: []*progressbot.Task{
			{No: 1, Title: "任务一", Lead: []string{"x"}, Responsible: []string{"a", "b", "o1", "o2"}, Chains: []string{"c1", "c2"}, Deadline: "2025"},
			{No: 2, Title: "任务二", Responsible: []string{"x"}, Chains: []string{"c2"}},
		},
		WorkItems: []*progressbot.WorkItem{{ID: "wi-1", Work: "重点工作一", Responsible: []string{"a"}, Chains: []string{"c1"}}},
		Projects: []*progressbot.Project{
			{ID: "p1", Name: "甲项目", Unit: "a", Chains: []string{"c1"}, Milestones: []progressbot.Milestone{
				{Stage: progressbot.StageStarted, By: "2025-06"}, {Stage: progressbot.StageCompleted, By: "2027-06"}}},
			{ID: "p2", Name: "乙项目", Unit: "b", Chains: []string{"c1"}},
		},
	}
	p.Index()
	return p
}

var (
	shanghai = func() *time.Location { l, _ := time.LoadLocation("Asia/Shanghai"); return l }()
	cal      = progressbot.DefaultCalendar(shanghai)
	oct26    = progressbot.Period{Year: 2026, Month: 10}
	// now is after October's deadline (Nov 5 18:00) and before November's reports open.
	now = time.Date(2026, 11, 10, 9, 0, 0, 0, shanghai)
)

func subj(kind progressbot.SubjectKind, key string) progressbot.Subject {
	return progressbot.Subject{Kind: kind, Key: key}
}

var (
	all    = progressbot.PlanSubject
	none   = progressbot.Subject{}
	chain1 = subj(progressbot.SubjectChain, "c1")
	chain2 = subj(progressbot.SubjectChain, "c2")
)

func val(v float64) (bool, float64) { return true, v }

func cell(unit string, item string, per progressbot.Period, mod func(*progressbot.Cell)) progressbot.Cell {
	ref, _ := progressbot.ParseItemRef(item)
	c := progressbot.Cell{Unit: unit, Item: ref, Period: per}
	if mod != nil {
		mod(&c)
	}
	return c
}

func value(v float64) func(*progressbot.Cell) {
	return func(c *progressbot.Cell) { c.HasValue, c.Value = true, v }
}

func status(s progressbot.TaskStatus, coord string) func(*progressbot.Cell) {
	return func(c *progressbot.Cell) { c.Status, c.Coordination = s, coord }
}

func stage(s progressbot.ProjectStage) func(*progressbot.Cell) {
	return func(c *progressbot.Cell) { c.Stage = s }
}

func submitted(unit string, at time.Time) progressbot.ReportStatus {
	return progressbot.ReportStatus{Unit: unit, Opened: true, State: progressbot.ReportSubmitted, SubmittedAt: at}
}

// roll selects, checks that the query asks for what the snapshot has, and rolls.
func roll(t *testing.T, r *progressbot.Roller, s, within, scope progressbot.Subject, per progressbot.Period, snap *progressbot.Snapshot) *progressbot.Rollup {
	t.Helper()
	sel, err := r.Select(s, scope, within)
	if err != nil {
		t.Fatalf("select %s within %s in %s: %v", s, within, scope, err)
	}
	q := r.Query(sel, per, false)
	for _, c := range snap.Cells {
		found := false
		for _, it := range q.Items {
			if it.Item == c.Item && it.Period == c.Period {
				found = true
			}
		}
		if !found && sel.HasUnit(r, c.Unit) {
			t.Logf("snapshot cell %s %s %s is not asked for by the query", c.Unit, c.Item, c.Period)
		}
	}
	return r.Roll(sel, per, snap, cal, now)
}

// October 2026: i1 expected at 10/12 of the way from the 2025 to the 2026 target.
//
//	a: 10 + 10·10/12 = 18.33; b: 36.67; c: 18.33.
func TestRollIndicatorLevels(t *testing.T) {
	r := progressbot.NewRoller(tiny())
	sq := subj(progressbot.SubjectIndicator, "i1")
	tests := []struct {
		name       string
		cells      []progressbot.Cell
		want       map[string]progressbot.PaceLevel // unit → level
		total      progressbot.PaceLevel
		totalValue float64
		missing    int
	}{
		{"all on track", []progressbot.Cell{
			cell("a", "ind:i1", oct26, value(18)), cell("b", "ind:i1", oct26, value(37)), cell("c", "ind:i1", oct26, value(18.5)),
		}, map[string]progressbot.PaceLevel{"a": progressbot.PaceOnTrack, "b": progressbot.PaceOnTrack, "c": progressbot.PaceOnTrack},
			progressbot.PaceOnTrack, 73.5, 0},
		{"each level", []progressbot.Cell{
			cell("a", "ind:i1", oct26, value(20)), // 1.09 ahead
			cell("b", "ind:i1", oct26, value(31)), // 0.845 lagging
			cell("c", "ind:i1", oct26, value(12)), // 0.65 serious
		}, map[string]progressbot.PaceLevel{"a": progressbot.PaceAhead, "b": progressbot.PaceLagging, "c": progressbot.PaceSerious},
			progressbot.PaceLagging, 63, 0},
		{"a county missing: judged on those reported", []progressbot.Cell{
			cell("a", "ind:i1", oct26, value(18.5)), cell("b", "ind:i1", oct26, value(37)),
		}, map[string]progressbot.PaceLevel{"a": progressbot.PaceOnTrack, "b": progressbot.PaceOnTrack, "c": progressbot.PaceNoData},
			progressbot.PaceOnTrack, 55.5, 1},
		{"skipped counts as not reported", []progressbot.Cell{
			cell("a", "ind:i1", oct26, value(18.5)), cell("b", "ind:i1", oct26, func(c *progressbot.Cell) { c.Skipped = true }),
			cell("c", "ind:i1", oct26, value(18.5)),
		}, map[string]progressbot.PaceLevel{"a": progressbot.PaceOnTrack, "b": progressbot.PaceNoData, "c": progressbot.PaceOnTrack},
			progressbot.PaceOnTrack, 37, 1},
		{"nobody reported", nil,
			map[string]progressbot.PaceLevel{"a": progressbot.PaceNoData, "b": progressbot.PaceNoData, "c": progressbot.PaceNoData},
			progressbot.PaceNoData, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ru := roll(t, r, sq, none, all, oct26, &progressbot.Snapshot{Cells: tt.cells})
			got := map[string]progressbot.PaceLevel{}
			for _, e := range ru.Entries {
				got[e.Unit] = e.Level
			}
			for u, l := range tt.want {
				if got[u] != l {
					t.Errorf("%s: %s, want %s", u, got[u], l)
				}
			}
			if len(ru.Items) != 1 || ru.Items[0].Total == nil {
				t.Fatalf("no city total: %+v", ru.Items)
			}
			tot := ru.Items[0].Total
			if tot.Level != tt.total || tot.Value != tt.totalValue || tot.Missing != tt.missing {
				t.Errorf("total %s %v (%d missing), want %s %v (%d missing)", tot.Level, tot.Value, tot.Missing, tt.total, tt.totalValue, tt.missing)
			}
			// Worst first.
			for i := 1; i < len(ru.Entries); i++ {
				if ru.Entries[i-1].Level.Rank() > ru.Entries[i].Level.Rank() {
					t.Errorf("entries not worst first: %s before %s", ru.Entries[i-1].Level, ru.Entries[i].Level)
				}
			}
		})
	}
}

func TestRollTasksProjectsAndCoordination(t *testing.T) {
	r := progressbot.NewRoller(tiny())
	sep := progressbot.Period{Year: 2026, Month: 9}
	tests := []struct {
		name   string
		cell   progressbot.Cell
		level  progressbot.PaceLevel
		reason progressbot.Reason
		coord  bool
	}{
		{"done is ahead", cell("a", "task:1", oct26, status(progressbot.StatusDone, "无")), progressbot.PaceAhead, progressbot.ReasonDone, false},
		{"on track", cell("a", "task:1", oct26, status(progressbot.StatusOnTrack, "None")), progressbot.PaceOnTrack, progressbot.ReasonOnTrack, false},
		{"lagging past the 2025 deadline is serious", cell("a", "task:1", oct26, status(progressbot.StatusLagging, "用地指标紧张")),
			progressbot.PaceSerious, progressbot.ReasonOverdue, true},
		{"not started past the deadline is serious", cell("a", "task:1", oct26, status(progressbot.StatusNotStarted, "")),
			progressbot.PaceSerious, progressbot.ReasonOverdue, false},
		{"lagging with no deadline", cell("x", "task:2", oct26, status(progressbot.StatusLagging, "无。")),
			progressbot.PaceLagging, progressbot.ReasonLagging, false},
		{"not started with no deadline", cell("x", "task:2", oct26, status(progressbot.StatusNotStarted, "需要资金")),
			progressbot.PaceOnTrack, progressbot.ReasonNotStarted, true},
		{"quarterly item judged on September", cell("a", "work:wi-1", sep, status(progressbot.StatusOnTrack, "")),
			progressbot.PaceOnTrack, progressbot.ReasonOnTrack, false},
		{"project short of a milestone due", cell("a", "proj:p1", oct26, stage(progressbot.StageCoded)),
			progressbot.PaceSerious, progressbot.ReasonStageBehind, false},
		{"project at its milestone", cell("a", "proj:p1", oct26, stage(progressbot.StageStarted)),
			progressbot.PaceOnTrack, progressbot.ReasonStage, false},
		{"project past a milestone not yet due", cell("a", "proj:p1", oct26, stage(progressbot.StageCompleted)),
			progressbot.PaceAhead, progressbot.ReasonStageAhead, false},
		{"project without milestones", cell("b", "proj:p2", oct26, stage(progressbot.StageCoded)),
			progressbot.PaceNoTarget, progressbot.ReasonNoTarget, false},
		{"skipped", cell("a", "task:1", oct26, func(c *progressbot.Cell) { c.Skipped = true }), progressbot.PaceNoData, progressbot.ReasonSkipped, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ru := roll(t, r, all, none, all, oct26, &progressbot.Snapshot{Cells: []progressbot.Cell{tt.cell}})
			var got *progressbot.Entry
			for i, e := range ru.Entries {
				if e.Unit == tt.cell.Unit && e.Item == tt.cell.Item {
					got = &ru.Entries[i]
				}
			}
			if got == nil {
				t.Fatalf("no entry for %s %s", tt.cell.Unit, tt.cell.Item)
			}
			if got.Level != tt.level || got.Reason != tt.reason {
				t.Errorf("%s/%s, want %s/%s", got.Level, got.Reason, tt.level, tt.reason)
			}
			if (got.Coordination != "") != tt.coord || (len(ru.Coordination) > 0) != tt.coord {
				t.Errorf("coordination %q (%d listed), want %v", got.Coordination, len(ru.Coordination), tt.coord)
			}
			inAttention := slices.ContainsFunc(ru.Attention, func(e progressbot.Entry) bool { return e.Item == tt.cell.Item && e.Unit == tt.cell.Unit })
			if want := tt.level == progressbot.PaceLagging || tt.level == progressbot.PaceSerious; inAttention != want {
				t.Errorf("in attention: %v, want %v", inAttention, want)
			}
		})
	}
}

func TestRollHeadlineAndTimeliness(t *testing.T) {
	r := progressbot.NewRoller(tiny())
	deadline := cal.Deadline(oct26)
	snap := &progressbot.Snapshot{
		Cells: []progressbot.Cell{
			cell("a", "ind:i1", oct26, value(20)),
			cell("b", "ind:i1", oct26, value(31)),
			cell("a", "task:1", oct26, status(progressbot.StatusLagging, "缺资金")),
			cell("b", "task:1", oct26, status(progressbot.StatusDone, "无")),
			cell("o1", "task:1", oct26, status(progressbot.StatusOnTrack, "无")),
			cell("o2", "task:1", oct26, status(progressbot.StatusLagging, "二链的事")),
			cell("x", "ind:i2", oct26, value(100)), // expected 120·10/12 = 100
			cell("a", "proj:p1", oct26, stage(progressbot.StageStarted)),
			cell("b", "proj:p2", oct26, stage(progressbot.StageCoded)),
		},
		Reports: []progressbot.ReportStatus{
			submitted("a", deadline.Add(-time.Hour)),
			submitted("b", deadline.Add(49*time.Hour)),
			submitted("x", deadline.Add(-time.Hour)),
			{Unit: "o1", Opened: true, State: progressbot.ReportOpen},
		},
	}
	ru := roll(t, r, chain1, none, all, oct26, snap)
	// Chain c1: i1 (a, b, c), i2 (x), task 1 (x, a, b, o1 — not o2, the other chain's
	// office), wi-1 (a, judged on September: nothing reported), p1 (a), p2 (b).
	h := ru.Head
	want := progressbot.Counts{Total: 11, Ahead: 2, OnTrack: 3, Lagging: 1, Serious: 1, NoData: 3, NoTarget: 1}
	// a i1 ahead, b i1 lagging, c i1 no data, x i2 on track, x task1 no data, a task1
	// serious, b task1 done (ahead), o1 task1 on track, a wi-1 no data, a p1 on track,
	// b p2 no target.
	if h != want {
		t.Errorf("headline %+v, want %+v", h, want)
	}
	for _, e := range ru.Entries {
		if e.Unit == "o2" {
			t.Errorf("chain c1 shows chain c2's office: %+v", e)
		}
	}
	// Units owing a c1 item in October: a, b, c, x, o1 (wi-1 is quarterly).
	if rp := ru.Reports; rp != (progressbot.Reports{Units: 5, OnTime: 2, Late: 1, Missing: 2}) {
		t.Errorf("reports %+v", rp)
	}
	late := map[string]int{}
	for _, u := range ru.Units {
		if u.Timeliness == progressbot.Late || u.Timeliness == progressbot.Missing {
			late[u.Unit] = u.Days
		}
	}
	// b 49 hours late: 3 days (counted up); c and o1 missing since Nov 5 18:00 at Nov 10 09:00: 5 days.
	if late["b"] != 3 || late["c"] != 5 || late["o1"] != 5 || len(late) != 3 {
		t.Errorf("days late %v", late)
	}
	if len(ru.Missing) != 2 || ru.Missing[0].Unit != "c" || ru.Missing[1].Unit != "o1" {
		t.Errorf("missing %+v", ru.Missing)
	}
	if len(ru.Coordination) != 1 || ru.Coordination[0].Unit != "a" {
		t.Errorf("coordination %+v", ru.Coordination)
	}
	// Attention: the overdue task first, then b on i1 (31 of 36.7, 85%), then the city
	// total judged on a and b, c not reported (51 of 55, 93%).
	if len(ru.Attention) != 3 || ru.Attention[0].Reason != progressbot.ReasonOverdue || ru.Attention[1].Unit != "b" ||
		ru.Attention[2].Reason != progressbot.ReasonTotalPartial || ru.Attention[2].Missing != 1 {
		t.Errorf("attention %+v", ru.Attention)
	}
	// Units worst first: a has a seriously lagging task.
	if ru.Units[0].Unit != "c" && ru.Units[0].Unit != "o1" {
		t.Errorf("units: missing reports first, got %s", ru.Units[0].Unit)
	}
	// Before the deadline the same units are pending, not missing.
	sel, _ := r.Select(chain1, all)
	early := r.Roll(sel, oct26, snap, cal, deadline.Add(-48*time.Hour))
	if early.Closed || early.Reports.Pending != 2 || early.Reports.Missing != 0 {
		t.Errorf("before the deadline: closed %v, %+v", early.Closed, early.Reports)
	}
	// The scheduler's deadlines: b's extension makes its report on time, and a deadline
	// moved later (off a holiday) makes c and o1 pending rather than missing.
	moved := *snap
	moved.Deadlines = map[string]time.Time{"b": deadline.Add(72 * time.Hour)}
	moved.Deadline = deadline.Add(5 * 24 * time.Hour)
	ext := r.Roll(sel, oct26, &moved, cal, deadline.Add(4*24*time.Hour))
	if rp := ext.Reports; rp.OnTime != 3 || rp.Late != 0 || rp.Pending != 2 || ext.Closed {
		t.Errorf("with the scheduler's deadlines: closed %v, %+v", ext.Closed, rp)
	}
}

func TestRollLowerIsBetterAndText(t *testing.T) {
	r := progressbot.NewRoller(tiny())
	for _, tt := range []struct {
		v    float64
		want progressbot.PaceLevel
	}{{4, progressbot.PaceAhead}, {5, progressbot.PaceOnTrack}, {6, progressbot.PaceLagging}, {8, progressbot.PaceSerious}} {
		ru := roll(t, r, subj(progressbot.SubjectIndicator, "i3"), none, all, oct26,
			&progressbot.Snapshot{Cells: []progressbot.Cell{cell("x", "ind:i3", oct26, value(tt.v))}})
		if len(ru.Entries) != 1 || ru.Entries[0].Level != tt.want {
			t.Errorf("energy %v: %+v, want %s", tt.v, ru.Entries, tt.want)
		}
	}
}

// TestSelect is who sees what: one row per role and question.
func TestSelect(t *testing.T) {
	r := progressbot.NewRoller(tiny())
	admin, leader := all, all
	chief1, chief2 := chain1, chain2
	cluster := subj(progressbot.SubjectCluster, "g1")
	liaisonA := subj(progressbot.SubjectUnit, "a")
	liaisonX := subj(progressbot.SubjectUnit, "x")
	tests := []struct {
		who      string
		scope    progressbot.Subject
		q        progressbot.Subject
		within   progressbot.Subject
		allowed  bool
		items    int // items of the selection, when allowed; -1 to skip
		hasUnits []string
		noUnits  []string
	}{
		{"admin", admin, all, none, true, 8, []string{"a", "o2"}, nil},
		{"city leader", leader, chain2, none, true, 2, []string{"x", "o2"}, []string{"o1"}},
		{"city leader", leader, subj(progressbot.SubjectUnit, "a"), none, true, 4, []string{"a"}, []string{"b"}},
		{"chief c1", chief1, chain1, none, true, 6, []string{"a", "o1"}, []string{"o2"}},
		{"chief c1", chief1, chain2, none, false, 0, nil, nil},
		{"chief c1", chief1, all, none, false, 0, nil, nil},
		{"chief c1", chief1, cluster, none, true, 6, nil, nil},
		{"chief c1", chief1, subj(progressbot.SubjectIndicator, "i1"), none, true, 1, []string{"a", "b", "c"}, nil},
		{"chief c1", chief1, subj(progressbot.SubjectIndicator, "i3"), none, false, 0, nil, nil},
		{"chief c1", chief1, subj(progressbot.SubjectTask, "1"), none, true, 1, []string{"a", "o1"}, []string{"o2"}},
		{"chief c1", chief1, subj(progressbot.SubjectTask, "2"), none, false, 0, nil, nil},
		{"chief c1: a unit of the chain, only the chain's items", chief1, subj(progressbot.SubjectUnit, "a"), none, true, 4, []string{"a"}, nil},
		{"chief c1: bureau x, only the chain's items", chief1, liaisonX, none, true, 2, []string{"x"}, nil},
		{"chief c1: the other chain's office", chief1, subj(progressbot.SubjectUnit, "o2"), none, false, 0, nil, nil},
		{"chief c1: drill down from the chain to a unit", chief1, subj(progressbot.SubjectUnit, "b"), chain1, true, 3, nil, nil},
		{"chief c1: forged drill down into chain c2", chief1, subj(progressbot.SubjectTask, "2"), chain2, false, 0, nil, nil},
		{"chief c1: forged drill down, task 2 within c1", chief1, subj(progressbot.SubjectTask, "2"), chain1, false, 0, nil, nil},
		{"chief c1: forged drill down, unit a within c2", chief1, subj(progressbot.SubjectUnit, "a"), chain2, false, 0, nil, nil},
		{"chief c2", chief2, chain2, none, true, 2, nil, nil},
		{"chief c2", chief2, subj(progressbot.SubjectIndicator, "i1"), none, false, 0, nil, nil},
		{"cluster g1 leader", cluster, chain1, none, true, 6, nil, nil},
		{"cluster g1 leader", cluster, chain2, none, false, 0, nil, nil},
		{"liaison a", liaisonA, liaisonA, none, true, 4, []string{"a"}, []string{"b"}},
		{"liaison a", liaisonA, subj(progressbot.SubjectUnit, "b"), none, false, 0, nil, nil},
		{"liaison a", liaisonA, chain1, none, false, 0, nil, nil},
		{"liaison a: an item of its own, only its own answer", liaisonA, subj(progressbot.SubjectIndicator, "i1"), none, true, 1, []string{"a"}, []string{"b", "c"}},
		{"liaison a: an item it does not owe", liaisonA, subj(progressbot.SubjectTask, "2"), none, false, 0, nil, nil},
		{"liaison a: a drill down within its unit", liaisonA, subj(progressbot.SubjectTask, "1"), liaisonA, true, 1, []string{"a"}, []string{"b"}},
		{"anyone: unknown chain", admin, subj(progressbot.SubjectChain, "nope"), none, false, 0, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.who+" asks "+tt.q.String(), func(t *testing.T) {
			sel, err := r.Select(tt.q, tt.scope, tt.within)
			if (err == nil) != tt.allowed {
				t.Fatalf("allowed %v, want %v (%v)", err == nil, tt.allowed, err)
			}
			if !tt.allowed {
				if !errors.Is(err, progressbot.ErrOutOfScope) && !errors.Is(err, progressbot.ErrUnknownSubject) {
					t.Errorf("refused with %v", err)
				}
				return
			}
			if tt.items >= 0 && len(sel.Items) != tt.items {
				t.Errorf("%d items %v, want %d", len(sel.Items), sel.Items, tt.items)
			}
			for _, u := range tt.hasUnits {
				if !sel.HasUnit(r, u) {
					t.Errorf("lacks unit %s", u)
				}
			}
			for _, u := range tt.noUnits {
				if sel.HasUnit(r, u) {
					t.Errorf("has unit %s", u)
				}
			}
		})
	}
}

func TestJudgedAt(t *testing.T) {
	r := progressbot.NewRoller(tiny())
	tests := []struct {
		item string
		at   progressbot.Period
		want string // "" for not yet due
	}{
		{"task:1", oct26, "2026-10"},
		{"work:wi-1", oct26, "2026-09"},
		{"work:wi-1", progressbot.Period{Year: 2026, Month: 12}, "2026-12"},
		{"work:wi-1", progressbot.Period{Year: 2025, Month: 2}, ""}, // Dec 2024 is before the plan
		{"ind:i1", progressbot.Period{Year: 2025, Month: 1}, "2025-01"},
	}
	for _, tt := range tests {
		ref, _ := progressbot.ParseItemRef(tt.item)
		got, ok := r.JudgedAt(ref, tt.at)
		if s := got.String(); ok && s != tt.want || !ok && tt.want != "" {
			t.Errorf("%s at %s: %s %v, want %q", tt.item, tt.at, s, ok, tt.want)
		}
	}
}

func TestNeedsCoordination(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"", false}, {"无", false}, {" 无。", false}, {"None", false}, {"none.", false}, {"N/A", false}, {"暂无", false},
		{"没有", false}, {"无需协调", false}, {"-", false}, {"　无　", false},
		{"需协调用地指标", true}, {"无法按期开工，需协调", true}, {"land quota", true}, {"no land", true},
	}
	for _, tt := range tests {
		if got := progressbot.NeedsCoordination(tt.text); got != tt.want {
			t.Errorf("NeedsCoordination(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
	// Whatever the store flags as certainly no coordination, the Go side agrees.
	for _, s := range progressbot.NoCoordinationSQL {
		if progressbot.NeedsCoordination(s) || progressbot.NeedsCoordination(strings.ToUpper(s)) {
			t.Errorf("%q is in NoCoordinationSQL but needs coordination", s)
		}
	}
}

func TestBoardRules(t *testing.T) {
	r := progressbot.NewRoller(tiny())
	deadline := cal.Deadline(oct26)
	mk := func(level progressbot.PaceLevel) func(*progressbot.Cell) {
		switch level {
		case progressbot.PaceAhead:
			return status(progressbot.StatusDone, "")
		case progressbot.PaceLagging:
			return status(progressbot.StatusLagging, "")
		}
		return status(progressbot.StatusOnTrack, "")
	}
	tests := []struct {
		name   string
		unit   string
		cells  []progressbot.Cell
		report progressbot.ReportStatus
		list   progressbot.BoardList // "" for neither
		reason progressbot.BoardReason
	}{
		{"half ahead, nothing lagging, on time: red", "x", []progressbot.Cell{
			cell("x", "task:1", oct26, mk(progressbot.PaceAhead)), cell("x", "task:2", oct26, mk(progressbot.PaceOnTrack)),
			cell("x", "ind:i2", oct26, value(120)), cell("x", "ind:i3", oct26, value(5)),
		}, submitted("x", deadline.Add(-time.Hour)), progressbot.RedList, progressbot.BoardAhead},
		{"ahead but late: yellow", "x", []progressbot.Cell{
			cell("x", "task:1", oct26, mk(progressbot.PaceAhead)), cell("x", "task:2", oct26, mk(progressbot.PaceAhead)),
			cell("x", "ind:i2", oct26, value(130)), cell("x", "ind:i3", oct26, value(4)),
		}, submitted("x", deadline.Add(30*time.Hour)), progressbot.YellowList, progressbot.BoardLate},
		{"not submitted: yellow", "x", nil, progressbot.ReportStatus{Unit: "x"}, progressbot.YellowList, progressbot.BoardMissing},
		{"a quarter lagging: yellow", "x", []progressbot.Cell{
			cell("x", "task:1", oct26, mk(progressbot.PaceAhead)), cell("x", "task:2", oct26, mk(progressbot.PaceLagging)),
			cell("x", "ind:i2", oct26, value(100)), cell("x", "ind:i3", oct26, value(5)),
		}, submitted("x", deadline.Add(-time.Hour)), progressbot.YellowList, progressbot.BoardLagging},
		{"on track, nothing ahead: neither", "x", []progressbot.Cell{
			cell("x", "task:1", oct26, mk(progressbot.PaceOnTrack)), cell("x", "task:2", oct26, mk(progressbot.PaceOnTrack)),
			cell("x", "ind:i2", oct26, value(100)), cell("x", "ind:i3", oct26, value(5)),
		}, submitted("x", deadline.Add(-time.Hour)), "", ""},
		{"ahead but an item skipped: not red", "x", []progressbot.Cell{
			cell("x", "task:1", oct26, mk(progressbot.PaceAhead)), cell("x", "task:2", oct26, mk(progressbot.PaceAhead)),
			cell("x", "ind:i2", oct26, value(130)), cell("x", "ind:i3", oct26, func(c *progressbot.Cell) { c.Skipped = true }),
		}, submitted("x", deadline.Add(-time.Hour)), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ru := roll(t, r, subj(progressbot.SubjectUnit, tt.unit), none, all, oct26,
				&progressbot.Snapshot{Cells: tt.cells, Reports: []progressbot.ReportStatus{tt.report}})
			board := r.Board(ru, progressbot.DefaultBoardRules)
			var got progressbot.BoardEntry
			for _, b := range board {
				if b.Unit == tt.unit {
					got = b
				}
			}
			if got.List != tt.list || got.Reason != tt.reason {
				t.Errorf("%s/%s, want %s/%s (%+v)", got.List, got.Reason, tt.list, tt.reason, ru.Units)
			}
		})
	}
}

func TestLastClosed(t *testing.T) {
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai), "2026-10"}, // November open, due Dec 5
		{time.Date(2026, 12, 6, 10, 0, 0, 0, shanghai), "2026-11"},  // past Dec 5, December not open
		{time.Date(2026, 12, 5, 17, 0, 0, 0, shanghai), "2026-10"},  // an hour before the deadline
		{time.Date(2026, 12, 21, 10, 0, 0, 0, shanghai), "2026-11"}, // December open
	}
	for _, tt := range tests {
		if got := cal.LastClosed(tt.at).String(); got != tt.want {
			t.Errorf("LastClosed(%s) = %s, want %s", tt.at, got, tt.want)
		}
	}
}

func TestParseScopeAndSubjects(t *testing.T) {
	for s, want := range map[string]string{"": "plan", "chain:c1": "chain:c1", "cluster:g1": "cluster:g1", "unit:a": "unit:a"} {
		got, err := progressbot.ParseScope(s)
		if err != nil || got.String() != want {
			t.Errorf("ParseScope(%q) = %s %v", s, got, err)
		}
	}
	for _, bad := range []string{"chain:", "task:1", "nonsense"} {
		if _, err := progressbot.ParseScope(bad); err == nil {
			t.Errorf("ParseScope(%q) accepted", bad)
		}
	}
	for _, m := range []progressbot.Match{{Kind: progressbot.MatchTask, Key: "6"}, {Kind: progressbot.MatchOverview}, {Kind: progressbot.MatchUnit, Key: "a"}} {
		s, ok := progressbot.SubjectOf(m)
		if !ok {
			t.Errorf("SubjectOf(%+v) failed", m)
		}
		if ref, isItem := s.Item(); isItem && progressbot.SubjectOfItem(ref) != s {
			t.Errorf("item round trip %s", s)
		}
	}
	if _, ok := progressbot.SubjectOf(progressbot.Match{Kind: progressbot.MatchMissing}); ok {
		t.Error("a command is not a subject")
	}
}

// TestRollupStanding: what stands for an item is its total, else its only entry, else
// nothing (its counts say how it stands); EntryOf finds an item's first entry.
func TestRollupStanding(t *testing.T) {
	t1, t2, t3 := progressbot.ItemRef{Kind: progressbot.ItemTask, Key: "1"}, progressbot.ItemRef{Kind: progressbot.ItemTask, Key: "2"}, progressbot.ItemRef{Kind: progressbot.ItemTask, Key: "3"}
	total := &progressbot.Entry{Item: t1, Unit: ""}
	ru := &progressbot.Rollup{Entries: []progressbot.Entry{
		{Item: t1, Unit: "a"}, {Item: t2, Unit: "b"}, {Item: t3, Unit: "a"}, {Item: t3, Unit: "b"},
	}}
	tests := []struct {
		name string
		row  progressbot.ItemRow
		want *progressbot.Entry
	}{
		{"a total", progressbot.ItemRow{Item: t1, Total: total, Counts: progressbot.Counts{Total: 1}}, total},
		{"one entry", progressbot.ItemRow{Item: t2, Counts: progressbot.Counts{Total: 1}}, &ru.Entries[1]},
		{"several entries", progressbot.ItemRow{Item: t3, Counts: progressbot.Counts{Total: 2}}, nil},
		{"none", progressbot.ItemRow{Item: progressbot.ItemRef{Kind: progressbot.ItemTask, Key: "9"}, Counts: progressbot.Counts{Total: 1}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ru.Standing(tt.row); got != tt.want {
				t.Errorf("Standing = %+v, want %+v", got, tt.want)
			}
		})
	}
	if got := ru.EntryOf(t3); got != &ru.Entries[2] {
		t.Errorf("EntryOf(task 3) = %+v, want the first of its two", got)
	}
}
