package orm_test

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/pluginpb"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const casesModule = "github.com/protoforge/protoforge/internal/gen/orm/testdata/"

// goldenCase is a directory under testdata/: its .proto files are
// generated, and the result must equal want/ (files) or error.txt.
type goldenCase struct {
	name  string
	dir   string
	files []string
}

func cases(t *testing.T) []goldenCase {
	entries, err := os.ReadDir("testdata")
	require.NoError(t, err)
	var out []goldenCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join("testdata", e.Name())
		protos, err := filepath.Glob(filepath.Join(dir, "*.proto"))
		require.NoError(t, err)
		c := goldenCase{name: e.Name(), dir: dir}
		for _, p := range protos {
			c.files = append(c.files, filepath.Base(p))
		}
		sort.Strings(c.files)
		out = append(out, c)
	}
	require.NotEmpty(t, out)
	return out
}

func (c goldenCase) param() string { return "module=" + casesModule + c.name + "/want" }

// TestGolden runs protoc-gen-orm on every case. With -update it rewrites
// want/ (together with protoc-gen-go's output, so that the case compiles)
// or error.txt.
func TestGolden(t *testing.T) {
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			req, err := gentest.Request(c.dir, c.files, c.param())
			require.NoError(t, err)
			resp, err := gentest.Run(req, orm.Run)
			require.NoError(t, err)
			errFile := filepath.Join(c.dir, "error.txt")
			wantDir := filepath.Join(c.dir, "want")
			if resp.Error != nil {
				got := resp.GetError() + "\n"
				if *update {
					require.NoError(t, os.RemoveAll(wantDir))
					require.NoError(t, os.WriteFile(errFile, []byte(got), 0o644))
					return
				}
				want, err := os.ReadFile(errFile)
				require.NoError(t, err, "unexpected generation error:\n%s", got)
				assert.Equal(t, string(want), got)
				return
			}
			if *update {
				require.NoError(t, os.RemoveAll(wantDir))
				_ = os.Remove(errFile)
				pbResp, err := gentest.RunBinary(req, gentest.RepoRoot(), "go", "tool", "protoc-gen-go")
				require.NoError(t, err)
				require.NoError(t, gentest.Write(pbResp, wantDir))
				require.NoError(t, gentest.Write(resp, wantDir))
				return
			}
			_, err = os.Stat(errFile)
			require.True(t, os.IsNotExist(err), "expected the error in %s, generation succeeded", errFile)
			for name, content := range gentest.Files(resp) {
				want, err := os.ReadFile(filepath.Join(wantDir, name))
				require.NoError(t, err, "run go test ./internal/gen/orm -update")
				assert.Equal(t, string(want), content, "%s differs from the golden file; run with -update and review the diff", name)
			}
			assertNoStaleFiles(t, wantDir, resp)
		})
	}
}

// assertNoStaleFiles checks that want/ holds no .orm.go the plugin no
// longer writes.
func assertNoStaleFiles(t *testing.T, wantDir string, resp *pluginpb.CodeGeneratorResponse) {
	files := gentest.Files(resp)
	_ = filepath.WalkDir(wantDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".orm.go") {
			return err
		}
		rel, _ := filepath.Rel(wantDir, path)
		if _, ok := files[filepath.ToSlash(rel)]; !ok {
			t.Errorf("%s is no longer generated; run with -update", path)
		}
		return nil
	})
}

// TestGoldenCompiles vets every golden output package: what we emit must
// compile and pass go vet.
func TestGoldenCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds packages")
	}
	var pkgs []string
	for _, c := range cases(t) {
		if _, err := os.Stat(filepath.Join(c.dir, "want")); err == nil {
			pkgs = append(pkgs, "./"+filepath.ToSlash(filepath.Join(c.dir, "want"))+"/...")
		}
	}
	require.NotEmpty(t, pkgs)
	cmd := exec.Command("go", append([]string{"vet"}, pkgs...)...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go vet %v:\n%s", pkgs, out)
	cmd = exec.Command("gofmt", append([]string{"-l"}, "testdata")...)
	out, err = cmd.CombinedOutput()
	require.NoError(t, err)
	assert.Empty(t, strings.TrimSpace(string(out)), "not gofmt-clean")
}
