package progressbot_test

import (
	"slices"
	"testing"

	"github.com/progressbot/progressbot"
)

func TestPick(t *testing.T) {
	r := resolveBundledResolver(t)
	tests := []struct {
		name  string
		scope bool   // PickScope, else PickUnit
		want  string // kind:key of the one thing; empty when none
		cands []string
		sugg  string // among the suggestions
	}{
		{name: "湖口县", want: "unit:hukou"},
		{name: "湖口", want: "unit:hukou"},
		{name: " Hukou County ", want: "unit:hukou"},
		{name: "hukou", want: "unit:hukou"},
		{name: "gxj", want: "unit:gxj"},     // a key
		{name: "湖口镇", sugg: "unit:hukou"},   // a typo: asked, not taken
		{name: "Hukuo", sugg: "unit:hukou"}, // likewise, in English
		{name: "湖口村", sugg: "unit:hukou"},   // a name explaining part of what was typed
		{name: "石油化工园", scope: true, sugg: "chain:petrochem"},
		{name: "全市", want: "unit:city"},               // the overview command is no unit
		{name: "石化化工", want: "unit:office-petrochem"}, // a unit only: the chain's office
		{name: "石化化工", scope: true, want: "chain:petrochem"},
		{name: "chain:石化", scope: true, want: "chain:petrochem"},
		{name: "chain:petrochem", scope: true, want: "chain:petrochem"},
		{name: "unit:湖口", scope: true, want: "unit:hukou"},
		{name: "锂电", scope: true, want: "cluster:lithium-pv"},
		{name: "彭泽", scope: true, want: "unit:pengze"},
		{name: "高新区", cands: []string{"unit:gongqing-hitech", "unit:hukou-hitech"}},
		{name: "高新区", scope: true, cands: []string{"unit:gongqing-hitech", "unit:hukou-hitech"}},
		{name: "petrochemistry", scope: true, sugg: "chain:petrochem"},
		{name: "task:6", scope: true},
		{name: "chain:湖口"},
		{name: "Atlantis"},
		{name: "火星", scope: true},
		{name: "  "},
	}
	for _, tt := range tests {
		pk := r.PickUnit(tt.name)
		if tt.scope {
			pk = r.PickScope(tt.name)
		}
		got := ""
		if pk.One {
			got = string(pk.Match.Kind) + ":" + pk.Match.Key
		}
		var cands, sugg []string
		for _, m := range pk.Candidates {
			cands = append(cands, string(m.Kind)+":"+m.Key)
		}
		for _, m := range pk.Suggestions {
			sugg = append(sugg, string(m.Kind)+":"+m.Key)
		}
		if got != tt.want || !slices.Equal(cands, tt.cands) || tt.sugg != "" && !slices.Contains(sugg, tt.sugg) {
			t.Errorf("pick %q (scope %v) = %q, candidates %v, suggestions %v; want %q, %v, %q", tt.name, tt.scope, got, cands, sugg, tt.want, tt.cands, tt.sugg)
		}
		if pk.One && (len(pk.Candidates) > 0 || len(pk.Suggestions) > 0) {
			t.Errorf("pick %q: one thing and more: %+v", tt.name, pk)
		}
		for _, m := range append(pk.Candidates, pk.Suggestions...) {
			if k := m.Kind; k != progressbot.MatchUnit && (!tt.scope || k != progressbot.MatchChain && k != progressbot.MatchCluster) {
				t.Errorf("pick %q offers a %s", tt.name, k)
			}
		}
	}
}
