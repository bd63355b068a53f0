package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/cmd/loadtest/harness"
)

// child is `progressbot serve` in a process of its own: this test binary started again
// with PROGRESSBOT_TEST_MAIN=1 (see TestMain), so it runs the real main, flags,
// environment and wiring, and a signal really kills it.
type child struct {
	t      *testing.T
	api    *harness.API
	dbPath string
	redis  string
	logs   []string // one log file per start
	proc   *harness.Proc
}

func (c *child) start() {
	c.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		c.t.Fatal(err)
	}
	log := filepath.Join(filepath.Dir(c.dbPath), fmt.Sprintf("serve-%d.log", len(c.logs)))
	c.logs = append(c.logs, log)
	polls := c.api.Srv.Polls()
	c.proc, err = harness.StartProc(exe, []string{"serve"}, []string{
		"PROGRESSBOT_TEST_MAIN=1", "TELEGRAM_TOKEN=" + c.api.Token(), "TELEGRAM_API_URL=" + c.api.URL(),
		"PROGRESSBOT_DB=" + c.dbPath, "REDIS_URL=" + c.redis, "PROGRESSBOT_HTTP_ADDR=", "PROGRESSBOT_LOG_LEVEL=info",
		// serve runs on the real clock. Reports due on the 28th of the month after they
		// open (on the 20th) are always before their deadline, so a liaison can reopen
		// and submit again whatever day the test runs: with the default (the 5th, moved
		// off a weekend) the tests failed from the deadline until the next period opened.
		"PROGRESSBOT_DEADLINE_DAY=28",
	}, log)
	if err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.api.WaitPolling(ctx, polls); err != nil {
		c.t.Fatalf("serve did not start polling: %v\n%s", err, c.log())
	}
}

// log is everything the child processes wrote.
func (c *child) log() string {
	var b strings.Builder
	for _, f := range c.logs {
		s, _ := os.ReadFile(f)
		b.Write(s)
	}
	return b.String()
}

// quiet waits until the bot has sent nothing for d (updates redelivered after a restart
// are handled).
func quiet(api *harness.API, d time.Duration) {
	last, since := api.Sends(), time.Now()
	for time.Since(since) < d {
		time.Sleep(10 * time.Millisecond)
		if n := api.Sends(); n != last {
			last, since = n, time.Now()
		}
	}
}

func newChild(t *testing.T, liaisons int, redisURL string, opts ...bottest.Options) (*child, []*harness.Liaison) {
	t.Helper()
	var o bottest.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	c := &child{t: t, api: harness.StartAPI(o), dbPath: filepath.Join(t.TempDir(), "pb.db"), redis: redisURL}
	t.Cleanup(c.api.Close)
	if c.redis == "" {
		c.redis = os.Getenv("REDIS_URL")
	}
	if c.redis == "" {
		c.redis = "redis://" + miniredis.RunT(t).Addr() + "/0" // in this process: it outlives the child
	}
	people, _, err := harness.Prepare(context.Background(), c.dbPath, liaisons, idBase(), currentPeriod())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range people {
		l.Attach(c.api)
	}
	t.Cleanup(func() {
		if c.proc != nil && !c.proc.Exited() {
			c.proc.Kill()
		}
	})
	return c, people
}

func verify(t *testing.T, dbPath string, people []*harness.Liaison) harness.Verification {
	t.Helper()
	v, err := harness.Verify(context.Background(), dbPath, people)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range v.Missing {
		t.Errorf("LOST: %s", m)
	}
	for _, m := range v.Misfiled {
		t.Errorf("filed under another question than the one on screen: %s", m)
	}
	return v
}

// finish has every liaison go on from the screen they last saw until they have
// submitted (a later submission than any before), in parallel.
func finish(t *testing.T, people []*harness.Liaison) {
	t.Helper()
	var wg sync.WaitGroup
	for _, l := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			target := l.Submits + 1
			for step := 0; l.Submits < target; step++ {
				if step == 400 {
					t.Errorf("liaison %d (%s) did not get to submit; last message %q", l.ID, l.Unit, l.Last().Text)
					return
				}
				l.Step(context.Background(), 15*time.Second)
			}
		}()
	}
	wg.Wait()
}

