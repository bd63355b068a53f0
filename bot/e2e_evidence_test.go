package bot_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// Files as people send them: the first bytes are what the kind is told by.
var (
	jpegData = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{7}, 3000)...)
	pdfData  = append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("minutes "), 2000)...)
	docxData = append([]byte("PK\x03\x04"), bytes.Repeat([]byte{3}, 900)...)
)

// walkTo presses skip until the screen shows an item of a kind (its title line starts
// with the kind's label); it fails past the report's end.
func (u *tgUser) walkTo(prefix string, skip string) {
	u.r.t.Helper()
	for i := 0; i < 40; i++ {
		lines := strings.SplitN(lastWithButtons(u.r, u.id).Text, "\n", 3)
		if len(lines) > 1 && strings.HasPrefix(lines[1], prefix) {
			return
		}
		u.pressOn(lastWithButtons(u.r, u.id), skip) // the screen, above the answers to files
	}
	u.r.t.Fatalf("no %q item reached:\n%s", prefix, u.last())
}

func (r *rig) evidence(unit string) []store.Evidence {
	evs, err := r.db.EvidenceOf(context.Background(), r.plan.ID, nov, unit)
	if err != nil {
		r.t.Fatal(err)
	}
	return evs
}

func (r *rig) storedFiles() int {
	es, _ := os.ReadDir(r.db.FilesDir())
	n := 0
	for _, e := range es {
		if !strings.HasPrefix(e.Name(), ".") {
			n++
		}
	}
	return n
}

