package main_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
)

// TestRESTMalformedQuery sends malformed query strings over REST: each is
// InvalidArgument (HTTP 400, code 3) naming the problem, as the same
// mistake is over Connect, never 500 and never read as something else.
func TestRESTMalformedQuery(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	for name, tc := range map[string]struct{ path, mention string }{
		"unknown parameter":           {"/v1/books?colour=red", `colour`},
		"unknown parameter on Get":    {"/v1/books/1?update_mask=title", `update_mask`},
		"invalid UTF-8 value":         {"/v1/books?filter=%ff", `not valid UTF-8`},
		"invalid UTF-8 key":           {"/v1/books?%ff=1", `not valid UTF-8`},
		"bad percent-encoding":        {"/v1/books?filter=%zz", `malformed query string`},
		"bad percent-encoding in key": {"/v1/books?page%zz=1", `malformed query string`},
		"wrong type":                  {"/v1/books?page_size=abc", `page_size`},
		"int32 out of range":          {"/v1/books?page_size=99999999999", `page_size`},
		"negative page size":          {"/v1/books?page_size=-1", `page_size`},
	} {
		t.Run(name, func(t *testing.T) {
			code, body := do(t, "GET", s.url(tc.path), "", "")
			assert.Equal(t, 400, code, "%s", body)
			assert.Contains(t, body, `"code":3`)
			assert.Contains(t, body, tc.mention)
		})
	}
	// The same mistakes over Connect.
	code, body := do(t, "POST", s.url("/library.v1.BookService/ListBooks"), "application/json", `{"colour":"red"}`)
	assert.Equal(t, 400, code, body)
	assert.Contains(t, body, `"code":"invalid_argument"`)
	code, body = do(t, "POST", s.url("/library.v1.BookService/ListBooks"), "application/json", `{"pageSize":-1}`)
	assert.Equal(t, 400, code, body)
	assert.Contains(t, body, "page_size")
	// Well-formed queries still work.
	code, body = do(t, "GET", s.url("/v1/books?page_size=5&filter=title%20%3D%20%22%C3%A9%22"), "", "")
	assert.Equal(t, 200, code, body)
}

// TestUpdateMaskStar replaces a book with update_mask "*" (AIP-134) over
// REST (query), Connect JSON (body), gRPC and gRPC's binary mask: every
// field the client may set takes the sent value, unset ones included.
func TestUpdateMaskStar(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, `,"tags":["sf"],"metadata":{"k":"v"}`, "Dune", "Dune 2", "Dune 3")
	const js = "application/json"
	// REST: PATCH /v1/books/1?update_mask=*: tags and metadata are cleared.
	code, body := do(t, "PATCH", s.url("/v1/books/1?update_mask=*"), js, `{"title":"Dune Messiah","authorId":"1"}`)
	require.Equal(t, 200, code, body)
	code, body = do(t, "GET", s.url("/v1/books/1"), "", "")
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"title":"Dune Messiah"`)
	assert.NotContains(t, body, `"sf"`, "a full replacement clears what was not sent")
	assert.NotContains(t, body, `"isbn"`, "isbn, not sent, is 0 now")

	// Connect JSON: "updateMask": "*" in the body.
	code, body = do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), js, `{"book":{"id":"2","title":"Children of Dune","authorId":"1","isbn":"22"},"updateMask":"*"}`)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"title":"Children of Dune"`)
	assert.NotContains(t, body, `"sf"`, "tags replaced by none")
	code, body = do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), js, `{"book":{"id":"2","title":"x","authorId":"1"},"updateMask":"*","updateMask":"title"}`)
	assert.Equal(t, 400, code, "a duplicate key stays refused: %s", body)
	code, body = do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), js, `{"book":{"id":"2","title":"x","authorId":"1"},"updateMask":"*,title"}`)
	assert.Equal(t, 400, code, `"*" must be the only path: %s`, body)
	connectAnswer := answerOf(t, connectStatus(t, body))
	// The same answer over REST, however the paths are spelled.
	for _, q := range []string{"update_mask=*,title", "update_mask=*&update_mask=title"} {
		code, body = do(t, "PATCH", s.url("/v1/books/2?"+q), js, `{"title":"x"}`)
		require.Equal(t, 400, code, body)
		var st spb.Status
		require.NoError(t, protojson.Unmarshal([]byte(body), &st), body)
		assert.Equal(t, connectAnswer, answerOf(t, &st), "REST %s", q)
	}
	assert.Equal(t, "FIELD_VIOLATION", connectAnswer.reason)
	assert.Equal(t, []string{"update_mask"}, connectAnswer.violations)

	// gRPC: the binary mask holds "*" as it is.
	conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	c := libraryv1.NewBookServiceClient(conn)
	b, err := c.UpdateBook(context.Background(), &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: 3, Title: "God Emperor", AuthorId: 1, Isbn: 33}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"*"}}})
	require.NoError(t, err)
	assert.Equal(t, "God Emperor", b.Title)
	assert.Empty(t, b.Tags)
	assert.Empty(t, b.Metadata)
}

// startWithBooks starts a server on SQLite with the author "Frank" and a
// book of each title by him, with ISBNs 1, 2…, and extra fields (JSON
// members after a comma) in each.
func startWithBooks(t *testing.T, extra string, titles ...string) *server {
	t.Helper()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	addBooks(t, s, extra, titles...)
	return s
}

// addBooks creates, on s's new database, the author "Frank" (id 1) and a
// book of each title by him, as startWithBooks does.
func addBooks(t *testing.T, s *server, extra string, titles ...string) {
	t.Helper()
	code, body := do(t, "POST", s.url("/v1/authors"), "application/json", `{"displayName":"Frank"}`)
	require.Equal(t, 200, code, body)
	for i, title := range titles {
		code, body := do(t, "POST", s.url("/v1/books"), "application/json", `{"title":"`+title+`","authorId":"1","isbn":"`+strconv.Itoa(i+1)+`"`+extra+`}`)
		require.Equal(t, 200, code, body)
	}
}

