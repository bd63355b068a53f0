package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/bot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/metrics"
	"github.com/progressbot/progressbot/schedule"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
)

// scheduleOptions are the settings of the reporting calendar and of the scheduler, shared
// by serve and remind. Every flag has an environment equivalent; a value in the
// environment that does not parse is an error unless the flag overrides it.
type scheduleOptions struct {
	openDay, deadlineDay, deadlineHour int
	shift                              bool
	quiet                              progressbot.QuietHours
	remindHour, before, after          int
	bulletinHour                       int
	holidays                           string
	rate, chatRate, groupRate          float64

	bad map[string]badValue // flag name → why its value was refused
}

// badValue is a setting that did not parse. It is kept, not returned by the flag's Set,
// because the command's language is known only once every flag (--lang among them) is
// parsed; check reports it then.
type badValue struct {
	source string // the flag (--deadline-day) or the environment variable it came from
	value  string
	want   *message // what it should have been, from cli.schedule.want.*
}

// message is a text for people not yet rendered: its locale id and template data.
type message struct {
	id string
	kv []any
}

func (m *message) in(l *locales.Localizer) string { return l.T(m.id, m.kv...) }

// optValue is a flag whose default comes from the environment.
type optValue struct {
	name   string
	o      *scheduleOptions
	set    func(string) *message // nil when the value was taken
	shown  string
	isBool bool
}

// IsBoolFlag lets a boolean option be given as --deadline-shift (or =false).
func (v *optValue) IsBoolFlag() bool { return v.isBool }

func (v *optValue) String() string { return v.shown }

// Set never fails: a bad value waits for check, in the command's language.
func (v *optValue) Set(s string) error {
	if v.o.take(v.name, "--"+v.name, s, v.set) {
		v.shown = s
	}
	return nil
}

// take sets option name from a value given in source, or keeps why it was refused. A
// later value (the command line after the environment) replaces an earlier refusal.
func (o *scheduleOptions) take(name, source, value string, set func(string) *message) bool {
	if want := set(value); want != nil {
		o.bad[name] = badValue{source: source, value: value, want: want}
		return false
	}
	delete(o.bad, name)
	return true
}

// check reports every refused setting in l's language, in the order of their names; call
// it after parsing the flags and before config.
func (o *scheduleOptions) check(l *locales.Localizer) error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(o.bad)) {
		b := o.bad[name]
		errs = append(errs, userError(l, "cli.schedule.err.value", "Source", b.source, "Value", b.value, "Text", b.want.in(l)))
	}
	return errors.Join(errs...)
}

