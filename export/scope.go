package export

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/progressbot/progressbot"
	"github.com/progressbot/progressbot/locales"
)

// Scope limits an export to what one person may see: the whole plan (the zero Scope),
// one unit ("unit:hukou": a liaison's own unit, or a leader bound to a county), or a
// chain or cluster ("chain:petrochem", "cluster:lithium-pv": a 链长 and the chain office).
//
// A unit scope keeps the rows of that unit: its county rows, the city indicators it
// reports, its tasks and projects. A chain scope keeps the rows of the items that concern
// the chain, for whichever unit reports them: the indicators, tasks, key work items and
// projects whose chains include it. A cluster scope is the union of its member chains,
// plus the tasks that name the cluster itself; other chains' offices are left out. These
// are the rules of progressbot.Roller.Select, so that an export shows what the same
// person's rollups show.
type Scope struct {
	Kind string // "", "unit", "chain" or "cluster"
	Key  string

	chains  map[string]bool
	offices map[string]bool // the offices of the scope's chains
}

// ParseScope reads a stored scope (store.User.Scope) against a plan. "" is the whole plan.
func ParseScope(p *progressbot.Plan, s string) (Scope, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Scope{}, nil
	}
	kind, key, _ := strings.Cut(s, ":")
	sc := Scope{Kind: kind, Key: key}
	switch kind {
	case "unit":
		if p.Unit(key) == nil {
			return Scope{}, fmt.Errorf("scope %q: no such unit", s)
		}
	case "chain":
		if p.Chain(key) == nil {
			return Scope{}, fmt.Errorf("scope %q: no such chain", s)
		}
		sc.chains = map[string]bool{key: true}
		sc.offices = map[string]bool{p.Chain(key).Office: true}
	case "cluster":
		c := p.Cluster(key)
		if c == nil {
			return Scope{}, fmt.Errorf("scope %q: no such cluster", s)
		}
		sc.chains, sc.offices = map[string]bool{}, map[string]bool{}
		for _, ch := range c.Chains {
			sc.chains[ch] = true
			if chain := p.Chain(ch); chain != nil {
				sc.offices[chain.Office] = true
			}
		}
	default:
		return Scope{}, fmt.Errorf("scope %q: want unit:<id>, chain:<id> or cluster:<id>", s)
	}
	return sc, nil
}

// UnitScope is the scope of one unit.
func UnitScope(unit string) Scope { return Scope{Kind: "unit", Key: unit} }

// All reports whether the scope is the whole plan.
func (s Scope) All() bool { return s.Kind == "" }

func (s Scope) String() string {
	if s.All() {
		return ""
	}
	return s.Kind + ":" + s.Key
}

// Name names the scope for a person: 全市, 湖口县, 石化化工.
func (s Scope) Name(p *progressbot.Plan, loc *locales.Localizer) string {
	en := loc.Lang == "en"
	switch s.Kind {
	case "unit":
		return unitName(p, s.Key, loc)
	case "chain":
		if c := p.Chain(s.Key); c != nil {
			if en && c.En != "" {
				return c.En
			}
			if c.Short != "" {
				return c.Short
			}
			return c.Name
		}
	case "cluster":
		if c := p.Cluster(s.Key); c != nil {
			if en && c.En != "" {
				return c.En
			}
			if c.Short != "" {
				return c.Short
			}
			return c.Name
		}
	}
	return loc.T("export.scope.all")
}

func (s Scope) anyChain(chains []string) bool {
	for _, c := range chains {
		if s.chains[c] {
			return true
		}
	}
	return false
}

// Item reports whether an item concerns the scope, whoever reports it. In a unit scope
// every item does (the unit decides, see Row).
func (s Scope) Item(p *progressbot.Plan, ref progressbot.ItemRef) bool {
	switch s.Kind {
	case "", "unit":
		return true
	}
	switch ref.Kind {
	case progressbot.ItemIndicator:
		if in := p.Indicator(ref.Key); in != nil {
			return s.anyChain(in.Chains)
		}
	case progressbot.ItemTask:
		no, _ := strconv.Atoi(ref.Key)
		if t := p.Task(no); t != nil {
			return s.anyChain(t.Chains) || s.Kind == "cluster" && slices.Contains(t.Clusters, s.Key)
		}
	case progressbot.ItemWorkItem:
		if w := p.WorkItem(ref.Key); w != nil {
			return s.anyChain(w.Chains)
		}
	case progressbot.ItemProject:
		if pr := p.Project(ref.Key); pr != nil {
			return s.anyChain(pr.Chains)
		}
	}
	return false
}

// Row reports whether the row of an item reported by unit is in the scope. In a chain or
// cluster scope another chain's office is left out: it answers a task shared by several
// chains for its own chain (the rule of progressbot.Roller.Select).
func (s Scope) Row(p *progressbot.Plan, ref progressbot.ItemRef, unit string) bool {
	switch s.Kind {
	case "":
		return true
	case "unit":
		return unit == s.Key
	}
	if u := p.Unit(unit); u != nil && u.Kind == progressbot.UnitChainOffice && !s.offices[unit] {
		return false
	}
	return s.Item(p, ref)
}

// Unit reports whether a unit's own rows (the missing list) are in the scope in a period:
// the unit itself in a unit scope, else a unit that owes anything in the scope.
func (s Scope) Unit(p *progressbot.Plan, unit string, period progressbot.Period) bool {
	switch s.Kind {
	case "":
		return true
	case "unit":
		return unit == s.Key
	}
	for _, ref := range p.Due(unit, period) {
		if s.Row(p, ref, unit) {
			return true
		}
	}
	return false
}

func unitName(p *progressbot.Plan, id string, loc *locales.Localizer) string {
	u := p.Unit(id)
	if u == nil {
		return id
	}
	if loc.Lang == "en" && u.En != "" {
		return u.En
	}
	return u.Name
}
