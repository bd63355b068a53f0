package harness

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/locales"
)

// Lang is the Telegram language the virtual people use.
const Lang = "zh-hans"

// texts the liaisons recognise, from the locale files (so that a change of wording does
// not break the load tool).
var (
	zh           = locales.For("zh-CN")
	savedToast   = zh.T("report.saved_short")
	skippedToast = zh.T("report.skipped_short")
	submitToast  = zh.T("report.submitted_short")
	staleToast   = zh.T("button.stale")
	askDone      = zh.T("report.ask_done")
	welcome      = prefix(zh.T("start.welcome_liaison"))
	savedPrefix  = "✓ " + savedToast
	// errorTexts are the replies that mean the bot failed the person.
	errorTexts = []string{zh.T("error.try_again"), zh.T("error.generic"), zh.T("bot.error"), zh.T("bot.timeout")}
	// notices come before a screen, in the same reply (see flows: show(..., before...)).
	notices = []string{
		prefix(zh.T("report.already_submitted_text")), prefix(zh.T("report.use_buttons")),
		prefix(zh.T("report.pick_status")), prefix(zh.T("report.empty_text")),
		prefix(zh.T("report.reopen_too_late")),
		prefix(zh.T("number.empty")), prefix(zh.T("number.too_long")), prefix(zh.T("number.no_value")),
		prefix(zh.T("number.not_a_number")), prefix(zh.T("number.two_numbers")),
		prefix(zh.T("number.unknown_unit")), prefix(zh.T("number.unit_mismatch")),
	}
)

// prefix is a rendered message up to its first missing template value.
func prefix(s string) string {
	if i := strings.Index(s, "<no value>"); i >= 0 {
		s = s[:i]
	}
	return s
}

// IsError reports whether a message is one of the bot's error replies.
func IsError(text string) bool {
	for _, e := range errorTexts {
		if text == e {
			return true
		}
	}
	return false
}

// TryAgain is the reply a person gets while the session store is unreachable.
func TryAgain() string { return zh.T("error.try_again") }

func isNotice(m bottest.Call) bool {
	if len(m.Buttons) > 0 {
		return false
	}
	for _, n := range notices {
		if n != "" && strings.HasPrefix(m.Text, n) {
			return true
		}
	}
	return false
}

// Ack is an answer whose saving the bot acknowledged.
type Ack struct {
	Kind string // "value" (Raw), "done", "coord": typed; "button": a press answered 已保存
	Text string
}

// Liaison is a virtual liaison: a Telegram user in a private chat with the bot, bound to
// a unit by an invite.
type Liaison struct {
	ID   int64 // Telegram user id and private chat id
	Unit string
	Code string // invite code, redeemed with /start

	api   *API
	inbox <-chan bottest.Call
	rng   *rand.Rand
	last  bottest.Call // the bot's latest message: the screen to act on
	bound bool
	edits int    // items to revise before submitting again
	raw   string // a value typed and waiting for confirmation
	seq   int
	// resync: a reply timed out; before the next action, let late messages arrive and
	// start again from /report.
	resync bool

	// Acked lists every answer the bot acknowledged, in order.
	Acked []Ack
	// Submits counts submissions the bot confirmed.
	Submits int
	// Stale counts presses the bot answered "that button is out of date".
	Stale int
	// Rechecks counts typed answers the bot showed back instead of filing them (after
	// an unclean restart, or a reply not delivered) that the liaison then saw.
	Rechecks int
	// Errors counts error replies ("try again in a moment" …) and TimedOut replies that
	// never came.
	Errors, TimedOut int
	stats            stats
}

// action is one thing a person does: press a button on the latest message, or type.
type action struct {
	data string // callback data to press
	text string // text to type
	ack  string // what saving this would be recorded as: "value", "done", "coord", "button"
	what string // for a pending value: its raw text
}

// Attach connects a liaison to an API (its inbox) before it runs.
func (l *Liaison) Attach(api *API) {
	l.api = api
	l.inbox = api.Register(l.ID)
	if l.rng == nil {
		l.rng = rand.New(rand.NewPCG(uint64(l.ID), 42))
	}
}

// Last is the bot's latest message to this liaison.
func (l *Liaison) Last() bottest.Call { return l.last }

