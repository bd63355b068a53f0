package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/progressbot/progressbot/bot/bottest"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
)

// ---- a fake engine ----

type seen struct {
	user flows.User
	in   flows.Input
}

// fakeHandler records what it gets and answers by the input's key (text, "/command" or
// button data): "panic" panics, "error" fails, "block" waits for its context to end,
// "sleep…" sleeps h.sleep; anything else echoes, unless reply is set.
type fakeHandler struct {
	mu     sync.Mutex
	inputs []seen
	whoErr map[int64]error // by user id
	reply  func(u flows.User, in flows.Input) (flows.Reply, error)
	sleep  time.Duration

	active  sync.Map // chat id → *atomic.Int32, to catch two updates of one chat at once
	overlap atomic.Bool
	started chan string // the key of each input, when Handle starts (if not nil)
}

func newHandler() *fakeHandler { return &fakeHandler{whoErr: map[int64]error{}} }

func (h *fakeHandler) Who(ctx context.Context, from TelegramUser) (flows.User, error) {
	h.mu.Lock()
	err := h.whoErr[from.ID]
	h.mu.Unlock()
	if err != nil {
		return flows.User{}, err
	}
	return flows.User{ID: from.ID, ChatID: from.ChatID, Name: from.Name, Lang: locales.Match(from.LanguageCode)}, nil
}

func key(in flows.Input) string {
	switch {
	case in.Command != "":
		return "/" + in.Command
	case in.Data != "":
		return in.Data
	}
	return in.Text
}

func (h *fakeHandler) Handle(ctx context.Context, u flows.User, in flows.Input) (flows.Reply, error) {
	n, _ := h.active.LoadOrStore(u.ChatID, new(atomic.Int32))
	if n.(*atomic.Int32).Add(1) > 1 {
		h.overlap.Store(true)
	}
	defer n.(*atomic.Int32).Add(-1)
	h.mu.Lock()
	h.inputs = append(h.inputs, seen{u, in})
	reply, sleep, started := h.reply, h.sleep, h.started
	h.mu.Unlock()
	k := key(in)
	if started != nil {
		started <- k
	}
	switch {
	case k == "panic":
		panic("test panic in the engine")
	case k == "error":
		return flows.Reply{}, errors.New("the engine failed")
	case k == "block":
		<-ctx.Done()
		return flows.Reply{}, ctx.Err()
	case strings.HasPrefix(k, "sleep"):
		time.Sleep(sleep)
	}
	if reply != nil {
		return reply(u, in)
	}
	r := flows.Reply{Messages: []flows.Message{{Text: "echo:" + describe(in)}}}
	if in.Data != "" {
		r.Toast = "ok:" + in.Data
	}
	return r, nil
}

func describe(in flows.Input) string {
	switch {
	case in.Command != "":
		return strings.TrimSpace("/" + in.Command + " " + in.Args)
	case in.Data != "":
		return "data:" + in.Data
	}
	return in.Text
}

func (h *fakeHandler) seen() []seen {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]seen(nil), h.inputs...)
}

func (h *fakeHandler) set(f func(h *fakeHandler)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(h)
}

// ---- the test bench ----

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type bench struct {
	srv     *bottest.Server
	bot     *Bot
	h       *fakeHandler
	logs    *syncBuffer
	blocked chan int64
	cancel  context.CancelFunc
	done    chan error
}

