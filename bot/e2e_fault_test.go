package bot_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/bot"
	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/sessions"
)

// Fault tests through the whole stack: the fake Bot API, the real go-telegram/bot library
// and transport, the flows engine, SQLite and Redis (miniredis, or REDIS_URL for the
// tests that do not stop it).

var zh = locales.For("zh-CN")

// lastWithButtons is the bot's latest message in a chat that has buttons.
func lastWithButtons(r *rig, chat int64) *bottest.Msg {
	var best *bottest.Call
	for _, c := range r.srv.Sent(chat) {
		if len(c.Buttons) > 0 {
			c := c
			best = &c
		}
	}
	if best == nil {
		return nil
	}
	return r.srv.Message(chat, best.MessageID)
}

// pressOn presses the button whose label contains label on message m.
func (u *tgUser) pressOn(m *bottest.Msg, label string) int64 {
	u.r.t.Helper()
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				u.r.expected++
				id := u.r.srv.Press(u.id, u.id, m.ID, b.Data)
				u.r.settle()
				return id
			}
		}
	}
	u.r.t.Fatalf("no button %q on message %d:\n%s", label, m.ID, m.Text)
	return 0
}

// toastOf is what the bot answered the callback query of an update with.
func toastOf(r *rig, updateID int64) (string, bool) {
	for _, c := range r.srv.CallsOf("answerCallbackQuery") {
		if c.OK() && c.CallbackQueryID == bottest.CallbackID(updateID) {
			return c.Toast, true
		}
	}
	return "", false
}

// TestE2ERedisStoppedAndBack: Redis goes away in the middle of a report. Each press and
// each typed answer is told "try again in a moment" (the callback answered with it too),
// the bot lives on, and once Redis is back — with its data, or restarted empty — the
// liaison goes on where they were, without a restart of the bot, and submits.
func TestE2ERedisStoppedAndBack(t *testing.T) {
	for _, variant := range []string{"restart", "restart-empty"} {
		t.Run(variant, func(t *testing.T) {
			mr := miniredis.RunT(t)
			sess, err := sessions.Open(context.Background(), "redis://"+mr.Addr()+"/0", sessions.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sess.Close() })
			r := newRigCustom(t, bottest.New(t), sess, nil, nil)
			u := r.user(8001, "zh")
			u.say("/start " + r.invite(store.RoleLiaison, "hukou"))
			u.say("/report")
			u.press("开始填报")
			u.answer(true)
			u.answer(true)
			screen := lastWithButtons(r, u.id) // item 3, a task

			mr.Close()
			id := u.pressOn(screen, "按计划推进")
			if got := u.last(); got != zh.T("error.try_again") {
				t.Errorf("a press with Redis down: %q, want %q", got, zh.T("error.try_again"))
			}
			if toast, _ := toastOf(r, id); toast != zh.T("error.try_again") {
				t.Errorf("the press's toast with Redis down: %q", toast)
			}
			u.say("完成调研")
			if got := u.last(); got != zh.T("error.try_again") {
				t.Errorf("typing with Redis down: %q", got)
			}
			if st := r.b.Stats(); st.Panics != 0 {
				t.Errorf("%d panics", st.Panics)
			}
			select {
			case err := <-r.done:
				t.Fatalf("the bot stopped with Redis down: %v", err)
			default:
			}

			if err := mr.Restart(); err != nil {
				t.Fatal(err)
			}
			if variant == "restart-empty" {
				mr.FlushAll()
				u.say("/report")
				u.sees("已填 2/21")
				u.press("继续填报")
				u.sees("〔3/21〕")
				screen = lastWithButtons(r, u.id)
			}
			// Redis is back: the bot recovers by itself. A connection the restart broke
			// may fail one more request; the liaison presses again, as people do.
			for try := 0; ; try++ {
				u.pressOn(screen, "按计划推进")
				if u.last() != zh.T("error.try_again") {
					break
				}
				if try == 3 {
					t.Fatal("still \"try again\" three presses after Redis came back")
				}
				time.Sleep(100 * time.Millisecond)
			}
			u.sees("本期完成情况")
			u.say("完成调研")
			for u.answer(true) {
			}
			u.press("提交")
			u.press("确认提交")
			u.sees("提交成功", "已填 21 项，跳过 0 项")
			rep, err := r.db.Report(context.Background(), r.plan.ID, "hukou", nov)
			if err != nil || rep.State != progressbot.ReportSubmitted || len(rep.Answers) != 21 {
				t.Errorf("report: %v %d answers %v", rep.State, len(rep.Answers), err)
			}
		})
	}
}

