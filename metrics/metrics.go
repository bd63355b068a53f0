// Package metrics exposes what progressbot does in the Prometheus text format, through
// github.com/VictoriaMetrics/metrics, for `progressbot serve` at PROGRESSBOT_HTTP_ADDR/metrics.
//
// Most figures are read when Prometheus scrapes, from where they are already kept: the
// transport's counters (bot.Stats) and the database (answers and submissions are
// append-only tables, so their row counts are true counters that survive restarts). The
// latency histogram is fed by bot.Config.OnUpdate. What no other component keeps is
// counted by a Registry's methods, which serve hands to the components:
//
//	m := metrics.New(schedule.OutboxKinds()...)
//	scheduler.OnSent = m.ReminderSent // once per message delivered
//
// The series are written without HELP and TYPE lines (docs/operations.md lists them);
// a counter's name ends in _total.
package metrics

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/progressbot/progressbot/bot"
)

const namespace = "progressbot"

// label escapes a label value as the text format wants (backslash, double quote, line
// feed): an outbox kind or state comes from the database, and one malformed line would
// make Prometheus drop the whole scrape.
var label = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace

// updateBuckets are the latency histogram's upper bounds, in seconds.
var updateBuckets = []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Registry holds one process's series. Its methods are safe for concurrent use.
type Registry struct {
	set  *vm.Set
	held *vm.Counter
	// updates are the latency histograms by kind and outcome, looked up without building
	// the series' name on every update.
	updates sync.Map // updateKey → *vm.PrometheusHistogram
	bot     atomic.Pointer[func() bot.Stats]
	totals  atomic.Pointer[totalsFunc]
}

type updateKey struct{ kind, outcome string }

// New makes a registry. reminderKinds are the scheduler's outbox kinds, whose counters
// start at 0 so that a rate over them is defined before the first message goes.
func New(reminderKinds ...string) *Registry {
	r := &Registry{set: vm.NewSet()}
	r.held = r.set.NewCounter(namespace + "_typed_answers_held_total")
	for _, k := range reminderKinds {
		r.reminder(k) // made at 0
	}
	return r
}

// ReminderSent counts one scheduler message delivered, by its outbox kind: a short fixed
// word such as "remind" or "bulletin" (anything else counts as "other").
func (r *Registry) ReminderSent(kind string) { r.reminder(kind).Inc() }

func (r *Registry) reminder(kind string) *vm.Counter {
	if kind == "" || strings.Trim(kind, "abcdefghijklmnopqrstuvwxyz-") != "" {
		kind = "other" // never a name or a chat id in a label
	}
	return r.set.GetOrCreateCounter(namespace + `_reminders_sent_total{kind="` + kind + `"}`)
}

// TypedHeld counts one typed answer shown back before filing (flows.Engine.OnHeld): a
// person who may have typed for a screen they never got, after a crash or a reply
// Telegram would not take.
func (r *Registry) TypedHeld() { r.held.Inc() }

// ObserveUpdate records one finished update, from its reaching the bot to its reply
// delivered (bot.Config.OnUpdate).
func (r *Registry) ObserveUpdate(u bot.UpdateResult) {
	k := updateKey{u.Kind, u.Outcome}
	h, ok := r.updates.Load(k)
	if !ok {
		name := fmt.Sprintf(`%s_update_duration_seconds{kind="%s",outcome="%s"}`, namespace, label(u.Kind), label(u.Outcome))
		h, _ = r.updates.LoadOrStore(k, r.set.GetOrCreatePrometheusHistogramExt(name, updateBuckets))
	}
	h.(*vm.PrometheusHistogram).Update(u.Duration.Seconds())
}

// SetBot exposes a transport's counters (bot.Bot.Stats), read at each scrape; nil
// removes them.
func (r *Registry) SetBot(stats func() bot.Stats) {
	if stats == nil {
		r.bot.Store(nil)
		return
	}
	r.bot.Store(&stats)
}

