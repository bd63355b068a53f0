package schedule_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/progressbot/progressbot/schedule"
)

// TestOutboxKindsComplete: every outbox kind constant of planner.go is in OutboxKinds,
// whose list starts each kind's sent counter at 0 (metrics), once each.
func TestOutboxKindsComplete(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "planner.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var consts []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if !strings.HasPrefix(name.Name, "Kind") || i >= len(vs.Values) {
				continue
			}
			if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				v, _ := strconv.Unquote(lit.Value)
				consts = append(consts, v)
			}
		}
		return true
	})
	got := schedule.OutboxKinds()
	if len(consts) == 0 {
		t.Fatal("no Kind constants found in planner.go")
	}
	for _, k := range consts {
		if !slices.Contains(got, k) {
			t.Errorf("kind %q is not in OutboxKinds", k)
		}
	}
	if len(got) != len(consts) || len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(got) {
		t.Errorf("OutboxKinds %v, constants %v", got, consts)
	}
}