// buttons maps each report-flow action ("go", "status", "edit" …) of the latest
// message to its callback data ("r:<nonce>:<step>:<act>[:arg]"); actions with an
// argument are listed under their name, all of them.
func (l *Liaison) buttons() map[string][]string {
	out := map[string][]string{}
	for _, row := range l.last.Buttons {
		for _, b := range row {
			parts := strings.SplitN(b.Data, ":", 5)
			if len(parts) < 4 || parts[0] != "r" {
				continue
			}
			out[parts[3]] = append(out[parts[3]], b.Data)
		}
	}
	return out
}

func (l *Liaison) pick(xs []string) string { return xs[l.rng.IntN(len(xs))] }

// decide picks the next action from the screen on display.
func (l *Liaison) decide() action {
	if !l.bound {
		return action{text: "/start " + l.Code}
	}
	if l.resync {
		// After a reply that never came, a late one may still come: wait for the chat
		// to be quiet, then ask for the report afresh (its reply acknowledges nothing).
		l.resync = false
		l.waitQuiet(time.Second)
		return action{text: "/report"}
	}
	b := l.buttons()
	text := l.last.Text
	switch {
	case len(b) == 0:
		// A greeting, a confirmation, an error, a paused flow: go to the report.
		return action{text: "/report"}
	case b["drop"] != nil:
		// Text typed when the screen before may not have arrived (a crash, a reply not
		// delivered), shown back with the question it would be filed under: it was typed
		// for the screen before, so do not file it; answer the question shown next.
		l.Rechecks++
		return action{data: b["drop"][0]}
	case b["ok"] != nil: // an implausible value, shown back: confirm it
		return action{data: b["ok"][0], ack: "value", what: l.raw}
	case b["status"] != nil && b["coord"] != nil && l.rng.IntN(8) == 0: // a task: 需协调事项 first
		return action{data: b["coord"][0]}
	case b["status"] != nil: // a task: pick a status (not "not started")
		st := b["status"]
		return action{data: st[1+l.rng.IntN(len(st)-1)], ack: "button"}
	case strings.Contains(text, askDone): // a task: what was done (typed, though a 无 button is offered)
		l.seq++
		return action{text: fmt.Sprintf("完成调研走访 L%d-%d", l.ID, l.seq), ack: "done"}
	case b["none"] != nil: // a task's coordination needs
		if l.rng.IntN(2) == 0 {
			return action{data: b["none"][0], ack: "button"}
		}
		l.seq++
		return action{text: fmt.Sprintf("需协调用地指标 L%d-%d", l.ID, l.seq), ack: "coord"}
	case b["stage"] != nil: // a project: its stage
		return action{data: l.pick(b["stage"]), ack: "button"}
	case b["skip"] != nil: // an indicator: a plausible number
		l.seq++
		raw := strconv.Itoa(1+l.rng.IntN(9)) + "." + strconv.Itoa(100+l.seq%900)
		return action{text: raw, ack: "value", what: raw}
	case b["submit"] != nil: // the review
		if l.edits > 0 && b["edit"] != nil {
			l.edits--
			return action{data: l.pick(b["edit"])}
		}
		return action{data: b["submit"][0]}
	case b["submitok"] != nil: // asked to confirm the submission
		return action{data: b["submitok"][0]}
	case b["go"] != nil:
		return action{data: b["go"][0]}
	case b["reopen"] != nil: // submitted: reopen and revise a few items
		l.edits = 1 + l.rng.IntN(3)
		return action{data: b["reopen"][0]}
	}
	return action{text: "/report"}
}

// waitQuiet takes messages until none has come for d.
func (l *Liaison) waitQuiet(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case m := <-l.inbox:
			l.take(m)
			t.Reset(d)
		case <-t.C:
			return
		}
	}
}

// drain takes messages that arrived after the last reply (the rest of a reply, or
// nothing), so the next action works on the latest screen.
func (l *Liaison) drain() {
	for {
		select {
		case m := <-l.inbox:
			l.take(m)
		default:
			return
		}
	}
}

// take makes m the screen the liaison sees. A welcome that comes late — the reply to a
// /start whose wait was abandoned, taken by the bot after a restart — still means the
// invite was redeemed: sending the code again would only be refused as used.
func (l *Liaison) take(m bottest.Call) {
	l.last = m
	if strings.HasPrefix(m.Text, welcome) {
		l.bound = true
	}
}