// start runs a bot against a fake Bot API. Cleanup stops it and checks that the token
// never reached the log.
func start(t *testing.T, h *fakeHandler, mods ...func(*Config)) *bench {
	t.Helper()
	srv := bottest.New(t)
	be := &bench{srv: srv, h: h, logs: &syncBuffer{}, blocked: make(chan int64, 16)}
	cfg := Config{
		Token: srv.Token(), APIURL: srv.URL(), Handler: h,
		Logger:      slog.New(slog.NewTextHandler(be.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		PollTimeout: 2 * time.Second, SendTimeout: 2 * time.Second, UpdateTimeout: 5 * time.Second,
		RetryBase: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond,
		OnBlocked: func(chatID int64) { be.blocked <- chatID },
	}
	for _, m := range mods {
		m(&cfg)
	}
	b, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	be.bot = b
	ctx, cancel := context.WithCancel(context.Background())
	be.cancel = cancel
	be.done = make(chan error, 1)
	go func() { be.done <- b.Run(ctx) }()
	t.Cleanup(func() {
		be.stop(t)
		checkNoToken(t, be.logs.String(), srv.Token())
	})
	return be
}

func (be *bench) stop(t *testing.T) {
	t.Helper()
	be.cancel()
	select {
	case err := <-be.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		be.done <- nil // later stops return at once
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

func checkNoToken(t *testing.T, logs, token string) {
	t.Helper()
	_, secret, _ := strings.Cut(token, ":")
	if strings.Contains(logs, token) || strings.Contains(logs, secret) {
		t.Errorf("the token appears in the log:\n%s", logs)
	}
}

// reply waits for a message that took effect in chat with exactly text.
func (be *bench) reply(t *testing.T, chat int64, text string) bottest.Call {
	t.Helper()
	return be.srv.WaitFor(t, func(c bottest.Call) bool {
		return c.OK() && c.ChatID == chat && (c.Method == "sendMessage" || c.Method == "editMessageText") && c.Text == text
	}, 10*time.Second)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func count(calls []bottest.Call, match func(bottest.Call) bool) int {
	n := 0
	for _, c := range calls {
		if match(c) {
			n++
		}
	}
	return n
}

var (
	zhError   = locales.For("zh-CN").T("bot.error")
	enError   = locales.For("en").T("bot.error")
	zhTimeout = locales.For("zh-CN").T("bot.timeout")
)

// ---- mapping updates ----

func TestParseCommand(t *testing.T) {
	tests := []struct {
		text, cmd, args, to string
		ok                  bool
	}{
		{"/start CODE_1-x", "start", "CODE_1-x", "", true},
		{"/report@MyBot", "report", "", "MyBot", true},
		{"/LANG en", "lang", "en", "", true},
		{"/progress   石化化工 进展 ", "progress", "石化化工 进展", "", true},
		{"/Help@progresstestbot\nmore", "help", "more", "progresstestbot", true},
		{"/start", "start", "", "", true},
		{"/", "", "", "", false},
		{"/ hello", "", "", "", false},
		{"/@bot", "", "", "", false},
		{"hello /start", "", "", "", false},
		{"", "", "", "", false},
	}
	for _, tt := range tests {
		cmd, args, to, ok := parseCommand(tt.text)
		if cmd != tt.cmd || args != tt.args || to != tt.to || ok != tt.ok {
			t.Errorf("parseCommand(%q) = %q, %q, %q, %v; want %q, %q, %q, %v", tt.text, cmd, args, to, ok, tt.cmd, tt.args, tt.to, tt.ok)
		}
	}
}

func TestParseUpdate(t *testing.T) {
	const me = "ProgressTestBot"
	const meID = 42
	user := &models.User{ID: 7, FirstName: "Li", LastName: "Ming", LanguageCode: "zh-hans"}
	private := models.Chat{ID: 7, Type: models.ChatTypePrivate}
	group := models.Chat{ID: -100, Type: models.ChatTypeSupergroup}
	msg := func(chat models.Chat, text string) *models.Message {
		return &models.Message{ID: 3, From: user, Chat: chat, Text: text, Date: 1}
	}
	botMsg := &models.Message{ID: 9, From: &models.User{ID: meID, IsBot: true}, Chat: group, Date: 1}
	tests := []struct {
		name string
		upd  models.Update
		kind kind
		chat int64
		in   flows.Input
	}{
		{"command", models.Update{ID: 1, Message: msg(private, "/start CODE")}, kindMessage, 7, flows.Input{UpdateID: 1, Command: "start", Args: "CODE"}},
		{"command to me", models.Update{ID: 1, Message: msg(private, "/report@progresstestbot")}, kindMessage, 7, flows.Input{UpdateID: 1, Command: "report"}},
		{"text", models.Update{ID: 1, Message: msg(private, "  1.2万 ")}, kindMessage, 7, flows.Input{UpdateID: 1, Text: "1.2万"}},
		{"sticker in private", models.Update{ID: 1, Message: &models.Message{ID: 3, From: user, Chat: private, Sticker: &models.Sticker{}}}, kindMessage, 7, flows.Input{UpdateID: 1}},
		{"group command", models.Update{ID: 1, Message: msg(group, "/progress@ProgressTestBot 石化")}, kindMessage, -100, flows.Input{UpdateID: 1, Command: "progress", Args: "石化"}},
		{"group command to another bot", models.Update{ID: 1, Message: msg(group, "/report@OtherBot")}, kindIgnore, 0, flows.Input{}},
		{"group chatter", models.Update{ID: 1, Message: msg(group, "今天开会")}, kindIgnore, 0, flows.Input{}},
		{"group mention", models.Update{ID: 1, Message: msg(group, "@progresstestbot 石化化工进展")}, kindMessage, -100, flows.Input{UpdateID: 1, Text: "石化化工进展"}},
		{"group mention of a longer name", models.Update{ID: 1, Message: msg(group, "@ProgressTestBot2 hi")}, kindIgnore, 0, flows.Input{}},
		{"group reply to the bot", models.Update{ID: 1, Message: &models.Message{ID: 3, From: user, Chat: group, Text: "湖口县", ReplyToMessage: botMsg}}, kindMessage, -100, flows.Input{UpdateID: 1, Text: "湖口县"}},
		{"group photo", models.Update{ID: 1, Message: &models.Message{ID: 3, From: user, Chat: group, Photo: []models.PhotoSize{{}}}}, kindIgnore, 0, flows.Input{}},
		{"group document", models.Update{ID: 1, Message: &models.Message{ID: 3, From: user, Chat: group, Document: &models.Document{FileID: "d1", FileName: "a.pdf"}}}, kindIgnore, 0, flows.Input{}},
		{"document with a caption", models.Update{ID: 1, Message: &models.Message{ID: 3, From: user, Chat: private, Caption: " 现场照片 ",
			Document: &models.Document{FileID: "d1", FileName: "会议纪要.pdf", MimeType: "application/pdf", FileSize: 5000}}}, kindMessage, 7,
			flows.Input{UpdateID: 1, Text: "现场照片", File: &flows.InFile{ID: "d1", Name: "会议纪要.pdf", MIME: "application/pdf", Size: 5000}}},
		{"document whose caption looks like a command", models.Update{ID: 1, Message: &models.Message{ID: 3, From: user, Chat: private, Caption: "/report",
			Document: &models.Document{FileID: "d2", FileName: "x.xlsx"}}}, kindMessage, 7,
			flows.Input{UpdateID: 1, Text: "/report", File: &flows.InFile{ID: "d2", Name: "x.xlsx"}}},
		{"photo: the largest size", models.Update{ID: 1, Message: &models.Message{ID: 3, From: user, Chat: private, Photo: []models.PhotoSize{
			{FileID: "small", Width: 90, Height: 60, FileSize: 900}, {FileID: "large", Width: 1280, Height: 960, FileSize: 90000}, {FileID: "mid", Width: 320, Height: 240, FileSize: 9000}}}},
			kindMessage, 7, flows.Input{UpdateID: 1, File: &flows.InFile{ID: "large", MIME: "image/jpeg", Size: 90000, Photo: true}}},
		{"photo without a file id", models.Update{ID: 1, Message: &models.Message{ID: 3, From: user, Chat: private, Photo: []models.PhotoSize{{}}}}, kindMessage, 7, flows.Input{UpdateID: 1}},
		{"edited message", models.Update{ID: 1, EditedMessage: msg(private, "x")}, kindIgnore, 0, flows.Input{}},
		{"channel post", models.Update{ID: 1, ChannelPost: &models.Message{ID: 3, Chat: models.Chat{ID: -5, Type: models.ChatTypeChannel}, Text: "x"}}, kindIgnore, 0, flows.Input{}},
		{"no user", models.Update{ID: 1, Message: &models.Message{ID: 3, Chat: private, Text: "x"}}, kindIgnore, 0, flows.Input{}},
		{"from a bot", models.Update{ID: 1, Message: &models.Message{ID: 3, From: &models.User{ID: 8, IsBot: true}, Chat: private, Text: "x"}}, kindIgnore, 0, flows.Input{}},
		{"button", models.Update{ID: 1, CallbackQuery: &models.CallbackQuery{ID: "q", From: *user, Data: "r:1",
			Message: models.MaybeInaccessibleMessage{Message: &models.Message{ID: 5, Chat: private, Date: 1}}}}, kindCallback, 7, flows.Input{UpdateID: 1, Data: "r:1"}},
		{"button on an inaccessible message", models.Update{ID: 1, CallbackQuery: &models.CallbackQuery{ID: "q", From: *user, Data: "r:1",
			Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeInaccessibleMessage, InaccessibleMessage: &models.InaccessibleMessage{Chat: group, MessageID: 5}}}}, kindCallback, -100, flows.Input{UpdateID: 1, Data: "r:1"}},
		{"button without a message", models.Update{ID: 1, CallbackQuery: &models.CallbackQuery{ID: "q", From: *user, Data: "r:1"}}, kindCallback, 7, flows.Input{UpdateID: 1, Data: "r:1"}},
		{"blocked", models.Update{ID: 1, MyChatMember: &models.ChatMemberUpdated{Chat: private, From: *user,
			NewChatMember: models.ChatMember{Type: models.ChatMemberTypeBanned}}}, kindMember, 7, flows.Input{}},
		{"poll", models.Update{ID: 1, Poll: &models.Poll{}}, kindIgnore, 0, flows.Input{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := parseUpdate(&tt.upd, me, meID)
			if ev.kind != tt.kind || ev.chatID != tt.chat || !reflect.DeepEqual(ev.input, tt.in) {
				t.Errorf("got kind %v chat %d input %+v; want %v %d %+v", ev.kind, ev.chatID, ev.input, tt.kind, tt.chat, tt.in)
			}
			if tt.kind == kindMessage && (ev.from.ID != 7 || ev.from.Name != "Li Ming" || ev.from.LanguageCode != "zh-hans") {
				t.Errorf("from = %+v", ev.from)
			}
		})
	}
	// An inaccessible message cannot be edited: no message id to edit.
	upd := tests[21].upd
	if ev := parseUpdate(&upd, me, meID); ev.messageID != 0 || ev.callbackID != "q" {
		t.Errorf("inaccessible: message %d callback %q", ev.messageID, ev.callbackID)
	}
}

// ---- end to end through the fake Bot API ----

func TestCommandsAndText(t *testing.T) {
	h := newHandler()
	be := start(t, h)
	const u = 1001
	for _, text := range []string{"/start CODE-123_x", "/report@ProgressTestBot", "/LANG en", "你好 world"} {
		be.srv.SendText(u, u, text, "zh-hans")
	}
	be.reply(t, u, "echo:你好 world")
	got := h.seen()
	want := []flows.Input{{Command: "start", Args: "CODE-123_x"}, {Command: "report"}, {Command: "lang", Args: "en"}, {Text: "你好 world"}}
	if len(got) != len(want) {
		t.Fatalf("handler saw %d inputs, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i].in
		g.UpdateID = 0
		if g != w {
			t.Errorf("input %d = %+v, want %+v", i, g, w)
		}
		if got[i].user.ID != u || got[i].user.ChatID != u || got[i].user.Lang != "zh-CN" {
			t.Errorf("user %d = %+v", i, got[i].user)
		}
	}
	// The command menu and the welcome come through in order.
	sent := be.srv.Sent(u)
	if len(sent) != 4 || sent[0].Text != "echo:/start CODE-123_x" || sent[2].Text != "echo:/lang en" {
		t.Errorf("sent: %+v", sent)
	}
	// Nothing a person typed reaches the log.
	if logs := be.logs.String(); strings.Contains(logs, "CODE-123_x") || strings.Contains(logs, "你好") {
		t.Errorf("user text in the log:\n%s", logs)
	}
}

func TestGroup(t *testing.T) {
	h := newHandler()
	be := start(t, h)
	const u, g = 2001, -1002001
	be.srv.SendText(u, g, "大家好", "zh")
	be.srv.SendText(u, g, "/report@OtherBot", "zh")
	be.srv.SendText(u, g, "@ProgressTestBot 石化化工进展", "zh")
	be.srv.SendText(u, g, "/progress@ProgressTestBot 湖口", "zh")
	be.reply(t, g, "echo:/progress 湖口")
	got := h.seen()
	if len(got) != 2 || got[0].in.Text != "石化化工进展" || got[1].in.Command != "progress" {
		t.Fatalf("handler saw %+v", got)
	}
	if got[0].user.ChatID != g {
		t.Errorf("user chat = %d", got[0].user.ChatID)
	}
}

// A press's new screen does not wait for its callback answer: with answerCallbackQuery
// held by the API, the edit still takes effect at once; the answer is retried and the
// update counts as done only when both are.
func TestPressAnswerAlongsideReply(t *testing.T) {
	h := newHandler()
	h.reply = func(u flows.User, in flows.Input) (flows.Reply, error) {
		kb := [][]flows.Button{{{Label: "滞后", Data: "st:lag"}}}
		if in.Data != "" {
			return flows.Reply{Toast: "已保存", Messages: []flows.Message{{Text: "已选 " + in.Data, Keyboard: kb, Edit: true}}}, nil
		}
		return flows.Reply{Messages: []flows.Message{{Text: "任务6 状态？", Keyboard: kb}}}, nil
	}
	be := start(t, h)
	const u = 3002
	be.srv.SendText(u, u, "menu", "zh")
	menu := be.reply(t, u, "任务6 状态？")

	be.srv.HangNext("answerCallbackQuery", time.Second)
	upd := be.srv.Press(u, u, menu.MessageID, "st:lag")
	ed := be.reply(t, u, "已选 st:lag")
	hung := be.srv.WaitFor(t, func(c bottest.Call) bool {
		return c.Method == "answerCallbackQuery" && c.Fault == "hang"
	}, 10*time.Second)
	if ed.Seq > hung.Seq {
		t.Errorf("the edit (call %d) waited for the hung callback answer (call %d)", ed.Seq, hung.Seq)
	}
	ans := be.srv.WaitFor(t, func(c bottest.Call) bool {
		return c.Method == "answerCallbackQuery" && c.CallbackQueryID == bottest.CallbackID(upd) && c.OK()
	}, 10*time.Second)
	if ans.Toast != "已保存" {
		t.Errorf("toast %q after the retry", ans.Toast)
	}
	eventually(t, "the update to finish", func() bool { return be.bot.Stats().InFlight == 0 })
	if n := be.srv.Count("editMessageText"); n != 1 {
		t.Errorf("%d edits, want 1", n)
	}
}

func TestButtons(t *testing.T) {
	h := newHandler()
	h.reply = func(u flows.User, in flows.Input) (flows.Reply, error) {
		kb := [][]flows.Button{{{Label: "按计划推进", Data: "st:on"}, {Label: "滞后", Data: "st:lag"}}}
		switch {
		case in.Text == "menu":
			return flows.Reply{Messages: []flows.Message{{Text: "任务6 状态？", Keyboard: kb}}}, nil
		case in.Data != "":
			return flows.Reply{Toast: "已保存", Messages: []flows.Message{{Text: "已选 " + in.Data, Keyboard: kb, Edit: true}}}, nil
		}
		return flows.Reply{Messages: []flows.Message{{Text: "?"}}}, nil
	}
	be := start(t, h)
	const u = 3001
	be.srv.SendText(u, u, "menu", "zh")
	menu := be.reply(t, u, "任务6 状态？")
	if len(menu.Buttons) != 1 || menu.Buttons[0][1].Data != "st:lag" || menu.Buttons[0][1].Text != "滞后" {
		t.Fatalf("keyboard: %+v", menu.Buttons)
	}

	// A press reaches the engine as Data, is answered with the toast, and edits the
	// message the button was on.
	upd := be.srv.Press(u, u, menu.MessageID, "st:lag")
	ans := be.srv.WaitFor(t, func(c bottest.Call) bool {
		return c.Method == "answerCallbackQuery" && c.CallbackQueryID == bottest.CallbackID(upd)
	}, 10*time.Second)
	if !ans.OK() || ans.Toast != "已保存" {
		t.Errorf("answer: %+v", ans)
	}
	ed := be.reply(t, u, "已选 st:lag")
	if ed.Method != "editMessageText" || ed.MessageID != menu.MessageID || len(ed.Buttons) != 1 {
		t.Errorf("edit: %+v", ed)
	}
	if in := h.seen()[1].in; in.Data != "st:lag" || in.Text != "" || in.Command != "" {
		t.Errorf("input %+v", in)
	}

	// The same press again: "message is not modified" is ignored, nothing new is sent.
	upd2 := be.srv.Press(u, u, menu.MessageID, "st:lag")
	be.srv.WaitFor(t, func(c bottest.Call) bool {
		return c.Method == "answerCallbackQuery" && c.CallbackQueryID == bottest.CallbackID(upd2)
	}, 10*time.Second)
	be.srv.WaitFor(t, func(c bottest.Call) bool {
		return c.Method == "editMessageText" && c.Seq > ed.Seq && strings.Contains(c.Error, "not modified")
	}, 10*time.Second)

	// On a message Telegram no longer gives (too old), the edit becomes a new message.
	upd3 := be.srv.PressInaccessible(u, u, menu.MessageID, "st:on")
	be.srv.WaitFor(t, func(c bottest.Call) bool {
		return c.Method == "answerCallbackQuery" && c.CallbackQueryID == bottest.CallbackID(upd3) && c.OK()
	}, 10*time.Second)
	nw := be.reply(t, u, "已选 st:on")
	if nw.Method != "sendMessage" {
		t.Errorf("inaccessible: %+v", nw)
	}

	// A button on a document cannot be edited to text: a new message instead.
	h.set(func(h *fakeHandler) {
		prev := h.reply
		h.reply = func(u flows.User, in flows.Input) (flows.Reply, error) {
			if in.Text == "doc" {
				return flows.Reply{Messages: []flows.Message{{Text: "报表", Document: &flows.File{Name: "r.csv", Data: []byte("a,b\n")},
					Keyboard: [][]flows.Button{{{Label: "再来", Data: "again"}}}}}}, nil
			}
			return prev(u, in)
		}
	})
	be.srv.SendText(u, u, "doc", "zh")
	doc := be.srv.WaitFor(t, func(c bottest.Call) bool { return c.Method == "sendDocument" && c.OK() }, 10*time.Second)
	upd4 := be.srv.Press(u, u, doc.MessageID, "again")
	fb := be.reply(t, u, "已选 again")
	if fb.Method != "sendMessage" {
		t.Errorf("press on a document: %+v", fb)
	}
	// The toast goes out beside the new message, not before it: wait for it too.
	be.srv.WaitFor(t, func(c bottest.Call) bool {
		return c.Method == "answerCallbackQuery" && c.CallbackQueryID == bottest.CallbackID(upd4)
	}, 10*time.Second)
	calls := be.srv.Calls()
	if n := count(calls, func(c bottest.Call) bool { return c.Method == "answerCallbackQuery" }); n != 4 {
		t.Errorf("%d callback answers, want 4 (one per press)", n)
	}
}

// Every press is answered exactly once, whatever happens behind it.
func TestCallbackAlwaysAnswered(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		whoErr   bool
		inacc    bool
		wantText string
	}{
		{"handler error", "error", false, false, zhError},
		{"handler panic", "panic", false, false, zhError},
		{"who fails", "fine", true, false, zhError},
		{"timeout", "block", false, false, zhTimeout},
		{"inaccessible message", "fine", false, true, "echo:data:fine"},
		{"fine", "fine", false, false, "echo:data:fine"},
	}
	h := newHandler()
	be := start(t, h, func(c *Config) { c.UpdateTimeout = 300 * time.Millisecond })
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := int64(4000 + i)
			if tt.whoErr {
				h.set(func(h *fakeHandler) { h.whoErr[u] = errors.New("database is locked") })
			}
			be.srv.SendText(u, u, "hi", "zh") // a message of the bot's to press on
			first := "echo:hi"
			if tt.whoErr {
				first = zhError
			}
			m := be.reply(t, u, first)
			var upd int64
			if tt.inacc {
				upd = be.srv.PressInaccessible(u, u, m.MessageID, tt.data)
			} else {
				upd = be.srv.Press(u, u, m.MessageID, tt.data)
			}
			be.srv.WaitFor(t, func(c bottest.Call) bool {
				return c.Method == "answerCallbackQuery" && c.CallbackQueryID == bottest.CallbackID(upd)
			}, 10*time.Second)
			be.srv.WaitFor(t, func(c bottest.Call) bool { return c.OK() && c.ChatID == u && c.Text == tt.wantText && c.Seq > m.Seq }, 10*time.Second)
			answers := count(be.srv.Calls(), func(c bottest.Call) bool { return c.CallbackQueryID == bottest.CallbackID(upd) })
			if answers != 1 {
				t.Errorf("callback answered %d times", answers)
			}
		})
	}
}

func TestPanicRecovered(t *testing.T) {
	h := newHandler()
	be := start(t, h)
	be.srv.SendText(5001, 5001, "panic", "zh-hans")
	be.reply(t, 5001, zhError)
	be.srv.SendText(5002, 5002, "panic", "en")
	be.reply(t, 5002, enError)
	// The process lives and the chat goes on.
	be.srv.SendText(5001, 5001, "still there?", "zh-hans")
	be.reply(t, 5001, "echo:still there?")
	logs := be.logs.String()
	if !strings.Contains(logs, "panic while handling an update") || !strings.Contains(logs, "update_id=") || !strings.Contains(logs, "goroutine") {
		t.Errorf("panic not logged with update id and stack:\n%s", logs)
	}
	if be.bot.Stats().Panics != 2 {
		t.Errorf("stats: %+v", be.bot.Stats())
	}
}

func TestDuplicateUpdate(t *testing.T) {
	h := newHandler()
	be := start(t, h)
	const u = 6001
	id := be.srv.SendText(u, u, "dup-after", "zh")
	be.reply(t, u, "echo:dup-after")
	be.srv.Redeliver(id) // after it was handled
	id2 := be.srv.SendText(u, u, "dup-same-batch", "zh")
	be.srv.Redeliver(id2) // before the bot polled: the same update twice in one batch
	be.srv.SendText(u, u, "barrier", "zh")
	be.reply(t, u, "echo:barrier")
	n := map[string]int{}
	for _, s := range h.seen() {
		n[s.in.Text]++
	}
	if n["dup-after"] != 1 || n["dup-same-batch"] != 1 {
		t.Errorf("handled %v, want each once", n)
	}
	if got := len(be.srv.Sent(u)); got != 3 {
		t.Errorf("%d messages sent, want 3", got)
	}
	if be.bot.Stats().Duplicates != 2 {
		t.Errorf("stats: %+v", be.bot.Stats())
	}
}

func TestRecentIDsBounded(t *testing.T) {
	r := newRecentIDs(3)
	for _, id := range []int64{1, 2, 3} {
		if r.seen(id) {
			t.Fatalf("%d seen before", id)
		}
	}
	if !r.seen(1) {
		t.Fatal("1 not remembered")
	}
	r.seen(4) // forgets 1
	if r.seen(1) {
		t.Fatal("1 still remembered after 3 newer ids")
	}
	if len(r.set) > 3 {
		t.Fatalf("%d ids remembered, want at most 3", len(r.set))
	}
}

// Twenty quick updates of one chat are handled one at a time and in order, while another
// chat goes on meanwhile.
func TestPerChatOrder(t *testing.T) {
	h := newHandler()
	h.sleep = 25 * time.Millisecond
	be := start(t, h, func(c *Config) { c.TypingAfter = -1 })
	const a, bchat = 7001, 7002
	for i := range 20 {
		be.srv.SendText(a, a, fmt.Sprintf("sleep-%02d", i), "zh")
	}
	be.srv.SendText(bchat, bchat, "b", "zh")
	bReply := be.reply(t, bchat, "echo:b")
	last := be.reply(t, a, "echo:sleep-19")
	if bReply.Seq > last.Seq {
		t.Errorf("chat B waited for chat A: B answered at #%d, A finished at #%d", bReply.Seq, last.Seq)
	}
	if h.overlap.Load() {
		t.Error("two updates of one chat ran at once")
	}
	var order []string
	for _, s := range h.seen() {
		if s.user.ChatID == a {
			order = append(order, s.in.Text)
		}
	}
	for i, s := range order {
		if want := fmt.Sprintf("sleep-%02d", i); s != want {
			t.Fatalf("chat A handled out of order: %v", order)
		}
	}
	sent := be.srv.Sent(a)
	for i, c := range sent {
		if want := fmt.Sprintf("echo:sleep-%02d", i); c.Text != want {
			t.Fatalf("replies out of order at %d: %q", i, c.Text)
		}
	}
	// The per-chat queues are gone once idle.
	eventually(t, "idle chat queues to be freed", func() bool { return be.bot.chats.size() == 0 })
}

// TestMaxConcurrent: updates of many chats are handled at most MaxConcurrent at a time,
// and all of them are handled.
func TestMaxConcurrent(t *testing.T) {
	const limit, chats = 3, 10
	var now, most atomic.Int32
	h := newHandler()
	h.reply = func(u flows.User, in flows.Input) (flows.Reply, error) {
		n := now.Add(1)
		defer now.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(100 * time.Millisecond)
		return flows.Reply{Messages: []flows.Message{{Text: "done:" + in.Text}}}, nil
	}
	be := start(t, h, func(c *Config) { c.TypingAfter, c.MaxConcurrent = -1, limit })
	for i := range chats {
		be.srv.SendText(int64(8001+i), int64(8001+i), fmt.Sprint("x", i), "zh")
	}
	for i := range chats {
		be.reply(t, int64(8001+i), fmt.Sprint("done:x", i))
	}
	if m := most.Load(); m != limit {
		t.Errorf("at most %d updates handled at once, want %d", m, limit)
	}
}

func TestChatQueueFIFO(t *testing.T) {
	q := newChatQueues(100)
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	var tickets []*ticket
	for range 50 {
		tk, ok := q.enqueue(1)
		if !ok {
			t.Fatal("refused")
		}
		tickets = append(tickets, tk)
	}
	// Start the goroutines in reverse: the order must still be the ticket order.
	for i := len(tickets) - 1; i >= 0; i-- {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tickets[i].wait()
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			q.release(tickets[i])
		}(i)
	}
	wg.Wait()
	for i, v := range order {
		if v != i {
			t.Fatalf("order %v", order)
		}
	}
	if q.size() != 0 {
		t.Errorf("%d queues left", q.size())
	}
	q = newChatQueues(2)
	q.enqueue(9)
	q.enqueue(9)
	if _, ok := q.enqueue(9); ok {
		t.Error("a third update queued past the limit of 2")
	}
}

