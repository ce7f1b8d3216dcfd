package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/vanguard"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	transcodev1 "github.com/protoforge/protoforge/internal/e2e/gen/transcode/v1"
	"github.com/protoforge/protoforge/internal/e2e/gen/transcode/v1/transcodev1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// inspectingTranscodes is the generated service with InspectVolume, which
// answers with the request it was given.
type inspectingTranscodes struct {
	*transcodev1.TranscodeServiceCRUD
}

func (s inspectingTranscodes) InspectVolume(_ context.Context, req *transcodev1.InspectVolumeRequest) (*transcodev1.InspectVolumeResponse, error) {
	return &transcodev1.InspectVolumeResponse{Request: proto.CloneOf(req)}, nil
}

// serveTranscode serves TranscodeService on db as the example server
// mounts its services: Connect, gRPC and gRPC-Web by connect-go with the
// strict JSON codec, REST by vanguard with crudrt.RESTJSON behind
// crudrt.RESTGuard, all on one port. It returns the base URL and a
// Connect (JSON) client.
func serveTranscode(t *testing.T, db *gorm.DB) (string, transcodev1connect.TranscodeServiceClient) {
	t.Helper()
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/transcode/v1/schema", db.Dialector.Name()+".sql"))
	svc := inspectingTranscodes{transcodev1.NewTranscodeServiceCRUD(db)}
	path, handler := transcodev1connect.NewTranscodeServiceHandler(svc, connect.WithCodec(crudrt.JSON{}))
	mux := http.NewServeMux()
	mux.Handle(path, handler)
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(transcodev1connect.TranscodeServiceName)
	require.NoError(t, err)
	transcoder, err := vanguard.NewTranscoder([]*vanguard.Service{
		vanguard.NewServiceWithSchema(crudrt.ServiceWithRules(d.(protoreflect.ServiceDescriptor)), handler),
	}, vanguard.WithCodec(func(vanguard.TypeResolver) vanguard.Codec { return crudrt.RESTJSON{} }))
	require.NoError(t, err)
	mux.Handle("/", crudrt.RESTGuard(transcoder))
	srv := httptest.NewServer(crudrt.RPCGuard(mux))
	t.Cleanup(srv.Close)
	return srv.URL, transcodev1connect.NewTranscodeServiceClient(srv.Client(), srv.URL, connect.WithProtoJSON())
}

// restCall is restDo for base and path: the status and the body.
func restCall(t *testing.T, base, method, path, body string) (int, string) {
	t.Helper()
	resp, b := restDo(t, method, base+path, body)
	return resp.StatusCode, string(b)
}

