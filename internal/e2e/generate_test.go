package e2e_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testsupport"
)

// requireTool returns the path of an external tool a test needs. A
// missing tool fails the test when CI=true (.ci/run installs it, so its
// absence is a broken CI image, not a reason to pass), and skips it
// loudly otherwise (skipNotice).
func requireTool(t *testing.T, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed and CI=true: %s (.ci/run does)", name, install)
	}
	msg := fmt.Sprintf("*** SKIPPING %s: %s is not installed: %s ***", t.Name(), name, install)
	testsupport.SkipNotice(msg)
	t.Skip(msg)
	return ""
}

// requireProtoc is requireTool for Debian's protoc.
func requireProtoc(t *testing.T) string {
	t.Helper()
	return requireTool(t, "protoc", "apt-get install protobuf-compiler")
}

// plugins builds protoc-gen-orm and protoc-gen-go once for the tests that
// run them under protoc, into a directory removed when the package's tests
// end, and returns that directory.
var plugins = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "e2e-plugins-")
	if err != nil {
		return "", err
	}
	cleanups = append(cleanups, func() { _ = os.RemoveAll(dir) })
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/protoc-gen-orm", "google.golang.org/protobuf/cmd/protoc-gen-go")
	cmd.Dir = gentest.RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build the plugins: %v\n%s", err, b)
	}
	return dir, nil
})

// cleanups run after all of the package's tests (TestMain).
var cleanups []func()

// TestMain builds buf first, under warmBuf's lock, unless -short skips the
// tests that run it (TestBufGenerate, TestBreakingChecksCatchOptionChanges,
// TestScaffoldPassesStandardLint).
func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Short() {
		if err := testsupport.WarmBuf(gentest.RepoRoot()); err != nil {
			fmt.Fprintf(os.Stderr, "warm buf: %v\n", err)
		}
	}
	code := m.Run()
	for _, f := range cleanups {
		f()
	}
	os.Exit(code)
}

// committedFiles lists the generated files under dirs of root.
func committedFiles(t *testing.T, root string, dirs ...string) []string {
	var out []string
	for _, d := range dirs {
		err := filepath.WalkDir(filepath.Join(root, d), func(path string, e os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !e.IsDir() && (strings.HasSuffix(path, ".pb.go") || strings.HasSuffix(path, ".orm.go") ||
				strings.HasSuffix(path, ".crud.go") || strings.HasSuffix(path, ".openapi.json") || strings.HasSuffix(path, ".connect.go") || filepath.Base(filepath.Dir(path)) == "schema") {
				rel, _ := filepath.Rel(root, path)
				out = append(out, filepath.ToSlash(rel))
			}
			return nil
		})
		require.NoError(t, err)
	}
	require.NotEmpty(t, out)
	return out
}

// TestBufGenerate runs `buf generate` as README documents, for the
// repository (options, test packages) and for the example, into temporary
// directories: protoc-gen-orm and protoc-gen-crud work under buf, and the
// committed generated code is what the generators produce today, byte for
// byte (the staleness gate).
//
// buf is no external tool: `go tool` builds it from tools.mod, so it
// cannot be missing. Only -short skips this test (building buf takes about
// three minutes the first time); .ci/run never passes -short.
func TestBufGenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping buf generate (builds buf, about 3 minutes the first time)")
	}
	t.Parallel()
	root := gentest.RepoRoot()
	for _, c := range []struct {
		dir, modfile string
		outputs      []string
	}{
		{".", "tools.mod", []string{"options", "internal/e2e/gen"}},
		{"example", "../tools.mod", []string{"gen"}},
	} {
		t.Run(c.dir, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(root, c.dir)
			out := t.TempDir()
			cmd := exec.Command("go", "tool", "-modfile="+c.modfile, "buf", "generate", "-o", out)
			cmd.Dir = dir
			b, err := cmd.CombinedOutput()
			require.NoError(t, err, "buf generate in %s:\n%s", c.dir, b)
			committed := committedFiles(t, dir, c.outputs...)
			for _, rel := range committed {
				want, err := os.ReadFile(filepath.Join(dir, rel))
				require.NoError(t, err)
				got, err := os.ReadFile(filepath.Join(out, rel))
				if !assert.NoError(t, err, "%s/%s is committed but no longer generated", c.dir, rel) {
					continue
				}
				if !bytes.Equal(want, got) {
					t.Errorf("%s/%s is stale: regenerate with buf generate and commit the result\n%s", c.dir, rel, firstDiff(string(want), string(got)))
				}
			}
			var produced []string
			_ = filepath.WalkDir(out, func(path string, e os.DirEntry, err error) error {
				if err == nil && !e.IsDir() {
					rel, _ := filepath.Rel(out, path)
					produced = append(produced, filepath.ToSlash(rel))
				}
				return err
			})
			assert.ElementsMatch(t, committed, produced, "generated files and committed files differ")
		})
	}
}

// protocHeader is the line of protoc-gen-go's header that names the
// compiler; protoc and buf spell it differently.
var protocHeader = regexp.MustCompile(`(?m)^// \tprotoc +.*$`)