// rawRPC posts one framed gRPC (over h2c, with its trailers) or gRPC-Web
// request and returns the response, its body read.
func rawRPC(t *testing.T, url, contentType, frame string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(frame))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := http.DefaultClient
	if strings.HasPrefix(strings.ToLower(contentType), "application/grpc+") {
		client = &http.Client{Transport: &http.Transport{Protocols: func() *http.Protocols {
			p := new(http.Protocols)
			p.SetUnencryptedHTTP2(true)
			return p
		}()}}
		req.Header.Set("Te", "trailers")
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return resp, b
}

// TestMalformedEnvelopes sends malformed gRPC and gRPC-Web frames: each is
// InvalidArgument (the request's fault), never Internal. TestGRPCWebText
// sends them in gRPC-Web's text mode.
func TestMalformedEnvelopes(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	for name, frame := range map[string]string{
		"truncated payload":       "\x00\x00\x00\x00\x64abc",
		"truncated header":        "\x00\x00\x00",
		"compressed, no encoding": "\x01\x00\x00\x00\x00",
		"invalid wire format":     "\x00\x00\x00\x00\x03\xff\xff\xff",
		"trailers flag":           "\x80\x00\x00\x00\x02\x08\x01",
	} {
		for _, ct := range []string{"application/grpc-web+proto", "application/grpc+proto"} {
			t.Run(name+" "+ct, func(t *testing.T) {
				resp, b := rawRPC(t, s.url("/library.v1.BookService/GetBook"), ct, frame)
				status := resp.Header.Get("Grpc-Status") + resp.Trailer.Get("Grpc-Status")
				if status == "" && len(b) > 5 {
					status = string(b) // gRPC-Web trailers in the body
				}
				assert.Contains(t, status, "3", "want InvalidArgument; headers %v trailers %v body %q", resp.Header, resp.Trailer, b)
				assert.NotContains(t, status, "13")
			})
		}
	}
}

// TestRESTQueryCannotOverride sends REST requests whose query string names
// a field that the URL path or the body already sets. The transcoder would
// apply the query last, so that DELETE /v1/books/2?id=1 deleted book 1 and
// PATCH /v1/books/2?book.id=1 changed book 1: each is InvalidArgument
// (HTTP 400) naming the parameter, and nothing is written.
func TestRESTQueryCannotOverride(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune", "Emma")
	const js = "application/json"
	for name, tc := range map[string]struct{ method, path, body, mention string }{
		"path id on Get":          {"GET", "/v1/books/2?id=1", "", `\"id\"`},
		"path id on Delete":       {"DELETE", "/v1/books/2?id=1", "", `\"id\"`},
		"path id percent-encoded": {"DELETE", "/v1/books/%32?id=1", "", `\"id\"`},
		"path id on Update":       {"PATCH", "/v1/books/2?book.id=1&update_mask=title", `{"title":"Moved"}`, `\"book.id\"`},
		"JSON name on Update":     {"PATCH", "/v1/books/2?book.authorId=5", `{"title":"Moved"}`, `\"book.authorId\"`},
		"body field on Update":    {"PATCH", "/v1/books/1?book.title=Other", `{"title":"Moved"}`, `\"book.title\"`},
		"body field on Create":    {"POST", "/v1/books?book.title=Other", `{"title":"Moved","authorId":"1","isbn":"9"}`, `\"book.title\"`},
		"path id on Undelete":     {"POST", "/v1/books/2:undelete?id=1", `{}`, `\"id\"`},
		"whole body":              {"POST", "/v1/books:batchDelete?ids=1", `{"ids":["2"]}`, `\"ids\"`},
		"name on GetAuthor":       {"GET", "/v1/authors/1?name=authors/2", "", `\"name\"`},
		"star and another mask":   {"PATCH", "/v1/books/1?update_mask=*&update_mask=title", `{"title":"Moved"}`, `'*'`},
	} {
		t.Run(name, func(t *testing.T) {
			code, body := do(t, tc.method, s.url(tc.path), js, tc.body)
			assert.Equal(t, 400, code, "%s", body)
			assert.Contains(t, body, `"code":3`)
			assert.Contains(t, body, tc.mention)
		})
	}
	// Both books are as they were: not deleted, not renamed.
	for id, title := range map[string]string{"1": "Dune", "2": "Emma"} {
		code, body := do(t, "GET", s.url("/v1/books/"+id), "", "")
		require.Equal(t, 200, code, body)
		assert.Contains(t, body, `"title":"`+title+`"`)
		assert.Contains(t, body, `"etag":"1"`)
		assert.NotContains(t, body, `deleteTime`)
	}
	// Query parameters the path and body leave free still work.
	code, body := do(t, "PATCH", s.url("/v1/books/1?update_mask=title"), js, `{"title":"Dune Messiah"}`)
	assert.Equal(t, 200, code, body)
	code, body = do(t, "GET", s.url("/v1/books:batchGet?ids=1&ids=2"), "", "")
	assert.Equal(t, 200, code, body)
	code, body = do(t, "DELETE", s.url("/v1/books/2?etag=1"), "", "")
	assert.Equal(t, 200, code, body)
}

// TestRESTNoRoute checks that a path no REST route has, and a method the
// path's routes do not take, are answered with a google.rpc.Status body
// (NotFound, Unimplemented) as every other REST error is, not plain text;
// a resource that does not exist stays the service's own NotFound.
func TestRESTNoRoute(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	for _, tc := range []struct {
		method, path string
		status       int
		mention      string
		allow        string // sorted, the same on every call
	}{
		{"GET", "/v1/nothing", 404, `"code":5`, ""},
		{"GET", "/v1/books/1/chapters", 404, `no REST route for GET /v1/books/1/chapters`, ""},
		// An escaped slash is part of its segment (google.api.http): the
		// route /v1/books/{id}, whose id cannot be "1/chapters".
		{"GET", "/v1/books/1%2Fchapters", 400, `"field":"id"`, ""},
		{"DELETE", "/v1/books", 405, `"code":12`, "GET, POST"},
		{"PUT", "/v1/books/1", 405, `DELETE, GET, PATCH`, "DELETE, GET, PATCH"},
		{"GET", "/v1/books/1", 404, `library.v1.Book \"1\" not found`, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, s.url(tc.path), nil)
			require.NoError(t, err)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, res.StatusCode, "%s", b)
			assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
			assert.Contains(t, strings.ReplaceAll(string(b), `", "`, `","`), tc.mention)
			assert.Contains(t, string(b), `"message"`)
			assert.Equal(t, tc.allow, res.Header.Get("Allow"))
		})
	}
}

