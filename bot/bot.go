// Package bot is the Telegram transport: it takes updates from the Bot API (long polling
// or a webhook) through github.com/go-telegram/bot, maps them to flows.Input, asks a
// Handler for a flows.Reply and renders the reply as messages, edits, files and callback
// answers, robustly (retries after 429 and 5xx, no token in any log).
//
// Every update passes, in this order:
//
//  1. recover — a panic is logged with the update id and stack; the user gets the
//     localized generic error (and the callback is answered); the process lives.
//  2. dedup — an update_id seen among the last Config.DedupSize updates is dropped.
//  3. per-chat queue — updates of one chat run one at a time, in the order they reached
//     the bot (getUpdates order, which is update_id order; in webhook mode the order the
//     requests arrived). Different chats run concurrently. The queue's place is taken
//     synchronously in the library's single dispatch goroutine (WithNotAsyncHandlers),
//     before any goroutine starts, so the order is exact, not a race between goroutines.
//     A chat's queue is freed as soon as it is empty.
//  4. timeout — Handler.Who and Handler.Handle get a context that ends after
//     Config.UpdateTimeout; delivering the reply has its own budget
//     (Config.DeliveryTimeout).
//  5. resolve — Handler.Who turns the Telegram user into a flows.User (role, language)
//     before Handle runs.
//
// Then Handle runs, the callback query (if any) is answered with Reply.Toast — always,
// also on errors and panics — and the reply's messages are delivered in order.
//
// Two taps on one button are two updates (different update_ids): both reach Handle, one
// after the other; making the second a no-op is the flow's business (its state has moved
// on). A shutdown (the context of Run ends) stops taking updates and waits for those in
// hand, including the delivery of their replies.
package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
)

// Handler is the conversation engine behind the transport.
type Handler interface {
	// Who resolves the person behind an update (account, role, language). It runs before
	// Handle, once per update.
	Who(ctx context.Context, from TelegramUser) (flows.User, error)
	// Handle answers one input. An error makes the transport answer the generic error
	// message (or the timeout message when ctx's deadline passed) — unless the reply
	// returned with it has messages: those are delivered instead (the engine's own
	// "try again in a moment"), and the error is logged and counted all the same.
	Handle(ctx context.Context, u flows.User, in flows.Input) (flows.Reply, error)
}

// TelegramUser is who sent an update, as Telegram tells it.
type TelegramUser struct {
	ID           int64 // Telegram user id
	ChatID       int64 // the chat the update came from (== ID in a private chat)
	Name         string
	Username     string // without "@"; may be empty
	LanguageCode string // the Telegram app's language, e.g. "zh-hans", "en"; may be empty
	ChatType     string // "private", "group" or "supergroup"
}

