// Package schedule runs the monthly cycle by itself (design §3 (docs/design.md)): it opens each reporting
// period, reminds the liaisons of units that have not submitted (when the period opens,
// a few working days before the deadline, on the morning of the deadline, each working day
// after it up to a limit), then tells the leaders whose scope covers a unit that it is
// missing, and sends the monthly bulletin (and the quarterly and year-end ones) to the
// leaders and the registered leaders' groups. Never on a non-working day of the Chinese
// calendar, never in the quiet hours.
//
// Every message is first a row of the durable outbox (store.Enqueue) under a unique key —
// kind|period|recipient|step — so planning is idempotent: each tick works out what the
// timetable wants at that moment and adds what is missing. Rows are then claimed under a
// lease (store.ClaimOutbox), paced to Telegram's limits and sent; a restart loses nothing
// (pending rows wait in the database) and repeats nothing (a sent row is never claimed
// again), and two processes on one database send each message once.
//
// The scheduler works on an injectable clock (Scheduler.Now): Step plans and delivers at
// the clock's moment, which is how tests play whole months in milliseconds.
package schedule

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// Scheduler runs the reminder timetable of one plan. Set the exported fields, then call
// Run (or Step, on a fake clock). A Scheduler without a Sender plans and previews only.
type Scheduler struct {
	DB     *store.DB
	Plan   *progressbot.Plan
	Config Config
	Limits Limits
	Sender Sender

	// Owner names this process in outbox leases; default host:pid:random.
	Owner string
	// Now is the clock; default time.Now. Tests give a fake one, and give the same to
	// DB.Now so that leases and stamps follow it.
	Now progressbot.Clock
	Log *slog.Logger

	Tick        time.Duration // how often Run plans; default 1 minute
	Poll        time.Duration // how often Run looks for ready rows when idle; default 5 s
	Lease       time.Duration // how long a claim holds rows; default 5 minutes
	SendTimeout time.Duration // one send, with the 429 waits bot.Send does itself; default 30 s
	MaxAttempts int           // attempts before a row fails; default 6
	RetryBase   time.Duration // first wait after a failed attempt; default 30 s
	RetryMax    time.Duration // longest wait; default 30 minutes
	MaxInFlight int           // rows claimed and not settled at once; default from Limits
	// BreakerPause is how long every send pauses after five transient failures in a row,
	// doubling each time it happens again (up to 10 minutes); default 30 s.
	BreakerPause time.Duration
	// OnSent, if set, is told the kind (KindRemind, KindBulletin …) of each message
	// Telegram accepted: for metrics. It should be quick.
	OnSent func(kind string)

	once     sync.Once
	rollr    *progressbot.Roller
	pacer    *pacer
	disp     *dispatch
	wake     chan struct{}
	ownerID  string
	logMu    sync.Mutex
	loggedFB map[int]bool
}

func (s *Scheduler) init() {
	s.once.Do(func() {
		s.rollr = progressbot.NewRoller(s.Plan)
		s.pacer = newPacer(s.Limits)
		s.wake = make(chan struct{}, 1)
		s.loggedFB = map[int]bool{}
		s.ownerID = s.Owner
		if s.ownerID == "" {
			host, _ := os.Hostname()
			var b [4]byte
			_, _ = rand.Read(b[:])
			s.ownerID = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
		}
		s.disp = newDispatch(s)
	})
}

func (s *Scheduler) roller() *progressbot.Roller { s.init(); return s.rollr }
func (s *Scheduler) owner() string               { s.init(); return s.ownerID }

func (s *Scheduler) now() time.Time { return s.Now.Now() }

func (s *Scheduler) log() *slog.Logger { return cmp.Or(s.Log, slog.Default()) }

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (s *Scheduler) lease() time.Duration       { return orDefault(s.Lease, 5*time.Minute) }
func (s *Scheduler) sendTimeout() time.Duration { return orDefault(s.SendTimeout, 30*time.Second) }

func (s *Scheduler) maxAttempts() int {
	if s.MaxAttempts <= 0 {
		return 6
	}
	return s.MaxAttempts
}

