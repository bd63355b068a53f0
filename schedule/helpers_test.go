package schedule_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/schedule"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// at reads "2006-01-02 15:04" in Beijing time.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// clock is a fake clock shared by the database and the schedulers of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// world is a database with the bundled plan, people bound to it and a fake clock.
type world struct {
	t     testing.TB
	path  string
	db    *store.DB
	plan  *progressbot.Plan
	clock *clock
	cfg   schedule.Config
	ids   map[string]int64 // label → Telegram id
	names map[int64]string // Telegram or chat id → label
	quiet *slog.Logger
}

func newWorld(t testing.TB, start time.Time) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{t: t, path: filepath.Join(t.TempDir(), "pb.db"), clock: &clock{t: start},
		ids: map[string]int64{}, names: map[int64]string{}, quiet: testLogger()}
	w.db = w.open()
	p, sum, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.SavePlan(ctx, p, sum); err != nil {
		t.Fatal(err)
	}
	w.plan = p
	work, err := seeds.Holidays()
	if err != nil {
		t.Fatal(err)
	}
	w.cfg = schedule.DefaultConfig(shanghai, work)
	return w
}

// open opens another handle on the world's database, as a second process would.
func (w *world) open() *store.DB {
	w.t.Helper()
	db, err := store.Open(context.Background(), w.path)
	if err != nil {
		w.t.Fatal(err)
	}
	db.Now = w.clock.Now
	w.t.Cleanup(func() { db.Close() })
	return db
}

// person binds someone to the plan with an invite and returns their Telegram id.
func (w *world) person(label string, id int64, role store.Role, unit, scope, lang string) int64 {
	w.t.Helper()
	ctx := context.Background()
	code, err := w.db.CreateInvite(ctx, store.InviteSpec{PlanID: w.plan.ID, Role: role, Unit: unit, Scope: scope})
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.db.Redeem(ctx, code, id, id, label); err != nil {
		w.t.Fatal(err)
	}
	if lang != "" {
		if err := w.db.SetLang(ctx, id, lang); err != nil {
			w.t.Fatal(err)
		}
	}
	w.ids[label] = id
	w.names[id] = label
	return id
}

func (w *world) group(label string, chat int64, scope string) {
	w.t.Helper()
	if err := w.db.RegisterGroup(context.Background(), store.LeaderGroup{ChatID: chat, PlanID: w.plan.ID, Scope: scope, AddedBy: 1}); err != nil {
		w.t.Fatal(err)
	}
	w.names[chat] = label
}

func (w *world) scheduler(db *store.DB, s schedule.Sender, owner string) *schedule.Scheduler {
	return &schedule.Scheduler{DB: db, Plan: w.plan, Config: w.cfg, Limits: schedule.Unlimited(), Sender: s,
		Owner: owner, Now: w.clock.Now, Log: w.quiet}
}

// answer saves an answer for the first n items a unit owes in a period.
func (w *world) answer(unit string, p progressbot.Period, n int) {
	w.t.Helper()
	for _, ref := range w.plan.Due(unit, p)[:n] {
		a := progressbot.Answer{Unit: unit, Period: p, Item: ref, UserID: 1, ChatID: 1}
		switch ref.Kind {
		case progressbot.ItemIndicator:
			v := 100.0
			a.Value, a.Raw = &v, "100"
		case progressbot.ItemTask, progressbot.ItemWorkItem:
			a.Status, a.Done, a.Coordination = progressbot.StatusOnTrack, "done", "无"
		case progressbot.ItemProject:
			a.Stage = progressbot.StageStarted
		}
		if _, err := w.db.SaveAnswer(context.Background(), w.plan.ID, a); err != nil {
			w.t.Fatal(err)
		}
	}
}

func (w *world) submit(unit string, p progressbot.Period) {
	w.t.Helper()
	if _, err := w.db.Submit(context.Background(), w.plan.ID, unit, p, store.Who{UserID: 1, ChatID: 1}); err != nil {
		w.t.Fatal(err)
	}
}

// recorder is a Sender that keeps what it was given, stamped with the fake clock.
type recorder struct {
	mu    sync.Mutex
	clock *clock
	sent  []delivered
	fail  func(chat int64) error
}

type delivered struct {
	Chat int64
	Text string
	At   time.Time
	Kbd  [][]flows.Button
}

func (r *recorder) Send(ctx context.Context, chat int64, m flows.Message) error {
	if r.fail != nil {
		if err := r.fail(chat); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, delivered{Chat: chat, Text: m.Text, At: r.clock.Now(), Kbd: m.Keyboard})
	return nil
}

func (r *recorder) all() []delivered {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivered(nil), r.sent...)
}

// play moves the clock from from to to in steps, running every scheduler's Step at each
// moment (concurrently when there are several) and the events due by then first.
func (w *world) play(from, to time.Time, step time.Duration, scheds []*schedule.Scheduler, events map[time.Time]func()) {
	w.t.Helper()
	ctx := context.Background()
	var moments []time.Time
	for t := range events {
		moments = append(moments, t)
	}
	sort.Slice(moments, func(i, j int) bool { return moments[i].Before(moments[j]) })
	for t := from; !t.After(to); t = t.Add(step) {
		for len(moments) > 0 && !moments[0].After(t) {
			w.clock.Set(moments[0])
			events[moments[0]]()
			moments = moments[1:]
		}
		w.clock.Set(t)
		var wg sync.WaitGroup
		errs := make([]error, len(scheds))
		for i, s := range scheds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.Step(ctx)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				w.t.Fatalf("%s: %v", t.Format(time.RFC3339), err)
			}
		}
	}
}

// sentRow is a sent outbox row as tests compare them.
type sentRow struct {
	Key string
	At  string // when it was settled, Beijing time
}

func (w *world) sentRows() []sentRow {
	w.t.Helper()
	rows, err := w.db.Outbox(context.Background(), w.plan.ID, store.OutboxFilter{State: store.OutboxSent})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []sentRow
	for _, r := range rows {
		out = append(out, sentRow{Key: w.label(r.Key), At: r.DoneAt.In(shanghai).Format("2006-01-02 15:04")})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].At != out[j].At {
			return out[i].At < out[j].At
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// label replaces the chat id in an outbox key by the recipient's label.
func (w *world) label(key string) string {
	parts := strings.Split(key, "|")
	if len(parts) == 4 {
		var id int64
		fmt.Sscan(parts[2], &id)
		if l, ok := w.names[id]; ok {
			parts[2] = l
		}
	}
	return strings.Join(parts, "|")
}

// testLogger drops the scheduler's log unless PB_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("PB_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
