package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
)

// updateState travels with one update through the middleware (in its context).
type updateState struct {
	upd   *models.Update
	ev    event
	start time.Time // when the update reached the bot
	turn  time.Time // when its chat's earlier updates were done
	// base carries the values of the context the update came with but is never
	// canceled: a shutdown must not cut an update in hand short.
	base context.Context

	user     flows.User
	lang     string // the language to answer in
	answered bool   // the callback query was answered
	outcome  string // for the log line: ok, error, timeout, panic, blocked, ignored
}

type stateKey struct{}

func stateOf(ctx context.Context) *updateState {
	st, _ := ctx.Value(stateKey{}).(*updateState)
	return st
}

// mwRecover is the outermost middleware: it maps the update, and turns a panic in the
// synchronous part of the chain into a log line. (The asynchronous part, after the
// per-chat queue, has the same recover of its own.)
func (b *Bot) mwRecover(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, tb *tgbot.Bot, upd *models.Update) {
		base := context.WithoutCancel(ctx)
		st := &updateState{upd: upd, start: time.Now(), base: base, lang: locales.Default, outcome: "ok"}
		defer b.recoverUpdate(st)
		b.metrics.updates.Add(1)
		st.ev = parseUpdate(upd, b.username, b.botID)
		st.lang = locales.Match(st.ev.from.LanguageCode)
		next(context.WithValue(base, stateKey{}, st), tb, upd)
	}
}

// recoverUpdate must be deferred directly: it recovers a panic, logs it with the update id
// and stack, and tells the user (generic error, callback answered).
func (b *Bot) recoverUpdate(st *updateState) {
	r := recover()
	if r == nil {
		return
	}
	b.metrics.panics.Add(1)
	st.outcome = "panic"
	b.log.Error("panic while handling an update", "update_id", st.upd.ID, "chat_id", st.ev.chatID,
		"user_id", st.ev.from.ID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("panic while reporting a panic", "update_id", st.upd.ID, "panic", fmt.Sprint(r))
		}
	}()
	b.failUser(st, errors.New("panic"))
}

// mwDedup drops an update whose update_id was seen recently, and updates that are not for
// us (a callback among them still goes on, to be answered).
func (b *Bot) mwDedup(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, tb *tgbot.Bot, upd *models.Update) {
		st := stateOf(ctx)
		if b.seen.seen(upd.ID) {
			b.metrics.duplicates.Add(1)
			b.log.Info("duplicate update dropped", "update_id", upd.ID, "chat_id", st.ev.chatID)
			return
		}
		if st.ev.kind == kindIgnore && st.ev.callbackID == "" {
			b.metrics.ignored.Add(1)
			b.log.Debug("update ignored", "update_id", upd.ID)
			return
		}
		next(ctx, tb, upd)
	}
}

// mwChatQueue takes the update's place in its chat's queue — synchronously, so in arrival
// order — and continues in a new goroutine once the chat's earlier updates are done and
// one of the MaxConcurrent slots is free.
func (b *Bot) mwChatQueue(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, tb *tgbot.Bot, upd *models.Update) {
		st := stateOf(ctx)
		if !b.inflight.add() {
			b.metrics.dropped.Add(1)
			b.log.Warn("shutting down: update not handled", "update_id", upd.ID, "chat_id", st.ev.chatID)
			return
		}
		tk, ok := b.chats.enqueue(st.ev.chatID)
		if !ok {
			b.inflight.done()
			b.metrics.dropped.Add(1)
			b.log.Warn("too many updates waiting in this chat: update dropped", "update_id", upd.ID, "chat_id", st.ev.chatID)
			return
		}
		go func() {
			defer b.inflight.done()
			defer b.chats.release(tk)
			defer b.logUpdate(st)
			defer b.recoverUpdate(st)
			tk.wait()
			b.slots <- struct{}{}
			defer func() { <-b.slots }()
			st.turn = time.Now()
			next(ctx, tb, upd)
		}()
	}
}

