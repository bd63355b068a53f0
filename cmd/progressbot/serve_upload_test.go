package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
)

// uploader is a liaison of the crash test who sends evidence, one file after another,
// each different, and keeps the files whose acknowledgement ("📎 … name …") arrived.
type uploader struct {
	t     *testing.T
	c     *child
	id    int64
	unit  string
	inbox <-chan bottest.Call
	acked map[string][]byte // file name → content, acknowledged by the bot
	done  chan struct{}
}

// newUploader binds a liaison of unit by an invite written to the database before serve
// starts.
func newUploader(t *testing.T, c *child, id int64, unit string) *uploader {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, c.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, _, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		t.Fatal(err)
	}
	code, err := db.CreateInvite(ctx, store.InviteSpec{PlanID: p.ID, Role: store.RoleLiaison, Unit: unit})
	if err != nil {
		t.Fatal(err)
	}
	u := &uploader{t: t, c: c, id: id, unit: unit, inbox: c.api.Register(id), acked: map[string][]byte{}, done: make(chan struct{})}
	u.c.api.Srv.SendText(id, id, "/start "+code, "zh")
	return u
}

// next waits for the bot's next message to the uploader.
func (u *uploader) next(timeout time.Duration) (bottest.Call, bool) {
	select {
	case m := <-u.inbox:
		return m, true
	case <-time.After(timeout):
		return bottest.Call{}, false
	}
}

// open binds (the /start sent by newUploader) and opens the report at its first item.
func (u *uploader) open() {
	u.t.Helper()
	if _, ok := u.next(10 * time.Second); !ok {
		u.t.Fatal("uploader: no greeting")
	}
	u.c.api.Srv.SendText(u.id, u.id, "/report", "zh")
	intro, ok := u.next(10 * time.Second)
	if !ok {
		u.t.Fatal("uploader: no report screen")
	}
	for _, row := range intro.Buttons {
		for _, b := range row {
			if b.Text == "开始填报" {
				u.c.api.Srv.Press(u.id, u.id, intro.MessageID, b.Data)
				if m, ok := u.next(10 * time.Second); !ok || !strings.HasPrefix(m.Text, "〔1/") {
					u.t.Fatalf("uploader: not at the first item: %q", m.Text)
				}
				return
			}
		}
	}
	u.t.Fatalf("uploader: no start button on %q", intro.Text)
}

// run uploads until ctx ends or the bot stops answering (it was killed).
func (u *uploader) run(ctx context.Context) {
	defer close(u.done)
	for i := 0; ctx.Err() == nil; i++ {
		name := fmt.Sprintf("纪要-%d.pdf", i)
		data := []byte(fmt.Sprintf("%%PDF-1.7\n%d %d\n", i, time.Now().UnixNano()))
		data = append(data, bytes.Repeat([]byte{byte(i)}, 20000)...)
		u.c.api.Srv.SendDocument(u.id, u.id, name, "application/pdf", data, "", "zh")
		m, ok := u.next(5 * time.Second)
		if !ok {
			return
		}
		if strings.Contains(m.Text, "📎") && strings.Contains(m.Text, name) {
			u.acked[name] = data
		}
	}
}

// verify checks that every acknowledged file is attached in the database and whole on
// disk.
func (u *uploader) verify() {
	u.t.Helper()
	<-u.done
	ctx := context.Background()
	db, err := store.Open(ctx, u.c.dbPath)
	if err != nil {
		u.t.Fatal(err)
	}
	defer db.Close()
	p, _, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		u.t.Fatal(err)
	}
	evs, err := db.EvidenceOf(ctx, p.ID, currentPeriod(), u.unit)
	if err != nil {
		u.t.Fatal(err)
	}
	byName := map[string]store.Evidence{}
	for _, ev := range evs {
		byName[ev.Name] = ev
	}
	for name, data := range u.acked {
		ev, ok := byName[name]
		if !ok {
			u.t.Errorf("LOST: evidence %s was acknowledged and is not in the database", name)
			continue
		}
		if got, err := db.ReadFile(ev.SHA256); err != nil || !bytes.Equal(got, data) {
			u.t.Errorf("LOST: evidence %s is in the database but not whole on disk (%d bytes, %v)", name, len(got), err)
		}
	}
}
