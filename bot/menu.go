package bot

import (
	"context"
	"fmt"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// SetMenuWebApp makes a chat's menu button open a Mini App (setChatMenuButton with a
// web_app): the dashboard, for a leader or admin.
func (b *Bot) SetMenuWebApp(ctx context.Context, chatID int64, text, url string) error {
	err := b.call(ctx, "setChatMenuButton", chatID, func(ctx context.Context) error {
		_, err := b.tg.SetChatMenuButton(ctx, &tgbot.SetChatMenuButtonParams{
			ChatID:     chatID,
			MenuButton: models.MenuButtonWebApp{Type: models.MenuButtonTypeWebApp, Text: text, WebApp: models.WebAppInfo{URL: url}},
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("bot: set menu button of %d: %w", chatID, err)
	}
	return nil
}