// mwTimeout bounds Who and Handle by UpdateTimeout, and warns when an update holds its
// chat much longer than it should (a handler that ignores its context).
func (b *Bot) mwTimeout(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, tb *tgbot.Bot, upd *models.Update) {
		tctx, cancel := context.WithTimeout(ctx, b.cfg.UpdateTimeout)
		defer cancel()
		limit := 2*b.cfg.UpdateTimeout + b.cfg.DeliveryTimeout
		wd := time.AfterFunc(limit, func() {
			b.log.Error("update still running: its chat waits", "update_id", upd.ID, "chat_id", stateOf(ctx).ev.chatID, "after", limit.String())
		})
		defer wd.Stop()
		next(tctx, tb, upd)
	}
}

// mwResolve resolves the user with Handler.Who before anything handles the update.
func (b *Bot) mwResolve(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, tb *tgbot.Bot, upd *models.Update) {
		st := stateOf(ctx)
		if st.ev.kind == kindMessage || st.ev.kind == kindCallback {
			u, err := b.cfg.Handler.Who(ctx, st.ev.from)
			if err != nil {
				b.log.Error("cannot resolve the user", "update_id", upd.ID, "chat_id", st.ev.chatID, "user_id", st.ev.from.ID, "err", redactErr(err, b.cfg.Token))
				b.failUser(st, err)
				return
			}
			st.user = u
			if u.Lang != "" {
				st.lang = locales.Match(u.Lang)
			}
		}
		next(ctx, tb, upd)
	}
}

// handleUpdate is the innermost handler: Handle, answer the callback, deliver the reply.
func (b *Bot) handleUpdate(ctx context.Context, _ *tgbot.Bot, upd *models.Update) {
	st := stateOf(ctx)
	switch st.ev.kind {
	case kindMember:
		if st.ev.blocked {
			st.outcome = "blocked"
			b.blocked(st.ev.chatID)
		}
		return
	case kindIgnore: // a callback from no one we can serve: stop its spinner
		st.outcome = "ignored"
		dctx, cancel := context.WithTimeout(st.base, b.cfg.DeliveryTimeout)
		defer cancel()
		b.answer(dctx, st, "")
		return
	}

	stopTyping := b.typing(st)
	reply, err := b.cfg.Handler.Handle(ctx, st.user, st.ev.input)
	stopTyping()
	if err != nil {
		b.log.Error("handler failed", "update_id", upd.ID, "chat_id", st.ev.chatID, "user_id", st.ev.from.ID, "err", redactErr(err, b.cfg.Token))
		if len(reply.Messages) == 0 {
			b.failUser(st, err)
			return
		}
		// The handler said what to tell the person (the engine's "try again in a
		// moment" while Redis is away): that, not the generic message, is delivered.
		b.metrics.errors.Add(1)
		st.outcome = "error"
		if errors.Is(err, context.DeadlineExceeded) {
			b.metrics.timeouts.Add(1)
			st.outcome = "timeout"
		}
	}

	dctx, cancel := context.WithTimeout(st.base, b.cfg.DeliveryTimeout)
	defer cancel()
	// The toast and the reply go out at once, so a press's new screen comes one Bot API
	// round trip sooner. Both are done before the update is: the chat's next update
	// still starts after them.
	defer b.answerAsync(dctx, st, reply.Toast)()
	var edit *editTarget
	if st.ev.kind == kindCallback {
		edit = &editTarget{messageID: st.ev.messageID}
	}
	for i, m := range reply.Messages {
		err := b.deliver(dctx, st.ev.chatID, m, edit)
		switch {
		case err == nil:
			continue
		case errors.Is(err, ErrBlocked):
			st.outcome = "blocked"
		case errors.Is(err, ErrInvalidMessage):
			// The flow built a message Telegram would refuse: a bug, not the user's doing.
			b.log.Error("refusing to send an invalid message", "update_id", upd.ID, "chat_id", st.ev.chatID, "message", i, "err", err)
			b.failUser(st, err)
			b.undelivered(st)
		default:
			b.metrics.errors.Add(1)
			st.outcome = "error"
			b.log.Error("reply not delivered", "update_id", upd.ID, "chat_id", st.ev.chatID, "message", i, "of", len(reply.Messages), "err", err)
			b.undelivered(st)
		}
		return // the rest would make no sense without this one
	}
	// A group's menu is shared by its members: only a private chat follows its person.
	if reply.Commands != nil && st.ev.chatID == st.user.ID {
		b.setChatMenu(dctx, st.ev.chatID, reply.Commands)
	}
}