// TestEmptyUpdateMask sends an empty update mask over REST (query) and
// Connect (JSON body): both are no mask, so the fields the body sets are
// written, and the others kept.
func TestEmptyUpdateMask(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, `,"tags":["sf"]`, "Dune", "Dune 2")
	const js = "application/json"
	code, body := do(t, "PATCH", s.url("/v1/books/1?update_mask="), js, `{"title":"Dune Messiah"}`)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"title":"Dune Messiah"`)
	assert.Contains(t, body, `"sf"`, "tags not sent are kept")
	code, body = do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), js, `{"book":{"id":"2","title":"Children of Dune"},"updateMask":""}`)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"title":"Children of Dune"`)
	assert.Contains(t, body, `"sf"`)
}

// TestMalformedUpdateMask: a mask with an empty path, or spaces around a
// path inside it, is InvalidArgument naming update_mask over REST (query),
// Connect JSON (body) and gRPC alike, and nothing is written: it never
// becomes no mask, nor a mask of the trimmed paths. Spaces around the
// whole text of a JSON or query mask are dropped, as protojson drops them.
func TestMalformedUpdateMask(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, `,"metadata":{"k":"v"}`, "Dune")
	const js = "application/json"
	conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	c := libraryv1.NewBookServiceClient(conn)
	for _, mask := range []string{",", "title,", ",title", "title,,isbn", "title ,isbn", "title, isbn", " , "} {
		code, body := do(t, "PATCH", s.url("/v1/books/1?update_mask="+url.QueryEscape(mask)), js, `{"title":"Changed","metadata":{"c":"d"}}`)
		assert.Equal(t, 400, code, "REST %q: %s", mask, body)
		assert.Contains(t, body, "update_mask", "REST %q", mask)
		code, body = do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), js, `{"book":{"id":"1","title":"Changed","authorId":"1"},"updateMask":`+strconv.Quote(mask)+`}`)
		assert.Equal(t, 400, code, "Connect %q: %s", mask, body)
		_, err := c.UpdateBook(context.Background(), &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: 1, Title: "Changed", AuthorId: 1}, UpdateMask: &fieldmaskpb.FieldMask{Paths: strings.Split(mask, ",")}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "gRPC %q: %v", mask, err)
	}
	code, body := do(t, "GET", s.url("/v1/books/1"), "", "")
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"title":"Dune"`, "nothing was written")
	assert.Contains(t, body, `"metadata":{"k":"v"}`)

	code, body = do(t, "PATCH", s.url("/v1/books/1?update_mask=%20title%20"), js, `{"title":"Padded","metadata":{"c":"d"}}`)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"title":"Padded"`)
	assert.Contains(t, body, `"metadata":{"k":"v"}`, "outside the mask")
	code, body = do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), js, `{"book":{"id":"1","title":"Padded again","metadata":{"c":"d"}},"updateMask":" title "}`)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"title":"Padded again"`)
	assert.Contains(t, body, `"metadata":{"k":"v"}`, "outside the mask")
}

// TestUpdateMapEntryMask updates one entry of a map over REST (query) and
// Connect JSON (body) with an AIP-161 path: the entry sent is set, the
// others are kept.
func TestUpdateMapEntryMask(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, `,"metadata":{"genre":"sf","lang":"en"}`, "Dune", "Dune 2")
	const js = "application/json"
	code, body := do(t, "PATCH", s.url("/v1/books/1?update_mask=metadata.genre"), js, `{"metadata":{"genre":"fantasy","lang":"fr"}}`)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"genre":"fantasy"`)
	assert.Contains(t, body, `"lang":"en"`, "only the masked entry changes")
	code, body = do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), js, `{"book":{"id":"2","metadata":{}},"updateMask":"metadata.lang"}`)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"genre":"sf"`)
	assert.NotContains(t, body, `"lang"`, "an entry masked but not sent is removed")
}

// TestContentEncoding sends a body whose Content-Encoding the server
// cannot decode, over REST and Connect: the same code on both, a body that
// is not what it says is InvalidArgument and an encoding the server does
// not take Unimplemented, each with a google.rpc.Status and its ErrorInfo;
// nothing is stored.
func TestContentEncoding(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune")
	const js = "application/json"
	for name, tc := range map[string]struct {
		encoding, restCode, connectCode string
		status                          int
	}{
		"not gzip":     {"gzip", `"code":3`, `"code":"invalid_argument"`, 400},
		"not accepted": {"br", `"code":12`, `"code":"unimplemented"`, 501},
	} {
		t.Run(name, func(t *testing.T) {
			code, body := do(t, "POST", s.url("/v1/books"), js, `{"title":"A","authorId":"1","isbn":"77"}`, "Content-Encoding", tc.encoding)
			assert.Equal(t, tc.status, code, "REST: %s", body)
			assert.Contains(t, body, tc.restCode, "REST")
			assert.Contains(t, body, "google.rpc.ErrorInfo", "REST")
			code, body = do(t, "POST", s.url("/library.v1.BookService/CreateBook"), js, `{"book":{"title":"A","authorId":"1","isbn":"77"}}`, "Content-Encoding", tc.encoding)
			assert.Equal(t, tc.status, code, "Connect: %s", body)
			assert.Contains(t, body, tc.connectCode, "Connect")
		})
	}
	code, body := do(t, "GET", s.url("/v1/books?filter=isbn%3D77"), "", "")
	require.Equal(t, 200, code, body)
	assert.NotContains(t, body, `"title"`, "nothing was stored")
}

// TestRESTRepeatedQuery: a field that takes one value given by more than
// one query parameter, under one name or its two spellings, is
// InvalidArgument naming them, where the transcoder would keep the last
// value (a DELETE would check the second etag); repeated fields take
// every value.
func TestRESTRepeatedQuery(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune", "Emma")
	for _, tc := range []struct{ method, path, mention string }{
		{"GET", "/v1/books?filter=title%3D%22Dune%22&filter=title%3D%22Emma%22", `filter`},
		{"GET", "/v1/books?page_size=1&pageSize=2", `pageSize and page_size`},
		{"GET", "/v1/books?orderBy=title&orderBy=title", `order_by`},
		{"DELETE", "/v1/books/1?etag=2&etag=1", `etag`},
		{"PATCH", "/v1/books/1?update_mask=title&updateMask=isbn", `update_mask and updateMask`},
		{"PATCH", "/v1/books/1?update_mask=title&update_mask.paths=isbn", `update_mask and update_mask.paths`},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			code, body := do(t, tc.method, s.url(tc.path), "", "")
			assert.Equal(t, 400, code, "%s", body)
			assert.Contains(t, body, `"code":3`)
			assert.Contains(t, body, "QUERY_REPEATS_FIELD")
			assert.Contains(t, body, tc.mention)
		})
	}
	code, body := do(t, "GET", s.url("/v1/books:batchGet?ids=1&ids=2"), "", "")
	assert.Equal(t, 200, code, body)
	assert.Contains(t, body, "Emma", "a repeated field takes every value")
	code, body = do(t, "GET", s.url("/v1/books/1"), "", "")
	require.Equal(t, 200, code, body)
	assert.NotContains(t, body, "deleteTime", "nothing was deleted")
}

// TestRESTUpdateMaskQuery: the update_mask query parameter takes what a
// FieldMask in JSON cannot hold, as gRPC does: proto names (author_id)
// as well as JSON names (authorId), map keys quoted in backticks
// (AIP-161), with dots and commas inside; a path that names nothing is
// InvalidArgument naming update_mask.
func TestRESTUpdateMaskQuery(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune")
	const js = "application/json"
	code, body := do(t, "POST", s.url("/v1/authors"), js, `{"displayName":"Ursula"}`)
	require.Equal(t, 200, code, body)
	book := func() map[string]any {
		code, body := do(t, "GET", s.url("/v1/books/1"), "", "")
		require.Equal(t, 200, code, body)
		var b map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &b))
		return b
	}
	code, body = do(t, "PATCH", s.url("/v1/books/1?update_mask=author_id"), js, `{"authorId":"2","title":"Not this"}`)
	require.Equal(t, 200, code, body)
	assert.Equal(t, "2", book()["authorId"])
	assert.Equal(t, "Dune", book()["title"], "outside the mask")
	code, body = do(t, "PATCH", s.url("/v1/books/1?updateMask=authorId"), js, `{"authorId":"1"}`)
	require.Equal(t, 200, code, body)
	assert.Equal(t, "1", book()["authorId"])

	code, body = do(t, "PATCH", s.url("/v1/books/1?update_mask=metadata.%60x.y%60,title&update_mask=metadata.%60a,b%60"), js,
		`{"title":"Dune!","metadata":{"x.y":"1","a,b":"2","other":"3"}}`)
	require.Equal(t, 200, code, body)
	assert.Equal(t, map[string]any{"x.y": "1", "a,b": "2"}, book()["metadata"], "only the keys the mask names")
	assert.Equal(t, "Dune!", book()["title"])

	// Over Connect JSON too: a map key in backticks, which protojson's
	// FieldMask cannot hold, with a field by its JSON name.
	code, body = do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), js,
		"{\"book\":{\"id\":\"1\",\"title\":\"Dune?\",\"authorId\":\"2\",\"metadata\":{\"x.y\":\"9\",\"a,b\":\"8\"}},\"updateMask\":\"metadata.`x.y`,authorId\"}")
	require.Equal(t, 200, code, body)
	assert.Equal(t, map[string]any{"x.y": "9", "a,b": "2"}, book()["metadata"], "only the key the mask names")
	assert.Equal(t, "2", book()["authorId"])
	assert.Equal(t, "Dune!", book()["title"], "outside the mask")

	code, body = do(t, "PATCH", s.url("/v1/books/1?update_mask=nope"), js, `{"title":"x"}`)
	assert.Equal(t, 400, code, body)
	assert.Contains(t, body, "update_mask")
	assert.Equal(t, "Dune!", book()["title"])
}

// TestRoundTwoEdges: query keys that are no field path, a FieldMask by
// its paths, a gzip body cut short, spellings of the JSON media type,
// HEAD, and paths that are not clean or name no procedure, each answered
// as its protocol spells the mistake, never 200 with no body, 500 or a
// redirect.
func TestRoundTwoEdges(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune", "Emma")
	const js = "application/json"
	for _, tc := range []struct {
		method, path, contentType, body string
		status                          int
		mention                         string
	}{
		{"GET", "/v1/books?filter.=1", "", "", 400, "MALFORMED_QUERY"},
		{"GET", "/v1/books?=1", "", "", 400, "MALFORMED_QUERY"},
		{"GET", "/v1/books?.filter=1", "", "", 400, "MALFORMED_QUERY"},
		{"DELETE", "/v1/books/2?etag.=1", "", "", 400, "MALFORMED_QUERY"},
		{"GET", "/v1/books?filter.x=1", "", "", 400, `inside filter`},
		{"PATCH", "/v1/books/1?update_mask.paths=title", js, `{"title":"Dune!","isbn":"99"}`, 200, `"isbn":"1"`},
		{"PATCH", "/v1/books/1?update_mask.paths=*", js, `{"title":"Dune","isbn":"1","authorId":"1"}`, 200, `"title":"Dune"`},
		{"POST", "/v1/books/2:undelete", "application/json;charset=UTF-8", `{}`, 409, "RESOURCE_NOT_DELETED"},
		{"POST", "/v1/books/2:undelete", "Application/JSON", `{}`, 409, "RESOURCE_NOT_DELETED"},
		{"GET", "/v1/books//1", "", "", 404, "NO_REST_ROUTE"},
		{"GET", "/v1/./books", "", "", 404, "NO_REST_ROUTE"},
		{"GET", "/./v1/books", "", "", 404, "NO_REST_ROUTE"},
		{"POST", "//library.v1.BookService/GetBook", js, `{}`, 404, `"code":"unimplemented"`},
		{"POST", "/v1/books:batchUpdate?update_mask=title", js, `{"updateMask":"isbn","requests":[{"book":{"id":"1","title":"Both"}}]}`, 400, "given in the query and in the body"},
		// A request's own mask in a batch, in JSON: "*" and a map key in
		// backticks, which protojson's FieldMask cannot hold.
		{"POST", "/library.v1.BookService/BatchUpdateBooks", js, "{\"requests\":[{\"book\":{\"id\":\"2\",\"metadata\":{\"a.b\":\"1\"}},\"updateMask\":\"metadata.`a.b`\"}]}", 200, `"a.b":"1"`},
		{"POST", "/v1/books:batchUpdate", js, `{"requests":[{"book":{"id":"2","title":"Emma","isbn":"2","authorId":"1"},"updateMask":"*"}]}`, 200, `"etag":"3"`},
		{"POST", "/library.v1.BookService//GetBook", js, `{}`, 404, `"code":"unimplemented"`},
		{"POST", "/library.v1.BookService/GetBook/extra", js, `{}`, 404, `"code":"unimplemented"`},
		{"POST", "/library.v1.BookService/", js, `{}`, 404, `"code":"unimplemented"`},
		// Without the slash: no procedure, where the mux would redirect.
		{"POST", "/library.v1.BookService", js, `{}`, 404, `"code":"unimplemented"`},
		{"GET", "/grpc.health.v1.Health", "", ``, 404, `"code":"unimplemented"`},
		{"POST", "/library.v1.BookService%2FGetBook", js, `{}`, 404, `unknown procedure /library.v1.BookService%2FGetBook`},
	} {
		t.Run(tc.method+" "+tc.path+" "+tc.contentType, func(t *testing.T) {
			code, body := do(t, tc.method, s.url(tc.path), tc.contentType, tc.body)
			assert.Equal(t, tc.status, code, "%s", body)
			assert.Contains(t, body, tc.mention)
			if code >= 400 {
				assert.Contains(t, body, "ErrorInfo")
			}
		})
	}
	// HEAD is GET without the body.
	req, err := http.NewRequest("HEAD", s.url("/v1/books"), nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Equal(t, 200, res.StatusCode)
	// A gzip body cut short is the request's fault, as on Connect.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"title":"Cut","authorId":"1","isbn":"5"}`))
	_ = zw.Close()
	code, body := do(t, "POST", s.url("/v1/books"), js, gz.String()[:20], "Content-Encoding", "gzip")
	assert.Equal(t, 400, code, body)
	// gRPC and gRPC-Web: a path that is not clean names no procedure, and
	// a frame after one flagged as trailers is the request's fault.
	// Media types are case-insensitive: the same answers in capitals.
	for _, ct := range []string{"application/grpc+proto", "application/grpc-web+proto", "Application/GRPC+proto", "APPLICATION/GRPC-WEB+PROTO"} {
		for _, p := range []string{"/library.v1.BookService//GetBook", "/library.v1.BookService", "/library.v1.BookService/Nope", "/library.v1.BookService%2FGetBook"} {
			resp, b := rawRPC(t, s.url(p), ct, "\x00\x00\x00\x00\x00")
			assert.Equal(t, 200, resp.StatusCode, "%s %s", ct, p)
			assert.Equal(t, "12", resp.Header.Get("Grpc-Status")+resp.Trailer.Get("Grpc-Status"), "%s %s: %q", ct, p, b)
		}
		resp, b := rawRPC(t, s.url("/library.v1.BookService/GetBook"), ct, "\x00\x00\x00\x00\x10\x08\x01")
		assert.Equal(t, "3", resp.Header.Get("Grpc-Status")+resp.Trailer.Get("Grpc-Status"), "%s: a frame shorter than its length: %q", ct, b)
		resp, b = rawRPC(t, s.url("/library.v1.BookService/GetBook"), ct, "\x80\x00\x00\x00\x00\x00\x00\x00\x00\x02\x08\x02")
		status := resp.Header.Get("Grpc-Status") + resp.Trailer.Get("Grpc-Status")
		if status == "" {
			status = string(b)
		}
		assert.Contains(t, status, "3", "%s: %q", ct, b)
		assert.NotContains(t, status, "13", ct)
	}
}

