package flows

import (
	"slices"
	"strings"

	"github.com/progressbot/progressbot/locales"
	"github.com/progressbot/progressbot/store"
)

// Command is one entry of a chat's command menu (Telegram's setMyCommands).
type Command struct {
	Name        string
	Description string
}

// roleCommands are the commands a person of a role can use, in menu order: the menu,
// /help and the start greeting all list these and only these. An unbound person has
// role "". /dashboard is there when the dashboard has a public address.
func (e *Engine) roleCommands(role store.Role) []string {
	board := []string{}
	if e.Dashboard != nil {
		board = []string{"dashboard"}
	}
	switch role {
	case store.RoleLiaison:
		return []string{"report", "progress", "export", "lang", "cancel", "help"}
	case store.RoleLeader:
		return slices.Concat([]string{"progress", "missing", "board", "export"}, board, []string{"lang", "help"})
	case store.RoleAdmin:
		return slices.Concat([]string{"progress", "missing", "board", "export"}, board, []string{"invite", "extend", "remind", "lang", "cancel", "help"})
	}
	return []string{"start", "lang", "help"}
}

func roleOf(u User) store.Role {
	if u.Account == nil {
		return ""
	}
	return u.Account.Role
}

// examples are the template data that help and usage texts take their examples from:
// names of the loaded plan (its first chain, first county, first indicator, first task)
// and the period being reported, so that no text names a plan of its own.
func (e *Engine) examples(loc *locales.Localizer) []any {
	en := loc.Lang == "en"
	var chain, county, countyShort, indicator, plan string
	task := 1
	if len(e.Plan.Chains) > 0 {
		c := e.Plan.Chains[0]
		chain = firstOf(c.Short, c.Name)
		if en {
			chain = firstOf(asciiOf(c.Aliases), c.En, chain)
		}
	}
	if cs := e.Plan.Counties(); len(cs) > 0 {
		u := cs[0]
		county = u.Name
		countyShort = firstOf(firstOfList(u.Short), u.Name)
		if en {
			countyShort = firstOf(asciiOf(u.Aliases), u.En, countyShort)
		}
	}
	if len(e.Plan.Indicators) > 0 {
		in := e.Plan.Indicators[0]
		indicator = firstOf(firstOfList(in.Short), in.Name)
		if en {
			indicator = firstOf(asciiOf(in.Short), in.En, indicator)
		}
	}
	if len(e.Plan.Tasks) > 0 {
		task = e.Plan.Tasks[0].No
	}
	plan = e.Plan.Title
	if en && e.Plan.TitleEn != "" {
		plan = e.Plan.TitleEn
	}
	return []any{"Chain", chain, "County", county, "CountyShort", countyShort, "Indicator", indicator,
		"Task", task, "Plan", plan, "Period", e.Calendar.Current(e.now()).String(),
		"Date", e.now().AddDate(0, 0, 14).Format("2006-01-02")}
}

func firstOf(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

func firstOfList(s []string) string { return firstOf(s...) }

// asciiOf is the first name written in Latin letters (an English alias such as
// "petrochemical"), which a person typing in English would use.
func asciiOf(names []string) string {
	for _, n := range names {
		if n != "" && strings.IndexFunc(n, func(r rune) bool { return r > 0x7f }) < 0 {
			return n
		}
	}
	return ""
}

// help lists what the person can do, with usage, in their language.
func (e *Engine) help(u User, loc *locales.Localizer) string {
	role := roleOf(u)
	ex := e.examples(loc)
	title := "help.title.unbound"
	if role != "" {
		title = "help.title." + string(role)
	}
	lines := []string{loc.T(title)}
	for _, c := range e.roleCommands(role) {
		lines = append(lines, loc.T(helpID(role, c), ex...))
	}
	if role == store.RoleLeader || role == store.RoleAdmin {
		lines = append(lines, loc.T("intent.help", ex...)) // questions by intent (intent.go)
	}
	return strings.Join(lines, "\n")
}

// helpID is the help line of a command; a command that does something else for a role
// (a liaison's /progress is their own unit's) has a line of its own.
func helpID(role store.Role, cmd string) string { return commandID("help.cmd.", role, cmd) }

// commandID is the message id of a command's text under prefix, for a role.
func commandID(prefix string, role store.Role, cmd string) string {
	if role == store.RoleLiaison && (cmd == "progress" || cmd == "export") {
		return prefix + cmd + ".liaison"
	}
	return prefix + cmd
}

// Menu is the command menu of a person of a role (role "" for someone not registered),
// in a language: Telegram's setMyCommands for each chat.
func (e *Engine) Menu(role store.Role, lang string) []Command {
	return e.menu(role, e.roleCommands(role), lang)
}

// PublicMenu is the bot's default command menu, in a language: the commands of the
// outside contract (Commands), which every private chat shows until the person first
// writes to the bot. From then on their chat has their role's menu (Menu), which lists
// what they can do and only that.
func (e *Engine) PublicMenu(lang string) []Command { return e.menu("", Commands, lang) }

func (e *Engine) menu(role store.Role, cmds []string, lang string) []Command {
	loc := locales.For(lang)
	ex := e.examples(loc)
	out := make([]Command, 0, len(cmds))
	for _, c := range cmds {
		out = append(out, Command{Name: c, Description: loc.T(commandID("menu.", role, c), ex...)})
	}
	return out
}

// withMenu sets the chat's command menu to the person's, in their language.
func (e *Engine) withMenu(r Reply, u User, loc *locales.Localizer) Reply {
	r.Commands = e.Menu(roleOf(u), loc.Lang)
	return r
}
