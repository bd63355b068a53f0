package bot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/bot"
	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/dashboard"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/sessions"
	"github.com/redis/go-redis/v9"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// redisStore gives a session store on the real Redis when REDIS_URL is set (keys under a
// prefix of this test, removed afterwards), else on an in-process miniredis. flush empties
// it, as a Redis restart without persistence would.
func redisStore(t testing.TB) (s *sessions.Redis, flush func()) {
	t.Helper()
	prefix := fmt.Sprintf("progressbot:e2e:%d:", rand.Int64())
	var client *redis.Client
	if url := os.Getenv("REDIS_URL"); url != "" {
		opt, err := redis.ParseURL(url)
		if err != nil {
			t.Fatal(err)
		}
		client = redis.NewClient(opt)
	} else {
		mr := miniredis.RunT(t)
		client = redis.NewClient(&redis.Options{Addr: mr.Addr()})
	}
	flush = func() {
		ctx := context.Background()
		keys, _ := client.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			client.Del(ctx, keys...)
		}
	}
	t.Cleanup(func() { flush(); client.Close() })
	return sessions.NewRedis(client, sessions.Options{KeyPrefix: prefix}), flush
}

// rig is a running bot: real engine, SQLite, Redis sessions, the real go-telegram/bot
// library, and a fake Bot API.
type rig struct {
	t        testing.TB
	srv      *bottest.Server
	db       *store.DB
	plan     *progressbot.Plan
	sess     sessions.Store
	flush    func()
	now      time.Time
	mu       sync.Mutex
	b        *bot.Bot
	cancel   context.CancelFunc
	done     chan error
	expected int64        // updates sent, to wait for
	handled  atomic.Int64 // updates done: reply delivered (Config.OnUpdate)
	dbPath   string
	log      *slog.Logger      // the engine's and the transport's
	mod      func(*bot.Config) // a test's changes to the transport's configuration
	dash     *dashboard.Links  // the dashboard's addresses, when a test gives it one
}

// observe counts finished updates, so that settle knows when a reply is out.
func (r *rig) observe(cfg *bot.Config) {
	r.handled.Store(0)
	next := cfg.OnUpdate
	cfg.OnUpdate = func(u bot.UpdateResult) {
		r.handled.Add(1)
		if next != nil {
			next(u)
		}
	}
}

func newRig(t testing.TB) *rig { return newRigWith(t, bottest.New(t)) }

func newRigWith(t testing.TB, srv *bottest.Server) *rig {
	t.Helper()
	return newRigCustom(t, srv, nil, nil, nil)
}

// newRigCustom is newRigWith with a session store, a logger and changes to the
// transport's configuration of the test's choosing (nil for the defaults).
func newRigCustom(t testing.TB, srv *bottest.Server, sess sessions.Store, log *slog.Logger, mod func(*bot.Config)) *rig {
	t.Helper()
	r := &rig{t: t, srv: srv, now: time.Date(2026, 11, 26, 10, 0, 0, 0, shanghai), flush: func() {}, log: log, mod: mod}
	r.dbPath = filepath.Join(t.TempDir(), "pb.db")
	if sess == nil {
		sess, r.flush = redisStore(t)
	}
	r.sess = sess
	if r.log == nil {
		r.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r.openDB()
	r.start()
	t.Cleanup(func() { r.stop(); r.db.Close() })
	return r
}

func (r *rig) clock() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.now }

func (r *rig) openDB() {
	ctx := context.Background()
	db, err := store.Open(ctx, r.dbPath)
	if err != nil {
		r.t.Fatal(err)
	}
	db.Now = r.clock
	p, sum, err := seeds.Load(seeds.Bundled(), seeds.DefaultPlan)
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := db.SavePlan(ctx, p, sum); err != nil {
		r.t.Fatal(err)
	}
	r.db, r.plan = db, p
}

func (r *rig) start() {
	eng := &flows.Engine{DB: r.db, Plan: r.plan, Sessions: r.sess, Calendar: progressbot.DefaultCalendar(shanghai), Now: r.clock, Log: r.log, Dashboard: r.dash}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := bot.Config{Token: r.srv.Token(), APIURL: r.srv.URL(), Handler: bot.ForEngine(eng), Logger: r.log, PollTimeout: time.Second,
		OnUndelivered: eng.Undelivered}
	if r.mod != nil {
		r.mod(&cfg)
	}
	r.observe(&cfg)
	b, err := bot.New(ctx, cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	eng.Files = b.Files() // as serve wires it
	r.b, r.cancel, r.done = b, cancel, make(chan error, 1)
	base := b.Stats().Updates
	r.expected = base
	go func() { r.done <- b.Run(ctx) }()
}

func (r *rig) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
	r.cancel = nil
}