// TestServeKilledDuringLoad: the serve process is killed (SIGKILL) while 40 liaisons work
// through their reports. After it is started again, every answer the bot had
// acknowledged is in the database, and every liaison goes on from the screen they last
// saw — their sessions resume — through to submission, without an error.
// loadReplyTimeout is how long a virtual liaison waits for a reply under load before it
// gives up and starts over with /report. Generous: under the race detector, with other
// packages' tests running beside it, a reply can take seconds, and a reply that comes
// after the liaison gave up is taken for the answer to its next action — an answer
// counted as acknowledged that the bot never had (seen as "LOST" with 5 s).
const loadReplyTimeout = 15 * time.Second

func TestServeKilledDuringLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	c, people := newChild(t, 40, "")
	// Beside the 40, a liaison sends evidence file after file through the kill.
	up := newUploader(t, c, people[len(people)-1].ID+1, people[0].Unit)
	c.start()
	up.open()
	run := harness.NewRun(harness.Config{ThinkMin: 0, ThinkMax: 30 * time.Millisecond, Timeout: loadReplyTimeout}, people)
	ctx, stopPeople := context.WithCancel(context.Background())
	run.Start(ctx)
	go up.run(ctx)
	time.Sleep(2500 * time.Millisecond)
	c.proc.Kill() // SIGKILL: no shutdown, no flush, mid-transaction for all we know
	stopPeople()
	run.Wait()

	before := verify(t, c.dbPath, people)
	up.verify()
	if len(up.acked) == 0 {
		t.Error("no evidence acknowledged before the kill")
	}
	if before.Acked < 10 { // enough to be a load on any machine; the figure is not what is tested
		t.Fatalf("only %d answers acknowledged before the kill: not a load", before.Acked)
	}
	errorsBefore := 0
	for _, l := range people {
		errorsBefore += l.Errors
		l.Errors, l.TimedOut, l.Stale = 0, 0, 0
	}
	if errorsBefore > 0 {
		t.Errorf("%d error replies before the kill", errorsBefore)
	}

	c.start()
	quiet(c.api, 500*time.Millisecond) // updates Telegram redelivers after the restart
	finish(t, people)
	stale, rechecks := 0, 0
	for _, l := range people {
		if l.Errors > 0 || l.TimedOut > 0 {
			t.Errorf("liaison %d after the restart: %d error replies, %d without reply", l.ID, l.Errors, l.TimedOut)
		}
		stale += l.Stale
		rechecks += l.Rechecks
	}
	if stale > len(people) {
		t.Errorf("%d stale buttons after the restart for %d liaisons: sessions did not resume", stale, len(people))
	}
	after := verify(t, c.dbPath, people)
	if err := c.proc.Stop(30 * time.Second); err != nil {
		t.Errorf("serve after the restart did not stop cleanly: %v", err)
	}
	logs := c.log()
	if !strings.Contains(logs, "the previous run did not end cleanly") {
		t.Error("the restart did not log that the killed run had not ended cleanly")
	}
	noSecretsInLog(t, logs, c.api.Token(), people)
	for _, m := range jsonLines(t, logs) {
		if m["level"] == "ERROR" {
			t.Errorf("error logged: %v", m)
		}
	}
	t.Logf("killed with %d answers and %d evidence files acknowledged (%s); after the restart %s, %d stale presses, %d typed answers shown back", before.Acked, len(up.acked), before, after, stale, rechecks)
}