// script walks one liaison of hukou through the whole report: every item answered,
// then submitted. It returns the texts the bot showed, in order.
func script(t *testing.T, r *rig, before func(step int)) []string {
	t.Helper()
	u := r.user(9001, "zh")
	step := 0
	do := func(f func()) {
		if before != nil {
			before(step)
		}
		step++
		f()
	}
	code := r.invite(store.RoleLiaison, "hukou")
	do(func() { u.say("/start " + code) })
	do(func() { u.say("/report") })
	do(func() { u.press("开始填报") })
	for {
		s := u.last()
		if i := strings.Index(s, "\n"); strings.HasPrefix(s, "✓") && i > 0 {
			s = s[i+1:]
		}
		if !strings.HasPrefix(s, "〔") {
			break
		}
		title := strings.SplitN(s, "\n", 3)[1]
		switch {
		case strings.HasPrefix(title, "指标："):
			do(func() { u.say("12") })
			if strings.Contains(u.last(), "确认无误") {
				do(func() { u.press("确认") })
			}
		case strings.HasPrefix(title, "重大项目"):
			do(func() { u.press("开工") })
		default:
			do(func() { u.press("按计划推进") })
			do(func() { u.say("完成调研") })
		}
	}
	do(func() { u.press("提交") })
	do(func() { u.press("确认提交") })
	u.sees("提交成功")
	var texts []string
	for _, c := range r.srv.Sent(u.id) {
		texts = append(texts, c.Method+": "+c.Text)
	}
	return texts
}

// TestE2ETelegramFaults runs the same report twice: once against a well-behaved Bot API,
// once against one that answers 5xx, a proxy's 502 page, 429 with retry_after, or hangs
// until the request times out — one fault before every step, on sendMessage,
// editMessageText or answerCallbackQuery in turn. The person sees exactly the same
// messages in the same order (nothing lost, nothing twice), every press is answered, and
// the database holds the same answers.
func TestE2ETelegramFaults(t *testing.T) {
	fast := func(c *bot.Config) {
		c.SendTimeout, c.RetryBase, c.RetryMax = 300*time.Millisecond, 5*time.Millisecond, 20*time.Millisecond
		c.TypingAfter = -1
	}
	clean := newRigCustom(t, bottest.New(t), nil, nil, fast)
	want := script(t, clean, nil)

	srv := bottest.New(t)
	faulty := newRigCustom(t, srv, nil, nil, fast)
	methods := []string{"sendMessage", "editMessageText", "answerCallbackQuery"}
	got := script(t, faulty, func(step int) {
		m := methods[step%len(methods)]
		switch step % 5 {
		case 0:
			srv.FailNext(m, 500, 0)
		case 1:
			srv.FailNextHTML(m, 502)
		case 2:
			if step < 15 { // each 429 waits a whole second
				srv.FailNext(m, 429, 1)
			} else {
				srv.FailNext(m, 503, 0)
			}
		case 3:
			srv.HangNext(m, 5*time.Second)
		case 4:
			srv.FailNext(m, 502, 0)
			srv.FailNext(m, 500, 0)
		}
	})
	if !slices.Equal(got, want) {
		t.Errorf("with faults the person saw %d messages, without %d; first difference:\n%s", len(got), len(want), firstDiff(got, want))
	}
	faults, presses, answered := 0, 0, 0
	for _, c := range srv.Calls() {
		if c.Fault != "" && c.Fault != "invalid" {
			faults++
		}
		if c.Fault == "invalid" {
			t.Errorf("a call Telegram would refuse: %s %s", c.Method, c.Error)
		}
		if c.Method == "answerCallbackQuery" && c.OK() {
			answered++
		}
	}
	presses = srv.Count("answerCallbackQuery") // attempts
	if faults < 30 {
		t.Errorf("only %d faults injected", faults)
	}
	st := faulty.b.Stats()
	if st.Errors != 0 || st.Retries == 0 || st.RateLimited == 0 {
		t.Errorf("transport stats %+v: want retries and 429s, no errors", st)
	}
	for _, r := range []*rig{clean, faulty} {
		rep, err := r.db.Report(context.Background(), r.plan.ID, "hukou", nov)
		if err != nil || rep.State != progressbot.ReportSubmitted || len(rep.Answers) != 21 {
			t.Errorf("report: %v, %d answers, %v", rep.State, len(rep.Answers), err)
		}
	}
	t.Logf("%d faults injected; %d messages seen, same as without faults; %d callback answers after %d attempts", faults, len(got), answered, presses)
}

