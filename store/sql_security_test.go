package store_test

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestSQLIsParameterized reads the Go sources of package store and checks that the SQL
// text of every ExecContext, QueryContext, QueryRowContext and PrepareContext call (and
// their context-less forms) is built from constants only — a literal, a named constant,
// or a + of those — so that whatever a person types reaches SQLite only as a bound
// parameter. The SQL may also be:
//
//   - a parameter of the enclosing function, when every call of that function in the
//     package passes SQL that passes this check (the statement cache's and the Tx
//     wrappers' query arguments, updateUser's SET clause, queryUsers' query);
//   - the variable of a range over a literal list of constants (the loops over the table
//     names "units" and "items" in plan.go);
//   - the text of a migration file read from the embedded migrations FS (db.go).
func TestSQLIsParameterized(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var srcs []string
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			srcs = append(srcs, f)
		}
	}
	c, err := checkSQL(srcs, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.problems {
		t.Errorf("SQL not built from constants: %s", p)
	}
	// The check must actually see the calls, and the allowed forms must be the ones
	// named above (a new kind of exception should be a decision, not an accident).
	if c.calls < 40 {
		t.Errorf("only %d SQL calls found: is the check still looking at the right methods?", c.calls)
	}
	for _, want := range []string{"range", "migration", "param"} {
		if c.allowed[want] == 0 {
			t.Errorf("no SQL of the allowed kind %q found: update the test's list of exceptions", want)
		}
	}
	t.Logf("%d SQL calls checked; allowed non-literal forms: %v", c.calls, c.allowed)
}

// TestSQLCheckCatchesConcatenation makes sure the check above fails for the mistakes it is
// there to catch.
func TestSQLCheckCatchesConcatenation(t *testing.T) {
	src := `package store

import (
	"context"
	"database/sql"
	"fmt"
)

const cols = "a, b"

func good(ctx context.Context, db *sql.DB, name string) {
	db.QueryRowContext(ctx, "SELECT "+cols+" FROM t WHERE name = ?", name)
	for _, tbl := range []string{"x", "y"} {
		db.ExecContext(ctx, "DELETE FROM "+tbl)
	}
	helper(ctx, db, "SELECT 1")
}

func helper(ctx context.Context, db *sql.DB, q string) { db.QueryContext(ctx, q) }

func fine(ctx context.Context, db *sql.DB, n int, all bool) {
	q := "SELECT a FROM t WHERE b = ?"
	if !all {
		q += " AND c = 1"
	}
	q += fmt.Sprintf(" LIMIT %d", n)
	db.QueryContext(ctx, q, 1)
	prep := func(q string) { db.PrepareContext(ctx, q) }
	prep("SELECT 2")
}

func bad(ctx context.Context, db *sql.DB, name string, tables []string) {
	db.QueryRowContext(ctx, "SELECT * FROM t WHERE name = '"+name+"'")
	db.ExecContext(ctx, fmt.Sprintf("DELETE FROM t WHERE id = %s", name))
	q := "SELECT 1"
	q += " WHERE x = " + name
	db.QueryContext(ctx, q)
	for _, tbl := range tables {
		db.ExecContext(ctx, "DELETE FROM "+tbl)
	}
	helper(ctx, db, "SELECT "+name)
	db.Prepare("SELECT " + name)
}
`
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.go")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := checkSQL([]string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, p := range c.problems {
		lines = append(lines, p.line)
	}
	sort.Ints(lines)
	lines = slices.Compact(lines)
	// Lines of bad(): helper's query (given a name by bad), the quoted name, Sprintf of a
	// string, a variable set from a parameter, a range over a variable, the helper call,
	// Prepare with a name.
	want := []int{19, 33, 34, 37, 39, 41, 42}
	if !slices.Equal(lines, want) {
		t.Errorf("problems on lines %v, want %v:\n%v", lines, want, c.problems)
	}
}

// sqlMethods are the methods whose string parameter is SQL text.
var sqlMethods = map[string]bool{
	"ExecContext": true, "QueryContext": true, "QueryRowContext": true, "PrepareContext": true,
	"Exec": true, "Query": true, "QueryRow": true, "Prepare": true,
}

type problem struct {
	pos  token.Position
	line int
	what string
}

func (p problem) String() string { return p.pos.String() + ": " + p.what }

