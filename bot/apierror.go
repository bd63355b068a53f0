package bot

import (
	"errors"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/progressbot/progressbot"
)

// apiError gives an error of the Bot API, as the go-telegram/bot library returns it, its
// kind in the domain: the one place that reads the library's error types, so that this
// package, the scheduler and their tests decide on kinds (and fake senders return
// *progressbot.Error). The library's error stays in the chain, and its text is the error's
// text. An error Telegram did not answer (a timeout, a 5xx, a dropped connection) is
// returned as it is: whether to retry it is this package's business (classify).
//
//   - 429: RetryLater, with retry_after (at least a second: Telegram has said 0);
//   - 403: Blocked — the person blocked the bot, deleted their account, or the bot left
//     the group;
//   - 400 "message is not modified": Conflict — an edit to what the message already shows;
//   - any other 400: Invalid — Telegram refuses the message (or cannot edit it);
//   - 401, 404: Forbidden, NotFound — Telegram does not know the token.
func apiError(err error) error {
	kind := progressbot.ErrorKind("")
	var tm *tgbot.TooManyRequestsError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tm):
		return &progressbot.Error{Kind: progressbot.RetryLater, RetryAfter: time.Duration(max(tm.RetryAfter, 1)) * time.Second, Err: err}
	case errors.Is(err, tgbot.ErrorForbidden):
		kind = progressbot.Blocked
	case errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "message is not modified"):
		kind = progressbot.Conflict
	case errors.Is(err, tgbot.ErrorBadRequest):
		kind = progressbot.Invalid
	case errors.Is(err, tgbot.ErrorUnauthorized):
		kind = progressbot.Forbidden
	case errors.Is(err, tgbot.ErrorNotFound):
		kind = progressbot.NotFound
	default:
		return err
	}
	return &progressbot.Error{Kind: kind, Err: err}
}
