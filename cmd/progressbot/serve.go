package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/bot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/metrics"
	"github.com/progressbot/progressbot/schedule"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/sessions"
	"github.com/redis/go-redis/v9"
)

// app is what serve has wired: what a component (the scheduler, …) needs to run beside
// the bot.
type app struct {
	DB       *store.DB
	Plan     *progressbot.Plan
	Sessions sessions.Store
	Engine   *flows.Engine
	Bot      *bot.Bot // Send delivers outside updates (reminders, bulletins); it works until serve returns
	Calendar progressbot.Calendar
	Log      *slog.Logger
}

// component is something serve runs beside the bot. start is called once the bot is
// made and before it takes updates; the stop it returns is called at shutdown, after the
// bot has stopped taking updates and has delivered the replies of those in hand, with a
// context that ends ShutdownTimeout after the shutdown began: it should finish what is in
// flight (the outbox's sends) and return.
type component struct {
	name  string
	start func(ctx context.Context, a *app) (stop func(context.Context) error, err error)
}

// components are started by serve in this order and stopped in reverse. Another file of
// this package adds one in an init function, without touching serve.go:
//
//	func init() { components = append(components, component{"profile", startProfile}) }
var components []component

// shutdownTimeout bounds the components' stops and the HTTP server's; the bot's own
// wait for updates in hand has its own (bot.Config.ShutdownTimeout, 85 s by default).
const shutdownTimeout = 60 * time.Second

// closer is one step of the shutdown.
type closer struct {
	name string
	fn   func(context.Context) error
}

// shutdown runs closers in reverse order (the last started is stopped first), each with
// what is left of timeout, logging each; it returns their errors joined.
func shutdown(log *slog.Logger, timeout time.Duration, cs []closer) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		t0 := time.Now()
		err := c.fn(ctx)
		if err != nil {
			log.Error("shutdown: "+c.name+" failed", "err", err, "ms", time.Since(t0).Milliseconds())
			errs = append(errs, fmt.Errorf("%s: %w", c.name, err))
			continue
		}
		log.Info("shutdown: "+c.name+" stopped", "ms", time.Since(t0).Milliseconds())
	}
	return errors.Join(errs...)
}

