package e2e_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	secretmanager "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/secretmanager"
	"github.com/protoforge/protoforge/internal/testdb"
)

// secretsServer is Secret Manager's generated standard methods with the
// custom method AddSecretVersion (AIP-136) written on its store, as a user
// of the generated code writes it.
type secretsServer struct {
	*secretmanager.SecretManagerServiceCRUD
}

func (s secretsServer) AddSecretVersion(ctx context.Context, req *secretmanager.AddSecretVersionRequest) (*secretmanager.SecretVersion, error) {
	return s.SecretVersionStore().CreateIn(ctx, req.GetParent(), "", &secretmanager.SecretVersion{State: secretmanager.SecretVersion_ENABLED})
}

// TestPublicSecretManager serves Google Secret Manager
// (google/cloud/secretmanager/v1, unchanged) on every database, over gRPC
// and over REST through its own google.api.http annotations: secrets have
// two patterns (AIP-123), under a project and under a project's location,
// and their versions are named under either.
func TestPublicSecretManager(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, publicSchema(db, "secretmanager"))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			secretmanager.RegisterSecretManagerServiceServer(gs, secretsServer{secretmanager.NewSecretManagerServiceCRUD(db)})
		}, nil)
		t.Run("gRPC", func(t *testing.T) { secretsScenario(t, secretmanager.NewSecretManagerServiceClient(conn), "g") })
		t.Run("REST", func(t *testing.T) {
			secretsScenario(t, secretmanager.NewSecretManagerServiceClient(restConn{t: t, base: base}), "r")
		})
	})
}