// Totals are counts kept by the database.
type Totals struct {
	Answers     int64 // every answer ever saved (answers are append-only)
	Submissions int64 // every submit of a report (report events are append-only)
	// Outbox counts the scheduler's messages by kind and state.
	Outbox []OutboxCount
}

// OutboxCount is how many of the scheduler's messages of a kind are in a state.
type OutboxCount struct {
	Kind, State string
	N           int64
}

type totalsFunc = func(ctx context.Context) (Totals, error)

// SetTotals exposes the database's totals, read at each scrape (within 5 s) through
// totals; nil removes them.
func (r *Registry) SetTotals(totals func(ctx context.Context) (Totals, error)) {
	if totals == nil {
		r.totals.Store(nil)
		return
	}
	r.totals.Store(&totals)
}

// Handler serves the registry's series, the transport's and the database's figures, and
// the Go runtime's and the process's (go_goroutines, process_resident_memory_bytes, …).
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var b bytes.Buffer
		r.set.WritePrometheus(&b)
		r.writeBot(&b)
		r.writeTotals(req.Context(), &b)
		vm.WriteProcessMetrics(&b)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Write(b.Bytes())
	})
}

// ---- the transport's counters ----

type stat struct {
	name    string
	counter bool
	value   func(bot.Stats) int64
}

// stats are the transport's figures; docs/operations.md says what each counts.
var stats = []stat{
	{"updates_total", true, func(s bot.Stats) int64 { return s.Updates }},
	{"updates_duplicate_total", true, func(s bot.Stats) int64 { return s.Duplicates }},
	{"updates_ignored_total", true, func(s bot.Stats) int64 { return s.Ignored }},
	{"updates_dropped_total", true, func(s bot.Stats) int64 { return s.Dropped }},
	{"errors_total", true, func(s bot.Stats) int64 { return s.Errors }},
	{"timeouts_total", true, func(s bot.Stats) int64 { return s.Timeouts }},
	{"panics_total", true, func(s bot.Stats) int64 { return s.Panics }},
	{"telegram_rate_limited_total", true, func(s bot.Stats) int64 { return s.RateLimited }},
	{"telegram_retries_total", true, func(s bot.Stats) int64 { return s.Retries }},
	{"telegram_blocked_total", true, func(s bot.Stats) int64 { return s.Blocked }},
	{"telegram_api_errors_total", true, func(s bot.Stats) int64 { return s.APIErrors }},
	{"webhook_refused_total", true, func(s bot.Stats) int64 { return s.WebhookRefused }},
	{"updates_in_flight", false, func(s bot.Stats) int64 { return s.InFlight }},
	{"chats_active", false, func(s bot.Stats) int64 { return s.ChatsQueued }},
}

func (r *Registry) writeBot(w io.Writer) {
	f := r.bot.Load()
	if f == nil {
		return
	}
	s := (*f)()
	for _, st := range stats {
		v := uint64(max(st.value(s), 0))
		if st.counter {
			vm.WriteCounterUint64(w, namespace+"_"+st.name, v)
		} else {
			vm.WriteGaugeUint64(w, namespace+"_"+st.name, v)
		}
	}
}

// ---- the database's totals ----

func (r *Registry) writeTotals(ctx context.Context, w io.Writer) {
	f := r.totals.Load()
	if f == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	t, err := (*f)(ctx)
	if err != nil {
		vm.WriteGaugeUint64(w, namespace+"_database_up", 0)
		return
	}
	vm.WriteGaugeUint64(w, namespace+"_database_up", 1)
	vm.WriteCounterUint64(w, namespace+"_answers_total", uint64(max(t.Answers, 0)))
	vm.WriteCounterUint64(w, namespace+"_submissions_total", uint64(max(t.Submissions, 0)))
	for _, o := range t.Outbox {
		vm.WriteGaugeUint64(w, fmt.Sprintf(`%s_outbox_messages{kind="%s",state="%s"}`, namespace, label(o.Kind), label(o.State)), uint64(max(o.N, 0)))
	}
}
