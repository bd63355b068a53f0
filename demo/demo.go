// Package demo makes plausible reports for a plan, so that a newcomer sees real rollups at
// once (progressbot demo-data), and synthetic plans with their data for benchmarks.
//
// Every unit that owes anything gets a temperament, drawn from the seed and its id: ahead
// (about 22% of units), on track (48%), lagging (20%) or seriously lagging (10%). It
// decides how far the unit's indicator values stand from their pace path (each indicator
// with its own small deviation, and a little noise every month), how its task statuses
// drift (已完成 sticks; lagging units report 滞后 and 未启动 more and ask for coordination),
// how fast its projects move through their stages, and how often its reports are late or
// missing. The open period (the one being reported at Now) is partly filled: some reports
// submitted, some in progress, some not started. Everything is deterministic for a seed.
package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/store"
)

// Options say what to generate.
type Options struct {
	// From is the first period; zero means the plan's issue month.
	From progressbot.Period
	// To is the last period; zero means the period being reported at Now.
	To progressbot.Period
	// Seed makes a different, equally plausible history.
	Seed int64
	// Now is "today": nothing is submitted after it, and the period it falls in is partly
	// reported. Zero means time.Now().
	Now      time.Time
	Calendar progressbot.Calendar
}

// Temperament is how a unit performs in the demo data.
type Temperament int

const (
	Ahead Temperament = iota
	OnTrack
	Lagging
	Serious
)

func (t Temperament) String() string {
	return [...]string{"ahead", "on_track", "lagging", "serious"}[t]
}

// profile is what a temperament means for the numbers.
type profile struct {
	bias        [2]float64 // range of actual/expected
	status      [4]float64 // weights of not started, on track, lagging, done
	advance     float64    // chance a project moves on a stage in a month
	late, miss  float64    // chance a report is late, missing
	coordinates float64    // chance a task answer asks for coordination
	skip        float64    // chance an item is skipped
}

var profiles = [...]profile{
	Ahead:   {bias: [2]float64{1.07, 1.20}, status: [4]float64{0, 60, 2, 38}, advance: 0.14, late: 0.03, miss: 0.01, coordinates: 0.05, skip: 0.005},
	OnTrack: {bias: [2]float64{0.96, 1.04}, status: [4]float64{2, 80, 8, 10}, advance: 0.09, late: 0.08, miss: 0.03, coordinates: 0.10, skip: 0.01},
	Lagging: {bias: [2]float64{0.82, 0.94}, status: [4]float64{8, 55, 34, 3}, advance: 0.05, late: 0.15, miss: 0.07, coordinates: 0.35, skip: 0.03},
	Serious: {bias: [2]float64{0.55, 0.79}, status: [4]float64{18, 35, 45, 2}, advance: 0.02, late: 0.22, miss: 0.15, coordinates: 0.55, skip: 0.05},
}

// TemperamentOf is a unit's temperament for a seed.
func TemperamentOf(seed int64, unit string) Temperament {
	x := rng(seed, "temperament", unit).Float64()
	switch {
	case x < 0.22:
		return Ahead
	case x < 0.70:
		return OnTrack
	case x < 0.90:
		return Lagging
	}
	return Serious
}

// rng is a random stream that depends only on the seed and the names given, so that a
// unit's history does not change when another unit is added.
func rng(seed int64, names ...string) *rand.Rand {
	h := fnv.New64a()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
	}
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

func (o Options) withDefaults(p *progressbot.Plan) Options {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Calendar.Location == nil {
		loc, err := time.LoadLocation(p.Timezone)
		if err != nil || p.Timezone == "" {
			loc = time.UTC
		}
		o.Calendar = progressbot.DefaultCalendar(loc)
	}
	if o.From.IsZero() {
		o.From = progressbot.PeriodOf(p.Issued)
		if p.Issued.IsZero() {
			o.From = progressbot.Period{Year: p.StartYear, Month: time.January}
		}
	}
	if o.To.IsZero() {
		o.To = o.Calendar.Current(o.Now)
	}
	return o
}

