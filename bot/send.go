package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/progressbot/progressbot"
)

// ErrBlocked is returned (wrapped) when Telegram answers 403: the user blocked the bot,
// deleted their account, never started it, or the bot left the group. It is not retried;
// Config.OnBlocked is told. Its kind is progressbot.Blocked.
var ErrBlocked = &progressbot.Error{Kind: progressbot.Blocked, Msg: "telegram: the bot may not write to this chat"}

// ErrInvalidMessage is returned (wrapped) for a message that Telegram would refuse and that
// is the program's fault: empty text, callback data over 64 bytes, an empty button. Its
// kind is progressbot.Invalid, as is a message Telegram refused with a 400.
var ErrInvalidMessage = &progressbot.Error{Kind: progressbot.Invalid, Msg: "bot: invalid message"}

// serverError is a 5xx answer of the Bot API (or of a proxy in front of it). The library
// folds those into plain strings; our HTTP client turns them into this type first so that
// they can be recognized and retried.
type serverError struct{ status int }

func (e *serverError) Error() string {
	return fmt.Sprintf("bot api server error: HTTP %d %s", e.status, http.StatusText(e.status))
}

// doer wraps the HTTP client given to the library.
type doer struct{ c *http.Client }

func (d doer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 500 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return nil, &serverError{status: resp.StatusCode}
	}
	if resp.StatusCode == http.StatusOK && req.Context().Value(resultUnusedKey{}) != nil {
		return dropResult(resp)
	}
	return resp, nil
}

// newHTTPClient is a client with timeouts that suit long polling: the overall timeout is
// above the poll; each send gets its own deadline from its context (Config.SendTimeout).
// It honours HTTPS_PROXY, which servers in mainland China may need to reach the Bot API.
func newHTTPClient(poll time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout: poll + 15*time.Second,
		Transport: bufferBodies{&http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: poll + 10*time.Second,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConns:          256,
			MaxIdleConnsPerHost:   128, // many chats answered at once go to one host
		}},
	}
}

// failure is how a failed request should be treated.
type failure int

const (
	failPermanent   failure = iota // a 400 and the like: retrying cannot help
	failRetry                      // 5xx, a timeout, a dropped connection: retry with backoff
	failRateLimited                // 429: retry after retry_after
	failBlocked                    // 403: never retry, tell OnBlocked
	failCanceled                   // the caller's context ended
)

func classify(parent context.Context, err error) (failure, time.Duration) {
	if parent.Err() != nil {
		return failCanceled, 0
	}
	switch progressbot.KindOf(err) {
	case progressbot.RetryLater:
		return failRateLimited, progressbot.RetryAfter(err)
	case progressbot.Blocked:
		return failBlocked, 0
	}
	var se *serverError
	if errors.As(err, &se) {
		return failRetry, 0
	}
	// The attempt's own deadline (Config.SendTimeout) or the client's: a timeout.
	if errors.Is(err, context.DeadlineExceeded) {
		return failRetry, 0
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return failRetry, 0
	}
	var oe *net.OpError
	if errors.As(err, &oe) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return failRetry, 0
	}
	// "error decode response body …": a proxy's HTML page with a 2xx/4xx status.
	if strings.Contains(err.Error(), "error decode response body") {
		return failRetry, 0
	}
	return failPermanent, 0
}

// backoff is capped exponential backoff with jitter: the n-th retry (from 0) waits a random
// time between half and all of min(base·2ⁿ, max).
func backoff(n int, base, maxWait time.Duration) time.Duration {
	d := base << min(n, 16)
	if d <= 0 || d > maxWait {
		d = maxWait
	}
	half := d / 2
	return half + rand.N(half+1)
}

// call runs one Bot API request with retries:
//   - 429: waits retry_after (at most MaxRateLimitWaits times, and never past ctx);
//   - 5xx, timeouts and dropped connections: capped exponential backoff with jitter, at
//     most MaxRetries times;
//   - 403: no retry; OnBlocked(chatID) is called and the error wraps ErrBlocked;
//   - anything else (400 …) is returned at once.
//
// Telegram's errors are given their kind (apiError) before anything decides on them: a
// 429 that could not be waited out is returned as progressbot.RetryLater with its wait.
//
// Each attempt has its own deadline (SendTimeout). fn must build its parameters afresh on
// each call (an upload's reader is consumed by an attempt). A timed-out request may have
// reached Telegram: retrying it can, rarely, show a message twice; not retrying would
// lose it. We take at-least-once.
func (b *Bot) call(ctx context.Context, method string, chatID int64, fn func(ctx context.Context) error) error {
	retries, waits := 0, 0
	for {
		timeout := b.cfg.SendTimeout
		if method == "sendDocument" || method == "sendPhoto" {
			timeout *= 4 // an upload over a slow link
		}
		actx, cancel := context.WithTimeout(ctx, timeout)
		err := fn(actx)
		cancel()
		if err == nil {
			return nil
		}
		err = apiError(redactErr(err, b.cfg.Token))
		kind, wait := classify(ctx, err)
		log := b.log.With("method", method, "chat_id", chatID)
		switch kind {
		case failBlocked:
			log.Info("telegram refused: the bot may not write to this chat", "err", err)
			b.blocked(chatID)
			return fmt.Errorf("%s: %w: %w", method, ErrBlocked, err)
		case failRateLimited:
			if waits >= b.cfg.MaxRateLimitWaits {
				return fmt.Errorf("%s: still rate limited after %d waits: %w", method, waits, err)
			}
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
				return fmt.Errorf("%s: rate limited for %v, past the deadline: %w", method, wait, err)
			}
			waits++
			b.metrics.rateLimited.Add(1)
			log.Warn("telegram rate limit: waiting", "retry_after", wait.Seconds())
		case failRetry:
			if retries >= b.cfg.MaxRetries {
				return fmt.Errorf("%s: gave up after %d retries: %w", method, retries, err)
			}
			wait = backoff(retries, b.cfg.RetryBase, b.cfg.RetryMax)
			retries++
			b.metrics.retries.Add(1)
			log.Warn("telegram request failed: retrying", "err", err, "attempt", retries, "wait_ms", wait.Milliseconds())
		default:
			return fmt.Errorf("%s: %w", method, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w (last error: %w)", method, ctx.Err(), err)
		case <-t.C:
		}
	}
}

func (b *Bot) blocked(chatID int64) {
	b.metrics.blocked.Add(1)
	if chatID == 0 || b.cfg.OnBlocked == nil {
		return
	}
	b.cfg.OnBlocked(chatID)
}
