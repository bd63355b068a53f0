package bot

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/progressbot/progressbot"
)

// The errors as the library builds them from Telegram's answers (raw_request.go), and
// what each becomes: its kind, its wait, and what call does with it.
func TestAPIErrorKinds(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		kind    progressbot.ErrorKind
		wait    time.Duration
		failure failure
	}{
		{"429", &tgbot.TooManyRequestsError{Message: "too many requests, Too Many Requests: retry after 7", RetryAfter: 7}, progressbot.RetryLater, 7 * time.Second, failRateLimited},
		{"429 retry_after 0", &tgbot.TooManyRequestsError{Message: "too many requests", RetryAfter: 0}, progressbot.RetryLater, time.Second, failRateLimited},
		{"403 blocked", fmt.Errorf("%w, %s", tgbot.ErrorForbidden, "Forbidden: bot was blocked by the user"), progressbot.Blocked, 0, failBlocked},
		{"403 kicked from the group", fmt.Errorf("%w, %s", tgbot.ErrorForbidden, "Forbidden: bot was kicked from the group chat"), progressbot.Blocked, 0, failBlocked},
		{"400 not modified", fmt.Errorf("%w, %s", tgbot.ErrorBadRequest, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same"), progressbot.Conflict, 0, failPermanent},
		{"400 cannot edit", fmt.Errorf("%w, %s", tgbot.ErrorBadRequest, "Bad Request: message can't be edited"), progressbot.Invalid, 0, failPermanent},
		{"400 empty text", fmt.Errorf("%w, %s", tgbot.ErrorBadRequest, "Bad Request: message text is empty"), progressbot.Invalid, 0, failPermanent},
		{"401", fmt.Errorf("%w, %s", tgbot.ErrorUnauthorized, "Unauthorized"), progressbot.Forbidden, 0, failPermanent},
		{"404", fmt.Errorf("%w, %s", tgbot.ErrorNotFound, "Not Found"), progressbot.NotFound, 0, failPermanent},
		{"400 group migrated", &tgbot.MigrateError{Message: "bad request: group chat was upgraded to a supergroup chat", MigrateToChatID: -100123}, progressbot.Internal, 0, failPermanent},
		{"5xx", &serverError{status: 502}, progressbot.Internal, 0, failRetry},
		{"timeout", fmt.Errorf("error do request for method sendMessage, %w", context.DeadlineExceeded), progressbot.Internal, 0, failRetry},
		{"a proxy's page", errors.New("error decode response body for method sendMessage, <html>"), progressbot.Internal, 0, failRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := apiError(redactErr(tt.err, "123456:"+"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"))
			if got := progressbot.KindOf(err); got != tt.kind {
				t.Errorf("kind = %q, want %q", got, tt.kind)
			}
			if got := progressbot.RetryAfter(err); got != tt.wait {
				t.Errorf("RetryAfter = %v, want %v", got, tt.wait)
			}
			if err.Error() != tt.err.Error() {
				t.Errorf("text = %q, want the library's %q", err.Error(), tt.err.Error())
			}
			if !errors.Is(err, tt.err) {
				t.Error("the library's error is no longer in the chain")
			}
			f, wait := classify(context.Background(), err)
			if f != tt.failure || (f == failRateLimited && wait != tt.wait) {
				t.Errorf("classify = %v, %v; want %v, %v", f, wait, tt.failure, tt.wait)
			}
		})
	}
	if apiError(nil) != nil {
		t.Error("apiError(nil) is not nil")
	}
}
