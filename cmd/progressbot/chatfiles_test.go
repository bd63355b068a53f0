package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
)

// TestChatFiles: in chat, /file PATH sends a file (an image as a photo) and it is
// attached as evidence to the item open; a line that names no readable file is
// explained; a file the bot sends is written to the folder chat names.
func TestChatFiles(t *testing.T) {
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, data string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			photo := write("现场.jpg", "\xff\xd8\xff\xe0JFIF photo")
			pdf := write("纪要 1.pdf", "%PDF-1.7 minutes")
			exe := write("setup.exe", "MZ\x90\x00")
			dbPath := filepath.Join(dir, "data", "pb.db")
			vars := map[string]string{"PROGRESSBOT_DB": dbPath}
			l := locales.For(lang)
			// The start button's number is read off the screen, as a person would.
			out := talk(t, vars, []string{"chat", "--lang", lang, "--unit", "湖口县"}, "/file", "/file "+filepath.Join(dir, "missing.pdf"), "/file "+photo,
				"/report", "press "+l.T("button.start"), "/file "+photo, "/file "+pdf, "/file "+exe, "/export", "/quit")
			shanghai, _ := time.LoadLocation("Asia/Shanghai")
			per := progressbot.DefaultCalendar(shanghai).Current(time.Now()) // chat runs on the real clock
			export := "progress-" + per.String() + "-hukou.xlsx"
			folder := filepath.Join(dir, "data", "chat-files")
			for _, want := range []string{
				l.T("chat.files_folder", "Dir", folder), l.T("chat.file_usage"),
				l.T("chat.file_unreadable", "File", filepath.Join(dir, "missing.pdf")),
				l.T("evidence.no_item"), "纪要 1.pdf", l.T("evidence.bad_kind"),
				l.T("chat.file_saved", "File", filepath.Join(folder, export)),
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if _, err := os.Stat(filepath.Join(folder, export)); err != nil {
				t.Errorf("the workbook the bot sent: %v", err)
			}
			db, err := store.Open(context.Background(), dbPath)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			p, _, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
			if err != nil {
				t.Fatal(err)
			}
			evs, err := db.EvidenceOf(context.Background(), p.ID, per, "hukou")
			if err != nil || len(evs) != 2 || evs[0].MIME != "image/jpeg" || evs[1].Name != "纪要 1.pdf" {
				t.Errorf("evidence %+v %v", evs, err)
			}
		})
	}
}

// chatPrompts is chat's output, told each time chat asks for the next line ("> ").
type chatPrompts struct {
	mu      sync.Mutex
	out     bytes.Buffer
	prompts chan struct{}
}

func (c *chatPrompts) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.out.Write(p)
	if string(p) == "> " {
		c.prompts <- struct{}{}
	}
	return len(p), nil
}

func (c *chatPrompts) String() string { c.mu.Lock(); defer c.mu.Unlock(); return c.out.String() }

// talk runs a command that reads lines (chat), writing each line once it is asked for;
// "press LABEL" types the number of the button labelled LABEL on the screen before. It
// returns the output.
func talk(t *testing.T, vars map[string]string, args []string, lines ...string) string {
	t.Helper()
	in, feed := io.Pipe()
	out := &chatPrompts{prompts: make(chan struct{}, len(lines)+1)}
	var errb bytes.Buffer
	e := &env{stdin: in, stdout: out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	done := make(chan error, 1)
	go func() { done <- dispatch(context.Background(), e, args); in.Close() }()
	for _, line := range lines {
		select {
		case <-out.prompts:
		case err := <-done:
			t.Fatalf("chat ended before %q: %v\n%s", line, err, out)
		case <-time.After(30 * time.Second):
			t.Fatalf("chat did not ask for %q:\n%s", line, out)
		}
		if label, ok := strings.CutPrefix(line, "press "); ok {
			m := regexp.MustCompile(`\[(\d+)\] `+regexp.QuoteMeta(label)).FindAllStringSubmatch(out.String(), -1)
			if m == nil {
				t.Fatalf("no button %q:\n%s", label, out)
			}
			line = m[len(m)-1][1]
		}
		if _, err := io.WriteString(feed, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	feed.Close()
	if err := <-done; err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return out.String()
}
