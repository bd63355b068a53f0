// Package bottest is a fake Telegram Bot API server on net/http/httptest, for tests of the
// Telegram transport and for the load tool.
//
// It implements what github.com/go-telegram/bot calls for this bot: getMe, getUpdates (real
// long polling that honours offset, limit and timeout), sendMessage, editMessageText,
// answerCallbackQuery, setMyCommands, deleteWebhook, sendDocument, sendPhoto,
// sendChatAction and getFile, and serves the files users sent (SendFile) at
// /file/bot<token>/<file_path> as Telegram does. Requests may be multipart/form-data (what the library sends),
// application/x-www-form-urlencoded or JSON. Answers have Telegram's shape
// ({"ok":true,"result":...} or {"ok":false,"error_code":...,"description":...}), message ids
// increase per chat, and Telegram's own limits are enforced (text 1–4096 characters, callback
// data 1–64 bytes, a callback query answered once), so a test sees the errors Telegram would
// give.
//
// Every call except getUpdates is recorded in a thread-safe log (Calls, Sent, WaitFor).
// Faults are injected per method: FailNext answers the next call with 429 (and
// parameters.retry_after), 5xx or 403; HangNext holds the next call without acting on it
// until the client gives up. A failed or hung call never takes effect.
package bottest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// BotID and BotUsername identify the fake bot (getMe).
const (
	BotID       int64 = 7000001
	BotUsername       = "ProgressTestBot"
)

// Button is an inline keyboard button as the bot sent it.
type Button struct {
	Text   string  `json:"text"`
	Data   string  `json:"callback_data,omitempty"`
	URL    string  `json:"url,omitempty"`
	WebApp *WebApp `json:"web_app,omitempty"`
}

// WebApp is a button's or menu button's Mini App.
type WebApp struct {
	URL string `json:"url"`
}

// Command is one entry of setMyCommands.
type Command struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// Call is one recorded Bot API request and how the server answered it.
type Call struct {
	Seq    int
	Time   time.Time
	Method string
	// Status is the HTTP status answered: 200 when the call took effect; a failed or hung
	// call (Fault set) never takes effect.
	Status int
	Fault  string // "", "429", "500", "403", "hang", … (injected) or "invalid" (Telegram's own checks)
	Error  string // the error description answered, when Status != 200

	ChatID    int64
	MessageID int    // the message sent, or the one edited
	Text      string // text, or caption of a document or photo
	Buttons   [][]Button
	ParseMode string

	CallbackQueryID string
	Toast           string // answerCallbackQuery text
	ShowAlert       bool

	Action string // sendChatAction

	FileName string // sendDocument, sendPhoto
	FileSize int
	FileData []byte

	Commands     []Command // setMyCommands
	LanguageCode string
	Scope        string // raw JSON of the scope, "" when none

	// Params holds every request parameter as a string (JSON values re-encoded).
	Params map[string]string
}

// OK reports whether the call took effect.
func (c Call) OK() bool { return c.Status == http.StatusOK }

// Msg is a message in a chat as it stands now (after edits).
type Msg struct {
	ID       int
	ChatID   int64
	FromBot  bool
	Text     string // text or caption
	Buttons  [][]Button
	FileName string // for a document or photo
	Kind     string // "text", "document", "photo"
}

// Options tune a server. The zero value is what tests want.
type Options struct {
	// Token is the bot token to accept; empty makes a random one of Telegram's shape.
	Token string
	// NoLog keeps no call log (for a load run); OnCall and the counters still work.
	NoLog bool
	// OnCall, if set, is called for every recorded call after it was answered (from the
	// request's goroutine).
	OnCall func(Call)
	// Limits enforces Telegram's flood limits with 429s (see TelegramLimits); the zero
	// value enforces none.
	Limits Limits
	// Inject429Every answers every n-th message call with 429 and retry_after 1 (0: never).
	Inject429Every int
	// Latency is a round trip to the Bot API across the internet: every method but
	// getUpdates takes effect half of it after the request arrives, and is answered the
	// other half later (0: at once).
	Latency time.Duration
}