func TestLongTextSplit(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 30000; i++ {
		fmt.Fprintf(&b, "%03d 石化化工 progress 😀 第%d行，湖口县完成 1.2万\n", i, i)
	}
	b.WriteString(strings.Repeat("长", 5000) + "\n") // one line longer than a message
	b.WriteString("最后一行")
	long := b.String()
	h := newHandler()
	h.reply = func(u flows.User, in flows.Input) (flows.Reply, error) {
		return flows.Reply{Messages: []flows.Message{{Text: long, Keyboard: [][]flows.Button{{{Label: "下一项", Data: "next"}}}}}}, nil
	}
	be := start(t, h)
	const u = 8001
	be.srv.SendText(u, u, "long", "zh")
	be.srv.WaitFor(t, func(c bottest.Call) bool { return c.OK() && strings.HasSuffix(c.Text, "最后一行") }, 10*time.Second)
	sent := be.srv.Sent(u)
	if len(sent) < 3 {
		t.Fatalf("%d parts", len(sent))
	}
	var joined strings.Builder
	for i, c := range sent {
		if n := utf16Len(c.Text); n > MaxText {
			t.Errorf("part %d has %d characters", i, n)
		}
		if !utf8.ValidString(c.Text) {
			t.Errorf("part %d is not valid UTF-8", i)
		}
		if (len(c.Buttons) > 0) != (i == len(sent)-1) {
			t.Errorf("part %d of %d has %d button rows; the keyboard belongs on the last part only", i, len(sent), len(c.Buttons))
		}
		joined.WriteString(c.Text)
	}
	if joined.String() != long {
		t.Error("the parts do not add up to the text")
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"empty", "", 10, nil},
		{"blank", " \n\n ", 10, nil},
		{"short", "abc", 10, []string{"abc"}},
		{"exact", "abcde", 5, []string{"abcde"}},
		{"lines", "ab\ncd\nef", 6, []string{"ab\ncd\n", "ef"}},
		{"long line", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"surrogate pair not split", "abcd😀e", 5, []string{"abcd", "😀e"}},
		{"cjk", "一二三四五六", 4, []string{"一二三四", "五六"}},
		{"words kept", "aaaa bbbb cccc", 10, []string{"aaaa bbbb ", "cccc"}},
		{"blank part dropped", "ab\n\n\n\n\n\ncd", 3, []string{"ab\n", "cd"}},
	}
	for _, tt := range tests {
		got := SplitText(tt.text, tt.limit)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) || len(got) != len(tt.want) {
			t.Errorf("%s: SplitText(%q, %d) = %q, want %q", tt.name, tt.text, tt.limit, got, tt.want)
		}
		for _, p := range got {
			if !utf8.ValidString(p) || utf16Len(p) > tt.limit {
				t.Errorf("%s: bad part %q", tt.name, p)
			}
		}
	}
}

