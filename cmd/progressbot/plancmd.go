package main

import (
	"cmp"
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// planCmd is what a command that works on a plan runs with: the time zone of the reporting
// calendar and the command line's language (newPlanCmd), then the database and its plan
// (open). The two steps are apart so that a command refuses bad input, which may need
// the time zone, before it touches the database.
type planCmd struct {
	c    *config
	tz   *time.Location
	l    *locales.Localizer
	db   *store.DB
	plan *progressbot.Plan
	res  *progressbot.Resolver
}

// newPlanCmd reads the time zone and the language from the command's settings.
func newPlanCmd(c *config) (*planCmd, error) {
	tz, err := c.location()
	if err != nil {
		return nil, err
	}
	return &planCmd{c: c, tz: tz, l: locales.For(c.lang)}, nil
}

// open opens the database and the plan (see openPlan: seedEmpty, when set, is where
// loading the bundled plan into an empty database is said). Close closes them.
func (a *planCmd) open(ctx context.Context, seedEmpty io.Writer) error {
	db, p, err := openPlan(ctx, a.c, seedEmpty)
	if err != nil {
		return err
	}
	a.db, a.plan = db, p
	return nil
}

// openPlanCmd is newPlanCmd, then open, for a command with nothing to check in between.
func openPlanCmd(ctx context.Context, c *config, seedEmpty io.Writer) (*planCmd, error) {
	a, err := newPlanCmd(c)
	if err != nil {
		return nil, err
	}
	if err := a.open(ctx, seedEmpty); err != nil {
		return nil, err
	}
	return a, nil
}

// Close closes the database.
func (a *planCmd) Close() error {
	return a.db.Close()
}

// resolver reads the plan's names as chat does; built on first use.
func (a *planCmd) resolver() *progressbot.Resolver {
	if a.res == nil {
		a.res = progressbot.NewResolver(a.plan)
	}
	return a.res
}

// pickUnit reads a unit's name (full, short, English, a key, a typo within the
// resolver's bounds) the way chat's /invite reads it (progressbot.Resolver.PickUnit),
// so that a name means the same unit on the server as in chat. A name that names no
// unit, or several, is an error in the command line's language that says which ones
// come close.
func (a *planCmd) pickUnit(name string) (*progressbot.Unit, error) {
	pk := a.resolver().PickUnit(name)
	switch {
	case pk.One:
		if u := a.plan.Unit(pk.Match.Key); u != nil {
			return u, nil
		}
	case len(pk.Candidates) > 0:
		return nil, errors.New(a.l.T("invite.err.ambiguous_unit", "Name", name, "Text", a.names(pk.Candidates)))
	}
	return nil, errors.New(a.l.T("invite.err.unknown_unit", "Name", name, "Text", suggestion(a.l, a.plan, pk.Suggestions)))
}

// pickScope reads what a leader's scope names — a chain, cluster or unit — like
// pickUnit, and returns its stored form kind:key.
func (a *planCmd) pickScope(name string) (string, error) {
	pk := a.resolver().PickScope(name)
	switch {
	case pk.One:
		return string(pk.Match.Kind) + ":" + pk.Match.Key, nil
	case len(pk.Candidates) > 0:
		return "", errors.New(a.l.T("invite.err.ambiguous_scope", "Name", name, "Text", a.names(pk.Candidates)))
	}
	return "", errors.New(a.l.T("invite.err.unknown_scope", "Name", name, "Text", suggestion(a.l, a.plan, pk.Suggestions)))
}

func (a *planCmd) names(ms []progressbot.Match) string {
	return strings.Join(typedNames(a.plan, ms), a.l.T("invite.or"))
}

// typedNames are the names to type for matches: a unit's full name, a chain's or
// cluster's short name.
func typedNames(p *progressbot.Plan, ms []progressbot.Match) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		name := m.Name
		switch m.Kind {
		case progressbot.MatchChain:
			if c := p.Chain(m.Key); c != nil {
				name = cmp.Or(c.Short, c.Name)
			}
		case progressbot.MatchCluster:
			if c := p.Cluster(m.Key); c != nil {
				name = cmp.Or(c.Short, c.Name)
			}
		}
		out = append(out, name)
	}
	return out
}

// suggestion is " (did you mean …?)" for the closest names, or nothing.
func suggestion(l *locales.Localizer, p *progressbot.Plan, ms []progressbot.Match) string {
	if len(ms) == 0 {
		return ""
	}
	return l.T("invite.err.suggest", "Text", strings.Join(typedNames(p, ms), l.T("invite.or")))
}
