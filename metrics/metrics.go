// Package metrics exposes what progressbot does in the Prometheus text format, through
// github.com/prometheus/client_golang, for `progressbot serve` at PROGRESSBOT_HTTP_ADDR/metrics.
//
// Most figures are read when Prometheus scrapes, from where they are already kept: the
// transport's counters (bot.Stats) and the database (answers and submissions are
// append-only tables, so their row counts are true counters that survive restarts). The
// latency histogram is fed by bot.Config.OnUpdate. What no other component keeps is
// counted here through a small exported API that other packages call:
//
//	metrics.ReminderSent("remind")   // the scheduler (Scheduler.OnSent), once per message delivered
//
// All series are registered in one registry (Registry); Handler serves it.
package metrics

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/progressbot/progressbot/bot"
)

const namespace = "progressbot"

// Registry holds every progressbot series plus the Go runtime's and the process's.
var Registry = prometheus.NewRegistry()

var (
	// reminders counts the scheduler's messages delivered, by the outbox kind (remind,
	// escalate, bulletin, bulletin-q, bulletin-y, board, notice).
	reminders = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "reminders_sent_total",
		Help: "Scheduler messages (reminders, escalations, bulletins, boards, notices) delivered, by kind.",
	}, []string{"kind"})

	// held counts typed answers shown back before filing (flows: Engine.OnHeld): each is a
	// person who may have typed for a screen they never got, after a crash or a reply
	// Telegram would not take.
	held = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "typed_answers_held_total",
		Help: "Typed answers shown back for confirmation because the screen before them may not have reached the person (an unclean restart, an undelivered reply).",
	})

	// updateSeconds is the time from an update reaching the bot to its reply delivered.
	updateSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "update_duration_seconds",
		Help:    "Time from an update reaching the bot to its reply delivered, by kind and outcome.",
		Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"kind", "outcome"})
)

var (
	botStats = &statsCollector{descs: statDescs()}
	dbTotals = newTotalsCollector()
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		reminders, held, updateSeconds, botStats, dbTotals,
	)
}

// ReminderSent counts one scheduler message delivered; kind is the outbox kind, a short
// fixed word such as "remind" or "bulletin" (never a name or a chat id). Safe for
// concurrent use.
func ReminderSent(kind string) { reminders.WithLabelValues(kind).Inc() }

// TypedHeld counts one typed answer shown back before filing; give it to
// flows.Engine.OnHeld.
func TypedHeld() { held.Inc() }

// ObserveUpdate records one finished update; give it to bot.Config.OnUpdate.
func ObserveUpdate(r bot.UpdateResult) {
	updateSeconds.WithLabelValues(r.Kind, r.Outcome).Observe(r.Duration.Seconds())
}

// Handler serves Registry in the Prometheus text format.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{Registry: Registry, Timeout: 10 * time.Second})
}

// ---- the transport's counters ----

// statsCollector reads bot.Stats at each scrape.
type statsCollector struct {
	stats atomic.Pointer[func() bot.Stats]
	descs []statDesc
}

type statDesc struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(bot.Stats) int64
}

func counter(name, help string, v func(bot.Stats) int64) statDesc {
	return statDesc{prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, nil, nil), prometheus.CounterValue, v}
}

func gauge(name, help string, v func(bot.Stats) int64) statDesc {
	return statDesc{prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, nil, nil), prometheus.GaugeValue, v}
}

// SetBot exposes a transport's counters (bot.Bot.Stats); a later call replaces the
// source (a test that serves twice), nil removes it.
func SetBot(stats func() bot.Stats) {
	if stats == nil {
		botStats.stats.Store(nil)
		return
	}
	botStats.stats.Store(&stats)
}