// TestRESTResponseBody: a binding whose response_body is a field answers
// with that field alone, in JSON as protojson writes it in the response,
// whatever its kind (a string, a list of resources, a message), where the
// transcoder answered 500 for every field that is not a message; a body
// that is a field holding one value (body: "ratio") sets it; a message
// field that is not set is null (not 0, nor 1970). Errors keep
// their google.rpc.Status. On every database, compared with Connect.
func TestRESTResponseBody(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveTranscode(t, db)
		ctx := context.Background()
		_, err := c.CreateRack(ctx, &transcodev1.CreateRackRequest{RackId: "r1", Rack: &transcodev1.Rack{}})
		require.NoError(t, err)
		_, err = c.CreateVolume(ctx, &transcodev1.CreateVolumeRequest{Parent: "racks/r1", VolumeId: "v1",
			Volume: &transcodev1.Volume{Title: "Les \"Misérables\"", Tags: []string{"a"}, Cover: []byte{0, 1}}})
		require.NoError(t, err)
		_, err = c.CreateVolume(ctx, &transcodev1.CreateVolumeRequest{Parent: "racks/r1", VolumeId: "v2", Volume: &transcodev1.Volume{}})
		require.NoError(t, err)

		for _, id := range []string{"v1", "v2"} {
			v, err := c.GetVolume(ctx, &transcodev1.GetVolumeRequest{Name: "racks/r1/volumes/" + id})
			require.NoError(t, err)
			code, body := restCall(t, base, "GET", "/v1/racks/r1/volumes/"+id+"/title", "")
			require.Equal(t, http.StatusOK, code, body)
			want, _ := json.Marshal(v.Title)
			assert.JSONEq(t, string(want), body, "the title alone, \"\" when it is empty")
		}
		code, body := restCall(t, base, "GET", "/v1/racks/r1/volumes/v9/title", "")
		assert.Equal(t, http.StatusNotFound, code, body)
		assert.Contains(t, body, `"RESOURCE_NOT_FOUND"`)

		list, err := c.ListVolumes(ctx, &transcodev1.ListVolumesRequest{Parent: "racks/r1"})
		require.NoError(t, err)
		var want []json.RawMessage
		for _, v := range list.Volumes {
			b, err := protojson.Marshal(v)
			require.NoError(t, err)
			want = append(want, b)
		}
		wantList, _ := json.Marshal(want)
		code, body = restCall(t, base, "GET", "/v1/racks/r1/volumes:titles", "")
		require.Equal(t, http.StatusOK, code, body)
		assert.JSONEq(t, string(wantList), body, "the list of volumes alone, each as Connect writes it")
		code, body = restCall(t, base, "GET", "/v1/racks/r1/volumes:titles?page_size=-1", "")
		assert.Equal(t, http.StatusBadRequest, code, body)
		assert.Contains(t, body, `"field":"page_size"`)

		// A message field: null when it is not set, as absence and zero
		// stay distinct (protojson alone writes 0 and 1970), and the
		// document says so.
		doc, err := openapi3.NewLoader().LoadFromData(transcodev1.TranscodeServiceOpenAPI())
		require.NoError(t, err)
		_, err = c.CreateVolume(ctx, &transcodev1.CreateVolumeRequest{Parent: "racks/r1", VolumeId: "zero",
			Volume: &transcodev1.Volume{Price: wrapperspb.Double(0), PublishTime: timestamppb.New(time.Unix(0, 0))}})
		require.NoError(t, err)
		for _, tc := range []struct{ id, price, published string }{
			{"v2", `null`, `null`},
			{"zero", `0`, `"1970-01-01T00:00:00Z"`},
		} {
			vol := map[string]string{"rack": "r1", "volume": tc.id}
			code, body := openAPICall(t, doc, base, "GET", "/v1/racks/{rack}/volumes/{volume}/price", vol, nil, "", true)
			require.Equal(t, http.StatusOK, code, body)
			assert.JSONEq(t, tc.price, body, tc.id)
			code, body = openAPICall(t, doc, base, "GET", "/v1/racks/{rack}/volumes/{volume}/publishTime", vol, nil, "", true)
			require.Equal(t, http.StatusOK, code, body)
			assert.JSONEq(t, tc.published, body, tc.id)
		}

		code, body = restCall(t, base, "GET", "/v1/racks/r1/volumes/v1:inspectRequest?tags=x&ratio=2", "")
		require.Equal(t, http.StatusOK, code, body)
		assert.JSONEq(t, `{"name":"racks/r1/volumes/v1","tags":["x"],"ratio":2}`, body)

		// A body that is one value.
		for _, tc := range []struct{ body, want string }{
			{`2.5`, `{"request":{"name":"racks/r1/volumes/v1","ratio":2.5}}`},
			{`"NaN"`, `{"request":{"name":"racks/r1/volumes/v1","ratio":"NaN"}}`},
			{``, `{"request":{"name":"racks/r1/volumes/v1"}}`},
		} {
			code, body = restCall(t, base, "POST", "/v1/racks/r1/volumes/v1:inspectRatio", tc.body)
			require.Equal(t, http.StatusOK, code, "%s: %s", tc.body, body)
			assert.JSONEq(t, tc.want, body, tc.body)
		}
		code, body = restCall(t, base, "POST", "/v1/racks/r1/volumes/v1:inspectRatio", "\n  true")
		assert.Equal(t, http.StatusBadRequest, code, body)
		assert.Contains(t, compactJSON(body), `"field":"ratio","description":"invalid value for double field ratio: true (line 2:3)"`)
	})
}

// compactJSON is the JSON document s without its spaces between tokens
// (protojson writes some at random), or s when it is no JSON.
func compactJSON(s string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) != nil {
		return s
	}
	return b.String()
}

