package flows

import (
	"context"

	"github.com/progressbot/progressbot/locales"
)

// Placeholder until the leaders' rollups land: answers honestly that the query is not
// available yet.

func (e *Engine) leaderCommand(ctx context.Context, u User, in Input, loc *locales.Localizer) (Reply, error) {
	return Reply{Messages: []Message{{Text: loc.T("command.not_yet")}}}, nil
}

func (e *Engine) leaderButton(ctx context.Context, u User, data string, loc *locales.Localizer) (Reply, error) {
	return Reply{Toast: loc.T("button.stale")}, nil
}

func (e *Engine) leaderText(ctx context.Context, u User, text string, loc *locales.Localizer) (Reply, error) {
	return Reply{Messages: []Message{{Text: loc.T("command.not_yet")}}}, nil
}