func statDescs() []statDesc {
	return []statDesc{
		counter("updates_total", "Updates received from Telegram.", func(s bot.Stats) int64 { return s.Updates }),
		counter("updates_duplicate_total", "Updates dropped because their update_id was seen before.", func(s bot.Stats) int64 { return s.Duplicates }),
		counter("updates_ignored_total", "Updates not meant for the bot (group chatter, edits, channel posts).", func(s bot.Stats) int64 { return s.Ignored }),
		counter("updates_dropped_total", "Updates dropped: shutting down, or too many waiting in one chat.", func(s bot.Stats) int64 { return s.Dropped }),
		counter("errors_total", "Updates that ended in an error the user was told about, or whose reply was not delivered.", func(s bot.Stats) int64 { return s.Errors }),
		counter("timeouts_total", "Updates that ran out of time.", func(s bot.Stats) int64 { return s.Timeouts }),
		counter("panics_total", "Panics recovered while handling an update.", func(s bot.Stats) int64 { return s.Panics }),
		counter("telegram_rate_limited_total", "Bot API answers 429 Too Many Requests, each waited out.", func(s bot.Stats) int64 { return s.RateLimited }),
		counter("telegram_retries_total", "Bot API requests retried after a 5xx, a timeout or a dropped connection.", func(s bot.Stats) int64 { return s.Retries }),
		counter("telegram_blocked_total", "Chats that blocked the bot (403, or a my_chat_member update).", func(s bot.Stats) int64 { return s.Blocked }),
		counter("telegram_api_errors_total", "Failed getUpdates calls (retried by the library).", func(s bot.Stats) int64 { return s.APIErrors }),
		counter("webhook_refused_total", "Webhook requests refused for a missing or wrong secret token.", func(s bot.Stats) int64 { return s.WebhookRefused }),
		gauge("updates_in_flight", "Updates being handled or delivered now.", func(s bot.Stats) int64 { return s.InFlight }),
		gauge("chats_active", "Chats with an update being handled or waiting.", func(s bot.Stats) int64 { return s.ChatsQueued }),
	}
}

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d.desc
	}
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	f := c.stats.Load()
	if f == nil {
		return
	}
	s := (*f)()
	for _, d := range c.descs {
		ch <- prometheus.MustNewConstMetric(d.desc, d.kind, float64(d.value(s)))
	}
}

// ---- the database's totals ----

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

type totalsCollector struct {
	totals                       atomic.Pointer[totalsFunc]
	answers, submits, up, outbox *prometheus.Desc
}

func newTotalsCollector() *totalsCollector {
	return &totalsCollector{
		answers: prometheus.NewDesc(namespace+"_answers_total", "Answers saved (all time, from the database).", nil, nil),
		submits: prometheus.NewDesc(namespace+"_submissions_total", "Reports submitted, resubmissions included (all time, from the database).", nil, nil),
		up:      prometheus.NewDesc(namespace+"_database_up", "1 when the database answered the last scrape.", nil, nil),
		outbox: prometheus.NewDesc(namespace+"_outbox_messages", "The scheduler's messages (reminders, bulletins, notices) by kind and state: sent ones only grow, pending ones are the backlog.",
			[]string{"kind", "state"}, nil),
	}
}

// SetTotals exposes the database's answer and submission totals, read at each scrape
// (within 5 s) through totals; a later call replaces the source, nil removes it.
func SetTotals(totals func(ctx context.Context) (Totals, error)) {
	if totals == nil {
		dbTotals.totals.Store(nil)
		return
	}
	dbTotals.totals.Store(&totals)
}

func (c *totalsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.answers
	ch <- c.submits
	ch <- c.up
	ch <- c.outbox
}

func (c *totalsCollector) Collect(ch chan<- prometheus.Metric) {
	f := c.totals.Load()
	if f == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t, err := (*f)(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(c.answers, prometheus.CounterValue, float64(t.Answers))
	ch <- prometheus.MustNewConstMetric(c.submits, prometheus.CounterValue, float64(t.Submissions))
	for _, o := range t.Outbox {
		ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(o.N), o.Kind, o.State)
	}
}
