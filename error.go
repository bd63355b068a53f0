package progressbot

import (
	"errors"
	"time"
)

// ErrorKind is what sort of failure an error is, as the domain sees it: the few answers
// the code that meets an error needs (tell the person which message? retry? stop writing
// to this chat?), whichever package or library the error came from. The store's errors
// carry one, and package bot gives Telegram's errors one, so that the flows and the
// scheduler decide on kinds and never on another package's error types.
type ErrorKind string

const (
	// Internal is every error that is not an *Error: a bug, a disk, a dropped
	// connection. The person is told something went wrong; the details go to the log.
	Internal ErrorKind = "internal"
	// NotFound: no such thing (a unit, an invite code, a board, a subject).
	NotFound ErrorKind = "not_found"
	// Forbidden: the thing exists, but not for this person (outside a leader's scope, a
	// token Telegram refuses).
	Forbidden ErrorKind = "forbidden"
	// Conflict: the thing's state does not allow it (an invite already used, a board
	// already published, a message that already shows the text).
	Conflict ErrorKind = "conflict"
	// Invalid: what was asked is wrong whatever the state (a malformed invite or
	// extension, a message Telegram refuses).
	Invalid ErrorKind = "invalid"
	// Blocked: the chat does not take our messages (the person blocked the bot, the bot
	// left the group).
	Blocked ErrorKind = "blocked"
	// RetryLater: not now; Error.RetryAfter says when, if it is known.
	RetryLater ErrorKind = "retry_later"
)

// Error is a failure of one kind. Packages declare their sentinel errors as *Error values
// (errors.Is(err, store.ErrInviteUsed) keeps comparing identity) and wrap the errors of
// others in one (a Telegram 429 as RetryLater with its retry_after).
type Error struct {
	Kind ErrorKind
	// Msg is for logs and tests, in English; what a person reads comes from locales.
	Msg string
	// RetryAfter is how long to wait before trying again (RetryLater), if known.
	RetryAfter time.Duration
	// Err is the cause, if any: the library's own error.
	Err error
}

func (e *Error) Error() string {
	switch {
	case e.Msg != "" && e.Err != nil:
		return e.Msg + ": " + e.Err.Error()
	case e.Msg != "":
		return e.Msg
	case e.Err != nil:
		return e.Err.Error()
	}
	return string(e.Kind)
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, progressbot.Blocked) ask for the kind. Sentinels still match
// by identity only: two errors of one kind are not the same error.
func (e *Error) Is(target error) bool {
	k, ok := target.(ErrorKind)
	return ok && k == e.Kind
}

// Error makes a kind usable as errors.Is's target.
func (k ErrorKind) Error() string { return string(k) }

// KindOf returns the kind of the outermost *Error in err's chain: "" for nil, Internal
// for an error that carries no kind.
func KindOf(err error) ErrorKind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Kind != "" {
		return e.Kind
	}
	return Internal
}

// RetryAfter is how long err asks to wait before trying again: the RetryAfter of the
// first *Error in its chain that has one, 0 when none says.
func RetryAfter(err error) time.Duration {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return 0
		}
		if e.RetryAfter > 0 {
			return e.RetryAfter
		}
		err = e.Err
	}
	return 0
}