// TestRESTQueryWellKnownTypes: query parameters that set well-known types
// (google.api.http: a Timestamp in RFC 3339, a Duration, a FieldMask as a
// comma list, the wrappers, bytes in base64 or base64url) reach the
// method as the same request sent over Connect does, at the top of the
// request and inside nested messages. The transcoder read a StringValue
// or a Timestamp with its quotes taken off ("\"hi\"" became hi), refused
// the empty StringValue, kept the last of two Timestamps and the last
// path of a repeated FieldMask, refused a FieldMask in proto names that
// Connect takes, and kept one of a Timestamp given whole
// and a field inside it (since, since.seconds); it answered a malformed
// one without naming its field.
func TestRESTQueryWellKnownTypes(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	base, c := serveTranscode(t, db)
	ctx := context.Background()
	const at = "/v1/racks/r1/volumes/v1:inspect?"
	name := "racks/r1/volumes/v1"
	for _, tc := range []struct {
		query string
		want  *transcodev1.InspectVolumeRequest
	}{
		{"label=", &transcodev1.InspectVolumeRequest{Label: wrapperspb.String("")}},
		{"label=%22hi%22", &transcodev1.InspectVolumeRequest{Label: wrapperspb.String(`"hi"`)}},
		{"label=%22", &transcodev1.InspectVolumeRequest{Label: wrapperspb.String(`"`)}},
		{"label=a%5Cn", &transcodev1.InspectVolumeRequest{Label: wrapperspb.String(`a\n`)}},
		{"token=-_8&tokens=%2B%2F8%3D&tokens=AAE", &transcodev1.InspectVolumeRequest{Token: []byte{0xfb, 0xff}, Tokens: [][]byte{{0xfb, 0xff}, {0, 1}}}},
		{"since=2021-02-03T04:05:06.5%2B02:00&within=1.5s", &transcodev1.InspectVolumeRequest{
			Since: timestamppb.New(time.Date(2021, 2, 3, 2, 5, 6, 5e8, time.UTC)), Within: durationpb.New(1500 * time.Millisecond)}},
		{"limit=1e1&huge=18446744073709551615&flag=false", &transcodev1.InspectVolumeRequest{
			Limit: wrapperspb.Int64(10), Huge: wrapperspb.UInt64(math.MaxUint64), Flag: wrapperspb.Bool(false)}},
		{"fields=title&fields=probe.span,tags", &transcodev1.InspectVolumeRequest{Fields: &fieldmaskpb.FieldMask{Paths: []string{"title", "probe.span", "tags"}}}},
		{"fields=probeSpan.untilTime", &transcodev1.InspectVolumeRequest{Fields: &fieldmaskpb.FieldMask{Paths: []string{"probe_span.until_time"}}}},
		{"probe.span.until=1970-01-01T00:00:01Z&probe.label=%22x%22&probe.marks=a&probe.marks=b", &transcodev1.InspectVolumeRequest{
			Probe: &transcodev1.Probe{Label: `"x"`, Marks: []string{"a", "b"}, Span: &transcodev1.Span{Until: timestamppb.New(time.Unix(1, 0))}}}},
	} {
		tc.want.Name = name
		over, err := c.InspectVolume(ctx, tc.want)
		require.NoError(t, err)
		want, err := protojson.Marshal(over)
		require.NoError(t, err)
		code, body := restCall(t, base, "GET", at+tc.query, "")
		require.Equal(t, http.StatusOK, code, "%s: %s", tc.query, body)
		assert.JSONEq(t, string(want), body, "%s: as Connect reads %v", tc.query, tc.want)
	}
	// A FieldMask as Connect's JSON codec reads the same text in a body:
	// proto names taken (vanguard refused baz_qux), a list given by
	// several parameters (vanguard kept the last), an empty mask set.
	for query, text := range map[string]string{
		"fields=fooBar,baz_qux":    "fooBar,baz_qux",
		"fields=title&fields=tags": "title,tags",
		"fields=":                  "",
	} {
		doc, _ := json.Marshal(map[string]string{"name": name, "fields": text})
		code, want := restCall(t, base, "POST", "/transcode.v1.TranscodeService/InspectVolume", string(doc))
		require.Equal(t, http.StatusOK, code, "Connect: %s", want)
		code, body := restCall(t, base, "GET", at+query, "")
		require.Equal(t, http.StatusOK, code, "%s: %s", query, body)
		assert.JSONEq(t, want, body, "%s: as Connect reads %s", query, doc)
	}
	for _, tc := range []struct{ query, field, reason string }{
		{"since=bad", "since", "MALFORMED_REQUEST"},
		{"within=1", "within", "MALFORMED_REQUEST"},
		{"probe.span.until=2020-13-01T00:00:00Z", "probe.span.until", "MALFORMED_REQUEST"},
		{"limit=x", "limit", "MALFORMED_REQUEST"},
		{"huge=-1", "huge", "MALFORMED_REQUEST"},
		{"token=***", "token", "MALFORMED_REQUEST"},
		{"tokens=AA&tokens=%25", "tokens[1]", "MALFORMED_REQUEST"},
		{"since=2020-01-01T00:00:00Z&since=2021-01-01T00:00:00Z", "", "QUERY_REPEATS_FIELD"},
		{"limit=1&limit=2", "", "QUERY_REPEATS_FIELD"},
		{"label=a&label=b", "", "QUERY_REPEATS_FIELD"},
		// The Timestamp whole and a field inside it: vanguard kept one.
		{"since.seconds=5&since=2020-01-01T00:00:00Z", "", "QUERY_REPEATS_FIELD"},
		{"limit.value=5&limit=6", "", "QUERY_REPEATS_FIELD"},
	} {
		code, body := restCall(t, base, "GET", at+tc.query, "")
		assert.Equal(t, http.StatusBadRequest, code, "%s: %s", tc.query, body)
		assert.Contains(t, compactJSON(body), `"reason":"`+tc.reason+`"`, tc.query)
		if tc.field != "" {
			assert.Contains(t, compactJSON(body), `"fieldViolations":[{"field":"`+tc.field+`"`, tc.query)
		}
	}
}