// Config configures a Bot. Token and Handler are required; every duration has a default.
type Config struct {
	Token   string
	APIURL  string // default https://api.telegram.org (TELEGRAM_API_URL)
	Handler Handler
	Logger  *slog.Logger // default slog.Default(); the token is removed from whatever is logged

	UpdateTimeout   time.Duration // Who + Handle of one update; default 20s
	PollTimeout     time.Duration // long poll of getUpdates; default 50s
	SendTimeout     time.Duration // one Bot API request; default 15s (uploads get 4×)
	DeliveryTimeout time.Duration // a reply's delivery with retries; default 60s
	ShutdownTimeout time.Duration // how long Run waits for updates in hand; default UpdateTimeout+DeliveryTimeout+5s
	InitTimeout     time.Duration // getMe in New; default 15s

	MaxRetries        int           // retries of a 5xx, timeout or dropped connection; default 4
	RetryBase         time.Duration // first backoff; default 500ms
	RetryMax          time.Duration // backoff cap; default 10s
	MaxRateLimitWaits int           // 429s waited out per request; default 5

	// Webhook makes Run wait for updates posted to WebhookHandler instead of polling.
	// WebhookSecret is then required: Telegram sends it in X-Telegram-Bot-Api-Secret-Token
	// (1–256 of A–Z, a–z, 0–9, _ and -; give the same to setWebhook).
	Webhook       bool
	WebhookSecret string

	// SkipGetMe skips the getMe check in New (tests); Username is then the bot's username
	// for "/cmd@bot" and mentions in groups ("" accepts any).
	SkipGetMe bool
	Username  string

	// OnBlocked is called when a chat may no longer be written to: a 403 on a send, or a
	// my_chat_member update saying the user blocked the bot. It may be called more than
	// once for a chat, from any goroutine; it should be quick.
	OnBlocked func(chatID int64)

	// OnUndelivered is called when the reply to a person's update could not be delivered
	// (Telegram kept failing past the retries, or the flow built a message Telegram would
	// refuse): what the flow's state says is on their screen is not. It runs in the
	// update's goroutine, before the chat's next update.
	OnUndelivered func(ctx context.Context, chatID int64)

	// OnUpdate, if set, is told what became of each update once it is done (reply
	// delivered or not): for metrics. It runs in the update's goroutine; it should be quick.
	OnUpdate func(UpdateResult)

	// MaxConcurrent bounds the updates handled at once, across chats; default 64. The
	// rest wait their turn in their chat's queue holding little memory. On two cores
	// under the load tool, 256 let a burst grow a stack, a heap and (a press's toast and
	// screen going out at once) two Bot API connections for each update in hand: peaks of
	// 58 MB and a p99 of 215–225 ms where 64 gave 45.6–50.3 MB and 19.8–137 ms. 64 still serve
	// 572 interactions/s with a 100 ms Bot API round trip (-api-latency; 256: 933/s):
	// nineteen times the 30 messages/s Telegram accepts from a bot.
	MaxConcurrent  int
	DedupSize      int           // update_ids remembered; default 10000
	MaxChatQueue   int           // updates waiting per chat before more are dropped; default 100
	TypingAfter    time.Duration // show "typing…" when Handle takes longer; default 1s, <0 never
	HTTPClient     *http.Client  // default: a client with timeouts fit for long polling
	AllowedUpdates []string      // default message, callback_query, my_chat_member
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.APIURL == "" {
		c.APIURL = "https://api.telegram.org"
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	def(&c.UpdateTimeout, 20*time.Second)
	def(&c.PollTimeout, 50*time.Second)
	if c.PollTimeout < 2*time.Second {
		c.PollTimeout = 2 * time.Second // the library polls for PollTimeout-1s
	}
	def(&c.SendTimeout, 15*time.Second)
	def(&c.DeliveryTimeout, 60*time.Second)
	def(&c.ShutdownTimeout, c.UpdateTimeout+c.DeliveryTimeout+5*time.Second)
	def(&c.InitTimeout, 15*time.Second)
	def(&c.RetryBase, 500*time.Millisecond)
	def(&c.RetryMax, 10*time.Second)
	if c.MaxRetries <= 0 {
		c.MaxRetries = 4
	}
	if c.MaxRateLimitWaits <= 0 {
		c.MaxRateLimitWaits = 5
	}
	if c.DedupSize <= 0 {
		c.DedupSize = 10000
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = 64
	}
	if c.MaxChatQueue <= 0 {
		c.MaxChatQueue = 100
	}
	if c.TypingAfter == 0 {
		c.TypingAfter = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if len(c.AllowedUpdates) == 0 {
		c.AllowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery, models.AllowedUpdateMyChatMember}
	}
}

// secretShape is what Telegram accepts as a webhook secret token: 1–256 of A–Z, a–z,
// 0–9, _ and -. A check, not a regexp: `{1,256}` compiles to a 240 KB program that
// would stay on the heap for the life of the process.
func secretShape(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Bot is the Telegram transport. Make it with New; it is safe for concurrent use.
type Bot struct {
	cfg      Config
	log      *slog.Logger
	tg       *tgbot.Bot
	http     *http.Client // the library's client, also for file downloads
	username string
	botID    int64

	seen     *recentIDs
	chats    *chatQueues
	slots    chan struct{} // one per update being handled: Config.MaxConcurrent
	inflight *tracker
	running  atomic.Bool
	metrics  metrics
}

// New makes a Bot. Unless cfg.SkipGetMe, it checks the token with getMe (retrying
// transient failures within InitTimeout) and learns the bot's username.
func New(ctx context.Context, cfg Config) (*Bot, error) {
	cfg.defaults()
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("bot: no token (TELEGRAM_TOKEN)")
	}
	if cfg.Handler == nil {
		return nil, errors.New("bot: no handler")
	}
	if cfg.Webhook && !secretShape(cfg.WebhookSecret) {
		return nil, errors.New("bot: webhook mode needs a secret token of 1–256 characters A–Z, a–z, 0–9, _ or -")
	}
	b := &Bot{
		cfg:      cfg,
		log:      newRedactLogger(cfg.Logger, cfg.Token).With("component", "bot"),
		seen:     newRecentIDs(cfg.DedupSize),
		chats:    newChatQueues(cfg.MaxChatQueue),
		slots:    make(chan struct{}, cfg.MaxConcurrent),
		inflight: &tracker{},
		username: strings.TrimPrefix(cfg.Username, "@"),
	}
	client := cfg.HTTPClient
	if client == nil {
		client = newHTTPClient(cfg.PollTimeout)
	}
	b.http = client
	opts := []tgbot.Option{
		tgbot.WithServerURL(cfg.APIURL),
		tgbot.WithHTTPClient(cfg.PollTimeout, doer{client}),
		tgbot.WithSkipGetMe(), // New does its own getMe below, to learn the username and retry
		tgbot.WithCheckInitTimeout(cfg.InitTimeout),
		tgbot.WithErrorsHandler(b.libraryError),
		tgbot.WithAllowedUpdates(cfg.AllowedUpdates),
		// The middleware chain runs in the library's dispatch goroutine, so that the
		// per-chat queue is entered in arrival order; it starts its own goroutine per
		// update right after.
		tgbot.WithNotAsyncHandlers(),
		tgbot.WithMiddlewares(b.mwRecover, b.mwDedup, b.mwChatQueue, b.mwTimeout, b.mwResolve),
		tgbot.WithDefaultHandler(b.handleUpdate),
	}
	if cfg.Webhook {
		opts = append(opts, tgbot.WithWebhookSecretToken(cfg.WebhookSecret))
	}
	tg, err := tgbot.New(cfg.Token, opts...)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", redactErr(err, cfg.Token))
	}
	b.tg = tg
	b.botID = tg.ID()
	if !cfg.SkipGetMe {
		ictx, cancel := context.WithTimeout(ctx, cfg.InitTimeout)
		defer cancel()
		var me *models.User
		err := b.call(ictx, "getMe", 0, func(ctx context.Context) error {
			var err error
			me, err = tg.GetMe(ctx)
			return err
		})
		if err != nil {
			if k := progressbot.KindOf(err); k == progressbot.Forbidden || k == progressbot.NotFound {
				return nil, fmt.Errorf("bot: Telegram refused the token: %w", err)
			}
			return nil, fmt.Errorf("bot: cannot reach the Bot API at %s: %w", Redact(cfg.APIURL, cfg.Token), err)
		}
		b.username, b.botID = me.Username, me.ID
	}
	return b, nil
}