// TestGzipBodyLimit sends a small gzip body that decompresses to 100 MB
// over REST and Connect: both are ResourceExhausted (429) at the limit on
// a message, and the server reads no more than the limit: its peak memory
// grows by far less than the body decompressed.
func TestGzipBodyLimit(t *testing.T) {
	s := startWithBooks(t, "", "Dune")
	peak := func() int64 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
		require.NoError(t, err)
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				require.NoError(t, err)
				return kb << 10
			}
		}
		t.Fatal("no VmHWM")
		return 0
	}
	bomb := func(prefix, suffix string) string {
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
		_, _ = zw.Write([]byte(prefix))
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for range 100 {
			_, _ = zw.Write(chunk)
		}
		_, _ = zw.Write([]byte(suffix))
		_ = zw.Close()
		return gz.String()
	}
	const js = "application/json"
	before := peak()
	code, body := do(t, "POST", s.url("/v1/books"), js, bomb(`{"title":"`, `","authorId":"1"}`), "Content-Encoding", "gzip")
	assert.Equal(t, 429, code, body)
	assert.Contains(t, body, `"code":8`)
	if grown := peak() - before; grown > 40<<20 {
		t.Errorf("REST: the server's peak memory grew by %d MiB for a body of 100 MiB decompressed", grown>>20)
	}
	code, body = do(t, "POST", s.url("/library.v1.BookService/CreateBook"), js, bomb(`{"book":{"title":"`, `","authorId":"1"}}`), "Content-Encoding", "gzip")
	assert.Equal(t, 429, code, body)
	assert.Contains(t, body, `"code":"resource_exhausted"`)
	// A body under the limit once decompressed is read as before.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"title":"Emma","authorId":"1","isbn":"9"}`))
	_ = zw.Close()
	code, body = do(t, "POST", s.url("/v1/books"), js, gz.String(), "Content-Encoding", "gzip")
	assert.Equal(t, 200, code, body)
}

