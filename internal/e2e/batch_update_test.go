package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	aipnamesv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_names/want/aipnamesv1"
	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestBatchUpdate serves AIP-234 BatchUpdate of resources identified by
// their names, top-level and under parents, over gRPC and REST on every
// database: the updates are applied in one transaction, each as Update
// does (masks, etags, immutable and required fields, soft delete), and a
// refusal of any of them leaves every resource as it was, naming the
// request it is about.
func TestBatchUpdate(t *testing.T) {
	t.Run("top-level", func(t *testing.T) { testdb.Each(t, batchUpdateShelves) })
	t.Run("under parents", func(t *testing.T) { testdb.Each(t, batchUpdateBooks) })
}

func batchUpdateShelves(t *testing.T, db *gorm.DB) {
	base, c := serveShelves(t, db)
	ctx := context.Background()
	for _, id := range []string{"a", "b", "c"} {
		_, err := c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: id, Shelf: &aipnamesv1.Shelf{Theme: "old " + id}})
		require.NoError(t, err)
	}
	theme := &fieldmaskpb.FieldMask{Paths: []string{"theme"}}
	themes := func() map[string]string {
		out := map[string]string{}
		for _, id := range []string{"a", "b", "c"} {
			s, err := c.GetShelf(ctx, &aipnamesv1.GetShelfRequest{Name: "shelves/" + id})
			require.NoError(t, err)
			out[id] = s.Theme
		}
		return out
	}

	resp, err := c.BatchUpdateShelves(ctx, &aipnamesv1.BatchUpdateShelvesRequest{Requests: []*aipnamesv1.UpdateShelfRequest{
		{Shelf: &aipnamesv1.Shelf{Name: "shelves/c", Theme: "new c"}, UpdateMask: theme},
		{Shelf: &aipnamesv1.Shelf{Name: "shelves/a", Theme: "new a", Uid: "forged"}},
	}})
	require.NoError(t, err)
	require.Len(t, resp.Shelves, 2)
	assert.Equal(t, "shelves/c", resp.Shelves[0].Name, "the response follows the requests' order")
	assert.Equal(t, "new c", resp.Shelves[0].Theme)
	assert.Equal(t, "shelves/a", resp.Shelves[1].Name)
	assert.NotEqual(t, "forged", resp.Shelves[1].Uid, "output-only fields stay the server's")
	assert.Equal(t, map[string]string{"a": "new a", "b": "old b", "c": "new c"}, themes())
	got, err := c.GetShelf(ctx, &aipnamesv1.GetShelfRequest{Name: "shelves/a"})
	require.NoError(t, err)
	assert.Equal(t, resp.Shelves[1].Etag, got.Etag, "the response is what is stored")
	assert.NotEmpty(t, got.Etag)

	// All or none: a missing shelf after a valid update rolls it back,
	// and the error names the request.
	_, err = c.BatchUpdateShelves(ctx, &aipnamesv1.BatchUpdateShelvesRequest{Requests: []*aipnamesv1.UpdateShelfRequest{
		{Shelf: &aipnamesv1.Shelf{Name: "shelves/b", Theme: "lost"}, UpdateMask: theme},
		{Shelf: &aipnamesv1.Shelf{Name: "shelves/nothing", Theme: "x"}, UpdateMask: theme},
	}})
	require.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "requests[1]")
	assert.Equal(t, "1", errorInfo(err).GetMetadata()["index"])
	// A stale etag is Aborted, and nothing is written either.
	_, err = c.BatchUpdateShelves(ctx, &aipnamesv1.BatchUpdateShelvesRequest{Requests: []*aipnamesv1.UpdateShelfRequest{
		{Shelf: &aipnamesv1.Shelf{Name: "shelves/b", Theme: "lost"}, UpdateMask: theme},
		{Shelf: &aipnamesv1.Shelf{Name: "shelves/a", Theme: "lost", Etag: "stale"}, UpdateMask: theme},
	}})
	require.Equal(t, codes.Aborted, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "requests[1]")
	assert.Equal(t, "ETAG_MISMATCH", errorInfo(err).GetReason())
	// Refusals the request shows are reported together, by request.
	_, err = c.BatchUpdateShelves(ctx, &aipnamesv1.BatchUpdateShelvesRequest{Requests: []*aipnamesv1.UpdateShelfRequest{
		{Shelf: &aipnamesv1.Shelf{Name: "shelves/b", Theme: "lost"}, UpdateMask: theme},
		{Shelf: &aipnamesv1.Shelf{Name: "shelves/b", Theme: "twice"}, UpdateMask: theme},
		{Shelf: &aipnamesv1.Shelf{Name: "books/a", Theme: "x"}, UpdateMask: theme},
		{Shelf: &aipnamesv1.Shelf{Name: "shelves/c"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"nope"}}},
		{},
	}})
	require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Equal(t, []string{"requests[1].shelf.name", "requests[2].shelf.name", "requests[3].update_mask", "requests[4].shelf"}, grpcViolationFields(t, err))
	assert.Equal(t, map[string]string{"a": "new a", "b": "old b", "c": "new c"}, themes(), "nothing of a refused batch is written")

	// BatchCreate names the request that failed, as BatchUpdate does.
	_, err = c.BatchCreateShelves(ctx, &aipnamesv1.BatchCreateShelvesRequest{Requests: []*aipnamesv1.CreateShelfRequest{
		{ShelfId: "d", Shelf: &aipnamesv1.Shelf{Theme: "d"}},
		{ShelfId: "a", Shelf: &aipnamesv1.Shelf{Theme: "taken"}},
	}})
	require.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "requests[1]")
	assert.Equal(t, "1", errorInfo(err).GetMetadata()["index"])
	_, err = c.GetShelf(ctx, &aipnamesv1.GetShelfRequest{Name: "shelves/d"})
	assert.Equal(t, codes.NotFound, status.Code(err), "rolled back: %v", err)

	// REST: POST /v1/shelves:batchUpdate, the whole request as the body.
	r, body := restDo(t, "POST", base+"/v1/shelves:batchUpdate", `{"requests":[{"shelf":{"name":"shelves/b","theme":"rest b"},"updateMask":"theme"}]}`)
	require.Equal(t, http.StatusOK, r.StatusCode, "%s", body)
	var out aipnamesv1.BatchUpdateShelvesResponse
	require.NoError(t, protojson.Unmarshal(body, &out))
	require.Len(t, out.Shelves, 1)
	assert.Equal(t, "rest b", out.Shelves[0].Theme)
	r, body = restDo(t, "POST", base+"/v1/shelves:batchUpdate", `{"requests":[{"shelf":{"name":"shelves/b","theme":"x"},"updateMask":"theme"},{"shelf":{"name":"shelves/none","theme":"x"},"updateMask":"theme"}]}`)
	assert.Equal(t, http.StatusNotFound, r.StatusCode, "%s", body)
	assert.Contains(t, string(body), "requests[1]")
	assert.Equal(t, map[string]string{"a": "new a", "b": "rest b", "c": "new c"}, themes())
}

