package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
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
			script := strings.Join([]string{"/file", "/file " + filepath.Join(dir, "missing.pdf"), "/file " + photo,
				"/report", "1", "/file " + photo, "/file " + pdf, "/file " + exe, "/export", "/quit"}, "\n") + "\n"
			var out, errb bytes.Buffer
			vars := map[string]string{"PROGRESSBOT_DB": dbPath}
			e := &env{stdin: strings.NewReader(script), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
			if err := dispatch(context.Background(), e, []string{"chat", "--lang", lang}); err != nil {
				t.Fatal(err)
			}
			l := locales.For(lang)
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
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
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
