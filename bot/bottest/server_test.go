package bottest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// post calls a method with a form or a JSON body and decodes the answer.
func post(t *testing.T, s *Server, method, contentType, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(s.URL()+"/bot"+s.Token()+"/"+method, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return resp.StatusCode, m
}

func TestLongPollingAndOffset(t *testing.T) {
	s := New(t)
	type result struct {
		m   map[string]any
		dur time.Duration
	}
	done := make(chan result)
	go func() {
		start := time.Now()
		_, m := post(t, s, "getUpdates", "application/x-www-form-urlencoded", "timeout=5")
		done <- result{m, time.Since(start)}
	}()
	time.Sleep(100 * time.Millisecond)
	id := s.SendText(1, 1, "hi", "en")
	r := <-done
	if r.dur > 3*time.Second {
		t.Fatalf("long poll did not return when an update came: %v", r.dur)
	}
	ups := r.m["result"].([]any)
	if len(ups) != 1 || int64(ups[0].(map[string]any)["update_id"].(float64)) != id {
		t.Fatalf("updates: %v", r.m)
	}
	// Without offset the update comes again; with offset id+1 it is confirmed and gone.
	if _, m := post(t, s, "getUpdates", "application/json", `{"timeout":0}`); len(m["result"].([]any)) != 1 {
		t.Fatalf("unconfirmed update not redelivered: %v", m)
	}
	if _, m := post(t, s, "getUpdates", "application/json", `{"offset":`+jsonInt(id+1)+`,"timeout":0}`); len(m["result"].([]any)) != 0 {
		t.Fatalf("confirmed update delivered again: %v", m)
	}
	// A redelivery comes once whatever the offset.
	s.Redeliver(id)
	if _, m := post(t, s, "getUpdates", "application/json", `{"offset":`+jsonInt(id+1)+`,"timeout":0}`); len(m["result"].([]any)) != 1 {
		t.Fatalf("redelivery: %v", m)
	}
	if _, m := post(t, s, "getUpdates", "application/json", `{"offset":`+jsonInt(id+1)+`,"timeout":1}`); len(m["result"].([]any)) != 0 {
		t.Fatalf("redelivery came twice: %v", m)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestMethodsAndFaults(t *testing.T) {
	s := New(t)
	kb := url.QueryEscape(`{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}`)
	st, m := post(t, s, "sendMessage", "application/x-www-form-urlencoded", "chat_id=5&text=hello&reply_markup="+kb)
	if st != 200 || m["ok"] != true {
		t.Fatalf("sendMessage: %d %v", st, m)
	}
	c := s.WaitFor(t, func(c Call) bool { return c.Method == "sendMessage" }, time.Second)
	if c.ChatID != 5 || c.Text != "hello" || c.MessageID != 1 || len(c.Buttons) != 1 || c.Buttons[0][0].Data != "a" {
		t.Fatalf("recorded %+v", c)
	}
	// Editing to the same content is "not modified", as on Telegram.
	st, m = post(t, s, "editMessageText", "application/json", `{"chat_id":5,"message_id":1,"text":"hello","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}}`)
	if st != 400 || !strings.Contains(m["description"].(string), "not modified") {
		t.Fatalf("edit same: %d %v", st, m)
	}
	s.FailNext("sendMessage", 429, 3)
	st, m = post(t, s, "sendMessage", "application/json", `{"chat_id":5,"text":"x"}`)
	if st != 429 || m["parameters"].(map[string]any)["retry_after"].(float64) != 3 {
		t.Fatalf("429: %d %v", st, m)
	}
	s.FailNext("sendMessage", 403, 0)
	if st, m = post(t, s, "sendMessage", "application/json", `{"chat_id":5,"text":"x"}`); st != 403 || !strings.Contains(m["description"].(string), "blocked") {
		t.Fatalf("403: %d %v", st, m)
	}
	if st, _ = post(t, s, "sendMessage", "application/json", `{"chat_id":5,"text":"`+strings.Repeat("字", 4097)+`"}`); st != 400 {
		t.Fatalf("a text over 4096 characters was accepted: %d", st)
	}
	if st, _ = post(t, s, "sendMessage", "application/json", `{"chat_id":5,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"`+strings.Repeat("d", 65)+`"}]]}}`); st != 400 {
		t.Fatalf("65 bytes of callback data were accepted: %d", st)
	}
	if got := len(s.Sent(5)); got != 1 {
		t.Fatalf("Sent(5) = %d calls, want 1 (failures never take effect)", got)
	}
	resp, err := http.Post(s.URL()+"/bot123:wrong/getMe", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("wrong token: %d", resp.StatusCode)
	}
}

// With Latency, a call takes effect half a round trip after it arrives and is answered
// the other half later; getUpdates is not delayed (its long poll is the wait).
func TestLatency(t *testing.T) {
	const rtt = 200 * time.Millisecond
	s := Start(Options{Latency: rtt})
	defer s.Close()
	start := time.Now()
	if code, m := post(t, s, "sendMessage", "application/json", `{"chat_id":7,"text":"hi"}`); code != http.StatusOK {
		t.Fatalf("sendMessage: %d %v", code, m)
	}
	took := time.Since(start)
	c := s.Calls()[0]
	if effect := c.Time.Sub(start); effect < rtt/2 {
		t.Errorf("took effect %v after the request, want at least %v", effect, rtt/2)
	}
	if took < rtt {
		t.Errorf("answered after %v, want at least the round trip %v", took, rtt)
	}
	// A minute's latency would hold a method call 30 s before it took effect.
	slow := Start(Options{Latency: time.Minute})
	defer slow.Close()
	start = time.Now()
	post(t, slow, "getUpdates", "application/json", `{"timeout":0}`)
	if took := time.Since(start); took >= 30*time.Second {
		t.Errorf("getUpdates took %v: delayed like a method call", took)
	}
}
