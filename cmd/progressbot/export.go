package main

import (
	"context"
	"fmt"
	"os"
	"slices"
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
	scope := fs.String("scope", "", "limit the export to a chain, cluster or unit, by any of its names; default the whole plan")
	rest, err := parse(fs, args, e.stderr)
	if err != nil {
		return err
	}
	subject, more := "", []string(nil)
	if len(rest) > 0 {
		// Flags may follow the subject: export targets --format csv.
		subject = rest[0]
		if more, err = parse(fs, rest[1:], e.stderr); err != nil {
			return err
		}
	}
	loc := locales.For(c.lang) // after both parses: --lang may follow the subject
	if len(more) > 0 {
		return userError(loc, "cli.export.err.extra", "Text", strings.Join(more, " "))
	}
	req, err := checkExport(loc, subject, *format, *table, *period)
	if err != nil {
		return err
	}
	a, err := openPlanCmd(ctx, &c, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	db, p, tz := a.db, a.plan, a.tz
	sc := export.Scope{}
	if *scope != "" {
		found, err := a.pickScope(*scope)
		if err != nil {
			return userError(loc, "cli.export.err.scope", "Text", strings.TrimSpace(err.Error()))
		}
		if sc, err = export.ParseScope(p, found); err != nil {
			return err
		}
	}
	per := req.period

	if req.subject == "targets" {
		t := export.ScopedTargets(p, loc, sc)
		path := *out
		if path == "" {
			path = "targets." + req.format
		}
		if err := writeFileAtomic(path, func(f *os.File) error {
			if req.format == "csv" {
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
		return userError(loc, "cli.export.err.not_open", "Period", per.String(), "Current", current.String())
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
	if req.format == "csv" {
		t, err := export.Single(ctx, db, p, opt, req.table)
		if err != nil {
			return err
		}
		tables = []export.Table{t}
		if path == "" {
			path = req.table + "-" + per.String() + suffix + ".csv"
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
		if req.format == "csv" {
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

// exportRequest is what export was asked for, checked before a database is opened.
type exportRequest struct {
	subject string             // progress or targets
	format  string             // xlsx or csv
	table   string             // the table of a csv
	period  progressbot.Period // zero: the period being reported now
}

// checkExport reads export's subject and flags, or says in l's language what is wrong
// with them.
func checkExport(l *locales.Localizer, subject, format, table, period string) (exportRequest, error) {
	req := exportRequest{subject: subject, format: format, table: table}
	howto := l.T("cli.export.err.howto")
	switch subject {
	case "":
		if period == "" {
			return req, userError(l, "cli.export.err.need_subject", "Text", howto)
		}
		req.subject = "progress"
	case "progress", "report", "reports":
		req.subject = "progress"
	case "targets":
		if period != "" || table != "" {
			return req, userError(l, "cli.export.err.targets_flags")
		}
	default:
		return req, userError(l, "cli.export.err.subject", "Subject", subject, "Text", howto)
	}
	if format != "xlsx" && format != "csv" {
		return req, userError(l, "cli.export.err.format", "Format", format)
	}
	if table != "" && format != "csv" {
		return req, userError(l, "cli.export.err.table_xlsx")
	}
	if req.table == "" {
		req.table = export.TableTasks
	}
	if !slices.Contains(export.TableNames, req.table) {
		return req, userError(l, "cli.export.err.table", "Table", req.table, "Tables", strings.Join(export.TableNames, ", "))
	}
	if period != "" {
		per, err := progressbot.ParsePeriod(strings.TrimSpace(period))
		if err != nil {
			return req, userError(l, "cli.export.err.period", "Period", period)
		}
		req.period = per
	}
	return req, nil
}
