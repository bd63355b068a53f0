package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/cmd/loadtest/harness"
	"github.com/progressbot/progressbot/flows"
)

// TestMain lets a test start this test binary as `progressbot`: with
// PROGRESSBOT_TEST_MAIN=1 it runs main with its arguments (serve …) instead of the tests,
// so fault tests can kill and restart the real serve command in a process of its own.
func TestMain(m *testing.M) {
	if os.Getenv("PROGRESSBOT_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// logBuffer collects a command's standard error from many goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// currentPeriod is the period serve reports on now (its clock is the real one).
func currentPeriod() progressbot.Period {
	return progressbot.DefaultCalendar(shanghai).Current(time.Now())
}

// idBase gives each test its own Telegram ids, so that sessions left in a shared Redis by
// an earlier run are never picked up.
func idBase() int64 { return int64(2_000_000_000 + rand.IntN(1_000_000)*1000) }

// inProcess is `progressbot serve` run in this process against a fake Bot API.
type inProcess struct {
	api    *harness.API
	mr     *miniredis.Miniredis
	people []*harness.Liaison
	logs   *logBuffer
	addr   string // the HTTP address serve listens on
	dbPath string
	cancel context.CancelFunc
	done   chan error
}

func startInProcess(t *testing.T, liaisons int, opts bottest.Options, extra ...map[string]string) *inProcess {
	t.Helper()
	ctx := context.Background()
	s := &inProcess{api: harness.StartAPI(opts), mr: miniredis.RunT(t), logs: &logBuffer{}, done: make(chan error, 1)}
	t.Cleanup(s.api.Close)
	dbPath := filepath.Join(t.TempDir(), "pb.db")
	s.dbPath = dbPath
	var err error
	s.people, _, err = harness.Prepare(ctx, dbPath, liaisons, idBase(), currentPeriod())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range s.people {
		l.Attach(s.api)
	}
	vars := map[string]string{
		"TELEGRAM_TOKEN": s.api.Token(), "TELEGRAM_API_URL": s.api.URL(), "PROGRESSBOT_DB": dbPath,
		"REDIS_URL": "redis://" + s.mr.Addr() + "/0", "PROGRESSBOT_HTTP_ADDR": "127.0.0.1:0",
	}
	for _, m := range extra {
		maps.Copy(vars, m)
	}
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: s.logs, getenv: func(k string) string { return vars[k] }}
	rctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	go func() { s.done <- dispatch(rctx, e, []string{"serve"}) }()
	t.Cleanup(func() { cancel(); <-s.done; s.done <- nil })
	re := regexp.MustCompile(`"msg":"http listening"[^\n]*?"addr":"([^"]+)"`)
	deadline := time.Now().Add(10 * time.Second)
	for s.addr == "" {
		if m := re.FindStringSubmatch(s.logs.String()); m != nil {
			s.addr = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", s.logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := s.api.WaitPolling(wctx, 0); err != nil {
		t.Fatalf("serve does not poll: %v\n%s", err, s.logs.String())
	}
	return s
}

// stop is SIGTERM: the context of serve ends; it returns what serve returned.
func (s *inProcess) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return after its context ended")
		return nil
	}
}

func (s *inProcess) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + s.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// walk has a liaison redeem the invite and take n more steps of the report flow.
func walk(t *testing.T, l *harness.Liaison, n int) {
	t.Helper()
	ctx := context.Background()
	if err := l.Start(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, errKind, _ := l.Step(ctx, 10*time.Second); errKind != "" {
			t.Fatalf("liaison %d: %s; last message %q", l.ID, errKind, l.Last().Text)
		}
	}
}

// metricValue reads one sample of the Prometheus text format ("name{labels} value").
func metricValue(t *testing.T, text, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics", series)
	return 0
}

