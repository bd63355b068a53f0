package bot

import "time"

// UpdateResult is what became of one update, given to Config.OnUpdate once the update is
// done: handled, its callback answered and its reply delivered (or given up on).
type UpdateResult struct {
	Kind    string // message, callback, member or ignored
	Outcome string // ok, error, timeout, panic, blocked or ignored
	// Duration runs from the update reaching the bot to its reply delivered; Queued is
	// the part spent waiting behind the chat's earlier updates.
	Duration, Queued time.Duration
}

// observe tells Config.OnUpdate about a finished update.
func (b *Bot) observe(st *updateState) {
	if b.cfg.OnUpdate == nil {
		return
	}
	r := UpdateResult{Kind: st.ev.kind.String(), Outcome: st.outcome, Duration: time.Since(st.start)}
	if !st.turn.IsZero() {
		r.Queued = st.turn.Sub(st.start)
	}
	b.cfg.OnUpdate(r)
}
