package flows_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/store"
)

// The authorization matrix of what exists now: roles × every command and the report
// flow's callbacks. Extend it as the leaders' commands and buttons (progress, missing,
// board, export, invite, remind; callback prefixes q:, b:, x:) land: each role must see
// and change only what its role and scope allow.

// totals is what inputs that must change nothing are checked against.
func totals(t *testing.T, w *world) store.Totals {
	t.Helper()
	tot, err := w.db.Totals(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tot
}

// everyInput is every command, free text, and a button of every kind.
func everyInput(buttons []string) []flows.Input {
	var ins []flows.Input
	for _, c := range append(append([]string(nil), flows.Commands...), "invite", "remind", "unknowncommand") {
		if c == "start" {
			continue // redeeming is tested with invites
		}
		ins = append(ins, flows.Input{Command: c}, flows.Input{Command: c, Args: "湖口县"})
	}
	ins = append(ins, flows.Input{Text: "湖口县怎么样"}, flows.Input{Text: "12"}, flows.Input{Text: ""})
	for _, d := range append(buttons, "q:1", "b:1", "x:1", "lang:en", "zz:1", "r:", "r:::::") {
		ins = append(ins, flows.Input{Data: d})
	}
	return ins
}

// buttonsOf lists the callback data on a person's last screen.
func buttonsOf(p *person) []string { return dataOf(p.last) }

// TestAuthzUnbound: a person who redeemed no invite sees nothing of the plan and changes
// nothing, whatever command, text or button (including buttons copied from a liaison's
// screen) they send.
func TestAuthzUnbound(t *testing.T) {
	w := newWorld(t)
	li := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	li.cmd("report", "")
	li.press("开始填报")
	stolen := buttonsOf(li)
	before := totals(t, w)
	stranger := w.person("zh-CN")
	for _, in := range everyInput(stolen) {
		r := stranger.do(in)
		if in.Command == "help" || in.Command == "lang" || strings.HasPrefix(in.Data, "lang:") {
			continue // allowed to an unbound person: they say nothing about the plan
		}
		text := ""
		for _, m := range r.Messages {
			text += m.Text
		}
		if len(r.Messages) != 1 || !strings.Contains(text, "邀请") {
			t.Errorf("unbound, %+v: %q (toast %q)", in, text, r.Toast)
		}
		for _, leak := range []string{"湖口县", "指标", "任务", "彭泽"} {
			if strings.Contains(text, leak) && !strings.Contains(w.e.Plan.Title, leak) {
				t.Errorf("unbound, %+v: shown %q", in, leak)
			}
		}
	}
	if after := totals(t, w); !reflect.DeepEqual(after, before) {
		t.Errorf("an unbound person changed the database: %+v → %+v", before, after)
	}
}

// TestAuthzLiaisonOtherUnit: the liaison of one unit pressing every button the liaison
// of another unit was ever shown — forged or replayed callback data — is told the button
// is out of date and changes nothing, in either unit; the same for their own buttons
// once used (replay), and for their buttons with a changed nonce, step, action or
// argument.
func TestAuthzLiaisonOtherUnit(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	b := w.invited(store.RoleLiaison, "pengze", "", "zh-CN")
	// b walks part of the report; every button b sees is collected.
	var bButtons []string
	b.cmd("report", "")
	bButtons = append(bButtons, buttonsOf(b)...)
	b.press("开始填报")
	for range 6 {
		bButtons = append(bButtons, buttonsOf(b)...)
		if !b.answerCurrent(t, true) {
			break
		}
	}
	a.cmd("report", "")
	aOld := buttonsOf(a) // the opening screen's buttons
	a.press("开始填报")
	aNow := buttonsOf(a)

	repA, _ := w.db.Report(ctx, w.e.Plan.ID, "hukou", nov)
	repB, _ := w.db.Report(ctx, w.e.Plan.ID, "pengze", nov)
	before := totals(t, w)
	for _, d := range bButtons {
		r := a.do(flows.Input{Data: d})
		if !strings.Contains(r.Toast, "过期") {
			t.Errorf("hukou's liaison pressed pengze's %q: toast %q", d, r.Toast)
		}
		a.do(flows.Input{Command: "report"}) // back to a known screen
		a.press("开始填报")
		aNow = buttonsOf(a)
	}
	for _, d := range aOld { // replayed: the opening screen's buttons, used before
		if r := a.do(flows.Input{Data: d}); !strings.Contains(r.Toast, "过期") {
			t.Errorf("replayed %q: toast %q", d, r.Toast)
		}
	}
	a.do(flows.Input{Command: "report"})
	a.press("开始填报")
	aNow = buttonsOf(a)
	for _, d := range aNow {
		parts := strings.SplitN(d, ":", 5)
		if len(parts) < 4 {
			t.Fatalf("report button data %q is not r:<nonce>:<step>:<act>", d)
		}
		forged := []string{
			"r:aaaaaaaa:" + parts[2] + ":" + strings.Join(parts[3:], ":"), // another nonce
			"r:" + parts[1] + ":" + parts[2] + "9:" + strings.Join(parts[3:], ":"),
			"r:" + parts[1] + ":-1:" + strings.Join(parts[3:], ":"),
			"r:" + parts[1] + ":" + parts[2] + ":edit:999",
			"r:" + parts[1] + ":" + parts[2] + ":edit:-1",
			"r:" + parts[1] + ":" + parts[2] + ":status:99",
			"r:" + parts[1] + ":" + parts[2] + ":stage:-3",
			"r:" + parts[1] + ":" + parts[2] + ":page:-5",
			"r:" + parts[1] + ":" + parts[2] + ":ok",
			"r:" + parts[1] + ":" + parts[2] + ":none",
			"r:" + parts[1] + ":" + parts[2] + ":unit:pengze",
		}
		for _, f := range forged {
			a.do(flows.Input{Data: f})
			a.do(flows.Input{Command: "report"})
			a.press("开始填报")
		}
	}
	after := totals(t, w)
	if after.Submissions != before.Submissions {
		t.Errorf("forged buttons submitted a report")
	}
	if len(bButtons) < 10 || len(aNow) < 3 {
		t.Fatalf("too few buttons tried: %d of pengze's, %d of hukou's", len(bButtons), len(aNow))
	}
	for unit, rep := range map[string]int{"hukou": len(repA.Answers), "pengze": len(repB.Answers)} {
		now, _ := w.db.Report(ctx, w.e.Plan.ID, unit, nov)
		for ref, ans := range now.Answers {
			if unit == "pengze" && ans.UserID == a.id {
				t.Errorf("hukou's liaison changed pengze's %s", ref)
			}
		}
		if unit == "pengze" && len(now.Answers) != rep {
			t.Errorf("pengze's answers changed: %d → %d", rep, len(now.Answers))
		}
	}
	// Answers were only ever saved by their own liaison, to their own unit.
	for _, unit := range []string{"hukou", "pengze"} {
		owner := map[string]int64{"hukou": a.id, "pengze": b.id}[unit]
		for _, ref := range w.e.Plan.Due(unit, nov) {
			hist, _ := w.db.History(ctx, w.e.Plan.ID, unit, nov, ref)
			for _, h := range hist {
				if h.UserID != owner {
					t.Errorf("%s %s: an answer by %d", unit, ref, h.UserID)
				}
			}
		}
	}
}

// TestAuthzOtherRolesOnReportButtons: leaders and admins cannot act in the report flow,
// with their own or a liaison's buttons, and /report tells them it is for liaisons.
func TestAuthzOtherRolesOnReportButtons(t *testing.T) {
	w := newWorld(t)
	li := w.invited(store.RoleLiaison, "hukou", "", "zh-CN")
	li.cmd("report", "")
	li.press("开始填报")
	stolen := buttonsOf(li)
	before := totals(t, w)
	for _, who := range []*person{
		w.invited(store.RoleLeader, "", "", "zh-CN"),
		w.invited(store.RoleLeader, "", "chain:petrochem", "zh-CN"),
		w.invited(store.RoleAdmin, "", "", "zh-CN"),
	} {
		r := who.cmd("report", "")
		if len(r.Messages) != 1 || !strings.Contains(r.Messages[0].Text, "联络员") {
			t.Errorf("/report by a leader or admin: %q", who.screen())
		}
		for _, d := range stolen {
			if r := who.do(flows.Input{Data: d}); !strings.Contains(r.Toast, "过期") || len(r.Messages) != 0 {
				t.Errorf("a leader or admin pressed %q: %q / %q", d, r.Toast, who.screen())
			}
		}
		for _, in := range everyInput(nil) {
			who.do(in) // must not fail (do fails the test on an error) nor change answers
		}
	}
	if after := totals(t, w); !reflect.DeepEqual(after, before) {
		t.Errorf("leaders and admins changed answers: %+v → %+v", before, after)
	}
}
