package e2e_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"gorm.io/gorm"

	libraryv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/library"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestRESTEscapedPath: a REST path is split into segments before its
// escapes are read, and each escape is read once (google.api.http: a
// variable of several segments keeps "%2F"). DELETE /v1/shelves/S%2Fbooks%2FB
// is DeleteShelf of the shelf named "shelves/S%2Fbooks%2FB", which does not
// exist, where the transcoder split the path at the escaped slashes and
// deleted book B; GET /v1/shelves/S%252Fbooks%252FB names the same shelf,
// where it was read as shelves/S/books/B. Both answer as gRPC answers that
// name, on every database, and the book is still there.
func TestRESTEscapedPath(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, publicSchema(db, "library"))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			libraryv1.RegisterLibraryServiceServer(gs, libraryv1.NewLibraryServiceCRUD(db))
		}, nil)
		c := libraryv1.NewLibraryServiceClient(conn)
		ctx := context.Background()
		s, err := c.CreateShelf(ctx, &libraryv1.CreateShelfRequest{Shelf: &libraryv1.Shelf{Theme: "t"}})
		require.NoError(t, err)
		b, err := c.CreateBook(ctx, &libraryv1.CreateBookRequest{Parent: s.Name, Book: &libraryv1.Book{Title: "keep me"}})
		require.NoError(t, err)
		sid, bid := strings.TrimPrefix(s.Name, "shelves/"), strings.TrimPrefix(b.Name, s.Name+"/books/")
		_, err = c.GetShelf(ctx, &libraryv1.GetShelfRequest{Name: "shelves/" + sid + "%2Fbooks%2F" + bid})
		want := status.Code(err)
		require.NotEqual(t, codes.OK, want)
		for _, tc := range []struct{ method, path string }{
			{"DELETE", "/v1/shelves/" + sid + "%2Fbooks%2F" + bid},
			{"DELETE", "/v1/shelves/" + sid + "%2fbooks%2f" + bid},
			{"GET", "/v1/shelves/" + sid + "%2Fbooks%2F" + bid},
			{"GET", "/v1/shelves/" + sid + "%252Fbooks%252F" + bid},
			{"DELETE", "/v1/shelves/" + sid + "%252Fbooks%252F" + bid},
		} {
			code, body := rawRequest(t, base, tc.method, tc.path)
			assert.NotEqual(t, http.StatusOK, code, "%s %s: %s", tc.method, tc.path, body)
			assert.Contains(t, body, `"code":`+strconv.Itoa(int(want)), "%s %s: as gRPC answers GetShelf of that name (%v)", tc.method, tc.path, want)
			_, err = c.GetBook(ctx, &libraryv1.GetBookRequest{Name: b.Name})
			require.NoError(t, err, "the book after %s %s", tc.method, tc.path)
		}
	})
}

// TestRESTRawPathBytes: a path that holds bytes a client should have
// escaped (a raw "é" or "|") keeps its escaped slashes in their segments:
// Go's URL.EscapedPath escaped the path again from its unescaped form,
// every "%2F" then a "/", and DELETE /v1/shelves/café%2Fbooks%2Fcafé
// deleted book shelves/café/books/café. An escape of an unreserved
// character in a literal segment is that character (/v1/sh%65lves/S).
func TestRESTRawPathBytes(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	applySchema(t, db, publicSchema(db, "library"))
	base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
		libraryv1.RegisterLibraryServiceServer(gs, libraryv1.NewLibraryServiceCRUD(db))
	}, nil)
	c := libraryv1.NewLibraryServiceClient(conn)
	ctx := context.Background()
	require.NoError(t, db.Exec("INSERT INTO shelves (shelf_id, theme) VALUES ('café', 'x'), ('a|b', 'y')").Error)
	require.NoError(t, db.Exec("INSERT INTO books (shelf, book, title) VALUES ('café', 'café', 'keep me'), ('a|b', 'x', 'keep me too')").Error)
	for _, p := range []string{"/v1/shelves/café%2Fbooks%2Fcafé", "/v1/shelves/a|b%2Fbooks%2Fx"} {
		for _, method := range []string{"DELETE", "GET"} {
			code, body := rawRequest(t, base, method, p)
			assert.Equal(t, http.StatusNotFound, code, "%s %s is of the shelf %q: %s", method, p, strings.TrimPrefix(p, "/v1/"), body)
		}
	}
	for _, name := range []string{"shelves/café/books/café", "shelves/a|b/books/x"} {
		_, err := c.GetBook(ctx, &libraryv1.GetBookRequest{Name: name})
		assert.NoError(t, err, "%s is still there", name)
	}
	code, body := rawRequest(t, base, "GET", "/v1/sh%65lves/caf%C3%A9")
	assert.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, `"theme":"x"`)
	code, body = rawRequest(t, base, "GET", "/v1/shelves/café/b%6Foks/café")
	assert.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, "keep me")
}

// rawRequest sends method and path in the request line as they are (Go's
// client would escape the path) and reads the answer.
func rawRequest(t *testing.T, base, method, path string) (int, string) {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	c, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	defer c.Close()
	_, err = fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", method, path, u.Host)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
