package e2e_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
	})
}
