package schedule

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// Sender delivers one message to a chat: *bot.Bot. Delivery decides on the kind of its
// errors (progressbot.KindOf): Blocked for a chat that refuses the bot, Invalid for a
// message Telegram would refuse, RetryLater with progressbot.RetryAfter for a 429 it
// could not wait out within the context's deadline; any other error is retried.
type Sender interface {
	Send(ctx context.Context, chatID int64, m flows.Message) error
}

// Delivery counts what one Deliver did.
type Delivery struct {
	Sent, Retried, Failed, Blocked, Cancelled, Expired, Released int
}

// dispatch is the sending side of a scheduler. Claimed rows are checked (stale? still
// wanted?), given their chat's slot in claim order, and queued by the moment that slot
// comes; one pacing loop takes them off the queue at the bot's rate — on the clock as it
// is when it lets each one go, so a stalled process never makes up for lost time with a
// burst — and sends each in its own goroutine. At most maxInFlight rows are claimed and
// not yet settled.
type dispatch struct {
	s     *Scheduler
	slots chan struct{}
	wg    sync.WaitGroup
	freed chan struct{} // a slot was given back

	mu    sync.Mutex
	stats Delivery

	fails   atomic.Int32 // consecutive transient failures, for the breaker
	tripped atomic.Int32 // how many times in a row the breaker opened

	settles chan settleReq // to the settler, while a drain or a Run is on

	qmu   sync.Mutex
	queue jobQueue
	seq   uint64
	qsig  chan struct{}
}

// job is a claimed row waiting for its turn.
type job struct {
	m     store.OutboxMessage
	ready time.Time // its chat's slot
	seq   uint64
}

type jobQueue []*job

func (q jobQueue) Len() int { return len(q) }
func (q jobQueue) Less(i, j int) bool {
	if !q[i].ready.Equal(q[j].ready) {
		return q[i].ready.Before(q[j].ready)
	}
	return q[i].seq < q[j].seq
}
func (q jobQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *jobQueue) Push(x any)   { *q = append(*q, x.(*job)) }
func (q *jobQueue) Pop() any {
	old := *q
	j := old[len(old)-1]
	*q = old[:len(old)-1]
	return j
}

// settleReq asks the settler to record what became of a row; done gets the outcome.
type settleReq struct {
	it   store.Settlement
	done chan error
}

