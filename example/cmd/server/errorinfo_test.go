package main_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
)

// TestErrorInfo checks AIP-193 on the real server: every error carries
// exactly one google.rpc.ErrorInfo, of the runtime's domain, whose reason
// names the cause and whose metadata holds the message's variables, over
// REST, Connect and gRPC alike.
func TestErrorInfo(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune")
	infos := func(body string) []map[string]any {
		t.Helper()
		var st struct {
			Details []map[string]any `json:"details"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &st), body)
		var out []map[string]any
		for _, d := range st.Details {
			if d["@type"] == "type.googleapis.com/google.rpc.ErrorInfo" || d["type"] == "google.rpc.ErrorInfo" {
				out = append(out, d)
			}
		}
		return out
	}
	for name, tc := range map[string]struct {
		method, path, contentType, body string
		status                          int
		reason                          string
		metadata                        map[string]string
	}{
		"REST not found":      {"GET", "/v1/books/999", "", "", 404, "RESOURCE_NOT_FOUND", map[string]string{"resource": "library.v1.Book", "name": "999"}},
		"REST field":          {"POST", "/v1/books", "application/json", `{"authorId":"1","isbn":"5"}`, 400, "FIELD_VIOLATION", map[string]string{"fields": "book.title"}},
		"REST stale etag":     {"PATCH", "/v1/books/1?update_mask=title", "application/json", `{"title":"x","etag":"99"}`, 409, "ETAG_MISMATCH", map[string]string{"etag": "99", "currentEtag": "1", "resource": "library.v1.Book"}},
		"REST no route":       {"GET", "/v1/nowhere", "", "", 404, "NO_REST_ROUTE", nil},
		"REST override":       {"DELETE", "/v1/books/999?id=1", "", "", 400, "QUERY_OVERRIDES_FIELD", nil},
		"REST malformed JSON": {"POST", "/v1/books", "application/json", `{"title":"a","title":"b"}`, 400, "MALFORMED_JSON", nil},
		// Read by RESTGuard as Connect reads them in a body.
		"REST path value":    {"GET", "/v1/books/abc", "", "", 400, "MALFORMED_REQUEST", map[string]string{"fields": "id"}},
		"REST query value":   {"GET", "/v1/books?page_size=abc", "", "", 400, "MALFORMED_REQUEST", map[string]string{"fields": "page_size"}},
		"REST media type":    {"POST", "/v1/books", "text/plain", `title`, 415, "UNSUPPORTED_MEDIA_TYPE", nil},
		"REST batch limit":   {"GET", "/v1/books:batchGet?" + strings.Repeat("ids=1&", 1001), "", "", 400, "FIELD_VIOLATION", map[string]string{"fields": "ids"}},
		"Connect stale etag": {"POST", "/library.v1.BookService/DeleteBook", "application/json", `{"id":"1","etag":"99"}`, 409, "ETAG_MISMATCH", map[string]string{"etag": "99", "currentEtag": "1", "resource": "library.v1.Book"}},
		"Connect not found":  {"POST", "/library.v1.BookService/GetBook", "application/json", `{"id":"999"}`, 404, "RESOURCE_NOT_FOUND", map[string]string{"resource": "library.v1.Book", "name": "999"}},
		"Connect exists":     {"POST", "/library.v1.BookService/CreateBook", "application/json", `{"book":{"title":"Dune 2","authorId":"1","isbn":"1"}}`, 409, "RESOURCE_ALREADY_EXISTS", nil},
		// Raised by connect-go before the service: the code's name.
		"Connect undecodable":       {"POST", "/library.v1.BookService/GetBook", "application/json", `{"id":`, 400, "MALFORMED_JSON", nil},
		"Connect binary":            {"POST", "/library.v1.BookService/GetBook", "application/proto", "\xff\xff", 400, "MALFORMED_PROTOBUF", nil},
		"Connect unknown procedure": {"POST", "/library.v1.BookService/Nope", "application/json", `{}`, 404, "UNIMPLEMENTED", nil},
		"Connect unknown service":   {"POST", "/library.v9.Nothing/Get", "application/proto", "", 404, "UNIMPLEMENTED", nil},
	} {
		t.Run(name, func(t *testing.T) {
			code, body := do(t, tc.method, s.url(tc.path), tc.contentType, tc.body)
			require.Equal(t, tc.status, code, body)
			got := infos(body)
			require.Len(t, got, 1, "exactly one ErrorInfo: %s", body)
			info := got[0]
			if v, ok := info["value"].(string); ok {
				// Connect's JSON carries the detail as base64 protobuf.
				info = decodeInfo(t, v)
			}
			assert.Equal(t, tc.reason, info["reason"], body)
			assert.Equal(t, crudrt.ErrorDomain, info["domain"], body)
			md, _ := info["metadata"].(map[string]any)
			for k, v := range tc.metadata {
				assert.Equal(t, v, md[k], "metadata %s: %s", k, body)
			}
		})
	}

	conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	_, err = libraryv1.NewBookServiceClient(conn).GetBook(context.Background(), &libraryv1.GetBookRequest{Id: 999})
	var n int
	var res *errdetails.ResourceInfo
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			n++
			assert.Equal(t, "RESOURCE_NOT_FOUND", info.Reason)
			assert.Equal(t, crudrt.ErrorDomain, info.Domain)
			assert.Equal(t, "999", info.Metadata["name"])
		}
		if ri, ok := d.(*errdetails.ResourceInfo); ok {
			res = ri
		}
	}
	assert.Equal(t, 1, n, "gRPC: exactly one ErrorInfo in %v", status.Convert(err).Details())
	// AIP-193: the resource that was not found, by type and name.
	if assert.NotNil(t, res, "gRPC: a ResourceInfo in %v", status.Convert(err).Details()) {
		assert.Equal(t, "library.v1.Book", res.ResourceType)
		assert.Equal(t, "999", res.ResourceName)
	}
	assert.Equal(t, `library.v1.Book "999" not found`, status.Convert(err).Message())
	// A named resource, on Update and Delete too.
	ac := libraryv1.NewAuthorServiceClient(conn)
	_, err = ac.GetAuthor(context.Background(), &libraryv1.GetAuthorRequest{Name: "authors/424242"})
	assert.Equal(t, `library.v1.Author "authors/424242" not found`, status.Convert(err).Message())
	_, err = libraryv1.NewBookServiceClient(conn).UpdateBook(context.Background(), &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: 424242, Title: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
	assert.Equal(t, `library.v1.Book "424242" not found`, status.Convert(err).Message())
	_, err = libraryv1.NewBookServiceClient(conn).DeleteBook(context.Background(), &libraryv1.DeleteBookRequest{Id: 424242})
	assert.Equal(t, `library.v1.Book "424242" not found`, status.Convert(err).Message())

	// A message connect-go cannot decode, and a procedure no handler
	// serves, over gRPC (trailers) and gRPC-Web (headers): the ErrorInfo
	// is added on the way out.
	for _, tc := range []struct {
		ct, path string
		code     int32
		reason   string
	}{
		{"application/grpc+proto", "/library.v1.BookService/GetBook", 3, "MALFORMED_PROTOBUF"},
		{"application/grpc-web+proto", "/library.v1.BookService/GetBook", 3, "MALFORMED_PROTOBUF"},
		{"application/grpc+proto", "/library.v1.BookService/Nope", 12, "UNIMPLEMENTED"},
		{"application/grpc-web+proto", "/library.v9.Nothing/Get", 12, "UNIMPLEMENTED"},
	} {
		ct := tc.ct + " " + tc.path
		resp, _ := rawRPC(t, s.url(tc.path), tc.ct, "\x00\x00\x00\x00\x03\xff\xff\xff")
		assert.Equal(t, 200, resp.StatusCode, ct)
		raw := resp.Header.Get("Grpc-Status-Details-Bin") + resp.Trailer.Get("Grpc-Status-Details-Bin")
		b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(raw, "="))
		require.NoError(t, err, "%s: details %q", ct, raw)
		var st spb.Status
		require.NoError(t, proto.Unmarshal(b, &st), ct)
		assert.Equal(t, tc.code, st.Code, ct)
		require.NotEmpty(t, st.Details, ct)
		var info errdetails.ErrorInfo
		require.NoError(t, st.Details[0].UnmarshalTo(&info), ct)
		assert.Equal(t, tc.reason, info.Reason, ct)
		assert.Equal(t, crudrt.ErrorDomain, info.Domain, ct)
	}
}

// decodeInfo reads a Connect error detail's value: an ErrorInfo in
// unpadded base64 protobuf.
func decodeInfo(t *testing.T, v string) map[string]any {
	t.Helper()
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(v, "="))
	require.NoError(t, err)
	var info errdetails.ErrorInfo
	require.NoError(t, proto.Unmarshal(b, &info))
	md := map[string]any{}
	for k, v := range info.Metadata {
		md[k] = v
	}
	return map[string]any{"reason": info.Reason, "domain": info.Domain, "metadata": md}
}
