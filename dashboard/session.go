package dashboard

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/store"
)

// This file holds the signed links that open the dashboard outside Telegram (a meeting
// room screen) and the session cookie a link turns into. Both are a JSON pass signed
// with a key derived from the bot token, so that only this bot's server can make them.

// LinkTTL is how long a signed link opens the dashboard.
const LinkTTL = 10 * time.Minute

// CookieName is the session cookie a signed link sets.
const CookieName = "pb_dash"

// Pass says who a link or session is for. A pass with a Telegram id is re-checked
// against the person's account on every request (a revoked leader loses it at once); a
// pass without one (made on the server with `progressbot dashboard-link`) carries its
// role and scope itself.
type Pass struct {
	Kind    string     `json:"k"` // "link" or "session"
	ID      int64      `json:"i,omitempty"`
	Role    store.Role `json:"r,omitempty"`
	Scope   string     `json:"s,omitempty"`
	Lang    string     `json:"l,omitempty"`
	Expires int64      `json:"e"` // unix seconds
}

// Errors of a pass; test with errors.Is.
var (
	ErrBadPass     = errors.New("dashboard pass is not signed by this bot")
	ErrExpiredPass = errors.New("dashboard pass has expired")
)

// passKey is the key passes are signed with, derived from the bot token under a label of
// its own so that it is not the Web App key.
func passKey(token string) []byte {
	m := hmac.New(sha256.New, []byte("progressbot dashboard pass"))
	m.Write([]byte(token))
	return m.Sum(nil)
}

func signPass(p Pass, token string) string {
	body, _ := json.Marshal(p)
	m := hmac.New(sha256.New, passKey(token))
	m.Write(body)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(body) + "." + enc.EncodeToString(m.Sum(nil))
}

// openPass checks a signed pass of the given kind at now.
func openPass(s, kind, token string, now time.Time) (Pass, error) {
	enc := base64.RawURLEncoding
	b64, sig64, ok := strings.Cut(s, ".")
	if !ok {
		return Pass{}, ErrBadPass
	}
	body, err1 := enc.DecodeString(b64)
	sig, err2 := enc.DecodeString(sig64)
	if err1 != nil || err2 != nil {
		return Pass{}, ErrBadPass
	}
	m := hmac.New(sha256.New, passKey(token))
	m.Write(body)
	if !hmac.Equal(sig, m.Sum(nil)) {
		return Pass{}, ErrBadPass
	}
	var p Pass
	if err := json.Unmarshal(body, &p); err != nil || p.Kind != kind {
		return Pass{}, ErrBadPass
	}
	if now.Unix() >= p.Expires {
		return Pass{}, fmt.Errorf("expired %s: %w", time.Unix(p.Expires, 0).UTC().Format(time.RFC3339), ErrExpiredPass)
	}
	return p, nil
}

// Links makes the dashboard's addresses: the Mini App's, and signed links for a browser.
type Links struct {
	// PublicURL is the dashboard's https address without /app/ (PROGRESSBOT_PUBLIC_URL).
	PublicURL string
	Token     string
	Now       progressbot.Clock
}

func (l Links) now() time.Time { return l.Now.Now() }

func (l Links) base() string { return strings.TrimRight(l.PublicURL, "/") + "/app/" }

// WebAppURL is the Mini App's address opening at a view (period, subject…).
func (l Links) WebAppURL(view url.Values) string {
	if len(view) == 0 {
		return l.base()
	}
	return l.base() + "?" + view.Encode()
}

// Link is a signed link, valid LinkTTL, that opens the dashboard at a view in any
// browser for a person: an account (id set) or a role and scope given on the server.
func (l Links) Link(p Pass, view url.Values) string {
	p.Kind = "link"
	p.Expires = l.now().Add(LinkTTL).Unix()
	v := url.Values{}
	for k, vs := range view {
		v[k] = vs
	}
	v.Set("t", signPass(p, l.Token))
	return l.base() + "link?" + v.Encode()
}
