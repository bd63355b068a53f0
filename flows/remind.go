package flows

import (
	"context"

	"github.com/progressbot/progressbot/locales"
)

// Placeholder until the scheduler's preview lands.

func (e *Engine) remindCommand(ctx context.Context, u User, args string, loc *locales.Localizer) (Reply, error) {
	return Reply{Messages: []Message{{Text: loc.T("command.not_yet")}}}, nil
}