func firstDiff(a, b []string) string {
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return fmt.Sprintf("#%d\n  got:  %.200q\n  want: %.200q", i, x, y)
		}
	}
	return ""
}

// answersFor counts the answer rows of an item of a unit (its history).
func answersFor(t *testing.T, r *rig, unit string, ref progressbot.ItemRef) []progressbot.Answer {
	t.Helper()
	h, err := r.db.History(context.Background(), r.plan.ID, unit, nov, ref)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestE2ESameUpdateTwice: Telegram delivers an update again (a lost acknowledgement): a
// typed value and a pressed button each take effect once.
func TestE2ESameUpdateTwice(t *testing.T) {
	r := newRig(t)
	u := r.user(9101, "zh")
	u.say("/start " + r.invite(store.RoleLiaison, "gxj"))
	u.say("/report")
	u.press("开始填报")
	due := r.plan.Due("gxj", nov)
	if due[0].Kind != progressbot.ItemIndicator {
		t.Fatalf("gxj's first item is %s", due[0])
	}
	r.expected++
	id := r.srv.SendText(u.id, u.id, "33", "zh")
	r.settle()
	sent := len(r.srv.Sent(u.id))
	r.expected++
	r.srv.Redeliver(id)
	r.settle()
	if n := len(answersFor(t, r, "gxj", due[0])); n != 1 {
		t.Errorf("a redelivered typed value saved %d answers", n)
	}
	// A button: find the first task.
	for u.last() != "" && !strings.Contains(u.last(), "请选择本期推进情况") {
		if !u.answer(true) {
			t.Fatalf("no task before the review:\n%s", u.last())
		}
	}
	k := slices.IndexFunc(due, func(ref progressbot.ItemRef) bool { return ref.Kind == progressbot.ItemTask })
	m := lastWithButtons(r, u.id)
	sent = len(r.srv.Sent(u.id))
	pid := u.pressOn(m, "滞后")
	r.expected++
	r.srv.Redeliver(pid)
	r.settle()
	if n := len(answersFor(t, r, "gxj", due[k])); n != 1 {
		t.Errorf("a redelivered press saved %d answers", n)
	}
	if n := len(r.srv.Sent(u.id)) - sent; n != 1 {
		t.Errorf("a press and its redelivery made %d messages, want 1", n)
	}
	if st := r.b.Stats(); st.Duplicates != 2 {
		t.Errorf("%d duplicates dropped, want 2", st.Duplicates)
	}
}

// TestE2ETwoTapsOnOneButton: a status button tapped twice before the first tap is
// handled: one answer, the second tap told the button is out of date.
func TestE2ETwoTapsOnOneButton(t *testing.T) {
	r := newRig(t)
	u := r.user(9201, "zh")
	u.say("/start " + r.invite(store.RoleLiaison, "kjj"))
	u.say("/report")
	u.press("开始填报")
	m := lastWithButtons(r, u.id)
	var data string
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == "按计划推进" {
				data = b.Data
			}
		}
	}
	r.expected += 2
	a := r.srv.Press(u.id, u.id, m.ID, data)
	b := r.srv.Press(u.id, u.id, m.ID, data)
	r.settle()
	ref := r.plan.Due("kjj", nov)[0]
	if h := answersFor(t, r, "kjj", ref); len(h) != 1 || h[0].Status != progressbot.StatusOnTrack {
		t.Errorf("two taps saved %d answers", len(h))
	}
	ta, _ := toastOf(r, a)
	tb, _ := toastOf(r, b)
	if ta != zh.T("report.saved_short") || tb != zh.T("button.stale") {
		t.Errorf("toasts %q, %q", ta, tb)
	}
}

