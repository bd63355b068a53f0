package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/bot"
	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/sessions"
	"github.com/progressbot/progressbot/store/storetest"
)

// FuzzWebhookUpdate posts arbitrary bytes to the webhook handler of the whole bot — the
// real engine on SQLite, a liaison of 湖口县 (user 7) bound, the fake Bot API answering
// — and waits for the update to be handled: no panic anywhere (the recover middleware
// would count it), and the handler answers 200 or 400, never anything else.
func FuzzWebhookUpdate(f *testing.F) {
	ctx := context.Background()
	srv := bottest.New(f)
	db, p := storetest.PlanDB(f)
	code, err := db.CreateInvite(ctx, store.InviteSpec{PlanID: p.ID, Role: store.RoleLiaison, Unit: "hukou"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := db.Redeem(ctx, code, 7, 7, "Li"); err != nil {
		f.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := func() time.Time { return time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai) }
	eng := &flows.Engine{DB: db, Plan: p, Sessions: sessions.NewMemory(sessions.Options{}), Calendar: progressbot.DefaultCalendar(shanghai), Now: now, Log: quiet}
	const secret = "fuzz_secret"
	b, err := bot.New(ctx, bot.Config{
		Token: srv.Token(), APIURL: srv.URL(), Handler: bot.ForEngine(eng), Logger: quiet,
		Webhook: true, WebhookSecret: secret, SendTimeout: time.Second, MaxRetries: 1, RetryBase: time.Millisecond,
		TypingAfter: -1,
	})
	if err != nil {
		f.Fatal(err)
	}
	wh := b.WebhookHandler()
	for _, s := range webhookSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/telegram", bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		w := httptest.NewRecorder()
		wh.ServeHTTP(w, req)
		if w.Code != 200 && w.Code != 400 {
			t.Fatalf("webhook answered %d", w.Code)
		}
		deadline := time.Now().Add(30 * time.Second)
		for b.Stats().InFlight > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("an update still in flight after 30 s: %q", body)
			}
			time.Sleep(100 * time.Microsecond)
		}
		if st := b.Stats(); st.Panics > 0 {
			t.Fatalf("a panic while handling %q", body)
		}
	})
}

// webhookSeeds are whole updates for the bound liaison (user 7) and for strangers.
var webhookSeeds = func() []string {
	msg := func(id int, text string) string {
		return `{"update_id":` + itoa(id) + `,"message":{"message_id":` + itoa(id) + `,"date":1,"from":{"id":7,"is_bot":false,"first_name":"Li","language_code":"zh-hans"},"chat":{"id":7,"type":"private"},"text":` + quote(text) + `}}`
	}
	press := func(id int, data string) string {
		return `{"update_id":` + itoa(id) + `,"callback_query":{"id":"q` + itoa(id) + `","from":{"id":7,"is_bot":false,"first_name":"Li"},"chat_instance":"c","data":` + quote(data) + `,"message":{"message_id":2,"date":1,"chat":{"id":7,"type":"private"},"text":"x"}}}`
	}
	return []string{
		msg(1, "/report"), msg(2, "12"), msg(3, "1.2万"), msg(4, "/start nope"), msg(5, "/lang en"), msg(6, "/help"),
		msg(7, "/progress 石化化工"), msg(8, "湖口县怎么样"), msg(9, strings.Repeat("长", 5000)), msg(10, "/cancel"),
		press(11, "r:aaaaaaaa:1:go"), press(12, "r:aaaaaaaa:1:status:1"), press(13, "lang:en"), press(14, "q:1"),
		press(15, ""), press(16, "r::::::"),
		`{"update_id":17,"message":{"message_id":1,"date":1,"from":{"id":99,"is_bot":false,"first_name":"S"},"chat":{"id":99,"type":"private"},"text":"/report"}}`,
		`{"update_id":18,"message":{"message_id":1,"date":1,"from":{"id":7,"is_bot":false,"first_name":"Li"},"chat":{"id":-100,"type":"supergroup"},"text":"@ProgressTestBot 湖口"}}`,
		`{"update_id":19,"my_chat_member":{"chat":{"id":7,"type":"private"},"from":{"id":7,"is_bot":false,"first_name":"Li"},"date":1,"old_chat_member":{"status":"member","user":{"id":1,"is_bot":true,"first_name":"B"}},"new_chat_member":{"status":"kicked","user":{"id":1,"is_bot":true,"first_name":"B"},"until_date":0}}}`,
		`{"update_id":20,"callback_query":{"id":"q20","from":{"id":7,"is_bot":false,"first_name":"Li"},"chat_instance":"c","data":"r:1","message":{"message_id":2,"date":0,"chat":{"id":7,"type":"private"}}}}`,
		`not json`, `{}`, `{"update_id":0}`, `{"update_id":21,"message":{}}`, `{"update_id":22,"callback_query":{}}`,
	}
}()

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
