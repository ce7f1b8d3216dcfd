package e2e_test

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/vanguard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	datahubv1 "github.com/protoforge/protoforge/internal/e2e/gen/datahub/v1"
	"github.com/protoforge/protoforge/internal/e2e/gen/datahub/v1/datahubv1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// serveDatahub serves the generated DatahubService on db as the example
// server mounts it (Connect with the strict JSON codec, REST by vanguard
// behind crudrt.RESTGuard, on one port) and over grpc-go on another. It
// returns a client per protocol: "grpc", "connect-json", "connect-proto"
// and "rest", all the generated gRPC client's interface.
func serveDatahub(t *testing.T, db *gorm.DB) (string, map[string]datahubv1.DatahubServiceClient) {
	t.Helper()
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/datahub/v1/schema", db.Dialector.Name()+".sql"))
	svc := datahubv1.NewDatahubServiceCRUD(db)
	path, handler := datahubv1connect.NewDatahubServiceHandler(svc, connect.WithCodec(crudrt.JSON{}))
	mux := http.NewServeMux()
	mux.Handle(path, handler)
	mux.Handle("/", datahubREST(t, handler))
	srv := httptest.NewServer(crudrt.RPCGuard(mux))
	t.Cleanup(srv.Close)

	_, conn := serveGRPC(t, func(gs *grpc.Server) { datahubv1.RegisterDatahubServiceServer(gs, svc) })
	return srv.URL, map[string]datahubv1.DatahubServiceClient{
		"grpc":          datahubv1.NewDatahubServiceClient(conn),
		"connect-json":  datahubv1.NewDatahubServiceClient(connectConn{client: srv.Client(), base: srv.URL, codec: "json"}),
		"connect-proto": datahubv1.NewDatahubServiceClient(connectConn{client: srv.Client(), base: srv.URL, codec: "proto"}),
		"rest":          datahubv1.NewDatahubServiceClient(restConn{t: t, base: srv.URL}),
	}
}

// datahubREST serves REST for the datahub service's Connect handler, as
// the example server does: vanguard with crudrt's REST codec, behind
// crudrt.RESTGuard.
func datahubREST(t *testing.T, handler http.Handler) http.Handler {
	t.Helper()
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(datahubv1connect.DatahubServiceName)
	require.NoError(t, err)
	transcoder, err := vanguard.NewTranscoder([]*vanguard.Service{
		vanguard.NewServiceWithSchema(crudrt.ServiceWithRules(d.(protoreflect.ServiceDescriptor)), handler),
	}, vanguard.WithCodec(func(vanguard.TypeResolver) vanguard.Codec { return crudrt.RESTJSON{} }))
	require.NoError(t, err)
	return crudrt.RESTGuard(transcoder)
}

// connectConn is a grpc.ClientConnInterface that calls unary methods with
// connect-go's client, in the Connect protocol with codec ("json" or
// "proto"), so that one scenario runs through the generated gRPC client
// over every protocol. Its errors are *connect.Error.
type connectConn struct {
	client *http.Client
	base   string
	codec  string
}

// boxed is a message of any type, as connect-go's generic client takes
// one type per client.
type boxed struct{ m proto.Message }

// boxCodec marshals boxed messages, into reply for responses.
type boxCodec struct {
	name  string
	reply proto.Message
}

func (c boxCodec) Name() string { return c.name }

func (c boxCodec) Marshal(v any) ([]byte, error) {
	if c.name == "json" {
		return protojson.Marshal(v.(*boxed).m)
	}
	return proto.Marshal(v.(*boxed).m)
}

func (c boxCodec) Unmarshal(data []byte, v any) error {
	b := v.(*boxed)
	b.m = c.reply
	if c.name == "json" {
		return protojson.Unmarshal(data, b.m)
	}
	return proto.Unmarshal(data, b.m)
}