// TestRESTQueryMapsAndOneofs: a query parameter into a map field
// (google.api.http maps none to query parameters) is InvalidArgument, where
// the transcoder answered 500; two query parameters that set two members
// of one oneof are refused as Connect refuses the same two fields in a
// body, where the transcoder kept the last.
func TestRESTQueryMapsAndOneofs(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	base, c := serveTranscode(t, db)
	const at = "/v1/racks/r1/volumes/v1:inspect?"
	code, body := restCall(t, base, "GET", at+"attrs.k=x", "")
	assert.Equal(t, http.StatusBadRequest, code, body)
	assert.Contains(t, body, "MALFORMED_QUERY")
	assert.Contains(t, body, "attrs")

	_, err := c.InspectVolume(context.Background(), &transcodev1.InspectVolumeRequest{})
	require.NoError(t, err)
	code, body = restCall(t, base, "POST", "/v1/racks/r1/volumes/v1:inspect", `{"alpha":"x","beta":2}`)
	assert.Equal(t, http.StatusBadRequest, code, "Connect's JSON codec refuses it: %s", body)
	for _, q := range []string{"alpha=x&beta=2", "beta=2&alpha=x"} {
		code, body = restCall(t, base, "GET", at+q, "")
		assert.Equal(t, http.StatusBadRequest, code, "%s: %s", q, body)
		assert.Contains(t, body, "oneof choice", q)
	}
	code, body = restCall(t, base, "GET", at+"beta=2", "")
	assert.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"request":{"name":"racks/r1/volumes/v1","beta":2}}`, body)
}

// TestTranscodeOpenAPI: the OpenAPI document describes what the server
// answers and takes on these bindings: a binding's response_body is the
// schema of that field (a string, an array), and the query parameters of
// a route include those inside nested messages (`probe.span.low`) and the
// wrappers (`limit`), which the server takes, but not a field the path
// sets inside a message (`probe.label` on /v1/{probe.label=labels/*}).
func TestTranscodeOpenAPI(t *testing.T) {
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(transcodev1.TranscodeServiceOpenAPI())
	require.NoError(t, err)
	require.NoError(t, doc.Validate(ctx))
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveTranscode(t, db)
		_, err := c.CreateRack(ctx, &transcodev1.CreateRackRequest{RackId: "r1", Rack: &transcodev1.Rack{}})
		require.NoError(t, err)
		_, err = c.CreateVolume(ctx, &transcodev1.CreateVolumeRequest{Parent: "racks/r1", VolumeId: "v1", Volume: &transcodev1.Volume{Title: "t"}})
		require.NoError(t, err)
		vol := map[string]string{"rack": "r1", "volume": "v1"}
		code, body := openAPICall(t, doc, base, "GET", "/v1/racks/{rack}/volumes/{volume}/title", vol, nil, "", true)
		assert.Equal(t, http.StatusOK, code, body)
		code, body = openAPICall(t, doc, base, "GET", "/v1/racks/{rack}/volumes:titles", map[string]string{"rack": "r1"}, nil, "", true)
		assert.Equal(t, http.StatusOK, code, body)
		query := url.Values{"probe.span.low": {"3"}, "probe.span.until": {"2020-01-01T00:00:00Z"}, "probe.marks": {"a", "b"},
			"limit": {"5"}, "label": {"x"}, "flag": {"true"}, "ratio": {"2"}}
		code, body = openAPICall(t, doc, base, "GET", "/v1/racks/{rack}/volumes/{volume}:inspectRequest", vol, query, "", true)
		assert.Equal(t, http.StatusOK, code, body)
		code, body = openAPICall(t, doc, base, "GET", "/v1/racks/{rack}/volumes/{volume}:inspect", vol, query, "", true)
		assert.Equal(t, http.StatusOK, code, body)
		code, body = openAPICall(t, doc, base, "GET", "/v1/labels/{label}:inspect", map[string]string{"label": "x"}, url.Values{"probe.span.low": {"3"}}, "", true)
		assert.Equal(t, http.StatusOK, code, body)
	})
	documented := func(path string) []string {
		var names []string
		for _, p := range doc.Paths.Value(path).Get.Parameters {
			if p.Value.In == "query" {
				names = append(names, p.Value.Name)
			}
		}
		return names
	}
	for _, key := range []string{"probe.label", "probe.span.low", "probe.span.until", "probe.span.state", "probe.marks", "limit", "flag", "label", "huge", "alpha", "beta"} {
		assert.Contains(t, documented("/v1/racks/{rack}/volumes/{volume}:inspect"), key)
	}
	assert.NotContains(t, documented("/v1/racks/{rack}/volumes/{volume}:inspect"), "attrs", "a map is no query parameter")
	assert.NotContains(t, documented("/v1/labels/{label}:inspect"), "probe.label", "the path sets it")
	// A "**" parameter takes several segments, sent with their slashes.
	files := doc.Paths.Value("/v1/files/{path}:inspect").Get.Parameters[0].Value
	assert.Contains(t, files.Description, "any number of them, their slashes sent as they are")
	base, _ := serveTranscode(t, testdb.Open(t, testdb.SQLite))
	code, body := restCall(t, base, "GET", "/v1/files/a/b/c.txt:inspect", "")
	assert.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"request":{"path":"files/a/b/c.txt"}}`, body)
	assert.Contains(t, documented("/v1/labels/{label}:inspect"), "probe.span.low")
}

