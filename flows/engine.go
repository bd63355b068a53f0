package flows

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/dashboard"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
	"github.com/progressbot/progressbot/store/sessions"
)

// Engine runs the conversations of one plan.
type Engine struct {
	DB       *store.DB
	Plan     *progressbot.Plan
	Sessions sessions.Store
	Calendar progressbot.Calendar
	// Now is the clock; tests replace it.
	Now progressbot.Clock
	Log *slog.Logger
	// BotUsername makes invite deep links (t.me/<bot>?start=CODE); may be empty.
	BotUsername string
	// Preview, when set, lists what the scheduler would send at a moment, for an admin's
	// /remind; the scheduler provides it.
	Preview func(ctx context.Context, at time.Time) ([]string, error)
	// Schedule, when set, gives each unit's deadline as the scheduler keeps it (moved
	// off non-working days, extended) and takes admins' extensions; see SetSchedule.
	Schedule Schedule
	// Boot names this run of the bot (store.StartBoot); each session saved records it. A
	// typed answer to a session last saved by a run that did not end cleanly is shown
	// back before it is filed (see unsure). Empty: no check against earlier runs.
	Boot string
	// OnHeld, if set, is told of each typed answer shown back instead of filed: for
	// metrics.
	OnHeld func()
	// Files fetches what people send (evidence, filled-in spreadsheets); nil: files
	// are refused with a clear answer.
	Files Files
	// Lang is the language of a person who has chosen none and whose Telegram app
	// speaks neither supported language (PROGRESSBOT_LANG); empty is zh-CN.
	Lang string

	// Dashboard, when set (the dashboard has a public address), puts a 看板 button under
	// leaders' rollups and answers /dashboard with a signed link; see dashboard.go.
	Dashboard *dashboard.Links
	// OnBound, if set, is told of each person an invite has just bound (serve gives
	// leaders and admins the dashboard's menu button).
	OnBound func(ctx context.Context, acc store.User)
	// boots caches whether earlier runs ended cleanly; a run that is over stays so.
	boots        sync.Map
	resolverOnce sync.Once
	resolver     *progressbot.Resolver
	rollerOnce   sync.Once
	rollerV      *progressbot.Roller
}

// Resolver resolves leaders' questions and names typed by admins; built once.
func (e *Engine) Resolver() *progressbot.Resolver {
	e.resolverOnce.Do(func() { e.resolver = progressbot.NewResolver(e.Plan) })
	return e.resolver
}

// Commands are the commands anyone may send; what each role sees in its menu and /help
// is roleCommands (menu.go).
var Commands = []string{"start", "report", "progress", "missing", "board", "export", "lang", "help", "cancel"}

func (e *Engine) now() time.Time { return e.Now.Now() }

func (e *Engine) log() *slog.Logger { return cmp.Or(e.Log, slog.Default()) }

// Who resolves a person: their account if they redeemed an invite, and the language to
// answer in (their choice, else Telegram's).
func (e *Engine) Who(ctx context.Context, telegramID, chatID int64, name, languageCode string) (User, error) {
	// The person's stored choice wins, then their Telegram app's language, then the
	// bot's own.
	u := User{ID: telegramID, ChatID: chatID, Name: name, Lang: locales.Match(e.Lang)}
	if locales.Supported(languageCode) {
		u.Lang = locales.Match(languageCode)
	}
	acc, err := e.DB.User(ctx, telegramID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return u, nil
	case err != nil:
		return u, fmt.Errorf("who %d: %w", telegramID, err)
	}
	if acc.PlanID == e.Plan.ID && acc.Active {
		u.Account = &acc
	}
	if acc.Lang != "" {
		u.Lang = locales.Match(acc.Lang)
	}
	return u, nil
}

// state is what a chat's session holds: where the person is in a flow. Answers are never
// kept here, only in SQLite.
type state struct {
	Flow string `json:"f,omitempty"` // "report" or ""
	// Nonce marks the buttons of this flow; a button from another flow, another
	// person, or a session that was lost is refused.
	Nonce  string       `json:"n,omitempty"`
	Report *reportState `json:"r,omitempty"`
	// Boot is the run of the bot that saved the session last.
	Boot string `json:"bt,omitempty"`
	// Unsent: the screen saved last could not be delivered (see Engine.Undelivered).
	Unsent bool `json:"us,omitempty"`
}

type session struct {
	raw sessions.Session
	st  state
}

func (e *Engine) load(ctx context.Context, chatID int64) (*session, error) {
	raw, err := e.Sessions.Get(ctx, chatID)
	if err != nil {
		return nil, err
	}
	s := &session{raw: raw}
	if len(raw.Data) > 0 {
		if err := json.Unmarshal(raw.Data, &s.st); err != nil {
			// A session from an older version, or damaged: start afresh; answers are in
			// SQLite, so nothing is lost.
			e.log().Warn("session unreadable, starting afresh", "chat_id", chatID, "err", err)
			s.st = state{}
		}
	}
	return s, nil
}

// save keeps the session as it stands before its screen is sent.
func (e *Engine) save(ctx context.Context, s *session) error {
	s.st.Boot, s.st.Unsent = e.Boot, false
	return e.put(ctx, s)
}

