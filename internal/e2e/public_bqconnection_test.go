package e2e_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	bq "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/bqconnection"
)

// TestPublicBigQueryConnection serves BigQuery Connection v1
// (google/cloud/bigquery/connection/v1, unchanged) on every database, over
// gRPC and over REST through its own google.api.http annotations:
// connections under locations whose properties are a oneof of seven
// messages, each kept exactly as sent but for its INPUT_ONLY credential,
// which is never answered back, and its OUTPUT_ONLY fields, which are not
// taken from requests; the client's connection_id is optional (AIP-133);
// Update masks reach into the oneof's message or switch its member; the
// IAM methods are the user's.
func TestPublicBigQueryConnection(t *testing.T) {
	servePublicHTTP(t, "bqconnection", func(gs *grpc.Server, db *gorm.DB) {
		bq.RegisterConnectionServiceServer(gs, bq.NewConnectionServiceCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		bqconnectionScenario(t, bq.NewConnectionServiceClient(cc), tag)
	}, bqconnectionHTTP)
}

// bqconnectionMembers are a connection of each member of the properties
// oneof, as a client sends them, and as they are answered.
func bqconnectionMembers() map[string][2]*bq.Connection {
	sql := &bq.CloudSqlProperties{InstanceId: "p:r:i", Database: "db", Type: bq.CloudSqlProperties_POSTGRES}
	sent := proto.Clone(sql).(*bq.CloudSqlProperties)
	sent.Credential = &bq.CloudSqlCredential{Username: "u", Password: "secret"}
	sent.ServiceAccountId = "sent@example.com"
	pair := func(sent, want *bq.Connection) [2]*bq.Connection { return [2]*bq.Connection{sent, want} }
	return map[string][2]*bq.Connection{
		"sql": pair(&bq.Connection{FriendlyName: "SQL", Properties: &bq.Connection_CloudSql{CloudSql: sent}},
			&bq.Connection{FriendlyName: "SQL", Properties: &bq.Connection_CloudSql{CloudSql: sql}}),
		"aws": pair(&bq.Connection{Description: "AWS", Properties: &bq.Connection_Aws{Aws: &bq.AwsProperties{
			AuthenticationMethod: &bq.AwsProperties_AccessRole{AccessRole: &bq.AwsAccessRole{IamRoleId: "arn:aws:iam::1:role/r", Identity: "id"}}}}},
			&bq.Connection{Description: "AWS", Properties: &bq.Connection_Aws{Aws: &bq.AwsProperties{
				AuthenticationMethod: &bq.AwsProperties_AccessRole{AccessRole: &bq.AwsAccessRole{IamRoleId: "arn:aws:iam::1:role/r", Identity: "id"}}}}}),
		"azure": pair(&bq.Connection{Properties: &bq.Connection_Azure{Azure: &bq.AzureProperties{CustomerTenantId: "t", RedirectUri: "https://r",
			FederatedApplicationClientId: "f", Application: "sent", ClientId: "sent", ObjectId: "sent", Identity: "sent"}}},
			&bq.Connection{Properties: &bq.Connection_Azure{Azure: &bq.AzureProperties{CustomerTenantId: "t", RedirectUri: "https://r", FederatedApplicationClientId: "f"}}}),
		"spanner": pair(&bq.Connection{Properties: &bq.Connection_CloudSpanner{CloudSpanner: &bq.CloudSpannerProperties{Database: "projects/p/instances/i/databases/d",
			UseParallelism: true, MaxParallelism: 4, UseServerlessAnalytics: true, UseDataBoost: true, DatabaseRole: "reader"}}},
			&bq.Connection{Properties: &bq.Connection_CloudSpanner{CloudSpanner: &bq.CloudSpannerProperties{Database: "projects/p/instances/i/databases/d",
				UseParallelism: true, MaxParallelism: 4, UseServerlessAnalytics: true, UseDataBoost: true, DatabaseRole: "reader"}}}),
		"resource": pair(&bq.Connection{Properties: &bq.Connection_CloudResource{CloudResource: &bq.CloudResourceProperties{ServiceAccountId: "sent"}}},
			&bq.Connection{Properties: &bq.Connection_CloudResource{CloudResource: &bq.CloudResourceProperties{}}}),
		"spark": pair(&bq.Connection{Properties: &bq.Connection_Spark{Spark: &bq.SparkProperties{ServiceAccountId: "sent",
			MetastoreServiceConfig:   &bq.MetastoreServiceConfig{MetastoreService: "projects/p/locations/l/services/s"},
			SparkHistoryServerConfig: &bq.SparkHistoryServerConfig{DataprocCluster: "projects/p/regions/r/clusters/c"}}}},
			&bq.Connection{Properties: &bq.Connection_Spark{Spark: &bq.SparkProperties{
				MetastoreServiceConfig:   &bq.MetastoreServiceConfig{MetastoreService: "projects/p/locations/l/services/s"},
				SparkHistoryServerConfig: &bq.SparkHistoryServerConfig{DataprocCluster: "projects/p/regions/r/clusters/c"}}}}),
		"salesforce": pair(&bq.Connection{Properties: &bq.Connection_SalesforceDataCloud{SalesforceDataCloud: &bq.SalesforceDataCloudProperties{
			InstanceUri: "https://sf", TenantId: "t", Identity: "sent"}}},
			&bq.Connection{Properties: &bq.Connection_SalesforceDataCloud{SalesforceDataCloud: &bq.SalesforceDataCloudProperties{InstanceUri: "https://sf", TenantId: "t"}}}),
	}
}

// bqconnectionOutput is what a connection answers apart from its name and
// the fields the server keeps: the fields a client sent.
func bqconnectionOutput(c *bq.Connection) *bq.Connection {
	out := proto.Clone(c).(*bq.Connection)
	out.Name, out.CreationTime, out.LastModifiedTime, out.HasCredential = "", 0, 0, false
	return out
}

func bqconnectionScenario(t *testing.T, c bq.ConnectionServiceClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/us"
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

	// Every member of the oneof round-trips, OUTPUT_ONLY and INPUT_ONLY
	// fields aside.
	members := bqconnectionMembers()
	var names []string
	for _, id := range []string{"aws", "azure", "resource", "salesforce", "spanner", "spark", "sql"} {
		sent := members[id][0]
		sent.CreationTime, sent.LastModifiedTime, sent.HasCredential = 12345, 12345, true
		created, err := c.CreateConnection(ctx, &bq.CreateConnectionRequest{Parent: loc, ConnectionId: id, Connection: sent})
		require.NoError(t, err, id)
		assert.Equal(t, loc+"/connections/"+id, created.Name)
		assert.NotEqual(t, int64(12345), created.CreationTime, "%s: OUTPUT_ONLY: not taken from the request", id)
		assert.NotEqual(t, int64(12345), created.LastModifiedTime, "%s: OUTPUT_ONLY: not taken from the request", id)
		assert.False(t, created.HasCredential, "%s: OUTPUT_ONLY: not taken from the request", id)
		assert.True(t, proto.Equal(members[id][1], bqconnectionOutput(created)), "%s: created %v, want %v", id, created, members[id][1])
		got, err := c.GetConnection(ctx, &bq.GetConnectionRequest{Name: created.Name})
		require.NoError(t, err, id)
		assert.True(t, proto.Equal(created, got), "%s: Get %v, created %v", id, got, created)
		names = append(names, created.Name)
	}

	// Without the client's id, the server chooses one.
	auto, err := c.CreateConnection(ctx, &bq.CreateConnectionRequest{Parent: loc, Connection: &bq.Connection{FriendlyName: "auto"}})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(auto.Name, loc+"/connections/"), auto.Name)
	assert.NotEqual(t, loc+"/connections/", auto.Name)
	assert.Equal(t, "auto", auto.FriendlyName)
	got, err := c.GetConnection(ctx, &bq.GetConnectionRequest{Name: auto.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(auto, got), "Get %v, created %v", got, auto)

	auto2, err := c.CreateConnection(ctx, &bq.CreateConnectionRequest{Parent: loc, Connection: &bq.Connection{Name: loc + "/connections/chosen"}})
	require.NoError(t, err)
	assert.NotEqual(t, loc+"/connections/chosen", auto2.Name, "the name sent in the connection is not its id (AIP-133)")
	assert.NotEqual(t, auto.Name, auto2.Name)
	_, err = c.DeleteConnection(ctx, &bq.DeleteConnectionRequest{Name: auto2.Name})
	require.NoError(t, err)
	if tag == "g" { // a REST client sends the body's connection, if only {}: bqconnectionHTTP sends none
		_, err = c.CreateConnection(ctx, &bq.CreateConnectionRequest{Parent: loc, ConnectionId: "none"})
		refusedFor(t, err, codes.InvalidArgument, "connection", "connection is REQUIRED")
	}
	_, err = c.CreateConnection(ctx, &bq.CreateConnectionRequest{Parent: loc, ConnectionId: "sql", Connection: &bq.Connection{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateConnection(ctx, &bq.CreateConnectionRequest{Parent: loc, ConnectionId: "Not An Id", Connection: &bq.Connection{}})
	refusedFor(t, err, codes.InvalidArgument, "connection_id", "not an id")
	_, err = c.GetConnection(ctx, &bq.GetConnectionRequest{Name: loc + "/connections/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// List by pages of one.
	list := func() []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*bq.Connection, string, error) {
			r, err := c.ListConnections(ctx, &bq.ListConnectionsRequest{Parent: loc, PageSize: 1, PageToken: token})
			return r.GetConnections(), r.GetNextPageToken(), err
		})
	}
	all := append([]string{auto.Name}, names...)
	sort.Strings(all)
	assert.Equal(t, all, list(), "by name")
	r, err := c.ListConnections(ctx, &bq.ListConnectionsRequest{Parent: loc, PageSize: 3})
	require.NoError(t, err)
	assert.Len(t, r.Connections, 3)
	assert.NotEmpty(t, r.NextPageToken)
	_, err = c.ListConnections(ctx, &bq.ListConnectionsRequest{Parent: loc, PageSize: 1, PageToken: "garbage"})
	refusedFor(t, err, codes.InvalidArgument, "page_token", "a token the server never gave")
	_, err = c.ListConnections(ctx, &bq.ListConnectionsRequest{Parent: loc, PageSize: -1})
	refusedFor(t, err, codes.InvalidArgument, "page_size", "a negative page size")
	other, err := c.ListConnections(ctx, &bq.ListConnectionsRequest{Parent: "projects/p-" + tag + "/locations/eu", PageSize: 10})
	require.NoError(t, err)
	assert.Empty(t, other.Connections, "another location")

	// Update: a path into the oneof's message changes that field only.
	sqlName := loc + "/connections/sql"
	up, err := c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{FriendlyName: "ignored",
		Properties: &bq.Connection_CloudSql{CloudSql: &bq.CloudSqlProperties{Database: "db2", InstanceId: "ignored"}}}, UpdateMask: mask("cloud_sql.database")})
	require.NoError(t, err)
	assert.Equal(t, "db2", up.GetCloudSql().GetDatabase())
	assert.Equal(t, "p:r:i", up.GetCloudSql().GetInstanceId(), "not in the mask")
	assert.Equal(t, bq.CloudSqlProperties_POSTGRES, up.GetCloudSql().GetType())
	assert.Equal(t, "SQL", up.FriendlyName, "not in the mask")
	// The INPUT_ONLY credential is taken, and never answered back.
	up, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{
		Properties: &bq.Connection_CloudSql{CloudSql: &bq.CloudSqlProperties{Credential: &bq.CloudSqlCredential{Username: "v", Password: "p2"}}}},
		UpdateMask: mask("cloud_sql.credential")})
	require.NoError(t, err)
	assert.Nil(t, up.GetCloudSql().GetCredential(), "INPUT_ONLY: never answered")
	assert.Equal(t, "db2", up.GetCloudSql().GetDatabase())
	// OUTPUT_ONLY fields in the mask are ignored.
	up, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{CreationTime: 7, Description: "d",
		Properties: &bq.Connection_CloudSql{CloudSql: &bq.CloudSqlProperties{ServiceAccountId: "sent"}}},
		UpdateMask: mask("creation_time", "description", "cloud_sql.service_account_id")})
	require.NoError(t, err)
	assert.Equal(t, "d", up.Description)
	assert.NotEqual(t, int64(7), up.CreationTime, "OUTPUT_ONLY: ignored in the mask")
	assert.Empty(t, up.GetCloudSql().GetServiceAccountId(), "OUTPUT_ONLY: ignored in the mask")
	// Switching the member: the mask names the new one.
	spanner := &bq.CloudSpannerProperties{Database: "projects/p/instances/i/databases/e", DatabaseRole: "writer"}
	up, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{
		Properties: &bq.Connection_CloudSpanner{CloudSpanner: spanner}}, UpdateMask: mask("cloud_spanner")})
	require.NoError(t, err)
	assert.Nil(t, up.GetCloudSql(), "the oneof holds one member")
	assert.True(t, proto.Equal(spanner, up.GetCloudSpanner()), "switched: %v", up)
	got, err = c.GetConnection(ctx, &bq.GetConnectionRequest{Name: sqlName})
	require.NoError(t, err)
	assert.True(t, proto.Equal(up, got), "Get %v, updated %v", got, up)
	// A full replacement (no mask) keeps the oneof as sent.
	members = bqconnectionMembers()
	up, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: members["aws"][0], UpdateMask: mask("*")})
	require.NoError(t, err)
	assert.True(t, proto.Equal(members["aws"][1], bqconnectionOutput(up)), "replaced: %v", up)

	// A path into another member switches to it, holding that field.
	up, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{
		Properties: &bq.Connection_CloudSpanner{CloudSpanner: &bq.CloudSpannerProperties{Database: "x", DatabaseRole: "ignored"}}}, UpdateMask: mask("cloud_spanner.database")})
	require.NoError(t, err)
	assert.Nil(t, up.GetAws(), "the oneof holds one member")
	assert.True(t, proto.Equal(&bq.CloudSpannerProperties{Database: "x"}, up.GetCloudSpanner()), "switched by a path: %v", up)
	// The member in the mask but not in the connection is cleared.
	up, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{}, UpdateMask: mask("cloud_spanner")})
	require.NoError(t, err)
	assert.Nil(t, up.Properties, "cleared: %v", up)
	// The deprecated cross-account role of AWS, a oneof in the member:
	// its OUTPUT_ONLY ids are not taken.
	up, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{Properties: &bq.Connection_Aws{Aws: &bq.AwsProperties{
		AuthenticationMethod: &bq.AwsProperties_CrossAccountRole{CrossAccountRole: &bq.AwsCrossAccountRole{IamRoleId: "r", IamUserId: "sent", ExternalId: "sent"}}}}},
		UpdateMask: mask("aws")})
	require.NoError(t, err)
	assert.True(t, proto.Equal(&bq.AwsCrossAccountRole{IamRoleId: "r"}, up.GetAws().GetCrossAccountRole()), "%v", up)
	up, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{Properties: &bq.Connection_Aws{Aws: &bq.AwsProperties{
		AuthenticationMethod: &bq.AwsProperties_CrossAccountRole{CrossAccountRole: &bq.AwsCrossAccountRole{IamRoleId: "r2", IamUserId: "sent"}}}}},
		UpdateMask: mask("aws.cross_account_role.iam_role_id", "aws.cross_account_role.iam_user_id")})
	require.NoError(t, err)
	assert.True(t, proto.Equal(&bq.AwsCrossAccountRole{IamRoleId: "r2"}, up.GetAws().GetCrossAccountRole()), "%v", up)
	// Switching the nested oneof's member by a path into it.
	up, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{Properties: &bq.Connection_Aws{Aws: &bq.AwsProperties{
		AuthenticationMethod: &bq.AwsProperties_AccessRole{AccessRole: &bq.AwsAccessRole{IamRoleId: "r3", Identity: "i"}}}}},
		UpdateMask: mask("aws.access_role.identity")})
	require.NoError(t, err)
	assert.Nil(t, up.GetAws().GetCrossAccountRole(), "the nested oneof holds one member: %v", up)
	assert.True(t, proto.Equal(&bq.AwsAccessRole{Identity: "i"}, up.GetAws().GetAccessRole()), "%v", up)
	got, err = c.GetConnection(ctx, &bq.GetConnectionRequest{Name: sqlName})
	require.NoError(t, err)
	assert.True(t, proto.Equal(up, got), "Get %v, updated %v", got, up)
	// A path into the INPUT_ONLY credential.
	up, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{
		Properties: &bq.Connection_CloudSql{CloudSql: &bq.CloudSqlProperties{Database: "db3", Credential: &bq.CloudSqlCredential{Password: "p3"}}}},
		UpdateMask: mask("cloud_sql.database", "cloud_sql.credential.password")})
	require.NoError(t, err)
	assert.True(t, proto.Equal(&bq.CloudSqlProperties{Database: "db3"}, up.GetCloudSql()), "INPUT_ONLY: never answered: %v", up)
	got, err = c.GetConnection(ctx, &bq.GetConnectionRequest{Name: sqlName})
	require.NoError(t, err)
	assert.True(t, proto.Equal(up, got), "Get %v, updated %v", got, up)
	// update_mask is REQUIRED here.
	_, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{Description: "x"}})
	refusedFor(t, err, codes.InvalidArgument, "update_mask", "update_mask is REQUIRED")
	_, err = c.ListConnections(ctx, &bq.ListConnectionsRequest{Parent: loc})
	refusedFor(t, err, codes.InvalidArgument, "page_size", "page_size is REQUIRED")
	_, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{}, UpdateMask: mask("colour")})
	refusedFor(t, err, codes.InvalidArgument, "colour", "no such field")
	_, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{}, UpdateMask: mask("cloud_sql.colour")})
	refusedFor(t, err, codes.InvalidArgument, "cloud_sql.colour", "no such field in the member")
	_, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{}, UpdateMask: mask("cloud_sql.credential.colour")})
	refusedFor(t, err, codes.InvalidArgument, "cloud_sql.credential.colour", "no such field in the credential")
	_, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: sqlName, Connection: &bq.Connection{}, UpdateMask: mask("description.x")})
	refusedFor(t, err, codes.InvalidArgument, "description.x", "a path into a string")
	_, err = c.UpdateConnection(ctx, &bq.UpdateConnectionRequest{Name: loc + "/connections/nothing", Connection: &bq.Connection{Description: "x"},
		UpdateMask: mask("description")})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Delete.
	for _, name := range all {
		_, err = c.DeleteConnection(ctx, &bq.DeleteConnectionRequest{Name: name})
		require.NoError(t, err, name)
	}
	_, err = c.DeleteConnection(ctx, &bq.DeleteConnectionRequest{Name: sqlName})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	_, err = c.GetConnection(ctx, &bq.GetConnectionRequest{Name: sqlName})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	assert.Empty(t, list())
}