// TestRESTColonInResourceID: a colon in the last segment of a REST path
// starts a custom verb only when a route has that verb, and the verb is
// what follows the last colon, as google.api.http gateways read a path
// (Envoy's transcoder, grpc-gateway); any other colon is part of the
// segment. A resource whose id holds a colon, which gRPC and Connect
// reach, was out of REST's reach in every spelling (vanguard took what
// follows the first colon as a verb and found no route): it is read,
// updated, inspected (its own verb after the id's colon) and deleted as
// over Connect, on every database, and no other resource is touched.
func TestRESTColonInResourceID(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveTranscode(t, db)
		ctx := context.Background()
		require.NoError(t, db.Exec("INSERT INTO racks (rack, theme) VALUES ('a:b', 'colon'), ('a', 'plain')").Error)
		for _, v := range []string{"v:w", "v", "w"} {
			require.NoError(t, db.Exec("INSERT INTO volumes (rack, volume, title) VALUES ('a:b', ?, ?)", v, "title "+v).Error)
		}
		for _, p := range []string{"/v1/racks/a:b", "/v1/racks/a%3Ab", "/v1/racks/a%3ab"} {
			code, body := rawRequest(t, base, "GET", p)
			require.Equal(t, http.StatusOK, code, "%s: %s", p, body)
			assert.Contains(t, body, `"theme":"colon"`, p)
		}
		want, err := c.GetVolume(ctx, &transcodev1.GetVolumeRequest{Name: "racks/a:b/volumes/v:w"})
		require.NoError(t, err)
		for _, p := range []string{"/v1/racks/a:b/volumes/v:w", "/v1/racks/a%3Ab/volumes/v%3Aw", "/v2/racks/a:b/volumes/v:w"} {
			code, body := rawRequest(t, base, "GET", p)
			require.Equal(t, http.StatusOK, code, "%s: %s", p, body)
			assert.Contains(t, body, `"title":"`+want.Title+`"`, p)
		}
		for _, p := range []string{"/v1/racks/a:b/volumes/v:w:inspect", "/v1/racks/a%3Ab/volumes/v%3Aw%3Ainspect"} {
			code, body := rawRequest(t, base, "GET", p)
			require.Equal(t, http.StatusOK, code, "%s: %s", p, body)
			assert.JSONEq(t, `{"request":{"name":"racks/a:b/volumes/v:w"}}`, body, p)
		}
		// A verb no route has is part of the id: a volume that does not
		// exist, not the volume v.
		code, body := rawRequest(t, base, "GET", "/v1/racks/a:b/volumes/v:x")
		assert.Equal(t, http.StatusNotFound, code, body)
		assert.Contains(t, body, `racks/a:b/volumes/v:x`)
		// A verb a route has keeps its meaning on another method.
		code, body = rawRequest(t, base, "GET", "/v1/racks/a:b/volumes/v:undelete")
		assert.Equal(t, http.StatusMethodNotAllowed, code, body)

		code, body = restCall(t, base, "PATCH", "/v1/racks/a:b/volumes/v:w?update_mask=title", `{"title":"new"}`)
		require.Equal(t, http.StatusOK, code, body)
		code, body = rawRequest(t, base, "DELETE", "/v1/racks/a:b/volumes/v:w")
		require.Equal(t, http.StatusOK, code, body)
		got, err := c.ListVolumes(ctx, &transcodev1.ListVolumesRequest{Parent: "racks/a:b", ShowDeleted: true})
		require.NoError(t, err)
		for _, v := range got.Volumes {
			switch v.Name {
			case "racks/a:b/volumes/v:w":
				assert.Equal(t, "new", v.Title)
				assert.NotNil(t, v.DeleteTime, "deleted")
			default:
				assert.Nil(t, v.DeleteTime, "%s is not deleted", v.Name)
				assert.Equal(t, "title "+strings.TrimPrefix(v.Name, "racks/a:b/volumes/"), v.Title)
			}
		}
		assert.Len(t, got.Volumes, 3)
	})
}