// TestE2ETwoUpdatesOfOneChatAtOnce: two texts of one chat arrive together (in one
// getUpdates batch): the first answers a task's "what was done" (which completes it), the
// second, a status word, the next task's status, in that order — in ten chats at once.
func TestE2ETwoUpdatesOfOneChatAtOnce(t *testing.T) {
	r := newRig(t)
	units := []string{"hukou", "pengze", "xunyang", "lianxi", "chaisang", "wuning", "xiushui", "yongxiu", "dean", "duchang"}
	var users []*tgUser
	for i, unit := range units {
		u := r.user(int64(9300+i), "zh")
		u.say("/start " + r.invite(store.RoleLiaison, unit))
		u.say("/report")
		u.press("开始填报")
		for !strings.Contains(u.last(), "请选择本期推进情况") {
			if !u.answer(true) {
				t.Fatalf("%s: no task", unit)
			}
		}
		u.press("按计划推进")
		users = append(users, u)
	}
	r.expected += int64(2 * len(users))
	for _, u := range users {
		r.srv.SendText(u.id, u.id, fmt.Sprintf("第一句 %d", u.id), "zh")
		r.srv.SendText(u.id, u.id, "滞后", "zh") // the next task's status, typed
	}
	r.settle()
	for i, u := range users {
		due := r.plan.Due(units[i], nov)
		rep, _ := r.db.Report(context.Background(), r.plan.ID, units[i], nov)
		var got []string
		for _, ref := range due {
			if a, ok := rep.Answers[ref]; ok && a.Status != "" && ref.Kind != progressbot.ItemIndicator && ref.Kind != progressbot.ItemProject {
				got = append(got, string(a.Status)+":"+a.Done)
			}
		}
		// In due order: the first text completes the first task, the second gives the
		// next task its status.
		if want := []string{"on_track:" + fmt.Sprintf("第一句 %d", u.id), "lagging:"}; !slices.Equal(got, want) {
			t.Errorf("%s: tasks in due order: %q, want %q", units[i], got, want)
		}
	}
}