// undelivered tells the flows that the person did not get the reply's screen.
func (b *Bot) undelivered(st *updateState) {
	if b.cfg.OnUndelivered == nil {
		return
	}
	ctx, cancel := context.WithTimeout(st.base, b.cfg.DeliveryTimeout)
	defer cancel()
	b.cfg.OnUndelivered(ctx, st.ev.chatID)
}

// failUser tells the user something went wrong: the callback (if any) is answered and
// the generic error message (or the timeout message) is sent, in the user's language.
func (b *Bot) failUser(st *updateState, cause error) {
	if st.outcome == "ok" {
		st.outcome = "error"
		b.metrics.errors.Add(1)
	}
	if st.ev.kind != kindMessage && st.ev.kind != kindCallback {
		return
	}
	ctx, cancel := context.WithTimeout(st.base, b.cfg.DeliveryTimeout)
	defer cancel()
	b.answer(ctx, st, "")
	id := "bot.error"
	if errors.Is(cause, context.DeadlineExceeded) {
		id = "bot.timeout"
		st.outcome = "timeout"
		b.metrics.timeouts.Add(1)
	}
	if err := b.sendText(ctx, st.ev.chatID, locales.For(st.lang).T(id), nil); err != nil {
		b.log.Warn("could not tell the user about an error", "update_id", st.upd.ID, "chat_id", st.ev.chatID, "err", err)
	}
}

// answer answers the update's callback query once; Telegram keeps the button spinning
// until it is. toast is cut to Telegram's 200 characters.
func (b *Bot) answer(ctx context.Context, st *updateState, toast string) {
	b.answerAsync(ctx, st, toast)()
}

// sendAnswer calls answerCallbackQuery; a failure is logged (the person's button stops
// spinning on its own after a while).
func (b *Bot) sendAnswer(ctx context.Context, st *updateState, toast string) {
	if r := []rune(toast); len(r) > 200 {
		toast = string(r[:199]) + "…"
	}
	err := b.call(ctx, "answerCallbackQuery", st.ev.chatID, func(ctx context.Context) error {
		_, err := b.tg.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: st.ev.callbackID, Text: toast})
		return err
	})
	if err != nil {
		b.log.Warn("callback query not answered", "update_id", st.upd.ID, "chat_id", st.ev.chatID, "err", err)
	}
}

// answerAsync answers the update's callback query, once, in its own goroutine; the
// returned func waits for it.
func (b *Bot) answerAsync(ctx context.Context, st *updateState, toast string) (wait func()) {
	if st.ev.callbackID == "" || st.answered {
		return func() {}
	}
	st.answered = true // before the goroutine: failUser must not answer again
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.sendAnswer(ctx, st, toast)
	}()
	return func() { <-done }
}

// typing shows "typing…" in the chat if Handle takes longer than TypingAfter; the
// returned func stops it.
func (b *Bot) typing(st *updateState) func() {
	if b.cfg.TypingAfter < 0 || st.ev.kind != kindMessage {
		return func() {}
	}
	t := time.AfterFunc(b.cfg.TypingAfter, func() {
		if !b.inflight.add() {
			return
		}
		defer b.inflight.done()
		ctx, cancel := context.WithTimeout(st.base, b.cfg.SendTimeout)
		defer cancel()
		if _, err := b.tg.SendChatAction(ctx, &tgbot.SendChatActionParams{ChatID: st.ev.chatID, Action: models.ChatActionTyping}); err != nil {
			b.log.Debug("sendChatAction failed", "chat_id", st.ev.chatID, "err", redactErr(err, b.cfg.Token))
		}
	})
	return func() { t.Stop() }
}