// settle waits until every update sent so far is done: its reply delivered, or dropped
// as a duplicate. (Counting updates received is not enough: one is counted before it
// takes its place in its chat's queue.)
func (r *rig) settle() {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		st := r.b.Stats()
		if r.handled.Load()+st.Duplicates+st.Ignored+st.Dropped >= r.expected && st.InFlight == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	r.t.Fatalf("updates not handled in time: %+v, want %d", r.b.Stats(), r.expected)
}

type tgUser struct {
	r    *rig
	id   int64
	lang string
}

func (r *rig) user(id int64, lang string) *tgUser { return &tgUser{r: r, id: id, lang: lang} }

func (u *tgUser) say(text string) {
	u.r.expected++
	u.r.srv.SendText(u.id, u.id, text, u.lang)
	u.r.settle()
}

// send sends a document or photo (bottest.File) and waits for the answer.
func (u *tgUser) send(f bottest.File) {
	u.r.expected++
	u.r.srv.SendFile(u.id, u.id, f, u.lang)
	u.r.settle()
}

// press taps the button whose label contains label on the bot's latest message.
func (u *tgUser) press(label string) {
	u.r.t.Helper()
	m := u.r.srv.Last(u.id)
	if m == nil {
		u.r.t.Fatalf("no message in chat %d", u.id)
	}
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				u.r.expected++
				u.r.srv.Press(u.id, u.id, m.ID, b.Data)
				u.r.settle()
				return
			}
		}
	}
	u.r.t.Fatalf("no button %q on the last message:\n%s", label, m.Text)
}

func (u *tgUser) last() string {
	if m := u.r.srv.Last(u.id); m != nil {
		return m.Text
	}
	return ""
}

func (u *tgUser) sees(want ...string) {
	u.r.t.Helper()
	got := u.last()
	for _, w := range want {
		if !strings.Contains(got, w) {
			u.r.t.Errorf("last message lacks %q:\n%s", w, got)
		}
	}
}

func (r *rig) invite(role store.Role, unit string) string {
	code, err := r.db.CreateInvite(context.Background(), store.InviteSpec{PlanID: r.plan.ID, Role: role, Unit: unit})
	if err != nil {
		r.t.Fatal(err)
	}
	return code
}

// answer answers whatever item is on screen; false on any other screen.
func (u *tgUser) answer(zh bool) bool {
	s := u.last()
	if i := strings.Index(s, "\n"); strings.HasPrefix(s, "✓") && i > 0 {
		s = s[i+1:]
	}
	if !strings.HasPrefix(s, "〔") && !strings.HasPrefix(s, "[") {
		return false
	}
	pick := func(zhLabel, enLabel string) string {
		if zh {
			return zhLabel
		}
		return enLabel
	}
	lines := strings.SplitN(s, "\n", 3)
	title := ""
	if len(lines) > 1 {
		title = lines[1]
	}
	switch {
	case strings.HasPrefix(title, pick("指标：", "Indicator:")):
		u.say("12")
		if strings.Contains(u.last(), pick("确认无误", "Is it right")) {
			u.press(pick("确认", "Confirm"))
		}
	case strings.HasPrefix(title, pick("重大项目", "Key project")):
		u.press(pick("开工", "Construction started"))
	default:
		u.press(pick("按计划推进", "On track"))
		u.say(pick("完成调研", "survey done"))
	}
	return true
}

var nov = progressbot.Period{Year: 2026, Month: 11}