func (e *Engine) put(ctx context.Context, s *session) error {
	data, err := json.Marshal(s.st)
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	if s.raw.Version > 0 && bytes.Equal(data, s.raw.Data) {
		// Nothing changed (a screen shown again, a report already submitted): writing
		// the same bytes would cost a round trip to Redis and bump the version for nothing.
		return nil
	}
	s.raw.Data = data
	raw, err := e.Sessions.Put(ctx, s.raw)
	if err != nil {
		return err
	}
	s.raw = raw
	return nil
}

// Undelivered records that the reply to a chat's last update never reached the person:
// in the report flow, their next typed answer is shown back with its question before it
// is filed.
func (e *Engine) Undelivered(ctx context.Context, chatID int64) {
	s, err := e.load(ctx, chatID)
	if err == nil && s.st.Flow == "report" {
		s.st.Unsent = true
		err = e.put(ctx, s)
	}
	if err != nil {
		e.log().Warn("could not mark an undelivered screen", "chat_id", chatID, "err", err)
	}
}

// unsure reports whether the screen a session describes may never have reached the
// person: it could not be delivered, or the session was last saved by an earlier run of
// the bot that was killed, and its save may have been the last thing that run did before
// sending the screen.
func (e *Engine) unsure(ctx context.Context, s *session) bool {
	if s.st.Unsent {
		return true
	}
	b := s.st.Boot
	if e.Boot == "" || b == "" || b == e.Boot {
		return false
	}
	if clean, ok := e.boots.Load(b); ok {
		return !clean.(bool)
	}
	// A run never recorded did not end cleanly, as far as anyone can tell.
	run, err := e.DB.Boot(ctx, b)
	clean := err == nil && !run.Ended.IsZero()
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		// Asking once too often costs a tap; filing an answer under the wrong question
		// costs the answer.
		e.log().Warn("could not tell how an earlier run ended; confirming typed text", "boot", b, "err", err)
		return true
	}
	e.boots.Store(b, clean)
	return !clean
}

func newNonce() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// Handle answers one input. The Reply is always fit to show: errors are turned into the
// person's message here, in one place, and returned as well for the log.
func (e *Engine) Handle(ctx context.Context, u User, in Input) (Reply, error) {
	loc := locales.For(u.Lang)
	reply, err := e.handle(ctx, u, in, loc)
	if err == nil {
		return reply, nil
	}
	msg := failureText(err, loc)
	return Reply{Messages: []Message{{Text: msg}}, Toast: msg}, err
}

func (e *Engine) handle(ctx context.Context, u User, in Input, loc *locales.Localizer) (Reply, error) {
	switch in.Command {
	case "start":
		return e.start(ctx, u, strings.TrimSpace(in.Args), loc)
	case "help":
		return e.withMenu(Reply{Messages: []Message{{Text: e.help(u, loc)}}}, u, loc), nil
	case "lang":
		return e.lang(ctx, u, strings.TrimSpace(in.Args), loc)
	}
	route, routed := routeOf(in.Data)
	if routed && route.unbound {
		return route.handle(e, ctx, u, in.Data, loc)
	}
	if u.Account == nil {
		// An unbound person sees nothing of the plan's data.
		return Reply{Messages: []Message{{Text: loc.T("start.need_invite", e.examples(loc)...)}}, Toast: loc.T("start.need_invite_short")}, nil
	}
	if in.File != nil && in.Command == "" {
		return e.fileInput(ctx, u, in, loc)
	}
	switch in.Command {
	case "report":
		return e.reportCommand(ctx, u, loc)
	case "cancel":
		return e.cancel(ctx, u, loc)
	case "progress", "missing", "board":
		return e.leaderCommand(ctx, u, in, loc)
	case "export":
		return e.exportCommand(ctx, u, strings.TrimSpace(in.Args), loc)
	case "invite":
		return e.inviteCommand(ctx, u, strings.TrimSpace(in.Args), loc)
	case "remind":
		return e.remindCommand(ctx, u, strings.TrimSpace(in.Args), loc)
	case "extend":
		return e.extendCommand(ctx, u, strings.TrimSpace(in.Args), loc)
	case "dashboard":
		return e.dashboardCommand(ctx, u, loc)
	case "":
	default:
		return Reply{Messages: []Message{{Text: loc.T("command.unknown") + "\n\n" + e.help(u, loc)}}}, nil
	}
	if in.Data != "" {
		if routed {
			return route.handle(e, ctx, u, in.Data, loc)
		}
		return Reply{Toast: loc.T("button.stale")}, nil
	}
	return e.text(ctx, u, in, loc)
}

func (e *Engine) text(ctx context.Context, u User, in Input, loc *locales.Localizer) (Reply, error) {
	text := in.Text
	s, err := e.load(ctx, u.ChatID)
	if err != nil {
		return Reply{}, err
	}
	if s.st.Flow == "report" && s.st.Report != nil && u.Account.Role == store.RoleLiaison {
		return e.reportText(ctx, u, s, in, loc)
	}
	if u.Account.Role == store.RoleLiaison {
		return Reply{Messages: []Message{{Text: loc.T("liaison.hint")}}}, nil
	}
	// Free text from a leader or an admin is a progress question.
	return e.leaderText(ctx, u, text, loc)
}

