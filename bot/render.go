package bot

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
)

// Telegram's limits.
const (
	MaxText         = 4096 // characters of a message text
	MaxCaption      = 1024 // characters of a document's or photo's caption
	MaxCallbackData = 64   // bytes of a button's callback data
)

// utf16Len is the length Telegram counts: UTF-16 code units (a CJK character is one, an
// emoji outside the BMP two), never fewer than the characters.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if l := utf16.RuneLen(r); l > 0 {
			n += l
		} else {
			n++
		}
	}
	return n
}

// SplitText cuts text into parts of at most limit UTF-16 code units, between lines where
// it can, else between characters (never inside a UTF-8 sequence). Parts made only of
// white space are dropped (Telegram refuses them); the parts concatenated give the text
// back otherwise.
func SplitText(text string, limit int) []string {
	if limit <= 0 {
		limit = MaxText
	}
	var parts []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if strings.TrimSpace(cur.String()) != "" {
			parts = append(parts, cur.String())
		}
		cur.Reset()
		curLen = 0
	}
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line = text[:i+1]
		}
		text = text[len(line):]
		n := utf16Len(line)
		if curLen+n <= limit {
			cur.WriteString(line)
			curLen += n
			continue
		}
		flush()
		for n > limit { // one line longer than a message: cut between characters
			cut, cutLen := 0, 0
			for cut < len(line) {
				r, size := utf8.DecodeRuneInString(line[cut:])
				l := utf16.RuneLen(r)
				if l < 0 {
					l = 1
				}
				if cutLen+l > limit {
					break
				}
				cut += size
				cutLen += l
			}
			if cut == 0 { // a limit below one character: take it anyway rather than loop
				_, cut = utf8.DecodeRuneInString(line)
				cutLen = utf16Len(line[:cut])
			}
			// Prefer a space near the end of the chunk, so that words stay whole.
			if sp := strings.LastIndexFunc(line[:cut], unicode.IsSpace); sp > cut*3/4 {
				_, size := utf8.DecodeRuneInString(line[sp:])
				cut = sp + size
				cutLen = utf16Len(line[:cut])
			}
			cur.WriteString(line[:cut])
			flush()
			line = line[cut:]
			n -= cutLen
		}
		cur.WriteString(line)
		curLen = n
	}
	flush()
	return parts
}

// markup turns flows buttons into an inline keyboard, refusing what Telegram would
// refuse: an empty label, callback data empty or over 64 bytes. A nil keyboard gives nil
// (no reply_markup, which on an edit also removes the old buttons).
func markup(kb [][]flows.Button) (models.ReplyMarkup, error) {
	rows := make([][]models.InlineKeyboardButton, 0, len(kb))
	for i, row := range kb {
		if len(row) == 0 {
			continue
		}
		r := make([]models.InlineKeyboardButton, len(row))
		for j, b := range row {
			switch {
			case strings.TrimSpace(b.Label) == "":
				return nil, fmt.Errorf("%w: button %d,%d has no label", ErrInvalidMessage, i, j)
			case b.WebApp != "":
				if !strings.HasPrefix(b.WebApp, "https://") {
					return nil, fmt.Errorf("%w: button %d,%d opens a Mini App that is not on https", ErrInvalidMessage, i, j)
				}
				r[j] = models.InlineKeyboardButton{Text: b.Label, WebApp: &models.WebAppInfo{URL: b.WebApp}}
				continue
			case b.Data == "":
				return nil, fmt.Errorf("%w: button %d,%d has no callback data", ErrInvalidMessage, i, j)
			case len(b.Data) > MaxCallbackData:
				return nil, fmt.Errorf("%w: button %d,%d has %d bytes of callback data, over Telegram's %d", ErrInvalidMessage, i, j, len(b.Data), MaxCallbackData)
			case !utf8.ValidString(b.Data) || !utf8.ValidString(b.Label):
				return nil, fmt.Errorf("%w: button %d,%d is not valid UTF-8", ErrInvalidMessage, i, j)
			}
			r[j] = models.InlineKeyboardButton{Text: b.Label, CallbackData: b.Data}
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}, nil
}

// editTarget is the message a reply may edit (the one whose button was pressed).
type editTarget struct {
	messageID int
	used      bool
}

// deliver sends one message to a chat. When edit is non-nil, the message asks to edit and
// the target has not been used yet, its first part replaces the pressed message's text
// (falling back to a new message when Telegram cannot edit it).
func (b *Bot) deliver(ctx context.Context, chatID int64, m flows.Message, edit *editTarget) error {
	kb, err := markup(m.Keyboard)
	if err != nil {
		return err
	}
	if !utf8.ValidString(m.Text) {
		return fmt.Errorf("%w: text is not valid UTF-8", ErrInvalidMessage)
	}
	if m.Document != nil || m.Photo != nil {
		return b.sendFile(ctx, chatID, m, kb)
	}
	parts := SplitText(m.Text, MaxText)
	if len(parts) == 0 {
		return fmt.Errorf("%w: empty text", ErrInvalidMessage)
	}
	for i, p := range parts {
		var mk models.ReplyMarkup
		if i == len(parts)-1 {
			mk = kb
		}
		if i == 0 && m.Edit && edit != nil && !edit.used && edit.messageID != 0 {
			edit.used = true
			done, err := b.edit(ctx, chatID, edit.messageID, p, mk)
			if err != nil {
				return err
			}
			if done {
				continue
			}
		}
		if err := b.sendText(ctx, chatID, p, mk); err != nil {
			return err
		}
	}
	return nil
}

func (b *Bot) sendText(ctx context.Context, chatID int64, text string, mk models.ReplyMarkup) error {
	return b.call(ctx, "sendMessage", chatID, func(ctx context.Context) error {
		_, err := b.tg.SendMessage(resultUnused(ctx), &tgbot.SendMessageParams{
			ChatID: chatID, Text: text, ReplyMarkup: mk,
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()},
		})
		return err
	})
}

