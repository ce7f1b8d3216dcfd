package e2e_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	scaffoldv1 "github.com/protoforge/protoforge/internal/e2e/gen/scaffold/v1"
	"github.com/protoforge/protoforge/internal/e2e/gen/scaffold/v1/scaffoldv1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/scaffold"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestScaffoldIsCurrent: the committed gizmo_service.proto is what
// `protoc-gen-crud scaffold` writes for the Gizmo model, unchanged (and
// .ci/run lints it with buf, STANDARD).
func TestScaffoldIsCurrent(t *testing.T) {
	root := gentest.RepoRoot()
	got, err := scaffold.Scaffold([]string{
		filepath.Join(root, "internal/e2e/proto"), filepath.Join(root, "options"), filepath.Join(root, "third_party"),
	}, "scaffold/v1/gizmo.proto", "Gizmo")
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join(root, "internal/e2e/proto/scaffold/v1/gizmo_service.proto"))
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "run: go run ./cmd/protoc-gen-crud scaffold -I internal/e2e/proto -I options -I third_party --proto scaffold/v1/gizmo.proto --model Gizmo --out internal/e2e/proto/scaffold/v1/gizmo_service.proto")

	_, err = scaffold.Scaffold([]string{filepath.Join(root, "internal/e2e/proto"), filepath.Join(root, "options")}, "scaffold/v1/gizmo.proto", "Widget")
	assert.ErrorContains(t, err, "declares no message Widget")

	// A model keyed by an enum gets no service: its standard methods
	// could not be served (protoc-gen-crud refuses them the same way).
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "swatch.proto"), []byte(`syntax = "proto3";
package swatch.v1;
import "protoforge/v1/options.proto";
option go_package = "example.com/swatch/v1;swatchv1";
enum Color {
  COLOR_UNSPECIFIED = 0;
  COLOR_RED = 1;
}
message Swatch {
  option (protoforge.v1.model) = {};
  Color color = 1 [(protoforge.v1.field) = {primary_key: true}];
}
`), 0o644))
	_, err = scaffold.Scaffold([]string{dir, filepath.Join(root, "options")}, "swatch.proto", "Swatch")
	assert.ErrorContains(t, err, `the key "color" of swatch.v1.Swatch is swatch.v1.Color; standard methods serve keys of string and integer kinds`)
}

// TestScaffoldedService generates from the scaffolded service and calls
// every method, on every database.
func TestScaffoldedService(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/scaffold/v1/schema", db.Dialector.Name()+".sql"))
		mux := http.NewServeMux()
		mux.Handle(scaffoldv1connect.NewGizmoServiceHandler(scaffoldv1.NewGizmoServiceCRUD(db)))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		c := scaffoldv1connect.NewGizmoServiceClient(srv.Client(), srv.URL, connect.WithProtoJSON())
		ctx := context.Background()

		g, err := c.CreateGizmo(ctx, &scaffoldv1.CreateGizmoRequest{Gizmo: &scaffoldv1.Gizmo{Label: "one"}})
		require.NoError(t, err)
		got, err := c.GetGizmo(ctx, &scaffoldv1.GetGizmoRequest{Id: g.Id})
		require.NoError(t, err)
		assert.Equal(t, "one", got.Label)
		u, err := c.UpdateGizmo(ctx, &scaffoldv1.UpdateGizmoRequest{Gizmo: &scaffoldv1.Gizmo{Id: g.Id, Label: "uno"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"label"}}})
		require.NoError(t, err)
		assert.Equal(t, "uno", u.Label)
		list, err := c.ListGizmos(ctx, &scaffoldv1.ListGizmosRequest{PageSize: 10})
		require.NoError(t, err)
		assert.Len(t, list.Gizmos, 1)
		d, err := c.DeleteGizmo(ctx, &scaffoldv1.DeleteGizmoRequest{Id: g.Id, Etag: u.Etag})
		require.NoError(t, err)
		assert.NotNil(t, d.DeleteTime)
		list, err = c.ListGizmos(ctx, &scaffoldv1.ListGizmosRequest{})
		require.NoError(t, err)
		assert.Empty(t, list.Gizmos)
		r, err := c.UndeleteGizmo(ctx, &scaffoldv1.UndeleteGizmoRequest{Id: g.Id})
		require.NoError(t, err)
		assert.Nil(t, r.DeleteTime)

		// REQUIRED request fields (AIP-203) are enforced, naming the field.
		_, err = c.GetGizmo(ctx, &scaffoldv1.GetGizmoRequest{})
		require.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%v", err)
		assert.Equal(t, []string{"id"}, badRequestFields(t, err))
		_, err = c.CreateGizmo(ctx, &scaffoldv1.CreateGizmoRequest{})
		require.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%v", err)
		assert.Equal(t, []string{"gizmo"}, badRequestFields(t, err))
	})
}

// TestScaffoldPassesStandardLint: the scaffolded file passes `buf lint`
// with the STANDARD rules and no exceptions in buf.yaml; the two rules AIP
// standard methods cannot follow are ignored method by method, in the file.
func TestScaffoldPassesStandardLint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds buf")
	}
	root := gentest.RepoRoot()
	got, err := scaffold.Scaffold([]string{
		filepath.Join(root, "internal/e2e/proto"), filepath.Join(root, "options"), filepath.Join(root, "third_party"),
	}, "scaffold/v1/gizmo.proto", "Gizmo")
	require.NoError(t, err)

	ws := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(ws, "options"), os.DirFS(filepath.Join(root, "options"))))
	require.NoError(t, os.CopyFS(filepath.Join(ws, "third_party"), os.DirFS(filepath.Join(root, "third_party"))))
	pkg := filepath.Join(ws, "proto", "scaffold", "v1")
	require.NoError(t, os.MkdirAll(pkg, 0o755))
	model, err := os.ReadFile(filepath.Join(root, "internal/e2e/proto/scaffold/v1/gizmo.proto"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(pkg, "gizmo.proto"), model, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(pkg, "gizmo_service.proto"), []byte(got), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(ws, "buf.yaml"), []byte(`version: v2
modules:
  - path: proto
  - path: options
  - path: third_party
lint:
  use: [STANDARD]
  ignore: [options, third_party]
`), 0o644))

	lint := func(file string) (string, error) {
		// `go tool -modfile` needs a main module: run from the repository.
		cmd := exec.Command("go", "tool", "-modfile=tools.mod", "buf", "lint", ws, "--path", filepath.Join(ws, file))
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := lint("proto/scaffold/v1/gizmo_service.proto")
	assert.NoError(t, err, "buf lint (STANDARD) on the scaffolded file:\n%s", out)

	// The test can fail: without the in-file ignores, STANDARD refuses the
	// AIP shapes.
	stripped := regexp.MustCompile(`(?m)^\s*// buf:lint:ignore .*\n`).ReplaceAllString(got, "")
	require.NoError(t, os.WriteFile(filepath.Join(pkg, "gizmo_service.proto"), []byte(stripped), 0o644))
	out, err = lint("proto/scaffold/v1/gizmo_service.proto")
	assert.Error(t, err)
	assert.Contains(t, out, `RPC response type "Gizmo" should be named "GetGizmoResponse"`)
	assert.Contains(t, out, `is used as the request or response type for multiple RPCs`)
}