// Generate makes the reports of every unit that owes anything, for every period from
// From to To, in period order.
func Generate(p *progressbot.Plan, o Options) []store.ImportReport {
	o = o.withDefaults(p)
	var out []store.ImportReport
	for i, unit := range p.Reporters() {
		g := newUnitGen(p, o, unit, int64(i))
		for per := o.From; !o.To.Before(per); per = per.Next() {
			if r, ok := g.report(per); ok {
				out = append(out, r)
			}
		}
	}
	// Period order, then document order: as the reports would have come in.
	byPeriod := map[progressbot.Period][]store.ImportReport{}
	for _, r := range out {
		byPeriod[r.Period] = append(byPeriod[r.Period], r)
	}
	out = out[:0]
	for per := o.From; !o.To.Before(per); per = per.Next() {
		out = append(out, byPeriod[per]...)
	}
	return out
}

// Fill generates the demo history and writes it through store.Import, one period per
// transaction. It refuses a database that already has reports for the plan.
func Fill(ctx context.Context, db *store.DB, p *progressbot.Plan, o Options) (store.ImportStats, error) {
	var total store.ImportStats
	n, err := db.Reported(ctx, p.ID)
	if err != nil {
		return total, err
	}
	if n > 0 {
		return total, fmt.Errorf("demo data: the database already has %d reports for %s; use an empty database", n, p.ID)
	}
	reports := Generate(p, o)
	for i := 0; i < len(reports); {
		j := i
		for j < len(reports) && reports[j].Period == reports[i].Period {
			j++
		}
		st, err := db.Import(ctx, p.ID, reports[i:j])
		if err != nil {
			return total, err
		}
		total.Reports += st.Reports
		total.Answers += st.Answers
		total.Submitted += st.Submitted
		i = j
	}
	return total, nil
}

// unitGen is one unit's history as it unfolds month by month.
type unitGen struct {
	p      *progressbot.Plan
	o      Options
	unit   string
	userID int64
	temp   Temperament
	prof   profile
	r      *rand.Rand
	dev    map[string]float64 // per-indicator deviation
	status map[progressbot.ItemRef]progressbot.TaskStatus
	stage  map[string]int
}

func newUnitGen(p *progressbot.Plan, o Options, unit string, n int64) *unitGen {
	t := TemperamentOf(o.Seed, unit)
	return &unitGen{
		p: p, o: o, unit: unit, userID: 900_000_000 + n, temp: t, prof: profiles[t],
		r:      rng(o.Seed, "history", unit),
		dev:    map[string]float64{},
		status: map[progressbot.ItemRef]progressbot.TaskStatus{},
		stage:  map[string]int{},
	}
}

func (g *unitGen) between(a, b float64) float64 { return a + (b-a)*g.r.Float64() }

