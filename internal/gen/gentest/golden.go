package gentest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/compiler/protogen"
)

// Golden describes the golden cases of one plugin: every directory under
// Dir is a case whose .proto files are generated with Param (the case's
// module prefix is added), and whose output must equal want/ or whose
// error must equal error.txt.
type Golden struct {
	// Dir holds the cases, e.g. "testdata".
	Dir string
	// Module is the Go import path of Dir; a case's files are written
	// under Module/<case>/want.
	Module string
	// Run is the plugin under test.
	Run func(*protogen.Plugin) error
	// Suffix is the file suffix the plugin owns in want/ (".orm.go").
	Suffix string
	// Companions are plugin commands run with -update so that want/
	// compiles (protoc-gen-go, protoc-gen-go-grpc, …), as argv.
	Companions [][]string
	// Update rewrites the goldens.
	Update bool
}

// Case is one golden directory.
type Case struct {
	Name, Dir string
	Files     []string
}

// Cases lists the case directories.
func (g Golden) Cases(t *testing.T) []Case {
	entries, err := os.ReadDir(g.Dir)
	require.NoError(t, err)
	var out []Case
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "fuzz" {
			continue
		}
		dir := filepath.Join(g.Dir, e.Name())
		protos, err := filepath.Glob(filepath.Join(dir, "*.proto"))
		require.NoError(t, err)
		c := Case{Name: e.Name(), Dir: dir}
		for _, p := range protos {
			c.Files = append(c.Files, filepath.Base(p))
		}
		if len(c.Files) == 0 {
			continue // not a case: protos used by other tests
		}
		sort.Strings(c.Files)
		out = append(out, c)
	}
	require.NotEmpty(t, out)
	return out
}

// Test runs every case.
func (g Golden) Test(t *testing.T) {
	for _, c := range g.Cases(t) {
		t.Run(c.Name, func(t *testing.T) { g.testCase(t, c) })
	}
}

func (g Golden) testCase(t *testing.T, c Case) {
	req, err := Request(c.Dir, c.Files, "module="+g.Module+"/"+c.Name+"/want")
	require.NoError(t, err)
	resp, err := Run(req, g.Run)
	require.NoError(t, err)
	errFile := filepath.Join(c.Dir, "error.txt")
	wantDir := filepath.Join(c.Dir, "want")
	if resp.Error != nil {
		got := resp.GetError() + "\n"
		if g.Update {
			require.NoError(t, os.RemoveAll(wantDir))
			require.NoError(t, os.WriteFile(errFile, []byte(got), 0o644))
			return
		}
		want, err := os.ReadFile(errFile)
		require.NoError(t, err, "unexpected generation error:\n%s", got)
		assert.Equal(t, string(want), got)
		return
	}
	if g.Update {
		require.NoError(t, os.RemoveAll(wantDir))
		_ = os.Remove(errFile)
		for _, argv := range g.Companions {
			other, err := RunBinary(req, RepoRoot(), argv...)
			require.NoError(t, err)
			require.NoError(t, Write(other, wantDir))
		}
		require.NoError(t, Write(resp, wantDir))
		return
	}
	_, err = os.Stat(errFile)
	require.True(t, os.IsNotExist(err), "expected the error in %s, generation succeeded", errFile)
	files := Files(resp)
	for name, content := range files {
		want, err := os.ReadFile(filepath.Join(wantDir, name))
		require.NoError(t, err, "run the test with -update")
		assert.Equal(t, string(want), content, "%s differs from the golden file; run with -update and review the diff", name)
	}
	noStaleFiles(t, wantDir, g.Suffix, files)
}

// noStaleFiles checks that want/ holds none of the plugin's files that it
// no longer writes.
func noStaleFiles(t *testing.T, wantDir, suffix string, files map[string]string) {
	_ = filepath.WalkDir(wantDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, suffix) {
			return err
		}
		rel, _ := filepath.Rel(wantDir, path)
		if _, ok := files[filepath.ToSlash(rel)]; !ok {
			t.Errorf("%s is no longer generated; run with -update", path)
		}
		return nil
	})
}

// Compiles vets every case's want/ packages: what a plugin emits must
// compile and pass go vet, and be gofmt-clean.
func (g Golden) Compiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds packages")
	}
	var pkgs []string
	for _, c := range g.Cases(t) {
		if _, err := os.Stat(filepath.Join(c.Dir, "want")); err == nil {
			pkgs = append(pkgs, "./"+filepath.ToSlash(filepath.Join(c.Dir, "want"))+"/...")
		}
	}
	require.NotEmpty(t, pkgs)
	out, err := exec.Command("go", append([]string{"vet"}, pkgs...)...).CombinedOutput()
	require.NoError(t, err, "go vet %v:\n%s", pkgs, out)
	assert.Empty(t, Unformatted(t, g.Dir), "not gofmt-clean")
}

// Unformatted lists the Go files under dir that gofmt would change.
func Unformatted(t *testing.T, dir string) []string {
	out, err := exec.Command("gofmt", "-l", dir).CombinedOutput()
	require.NoError(t, err, "gofmt -l %s:\n%s", dir, out)
	return strings.Fields(string(out))
}