type fault struct {
	status     int
	retryAfter int
	desc       string
	hang       time.Duration
	html       bool // answer with a non-JSON body, as a proxy in front of the API would
}

type queued struct {
	id     int64
	raw    json.RawMessage
	forced bool // a redelivery: delivered once whatever the offset, then dropped
}

type user struct {
	lang      string
	firstName string
}

// Server is a fake Bot API.
type Server struct {
	srv   *httptest.Server
	token string
	opts  Options
	limit *limiter

	done      chan struct{}
	closeOnce sync.Once

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced whenever updates or calls change
	nextID    int64
	pending   []queued
	sentRaw   map[int64]json.RawMessage // every queued update by id, for Redeliver
	seq       int
	calls     []Call
	counts    map[string]int
	polls     int
	poller    int // generation of the current getUpdates request (for 409)
	msgSeq    map[int64]int
	msgs      map[int64]map[int]*Msg
	users     map[int64]user
	faults    map[string][]fault
	callbacks map[string]bool // query id → answered
	blocked   map[int64]bool
	webhook   string
	files     map[string]storedFile // file_id → what users sent (SendFile)
}

// New starts a server for a test; it is closed when the test ends.
func New(t testing.TB) *Server {
	s := Start(Options{})
	t.Cleanup(s.Close)
	return s
}

// Start starts a server outside a test (the load tool); Close it when done.
func Start(opts Options) *Server {
	s := &Server{
		opts:      opts,
		token:     opts.Token,
		done:      make(chan struct{}),
		changed:   make(chan struct{}),
		nextID:    100000,
		sentRaw:   map[int64]json.RawMessage{},
		counts:    map[string]int{},
		msgSeq:    map[int64]int{},
		msgs:      map[int64]map[int]*Msg{},
		users:     map[int64]user{},
		faults:    map[string][]fault{},
		callbacks: map[string]bool{},
		blocked:   map[int64]bool{},
		files:     map[string]storedFile{},
	}
	if s.token == "" {
		var b [18]byte
		rand.Read(b[:])
		s.token = strconv.FormatInt(BotID, 10) + ":AAT" + hex.EncodeToString(b[:])
	}
	s.limit = newLimiter(opts.Limits, opts.Inject429Every)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close stops the server, ending every long poll and hung call.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

// URL is the base URL to give the bot (TELEGRAM_API_URL).
func (s *Server) URL() string { return s.srv.URL }

// Token is the token the server accepts.
func (s *Server) Token() string { return s.token }

// ---- updates in ----

// SendText queues a text message from a user in a chat (private when chatID == userID,
// a group otherwise) and returns its update_id. lang is the user's Telegram
// language_code ("" for none); it is remembered for the user's later presses.
func (s *Server) SendText(userID, chatID int64, text, lang string) int64 {
	return s.queue(func(id int64) any {
		return map[string]any{"update_id": id, "message": s.userMessageLocked(userID, chatID, text, lang)}
	})
}

// Press queues a callback_query: the user pressed the button with data on the bot's
// message messageID in chatID. The callback query id is CallbackID(update_id).
func (s *Server) Press(userID, chatID int64, messageID int, data string) int64 {
	return s.press(userID, chatID, messageID, data, true)
}

// PressInaccessible is Press on a message the bot can no longer see (Telegram then sends
// an InaccessibleMessage, with date 0).
func (s *Server) PressInaccessible(userID, chatID int64, messageID int, data string) int64 {
	return s.press(userID, chatID, messageID, data, false)
}

// CallbackID is the callback query id of the update Press returned.
func CallbackID(updateID int64) string { return "cbq" + strconv.FormatInt(updateID, 10) }

// SendRaw queues an update given as JSON; update_id is set (or replaced) by the server
// and returned.
func (s *Server) SendRaw(update string) int64 {
	var m map[string]any
	if err := json.Unmarshal([]byte(update), &m); err != nil {
		panic(fmt.Sprintf("bottest: SendRaw: %v", err))
	}
	return s.queue(func(id int64) any { m["update_id"] = id; return m })
}

// Redeliver queues an update again with the same update_id, as Telegram does after a
// lost acknowledgement: it is delivered in the next getUpdates whatever the offset.
func (s *Server) Redeliver(updateID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, ok := s.sentRaw[updateID]
	if !ok {
		panic(fmt.Sprintf("bottest: Redeliver: no update %d", updateID))
	}
	s.pending = append(s.pending, queued{id: updateID, raw: raw, forced: true})
	s.notifyLocked()
}

// Update returns the JSON of a queued update (for webhook tests).
func (s *Server) Update(updateID int64) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.sentRaw[updateID]...)
}