func (e *Engine) cancel(ctx context.Context, u User, loc *locales.Localizer) (Reply, error) {
	s, err := e.load(ctx, u.ChatID)
	if err != nil {
		return Reply{}, err
	}
	s.st.Flow, s.st.Report, s.st.Nonce = "", nil, ""
	if err := e.save(ctx, s); err != nil {
		return Reply{}, err
	}
	if u.Account.Role == store.RoleLiaison {
		return Reply{Messages: []Message{{Text: loc.T("cancel.done.liaison")}}}, nil
	}
	return Reply{Messages: []Message{{Text: loc.T("cancel.done.other")}}}, nil
}

func (e *Engine) unitName(unit string, loc *locales.Localizer) string {
	un := e.Plan.Unit(unit)
	if un == nil {
		return unit
	}
	if loc.Lang == "en" && un.En != "" {
		return un.En
	}
	return un.Name
}

func (e *Engine) start(ctx context.Context, u User, code string, loc *locales.Localizer) (Reply, error) {
	if code == "" {
		if u.Account == nil {
			return e.withMenu(Reply{Messages: []Message{{Text: loc.T("start.need_invite", e.examples(loc)...)}}}, u, loc), nil
		}
		return e.withMenu(Reply{Messages: []Message{{Text: e.greeting(*u.Account, loc) + "\n\n" + e.help(u, loc)}}}, u, loc), nil
	}
	acc, err := e.DB.Redeem(ctx, code, u.ID, u.ChatID, u.Name)
	if err != nil {
		var kv []any
		if progressbot.KindOf(err) == progressbot.RetryLater { // too many wrong codes: say for how long
			kv = []any{"Wait", humanWait(progressbot.RetryAfter(err), loc)}
		}
		if r, ok := errorReply(err, loc, kv...); ok {
			return r, nil
		}
		return Reply{}, err
	}
	e.log().Info("invite redeemed", "user_id", u.ID, "role", acc.Role, "unit", acc.Unit)
	if e.OnBound != nil {
		e.OnBound(ctx, acc)
	}
	u.Account = &acc
	if acc.Lang != "" {
		loc = locales.For(acc.Lang)
	}
	return e.withMenu(Reply{Messages: []Message{{Text: e.greeting(acc, loc) + "\n\n" + e.help(u, loc)}}}, u, loc), nil
}

func humanWait(d time.Duration, loc *locales.Localizer) string {
	if d < time.Minute {
		return loc.T("time.seconds", "Count", int(d.Seconds()+0.999))
	}
	return loc.T("time.minutes", "Count", int(d.Minutes()+0.999))
}

func (e *Engine) greeting(acc store.User, loc *locales.Localizer) string {
	switch acc.Role {
	case store.RoleLiaison:
		return loc.T("start.welcome_liaison", "Unit", e.unitName(acc.Unit, loc))
	case store.RoleLeader:
		return loc.T("start.welcome_leader", "Scope", e.scopeName(acc.Scope, loc))
	}
	return loc.T("start.welcome_admin")
}

// scopeName names a leader's scope for a person.
func (e *Engine) scopeName(scope string, loc *locales.Localizer) string {
	kind, key, _ := strings.Cut(scope, ":")
	en := loc.Lang == "en"
	switch kind {
	case "chain":
		if c := e.Plan.Chain(key); c != nil {
			if en && c.En != "" {
				return c.En
			}
			return c.Name
		}
	case "cluster":
		if c := e.Plan.Cluster(key); c != nil {
			if en && c.En != "" {
				return c.En
			}
			return c.Name
		}
	case "unit":
		return e.unitName(key, loc)
	}
	return loc.T("scope.all")
}

func (e *Engine) lang(ctx context.Context, u User, choice string, loc *locales.Localizer) (Reply, error) {
	choice = strings.ToLower(strings.TrimSpace(choice))
	if choice == "" {
		return Reply{Messages: []Message{{Text: loc.T("lang.choose"), Keyboard: [][]Button{{
			{Label: loc.T("lang.label_zh"), Data: langPress{Lang: "zh-CN"}.encode(e.Plan)}, {Label: loc.T("lang.label_en"), Data: langPress{Lang: "en"}.encode(e.Plan)},
		}}}}}, nil
	}
	lang := locales.Match(choice)
	if choice != "en" && !strings.HasPrefix(choice, "zh") && choice != "中文" && choice != "english" {
		return Reply{Messages: []Message{{Text: loc.T("lang.unknown")}}}, nil
	}
	if choice == "english" {
		lang = "en"
	}
	if u.Account != nil {
		if err := e.DB.SetLang(ctx, u.ID, lang); err != nil {
			return Reply{}, err
		}
	}
	nl := locales.For(lang)
	text := nl.T("lang.set")
	if u.Account == nil {
		text += "\n" + nl.T("lang.set_unbound")
	}
	return e.withMenu(Reply{Messages: []Message{{Text: text, Edit: true}}, Toast: text}, u, nl), nil
}