func batchUpdateBooks(t *testing.T, db *gorm.DB) {
	base, c := serveNested(t, db)
	ctx := context.Background()
	fiction := nestedShelf(t, c, "acme", "fiction")
	other, err := c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/acme", ShelfId: "other", Shelf: &nestedv1.Shelf{}})
	require.NoError(t, err)
	var books []*nestedv1.Book
	for _, b := range []struct{ shelf, id, title string }{{fiction, "one", "One"}, {fiction, "two", "Two"}, {other.Name, "three", "Three"}} {
		created, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: b.shelf, BookId: b.id, Book: &nestedv1.Book{Title: b.title, Isbn: "isbn-" + b.id, Pages: 10}})
		require.NoError(t, err)
		books = append(books, created)
	}
	stored := func(name string) *nestedv1.Book {
		b, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: name})
		require.NoError(t, err)
		return b
	}
	pages := &fieldmaskpb.FieldMask{Paths: []string{"pages"}}

	// The batch's mask is every request's: only pages change.
	resp, err := c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{Parent: fiction, UpdateMask: pages, Requests: []*nestedv1.UpdateBookRequest{
		{Book: &nestedv1.Book{Name: books[0].Name, Title: "ignored", Pages: 100}},
		{Book: &nestedv1.Book{Name: books[1].Name, Pages: 200}, UpdateMask: pages},
	}})
	require.NoError(t, err)
	require.Equal(t, []string{books[0].Name, books[1].Name}, names(resp.Books))
	assert.Equal(t, int64(100), stored(books[0].Name).Pages)
	assert.Equal(t, "One", stored(books[0].Name).Title, "outside the batch's mask")
	assert.Equal(t, int64(200), stored(books[1].Name).Pages)
	assert.True(t, resp.Books[0].UpdateTime.AsTime().After(books[0].UpdateTime.AsTime()), "update_time moves")

	// The wildcard parent takes books of any shelf; another parent refuses them.
	_, err = c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{Parent: "publishers/acme/shelves/-", UpdateMask: pages, Requests: []*nestedv1.UpdateBookRequest{
		{Book: &nestedv1.Book{Name: books[0].Name, Pages: 101}},
		{Book: &nestedv1.Book{Name: books[2].Name, Pages: 301}},
	}})
	require.NoError(t, err)
	assert.Equal(t, int64(301), stored(books[2].Name).Pages)
	_, err = c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{Parent: fiction, UpdateMask: pages, Requests: []*nestedv1.UpdateBookRequest{
		{Book: &nestedv1.Book{Name: books[0].Name, Pages: 1}},
		{Book: &nestedv1.Book{Name: books[2].Name, Pages: 1}},
	}})
	require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Equal(t, []string{"requests[1].book.name"}, grpcViolationFields(t, err))
	_, err = c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{Parent: "shelves/x", Requests: []*nestedv1.UpdateBookRequest{{Book: &nestedv1.Book{Name: books[0].Name}}}})
	require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Equal(t, []string{"parent"}, grpcViolationFields(t, err))

	// The same fields in another order are the same mask.
	_, err = c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"pages", "title"}}, Requests: []*nestedv1.UpdateBookRequest{
		{Book: &nestedv1.Book{Name: books[0].Name, Title: "One", Pages: 101}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title", "pages", "title"}}},
	}})
	require.NoError(t, err)
	// A request's own mask must be the batch's when both are set.
	_, err = c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{UpdateMask: pages, Requests: []*nestedv1.UpdateBookRequest{
		{Book: &nestedv1.Book{Name: books[0].Name, Title: "T"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}},
	}})
	require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Equal(t, []string{"requests[0].update_mask"}, grpcViolationFields(t, err))
	_, err = c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"nope"}}, Requests: []*nestedv1.UpdateBookRequest{
		{Book: &nestedv1.Book{Name: books[0].Name}},
	}})
	require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Equal(t, []string{"update_mask"}, grpcViolationFields(t, err))

	// Every update is checked against what is stored, and all refusals
	// are reported at once: a required field cleared, an immutable one
	// changed.
	before := []*nestedv1.Book{stored(books[0].Name), stored(books[1].Name), stored(books[2].Name)}
	_, err = c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{Requests: []*nestedv1.UpdateBookRequest{
		{Book: &nestedv1.Book{Name: books[2].Name, Pages: 7}, UpdateMask: pages},
		{Book: &nestedv1.Book{Name: books[0].Name, Title: ""}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}},
		{Book: &nestedv1.Book{Name: books[1].Name, Isbn: "changed"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"isbn"}}},
	}})
	require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Equal(t, []string{"requests[1].book.title", "requests[2].book.isbn"}, grpcViolationFields(t, err))
	for i, b := range before {
		assert.Equal(t, b.Etag, stored(b.Name).Etag, "book %d unchanged", i)
	}
	// Fields the batch's requests do not serve are refused when set.
	_, err = c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{Requests: []*nestedv1.UpdateBookRequest{
		{Book: &nestedv1.Book{Name: books[0].Name, Pages: 5}, UpdateMask: pages, AllowMissing: true},
	}})
	require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "allow_missing")

	// validate_only: checked and answered, never written.
	resp, err = c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{ValidateOnly: true, UpdateMask: pages, Requests: []*nestedv1.UpdateBookRequest{
		{Book: &nestedv1.Book{Name: books[0].Name, Pages: 999}},
	}})
	require.NoError(t, err)
	assert.Equal(t, int64(999), resp.Books[0].Pages)
	assert.Equal(t, before[0].Etag, stored(books[0].Name).Etag)

	// BatchDelete names the name that failed.
	err = batchDelete(ctx, c, "", books[2].Name, fiction+"/books/none")
	require.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "names[1]")
	assert.Equal(t, "1", errorInfo(err).GetMetadata()["index"])
	assert.Empty(t, stored(books[2].Name).DeleteTime, "rolled back")
	// With allow_missing, what does not exist is skipped (AIP-235).
	_, err = c.BatchDeleteBooks(ctx, &nestedv1.BatchDeleteBooksRequest{Names: []string{fiction + "/books/none", books[2].Name}, AllowMissing: true})
	require.NoError(t, err)
	assert.NotEmpty(t, stored(books[2].Name).DeleteTime, "the one that exists is deleted")
	_, err = c.UndeleteBook(ctx, &nestedv1.UndeleteBookRequest{Name: books[2].Name})
	require.NoError(t, err)

	// A soft-deleted book cannot change (AIP-164), and says which.
	_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: books[1].Name})
	require.NoError(t, err)
	_, err = c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{UpdateMask: pages, Requests: []*nestedv1.UpdateBookRequest{
		{Book: &nestedv1.Book{Name: books[0].Name, Pages: 1}},
		{Book: &nestedv1.Book{Name: books[1].Name, Pages: 1}},
	}})
	require.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "requests[1]")
	assert.Equal(t, before[0].Etag, stored(books[0].Name).Etag, "rolled back")

	// REST, with the parent in the path and update_mask "*" in the query,
	// since a FieldMask in JSON cannot hold it; in the body, it is refused
	// as Connect refuses it.
	r, body := restDo(t, "POST", base+"/v1/"+fiction+"/books:batchUpdate", `{"updateMask":"*","requests":[{"book":{"name":"`+books[0].Name+`"}}]}`)
	assert.Equal(t, http.StatusBadRequest, r.StatusCode, "%s", body)
	r, body = restDo(t, "POST", base+"/v1/"+fiction+"/books:batchUpdate?update_mask=*",
		`{"requests":[{"book":{"name":"`+books[0].Name+`","title":"Whole","isbn":"isbn-one","pages":"42"}}]}`)
	require.Equal(t, http.StatusOK, r.StatusCode, "%s", body)
	var out nestedv1.BatchUpdateBooksResponse
	require.NoError(t, protojson.Unmarshal(body, &out))
	require.Len(t, out.Books, 1)
	assert.Equal(t, "Whole", stored(books[0].Name).Title)
	assert.Equal(t, int64(42), stored(books[0].Name).Pages)
	assert.Empty(t, stored(books[0].Name).PreviousShelf, "a full replacement clears what the request leaves out")
}

