package flows_test

import (
	"context"
	"strings"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// restart replaces the engine by a new run of the bot named boot; the old run ended
// cleanly or was killed. The sessions and the database carry over.
func (w *world) restart(boot string, clean bool) {
	w.t.Helper()
	ctx := context.Background()
	if clean {
		if err := w.db.EndBoot(ctx, w.e.Boot); err != nil {
			w.t.Fatal(err)
		}
	}
	if boot != "" {
		if err := w.db.StartBoot(ctx, boot); err != nil {
			w.t.Fatal(err)
		}
	}
	old := w.e
	w.e = &flows.Engine{DB: old.DB, Plan: old.Plan, Sessions: old.Sessions, Calendar: old.Calendar, Now: old.Now, Log: old.Log, Boot: boot}
}

// A run of the bot saves a session (the next question) before it sends that question;
// killed in between, the person still sees the previous one and may type its answer
// again. After such a restart the first typed answer is shown back with the question it
// would be filed under, and filed only when the person says so. Buttons need no such
// check: they carry the step of the screen they were on.
func TestTypedTextWhenTheScreenMayBeLost(t *testing.T) {
	const unit = "hukou"
	tests := []struct {
		name string
		lang string
		// first is the run before the restart ("": a run of an older version, or
		// `chat`); started says whether it was recorded; next is the new run.
		first   string
		started bool
		clean   bool
		next    string
		lost    bool          // instead of a restart, the screen after "what was done" was not delivered
		typed   string        // the first thing typed after the restart
		recheck bool          // it is shown back instead of filed
		then    func(*person) // what the person does next
		coord   string        // the task's coordination answer at the end
	}{
		{name: "clean restart: filed at once", first: "b1", started: true, clean: true, next: "b2",
			typed: "用地指标紧张", coord: "用地指标紧张"},
		{name: "killed: shown back, then filed", first: "b1", started: true, next: "b2", typed: "用地指标紧张", recheck: true,
			then: func(li *person) { li.press("保存为此问题的回答") }, coord: "用地指标紧张"},
		{name: "killed: shown back, dropped, typed again", first: "b1", started: true, next: "b2", typed: "推进土地报批", recheck: true,
			then: func(li *person) { li.press("不保存"); li.say("用地指标紧张") }, coord: "用地指标紧张"},
		{name: "killed: shown back, dropped, nothing filed", first: "b1", started: true, next: "b2", typed: "推进土地报批", recheck: true,
			then: func(li *person) { li.press("不保存") }, coord: "无"},
		{name: "killed: typing again after the question was shown answers it", first: "b1", started: true, next: "b2",
			typed: "推进土地报批", recheck: true, then: func(li *person) { li.say("用地指标紧张") }, coord: "用地指标紧张"},
		{name: "killed: once answered, later text is filed at once", first: "b1", started: true, next: "b2", typed: "用地指标紧张", recheck: true,
			then: func(li *person) {
				li.press("保存为此问题的回答") // filed; the next item is shown
				li.press("上一项")       // back to the task
				li.press("需协调事项")
				li.say("资金缺口")
			}, coord: "资金缺口"},
		{name: "a run never recorded counts as killed", first: "b1", next: "b2", typed: "用地指标紧张", recheck: true,
			then: func(li *person) { li.press("保存为此问题的回答") }, coord: "用地指标紧张"},
		{name: "in English", lang: "en", first: "b1", started: true, next: "b2", typed: "land quota", recheck: true,
			then: func(li *person) { li.press("Save it here") }, coord: "land quota"},
		{name: "a session saved by an older version: filed at once", next: "b2", typed: "用地指标紧张", coord: "用地指标紧张"},
		{name: "same run, screen not delivered: shown back", first: "b1", started: true, next: "b1", lost: true, typed: "推进土地报批", recheck: true,
			then: func(li *person) { li.press("不保存"); li.say("用地指标紧张") }, coord: "用地指标紧张"},
		{name: "no boot (chat): filed at once", first: "b1", started: true, typed: "用地指标紧张", coord: "用地指标紧张"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			lang := tt.lang
			if lang == "" {
				lang = "zh-CN"
			}
			loc := locales.For(lang)
			w := newWorld(t)
			w.e.Boot = tt.first
			if tt.started {
				if err := w.db.StartBoot(ctx, tt.first); err != nil {
					t.Fatal(err)
				}
			}
			li := w.invited(store.RoleLiaison, unit, "", lang)
			li.cmd("report", "")
			li.press(loc.T("button.start"))
			var ref progressbot.ItemRef
			for _, ref = range w.e.Plan.Due(unit, nov) {
				if ref.Kind == progressbot.ItemTask {
					break
				}
				li.press(loc.T("button.skip"))
			}
			li.press(loc.T("status.lagging"))
			li.say("done-" + tt.name) // a whole answer: the next item is shown
			li.press(loc.T("button.back"))
			li.press(loc.T("button.coord"))
			li.sees(t, loc.T("report.ask_coord"))
			if tt.lost {
				w.e.Undelivered(ctx, li.id)
			} else {
				w.restart(tt.next, tt.clean)
			}
			held := 0
			w.e.OnHeld = func() { held++ }

			li.say(tt.typed)
			head, _, _ := strings.Cut(loc.T("report.recheck", "Text", "", "Item", ""), "\n")
			shown := strings.Contains(li.screen(), head)
			if shown != tt.recheck {
				t.Fatalf("typed text shown back %v, want %v; screen:\n%s", shown, tt.recheck, li.screen())
			}
			if shown {
				li.sees(t, tt.typed, loc.T("report.part.coord", "Item", ""))
				if a := answer(t, w, unit, ref); a.Coordination != loc.T("report.none_value") {
					t.Errorf("filed before the person said so: %q", a.Coordination)
				}
			}
			if tt.then != nil {
				tt.then(li)
			}
			// Held once at most: what follows the shown-back text is filed as usual.
			if want := map[bool]int{true: 1}[tt.recheck]; held != want {
				t.Errorf("OnHeld told of %d held answers, want %d", held, want)
			}
			a := answer(t, w, unit, ref)
			if tt.lang == "en" && tt.coord == "无" {
				tt.coord = loc.T("report.none_value")
			}
			if a.Coordination != tt.coord || !strings.HasPrefix(a.Done, "done-") {
				t.Errorf("answer: done %q, coordination %q; want coordination %q", a.Done, a.Coordination, tt.coord)
			}
		})
	}
}

// answer is the latest answer a unit gave to an item this month.
func answer(t *testing.T, w *world, unit string, ref progressbot.ItemRef) progressbot.Answer {
	t.Helper()
	r, err := w.db.Report(context.Background(), w.e.Plan.ID, unit, nov)
	if err != nil {
		t.Fatal(err)
	}
	return r.Answers[ref]
}
