package export_test

import (
	"testing"

	"github.com/progressbot/progressbot/export"
)

// TestEvidenceSheet: the workbook's 佐证材料 sheet has a row per file attached for the
// period, within the scope, in both languages.
func TestEvidenceSheet(t *testing.T) {
	f := newFixture(t)
	f.seedAnswers(t)
	for _, tt := range []struct {
		lang, sheet string
		scope       export.Scope
		want        map[string][]string // by unit
	}{
		{"zh-CN", "佐证材料", export.Scope{}, map[string][]string{
			"湖口县": {"湖口县", "2026-11", "任务6 持续扩大有效投资", "现场.jpg", "image/jpeg", "9", "77"},
			"彭泽县": {"彭泽县", "2026-11", "规模以上工业企业户数", "名录.pdf", "application/pdf", "13", "77"},
		}},
		{"en", "Evidence", export.UnitScope("pengze"), map[string][]string{
			"Pengze County": {"Pengze County", "2026-11", "Above-scale enterprises", "名录.pdf", "application/pdf", "13", "77"},
		}},
	} {
		x, _ := workbook(t, f, tt.lang, tt.scope)
		_, rows := sheetRows(t, x, tt.sheet)
		if len(rows) != len(tt.want) {
			t.Errorf("%s: %d rows, want %d: %v", tt.lang, len(rows), len(tt.want), rows)
		}
		for unit, want := range tt.want {
			got := rows[unit]
			if len(got) < len(want)+1 {
				t.Errorf("%s: row of %s: %v", tt.lang, unit, got)
				continue
			}
			for i, w := range want {
				if got[i] != w {
					t.Errorf("%s: %s column %d = %q, want %q", tt.lang, unit, i, got[i], w)
				}
			}
			if got[len(want)] == "" {
				t.Errorf("%s: %s: no time", tt.lang, unit)
			}
		}
	}
}