// bqconnectionHTTP calls the API's HTTP bindings as any HTTP client would,
// JSON in lowerCamelCase: the credential is taken and not answered, the
// mask is a query parameter, and errors carry their HTTP status.
func bqconnectionHTTP(t *testing.T, base string) {
	conns := "/v1/projects/p-h/locations/us/connections"
	created := restJSON(t, base, http.MethodPost, conns+"?connectionId=raw",
		`{"friendlyName": "raw", "cloudSql": {"instanceId": "p:r:i", "database": "db", "type": "MYSQL", "credential": {"username": "u", "password": "p"}}}`)
	assert.Equal(t, "projects/p-h/locations/us/connections/raw", created["name"])
	sql, _ := created["cloudSql"].(map[string]any)
	assert.Nil(t, sql["credential"], "INPUT_ONLY: not answered: %s", sql)
	assert.Equal(t, []any{"p:r:i", "db", "MYSQL"}, []any{sql["instanceId"], sql["database"], sql["type"]})
	code, body := restCall(t, base, http.MethodPost, conns+"?connectionId=raw", `{}`)
	assert.Equal(t, http.StatusConflict, code, body)
	code, body = restCall(t, base, http.MethodPost, conns+"?connectionId=none", "")
	assert.Equal(t, http.StatusBadRequest, code, "connection is REQUIRED: %s", body)
	assert.Contains(t, body, "connection", "connection is REQUIRED")
	code, body = restCall(t, base, http.MethodPost, conns+"?connectionId=two", `{"aws": {}, "azure": {}}`)
	assert.Equal(t, http.StatusBadRequest, code, "two members of the oneof: %s", body)
	auto := restJSON(t, base, http.MethodPost, conns, `{"aws": {"accessRole": {"iamRoleId": "r"}}}`)
	autoName, _ := auto["name"].(string)
	require.True(t, strings.HasPrefix(autoName, "projects/p-h/locations/us/connections/"), "%v", auto)

	updated := restJSON(t, base, http.MethodPatch, conns+"/raw?updateMask=cloudSql.database,description", `{"description": "d", "cloudSql": {"database": "db2"}}`)
	assert.Equal(t, "d", updated["description"])
	sql, _ = updated["cloudSql"].(map[string]any)
	assert.Equal(t, []any{"p:r:i", "db2", "MYSQL"}, []any{sql["instanceId"], sql["database"], sql["type"]})
	code, body = restCall(t, base, http.MethodPatch, conns+"/raw?updateMask=colour", `{}`)
	assert.Equal(t, http.StatusBadRequest, code, body)
	assert.Contains(t, body, "colour")

	list := restJSON(t, base, http.MethodGet, conns+"?pageSize=1", "")
	assert.Len(t, list["connections"], 1, list)
	token, _ := list["nextPageToken"].(string)
	require.NotEmpty(t, token)
	list = restJSON(t, base, http.MethodGet, conns+"?pageSize=1&pageToken="+token, "")
	assert.Len(t, list["connections"], 1, list)
	assert.Equal(t, "", list["nextPageToken"], "two connections in all")

	for _, name := range []string{conns + "/raw", "/v1/" + autoName} {
		restJSON(t, base, http.MethodDelete, name, "")
	}
	code, body = restCall(t, base, http.MethodGet, conns+"/raw", "")
	assert.Equal(t, http.StatusNotFound, code, body)
}
