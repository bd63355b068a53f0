package locales

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// idLike is a string literal shaped like a message id ("leader.attention") or like the
// prefix of ids picked at run time ("status." + state).
var idLike = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.?$`)

// fileName is a literal that names a file, not a message ("bot.log").
var fileName = regexp.MustCompile(`\.(log|db|yaml|go|xlsx|csv|png|json|txt)$`)

// TestIDsUsed fails when the code names a message id that no file defines, or when a
// file defines a message that no code uses. An id is used when its literal appears in
// the module's Go code (tests excluded), or when a literal prefix ending in a dot does
// ("stage." + stage).
func TestIDsUsed(t *testing.T) {
	msgs, err := Messages(Default)
	if err != nil {
		t.Fatal(err)
	}
	namespaces := map[string]bool{}
	for id := range msgs {
		ns, _, _ := strings.Cut(id, ".")
		namespaces[ns] = true
	}
	used := map[string]bool{}
	var prefixes []string
	fset := token.NewFileSet()
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			// fmt.Sprintf("schedule.bulletin.no%d", i) names ids by prefix too.
			if before, _, ok := strings.Cut(s, "%"); ok {
				s = before
			}
			if !idLike.MatchString(s) || !strings.Contains(s, ".") || fileName.MatchString(s) {
				return true
			}
			ns, _, _ := strings.Cut(s, ".")
			if !namespaces[ns] {
				return true
			}
			if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "_") || len(s) < len(lit.Value)-2 {
				prefixes = append(prefixes, s)
				return true
			}
			if _, ok := msgs[s]; !ok {
				t.Errorf("%s: message %q is not in the locale files", fset.Position(lit.Pos()), s)
			}
			used[s] = true
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for id := range msgs {
		if used[id] {
			continue
		}
		found := false
		for _, p := range prefixes {
			if strings.HasPrefix(id, p) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("message %q is used nowhere in the code", id)
		}
	}
}