// settler records outcomes in batches, one write transaction for whatever has queued up
// (up to 256 rows), so that a fast fan-out does not pay a transaction per message. It
// returns when settles is closed.
func (d *dispatch) settler(settles chan settleReq, stopped chan struct{}) {
	defer close(stopped)
	s := d.s
	for first := range settles {
		batch := []settleReq{first}
	more:
		for len(batch) < 256 {
			select {
			case r, ok := <-settles:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		items := make([]store.Settlement, len(batch))
		for i, r := range batch {
			items[i] = r.it
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		errs, err := s.DB.SettleOutbox(ctx, s.owner(), items)
		cancel()
		for i, r := range batch {
			if err != nil {
				r.done <- err
			} else {
				r.done <- errs[i]
			}
		}
	}
}

// start runs the settler and the pacing loop until the returned function is called,
// which it must be once every claimed row is settled (or ctx ended). ctx ending makes the
// pacing loop give back the rows still queued.
func (d *dispatch) start(ctx context.Context) (stop func()) {
	ch, settled := make(chan settleReq, 256), make(chan struct{})
	d.settles = ch
	go d.settler(ch, settled)
	quit, paced := make(chan struct{}), make(chan struct{})
	go d.pace(ctx, quit, paced)
	return func() {
		close(quit)
		<-paced
		close(ch)
		<-settled
	}
}

// settle records a row's outcome through the settler and waits for it.
func (d *dispatch) settle(it store.Settlement) error {
	r := settleReq{it: it, done: make(chan error, 1)}
	d.settles <- r
	return <-r.done
}

func (s *Scheduler) dispatcher() *dispatch {
	s.init()
	return s.disp
}

func newDispatch(s *Scheduler) *dispatch {
	return &dispatch{s: s, slots: make(chan struct{}, s.maxInFlight()), freed: make(chan struct{}, 1), qsig: make(chan struct{}, 1)}
}

func (d *dispatch) count(f func(*Delivery)) {
	d.mu.Lock()
	f(&d.stats)
	d.mu.Unlock()
}

func (d *dispatch) take() Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.stats
	d.stats = Delivery{}
	return out
}

func (d *dispatch) free() int { return cap(d.slots) - len(d.slots) }

func (d *dispatch) release() {
	<-d.slots
	select {
	case d.freed <- struct{}{}:
	default:
	}
	d.wg.Done()
}

// claim leases as many ready rows as there are free slots, settles those no longer
// wanted and queues the others. It returns how many rows it claimed.
func (d *dispatch) claim(ctx context.Context) (int, error) {
	s := d.s
	n := d.free()
	if n == 0 {
		return 0, nil
	}
	rows, err := s.DB.ClaimOutbox(ctx, s.Plan.ID, s.owner(), s.lease(), n)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	g := newGuard(s)
	now := s.now()
	for _, m := range rows {
		d.slots <- struct{}{}
		d.wg.Add(1)
		if !m.Expires.IsZero() && !now.Before(m.Expires) {
			d.count(func(x *Delivery) { x.Expired++ })
			go d.finish(m, store.Settlement{ID: m.ID, State: store.OutboxExpired, Reason: "stale: its moment passed before it could go"})
			continue
		}
		ok, err := g.wanted(ctx, m)
		switch {
		case err != nil:
			d.count(func(x *Delivery) { x.Released++ })
			go d.finish(m, store.Settlement{ID: m.ID, State: store.OutboxPending, Next: now, Reason: "guard: " + err.Error()})
			continue
		case !ok:
			d.count(func(x *Delivery) { x.Cancelled++ })
			go d.finish(m, store.Settlement{ID: m.ID, State: store.OutboxCancelled, Reason: "the unit submitted"})
			continue
		}
		// The chat's slot is reserved here, in claim order, so that the messages of one
		// chat leave in order.
		j := &job{m: m, ready: time.Now().Add(s.pacer.chatDelay(m.ChatID))}
		d.qmu.Lock()
		d.seq++
		j.seq = d.seq
		heap.Push(&d.queue, j)
		d.qmu.Unlock()
		select {
		case d.qsig <- struct{}{}:
		default:
		}
	}
	return len(rows), nil
}

// finish settles a row that is not sent and gives back its slot.
func (d *dispatch) finish(m store.OutboxMessage, it store.Settlement) {
	defer d.release()
	if err := d.settle(it); err != nil {
		d.s.log().Warn("outbox: settle", "key", m.Key, "state", it.State, "err", err)
	}
}

// pace lets queued rows go, one at a time at the bot's rate, until quit is closed; when
// ctx ends it gives back what is still queued.
func (d *dispatch) pace(ctx context.Context, quit <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d.qmu.Lock()
		queued := len(d.queue) > 0
		var wait time.Duration
		if queued {
			wait = time.Until(d.queue[0].ready)
		}
		d.qmu.Unlock()
		if ctx.Err() != nil {
			d.giveBackQueued()
			select {
			case <-quit:
				return
			case <-d.qsig:
			}
			continue
		}
		switch {
		case !queued:
			select {
			case <-quit:
				return
			case <-ctx.Done():
			case <-d.qsig:
			}
			continue
		case wait > 0: // the earliest chat slot is still to come
			timer.Reset(wait)
			select {
			case <-quit:
				return
			case <-ctx.Done():
			case <-d.qsig: // an earlier one may have come
			case <-timer.C:
			}
			continue
		}
		if err := d.s.pacer.waitGlobal(ctx); err != nil {
			continue
		}
		d.qmu.Lock()
		j := heap.Pop(&d.queue).(*job)
		d.qmu.Unlock()
		go d.send(ctx, j.m)
	}
}

func (d *dispatch) giveBackQueued() {
	d.qmu.Lock()
	q := d.queue
	d.queue = nil
	d.qmu.Unlock()
	for _, j := range q {
		d.count(func(x *Delivery) { x.Released++ })
		go d.finish(j.m, store.Settlement{ID: j.m.ID, State: store.OutboxPending, Next: d.s.now(), Reason: "not sent: shutting down"})
	}
}

// drain claims and sends until nothing is ready (now, on the scheduler's clock), and
// waits for the sends.
func (d *dispatch) drain(ctx context.Context) error {
	stop := d.start(ctx)
	defer stop()
	for {
		if !d.s.Config.Allowed(d.s.now()) {
			break
		}
		// Claim in batches: wait for a quarter of the slots to be free.
		for len(d.slots) > 0 && d.free() < max(1, cap(d.slots)/4) && ctx.Err() == nil {
			select {
			case <-d.freed:
			case <-ctx.Done():
			}
		}
		n, err := d.claim(ctx)
		if err != nil {
			d.wg.Wait()
			return err
		}
		if n > 0 {
			continue
		}
		if len(d.slots) == 0 {
			break
		}
		// Rows in flight may come back ready (released before their lease ran out).
		d.wg.Wait()
	}
	d.wg.Wait()
	return ctx.Err()
}

// guard says whether a claimed row is still wanted: a reminder whose unit has submitted
// since is not, nor an escalation all of whose units have. It reads each period's
// submissions once per claim.
type guard struct {
	s    *Scheduler
	subs map[string]map[string]store.ReportSummary
}

func newGuard(s *Scheduler) *guard {
	return &guard{s: s, subs: map[string]map[string]store.ReportSummary{}}
}

func (g *guard) wanted(ctx context.Context, m store.OutboxMessage) (bool, error) {
	if m.Kind != KindRemind && m.Kind != KindEscalate || len(m.Subject) == 0 {
		return true, nil
	}
	p, err := progressbot.ParsePeriod(m.Period)
	if err != nil {
		return true, nil
	}
	subs, ok := g.subs[m.Period]
	if !ok {
		if subs, err = g.s.DB.PeriodSubmissions(ctx, g.s.Plan.ID, p); err != nil {
			return false, err
		}
		g.subs[m.Period] = subs
	}
	for _, u := range m.Subject {
		if subs[u].State != progressbot.ReportSubmitted {
			return true, nil
		}
	}
	return false, nil
}

// send delivers one row and settles it.
func (d *dispatch) send(ctx context.Context, m store.OutboxMessage) {
	defer d.release()
	s := d.s
	log := s.log().With("key", m.Key, "chat_id", m.ChatID)
	settle := func(it store.Settlement) {
		it.ID = m.ID
		if err := d.settle(it); err != nil {
			log.Warn("outbox: settle", "state", it.State, "err", err)
		}
	}
	// Never send on a lease that may run out mid-send: another process could take the row.
	if s.now().Add(s.sendTimeout() + 5*time.Second).After(m.LeaseUntil) {
		d.count(func(x *Delivery) { x.Released++ })
		settle(store.Settlement{State: store.OutboxPending, Next: s.now(), Reason: "lease too short to send"})
		return
	}
	msg := flows.Message{Text: m.Text}
	if m.Keyboard != "" {
		if err := json.Unmarshal([]byte(m.Keyboard), &msg.Keyboard); err != nil {
			d.count(func(x *Delivery) { x.Failed++ })
			settle(store.Settlement{State: store.OutboxFailed, Reason: "keyboard: " + err.Error()})
			return
		}
	}
	// The send gets its own deadline, not the run's context: a message already on its way
	// when the process is told to stop is finished and marked, not abandoned half-sent.
	tctx, tcancel := context.WithTimeout(context.WithoutCancel(ctx), s.sendTimeout())
	err := s.Sender.Send(tctx, m.ChatID, msg)
	tcancel()
	if err == nil {
		d.fails.Store(0)
		d.tripped.Store(0)
		d.count(func(x *Delivery) { x.Sent++ })
		if s.OnSent != nil {
			s.OnSent(m.Kind)
		}
		settle(store.Settlement{State: store.OutboxSent})
		return
	}
	switch progressbot.KindOf(err) {
	case progressbot.Blocked:
		d.count(func(x *Delivery) { x.Blocked++ })
		settle(store.Settlement{State: store.OutboxBlocked, Reason: err.Error()})
		sctx, cancel := settleCtx(ctx)
		s.blocked(sctx, m)
		cancel()
	case progressbot.Invalid:
		d.count(func(x *Delivery) { x.Failed++ })
		log.Error("outbox: Telegram refused the message", "err", err)
		settle(store.Settlement{State: store.OutboxFailed, Reason: err.Error()})
	case progressbot.RetryLater:
		// bot.Send already waited out the 429s that fitted in its deadline; this one did
		// not. Everyone waits, and this row goes again after retry_after.
		wait := max(progressbot.RetryAfter(err), time.Second)
		s.pacer.pause(wait)
		d.retry(m, wait, err)
	default:
		d.trip()
		d.retry(m, s.backoff(m.Attempts), err)
	}
}

// settleCtx is the context to record a send's outcome in: it outlives a shutdown, so that
// a message Telegram took is marked sent however the process is stopped.
func settleCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

// retry puts a row back for later, or gives up after MaxAttempts.
func (d *dispatch) retry(m store.OutboxMessage, wait time.Duration, cause error) {
	s := d.s
	if m.Attempts >= s.maxAttempts() {
		d.count(func(x *Delivery) { x.Failed++ })
		s.log().Error("outbox: giving up", "key", m.Key, "attempts", m.Attempts, "err", cause)
		if err := d.settle(store.Settlement{ID: m.ID, State: store.OutboxFailed, Reason: fmt.Sprintf("after %d attempts: %v", m.Attempts, cause)}); err != nil {
			s.log().Warn("outbox: settle", "key", m.Key, "err", err)
		}
		return
	}
	d.count(func(x *Delivery) { x.Retried++ })
	s.log().Warn("outbox: will retry", "key", m.Key, "attempt", m.Attempts, "in", wait.String(), "err", cause)
	if err := d.settle(store.Settlement{ID: m.ID, State: store.OutboxPending, Next: s.now().Add(wait), Reason: cause.Error(), CountAttempt: true}); err != nil {
		s.log().Warn("outbox: retry", "key", m.Key, "err", err)
	}
}

// trip counts a transient failure; after five in a row every send pauses, for twice as
// long each time the breaker opens again (BreakerPause, 30 s, up to 10 min), so that an
// outage of the Bot API does not turn into a storm of retries.
func (d *dispatch) trip() {
	if d.fails.Add(1) < 5 {
		return
	}
	d.fails.Store(0)
	n := d.tripped.Add(1)
	wait := min(orDefault(d.s.BreakerPause, 30*time.Second)<<min(n-1, 10), 10*time.Minute)
	d.s.log().Warn("outbox: repeated failures, pausing all sends", "for", wait.String())
	d.s.pacer.pause(wait)
}

// backoff is how long a row waits after its n-th failed attempt: RetryBase doubling up to
// RetryMax, with jitter.
func (s *Scheduler) backoff(n int) time.Duration {
	base, most := s.RetryBase, s.RetryMax
	if base <= 0 {
		base = 30 * time.Second
	}
	if most <= 0 {
		most = 30 * time.Minute
	}
	d := base << min(max(n-1, 0), 16)
	if d <= 0 || d > most {
		d = most
	}
	return d/2 + rand.N(d/2+1)
}

// blocked handles a recipient who blocked the bot (or a group that removed it): nothing
// more is tried there, the person is marked inactive (the group unregistered), and each
// admin is told once.
func (s *Scheduler) blocked(ctx context.Context, m store.OutboxMessage) {
	log := s.log().With("chat_id", m.ChatID)
	if n, err := s.DB.CancelPendingTo(ctx, s.Plan.ID, m.ChatID, store.OutboxBlocked, "the recipient blocked the bot"); err != nil {
		log.Warn("outbox: cancel messages to a blocked chat", "err", err)
	} else if n > 0 {
		log.Info("outbox: dropped messages to a blocked chat", "rows", n)
	}
	var who store.User
	if m.UserID != 0 {
		u, err := s.DB.User(ctx, m.UserID)
		if err == nil {
			who = u
		}
		if err := s.DB.SetActive(ctx, m.UserID, false); err != nil && !errors.Is(err, store.ErrNotFound) {
			log.Warn("mark blocked user inactive", "err", err)
		}
	} else if err := s.DB.SetGroupActive(ctx, m.ChatID, false); err != nil && !errors.Is(err, store.ErrNotFound) {
		log.Warn("unregister group that removed the bot", "err", err)
	}
	log.Info("recipient blocked the bot: marked inactive", "user_id", m.UserID, "role", m.Role)
	pp, err := s.people(ctx)
	if err != nil {
		log.Warn("notify admins of a block", "err", err)
		return
	}
	now := s.now()
	var notices []store.OutboxMessage
	for _, a := range pp.admins {
		if a.ChatID == m.ChatID {
			continue
		}
		loc := locales.For(a.Lang)
		n := names{p: s.Plan, loc: loc, tz: s.Config.loc()}
		var whom string
		switch {
		case m.UserID == 0:
			whom = loc.T("schedule.who.group", "Chat", m.ChatID)
		case store.Role(m.Role) == store.RoleLiaison:
			whom = loc.T("schedule.who.liaison", "Unit", n.unit(m.Unit), "Name", who.Name)
		default:
			whom = loc.T("schedule.who.other", "Role", loc.T("schedule.role."+m.Role), "Name", who.Name)
		}
		period := progressbot.PeriodOf(now.In(s.Config.loc())).String()
		notices = append(notices, store.OutboxMessage{
			PlanID: s.Plan.ID, Kind: KindNotice, Period: period, Step: fmt.Sprintf("blocked-%d", m.ChatID),
			Key:    fmt.Sprintf("%s|%s|%d|blocked-%d", KindNotice, period, a.ChatID, m.ChatID),
			ChatID: a.ChatID, UserID: a.TelegramID, Role: string(store.RoleAdmin), Unit: a.Unit,
			Subject: nil, Lang: a.Lang, Priority: prioNotice, DueAt: now,
			Text: loc.T("schedule.notice.blocked", "Who", whom),
		})
	}
	if _, err := s.DB.Enqueue(ctx, notices); err != nil {
		log.Warn("notify admins of a block", "err", err)
	}
	s.poke()
}
