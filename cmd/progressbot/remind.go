package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
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

	envErrs map[string]error // flag name → its environment value's error
}

// optValue is a flag whose default comes from the environment.
type optValue struct {
	name   string
	o      *scheduleOptions
	set    func(string) error
	shown  string
	isBool bool
}

// IsBoolFlag lets a boolean option be given as --deadline-shift (or =false).
func (v *optValue) IsBoolFlag() bool { return v.isBool }

func (v *optValue) String() string { return v.shown }
func (v *optValue) Set(s string) error {
	if err := v.set(s); err != nil {
		return err
	}
	v.shown = s
	delete(v.o.envErrs, v.name) // the command line wins over the environment
	return nil
}

// scheduleFlags adds the calendar's and the scheduler's flags to a command's flag set.
func scheduleFlags(fs *flag.FlagSet, e *env) *scheduleOptions {
	d := schedule.DefaultConfig(time.UTC, progressbot.WorkCalendar{})
	lim := schedule.DefaultLimits()
	o := &scheduleOptions{
		openDay: d.Calendar.OpenDay, deadlineDay: d.Calendar.DeadlineDay, deadlineHour: d.Calendar.DeadlineHour,
		shift: d.ShiftDeadline, quiet: d.Quiet, remindHour: d.RemindHour, before: d.BeforeDays, after: d.AfterLimit,
		bulletinHour: d.BulletinHour, rate: lim.PerSecond, chatRate: lim.PerChatPerSecond, groupRate: lim.PerGroupPerMinute,
		envErrs: map[string]error{},
	}
	add := func(name, envName, usage string, def string, set func(string) error) {
		v := &optValue{name: name, o: o, set: set, shown: def, isBool: name == "deadline-shift"}
		if s := strings.TrimSpace(e.getenv(envName)); s != "" {
			if err := set(s); err != nil {
				o.envErrs[name] = fmt.Errorf("%s=%q: %w", envName, s, err)
			} else {
				v.shown = s
			}
		}
		fs.Var(v, name, usage+" ("+envName+")")
	}
	intIn := func(p *int, lo, hi int) func(string) error {
		return func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < lo || n > hi {
				return fmt.Errorf("want a whole number from %d to %d", lo, hi)
			}
			*p = n
			return nil
		}
	}
	rateOf := func(p *float64) func(string) error {
		return func(s string) error {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || f <= 0 || f > 1e6 {
				return errors.New("want a positive number")
			}
			*p = f
			return nil
		}
	}
	add("open-day", "PROGRESSBOT_OPEN_DAY", "day of the month a period opens, 1–28", strconv.Itoa(o.openDay), intIn(&o.openDay, 1, 28))
	add("deadline-day", "PROGRESSBOT_DEADLINE_DAY", "day of the next month reports are due, 1–28", strconv.Itoa(o.deadlineDay), intIn(&o.deadlineDay, 1, 28))
	add("deadline-hour", "PROGRESSBOT_DEADLINE_HOUR", "hour reports are due, 0–23", strconv.Itoa(o.deadlineHour), intIn(&o.deadlineHour, 0, 23))
	add("deadline-shift", "PROGRESSBOT_DEADLINE_SHIFT", "move a deadline on a non-working day to the next working day", strconv.FormatBool(o.shift), func(s string) error {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errors.New("want true or false")
		}
		o.shift = b
		return nil
	})
	add("quiet-hours", "PROGRESSBOT_QUIET_HOURS", "hours when nothing is sent, START-END", fmt.Sprintf("%d-%d", o.quiet.Start, o.quiet.End), func(s string) error {
		a, b, ok := strings.Cut(s, "-")
		start, err1 := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(a), ":00"))
		end, err2 := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(b), ":00"))
		q := progressbot.QuietHours{Start: start, End: end}
		if !ok || err1 != nil || err2 != nil || q.Validate() != nil {
			return errors.New("want START-END in hours, e.g. 22-8")
		}
		o.quiet = q
		return nil
	})
	add("remind-hour", "PROGRESSBOT_REMIND_HOUR", "hour reminders go out, 0–23", strconv.Itoa(o.remindHour), intIn(&o.remindHour, 0, 23))
	add("remind-before", "PROGRESSBOT_REMIND_BEFORE", "working days before the deadline for the early reminder, 0 for none", strconv.Itoa(o.before), intIn(&o.before, 0, 20))
	add("remind-after", "PROGRESSBOT_REMIND_AFTER", "reminders after the deadline, one a working day, before the leaders are told", strconv.Itoa(o.after), intIn(&o.after, 0, 20))
	add("bulletin-hour", "PROGRESSBOT_BULLETIN_HOUR", "hour the bulletins go out, 0–23", strconv.Itoa(o.bulletinHour), intIn(&o.bulletinHour, 0, 23))
	add("holidays", "PROGRESSBOT_HOLIDAYS", "a holiday file (the format of seeds/holidays/cn.yaml) laid over the bundled notices", "", func(s string) error {
		o.holidays = s
		return nil
	})
	add("rate", "PROGRESSBOT_RATE", "messages a second the bot sends at most", fmt.Sprint(o.rate), rateOf(&o.rate))
	add("chat-rate", "PROGRESSBOT_CHAT_RATE", "messages a second to one chat at most", fmt.Sprint(o.chatRate), rateOf(&o.chatRate))
	add("group-rate", "PROGRESSBOT_GROUP_RATE", "messages a minute to one group at most", fmt.Sprint(o.groupRate), rateOf(&o.groupRate))
	return o
}

// config builds the scheduler's configuration in loc: the bundled working calendar with
// any holiday file laid over it.
func (o *scheduleOptions) config(loc *time.Location) (schedule.Config, schedule.Limits, error) {
	var errs []error
	for _, err := range o.envErrs {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return schedule.Config{}, schedule.Limits{}, errors.Join(errs...)
	}
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

// startScheduler starts serve's scheduler on the bot: it gives the engine the configured
// calendar and the admin commands their scheduler (/remind, /extend, the preview), then
// runs the scheduler until ctx ends. The returned function waits for it to stop (sends in
// flight finished and recorded); call it before closing the database.
func startScheduler(ctx context.Context, o *scheduleOptions, log *slog.Logger, db *store.DB, p *progressbot.Plan, engine *flows.Engine, b *bot.Bot) (wait func(), err error) {
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
		OnSent: metrics.ReminderSent}
	engine.Calendar = cfg.Calendar
	engine.SetSchedule(s)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Run(ctx); err != nil {
			log.Error("scheduler stopped", "err", err)
		}
	}()
	return func() { <-done }, nil
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
	if !*dry {
		return errors.New(l.T("cli.remind.need_dry_run"))
	}
	loc, err := c.location()
	if err != nil {
		return err
	}
	t := time.Now().In(loc)
	if *atFlag != "" {
		if t, err = time.Parse(time.RFC3339, *atFlag); err != nil {
			return fmt.Errorf("--at %q: want RFC 3339, e.g. 2025-10-09T09:00:00+08:00", *atFlag)
		}
		t = t.In(loc)
	}
	cfg, lim, err := o.config(loc)
	if err != nil {
		return err
	}
	db, p, err := openPlan(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	s := &schedule.Scheduler{DB: db, Plan: p, Config: cfg, Limits: lim, Log: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelError}))}
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