// Build returns an update without queueing it: for posting to a webhook handler.
func (s *Server) Build(userID, chatID int64, text, lang string) (int64, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := s.nextID
	b, _ := json.Marshal(map[string]any{"update_id": id, "message": s.userMessageLocked(userID, chatID, text, lang)})
	s.sentRaw[id] = b
	return id, b
}

func (s *Server) queue(build func(id int64) any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := s.nextID
	b, err := json.Marshal(build(id))
	if err != nil {
		panic(fmt.Sprintf("bottest: %v", err))
	}
	s.pending = append(s.pending, queued{id: id, raw: b})
	s.sentRaw[id] = b
	s.notifyLocked()
	return id
}

func chatJSON(userID, chatID int64, first string) map[string]any {
	if chatID == userID {
		return map[string]any{"id": chatID, "type": "private", "first_name": first}
	}
	return map[string]any{"id": chatID, "type": "supergroup", "title": "Leaders"}
}

// userMessageLocked builds a user's message; s.mu is held.
func (s *Server) userMessageLocked(userID, chatID int64, text, lang string) map[string]any {
	u := s.users[userID]
	if lang != "" {
		u.lang = lang
	}
	if u.firstName == "" {
		u.firstName = "User" + strconv.FormatInt(userID, 10)
	}
	s.users[userID] = u
	s.msgSeq[chatID]++
	mid := s.msgSeq[chatID]
	s.storeMsgLocked(&Msg{ID: mid, ChatID: chatID, Text: text, Kind: "text"})
	from := map[string]any{"id": userID, "is_bot": false, "first_name": u.firstName}
	if u.lang != "" {
		from["language_code"] = u.lang
	}
	m := map[string]any{
		"message_id": mid, "date": time.Now().Unix(), "from": from,
		"chat": chatJSON(userID, chatID, u.firstName), "text": text,
	}
	if strings.HasPrefix(text, "/") {
		n := strings.IndexAny(text, " \n")
		if n < 0 {
			n = len(text)
		}
		m["entities"] = []map[string]any{{"type": "bot_command", "offset": 0, "length": len(utf16.Encode([]rune(text[:n])))}}
	}
	return m
}

func (s *Server) press(userID, chatID int64, messageID int, data string, accessible bool) int64 {
	return s.queue(func(id int64) any {
		u := s.users[userID] // s.mu is held by queue
		if u.firstName == "" {
			u.firstName = "User" + strconv.FormatInt(userID, 10)
		}
		from := map[string]any{"id": userID, "is_bot": false, "first_name": u.firstName}
		if u.lang != "" {
			from["language_code"] = u.lang
		}
		var msg map[string]any
		if accessible {
			msg = map[string]any{
				"message_id": messageID, "date": time.Now().Unix(),
				"from": map[string]any{"id": BotID, "is_bot": true, "first_name": "ProgressBot", "username": BotUsername},
				"chat": chatJSON(userID, chatID, u.firstName),
			}
			if m := s.msgs[chatID][messageID]; m != nil {
				if m.Kind == "text" {
					msg["text"] = m.Text
				} else {
					msg["caption"] = m.Text
				}
				if len(m.Buttons) > 0 {
					msg["reply_markup"] = map[string]any{"inline_keyboard": m.Buttons}
				}
			}
		} else {
			msg = map[string]any{"message_id": messageID, "date": 0, "chat": chatJSON(userID, chatID, u.firstName)}
		}
		cid := CallbackID(id)
		s.callbacks[cid] = false
		return map[string]any{"update_id": id, "callback_query": map[string]any{
			"id": cid, "from": from, "message": msg, "chat_instance": "ci" + strconv.FormatInt(chatID, 10), "data": data,
		}}
	})
}

