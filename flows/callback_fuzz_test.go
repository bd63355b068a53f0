package flows_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/sessions"
	"github.com/progressbot/progressbot/store/storetest"
)

// FuzzCallback holds arbitrary callback data to the codec's promise (flows.CheckCallback:
// data of every kind that decodes encodes again to the same value, within 64 bytes), and
// presses it as the liaison of 湖口县, from one of
// several screens of the report flow (the opening screen, an indicator, a task asking
// its status, what was done and what needs coordination, typed text shown back after an
// undelivered screen, a project, an implausible value to confirm, the review, a submitted
// report). In the data, {n} and {s} stand for the
// screen's nonce and step and {b0}…{b9} for its buttons, so the fuzzer starts from
// buttons the flow would accept. Handle never panics, never fails but for a reason it
// can name, and no answer is ever saved for another unit (彭泽县's report, with answers of
// its own, stays as it was) or by anyone but the liaison.
func FuzzCallback(f *testing.F) {
	ctx := context.Background()
	db, p := storetest.PlanDB(f)
	now := func() time.Time { return time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai) }
	db.Now = now
	mem := sessions.NewMemory(sessions.Options{Now: now})
	e := &flows.Engine{DB: db, Plan: p, Sessions: mem, Calendar: progressbot.DefaultCalendar(shanghai), Now: now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	bind := func(id int64, unit string) flows.User {
		code, err := db.CreateInvite(ctx, store.InviteSpec{PlanID: p.ID, Role: store.RoleLiaison, Unit: unit})
		if err != nil {
			f.Fatal(err)
		}
		if _, err := db.Redeem(ctx, code, id, id, "L"); err != nil {
			f.Fatal(err)
		}
		u, err := e.Who(ctx, id, id, "L", "zh-hans")
		if err != nil || u.Account == nil {
			f.Fatalf("who: %v", err)
		}
		return u
	}
	do := func(u flows.User, in flows.Input) flows.Reply {
		r, err := e.Handle(ctx, u, in)
		if err != nil {
			f.Fatalf("%+v: %v", in, err)
		}
		return r
	}
	buttons := dataOf
	press := func(u flows.User, r flows.Reply, act string) flows.Reply {
		for _, d := range buttons(r) {
			if strings.Contains(d, ":"+act) {
				return do(u, flows.Input{Data: d})
			}
		}
		f.Fatalf("no %q button on %+v", act, r.Messages)
		return r
	}

	// Pengze's liaison answers a few items: the report that must not change.
	b := bind(20002, "pengze")
	r := do(b, flows.Input{Command: "report"})
	r = press(b, r, "go")
	for range 3 {
		r = press(b, r, "skip")
	}
	before, err := db.Report(ctx, p.ID, "pengze", nov)
	if err != nil || len(before.Answers) != 3 {
		f.Fatalf("pengze: %d answers %v", len(before.Answers), err)
	}

	// Screens of 湖口县's liaison to start from: the session and the buttons of each.
	a := bind(20001, "hukou")
	type screen struct {
		session []byte
		buttons []string
	}
	var screens []screen
	snap := func(r flows.Reply) {
		s, err := mem.Get(ctx, a.ChatID)
		if err != nil {
			f.Fatal(err)
		}
		screens = append(screens, screen{append([]byte(nil), s.Data...), buttons(r)})
	}
	due := p.Due("hukou", nov)
	r = do(a, flows.Input{Command: "report"})
	snap(r) // opening
	r = press(a, r, "go")
	snap(r) // indicator 1
	r = do(a, flows.Input{Text: "99999999"})
	snap(r) // implausible value: confirm
	r = press(a, r, "redo")
	for i := 0; due[i].Kind != progressbot.ItemTask; i++ {
		r = press(a, r, "skip")
	}
	snap(r) // a task: status
	r = press(a, r, "status:1")
	snap(r) // what was done
	r = press(a, r, "back")
	r = press(a, r, "coord")
	snap(r) // what needs coordination
	e.Undelivered(ctx, a.ChatID)
	r = do(a, flows.Input{Text: "资金"})
	snap(r) // typed text shown back: that screen was not delivered
	r = press(a, r, "drop")
	r = press(a, r, "none")
	r = do(a, flows.Input{Text: "调研"})
	for i := 0; ; i++ {
		if strings.Contains(strings.Join(buttons(r), " "), ":stage:") {
			break
		}
		r = press(a, r, "skip")
	}
	snap(r) // a project
	for !strings.Contains(strings.Join(buttons(r), " "), ":submit") {
		r = press(a, r, "skip")
	}
	snap(r) // the review
	r = press(a, r, "submit")
	snap(r) // asked to confirm the submission
	r = press(a, r, "submitok")
	r = do(a, flows.Input{Command: "report"})
	snap(r) // submitted, with reopen

	for i := range screens {
		for k := range 10 {
			f.Add(uint8(i), "{b"+string(rune('0'+k))+"}")
		}
	}
	for _, d := range []string{
		"r:{n}:{s}:go", "r:{n}:{s}:status:1", "r:{n}:{s}:status:9", "r:{n}:{s}:edit:0", "r:{n}:{s}:edit:20",
		"r:{n}:{s}:stage:6", "r:{n}:{s}:submit", "r:{n}:{s}:reopen", "r:{n}:{s}:page:1", "r:{n}:{s}:page:-1",
		"r:{n}:{s}:same", "r:{n}:{s}:samedone", "r:{n}:{s}:nodone", "r:{n}:{s}:ok", "r:{n}:{s}:none", "r:{n}:{s}:back", "r:{n}:{s}:keep",
		"r:{n}:{s}:pause", "r:{n}:{s}:skip", "r:{n}:{s}:file", "r:{n}:{s}:drop", "r:{n}:99:go", "r:zzzzzzzz:{s}:go", "r:{n}:-{s}:go", "r:{n}:+{s}:go",
		"r:{n}:{s}:status:1:extra", "r:{n}:{s}:edit:99999999999999999999", "r:{n}:{s}", "r:{n}", "r:", "r",
		"lang:en", "lang:", "q:1", "b:x", "x:y", "", "r:{n}:{s}:go\x00", "r:{n}:{s}:ｇｏ",
		// Every other kind: rollups, the 红黄榜, exports and charts, a reminder's button.
		"rp", "q:r:2611:0:uhukou", "q:u:2610:1:t1:uhukou:cpetrochem", "q:r:2610:0:i#3", "q:Rct5:2610:0:p",
		"q:M2609:2610:0:uhukou", "b:v:2610", "b:v:2610:0", "b:x:2610:rhukou", "b:ok:2610", "b:pub:2610", "b:n:2610",
		"x:f:2026-11:x", "x:f:2026-10:c", "x:cp:hukou:202611", "x:ci:#0:hukou:202611", "lang:zh-CN",
	} {
		f.Add(uint8(0), d)
		f.Add(uint8(3), d)
	}

	f.Fuzz(func(t *testing.T, which uint8, data string) {
		sc := screens[int(which)%len(screens)]
		// Back to the screen: its session as it was (the report may have been submitted
		// meanwhile: that is one more state to be in).
		cur, err := mem.Get(ctx, a.ChatID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mem.Put(ctx, sessions.Session{ChatID: a.ChatID, Version: cur.Version, Data: sc.session}); err != nil {
			t.Fatal(err)
		}
		nonce, step := "", ""
		if len(sc.buttons) > 0 {
			parts := strings.SplitN(sc.buttons[0], ":", 5)
			if len(parts) >= 3 {
				nonce, step = parts[1], parts[2]
			}
		}
		for k := range 10 {
			if len(sc.buttons) > 0 {
				data = strings.ReplaceAll(data, "{b"+string(rune('0'+k))+"}", sc.buttons[k%len(sc.buttons)])
			}
		}
		data = strings.ReplaceAll(strings.ReplaceAll(data, "{n}", nonce), "{s}", step)
		if err := flows.CheckCallback(p, data); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Handle(ctx, a, flows.Input{Data: data}); err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		after, err := db.Report(ctx, p.ID, "pengze", nov)
		if err != nil {
			t.Fatal(err)
		}
		if len(after.Answers) != len(before.Answers) {
			t.Fatalf("%q saved an answer for pengze", data)
		}
		for ref, ans := range after.Answers {
			if ans.ID != before.Answers[ref].ID {
				t.Fatalf("%q changed pengze's %s", data, ref)
			}
		}
	})
}
