package flows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/sessions"
)

// Each error the flows expect has its message (and a pressed button's toast), wherever
// in the chain it sits; every other error has none and is told as a failure.
func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err         error
		text, toast string // "" text: not expected
	}{
		{store.ErrInviteThrottled, "start.throttled", "start.throttled"},
		{store.ErrInviteUnknown, "start.code_unknown", "start.code_unknown"},
		{fmt.Errorf("redeem: %w", store.ErrInviteUsed), "start.code_used", "start.code_used"},
		{store.ErrInviteExpired, "start.code_expired", "start.code_expired"},
		{fmt.Errorf("create invite: %w: no unit", store.ErrBadInvite), "invite.chat.usage", "invite.chat.usage"},
		{store.ErrExtensionNotLater, "extend.not_later", "extend.not_later"},
		{store.ErrBadExtension, "extend.usage", "extend.usage"},
		{fmt.Errorf("remove from board: %w", store.ErrBoardPublished), "leader.board.already_published", "leader.board.already_published_short"},
		{store.ErrBoardNotApproved, "leader.board.approve_first", "leader.board.approve_first"},
		{store.ErrBoardNoEntry, "button.stale", "button.stale"},
		{fmt.Errorf("select: %w", progressbot.ErrUnknownSubject), "leader.unknown_subject", "button.stale"},
		// What a caller decides on (a missing board, a refused scope) or cannot help.
		{store.ErrNotFound, "", ""},
		{progressbot.ErrOutOfScope, "", ""},
		{store.ErrReportExists, "", ""},
		{&progressbot.Error{Kind: progressbot.Conflict, Msg: "invite code already used"}, "", ""},
		{sessions.ErrUnavailable, "", ""},
		{errors.New("disk I/O error"), "", ""},
		{nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.err), func(t *testing.T) {
			text, toast, ok := errorMessage(tt.err)
			if text != tt.text || toast != tt.toast || ok != (tt.text != "") {
				t.Errorf("errorMessage = %q, %q, %v; want %q, %q", text, toast, ok, tt.text, tt.toast)
			}
			for _, lang := range []string{"zh-CN", "en"} {
				loc := locales.For(lang)
				for _, id := range []string{text, toast} {
					if id != "" && loc.T(id, "Wait", "1", "Deadline", "1", "Was", "1", "Period", "1") == id {
						t.Errorf("%s: no message %q", lang, id)
					}
				}
			}
		})
	}
}

// An error no flow expected is told as "try again in a moment" when it passes by itself,
// else as "something went wrong".
func TestFailureText(t *testing.T) {
	tests := []struct {
		err error
		id  string
	}{
		{sessions.ErrUnavailable, "error.try_again"},
		{fmt.Errorf("save session: %w", sessions.ErrConflict), "error.try_again"},
		{fmt.Errorf("roll: %w", context.DeadlineExceeded), "error.try_again"},
		{&progressbot.Error{Kind: progressbot.RetryLater}, "error.try_again"},
		{store.ErrNotFound, "error.generic"},
		{store.ErrBoardPublished, "error.generic"},
		{sessions.ErrClosed, "error.generic"},
		{context.Canceled, "error.generic"},
		{errors.New("disk I/O error"), "error.generic"},
	}
	for _, tt := range tests {
		for _, lang := range []string{"zh-CN", "en"} {
			loc := locales.For(lang)
			if got, want := failureText(tt.err, loc), loc.T(tt.id); got != want || strings.TrimSpace(got) == tt.id {
				t.Errorf("%s %v: %q, want %q (%s)", lang, tt.err, got, want, tt.id)
			}
		}
	}
}
