package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/export"
	"github.com/progressbot/progressbot/locales"
)

// cmdExport writes a period's progress workbook (or one of its tables as CSV), or the
// plan's targets:
//
//	progressbot export --period 2026-11 [--format xlsx|csv] [--table tasks] [--scope 石化化工] [--out FILE]
//	progressbot export progress            the period being reported now
//	progressbot export targets [--format xlsx|csv] [--out FILE]
//
// Flags may come before or after the subject. Errors in the flags are found before the
// database is opened.
func cmdExport(ctx context.Context, e *env, args []string) error {
	var c config
	fs := e.flagSet("export", &c, "db", "lang", "plan", "tz")
	format := fs.String("format", "xlsx", "xlsx (a workbook of every table) or csv (one table, see --table)")
	out := fs.String("out", "", "output file; default progress-YYYY-MM.xlsx, <table>-YYYY-MM.csv or targets.<format> in the current folder")
	period := fs.String("period", "", "the month to export, YYYY-MM; default the period being reported now (with the subject progress)")
	table := fs.String("table", "", "for csv: which table, one of "+strings.Join(export.TableNames, ", ")+"; default tasks")
	scope := fs.String("scope", "", "limit the export to a chain, cluster or unit, by name (石化化工, 湖口县); default the whole plan")
	rest, err := parse(fs, args, e.stderr)
	if err != nil {
		return err
	}
	subject := ""
	if len(rest) > 0 {
		subject = rest[0]
		// Flags may follow the subject: export targets --format csv.
		if more, err := parse(fs, rest[1:], e.stderr); err != nil {
			return err
		} else if len(more) > 0 {
			return fmt.Errorf("export: unexpected %q: give one subject, progress or targets", strings.Join(more, " "))
		}
	}
	what := errors.New(`export: say what to export: export --period 2026-11 [--format xlsx|csv] for a month's progress, export progress for the current month, or export targets`)
	switch subject {
	case "":
		if *period == "" {
			return what
		}
		subject = "progress"
	case "progress", "report", "reports":
		subject = "progress"
	case "targets":
		if *period != "" || *table != "" {
			return fmt.Errorf("export targets: --period and --table are for a month's progress, not the targets")
		}
	default:
		return fmt.Errorf("export: unknown subject %q; %v", subject, strings.TrimPrefix(what.Error(), "export: "))
	}
	if *format != "xlsx" && *format != "csv" {
		return fmt.Errorf("export: --format %q: want xlsx or csv", *format)
	}
	if *table != "" && *format != "csv" {
		return fmt.Errorf("export: --table is for --format csv; the xlsx workbook has every table")
	}
	if *table == "" {
		*table = export.TableTasks
	}
	valid := false
	for _, n := range export.TableNames {
		valid = valid || n == *table
	}
	if !valid {
		return fmt.Errorf("export: --table %q: want one of %s", *table, strings.Join(export.TableNames, ", "))
	}
	var per progressbot.Period
	if *period != "" {
		if per, err = progressbot.ParsePeriod(strings.TrimSpace(*period)); err != nil {
			return fmt.Errorf("export: --period %q: want YYYY-MM, e.g. 2026-11, with a month from 01 to 12", *period)
		}
	}
	tz, err := c.location()
	if err != nil {
		return err
	}
	db, p, err := openPlan(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	loc := locales.For(c.lang)
	sc := export.Scope{}
	if *scope != "" {
		found := resolveScope(p, *scope)
		if len(found) != 1 {
			return fmt.Errorf("export: --scope %q: %s", *scope, strings.TrimSpace(loc.T("invite.err.unknown_scope", "Name", *scope, "Text", suggestion(loc, closeNames(*scope, scopeNames(p))))))
		}
		if sc, err = export.ParseScope(p, found[0]); err != nil {
			return err
		}
	}

	if subject == "targets" {
		t := export.ScopedTargets(p, loc, sc)
		path := *out
		if path == "" {
			path = "targets." + *format
		}
		if err := writeFileAtomic(path, func(f *os.File) error {
			if *format == "csv" {
				return export.WriteCSV(f, t)
			}
			return export.WriteXLSX(f, t)
		}); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, loc.T("cli.export.written", "Count", len(t.Rows), "File", path))
		return nil
	}

	cal := progressbot.DefaultCalendar(tz)
	now := time.Now()
	if current := cal.Current(now); per.IsZero() {
		per = current
	} else if current.Before(per) {
		return fmt.Errorf("export: --period %s has not opened yet; the period being reported is %s", per, current)
	}
	opt := export.Options{Period: per, Scope: sc, Calendar: cal, Now: now, Loc: loc}
	suffix := ""
	if !sc.All() {
		suffix = "-" + sc.Key
	}
	var (
		tables []export.Table
		path   = *out
	)
	if *format == "csv" {
		t, err := export.Single(ctx, db, p, opt, *table)
		if err != nil {
			return err
		}
		tables = []export.Table{t}
		if path == "" {
			path = *table + "-" + per.String() + suffix + ".csv"
		}
	} else {
		book, err := export.Workbook(ctx, db, p, opt)
		if err != nil {
			return err
		}
		tables = book.Tables
		if path == "" {
			path = "progress-" + per.String() + suffix + ".xlsx"
		}
	}
	if err := writeFileAtomic(path, func(f *os.File) error {
		if *format == "csv" {
			return export.WriteCSV(f, tables[0])
		}
		return export.WriteXLSX(f, tables...)
	}); err != nil {
		return err
	}
	rows := 0
	for _, t := range tables {
		rows += len(t.Rows)
	}
	fmt.Fprintln(e.stdout, loc.T("cli.export.written", "Count", rows, "File", path))
	return nil
}
