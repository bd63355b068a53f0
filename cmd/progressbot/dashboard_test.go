package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/progressbot/progressbot/bot/bottest"
)

// TestServeDashboard: serve mounts the dashboard under /app/ on its HTTP address; the API
// refuses a request that says nobody; `progressbot dashboard-link` prints a link that
// opens a session with a leader's rights.
func TestServeDashboard(t *testing.T) {
	const public = "https://dash.example.org"
	s := startInProcess(t, 1, bottest.Options{}, map[string]string{"PROGRESSBOT_PUBLIC_URL": public})
	if code, body := s.get(t, "/app/"); code != http.StatusOK || !strings.Contains(body, "/app/static/app.js") {
		t.Fatalf("/app/: %d %.200s", code, body)
	}
	if code, _ := s.get(t, "/app/static/echarts.min.js"); code != http.StatusOK {
		t.Errorf("echarts: %d", code)
	}
	if code, body := s.get(t, "/app/api/rollup"); code != http.StatusUnauthorized || !strings.Contains(body, "error") {
		t.Errorf("API without initData: %d %s", code, body)
	}

	var out bytes.Buffer
	vars := map[string]string{"TELEGRAM_TOKEN": s.api.Token(), "PROGRESSBOT_PUBLIC_URL": public, "PROGRESSBOT_DB": s.dbPath}
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: io.Discard, getenv: func(k string) string { return vars[k] }}
	if err := dispatch(context.Background(), e, []string{"dashboard-link", "--role", "leader", "--scope", "石化化工", "--lang", "en"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	link := lines[len(lines)-1]
	if !strings.HasPrefix(link, public+"/app/link?t=") {
		t.Fatalf("dashboard-link printed %q", out.String())
	}
	// The reverse proxy's address is this test's listener.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(strings.Replace(link, public, "http://"+s.addr, 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("opening the link: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	req, _ := http.NewRequest("GET", "http://"+s.addr+"/app/api/me", nil)
	req.AddCookie(resp.Cookies()[0])
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"scope":"chain:petrochem"`) || !strings.Contains(string(body), `"lang":"en"`) {
		t.Errorf("me with the link's session: %d %.300s", resp.StatusCode, body)
	}

	for _, args := range [][]string{{"dashboard-link", "--role", "liaison"}, {"dashboard-link", "--scope", "没有这个"}} {
		if err := dispatch(context.Background(), e, args); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	vars["PROGRESSBOT_PUBLIC_URL"] = ""
	if err := dispatch(context.Background(), e, []string{"dashboard-link"}); err == nil || !strings.Contains(err.Error(), "PROGRESSBOT_PUBLIC_URL") {
		t.Errorf("no public URL: %v", err)
	}
}
