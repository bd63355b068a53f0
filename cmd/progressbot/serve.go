package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/bot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/sessions"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	var c config
	fs := e.flagSet("serve", &c, "db", "telegram", "redis", "http", "tz", "plan")
	webhook := fs.Bool("webhook", strings.TrimSpace(e.getenv("PROGRESSBOT_WEBHOOK")) == "1", "take updates on the webhook at PROGRESSBOT_HTTP_ADDR/telegram instead of long polling (PROGRESSBOT_WEBHOOK=1)")
	secret := fs.String("webhook-secret", e.getenv("PROGRESSBOT_WEBHOOK_SECRET"), "secret token Telegram sends with each webhook request (PROGRESSBOT_WEBHOOK_SECRET)")
	logLevel := fs.String("log-level", envOr(e, "PROGRESSBOT_LOG_LEVEL", "info"), "debug, info, warn or error (PROGRESSBOT_LOG_LEVEL)")
	if _, err := parse(fs, args, e.stderr); err != nil {
		return err
	}
	log := newLogger(e, *logLevel)
	slog.SetDefault(log)
	if c.token == "" {
		return errors.New("serve: a bot token is required: set TELEGRAM_TOKEN or --token")
	}
	if *webhook && (*secret == "" || c.httpAddr == "") {
		return errors.New("serve: webhook mode needs PROGRESSBOT_HTTP_ADDR and PROGRESSBOT_WEBHOOK_SECRET")
	}
	loc, err := c.location()
	if err != nil {
		return err
	}
	db, p, err := openPlan(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	sess, err := openSessions(ctx, log, c.redisURL)
	if err != nil {
		return err
	}
	defer sess.Close()

	engine := &flows.Engine{DB: db, Plan: p, Sessions: sess, Calendar: progressbot.DefaultCalendar(loc), Log: log}
	b, err := bot.New(ctx, bot.Config{
		Token: c.token, APIURL: c.apiURL, Handler: bot.ForEngine(engine), Logger: log,
		Webhook: *webhook, WebhookSecret: *secret,
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
	if err := b.RegisterCommands(ctx); err != nil {
		log.Warn("setMyCommands failed; commands still work when typed", "err", err)
	}
	log.Info("serving", "plan", p.ID, "bot", b.Username(), "webhook", *webhook, "redis", c.redisURL != "")

	if c.httpAddr != "" {
		srv := &http.Server{Addr: c.httpAddr, Handler: httpMux(db, sess, b, *webhook), ReadHeaderTimeout: 10 * time.Second}
		ln, err := net.Listen("tcp", c.httpAddr)
		if err != nil {
			return fmt.Errorf("serve: listen %s: %w", c.httpAddr, err)
		}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("http server", "err", err)
			}
		}()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		log.Info("http listening", "addr", ln.Addr().String())
	}
	return b.Run(ctx)
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

// openSessions connects to Redis when a URL is given, else keeps sessions in process.
func openSessions(ctx context.Context, log *slog.Logger, url string) (sessions.Store, error) {
	if url == "" {
		log.Info("REDIS_URL is not set: conversation state is kept in process and lost on restart (answers are always in SQLite)")
		return sessions.NewMemory(sessions.Options{}), nil
	}
	s, err := sessions.Open(ctx, url, sessions.Options{})
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	return s, nil
}

// httpMux serves /healthz (the database and the session store answer) and, in webhook
// mode, /telegram.
func httpMux(db *store.DB, sess sessions.Store, b *bot.Bot, webhook bool) *http.ServeMux {
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
	if webhook {
		mux.Handle("POST /telegram", b.WebhookHandler())
	}
	return mux
}
