package dashboard

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
)

//go:embed static
var static embed.FS

// Server serves the dashboard of one plan. Set the fields, then use Handler.
type Server struct {
	DB       *store.DB
	Plan     *progressbot.Plan
	Calendar progressbot.Calendar
	// Token is the bot token: initData and passes are checked against it.
	Token string
	// MaxAge is how old an initData may be; 0 means DefaultMaxAge.
	MaxAge time.Duration
	// Map is the plan's county map, nil when the plan has none.
	Map *seeds.Map
	// Deadlines, when set, gives a period's deadline and units' extensions as the
	// scheduler keeps them; otherwise the calendar's deadline judges timeliness.
	Deadlines func(ctx context.Context, p progressbot.Period) (time.Time, map[string]time.Time, error)
	// SnapshotTTL is how long answers read for one request serve the next ones asking
	// the same (DefaultSnapshotTTL when 0; negative: read every time).
	SnapshotTTL time.Duration
	Now         progressbot.Clock
	Log         *slog.Logger

	once   sync.Once
	roller *progressbot.Roller
	cache  *snapCache
	geo    []byte // the map as served, features named by unit id
	// countyIndicators are the plan's county-level indicators, those with targets for
	// the most counties first.
	countyIndicators []*progressbot.Indicator
	texts            map[string]map[string]string // language → the page's words
}

func (s *Server) now() time.Time { return s.Now.Now() }

func (s *Server) log() *slog.Logger { return cmp.Or(s.Log, slog.Default()) }

func (s *Server) init() {
	s.once.Do(func() {
		s.roller = progressbot.NewRoller(s.Plan)
		ttl := s.SnapshotTTL
		if ttl == 0 {
			ttl = DefaultSnapshotTTL
		}
		s.cache = newSnapCache(ttl, 64)
		s.texts = map[string]map[string]string{}
		for _, lang := range locales.Languages {
			t, err := pageTexts(locales.For(lang))
			if err != nil {
				// The embedded locale files are checked by their tests; the page then
				// shows message ids rather than nothing.
				s.log().Error("dashboard page texts", "lang", lang, "err", err)
			}
			s.texts[lang] = t
		}
		if s.Map != nil {
			s.geo = s.Map.ByUnit()
		}
		counties := map[string]map[string]bool{}
		for _, t := range s.Plan.Targets {
			if u := s.Plan.Unit(t.Unit); u != nil && u.Kind == progressbot.UnitCounty {
				if counties[t.Indicator] == nil {
					counties[t.Indicator] = map[string]bool{}
				}
				counties[t.Indicator][t.Unit] = true
			}
		}
		for _, in := range s.Plan.Indicators {
			if in.Scope == progressbot.ScopeCounty {
				s.countyIndicators = append(s.countyIndicators, in)
			}
		}
		slices.SortStableFunc(s.countyIndicators, func(a, b *progressbot.Indicator) int {
			return len(counties[b.ID]) - len(counties[a.ID])
		})
	})
}

// Handler serves /app/ (the page, its scripts, the link that opens a session) and
// /app/api/ (its JSON).
func (s *Server) Handler() http.Handler {
	s.init()
	mux := http.NewServeMux()
	sub, _ := fs.Sub(static, "static")
	files := http.StripPrefix("/app/static/", http.FileServer(http.FS(sub)))
	mux.Handle("GET /app/static/", cacheFor(files, time.Hour))
	mux.HandleFunc("GET /app/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors https://web.telegram.org https://*.telegram.org")
		http.ServeFileFS(w, r, sub, "index.html")
	})
	mux.HandleFunc("GET /app/link", s.openLink)
	for name, h := range map[string]apiFunc{
		"me":      s.me,
		"rollup":  s.rollup,
		"map":     s.countyMap,
		"geo":     s.geoJSON,
		"cards":   s.cards,
		"path":    s.path,
		"tasks":   s.tasks,
		"board":   s.board,
		"missing": s.missing,
	} {
		mux.Handle("GET /app/api/"+name, s.api(h))
	}
	return mux
}

func cacheFor(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "private, max-age="+strings.TrimSuffix((d/time.Second).String(), "ns"))
		h.ServeHTTP(w, r)
	})
}

// person is who a request is for and what they may see.
type person struct {
	ID    int64
	Name  string
	Role  store.Role
	Scope progressbot.Subject
	Loc   *locales.Localizer
}

// apiError is an answer other than 200, with a message in the person's language.
type apiError struct {
	Code int
	Key  string // locale message id
	err  error
}

func (e *apiError) Error() string {
	if e.err != nil {
		return e.Key + ": " + e.err.Error()
	}
	return e.Key
}

func refuse(code int, key string, err error) error { return &apiError{Code: code, Key: key, err: err} }

type apiFunc func(ctx context.Context, p *person, q url.Values) (any, error)