// TestE2ESQLiteBusy: another connection holds SQLite's write lock for 11 s — longer than
// the busy timeout (10 s) — while three liaisons type answers. The store retries; every
// answer is saved and acknowledged once the lock is released; nobody gets an error.
func TestE2ESQLiteBusy(t *testing.T) {
	if testing.Short() {
		t.Skip("holds a lock for 11 s")
	}
	t.Parallel()
	r := newRig(t)
	units := []string{"gxj", "hukou", "pengze"}
	var users []*tgUser
	for i, unit := range units {
		u := r.user(int64(9400+i), "zh")
		u.say("/start " + r.invite(store.RoleLiaison, unit))
		u.say("/report")
		u.press("开始填报")
		for !strings.Contains(u.last(), "请输入本期数值") {
			if !u.answer(true) {
				t.Fatalf("%s: no indicator", unit)
			}
		}
		users = append(users, u)
	}
	// The other process: a plain connection that takes the write lock and keeps it.
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	other, err := sql.Open("sqlite", "file:"+r.dbPath+"?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	sentBefore := map[int64]int{}
	for _, u := range users {
		sentBefore[u.id] = len(r.srv.Sent(u.id))
		r.expected++
		r.srv.SendText(u.id, u.id, "123", "zh")
	}
	held := 11 * time.Second
	time.Sleep(held)
	for _, u := range users {
		if n := len(r.srv.Sent(u.id)); n != sentBefore[u.id] {
			t.Errorf("chat %d was answered while the database was locked: %q", u.id, u.last())
		}
	}
	if _, err := conn.ExecContext(context.Background(), "COMMIT"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	deadline := time.Now().Add(30 * time.Second)
	for _, u := range users {
		for len(r.srv.Sent(u.id)) == sentBefore[u.id] {
			if time.Now().After(deadline) {
				t.Fatalf("chat %d: no reply 30 s after the lock was released", u.id)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	r.settle()
	for i, u := range users {
		if got := u.last(); !strings.HasPrefix(got, "✓ "+zh.T("report.saved_short")) {
			t.Errorf("%s after the lock: %q", units[i], got)
		}
		found := false
		rep, _ := r.db.Report(context.Background(), r.plan.ID, units[i], nov)
		for _, a := range rep.Answers {
			if a.Raw == "123" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the answer typed while the database was locked is missing", units[i])
		}
	}
	if st := r.b.Stats(); st.Errors != 0 || st.Timeouts != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestE2EUndeliveredScreen: a typed answer is saved, but the next question never reaches
// the person — Telegram fails the send past every retry. The person, still looking at the
// question they answered, types their answer again: it is not filed under the next
// question but shown back with it, and the person chooses. Both languages; the person
// who sees the question shown and answers it then gets on as usual.
func TestE2EUndeliveredScreen(t *testing.T) {
	tests := []struct {
		lang                                   string
		lagging, skip, drop, done, coord, part string
	}{
		{"zh-hans", "滞后", "跳过", "不保存", "推进土地报批", "用地指标紧张", "任务2"},
		{"en", "Lagging", "Skip", "Don't save", "land approval", "land quota", "Task 2"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			r := newRigCustom(t, bottest.New(t), nil, nil, func(c *bot.Config) {
				c.SendTimeout, c.RetryBase, c.RetryMax, c.MaxRetries = 300*time.Millisecond, 5*time.Millisecond, 20*time.Millisecond, 1
				c.TypingAfter = -1
			})
			loc := locales.For(locales.Match(tt.lang))
			u := r.user(9301, tt.lang)
			u.say("/start " + r.invite(store.RoleLiaison, "hukou"))
			u.say("/report")
			u.press(loc.T("button.start"))
			var ref progressbot.ItemRef
			for _, ref = range r.plan.Due("hukou", nov) {
				if ref.Kind == progressbot.ItemTask {
					break
				}
				u.press(tt.skip)
			}
			u.press(tt.lagging)
			u.sees(loc.T("report.ask_done"))
			// Saved as what was done, which completes the task; the next task's question
			// is lost on the way.
			r.srv.FailNext("sendMessage", 503, 0)
			r.srv.FailNext("sendMessage", 503, 0)
			u.say(tt.done)
			u.sees(loc.T("report.ask_done"))
			u.say(tt.done) // again, for the question still on the phone
			head, _, _ := strings.Cut(loc.T("report.recheck", "Text", "", "Item", ""), "\n")
			u.sees(head, tt.done, tt.part)
			u.press(tt.drop)
			u.sees(tt.part, loc.T("report.ask_status"))
			u.press(loc.T("button.back"))
			u.press(loc.T("button.coord"))
			u.sees(loc.T("report.ask_coord"))
			u.say(tt.coord)
			a := answersFor(t, r, "hukou", ref)
			if len(a) == 0 || a[len(a)-1].Done != tt.done || a[len(a)-1].Coordination != tt.coord {
				t.Errorf("answers %+v: want what was done %q, coordination %q", a, tt.done, tt.coord)
			}
			due := r.plan.Due("hukou", nov)
			for i := range due {
				if due[i] == ref {
					if h := answersFor(t, r, "hukou", due[i+1]); len(h) != 0 {
						t.Errorf("the text typed again was filed under the next task: %+v", h)
					}
				}
			}
		})
	}
}