// scheduleFlags adds the calendar's and the scheduler's flags to a command's flag set.
func scheduleFlags(fs *flag.FlagSet, e *env) *scheduleOptions {
	d := schedule.DefaultConfig(time.UTC, progressbot.WorkCalendar{})
	lim := schedule.DefaultLimits()
	o := &scheduleOptions{
		openDay: d.Calendar.OpenDay, deadlineDay: d.Calendar.DeadlineDay, deadlineHour: d.Calendar.DeadlineHour,
		shift: d.ShiftDeadline, quiet: d.Quiet, remindHour: d.RemindHour, before: d.BeforeDays, after: d.AfterLimit,
		bulletinHour: d.BulletinHour, rate: lim.PerSecond, chatRate: lim.PerChatPerSecond, groupRate: lim.PerGroupPerMinute,
		bad: map[string]badValue{},
	}
	add := func(name, envName, usage string, def string, set func(string) *message) {
		v := &optValue{name: name, o: o, set: set, shown: def, isBool: name == "deadline-shift"}
		if s := strings.TrimSpace(e.getenv(envName)); s != "" && o.take(name, envName, s, set) {
			v.shown = s
		}
		fs.Var(v, name, usage+" ("+envName+")")
	}
	intIn := func(p *int, lo, hi int) func(string) *message {
		return func(s string) *message {
			n, err := strconv.Atoi(s)
			if err != nil || n < lo || n > hi {
				return &message{id: "cli.schedule.want.whole", kv: []any{"Min", lo, "Max", hi}}
			}
			*p = n
			return nil
		}
	}
	rateOf := func(p *float64) func(string) *message {
		return func(s string) *message {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || f <= 0 || f > 1e6 {
				return &message{id: "cli.schedule.want.positive"}
			}
			*p = f
			return nil
		}
	}
	add("open-day", "PROGRESSBOT_OPEN_DAY", "day of the month a period opens, 1–28", strconv.Itoa(o.openDay), intIn(&o.openDay, 1, 28))
	add("deadline-day", "PROGRESSBOT_DEADLINE_DAY", "day of the next month reports are due, 1–28", strconv.Itoa(o.deadlineDay), intIn(&o.deadlineDay, 1, 28))
	add("deadline-hour", "PROGRESSBOT_DEADLINE_HOUR", "hour reports are due, 0–23", strconv.Itoa(o.deadlineHour), intIn(&o.deadlineHour, 0, 23))
	add("deadline-shift", "PROGRESSBOT_DEADLINE_SHIFT", "move a deadline on a non-working day to the next working day", strconv.FormatBool(o.shift), func(s string) *message {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return &message{id: "cli.schedule.want.bool"}
		}
		o.shift = b
		return nil
	})
	add("quiet-hours", "PROGRESSBOT_QUIET_HOURS", "hours when nothing is sent, START-END", fmt.Sprintf("%d-%d", o.quiet.Start, o.quiet.End), func(s string) *message {
		a, b, ok := strings.Cut(s, "-")
		start, err1 := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(a), ":00"))
		end, err2 := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(b), ":00"))
		q := progressbot.QuietHours{Start: start, End: end}
		if !ok || err1 != nil || err2 != nil || q.Validate() != nil {
			return &message{id: "cli.schedule.want.quiet_hours"}
		}
		o.quiet = q
		return nil
	})
	add("remind-hour", "PROGRESSBOT_REMIND_HOUR", "hour reminders go out, 0–23", strconv.Itoa(o.remindHour), intIn(&o.remindHour, 0, 23))
	add("remind-before", "PROGRESSBOT_REMIND_BEFORE", "working days before the deadline for the early reminder, 0 for none", strconv.Itoa(o.before), intIn(&o.before, 0, 20))
	add("remind-after", "PROGRESSBOT_REMIND_AFTER", "reminders after the deadline, one a working day, before the leaders are told", strconv.Itoa(o.after), intIn(&o.after, 0, 20))
	add("bulletin-hour", "PROGRESSBOT_BULLETIN_HOUR", "hour the bulletins go out, 0–23", strconv.Itoa(o.bulletinHour), intIn(&o.bulletinHour, 0, 23))
	add("holidays", "PROGRESSBOT_HOLIDAYS", "a holiday file (the format of seeds/holidays/cn.yaml) laid over the bundled notices", "", func(s string) *message {
		o.holidays = s
		return nil
	})
	add("rate", "PROGRESSBOT_RATE", "messages a second the bot sends at most", fmt.Sprint(o.rate), rateOf(&o.rate))
	add("chat-rate", "PROGRESSBOT_CHAT_RATE", "messages a second to one chat at most", fmt.Sprint(o.chatRate), rateOf(&o.chatRate))
	add("group-rate", "PROGRESSBOT_GROUP_RATE", "messages a minute to one group at most", fmt.Sprint(o.groupRate), rateOf(&o.groupRate))
	return o
}

// config builds the scheduler's configuration in loc: the bundled working calendar with
// any holiday file laid over it. Refused settings are reported by check, called first.
func (o *scheduleOptions) config(loc *time.Location) (schedule.Config, schedule.Limits, error) {
	work, err := seeds.Holidays()
	if err != nil {
		return schedule.Config{}, schedule.Limits{}, err
	}
	if o.holidays != "" {
		f, err := os.Open(o.holidays)
		if err != nil {
			return schedule.Config{}, schedule.Limits{}, fmt.Errorf("holidays: %w", err)
		}
		extra, err := seeds.LoadHolidays(f)
		f.Close()
		if err != nil {
			return schedule.Config{}, schedule.Limits{}, fmt.Errorf("holidays %s: %w", o.holidays, err)
		}
		work = work.Merge(extra)
	}
	c := schedule.DefaultConfig(loc, work)
	c.Calendar.OpenDay, c.Calendar.DeadlineDay, c.Calendar.DeadlineHour = o.openDay, o.deadlineDay, o.deadlineHour
	c.ShiftDeadline, c.Quiet = o.shift, o.quiet
	c.RemindHour, c.BeforeDays, c.AfterLimit, c.BulletinHour = o.remindHour, o.before, o.after, o.bulletinHour
	if err := c.Validate(); err != nil {
		return c, schedule.Limits{}, err
	}
	lim := schedule.Limits{PerSecond: o.rate, PerChatPerSecond: o.chatRate, PerGroupPerMinute: o.groupRate}
	return c, lim, lim.Validate()
}

