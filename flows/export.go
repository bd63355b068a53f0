package flows

import (
	"context"

	"github.com/progressbot/progressbot/locales"
)

// Placeholder until exports in chat land.

func (e *Engine) exportCommand(ctx context.Context, u User, args string, loc *locales.Localizer) (Reply, error) {
	return Reply{Messages: []Message{{Text: loc.T("command.not_yet")}}}, nil
}

func (e *Engine) exportButton(ctx context.Context, u User, data string, loc *locales.Localizer) (Reply, error) {
	return Reply{Toast: loc.T("button.stale")}, nil
}