// api authenticates a request, runs an endpoint and writes its JSON; every failure
// becomes one JSON error with a message in the person's language.
func (s *Server) api(h apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		p, err := s.who(r)
		var out any
		if err == nil {
			out, err = h(r.Context(), p, r.URL.Query())
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err != nil {
			loc := locales.For(r.URL.Query().Get("lang"))
			if p != nil {
				loc = p.Loc
			}
			ae := &apiError{}
			if !errors.As(err, &ae) {
				s.log().Error("dashboard api", "path", r.URL.Path, "err", err)
				ae = &apiError{Code: http.StatusInternalServerError, Key: "dashboard.err.internal"}
			} else {
				s.log().Info("dashboard api refused", "path", r.URL.Path, "code", ae.Code, "why", ae.Error())
			}
			w.WriteHeader(ae.Code)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": loc.T(ae.Key), "code": ae.Code})
			return
		}
		_ = json.NewEncoder(w).Encode(out)
		s.log().Debug("dashboard api", "path", r.URL.Path, "user_id", p.ID, "ms", time.Since(t0).Milliseconds())
	})
}

// who is the person a request is for: Telegram's initData in the Authorization header
// ("tma <initData>"), else the session cookie a signed link set.
func (s *Server) who(r *http.Request) (*person, error) {
	now := s.now()
	if auth := r.Header.Get("Authorization"); auth != "" {
		raw, ok := strings.CutPrefix(auth, "tma ")
		if !ok {
			return nil, refuse(http.StatusUnauthorized, "dashboard.err.unsigned", nil)
		}
		d, err := CheckInitData(raw, s.Token, s.MaxAge, now)
		switch {
		case errors.Is(err, ErrStale):
			return nil, refuse(http.StatusUnauthorized, "dashboard.err.stale", err)
		case err != nil:
			return nil, refuse(http.StatusUnauthorized, "dashboard.err.unsigned", err)
		}
		return s.account(r.Context(), d.User.ID, d.User.LanguageCode)
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return nil, refuse(http.StatusUnauthorized, "dashboard.err.unsigned", nil)
	}
	pass, err := openPass(c.Value, "session", s.Token, now)
	if err != nil {
		return nil, refuse(http.StatusUnauthorized, "dashboard.err.session", err)
	}
	return s.passPerson(r.Context(), pass)
}

// passPerson is who a pass stands for: the account it names, as it is now, or the role
// and scope it carries.
func (s *Server) passPerson(ctx context.Context, pass Pass) (*person, error) {
	if pass.ID != 0 {
		return s.account(ctx, pass.ID, pass.Lang)
	}
	acc := store.User{Role: pass.Role, Scope: pass.Scope, Lang: pass.Lang, PlanID: s.Plan.ID, Active: true}
	return s.personOf(acc, pass.Lang)
}

// account is a Telegram user's person: refused unless bound to this plan by an invite.
func (s *Server) account(ctx context.Context, id int64, telegramLang string) (*person, error) {
	acc, err := s.DB.User(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, refuse(http.StatusForbidden, "dashboard.err.unbound", nil)
	case err != nil:
		return nil, err
	}
	if acc.PlanID != s.Plan.ID || !acc.Active {
		return nil, refuse(http.StatusForbidden, "dashboard.err.unbound", nil)
	}
	p, err := s.personOf(acc, telegramLang)
	if p != nil {
		p.ID = id
	}
	return p, err
}

func (s *Server) personOf(acc store.User, telegramLang string) (*person, error) {
	lang := telegramLang
	if acc.Lang != "" {
		lang = acc.Lang
	}
	scope, ok := ScopeOf(acc)
	if !ok {
		return nil, refuse(http.StatusForbidden, "dashboard.err.unbound", nil)
	}
	return &person{Name: acc.Name, Role: acc.Role, Scope: scope, Loc: locales.For(locales.Match(lang))}, nil
}

// ScopeOf is what an account may see, as in the chat: an admin everything, a leader
// their scope, a liaison their own unit. ok is false for anyone else.
func ScopeOf(acc store.User) (progressbot.Subject, bool) {
	switch acc.Role {
	case store.RoleAdmin:
		return progressbot.PlanSubject, true
	case store.RoleLeader:
		sc, err := progressbot.ParseScope(acc.Scope)
		return sc, err == nil
	case store.RoleLiaison:
		if acc.Unit != "" {
			return progressbot.Subject{Kind: progressbot.SubjectUnit, Key: acc.Unit}, true
		}
	}
	return progressbot.Subject{}, false
}

// openLink turns a signed link into a session cookie for the rest of the day and sends
// the browser on to the page at the link's view.
func (s *Server) openLink(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	q := r.URL.Query()
	pass, err := openPass(q.Get("t"), "link", s.Token, now)
	if err == nil {
		_, err = s.passPerson(r.Context(), pass)
	}
	if err != nil {
		s.log().Info("dashboard link refused", "err", err)
		loc := locales.For(pass.Lang)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(loc.T("dashboard.err.link") + "\n"))
		return
	}
	loc := s.Calendar.Location
	if loc == nil {
		loc = time.Local
	}
	day := now.In(loc)
	end := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
	pass.Kind, pass.Expires = "session", end.Unix()
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: signPass(pass, s.Token), Path: "/app/", Expires: end,
		HttpOnly: true, Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https", SameSite: http.SameSiteStrictMode,
	})
	q.Del("t")
	to := "/app/"
	if len(q) > 0 {
		to += "?" + q.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
}