// newScheduler makes serve's scheduler on the bot and wires it into the engine: the
// configured calendar, and the admin commands' scheduler (/remind, /extend, the preview).
// Call it before anything can hand the engine an update (the webhook's HTTP server, the
// poller): the engine reads both on every update.
func newScheduler(o *scheduleOptions, log *slog.Logger, db *store.DB, p *progressbot.Plan, engine *flows.Engine, b *bot.Bot, m *metrics.Registry) (*schedule.Scheduler, error) {
	loc := engine.Calendar.Location
	if loc == nil {
		loc = time.UTC
	}
	cfg, lim, err := o.config(loc)
	if err != nil {
		return nil, fmt.Errorf("serve: scheduler: %w", err)
	}
	cfg.ReportButton = flows.ReportButtonData // the engine opens /report for it
	s := &schedule.Scheduler{DB: db, Plan: p, Config: cfg, Limits: lim, Sender: b, Log: log.With("component", "scheduler"),
		OnSent: m.ReminderSent}
	engine.Calendar = cfg.Calendar
	engine.SetSchedule(s)
	return s, nil
}

// runScheduler runs the scheduler until ctx ends. The returned function waits for it to
// stop (sends in flight finished and recorded); call it before closing the database.
func runScheduler(ctx context.Context, log *slog.Logger, s *schedule.Scheduler) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Run(ctx); err != nil {
			log.Error("scheduler stopped", "err", err)
		}
	}()
	return func() { <-done }
}

// cmdRemind previews what the scheduler would send at a moment.
func cmdRemind(ctx context.Context, e *env, args []string) error {
	var c config
	fs := e.flagSet("remind", &c, "db", "tz", "lang", "plan")
	o := scheduleFlags(fs, e)
	dry := fs.Bool("dry-run", false, "print what would be sent and send nothing (required: serve does the sending)")
	atFlag := fs.String("at", "", "the moment, RFC 3339 (2025-10-09T09:00:00+08:00); default now")
	if _, err := parse(fs, args, e.stderr); err != nil {
		return err
	}
	l := locales.For(c.lang)
	if err := o.check(l); err != nil {
		return err
	}
	if !*dry {
		return userError(l, "cli.remind.need_dry_run")
	}
	a, err := newPlanCmd(&c)
	if err != nil {
		return err
	}
	loc := a.tz
	t := time.Now().In(loc)
	if *atFlag != "" {
		if t, err = time.Parse(time.RFC3339, *atFlag); err != nil {
			return userError(l, "cli.remind.err.at", "Value", *atFlag)
		}
		t = t.In(loc)
	}
	cfg, lim, err := o.config(loc)
	if err != nil {
		return err
	}
	if err := a.open(ctx, nil); err != nil {
		return err
	}
	defer a.Close()
	s := &schedule.Scheduler{DB: a.db, Plan: a.plan, Config: cfg, Limits: lim, Log: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelError}))}
	stamp := t.Format(time.RFC3339)
	if cfg.Work.Fallback(t.Year()) {
		fmt.Fprintln(e.stderr, l.T("cli.remind.fallback", "Year", t.Year()))
	}
	if !cfg.Allowed(t) {
		fmt.Fprintln(e.stdout, l.T("cli.remind.quiet", "At", stamp, "Next", cfg.NextAllowed(t).Format(time.RFC3339)))
		return nil
	}
	lines, err := s.PreviewLines(ctx, t, l.Lang)
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		fmt.Fprintln(e.stdout, l.T("cli.remind.none", "At", stamp))
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, l.T("cli.remind.header"))
	for _, line := range lines {
		fmt.Fprintln(tw, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, l.T("cli.remind.count", "At", stamp, "N", len(lines)))
	return nil
}