// TestServeHealthAndMetrics runs serve with its HTTP endpoint, walks two liaisons through
// part of a report, and reads /healthz and /metrics; Redis going away shows in /healthz.
func TestServeHealthAndMetrics(t *testing.T) {
	s := startInProcess(t, 2, bottest.Options{})
	for _, l := range s.people {
		walk(t, l, 12)
	}
	acked := 0
	for _, l := range s.people {
		acked += len(l.Acked)
	}
	code, body := s.get(t, "/healthz")
	if code != 200 || !strings.Contains(body, `"database":"ok"`) || !strings.Contains(body, `"sessions":"ok"`) {
		t.Errorf("/healthz: %d %s", code, body)
	}
	code, text := s.get(t, "/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	updates := metricValue(t, text, "progressbot_updates_total")
	if updates < 2*13 {
		t.Errorf("progressbot_updates_total %v, want at least %d", updates, 2*13)
	}
	if n := metricValue(t, text, "progressbot_answers_total"); n < float64(acked) || acked == 0 {
		t.Errorf("progressbot_answers_total %v, %d answers acknowledged", n, acked)
	}
	if n := metricValue(t, text, `progressbot_update_duration_seconds_count{kind="callback",outcome="ok"}`) +
		metricValue(t, text, `progressbot_update_duration_seconds_count{kind="message",outcome="ok"}`); n < updates-1 {
		t.Errorf("latency histogram counted %v updates of %v", n, updates)
	}
	for _, series := range []string{
		`progressbot_reminders_sent_total{kind="remind"}`, "progressbot_submissions_total", "progressbot_telegram_rate_limited_total",
		"progressbot_errors_total", "progressbot_database_up", "progressbot_typed_answers_held_total", "go_goroutines", "process_resident_memory_bytes",
	} {
		metricValue(t, text, series)
	}
	if v := metricValue(t, text, "progressbot_errors_total"); v != 0 {
		t.Errorf("progressbot_errors_total %v", v)
	}

	s.mr.Close()
	code, body = s.get(t, "/healthz")
	if code != 503 || !strings.Contains(body, `"sessions":"unavailable"`) {
		t.Errorf("/healthz with Redis gone: %d %s", code, body)
	}
	if err := s.mr.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if code, _ = s.get(t, "/healthz"); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz still %d after Redis came back", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := s.stop(t); err != nil {
		t.Errorf("serve: %v", err)
	}
	logs := s.logs.String()
	if !strings.Contains(logs, "serve: stopped cleanly") {
		t.Errorf("no clean stop in the log")
	}
	noSecretsInLog(t, logs, s.api.Token(), s.people)
}

// noSecretsInLog fails if the log holds the bot token or anything a person typed.
func noSecretsInLog(t *testing.T, logs, token string, people []*harness.Liaison) {
	t.Helper()
	if strings.Contains(logs, token) || strings.Contains(logs, strings.SplitN(token, ":", 2)[1]) {
		t.Error("the bot token is in the log")
	}
	for _, l := range people {
		if strings.Contains(logs, l.Code) {
			t.Errorf("liaison %d's invite code is in the log", l.ID)
		}
		for _, a := range l.Acked {
			// A typed number could be part of a timestamp: look for it as a logged
			// value; a typed text anywhere.
			if a.Kind == "value" && strings.Contains(logs, `"`+a.Text+`"`) ||
				(a.Kind == "done" || a.Kind == "coord") && strings.Contains(logs, a.Text) {
				t.Errorf("what liaison %d typed (%q) is in the log", l.ID, a.Text)
			}
		}
	}
}

// TestServeGracefulShutdown: SIGTERM (the end of serve's context) while an update is in
// hand — its reply failed once (502) and waits for a retry — lets the reply be delivered,
// then stops the components (which finish their own in-flight send), then the rest, in
// that order, and serve returns nil.
func TestServeGracefulShutdown(t *testing.T) {
	var (
		mu     sync.Mutex
		events []string
	)
	note := func(s string) { mu.Lock(); events = append(events, s); mu.Unlock() }
	saved := components
	t.Cleanup(func() { components = saved })
	var outboxChat int64
	components = append(components, component{"fake outbox", func(ctx context.Context, a *app) (func(context.Context) error, error) {
		note("outbox started")
		return func(ctx context.Context) error {
			note("outbox stopping")
			// An in-flight send finishes before the outbox says it stopped.
			err := a.Bot.Send(ctx, outboxChat, flows.Message{Text: "提醒：本月进展请于5日前提交"})
			note("outbox stopped")
			return err
		}, nil
	}})
	s := startInProcess(t, 1, bottest.Options{OnCall: func(c bottest.Call) {
		if c.Method == "sendMessage" && c.OK() {
			note("delivered: " + strings.SplitN(c.Text, "\n", 2)[0])
		}
	}})
	l := s.people[0]
	outboxChat = l.ID
	walk(t, l, 0)
	mu.Lock()
	events = nil
	mu.Unlock()
	// The reply to /report fails once with a proxy's 502 and is retried after a backoff.
	s.api.Srv.FailNextHTML("sendMessage", 502)
	replied := make(chan string, 1)
	go func() {
		_, errKind, _ := l.Step(context.Background(), 20*time.Second)
		replied <- errKind
	}()
	for s.api.Faults() == 0 {
		time.Sleep(time.Millisecond)
	}
	note("SIGTERM")
	if err := s.stop(t); err != nil {
		t.Fatalf("serve returned %v", err)
	}
	if errKind := <-replied; errKind != "" {
		t.Fatalf("the update in hand at SIGTERM was not answered: %s", errKind)
	}
	mu.Lock()
	got := strings.Join(events, " → ")
	mu.Unlock()
	want := regexp.MustCompile(`^SIGTERM → delivered: 【.*】.*进展填报 → outbox stopping → delivered: 提醒：本月进展请于5日前提交 → outbox stopped$`)
	if !want.MatchString(got) {
		t.Errorf("shutdown order:\n%s", got)
	}
	logs := s.logs.String()
	for _, step := range []string{"shutdown: fake outbox stopped", "shutdown: http server stopped", "shutdown: sessions stopped", "shutdown: database stopped", "serve: stopped cleanly"} {
		if !strings.Contains(logs, step) {
			t.Errorf("log lacks %q", step)
		}
	}
	if strings.Index(logs, "shutdown: fake outbox stopped") > strings.Index(logs, "shutdown: database stopped") {
		t.Error("the database was closed before the outbox stopped")
	}
}