// Username is the bot's @username without "@" (empty if unknown).
func (b *Bot) Username() string { return b.username }

// Run takes updates until ctx ends — by long polling, or in webhook mode from
// WebhookHandler — then stops taking new ones and returns once the updates in hand are
// handled and their replies delivered (at most ShutdownTimeout later).
func (b *Bot) Run(ctx context.Context) error {
	if !b.running.CompareAndSwap(false, true) {
		return errors.New("bot: Run called twice")
	}
	if b.cfg.Webhook {
		b.log.Info("waiting for updates on the webhook")
		<-ctx.Done()
	} else {
		// getUpdates fails while a webhook is set (say, after running in webhook mode).
		err := b.call(ctx, "deleteWebhook", 0, func(ctx context.Context) error {
			_, err := b.tg.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{DropPendingUpdates: false})
			return err
		})
		if err != nil && ctx.Err() == nil {
			b.log.Warn("deleteWebhook failed; polling anyway", "err", err)
		}
		b.log.Info("polling for updates", "api", Redact(b.cfg.APIURL, b.cfg.Token), "username", b.username)
		b.tg.Start(ctx) // returns when ctx ends
	}
	b.log.Info("stopping: finishing the updates in hand", "in_flight", b.inflight.count())
	wctx, cancel := context.WithTimeout(context.Background(), b.cfg.ShutdownTimeout)
	defer cancel()
	if err := b.inflight.closeAndWait(wctx); err != nil {
		return fmt.Errorf("bot: shutdown: %d updates still running after %v", b.inflight.count(), b.cfg.ShutdownTimeout)
	}
	b.log.Info("stopped")
	return nil
}

// WebhookHandler serves Telegram's webhook posts. It refuses with 401 a request whose
// X-Telegram-Bot-Api-Secret-Token header is missing or wrong (compared in constant time;
// without a configured secret every request is refused), with 405 anything but POST, and
// with 503 once shutdown began (Telegram retries later). An accepted update is queued and
// answered 200 at once; the reply goes out through the Bot API.
func (b *Bot) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		want := b.cfg.WebhookSecret
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			b.metrics.webhookRefused.Add(1)
			b.log.Warn("webhook request refused: wrong or missing secret token", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if b.inflight.isClosed() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		upd := &models.Update{}
		if err := json.Unmarshal(body, upd); err != nil || upd.ID == 0 {
			b.log.Warn("webhook: not an update", "bytes", len(body))
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		// With WithNotAsyncHandlers this runs the chain up to the per-chat queue here,
		// in order, and returns.
		b.tg.ProcessUpdate(r.Context(), upd)
		w.WriteHeader(http.StatusOK)
	})
}

