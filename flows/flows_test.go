package flows_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/sessions"
	"github.com/progressbot/progressbot/store/storetest"
)

// world is an engine on a fresh database with the bundled plan and a clock that tests move.
type world struct {
	t      *testing.T
	e      *flows.Engine
	db     *store.DB
	mem    *sessions.Memory
	now    time.Time
	mu     sync.Mutex
	nextID int64
}

var shanghai = func() *time.Location { l, _ := time.LoadLocation("Asia/Shanghai"); return l }()

func newWorld(t *testing.T) *world { t.Helper(); return newWorldFrom(t, "") }

// newWorldFrom starts from a copy of the database file template ("" for a fresh one).
func newWorldFrom(t *testing.T, template string) *world {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pb.db")
	if template != "" {
		data, err := os.ReadFile(template)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db, p := storetest.PlanDBAt(t, path)
	w := &world{t: t, db: db, now: time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai), nextID: 1000}
	clock := func() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.now }
	db.Now = clock
	w.mem = sessions.NewMemory(sessions.Options{Now: clock})
	w.e = &flows.Engine{DB: db, Plan: p, Sessions: w.mem, Calendar: progressbot.DefaultCalendar(shanghai), Now: clock,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return w
}

func (w *world) setNow(t time.Time) { w.mu.Lock(); w.now = t; w.mu.Unlock() }

// person is one Telegram user talking to the engine.
type person struct {
	w    *world
	id   int64
	lang string
	last flows.Reply
	// inputs counts what the person did: commands, typed texts, presses.
	inputs int
}

func (w *world) person(lang string) *person {
	w.nextID++
	return &person{w: w, id: w.nextID, lang: lang}
}

// invited makes a person who redeemed an invite for the role and unit.
func (w *world) invited(role store.Role, unit, scope, lang string) *person {
	w.t.Helper()
	code, err := w.db.CreateInvite(context.Background(), store.InviteSpec{PlanID: w.e.Plan.ID, Role: role, Unit: unit, Scope: scope})
	if err != nil {
		w.t.Fatal(err)
	}
	p := w.person(lang)
	p.cmd("start", code)
	return p
}

func (p *person) do(in flows.Input) flows.Reply {
	p.w.t.Helper()
	p.inputs++
	ctx := context.Background()
	u, err := p.w.e.Who(ctx, p.id, p.id, "Tester", p.lang)
	if err != nil {
		p.w.t.Fatal(err)
	}
	r, err := p.w.e.Handle(ctx, u, in)
	if err != nil {
		p.w.t.Fatalf("handle %+v: %v", in, err)
	}
	if len(r.Messages) > 0 {
		p.last = r
	}
	return r
}

func (p *person) cmd(name, args string) flows.Reply {
	return p.do(flows.Input{Command: name, Args: args})
}

func (p *person) say(text string) flows.Reply { return p.do(flows.Input{Text: text}) }

// button finds a button on the last screen whose label contains label.
func (p *person) button(label string) (flows.Button, bool) {
	for _, m := range p.last.Messages {
		for _, row := range m.Keyboard {
			for _, b := range row {
				if strings.Contains(b.Label, label) {
					return b, true
				}
			}
		}
	}
	return flows.Button{}, false
}

func (p *person) press(label string) flows.Reply {
	p.w.t.Helper()
	b, ok := p.button(label)
	if !ok {
		p.w.t.Fatalf("no button %q on screen:\n%s", label, p.screen())
	}
	return p.do(flows.Input{Data: b.Data})
}

func (p *person) screen() string {
	var parts []string
	for _, m := range p.last.Messages {
		s := m.Text
		for _, row := range m.Keyboard {
			var labels []string
			for _, b := range row {
				labels = append(labels, "["+b.Label+"]")
			}
			s += "\n" + strings.Join(labels, " ")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "\n---\n")
}

func (p *person) text() string {
	if len(p.last.Messages) == 0 {
		return ""
	}
	return p.last.Messages[len(p.last.Messages)-1].Text
}

func (p *person) sees(t *testing.T, want ...string) {
	t.Helper()
	s := p.screen()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("screen lacks %q:\n%s", w, s)
		}
	}
}

// answerCurrent answers whatever item is on screen: a number, a status with texts, or a
// stage. It returns false on the review screen.
func (p *person) answerCurrent(t *testing.T, zh bool) bool {
	t.Helper()
	s := p.screen()
	if _, rest, ok := strings.Cut(s, "\n"); ok && strings.HasPrefix(s, "✓") {
		s = rest
	}
	if !strings.HasPrefix(s, "〔") && !strings.HasPrefix(s, "[") {
		return false // not an item: the review or the opening screen
	}
	switch {
	case strings.Contains(s, "指标：") || strings.Contains(s, "Indicator:"):
		p.say("12")
		if _, ok := p.button("确认"); ok {
			p.press("确认")
		} else if _, ok := p.button("Confirm"); ok {
			p.press("Confirm")
		}
	case strings.Contains(s, "任务") || strings.Contains(s, "重点工作") || strings.Contains(s, "Task ") || strings.Contains(s, "Key work"):
		if zh {
			p.press("按计划推进")
			p.say("完成调研")
		} else {
			p.press("On track")
			p.say("survey done")
		}
	case strings.Contains(s, "重大项目") || strings.Contains(s, "Key project"):
		if zh {
			p.press("开工")
		} else {
			p.press("Construction started")
		}
	default:
		return false
	}
	return true
}
