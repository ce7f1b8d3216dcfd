package e2e_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"gorm.io/gorm"

	aipextv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_external_parent/want/aipextv1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestExternalParentIDsBounded: a parent this API does not store
// (projects/{project}/locations/{location}) is not bounded by a row, only
// by its column: an id longer than the column holds is InvalidArgument
// naming parent, over gRPC and REST, on every database, where the
// database's refusal came back without a field; ids that fit are stored.
func TestExternalParentIDsBounded(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/aip_external_parent/want/aipextv1/schema", db.Dialector.Name()+".sql"))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			aipextv1.RegisterInstanceServiceServer(gs, aipextv1.NewInstanceServiceCRUD(db))
		}, aipextv1.InstanceServiceRESTRules())
		c := aipextv1.NewInstanceServiceClient(conn)
		ctx := context.Background()

		fits := "projects/" + strings.Repeat("p", 255) + "/locations/us-central1"
		in, err := c.CreateInstance(ctx, &aipextv1.CreateInstanceRequest{Parent: fits, InstanceId: "i1", Instance: &aipextv1.Instance{}})
		require.NoError(t, err)
		assert.Equal(t, fits+"/instances/i1", in.Name)

		for _, parent := range []string{
			"projects/" + strings.Repeat("p", 256) + "/locations/us-central1",
			"projects/p/locations/" + strings.Repeat("é", 256),
		} {
			_, err = c.CreateInstance(ctx, &aipextv1.CreateInstanceRequest{Parent: parent, InstanceId: "i2", Instance: &aipextv1.Instance{}})
			require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
			assert.Equal(t, []string{"parent"}, grpcViolationFields(t, err))
			assert.Contains(t, status.Convert(err).Message(), "at most 255 are stored")
		}
		resp, body := restDo(t, "POST", base+"/v1/projects/"+strings.Repeat("p", 300)+"/locations/x/instances?instance_id=i3", `{}`)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), `"field":"parent"`)

		// A backup's key holds four ids, in columns shorter than the
		// instance's: under an instance whose ids do not fit them, a
		// Create is InvalidArgument naming parent; under a missing
		// instance, NotFound; under one that fits, it is stored.
		_, err = c.CreateBackup(ctx, &aipextv1.CreateBackupRequest{Parent: in.Name, BackupId: "b1", Backup: &aipextv1.Backup{}})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Equal(t, []string{"parent"}, grpcViolationFields(t, err))
		_, err = c.CreateBackup(ctx, &aipextv1.CreateBackupRequest{Parent: "projects/p/locations/l/instances/nothing", BackupId: "b1", Backup: &aipextv1.Backup{}})
		require.Equal(t, codes.NotFound, status.Code(err), "%v", err)
		small, err := c.CreateInstance(ctx, &aipextv1.CreateInstanceRequest{Parent: "projects/p/locations/l", InstanceId: "i4", Instance: &aipextv1.Instance{}})
		require.NoError(t, err)
		b, err := c.CreateBackup(ctx, &aipextv1.CreateBackupRequest{Parent: small.Name, BackupId: "b1", Backup: &aipextv1.Backup{}})
		require.NoError(t, err)
		assert.Equal(t, small.Name+"/backups/b1", b.Name)
	})
}
