package e2e_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	cloudbuild "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/cloudbuild"
)

// TestPublicCloudBuild serves Cloud Build v2's repositories
// (google/devtools/cloudbuild/v2, unchanged) on every database, over gRPC
// and over REST through its own google.api.http annotations (the
// scenario, then a few requests written as any HTTP client writes them):
// connections hold repositories; every write is long-running (AIP-151);
// repositories are also created in batches (AIP-233); UpdateConnection
// has allow_missing (AIP-134) and sends the etag beside the connection,
// Delete an etag (AIP-154) and validate_only (AIP-163); Delete has no
// force, so a connection with repositories is refused (AIP-135); the
// token and Git methods (FetchReadToken, FetchGitRefs, …) are the user's.
func TestPublicCloudBuild(t *testing.T) {
	servePublicHTTP(t, "cloudbuild", func(gs *grpc.Server, db *gorm.DB) {
		cloudbuild.RegisterRepositoryManagerServer(gs, cloudbuild.NewRepositoryManagerCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		cloudbuildScenario(t, cloudbuild.NewRepositoryManagerClient(cc), tag)
	}, cloudbuildHTTP)
}

func cloudbuildScenario(t *testing.T, c cloudbuild.RepositoryManagerClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/us-central1"
	done := func(op *longrunningpb.Operation, err error, resp proto.Message, verb, target string) {
		t.Helper()
		cloudOperationDone(t, op, err, resp, &cloudbuild.OperationMetadata{}, verb, target)
	}
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

	// Connections, with the client's ids.
	connection := func(id string, installation int64) *cloudbuild.Connection {
		t.Helper()
		op, err := c.CreateConnection(ctx, &cloudbuild.CreateConnectionRequest{Parent: loc, ConnectionId: id, Connection: &cloudbuild.Connection{
			ConnectionConfig: &cloudbuild.Connection_GithubConfig{GithubConfig: &cloudbuild.GitHubConfig{AppInstallationId: installation}},
			Annotations:      map[string]string{"owner": id}, Reconciling: true}})
		out := &cloudbuild.Connection{}
		done(op, err, out, "create", loc+"/connections/"+id)
		return out
	}
	gh, other := connection("gh", 11), connection("other", 12)
	assert.Equal(t, loc+"/connections/gh", gh.Name)
	assert.Equal(t, int64(11), gh.GetGithubConfig().GetAppInstallationId())
	assert.Equal(t, map[string]string{"owner": "gh"}, gh.Annotations)
	assert.False(t, gh.Reconciling, "OUTPUT_ONLY: not taken from the request")
	assert.NotEmpty(t, gh.Etag)
	assert.NotNil(t, gh.CreateTime)
	got, err := c.GetConnection(ctx, &cloudbuild.GetConnectionRequest{Name: gh.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(gh, got), "Get: %v, created: %v", got, gh)
	_, err = c.CreateConnection(ctx, &cloudbuild.CreateConnectionRequest{Parent: loc, ConnectionId: "gh", Connection: &cloudbuild.Connection{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateConnection(ctx, &cloudbuild.CreateConnectionRequest{Parent: loc, Connection: &cloudbuild.Connection{}})
	refusedFor(t, err, codes.InvalidArgument, "connection_id", "connection_id is REQUIRED")
	_, err = c.CreateConnection(ctx, &cloudbuild.CreateConnectionRequest{Parent: loc, ConnectionId: "Not An Id", Connection: &cloudbuild.Connection{}})
	refusedFor(t, err, codes.InvalidArgument, "connection_id", "not an id")
	_, err = c.CreateConnection(ctx, &cloudbuild.CreateConnectionRequest{Parent: loc, ConnectionId: "ghe", Connection: &cloudbuild.Connection{
		ConnectionConfig: &cloudbuild.Connection_GithubEnterpriseConfig{GithubEnterpriseConfig: &cloudbuild.GitHubEnterpriseConfig{}}}})
	refusedFor(t, err, codes.InvalidArgument, "connection.github_enterprise_config.host_uri", "REQUIRED in the config the connection holds")
	_, err = c.GetConnection(ctx, &cloudbuild.GetConnectionRequest{Name: loc + "/connections/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	listConnections := func() []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*cloudbuild.Connection, string, error) {
			r, err := c.ListConnections(ctx, &cloudbuild.ListConnectionsRequest{Parent: loc, PageSize: 1, PageToken: token})
			return r.GetConnections(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{gh.Name, other.Name}, listConnections())
	_, err = c.ListConnections(ctx, &cloudbuild.ListConnectionsRequest{Parent: loc, PageToken: "garbage"})
	refusedFor(t, err, codes.InvalidArgument, "page_token", "a token the server never gave")

	// Update: the mask's fields; the etag sent beside the connection, or
	// in it, guards it; allow_missing creates.
	op, err := c.UpdateConnection(ctx, &cloudbuild.UpdateConnectionRequest{Connection: &cloudbuild.Connection{Name: gh.Name, Disabled: true,
		Annotations: map[string]string{"x": "y"}}, UpdateMask: mask("disabled"), Etag: gh.Etag})
	upGh := &cloudbuild.Connection{}
	done(op, err, upGh, "update", gh.Name)
	assert.True(t, upGh.Disabled)
	assert.Equal(t, map[string]string{"owner": "gh"}, upGh.Annotations, "not in the mask")
	assert.NotEqual(t, gh.Etag, upGh.Etag)
	assert.Equal(t, int64(11), upGh.GetGithubConfig().GetAppInstallationId())
	_, err = c.UpdateConnection(ctx, &cloudbuild.UpdateConnectionRequest{Connection: &cloudbuild.Connection{Name: gh.Name, Disabled: false},
		UpdateMask: mask("disabled"), Etag: gh.Etag})
	refusedFor(t, err, codes.Aborted, gh.Etag, "a stale etag beside the connection")
	_, err = c.UpdateConnection(ctx, &cloudbuild.UpdateConnectionRequest{Connection: &cloudbuild.Connection{Name: gh.Name, Disabled: false, Etag: gh.Etag},
		UpdateMask: mask("disabled")})
	refusedFor(t, err, codes.Aborted, gh.Etag, "a stale etag in the connection")
	_, err = c.UpdateConnection(ctx, &cloudbuild.UpdateConnectionRequest{Connection: &cloudbuild.Connection{Name: gh.Name, Disabled: false, Etag: upGh.Etag},
		UpdateMask: mask("disabled"), Etag: gh.Etag})
	refusedFor(t, err, codes.InvalidArgument, "connection.etag", "two etags that differ")
	op, err = c.UpdateConnection(ctx, &cloudbuild.UpdateConnectionRequest{Connection: &cloudbuild.Connection{Name: gh.Name, Disabled: false, Etag: upGh.Etag},
		UpdateMask: mask("disabled"), Etag: upGh.Etag})
	reGh := &cloudbuild.Connection{}
	done(op, err, reGh, "update", gh.Name)
	assert.False(t, reGh.Disabled)
	op, err = c.UpdateConnection(ctx, &cloudbuild.UpdateConnectionRequest{Connection: &cloudbuild.Connection{Name: gh.Name,
		ConnectionConfig: &cloudbuild.Connection_GithubConfig{GithubConfig: &cloudbuild.GitHubConfig{AppInstallationId: 21}}}, UpdateMask: mask("github_config.app_installation_id")})
	reGh = &cloudbuild.Connection{}
	done(op, err, reGh, "update", gh.Name)
	assert.Equal(t, int64(21), reGh.GetGithubConfig().GetAppInstallationId(), "a path into the oneof's message")
	assert.False(t, reGh.Disabled)
	_, err = c.UpdateConnection(ctx, &cloudbuild.UpdateConnectionRequest{Connection: &cloudbuild.Connection{Name: gh.Name}, UpdateMask: mask("colour")})
	refusedFor(t, err, codes.InvalidArgument, "colour", "no such field")
	_, err = c.UpdateConnection(ctx, &cloudbuild.UpdateConnectionRequest{Connection: &cloudbuild.Connection{Name: loc + "/connections/lab", Disabled: true},
		UpdateMask: mask("disabled")})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	op, err = c.UpdateConnection(ctx, &cloudbuild.UpdateConnectionRequest{Connection: &cloudbuild.Connection{Name: loc + "/connections/lab", Disabled: true},
		UpdateMask: mask("disabled"), AllowMissing: true})
	lab := &cloudbuild.Connection{}
	done(op, err, lab, "update", loc+"/connections/lab")
	assert.True(t, lab.Disabled)
	assert.NotNil(t, lab.CreateTime)
	assert.Equal(t, []string{gh.Name, lab.Name, other.Name}, listConnections())

	// Repositories under the connections: one by one and in a batch.
	op, err = c.CreateRepository(ctx, &cloudbuild.CreateRepositoryRequest{Parent: gh.Name, RepositoryId: "app",
		Repository: &cloudbuild.Repository{RemoteUri: "https://github.com/o/app.git", Annotations: map[string]string{"lang": "go"}, WebhookId: "w"}})
	app := &cloudbuild.Repository{}
	done(op, err, app, "create", gh.Name+"/repositories/app")
	assert.Equal(t, "https://github.com/o/app.git", app.RemoteUri)
	assert.Empty(t, app.WebhookId, "OUTPUT_ONLY: not taken from the request")
	assert.NotEmpty(t, app.Etag)
	gotApp, err := c.GetRepository(ctx, &cloudbuild.GetRepositoryRequest{Name: app.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(app, gotApp), "Get: %v, created: %v", gotApp, app)
	_, err = c.CreateRepository(ctx, &cloudbuild.CreateRepositoryRequest{Parent: gh.Name, RepositoryId: "nouri", Repository: &cloudbuild.Repository{}})
	refusedFor(t, err, codes.InvalidArgument, "remote_uri", "remote_uri is REQUIRED")
	_, err = c.CreateRepository(ctx, &cloudbuild.CreateRepositoryRequest{Parent: loc + "/connections/nothing", RepositoryId: "x",
		Repository: &cloudbuild.Repository{RemoteUri: "https://x"}})
	assert.Equal(t, codes.NotFound, status.Code(err), "a repository of a missing connection: %v", err)
	_, err = c.CreateRepository(ctx, &cloudbuild.CreateRepositoryRequest{Parent: gh.Name, RepositoryId: "app",
		Repository: &cloudbuild.Repository{RemoteUri: "https://x"}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)

	batch := func(parent string, ids ...string) *cloudbuild.BatchCreateRepositoriesRequest {
		req := &cloudbuild.BatchCreateRepositoriesRequest{Parent: parent}
		for _, id := range ids {
			req.Requests = append(req.Requests, &cloudbuild.CreateRepositoryRequest{Parent: parent, RepositoryId: id,
				Repository: &cloudbuild.Repository{RemoteUri: "https://github.com/o/" + id + ".git"}})
		}
		return req
	}
	op, err = c.BatchCreateRepositories(ctx, batch(gh.Name, "lib", "web"))
	created := &cloudbuild.BatchCreateRepositoriesResponse{}
	done(op, err, created, "batchCreate", gh.Name)
	require.Len(t, created.Repositories, 2)
	lib, web := created.Repositories[0], created.Repositories[1]
	assert.Equal(t, gh.Name+"/repositories/lib", lib.Name)
	assert.Equal(t, "https://github.com/o/web.git", web.RemoteUri)
	_, err = c.BatchCreateRepositories(ctx, batch(gh.Name, "cli", "app"))
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "app exists: %v", err)
	_, err = c.GetRepository(ctx, &cloudbuild.GetRepositoryRequest{Name: gh.Name + "/repositories/cli"})
	assert.Equal(t, codes.NotFound, status.Code(err), "a refused batch creates nothing: %v", err)
	_, err = c.BatchCreateRepositories(ctx, batch(gh.Name, "cli", "cli"))
	refusedFor(t, err, codes.AlreadyExists, "requests[1]", "one id twice: the second is taken by the first")
	wrong := batch(gh.Name, "cli")
	wrong.Requests[0].Parent = other.Name
	_, err = c.BatchCreateRepositories(ctx, wrong)
	refusedFor(t, err, codes.InvalidArgument, "parent", "a request under another parent")
	op, err = c.BatchCreateRepositories(ctx, batch(other.Name, "ops"))
	opsBatch := &cloudbuild.BatchCreateRepositoriesResponse{}
	done(op, err, opsBatch, "batchCreate", other.Name)
	require.Len(t, opsBatch.Repositories, 1)
	ops := opsBatch.Repositories[0]

	// List by pages, filtered (AIP-160), and across connections (AIP-159).
	listRepos := func(parent, filter string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*cloudbuild.Repository, string, error) {
			r, err := c.ListRepositories(ctx, &cloudbuild.ListRepositoriesRequest{Parent: parent, PageSize: 1, PageToken: token, Filter: filter})
			return r.GetRepositories(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{app.Name, lib.Name, web.Name}, listRepos(gh.Name, ""))
	assert.Equal(t, []string{web.Name}, listRepos(gh.Name, `remote_uri = "https://github.com/o/web.git"`))
	assert.Equal(t, []string{app.Name}, listRepos(gh.Name, `annotations.lang = "go"`))
	assert.Equal(t, []string{app.Name, lib.Name}, listRepos(gh.Name, `remote_uri = "*/app.git" OR name = "`+lib.Name+`"`))
	assert.ElementsMatch(t, []string{app.Name, lib.Name, web.Name, ops.Name}, listRepos(loc+"/connections/-", ""))
	_, err = c.ListRepositories(ctx, &cloudbuild.ListRepositoriesRequest{Parent: gh.Name, Filter: `colour = "red"`})
	refusedFor(t, err, codes.InvalidArgument, "colour", "no such field")
	_, err = c.ListRepositories(ctx, &cloudbuild.ListRepositoriesRequest{Parent: gh.Name, Filter: `remote_uri =`})
	refusedFor(t, err, codes.InvalidArgument, "filter", "not a filter")
	_, err = c.ListRepositories(ctx, &cloudbuild.ListRepositoriesRequest{Parent: loc + "/connections/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "a missing connection: %v", err)
	_, err = c.GetRepository(ctx, &cloudbuild.GetRepositoryRequest{Name: other.Name + "/repositories/app"})
	assert.Equal(t, codes.NotFound, status.Code(err), "app is under gh: %v", err)

	// Delete: the etag guards it, validate_only deletes nothing, and a
	// connection with repositories is refused (no force).
	_, err = c.DeleteConnection(ctx, &cloudbuild.DeleteConnectionRequest{Name: gh.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "gh holds repositories: %v", err)
	_, err = c.DeleteRepository(ctx, &cloudbuild.DeleteRepositoryRequest{Name: app.Name, Etag: "stale"})
	refusedFor(t, err, codes.Aborted, "stale", "a stale etag")
	op, err = c.DeleteRepository(ctx, &cloudbuild.DeleteRepositoryRequest{Name: app.Name, Etag: app.Etag, ValidateOnly: true})
	done(op, err, &emptypb.Empty{}, "delete", app.Name)
	assert.Equal(t, []string{app.Name, lib.Name, web.Name}, listRepos(gh.Name, ""), "validate_only deleted")
	for _, r := range []*cloudbuild.Repository{app, lib, web} {
		op, err = c.DeleteRepository(ctx, &cloudbuild.DeleteRepositoryRequest{Name: r.Name, Etag: r.Etag})
		done(op, err, &emptypb.Empty{}, "delete", r.Name)
	}
	_, err = c.DeleteRepository(ctx, &cloudbuild.DeleteRepositoryRequest{Name: app.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	assert.Empty(t, listRepos(gh.Name, ""))
	_, err = c.DeleteConnection(ctx, &cloudbuild.DeleteConnectionRequest{Name: gh.Name, Etag: gh.Etag})
	refusedFor(t, err, codes.Aborted, gh.Etag, "a stale etag")
	op, err = c.DeleteConnection(ctx, &cloudbuild.DeleteConnectionRequest{Name: gh.Name, Etag: reGh.Etag, ValidateOnly: true})
	done(op, err, &emptypb.Empty{}, "delete", gh.Name)
	op, err = c.DeleteConnection(ctx, &cloudbuild.DeleteConnectionRequest{Name: gh.Name, Etag: reGh.Etag})
	done(op, err, &emptypb.Empty{}, "delete", gh.Name)
	_, err = c.GetConnection(ctx, &cloudbuild.GetConnectionRequest{Name: gh.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	_, err = c.DeleteConnection(ctx, &cloudbuild.DeleteConnectionRequest{Name: other.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "ops is under other: %v", err)
	op, err = c.DeleteRepository(ctx, &cloudbuild.DeleteRepositoryRequest{Name: ops.Name})
	done(op, err, &emptypb.Empty{}, "delete", ops.Name)
	for _, name := range []string{other.Name, lab.Name} {
		op, err = c.DeleteConnection(ctx, &cloudbuild.DeleteConnectionRequest{Name: name})
		done(op, err, &emptypb.Empty{}, "delete", name)
	}
	assert.Empty(t, listConnections())
}

// cloudbuildHTTP calls Cloud Build's HTTP bindings as any HTTP client
// would, JSON in lowerCamelCase: writes answer their done operation, the
// Update's etag is a query parameter, and errors are google.rpc.Status
// with their HTTP status.
func cloudbuildHTTP(t *testing.T, base string) {
	conns := "/v2/projects/p-h/locations/us-central1/connections"
	response := func(code int, body string) map[string]any {
		t.Helper()
		require.Equal(t, http.StatusOK, code, body)
		op := decodeJSON(t, body)
		assert.Equal(t, true, op["done"], body)
		out, _ := op["response"].(map[string]any)
		return out
	}
	created := response(restCall(t, base, http.MethodPost, conns+"?connectionId=raw", `{"githubConfig": {"appInstallationId": "7"}, "reconciling": true}`))
	assert.Equal(t, "type.googleapis.com/google.devtools.cloudbuild.v2.Connection", created["@type"])
	assert.Equal(t, "projects/p-h/locations/us-central1/connections/raw", created["name"])
	assert.Equal(t, false, created["reconciling"], "OUTPUT_ONLY: not taken from the request")
	etag, _ := created["etag"].(string)
	require.NotEmpty(t, etag)
	code, body := restCall(t, base, http.MethodPost, conns+"?connectionId=raw", `{}`)
	assert.Equal(t, http.StatusConflict, code, body)

	code, body = restCall(t, base, http.MethodPatch, conns+"/raw?updateMask=disabled&etag=stale", `{"disabled": true}`)
	assert.Equal(t, http.StatusConflict, code, body)
	assert.Equal(t, float64(codes.Aborted), decodeJSON(t, body)["code"], body)
	updated := response(restCall(t, base, http.MethodPatch, conns+"/raw?updateMask=disabled&etag="+url.QueryEscape(etag), `{"disabled": true}`))
	assert.Equal(t, true, updated["disabled"])
	assert.NotEqual(t, etag, updated["etag"])

	repos := conns + "/raw/repositories"
	batch := response(restCall(t, base, http.MethodPost, repos+":batchCreate", `{"requests": [
		{"parent": "projects/p-h/locations/us-central1/connections/raw", "repositoryId": "one", "repository": {"remoteUri": "https://g/one.git"}},
		{"parent": "projects/p-h/locations/us-central1/connections/raw", "repositoryId": "two", "repository": {"remoteUri": "https://g/two.git"}}]}`))
	assert.Len(t, batch["repositories"], 2, batch)
	code, body = restCall(t, base, http.MethodGet, repos+"?pageSize=1&filter="+url.QueryEscape(`remote_uri = "https://g/two.git"`), "")
	require.Equal(t, http.StatusOK, code, body)
	list := decodeJSON(t, body)
	assert.Len(t, list["repositories"], 1, body)
	assert.Equal(t, "", list["nextPageToken"], "one repository in all")
	code, body = restCall(t, base, http.MethodGet, repos+"/three", "")
	assert.Equal(t, http.StatusNotFound, code, body)

	code, body = restCall(t, base, http.MethodDelete, conns+"/raw", "")
	assert.Equal(t, http.StatusBadRequest, code, "FailedPrecondition: %s", body)
	for _, id := range []string{"one", "two"} {
		response(restCall(t, base, http.MethodDelete, repos+"/"+id, ""))
	}
	response(restCall(t, base, http.MethodDelete, conns+"/raw", ""))
	code, body = restCall(t, base, http.MethodGet, conns+"/raw", "")
	assert.Equal(t, http.StatusNotFound, code, body)
}