func TestInvalidButtonsRefused(t *testing.T) {
	tests := []struct {
		name string
		data string
		ok   bool
	}{
		{"64 bytes", strings.Repeat("d", 64), true},
		{"65 bytes", strings.Repeat("d", 65), false},
		{"22 CJK characters are 66 bytes", strings.Repeat("石", 22), false},
		{"empty", "", false},
	}
	h := newHandler()
	var data atomic.Value
	h.reply = func(u flows.User, in flows.Input) (flows.Reply, error) {
		return flows.Reply{Messages: []flows.Message{{Text: "pick " + in.Text, Keyboard: [][]flows.Button{{{Label: "x", Data: data.Load().(string)}}}}}}, nil
	}
	undelivered := make(chan int64, len(tests))
	be := start(t, h, func(c *Config) {
		c.OnUndelivered = func(_ context.Context, chatID int64) { undelivered <- chatID }
	})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := int64(9000 + i)
			data.Store(tt.data)
			be.srv.SendText(u, u, tt.name, "zh")
			if tt.ok {
				c := be.reply(t, u, "pick "+tt.name)
				if c.Buttons[0][0].Data != tt.data {
					t.Errorf("data %q", c.Buttons[0][0].Data)
				}
				return
			}
			be.reply(t, u, zhError) // the user hears something went wrong …
			for _, c := range be.srv.Calls() {
				if c.ChatID == u && strings.HasPrefix(c.Text, "pick") {
					t.Errorf("the invalid message was sent: %+v", c) // … and Telegram never sees the bad button
				}
			}
			if !strings.Contains(be.logs.String(), "refusing to send an invalid message") {
				t.Error("no error logged")
			}
			// … and the flow is told its screen did not go out.
			select {
			case got := <-undelivered:
				if got != u {
					t.Errorf("undelivered told of chat %d, want %d", got, u)
				}
			case <-time.After(10 * time.Second):
				t.Error("undelivered not told")
			}
		})
	}
	if len(undelivered) != 0 {
		t.Errorf("undelivered told of %d more chats", len(undelivered))
	}
}

