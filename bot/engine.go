package bot

import (
	"context"

	"github.com/progressbot/progressbot/flows"
)

// ForEngine makes a flows engine the bot's Handler.
func ForEngine(e *flows.Engine) Handler { return engineHandler{e} }

type engineHandler struct{ e *flows.Engine }

func (h engineHandler) Who(ctx context.Context, from TelegramUser) (flows.User, error) {
	return h.e.Who(ctx, from.ID, from.ChatID, from.Name, from.LanguageCode)
}

func (h engineHandler) Handle(ctx context.Context, u flows.User, in flows.Input) (flows.Reply, error) {
	return h.e.Handle(ctx, u, in)
}