// report makes the unit's report for a period, or none (ok false) when the unit never
// opened it.
func (g *unitGen) report(per progressbot.Period) (store.ImportReport, bool) {
	due := g.p.Due(g.unit, per)
	if len(due) == 0 {
		return store.ImportReport{}, false
	}
	cal, now := g.o.Calendar, g.o.Now
	opens, deadline := cal.Opens(per), cal.Deadline(per)
	if !now.After(opens) {
		return store.ImportReport{}, false
	}
	// When it is submitted, if at all.
	var submit time.Time
	answered := len(due)
	x := g.r.Float64()
	switch {
	case x < g.prof.miss: // missing: never opened, or opened and left half done
		if g.r.IntN(2) == 0 {
			g.advance(per, due) // the world moves on all the same
			return store.ImportReport{}, false
		}
		answered = g.r.IntN(len(due))
	case x < g.prof.miss+g.prof.late:
		submit = deadline.Add(time.Duration(g.between(1, 12*24)) * time.Hour)
	default:
		span := deadline.Sub(opens) - 2*time.Hour
		submit = opens.Add(24*time.Hour + time.Duration(g.r.Float64()*float64(span-24*time.Hour)))
	}
	if !submit.IsZero() && submit.After(now) {
		// Not yet: the open period. Some started, some not.
		submit = time.Time{}
		switch g.r.IntN(3) {
		case 0:
			g.advance(per, due)
			return store.ImportReport{}, false
		case 1:
			answered = g.r.IntN(len(due))
		}
	}
	end := submit
	if end.IsZero() {
		end = minTime(now, deadline.Add(10*24*time.Hour))
	}
	start := opens.Add(time.Duration(g.r.IntN(72)) * time.Hour)
	if !start.Before(end) {
		start = end.Add(-time.Hour)
	}
	rep := store.ImportReport{Unit: g.unit, Period: per, OpenedAt: start, SubmittedAt: submit, SubmittedBy: g.userID}
	step := end.Sub(start) / time.Duration(len(due)+1)
	if step > 10*time.Minute {
		step = time.Duration(1+g.r.IntN(9)) * time.Minute
		start = end.Add(-step * time.Duration(len(due)+1))
		rep.OpenedAt = start
	}
	answers := g.answers(per, due)
	for i, a := range answers {
		if i >= answered {
			break
		}
		a.At = start.Add(step * time.Duration(i+1))
		a.Unit, a.Period, a.UserID, a.ChatID = g.unit, per, g.userID, g.userID
		rep.Answers = append(rep.Answers, a)
	}
	return rep, true
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// advance moves task statuses and project stages on for a period nobody reported.
func (g *unitGen) advance(per progressbot.Period, due []progressbot.ItemRef) { _ = g.answers(per, due) }

func (g *unitGen) answers(per progressbot.Period, due []progressbot.ItemRef) []progressbot.Answer {
	out := make([]progressbot.Answer, 0, len(due))
	for _, ref := range due {
		var a progressbot.Answer
		a.Item = ref
		switch ref.Kind {
		case progressbot.ItemIndicator:
			a = g.indicator(ref, per)
		case progressbot.ItemTask, progressbot.ItemWorkItem:
			a = g.task(ref, per)
		case progressbot.ItemProject:
			a = g.project(ref, per)
		}
		a.Item = ref
		if g.r.Float64() < g.prof.skip {
			a = progressbot.Answer{Item: ref, Skipped: true}
		}
		out = append(out, a)
	}
	return out
}

// indicator is a value near the pace path, off it by the unit's temperament.
func (g *unitGen) indicator(ref progressbot.ItemRef, per progressbot.Period) progressbot.Answer {
	in := g.p.Indicator(ref.Key)
	dev, ok := g.dev[in.ID]
	if !ok {
		dev = g.between(g.prof.bias[0], g.prof.bias[1]) * (1 + 0.03*g.r.NormFloat64())
		g.dev[in.ID] = dev
	}
	f := dev * (1 + 0.015*g.r.NormFloat64())
	path := g.p.PathFor(in.ID, g.p.TargetUnit(in, g.unit), nil)
	var v float64
	if exp, ok := progressbot.Expected(in.Kind, path, per.Year, per.YearFraction()); ok {
		if in.Direction == progressbot.LowerIsBetter {
			v = exp / f
		} else {
			v = exp * f
		}
	} else {
		// A text-only target (a list of companies): a small count growing slowly.
		months := float64((per.Year-g.p.StartYear)*12 + int(per.Month))
		v = 2 * dev * (1 + months/36)
	}
	v = round(v, in.Measure)
	return progressbot.Answer{Value: &v, Raw: progressbot.FormatNumber(v, in.Measure)}
}

// round keeps a value as a liaison would type it: whole numbers of things, one decimal of
// money and percentages, two of anything finer.
func round(v float64, measure string) float64 {
	switch measure {
	case "户", "家", "个", "项", "名", "人", "座", "件":
		return math.Round(v)
	case "亿元", "%", "百分点", "万m²", "指数":
		return math.Round(v*10) / 10
	}
	return math.Round(v*100) / 100
}

var (
	doneTexts = []string{
		"召开专题推进会%d次，协调解决问题%d个",
		"走访调研重点企业%d家，梳理诉求%d条",
		"完成%d个项目调度，新开工项目%d个",
		"组织政策宣讲%d场，服务企业%d家",
		"推进重点事项%d项，已办结%d项",
		"对接招商项目%d个，签约%d个",
		"开展要素保障专项行动，解决用地、用能问题%d个，融资需求%d项",
		"完成月度数据调度和分析%d次，报送简报%d期",
	}
	coordTexts = []string{
		"项目用地指标紧张，需市级统筹协调",
		"能耗指标不足，需协调省级支持",
		"企业融资困难，需协调金融机构支持",
		"环评审批进度慢，需协调加快办理",
		"专业人才短缺，需协调人才政策支持",
		"配套基础设施建设滞后，需协调相关部门加快推进",
		"跨部门数据共享不畅，需明确牵头单位",
		"资金拨付未到位，需协调财政部门",
	}
)

// task is a status that drifts: 已完成 sticks, otherwise it mostly stays what it was.
func (g *unitGen) task(ref progressbot.ItemRef, per progressbot.Period) progressbot.Answer {
	st, ok := g.status[ref]
	if !ok || (st != progressbot.StatusDone && g.r.Float64() < 0.2) {
		w := g.prof.status
		if months := (per.Year-g.p.StartYear)*12 + int(per.Month) - 9; months < 4 {
			w[0] += 30 // early in the plan more has not started yet
			w[3] = 0
		}
		x := g.r.Float64() * (w[0] + w[1] + w[2] + w[3])
		switch {
		case x < w[0]:
			st = progressbot.StatusNotStarted
		case x < w[0]+w[1]:
			st = progressbot.StatusOnTrack
		case x < w[0]+w[1]+w[2]:
			st = progressbot.StatusLagging
		default:
			st = progressbot.StatusDone
		}
		g.status[ref] = st
	}
	a := progressbot.Answer{Status: st, Coordination: "无"}
	n := 1 + g.r.IntN(6)
	switch st {
	case progressbot.StatusNotStarted:
		a.Done = "前期准备工作"
	case progressbot.StatusDone:
		a.Done = fmt.Sprintf("任务已完成，巩固提升成效，本月服务企业%d家", n+2)
	default:
		a.Done = fmt.Sprintf(doneTexts[g.r.IntN(len(doneTexts))], n, 1+g.r.IntN(n))
	}
	p := g.prof.coordinates
	if st == progressbot.StatusLagging || st == progressbot.StatusNotStarted {
		p *= 2
	}
	if st != progressbot.StatusDone && g.r.Float64() < p {
		a.Coordination = coordTexts[g.r.IntN(len(coordTexts))]
	}
	return a
}

// project moves on a stage now and then, faster for units ahead.
func (g *unitGen) project(ref progressbot.ItemRef, per progressbot.Period) progressbot.Answer {
	s, ok := g.stage[ref.Key]
	if !ok {
		s = g.r.IntN(2) // signed or coded when the plan starts
		if pr := g.p.Project(ref.Key); pr != nil && g.temp <= OnTrack {
			// Units doing well meet milestones already due when the plan starts.
			for _, m := range pr.Milestones {
				if by, err := progressbot.ParsePeriod(m.By); err == nil && !per.Before(by) && m.Stage.Index() > s {
					s = m.Stage.Index()
				}
			}
		}
	} else if g.r.Float64() < g.prof.advance {
		s++
	}
	s = min(s, len(progressbot.ProjectStages)-1)
	g.stage[ref.Key] = s
	return progressbot.Answer{Stage: progressbot.ProjectStages[s]}
}

// ---- synthetic plans for benchmarks ----

// Synthetic makes a plan of units counties and items items (two in five county
// indicators with yearly targets for every county, the rest tasks every county is
// responsible for), spread over ten chains (item i concerns chain i mod 10), everything
// reported monthly from start for years years. Every unit owes every item every month.
func Synthetic(units, items int, start progressbot.Period, years int) *progressbot.Plan {
	p := &progressbot.Plan{
		ID: fmt.Sprintf("synthetic-%d-%d", units, items), Title: "synthetic", Timezone: "Asia/Shanghai",
		Issued: time.Date(start.Year, start.Month, 1, 0, 0, 0, 0, time.UTC), StartYear: start.Year, EndYear: start.Year + years - 1,
		City:      "city",
		Reporting: progressbot.Reporting{Tasks: progressbot.Monthly, WorkItems: progressbot.Monthly, Projects: progressbot.Monthly, AnnualMonth: 12},
		Pace:      progressbot.DefaultPace,
	}
	p.Units = append(p.Units, &progressbot.Unit{ID: "city", Name: "全市", Kind: progressbot.UnitCity})
	var keys []string
	for i := 0; i < units; i++ {
		k := fmt.Sprintf("u%04d", i)
		keys = append(keys, k)
		p.Units = append(p.Units, &progressbot.Unit{ID: k, Name: "县" + strconv.Itoa(i), En: "County " + strconv.Itoa(i), Kind: progressbot.UnitCounty})
	}
	for c := 0; c < 10; c++ {
		id := fmt.Sprintf("c%02d", c)
		p.Chains = append(p.Chains, &progressbot.Chain{ID: id, Name: "产业链" + strconv.Itoa(c), Short: "链" + strconv.Itoa(c), En: "Chain " + strconv.Itoa(c)})
	}
	nInd := items * 2 / 5
	for i := 0; i < items; i++ {
		chain := fmt.Sprintf("c%02d", i%10)
		if i < nInd {
			id := fmt.Sprintf("ind%03d", i)
			p.Indicators = append(p.Indicators, &progressbot.Indicator{ID: id, Name: "指标" + strconv.Itoa(i), Measure: "家",
				Kind: progressbot.KindCumulative, Direction: progressbot.HigherIsBetter, Frequency: progressbot.Monthly,
				Scope: progressbot.ScopeCounty, Chains: []string{chain}})
			for u, k := range keys {
				base := float64(10 + (u*7+i*3)%40)
				for y := 0; y < years; y++ {
					v := base * (1 + 0.15*float64(y+1))
					p.Targets = append(p.Targets, progressbot.Target{Indicator: id, Unit: k, Year: start.Year + y, Floor: &v})
				}
			}
		} else {
			p.Tasks = append(p.Tasks, &progressbot.Task{No: i + 1, Title: "任务" + strconv.Itoa(i+1), Responsible: keys, Chains: []string{chain},
				Deadline: strconv.Itoa(start.Year + years - 1)})
		}
	}
	p.Index()
	return p
}

// SyntheticPeriod makes every unit's report on every item for one period of a synthetic
// plan, all submitted (one in ten late), with values near the pace path.
func SyntheticPeriod(p *progressbot.Plan, per progressbot.Period, cal progressbot.Calendar, seed int64) []store.ImportReport {
	r := rng(seed, "synthetic", per.String())
	deadline := cal.Deadline(per)
	var out []store.ImportReport
	for i, u := range p.Units {
		if u.Kind != progressbot.UnitCounty {
			continue
		}
		temp := TemperamentOf(seed, u.ID)
		prof := profiles[temp]
		submit := deadline.Add(-time.Duration(1+r.IntN(200)) * time.Hour)
		if r.Float64() < 0.1 {
			submit = deadline.Add(time.Duration(1+r.IntN(100)) * time.Hour)
		}
		rep := store.ImportReport{Unit: u.ID, Period: per, OpenedAt: submit.Add(-time.Hour), SubmittedAt: submit, SubmittedBy: int64(i)}
		for _, ref := range p.Owes(u.ID) {
			a := progressbot.Answer{Item: ref, At: submit.Add(-time.Minute), UserID: int64(i)}
			switch ref.Kind {
			case progressbot.ItemIndicator:
				path := p.PathFor(ref.Key, u.ID, nil)
				exp, _ := progressbot.Expected(progressbot.KindCumulative, path, per.Year, per.YearFraction())
				v := math.Round(exp * (prof.bias[0] + (prof.bias[1]-prof.bias[0])*r.Float64()))
				a.Value = &v
			default:
				x := r.Float64() * 100
				switch w := prof.status; {
				case x < w[0]:
					a.Status = progressbot.StatusNotStarted
				case x < w[0]+w[1]:
					a.Status = progressbot.StatusOnTrack
				case x < w[0]+w[1]+w[2]:
					a.Status = progressbot.StatusLagging
				default:
					a.Status = progressbot.StatusDone
				}
				a.Done, a.Coordination = "推进中", "无"
				if r.Float64() < prof.coordinates/4 {
					a.Coordination = coordTexts[r.IntN(len(coordTexts))]
				}
			}
			rep.Answers = append(rep.Answers, a)
		}
		out = append(out, rep)
	}
	return out
}