// ---- faults ----

// FailNext makes the next call of method fail with status: 429 (with
// parameters.retry_after = retryAfter seconds), 403 ("Forbidden: bot was blocked by the
// user"), 400, or a 5xx. Several calls queue several failures in order.
func (s *Server) FailNext(method string, status int, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], fault{status: status, retryAfter: retryAfter})
}

// FailNextWith is FailNext with Telegram's error description.
func (s *Server) FailNextWith(method string, status int, description string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], fault{status: status, desc: description})
}

// FailNextHTML makes the next call of method fail with status and an HTML body, as a
// reverse proxy or load balancer in front of the Bot API answers (502, 503, 504).
func (s *Server) FailNextHTML(method string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], fault{status: status, html: true})
}

// HangNext holds the next call of method for d (or until the client gives up) without
// acting on it, then answers 504.
func (s *Server) HangNext(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], fault{hang: d})
}

// Block makes every later send to chatID fail with 403, as when the user blocked the bot.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// ---- the log ----

// Calls returns every recorded call so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsOf returns the recorded calls of one method.
func (s *Server) CallsOf(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Count is how many calls of method arrived (also with NoLog), getUpdates included.
func (s *Server) Count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[method]
}

// Sent returns the messages that took effect in a chat, in order: sendMessage,
// editMessageText, sendDocument and sendPhoto calls answered 200.
func (s *Server) Sent(chatID int64) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.OK() && c.ChatID == chatID && isMessageMethod(c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// Message returns a message of a chat as it stands now, or nil.
func (s *Server) Message(chatID int64, id int) *Msg {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.msgs[chatID][id]; m != nil {
		c := *m
		return &c
	}
	return nil
}

// Last returns the bot's latest message in a chat as it stands now, or nil.
func (s *Server) Last(chatID int64) *Msg {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *Msg
	for _, m := range s.msgs[chatID] {
		if m.FromBot && (best == nil || m.ID > best.ID) {
			best = m
		}
	}
	if best == nil {
		return nil
	}
	c := *best
	return &c
}

func isMessageMethod(m string) bool {
	return m == "sendMessage" || m == "editMessageText" || m == "sendDocument" || m == "sendPhoto"
}

// WaitFor waits until a recorded call (past or future) matches, and returns the first
// that does; the test fails after timeout.
func (s *Server) WaitFor(t testing.TB, match func(Call) bool, timeout time.Duration) Call {
	t.Helper()
	c, ok := s.Await(match, timeout)
	if !ok {
		var b strings.Builder
		for _, c := range s.Calls() {
			fmt.Fprintf(&b, "\n  #%d %s chat=%d status=%d fault=%q text=%.60q", c.Seq, c.Method, c.ChatID, c.Status, c.Fault, c.Text)
		}
		t.Fatalf("bottest: no matching call within %v; calls:%s", timeout, b.String())
	}
	return c
}

// Await is WaitFor without a test: it reports whether a call matched in time.
func (s *Server) Await(match func(Call) bool, timeout time.Duration) (Call, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	seen := 0
	for {
		s.mu.Lock()
		calls := s.calls[seen:]
		ch := s.changed
		for _, c := range calls {
			if match(c) {
				s.mu.Unlock()
				return c, true
			}
		}
		seen += len(calls)
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return Call{}, false
		case <-s.done:
			return Call{}, false
		}
	}
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// ---- the HTTP side ----

type apiError struct {
	status     int
	desc       string
	retryAfter int
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if rest, ok := strings.CutPrefix(path, "file/"); ok {
		s.serveDownload(w, r, rest)
		return
	}
	tok, method, ok := strings.Cut(path, "/")
	if !ok || !strings.HasPrefix(tok, "bot") {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	if strings.TrimPrefix(tok, "bot") != s.token {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	params, files, err := parseParams(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
		return
	}
	s.mu.Lock()
	s.counts[method]++
	s.mu.Unlock()
	if method == "getUpdates" {
		s.getUpdates(w, r, params)
		return
	}

	if d := s.opts.Latency; d > 0 {
		time.Sleep(d / 2) // on its way to Telegram
	}
	call := Call{Method: method, Params: params, Time: time.Now()}
	fillCall(&call, params, files)

	// An injected fault answers instead of the method, which then never takes effect.
	s.mu.Lock()
	var f *fault
	if q := s.faults[method]; len(q) > 0 {
		f = &q[0]
		s.faults[method] = q[1:]
	}
	blocked := call.ChatID != 0 && s.blocked[call.ChatID] && method != "answerCallbackQuery"
	s.mu.Unlock()
	if f == nil {
		f = s.limit.check(method, call.ChatID) // Telegram's flood limits, when enabled
	}
	var result any
	var aerr *apiError
	switch {
	case f != nil && f.hang > 0:
		call.Fault = "hang"
		select {
		case <-time.After(f.hang):
		case <-r.Context().Done():
		case <-s.done:
		}
		aerr = &apiError{status: http.StatusGatewayTimeout, desc: "Gateway Timeout"}
	case f != nil:
		call.Fault = strconv.Itoa(f.status)
		aerr = faultError(*f)
	case blocked:
		call.Fault = "403"
		aerr = &apiError{status: http.StatusForbidden, desc: "Forbidden: bot was blocked by the user"}
	default:
		result, aerr = s.apply(&call)
		if aerr != nil && call.Fault == "" {
			call.Fault = "invalid"
		}
	}
	if aerr != nil {
		call.Status = aerr.status
		call.Error = aerr.desc
		body := map[string]any{"ok": false, "error_code": aerr.status, "description": aerr.desc}
		if aerr.retryAfter > 0 {
			body["parameters"] = map[string]any{"retry_after": aerr.retryAfter}
		}
		s.record(call)
		s.travel()
		if f != nil && f.html {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(aerr.status)
			io.WriteString(w, "<html><body>"+http.StatusText(aerr.status)+"</body></html>")
			return
		}
		writeJSON(w, aerr.status, body)
		return
	}
	call.Status = http.StatusOK
	s.record(call)
	s.travel()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

// travel holds an answer for the way back of Options.Latency.
func (s *Server) travel() {
	if d := s.opts.Latency; d > 0 {
		time.Sleep(d - d/2)
	}
}

func faultError(f fault) *apiError {
	e := &apiError{status: f.status, desc: f.desc, retryAfter: f.retryAfter}
	if e.desc == "" {
		switch {
		case f.status == http.StatusTooManyRequests:
			e.desc = fmt.Sprintf("Too Many Requests: retry after %d", f.retryAfter)
		case f.status == http.StatusForbidden:
			e.desc = "Forbidden: bot was blocked by the user"
		case f.status == http.StatusBadRequest:
			e.desc = "Bad Request: injected"
		case f.status >= 500:
			e.desc = "Internal Server Error"
		default:
			e.desc = http.StatusText(f.status)
		}
	}
	return e
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	s.seq++
	c.Seq = s.seq
	if !s.opts.NoLog {
		s.calls = append(s.calls, c)
	}
	s.notifyLocked()
	on := s.opts.OnCall
	s.mu.Unlock()
	if on != nil {
		on(c)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]string) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()

	s.mu.Lock()
	if s.webhook != "" {
		s.mu.Unlock()
		writeJSON(w, http.StatusConflict, map[string]any{"ok": false, "error_code": 409, "description": "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"})
		return
	}
	s.polls++
	s.poller++
	gen := s.poller
	s.mu.Unlock()
	for {
		s.mu.Lock()
		if s.poller != gen {
			s.mu.Unlock()
			writeJSON(w, http.StatusConflict, map[string]any{"ok": false, "error_code": 409, "description": "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"})
			return
		}
		// An offset confirms every update before it.
		keep := s.pending[:0]
		var out []json.RawMessage
		for _, q := range s.pending {
			switch {
			case q.forced:
				if len(out) < limit {
					out = append(out, q.raw)
					continue // delivered once, then gone
				}
				keep = append(keep, q)
			case offset > 0 && q.id < offset:
				// confirmed
			default:
				if len(out) < limit {
					out = append(out, q.raw)
				}
				keep = append(keep, q)
			}
		}
		s.pending = keep
		ch := s.changed
		s.mu.Unlock()
		if len(out) > 0 || timeout <= 0 {
			if out == nil {
				out = []json.RawMessage{}
			}
			writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": out})
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": []any{}})
			return
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
	}
}

// Polls is how many getUpdates requests arrived.
func (s *Server) Polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls
}

func (s *Server) storeMsgLocked(m *Msg) {
	if s.msgs[m.ChatID] == nil {
		s.msgs[m.ChatID] = map[int]*Msg{}
	}
	s.msgs[m.ChatID][m.ID] = m
}

func botFrom() map[string]any {
	return map[string]any{"id": BotID, "is_bot": true, "first_name": "ProgressBot", "username": BotUsername}
}

func messageJSON(m *Msg) map[string]any {
	chat := map[string]any{"id": m.ChatID, "type": "private"}
	if m.ChatID < 0 {
		chat["type"] = "supergroup"
	}
	out := map[string]any{"message_id": m.ID, "date": time.Now().Unix(), "chat": chat, "from": botFrom()}
	switch m.Kind {
	case "document":
		out["document"] = map[string]any{"file_id": fmt.Sprintf("doc%d_%d", m.ChatID, m.ID), "file_unique_id": "u", "file_name": m.FileName}
		if m.Text != "" {
			out["caption"] = m.Text
		}
	case "photo":
		out["photo"] = []map[string]any{{"file_id": fmt.Sprintf("ph%d_%d", m.ChatID, m.ID), "file_unique_id": "u", "width": 800, "height": 600}}
		if m.Text != "" {
			out["caption"] = m.Text
		}
	default:
		out["text"] = m.Text
	}
	if len(m.Buttons) > 0 {
		out["reply_markup"] = map[string]any{"inline_keyboard": m.Buttons}
	}
	return out
}

// apply performs a method that passed the fault checks.
func (s *Server) apply(c *Call) (any, *apiError) {
	bad := func(desc string) *apiError {
		return &apiError{status: http.StatusBadRequest, desc: "Bad Request: " + desc}
	}
	needChat := func() *apiError {
		if c.ChatID == 0 {
			return bad("chat_id is empty")
		}
		return nil
	}
	if c.Params["parse_mode"] != "" {
		c.ParseMode = c.Params["parse_mode"]
	}
	if e := checkButtons(c); e != "" {
		return nil, bad(e)
	}
	switch c.Method {
	case "getMe":
		return map[string]any{"id": BotID, "is_bot": true, "first_name": "ProgressBot", "username": BotUsername,
			"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false}, nil
	case "deleteWebhook":
		s.mu.Lock()
		s.webhook = ""
		if c.Params["drop_pending_updates"] == "true" {
			s.pending = nil
		}
		s.mu.Unlock()
		return true, nil
	case "setWebhook":
		s.mu.Lock()
		s.webhook = c.Params["url"]
		s.mu.Unlock()
		return true, nil
	case "getFile":
		return s.getFile(c)
	case "sendChatAction":
		if e := needChat(); e != nil {
			return nil, e
		}
		return true, nil
	case "setMyCommands":
		if len(c.Commands) == 0 || len(c.Commands) > 100 {
			return nil, bad("commands must be non-empty")
		}
		for _, cmd := range c.Commands {
			if cmd.Command == "" || len(cmd.Command) > 32 || strings.ToLower(cmd.Command) != cmd.Command || cmd.Description == "" || utf8.RuneCountInString(cmd.Description) > 256 {
				return nil, bad("BOT_COMMAND_INVALID")
			}
		}
		return true, nil
	case "setChatMenuButton":
		var mb struct {
			Type   string  `json:"type"`
			Text   string  `json:"text"`
			WebApp *WebApp `json:"web_app"`
		}
		if raw := c.Params["menu_button"]; raw != "" {
			if err := json.Unmarshal([]byte(raw), &mb); err != nil {
				return nil, bad("can't parse menu button JSON object")
			}
		}
		if mb.Type == "web_app" && (mb.Text == "" || mb.WebApp == nil || !strings.HasPrefix(mb.WebApp.URL, "https://")) {
			return nil, bad("BUTTON_URL_INVALID")
		}
		return true, nil
	case "answerCallbackQuery":
		id := c.CallbackQueryID
		s.mu.Lock()
		answered, known := s.callbacks[id]
		if known && !answered {
			s.callbacks[id] = true
		}
		s.mu.Unlock()
		if !known || answered {
			return nil, bad("query is too old and response timeout expired or query ID is invalid")
		}
		if utf8.RuneCountInString(c.Toast) > 200 {
			return nil, bad("MESSAGE_TOO_LONG")
		}
		return true, nil
	case "sendMessage":
		if e := needChat(); e != nil {
			return nil, e
		}
		if strings.TrimSpace(c.Text) == "" {
			return nil, bad("message text is empty")
		}
		if len(utf16.Encode([]rune(c.Text))) > 4096 {
			return nil, bad("message is too long")
		}
		m := s.newMsg(c, "text")
		return messageJSON(m), nil
	case "sendDocument", "sendPhoto":
		if e := needChat(); e != nil {
			return nil, e
		}
		if c.FileName == "" && c.Params[strings.ToLower(strings.TrimPrefix(c.Method, "send"))] == "" {
			return nil, bad("there is no " + strings.ToLower(strings.TrimPrefix(c.Method, "send")) + " in the request")
		}
		if len(utf16.Encode([]rune(c.Text))) > 1024 {
			return nil, bad("message caption is too long")
		}
		kind := "document"
		if c.Method == "sendPhoto" {
			kind = "photo"
		}
		m := s.newMsg(c, kind)
		return messageJSON(m), nil
	case "editMessageText":
		if e := needChat(); e != nil {
			return nil, e
		}
		if strings.TrimSpace(c.Text) == "" {
			return nil, bad("message text is empty")
		}
		if len(utf16.Encode([]rune(c.Text))) > 4096 {
			return nil, bad("MESSAGE_TOO_LONG")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		m := s.msgs[c.ChatID][c.MessageID]
		switch {
		case m == nil:
			return nil, bad("message to edit not found")
		case !m.FromBot:
			return nil, bad("message can't be edited")
		case m.Kind != "text":
			return nil, bad("there is no text in the message to edit")
		case m.Text == c.Text && sameButtons(m.Buttons, c.Buttons):
			return nil, bad("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
		}
		m.Text = c.Text
		m.Buttons = c.Buttons
		return messageJSON(m), nil
	}
	return nil, &apiError{status: http.StatusNotFound, desc: "Not Found: method not found"}
}

func (s *Server) newMsg(c *Call, kind string) *Msg {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgSeq[c.ChatID]++
	m := &Msg{ID: s.msgSeq[c.ChatID], ChatID: c.ChatID, FromBot: true, Text: c.Text, Buttons: c.Buttons, FileName: c.FileName, Kind: kind}
	s.storeMsgLocked(m)
	c.MessageID = m.ID
	return m
}

func sameButtons(a, b [][]Button) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return string(x) == string(y)
}

// checkButtons applies Telegram's rules on inline buttons: text non-empty, callback
// data 1–64 bytes.
func checkButtons(c *Call) string {
	for _, row := range c.Buttons {
		for _, b := range row {
			if b.Text == "" {
				return "text buttons are unallowed in the inline keyboard"
			}
			if b.WebApp != nil {
				// Telegram takes Mini App buttons in private chats only, with an https URL.
				if c.ChatID < 0 {
					return "BUTTON_TYPE_INVALID"
				}
				if !strings.HasPrefix(b.WebApp.URL, "https://") {
					return "BUTTON_URL_INVALID"
				}
				continue
			}
			if b.URL == "" && (len(b.Data) == 0 || len(b.Data) > 64) {
				return "BUTTON_DATA_INVALID"
			}
		}
	}
	return ""
}

// ---- request parsing ----

type upload struct {
	name string
	data []byte
}

// parseParams reads a Bot API request's parameters from the query string and a
// multipart, urlencoded or JSON body; JSON values that are not strings are re-encoded.
func parseParams(r *http.Request) (map[string]string, map[string]upload, error) {
	p := map[string]string{}
	files := map[string]upload{}
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(64 << 20); err != nil {
			if errors.Is(err, io.EOF) { // an empty body (getMe, getWebhookInfo): no parameters
				return p, files, nil
			}
			return nil, nil, fmt.Errorf("multipart: %v", err)
		}
		for k, v := range r.MultipartForm.Value {
			p[k] = v[0]
		}
		for k, fhs := range r.MultipartForm.File {
			f, err := fhs[0].Open()
			if err != nil {
				return nil, nil, err
			}
			b, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, nil, err
			}
			files[k] = upload{name: fhs[0].Filename, data: b}
		}
	case "application/x-www-form-urlencoded":
		b, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			return nil, nil, err
		}
		v, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, nil, err
		}
		for k, vv := range v {
			p[k] = vv[0]
		}
	case "application/json":
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<20))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil && err != io.EOF {
			return nil, nil, fmt.Errorf("json: %v", err)
		}
		for k, v := range m {
			switch x := v.(type) {
			case string:
				p[k] = x
			case json.Number:
				p[k] = x.String()
			case bool:
				p[k] = strconv.FormatBool(x)
			case nil:
			default:
				b, _ := json.Marshal(x)
				p[k] = string(b)
			}
		}
	}
	return p, files, nil
}

