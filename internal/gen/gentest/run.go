package gentest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/protoforge/protoforge/internal/testdb"
)

// Runs exercises the want/ output of every case that generates without
// error on SQLite, PostgreSQL and MariaDB (see package goldenrun): for
// each case it writes a small driver program next to the case, builds all
// drivers with one `go build`, and runs each case's binary once per
// dialect on a fresh database from internal/testdb, with the case's
// schema/<dialect>.sql applied. Every failed check is reported with the
// case, the dialect, the step and what differed.
func (g Golden) Runs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generated code on databases")
	}
	var runs []*caseRun
	for _, c := range g.Cases(t) {
		if _, err := os.Stat(filepath.Join(c.Dir, "error.txt")); err == nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(c.Dir, "want")); err != nil {
			continue
		}
		r, err := g.writeDriver(t, c)
		require.NoError(t, err, "case %s", c.Name)
		runs = append(runs, r)
	}
	require.NotEmpty(t, runs)

	bin := t.TempDir()
	args := []string{"build", "-ldflags=-s -w", "-o", bin + string(filepath.Separator)}
	for _, r := range runs {
		args = append(args, r.driverDir)
	}
	start := time.Now()
	out, buildErr := exec.Command("go", args...).CombinedOutput()
	t.Logf("go build of %d drivers: %v", len(runs), time.Since(start).Round(time.Millisecond))

	for _, r := range runs {
		t.Run(r.c.Name, func(t *testing.T) {
			exe := filepath.Join(bin, filepath.Base(r.driverDir))
			if _, err := os.Stat(exe); err != nil {
				t.Fatalf("case %s: the driver did not build (the want/ packages must compile): %v\n%s", r.c.Name, buildErr, out)
			}
			for _, d := range testdb.All {
				t.Run(string(d), func(t *testing.T) { r.run(t, exe, d) })
			}
		})
	}
}

// result is a line of a driver's output, goldenrun.Result (not imported,
// so that gentest does not link the runtime its users may be testing).
type result struct {
	Step string `json:"step"`
	OK   bool   `json:"ok"`
	Msg  string `json:"msg"`
}

// caseRun is the driver of one case.
type caseRun struct {
	c Case
	// driverDir is the driver's package directory, absolute.
	driverDir string
	// schemaDirs hold the case's schema/ folders (one per Go package with
	// models), absolute.
	schemaDirs []string
}

