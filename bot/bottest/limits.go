package bottest

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are Telegram's flood limits on messages (sendMessage, editMessageText,
// sendDocument, sendPhoto), enforced as token buckets: a message over a limit is answered
// 429 Too Many Requests with parameters.retry_after (whole seconds, at least 1) and does
// not take effect, as Telegram does. Zero fields mean no limit.
type Limits struct {
	PerBot   float64 // messages per second over all chats (Telegram: about 30)
	PerChat  float64 // messages per second in one private chat (Telegram: about 1)
	PerGroup float64 // messages per second in one group (Telegram: 20 per minute)
	Burst    int     // bucket size; default 1 per chat, PerBot for the bot
}

// TelegramLimits are the limits Telegram documents for a bot: 30 messages per second, one
// per second in a chat (with a small burst), 20 per minute in a group.
func TelegramLimits() Limits {
	return Limits{PerBot: 30, PerChat: 1, PerGroup: 20.0 / 60, Burst: 3}
}

// limiter applies Options.Limits and Options.Inject429Every.
type limiter struct {
	l      Limits
	every  int
	mu     sync.Mutex
	n      int
	bot    *rate.Limiter
	chats  map[int64]*rate.Limiter
	groups map[int64]*rate.Limiter
}

func newLimiter(l Limits, every int) *limiter {
	if l == (Limits{}) && every <= 0 {
		return nil
	}
	lm := &limiter{l: l, every: every, chats: map[int64]*rate.Limiter{}, groups: map[int64]*rate.Limiter{}}
	if l.PerBot > 0 {
		lm.bot = rate.NewLimiter(rate.Limit(l.PerBot), max(l.Burst, int(math.Ceil(l.PerBot))))
	}
	return lm
}

// check returns a 429 fault for a message call over a limit, or nil.
func (lm *limiter) check(method string, chatID int64) *fault {
	if lm == nil || !isMessageMethod(method) {
		return nil
	}
	now := time.Now()
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if lm.every > 0 {
		lm.n++
		if lm.n%lm.every == 0 {
			return &fault{status: 429, retryAfter: 1}
		}
	}
	var ls []*rate.Limiter
	if lm.bot != nil {
		ls = append(ls, lm.bot)
	}
	perChat, m := lm.l.PerChat, lm.chats
	if chatID < 0 {
		perChat, m = lm.l.PerGroup, lm.groups
	}
	if perChat > 0 && chatID != 0 {
		c := m[chatID]
		if c == nil {
			c = rate.NewLimiter(rate.Limit(perChat), max(lm.l.Burst, 1))
			m[chatID] = c
		}
		ls = append(ls, c)
	}
	// Take a token from every bucket or from none.
	var wait time.Duration
	rs := make([]*rate.Reservation, 0, len(ls))
	for _, l := range ls {
		r := l.ReserveN(now, 1)
		rs = append(rs, r)
		wait = max(wait, r.DelayFrom(now))
	}
	if wait <= 0 {
		return nil
	}
	for _, r := range rs {
		r.CancelAt(now)
	}
	return &fault{status: 429, retryAfter: max(1, int(math.Ceil(wait.Seconds())))}
}
