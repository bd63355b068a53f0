// Command loadtest measures progressbot under load against a bare go-telegram/bot echo bot
// on the same harness, on this machine:
//
//	go run ./cmd/loadtest                       # 1,000 liaisons, think time 0.5–1.5 s, then closed loop
//	go run ./cmd/loadtest -liaisons 200 -duration 10s -modes max
//
// Each scenario starts a fake Telegram Bot API (bot/bottest: long polling, the methods
// the bot uses, Telegram's limits with -tg-limits, 429s on demand with -inject-429), a
// bot in a child process (progressbot wired as serve wires it, on a fresh SQLite file and
// Redis — REDIS_URL, else an in-process miniredis — or the echo bot), and N virtual
// liaisons, each bound to a unit by an invite, who answer whatever the bot asks through to
// submission and then reopen and revise, pausing a think time between interactions. The
// echo bot's people type a line and wait for it to come back.
//
// For each scenario it reports interactions per second, latency (update queued → first
// message of the reply received) p50/p95/p99/max, errors (error replies and replies
// that never came), the bot process's peak resident memory (VmHWM of the child, and the
// highest VmRSS sampled while the measured load was held) and its
// CPU time per interaction, and for progressbot checks that every answer the bot
// acknowledged is in the database. The modes:
//
//	think  every person pauses ThinkMin–ThinkMax between interactions (open load)
//	max    no pause: a closed loop, each person waiting only for the reply (the ceiling)
//
// progressbot's rate is given as a ratio to the echo bot's in the same mode.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/cmd/loadtest/harness"
)

func main() {
	if kind := os.Getenv("LOADTEST_CHILD"); kind != "" {
		if err := runChild(kind); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest child:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
		}
		os.Exit(1)
	}
}

// options of one invocation.
type options struct {
	liaisons   int
	thinkMin   time.Duration
	thinkMax   time.Duration
	duration   time.Duration
	warmup     time.Duration
	modes      []string
	bots       []string
	redisURL   string
	botBin     string
	profileDir string
	pprofAddr  string
	tgLimits   bool
	inject429  int
	latency    time.Duration
	keep       bool
	asJSON     bool
	timeout    time.Duration
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.liaisons, "liaisons", 1000, "virtual liaisons (and echo users) at once")
	fs.DurationVar(&o.thinkMin, "think-min", 500*time.Millisecond, "shortest pause between a person's interactions (mode think)")
	fs.DurationVar(&o.thinkMax, "think-max", 1500*time.Millisecond, "longest pause between a person's interactions (mode think)")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "measured time per scenario")
	fs.DurationVar(&o.warmup, "warmup", 5*time.Second, "time after everyone has started before measuring")
	modes := fs.String("modes", "think,max", "scenarios: think (pauses between interactions), max (closed loop, no pause)")
	bots := fs.String("bots", "echo,progressbot", "bots to measure: echo, progressbot")
	fs.StringVar(&o.redisURL, "redis", os.Getenv("REDIS_URL"), "Redis for progressbot's sessions (REDIS_URL); empty starts an in-process miniredis")
	fs.StringVar(&o.botBin, "bot-bin", "", "run this progressbot binary (`progressbot serve`) as the bot instead of the built-in child")
	fs.StringVar(&o.profileDir, "cpuprofile", "", "write each child's CPU profile to this directory (go tool pprof)")
	fs.StringVar(&o.pprofAddr, "pprof", "", "serve the bot child's net/http/pprof (with block and mutex profiles) at this address, e.g. 127.0.0.1:6060")
	fs.BoolVar(&o.tgLimits, "tg-limits", false, "enforce Telegram's rate limits in the fake Bot API (30 messages/s per bot, 1/s per chat, with 429 and retry_after)")
	fs.IntVar(&o.inject429, "inject-429", 0, "answer every n-th message send with 429 retry_after=1 (0: never)")
	fs.DurationVar(&o.latency, "api-latency", 0, "round trip of every Bot API call but getUpdates, as across the internet (e.g. 100ms)")
	fs.DurationVar(&o.timeout, "reply-timeout", 10*time.Second, "an interaction without a reply after this is an error")
	fs.BoolVar(&o.keep, "keep", false, "keep the scenario folders (databases, bot logs)")
	fs.BoolVar(&o.asJSON, "json", false, "print the results as JSON")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.modes = strings.Split(*modes, ",")
	o.bots = strings.Split(*bots, ",")
	for _, m := range o.modes {
		if m != "think" && m != "max" {
			return o, fmt.Errorf("unknown mode %q: want think or max", m)
		}
	}
	for _, b := range o.bots {
		if b != "echo" && b != "progressbot" {
			return o, fmt.Errorf("unknown bot %q: want echo or progressbot", b)
		}
	}
	if o.liaisons < 1 {
		return o, errors.New("-liaisons must be at least 1")
	}
	return o, nil
}

