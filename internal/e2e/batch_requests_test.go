package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"connectrpc.com/connect"
	"connectrpc.com/vanguard"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	batchv1 "github.com/protoforge/protoforge/internal/e2e/gen/batch/v1"
	"github.com/protoforge/protoforge/internal/e2e/gen/batch/v1/batchv1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// serveBatches serves the generated BatchService on db as the example
// server mounts it (Connect with the strict JSON codec, REST by vanguard
// behind crudrt.RESTGuard, on one port) and over grpc-go on another. It
// returns the REST base URL and a Connect and a gRPC client.
func serveBatches(t *testing.T, db *gorm.DB) (string, map[string]batchv1connect.BatchServiceClient) {
	t.Helper()
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/batch/v1/schema", db.Dialector.Name()+".sql"))
	svc := batchv1.NewBatchServiceCRUD(db)
	path, handler := batchv1connect.NewBatchServiceHandler(svc, connect.WithCodec(crudrt.JSON{}))
	mux := http.NewServeMux()
	mux.Handle(path, handler)
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(batchv1connect.BatchServiceName)
	require.NoError(t, err)
	transcoder, err := vanguard.NewTranscoder([]*vanguard.Service{
		vanguard.NewServiceWithSchema(crudrt.ServiceWithRules(d.(protoreflect.ServiceDescriptor), batchv1.BatchServiceRESTRules()...), handler),
	}, vanguard.WithCodec(func(vanguard.TypeResolver) vanguard.Codec { return crudrt.RESTJSON{} }))
	require.NoError(t, err)
	mux.Handle("/", crudrt.RESTGuard(transcoder, batchv1.BatchServiceRESTRules()...))
	srv := httptest.NewServer(crudrt.RPCGuard(mux))
	t.Cleanup(srv.Close)

	_, conn := serveGRPC(t, func(gs *grpc.Server) { batchv1.RegisterBatchServiceServer(gs, svc) })
	return srv.URL, map[string]batchv1connect.BatchServiceClient{
		"connect": batchv1connect.NewBatchServiceClient(srv.Client(), srv.URL, connect.WithProtoJSON()),
		"grpc":    grpcBatches{batchv1.NewBatchServiceClient(conn)},
	}
}

// grpcBatches is the grpc-go client as the Connect client's interface.
type grpcBatches struct{ c batchv1.BatchServiceClient }

func (g grpcBatches) CreateCrate(ctx context.Context, r *batchv1.CreateCrateRequest) (*batchv1.Crate, error) {
	return g.c.CreateCrate(ctx, r)
}

func (g grpcBatches) GetCrate(ctx context.Context, r *batchv1.GetCrateRequest) (*batchv1.Crate, error) {
	return g.c.GetCrate(ctx, r)
}

func (g grpcBatches) BatchGetCrates(ctx context.Context, r *batchv1.BatchGetCratesRequest) (*batchv1.BatchGetCratesResponse, error) {
	return g.c.BatchGetCrates(ctx, r)
}

func (g grpcBatches) BatchDeleteCrates(ctx context.Context, r *batchv1.BatchDeleteCratesRequest) (*emptypb.Empty, error) {
	return g.c.BatchDeleteCrates(ctx, r)
}

func (g grpcBatches) CreateParcel(ctx context.Context, r *batchv1.CreateParcelRequest) (*batchv1.Parcel, error) {
	return g.c.CreateParcel(ctx, r)
}

func (g grpcBatches) GetParcel(ctx context.Context, r *batchv1.GetParcelRequest) (*batchv1.Parcel, error) {
	return g.c.GetParcel(ctx, r)
}

func (g grpcBatches) BatchGetParcels(ctx context.Context, r *batchv1.BatchGetParcelsRequest) (*batchv1.BatchGetParcelsResponse, error) {
	return g.c.BatchGetParcels(ctx, r)
}

func (g grpcBatches) BatchDeleteParcels(ctx context.Context, r *batchv1.BatchDeleteParcelsRequest) (*batchv1.BatchDeleteParcelsResponse, error) {
	return g.c.BatchDeleteParcels(ctx, r)
}

func (g grpcBatches) CreateStamp(ctx context.Context, r *batchv1.CreateStampRequest) (*batchv1.Stamp, error) {
	return g.c.CreateStamp(ctx, r)
}

