package schedule

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are Telegram's limits on what a bot sends, as the scheduler paces its messages:
// about 30 messages a second in all, one a second to a private chat, 20 a minute to a
// group. A limit of 0 or less means none (tests).
type Limits struct {
	PerSecond         float64 // the whole bot
	PerChatPerSecond  float64 // one private chat
	PerGroupPerMinute float64 // one group chat
}

// DefaultLimits are Telegram's documented limits.
func DefaultLimits() Limits {
	return Limits{PerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20}
}

// Unlimited paces nothing.
func Unlimited() Limits { return Limits{} }

// Validate refuses limits that are not numbers.
func (l Limits) Validate() error {
	for _, v := range []float64{l.PerSecond, l.PerChatPerSecond, l.PerGroupPerMinute} {
		if v != v || v > 1e6 {
			return fmt.Errorf("rate limit %v: want a number of messages up to 1e6", v)
		}
	}
	return nil
}

// Headroom is the share of each limit the pacer aims at: sends leave on a regular beat,
// but reach Telegram a few milliseconds early or late (the network, a busy machine), and
// the spare 5% keeps a late one and an early one from ever making a second hold more
// than the limit.
const Headroom = 0.95

func limitOf(perSecond float64) rate.Limit {
	if perSecond <= 0 {
		return rate.Inf
	}
	return rate.Limit(perSecond * Headroom)
}

// pacer spaces sends: a token bucket for the whole bot (see globalBurst) and one per chat
// with a burst of one, so that no second (no minute, for a group) ever holds more than
// the limit. After Telegram answered 429 despite that, pause stops every send until
// retry_after has passed.
type pacer struct {
	global *rate.Limiter
	chat   rate.Limit
	group  rate.Limit

	mu        sync.Mutex
	chats     map[int64]*rate.Limiter
	lastSweep time.Time
	pausedTo  time.Time
}

func newPacer(l Limits) *pacer {
	return &pacer{
		global: rate.NewLimiter(limitOf(l.PerSecond), globalBurst(l.PerSecond)),
		chat:   limitOf(l.PerChatPerSecond),
		group:  limitOf(l.PerGroupPerMinute / 60),
		chats:  map[int64]*rate.Limiter{},
	}
}

// chatDelay reserves the next slot of a chat and says how long until it. Telegram's
// group chats have negative ids.
func (p *pacer) chatDelay(chatID int64) time.Duration {
	limit := p.chat
	if chatID < 0 {
		limit = p.group
	}
	if limit == rate.Inf {
		return 0
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.chats) > 4096 && now.Sub(p.lastSweep) > time.Minute {
		// Forget chats whose bucket is full again: nothing is reserved there.
		for id, l := range p.chats {
			if l.TokensAt(now) >= 1 {
				delete(p.chats, id)
			}
		}
		p.lastSweep = now
	}
	l := p.chats[chatID]
	if l == nil {
		l = rate.NewLimiter(limit, 1)
		p.chats[chatID] = l
	}
	return l.ReserveN(now, 1).DelayFrom(now)
}

// pause stops every send for d (a 429's retry_after, or the breaker after repeated
// failures).
func (p *pacer) pause(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := time.Now().Add(d); until.After(p.pausedTo) {
		p.pausedTo = until
	}
}

func (p *pacer) pausedFor() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Until(p.pausedTo)
}

// globalBurst lets the bot's bucket hold 2% of a second's sends (at least one), so that
// the few microseconds the pacing loop loses on each turn are made up rather than lost. A
// bucket of rate r and burst b lets at most b + r·T sends through in any T: with r at 95%
// of the limit and b at 2% of it, any second holds at most 97% of the limit, leaving 3%
// for jitter.
func globalBurst(perSecond float64) int {
	return max(1, int(perSecond*0.02))
}

var errPaced = errors.New("pacing interrupted")

// waitGlobal blocks until the bot may send its next message, with no pause in force.
// Called from one loop that lets messages go one at a time, so the bucket (a burst of
// one) is taken on the clock as it is, not reserved ahead.
func (p *pacer) waitGlobal(ctx context.Context) error {
	for {
		if d := p.pausedFor(); d > 0 {
			if err := sleep(ctx, d); err != nil {
				return err
			}
		}
		if err := p.global.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%w: %w", errPaced, err)
		}
		// A pause that began while this send waited for its slot holds it too.
		if p.pausedFor() <= 0 {
			return nil
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