// TestGzipBombEveryProtocol sends a gzip body of 3.7 MB (under the limit
// of 4 MiB) that decompresses to 3.5 GiB, over Connect, gRPC, gRPC-Web and
// a REST route whose body is the whole request: each is
// ResourceExhausted, and the server stops decompressing at the limit on a
// message rather than decompressing the rest to learn its size: it spends
// a fraction of a second of CPU on the four, where decompressing them
// whole takes several seconds.
func TestGzipBombEveryProtocol(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune")
	cpu := func() time.Duration {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
		require.NoError(t, err)
		// After the command's name, in parentheses: utime and stime are
		// the 12th and 13th fields, in clock ticks of 10 ms.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
		u, _ := strconv.ParseInt(f[11], 10, 64)
		k, _ := strconv.ParseInt(f[12], 10, 64)
		return time.Duration(u+k) * 10 * time.Millisecond
	}
	// gzip members one after another are one stream: 3500 of 1 MiB.
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	_, _ = zw.Write(bytes.Repeat([]byte(" "), 1<<20))
	_ = zw.Close()
	bomb := bytes.Repeat(member.Bytes(), 3500)
	frame := make([]byte, 5, 5+len(bomb))
	frame[0] = 1 // compressed
	binary.BigEndian.PutUint32(frame[1:], uint32(len(bomb)))
	frame = append(frame, bomb...)

	before := cpu()
	code, body := do(t, "POST", s.url("/library.v1.BookService/ListBooks"), "application/json", string(bomb), "Content-Encoding", "gzip")
	assert.Equal(t, 429, code, "Connect: %s", body)
	code, body = do(t, "POST", s.url("/v1/books:batchDelete"), "application/json", string(bomb), "Content-Encoding", "gzip")
	assert.Equal(t, 429, code, "REST: %s", body)
	for _, ct := range []string{"application/grpc+proto", "application/grpc-web+proto"} {
		req, err := http.NewRequest("POST", s.url("/library.v1.BookService/ListBooks"), bytes.NewReader(frame))
		require.NoError(t, err)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Grpc-Encoding", "gzip")
		client := http.DefaultClient
		if ct == "application/grpc+proto" {
			req.Header.Set("Te", "trailers")
			client = &http.Client{Transport: &http.Transport{Protocols: func() *http.Protocols {
				p := new(http.Protocols)
				p.SetUnencryptedHTTP2(true)
				return p
			}()}}
		}
		resp, err := client.Do(req)
		require.NoError(t, err, ct)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		assert.Equal(t, "8", resp.Header.Get("Grpc-Status")+resp.Trailer.Get("Grpc-Status"), ct)
	}
	if spent := cpu() - before; spent > time.Second {
		t.Errorf("the server spent %v of CPU on four bodies it should stop decompressing at 4 MiB", spent)
	}
}