func (g grpcBatches) BatchGetStamps(ctx context.Context, r *batchv1.BatchGetStampsRequest) (*batchv1.BatchGetStampsResponse, error) {
	return g.c.BatchGetStamps(ctx, r)
}

func (g grpcBatches) BatchDeleteStamps(ctx context.Context, r *batchv1.BatchDeleteStampsRequest) (*emptypb.Empty, error) {
	return g.c.BatchDeleteStamps(ctx, r)
}

// rpcRefusal is an error of either client: its code, its message and the
// fields of its BadRequest.
type rpcRefusal struct {
	code   codes.Code
	msg    string
	fields []string
}

func refusalOf(t *testing.T, err error) rpcRefusal {
	t.Helper()
	require.Error(t, err)
	var out rpcRefusal
	var details []any
	var ce *connect.Error
	if errors.As(err, &ce) {
		out.code, out.msg = codes.Code(ce.Code()), ce.Message()
		for _, d := range ce.Details() {
			v, derr := d.Value()
			require.NoError(t, derr)
			details = append(details, v)
		}
	} else {
		st := status.Convert(err)
		out.code, out.msg = st.Code(), st.Message()
		details = st.Details()
	}
	for _, d := range details {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				out.fields = append(out.fields, fv.GetField())
			}
		}
	}
	return out
}

// TestBatchRequests serves AIP-231's BatchGet and AIP-235's BatchDelete
// that take Get and Delete requests in place of names, over Connect, gRPC
// and REST on every database: each request is read as Get or Delete reads
// it (name or key, etag, force, allow_missing, read_mask), the results
// follow the requests' order, the batch's parent bounds every name, a
// refusal names the request (`requests[1].name`), and a stale etag
// deletes nothing of the batch.
func TestBatchRequests(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, clients := serveBatches(t, db)
		for _, proto := range []string{"connect", "grpc"} {
			t.Run(proto, func(t *testing.T) { batchRequests(t, clients[proto], proto) })
		}
		t.Run("rest", func(t *testing.T) { batchRequestsREST(t, base, clients["connect"]) })
	})
}