// TestE2EEvidence: photos and documents sent on a task's and a project's screen are
// attached to them, the same file twice is stored once, a refused kind, a file over
// 20 MB and a file with no item open are answered and stored nowhere, and the review
// shows each item's count.
func TestE2EEvidence(t *testing.T) {
	for _, lang := range []string{"zh-hans", "en"} {
		t.Run(lang, func(t *testing.T) {
			r := newRig(t)
			l := locales.For(locales.Match(lang))
			u := r.user(515151, lang)
			u.say("/start " + r.invite(store.RoleLiaison, "hukou"))

			// No report open: nothing stored.
			u.send(bottest.File{Data: jpegData, Photo: true})
			u.sees(l.T("evidence.no_item"))
			u.say("/report")
			u.send(bottest.File{Name: "a.pdf", MIME: "application/pdf", Data: pdfData})
			u.sees(l.T("evidence.no_item")) // the opening screen has no item
			u.say("/report")
			u.press(l.T("button.review")) // the review, before any item was opened
			u.send(bottest.File{Name: "a.pdf", MIME: "application/pdf", Data: pdfData})
			u.sees(l.T("evidence.no_item_review"))
			u.say("/report")
			if n := len(r.evidence("hukou")); n != 0 || r.storedFiles() != 0 {
				t.Fatalf("stored with no item open: %d rows, %d files", n, r.storedFiles())
			}

			u.press(l.T("button.start"))
			taskLabel := strings.SplitN(l.T("item.task", "N", 0, "Name", ""), "0", 2)[0]
			u.walkTo(taskLabel, l.T("button.skip"))
			task := r.plan.Due("hukou", nov)[0]
			for _, ref := range r.plan.Due("hukou", nov) {
				if ref.Kind == progressbot.ItemTask {
					task = ref
					break
				}
			}
			u.send(bottest.File{Data: jpegData, Photo: true, Caption: "现场"})
			u.sees("📎", "1")
			u.send(bottest.File{Name: "会议纪要.pdf", MIME: "application/pdf", Data: pdfData})
			u.sees("会议纪要.pdf", "2")
			u.send(bottest.File{Name: "会议纪要 (1).pdf", MIME: "application/pdf", Data: pdfData}) // the same file again
			if want := strings.SplitN(l.T("evidence.already", "Name", "会议纪要.pdf", "Item", "\x00", "Count", 2), "\x00", 2)[0]; !strings.HasPrefix(u.last(), want) {
				t.Errorf("the same file twice: %s", u.last())
			}
			// Refused: another kind, a name that lies about the content, over 20 MB.
			getFiles := r.srv.Count("getFile")
			for _, f := range []bottest.File{
				{Name: "setup.exe", MIME: "application/octet-stream", Data: []byte("MZ\x90\x00")},
				{Name: "scan.pdf", MIME: "application/pdf", Data: []byte("MZ\x90\x00 not a pdf")},
				{Name: "video.zip", MIME: "application/zip", Data: docxData, Size: 25 << 20},
			} {
				u.send(f)
				want := l.T("evidence.bad_kind")
				if f.Size > 0 {
					want = l.T("evidence.too_large", "MB", 20)
				}
				u.sees(want)
			}
			if got := r.srv.Count("getFile") - getFiles; got != 1 { // only the lying PDF was fetched, to look at it
				t.Errorf("getFile called %d times for refused files", got)
			}
			evs := r.evidence("hukou")
			if len(evs) != 2 || r.storedFiles() != 2 {
				t.Fatalf("after the task: %d rows, %d files", len(evs), r.storedFiles())
			}
			if evs[0].Item != task || evs[0].MIME != "image/jpeg" || !strings.HasSuffix(evs[0].Name, ".jpg") || evs[0].UserID != 515151 ||
				evs[1].Name != "会议纪要.pdf" || evs[1].MIME != "application/pdf" || evs[1].Size != int64(len(pdfData)) || evs[1].Period != nov {
				t.Errorf("stored: %+v", evs)
			}

			// A project: the same PDF again is one more row, not one more file.
			projectLabel := strings.SplitN(l.T("item.project", "Name", "\x00"), "\x00", 2)[0]
			u.walkTo(projectLabel, l.T("button.skip"))
			u.send(bottest.File{Name: "批复.docx", Data: docxData})
			u.send(bottest.File{Name: "纪要.pdf", Data: pdfData})
			u.sees("2")
			if evs := r.evidence("hukou"); len(evs) != 4 || evs[3].Item.Kind != progressbot.ItemProject || r.storedFiles() != 3 {
				t.Errorf("after the project: %d rows, %d files", len(evs), r.storedFiles())
			}

			// The review lists the counts; a file sent there goes to the item opened last.
			u.say("/report")
			u.press(l.T("button.review"))
			u.sees("📎2")
			u.send(bottest.File{Data: append(jpegData, 1), Photo: true})
			u.sees(l.T("evidence.review_hint"), "3")
			if evs := r.evidence("hukou"); len(evs) != 5 || evs[4].Item != evs[3].Item {
				t.Errorf("in the review: %+v", evs)
			}
			// Someone else's file never lands in this unit.
			if evs := r.evidence("pengze"); len(evs) != 0 {
				t.Errorf("another unit has %d files", len(evs))
			}

			// A leader asks for the unit's November and fetches its files.
			leader := r.user(616161, lang)
			leader.say("/start " + r.invite(store.RoleLeader, ""))
			leader.say(r.plan.Unit("hukou").Name + " 2026-11")
			leader.sees(l.T("evidence.leader.count", "Count", 5))
			leader.press(l.T("evidence.leader.button", "N", 5))
			if m := r.srv.Last(616161); len(m.Buttons) == 0 || m.Buttons[len(m.Buttons)-1][0].Text != l.T("evidence.leader.back") {
				t.Errorf("no way back under the files: %+v", m)
			}
			var got [][]byte
			for _, c := range r.srv.Sent(616161) {
				if c.Method == "sendDocument" || c.Method == "sendPhoto" {
					got = append(got, c.FileData)
				}
			}
			want := [][]byte{jpegData, pdfData, docxData, pdfData, append(jpegData, 1)}
			if len(got) != len(want) {
				t.Fatalf("the leader got %d files, want %d", len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("file %d: %d bytes, want %d", i, len(got[i]), len(want[i]))
				}
			}
		})
	}
}
