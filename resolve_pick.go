package progressbot

import (
	"slices"
	"strings"
)

// Pick is what a name given to pick one thing resolved to: the thing (One), the things
// it may mean (Candidates), or neither (then Suggestions may hold the closest names).
type Pick struct {
	Match Match
	One   bool
	// Candidates, when the name is ambiguous, are the things it may mean, best first.
	Candidates []Match
	// Suggestions, when it names nothing, are the closest things (at most 3), best first.
	Suggestions []Match
}

// PickUnit reads the name of a unit, as an admin gives it for a liaison's invite.
func (r *Resolver) PickUnit(name string) Pick {
	return r.pick(name, []MatchKind{MatchUnit})
}

// PickScope reads what a leader's scope names: a chain, cluster or unit.
func (r *Resolver) PickScope(name string) Pick {
	return r.pick(name, []MatchKind{MatchChain, MatchCluster, MatchUnit})
}

// pick reads a name that must name one thing of the given kinds. Chat's /invite and
// every name the command line takes (invite, chat, export, dashboard-link) read names
// here, so that a name means the same thing wherever it is typed.
//
// Names are read as Resolve reads a question, among things of those kinds only; a
// match Resolve marks Partial (a typo, or a name that explains only part of what was
// typed) is a suggestion, not the thing: a pick binds a person or moves a deadline,
// so it asks where a question's answer would only say what it answers. Besides, a thing's key ("hukou") names it,
// and a stored scope kind:name ("chain:petrochem", "chain:石化") looks for a thing of
// that kind only. The name is ambiguous when more than one thing scores within rsMargin
// of the best (an exact name is never ambiguous with a partial match).
func (r *Resolver) pick(name string, kinds []MatchKind) Pick {
	name = strings.TrimSpace(name)
	if prefix, rest, ok := strings.Cut(name, ":"); ok {
		kind := MatchKind(strings.ToLower(strings.TrimSpace(prefix)))
		switch kind {
		case MatchChain, MatchCluster, MatchUnit, MatchIndicator, MatchTask, MatchWork, MatchProject:
			if !slices.Contains(kinds, kind) {
				return Pick{}
			}
			kinds, name = []MatchKind{kind}, strings.TrimSpace(rest)
		}
	}
	if name == "" {
		return Pick{}
	}
	key := strings.ToLower(name)
	for e, en := range r.ents {
		if en.key == key && slices.Contains(kinds, en.kind) {
			return Pick{Match: r.match(int32(e), rsScoreExact), One: true}
		}
	}
	res := r.resolve(name, func(k MatchKind) bool { return slices.Contains(kinds, k) }, true)
	switch {
	case len(res.Matches) == 0:
		return Pick{Suggestions: res.Suggestions}
	case res.Ambiguous:
	case res.Matches[0].Partial:
		// A typo, or a name that explains only part of what was typed (湖口村 → 湖口县):
		// where a question's answer would say what it answers, a pick asks.
		return Pick{Suggestions: res.Matches[:min(len(res.Matches), rsMaxSuggestions)]}
	default:
		return Pick{Match: res.Matches[0], One: true}
	}
	top := res.Matches[0].Score
	var close []Match
	for _, m := range res.Matches {
		if rsClose(top, m.Score) {
			close = append(close, m)
		}
	}
	return Pick{Candidates: close}
}
