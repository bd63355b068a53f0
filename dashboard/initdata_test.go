package dashboard

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// publishedInitData is an initData and its bot token published as a worked example by a
// Mini Apps library (init-data-golang's README): an independent check that the
// data-check string and keys follow the Bot API documentation, not only this code.
const (
	publishedToken    = "7342037359:AAHI25ES9xCOMPokpYoz-p8XVrZUdygo2J4"
	publishedInitData = "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2F4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg%22%7D&chat_instance=8134722200314281151&chat_type=private&auth_date=1733509682&signature=TYJxVcisqbWjtodPepiJ6ghziUL94-KNpG8Pau-X7oNNLNBM72APCpi_RKiUlBvcqo5L-LAxIc3dnTzcZX_PDg&hash=a433d8f9847bd6addcc563bff7cc82c89e97ea0d90c11fe5729cae6796a36d73"
)

func TestCheckInitData(t *testing.T) {
	const token = "123456:TEST-token"
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	user := WebAppUser{ID: 4242, FirstName: "李", LanguageCode: "zh-hans"}
	fresh := SignInitData(user, now.Add(-time.Hour), token)
	// tamper replaces one field of a signed initData, keeping its hash.
	tamper := func(raw, key, value string) string {
		v, _ := url.ParseQuery(raw)
		v.Set(key, value)
		return v.Encode()
	}
	drop := func(raw, key string) string {
		v, _ := url.ParseQuery(raw)
		v.Del(key)
		return v.Encode()
	}
	published := time.Unix(1733509682, 0)
	tests := []struct {
		name   string
		raw    string
		token  string
		maxAge time.Duration
		now    time.Time
		want   error
		userID int64
	}{
		{"valid", fresh, token, 0, now, nil, 4242},
		{"published example", publishedInitData, publishedToken, 0, published.Add(time.Minute), nil, 279058397},
		{"published example, one field changed", tamper(publishedInitData, "chat_type", "group"), publishedToken, 0, published, ErrBadHash, 0},
		{"tampered user", tamper(fresh, "user", `{"id":1,"first_name":"x"}`), token, 0, now, ErrBadHash, 0},
		{"tampered auth_date", tamper(fresh, "auth_date", "1893456000"), token, 0, now, ErrBadHash, 0},
		{"field added", fresh + "&start_param=admin", token, 0, now, ErrBadHash, 0},
		{"wrong token", fresh, "654321:OTHER", 0, now, ErrBadHash, 0},
		{"stale auth_date (default 24 h)", SignInitData(user, now.Add(-25*time.Hour), token), token, 0, now, ErrStale, 0},
		{"within a configured age", SignInitData(user, now.Add(-25*time.Hour), token), token, 48 * time.Hour, now, nil, 4242},
		{"stale with a configured age", SignInitData(user, now.Add(-2*time.Hour), token), token, time.Hour, now, ErrStale, 0},
		{"missing hash", drop(fresh, "hash"), token, 0, now, ErrNoHash, 0},
		{"empty", "", token, 0, now, ErrNoHash, 0},
		{"not a query", "%zz", token, 0, now, ErrMalformed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := CheckInitData(tt.raw, tt.token, tt.maxAge, tt.now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil && d.User.ID != tt.userID {
				t.Errorf("user id = %d, want %d", d.User.ID, tt.userID)
			}
		})
	}
}

func TestCheckInitDataUpperCaseHash(t *testing.T) {
	const token = "1:t"
	now := time.Now()
	raw := SignInitData(WebAppUser{ID: 7}, now, token)
	v, _ := url.ParseQuery(raw)
	v.Set("hash", strings.ToUpper(v.Get("hash")))
	if _, err := CheckInitData(v.Encode(), token, 0, now); err != nil {
		t.Fatalf("upper-case hex hash refused: %v", err)
	}
}

func TestCheckInitDataNoUser(t *testing.T) {
	const token = "1:t"
	now := time.Now()
	v := url.Values{"auth_date": {strconv.FormatInt(now.Unix(), 10)}}
	v.Set("hash", signValues(v, token))
	if _, err := CheckInitData(v.Encode(), token, 0, now); !errors.Is(err, ErrNoUser) {
		t.Fatalf("err = %v, want ErrNoUser", err)
	}
}
