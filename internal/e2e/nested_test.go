package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestNestedResources serves resources named under parents three levels
// deep (publishers/{publisher}/shelves/{shelf}/books/{book}), with no
// protoforge option, over gRPC and REST on every database: names are
// assigned by the server under the request's parent; a row of one
// parent is never visible, modifiable or deletable through another
// (Get, Update, Delete, List, page tokens, filters, batch methods); List
// accepts the "-" wildcard; Create under a missing parent is NotFound;
// Delete of a parent with children is FailedPrecondition unless forced,
// and a forced Delete takes the children with it.
func TestNestedResources(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveNested(t, db)
		ctx := context.Background()
		code := func(err error) codes.Code { return status.Code(err) }

		for _, id := range []string{"acme", "globex"} {
			p, err := c.CreatePublisher(ctx, &nestedv1.CreatePublisherRequest{PublisherId: id, Publisher: &nestedv1.Publisher{DisplayName: id}})
			require.NoError(t, err)
			require.Equal(t, "publishers/"+id, p.Name)
		}
		// Shelves over REST: POST /v1/{parent=publishers/*}/shelves.
		for _, pub := range []string{"acme", "globex"} {
			resp, body := restDo(t, "POST", base+"/v1/publishers/"+pub+"/shelves?shelf_id=fiction", `{"name":"publishers/other/shelves/evil","theme":"Fiction"}`)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			var sh nestedv1.Shelf
			require.NoError(t, protojson.Unmarshal(body, &sh))
			assert.Equal(t, "publishers/"+pub+"/shelves/fiction", sh.Name, "the name comes from the parent in the path and shelf_id, not from the body")
		}
		_, err := c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/nobody", ShelfId: "x", Shelf: &nestedv1.Shelf{}})
		assert.Equal(t, codes.NotFound, code(err), "a parent that does not exist: %v", err)
		assert.Contains(t, status.Convert(err).Message(), "publishers/nobody")
		_, err = c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "shelves/acme", ShelfId: "x", Shelf: &nestedv1.Shelf{}})
		assert.Equal(t, codes.InvalidArgument, code(err), "a parent of the wrong pattern: %v", err)
		_, err = c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/-", ShelfId: "x", Shelf: &nestedv1.Shelf{}})
		assert.Equal(t, codes.InvalidArgument, code(err), "Create under the wildcard: %v", err)
		_, err = c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/acme", ShelfId: "fiction", Shelf: &nestedv1.Shelf{}})
		assert.Equal(t, codes.AlreadyExists, code(err))

		// Books: the same ids under two shelves of two publishers.
		books := map[string][]*nestedv1.Book{}
		for _, pub := range []string{"acme", "globex"} {
			parent := "publishers/" + pub + "/shelves/fiction"
			for i, id := range []string{"dune", "emma", "ulysses"} {
				b, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: parent, BookId: id, Book: &nestedv1.Book{Name: "publishers/x/shelves/y/books/z", Title: pub + " " + id, Isbn: pub + id, Pages: int64(100 * (i + 1))}})
				require.NoError(t, err)
				require.Equal(t, parent+"/books/"+id, b.Name)
				books[pub] = append(books[pub], b)
			}
		}
		generated, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/acme/shelves/fiction", Book: &nestedv1.Book{Title: "anonymous"}})
		require.NoError(t, err)
		assert.Regexp(t, `^publishers/acme/shelves/fiction/books/[0-9a-f-]{36}$`, generated.Name)
		_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/acme/shelves/nothing", BookId: "x", Book: &nestedv1.Book{Title: "t"}})
		assert.Equal(t, codes.NotFound, code(err), "a missing shelf: %v", err)
		_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/acme/shelves/fiction", BookId: "x"})
		assert.Equal(t, codes.InvalidArgument, code(err))
		_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/acme/shelves/fiction", BookId: "x", Book: &nestedv1.Book{}})
		assert.Equal(t, codes.InvalidArgument, code(err), "title is REQUIRED")
		assert.Contains(t, status.Convert(err).Message(), "book.title")

		// google.api.resource_reference: the shelf named must exist.
		_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/acme/shelves/fiction", BookId: "moved", Book: &nestedv1.Book{Title: "moved", PreviousShelf: "publishers/acme/shelves/poetry"}})
		assert.Equal(t, codes.InvalidArgument, code(err), "a reference to a missing shelf: %v", err)
		assert.Contains(t, status.Convert(err).Message(), "book.previous_shelf")
		_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/acme/shelves/fiction", BookId: "moved", Book: &nestedv1.Book{Title: "moved", PreviousShelf: "shelves/fiction"}})
		assert.Equal(t, codes.InvalidArgument, code(err), "a reference of the wrong form: %v", err)
		moved, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/acme/shelves/fiction", BookId: "moved", Book: &nestedv1.Book{Title: "moved", PreviousShelf: "publishers/globex/shelves/fiction"}})
		require.NoError(t, err)
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: moved.Name, PreviousShelf: "publishers/globex/shelves/none"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"previous_shelf"}}})
		assert.Equal(t, codes.InvalidArgument, code(err), "Update to a missing shelf: %v", err)
		_, err = c.DeleteShelf(ctx, &nestedv1.DeleteShelfRequest{Name: "publishers/globex/shelves/fiction", Force: true})
		assert.Equal(t, codes.FailedPrecondition, code(err), "a shelf a live book refers to: %v", err)
		assert.Contains(t, status.Convert(err).Message(), "previous_shelf")
		list, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/globex/shelves/fiction"})
		require.NoError(t, err)
		assert.Len(t, list.Books, 3, "the refused forced delete took no book with it")
		_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: moved.Name})
		require.NoError(t, err)
		_, err = c.BatchCreateBooks(ctx, &nestedv1.BatchCreateBooksRequest{Parent: "publishers/acme/shelves/fiction", Requests: []*nestedv1.CreateBookRequest{
			{BookId: "r1", Book: &nestedv1.Book{Title: "r1"}},
			{BookId: "r2", Book: &nestedv1.Book{Title: "r2", PreviousShelf: "publishers/acme/shelves/none"}},
		}})
		assert.Equal(t, codes.InvalidArgument, code(err), "a batch with a reference to a missing shelf: %v", err)
		assert.Contains(t, status.Convert(err).Message(), "requests[1].book.previous_shelf")

		acmeDune, globexDune := books["acme"][0], books["globex"][0]
		crossName := "publishers/globex/shelves/fiction/books/" + strings.TrimPrefix(generated.Name, "publishers/acme/shelves/fiction/books/")

		// Get: by name, never through another parent.
		got, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: acmeDune.Name})
		require.NoError(t, err)
		assert.Equal(t, "acme dune", got.Title)
		_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: crossName})
		assert.Equal(t, codes.NotFound, code(err), "acme's generated book through globex")
		for _, bad := range []string{"publishers/acme/books/dune", "publishers/acme/shelves/fiction/books/", "books/dune", "publishers//shelves/fiction/books/dune"} {
			_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: bad})
			assert.Equal(t, codes.InvalidArgument, code(err), "name %q: %v", bad, err)
		}
		resp, body := restDo(t, "GET", base+"/v1/"+globexDune.Name, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), `"globex dune"`)
		resp, _ = restDo(t, "GET", base+"/v1/"+crossName, "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)

		// List: only the parent's children; "-" lists across parents.
		list, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/globex/shelves/fiction"})
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"globex dune", "globex emma", "globex ulysses"}, titles(list.Books))
		list, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/-/shelves/fiction", Filter: `title = "acme emma" OR title = "globex emma"`})
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"acme emma", "globex emma"}, titles(list.Books), "the wildcard lists across publishers")
		list, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/globex/shelves/fiction", Filter: `title = "acme emma"`})
		require.NoError(t, err)
		assert.Empty(t, list.Books, "a filter does not reach another parent's rows")
		_, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{})
		assert.Equal(t, codes.InvalidArgument, code(err), "parent is required")
		_, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/acme"})
		assert.Equal(t, codes.InvalidArgument, code(err), "a parent of the wrong pattern")
		resp, body = restDo(t, "GET", base+"/v1/publishers/acme/shelves/fiction/books?page_size=10", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var rl nestedv1.ListBooksResponse
		require.NoError(t, protojson.Unmarshal(body, &rl))
		assert.ElementsMatch(t, []string{"acme dune", "acme emma", "acme ulysses", "anonymous"}, titles(rl.Books))

		// Pages: every page stays under its parent; a token is bound to it.
		var seen []string
		req := &nestedv1.ListBooksRequest{Parent: "publishers/acme/shelves/fiction", PageSize: 1, OrderBy: "title desc"}
		for {
			page, err := c.ListBooks(ctx, req)
			require.NoError(t, err)
			seen = append(seen, titles(page.Books)...)
			if page.NextPageToken == "" {
				break
			}
			_, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/globex/shelves/fiction", PageSize: 1, OrderBy: "title desc", PageToken: page.NextPageToken})
			assert.Equal(t, codes.InvalidArgument, code(err), "a token of acme's list reused for globex")
			_, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/-/shelves/fiction", PageSize: 1, OrderBy: "title desc", PageToken: page.NextPageToken})
			assert.Equal(t, codes.InvalidArgument, code(err), "a token of acme's list reused with the wildcard")
			req.PageToken = page.NextPageToken
		}
		assert.Equal(t, []string{"anonymous", "acme ulysses", "acme emma", "acme dune"}, seen)
		// Keyset pages across parents: equal titles are ordered by the whole key.
		seen = nil
		req = &nestedv1.ListBooksRequest{Parent: "publishers/-/shelves/-", PageSize: 2, OrderBy: "pages"}
		for {
			page, err := c.ListBooks(ctx, req)
			require.NoError(t, err)
			seen = append(seen, names(page.Books)...)
			if page.NextPageToken == "" {
				break
			}
			req.PageToken = page.NextPageToken
		}
		assert.Len(t, seen, 7, "every book once: %v", seen)
		assert.ElementsMatch(t, seen, uniq(seen))

		// Update: through the name only; another parent's name is NotFound;
		// an IMMUTABLE field cannot change.
		upd, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: acmeDune.Name, Title: "Dune (acme)"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
		require.NoError(t, err)
		assert.Equal(t, acmeDune.Name, upd.Name)
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: crossName, Title: "stolen"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
		assert.Equal(t, codes.NotFound, code(err))
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: acmeDune.Name, Isbn: "changed"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"isbn"}}})
		assert.Equal(t, codes.InvalidArgument, code(err), "isbn is IMMUTABLE")
		resp, body = restDo(t, "PATCH", base+"/v1/"+globexDune.Name+"?update_mask=pages", `{"pages": 7}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		got, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: globexDune.Name})
		require.NoError(t, err)
		assert.Equal(t, int64(7), got.Pages)
		assert.Equal(t, "globex dune", got.Title, "globex's dune kept its title when acme's changed")

		// Batch methods stay under their parent.
		bg, err := c.BatchGetBooks(ctx, &nestedv1.BatchGetBooksRequest{Parent: "publishers/acme/shelves/fiction", Names: []string{books["acme"][1].Name, acmeDune.Name}})
		require.NoError(t, err)
		assert.Equal(t, []string{books["acme"][1].Name, acmeDune.Name}, names(bg.Books))
		_, err = c.BatchGetBooks(ctx, &nestedv1.BatchGetBooksRequest{Parent: "publishers/acme/shelves/fiction", Names: []string{acmeDune.Name, globexDune.Name}})
		assert.Equal(t, codes.InvalidArgument, code(err), "a name under another parent: %v", err)
		assert.Contains(t, status.Convert(err).Message(), "names[1]")
		bg, err = c.BatchGetBooks(ctx, &nestedv1.BatchGetBooksRequest{Parent: "publishers/-/shelves/fiction", Names: []string{acmeDune.Name, globexDune.Name}})
		require.NoError(t, err)
		assert.Len(t, bg.Books, 2)
		_, err = c.BatchCreateBooks(ctx, &nestedv1.BatchCreateBooksRequest{Parent: "publishers/acme/shelves/fiction", Requests: []*nestedv1.CreateBookRequest{
			{BookId: "b1", Book: &nestedv1.Book{Title: "b1"}},
			{Parent: "publishers/globex/shelves/fiction", BookId: "b2", Book: &nestedv1.Book{Title: "b2"}},
		}})
		assert.Equal(t, codes.InvalidArgument, code(err), "a request under another parent than the batch's")
		assert.Contains(t, status.Convert(err).Message(), "requests[1].parent")
		bc, err := c.BatchCreateBooks(ctx, &nestedv1.BatchCreateBooksRequest{Requests: []*nestedv1.CreateBookRequest{
			{Parent: "publishers/acme/shelves/fiction", BookId: "b1", Book: &nestedv1.Book{Title: "b1"}},
			{Parent: "publishers/globex/shelves/fiction", BookId: "b1", Book: &nestedv1.Book{Title: "b1"}},
		}})
		require.NoError(t, err)
		assert.Equal(t, []string{"publishers/acme/shelves/fiction/books/b1", "publishers/globex/shelves/fiction/books/b1"}, names(bc.Books))
		_, err = c.BatchCreateBooks(ctx, &nestedv1.BatchCreateBooksRequest{Requests: []*nestedv1.CreateBookRequest{
			{Parent: "publishers/acme/shelves/fiction", BookId: "b3", Book: &nestedv1.Book{Title: "b3"}},
			{Parent: "publishers/acme/shelves/nothing", BookId: "b4", Book: &nestedv1.Book{Title: "b4"}},
		}})
		assert.Equal(t, codes.NotFound, code(err), "a batch with a missing parent: %v", err)
		_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: "publishers/acme/shelves/fiction/books/b3"})
		assert.Equal(t, codes.NotFound, code(err), "nothing of the failed batch remains")
		err = batchDelete(ctx, c, "publishers/globex/shelves/fiction", acmeDune.Name)
		assert.Equal(t, codes.InvalidArgument, code(err), "BatchDelete of a name under another parent")
		require.NoError(t, batchDelete(ctx, c, "publishers/acme/shelves/fiction", "publishers/acme/shelves/fiction/books/b1"))
		_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: "publishers/globex/shelves/fiction/books/b1"})
		assert.NoError(t, err, "globex's b1 survives the deletion of acme's")

		// Delete: another parent's name is NotFound; soft delete keeps the row.
		_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: crossName})
		assert.Equal(t, codes.NotFound, code(err))
		del, err := c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: globexDune.Name})
		require.NoError(t, err)
		assert.NotNil(t, del.DeleteTime)
		_, err = c.UndeleteBook(ctx, &nestedv1.UndeleteBookRequest{Name: globexDune.Name})
		require.NoError(t, err)

		// AIP-135: a shelf with books is not deleted unless forced.
		_, err = c.DeleteShelf(ctx, &nestedv1.DeleteShelfRequest{Name: "publishers/globex/shelves/fiction"})
		assert.Equal(t, codes.FailedPrecondition, code(err), "%v", err)
		resp, _ = restDo(t, "DELETE", base+"/v1/publishers/globex/shelves/fiction", "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "FailedPrecondition over REST")
		_, err = c.DeleteShelf(ctx, &nestedv1.DeleteShelfRequest{Name: "publishers/globex/shelves/fiction", Force: true})
		require.NoError(t, err)
		_, err = c.GetShelf(ctx, &nestedv1.GetShelfRequest{Name: "publishers/globex/shelves/fiction"})
		assert.Equal(t, codes.NotFound, code(err))
		var left int64
		require.NoError(t, db.Table("books").Where("publisher = ?", "globex").Count(&left).Error)
		assert.Zero(t, left, "a forced delete removes the shelf's books with it")
		require.NoError(t, db.Table("books").Where("publisher = ?", "acme").Count(&left).Error)
		assert.Equal(t, int64(6), left, "acme's books are untouched (one of them soft deleted)")

		// The soft-deleted publisher: its live shelves hold it, force soft
		// deletes the descendants that can be and removes the others.
		_, err = c.DeletePublisher(ctx, &nestedv1.DeletePublisherRequest{Name: "publishers/acme"})
		assert.Equal(t, codes.FailedPrecondition, code(err), "%v", err)
		dp, err := c.DeletePublisher(ctx, &nestedv1.DeletePublisherRequest{Name: "publishers/acme", Force: true})
		require.NoError(t, err)
		assert.NotNil(t, dp.DeleteTime)
		_, err = c.GetShelf(ctx, &nestedv1.GetShelfRequest{Name: "publishers/acme/shelves/fiction"})
		assert.Equal(t, codes.NotFound, code(err), "shelves have no delete_time: removed")
		var soft int64
		require.NoError(t, db.Table("books").Where("publisher = ? AND delete_time IS NOT NULL", "acme").Count(&soft).Error)
		require.NoError(t, db.Table("books").Where("publisher = ?", "acme").Count(&left).Error)
		assert.Zero(t, left, "a removed shelf takes its books, soft deleted or not: %d soft", soft)
		_, err = c.DeletePublisher(ctx, &nestedv1.DeletePublisherRequest{Name: "publishers/globex"})
		require.NoError(t, err, "no live shelf left under globex")
	})
}

// serveNested applies the aip_nested schema to db and serves it over gRPC
// and REST: the REST base URL and a gRPC client.
func serveNested(t *testing.T, db *gorm.DB) (string, nestedv1.NestedServiceClient) {
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/aip_nested/want/aipnestedv1/schema", db.Dialector.Name()+".sql"))
	base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
		nestedv1.RegisterNestedServiceServer(gs, nestedv1.NewNestedServiceCRUD(db))
	}, nestedv1.NestedServiceRESTRules())
	return base, nestedv1.NewNestedServiceClient(conn)
}

// nestedShelf creates the publisher and its shelf, and returns the
// shelf's name.
func nestedShelf(t *testing.T, c nestedv1.NestedServiceClient, publisher, shelf string) string {
	t.Helper()
	ctx := context.Background()
	_, err := c.CreatePublisher(ctx, &nestedv1.CreatePublisherRequest{PublisherId: publisher, Publisher: &nestedv1.Publisher{DisplayName: publisher}})
	require.NoError(t, err)
	sh, err := c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/" + publisher, ShelfId: shelf, Shelf: &nestedv1.Shelf{}})
	require.NoError(t, err)
	return sh.Name
}

func titles(bs []*nestedv1.Book) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Title
	}
	return out
}

func names(bs []*nestedv1.Book) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Name
	}
	return out
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func batchDelete(ctx context.Context, c nestedv1.NestedServiceClient, parent string, names ...string) error {
	_, err := c.BatchDeleteBooks(ctx, &nestedv1.BatchDeleteBooksRequest{Parent: parent, Names: names})
	return err
}

// restDo sends a JSON request and returns the response and its body.
func restDo(t *testing.T, method, url, body string) (*http.Response, []byte) {
	t.Helper()
	return restDoWith(t, method, url, body, nil)
}

// restDoWith is restDo with the request's headers set from header.
func restDoWith(t *testing.T, method, url, body string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if !json.Valid(b) && len(b) > 0 {
		t.Logf("%s %s: body is not JSON: %s", method, url, b)
	}
	return resp, b
}

// TestReferencesRace races the Delete of a shelf with the Create of a book
// that refers to it, on every database: exactly one of them wins, and no
// live book ever refers to a shelf that is gone.
func TestReferencesRace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveNested(t, db)
		ctx := context.Background()
		nestedShelf(t, c, "p", "home")
		const rounds = 20
		for i := 0; i < rounds; i++ {
			shelf := "publishers/p/shelves/s" + strings.Repeat("x", i%3) + string(rune('a'+i))
			_, err := c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/p", ShelfId: strings.TrimPrefix(shelf, "publishers/p/shelves/"), Shelf: &nestedv1.Shelf{}})
			require.NoError(t, err)
			errs := make(chan error, 2)
			go func() {
				_, err := c.DeleteShelf(ctx, &nestedv1.DeleteShelfRequest{Name: shelf})
				errs <- err
			}()
			go func() {
				_, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/p/shelves/home", Book: &nestedv1.Book{Title: "t", PreviousShelf: shelf}})
				errs <- err
			}()
			e1, e2 := <-errs, <-errs
			for _, e := range []error{e1, e2} {
				switch status.Code(e) {
				case codes.OK, codes.InvalidArgument, codes.FailedPrecondition, codes.Aborted:
				default:
					t.Errorf("round %d: %v", i, e)
				}
			}
			_, getErr := c.GetShelf(ctx, &nestedv1.GetShelfRequest{Name: shelf})
			list, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/p/shelves/home", Filter: `previous_shelf = "` + shelf + `"`})
			require.NoError(t, err)
			if status.Code(getErr) == codes.NotFound {
				assert.Empty(t, list.Books, "round %d: a live book refers to the deleted %s", i, shelf)
			}
		}
	})
}

// TestReferenceForeignKey checks that a google.api.resource_reference is
// a foreign key in the schema, on every database: writes that bypass the
// server cannot make a reference dangle, the server keeps the key columns
// in step with the reference on Create and Update, a soft-deleted row does
// not keep the resource it names from being deleted, and Undelete brings
// it back only with a resource to refer to.
func TestReferenceForeignKey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveNested(t, db)
		ctx := context.Background()
		_, err := c.CreatePublisher(ctx, &nestedv1.CreatePublisherRequest{PublisherId: "p", Publisher: &nestedv1.Publisher{DisplayName: "p"}})
		require.NoError(t, err)
		for _, id := range []string{"home", "old", "other"} {
			_, err = c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/p", ShelfId: id, Shelf: &nestedv1.Shelf{}})
			require.NoError(t, err)
		}
		b, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/p/shelves/home", BookId: "b", Book: &nestedv1.Book{Title: "b", PreviousShelf: "publishers/p/shelves/old"}})
		require.NoError(t, err)
		keys := func() (pub, shelf *string) {
			t.Helper()
			row := db.Raw("SELECT previous_shelf_publisher, previous_shelf_shelf FROM books WHERE book = ?", "b").Row()
			require.NoError(t, row.Scan(&pub, &shelf))
			return pub, shelf
		}
		pub, shelf := keys()
		require.NotNil(t, pub)
		require.NotNil(t, shelf)
		assert.Equal(t, "p", *pub)
		assert.Equal(t, "old", *shelf, "Create writes the reference's key columns")

		// Writes that bypass the server meet the foreign key.
		assert.Error(t, db.Exec("UPDATE books SET previous_shelf_shelf = 'none' WHERE book = 'b'").Error, "a dangling key")
		assert.Error(t, db.Exec("DELETE FROM shelves WHERE shelf = 'old'").Error, "a referred-to shelf")
		_, err = c.DeleteShelf(ctx, &nestedv1.DeleteShelfRequest{Name: "publishers/p/shelves/old"})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a live book refers to it: %v", err)

		// Update moves the key with the reference; clearing it clears them.
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name, PreviousShelf: "publishers/p/shelves/other"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"previous_shelf"}}})
		require.NoError(t, err)
		_, shelf = keys()
		require.NotNil(t, shelf)
		assert.Equal(t, "other", *shelf)
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"previous_shelf"}}})
		require.NoError(t, err)
		pub, shelf = keys()
		assert.Nil(t, pub, "an empty reference has no key")
		assert.Nil(t, shelf)
		require.NoError(t, db.Exec("DELETE FROM shelves WHERE shelf = 'old'").Error, "nothing refers to it any more")
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name, PreviousShelf: "publishers/p/shelves/other"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"previous_shelf"}}})
		require.NoError(t, err)

		// A soft-deleted book does not hold its shelf; it comes back only
		// when the shelf exists again.
		_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: b.Name})
		require.NoError(t, err)
		_, err = c.DeleteShelf(ctx, &nestedv1.DeleteShelfRequest{Name: "publishers/p/shelves/other"})
		require.NoError(t, err, "only a deleted book refers to it")
		pub, shelf = keys()
		assert.Nil(t, pub, "the deleted book's key is detached")
		assert.Nil(t, shelf)
		_, err = c.UndeleteBook(ctx, &nestedv1.UndeleteBookRequest{Name: b.Name})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "the shelf it names is gone: %v", err)
		assert.Contains(t, status.Convert(err).Message(), "previous_shelf")
		_, err = c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/p", ShelfId: "other", Shelf: &nestedv1.Shelf{}})
		require.NoError(t, err)
		back, err := c.UndeleteBook(ctx, &nestedv1.UndeleteBookRequest{Name: b.Name})
		require.NoError(t, err)
		assert.Equal(t, "publishers/p/shelves/other", back.PreviousShelf)
		_, shelf = keys()
		require.NotNil(t, shelf, "Undelete attaches the key again")
		assert.Equal(t, "other", *shelf)
	})
}

// TestForceDeleteReferredChildren checks AIP-135's force against
// references to the children it deletes: a live row that names one
// refuses the delete, naming its field, and nothing is deleted; a
// soft-deleted row that names one lets it go, losing its key but not its
// reference.
func TestForceDeleteReferredChildren(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveNested(t, db)
		ctx := context.Background()
		for _, p := range []string{"p", "q"} {
			_, err := c.CreatePublisher(ctx, &nestedv1.CreatePublisherRequest{PublisherId: p, Publisher: &nestedv1.Publisher{DisplayName: p}})
			require.NoError(t, err)
		}
		_, err := c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/p", ShelfId: "home", Shelf: &nestedv1.Shelf{}})
		require.NoError(t, err)
		_, err = c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/q", ShelfId: "s", Shelf: &nestedv1.Shelf{}})
		require.NoError(t, err)
		b, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/p/shelves/home", BookId: "b", Book: &nestedv1.Book{Title: "b", PreviousShelf: "publishers/q/shelves/s"}})
		require.NoError(t, err)

		_, err = c.DeletePublisher(ctx, &nestedv1.DeletePublisherRequest{Name: "publishers/q", Force: true})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a live book names a shelf of it: %v", err)
		assert.Contains(t, status.Convert(err).Message(), "previous_shelf")
		_, err = c.GetShelf(ctx, &nestedv1.GetShelfRequest{Name: "publishers/q/shelves/s"})
		require.NoError(t, err, "nothing was deleted")

		_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: b.Name})
		require.NoError(t, err)
		_, err = c.DeletePublisher(ctx, &nestedv1.DeletePublisherRequest{Name: "publishers/q", Force: true})
		require.NoError(t, err, "only a deleted book names a shelf of it")
		_, err = c.GetShelf(ctx, &nestedv1.GetShelfRequest{Name: "publishers/q/shelves/s"})
		assert.Equal(t, codes.NotFound, status.Code(err), "the shelf went with its publisher: %v", err)
		var pub, shelf *string
		var ref string
		require.NoError(t, db.Raw("SELECT previous_shelf, previous_shelf_publisher, previous_shelf_shelf FROM books WHERE book = ?", "b").Row().Scan(&ref, &pub, &shelf))
		assert.Equal(t, "publishers/q/shelves/s", ref, "the reference is kept")
		assert.Nil(t, pub, "the deleted book's key is detached")
		assert.Nil(t, shelf)
	})
}

// TestBatchGetManyCompositeKeys: a BatchGet of as many names as a batch
// takes (1000), of a resource keyed by three columns, on every database:
// the rows are read with one row-value IN, not an OR per key, which
// SQLite refuses past 1000 terms.
func TestBatchGetManyCompositeKeys(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveNested(t, db)
		shelf := nestedShelf(t, c, "p", "s")
		const n = 1000
		var b strings.Builder
		b.WriteString("INSERT INTO books (publisher, shelf, book, title) VALUES ")
		names := make([]string, n)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "('p', 's', 'b%04d', 't%04d')", i, i)
			names[n-1-i] = fmt.Sprintf("%s/books/b%04d", shelf, i) // asked in reverse
		}
		require.NoError(t, db.Exec(b.String()).Error)
		res, err := c.BatchGetBooks(context.Background(), &nestedv1.BatchGetBooksRequest{Parent: shelf, Names: names})
		require.NoError(t, err)
		require.Len(t, res.Books, n)
		for i, bk := range res.Books {
			assert.Equal(t, names[i], bk.Name, "in the order asked")
		}
	})
}
