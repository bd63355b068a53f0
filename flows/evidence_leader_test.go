package flows_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// attach stores data and attaches it as evidence to a unit's item for a period.
func attach(t *testing.T, w *world, unit string, per progressbot.Period, item progressbot.ItemRef, name string, data []byte) store.Evidence {
	t.Helper()
	sum, size, err := w.db.PutFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	ev, _, _, err := w.db.AttachEvidence(context.Background(), w.e.Plan.ID, store.Evidence{Unit: unit, Period: per, Item: item, SHA256: sum,
		Name: name, MIME: "application/pdf", Size: size, UserID: 1, ChatID: 1})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// attachEverywhere gives every unit a file on each of its first two items of a period,
// named after the unit, so that every unit's and item's summary offers evidence.
func attachEverywhere(t *testing.T, w *world, per progressbot.Period) {
	t.Helper()
	for _, u := range w.e.Plan.Units {
		for i, ref := range w.e.Plan.Due(u.ID, per) {
			if i == 2 {
				break
			}
			attach(t, w, u.ID, per, ref, "evidence-"+u.ID+".pdf", []byte("%PDF-1.7 "+u.ID+" "+ref.String()))
		}
	}
}

// filesOf lists the evidence files a reply sends, by name.
func filesOf(r flows.Reply) []string {
	var out []string
	for _, m := range r.Messages {
		for _, f := range []*flows.File{m.Document, m.Photo} {
			if f != nil {
				out = append(out, f.Name)
			}
		}
	}
	return out
}

// TestLeaderEvidence: a unit's and an item's summary count their files and send them
// with a button, in pages; a chain leader sees only the files of the chain's items, even
// of a unit that also owes other items; a liaison only their unit's.
func TestLeaderEvidence(t *testing.T) {
	w := newWorld(t)
	p := w.e.Plan
	// A unit that owes items of petrochem and of other chains.
	var unit string
	var inChain, outChain progressbot.ItemRef
	chain := progressbot.Subject{Kind: progressbot.SubjectChain, Key: "petrochem"}
	r := progressbot.NewRoller(p)
	sel, err := r.Select(chain, progressbot.PlanSubject)
	if err != nil {
		t.Fatal(err)
	}
	chainItems := map[progressbot.ItemRef]bool{}
	for _, ref := range sel.Items {
		chainItems[ref] = true
	}
	for _, u := range p.Units {
		if !sel.HasUnit(r, u.ID) {
			continue
		}
		var in, out progressbot.ItemRef
		for _, ref := range p.Due(u.ID, oct) {
			if chainItems[ref] && in.Key == "" {
				in = ref
			}
			if !chainItems[ref] && ref.Kind == progressbot.ItemTask && out.Key == "" {
				out = ref
			}
		}
		if in.Key != "" && out.Key != "" {
			unit, inChain, outChain = u.ID, in, out
			break
		}
	}
	if unit == "" {
		t.Fatal("no unit owes items of petrochem and of another chain")
	}
	for i := 0; i < 12; i++ {
		attach(t, w, unit, oct, inChain, "chain-"+string(rune('a'+i))+".pdf", []byte{byte(i), 1})
	}
	attach(t, w, unit, oct, outChain, "other-chain.pdf", []byte("other"))
	other := "pengze"
	if other == unit {
		other = "hukou"
	}
	attach(t, w, other, oct, p.Due(other, oct)[0], "other-unit.pdf", []byte("other unit"))

	city := w.invited(store.RoleLeader, "", "", "zh-CN")
	chief := w.invited(store.RoleLeader, "", "chain:petrochem", "en")
	liaison := w.invited(store.RoleLiaison, other, "", "zh-CN")
	unitView := "q:r:2610:0:u" + unit

	// The city leader: 13 files of the unit, in two pages.
	r1 := city.do(flows.Input{Data: unitView})
	if !strings.Contains(shown(r1), "📎 本期佐证材料 13 份") {
		t.Fatalf("unit summary: %s", shown(r1))
	}
	files := city.press("查看佐证材料（13）")
	if got := filesOf(files); len(got) != 10 || got[0] != "chain-a.pdf" {
		t.Errorf("first page: %v", got)
	}
	files = city.press("再看 3 份")
	if got := filesOf(files); len(got) != 3 || got[2] != "other-chain.pdf" {
		t.Errorf("second page: %v", got)
	}
	if !strings.Contains(files.Messages[0].Text, p.Unit(unit).Name) {
		t.Errorf("caption names no unit: %q", files.Messages[0].Text)
	}

	// The petrochem chief: the same unit, only the chain's items' files.
	r2 := chief.do(flows.Input{Data: unitView + ":cpetrochem"})
	if !strings.Contains(shown(r2), "12 evidence files") {
		t.Fatalf("chief's unit summary: %s", shown(r2))
	}
	all := append(filesOf(chief.press("Evidence (12)")), filesOf(chief.press("2 more"))...)
	if len(all) != 12 || strings.Contains(strings.Join(all, " "), "other") {
		t.Errorf("the chief got %v", all)
	}
	// The item outside the chain: refused, nothing sent.
	forged := chief.do(flows.Input{Data: "q:f:2610:0:t" + outChain.Key})
	if len(filesOf(forged)) != 0 || forged.Toast != locales.For("en").T("leader.out_of_scope_short") {
		t.Errorf("the chief pressed another chain's item files: %s", shown(forged))
	}
	// The item's view: its files across units.
	ri := city.do(flows.Input{Data: "q:r:2610:0:" + map[progressbot.ItemKind]string{progressbot.ItemTask: "t", progressbot.ItemIndicator: "i", progressbot.ItemProject: "j", progressbot.ItemWorkItem: "w"}[inChain.Kind] + inChain.Key})
	if !strings.Contains(shown(ri), "📎 本期佐证材料 12 份") {
		t.Errorf("item summary: %s", shown(ri))
	}

	// A liaison of another unit: their own file only, and none of the first unit's.
	own := liaison.do(flows.Input{Data: "q:f:2610:0:u" + other})
	if got := filesOf(own); len(got) != 1 || got[0] != "other-unit.pdf" {
		t.Errorf("liaison's own: %v", got)
	}
	if got := filesOf(liaison.do(flows.Input{Data: "q:f:2610:0:u" + unit})); len(got) != 0 {
		t.Errorf("liaison got another unit's files: %v", got)
	}
}
