package e2e_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	tenantsv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_patterns_tenant/want/aippatternstenantv1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestSeveralPatternsTenants: resources of two patterns (AIP-123) with a
// tenant field are stamped with the caller's tenant and seen by it only,
// under either pattern: another tenant's key is NotFound to every method,
// List under a parent of either pattern holds the caller's keys, and a
// version is created and listed under the caller's keys only; over gRPC
// and REST on every database.
func TestSeveralPatternsTenants(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/aip_patterns_tenant/want/aippatternstenantv1/schema", db.Dialector.Name()+".sql"))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			tenantsv1.RegisterKeyServiceServer(gs, tenantsv1.NewKeyServiceCRUD(db, crudrt.WithTenant(func(ctx context.Context) (any, error) {
				if v := metadata.ValueFromIncomingContext(ctx, "x-tenant"); len(v) == 1 {
					return v[0], nil
				}
				return nil, errors.New("no x-tenant header")
			})))
		}, tenantsv1.KeyServiceRESTRules())
		c := tenantsv1.NewKeyServiceClient(conn)
		as := func(tenant string) context.Context {
			return metadata.AppendToOutgoingContext(context.Background(), "x-tenant", tenant)
		}
		acme, globex := as("acme"), as("globex")
		list := func(t *testing.T, ctx context.Context, parent string) []string {
			t.Helper()
			return pageNames(t, func(token string) ([]*tenantsv1.Key, string, error) {
				r, err := c.ListKeys(ctx, &tenantsv1.ListKeysRequest{Parent: parent, PageSize: 1, PageToken: token})
				return r.GetKeys(), r.GetNextPageToken(), err
			})
		}

		// Each tenant's keys under a parent of each pattern; the same
		// project and folder ids hold both tenants' keys.
		for _, k := range []struct {
			ctx         context.Context
			parent, id  string
			owner, name string
		}{
			{acme, "projects/p", "a", "acme", "projects/p/keys/a"},
			{acme, "folders/p", "a", "acme", "folders/p/keys/a"},
			{globex, "projects/p", "g", "globex", "projects/p/keys/g"},
			{globex, "folders/p", "g", "globex", "folders/p/keys/g"},
		} {
			key, err := c.CreateKey(k.ctx, &tenantsv1.CreateKeyRequest{Parent: k.parent, KeyId: k.id, Key: &tenantsv1.Key{Label: k.id, Owner: "someone"}})
			require.NoError(t, err)
			assert.Equal(t, k.name, key.Name)
			assert.Equal(t, k.owner, key.Owner, "stamped from the caller")
		}
		assert.Equal(t, []string{"projects/p/keys/a"}, list(t, acme, "projects/p"))
		assert.Equal(t, []string{"folders/p/keys/a"}, list(t, acme, "folders/p"))
		assert.Equal(t, []string{"projects/p/keys/g"}, list(t, globex, "projects/-"))
		assert.Equal(t, []string{"folders/p/keys/g"}, list(t, globex, "folders/-"))

		// Another tenant's key is NotFound, whatever the method.
		for _, name := range []string{"projects/p/keys/a", "folders/p/keys/a"} {
			_, err := c.GetKey(globex, &tenantsv1.GetKeyRequest{Name: name})
			assert.Equal(t, codes.NotFound, status.Code(err), "get %s: %v", name, err)
			_, err = c.UpdateKey(globex, &tenantsv1.UpdateKeyRequest{Key: &tenantsv1.Key{Name: name, Label: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"label"}}})
			assert.Equal(t, codes.NotFound, status.Code(err), "update %s: %v", name, err)
			_, err = c.DeleteKey(globex, &tenantsv1.DeleteKeyRequest{Name: name, Force: true})
			assert.Equal(t, codes.NotFound, status.Code(err), "delete %s: %v", name, err)
			_, err = c.BatchGetKeys(globex, &tenantsv1.BatchGetKeysRequest{Names: []string{"projects/p/keys/g", name}})
			assert.Equal(t, codes.NotFound, status.Code(err), "batch get %s: %v", name, err)
			_, err = c.CreateKeyVersion(globex, &tenantsv1.CreateKeyVersionRequest{Parent: name, KeyVersionId: "v", KeyVersion: &tenantsv1.KeyVersion{}})
			assert.Equal(t, codes.NotFound, status.Code(err), "a version under %s: %v", name, err)
			_, err = c.ListKeyVersions(globex, &tenantsv1.ListKeyVersionsRequest{Parent: name})
			assert.Equal(t, codes.NotFound, status.Code(err), "the versions of %s: %v", name, err)
		}
		// A name taken by another tenant is taken: Create does not tell
		// whose it is.
		_, err := c.CreateKey(globex, &tenantsv1.CreateKeyRequest{Parent: "folders/p", KeyId: "a", Key: &tenantsv1.Key{}})
		assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
		got, err := c.GetKey(acme, &tenantsv1.GetKeyRequest{Name: "folders/p/keys/a"})
		require.NoError(t, err)
		assert.Equal(t, "a", got.Label, "untouched by the other tenant")

		// Versions under the caller's key of each pattern.
		for _, key := range []string{"projects/p/keys/a", "folders/p/keys/a"} {
			v, err := c.CreateKeyVersion(acme, &tenantsv1.CreateKeyVersionRequest{Parent: key, KeyVersionId: "v1", KeyVersion: &tenantsv1.KeyVersion{State: 1}})
			require.NoError(t, err)
			assert.Equal(t, key+"/versions/v1", v.Name)
			assert.Equal(t, "acme", v.Owner)
			lv, err := c.ListKeyVersions(acme, &tenantsv1.ListKeyVersionsRequest{Parent: key})
			require.NoError(t, err)
			assert.Equal(t, []string{v.Name}, namesOf(lv.KeyVersions))
			_, err = c.GetKeyVersion(globex, &tenantsv1.GetKeyVersionRequest{Name: v.Name})
			assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
		}
		lv, err := c.ListKeyVersions(globex, &tenantsv1.ListKeyVersionsRequest{Parent: "projects/-/keys/-"})
		require.NoError(t, err)
		assert.Empty(t, lv.KeyVersions, "another tenant's versions are not listed")
		_, err = c.DeleteKey(acme, &tenantsv1.DeleteKeyRequest{Name: "folders/p/keys/a"})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a key with a version: %v", err)
		_, err = c.DeleteKey(acme, &tenantsv1.DeleteKeyRequest{Name: "folders/p/keys/a", Force: true})
		require.NoError(t, err)
		_, err = c.GetKeyVersion(acme, &tenantsv1.GetKeyVersionRequest{Name: "folders/p/keys/a/versions/v1"})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted with its key: %v", err)
		_, err = c.GetKeyVersion(acme, &tenantsv1.GetKeyVersionRequest{Name: "projects/p/keys/a/versions/v1"})
		require.NoError(t, err, "the version of the other pattern's key stays")

		// REST, the tenant in a header.
		rest := func(tenant, method, path, body string) (int, string) {
			t.Helper()
			resp, b := restDoWith(t, method, base+path, body, map[string]string{"X-Tenant": tenant})
			return resp.StatusCode, string(b)
		}
		code, body := rest("globex", http.MethodPost, "/v1/folders/q/keys?key_id=r", `{"label":"rest"}`)
		require.Equal(t, http.StatusOK, code, "%s", body)
		assert.Contains(t, body, `"owner":"globex"`)
		code, body = rest("acme", http.MethodGet, "/v1/folders/q/keys/r", "")
		assert.Equal(t, http.StatusNotFound, code, "%s", body)
		code, body = rest("acme", http.MethodGet, "/v1/folders/q/keys", "")
		require.Equal(t, http.StatusOK, code, "%s", body)
		assert.NotContains(t, body, "folders/q/keys/r")
		code, body = rest("globex", http.MethodGet, "/v1/folders/q/keys", "")
		require.Equal(t, http.StatusOK, code, "%s", body)
		assert.Contains(t, body, `"name":"folders/q/keys/r"`)
		code, body = rest("acme", http.MethodPatch, "/v1/folders/q/keys/r?update_mask=label", `{"label":"x"}`)
		assert.Equal(t, http.StatusNotFound, code, "%s", body)
		code, body = rest("globex", http.MethodDelete, "/v1/folders/q/keys/r", "")
		require.Equal(t, http.StatusOK, code, "%s", body)
	})
}