func TestE2EReport(t *testing.T) {
	tests := []struct {
		lang, unit string
		zh         bool
		want       []string
	}{
		{"zh-hans", "hukou", true, []string{"提交成功", "湖口县", "2026年11月", "已填 21 项，跳过 0 项"}},
		{"en", "pengze", false, []string{"Submitted", "Pengze County", "November 2026", "answered, 0 skipped"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			r := newRig(t)
			u := r.user(424242, tt.lang)
			u.say("/start " + r.invite(store.RoleLiaison, tt.unit))
			if tt.zh {
				u.sees(r.plan.Unit(tt.unit).Name)
			} else {
				u.sees(r.plan.Unit(tt.unit).En)
			}
			u.say("/report")
			kinds := map[progressbot.ItemKind]int{}
			for _, ref := range r.plan.Due(tt.unit, nov) {
				kinds[ref.Kind]++
			}
			if kinds[progressbot.ItemIndicator] == 0 || kinds[progressbot.ItemTask] == 0 || kinds[progressbot.ItemProject] == 0 {
				t.Fatalf("%s should owe every kind of item in %s: %v", tt.unit, nov, kinds)
			}
			if tt.zh {
				u.press("开始填报")
			} else {
				u.press("Start")
			}
			for u.answer(tt.zh) {
			}
			if tt.zh {
				u.sees("核对")
				u.press("提交")
				u.press("确认提交")
			} else {
				u.sees("review")
				u.press("Submit")
				u.press("Confirm submit")
			}
			u.sees(tt.want...)
			rep, err := r.db.Report(context.Background(), r.plan.ID, tt.unit, nov)
			if err != nil || rep.State != progressbot.ReportSubmitted {
				t.Fatalf("report %+v %v", rep.State, err)
			}
			// Every button press was answered.
			if presses, answers := r.srv.Count("answerCallbackQuery"), len(r.srv.CallsOf("answerCallbackQuery")); presses != answers || answers == 0 {
				t.Errorf("callback answers: %d of %d", answers, presses)
			}
			// Revise after submit: reopen, change one answer, submit again.
			u.say("/report")
			if tt.zh {
				u.press("重新打开修改")
				u.press("改2")
				u.press("滞后") // what was done this month stays; back to the review
				u.press("改2")
				u.press("需协调事项")
				u.say("需协调用地指标")
				u.press("提交")
				u.press("确认提交")
				u.sees("提交成功")
			} else {
				u.press("Reopen")
				u.press("Edit 2")
				u.press("Lagging")
				u.press("Edit 2")
				u.press("Needs coordination")
				u.say("land quota")
				u.press("Submit")
				u.press("Confirm submit")
				u.sees("Submitted")
			}
			ev, _ := r.db.Events(context.Background(), r.plan.ID, tt.unit, nov)
			if len(ev) != 3 {
				t.Errorf("submit, reopen, submit: got %d events", len(ev))
			}
		})
	}
}

func TestE2ETwoTapsOnSubmit(t *testing.T) {
	r := newRig(t)
	u := r.user(5001, "zh")
	u.say("/start " + r.invite(store.RoleLiaison, "kjj"))
	u.say("/report")
	u.press("核对全部")
	u.press("提交")
	m := r.srv.Last(u.id)
	var data string
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.Contains(b.Text, "仍然提交") {
				data = b.Data
			}
		}
	}
	r.expected += 2
	r.srv.Press(u.id, u.id, m.ID, data)
	r.srv.Press(u.id, u.id, m.ID, data)
	r.settle()
	ev, _ := r.db.Events(context.Background(), r.plan.ID, "kjj", nov)
	if len(ev) != 1 {
		t.Errorf("two taps on 提交: %d submissions", len(ev))
	}
	confirmations := 0
	for _, c := range r.srv.Sent(u.id) {
		if strings.Contains(c.Text, "提交成功") {
			confirmations++
		}
	}
	if confirmations != 1 {
		t.Errorf("%d confirmations", confirmations)
	}
}

// TestE2ERestartAndFlush: the process restarted mid-flow, and Redis flushed mid-flow, each
// resume with nothing lost.
func TestE2ERestartAndFlush(t *testing.T) {
	for _, fault := range []string{"restart", "flush"} {
		t.Run(fault, func(t *testing.T) {
			r := newRig(t)
			u := r.user(6001, "zh")
			u.say("/start " + r.invite(store.RoleLiaison, "hukou"))
			u.say("/report")
			u.press("开始填报")
			u.answer(true)
			u.answer(true)
			u.press("滞后") // third item: a task, half answered
			switch fault {
			case "restart":
				r.stop()
				r.db.Close()
				r.openDB()
				r.start()
			case "flush":
				r.flush()
			}
			u.say("/report")
			u.sees("已填 2/21")
			u.press("继续填报")
			u.sees("〔3/21〕", "推进情况：滞后", "本期完成情况")
			rep, _ := r.db.Report(context.Background(), r.plan.ID, "hukou", nov)
			if len(rep.Answers) != 3 {
				t.Errorf("%d answers kept, want 3", len(rep.Answers))
			}
		})
	}
}