// TestProtoc runs protoc-gen-orm under Debian's protoc, as users without
// buf do, and compares its output with the committed files.
func TestProtoc(t *testing.T) {
	t.Parallel()
	protoc := requireProtoc(t)
	root := gentest.RepoRoot()
	bin, err := plugins()
	require.NoError(t, err)
	out := t.TempDir()
	cmd := exec.Command(protoc,
		"-I", "options", "-I", "third_party", "-I", "internal/e2e/proto",
		"--plugin=protoc-gen-orm="+filepath.Join(bin, "protoc-gen-orm"),
		"--plugin=protoc-gen-go="+filepath.Join(bin, "protoc-gen-go"),
		"--go_out="+out, "--go_opt=module=github.com/protoforge/protoforge",
		"--orm_out="+out, "--orm_opt=module=github.com/protoforge/protoforge",
		"kinds/v1/kinds.proto")
	cmd.Dir = root
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "protoc:\n%s", b)
	for _, rel := range []string{"internal/e2e/gen/kinds/v1/kinds.orm.go", "internal/e2e/gen/kinds/v1/kinds.pb.go",
		"internal/e2e/gen/kinds/v1/schema/postgres.sql", "internal/e2e/gen/kinds/v1/schema/mysql.sql",
		"internal/e2e/gen/kinds/v1/schema/sqlite.sql", "internal/e2e/gen/kinds/v1/schema/schema.json"} {
		want, err := os.ReadFile(filepath.Join(root, rel))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(out, rel))
		require.NoError(t, err, "protoc did not write %s", rel)
		w, g := protocHeader.ReplaceAllString(string(want), ""), protocHeader.ReplaceAllString(string(got), "")
		if w != g {
			t.Errorf("%s differs under protoc\n%s", rel, firstDiff(w, g))
		}
	}

	// paths=source_relative works too.
	rel := t.TempDir()
	cmd = exec.Command(protoc, "-I", "options", "-I", "third_party", "-I", "internal/e2e/proto",
		"--plugin=protoc-gen-orm="+filepath.Join(bin, "protoc-gen-orm"),
		"--orm_out="+rel, "--orm_opt=paths=source_relative", "kinds/v1/kinds.proto")
	cmd.Dir = root
	b, err = cmd.CombinedOutput()
	require.NoError(t, err, "protoc:\n%s", b)
	_, err = os.Stat(filepath.Join(rel, "kinds/v1/kinds.orm.go"))
	assert.NoError(t, err, "paths=source_relative")
}

// TestProtocReportsErrors checks that a bad option reaches the protoc user
// as a clear message with file:line:col and a non-zero exit.
func TestProtocReportsErrors(t *testing.T) {
	t.Parallel()
	protoc := requireProtoc(t)
	root := gentest.RepoRoot()
	bin, err := plugins()
	require.NoError(t, err)
	dir := t.TempDir()
	src := `syntax = "proto3";
package bad.v1;
import "protoforge/v1/options.proto";
option go_package = "example.com/bad/v1;badv1";
message Item {
  option (protoforge.v1.model) = {};
  repeated int64 id = 1;
}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.proto"), []byte(src), 0o644))
	cmd := exec.Command(protoc, "-I", dir, "-I", filepath.Join(root, "options"),
		"--plugin=protoc-gen-orm="+filepath.Join(bin, "protoc-gen-orm"),
		"--orm_out="+t.TempDir(), "bad.proto")
	b, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(b), "bad.proto:5:1: message bad.v1.Item: model has no primary key; mark a field with [(protoforge.v1.field) = {primary_key: true}] or add a field `int64 id`")
}

// firstDiff shows the first line where two texts differ.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  committed: %s\n  generated: %s", i+1, w, g)
		}
	}
	return "(no line differs)"
}

// TestExampleReadmeDiagram checks that the example's README embeds the ER
// diagram protoc-gen-orm generates for it.
func TestExampleReadmeDiagram(t *testing.T) {
	root := gentest.RepoRoot()
	erd, err := os.ReadFile(filepath.Join(root, "example/gen/library/v1/schema/erd.mmd"))
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(root, "example/README.md"))
	require.NoError(t, err)
	_, diagram, _ := strings.Cut(string(erd), "\n") // without the generated-code comment
	assert.Contains(t, string(readme), "```mermaid\n"+diagram+"```", "example/README.md embeds a stale diagram: copy gen/library/v1/schema/erd.mmd")
}

// TestReadmeErrorTable checks that every message in README's table of
// generation errors is one the golden cases produce.
func TestReadmeErrorTable(t *testing.T) {
	root := gentest.RepoRoot()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(root, "internal/gen/*/testdata/err_*/error.txt"))
	require.NoError(t, err)
	var goldens strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		goldens.WriteString(strings.ReplaceAll(string(b), "`", "'"))
	}
	_, section, _ := strings.Cut(string(readme), "## Generation errors")
	section, _, _ = strings.Cut(section, "\n## ")
	rows := 0
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, " | `")
		if len(cells) != 2 || !strings.HasSuffix(line, "` |") {
			continue
		}
		msg := strings.ReplaceAll(strings.TrimSuffix(cells[1], "` |"), `\|`, "|")
		assert.Contains(t, goldens.String(), msg, "README's error table shows a message no golden case produces")
		rows++
	}
	assert.GreaterOrEqual(t, rows, 20)
}

// TestGofmt keeps every Go file of the repository gofmt-clean, generated
// ones included.
func TestGofmt(t *testing.T) {
	root := gentest.RepoRoot()
	assert.Empty(t, gentest.Unformatted(t, root), "gofmt -w these files")
}