// secretsScenario runs the standard methods of Secret Manager through c,
// under projects of its own (prefix tells them from the other
// transport's).
func secretsScenario(t *testing.T, c secretmanager.SecretManagerServiceClient, prefix string) {
	ctx := context.Background()
	rest := prefix == "r"
	project, other := "projects/"+prefix+"1", "projects/"+prefix+"2"
	located := project + "/locations/l1"
	listSecrets := func(t *testing.T, parent string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*secretmanager.Secret, string, error) {
			r, err := c.ListSecrets(ctx, &secretmanager.ListSecretsRequest{Parent: parent, PageSize: 1, PageToken: token})
			return r.GetSecrets(), r.GetNextPageToken(), err
		})
	}
	listVersions := func(t *testing.T, parent string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*secretmanager.SecretVersion, string, error) {
			r, err := c.ListSecretVersions(ctx, &secretmanager.ListSecretVersionsRequest{Parent: parent, PageSize: 1, PageToken: token})
			return r.GetVersions(), r.GetNextPageToken(), err
		})
	}
	create := func(parent, id string) *secretmanager.Secret {
		t.Helper()
		s, err := c.CreateSecret(ctx, &secretmanager.CreateSecretRequest{Parent: parent, SecretId: id, Secret: &secretmanager.Secret{
			Labels: map[string]string{"env": "test"},
		}})
		require.NoError(t, err, "CreateSecret under %s", parent)
		assert.Equal(t, parent+"/secrets/"+id, s.Name)
		return s
	}

	// The same id under each pattern names two secrets.
	global, global2 := create(project, "s1"), create(project, "s2")
	local := create(located, "s1")
	elsewhere := create(other, "s1")
	for _, s := range []*secretmanager.Secret{global, global2, local, elsewhere} {
		got, err := c.GetSecret(ctx, &secretmanager.GetSecretRequest{Name: s.Name})
		require.NoError(t, err)
		assert.True(t, proto.Equal(s, got), "Get: %v, created: %v", got, s)
	}
	_, err := c.CreateSecret(ctx, &secretmanager.CreateSecretRequest{Parent: located, SecretId: "s1", Secret: &secretmanager.Secret{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "created twice: %v", err)

	// Each parent lists its own, by pages of one.
	assert.Equal(t, []string{global.Name, global2.Name}, listSecrets(t, project))
	assert.Equal(t, []string{local.Name}, listSecrets(t, located))
	assert.Equal(t, []string{elsewhere.Name}, listSecrets(t, other))
	assert.Empty(t, listSecrets(t, project+"/locations/l2"))
	// AIP-159: any location of the project.
	assert.Equal(t, []string{local.Name}, listSecrets(t, project+"/locations/-"))
	// A page token is bound to its parent; total_size counts the parent's.
	page, err := c.ListSecrets(ctx, &secretmanager.ListSecretsRequest{Parent: project, PageSize: 1})
	require.NoError(t, err)
	require.NotEmpty(t, page.NextPageToken)
	assert.Equal(t, int32(2), page.TotalSize)
	_, err = c.ListSecrets(ctx, &secretmanager.ListSecretsRequest{Parent: located, PageSize: 1, PageToken: page.NextPageToken})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a page token of another parent: %v", err)
	// A filter by name reads either pattern.
	r, err := c.ListSecrets(ctx, &secretmanager.ListSecretsRequest{Parent: "projects/-", Filter: `name = "` + global.Name + `"`})
	require.NoError(t, err)
	assert.Equal(t, []string{global.Name}, namesOf(r.GetSecrets()))

	// Names of neither pattern are InvalidArgument naming the field; over
	// REST no route takes them.
	badName := codes.InvalidArgument
	if rest {
		badName = codes.NotFound
	}
	for _, name := range []string{"projects/" + prefix + "1", project + "/locations/l1", project + "/things/s1", project + "/locations/l1/secrets/s1/x"} {
		_, err := c.GetSecret(ctx, &secretmanager.GetSecretRequest{Name: name})
		assert.Equal(t, badName, status.Code(err), "Get %q: %v", name, err)
		if !rest {
			assert.Contains(t, status.Convert(err).Message(), "projects/{project}/secrets/{secret} or projects/{project}/locations/{location}/secrets/{secret}")
		}
	}
	_, err = c.ListSecrets(ctx, &secretmanager.ListSecretsRequest{Parent: project + "/secrets/s1"})
	assert.Equal(t, badName, status.Code(err), "List under a secret: %v", err)
	_, err = c.GetSecret(ctx, &secretmanager.GetSecretRequest{Name: project + "/locations/l2/secrets/s1"})
	assert.Equal(t, codes.NotFound, status.Code(err), "Get in another location: %v", err)

	// Update writes the mask's fields, and leaves the other secret of the
	// same id alone.
	up, err := c.UpdateSecret(ctx, &secretmanager.UpdateSecretRequest{
		Secret:     &secretmanager.Secret{Name: local.Name, Labels: map[string]string{"env": "prod"}, Annotations: map[string]string{"a": "b"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}},
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"env": "prod"}, up.Labels)
	assert.Empty(t, up.Annotations, "annotations is not in the mask")
	got, err := c.GetSecret(ctx, &secretmanager.GetSecretRequest{Name: local.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(up, got), "Get after Update: %v, updated: %v", got, up)
	got, err = c.GetSecret(ctx, &secretmanager.GetSecretRequest{Name: global.Name})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"env": "test"}, got.Labels, "the global secret of the same id")
	// tags is INPUT_ONLY and IMMUTABLE: no update names it.
	_, err = c.UpdateSecret(ctx, &secretmanager.UpdateSecretRequest{
		Secret:     &secretmanager.Secret{Name: local.Name},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"tags"}},
	})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "an update of tags: %v", err)

	// Versions, named under either pattern of their secret.
	addVersion := func(parent string) *secretmanager.SecretVersion {
		t.Helper()
		v, err := c.AddSecretVersion(ctx, &secretmanager.AddSecretVersionRequest{Parent: parent, Payload: &secretmanager.SecretPayload{Data: []byte("x")}})
		require.NoError(t, err, "AddSecretVersion under %s", parent)
		assert.Regexp(t, "^"+parent+"/versions/"+uuidPart+"$", v.Name)
		return v
	}
	g1, g2, l1 := addVersion(global.Name), addVersion(global.Name), addVersion(local.Name)
	for _, v := range []*secretmanager.SecretVersion{g1, g2, l1} {
		got, err := c.GetSecretVersion(ctx, &secretmanager.GetSecretVersionRequest{Name: v.Name})
		require.NoError(t, err)
		assert.True(t, proto.Equal(v, got), "Get: %v, added: %v", got, v)
	}
	assert.ElementsMatch(t, []string{g1.Name, g2.Name}, listVersions(t, global.Name))
	assert.Equal(t, []string{l1.Name}, listVersions(t, local.Name))
	assert.Empty(t, listVersions(t, global2.Name))
	// AIP-159 across secrets: each pattern's own.
	assert.ElementsMatch(t, []string{g1.Name, g2.Name}, listVersions(t, project+"/secrets/-"))
	assert.Equal(t, []string{l1.Name}, listVersions(t, project+"/locations/-/secrets/-"))
	_, err = c.ListSecretVersions(ctx, &secretmanager.ListSecretVersionsRequest{Parent: located + "/secrets/none"})
	assert.Equal(t, codes.NotFound, status.Code(err), "versions of a missing secret: %v", err)
	_, err = c.AddSecretVersion(ctx, &secretmanager.AddSecretVersionRequest{Parent: project + "/locations/l2/secrets/s1"})
	assert.Equal(t, codes.NotFound, status.Code(err), "a version of a missing secret: %v", err)
	_, err = c.GetSecretVersion(ctx, &secretmanager.GetSecretVersionRequest{Name: located + "/secrets/s1/versions/" + g1.Name[len(global.Name+"/versions/"):]})
	assert.Equal(t, codes.NotFound, status.Code(err), "a global version through the located secret: %v", err)

	// A secret with versions is not deleted; without, it is.
	_, err = c.DeleteSecret(ctx, &secretmanager.DeleteSecretRequest{Name: local.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "DeleteSecret with a version: %v", err)
	for _, s := range []*secretmanager.Secret{global2, elsewhere} {
		_, err = c.DeleteSecret(ctx, &secretmanager.DeleteSecretRequest{Name: s.Name})
		require.NoError(t, err)
		_, err = c.GetSecret(ctx, &secretmanager.GetSecretRequest{Name: s.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted: %v", err)
		_, err = c.DeleteSecret(ctx, &secretmanager.DeleteSecretRequest{Name: s.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	}
	assert.Equal(t, []string{global.Name}, listSecrets(t, project))
	assert.Equal(t, []string{local.Name}, listSecrets(t, located))
	assert.Empty(t, listSecrets(t, other))

	// The other custom methods are the user's (AIP-136): Unimplemented.
	_, err = c.AccessSecretVersion(ctx, &secretmanager.AccessSecretVersionRequest{Name: g1.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "AccessSecretVersion: %v", err)
}

func namesOf[T interface{ GetName() string }](items []T) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.GetName())
	}
	return out
}