// RegisterCommands sets the default command menu (flows.Engine.PublicMenu: the
// contract's commands) with setMyCommands: once without a language (the default, in
// Chinese), once for "zh" and once for "en". Each person who writes to the bot gets their
// role's menu in their chat (see setChatMenu).
func (b *Bot) RegisterCommands(ctx context.Context, menu func(lang string) []flows.Command) error {
	for _, set := range []struct{ code, lang string }{{"", "zh-CN"}, {"zh", "zh-CN"}, {"en", "en"}} {
		cmds := botCommands(menu(set.lang))
		err := b.call(ctx, "setMyCommands", 0, func(ctx context.Context) error {
			_, err := b.tg.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: cmds, LanguageCode: set.code})
			return err
		})
		if err != nil {
			return fmt.Errorf("bot: register commands (%q): %w", set.code, err)
		}
	}
	return nil
}

// Send delivers a message to a chat outside any update (reminders, bulletins): texts
// over 4096 characters are split, files uploaded, 429 and 5xx retried within ctx. A chat
// that blocked the bot gives an error wrapping ErrBlocked (and OnBlocked is called); a
// message the program built wrong one wrapping ErrInvalidMessage. Every error Telegram
// answered has its progressbot.ErrorKind (a 429 not waited out: RetryLater, with
// progressbot.RetryAfter). Edit is ignored.
func (b *Bot) Send(ctx context.Context, chatID int64, m flows.Message) error {
	err := b.deliver(ctx, chatID, m, nil)
	if errors.Is(err, ErrInvalidMessage) {
		b.log.Error("refusing to send an invalid message", "chat_id", chatID, "err", err)
	}
	return err
}

// libraryError receives the library's own errors (mostly failed getUpdates, which it
// retries with backoff).
func (b *Bot) libraryError(err error) {
	b.metrics.apiErrors.Add(1)
	b.log.Warn("telegram", "err", redactErr(err, b.cfg.Token))
}

// Stats are counters since New, for the metrics endpoint.
type Stats struct {
	Updates, Duplicates, Ignored, Dropped, Panics, Errors, Timeouts int64
	RateLimited, Retries, Blocked, APIErrors, WebhookRefused        int64
	InFlight, ChatsQueued                                           int64
}

// Stats returns the counters.
func (b *Bot) Stats() Stats {
	m := &b.metrics
	return Stats{
		Updates: m.updates.Load(), Duplicates: m.duplicates.Load(), Ignored: m.ignored.Load(),
		Dropped: m.dropped.Load(), Panics: m.panics.Load(), Errors: m.errors.Load(), Timeouts: m.timeouts.Load(),
		RateLimited: m.rateLimited.Load(), Retries: m.retries.Load(), Blocked: m.blocked.Load(),
		APIErrors: m.apiErrors.Load(), WebhookRefused: m.webhookRefused.Load(),
		InFlight: int64(b.inflight.count()), ChatsQueued: int64(b.chats.size()),
	}
}

type metrics struct {
	updates, duplicates, ignored, dropped, panics, errors, timeouts atomic.Int64
	rateLimited, retries, blocked, apiErrors, webhookRefused        atomic.Int64
}

func botCommands(menu []flows.Command) []models.BotCommand {
	cmds := make([]models.BotCommand, len(menu))
	for i, c := range menu {
		cmds[i] = models.BotCommand{Command: c.Name, Description: c.Description}
	}
	return cmds
}

// setChatMenu sets one private chat's command menu (BotCommandScopeChat) to what its
// person can do, in their language. A failure costs only the menu: commands still work
// when typed.
func (b *Bot) setChatMenu(ctx context.Context, chatID int64, menu []flows.Command) {
	err := b.call(ctx, "setMyCommands", chatID, func(ctx context.Context) error {
		_, err := b.tg.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: botCommands(menu), Scope: &models.BotCommandScopeChat{ChatID: chatID}})
		return err
	})
	if err != nil {
		b.log.Warn("setMyCommands for a chat failed; commands still work when typed", "chat_id", chatID, "err", redactErr(err, b.cfg.Token))
	}
}
