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
		m, ok := e.resolveTarget(rest, spec.Role)
		if !ok {
			return Reply{Messages: []Message{{Text: loc.T("invite.chat.unknown", "Name", rest)}}}, nil
		}
		if spec.Role == store.RoleLiaison {
			spec.Unit = m.Key
		} else {
			spec.Scope = string(m.Kind) + ":" + m.Key
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

// resolveTarget finds the unit a liaison invite is for, or the chain, cluster or unit a
// leader's scope names. Only an unambiguous match counts.
func (e *Engine) resolveTarget(name string, role store.Role) (progressbot.Match, bool) {
	if strings.TrimSpace(name) == "" {
		return progressbot.Match{}, false
	}
	res := e.Resolver().Resolve(name)
	for _, m := range res.Matches {
		switch {
		case m.Kind == progressbot.MatchUnit:
		case role == store.RoleLeader && (m.Kind == progressbot.MatchChain || m.Kind == progressbot.MatchCluster):
		default:
			continue
		}
		if res.Ambiguous && m.Score < res.Matches[0].Score {
			return progressbot.Match{}, false
		}
		return m, true
	}
	return progressbot.Match{}, false
}
