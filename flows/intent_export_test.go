package flows

import (
	"strings"
)

// IntentViewData is the callback data of the view a question by intent reaches, as ask
// reads the question (a period typed with it, else the last closed one); "" when it asks
// for no intent. For the intent table test.
func (e *Engine) IntentViewData(u User, text string) string {
	scope, ok := e.scopeOf(u)
	if !ok {
		return ""
	}
	text, per, hasPeriod := cutPeriod(" " + strings.TrimSpace(text) + " ")
	if !hasPeriod {
		per = e.Calendar.LastClosed(e.now())
	}
	v, ok := e.intentOf(scope, strings.TrimSpace(text), e.clampPeriod(per))
	if !ok {
		return ""
	}
	return v.encode(e.Plan)
}
