// Package harness drives a progressbot (or any bot) through a fake Telegram Bot API with
// virtual liaisons, for the load tool (cmd/loadtest) and for fault tests that kill, stop
// or starve the bot mid-flow and then check that nothing acknowledged was lost.
//
// The pieces:
//
//   - API: the fake Bot API of bot/bottest, with every message the bot sends routed to
//     the virtual person whose chat it is, and callback answers (toasts) kept by query id.
//   - Prepare: a database with the bundled plan and one invite per virtual liaison.
//   - Liaison: a person who answers whatever the report flow asks, through to
//     submission, then reopens and revises; it remembers every answer whose saving the
//     bot acknowledged (a typed answer: the "✓ 已保存" reply; a button: the "已保存" toast).
//   - Run: many liaisons at once, with think time, timing each interaction from the
//     update being queued to the first message of its reply.
//   - Verify: every acknowledged answer is in the database.
//   - Proc: the bot in a child process, with its peak resident memory and CPU time.
package harness

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/progressbot/progressbot/bot/bottest"
)

// API is a fake Bot API whose messages go to the virtual people's inboxes.
type API struct {
	Srv *bottest.Server

	inbox   sync.Map // chat id → chan bottest.Call
	toasts  sync.Map // callback query id → toast
	waiters sync.Map // callback query id → chan struct{}, closed when it is answered
	invalid atomic.Int64
	faults  atomic.Int64
	dropped atomic.Int64
	sends   atomic.Int64
}

// StartAPI starts a fake Bot API. opts.NoLog is forced (a load run would keep every call)
// and opts.OnCall is chained after the routing.
func StartAPI(opts bottest.Options) *API {
	a := &API{}
	next := opts.OnCall
	opts.NoLog = true
	opts.OnCall = func(c bottest.Call) {
		a.route(c)
		if next != nil {
			next(c)
		}
	}
	a.Srv = bottest.Start(opts)
	return a
}

// Close stops the server.
func (a *API) Close() { a.Srv.Close() }

// URL is TELEGRAM_API_URL for the bot.
func (a *API) URL() string { return a.Srv.URL() }

// Token is the bot token the server accepts.
func (a *API) Token() string { return a.Srv.Token() }

// Invalid counts calls Telegram would have refused (bad parameters, a message not
// modified, a callback answered twice): each is a bug or a duplicate.
func (a *API) Invalid() int64 { return a.invalid.Load() }

// Faults counts calls answered with an injected fault (429, 5xx, hang).
func (a *API) Faults() int64 { return a.faults.Load() }

// Sends counts messages that took effect (sent or edited).
func (a *API) Sends() int64 { return a.sends.Load() }

// Dropped counts messages for a chat whose inbox was full or that nobody registered.
func (a *API) Dropped() int64 { return a.dropped.Load() }

// Register makes the inbox of a chat; the bot's messages to it arrive there.
func (a *API) Register(chatID int64) <-chan bottest.Call {
	ch := make(chan bottest.Call, 64)
	a.inbox.Store(chatID, ch)
	return ch
}

// answered reports whether the bot has answered a callback query.
func (a *API) answered(callbackID string) bool {
	_, ok := a.toasts.Load(callbackID)
	return ok
}

// watchToast returns a channel closed once the bot has answered the callback query (at
// once if it already has). stop forgets the watch.
func (a *API) watchToast(callbackID string) (answered <-chan struct{}, stop func()) {
	ch := make(chan struct{})
	a.waiters.Store(callbackID, ch)
	// route stores the toast, then takes the waiter: whichever of the two sees the other
	// closes the channel, exactly once.
	if a.answered(callbackID) && a.waiters.CompareAndDelete(callbackID, ch) {
		close(ch)
	}
	return ch, func() { a.waiters.CompareAndDelete(callbackID, ch) }
}

// Toast returns (and forgets) the text the bot answered a callback query with.
func (a *API) Toast(callbackID string) (string, bool) {
	v, ok := a.toasts.LoadAndDelete(callbackID)
	if !ok {
		return "", false
	}
	return v.(string), true
}

// WaitPolling waits until the server has seen more than n getUpdates requests: a bot (re)started
// and polling.
func (a *API) WaitPolling(ctx context.Context, n int) error {
	for a.Srv.Polls() <= n {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

func (a *API) route(c bottest.Call) {
	switch {
	case c.Fault == "invalid":
		a.invalid.Add(1)
		return
	case c.Fault != "":
		a.faults.Add(1)
		return
	}
	switch c.Method {
	case "answerCallbackQuery":
		a.toasts.Store(c.CallbackQueryID, c.Toast)
		if v, ok := a.waiters.LoadAndDelete(c.CallbackQueryID); ok {
			close(v.(chan struct{}))
		}
	case "sendMessage", "editMessageText", "sendDocument", "sendPhoto":
		a.sends.Add(1)
		v, ok := a.inbox.Load(c.ChatID)
		if !ok {
			a.dropped.Add(1)
			return
		}
		select {
		case v.(chan bottest.Call) <- c:
		default:
			a.dropped.Add(1)
		}
	}
}
