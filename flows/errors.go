package flows

import (
	"context"
	"errors"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/sessions"
)

// This file is where an error becomes what a person reads. A flow that meets an error it
// expects (an invite already used, a board already published) asks errorMessage for the
// message and fills its blanks (a period, a deadline) from what it knows; every other
// error is returned, logged by the caller of Handle, and told with failureText.

// errorMessage returns the message ids for an error the flows expect: text for a message,
// toast for the few words on a pressed button (text itself when the message is short).
// ok is false for any other error: the caller returns it.
func errorMessage(err error) (text, toast string, ok bool) {
	switch {
	case err == nil:
		return "", "", false
	case errors.Is(err, store.ErrInviteThrottled):
		text = "start.throttled" // {{.Wait}}
	case errors.Is(err, store.ErrInviteUnknown):
		text = "start.code_unknown"
	case errors.Is(err, store.ErrInviteUsed):
		text = "start.code_used"
	case errors.Is(err, store.ErrInviteExpired):
		text = "start.code_expired"
	case errors.Is(err, store.ErrBadInvite):
		text = "invite.chat.usage" // the plan's examples
	case errors.Is(err, store.ErrExtensionNotLater):
		text = "extend.not_later" // {{.Deadline}}, {{.Was}}
	case errors.Is(err, store.ErrBadExtension):
		text = "extend.usage" // the plan's examples
	case errors.Is(err, store.ErrBoardPublished):
		text, toast = "leader.board.already_published", "leader.board.already_published_short" // {{.Period}}
	case errors.Is(err, store.ErrBoardNotApproved):
		text = "leader.board.approve_first"
	case errors.Is(err, store.ErrBoardNoEntry):
		text = "button.stale"
	case errors.Is(err, progressbot.ErrUnknownSubject):
		text, toast = "leader.unknown_subject", "button.stale"
	default:
		return "", "", false
	}
	if toast == "" {
		toast = text
	}
	return text, toast, true
}

// failureText is what a person is told about an error no flow expected: to try again in
// a moment when it passes by itself (the session store away or busy, a slow answer,
// anything that says to retry later), else that something went wrong.
func failureText(err error, loc *locales.Localizer) string {
	switch {
	case errors.Is(err, sessions.ErrUnavailable), errors.Is(err, sessions.ErrConflict),
		errors.Is(err, context.DeadlineExceeded), progressbot.KindOf(err) == progressbot.RetryLater:
		return loc.T("error.try_again")
	}
	return loc.T("error.generic")
}

// refusedRollup is the reply when the roller refuses a question (outside the asker's
// scope, or about a subject the plan no longer has) and false for any other error, which
// the caller returns. logArgs say what was asked, for the log.
func (e *Engine) refusedRollup(err error, u User, subj progressbot.Subject, per progressbot.Period, loc *locales.Localizer, logArgs ...any) (Reply, bool) {
	if errors.Is(err, progressbot.ErrOutOfScope) {
		e.log().Info("question refused: out of scope", append([]any{"user_id", u.ID, "subject", subj.String()}, logArgs...)...)
		return e.outOfScope(u, subj, per, loc), true
	}
	if text, toast, ok := errorMessage(err); ok {
		return Reply{Toast: loc.T(toast), Messages: []Message{{Text: loc.T(text)}}}, true
	}
	return Reply{}, false
}

// errorReply is a reply of one message telling the person about an error the flows
// expect, with the message's blanks filled from kv; false for any other error.
func errorReply(err error, loc *locales.Localizer, kv ...any) (Reply, bool) {
	text, _, ok := errorMessage(err)
	if !ok {
		return Reply{}, false
	}
	return Reply{Messages: []Message{{Text: loc.T(text, kv...)}}}, true
}
