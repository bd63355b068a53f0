package bot

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
)

// tokenShape matches a Telegram bot token anywhere in a string: the bot id, a colon and
// at least 30 characters of the secret (real secrets are 35).
var tokenShape = regexp.MustCompile(`[0-9]{5,}(:|%3[aA])[A-Za-z0-9_-]{30,}`)

const redacted = "<redacted>"

// minTokenLen is the length of the shortest string tokenShape matches: five digits, a
// colon and thirty characters.
const minTokenLen = 5 + 1 + 30

// Redact removes a bot token from s: the token given (also URL-escaped), and anything else
// shaped like a token. The library's errors may carry the request URL, which holds the
// token (…/bot<token>/sendMessage); every error this package logs or returns passes here.
func Redact(s, token string) string {
	if len(s) < minTokenLen && (token == "" || len(s) < len(token)) {
		// Too short to hold the token (or its escaped forms, which are no shorter) or
		// anything shaped like one: most log attributes, on every update's line.
		return s
	}
	if token != "" {
		s = strings.ReplaceAll(s, token, redacted)
		if esc := url.PathEscape(token); esc != token {
			s = strings.ReplaceAll(s, esc, redacted)
		}
		if esc := url.QueryEscape(token); esc != token {
			s = strings.ReplaceAll(s, esc, redacted)
		}
	}
	return tokenShape.ReplaceAllString(s, redacted)
}

// redactedError is an error whose message had the token removed; it keeps the chain for
// errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redactErr(err error, token string) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*redactedError); ok {
		return err
	}
	return &redactedError{msg: Redact(err.Error(), token), err: err}
}

// redactHandler is a slog.Handler that removes the token from the message and from
// every string, error and Stringer attribute before the wrapped handler sees them:
// defence in depth behind redactErr.
type redactHandler struct {
	h     slog.Handler
	token string
}

func newRedactLogger(l *slog.Logger, token string) *slog.Logger {
	return slog.New(&redactHandler{h: l.Handler(), token: token})
}

func (r *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return r.h.Enabled(ctx, l)
}

func (r *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, Redact(rec.Message, r.token), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(r.attr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = r.attr(a)
	}
	return &redactHandler{h: r.h.WithAttrs(clean), token: r.token}
}

func (r *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{h: r.h.WithGroup(name), token: r.token}
}

func (r *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Redact(v.String(), r.token))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = r.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, Redact(x.Error(), r.token))
		case fmt.Stringer:
			return slog.String(a.Key, Redact(x.String(), r.token))
		case []byte:
			return slog.String(a.Key, Redact(string(x), r.token))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