func TestRateLimited(t *testing.T) {
	h := newHandler()
	be := start(t, h)
	const u = 10001
	be.srv.FailNext("sendMessage", http.StatusTooManyRequests, 1)
	be.srv.SendText(u, u, "hello", "zh")
	ok := be.reply(t, u, "echo:hello")
	var limited bottest.Call
	for _, c := range be.srv.CallsOf("sendMessage") {
		if c.Status == 429 {
			limited = c
		}
	}
	if limited.Seq == 0 {
		t.Fatal("no 429 seen")
	}
	if d := ok.Time.Sub(limited.Time); d < time.Second {
		t.Errorf("retried %v after a 429 with retry_after=1", d)
	}
	if n := len(be.srv.Sent(u)); n != 1 {
		t.Errorf("delivered %d times", n)
	}
}

func TestServerErrorsRetried(t *testing.T) {
	h := newHandler()
	be := start(t, h)
	const u = 11001
	be.srv.FailNext("sendMessage", 500, 0)
	be.srv.FailNext("sendMessage", 500, 0)
	be.srv.FailNextHTML("sendMessage", 502) // a proxy's page, not JSON
	be.srv.SendText(u, u, "hello", "zh")
	be.reply(t, u, "echo:hello")
	if n := len(be.srv.CallsOf("sendMessage")); n != 4 {
		t.Errorf("%d attempts, want 4", n)
	}
	if n := len(be.srv.Sent(u)); n != 1 {
		t.Errorf("delivered %d times", n)
	}
}