// errorInfo is the google.rpc.ErrorInfo of a gRPC error, or nil.
func errorInfo(err error) *errdetails.ErrorInfo {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

// TestBatchUpdateConcurrent runs BatchUpdates that name the same shelves
// in different orders at once, on every database: each locks its rows in
// the order of their keys, so none waits for another in a cycle and every
// one succeeds (on PostgreSQL they deadlocked, one broken a second).
func TestBatchUpdateConcurrent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveShelves(t, db)
		ctx := context.Background()
		ids := []string{"a", "b", "c", "d"}
		for _, id := range ids {
			_, err := c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: id, Shelf: &aipnamesv1.Shelf{Theme: "t"}})
			require.NoError(t, err)
		}
		theme := &fieldmaskpb.FieldMask{Paths: []string{"theme"}}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range 6 {
					var reqs []*aipnamesv1.UpdateShelfRequest
					for k := range ids {
						id := ids[(k*(1+w%3)+w+n)%len(ids)] // a different order per worker and call
						if slices.ContainsFunc(reqs, func(r *aipnamesv1.UpdateShelfRequest) bool { return r.Shelf.Name == "shelves/"+id }) {
							continue
						}
						reqs = append(reqs, &aipnamesv1.UpdateShelfRequest{Shelf: &aipnamesv1.Shelf{Name: "shelves/" + id, Theme: fmt.Sprintf("w%d-%d", w, n)}, UpdateMask: theme})
					}
					if _, err := c.BatchUpdateShelves(ctx, &aipnamesv1.BatchUpdateShelvesRequest{Requests: reqs}); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("a concurrent BatchUpdate failed: %v", err)
		}
	})
}
