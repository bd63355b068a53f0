package bot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/flows"
)

// TestFilesFetched sends documents and photos through the fake Bot API: the update
// carries the file, and Bot.Files fetches its bytes with getFile and a download, or
// refuses a file over the Bot API's 20 MB before downloading it.
func TestFilesFetched(t *testing.T) {
	h := newHandler()
	be := start(t, h)
	h.reply = func(u flows.User, in flows.Input) (flows.Reply, error) {
		if in.File == nil {
			return flows.Reply{Messages: []flows.Message{{Text: "no file"}}}, nil
		}
		rc, err := be.bot.Files().Open(context.Background(), *in.File)
		if err != nil {
			return flows.Reply{Messages: []flows.Message{{Text: "open: " + err.Error()}}}, nil
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			return flows.Reply{Messages: []flows.Message{{Text: "read: " + err.Error()}}}, nil
		}
		return flows.Reply{Messages: []flows.Message{{Text: fmt.Sprintf("got %q %q photo=%v caption=%q %x", in.File.Name, in.File.MIME, in.File.Photo, in.Text, sha256.Sum256(b))}}}, nil
	}
	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 70000)...)
	jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte{1}, 5000)...)
	tests := []struct {
		name string
		f    bottest.File
		want string
	}{
		{"document", bottest.File{Name: "纪要.pdf", MIME: "application/pdf", Data: pdf, Caption: " 会议 "},
			fmt.Sprintf("got %q %q photo=false caption=%q %x", "纪要.pdf", "application/pdf", "会议", sha256.Sum256(pdf))},
		{"photo: the largest size", bottest.File{Data: jpeg, Photo: true},
			fmt.Sprintf("got %q %q photo=true caption=%q %x", "", "image/jpeg", "", sha256.Sum256(jpeg))},
		{"declared over 20 MB", bottest.File{Name: "big.zip", Data: []byte("PK"), Size: 21 << 20}, "open: file of 22020096 bytes: file too large"},
		{"photo declared over 20 MB", bottest.File{Data: jpeg, Photo: true, Size: 20<<20 + 1}, "open: file of 20971521 bytes: file too large"},
	}
	const u = 16001
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := be.srv.Count("getFile")
			be.srv.SendFile(u, u, tt.f, "zh")
			c := be.srv.WaitFor(t, func(c bottest.Call) bool {
				return c.Method == "sendMessage" && c.ChatID == u && c.Seq > 0 && c.Text == tt.want
			}, 10*time.Second)
			if c.Text != tt.want {
				t.Errorf("got %q, want %q", c.Text, tt.want)
			}
			if tt.f.Size > flows.MaxFileSize && be.srv.Count("getFile") != before {
				t.Errorf("getFile called for a file declared too large")
			}
		})
	}
	// A file whose size the message did not declare: Telegram's getFile refuses it.
	id := be.srv.SendFile(u, -100, bottest.File{Name: "big.zip", Data: []byte("PK"), Size: 30 << 20}, "zh") // in a group: not handled
	_, err := be.bot.Files().Open(context.Background(), flows.InFile{ID: bottest.FileID(id), Name: "big.zip"})
	if !errors.Is(err, flows.ErrFileTooLarge) {
		t.Errorf("undeclared 30 MB: %v", err)
	}
	// A failed download is an error that does not name the token.
	be.srv.FailNext("downloadFile", http.StatusBadGateway, 0)
	be.srv.SendDocument(u, u, "a.pdf", "application/pdf", pdf, "", "zh")
	c := be.srv.WaitFor(t, func(c bottest.Call) bool {
		return c.Method == "sendMessage" && c.ChatID == u && strings.HasPrefix(c.Text, "open: download file")
	}, 10*time.Second)
	if strings.Contains(c.Text, be.srv.Token()) {
		t.Errorf("the token in an error: %q", c.Text)
	}
	// A group's files are not the bot's business.
	n := len(h.seen())
	be.srv.SendDocument(u, -100, "a.pdf", "application/pdf", pdf, "", "zh")
	be.srv.SendText(u, u, "after", "zh")
	be.srv.WaitFor(t, func(c bottest.Call) bool { return c.Method == "sendMessage" && c.Text == "no file" }, 10*time.Second)
	if got := h.seen()[n:]; len(got) != 1 || got[0].in.Text != "after" {
		t.Errorf("a group document reached the handler: %+v", got)
	}
}
