package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // with LOADTEST_PPROF
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/bot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/metrics"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/sessions"
	_ "time/tzdata"
)

// The bot under test runs in a child process of the load tool (this binary, started
// again with LOADTEST_CHILD set), so that its peak memory and CPU time are its own and
// not the fake Bot API's or the virtual people's.
//
//	LOADTEST_CHILD=bot   progressbot wired as `progressbot serve` wires it: SQLite
//	                     (PROGRESSBOT_DB), Redis sessions (REDIS_URL), the flows engine,
//	                     the transport with its defaults, JSON logs at info to stderr, the
//	                     metrics hook and GOGC=50; the HTTP endpoint and the scheduler (which
//	                     sends nothing during a run) are left out. The clock
//	                     is today's, moved back into the reporting window if today is
//	                     past the deadline (so reports can be reopened and revised).
//	LOADTEST_CHILD=echo  a bare go-telegram/bot echo bot: every text message is sent back.
//
// Both read TELEGRAM_TOKEN and TELEGRAM_API_URL, write their final counters as JSON to
// LOADTEST_STATS and, with LOADTEST_CPUPROFILE, a CPU profile of their whole life; with
// LOADTEST_PPROF=host:port they serve net/http/pprof there, block and mutex profiles on.

// childStats is what a child reports when it exits.
type childStats struct {
	Bot     *bot.Stats `json:"bot,omitempty"`
	Handled int64      `json:"handled"`
}

func runChild(kind string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if path := os.Getenv("LOADTEST_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if addr := os.Getenv("LOADTEST_PPROF"); addr != "" {
		// net/http/pprof for a look inside while the load runs: go tool pprof http://ADDR/debug/pprof/…
		runtime.SetBlockProfileRate(int(100 * time.Microsecond))
		runtime.SetMutexProfileFraction(10)
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
	var (
		st  childStats
		err error
	)
	switch kind {
	case "bot":
		st, err = childBot(ctx)
	case "echo":
		st, err = childEcho(ctx)
	default:
		err = fmt.Errorf("unknown LOADTEST_CHILD %q", kind)
	}
	if path := os.Getenv("LOADTEST_STATS"); path != "" {
		b, _ := json.Marshal(st)
		_ = os.WriteFile(path, b, 0o600)
	}
	return err
}

// anchored is the clock of a load run: now, or — when now is past the current period's
// deadline — the same time of day one day after the period opened, running on from there.
func anchored(cal progressbot.Calendar, now time.Time) func() time.Time {
	p := cal.Current(now)
	if !now.After(cal.Deadline(p)) {
		return time.Now
	}
	start := cal.Opens(p).Add(24 * time.Hour)
	t0 := time.Now()
	return func() time.Time { return start.Add(time.Since(t0)) }
}

func childBot(ctx context.Context) (childStats, error) {
	var st childStats
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50) // as serve does (cmd/progressbot/serve.go: smallHeap)
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return st, err
	}
	cal := progressbot.DefaultCalendar(loc)
	clock := anchored(cal, time.Now())
	db, err := store.Open(ctx, os.Getenv("PROGRESSBOT_DB"))
	if err != nil {
		return st, err
	}
	defer db.Close()
	db.Now = clock
	ids, err := db.PlanIDs(ctx)
	if err != nil || len(ids) == 0 {
		return st, fmt.Errorf("no plan in the database: %v", err)
	}
	p, err := db.Plan(ctx, ids[0])
	if err != nil {
		return st, err
	}
	redisSess, err := sessions.Open(ctx, os.Getenv("REDIS_URL"), sessions.Options{})
	if err != nil {
		return st, err
	}
	sess := sessions.NewCached(redisSess, 0, sessions.Options{}) // as serve does when polling
	defer sess.Close()
	engine := &flows.Engine{DB: db, Plan: p, Sessions: sess, Calendar: cal, Log: log, Now: clock}
	b, err := bot.New(ctx, bot.Config{
		Token: os.Getenv("TELEGRAM_TOKEN"), APIURL: os.Getenv("TELEGRAM_API_URL"),
		Handler: bot.ForEngine(engine), Logger: log, OnUpdate: metrics.New().ObserveUpdate, OnUndelivered: engine.Undelivered,
		OnBlocked: func(chatID int64) { _ = db.SetActive(context.Background(), chatID, false) },
	})
	if err != nil {
		return st, err
	}
	engine.BotUsername = b.Username()
	if err := b.RegisterCommands(ctx, engine.PublicMenu); err != nil {
		log.Warn("setMyCommands failed", "err", err)
	}
	err = b.Run(ctx)
	s := b.Stats()
	st.Bot, st.Handled = &s, s.Updates
	return st, err
}

// childEcho is the library's own ceiling: go-telegram/bot with its defaults (a goroutine
// per update) and the same HTTP transport settings as progressbot's, sending back every
// text message.
func childEcho(ctx context.Context) (childStats, error) {
	var st childStats
	var handled atomic.Int64
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: dialer.DialContext, MaxIdleConns: 256, MaxIdleConnsPerHost: 128, IdleConnTimeout: 90 * time.Second,
	}}
	b, err := tgbot.New(os.Getenv("TELEGRAM_TOKEN"),
		tgbot.WithServerURL(os.Getenv("TELEGRAM_API_URL")),
		tgbot.WithHTTPClient(50*time.Second, client),
		tgbot.WithDefaultHandler(func(ctx context.Context, b *tgbot.Bot, upd *models.Update) {
			if upd.Message == nil {
				return
			}
			handled.Add(1)
			if _, err := b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: upd.Message.Chat.ID, Text: upd.Message.Text}); err != nil && !errors.Is(err, context.Canceled) {
				fmt.Fprintln(os.Stderr, "echo: send:", err)
			}
		}))
	if err != nil {
		return st, err
	}
	b.Start(ctx)
	st.Handled = handled.Load()
	return st, nil
}