func TestE2EStrangersAndForgedButtons(t *testing.T) {
	r := newRig(t)
	li := r.user(7001, "zh")
	li.say("/start " + r.invite(store.RoleLiaison, "hukou"))
	li.say("/report")
	li.press("开始填报")
	m := r.srv.Last(li.id)
	skip := m.Buttons[len(m.Buttons)-1][0].Data

	other := r.user(7002, "zh")
	other.say("/start " + r.invite(store.RoleLiaison, "pengze"))
	other.say("/report")
	r.expected++
	r.srv.Press(other.id, other.id, r.srv.Last(other.id).ID, skip)
	r.settle()

	stranger := r.user(7003, "zh")
	stranger.say("/report")
	stranger.sees("邀请")
	stranger.say("湖口县怎么样")
	stranger.sees("邀请")
	r.expected++
	r.srv.Press(stranger.id, stranger.id, 1, skip)
	r.settle()
	stranger.sees("邀请")

	for _, unit := range []string{"hukou", "pengze"} {
		rep, _ := r.db.Report(context.Background(), r.plan.ID, unit, nov)
		if len(rep.Answers) != 0 {
			t.Errorf("%s: forged button saved %d answers", unit, len(rep.Answers))
		}
	}
	for _, c := range r.srv.Sent(stranger.id) {
		if strings.Contains(c.Text, "湖口县") || strings.Contains(c.Text, "指标") {
			t.Errorf("a stranger was shown plan data: %q", c.Text)
		}
	}
}

// TestE2ECommandsRegistered: the default menu is the contract's commands, and each person
// who writes to the bot (registering, /start, /help, /lang) gets their role's menu in
// their private chat, in their language: a liaison's has /report and not
// /invite, a leader's neither, an admin's /invite, /extend and /remind.
func TestE2ECommandsRegistered(t *testing.T) {
	r := newRig(t)
	eng := &flows.Engine{DB: r.db, Plan: r.plan, Calendar: progressbot.DefaultCalendar(shanghai), Now: r.clock}
	if err := r.b.RegisterCommands(context.Background(), eng.PublicMenu); err != nil {
		t.Fatal(err)
	}
	names := func(c bottest.Call) string {
		var out []string
		for _, x := range c.Commands {
			if x.Description == "" || strings.Contains(x.Description, "menu.") {
				t.Errorf("command %q has no description: %q", x.Command, x.Description)
			}
			out = append(out, x.Command)
		}
		return strings.Join(out, " ")
	}
	langs := map[string]string{}
	for _, c := range r.srv.CallsOf("setMyCommands") {
		if c.Scope != "" {
			t.Errorf("default menu with a scope: %s", c.Scope)
		}
		langs[c.LanguageCode] = names(c)
	}
	for _, l := range []string{"", "zh", "en"} {
		if langs[l] != strings.Join(flows.Commands, " ") {
			t.Errorf("default menu, language %q: %q", l, langs[l])
		}
	}
	tests := []struct {
		id        int64
		lang      string
		role      store.Role
		unit      string
		want      string
		inEnglish bool
	}{
		{5001, "zh-hans", store.RoleLiaison, "hukou", "report progress export lang cancel help", false},
		{5002, "en", store.RoleLeader, "", "progress missing board export lang help", true},
		{5003, "en", store.RoleAdmin, "", "progress missing board export invite extend remind lang cancel help", true},
	}
	for _, tt := range tests {
		before := len(r.srv.CallsOf("setMyCommands"))
		r.user(tt.id, tt.lang).say("/start " + r.invite(tt.role, tt.unit))
		calls := r.srv.CallsOf("setMyCommands")[before:]
		if len(calls) != 1 {
			t.Fatalf("%s: %d setMyCommands calls after registering", tt.role, len(calls))
		}
		c := calls[0]
		if !c.OK() || !strings.Contains(c.Scope, `"chat"`) || !strings.Contains(c.Scope, fmt.Sprint(tt.id)) {
			t.Errorf("%s: menu call %+v", tt.role, c)
		}
		if got := names(c); got != tt.want {
			t.Errorf("%s: menu %q, want %q", tt.role, got, tt.want)
		}
		if en := !strings.ContainsFunc(c.Commands[0].Description, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }); en != tt.inEnglish {
			t.Errorf("%s: menu in the wrong language: %q", tt.role, c.Commands[0].Description)
		}
	}
}