// Scenario is one bot measured in one mode.
type Scenario struct {
	Bot  string `json:"bot"`
	Mode string `json:"mode"`
	harness.Result
	PeakRSS       int64         `json:"peak_rss_bytes"`        // the bot's whole life (VmHWM), the start's burst of 1,000 invites included
	WindowRSS     int64         `json:"window_peak_rss_bytes"` // the highest VmRSS sampled in the measured window
	CPUPerAction  time.Duration `json:"cpu_per_interaction"`
	BotCPU        float64       `json:"bot_cpu_cores"`     // cores the bot used on average in the window
	HarnessCPU    float64       `json:"harness_cpu_cores"` // the fake Bot API and the virtual people
	OtherCPU      float64       `json:"other_cpu_cores"`   // every other process on the machine (Redis, and whatever else runs)
	Verify        string        `json:"verify,omitempty"`
	Lost          int           `json:"lost"`
	Misfiled      int           `json:"misfiled"` // typed answers kept under another question than the one on screen
	Invalid       int64         `json:"invalid_calls"`
	Faults        int64         `json:"injected_faults"`
	BotErrors     int64         `json:"bot_errors"`
	NotStarted    int64         `json:"not_started"`
	Profile       string        `json:"profile,omitempty"`
	RatioToEcho   float64       `json:"ratio_to_echo,omitempty"`
	ExitError     string        `json:"exit_error,omitempty"`
	DroppedInbox  int64         `json:"dropped_messages"`
	ScenarioDir   string        `json:"dir,omitempty"`
	AnswersAcked  int           `json:"answers_acked"`
	SubmitsAcked  int           `json:"submits_acked"`
	LiaisonsBound int64         `json:"bound"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	if o.redisURL == "" {
		mr := miniredis.NewMiniRedis()
		if err := mr.Start(); err != nil {
			return err
		}
		defer mr.Close()
		o.redisURL = "redis://" + mr.Addr() + "/0"
		fmt.Fprintln(stderr, "loadtest: REDIS_URL not set: sessions in an in-process miniredis (in this process, not the bot's)")
	}
	fmt.Fprintf(stderr, "loadtest: %d liaisons, think %v–%v, %v measured after %v warm-up, modes %v, bots %v\n",
		o.liaisons, o.thinkMin, o.thinkMax, o.duration, o.warmup, o.modes, o.bots)
	var all []Scenario
	for _, mode := range o.modes {
		var echoRate float64
		for _, b := range o.bots {
			sc, err := scenario(ctx, o, b, mode, stderr)
			if err != nil {
				return fmt.Errorf("%s %s: %w", b, mode, err)
			}
			if b == "echo" {
				echoRate = sc.Rate
			} else if echoRate > 0 {
				sc.RatioToEcho = sc.Rate / echoRate
			}
			fmt.Fprintf(stderr, "loadtest: %-11s %-5s %s; peak RSS %.1f MB (%.1f MB in the window)\n", b, mode, sc.Result, float64(sc.PeakRSS)/(1<<20), float64(sc.WindowRSS)/(1<<20))
			all = append(all, sc)
		}
	}
	if o.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(all)
	}
	report(stdout, o, all)
	return nil
}

func report(w io.Writer, o options, all []Scenario) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "bot\tmode\tpeople\tinteractions/s\t× echo\tp50 ms\tp95 ms\tp99 ms\tmax ms\terrors\tpeak RSS MB\tRSS in window MB\tbot CPU ms/interaction\tbot cores\tharness cores\tother cores\tacked answers\tlost\t")
	for _, s := range all {
		ratio := "—"
		if s.RatioToEcho > 0 {
			ratio = fmt.Sprintf("%.2f", s.RatioToEcho)
		}
		lost := "—"
		if s.Bot == "progressbot" {
			lost = fmt.Sprint(s.Lost)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%.1f\t%.1f\t%.3f\t%.2f\t%.2f\t%.2f\t%d\t%s\t\n",
			s.Bot, s.Mode, s.People, s.Rate, ratio, msf(s.P50), msf(s.P95), msf(s.P99), msf(s.Max),
			s.Errors+s.Timeouts+int(s.Invalid), float64(s.PeakRSS)/(1<<20), float64(s.WindowRSS)/(1<<20), msf(s.CPUPerAction), s.BotCPU, s.HarnessCPU, s.OtherCPU, s.AnswersAcked, lost)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nthink time %v–%v, %v measured per scenario after %v warm-up; latency from update queued to the reply's first message; errors = error replies + no reply within %v + calls Telegram would refuse.\n",
		o.thinkMin, o.thinkMax, o.duration, o.warmup, o.timeout)
	if o.latency > 0 {
		fmt.Fprintf(w, "every Bot API call but getUpdates took a %v round trip.\n", o.latency)
	}
}

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// scenario measures one bot in one mode.
func scenario(ctx context.Context, o options, botKind, mode string, stderr io.Writer) (Scenario, error) {
	sc := Scenario{Bot: botKind, Mode: mode}
	dir, err := os.MkdirTemp("", "loadtest-"+botKind+"-"+mode+"-")
	if err != nil {
		return sc, err
	}
	if o.keep {
		sc.ScenarioDir = dir
		fmt.Fprintln(stderr, "loadtest: scenario folder", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	opts := bottest.Options{}
	if o.tgLimits {
		opts.Limits = bottest.TelegramLimits()
	}
	opts.Inject429Every = o.inject429
	opts.Latency = o.latency
	api := harness.StartAPI(opts)
	defer api.Close()

	// Telegram ids of this scenario's people: a random base, so that sessions left in a
	// shared Redis by an earlier run are never picked up.
	base := int64(1_000_000_000 + rand.IntN(1_000_000)*1000)
	dbPath := filepath.Join(dir, "progressbot.db")
	var people []*harness.Liaison
	if botKind == "progressbot" {
		now := time.Now()
		loc, _ := time.LoadLocation("Asia/Shanghai")
		cal := progressbot.DefaultCalendar(loc)
		period := cal.Current(anchored(cal, now)())
		people, _, err = harness.Prepare(ctx, dbPath, o.liaisons, base, period)
		if err != nil {
			return sc, err
		}
	} else {
		for i := range o.liaisons {
			people = append(people, &harness.Liaison{ID: base + int64(i)})
		}
	}
	for _, l := range people {
		l.Attach(api)
	}

	exe, err := os.Executable()
	if err != nil {
		return sc, err
	}
	statsPath := filepath.Join(dir, "stats.json")
	env := []string{
		"TELEGRAM_TOKEN=" + api.Token(), "TELEGRAM_API_URL=" + api.URL(),
		"PROGRESSBOT_DB=" + dbPath, "REDIS_URL=" + o.redisURL, "LOADTEST_STATS=" + statsPath,
		"PROGRESSBOT_HTTP_ADDR=", "PROGRESSBOT_LOG_LEVEL=info",
	}
	if o.pprofAddr != "" {
		env = append(env, "LOADTEST_PPROF="+o.pprofAddr)
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o750); err != nil {
			return sc, err
		}
		sc.Profile = filepath.Join(o.profileDir, botKind+"-"+mode+".pprof")
		env = append(env, "LOADTEST_CPUPROFILE="+sc.Profile)
	}
	var proc *harness.Proc
	switch {
	case botKind == "progressbot" && o.botBin != "":
		proc, err = harness.StartProc(o.botBin, []string{"serve"}, env, filepath.Join(dir, "bot.log"))
	default:
		proc, err = harness.StartProc(exe, nil, append(env, "LOADTEST_CHILD="+map[string]string{"progressbot": "bot", "echo": "echo"}[botKind]), filepath.Join(dir, "bot.log"))
	}
	if err != nil {
		return sc, err
	}
	defer func() {
		if !proc.Exited() {
			proc.Kill()
		}
	}()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = api.WaitPolling(wctx, 0)
	cancel()
	if err != nil {
		return sc, fmt.Errorf("the bot did not start polling: %w (see %s)", err, filepath.Join(dir, "bot.log"))
	}

	cfg := harness.Config{Echo: botKind == "echo", Timeout: o.timeout}
	if mode == "think" {
		cfg.ThinkMin, cfg.ThinkMax = o.thinkMin, o.thinkMax
	}
	r := harness.NewRun(cfg, people)
	rctx, stopPeople := context.WithCancel(ctx)
	defer stopPeople()
	r.Start(rctx)
	// Everyone started (invites redeemed), then a warm-up, then the window.
	deadline := time.Now().Add(60 * time.Second)
	for r.Bound()+r.Failed() < int64(len(people)) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	sc.NotStarted = int64(len(people)) - r.Bound()
	if !sleepCtx(ctx, o.warmup) {
		return sc, ctx.Err()
	}
	cpu0, _ := proc.CPU()
	self0, _ := harness.ProcCPU(os.Getpid())
	all0, _ := harness.MachineCPU()
	start := time.Now()
	r.Measure(start, o.duration)
	sampled := make(chan int64)
	sctx, stopSampling := context.WithCancel(ctx)
	go func() { sampled <- sampleRSS(sctx, proc) }()
	if !sleepCtx(ctx, o.duration) {
		stopSampling()
		<-sampled
		return sc, ctx.Err()
	}
	stopSampling()
	sc.WindowRSS = <-sampled
	cpu1, _ := proc.CPU()
	self1, _ := harness.ProcCPU(os.Getpid())
	all1, _ := harness.MachineCPU()
	elapsed := time.Since(start)
	sc.PeakRSS, _, _ = proc.Memory()
	sc.PeakRSS = max(sc.PeakRSS, sc.WindowRSS) // VmHWM can lag the samples by a page or two
	stopPeople()
	r.Wait()
	if err := proc.Stop(90 * time.Second); err != nil {
		sc.ExitError = err.Error()
	}
	sc.Result = r.Result()
	sc.LiaisonsBound = r.Bound()
	sc.AnswersAcked, sc.SubmitsAcked = sc.Result.Acked, sc.Result.Submits
	sc.Invalid, sc.Faults, sc.DroppedInbox = api.Invalid(), api.Faults(), api.Dropped()
	if sc.Interactions > 0 {
		sc.CPUPerAction = (cpu1 - cpu0) / time.Duration(sc.Interactions)
	}
	sc.BotCPU = (cpu1 - cpu0).Seconds() / elapsed.Seconds()
	sc.HarnessCPU = (self1 - self0).Seconds() / elapsed.Seconds()
	sc.OtherCPU = max(0, (all1-all0).Seconds()/elapsed.Seconds()-sc.BotCPU-sc.HarnessCPU)
	if b, err := os.ReadFile(statsPath); err == nil {
		var cs childStats
		if json.Unmarshal(b, &cs) == nil && cs.Bot != nil {
			sc.BotErrors = cs.Bot.Errors + cs.Bot.Panics + cs.Bot.Timeouts
		}
	}
	if botKind == "progressbot" {
		v, err := harness.Verify(ctx, dbPath, people)
		if err != nil {
			return sc, err
		}
		sc.Verify, sc.Lost, sc.Misfiled = v.String(), len(v.Missing), len(v.Misfiled)
		for i, m := range v.Missing {
			if i == 10 {
				fmt.Fprintf(stderr, "loadtest: … %d more\n", len(v.Missing)-10)
				break
			}
			fmt.Fprintln(stderr, "loadtest: LOST:", m)
		}
	}
	return sc, nil
}

// sampleRSS returns the highest resident set of the process seen every 100 ms until ctx
// ends.
func sampleRSS(ctx context.Context, p *harness.Proc) int64 {
	var top int64
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if _, now, err := p.Memory(); err == nil {
			top = max(top, now)
		}
		select {
		case <-ctx.Done():
			return top
		case <-t.C:
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