func batchRequests(t *testing.T, c batchv1connect.BatchServiceClient, p string) {
	ctx := context.Background()
	crate := func(id string) string { return "crates/" + p + id }
	parcel := func(crateID, id string) string { return crate(crateID) + "/parcels/" + id }
	for _, id := range []string{"1", "2", "3"} {
		_, err := c.CreateCrate(ctx, &batchv1.CreateCrateRequest{CrateId: p + id, Crate: &batchv1.Crate{Label: "crate " + id}})
		require.NoError(t, err)
	}
	for _, ps := range [][2]string{{"1", "a"}, {"1", "b"}, {"2", "x"}} {
		_, err := c.CreateParcel(ctx, &batchv1.CreateParcelRequest{Parent: crate(ps[0]), ParcelId: ps[1], Parcel: &batchv1.Parcel{Title: "parcel " + ps[1], Weight: 3}})
		require.NoError(t, err)
	}

	// BatchGet: in the requests' order, a name asked twice answered twice.
	got, err := c.BatchGetCrates(ctx, &batchv1.BatchGetCratesRequest{Requests: []*batchv1.GetCrateRequest{{Name: crate("2")}, {Name: crate("1")}, {Name: crate("2")}}})
	require.NoError(t, err)
	require.Len(t, got.Crates, 3)
	assert.Equal(t, []string{crate("2"), crate("1"), crate("2")}, []string{got.Crates[0].Name, got.Crates[1].Name, got.Crates[2].Name})
	assert.Equal(t, "crate 1", got.Crates[1].Label)

	_, err = c.BatchGetCrates(ctx, &batchv1.BatchGetCratesRequest{})
	r := refusalOf(t, err)
	assert.Equal(t, codes.InvalidArgument, r.code, r.msg)
	assert.Equal(t, []string{"requests"}, r.fields, "AIP-231: an empty batch is refused")

	_, err = c.BatchGetCrates(ctx, &batchv1.BatchGetCratesRequest{Requests: []*batchv1.GetCrateRequest{{Name: crate("1")}, {Name: crate("9")}}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.NotFound, r.code, r.msg)
	assert.Contains(t, r.msg, crate("9"))

	_, err = c.BatchGetCrates(ctx, &batchv1.BatchGetCratesRequest{Requests: []*batchv1.GetCrateRequest{{Name: crate("1")}, {Name: "boxes/1"}}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.InvalidArgument, r.code, r.msg)
	assert.Equal(t, []string{"requests[1].name"}, r.fields)
	_, err = c.BatchGetStamps(ctx, &batchv1.BatchGetStampsRequest{Requests: []*batchv1.GetStampRequest{{Id: 1}, {}}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.NotFound, r.code, "as Get answers id 0: %s", r.msg)
	_, err = c.BatchDeleteCrates(ctx, &batchv1.BatchDeleteCratesRequest{Requests: []*batchv1.DeleteCrateRequest{{Name: crate("1")}, {}}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.InvalidArgument, r.code, r.msg)
	assert.Equal(t, []string{"requests[1].name"}, r.fields, "REQUIRED in each request")

	// The batch's parent bounds every request; `-` spans crates.
	_, err = c.BatchGetParcels(ctx, &batchv1.BatchGetParcelsRequest{Parent: crate("1"), Requests: []*batchv1.GetParcelRequest{{Name: parcel("1", "a")}, {Name: parcel("2", "x")}}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.InvalidArgument, r.code, r.msg)
	assert.Equal(t, []string{"requests[1].name"}, r.fields)
	// Each request's read_mask is its own.
	parcels, err := c.BatchGetParcels(ctx, &batchv1.BatchGetParcelsRequest{Parent: "crates/-", Requests: []*batchv1.GetParcelRequest{
		{Name: parcel("1", "a"), ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}},
		{Name: parcel("2", "x")},
	}})
	require.NoError(t, err)
	require.Len(t, parcels.Parcels, 2)
	assert.Equal(t, "parcel a", parcels.Parcels[0].Title)
	assert.Zero(t, parcels.Parcels[0].Weight, "read_mask title")
	assert.Equal(t, parcel("2", "x"), parcels.Parcels[1].Name)
	assert.Equal(t, int32(3), parcels.Parcels[1].Weight)
	_, err = c.BatchGetParcels(ctx, &batchv1.BatchGetParcelsRequest{Requests: []*batchv1.GetParcelRequest{
		{Name: parcel("1", "a")}, {Name: parcel("1", "b"), ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"colour"}}},
	}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.InvalidArgument, r.code, r.msg)
	assert.Equal(t, []string{"requests[1].read_mask"}, r.fields)

	// BatchDelete: a stale etag in any request deletes nothing.
	a, err := c.GetParcel(ctx, &batchv1.GetParcelRequest{Name: parcel("1", "a")})
	require.NoError(t, err)
	_, err = c.BatchDeleteParcels(ctx, &batchv1.BatchDeleteParcelsRequest{Parent: crate("1"), Requests: []*batchv1.DeleteParcelRequest{
		{Name: parcel("1", "b")}, {Name: parcel("1", "a"), Etag: a.Etag + "0"},
	}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.Aborted, r.code, r.msg)
	assert.Contains(t, r.msg, "requests[1]")
	for _, id := range []string{"a", "b"} {
		got, err := c.GetParcel(ctx, &batchv1.GetParcelRequest{Name: parcel("1", id)})
		require.NoError(t, err)
		assert.Nil(t, got.DeleteTime, "%s is not deleted: AIP-235 is all or nothing", id)
	}
	// Under another parent than the batch's.
	_, err = c.BatchDeleteParcels(ctx, &batchv1.BatchDeleteParcelsRequest{Parent: crate("1"), Requests: []*batchv1.DeleteParcelRequest{{Name: parcel("1", "b")}, {Name: parcel("2", "x")}}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.InvalidArgument, r.code, r.msg)
	assert.Equal(t, []string{"requests[1].name"}, r.fields)
	// A missing parcel is NotFound naming its request, and deletes
	// nothing; with its allow_missing it is skipped.
	_, err = c.BatchDeleteParcels(ctx, &batchv1.BatchDeleteParcelsRequest{Parent: crate("1"), Requests: []*batchv1.DeleteParcelRequest{{Name: parcel("1", "b")}, {Name: parcel("1", "zz")}}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.NotFound, r.code, r.msg)
	assert.Contains(t, r.msg, "requests[1]")
	assert.Contains(t, r.msg, parcel("1", "zz"))
	b, err := c.GetParcel(ctx, &batchv1.GetParcelRequest{Name: parcel("1", "b")})
	require.NoError(t, err)
	assert.Nil(t, b.DeleteTime)

	// The soft delete answers each parcel as stored, in the requests'
	// order; the etag that is current passes.
	del, err := c.BatchDeleteParcels(ctx, &batchv1.BatchDeleteParcelsRequest{Parent: crate("1"), Requests: []*batchv1.DeleteParcelRequest{
		{Name: parcel("1", "b")}, {Name: parcel("1", "zz"), AllowMissing: true}, {Name: parcel("1", "a"), Etag: a.Etag},
	}})
	require.NoError(t, err)
	require.Len(t, del.Parcels, 3)
	assert.Equal(t, []string{parcel("1", "b"), parcel("1", "zz"), parcel("1", "a")}, []string{del.Parcels[0].Name, del.Parcels[1].Name, del.Parcels[2].Name})
	assert.NotNil(t, del.Parcels[0].DeleteTime)
	assert.Nil(t, del.Parcels[1].DeleteTime, "what does not exist is answered by its name alone")
	assert.NotNil(t, del.Parcels[2].DeleteTime)
	assert.NotEqual(t, a.Etag, del.Parcels[2].Etag)
	got2, err := c.GetParcel(ctx, &batchv1.GetParcelRequest{Name: parcel("1", "a")})
	require.NoError(t, err)
	assert.NotNil(t, got2.DeleteTime)
	// Deleted already: NotFound, or with allow_missing answered as stored.
	_, err = c.BatchDeleteParcels(ctx, &batchv1.BatchDeleteParcelsRequest{Requests: []*batchv1.DeleteParcelRequest{{Name: parcel("1", "a")}}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.NotFound, r.code, r.msg)
	again, err := c.BatchDeleteParcels(ctx, &batchv1.BatchDeleteParcelsRequest{Requests: []*batchv1.DeleteParcelRequest{{Name: parcel("1", "a"), AllowMissing: true, Etag: "stale"}}})
	require.NoError(t, err)
	require.Len(t, again.Parcels, 1)
	assert.Equal(t, got2.Etag, again.Parcels[0].Etag, "answered as stored")
	// An empty batch: its REQUIRED requests are missing.
	_, err = c.BatchDeleteParcels(ctx, &batchv1.BatchDeleteParcelsRequest{Parent: crate("1")})
	r = refusalOf(t, err)
	assert.Equal(t, codes.InvalidArgument, r.code, r.msg)
	assert.Equal(t, []string{"requests"}, r.fields)

	// Crates are removed; a crate with parcels goes only with its
	// request's force; a stale etag keeps every crate.
	c3, err := c.GetCrate(ctx, &batchv1.GetCrateRequest{Name: crate("3")})
	require.NoError(t, err)
	_, err = c.BatchDeleteCrates(ctx, &batchv1.BatchDeleteCratesRequest{Requests: []*batchv1.DeleteCrateRequest{{Name: crate("3")}, {Name: crate("2")}}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.FailedPrecondition, r.code, r.msg)
	assert.Contains(t, r.msg, "requests[1]")
	_, err = c.BatchDeleteCrates(ctx, &batchv1.BatchDeleteCratesRequest{Requests: []*batchv1.DeleteCrateRequest{{Name: crate("2"), Force: true}, {Name: crate("3"), Etag: "7" + c3.Etag}}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.Aborted, r.code, r.msg)
	assert.Contains(t, r.msg, "requests[1]")
	_, err = c.GetParcel(ctx, &batchv1.GetParcelRequest{Name: parcel("2", "x")})
	require.NoError(t, err, "the aborted batch deleted no child")
	// A crate named twice is deleted once, and every request's etag is
	// checked.
	_, err = c.BatchDeleteCrates(ctx, &batchv1.BatchDeleteCratesRequest{Requests: []*batchv1.DeleteCrateRequest{{Name: crate("3"), Etag: c3.Etag}, {Name: crate("3"), Etag: "7" + c3.Etag}}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.Aborted, r.code, r.msg)
	assert.Contains(t, r.msg, "requests[1]")
	_, err = c.BatchDeleteCrates(ctx, &batchv1.BatchDeleteCratesRequest{Requests: []*batchv1.DeleteCrateRequest{{Name: crate("2"), Force: true}, {Name: crate("3"), Etag: c3.Etag}, {Name: crate("3")}}})
	require.NoError(t, err)
	for _, id := range []string{"2", "3"} {
		_, err = c.GetCrate(ctx, &batchv1.GetCrateRequest{Name: crate(id)})
		assert.Equal(t, codes.NotFound, refusalOf(t, err).code)
	}
	_, err = c.GetCrate(ctx, &batchv1.GetCrateRequest{Name: crate("1")})
	require.NoError(t, err)

	// Requests that name their resource by its key.
	var ids []int64
	for _, motif := range []string{"owl", "oak"} {
		s, err := c.CreateStamp(ctx, &batchv1.CreateStampRequest{Stamp: &batchv1.Stamp{Motif: p + motif}})
		require.NoError(t, err)
		ids = append(ids, s.Id)
	}
	stamps, err := c.BatchGetStamps(ctx, &batchv1.BatchGetStampsRequest{Requests: []*batchv1.GetStampRequest{{Id: ids[1]}, {Id: ids[0]}}})
	require.NoError(t, err)
	require.Len(t, stamps.Stamps, 2)
	assert.Equal(t, p+"oak", stamps.Stamps[0].Motif)
	_, err = c.BatchDeleteStamps(ctx, &batchv1.BatchDeleteStampsRequest{Requests: []*batchv1.DeleteStampRequest{{Id: ids[0]}, {Id: ids[1]}}})
	require.NoError(t, err)
	// A field of the requests the method does not serve is refused,
	// naming it.
	_, err = c.BatchDeleteStamps(ctx, &batchv1.BatchDeleteStampsRequest{Requests: []*batchv1.DeleteStampRequest{{Id: ids[0]}, {Id: ids[1], Etag: "1"}}})
	r = refusalOf(t, err)
	assert.Equal(t, codes.InvalidArgument, r.code, r.msg)
	assert.Equal(t, []string{"requests[1].etag"}, r.fields)
	// Without REQUIRED, an empty batch deletes nothing, as one without
	// names does.
	_, err = c.BatchDeleteStamps(ctx, &batchv1.BatchDeleteStampsRequest{})
	require.NoError(t, err)
	_, err = c.BatchGetStamps(ctx, &batchv1.BatchGetStampsRequest{Requests: []*batchv1.GetStampRequest{{Id: ids[0]}}})
	assert.Equal(t, codes.NotFound, refusalOf(t, err).code)
}

// batchRequestsREST: the requests form over REST, at POST …:batchGet
// and …:batchDelete with the whole request as the body, as the OpenAPI
// document describes them.
func batchRequestsREST(t *testing.T, base string, c batchv1connect.BatchServiceClient) {
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(batchv1.BatchServiceOpenAPI())
	require.NoError(t, err)
	_, err = c.CreateCrate(ctx, &batchv1.CreateCrateRequest{CrateId: "r1", Crate: &batchv1.Crate{}})
	require.NoError(t, err)
	for _, id := range []string{"a", "b"} {
		_, err := c.CreateParcel(ctx, &batchv1.CreateParcelRequest{Parent: "crates/r1", ParcelId: id, Parcel: &batchv1.Parcel{Title: id, Weight: 2}})
		require.NoError(t, err)
	}
	r1 := map[string]string{"crate": "r1"}
	call := func(path string, params map[string]string, body string, valid bool) (int, string) {
		t.Helper()
		return openAPICall(t, doc, base, "POST", path, params, nil, body, valid)
	}
	code, body := call("/v1/crates/{crate}/parcels:batchGet", r1, `{"requests":[{"name":"crates/r1/parcels/b","readMask":"title"},{"name":"crates/r1/parcels/a"}]}`, true)
	require.Equal(t, http.StatusOK, code, body)
	var got struct {
		Parcels []struct {
			Name   string `json:"name"`
			Title  string `json:"title"`
			Weight int    `json:"weight"`
		} `json:"parcels"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.Len(t, got.Parcels, 2)
	assert.Equal(t, "b", got.Parcels[0].Title)
	assert.Zero(t, got.Parcels[0].Weight)
	assert.Equal(t, "crates/r1/parcels/a", got.Parcels[1].Name)

	code, body = call("/v1/crates/{crate}/parcels:batchGet", r1, `{}`, false)
	assert.Equal(t, http.StatusBadRequest, code, body)
	assert.Contains(t, body, `"requests"`)
	code, body = call("/v1/crates/{crate}/parcels:batchDelete", r1, `{"requests":[{"name":"crates/r1/parcels/a"},{"name":"crates/r2/parcels/b"}]}`, true)
	assert.Equal(t, http.StatusBadRequest, code, body)
	assert.Contains(t, body, `requests[1].name`)
	code, body = call("/v1/crates/{crate}/parcels:batchDelete", r1, `{"requests":[{"name":"crates/r1/parcels/a"},{"name":"crates/r1/parcels/b","etag":"99"}]}`, true)
	assert.Equal(t, http.StatusConflict, code, body)
	assert.Contains(t, body, "ETAG_MISMATCH")
	a, err := c.GetParcel(ctx, &batchv1.GetParcelRequest{Name: "crates/r1/parcels/a"})
	require.NoError(t, err)
	assert.Nil(t, a.DeleteTime, "nothing of the aborted batch is deleted")
	code, body = call("/v1/crates/{crate}/parcels:batchDelete", r1, `{"requests":[{"name":"crates/r1/parcels/a","etag":"`+a.Etag+`"},{"name":"crates/r1/parcels/b"}]}`, true)
	require.Equal(t, http.StatusOK, code, body)
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.Len(t, got.Parcels, 2)
	assert.Equal(t, "crates/r1/parcels/b", got.Parcels[1].Name)
	code, body = call("/v1/crates:batchDelete", nil, `{"requests":[{"name":"crates/r1","force":true}]}`, true)
	require.Equal(t, http.StatusOK, code, body)
	code, body = call("/v1/crates:batchGet", nil, `{"requests":[{"name":"crates/r1"}]}`, true)
	assert.Equal(t, http.StatusNotFound, code, body)
}

// TestBatchRequestsTenants: the requests of a BatchGet or BatchDelete
// reach the caller's tenant's resources only: another tenant's is
// NotFound, or, with the request's allow_missing, skipped and left as it
// is.
func TestBatchRequestsTenants(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/batch/v1/schema", db.Dialector.Name()+".sql"))
		mux := http.NewServeMux()
		mux.Handle(batchv1connect.NewTicketServiceHandler(
			batchv1.NewTicketServiceCRUD(db, crudrt.WithTenant(tenantFromContext)),
			connect.WithInterceptors(tenantInterceptor())))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		acme := batchv1connect.NewTicketServiceClient(srv.Client(), srv.URL, asTenant("acme"))
		globex := batchv1connect.NewTicketServiceClient(srv.Client(), srv.URL, asTenant("globex"))
		ctx := context.Background()
		a, err := acme.CreateTicket(ctx, &batchv1.CreateTicketRequest{TicketId: "a", Ticket: &batchv1.Ticket{}})
		require.NoError(t, err)
		_, err = globex.CreateTicket(ctx, &batchv1.CreateTicketRequest{TicketId: "g", Ticket: &batchv1.Ticket{}})
		require.NoError(t, err)

		_, err = globex.BatchGetTickets(ctx, &batchv1.BatchGetTicketsRequest{Requests: []*batchv1.GetTicketRequest{{Name: "tickets/g"}, {Name: "tickets/a"}}})
		assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "%v", err)
		_, err = globex.BatchDeleteTickets(ctx, &batchv1.BatchDeleteTicketsRequest{Requests: []*batchv1.DeleteTicketRequest{{Name: "tickets/a", Etag: a.Etag}}})
		assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "%v", err)
		_, err = globex.BatchDeleteTickets(ctx, &batchv1.BatchDeleteTicketsRequest{Requests: []*batchv1.DeleteTicketRequest{{Name: "tickets/g"}, {Name: "tickets/a", AllowMissing: true}}})
		require.NoError(t, err)
		got, err := acme.BatchGetTickets(ctx, &batchv1.BatchGetTicketsRequest{Requests: []*batchv1.GetTicketRequest{{Name: "tickets/a"}}})
		require.NoError(t, err, "acme's ticket is acme's")
		require.Len(t, got.Tickets, 1)
		assert.Equal(t, a.Etag, got.Tickets[0].Etag)
		_, err = acme.BatchDeleteTickets(ctx, &batchv1.BatchDeleteTicketsRequest{Requests: []*batchv1.DeleteTicketRequest{{Name: "tickets/a", Etag: a.Etag}}})
		require.NoError(t, err)
		_, err = acme.BatchGetTickets(ctx, &batchv1.BatchGetTicketsRequest{Requests: []*batchv1.GetTicketRequest{{Name: "tickets/a"}}})
		assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "%v", err)
	})
}
