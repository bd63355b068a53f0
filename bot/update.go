package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/progressbot/progressbot/flows"
)

// kind is what an update is to this bot.
type kind int

const (
	kindIgnore   kind = iota // not for us: edited messages, channel posts, no user, group chatter
	kindMessage              // a message: command, text, or something else (sticker, photo …)
	kindCallback             // a pressed inline button
	kindMember               // my_chat_member: the user blocked or unblocked the bot
)

func (k kind) String() string {
	switch k {
	case kindMessage:
		return "message"
	case kindCallback:
		return "callback"
	case kindMember:
		return "member"
	}
	return "ignored"
}

// event is an update mapped to what the rest of the bot needs.
type event struct {
	kind   kind
	chatID int64
	from   TelegramUser
	input  flows.Input

	// For a callback query: its id (always answered), and the message the button was on
	// (0 when Telegram no longer gives it: inaccessible or inline).
	callbackID string
	messageID  int

	// For my_chat_member: whether the bot may no longer write to the chat.
	blocked bool
}

// parseUpdate maps an update to an event. botUsername is the bot's @username without
// "@" ("" when unknown: then commands addressed to any bot are taken as ours).
//
// Rules:
//   - a message whose text starts with "/" is a command: Input.Command is the name,
//     lowercased and stripped of "@botname", Input.Args the rest, trimmed;
//   - other text is Input.Text;
//   - a private message with a document or a photo is Input.File (for a photo, its
//     largest size; Telegram sends several) with the caption, trimmed, as Input.Text; a
//     caption is never a command;
//   - a private message with neither text nor a file (sticker, voice, location …) is
//     Input{Text: ""}, which the engine answers with "please type or press a button";
//   - in groups (the leaders' group) only commands and messages that mention the bot or
//     reply to it are taken (files there are not); the mention is removed from the text; a command addressed to
//     another bot (/report@OtherBot) is ignored;
//   - a callback query is Input.Data, in whatever chat its message is;
//   - my_chat_member in a private chat tells whether the user blocked the bot;
//   - edited messages, channel posts, other update kinds, updates without a user and
//     messages from bots are ignored.
func parseUpdate(upd *models.Update, botUsername string, botID int64) event {
	switch {
	case upd.Message != nil:
		return parseMessage(upd.ID, upd.Message, botUsername, botID)
	case upd.CallbackQuery != nil:
		return parseCallback(upd.ID, upd.CallbackQuery)
	case upd.MyChatMember != nil:
		m := upd.MyChatMember
		if m.Chat.Type != models.ChatTypePrivate || m.From.ID == 0 {
			return event{kind: kindIgnore}
		}
		st := m.NewChatMember.Type
		return event{
			kind:    kindMember,
			chatID:  m.Chat.ID,
			from:    telegramUser(&m.From, m.Chat),
			blocked: st == models.ChatMemberTypeBanned || st == models.ChatMemberTypeLeft,
		}
	}
	return event{kind: kindIgnore}
}

func telegramUser(u *models.User, chat models.Chat) TelegramUser {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" {
		name = u.Username
	}
	return TelegramUser{
		ID:           u.ID,
		ChatID:       chat.ID,
		Name:         name,
		Username:     u.Username,
		LanguageCode: u.LanguageCode,
		ChatType:     string(chat.Type),
	}
}

func parseMessage(updateID int64, m *models.Message, botUsername string, botID int64) event {
	if m.From == nil || m.From.IsBot || m.SenderChat != nil {
		return event{kind: kindIgnore}
	}
	private := m.Chat.Type == models.ChatTypePrivate
	if !private && m.Chat.Type != models.ChatTypeGroup && m.Chat.Type != models.ChatTypeSupergroup {
		return event{kind: kindIgnore}
	}
	ev := event{kind: kindMessage, chatID: m.Chat.ID, from: telegramUser(m.From, m.Chat)}
	ev.input.UpdateID = updateID
	text := strings.TrimSpace(m.Text)

	if cmd, args, to, ok := parseCommand(text); ok {
		if to != "" && botUsername != "" && !strings.EqualFold(to, botUsername) {
			return event{kind: kindIgnore} // addressed to another bot
		}
		ev.input.Command, ev.input.Args = cmd, args
		return ev
	}
	if private {
		if f := messageFile(m); f != nil {
			ev.input.File, ev.input.Text = f, strings.TrimSpace(m.Caption)
			return ev
		}
		ev.input.Text = text
		return ev
	}
	// A group: only what is meant for the bot.
	if text == "" {
		return event{kind: kindIgnore}
	}
	if botUsername != "" {
		if stripped, ok := stripMention(text, botUsername); ok {
			ev.input.Text = stripped
			return ev
		}
	}
	if r := m.ReplyToMessage; r != nil && r.From != nil && botID != 0 && r.From.ID == botID {
		ev.input.Text = text
		return ev
	}
	return event{kind: kindIgnore}
}