func (c connectConn) Invoke(ctx context.Context, method string, args, reply any, _ ...grpc.CallOption) error {
	client := connect.NewClient[boxed, boxed](c.client, c.base+method,
		connect.WithCodec(boxCodec{name: c.codec, reply: reply.(proto.Message)}))
	_, err := client.CallUnary(ctx, connect.NewRequest(&boxed{args.(proto.Message)}))
	return err
}

func (connectConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, connect.NewError(connect.CodeUnimplemented, nil)
}

// datahubFixture creates organizations/o1 with projects p1 (holding
// dataset d1 with values at the extremes of their kinds) and p2, through
// the gRPC client.
func datahubFixture(t *testing.T, c datahubv1.DatahubServiceClient) {
	t.Helper()
	ctx := context.Background()
	_, err := c.CreateOrganization(ctx, &datahubv1.CreateOrganizationRequest{OrganizationId: "o1", Organization: &datahubv1.Organization{DisplayName: "O"}})
	require.NoError(t, err)
	for _, p := range []string{"p1", "p2"} {
		_, err = c.CreateProject(ctx, &datahubv1.CreateProjectRequest{Parent: "organizations/o1", ProjectId: p, Project: &datahubv1.Project{DisplayName: "P", Region: "eu"}})
		require.NoError(t, err)
	}
	props, err := structpb.NewStruct(map[string]any{"a": 1.0, "b": []any{"x", nil}})
	require.NoError(t, err)
	op, err := c.CreateDataset(ctx, &datahubv1.CreateDatasetRequest{Parent: "organizations/o1/projects/p1", DatasetId: "d1", Dataset: &datahubv1.Dataset{
		DisplayName: "D", Format: "csv", AccessKey: "k", Labels: map[string]string{"env": "prod"},
		RowCount: math.MaxInt64, LowWatermark: math.MinInt64, Checksum: math.MaxUint64, ByteSize: 1 << 63,
		Fingerprint: []byte{0, 255}, Properties: props, Columns: []*datahubv1.Column{{Name: "c"}},
		Source: &datahubv1.Dataset_Cloud{Cloud: &datahubv1.CloudSource{Bucket: "b"}}, Retention: durationpb.New(-time.Second),
		MaxBytes: wrapperspb.Int64(math.MinInt64), Owner: wrapperspb.String(""),
	}})
	require.NoError(t, err)
	require.True(t, op.GetDone())
}

