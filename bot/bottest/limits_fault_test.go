package bottest

import (
	"net/http"
	"testing"
)

// TestTelegramLimits: with Telegram's limits on, a burst to one chat is cut with 429 and a
// retry_after, other chats are not; a refused message does not take effect.
func TestTelegramLimits(t *testing.T) {
	s := Start(Options{Limits: TelegramLimits()})
	defer s.Close()
	codes := func(chat int64, n int) []int {
		var out []int
		for range n {
			status, body := post(t, s, "sendMessage", "application/json", `{"chat_id":`+jsonInt(chat)+`,"text":"hi"}`)
			if status == http.StatusTooManyRequests {
				if p, _ := body["parameters"].(map[string]any); p == nil || p["retry_after"].(float64) < 1 {
					t.Errorf("429 without retry_after: %v", body)
				}
			}
			out = append(out, status)
		}
		return out
	}
	got := codes(501, 5)
	if got[0] != 200 || got[2] != 200 || got[3] != 429 || got[4] != 429 {
		t.Errorf("a burst of 5 to one chat: %v, want 3 then 429s", got)
	}
	if got := codes(502, 1); got[0] != 200 {
		t.Errorf("another chat: %v", got)
	}
	if n := len(s.Sent(501)); n != 3 {
		t.Errorf("%d messages took effect in chat 501, want 3", n)
	}
}

// TestInject429Every answers every n-th message with 429.
func TestInject429Every(t *testing.T) {
	s := Start(Options{Inject429Every: 2})
	defer s.Close()
	var got []int
	for i := range 4 {
		status, _ := post(t, s, "sendMessage", "application/json", `{"chat_id":`+jsonInt(int64(600+i))+`,"text":"hi"}`)
		got = append(got, status)
	}
	if got[0] != 200 || got[1] != 429 || got[2] != 200 || got[3] != 429 {
		t.Errorf("statuses %v", got)
	}
	// answerCallbackQuery and the like are not messages: never limited.
	if st, _ := post(t, s, "getMe", "application/json", `{}`); st != 200 {
		t.Errorf("getMe: %d", st)
	}
}