// messageFile describes the document or photo a message carries, or nil. Of a photo's
// sizes the largest is taken (by pixels, then bytes): the original as sent.
func messageFile(m *models.Message) *flows.InFile {
	switch {
	case m.Document != nil && m.Document.FileID != "":
		d := m.Document
		return &flows.InFile{ID: d.FileID, Name: d.FileName, MIME: d.MimeType, Size: d.FileSize}
	case len(m.Photo) > 0:
		best := m.Photo[0]
		for _, p := range m.Photo[1:] {
			if a, b := p.Width*p.Height, best.Width*best.Height; a > b || a == b && p.FileSize > best.FileSize {
				best = p
			}
		}
		if best.FileID == "" {
			return nil
		}
		// Telegram re-encodes every photo it is sent as a JPEG.
		return &flows.InFile{ID: best.FileID, MIME: "image/jpeg", Size: int64(best.FileSize), Photo: true}
	}
	return nil
}

// parseCommand splits "/Name@bot args" into "name", "args", "bot". Text that is only "/"
// or starts with "/" followed by a space is not a command.
func parseCommand(text string) (cmd, args, to string, ok bool) {
	if len(text) < 2 || text[0] != '/' {
		return "", "", "", false
	}
	head, rest := text[1:], ""
	if i := strings.IndexFunc(head, unicode.IsSpace); i >= 0 {
		head, rest = head[:i], head[i:]
	}
	if head == "" {
		return "", "", "", false
	}
	if i := strings.IndexByte(head, '@'); i >= 0 {
		head, to = head[:i], head[i+1:]
	}
	if head == "" {
		return "", "", "", false
	}
	return strings.ToLower(head), strings.TrimSpace(rest), to, true
}

// stripMention removes "@username" (any case, as a whole word) from text; ok reports
// whether it was there.
func stripMention(text, username string) (string, bool) {
	needle := "@" + strings.ToLower(username)
	lower := asciiLower(text) // usernames are ASCII; lowering only ASCII keeps byte offsets
	for from := 0; ; {
		i := strings.Index(lower[from:], needle)
		if i < 0 {
			return text, false
		}
		i += from
		end := i + len(needle)
		if end < len(text) {
			r, _ := utf8.DecodeRuneInString(text[end:])
			if r == '_' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				from = end
				continue
			}
		}
		return strings.TrimSpace(text[:i] + " " + text[end:]), true
	}
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func parseCallback(updateID int64, q *models.CallbackQuery) event {
	if q.From.ID == 0 || q.From.IsBot {
		// Still a callback: it must be answered, but there is nobody to resolve.
		return event{kind: kindIgnore, callbackID: q.ID}
	}
	ev := event{kind: kindCallback, callbackID: q.ID, chatID: q.From.ID}
	chat := models.Chat{ID: q.From.ID, Type: models.ChatTypePrivate}
	switch {
	case q.Message.Message != nil:
		chat = q.Message.Message.Chat
		ev.messageID = q.Message.Message.ID
	case q.Message.InaccessibleMessage != nil && q.Message.InaccessibleMessage.Chat.ID != 0:
		chat = q.Message.InaccessibleMessage.Chat // too old to edit: answers go as new messages
	}
	ev.chatID = chat.ID
	ev.from = telegramUser(&q.From, chat)
	ev.input = flows.Input{UpdateID: updateID, Data: q.Data}
	return ev
}