// TestTranscodeOpenAPIQueryParameters: every query parameter the OpenAPI
// document lists for a route without a body is one the server takes: a
// value of the parameter's schema is read (the method may still refuse
// the value, as a filter it cannot parse, but not the parameter).
func TestTranscodeOpenAPIQueryParameters(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(transcodev1.TranscodeServiceOpenAPI())
	require.NoError(t, err)
	db := testdb.Open(t, testdb.SQLite)
	base, c := serveTranscode(t, db)
	ctx := context.Background()
	_, err = c.CreateRack(ctx, &transcodev1.CreateRackRequest{RackId: "r1", Rack: &transcodev1.Rack{}})
	require.NoError(t, err)
	_, err = c.CreateVolume(ctx, &transcodev1.CreateVolumeRequest{Parent: "racks/r1", VolumeId: "v1", Volume: &transcodev1.Volume{}})
	require.NoError(t, err)
	paths := map[string]string{"rack": "r1", "volume": "v1", "path": "a/b", "label": "x", "name": "racks/r1/volumes/v1"}
	checked := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil {
				continue
			}
			concrete := path
			for k, v := range paths {
				concrete = strings.ReplaceAll(concrete, "{"+k+"}", v)
			}
			for _, p := range op.Parameters {
				if p.Value.In != "query" {
					continue
				}
				q := url.Values{p.Value.Name: {sampleOf(t, p.Value.Schema.Value)}}
				code, body := restCall(t, base, method, concrete+"?"+q.Encode(), "")
				assert.Less(t, code, 500, "%s %s?%s: %s", method, path, q.Encode(), body)
				for _, reason := range []string{"MALFORMED_QUERY", "MALFORMED_REQUEST", "QUERY_OVERRIDES_FIELD", "QUERY_REPEATS_FIELD", "INVALID_ARGUMENT"} {
					assert.NotContains(t, body, `"`+reason+`"`, "%s %s?%s: the document lists the parameter", method, path, q.Encode())
				}
				checked++
			}
		}
	}
	assert.Greater(t, checked, 50)
}

