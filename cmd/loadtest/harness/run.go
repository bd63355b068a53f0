package harness

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Config says how the virtual people behave.
type Config struct {
	// ThinkMin and ThinkMax bound the pause before each interaction (uniform); both zero
	// is a closed loop at full speed.
	ThinkMin, ThinkMax time.Duration
	// Timeout is how long a reply may take before the interaction counts as lost;
	// default 10 s.
	Timeout time.Duration
	// Echo makes each person type a line and wait for any reply (for an echo bot),
	// instead of walking the report flow.
	Echo bool
}

// Run is many virtual people at once.
type Run struct {
	cfg    Config
	people []*Liaison
	from   atomic.Int64 // measurement window, unix ns; 0: not measuring
	to     atomic.Int64
	wg     sync.WaitGroup
	bound  atomic.Int64
	failed atomic.Int64 // people who could not start
}

// stats are one person's figures inside the measurement window.
type stats struct {
	lat                   []time.Duration
	errors, timeouts, old int
}

// NewRun prepares a run of people already attached to an API.
func NewRun(cfg Config, people []*Liaison) *Run {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	return &Run{cfg: cfg, people: people}
}

func (r *Run) think(rng *rand.Rand) time.Duration {
	if r.cfg.ThinkMax <= 0 {
		return 0
	}
	span := r.cfg.ThinkMax - r.cfg.ThinkMin
	if span <= 0 {
		return r.cfg.ThinkMin
	}
	return r.cfg.ThinkMin + time.Duration(rng.Int64N(int64(span)))
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Start sets everyone going; they stop when ctx ends. Starts are spread over the first
// ThinkMax (or 1 s), as people do not all press at the same instant.
func (r *Run) Start(ctx context.Context) {
	spread := max(r.cfg.ThinkMax, time.Second)
	for _, l := range r.people {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if !sleep(ctx, time.Duration(l.rng.Int64N(int64(spread)))) {
				return
			}
			if !r.cfg.Echo {
				if err := l.Start(ctx, r.cfg.Timeout); err != nil {
					if ctx.Err() == nil {
						r.failed.Add(1)
					}
					return
				}
			}
			r.bound.Add(1)
			for n := 0; ; n++ {
				if !sleep(ctx, r.think(l.rng)) {
					return
				}
				t0 := time.Now().UnixNano()
				var (
					lat     time.Duration
					errKind string
					ok      bool
				)
				if r.cfg.Echo {
					lat, errKind, ok = l.echo(ctx, n, r.cfg.Timeout)
				} else {
					lat, errKind, ok = l.Step(ctx, r.cfg.Timeout)
				}
				if !ok {
					return
				}
				if from := r.from.Load(); from == 0 || t0 < from || t0 >= r.to.Load() {
					continue
				}
				l.stats.lat = append(l.stats.lat, lat)
				switch errKind {
				case "error":
					l.stats.errors++
				case "timeout":
					l.stats.timeouts++
				}
			}
		}()
	}
}

// echo types a line and waits for any message back.
func (l *Liaison) echo(ctx context.Context, n int, timeout time.Duration) (time.Duration, string, bool) {
	l.drain()
	t0 := time.Now()
	l.api.Srv.SendText(l.ID, l.ID, "ping "+strconv.Itoa(n), Lang)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case m := <-l.inbox:
		l.last = m
		return time.Since(t0), "", true
	case <-t.C:
		return timeout, "timeout", true
	case <-ctx.Done():
		return 0, "", false
	}
}

// Bound is how many people have started (redeemed their invite); Failed how many could
// not.
func (r *Run) Bound() int64  { return r.bound.Load() }
func (r *Run) Failed() int64 { return r.failed.Load() }

// Measure counts the interactions that begin within [from, from+d).
func (r *Run) Measure(from time.Time, d time.Duration) {
	r.to.Store(from.Add(d).UnixNano())
	r.from.Store(from.UnixNano())
}

// Wait waits for everyone to stop (after ctx of Start ended).
func (r *Run) Wait() { r.wg.Wait() }

// Result is what a run measured inside its window.
type Result struct {
	People       int
	Window       time.Duration
	Interactions int
	Rate         float64 // interactions per second
	P50, P95     time.Duration
	P99, Max     time.Duration
	Errors       int // error replies ("try again", "something went wrong")
	Timeouts     int // no reply within Config.Timeout
	Acked        int // answers acknowledged (whole run)
	Submits      int // submissions confirmed (whole run)
}

// Result merges everyone's figures; call after Wait.
func (r *Run) Result() Result {
	res := Result{People: len(r.people), Window: time.Duration(r.to.Load() - r.from.Load())}
	var all []time.Duration
	for _, l := range r.people {
		all = append(all, l.stats.lat...)
		res.Errors += l.stats.errors
		res.Timeouts += l.stats.timeouts
		res.Acked += len(l.Acked)
		res.Submits += l.Submits
	}
	slices.Sort(all)
	res.Interactions = len(all)
	if res.Window > 0 {
		res.Rate = float64(len(all)) / res.Window.Seconds()
	}
	res.P50, res.P95, res.P99 = Percentile(all, 0.50), Percentile(all, 0.95), Percentile(all, 0.99)
	if len(all) > 0 {
		res.Max = all[len(all)-1]
	}
	return res
}

// Percentile of sorted durations (nearest rank).
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (r Result) String() string {
	return fmt.Sprintf("%d people: %d interactions in %.1fs = %.0f/s; p50 %s p95 %s p99 %s max %s; errors %d, timeouts %d",
		r.People, r.Interactions, r.Window.Seconds(), r.Rate, ms(r.P50), ms(r.P95), ms(r.P99), ms(r.Max), r.Errors, r.Timeouts)
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + "ms"
}
