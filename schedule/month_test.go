package schedule_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/schedule"
	"github.com/progressbot/progressbot/store"
)

var sep2025 = progressbot.Period{Year: 2025, Month: time.September}

// monthWorld is the cast of the month tests: three liaisons (湖口县 answers a little,
// submits a day late; 彭泽县 submits early; 市工信局 never does), leaders over the whole
// plan, the petrochemical chain and 彭泽县, an admin and a leaders' group.
func monthWorld(t testing.TB) *world {
	w := newWorld(t, at("2025-09-20 00:00"))
	w.person("L1", 1001, store.RoleLiaison, "hukou", "", "")
	w.person("L2", 1002, store.RoleLiaison, "gxj", "", "en")
	w.person("L3", 1003, store.RoleLiaison, "pengze", "", "")
	w.person("Lall", 2001, store.RoleLeader, "", "", "")
	w.person("Lchain", 2002, store.RoleLeader, "", "chain:petrochem", "")
	w.person("Lunit", 2003, store.RoleLeader, "", "unit:pengze", "")
	w.person("Admin", 3001, store.RoleAdmin, "", "", "")
	w.group("Group", -100500, "")
	return w
}

func (w *world) monthEvents() map[time.Time]func() {
	return map[time.Time]func(){
		at("2025-09-25 10:17"): func() { w.answer("hukou", sep2025, 2) },
		at("2025-09-29 11:05"): func() { w.answer("pengze", sep2025, len(w.plan.Due("pengze", sep2025))); w.submit("pengze", sep2025) },
		at("2025-10-10 15:00"): func() { w.submit("hukou", sep2025) },
	}
}

// The expected timetable of September 2025, whose deadline (5 October, 18:00) falls in
// the National Day holiday (1–8 October) and moves to Thursday 9 October. Three working
// days before it is Sunday 28 September, a make-up working day; the second reminder
// after it is Saturday 11 October, another one.
func monthWant(w *world) []sentRow {
	var want []sentRow
	add := func(when, label, step string) {
		want = append(want, sentRow{Key: fmt.Sprintf("remind|2025-09|%s|%s", label, step), At: when})
	}
	for _, l := range []string{"L1", "L2", "L3"} {
		add("2025-09-22 09:00", l, "open") // the period opened on Saturday the 20th
		add("2025-09-28 09:00", l, "before@2025-10-09")
	}
	for _, l := range []string{"L1", "L2"} { // 彭泽县 submitted on the 29th
		add("2025-10-09 09:00", l, "due@2025-10-09")
		add("2025-10-10 09:00", l, "after-1@2025-10-09")
	}
	// 湖口县 submitted at 15:00 on the 10th: nothing more for L1.
	add("2025-10-11 09:00", "L2", "after-2@2025-10-09")
	add("2025-10-13 09:00", "L2", "after-3@2025-10-09")
	// Then the leaders whose scope holds a unit still missing.
	for _, l := range []string{"Lall", "Lchain"} {
		want = append(want, sentRow{Key: fmt.Sprintf("escalate|2025-09|%s|2025-10-09", l), At: "2025-10-14 09:00"})
	}
	return want
}