// TestDatahubRefusals sends a Google-style API's server (three levels of
// parents, a singleton, a resource of two patterns, long-running writes,
// every field behavior) requests a client gets wrong, on every database
// and over gRPC, Connect (JSON and binary) and REST: each is answered
// with the AIP's code (never Internal or Unknown), the field it names in
// a BadRequest, and the same answer on every protocol; nothing is
// written.
func TestDatahubRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, cs := serveDatahub(t, db)
		ctx := context.Background()
		datahubFixture(t, cs["grpc"])
		const d1 = "organizations/o1/projects/p1/datasets/d1"
		mask := func(p ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: p} }
		type call func(c datahubv1.DatahubServiceClient) error
		get := func(name string, m *fieldmaskpb.FieldMask) call {
			return func(c datahubv1.DatahubServiceClient) error {
				_, err := c.GetDataset(ctx, &datahubv1.GetDatasetRequest{Name: name, ReadMask: m})
				return err
			}
		}
		list := func(r *datahubv1.ListDatasetsRequest) call {
			return func(c datahubv1.DatahubServiceClient) error {
				if r.Parent == "" {
					r.Parent = "organizations/o1/projects/p1"
				}
				_, err := c.ListDatasets(ctx, r)
				return err
			}
		}
		update := func(ds *datahubv1.Dataset, m *fieldmaskpb.FieldMask, allowMissing bool) call {
			return func(c datahubv1.DatahubServiceClient) error {
				if ds.Name == "" {
					ds.Name = d1
				}
				_, err := c.UpdateDataset(ctx, &datahubv1.UpdateDatasetRequest{Dataset: ds, UpdateMask: m, AllowMissing: allowMissing})
				return err
			}
		}
		createProject := func(r *datahubv1.CreateProjectRequest) call {
			return func(c datahubv1.DatahubServiceClient) error {
				_, err := c.CreateProject(ctx, r)
				return err
			}
		}
		createDataset := func(r *datahubv1.CreateDatasetRequest) call {
			return func(c datahubv1.DatahubServiceClient) error {
				_, err := c.CreateDataset(ctx, r)
				return err
			}
		}
		for _, tc := range []struct {
			name  string
			call  call
			code  codes.Code
			field string // of the BadRequest, "" for none
			// rest is the code over REST where the request cannot reach
			// the method (no route: NotFound), 0 for code; skipREST
			// leaves out a name that routes to another method.
			rest     codes.Code
			skipREST bool
		}{
			{name: "empty segment", call: get("organizations//projects/p1/datasets/d1", nil), code: codes.InvalidArgument, field: "name", rest: codes.NotFound},
			{name: "dot segments", call: get("organizations/o1/projects/../datasets/d1", nil), code: codes.NotFound, rest: codes.NotFound},
			{name: "unicode id", call: get("organizations/o1/projects/p1/datasets/dé", nil), code: codes.NotFound},
			{name: "64 KB id", call: get(d1+strings.Repeat("a", 65536), nil), code: codes.NotFound},
			{name: "name of a project", call: get("organizations/o1/projects/p1", nil), code: codes.InvalidArgument, field: "name", skipREST: true},
			{name: "wildcard in a name", call: get("organizations/o1/projects/-/datasets/d1", nil), code: codes.InvalidArgument, field: "name"},
			{name: "read_mask unknown", call: get(d1, mask("nope")), code: codes.InvalidArgument, field: "read_mask"},
			{name: "read_mask input only", call: get(d1, mask("access_key")), code: codes.InvalidArgument, field: "read_mask"},
			{name: "read_mask into a list", call: get(d1, mask("columns.name")), code: codes.InvalidArgument, field: "read_mask"},
			{name: "singleton with wildcard", call: func(c datahubv1.DatahubServiceClient) error {
				_, err := c.GetProjectConfig(ctx, &datahubv1.GetProjectConfigRequest{Name: "organizations/o1/projects/-/config"})
				return err
			}, code: codes.InvalidArgument, field: "name"},
			{name: "singleton of no parent", call: func(c datahubv1.DatahubServiceClient) error {
				_, err := c.GetProjectConfig(ctx, &datahubv1.GetProjectConfigRequest{Name: "organizations/o1/projects/p9/config"})
				return err
			}, code: codes.NotFound},
			{name: "list under another collection", call: list(&datahubv1.ListDatasetsRequest{Parent: "organizations/o1"}), code: codes.InvalidArgument, field: "parent", rest: codes.NotFound},
			{name: "list under no parent", call: list(&datahubv1.ListDatasetsRequest{Parent: "organizations/o1/projects/p9"}), code: codes.NotFound},
			{name: "negative skip", call: list(&datahubv1.ListDatasetsRequest{Skip: -1}), code: codes.InvalidArgument, field: "skip"},
			{name: "negative page size", call: list(&datahubv1.ListDatasetsRequest{PageSize: -1}), code: codes.InvalidArgument, field: "page_size"},
			{name: "malformed page token", call: list(&datahubv1.ListDatasetsRequest{PageToken: "garbage!"}), code: codes.InvalidArgument, field: "page_token"},
			{name: "filter beyond uint64", call: list(&datahubv1.ListDatasetsRequest{Filter: "row_count > 99999999999999999999"}), code: codes.InvalidArgument, field: "filter"},
			{name: "filter negative uint64", call: list(&datahubv1.ListDatasetsRequest{Filter: "checksum > -1"}), code: codes.InvalidArgument, field: "filter"},
			{name: "filter enum number", call: list(&datahubv1.ListDatasetsRequest{Filter: "state = 7"}), code: codes.InvalidArgument, field: "filter"},
			{name: "filter into a Struct", call: list(&datahubv1.ListDatasetsRequest{Filter: "properties.a = 1"}), code: codes.InvalidArgument, field: "filter"},
			{name: "filter input only", call: list(&datahubv1.ListDatasetsRequest{Filter: `access_key = "k"`}), code: codes.InvalidArgument, field: "filter"},
			{name: "filter bad timestamp", call: list(&datahubv1.ListDatasetsRequest{Filter: `create_time > "yesterday"`}), code: codes.InvalidArgument, field: "filter"},
			{name: "order by a message", call: list(&datahubv1.ListDatasetsRequest{OrderBy: "properties"}), code: codes.InvalidArgument, field: "order_by"},
			{name: "mask into a list", call: update(&datahubv1.Dataset{}, mask("columns.name"), false), code: codes.InvalidArgument, field: "update_mask"},
			{name: "mask into a Struct", call: update(&datahubv1.Dataset{}, mask("properties.a"), false), code: codes.InvalidArgument, field: "update_mask"},
			{name: "immutable changed", call: update(&datahubv1.Dataset{Format: "json"}, mask("format"), false), code: codes.InvalidArgument, field: "dataset.format"},
			{name: "required cleared", call: update(&datahubv1.Dataset{}, mask("display_name"), false), code: codes.InvalidArgument, field: "dataset.display_name"},
			{name: "required in a list", call: update(&datahubv1.Dataset{Columns: []*datahubv1.Column{{}}}, mask("columns"), false), code: codes.InvalidArgument, field: "dataset.columns[0].name"},
			{name: "stale etag", call: update(&datahubv1.Dataset{Etag: "999", DisplayName: "x"}, mask("display_name"), false), code: codes.Aborted},
			{name: "malformed etag", call: update(&datahubv1.Dataset{Etag: `W/"x"`, DisplayName: "x"}, mask("display_name"), false), code: codes.Aborted},
			{name: "upsert of a bad id", call: update(&datahubv1.Dataset{Name: "organizations/o1/projects/p1/datasets/Bad_Id", DisplayName: "x"}, nil, true), code: codes.InvalidArgument, field: "dataset.name"},
			{name: "upsert under no parent", call: update(&datahubv1.Dataset{Name: "organizations/o1/projects/p9/datasets/x", DisplayName: "x"}, nil, true), code: codes.NotFound},
			{name: "upsert with an etag", call: update(&datahubv1.Dataset{Name: "organizations/o1/projects/p1/datasets/x", DisplayName: "x", Etag: "1"}, nil, true), code: codes.Aborted},
			{name: "singleton of another form", call: func(c datahubv1.DatahubServiceClient) error {
				_, err := c.UpdateProjectConfig(ctx, &datahubv1.UpdateProjectConfigRequest{ProjectConfig: &datahubv1.ProjectConfig{Name: "organizations/o1/projects/p1/configs", MaxDatasets: 1}})
				return err
			}, code: codes.InvalidArgument, field: "project_config.name", rest: codes.NotFound},
			{name: "undelete of a live resource", call: func(c datahubv1.DatahubServiceClient) error {
				_, err := c.UndeleteDataset(ctx, &datahubv1.UndeleteDatasetRequest{Name: d1})
				return err
			}, code: codes.AlreadyExists},
			{name: "undelete of nothing", call: func(c datahubv1.DatahubServiceClient) error {
				_, err := c.UndeleteDataset(ctx, &datahubv1.UndeleteDatasetRequest{Name: "organizations/o1/projects/p1/datasets/zz"})
				return err
			}, code: codes.NotFound},
			{name: "delete of a parent with children", call: func(c datahubv1.DatahubServiceClient) error {
				_, err := c.DeleteOrganization(ctx, &datahubv1.DeleteOrganizationRequest{Name: "organizations/o1"})
				return err
			}, code: codes.FailedPrecondition},
			{name: "forced delete with a stale etag", call: func(c datahubv1.DatahubServiceClient) error {
				_, err := c.DeleteOrganization(ctx, &datahubv1.DeleteOrganizationRequest{Name: "organizations/o1", Etag: "9", Force: true})
				return err
			}, code: codes.Aborted},
			{name: "validate_only of a refused delete", call: func(c datahubv1.DatahubServiceClient) error {
				_, err := c.DeleteProject(ctx, &datahubv1.DeleteProjectRequest{Name: "organizations/o1/projects/p1", ValidateOnly: true})
				return err
			}, code: codes.FailedPrecondition},
			{name: "validate_only of a taken id", call: createProject(&datahubv1.CreateProjectRequest{Parent: "organizations/o1", ProjectId: "p1", ValidateOnly: true, Project: &datahubv1.Project{DisplayName: "P"}}), code: codes.AlreadyExists},
			{name: "id of a wildcard", call: createProject(&datahubv1.CreateProjectRequest{Parent: "organizations/o1", ProjectId: "-", Project: &datahubv1.Project{DisplayName: "P"}}), code: codes.InvalidArgument, field: "project_id"},
			{name: "create under a wildcard", call: createProject(&datahubv1.CreateProjectRequest{Parent: "organizations/-", ProjectId: "px", Project: &datahubv1.Project{DisplayName: "P"}}), code: codes.InvalidArgument, field: "parent"},
			{name: "required missing", call: createProject(&datahubv1.CreateProjectRequest{Parent: "organizations/o1", ProjectId: "px", Project: &datahubv1.Project{}}), code: codes.InvalidArgument, field: "project.display_name"},
			{name: "request id not printable", call: createProject(&datahubv1.CreateProjectRequest{Parent: "organizations/o1", ProjectId: "px", RequestId: "\x00", Project: &datahubv1.Project{DisplayName: "P"}}), code: codes.InvalidArgument, field: "request_id"},
			{name: "long-running create under no parent", call: createDataset(&datahubv1.CreateDatasetRequest{Parent: "organizations/o1/projects/p9", DatasetId: "x", Dataset: &datahubv1.Dataset{DisplayName: "x"}}), code: codes.NotFound},
			{name: "required in a list element", call: createDataset(&datahubv1.CreateDatasetRequest{Parent: "organizations/o1/projects/p1", DatasetId: "x", Dataset: &datahubv1.Dataset{DisplayName: "x", Columns: []*datahubv1.Column{{Name: "a"}, {}}}}), code: codes.InvalidArgument, field: "dataset.columns[1].name"},
			{name: "required in a oneof message", call: createDataset(&datahubv1.CreateDatasetRequest{Parent: "organizations/o1/projects/p1", DatasetId: "x", Dataset: &datahubv1.Dataset{DisplayName: "x", Source: &datahubv1.Dataset_Cloud{Cloud: &datahubv1.CloudSource{}}}}), code: codes.InvalidArgument, field: "dataset.cloud.bucket"},
			{name: "catalog under no pattern", call: func(c datahubv1.DatahubServiceClient) error {
				_, err := c.CreateCatalog(ctx, &datahubv1.CreateCatalogRequest{Parent: "regions/r1/zonez/z1", CatalogId: "c1", Catalog: &datahubv1.Catalog{}})
				return err
			}, code: codes.InvalidArgument, field: "parent", rest: codes.NotFound},
			{name: "catalog of no pattern", call: func(c datahubv1.DatahubServiceClient) error {
				_, err := c.GetCatalog(ctx, &datahubv1.GetCatalogRequest{Name: "regions/r1/zones/z1/catalogs"})
				return err
			}, code: codes.InvalidArgument, field: "name", skipREST: true},
			{name: "custom method", call: func(c datahubv1.DatahubServiceClient) error {
				_, err := c.ArchiveDataset(ctx, &datahubv1.ArchiveDatasetRequest{Name: d1})
				return err
			}, code: codes.Unimplemented},
		} {
			for _, p := range []string{"grpc", "connect-json", "connect-proto", "rest"} {
				if p == "rest" && tc.skipREST {
					continue
				}
				r := refusalOf(t, tc.call(cs[p]))
				want := tc.code
				if p == "rest" && tc.rest != 0 {
					want = tc.rest
				}
				assert.Equal(t, want, r.code, "%s over %s: %s", tc.name, p, r.msg)
				if p != "rest" && tc.field != "" {
					assert.Equal(t, []string{tc.field}, r.fields, "%s over %s: %s", tc.name, p, r.msg)
				}
			}
		}
		// JSON that no string holds (a lone UTF-16 surrogate) names its
		// field over REST and Connect, where protojson says "unexpected EOF".
		for _, at := range []struct{ path, body string }{
			{"/v1/organizations/o1/projects?projectId=px", `{"displayName":"\ud800"}`},
			{"/datahub.v1.DatahubService/CreateProject", `{"parent":"organizations/o1","projectId":"px","project":{"displayName":"\ud800"}}`},
		} {
			code, body := restCall(t, base, "POST", at.path, at.body)
			assert.Equal(t, http.StatusBadRequest, code, "%s: %s", at.path, body)
			assert.Contains(t, body, `project.display_name: invalid escape \\ud800: a lone UTF-16 surrogate`, at.path)
		}
		// Nothing was written: the fixture's rows, as they were.
		got, err := cs["grpc"].GetDataset(ctx, &datahubv1.GetDatasetRequest{Name: d1})
		require.NoError(t, err)
		assert.Equal(t, "1", got.GetEtag())
		assert.Equal(t, "csv", got.GetFormat())
		assert.Empty(t, got.GetAccessKey(), "INPUT_ONLY is never answered")
		assert.Equal(t, uint64(math.MaxUint64), got.GetChecksum())
		assert.Equal(t, int64(math.MinInt64), got.GetLowWatermark())
		projects, err := cs["grpc"].ListProjects(ctx, &datahubv1.ListProjectsRequest{Parent: "organizations/-", ShowDeleted: true})
		require.NoError(t, err)
		assert.Len(t, projects.GetProjects(), 2)
		assert.EqualValues(t, 2, projects.GetTotalSize())
	})
}