// cmdServe runs the bot and the scheduler until ctx ends (SIGTERM or SIGINT in main),
// then shuts down in order: stop taking updates and finish those in hand (their replies
// delivered); wait for the components and the scheduler (the outbox's sends in flight
// finish and are recorded); stop the HTTP server; close Redis and the database.
func cmdServe(ctx context.Context, e *env, args []string) (err error) {
	var c config
	fs := e.flagSet("serve", &c, "db", "telegram", "redis", "http", "tz", "lang", "plan")
	webhook := fs.Bool("webhook", strings.TrimSpace(e.getenv("PROGRESSBOT_WEBHOOK")) == "1", "take updates on the webhook at PROGRESSBOT_HTTP_ADDR/telegram instead of long polling (PROGRESSBOT_WEBHOOK=1)")
	secret := fs.String("webhook-secret", e.getenv("PROGRESSBOT_WEBHOOK_SECRET"), "secret token Telegram sends with each webhook request (PROGRESSBOT_WEBHOOK_SECRET)")
	logLevel := fs.String("log-level", envOr(e, "PROGRESSBOT_LOG_LEVEL", "info"), "debug, info, warn or error (PROGRESSBOT_LOG_LEVEL)")
	sched := scheduleFlags(fs, e)
	dash := dashboardFlags(fs, e)
	if _, err := parse(fs, args, e.stderr); err != nil {
		return err
	}
	log := newLogger(e, *logLevel)
	slog.SetDefault(log)
	redis.SetLogger(redisLog{log.With("component", "redis")})
	smallHeap()
	l := locales.For(c.lang)
	if c.token == "" {
		return userError(l, "cli.serve.err.token")
	}
	if *webhook && (*secret == "" || c.httpAddr == "") {
		return userError(l, "cli.serve.err.webhook")
	}
	if err := sched.check(l); err != nil {
		return err
	}
	pc, err := newPlanCmd(&c)
	if err != nil {
		return err
	}
	loc := pc.tz

	// What is opened is closed in reverse at the end, whatever happens in between.
	var closers []closer
	defer func() {
		if serr := shutdown(log, shutdownTimeout, closers); serr != nil && err == nil {
			err = fmt.Errorf("serve: shutdown: %w", serr)
		}
		if err == nil {
			log.Info("serve: stopped cleanly")
		}
	}()

	if err = pc.open(ctx, e.stderr); err != nil {
		return err
	}
	closers = append(closers, closer{"database", func(context.Context) error { return pc.Close() }})
	db, p := pc.db, pc.plan
	sess, err := openSessions(ctx, log, c.redisURL, !*webhook)
	if err != nil {
		return err
	}
	closers = append(closers, closer{"sessions", func(context.Context) error { return sess.Close() }})

	boot, err := startBoot(ctx, log, db)
	if err != nil {
		return err
	}
	log = log.With("boot", boot)
	m := metrics.New(schedule.OutboxKinds()...)
	engine := &flows.Engine{DB: db, Plan: p, Sessions: sess, Calendar: progressbot.DefaultCalendar(loc), Log: log, Boot: boot, OnHeld: m.TypedHeld, Lang: c.lang}
	b, err := bot.New(ctx, bot.Config{
		Token: c.token, APIURL: c.apiURL, Handler: bot.ForEngine(engine), Logger: log,
		Webhook: *webhook, WebhookSecret: *secret,
		OnUpdate: m.ObserveUpdate, OnUndelivered: engine.Undelivered,
		OnBlocked: func(chatID int64) {
			// The person blocked the bot: stop writing to them until they come back.
			if err := db.SetActive(context.Background(), chatID, false); err != nil && !errors.Is(err, store.ErrNotFound) {
				log.Warn("mark blocked user inactive", "chat_id", chatID, "err", err)
			}
		},
	})
	if err != nil {
		return err
	}
	engine.BotUsername = b.Username()
	engine.Files = b.Files()
	m.SetBot(b.Stats)
	m.SetTotals(func(ctx context.Context) (metrics.Totals, error) {
		t, err := db.Totals(ctx)
		mt := metrics.Totals{Answers: t.Answers, Submissions: t.Submissions}
		for _, o := range t.Outbox {
			mt.Outbox = append(mt.Outbox, metrics.OutboxCount{Kind: o.Kind, State: o.State, N: o.N})
		}
		return mt, err
	})
	if err := b.RegisterCommands(ctx, engine.PublicMenu); err != nil {
		log.Warn("setMyCommands failed; commands still work when typed", "err", err)
	}

	// The scheduler (reminders, bulletins) sends through the bot from its durable outbox.
	// It is wired into the engine here, before the webhook can deliver an update; its
	// loop starts below, after the HTTP server, so that it is stopped before that.
	scheduler, err := newScheduler(sched, log, db, p, engine, b, m)
	if err != nil {
		return err
	}

	linkDashboard(ctx, log, db, p, engine, b, c.token, dash)
	if c.httpAddr != "" {
		mux := httpMux(db, sess, b, m, *webhook)
		site, err := newDashboard(log, db, p, engine.Calendar, c.token, dash)
		if err != nil {
			return err
		}
		site.useSchedule(engine.Schedule)
		site.mount(mux)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		ln, err := net.Listen("tcp", c.httpAddr)
		if err != nil {
			return fmt.Errorf("serve: listen %s: %w", c.httpAddr, err)
		}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("http server", "err", err)
			}
		}()
		// Stopped after the components, so /healthz and /metrics answer during the
		// shutdown (and the webhook says 503 once the bot stops taking updates).
		closers = append(closers, closer{"http server", srv.Shutdown})
		log.Info("http listening", "addr", ln.Addr().String(), "webhook", *webhook)
	}

	// At shutdown the scheduler is stopped and waited for: the sends in flight finish and
	// are recorded. Its own context is ended by its closer too, so that a serve ending on
	// an error (a component that does not start, the bot's run failing) stops it as well.
	schedCtx, stopScheduler := context.WithCancel(ctx)
	waitScheduler := runScheduler(schedCtx, log, scheduler)
	closers = append(closers, closer{"scheduler", func(ctx context.Context) error {
		stopScheduler()
		done := make(chan struct{})
		go func() { waitScheduler(); close(done) }()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("still sending: %w", ctx.Err())
		}
	}})

	a := &app{DB: db, Plan: p, Sessions: sess, Engine: engine, Bot: b, Calendar: engine.Calendar, Log: log}
	for _, comp := range components {
		stop, err := comp.start(ctx, a)
		if err != nil {
			return fmt.Errorf("serve: start %s: %w", comp.name, err)
		}
		if stop != nil {
			closers = append(closers, closer{comp.name, stop})
		}
		log.Info("started", "component", comp.name)
	}

	log.Info("serving", "plan", p.ID, "bot", b.Username(), "webhook", *webhook, "redis", c.redisURL != "")
	// Run returns once ctx ended and the updates in hand are handled and answered; then the
	// deferred shutdown stops the rest.
	if err := b.Run(ctx); err != nil {
		return err
	}
	// Every update this run took was answered, and a screen that could not be sent was
	// marked so: typed answers after the next start need no confirmation (flows:
	// Engine.unsure).
	endCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := db.EndBoot(endCtx, boot); err != nil {
		log.Warn("could not record the clean end of this run; after the next start, typed answers are confirmed once", "err", err)
	}
	return nil
}

