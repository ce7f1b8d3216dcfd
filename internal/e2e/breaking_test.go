package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/protoforge/protoforge/internal/gen/gentest"
)

// TestBreakingChecksCatchOptionChanges runs the check .ci/run runs before
// release, `buf breaking` with the FILE rules of buf.yaml, against a copy of
// options/ with one field renumbered and one field's type changed: both are
// refused, by name, while the unchanged copy passes.
func TestBreakingChecksCatchOptionChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("builds buf")
	}
	root := gentest.RepoRoot()
	src, err := os.ReadFile(filepath.Join(root, "options/protoforge/v1/options.proto"))
	require.NoError(t, err)
	cfg, err := os.ReadFile(filepath.Join(root, "buf.yaml"))
	require.NoError(t, err)
	require.Contains(t, string(cfg), "breaking:\n  use:\n    - FILE")

	workspace := func(proto string) string {
		dir := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "options/protoforge/v1"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "options/protoforge/v1/options.proto"), []byte(proto), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "buf.yaml"), []byte("version: v2\nmodules:\n  - path: options\nbreaking:\n  use:\n    - FILE\n"), 0o644))
		return dir
	}
	breaking := func(head, base string) (string, error) {
		cmd := exec.Command("go", "tool", "-modfile=tools.mod", "buf", "breaking", head, "--against", base)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	base := workspace(string(src))

	out, err := breaking(workspace(string(src)), base)
	assert.NoError(t, err, "unchanged options:\n%s", out)

	for _, c := range []struct{ name, from, to, want string }{
		{"renumbered", "bool soft_delete = 3;", "bool soft_delete = 30;", `"3" with name "soft_delete" on message "ModelOptions" was deleted`},
		{"retyped", "string table = 1;", "bytes table = 1;", `"1" with name "table" on message "ModelOptions" changed type from "string" to "bytes"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Contains(t, string(src), c.from)
			out, err := breaking(workspace(strings.Replace(string(src), c.from, c.to, 1)), base)
			assert.Error(t, err)
			assert.Contains(t, out, c.want)
		})
	}
}