// logUpdate writes one line per update: ids, kind, command name (never text or
// arguments: they may hold an invite code or what a person typed), outcome, duration.
func (b *Bot) logUpdate(st *updateState) {
	level := slog.LevelInfo
	if st.outcome != "ok" && st.outcome != "ignored" {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.Int64("update_id", st.upd.ID), slog.Int64("chat_id", st.ev.chatID), slog.Int64("user_id", st.ev.from.ID),
		slog.String("kind", st.ev.kind.String()), slog.String("outcome", st.outcome),
		slog.Int64("duration_ms", time.Since(st.start).Milliseconds()),
	}
	if !st.turn.IsZero() {
		attrs = append(attrs, slog.Int64("queued_ms", st.turn.Sub(st.start).Milliseconds()))
	}
	if st.ev.input.Command != "" {
		attrs = append(attrs, slog.String("command", st.ev.input.Command))
	}
	b.log.LogAttrs(context.Background(), level, "update", attrs...)
	b.observe(st)
}

// ---- recent update ids ----

// recentIDs remembers the last n update ids (a ring and a set).
type recentIDs struct {
	mu   sync.Mutex
	set  map[int64]struct{}
	ring []int64
	next int
	full bool
}

func newRecentIDs(n int) *recentIDs {
	return &recentIDs{set: make(map[int64]struct{}, n), ring: make([]int64, n)}
}

// seen reports whether id was seen, and remembers it.
func (r *recentIDs) seen(id int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.set[id]; ok {
		return true
	}
	if r.full {
		delete(r.set, r.ring[r.next])
	}
	r.ring[r.next] = id
	r.set[id] = struct{}{}
	r.next++
	if r.next == len(r.ring) {
		r.next, r.full = 0, true
	}
	return false
}

// ---- per-chat FIFO ----

// chatQueues serializes the updates of each chat. Each update takes a ticket that waits
// for the ticket before it (a chain of channels), which makes a fair FIFO; a chat's entry
// is deleted when its last ticket is released, so memory follows the chats active now.
type chatQueues struct {
	mu  sync.Mutex
	m   map[int64]*chatQueue
	max int
}

type chatQueue struct {
	tail chan struct{} // closed when the last ticket taken is released
	n    int           // tickets taken and not released
}

type ticket struct {
	key        int64
	prev, mine chan struct{}
}

func newChatQueues(max int) *chatQueues {
	return &chatQueues{m: map[int64]*chatQueue{}, max: max}
}

func (q *chatQueues) enqueue(key int64) (*ticket, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := q.m[key]
	if c == nil {
		c = &chatQueue{}
		q.m[key] = c
	}
	if c.n >= q.max {
		return nil, false
	}
	t := &ticket{key: key, prev: c.tail, mine: make(chan struct{})}
	c.tail = t.mine
	c.n++
	return t, true
}

func (t *ticket) wait() {
	if t.prev != nil {
		<-t.prev
	}
}

func (q *chatQueues) release(t *ticket) {
	close(t.mine)
	q.mu.Lock()
	defer q.mu.Unlock()
	if c := q.m[t.key]; c != nil {
		c.n--
		if c.n == 0 {
			delete(q.m, t.key)
		}
	}
}

func (q *chatQueues) size() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.m)
}

// ---- updates in hand ----

// tracker counts the updates in hand, for a graceful shutdown.
type tracker struct {
	mu     sync.Mutex
	n      int
	closed bool
	idle   chan struct{}
}

func (t *tracker) add() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.n++
	return true
}

func (t *tracker) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.n == 0 && t.idle != nil {
		close(t.idle)
		t.idle = nil
	}
}

func (t *tracker) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

func (t *tracker) isClosed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed
}

// closeAndWait refuses new work and waits until none is in hand or ctx ends.
func (t *tracker) closeAndWait(ctx context.Context) error {
	t.mu.Lock()
	t.closed = true
	if t.n == 0 {
		t.mu.Unlock()
		return nil
	}
	if t.idle == nil {
		t.idle = make(chan struct{})
	}
	idle := t.idle
	t.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