// outcome of one interaction.
type outcome struct {
	latency time.Duration
	err     string // "", "error" (an error reply), "timeout" (no reply)
	stale   bool
}

// interact does one action and waits for its reply. ctx ending abandons it.
func (l *Liaison) interact(ctx context.Context, act action, timeout time.Duration) (outcome, bool) {
	l.drain()
	var cbq string
	var toasted <-chan struct{} // a press: closed once the bot answered its callback query
	t0 := time.Now()
	if act.data != "" {
		cbq = bottest.CallbackID(l.api.Srv.Press(l.ID, l.ID, l.last.MessageID, act.data))
		var stop func()
		toasted, stop = l.api.watchToast(cbq)
		defer stop()
	} else {
		l.api.Srv.SendText(l.ID, l.ID, act.text, Lang)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	// The bot answers a press's callback query and sends its reply at the same time, and
	// handles a chat's updates one after the other. A message that comes before this
	// press's answer is either its reply, sent alongside, or a message of an earlier
	// update (one redelivered after a restart, or one whose reply timed out): the latest
	// such message is taken when the answer comes. Outside restarts and timeouts it can
	// only be the reply.
	var first, early bottest.Call
	var earlyAt time.Duration
	got, haveEarly, tookEarly := false, false, false
	for !got {
		select {
		case m := <-l.inbox:
			if toasted != nil {
				early, earlyAt, haveEarly = m, time.Since(t0), true
				l.last = m
				continue
			}
			first, got = m, true
		case <-toasted:
			toasted = nil
			if haveEarly {
				first, got, tookEarly = early, true, true
			}
		case <-timer.C:
			l.TimedOut++
			l.resync = true
			return outcome{err: "timeout", latency: timeout}, true
		case <-ctx.Done():
			return outcome{}, false
		}
	}
	out := outcome{latency: time.Since(t0)}
	if tookEarly {
		out.latency = earlyAt
	}
	l.last = first
	// A notice comes with a screen after it: wait for the screen.
	for isNotice(l.last) {
		select {
		case m := <-l.inbox:
			l.last = m
		case <-timer.C:
			l.TimedOut++
			l.resync = true
			out.err = "timeout"
			return out, true
		case <-ctx.Done():
			return out, false
		}
	}
	if IsError(first.Text) {
		l.Errors++
		out.err = "error"
		return out, true
	}
	toast := ""
	if cbq != "" {
		toast, _ = l.api.Toast(cbq)
	}
	out.stale = toast == staleToast
	if out.stale {
		l.Stale++
	}
	switch {
	case act.text != "" && strings.HasPrefix(act.text, "/start "):
		l.bound = strings.HasPrefix(first.Text, welcome)
	case act.ack == "button" && (toast == savedToast || toast == skippedToast):
		l.Acked = append(l.Acked, Ack{Kind: "button"})
	case act.ack == "value" && act.data != "" && toast == savedToast:
		l.Acked = append(l.Acked, Ack{Kind: "value", Text: act.what})
	case act.ack != "" && act.ack != "button" && act.text != "" && strings.HasPrefix(first.Text, savedPrefix):
		l.Acked = append(l.Acked, Ack{Kind: act.ack, Text: act.text})
	case act.ack == "value" && act.text != "" && len(first.Buttons) > 0 && l.buttons()["ok"] != nil:
		l.raw = act.text // implausible: asked to confirm
	}
	if toast == submitToast {
		l.Submits++
	}
	return out, true
}

// Start redeems the liaison's invite (retrying a failed attempt) and returns when bound.
func (l *Liaison) Start(ctx context.Context, timeout time.Duration) error {
	for attempt := 0; ; attempt++ {
		if l.drain(); l.bound {
			return nil
		}
		if attempt == 5 {
			return fmt.Errorf("liaison %d: could not redeem the invite: %q", l.ID, l.last.Text)
		}
		if _, ok := l.interact(ctx, l.decide(), timeout); !ok {
			return ctx.Err()
		}
	}
}

// Step does the next action and waits for the reply; false when ctx ended first.
func (l *Liaison) Step(ctx context.Context, timeout time.Duration) (latency time.Duration, errKind string, ok bool) {
	l.drain() // decide on the latest screen
	o, ok := l.interact(ctx, l.decide(), timeout)
	return o.latency, o.err, ok
}
