package progressbot_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
)

func TestErrorKinds(t *testing.T) {
	sentinel := &progressbot.Error{Kind: progressbot.Conflict, Msg: "already used"}
	cause := errors.New("telegram: 429 Too Many Requests")
	rate := &progressbot.Error{Kind: progressbot.RetryLater, RetryAfter: 3 * time.Second, Err: cause}
	tests := []struct {
		name  string
		err   error
		kind  progressbot.ErrorKind
		wait  time.Duration
		text  string
		isErr error // errors.Is(err, isErr) holds
		notIs error // and errors.Is(err, notIs) does not
	}{
		{"nil", nil, "", 0, "", nil, progressbot.Internal},
		{"plain", errors.New("disk full"), progressbot.Internal, 0, "disk full", nil, progressbot.NotFound},
		{"sentinel", sentinel, progressbot.Conflict, 0, "already used", progressbot.Conflict, progressbot.Invalid},
		{"wrapped sentinel", fmt.Errorf("redeem %q: %w", "c0de", sentinel), progressbot.Conflict, 0, `redeem "c0de": already used`, sentinel, &progressbot.Error{Kind: progressbot.Conflict, Msg: "already used"}},
		{"cause only", rate, progressbot.RetryLater, 3 * time.Second, cause.Error(), cause, progressbot.Blocked},
		{"wrapped twice", fmt.Errorf("sendMessage: still rate limited: %w", rate), progressbot.RetryLater, 3 * time.Second, "sendMessage: still rate limited: " + cause.Error(), progressbot.RetryLater, nil},
		{"outer kind wins", &progressbot.Error{Kind: progressbot.Blocked, Msg: "blocked", Err: rate}, progressbot.Blocked, 3 * time.Second, "blocked: " + cause.Error(), progressbot.RetryLater, nil},
		{"kind only", &progressbot.Error{Kind: progressbot.Invalid}, progressbot.Invalid, 0, "invalid", progressbot.Invalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := progressbot.KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf = %q, want %q", got, tt.kind)
			}
			if got := progressbot.RetryAfter(tt.err); got != tt.wait {
				t.Errorf("RetryAfter = %v, want %v", got, tt.wait)
			}
			if tt.err != nil && tt.err.Error() != tt.text {
				t.Errorf("Error() = %q, want %q", tt.err.Error(), tt.text)
			}
			if tt.isErr != nil && !errors.Is(tt.err, tt.isErr) {
				t.Errorf("errors.Is(err, %v) = false", tt.isErr)
			}
			if tt.notIs != nil && errors.Is(tt.err, tt.notIs) {
				t.Errorf("errors.Is(err, %v) = true", tt.notIs)
			}
		})
	}
}