// TestDatahubFilters: AIP-160 filters on fields of every kind at their
// extremes (64-bit integers, uint64 above int64's range, a wrapper, a
// negative Duration written unquoted as AIP-160 writes durations, an
// enum, a map entry and a field of a message in a oneof) select the same
// rows over every protocol and on every database.
func TestDatahubFilters(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, cs := serveDatahub(t, db)
		ctx := context.Background()
		datahubFixture(t, cs["grpc"])
		for _, tc := range []struct {
			filter string
			want   int
		}{
			{"row_count = 9223372036854775807 AND low_watermark = -9223372036854775808", 1},
			{"checksum = 18446744073709551615 AND byte_size > 9223372036854775807", 1},
			{"checksum < 18446744073709551615", 0},
			{"max_bytes = -9223372036854775808", 1},
			{"retention < 0s AND retention = -1s AND retention > -1.5s", 1},
			{"retention >= 0s", 0},
			{`retention < "0s"`, 1},
			{"state = STATE_UNSPECIFIED AND labels.env = \"prod\" AND cloud.bucket = \"b\"", 1},
			{"owner:* AND NOT uri:*", 1},
		} {
			for p, c := range cs {
				r, err := c.ListDatasets(ctx, &datahubv1.ListDatasetsRequest{Parent: "organizations/-/projects/-", Filter: tc.filter})
				require.NoError(t, err, "%s over %s", tc.filter, p)
				assert.Len(t, r.GetDatasets(), tc.want, "%s over %s", tc.filter, p)
				assert.EqualValues(t, tc.want, r.GetTotalSize(), "%s over %s", tc.filter, p)
			}
		}
		for p, c := range cs {
			_, err := c.ListDatasets(ctx, &datahubv1.ListDatasetsRequest{Parent: "organizations/-/projects/-", Filter: "row_count = 20s"})
			r := refusalOf(t, err)
			assert.Equal(t, codes.InvalidArgument, r.code, p)
			assert.Contains(t, r.msg, "row_count takes an integer, not a duration", p)
		}
	})
}
