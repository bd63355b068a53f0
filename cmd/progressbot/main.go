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
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "progressbot:", err)
		}
		os.Exit(2)
	}
}

// command is one subcommand.
type command struct {
	name  string
	short string
	run   func(ctx context.Context, env *env, args []string) error
}

// env is what a command reads and writes besides its flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func commands() []command {
	return []command{
		{"serve", "run the Telegram bot (long polling, or --webhook)", cmdServe},
		{"chat", "the bot in the terminal on embedded defaults: no token, no Redis", cmdChat},
		{"seed", "load a plan folder into the database (the bundled plan by default)", cmdSeed},
		{"units", "list the plan's units with their short names", cmdUnits},
		{"export", "write a period's workbook or the plan's targets: export --period 2026-11, export targets --format csv", cmdExport},
		{"invite", "print a one-time invite code: invite --role liaison --unit 湖口县", cmdInvite},
		{"remind", "preview what the scheduler would send at a moment: remind --dry-run --at 2025-10-09T09:00:00+08:00", cmdRemind},
		{"backup", "write an online, consistent copy of the database: backup --out FILE", cmdBackup},
		{"demo-data", "fill the database with plausible reports from the plan's start to today", cmdDemoData},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return dispatch(ctx, &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}, args)
}

func dispatch(ctx context.Context, e *env, args []string) error {
	stderr := e.stderr
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: progressbot <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run progressbot <command> -h for a command's flags; each flag has an environment equivalent.")
}
