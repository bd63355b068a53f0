package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/bot"
	"github.com/progressbot/progressbot/dashboard"
	"github.com/progressbot/progressbot/flows"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/seeds"
	"github.com/progressbot/progressbot/store"
)

// dashboardOptions are serve's dashboard settings.
type dashboardOptions struct {
	publicURL string
	maxAge    time.Duration
}

func dashboardFlags(fs *flag.FlagSet, e *env) *dashboardOptions {
	o := &dashboardOptions{maxAge: dashboard.DefaultMaxAge}
	fs.StringVar(&o.publicURL, "public-url", strings.TrimSpace(e.getenv("PROGRESSBOT_PUBLIC_URL")),
		"the dashboard's public https address (the reverse proxy's), without /app/; empty: no 看板 buttons, menu button or links (PROGRESSBOT_PUBLIC_URL)")
	if v, err := time.ParseDuration(strings.TrimSpace(e.getenv("PROGRESSBOT_DASHBOARD_MAX_AGE"))); err == nil && v > 0 {
		o.maxAge = v
	}
	fs.DurationVar(&o.maxAge, "dashboard-max-age", o.maxAge, "how old Telegram's initData may be before the dashboard refuses it (PROGRESSBOT_DASHBOARD_MAX_AGE)")
	return o
}

// dashboardSite is the dashboard as serve runs it: its HTTP handler, and the scheduler's
// deadlines once the scheduler is up.
type dashboardSite struct {
	srv   *dashboard.Server
	sched atomic.Value // flows.Schedule
}

// newDashboard builds the dashboard for serve's plan. The county map comes with the
// bundled seed of the same id, when there is one.
func newDashboard(log *slog.Logger, db *store.DB, p *progressbot.Plan, cal progressbot.Calendar, token string, o *dashboardOptions) (*dashboardSite, error) {
	m, err := seeds.LoadMap(seeds.Bundled(), p.ID, p)
	if err != nil {
		return nil, fmt.Errorf("dashboard map: %w", err)
	}
	if m == nil {
		log.Info("dashboard: the plan has no county map; the dashboard shows none")
	}
	d := &dashboardSite{}
	d.srv = &dashboard.Server{DB: db, Plan: p, Calendar: cal, Token: token, MaxAge: o.maxAge, Map: m, Log: log.With("component", "dashboard")}
	d.srv.Deadlines = func(ctx context.Context, per progressbot.Period) (time.Time, map[string]time.Time, error) {
		s, _ := d.sched.Load().(flows.Schedule)
		if s == nil {
			return time.Time{}, nil, nil
		}
		return s.Deadlines(ctx, per)
	}
	return d, nil
}

func (d *dashboardSite) mount(mux *http.ServeMux) { mux.Handle("/app/", d.srv.Handler()) }

// useSchedule hands the scheduler's deadlines to the dashboard.
func (d *dashboardSite) useSchedule(s flows.Schedule) {
	if d != nil && s != nil {
		d.sched.Store(s)
	}
}

// linkDashboard gives the engine the dashboard's public address (看板 buttons,
// /dashboard) and the leaders and admins its menu button: those already bound, now,
// and each one an invite binds.
func linkDashboard(ctx context.Context, log *slog.Logger, db *store.DB, p *progressbot.Plan, engine *flows.Engine, b *bot.Bot, token string, o *dashboardOptions) {
	if o.publicURL == "" {
		log.Info("dashboard: PROGRESSBOT_PUBLIC_URL is not set: no 看板 buttons, menu button or links")
		return
	}
	links := &dashboard.Links{PublicURL: o.publicURL, Token: token}
	engine.Dashboard = links
	menu := func(ctx context.Context, acc store.User) {
		if acc.Role != store.RoleLeader && acc.Role != store.RoleAdmin || acc.ChatID == 0 {
			return
		}
		text := locales.For(locales.Match(acc.Lang)).T("dashboard.menu")
		if err := b.SetMenuWebApp(ctx, acc.ChatID, text, links.WebAppURL(nil)); err != nil {
			log.Warn("dashboard: could not set the menu button", "user_id", acc.TelegramID, "err", err)
		}
	}
	engine.OnBound = menu
	go func() {
		users, err := db.Users(ctx, p.ID)
		if err != nil {
			log.Warn("dashboard: could not list leaders for their menu buttons", "err", err)
			return
		}
		for _, u := range users {
			if ctx.Err() != nil {
				return
			}
			if u.Active {
				menu(ctx, u)
			}
		}
	}()
}

// cmdDashboardLink prints a signed link, valid ten minutes, that opens the dashboard in
// a browser (a meeting room's screen) for a leader's or admin's rights. The link is the
// last line of standard output.
func cmdDashboardLink(ctx context.Context, e *env, args []string) error {
	var c config
	fs := e.flagSet("dashboard-link", &c, "db", "telegram", "lang", "plan")
	role := fs.String("role", "leader", "leader or admin")
	scope := fs.String("scope", "", "what a leader's link shows: a chain, cluster or unit by any of its names; empty is the whole plan")
	o := dashboardFlags(fs, e)
	rest, err := parse(fs, args, e.stderr)
	if err != nil {
		return err
	}
	loc := locales.For(c.lang)
	switch {
	case len(rest) > 0:
		return userError(loc, "invite.err.args", "Text", strings.Join(rest, " "))
	case c.token == "":
		return userError(loc, "cli.serve.err.token")
	case o.publicURL == "":
		return userError(loc, "dashboard.cli.err.public_url")
	}
	if u, err := url.Parse(o.publicURL); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return userError(loc, "dashboard.cli.err.public_url")
	}
	r, ok := parseRole(*role)
	if !ok || r == store.RoleLiaison {
		return userError(loc, "dashboard.cli.err.role")
	}
	pass := dashboard.Pass{Role: r, Lang: c.lang}
	if strings.TrimSpace(*scope) != "" {
		if r != store.RoleLeader {
			return userError(loc, "dashboard.cli.err.role")
		}
		a, err := openPlanCmd(ctx, &c, nil)
		if err != nil {
			return err
		}
		defer a.Close()
		if pass.Scope, err = a.pickScope(*scope); err != nil {
			return err // says whether the name is unknown or ambiguous, as invite does
		}
	}
	links := dashboard.Links{PublicURL: o.publicURL, Token: c.token}
	fmt.Fprintln(e.stdout, loc.T("dashboard.cli.link"))
	fmt.Fprintln(e.stdout, links.Link(pass, nil))
	return nil
}