// TestRESTSpacedNumbers: a number or bool given in the URL path or the
// query with white space around it is InvalidArgument naming the field,
// as Connect and gRPC answer the same value in a body, where the
// transcoder (which reads such values as JSON) took " 1" as 1 and would
// delete book 1 for DELETE /v1/books/%0A1%20. Strings keep their spaces.
func TestRESTSpacedNumbers(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune", "Emma")
	for _, tc := range []struct{ method, path, field string }{
		{"GET", "/v1/books/%201", "id"},
		{"GET", "/v1/books/1%20", "id"},
		{"DELETE", "/v1/books/%0A1%20", "id"},
		{"POST", "/v1/books/%201:undelete", "id"},
		{"GET", "/v1/books:batchGet?ids=1&ids=%202", "ids[1]"},
		{"GET", "/v1/books?page_size=%0A1", "page_size"},
		{"GET", "/v1/books?pageSize=1%09", "page_size"},
		{"GET", "/v1/books?show_deleted=%20true", "show_deleted"},
	} {
		code, body := do(t, tc.method, s.url(tc.path), "application/json", "")
		assert.Equal(t, 400, code, "%s %s: %s", tc.method, tc.path, body)
		assert.Contains(t, body, `"code":3`, tc.path)
		assert.Contains(t, body, `"field":"`+tc.field+`"`, tc.path)
		assert.Contains(t, body, "invalid value for", tc.path)
	}
	code, body := do(t, "POST", s.url("/library.v1.BookService/GetBook"), "application/json", `{"id":" 1"}`)
	assert.Equal(t, 400, code, "Connect: %s", body)
	assert.Contains(t, body, `invalid value for int64 field id: \" 1\"`, "Connect")
	code, body = do(t, "GET", s.url("/v1/books/1"), "", "")
	require.Equal(t, 200, code, "book 1 is still there: %s", body)
	code, body = do(t, "GET", s.url("/v1/books?page_size=1&filter="+url.QueryEscape(`title = "Dune"`)), "", "")
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"title":"Dune"`)
}

// TestRESTScalarsAsConnect gives number, bool and enum fields the same
// values in the REST path and query as in a Connect JSON body: REST takes
// what Connect takes ("1e1" and "8.0" for an integer) and refuses what
// Connect refuses, with Connect's words and a BadRequest naming the
// field, where the transcoder read them with encoding/json ("invalid
// character 'a' looking for beginning of value"; "1e1" refused).
func TestRESTScalarsAsConnect(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune", "Emma")
	position := regexp.MustCompile(` \(line \d+:\d+\)`)
	values := []string{"1", "2", "abc", "01", "1e1", "1e0", "8.0", "2.5", " 1", "99999999999", "-0", "+1", "0x10", "€", "null", "t", "TRUE", "true", "false", ""}
	for _, v := range values {
		quoted, _ := json.Marshal(v)
		for _, tc := range []struct {
			name, rest, connect, body string
		}{
			{"page_size", "/v1/books?page_size=" + url.QueryEscape(v), "ListBooks", `{"pageSize":` + string(quoted) + `}`},
			{"id", "/v1/books/" + url.PathEscape(v), "GetBook", `{"id":` + string(quoted) + `}`},
			{"ids", "/v1/books:batchGet?ids=1&ids=" + url.QueryEscape(v), "BatchGetBooks", `{"ids":["1",` + string(quoted) + `]}`},
			{"show_deleted", "/v1/books?show_deleted=" + url.QueryEscape(v), "ListBooks", `{"showDeleted":` + map[bool]string{true: v, false: string(quoted)}[v == "true" || v == "false"] + `}`},
		} {
			if v == "" && tc.name == "id" {
				continue // another route
			}
			what := fmt.Sprintf("%s = %q", tc.name, v)
			cCode, cBody := do(t, "POST", s.url("/library.v1.BookService/"+tc.connect), "application/json", tc.body)
			rCode, rBody := do(t, "GET", s.url(tc.rest), "", "")
			if v == "" && cCode == 200 {
				continue // an empty query value is no value: not comparable
			}
			if cCode != 400 {
				assert.Equal(t, cCode, rCode, "%s: Connect takes it (%d), REST: %s", what, cCode, rBody)
				continue
			}
			require.Equal(t, 400, rCode, "%s: Connect refuses it (%s), REST: %s", what, cBody, rBody)
			c := answerOf(t, connectStatus(t, cBody))
			var st spb.Status
			require.NoError(t, protojson.Unmarshal([]byte(rBody), &st), rBody)
			r := answerOf(t, &st)
			assert.Equal(t, c.violations, r.violations, what)
			assert.Equal(t, position.ReplaceAllString(c.message, ""), r.message, what)
		}
	}
}

// TestRESTMediaTypeMessage: a body of a media type REST does not take is
// 415 naming the type sent and the one to send.
func TestRESTMediaTypeMessage(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "")
	code, body := do(t, "POST", s.url("/v1/books"), "text/plain", `{"title":"A","authorId":"1"}`)
	assert.Equal(t, 415, code, body)
	assert.Contains(t, body, `content type \"text/plain\" is not supported: send application/json`)
}