// TestServeRefusals: serve refuses to start without what it needs, or with a setting
// that does not parse, in the command's language and before it opens the database.
func TestServeRefusals(t *testing.T) {
	vars := map[string]string{"PROGRESSBOT_DB": filepath.Join(t.TempDir(), "pb.db")}
	token := map[string]string{"TELEGRAM_TOKEN": "123:abc"}
	checkRefusals(t, vars, "serve", []refusal{
		{name: "no token", want: m("cli.serve.err.token"), mention: []string{"TELEGRAM_TOKEN", "--token"}},
		{name: "webhook without a secret", args: []string{"--webhook", "--http", "127.0.0.1:0"}, env: token,
			want: m("cli.serve.err.webhook"), mention: []string{"PROGRESSBOT_HTTP_ADDR", "PROGRESSBOT_WEBHOOK_SECRET"}},
		{name: "webhook without an address", args: []string{"--webhook", "--webhook-secret", "s3cret"}, env: token,
			want: m("cli.serve.err.webhook"), mention: []string{"PROGRESSBOT_HTTP_ADDR"}},
		{name: "bad quiet hours in the environment", env: map[string]string{"TELEGRAM_TOKEN": "123:abc", "PROGRESSBOT_QUIET_HOURS": "night"},
			want:    m("cli.schedule.err.value", "Source", "PROGRESSBOT_QUIET_HOURS", "Value", "night", "Text", m("cli.schedule.want.quiet_hours")),
			mention: []string{"PROGRESSBOT_QUIET_HOURS", "night"}},
	})
	if _, err := os.Stat(vars["PROGRESSBOT_DB"]); err == nil {
		t.Error("a refused serve made a database")
	}
}

// TestServeWebhookSecret: serve --webhook refuses to start without a secret, and its
// /telegram refuses a request without the secret header (and takes one with it).
func TestServeWebhookSecret(t *testing.T) {
	api := bottest.New(t)
	vars := map[string]string{"TELEGRAM_TOKEN": api.Token(), "TELEGRAM_API_URL": api.URL(), "PROGRESSBOT_DB": filepath.Join(t.TempDir(), "pb.db")}
	_, err := runCmd(t, vars, "serve", "--webhook", "--http", "127.0.0.1:0")
	wantRefusal(t, err, "zh-CN", m("cli.serve.err.webhook"))
	const secret = "wh_SECRET-123"
	vars["PROGRESSBOT_WEBHOOK"], vars["PROGRESSBOT_WEBHOOK_SECRET"], vars["PROGRESSBOT_HTTP_ADDR"] = "1", secret, "127.0.0.1:0"
	logs := &logBuffer{}
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: logs, getenv: func(k string) string { return vars[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- dispatch(ctx, e, []string{"serve"}) }()
	defer func() { cancel(); <-done }()
	re := regexp.MustCompile(`"msg":"http listening"[^\n]*?"addr":"([^"]+)"`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == ""; time.Sleep(5 * time.Millisecond) {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", logs.String())
		}
	}
	_, update := api.Build(3001, 3001, "/help", "zh")
	post := func(header string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/telegram", bytes.NewReader(update))
		req.Header.Set("Content-Type", "application/json")
		if header != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(""); code != 401 {
		t.Errorf("no secret header: %d, want 401", code)
	}
	if code := post("wh_SECRET-12"); code != 401 {
		t.Errorf("wrong secret: %d, want 401", code)
	}
	if code := post(secret); code != 200 {
		t.Errorf("right secret: %d, want 200", code)
	}
	api.WaitFor(t, func(c bottest.Call) bool { return c.Method == "sendMessage" && c.ChatID == 3001 }, 10*time.Second)
	if n := len(api.CallsOf("sendMessage")); n != 1 {
		t.Errorf("%d replies, want 1 (refused requests must do nothing)", n)
	}
	if api.Polls() != 0 {
		t.Error("webhook mode polled getUpdates")
	}
	if strings.Contains(logs.String(), secret) {
		t.Error("the webhook secret is in the log")
	}
	var metricsBody bytes.Buffer
	if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
		io.Copy(&metricsBody, resp.Body)
		resp.Body.Close()
	}
	if !strings.Contains(metricsBody.String(), "progressbot_webhook_refused_total 2") {
		t.Errorf("refused webhook requests not counted:\n%s", grepLines(metricsBody.String(), "webhook"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// jsonLines decodes a JSON log, one record a line.
func jsonLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not a JSON log line: %q", line)
		}
		out = append(out, m)
	}
	return out
}