// sampleOf is a value of schema s as a query parameter: an element of an
// array, the first of an enum or a choice, a value of the type and format.
func sampleOf(t *testing.T, s *openapi3.Schema) string {
	t.Helper()
	switch {
	case len(s.Enum) > 0:
		return fmt.Sprint(s.Enum[len(s.Enum)-1])
	case len(s.AnyOf) > 0:
		return sampleOf(t, s.AnyOf[0].Value)
	case s.Type.Is("array"):
		return sampleOf(t, s.Items.Value)
	case s.Type.Includes("boolean"):
		return "true"
	case s.Type.Includes("integer"), s.Type.Includes("number"):
		return "1"
	case s.Format == "date-time":
		return "2020-01-02T03:04:05Z"
	case s.Format == "byte":
		return "AAE="
	case s.Format == "int64" || s.Format == "uint64":
		return "1"
	case strings.HasSuffix(s.Pattern, "s$"):
		return "1.5s"
	case s.Type.Includes("string"):
		return "a"
	}
	t.Fatalf("no sample for %+v", s)
	return ""
}

// TestRESTBodyMaskWithPathVariables: a body "*" on a route with path
// variables (PUT /v1/{volume.name=racks/*/volumes/*}) takes what JSON's
// FieldMask cannot hold, "updateMask": "*" (AIP-134's full replacement),
// as Connect does: the transcoder writes such a request again for its
// handler, and answered 500 where protojson refused to write the mask.
// On every database, as Connect answers the same update.
func TestRESTBodyMaskWithPathVariables(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveTranscode(t, db)
		ctx := context.Background()
		_, err := c.CreateRack(ctx, &transcodev1.CreateRackRequest{RackId: "r1", Rack: &transcodev1.Rack{}})
		require.NoError(t, err)
		for _, id := range []string{"rest", "connect"} {
			_, err = c.CreateVolume(ctx, &transcodev1.CreateVolumeRequest{Parent: "racks/r1", VolumeId: id,
				Volume: &transcodev1.Volume{Title: "old", Tags: []string{"a"}, Price: wrapperspb.Double(2)}})
			require.NoError(t, err)
		}
		for _, mask := range []string{"*", "title,publish_time"} {
			code, want := restCall(t, base, "POST", "/transcode.v1.TranscodeService/UpdateVolume",
				`{"volume":{"name":"racks/r1/volumes/connect","title":"new `+mask+`"},"updateMask":"`+mask+`"}`)
			require.Equal(t, http.StatusOK, code, "Connect, %s: %s", mask, want)
			code, body := restCall(t, base, "PUT", "/v1/racks/r1/volumes/rest", `{"volume":{"title":"new `+mask+`"},"updateMask":"`+mask+`"}`)
			require.Equal(t, http.StatusOK, code, "%s: %s", mask, body)
			assert.JSONEq(t, strings.ReplaceAll(want, "volumes/connect", "volumes/rest"), body, mask)
		}
		got, err := c.GetVolume(ctx, &transcodev1.GetVolumeRequest{Name: "racks/r1/volumes/rest"})
		require.NoError(t, err)
		assert.Empty(t, got.Tags, "the full replacement cleared them")
		assert.Nil(t, got.Price, "the full replacement cleared it")
	})
}

// TestRESTCustomHead: a binding of the custom kind HEAD (google.api.http's
// example of a custom pattern) serves HEAD, which RESTGuard turned into a
// GET that no route of that path took (405); HEAD on a GET route stays
// that GET without its body.
func TestRESTCustomHead(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	base, c := serveTranscode(t, db)
	ctx := context.Background()
	_, err := c.CreateRack(ctx, &transcodev1.CreateRackRequest{RackId: "r1", Rack: &transcodev1.Rack{}})
	require.NoError(t, err)
	_, err = c.CreateVolume(ctx, &transcodev1.CreateVolumeRequest{Parent: "racks/r1", VolumeId: "v1", Volume: &transcodev1.Volume{}})
	require.NoError(t, err)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"HEAD", "/v1/racks/r1/volumes/v1:exists", http.StatusOK},
		{"HEAD", "/v1/racks/r1/volumes/v9:exists", http.StatusNotFound},
		{"GET", "/v1/racks/r1/volumes/v1:exists", http.StatusMethodNotAllowed},
		{"HEAD", "/v1/racks/r1/volumes/v1", http.StatusOK},
		{"HEAD", "/v1/racks/r1/volumes/v9", http.StatusNotFound},
	} {
		code, body := restCall(t, base, tc.method, tc.path, "")
		assert.Equal(t, tc.status, code, "%s %s: %s", tc.method, tc.path, body)
	}
}
