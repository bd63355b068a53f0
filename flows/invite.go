package flows

import (
	"context"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// inviteCommand lets an admin make an invite in chat: "/invite liaison 湖口县",
// "/invite leader 石化化工", "/invite leader" (the whole plan), "/invite admin". The reply
// carries the code and, when the bot's username is known, the t.me deep link.
func (e *Engine) inviteCommand(ctx context.Context, u User, args string, loc *locales.Localizer) (Reply, error) {
	if u.Account.Role != store.RoleAdmin {
		return Reply{Messages: []Message{{Text: loc.T("invite.chat.admins_only")}}}, nil
	}
	roleWord, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	rest = strings.TrimSpace(rest)
	spec := store.InviteSpec{PlanID: e.Plan.ID, CreatedBy: u.ID}
	switch strings.ToLower(roleWord) {
	case "liaison", "联络员":
		spec.Role = store.RoleLiaison
	case "leader", "领导", "链长":
		spec.Role = store.RoleLeader
	case "admin", "管理员":
		spec.Role = store.RoleAdmin
	default:
		return Reply{Messages: []Message{{Text: loc.T("invite.chat.usage", e.examples(loc)...)}}}, nil
	}
	if spec.Role == store.RoleLiaison || (spec.Role == store.RoleLeader && rest != "") {
		pk := e.pickTarget(rest, spec.Role)
		if len(pk.Candidates) > 0 {
			return Reply{Messages: []Message{{Text: loc.T("invite.chat.ambiguous", "Name", rest, "Text", e.matchNames(pk.Candidates, loc))}}}, nil
		}
		if !pk.One {
			text := loc.T("invite.chat.unknown", "Name", rest)
			if len(pk.Suggestions) > 0 {
				text += "\n" + loc.T("invite.chat.suggest", "Text", e.matchNames(pk.Suggestions, loc))
			}
			return Reply{Messages: []Message{{Text: text}}}, nil
		}
		if spec.Role == store.RoleLiaison {
			spec.Unit = pk.Match.Key
		} else {
			spec.Scope = string(pk.Match.Kind) + ":" + pk.Match.Key
		}
	}
	code, err := e.DB.CreateInvite(ctx, spec)
	if err != nil {
		if r, ok := errorReply(err, loc, e.examples(loc)...); ok {
			return r, nil
		}
		return Reply{}, err
	}
	e.log().Info("invite made in chat", "user_id", u.ID, "role", spec.Role, "unit", spec.Unit, "scope", spec.Scope)
	who := loc.T("invite.role." + string(spec.Role))
	switch {
	case spec.Unit != "":
		who += " · " + e.unitName(spec.Unit, loc)
	case spec.Role == store.RoleLeader:
		who += " · " + e.scopeName(spec.Scope, loc)
	}
	text := loc.T("invite.chat.made", "Who", who, "Code", code)
	if e.BotUsername != "" {
		text += "\n" + loc.T("invite.chat.link", "Link", "https://t.me/"+e.BotUsername+"?start="+code)
	}
	return Reply{Messages: []Message{{Text: text}}}, nil
}

// pickTarget reads the unit a liaison invite (or /extend) is for, or the chain, cluster
// or unit a leader's scope names, as the command line reads them (progressbot.Resolver's
// PickUnit and PickScope), so that a name means the same thing in chat and on the server.
func (e *Engine) pickTarget(name string, role store.Role) progressbot.Pick {
	if role == store.RoleLeader {
		return e.Resolver().PickScope(name)
	}
	return e.Resolver().PickUnit(name)
}

// matchNames lists chains, clusters and units by their names in loc's language.
func (e *Engine) matchNames(ms []progressbot.Match, loc *locales.Localizer) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = e.scopeName(string(m.Kind)+":"+m.Key, loc)
	}
	return strings.Join(names, loc.T("invite.or"))
}

// resolveTarget is pickTarget's one thing; an ambiguous name is none.
func (e *Engine) resolveTarget(name string, role store.Role) (progressbot.Match, bool) {
	pk := e.pickTarget(name, role)
	return pk.Match, pk.One
}
