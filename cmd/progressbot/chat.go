package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/schedule"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/sessions"
)

// chatUserID is the Telegram user id the terminal speaks as. Telegram ids are positive,
// so a negative one can never collide with a real person in the same database.
const chatUserID = -1

func cmdChat(ctx context.Context, e *env, args []string) error {
	var c config
	fs := e.flagSet("chat", &c, "db", "tz", "lang", "plan")
	role := fs.String("role", "liaison", "who to be: liaison, leader or admin")
	unit := fs.String("unit", "", "the liaison's unit, by full or short name; empty for the plan's first county")
	scope := fs.String("scope", "", "a leader's scope: a chain, cluster or unit; empty for the whole plan")
	sched := scheduleFlags(fs, e)
	if _, err := parse(fs, args, e.stderr); err != nil {
		return err
	}
	if err := sched.check(locales.For(c.lang)); err != nil {
		return err
	}
	a, err := newPlanCmd(&c)
	if err != nil {
		return err
	}
	// The calendar as serve keeps it (deadlines moved off non-working days, extensions),
	// so that the terminal shows the same deadline as Telegram.
	cfg, _, err := sched.config(a.tz)
	if err != nil {
		return err
	}
	if err := a.open(ctx, e.stderr); err != nil {
		return err
	}
	defer a.Close()
	db, p := a.db, a.plan
	spec := store.InviteSpec{PlanID: p.ID, Role: store.Role(*role), CreatedBy: chatUserID, TTL: time.Hour}
	switch spec.Role {
	case store.RoleLiaison:
		if *unit == "" {
			*unit = firstCounty(p)
		}
		u, err := a.pickUnit(*unit)
		if err != nil {
			return err
		}
		spec.Unit = u.ID
	case store.RoleLeader:
		if *scope != "" {
			if spec.Scope, err = a.pickScope(*scope); err != nil {
				return err
			}
		}
	case store.RoleAdmin:
	default:
		return errors.New(a.l.T("invite.err.role", "Role", *role))
	}
	code, err := db.CreateInvite(ctx, spec)
	if err != nil {
		return err
	}
	engine := &flows.Engine{
		DB: db, Plan: p, Sessions: sessions.NewMemory(sessions.Options{}),
		Calendar: cfg.Calendar,
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)), // the terminal is for the conversation
		Files:    localFiles{},
	}
	engine.SetSchedule(&schedule.Scheduler{DB: db, Plan: p, Config: cfg, Log: engine.Log})
	// Files the bot sends (a workbook, a chart, evidence) are written beside the database.
	t := &terminal{e: engine, out: e.stdout, lang: locales.Match(c.lang), dir: filepath.Join(filepath.Dir(db.Path()), "chat-files")}
	if err := t.send(ctx, flows.Input{Command: "start", Args: code}); err != nil {
		return err
	}
	howto := "chat.howto"
	if spec.Role == store.RoleLiaison {
		howto = "chat.howto.liaison"
	}
	fmt.Fprintln(e.stdout, locales.For(t.lang).T(howto))
	fmt.Fprintln(e.stdout, locales.For(t.lang).T("chat.files_folder", "Dir", t.dir))
	sc := bufio.NewScanner(e.stdin)
	for {
		fmt.Fprint(e.stdout, "> ")
		if !sc.Scan() {
			fmt.Fprintln(e.stdout)
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if line == "/quit" || line == "/exit" {
			return nil
		}
		in, err := t.input(line)
		if err != nil {
			fmt.Fprintln(e.stdout, err)
			continue
		}
		if err := t.send(ctx, in); err != nil {
			return err
		}
	}
}

// terminal shows replies with buttons as numbered choices; typing a choice's number
// presses it. "/file PATH" sends a file, and the files the bot sends are written to dir.
type terminal struct {
	e       *flows.Engine
	out     io.Writer
	lang    string
	dir     string
	buttons []flows.Button
}

// input reads a line; an error is a line that cannot be sent (a /file that is not one),
// to show the person.
func (t *terminal) input(line string) (flows.Input, error) {
	if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(t.buttons) {
		return flows.Input{Data: t.buttons[n-1].Data}, nil
	}
	if cmd, ok := strings.CutPrefix(line, "/"); ok {
		name, args, _ := strings.Cut(cmd, " ")
		args = strings.TrimSpace(args)
		if strings.ToLower(name) == "file" {
			l := locales.For(t.lang)
			if args == "" {
				return flows.Input{}, errors.New(l.T("chat.file_usage"))
			}
			f, err := localFile(args)
			if err != nil {
				return flows.Input{}, errors.New(l.T("chat.file_unreadable", "File", args))
			}
			return flows.Input{File: f}, nil
		}
		return flows.Input{Command: strings.ToLower(name), Args: args}, nil
	}
	return flows.Input{Text: line}, nil
}

func (t *terminal) send(ctx context.Context, in flows.Input) error {
	u, err := t.e.Who(ctx, chatUserID, chatUserID, "terminal", t.lang)
	if err != nil {
		return err
	}
	// The terminal's own lines speak the language the bot answers in: the person's
	// stored choice (/lang), else --lang.
	t.lang = u.Lang
	r, err := t.e.Handle(ctx, u, in)
	if err != nil {
		slog.Debug("chat input failed", "err", err)
	}
	if r.Toast != "" && len(r.Messages) == 0 {
		fmt.Fprintf(t.out, "(%s)\n", r.Toast)
	}
	if len(r.Messages) > 0 {
		t.buttons = nil
	}
	for _, m := range r.Messages {
		fmt.Fprintln(t.out)
		fmt.Fprintln(t.out, m.Text)
		for _, f := range []*flows.File{m.Document, m.Photo} {
			if f == nil {
				continue
			}
			// A terminal cannot show a file: keep it where the person can open it.
			path, err := writeChatFile(t.dir, f)
			if err != nil {
				return fmt.Errorf("chat: save %s: %w", f.Name, err)
			}
			fmt.Fprintln(t.out, locales.For(t.lang).T("chat.file_saved", "File", path))
		}
		for _, row := range m.Keyboard {
			var cells []string
			for _, b := range row {
				t.buttons = append(t.buttons, b)
				cells = append(cells, fmt.Sprintf("[%d] %s", len(t.buttons), b.Label))
			}
			fmt.Fprintln(t.out, "  "+strings.Join(cells, "   "))
		}
	}
	return nil
}
