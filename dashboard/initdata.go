// Package dashboard serves the leaders' dashboard, a Telegram Mini App: the page under
// /app/ and its JSON under /app/api/. Every request is tied to one person, by Telegram's
// signed initData or by a session that a signed link opened, and answers only what that
// person's role and scope allow, through the same Roller.Select as the chat.
package dashboard

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxAge is how old an initData may be before it is refused.
const DefaultMaxAge = 24 * time.Hour

// Errors of CheckInitData; test with errors.Is.
var (
	ErrNoHash     = errors.New("initData has no hash")
	ErrBadHash    = errors.New("initData signature does not match")
	ErrStale      = errors.New("initData is too old")
	ErrNoUser     = errors.New("initData names no user")
	ErrMalformed  = errors.New("initData is malformed")
	ErrNoAuthDate = errors.New("initData has no auth_date")
)

// WebAppUser is the person an initData names.
type WebAppUser struct {
	ID           int64  `json:"id"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Username     string `json:"username"`
	LanguageCode string `json:"language_code"`
}

// InitData is what a checked initData says.
type InitData struct {
	User     WebAppUser
	AuthDate time.Time
	// StartParam is what the link that opened the Mini App carried, if anything.
	StartParam string
}

// webAppKey is the key initData is signed with: HMAC-SHA256 of the bot token under the
// constant "WebAppData", as the Bot API documents for Web Apps.
func webAppKey(token string) []byte {
	m := hmac.New(sha256.New, []byte("WebAppData"))
	m.Write([]byte(token))
	return m.Sum(nil)
}

// dataCheckString is every field but hash, as key=value lines sorted by key.
func dataCheckString(v url.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		if k != "hash" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + v.Get(k)
	}
	return strings.Join(lines, "\n")
}

func signValues(v url.Values, token string) string {
	m := hmac.New(sha256.New, webAppKey(token))
	m.Write([]byte(dataCheckString(v)))
	return hex.EncodeToString(m.Sum(nil))
}

// CheckInitData checks an initData string as Telegram passes it to a Mini App: its hash
// must be the HMAC-SHA256 of its other fields under the bot token's Web App key, and its
// auth_date no older than maxAge at now (maxAge ≤ 0 means DefaultMaxAge).
func CheckInitData(raw, token string, maxAge time.Duration, now time.Time) (InitData, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return InitData{}, fmt.Errorf("parse initData: %w", ErrMalformed)
	}
	got := v.Get("hash")
	if got == "" {
		return InitData{}, ErrNoHash
	}
	want := signValues(v, token)
	if !hmac.Equal([]byte(strings.ToLower(got)), []byte(want)) {
		return InitData{}, ErrBadHash
	}
	secs, err := strconv.ParseInt(v.Get("auth_date"), 10, 64)
	if err != nil {
		return InitData{}, ErrNoAuthDate
	}
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	d := InitData{AuthDate: time.Unix(secs, 0), StartParam: v.Get("start_param")}
	if now.Sub(d.AuthDate) > maxAge {
		return InitData{}, fmt.Errorf("auth_date %s: %w", d.AuthDate.UTC().Format(time.RFC3339), ErrStale)
	}
	if err := json.Unmarshal([]byte(v.Get("user")), &d.User); err != nil || d.User.ID == 0 {
		return InitData{}, ErrNoUser
	}
	return d, nil
}

// SignInitData makes an initData as Telegram would for user at authDate, signed with
// token: for tests, the browser test and demos, never for a request from outside.
func SignInitData(user WebAppUser, authDate time.Time, token string) string {
	u, _ := json.Marshal(user)
	v := url.Values{}
	v.Set("user", string(u))
	v.Set("auth_date", strconv.FormatInt(authDate.Unix(), 10))
	v.Set("query_id", "AAH"+strconv.FormatInt(user.ID, 36))
	v.Set("hash", signValues(v, token))
	return v.Encode()
}
