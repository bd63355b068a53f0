package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/progressbot/progressbot/export"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/seeds"
)

// config holds the settings shared by commands. Every flag has an environment
// equivalent (design §5 (docs/design.md)); a flag given on the command line wins.
type config struct {
	dbPath   string
	token    string
	apiURL   string
	redisURL string
	httpAddr string
	tz       string
	lang     string
	plan     string
}

// flagSet makes a command's flag set with the shared settings it needs: any of "db",
// "telegram", "redis", "http", "tz", "lang", "plan".
func (e *env) flagSet(name string, c *config, which ...string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { e.flagUsage(fs) }
	def := func(envName, fallback string) string {
		if v := strings.TrimSpace(e.getenv(envName)); v != "" {
			return v
		}
		return fallback
	}
	for _, w := range which {
		switch w {
		case "db":
			fs.StringVar(&c.dbPath, "db", def("PROGRESSBOT_DB", "./data/progressbot.db"), "SQLite database file (PROGRESSBOT_DB)")
		case "telegram":
			fs.StringVar(&c.token, "token", def("TELEGRAM_TOKEN", ""), "Telegram bot token (TELEGRAM_TOKEN)")
			fs.StringVar(&c.apiURL, "api-url", def("TELEGRAM_API_URL", "https://api.telegram.org"), "Bot API base URL (TELEGRAM_API_URL)")
		case "redis":
			fs.StringVar(&c.redisURL, "redis", def("REDIS_URL", ""), "Redis URL for conversation state, e.g. redis://127.0.0.1:6379/0; empty keeps it in process (REDIS_URL)")
		case "http":
			fs.StringVar(&c.httpAddr, "http", def("PROGRESSBOT_HTTP_ADDR", ""), "address for /healthz, /metrics and the webhook, e.g. :8080 (PROGRESSBOT_HTTP_ADDR)")
		case "tz":
			fs.StringVar(&c.tz, "tz", def("PROGRESSBOT_TZ", "Asia/Shanghai"), "time zone of the reporting calendar (PROGRESSBOT_TZ)")
		case "lang":
			fs.StringVar(&c.lang, "lang", e.lang(), "language of command output: zh-CN or en (PROGRESSBOT_LANG)")
		case "plan":
			fs.StringVar(&c.plan, "plan", def("PROGRESSBOT_PLAN", ""), "plan id; empty means the only (or bundled) plan (PROGRESSBOT_PLAN)")
		}
	}
	return fs
}

// lang is the language of output written before a command has parsed its flags (usage,
// -h, an unknown command) and the default of --lang: a --lang found on the command line
// (see langArg), else PROGRESSBOT_LANG, else the default.
func (e *env) lang() string {
	if e.argLang != "" {
		return locales.Match(e.argLang)
	}
	return locales.Match(e.getenv("PROGRESSBOT_LANG"))
}

// langArg finds the value of a --lang (or -lang, --lang=en) anywhere in args, so that
// help and usage speak it before any flag is parsed.
func langArg(args []string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "lang" {
			continue
		}
		if hasVal {
			return val
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// flagUsage prints a command's help (-h) in the language of the command line: each
// flag's description is the message cli.flag.COMMAND.FLAG, else cli.flag.FLAG.
func (e *env) flagUsage(fs *flag.FlagSet) {
	l := locales.For(e.lang())
	short := ""
	for _, c := range commands() {
		if c.name == fs.Name() {
			short = l.T(c.short)
		}
	}
	fmt.Fprintln(fs.Output(), l.T("cli.flag.usage", "Command", fs.Name(), "Short", short))
	kv := []any{"Tables", strings.Join(export.TableNames, ", "), "Plan", seeds.DefaultPlan}
	fs.VisitAll(func(f *flag.Flag) {
		id := "cli.flag." + fs.Name() + "." + f.Name
		usage := l.T(id, kv...)
		if usage == id {
			usage = l.T("cli.flag."+f.Name, kv...)
		}
		kind, _ := flag.UnquoteUsage(f)
		line := "  -" + f.Name
		if kind != "" {
			line += " " + kind
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			usage += l.T("cli.flag.default", "Value", f.DefValue)
		}
		fmt.Fprintf(fs.Output(), "%s\n    \t%s\n", line, usage)
	})
}

// userError is a refusal for the person at the terminal, rendered in l's language.
func userError(l *locales.Localizer, id string, kv ...any) error {
	return errors.New(l.T(id, kv...))
}

func (c *config) location() (*time.Location, error) {
	loc, err := time.LoadLocation(c.tz)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", c.tz, err)
	}
	return loc, nil
}

// parse parses flags; positional arguments are returned.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}