// run runs the driver on a new database of dialect d and reports its
// results.
func (r *caseRun) run(t *testing.T, exe string, d testdb.Dialect) {
	dsn := testdb.DSN(t, d)
	args := []string{"-dialect", string(d), "-dsn", dsn}
	for _, dir := range r.schemaDirs {
		// Read here too, so that go test's cache sees the schema.
		path := filepath.Join(dir, string(d)+".sql")
		if _, err := os.ReadFile(path); err != nil {
			t.Fatalf("case %s [%s]: %v", r.c.Name, d, err)
		}
		args = append(args, path)
	}
	cmd := exec.Command(exe, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s on %s: %v", r.c.Name, d, time.Since(start).Round(time.Millisecond))
	failures := 0
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var res result
		if json.Unmarshal(sc.Bytes(), &res) != nil {
			t.Errorf("case %s [%s]: driver printed %q", r.c.Name, d, sc.Text())
			failures++
			continue
		}
		if res.OK {
			t.Logf("ok   %s", res.Step)
			continue
		}
		failures++
		t.Errorf("case %s [%s] %s:\n%s", r.c.Name, d, res.Step, indent(res.Msg))
	}
	if err != nil && failures == 0 {
		t.Errorf("case %s [%s]: driver failed: %v\n%s", r.c.Name, d, err, stderr.String())
	} else if stderr.Len() > 0 {
		t.Logf("driver stderr:\n%s", stderr.String())
	}
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// newCRUD matches the constructor of a generated service.
var newCRUD = regexp.MustCompile(`^New(\w+)CRUD$`)

// writeDriver writes the driver of case c: a main package in a new
// directory of the case that registers the models and services the
// want/ packages declare. It is removed when the test ends.
func (g Golden) writeDriver(t *testing.T, c Case) (*caseRun, error) {
	wantDir := filepath.Join(c.Dir, "want")
	r := &caseRun{c: c}
	type pkg struct {
		alias, path string
		models      []string
		services    map[string][]string
	}
	var pkgs []*pkg
	err := filepath.WalkDir(wantDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		fset := token.NewFileSet()
		files, _ := filepath.Glob(filepath.Join(path, "*.go"))
		if len(files) == 0 {
			return nil
		}
		rel, err := filepath.Rel(wantDir, path)
		if err != nil {
			return err
		}
		p := &pkg{alias: fmt.Sprintf("p%d", len(pkgs)), path: g.Module + "/" + c.Name + "/want", services: map[string][]string{}}
		if rel != "." {
			p.path += "/" + filepath.ToSlash(rel)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			for _, decl := range f.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || !fn.Name.IsExported() {
					continue
				}
				recv := receiver(fn)
				switch {
				case recv != "" && fn.Name.Name == "ToModel":
					p.models = append(p.models, recv)
				case recv == "" && newCRUD.MatchString(fn.Name.Name):
					name := newCRUD.FindStringSubmatch(fn.Name.Name)[1]
					if _, ok := p.services[name]; !ok {
						p.services[name] = nil
					}
				case strings.HasSuffix(recv, "CRUD"):
					name := strings.TrimSuffix(recv, "CRUD")
					p.services[name] = append(p.services[name], fn.Name.Name)
				}
			}
		}
		if len(p.models) == 0 && len(p.services) == 0 {
			return nil
		}
		if _, err := os.Stat(filepath.Join(path, "schema")); err == nil {
			abs, err := filepath.Abs(filepath.Join(path, "schema"))
			if err != nil {
				return err
			}
			r.schemaDirs = append(r.schemaDirs, abs)
		}
		sort.Strings(p.models)
		pkgs = append(pkgs, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("%s declares no model", wantDir)
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by gentest.Golden.Runs for golden case %q. DO NOT EDIT.\n\n", c.Name)
	fmt.Fprintf(&b, "// Command %s exercises the generated code of the case on a database.\npackage main\n\nimport (\n", c.Name)
	fmt.Fprintf(&b, "\t%q\n", "github.com/protoforge/protoforge/internal/gen/gentest/goldenrun")
	for _, p := range pkgs {
		fmt.Fprintf(&b, "\t%s %q\n", p.alias, p.path)
	}
	fmt.Fprintf(&b, ")\n\nfunc main() {\n\tgoldenrun.Main(goldenrun.Case{\n\t\tName: %q,\n\t\tModels: []any{\n", c.Name)
	for _, p := range pkgs {
		for _, m := range p.models {
			fmt.Fprintf(&b, "\t\t\t(*%s.%s)(nil),\n", p.alias, m)
		}
	}
	fmt.Fprintf(&b, "\t\t},\n\t\tServices: []goldenrun.Service{\n")
	for _, p := range pkgs {
		names := make([]string, 0, len(p.services))
		for name := range p.services {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			methods := make([]string, len(p.services[name]))
			for i, m := range p.services[name] {
				methods[i] = strconv.Quote(m)
			}
			fmt.Fprintf(&b, "\t\t\t{Name: %q, New: %s.New%sCRUD, Methods: []string{%s}},\n", name, p.alias, name, strings.Join(methods, ", "))
		}
	}
	fmt.Fprintf(&b, "\t\t},\n\t})\n}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("driver of %s: %v\n%s", c.Name, err, b.Bytes())
	}
	// A directory of its own per run, named after the case so that the
	// binaries of one `go build -o dir/` do not collide. The drivers live
	// under _runs, which the go tool's patterns skip, and not next to the
	// case: writing there would change the directories the golden tests
	// read, and Go's test cache would rerun them every time.
	// (Mkdir, not MkdirAll: a stat of _runs would enter the test cache's
	// key, and _runs changes with every run of the other package.)
	base := filepath.Join(RepoRoot(), "internal", "gen", "gentest", "_runs")
	if err := os.Mkdir(base, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	dir, err := os.MkdirTemp(base, "run_"+sanitize(c.Name)+"_")
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
		return nil, err
	}
	r.driverDir = dir
	return r, nil
}

// receiver is the type name of a method's receiver (T for *T), or "".
func receiver(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) != 1 {
		return ""
	}
	typ := fn.Recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

var notAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

// sanitize makes s a valid part of a directory and binary name.
func sanitize(s string) string { return notAlnum.ReplaceAllString(s, "_") }