type sqlCheck struct {
	fset     *token.FileSet
	info     *types.Info
	files    []*ast.File
	problems []problem
	calls    int
	allowed  map[string]int
	// callsOf lists the calls of each function of the package (a declared function, or a
	// variable holding a function literal).
	callsOf map[types.Object][]*ast.CallExpr
	// funcOf maps a parameter to its function and index.
	paramOf map[*types.Var]paramRef
	// rangeOver maps a range variable to the expression ranged over.
	rangeOver map[*types.Var]ast.Expr
	// assigned lists what is assigned to each variable (=, :=, var, and the right side of
	// +=), in source order.
	assigned map[*types.Var][]ast.Expr
	memo     map[paramRef]bool
	busy     map[paramRef]bool
	busyVar  map[*types.Var]bool
	// appended lists what is appended to each slice variable or field.
	appended map[types.Object][]ast.Expr
}

type paramRef struct {
	fn    types.Object
	index int
}

// stdImporter imports the standard library from export data and gives every other
// import an empty package: the check needs the types of database/sql and of the
// package's own declarations, not of the domain types.
type stdImporter struct{ std types.Importer }

func (s stdImporter) Import(path string) (*types.Package, error) {
	if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
		name := path[strings.LastIndex(path, "/")+1:]
		p := types.NewPackage(path, name)
		p.MarkComplete()
		return p, nil
	}
	return s.std.Import(path)
}

func checkSQL(paths []string, _ any) (*sqlCheck, error) {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, p := range paths {
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{},
		Defs: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	conf := types.Config{Importer: stdImporter{importer.ForCompiler(fset, "gc", nil)}, Error: func(error) {}}
	_, _ = conf.Check("store", fset, files, info) // errors about the empty imports are expected
	c := &sqlCheck{
		fset: fset, info: info, files: files, allowed: map[string]int{},
		callsOf: map[types.Object][]*ast.CallExpr{}, paramOf: map[*types.Var]paramRef{},
		rangeOver: map[*types.Var]ast.Expr{}, assigned: map[*types.Var][]ast.Expr{},
		memo: map[paramRef]bool{}, busy: map[paramRef]bool{}, busyVar: map[*types.Var]bool{},
		appended: map[types.Object][]ast.Expr{},
	}
	c.index()
	c.run()
	return c, nil
}

// callee is the function or method a call calls, if it is one the type checker knows.
func (c *sqlCheck) callee(call *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		id = fn
	case *ast.SelectorExpr:
		id = fn.Sel
	default:
		return nil
	}
	f, _ := c.info.Uses[id].(*types.Func)
	return f
}