// TestJSONErrorsNameTheField: a JSON body protojson cannot read is
// InvalidArgument naming the field the mistake is in, over Connect (in
// the message) and REST (with a BadRequest too), with the position.
func TestJSONErrorsNameTheField(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "")
	const js = "application/json"
	code, body := do(t, "POST", s.url("/library.v1.BookService/CreateBook"), js, `{"book":{"title":"a","tags":["x",3]}}`)
	assert.Equal(t, 400, code, body)
	assert.Contains(t, body, `book.tags[1]: invalid value for string field tags: 3 (line 1:34)`, "Connect")
	code, body = do(t, "POST", s.url("/v1/books"), js, `{"title":"a","state":"NOPE"}`)
	assert.Equal(t, 400, code, body)
	assert.Contains(t, body, `"field":"book.state"`, "REST")
	assert.Contains(t, body, `invalid value for enum field state: \"NOPE\"`, "REST")
}

// TestRESTEmptyBody: a request without a body on a route that takes one.
// Where the body is the whole request (`body: "*"`), it is read as the
// request without fields, `{}`, on every route, where the transcoder read
// it so on routes with path variables only and refused it on the others
// (":batchCreate") as malformed JSON. Where the body is one field
// (`body: "book"`), that field is absent, as in a Connect or gRPC request
// without it: the same InvalidArgument, "book: is required", where the
// transcoder created an empty book; a body of only white space is no
// body either, and `{}` is a present, empty book.
func TestRESTEmptyBody(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune")
	for _, tc := range []struct{ method, path string }{
		{"POST", "/v1/books:batchCreate"},
		{"POST", "/v1/books:batchDelete"},
		{"POST", "/v1/books:batchUpdate"},
		{"POST", "/v1/books/1:undelete"},
	} {
		for _, ct := range []string{"application/json", ""} {
			for _, blank := range []string{"", " \n\t\r "} {
				code, body := do(t, tc.method, s.url(tc.path), ct, blank)
				wantCode, want := do(t, tc.method, s.url(tc.path), "application/json", "{}")
				assert.Equal(t, wantCode, code, "%s %s, Content-Type %q, body %q: %s", tc.method, tc.path, ct, blank, body)
				assert.Equal(t, want, body, "%s %s, Content-Type %q, body %q", tc.method, tc.path, ct, blank)
				assert.NotContains(t, body, "MALFORMED_JSON")
			}
		}
	}

	// The body is the book: without it, the answer Connect gives a
	// request without the book, on REST's terms.
	type restStatus struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Type   string `json:"@type"`
			Reason string `json:"reason"`
		} `json:"details"`
	}
	for _, tc := range []struct{ method, path, procedure, request string }{
		{"POST", "/v1/books", "CreateBook", `{}`},
		{"PATCH", "/v1/books/1", "UpdateBook", `{}`},
	} {
		code, body := do(t, "POST", s.url("/library.v1.BookService/"+tc.procedure), "application/json", tc.request)
		require.Equal(t, 400, code, body)
		var connectErr struct{ Code, Message string }
		require.NoError(t, json.Unmarshal([]byte(body), &connectErr), body)
		require.Equal(t, "invalid_argument", connectErr.Code, body)
		require.Equal(t, "invalid request: book: is required", connectErr.Message, body)
		for _, ct := range []string{"application/json", ""} {
			for _, blank := range []string{"", " ", "\r\n\t "} {
				code, body := do(t, tc.method, s.url(tc.path), ct, blank)
				assert.Equal(t, 400, code, "%s %s, Content-Type %q, body %q: %s", tc.method, tc.path, ct, blank, body)
				var st restStatus
				require.NoError(t, json.Unmarshal([]byte(body), &st), body)
				assert.Equal(t, 3, st.Code, body)
				assert.Equal(t, connectErr.Message, st.Message, "%s %s, body %q", tc.method, tc.path, blank)
				require.NotEmpty(t, st.Details, body)
				assert.Equal(t, "google.rpc.ErrorInfo", strings.TrimPrefix(st.Details[0].Type, "type.googleapis.com/"), body)
				assert.NotEqual(t, "MALFORMED_JSON", st.Details[0].Reason, body)
			}
		}
	}
	// A chunked request without a body is no body too.
	req, err := http.NewRequest("POST", s.url("/v1/books"), io.NopCloser(strings.NewReader("")))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	assert.Equal(t, 400, res.StatusCode, string(b))
	assert.Contains(t, string(b), `"message":"invalid request: book: is required"`)

	// `{}` is a present, empty book: its title is what is missing.
	code, body := do(t, "POST", s.url("/v1/books"), "application/json", "{}")
	assert.Equal(t, 400, code, body)
	assert.NotContains(t, body, "book: is required")
	code, body = do(t, "PATCH", s.url("/v1/books/1"), "application/json", "{}")
	assert.Equal(t, 200, code, "an Update that changes nothing: %s", body)
	assert.Contains(t, body, `"title":"Dune"`)
}