func TestMonth(t *testing.T) {
	w := monthWorld(t)
	rec := &recorder{clock: w.clock}
	s := w.scheduler(w.db, rec, "one")
	w.play(at("2025-09-20 00:00"), at("2025-10-16 00:00"), time.Hour, []*schedule.Scheduler{s}, w.monthEvents())

	got := w.sentRows()
	var reminders, bulletins []sentRow
	for _, r := range got {
		if strings.HasPrefix(r.Key, "bulletin") {
			bulletins = append(bulletins, r)
		} else {
			reminders = append(reminders, r)
		}
	}
	want := monthWant(w)
	sortRows(want)
	if !slices.Equal(reminders, want) {
		t.Errorf("reminders and escalations:\n got %s\nwant %s", show(reminders), show(want))
	}
	// Bulletins: the monthly and, since September closes a quarter, the quarterly one, to
	// every leader and the group, at 10:00 on the day of the escalation.
	for _, kind := range []string{"bulletin", "bulletin-q"} {
		for _, l := range []string{"Lall", "Lchain", "Lunit", "Group"} {
			key := fmt.Sprintf("%s|2025-09|%s|1", kind, l)
			if !slices.Contains(bulletins, sentRow{Key: key, At: "2025-10-14 10:00"}) {
				t.Errorf("no %s at 2025-10-14 10:00; bulletins: %s", key, show(bulletins))
			}
		}
	}
	for _, b := range bulletins {
		if b.At != "2025-10-14 10:00" || strings.HasPrefix(b.Key, "bulletin-y") {
			t.Errorf("unexpected bulletin %v", b)
		}
	}

	// Exactly once, and never at night nor on a non-working day.
	seen := map[string]bool{}
	for _, d := range rec.all() {
		k := fmt.Sprint(d.Chat, d.Text)
		if seen[k] {
			t.Errorf("sent twice to %d: %.60q", d.Chat, d.Text)
		}
		seen[k] = true
		if !w.cfg.Allowed(d.At) {
			t.Errorf("sent at %s (night or holiday) to %d: %.60q", d.At, d.Chat, d.Text)
		}
	}
	if n := len(rec.all()); n != len(got) {
		t.Errorf("%d sends for %d sent rows", n, len(got))
	}

	texts := map[string]string{}
	for _, d := range rec.all() {
		texts[fmt.Sprintf("%s@%s", w.names[d.Chat], d.At.Format("01-02 15:04"))] += d.Text + "\n"
	}
	// What the reminders say: what is still due, the deadline, how to start.
	l1due := texts["L1@10-09 09:00"]
	total := len(w.plan.Due("hukou", sep2025))
	for _, s := range []string{"【湖口县】", fmt.Sprintf("还有 %d/%d 项待填", total-2, total), "10月9日 18:00", "/report"} {
		if !strings.Contains(l1due, s) {
			t.Errorf("L1's reminder on the deadline day lacks %q:\n%s", s, l1due)
		}
	}
	if l2 := texts["L2@10-13 09:00"]; !strings.Contains(l2, "past its deadline") || !strings.Contains(l2, "recorded as late") {
		t.Errorf("L2's (English) last reminder:\n%s", l2)
	}
	esc := texts["Lall@10-14 09:00"]
	if !strings.Contains(esc, "市工信局") || strings.Contains(esc, "湖口县") || strings.Contains(esc, "彭泽县") {
		t.Errorf("escalation to the whole-plan leader should name 市工信局 and not the units that submitted:\n%s", esc)
	}
	bul := texts["Lall@10-14 10:00"]
	for _, s := range []string{"【月度通报】2025年9月", "迟报：湖口县（迟 1 天）", "市工信局", "【季度通报】2025年第3季度", "排名"} {
		if !strings.Contains(bul, s) {
			t.Errorf("the bulletins to the whole-plan leader lack %q:\n%s", s, bul)
		}
	}
	if unit := texts["Lunit@10-14 10:00"]; !strings.Contains(unit, "应报 1 个单位，已报 1 个（按时 1，迟报 0）") {
		t.Errorf("the bulletin to 彭泽县's leader should cover 彭泽县 only:\n%s", unit)
	}

	// Lateness is recorded against the deadline that applied.
	rec2, err := w.db.RecordedTimeliness(context.Background(), w.plan.ID, sep2025)
	if err != nil {
		t.Fatal(err)
	}
	if h := rec2["hukou"]; !h.Late || h.LateBy != 21*time.Hour || !h.Deadline.Equal(at("2025-10-09 18:00")) {
		t.Errorf("湖口县's timeliness: %+v", h)
	}
	if p := rec2["pengze"]; p.Late || !p.Deadline.Equal(at("2025-10-09 18:00")) {
		t.Errorf("彭泽县's timeliness: %+v", p)
	}
}

func sortRows(rs []sentRow) {
	slices.SortFunc(rs, func(a, b sentRow) int {
		if a.At != b.At {
			return strings.Compare(a.At, b.At)
		}
		return strings.Compare(a.Key, b.Key)
	})
}

func show(rs []sentRow) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "\n  %s  %s", r.At, r.Key)
	}
	return b.String()
}