func (c *sqlCheck) params(fn types.Object, ft *ast.FuncType) {
	i := 0
	for _, field := range ft.Params.List {
		for _, name := range field.Names {
			if v, ok := c.info.Defs[name].(*types.Var); ok {
				c.paramOf[v] = paramRef{fn, i}
			}
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
}

// objOf is the variable or struct field an expression names.
func (c *sqlCheck) objOf(e ast.Expr) types.Object {
	switch e := e.(type) {
	case *ast.Ident:
		return c.varOf(e)
	case *ast.SelectorExpr:
		if sel := c.info.Selections[e]; sel != nil && sel.Kind() == types.FieldVal {
			return sel.Obj()
		}
	}
	return nil
}

// sliceSafe reports whether a slice holds only constant SQL: a field or variable whose
// every append is of constant SQL, or a parameter given such slices by every caller.
func (c *sqlCheck) sliceSafe(x ast.Expr) bool {
	obj := c.objOf(x)
	if obj == nil {
		return false
	}
	if v, ok := obj.(*types.Var); ok {
		if p, ok := c.paramOf[v]; ok {
			calls := c.callsOf[p.fn]
			for _, call := range calls {
				if p.index >= len(call.Args) || !c.sliceSafe(call.Args[p.index]) {
					return false
				}
			}
			return len(calls) > 0
		}
	}
	elems := c.appended[obj]
	for _, e := range elems {
		if c.unsafe(e) != "" {
			return false
		}
	}
	return len(elems) > 0
}

func (c *sqlCheck) varOf(e ast.Expr) *types.Var {
	id, ok := e.(*ast.Ident)
	if !ok {
		return nil
	}
	if v, ok := c.info.Defs[id].(*types.Var); ok {
		return v
	}
	v, _ := c.info.Uses[id].(*types.Var)
	return v
}

func (c *sqlCheck) index() {
	for _, f := range c.files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if fn, ok := c.info.Defs[n.Name].(*types.Func); ok {
					c.params(fn, n.Type)
				}
			case *ast.CallExpr:
				if fn := c.callee(n); fn != nil {
					c.callsOf[fn] = append(c.callsOf[fn], n)
				} else if v := c.varOf(n.Fun); v != nil {
					c.callsOf[v] = append(c.callsOf[v], n)
				}
			case *ast.RangeStmt:
				for _, e := range []ast.Expr{n.Key, n.Value} {
					if v := c.varOf(e); v != nil {
						c.rangeOver[v] = n.X
					}
				}
			case *ast.ValueSpec:
				for i, name := range n.Names {
					if v := c.varOf(name); v != nil && i < len(n.Values) {
						c.assigned[v] = append(c.assigned[v], n.Values[i])
					}
				}
			case *ast.AssignStmt:
				// x = append(x, e…): what a slice (variable or field) may hold.
				if len(n.Lhs) == 1 && len(n.Rhs) == 1 {
					if call, ok := n.Rhs[0].(*ast.CallExpr); ok {
						if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "append" && len(call.Args) > 0 {
							if obj := c.objOf(n.Lhs[0]); obj != nil && obj == c.objOf(call.Args[0]) {
								c.appended[obj] = append(c.appended[obj], call.Args[1:]...)
							}
						}
					}
				}
				for i, l := range n.Lhs {
					v := c.varOf(l)
					if v == nil {
						continue
					}
					rhs := n.Rhs[0]
					if len(n.Rhs) == len(n.Lhs) {
						rhs = n.Rhs[i]
					}
					c.assigned[v] = append(c.assigned[v], rhs)
					if lit, ok := rhs.(*ast.FuncLit); ok {
						c.params(v, lit.Type)
					}
				}
			}
			return true
		})
	}
}

// sqlParam is the index of a call's SQL-text parameter, or -1.
func sqlParam(fn *types.Func) int {
	if !sqlMethods[fn.Name()] {
		return -1
	}
	sig, ok := fn.Type().(*types.Signature)
	if !ok {
		return -1
	}
	for i := 0; i < sig.Params().Len() && i < 2; i++ {
		p := sig.Params().At(i)
		if sig.Variadic() && i == sig.Params().Len()-1 {
			break
		}
		if b, ok := p.Type().(*types.Basic); ok && b.Kind() == types.String {
			return i
		}
	}
	return -1
}

func (c *sqlCheck) run() {
	for _, f := range c.files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn := c.callee(call)
			if fn == nil {
				return true
			}
			i := sqlParam(fn)
			if i < 0 || i >= len(call.Args) {
				return true
			}
			c.calls++
			if why := c.unsafe(call.Args[i]); why != "" {
				pos := c.fset.Position(call.Args[i].Pos())
				c.problems = append(c.problems, problem{pos, pos.Line, fn.Name() + ": " + why})
			}
			return true
		})
	}
}

// unsafe says why an SQL expression is not built from constants, or "".
func (c *sqlCheck) unsafe(e ast.Expr) string {
	if tv, ok := c.info.Types[e]; ok && tv.Value != nil {
		return ""
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return c.unsafe(e.X)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "an operator other than +"
		}
		if why := c.unsafe(e.X); why != "" {
			return why
		}
		return c.unsafe(e.Y)
	case *ast.CallExpr:
		// string(body), body read from the embedded migrations.
		if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "string" && len(e.Args) == 1 {
			if arg, ok := e.Args[0].(*ast.Ident); ok && c.fromMigrations(arg) {
				c.allowed["migration"]++
				return ""
			}
		}
		// fmt.Sprintf(" LIMIT %d", n): integers only, which cannot carry SQL.
		if c.intFormat(e) {
			c.allowed["int-format"]++
			return ""
		}
		return "the result of a call"
	case *ast.Ident:
		v, ok := c.info.Uses[e].(*types.Var)
		if !ok {
			return "the identifier " + e.Name
		}
		if x, ok := c.rangeOver[v]; ok {
			if lit, ok := x.(*ast.CompositeLit); ok && c.allConstant(lit.Elts) {
				c.allowed["range"]++
				return ""
			}
			if c.sliceSafe(x) {
				c.allowed["range-appended"]++
				return ""
			}
			return "a range variable over " + c.describe(x)
		}
		if p, ok := c.paramOf[v]; ok {
			if c.paramSafe(p) {
				c.allowed["param"]++
				return ""
			}
			return "the parameter " + e.Name + " of " + p.fn.Name() + ", not given constant SQL by every caller in the package"
		}
		if vals := c.assigned[v]; len(vals) > 0 && !c.busyVar[v] {
			c.busyVar[v] = true
			defer delete(c.busyVar, v)
			for _, x := range vals {
				if why := c.unsafe(x); why != "" {
					return "the variable " + e.Name + ", set to " + why
				}
			}
			c.allowed["var"]++
			return ""
		}
		return "the variable " + e.Name
	}
	return "a " + c.describe(e)
}