// startBoot names this run and records its start, saying first how the run before it
// ended.
func startBoot(ctx context.Context, log *slog.Logger, db *store.DB) (string, error) {
	switch prev, err := db.LastBoot(ctx); {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return "", fmt.Errorf("serve: %w", err)
	case prev.Ended.IsZero():
		log.Warn("the previous run did not end cleanly (killed or crashed): a typed answer to a screen it may not have shown is confirmed before it is filed",
			"previous_boot", prev.ID, "previous_started", prev.Started)
	default:
		log.Info("the previous run ended cleanly", "previous_boot", prev.ID, "previous_ended", prev.Ended)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("boot id: %w", err)
	}
	id := time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
	if err := db.StartBoot(ctx, id); err != nil {
		return "", fmt.Errorf("serve: %w", err)
	}
	return id, nil
}

// smallHeap lets the heap grow to 1.5× what is live between collections instead of 2×
// (GOGC=50): on one small server that keeps the process under 50 MB resident with 1,000
// liaisons at work, for about 3% more CPU (README: Load). GOGC in the environment wins.
// Tried and dropped (README: Efficiency): GOGC=100 under a 24 MiB GOMEMLIMIT cost less
// CPU with 50 people at work, but with 1,000 the live heap reached the limit and the
// collector ran without pause (2.7 ms of CPU per interaction instead of 0.9).
func smallHeap() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}

func envOr(e *env, name, fallback string) string {
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	return fallback
}

func newLogger(e *env, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: l}))
}

// redisLog puts go-redis's own messages (a pool that cannot dial …) in the structured log.
type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.Warn(fmt.Sprintf(format, v...))
}

// openSessions connects to Redis when a URL is given, else keeps sessions in process.
// When polling, this process is the only one Telegram gives the bot's updates to, so the
// sessions it wrote are remembered and an update costs one Redis round trip, not two
// (sessions.Cached); behind a webhook several processes may share the sessions.
func openSessions(ctx context.Context, log *slog.Logger, url string, only bool) (sessions.Store, error) {
	if url == "" {
		log.Info("REDIS_URL is not set: conversation state is kept in process and lost on restart (answers are always in SQLite)")
		return sessions.NewMemory(sessions.Options{}), nil
	}
	s, err := sessions.Open(ctx, url, sessions.Options{})
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if only {
		return sessions.NewCached(s, 0, sessions.Options{}), nil
	}
	return s, nil
}

// httpMux serves /healthz (the database and the session store answer), /metrics (the
// Prometheus text format) and, in webhook mode, /telegram.
func httpMux(db *store.DB, sess sessions.Store, b *bot.Bot, m *metrics.Registry, webhook bool) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		status := map[string]string{"database": "ok", "sessions": "ok"}
		code := http.StatusOK
		if err := db.Ping(ctx); err != nil {
			status["database"], code = "unavailable", http.StatusServiceUnavailable
		}
		if err := sess.Ping(ctx); err != nil {
			status["sessions"], code = "unavailable", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(status)
	})
	mux.Handle("GET /metrics", m.Handler())
	if webhook {
		mux.Handle("POST /telegram", b.WebhookHandler())
	}
	return mux
}
