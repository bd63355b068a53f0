// Package flows holds the bot's conversations as state machines that know nothing of
// Telegram: an Input (a command, typed text or a pressed button) and the user it comes
// from go in, a Reply (messages with buttons) comes out. The Telegram transport (package
// bot) and the terminal (progressbot chat) both drive an Engine.
package flows

import (
	"context"
	"errors"
	"io"

	"github.com/progressbot/progressbot/store"
)

// User is who an input comes from, resolved before any flow runs.
type User struct {
	ID     int64 // Telegram user id (in the terminal, a fixed id)
	ChatID int64
	Name   string
	// Account is the stored user when the person has redeemed an invite; nil for an
	// unbound person, who sees nothing of the plan's data.
	Account *store.User
	// Lang is the language to answer in: the stored choice, else the Telegram
	// language_code, matched by locales.Match.
	Lang string
}

// Input is one thing a person did.
type Input struct {
	UpdateID int64
	// Command is set for "/report" and the like: the name without slash and bot
	// username, lowercased; Args is what follows it ("/start CODE" → "CODE").
	Command string
	Args    string
	// Text is free text, when Command is empty.
	Text string
	// Data is the callback data of a pressed inline button.
	Data string
	// File is a document or photo the person sent (evidence, or a filled-in report
	// spreadsheet); Text is then its caption.
	File *InFile
}

// InFile is a file a person sent, as the transport describes it; its content is fetched
// through Engine.Files only when a flow wants it.
type InFile struct {
	// ID is what the transport fetches the file by: Telegram's file_id, or in the
	// terminal the file's path.
	ID string
	// Name is the file's name as sent ("" for a photo), MIME its declared type.
	Name string
	MIME string
	// Size is the size the transport declares, 0 when it does not say.
	Size int64
	// Photo: sent as a compressed picture rather than as a file.
	Photo bool
}

// Files fetches the content of files people send: package bot through the Bot API's
// getFile, the terminal from the local disk.
type Files interface {
	// Open returns the file's content. A file over MaxFileSize gives an error wrapping
	// ErrFileTooLarge, from Open when its size is known beforehand, else from Read once
	// more than MaxFileSize bytes came; the caller may bound what it reads further.
	Open(ctx context.Context, f InFile) (io.ReadCloser, error)
}

// MaxFileSize is the largest file a person may send: the Bot API lets a bot download at
// most 20 MB (getFile), and the terminal keeps the same limit.
const MaxFileSize = 20 << 20

// ErrFileTooLarge is returned (wrapped) for a file over MaxFileSize.
var ErrFileTooLarge = errors.New("file too large")

// Button is an inline keyboard button. Data stays under Telegram's 64 bytes.
type Button struct {
	Label string
	Data  string
	// WebApp, when set, is the https address of a Mini App the button opens (private
	// chats only) instead of sending Data.
	WebApp string
}

// Message is one message to show.
type Message struct {
	Text     string
	Keyboard [][]Button
	// Edit replaces the message whose button was pressed instead of sending a new one,
	// so that a walk through a report does not flood the chat.
	Edit bool
	// Document, when set, is a file to send with Text as its caption.
	Document *File
	// Photo, when set, is an image to send with Text as its caption.
	Photo *File
}

// File is a document or picture to send.
type File struct {
	Name string
	Data []byte
}

// Reply is what the bot answers to one input.
type Reply struct {
	Messages []Message
	// Toast is the short text of the callback-query answer (shown briefly on the phone);
	// every pressed button gets an answer, with or without text.
	Toast string
	// Commands, when set, become this chat's command menu: the person registered, or
	// asked for /start, /help or /lang, and their menu follows their role and language.
	Commands []Command
}