func TestHangRetried(t *testing.T) {
	h := newHandler()
	be := start(t, h, func(c *Config) { c.SendTimeout = 300 * time.Millisecond })
	const u = 12001
	be.srv.HangNext("sendMessage", 5*time.Second)
	be.srv.SendText(u, u, "hello", "zh")
	be.reply(t, u, "echo:hello")
	if n := len(be.srv.Sent(u)); n != 1 {
		t.Errorf("delivered %d times", n)
	}
}

func TestBlocked(t *testing.T) {
	h := newHandler()
	be := start(t, h)
	const u = 13001
	be.srv.FailNext("sendMessage", http.StatusForbidden, 0)
	be.srv.SendText(u, u, "hello", "zh")
	select {
	case c := <-be.blocked:
		if c != u {
			t.Errorf("OnBlocked(%d)", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnBlocked not called")
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(be.srv.CallsOf("sendMessage")); n != 1 {
		t.Errorf("%d attempts after a 403, want 1", n)
	}
	// The user blocks the bot: Telegram says so with my_chat_member.
	be.srv.SendRaw(fmt.Sprintf(`{"my_chat_member":{"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"A"},"date":1,
		"old_chat_member":{"status":"member","user":{"id":1,"is_bot":true,"first_name":"B"}},
		"new_chat_member":{"status":"kicked","user":{"id":1,"is_bot":true,"first_name":"B"},"until_date":0}}}`, u+1, u+1))
	select {
	case c := <-be.blocked:
		if c != u+1 {
			t.Errorf("OnBlocked(%d)", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnBlocked not called for my_chat_member")
	}
}

func TestSend(t *testing.T) {
	h := newHandler()
	be := start(t, h)
	ctx := context.Background()
	if err := be.bot.Send(ctx, 14001, flows.Message{Text: "提醒：本月进展请于25日前填报"}); err != nil {
		t.Fatal(err)
	}
	be.reply(t, 14001, "提醒：本月进展请于25日前填报")
	be.srv.Block(14002)
	if err := be.bot.Send(ctx, 14002, flows.Message{Text: "x"}); !errors.Is(err, ErrBlocked) {
		t.Errorf("send to a blocked chat: %v", err)
	}
	if c := <-be.blocked; c != 14002 {
		t.Errorf("OnBlocked(%d)", c)
	}
	if err := be.bot.Send(ctx, 14003, flows.Message{Text: "  "}); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("empty text: %v", err)
	}
	// A 400 is not retried and comes back as an error.
	be.srv.FailNext("sendMessage", 400, 0)
	if err := be.bot.Send(ctx, 14004, flows.Message{Text: "x"}); err == nil || errors.Is(err, ErrBlocked) {
		t.Errorf("400: %v", err)
	}
}

func TestFiles(t *testing.T) {
	h := newHandler()
	xlsx := bytes.Repeat([]byte{0x50, 0x4b, 3, 4}, 1000)
	h.reply = func(u flows.User, in flows.Input) (flows.Reply, error) {
		kb := [][]flows.Button{{{Label: "返回", Data: "back"}}}
		switch in.Text {
		case "doc":
			return flows.Reply{Messages: []flows.Message{{Text: "2026-11 报表", Document: &flows.File{Name: "report-2026-11.xlsx", Data: xlsx}, Keyboard: kb}}}, nil
		case "photo":
			return flows.Reply{Messages: []flows.Message{{Text: "走势", Photo: &flows.File{Name: "chart.png", Data: []byte("\x89PNG....")}}}}, nil
		case "doc-long":
			return flows.Reply{Messages: []flows.Message{{Text: strings.Repeat("说明", 600), Document: &flows.File{Name: "r.csv", Data: []byte("a")}, Keyboard: kb}}}, nil
		}
		return flows.Reply{}, nil
	}
	be := start(t, h)
	const u = 15001
	be.srv.SendText(u, u, "doc", "zh")
	d := be.srv.WaitFor(t, func(c bottest.Call) bool { return c.Method == "sendDocument" && c.OK() }, 10*time.Second)
	if d.FileName != "report-2026-11.xlsx" || d.FileSize != len(xlsx) || d.Text != "2026-11 报表" || len(d.Buttons) != 1 {
		t.Errorf("document: %+v", d)
	}
	be.srv.SendText(u, u, "photo", "zh")
	p := be.srv.WaitFor(t, func(c bottest.Call) bool { return c.Method == "sendPhoto" && c.OK() }, 10*time.Second)
	if p.FileName != "chart.png" || p.Text != "走势" {
		t.Errorf("photo: %+v", p)
	}
	// A caption over 1024 characters: the file alone, then the text with the buttons.
	be.srv.SendText(u, u, "doc-long", "zh")
	be.srv.WaitFor(t, func(c bottest.Call) bool {
		return c.Method == "sendMessage" && c.OK() && strings.HasPrefix(c.Text, "说明说明")
	}, 10*time.Second)
	docs := be.srv.CallsOf("sendDocument")
	if last := docs[len(docs)-1]; last.Text != "" || len(last.Buttons) != 0 || last.FileName != "r.csv" {
		t.Errorf("long caption: %+v", last)
	}
}

func TestUpdateTimeout(t *testing.T) {
	h := newHandler()
	be := start(t, h, func(c *Config) { c.UpdateTimeout = 200 * time.Millisecond })
	be.srv.SendText(16001, 16001, "block", "zh")
	be.reply(t, 16001, zhTimeout)
	be.srv.SendText(16001, 16001, "next", "zh")
	be.reply(t, 16001, "echo:next")
}

func TestGracefulShutdown(t *testing.T) {
	h := newHandler()
	h.sleep = 500 * time.Millisecond
	h.started = make(chan string, 4)
	be := start(t, h, func(c *Config) { c.TypingAfter = -1 })
	be.srv.SendText(17001, 17001, "sleep", "zh")
	<-h.started
	t0 := time.Now()
	be.stop(t)
	if d := time.Since(t0); d < 300*time.Millisecond {
		t.Errorf("Run returned after %v, before the update in hand was done", d)
	}
	if sent := be.srv.Sent(17001); len(sent) != 1 || sent[0].Text != "echo:sleep" {
		t.Errorf("the update in hand was not answered before Run returned: %+v", sent)
	}
}

func TestWebhook(t *testing.T) {
	h := newHandler()
	const secret = "s3cr3t_-Token"
	be := start(t, h, func(c *Config) { c.Webhook, c.WebhookSecret = true, secret })
	wh := be.bot.WebhookHandler()
	const u = 18001
	post := func(header, method string, body []byte) int {
		r := httptest.NewRequest(method, "/telegram", bytes.NewReader(body))
		if header != "" {
			r.Header.Set("X-Telegram-Bot-Api-Secret-Token", header)
		}
		w := httptest.NewRecorder()
		wh.ServeHTTP(w, r)
		return w.Code
	}
	_, body := be.srv.Build(u, u, "via webhook", "en")
	for _, tt := range []struct {
		name, header, method string
		want                 int
	}{
		{"no secret", "", http.MethodPost, 401},
		{"wrong secret", "s3cr3t_-Tokem", http.MethodPost, 401},
		{"prefix of the secret", "s3cr3t", http.MethodPost, 401},
		{"GET", secret, http.MethodGet, 405},
		{"right secret", secret, http.MethodPost, 200},
	} {
		if got := post(tt.header, tt.method, body); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
	if got := post(secret, http.MethodPost, []byte("{not json")); got != 400 {
		t.Errorf("bad body: %d", got)
	}
	be.reply(t, u, "echo:via webhook")
	if n := len(h.seen()); n != 1 {
		t.Errorf("handled %d updates, want 1 (refused requests must do nothing)", n)
	}
	be.stop(t)
	if got := post(secret, http.MethodPost, body); got != 503 {
		t.Errorf("after shutdown: %d", got)
	}
	if be.srv.Polls() != 0 {
		t.Error("webhook mode polled getUpdates")
	}

	if _, err := New(context.Background(), Config{Token: "1:x", Handler: h, Webhook: true, SkipGetMe: true}); err == nil {
		t.Error("webhook mode without a secret was accepted")
	}
}

func TestRegisterCommands(t *testing.T) {
	h := newHandler()
	be := start(t, h)
	menu := func(lang string) []flows.Command {
		return []flows.Command{{Name: "start", Description: "start " + lang}, {Name: "help", Description: "help " + lang}}
	}
	if err := be.bot.RegisterCommands(context.Background(), menu); err != nil {
		t.Fatal(err)
	}
	calls := be.srv.CallsOf("setMyCommands")
	byLang := map[string]bottest.Call{}
	for _, c := range calls {
		if !c.OK() {
			t.Errorf("setMyCommands failed: %s", c.Error)
		}
		byLang[c.LanguageCode] = c
	}
	if len(calls) != 3 || len(byLang) != 3 {
		t.Fatalf("setMyCommands calls: %d for %v", len(calls), byLang)
	}
	for code, lang := range map[string]string{"": "zh-CN", "zh": "zh-CN", "en": "en"} {
		c := byLang[code]
		if len(c.Commands) != 2 || c.Commands[0].Command != "start" || c.Commands[1].Description != "help "+lang {
			t.Errorf("%q: %+v", code, c.Commands)
		}
	}
}

// ---- the token stays out of logs and errors ----

func TestRedact(t *testing.T) {
	const tok = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	tests := []struct{ in, want string }{
		{"Post \"https://api.telegram.org/bot" + tok + "/sendMessage\": timeout", "Post \"https://api.telegram.org/bot<redacted>/sendMessage\": timeout"},
		{"url /bot123456789%3AAAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe", "url /bot<redacted>/getMe"},
		{"another 987654321:ZZZdqTcvCH1vGWJxfSeofSAs0K5PALDsa_-", "another <redacted>"},
		{"chat 123456789: nothing secret", "chat 123456789: nothing secret"},
		{"", ""},
		{"callback", "callback"},
		{"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "<redacted>"}, // exactly the token
		{"98765:abcdefghijklmnopqrstuvwxyz0123", "<redacted>"},         // the shortest shape of a token
		{"98765:abcdefghijklmnopqrstuvwxyz012", "98765:abcdefghijklmnopqrstuvwxyz012"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in, tok); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// A short token (as in tests and fakes) is found in a string shorter than a real one.
	if got := Redact("bot12:ab/getMe", "12:ab"); got != "bot<redacted>/getMe" {
		t.Errorf("a short token: %q", got)
	}
	// The log handler redacts messages, strings, errors and groups.
	var buf bytes.Buffer
	l := newRedactLogger(slog.New(slog.NewJSONHandler(&buf, nil)), tok)
	l.With("url", "https://x/bot"+tok).Error("failed "+tok, "err", fmt.Errorf("wrapped: %s", tok), slog.Group("g", "u", tok))
	if strings.Contains(buf.String(), "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw") {
		t.Errorf("token logged: %s", buf.String())
	}
}

func TestTokenNeverLogged(t *testing.T) {
	h := newHandler()
	be := start(t, h, func(c *Config) { c.SendTimeout = 200 * time.Millisecond; c.MaxRetries = 1 })
	tok := be.srv.Token()
	// An engine error that carries the token (as a library error with the URL would).
	h.set(func(h *fakeHandler) {
		h.whoErr[19001] = fmt.Errorf("Post %s/bot%s/getChat: connection reset", be.srv.URL(), tok)
	})
	be.srv.SendText(19001, 19001, "hi", "zh")
	be.reply(t, 19001, zhError)
	// A send that times out twice and gives up, and one refused with 400.
	be.srv.HangNext("sendMessage", 2*time.Second)
	be.srv.HangNext("sendMessage", 2*time.Second)
	be.srv.SendText(19002, 19002, "hi", "zh")
	eventually(t, "the send to give up", func() bool { return strings.Contains(be.logs.String(), "reply not delivered") })
	be.srv.FailNext("sendMessage", 400, 0)
	be.srv.SendText(19003, 19003, "hi", "zh")
	eventually(t, "the 400 to be logged", func() bool { return strings.Count(be.logs.String(), "reply not delivered") >= 2 })
	be.stop(t)
	checkNoToken(t, be.logs.String(), tok)

	// New against an API that is not there: neither the error nor the log has the token.
	logs := &syncBuffer{}
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := New(context.Background(), Config{Token: tok, APIURL: url, Handler: h, InitTimeout: 500 * time.Millisecond,
		RetryBase: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err == nil {
		t.Fatal("New succeeded without an API")
	}
	checkNoToken(t, err.Error()+logs.String(), tok)
	// A wrong token is told apart from an unreachable API.
	_, err = New(context.Background(), Config{Token: "7000001:wrongwrongwrongwrongwrongwrongwrong", APIURL: be.srv.URL(), Handler: h})
	if err == nil || !strings.Contains(err.Error(), "refused the token") || strings.Contains(err.Error(), "wrongwrongwrong") {
		t.Errorf("wrong token: %v", err)
	}
}

func TestSkipGetMe(t *testing.T) {
	h := newHandler()
	be := start(t, h, func(c *Config) { c.SkipGetMe, c.Username = true, "@ProgressTestBot" })
	if be.bot.Username() != "ProgressTestBot" {
		t.Errorf("username %q", be.bot.Username())
	}
	if n := len(be.srv.CallsOf("getMe")); n != 0 {
		t.Errorf("%d getMe calls", n)
	}
	be.srv.SendText(20001, -20001, "/report@ProgressTestBot", "zh")
	be.reply(t, -20001, "echo:/report")
}

// Telegram accepts 1–256 characters A–Z, a–z, 0–9, _ and - as a webhook secret token;
// New refuses any other secret in webhook mode.
func TestSecretShape(t *testing.T) {
	for _, tc := range []struct {
		name   string
		secret string
		ok     bool
	}{
		{"empty", "", false},
		{"one character", "a", true},
		{"every allowed kind", "AZaz09_-", true},
		{"256 characters", strings.Repeat("x", 256), true},
		{"257 characters", strings.Repeat("x", 257), false},
		{"space", "abc def", false},
		{"colon", "abc:def", false},
		{"non-ASCII letter", "密钥", false},
		{"newline at the end", "abc\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := secretShape(tc.secret); got != tc.ok {
				t.Errorf("secretShape(%q) = %v, want %v", tc.secret, got, tc.ok)
			}
			_, err := New(context.Background(), Config{Token: "1:x", Handler: &fakeHandler{}, Webhook: true, WebhookSecret: tc.secret, SkipGetMe: true})
			if (err == nil) != tc.ok {
				t.Errorf("New with secret %q: err = %v, want ok = %v", tc.secret, err, tc.ok)
			}
		})
	}
}

// BenchmarkRedactedLogLine logs an update's line (as logUpdate does) through the
// redacting handler.
func BenchmarkRedactedLogLine(b *testing.B) {
	const tok = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	l := newRedactLogger(slog.New(slog.NewJSONHandler(io.Discard, nil)), tok).With("component", "bot", "boot", "20261207T135549-b0b43bf593aa")
	b.ReportAllocs()
	for b.Loop() {
		l.LogAttrs(context.Background(), slog.LevelInfo, "update",
			slog.Int64("update_id", 36751), slog.Int64("chat_id", 500018), slog.Int64("user_id", 500018),
			slog.String("kind", "callback"), slog.String("outcome", "ok"), slog.Int64("duration_ms", 6),
			slog.Int64("queued_ms", 1), slog.String("command", "report"))
	}
}