// TestCorruptGzipEveryProtocol: a body whose gzip does not decode (not
// gzip at all, or cut short) is InvalidArgument with the reason
// MALFORMED_REQUEST and connect-go's "decompress" words on every protocol
// (the REST guard's reason, where Connect, gRPC and gRPC-Web answered
// INVALID_ARGUMENT).
func TestCorruptGzipEveryProtocol(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune")
	var whole bytes.Buffer
	zw := gzip.NewWriter(&whole)
	_, _ = zw.Write([]byte(`{"ids":["1"]}`))
	_ = zw.Close()
	for name, body := range map[string][]byte{"not gzip": []byte("notgzip"), "cut short": whole.Bytes()[:whole.Len()-9]} {
		t.Run(name, func(t *testing.T) {
			got := map[string]jsonAnswer{}
			code, text := do(t, "POST", s.url("/library.v1.BookService/BatchDeleteBooks"), "application/json", string(body), "Content-Encoding", "gzip")
			require.Equal(t, 400, code, text)
			got["Connect"] = answerOf(t, connectStatus(t, text))
			code, text = do(t, "POST", s.url("/v1/books:batchDelete"), "application/json", string(body), "Content-Encoding", "gzip")
			require.Equal(t, 400, code, text)
			var st spb.Status
			require.NoError(t, protojson.Unmarshal([]byte(text), &st), text)
			got["REST"] = answerOf(t, &st)
			frame := make([]byte, 5, 5+len(body))
			frame[0] = 1 // compressed
			binary.BigEndian.PutUint32(frame[1:], uint32(len(body)))
			frame = append(frame, body...)
			for _, ct := range []string{"application/grpc+proto", "application/grpc-web+proto"} {
				resp, _ := rawRPC(t, s.url("/library.v1.BookService/BatchDeleteBooks"), ct, string(frame), "Grpc-Encoding", "gzip")
				raw := resp.Header.Get("Grpc-Status-Details-Bin") + resp.Trailer.Get("Grpc-Status-Details-Bin")
				b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(raw, "="))
				require.NoError(t, err, ct)
				var st spb.Status
				require.NoError(t, proto.Unmarshal(b, &st), ct)
				got[ct] = answerOf(t, &st)
			}
			for p, a := range got {
				assert.Equal(t, int32(3), a.code, p)
				assert.Equal(t, "MALFORMED_REQUEST", a.reason, "%s: %+v", p, a)
				assert.Contains(t, a.message, "decompress", p)
			}
		})
	}
	code, text := do(t, "GET", s.url("/v1/books/1"), "", "")
	assert.Equal(t, 200, code, "nothing was deleted: %s", text)
}

// TestRESTEmptyPathValue: an empty path variable of a number field
// (/v1/books/, which the transcoder reads as the route /v1/books/{id}),
// or one that holds an escaped slash, is InvalidArgument naming the field
// with MALFORMED_REQUEST, as any other value the field cannot take, where
// the transcoder's own words ("unexpected end of JSON input") came with no
// field, or no route.
func TestRESTEmptyPathValue(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune")
	for _, tc := range []struct{ method, path, body, field string }{
		{"GET", "/v1/books/", "", "id"},
		{"DELETE", "/v1/books/", "", "id"},
		{"PATCH", "/v1/books/?update_mask=title", `{"title":"x"}`, "book.id"},
		{"POST", "/v1/books/:undelete", `{}`, "id"},
		// An escaped slash is part of its segment (google.api.http).
		{"GET", "/v1/books/1%2F2", "", "id"},
		{"DELETE", "/v1/books/1%2f2", "", "id"},
	} {
		code, body := do(t, tc.method, s.url(tc.path), "application/json", tc.body)
		assert.Equal(t, 400, code, "%s %s: %s", tc.method, tc.path, body)
		assert.Contains(t, body, `"reason":"MALFORMED_REQUEST"`, tc.path)
		assert.Contains(t, body, `"field":"`+tc.field+`"`, tc.path)
	}
	// A name whose id is an escaped slash is the route's, as Connect
	// reads the same name, not a path the mux would clean.
	for _, p := range []string{"/v1/authors/%2F", "/v1/authors/a%2F%2Fb", "/v1/authors/a%2F..%2Fb"} {
		code, body := do(t, "GET", s.url(p), "", "")
		assert.Equal(t, 400, code, "%s: %s", p, body)
		assert.Contains(t, body, `"field":"name"`, p)
		assert.Contains(t, body, "is not a valid id", p)
	}
	code, body := do(t, "GET", s.url("/v1/books/1"), "", "")
	assert.Equal(t, 200, code, body)
}
