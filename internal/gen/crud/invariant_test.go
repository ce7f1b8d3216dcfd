package crud_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/protoforge/protoforge/internal/gen/gentest"
)

// TestNoNilNilReturns checks every generated .crud.go of the repository
// (goldens, the example, the end-to-end packages): no method returns a nil
// message with a nil error. Each return gives an error that is not nil, a
// message built in place (&T{…}, nil), or the result of crudrt.Call,
// crudrt.One or crudrt.All, which never give both nil.
func TestNoNilNilReturns(t *testing.T) {
	root := gentest.RepoRoot()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".crud.go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("found %d generated files; want the goldens, the example and the end-to-end packages", len(files))
	}
	fset := token.NewFileSet()
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			fn, ok := n.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Type.Results == nil || fn.Type.Results.NumFields() != 2 {
				return true
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if _, ok := n.(*ast.FuncLit); ok {
					return false
				}
				ret, ok := n.(*ast.ReturnStmt)
				if !ok {
					return true
				}
				if why := badReturn(ret); why != "" {
					t.Errorf("%s: %s: %s", fset.Position(ret.Pos()), fn.Name.Name, why)
				}
				return true
			})
			return false
		})
	}
}

// badReturn says what is wrong with a return of (message, error), or "".
func badReturn(ret *ast.ReturnStmt) string {
	isNil := func(e ast.Expr) bool { id, ok := e.(*ast.Ident); return ok && id.Name == "nil" }
	switch len(ret.Results) {
	case 1:
		call, ok := ret.Results[0].(*ast.CallExpr)
		if !ok {
			return "a single result that is not a call"
		}
		fun := call.Fun
		if ix, ok := fun.(*ast.IndexExpr); ok {
			fun = ix.X
		}
		if sel, ok := fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "Call" || sel.Sel.Name == "One" || sel.Sel.Name == "All") {
			return ""
		}
		return "returns a call other than crudrt.Call, crudrt.One or crudrt.All"
	case 2:
		msg, err := ret.Results[0], ret.Results[1]
		switch {
		case isNil(msg) && isNil(err):
			return "returns (nil, nil)"
		case isNil(msg):
			return ""
		case isNil(err):
			if u, ok := msg.(*ast.UnaryExpr); ok && u.Op == token.AND {
				if _, ok := u.X.(*ast.CompositeLit); ok {
					return ""
				}
			}
			return "returns a message that may be nil with a nil error"
		}
		return "returns both a message and an error"
	}
	return "bare return"
}

// TestBadReturn shows what the invariant refuses.
func TestBadReturn(t *testing.T) {
	for src, want := range map[string]string{
		"return nil, nil":                               "returns (nil, nil)",
		"return msg, err":                               "returns both a message and an error",
		"return msg, nil":                               "returns a message that may be nil with a nil error",
		"return s.svc.Get(ctx, key)":                    "returns a call other than crudrt.Call, crudrt.One or crudrt.All",
		"return crudrt.Call[*Book](ctx, s.svc, 0, req)": "",
		"return nil, err":                               "",
		"return &Res{}, nil":                            "",
		"return crudrt.One[*Book](s.Get(ctx))":          "",
	} {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package x\nfunc f() {\n"+src+"\n}\n", 0)
		if err != nil {
			t.Fatal(err)
		}
		ret := f.Decls[0].(*ast.FuncDecl).Body.List[0].(*ast.ReturnStmt)
		if got := badReturn(ret); got != want {
			t.Errorf("%s: got %q, want %q", src, got, want)
		}
	}
}