// edit replaces a message's text and buttons. It reports done when the message now shows
// the text ("message is not modified" counts: it already did), and not done without an
// error when Telegram cannot edit it (too old, deleted, not a text message): the caller
// then sends a new message.
func (b *Bot) edit(ctx context.Context, chatID int64, messageID int, text string, mk models.ReplyMarkup) (bool, error) {
	err := b.call(ctx, "editMessageText", chatID, func(ctx context.Context) error {
		_, err := b.tg.EditMessageText(resultUnused(ctx), &tgbot.EditMessageTextParams{
			ChatID: chatID, MessageID: messageID, Text: text, ReplyMarkup: mk,
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()},
		})
		return err
	})
	switch {
	case err == nil:
		return true, nil
	case progressbot.KindOf(err) == progressbot.Conflict: // "message is not modified"
		return true, nil
	case progressbot.KindOf(err) == progressbot.Invalid:
		b.log.Debug("cannot edit the message: sending a new one", "chat_id", chatID, "message_id", messageID, "err", err)
		return false, nil
	}
	return false, err
}

func (b *Bot) sendFile(ctx context.Context, chatID int64, m flows.Message, kb models.ReplyMarkup) error {
	f, method := m.Document, "sendDocument"
	if f == nil {
		f, method = m.Photo, "sendPhoto"
	}
	if len(f.Data) == 0 {
		return fmt.Errorf("%w: empty file %q", ErrInvalidMessage, f.Name)
	}
	name := f.Name
	if name == "" {
		name = "file"
		if method == "sendPhoto" {
			name = "chart.png"
		}
	}
	caption, rest := strings.TrimSpace(m.Text), []string(nil)
	fileKB := kb
	if utf16Len(caption) > MaxCaption {
		// Too long for a caption: the file alone, then the text, buttons on its last part.
		rest, caption, fileKB = SplitText(m.Text, MaxText), "", nil
	}
	err := b.call(ctx, method, chatID, func(ctx context.Context) error {
		up := &models.InputFileUpload{Filename: name, Data: bytes.NewReader(f.Data)}
		var err error
		if method == "sendDocument" {
			_, err = b.tg.SendDocument(ctx, &tgbot.SendDocumentParams{ChatID: chatID, Document: up, Caption: caption, ReplyMarkup: fileKB})
		} else {
			_, err = b.tg.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: chatID, Photo: up, Caption: caption, ReplyMarkup: fileKB})
		}
		return err
	})
	if err != nil {
		return err
	}
	for i, p := range rest {
		var mk models.ReplyMarkup
		if i == len(rest)-1 {
			mk = kb
		}
		if err := b.sendText(ctx, chatID, p, mk); err != nil {
			return err
		}
	}
	return nil
}
