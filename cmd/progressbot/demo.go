package main

import (
	"context"
	"fmt"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/demo"
	"github.com/progressbot/progressbot/locales"
)

// cmdDemoData fills a database with plausible reports from the plan's start to today,
// so that a newcomer sees real rollups at once: progressbot demo-data [--from 2023-09]
// [--to now] [--seed N].
func cmdDemoData(ctx context.Context, e *env, args []string) error {
	var c config
	fs := e.flagSet("demo-data", &c, "db", "lang", "plan", "tz")
	from := fs.String("from", "", "first period, YYYY-MM; empty is the month the plan was issued")
	to := fs.String("to", "now", "last period, YYYY-MM, or now: the period being reported today, partly filled")
	seed := fs.Int64("seed", 1, "another seed makes another, equally plausible history")
	if _, err := parse(fs, args, e.stderr); err != nil {
		return err
	}
	a, err := newPlanCmd(&c)
	if err != nil {
		return err
	}
	loc := a.l
	opts := demo.Options{Seed: *seed, Now: time.Now(), Calendar: progressbot.DefaultCalendar(a.tz)}
	if err := demoPeriods(loc, &opts, *from, *to); err != nil {
		return err
	}
	if err := a.open(ctx, nil); err != nil {
		return err
	}
	defer a.Close()
	p := a.plan
	start := time.Now()
	st, err := demo.Fill(ctx, a.db, p, opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, loc.T("cli.demo.written", "Plan", p.ID, "Reports", st.Reports, "Answers", st.Answers,
		"Submitted", st.Submitted, "Seed", *seed, "Took", time.Since(start).Round(time.Millisecond).String()))
	return nil
}

// demoPeriods sets the first and last periods of opts from --from and --to, or says in
// l's language what is wrong with them.
func demoPeriods(l *locales.Localizer, opts *demo.Options, from, to string) error {
	var err error
	if from != "" {
		if opts.From, err = progressbot.ParsePeriod(from); err != nil {
			return userError(l, "cli.demo.err.period", "Flag", "--from", "Value", from)
		}
	}
	if to != "" && to != "now" {
		if opts.To, err = progressbot.ParsePeriod(to); err != nil {
			return userError(l, "cli.demo.err.period", "Flag", "--to", "Value", to)
		}
		if cur := opts.Calendar.Current(opts.Now); cur.Before(opts.To) {
			return userError(l, "cli.demo.err.to_future", "To", opts.To.String(), "Current", cur.String())
		}
	}
	if !opts.From.IsZero() && !opts.To.IsZero() && opts.To.Before(opts.From) {
		return userError(l, "cli.demo.err.to_before_from", "To", opts.To.String(), "From", opts.From.String())
	}
	return nil
}
