package flows

import (
	"context"
	"net/url"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/dashboard"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// This file ties the chat to the web dashboard: the 看板 button under a leader's rollup,
// which opens the Mini App at what the rollup showed, and /dashboard, which gives a
// signed link for a browser outside Telegram.

// mayDashboard reports whether a person may open the dashboard: leaders and admins.
func mayDashboard(u User) bool {
	return u.Account != nil && (u.Account.Role == store.RoleLeader || u.Account.Role == store.RoleAdmin)
}

// private reports whether the person talks to the bot in a private chat, where Telegram
// takes Mini App buttons.
func private(u User) bool { return u.ChatID == u.ID }

// dashboardView is a rollup's view as the dashboard's query parameters.
func dashboardView(v view) url.Values {
	q := url.Values{}
	q.Set("period", v.period.String())
	if v.subject.Kind != progressbot.SubjectPlan && !v.subject.IsZero() {
		q.Set("subject", v.subject.String())
	}
	if len(v.within) > 0 && v.within[0].Kind != progressbot.SubjectPlan {
		q.Set("within", v.within[0].String())
	}
	return q
}

// dashboardRow is the 看板 button row under a rollup, or nothing when no dashboard is
// configured, the chat is not private or the person may not open it.
func (e *Engine) dashboardRow(u User, v view, loc *locales.Localizer) [][]Button {
	if e.Dashboard == nil || !private(u) || !mayDashboard(u) {
		return nil
	}
	return [][]Button{{{Label: loc.T("dashboard.button"), WebApp: e.Dashboard.WebAppURL(dashboardView(v))}}}
}

// dashboardCommand answers /dashboard with a signed link, valid ten minutes, that opens
// the dashboard in any browser for this person (their rights are checked again on every
// request), and, in a private chat, a button that opens it inside Telegram.
func (e *Engine) dashboardCommand(ctx context.Context, u User, loc *locales.Localizer) (Reply, error) {
	switch {
	case !mayDashboard(u):
		return Reply{Messages: []Message{{Text: loc.T("dashboard.not_allowed")}}}, nil
	case e.Dashboard == nil:
		return Reply{Messages: []Message{{Text: loc.T("dashboard.not_configured")}}}, nil
	}
	v := view{period: e.Calendar.LastClosed(e.now())}
	link := e.Dashboard.Link(dashboard.Pass{ID: u.ID, Lang: u.Lang}, dashboardView(v))
	e.log().Info("dashboard link given", "user_id", u.ID)
	m := Message{Text: loc.T("dashboard.link", "URL", link)}
	if private(u) {
		m.Keyboard = [][]Button{{{Label: loc.T("dashboard.button"), WebApp: e.Dashboard.WebAppURL(nil)}}}
	}
	return Reply{Messages: []Message{m}}, nil
}
