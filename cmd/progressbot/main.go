// Command progressbot runs the progress-reporting bot and its admin tools.
//
//	progressbot serve      run the Telegram bot with its scheduler
//	progressbot chat       the same bot in the terminal, on embedded defaults
//	progressbot seed       load a plan folder (the bundled plan by default)
//	progressbot units      list the plan's units with their short names
//	progressbot invite     print a one-time invite code
//	progressbot export     write targets or a period's reports as .xlsx or .csv
//	progressbot backup     an online, consistent copy of the database
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/progressbot/progressbot/locales"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			// Help asked for and given (-h) is no failure.
			return
		}
		fmt.Fprintln(os.Stderr, "progressbot:", err)
		os.Exit(2)
	}
}

// command is one subcommand.
type command struct {
	name  string
	short string // message id of the one-line description in the usage
	run   func(ctx context.Context, env *env, args []string) error
}

// env is what a command reads and writes besides its flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// argLang is a --lang given on the command line, found before any flag is parsed.
	argLang string
}

func commands() []command {
	return []command{
		{"serve", "cli.cmd.serve", cmdServe},
		{"chat", "cli.cmd.chat", cmdChat},
		{"seed", "cli.cmd.seed", cmdSeed},
		{"units", "cli.cmd.units", cmdUnits},
		{"export", "cli.cmd.export", cmdExport},
		{"invite", "cli.cmd.invite", cmdInvite},
		{"dashboard-link", "cli.cmd.dashboard_link", cmdDashboardLink},
		{"remind", "cli.cmd.remind", cmdRemind},
		{"backup", "cli.cmd.backup", cmdBackup},
		{"demo-data", "cli.cmd.demo_data", cmdDemoData},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return dispatch(ctx, &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}, args)
}

func dispatch(ctx context.Context, e *env, args []string) error {
	// No command has parsed a --lang yet: speak the one the command line gives, else the
	// environment's. A --lang before the command ("progressbot --lang en --help") is the
	// command's too.
	e.argLang = langArg(args)
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && strings.TrimLeft(strings.SplitN(args[0], "=", 2)[0], "-") == "lang" {
		if strings.Contains(args[0], "=") || len(args) < 2 {
			args = args[1:]
		} else {
			args = args[2:]
		}
	}
	l := locales.For(e.lang())
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stderr, l)
		if len(args) == 0 {
			return errors.New(l.T("cli.err.no_command"))
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(e.stderr, l)
	return errors.New(l.T("cli.err.unknown_command", "Name", args[0]))
}

func usage(w io.Writer, l *locales.Localizer) {
	fmt.Fprintln(w, l.T("cli.usage"))
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, l.T(c.short))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, l.T("cli.usage.more"))
}