// TestServeSIGTERMUnderLoad: SIGTERM while liaisons are answering — and while one reply
// waits for its retry after a 502 — ends the process cleanly and promptly: exit status
// 0, the reply in hand delivered, nothing acknowledged lost. Started again, the bot
// takes the updates sent meanwhile, and everyone finishes their report.
func TestServeSIGTERMUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	var faulted atomic.Int64
	c, people := newChild(t, 20, "", bottest.Options{OnCall: func(call bottest.Call) {
		if call.Fault == "502" {
			faulted.Store(call.ChatID)
		}
	}})
	c.start()
	run := harness.NewRun(harness.Config{ThinkMax: 30 * time.Millisecond, Timeout: loadReplyTimeout}, people)
	ctx, stopPeople := context.WithCancel(context.Background())
	run.Start(ctx)
	time.Sleep(time.Second)
	c.api.Srv.FailNextHTML("sendMessage", 502) // a proxy's 502: retried after a backoff
	for faulted.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	t0 := time.Now()
	err := c.proc.Stop(60 * time.Second)
	stopped := time.Since(t0)
	if err != nil {
		t.Fatalf("serve after SIGTERM: %v", err)
	}
	if stopped > 10*time.Second {
		t.Errorf("serve took %v to stop", stopped)
	}
	time.Sleep(500 * time.Millisecond)
	stopPeople()
	run.Wait()
	for _, l := range people {
		if l.ID == faulted.Load() && (l.TimedOut > 0 || l.Errors > 0) {
			t.Errorf("the reply in hand at SIGTERM (chat %d) was not delivered", l.ID)
		}
		l.Errors, l.TimedOut, l.Stale = 0, 0, 0
	}
	verify(t, c.dbPath, people)
	if logs := c.log(); !strings.Contains(logs, "serve: stopped cleanly") {
		t.Errorf("no clean stop in the log:\n%s", logs[max(0, len(logs)-2000):])
	}

	c.start()
	quiet(c.api, 500*time.Millisecond) // the updates sent while it was down are taken now
	finish(t, people)
	for _, l := range people {
		if l.Errors > 0 {
			t.Errorf("liaison %d: %d error replies after the restart", l.ID, l.Errors)
		}
		// The run ended cleanly: every screen its sessions describe was sent.
		if l.Rechecks > 0 {
			t.Errorf("liaison %d: %d typed answers shown back after a clean restart", l.ID, l.Rechecks)
		}
	}
	verify(t, c.dbPath, people)
	if err := c.proc.Stop(30 * time.Second); err != nil {
		t.Errorf("second stop: %v", err)
	}
	if logs := c.log(); !strings.Contains(logs, "the previous run ended cleanly") || strings.Contains(logs, "did not end cleanly") {
		t.Error("the restart did not log that the run before it had ended cleanly")
	}
	t.Logf("stopped %v after SIGTERM", stopped.Round(time.Millisecond))
}

// redisServer is a redis-server of the test's own, on a port of its own, without
// persistence: a restart loses every session, as a Redis restart without a volume does.
type redisServer struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

func startRedisServer(t *testing.T, port int, dir string) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("no redis-server: the in-process variant is bot/redis_fault_test.go")
	}
	r := &redisServer{t: t, port: port, dir: dir}
	r.cmd = exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.stop() })
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if conn, err := net.Dial("tcp", r.addr()); err == nil {
			conn.Close()
			return r
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
	}
}

func (r *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

func (r *redisServer) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestServeRedisServerRestarted: the real redis-server under serve is killed mid-flow.
// The liaison is told to try again in a moment, the process lives on; once Redis is back
// (empty: no persistence) the liaison goes on without a restart of the bot, resumes from
// the answers in SQLite, and submits; nothing acknowledged is lost.
func TestServeRedisServerRestarted(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	port := freePort(t)
	rs := startRedisServer(t, port, t.TempDir())
	c, people := newChild(t, 1, "redis://"+rs.addr()+"/0")
	c.start()
	l := people[0]
	walk(t, l, 8)
	pid := c.proc.Pid()

	rs.stop()
	ctx := context.Background()
	sawTryAgain := false
	for range 3 {
		_, errKind, _ := l.Step(ctx, 15*time.Second)
		if errKind == "error" && l.Last().Text == harness.TryAgain() {
			sawTryAgain = true
		} else if errKind != "" {
			t.Errorf("with Redis down: %s %q", errKind, l.Last().Text)
		}
	}
	if !sawTryAgain {
		t.Errorf("with Redis down the liaison was not told to try again; last message %q", l.Last().Text)
	}
	if c.proc.Exited() {
		t.Fatalf("serve exited with Redis down:\n%s", c.log())
	}

	startRedisServer(t, port, t.TempDir())
	l.Errors = 0
	finish(t, people)
	if l.Errors > 0 {
		t.Errorf("%d error replies after Redis came back", l.Errors)
	}
	if c.proc.Exited() || c.proc.Pid() != pid {
		t.Error("serve was restarted")
	}
	verify(t, c.dbPath, people)
	if err := c.proc.Stop(30 * time.Second); err != nil {
		t.Errorf("stop: %v", err)
	}
}
