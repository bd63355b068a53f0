package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// cmdInvite prints a one-time invite code. The code is the last line of standard output
// (design §5 (docs/design.md)), so that scripts can take it with tail -n 1.
func cmdInvite(ctx context.Context, e *env, args []string) error {
	var c config
	fs := e.flagSet("invite", &c, "db", "lang", "plan", "tz")
	role := fs.String("role", "", "liaison, leader or admin")
	unit := fs.String("unit", "", "the unit's full name, short name, alias or key (required for a liaison)")
	scope := fs.String("scope", "", "what a leader sees: a chain, cluster or unit by any of its names; empty is the whole plan")
	ttl := fs.String("ttl", "168h", "how long the code stays valid, e.g. 168h or 7d")
	botName := fs.String("bot", strings.TrimSpace(e.getenv("PROGRESSBOT_BOT_USERNAME")), "the bot's username, to print a t.me deep link (PROGRESSBOT_BOT_USERNAME)")
	rest, err := parse(fs, args, e.stderr)
	if err != nil {
		return err
	}
	loc := locales.For(c.lang)
	fail := func(id string, kv ...any) error { return errors.New(loc.T(id, kv...)) }
	if len(rest) > 0 {
		return fail("invite.err.args", "Text", strings.Join(rest, " "))
	}
	if strings.TrimSpace(*role) == "" {
		return fail("invite.err.need_role")
	}
	r, ok := parseRole(*role)
	if !ok {
		return fail("invite.err.role", "Role", *role)
	}
	if r != store.RoleLeader && strings.TrimSpace(*scope) != "" {
		return fail("invite.err.scope_role", "Role", loc.T("invite.role."+string(r)))
	}
	life, ok := parseTTL(*ttl)
	if !ok {
		return fail("invite.err.ttl", "Text", *ttl)
	}
	bot, ok := botUsername(*botName)
	if !ok {
		return fail("invite.err.bot", "Bot", *botName)
	}
	a, err := openPlanCmd(ctx, &c, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	db, p, tz := a.db, a.plan, a.tz
	if r == store.RoleLiaison && strings.TrimSpace(*unit) == "" {
		// The example is a unit of the plan loaded.
		example := ""
		if u := p.Unit(firstCounty(p)); u != nil {
			example = u.Name
		}
		return fail("invite.err.need_unit", "Unit", example)
	}
	spec := store.InviteSpec{PlanID: p.ID, Role: r, TTL: life}
	var u *progressbot.Unit
	if strings.TrimSpace(*unit) != "" {
		if u, err = a.pickUnit(*unit); err != nil {
			return err
		}
		spec.Unit = u.ID
	}
	if strings.TrimSpace(*scope) != "" {
		if spec.Scope, err = a.pickScope(*scope); err != nil {
			return err
		}
	}
	expires := db.Now().Add(life)
	code, err := db.CreateInvite(ctx, spec)
	if err != nil {
		return err
	}
	// CreateInvite gives a leader with a unit the scope of that unit.
	if spec.Role == store.RoleLeader && spec.Scope == "" && u != nil {
		spec.Scope = "unit:" + u.ID
	}

	var what string
	unitName := ""
	if u != nil {
		unitName = display(loc, u.Name, u.En)
	}
	scopeText := ""
	if spec.Scope != "" && (u == nil || spec.Scope != "unit:"+u.ID) {
		scopeText = describeScope(loc, p, spec.Scope)
	}
	switch {
	case unitName != "" && scopeText != "":
		what = loc.T("invite.for.unit_scope", "Unit", unitName, "Text", scopeText)
	case unitName != "":
		what = loc.T("invite.for.unit", "Unit", unitName)
	case scopeText != "":
		what = loc.T("invite.for.scope", "Text", scopeText)
	default:
		what = loc.T("invite.for.all")
	}
	deadline := expires.In(tz).Format("2006-01-02 15:04") + " (" + tz.String() + ")"
	fmt.Fprintln(e.stdout, loc.T("invite.created", "Role", loc.T("invite.role."+string(r)), "Text", what, "Deadline", deadline))
	if bot != "" {
		fmt.Fprintln(e.stdout, loc.T("invite.link", "Link", "https://t.me/"+bot+"?start="+code))
		fmt.Fprintln(e.stdout, loc.T("invite.howto.link", "Bot", bot))
	} else {
		fmt.Fprintln(e.stdout, loc.T("invite.howto"))
	}
	fmt.Fprintln(e.stdout, code)
	return nil
}

// parseRole accepts a role by its name in the code or in Chinese.
func parseRole(s string) (store.Role, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "liaison", "联络员":
		return store.RoleLiaison, true
	case "leader", "领导", "链长":
		return store.RoleLeader, true
	case "admin", "管理员":
		return store.RoleAdmin, true
	}
	return "", false
}

// parseTTL reads a Go duration (168h, 90m) or a number of days (7d).
func parseTTL(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 3650 {
			return 0, false
		}
		return time.Duration(n) * 24 * time.Hour, true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

var botPattern = regexp.MustCompile(`^[A-Za-z0-9_]{3,64}$`)

// botUsername takes a bot's username as people write it: name, @name, t.me/name.
func botUsername(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, prefix := range []string{"https://", "http://", "t.me/", "@"} {
		s = strings.TrimPrefix(s, prefix)
	}
	return s, s == "" || botPattern.MatchString(s)
}

// display is a name as a reader of the language knows it: the Chinese name, or in English
// the English name with the Chinese one after it.
func display(loc *locales.Localizer, name, en string) string {
	if loc.Lang == "en" && en != "" {
		return en + " (" + name + ")"
	}
	return name
}

// describeScope renders a stored scope for people.
func describeScope(loc *locales.Localizer, p *progressbot.Plan, scope string) string {
	kind, id, _ := strings.Cut(scope, ":")
	switch kind {
	case "chain":
		if c := p.Chain(id); c != nil {
			return loc.T("invite.scope.chain", "Name", display(loc, c.Name, c.En))
		}
	case "cluster":
		if c := p.Cluster(id); c != nil {
			return loc.T("invite.scope.cluster", "Name", display(loc, c.Name, c.En))
		}
	case "unit":
		if u := p.Unit(id); u != nil {
			return loc.T("invite.scope.unit", "Name", display(loc, u.Name, u.En))
		}
	}
	return scope
}