// maxInFlight is enough rows in hand to keep the bot's rate busy for two seconds, within
// bounds.
func (s *Scheduler) maxInFlight() int {
	if s.MaxInFlight > 0 {
		return s.MaxInFlight
	}
	if s.Limits.PerSecond <= 0 {
		return 256
	}
	return min(max(int(2*s.Limits.PerSecond), 16), 4096)
}

// poke wakes Run's sending loop: new rows are ready.
func (s *Scheduler) poke() {
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// noteFallback logs, once per year and process, that a year has no State Council notice
// in the working calendar and is judged by weekends and fixed-date holidays only.
func (s *Scheduler) noteFallback(t time.Time) {
	s.init()
	y := t.In(s.Config.loc()).Year()
	if !s.Config.Work.Fallback(y) {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if s.loggedFB[y] {
		return
	}
	s.loggedFB[y] = true
	s.log().Warn("no State Council holiday notice for this year: working days are Monday to Friday minus the fixed-date holidays; load the notice when it is published (PROGRESSBOT_HOLIDAYS)",
		"year", y, "known_years", fmt.Sprint(s.Config.Work.KnownYears()))
}

// Wanted lists the messages the timetable wants at t that are not in the outbox yet,
// rendered, without writing anything. Nothing is wanted on a non-working day or in the
// quiet hours.
func (s *Scheduler) Wanted(ctx context.Context, t time.Time) ([]store.OutboxMessage, error) {
	s.init()
	out, _, err := s.plan(ctx, t)
	return out, err
}

// Enqueue adds to the outbox what the timetable wants now, and records the timeliness of
// reports submitted since the last time.
func (s *Scheduler) Enqueue(ctx context.Context) (store.EnqueueResult, error) {
	s.init()
	t := s.now()
	msgs, states, err := s.plan(ctx, t)
	if err != nil {
		return store.EnqueueResult{}, fmt.Errorf("schedule: plan %s: %w", t.Format(time.RFC3339), err)
	}
	if err := s.recordTimeliness(ctx, states); err != nil {
		s.log().Warn("schedule: record timeliness", "err", err)
	}
	res, err := s.DB.Enqueue(ctx, msgs)
	if err != nil {
		return res, fmt.Errorf("schedule: %w", err)
	}
	if len(res.Inserted) > 0 {
		s.log().Info("schedule: enqueued", "messages", len(res.Inserted), "superseded", res.Superseded, "at", t.Format(time.RFC3339))
		s.poke()
	}
	return res, nil
}

// Deliver sends every row ready now (on the scheduler's clock) and waits for the sends.
// Outside the allowed hours it sends nothing.
func (s *Scheduler) Deliver(ctx context.Context) (Delivery, error) {
	if s.Sender == nil {
		return Delivery{}, errors.New("schedule: no sender")
	}
	d := s.dispatcher()
	err := d.drain(ctx)
	return d.take(), err
}

// Step is one tick: Enqueue, then Deliver.
func (s *Scheduler) Step(ctx context.Context) (Delivery, error) {
	if _, err := s.Enqueue(ctx); err != nil {
		return Delivery{}, err
	}
	return s.Deliver(ctx)
}

// Run plans every Tick and sends ready rows as they come, until ctx ends; then it stops
// claiming, lets the sends in flight finish (each within SendTimeout) and returns.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.Sender == nil {
		return errors.New("schedule: no sender")
	}
	if err := s.Config.Validate(); err != nil {
		return fmt.Errorf("schedule: %w", err)
	}
	d := s.dispatcher()
	stopDispatch := d.start(ctx)
	s.log().Info("scheduler running", "owner", s.owner(), "tick", orDefault(s.Tick, time.Minute).String(),
		"rate_per_second", s.Limits.PerSecond, "chat_per_second", s.Limits.PerChatPerSecond, "group_per_minute", s.Limits.PerGroupPerMinute)
	var planWG sync.WaitGroup
	planWG.Add(1)
	go func() {
		defer planWG.Done()
		tick := time.NewTicker(orDefault(s.Tick, time.Minute))
		defer tick.Stop()
		for {
			if _, err := s.Enqueue(ctx); err != nil && ctx.Err() == nil {
				s.log().Error("schedule: planning failed; trying again next tick", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	poll := orDefault(s.Poll, 5*time.Second)
	for ctx.Err() == nil {
		started := 0
		if s.Config.Allowed(s.now()) && d.free() >= max(1, cap(d.slots)/2) {
			n, err := d.claim(ctx)
			if err != nil && ctx.Err() == nil {
				s.log().Error("schedule: claim failed", "err", err)
			}
			started = n
		}
		if started > 0 && d.free() > 0 {
			continue // more may be ready
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-d.freed:
		case <-t.C:
		}
		t.Stop()
	}
	planWG.Wait()
	d.wg.Wait()
	stopDispatch()
	st := d.take()
	s.log().Info("scheduler stopped", "sent", st.Sent, "released", st.Released)
	return nil
}

// Deadline is when a unit's report for p is due: the configured deadline, moved off a
// non-working day, or the extension an admin granted. extended says which.
func (s *Scheduler) Deadlines(ctx context.Context, p progressbot.Period) (base time.Time, extended map[string]time.Time, err error) {
	exts, err := s.DB.DeadlineExtensions(ctx, s.Plan.ID, p)
	if err != nil {
		return time.Time{}, nil, err
	}
	extended = make(map[string]time.Time, len(exts))
	for unit, x := range exts {
		extended[unit] = x.Until.In(s.Config.loc())
	}
	return s.Config.BaseDeadline(p), extended, nil
}

// BaseDeadline is a period's deadline before any unit's extension.
func (s *Scheduler) BaseDeadline(p progressbot.Period) time.Time { return s.Config.BaseDeadline(p) }

// Deadline is a unit's deadline for a period: its extension, else the period's.
func (s *Scheduler) Deadline(ctx context.Context, unit string, p progressbot.Period) (deadline time.Time, extended bool, err error) {
	exts, err := s.DB.DeadlineExtensions(ctx, s.Plan.ID, p)
	if err != nil {
		return time.Time{}, false, err
	}
	if x, ok := exts[unit]; ok {
		return x.Until.In(s.Config.loc()), true, nil
	}
	return s.Config.BaseDeadline(p), false, nil
}

// Extension asks to move one unit's deadline for one period: by Workdays working days
// from the deadline in force, or to Until (its date at the configured deadline hour when
// it has no time of day).
type Extension struct {
	Unit     string
	Period   progressbot.Period
	Workdays int
	Until    time.Time
	Reason   string
	By       int64
}

// Extend grants an extension and returns it with the deadline it replaces. The new
// deadline lands on a working day when ShiftDeadline is set.
func (s *Scheduler) Extend(ctx context.Context, x Extension) (granted store.DeadlineExtension, was time.Time, err error) {
	was, _, err = s.Deadline(ctx, x.Unit, x.Period)
	if err != nil {
		return granted, was, err
	}
	until := x.Until
	switch {
	case until.IsZero() && x.Workdays > 0:
		until = s.Config.Work.AddWorkdays(was, x.Workdays)
	case !until.IsZero():
		until = until.In(s.Config.loc())
	default:
		return granted, was, fmt.Errorf("%w: give working days or a date", store.ErrBadExtension)
	}
	if s.Config.ShiftDeadline {
		until = s.Config.Work.NextWorkdayOnOrAfter(until)
	}
	if !until.After(was) {
		granted.Until = until
		return granted, was, fmt.Errorf("%w (%s, in force %s)", store.ErrExtensionNotLater, until.Format(time.RFC3339), was.Format(time.RFC3339))
	}
	granted, err = s.DB.ExtendDeadline(ctx, store.DeadlineExtension{
		PlanID: s.Plan.ID, Unit: x.Unit, Period: x.Period, Until: until, Reason: x.Reason, By: x.By,
	})
	if err == nil {
		granted.Until = granted.Until.In(s.Config.loc())
		s.log().Info("deadline extended", "unit", x.Unit, "period", x.Period.String(), "until", until.Format(time.RFC3339), "by", x.By, "reason", x.Reason)
	}
	return granted, was, err
}

// ExtendDeadline is Extend for the admin's /extend in package flows: it returns the new
// deadline and the one it replaces.
func (s *Scheduler) ExtendDeadline(ctx context.Context, unit string, p progressbot.Period, workdays int, until time.Time, reason string, by int64) (time.Time, time.Time, error) {
	x, was, err := s.Extend(ctx, Extension{Unit: unit, Period: p, Workdays: workdays, Until: until, Reason: reason, By: by})
	return x.Until, was, err
}

// Allowed reports whether messages may go out at t (a working day, outside the quiet
// hours).
func (s *Scheduler) Allowed(t time.Time) bool { return s.Config.Allowed(t) }

// PreviewItem is one message the scheduler would send at a moment.
type PreviewItem struct {
	Key     string
	Kind    string // remind, escalate, bulletin, bulletin-q, bulletin-y, notice
	Step    string
	Period  string
	Role    string // liaison, leader, admin, group
	Unit    string // the recipient's unit, or a leader's or group's scope
	ChatID  int64
	UserID  int64
	Name    string
	Text    string
	Pending bool // already in the outbox, waiting; otherwise the schedule would add it now
}

// Preview lists every message the scheduler would send at t given the database — the
// rows ready in the outbox and still wanted, and what the timetable would add — and
// sends and writes nothing. Nothing goes out on a non-working day or in the quiet hours.
func (s *Scheduler) Preview(ctx context.Context, t time.Time) ([]PreviewItem, error) {
	s.init()
	if !s.Config.Allowed(t) {
		return nil, nil
	}
	wanted, err := s.Wanted(ctx, t)
	if err != nil {
		return nil, err
	}
	series := map[string]bool{}
	for _, m := range wanted {
		if m.Series != "" {
			series[m.Series] = true
		}
	}
	pending, err := s.DB.Outbox(ctx, s.Plan.ID, store.OutboxFilter{ReadyAt: t})
	if err != nil {
		return nil, err
	}
	g := newGuard(s)
	var rows []store.OutboxMessage
	for _, m := range pending {
		if series[m.Series] && m.Series != "" || !m.Expires.IsZero() && !t.Before(m.Expires) {
			continue
		}
		if ok, err := g.wanted(ctx, m); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		rows = append(rows, m)
	}
	us, err := s.DB.Users(ctx, s.Plan.ID)
	if err != nil {
		return nil, err
	}
	name := map[int64]string{}
	for _, u := range us {
		name[u.TelegramID] = u.Name
	}
	var out []PreviewItem
	add := func(m store.OutboxMessage, pending bool) {
		out = append(out, PreviewItem{Key: m.Key, Kind: m.Kind, Step: m.Step, Period: m.Period, Role: m.Role, Unit: m.Unit,
			ChatID: m.ChatID, UserID: m.UserID, Name: name[m.UserID], Text: m.Text, Pending: pending})
	}
	for _, m := range rows {
		add(m, true)
	}
	for _, m := range wanted {
		add(m, false)
	}
	slices.SortStableFunc(out, func(a, b PreviewItem) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		if c := strings.Compare(a.Period, b.Period); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, nil
}

// PreviewLines is Preview as one line per message for people, in a language: recipient
// unit (or scope), role, kind, period, recipient.
func (s *Scheduler) PreviewLines(ctx context.Context, t time.Time, lang string) ([]string, error) {
	items, err := s.Preview(ctx, t)
	if err != nil {
		return nil, err
	}
	loc := locales.For(lang)
	n := names{p: s.Plan, loc: loc, tz: s.Config.loc()}
	var out []string
	for _, it := range items {
		out = append(out, s.previewLine(n, it))
	}
	return out, nil
}

func (s *Scheduler) previewLine(n names, it PreviewItem) string {
	loc := n.loc
	unit := n.unit(it.Unit)
	if it.Role == string(store.RoleLeader) || it.Role == "group" {
		unit = n.scope(it.Unit)
	}
	if it.Unit == "" && it.Role == string(store.RoleAdmin) {
		unit = "—"
	}
	kind := it.Kind
	if it.Kind == KindRemind {
		step, _, _ := strings.Cut(it.Step, "@")
		if strings.HasPrefix(step, StepAfter) {
			step = StepAfter
		}
		kind += "." + step
	}
	who := it.Name
	if who == "" {
		who = fmt.Sprint(it.ChatID)
	}
	period := it.Period
	if p, err := progressbot.ParsePeriod(it.Period); err == nil {
		period = n.period(p)
	}
	return strings.Join([]string{unit, loc.T("schedule.role." + it.Role), loc.T("schedule.kind." + kind), period, who}, "\t")
}