func fillCall(c *Call, p map[string]string, files map[string]upload) {
	c.ChatID, _ = strconv.ParseInt(p["chat_id"], 10, 64)
	c.MessageID, _ = strconv.Atoi(p["message_id"])
	c.Text = p["text"]
	if c.Method == "sendDocument" || c.Method == "sendPhoto" {
		c.Text = p["caption"]
		key := "document"
		if c.Method == "sendPhoto" {
			key = "photo"
		}
		if f, ok := files[key]; ok {
			c.FileName, c.FileSize, c.FileData = f.name, len(f.data), f.data
		} else if strings.HasPrefix(p[key], "attach://") {
			if f, ok := files[strings.TrimPrefix(p[key], "attach://")]; ok {
				c.FileName, c.FileSize, c.FileData = f.name, len(f.data), f.data
			}
		}
	}
	if rm := p["reply_markup"]; rm != "" {
		var mk struct {
			InlineKeyboard [][]Button `json:"inline_keyboard"`
		}
		if json.Unmarshal([]byte(rm), &mk) == nil {
			c.Buttons = mk.InlineKeyboard
		}
	}
	c.CallbackQueryID = p["callback_query_id"]
	if c.Method == "answerCallbackQuery" {
		c.Toast = p["text"]
		c.Text = ""
	}
	c.ShowAlert = p["show_alert"] == "true"
	c.Action = p["action"]
	if cmds := p["commands"]; cmds != "" {
		json.Unmarshal([]byte(cmds), &c.Commands)
	}
	c.LanguageCode = p["language_code"]
	c.Scope = p["scope"]
}

// Methods lists the methods seen so far with their counts, for a load report.
func (s *Server) Methods() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}