func (c *sqlCheck) describe(e ast.Expr) string {
	return strings.TrimPrefix(strings.TrimPrefix(typeName(e), "*ast."), "ast.")
}

func typeName(e ast.Expr) string {
	switch e.(type) {
	case *ast.SelectorExpr:
		return "field or selector"
	case *ast.IndexExpr:
		return "index expression"
	case *ast.Ident:
		return "variable"
	}
	return "non-constant expression"
}

func (c *sqlCheck) allConstant(es []ast.Expr) bool {
	for _, e := range es {
		if tv, ok := c.info.Types[e]; !ok || tv.Value == nil {
			return false
		}
	}
	return len(es) > 0
}

// intFormat reports whether a call is fmt.Sprintf with a constant format of %d verbs and
// integer arguments.
func (c *sqlCheck) intFormat(call *ast.CallExpr) bool {
	fn := c.callee(call)
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != "fmt" || fn.Name() != "Sprintf" || len(call.Args) < 2 {
		return false
	}
	tv, ok := c.info.Types[call.Args[0]]
	if !ok || tv.Value == nil {
		return false
	}
	format := strings.ReplaceAll(tv.Value.String(), "%%", "")
	if strings.Count(format, "%") != strings.Count(format, "%d") {
		return false
	}
	for _, a := range call.Args[1:] {
		b, ok := c.info.Types[a].Type.Underlying().(*types.Basic)
		if !ok || b.Info()&types.IsInteger == 0 {
			return false
		}
	}
	return true
}

// fromMigrations reports whether a variable holds fs.ReadFile(migrations, …) where
// migrations is the package's embedded FS.
func (c *sqlCheck) fromMigrations(id *ast.Ident) bool {
	v, ok := c.info.Uses[id].(*types.Var)
	if !ok {
		return false
	}
	vals := c.assigned[v]
	if len(vals) != 1 {
		return false
	}
	call, ok := vals[0].(*ast.CallExpr)
	if !ok || len(call.Args) == 0 {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "ReadFile" {
		return false
	}
	arg, ok := call.Args[0].(*ast.Ident)
	if !ok {
		return false
	}
	fsVar, ok := c.info.Uses[arg].(*types.Var)
	return ok && fsVar.Parent() == fsVar.Pkg().Scope() && fsVar.Name() == "migrations" &&
		strings.HasSuffix(fsVar.Type().String(), "embed.FS")
}

// paramSafe reports whether every call of a function in the package passes constant
// SQL for the parameter.
func (c *sqlCheck) paramSafe(p paramRef) bool {
	if ok, done := c.memo[p]; done {
		return ok
	}
	if c.busy[p] { // a cycle: judged by the other callers
		return true
	}
	c.busy[p] = true
	defer delete(c.busy, p)
	calls := c.callsOf[p.fn]
	ok := len(calls) > 0
	for _, call := range calls {
		i := p.index
		if sig, isFunc := p.fn.Type().(*types.Signature); isFunc && sig.Recv() != nil {
			if sel, isSel := call.Fun.(*ast.SelectorExpr); isSel {
				if s := c.info.Selections[sel]; s != nil && s.Kind() == types.MethodExpr {
					i++ // T.Method(recv, args…)
				}
			}
		}
		if i >= len(call.Args) || c.unsafe(call.Args[i]) != "" {
			ok = false
			if i < len(call.Args) {
				pos := c.fset.Position(call.Args[i].Pos())
				c.problems = append(c.problems, problem{pos, pos.Line, p.fn.Name() + " called with SQL that is not constant"})
			}
		}
	}
	c.memo[p] = ok
	return ok
}
