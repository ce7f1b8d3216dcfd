package e2e_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
)

// TestBatchCreateAcrossParents: a BatchCreate whose parent has "-" in
// place of an id spans parents (AIP-233: "If the operation spans parents,
// a dash (-) may be accepted as a wildcard"): each request names its own
// parent, which must lie under the batch's, over gRPC and REST on every
// database; a request without one, with a wildcard of its own or outside
// the batch's parent is InvalidArgument naming it, and a request under a
// parent that does not exist is NotFound naming it; nothing of a refused
// batch is written.
func TestBatchCreateAcrossParents(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		_, err := c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/p", ShelfId: "s2", Shelf: &nestedv1.Shelf{}})
		require.NoError(t, err)
		nestedShelf(t, c, "q", "s")
		book := func(parent, id string) *nestedv1.CreateBookRequest {
			return &nestedv1.CreateBookRequest{Parent: parent, BookId: id, Book: &nestedv1.Book{Title: id}}
		}

		res, err := c.BatchCreateBooks(ctx, &nestedv1.BatchCreateBooksRequest{Parent: "publishers/p/shelves/-", Requests: []*nestedv1.CreateBookRequest{
			book("publishers/p/shelves/s2", "a"), book("publishers/p/shelves/s", "b2")}})
		require.NoError(t, err, "a batch under publishers/p/shelves/-")
		assert.Equal(t, []string{"publishers/p/shelves/s2/books/a", "publishers/p/shelves/s/books/b2"}, names(res.Books), "in the requests' order")

		resp, body := restDo(t, "POST", base+"/v1/publishers/-/shelves/-/books:batchCreate",
			`{"requests":[{"parent":"publishers/q/shelves/s","bookId":"c","book":{"title":"c"}},{"parent":"publishers/p/shelves/s","bookId":"d","book":{"title":"d"}}]}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var got nestedv1.BatchCreateBooksResponse
		require.NoError(t, protojson.Unmarshal(body, &got))
		assert.Equal(t, []string{"publishers/q/shelves/s/books/c", "publishers/p/shelves/s/books/d"}, names(got.Books))

		for _, tc := range []struct {
			what, parent string
			reqs         []*nestedv1.CreateBookRequest
			field        string
		}{
			{"a request without a parent", "publishers/p/shelves/-", []*nestedv1.CreateBookRequest{book("publishers/p/shelves/s", "e1"), book("", "e2")}, "requests[1].parent"},
			{"a request outside the batch's parent", "publishers/p/shelves/-", []*nestedv1.CreateBookRequest{book("publishers/p/shelves/s", "e1"), book("publishers/q/shelves/s", "e2")}, "requests[1].parent"},
			{"a request with a wildcard of its own", "publishers/-/shelves/-", []*nestedv1.CreateBookRequest{book("publishers/p/shelves/s", "e1"), book("publishers/p/shelves/-", "e2")}, "requests[1].parent"},
			{"a request with a wildcard, no batch parent", "", []*nestedv1.CreateBookRequest{book("publishers/-/shelves/s", "e1")}, "requests[0].parent"},
		} {
			_, err := c.BatchCreateBooks(ctx, &nestedv1.BatchCreateBooksRequest{Parent: tc.parent, Requests: tc.reqs})
			assert.Equal(t, codes.InvalidArgument, status.Code(err), "%s: %v", tc.what, err)
			assert.Equal(t, []string{tc.field}, grpcViolationFields(t, err), "%s", tc.what)
		}

		_, err = c.BatchCreateBooks(ctx, &nestedv1.BatchCreateBooksRequest{Parent: "publishers/-/shelves/-", Requests: []*nestedv1.CreateBookRequest{
			book("publishers/p/shelves/s", "e1"), book("publishers/p/shelves/nope", "e2")}})
		assert.Equal(t, codes.NotFound, status.Code(err), "a parent that does not exist: %v", err)
		assert.Equal(t, `requests[1]: parent aipnested.v1.Shelf "publishers/p/shelves/nope" not found`, status.Convert(err).Message())
		assert.Equal(t, "PARENT_NOT_FOUND", errorInfo(err).GetReason())

		list, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/-/shelves/-", OrderBy: "name"})
		require.NoError(t, err)
		assert.Equal(t, []string{"publishers/p/shelves/s/books/b", "publishers/p/shelves/s/books/b2", "publishers/p/shelves/s/books/d", "publishers/p/shelves/s2/books/a", "publishers/q/shelves/s/books/c"}, names(list.Books), "nothing of a refused batch is written")
	})
}

// TestBatchGetWithoutNames: a BatchGet that names no resource is
// InvalidArgument naming `names` (AIP-231: "If no resource names are
// provided, the API should error with INVALID_ARGUMENT"), over gRPC and
// REST on every database, with a parent or without.
func TestBatchGetWithoutNames(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		for _, parent := range []string{"", "publishers/p/shelves/s", "publishers/-/shelves/-"} {
			_, err := c.BatchGetBooks(ctx, &nestedv1.BatchGetBooksRequest{Parent: parent})
			assert.Equal(t, codes.InvalidArgument, status.Code(err), "parent %q: %v", parent, err)
			assert.Equal(t, []string{"names"}, grpcViolationFields(t, err), "parent %q", parent)
		}
		resp, body := restDo(t, "GET", base+"/v1/publishers/p/shelves/s/books:batchGet", "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), `"field":"names"`)
		resp, body = restDo(t, "GET", base+"/v1/publishers/p/shelves/s/books:batchGet?names=publishers/p/shelves/s/books/b", "")
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	})
}

// TestSoftDeleteAllowMissing: a soft Delete (one that returns the
// resource) serves allow_missing. AIP-164: deleting a resource deleted
// already "must succeed if allow_missing is true, and should error with
// NOT_FOUND if allow_missing is false"; the answer is the resource as
// stored, which the call leaves as it is. AIP-135: deleting one that does
// not exist is a no-op, its etag ignored; the answer holds its name.
// A resource that is there still has its etag checked. Over gRPC and
// REST on every database.
func TestSoftDeleteAllowMissing(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		const name = "publishers/p/shelves/s/books/b"
		_, err := c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: name, Etag: "7", AllowMissing: true})
		assert.Equal(t, codes.Aborted, status.Code(err), "a book that is there has its etag checked: %v", err)
		deleted, err := c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: name, AllowMissing: true})
		require.NoError(t, err)
		require.NotNil(t, deleted.DeleteTime)

		_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted already, without allow_missing: %v", err)
		again, err := c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: name, AllowMissing: true})
		require.NoError(t, err, "deleted already, with allow_missing")
		assert.True(t, proto.Equal(deleted, again), "answered as stored, unchanged:\n%v\n%v", deleted, again)
		again, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: name, Etag: "7", AllowMissing: true})
		require.NoError(t, err, "deleted already: the etag is ignored, as of a resource that is not there (AIP-135)")
		assert.True(t, proto.Equal(deleted, again))

		resp, body := restDo(t, "DELETE", base+"/v1/"+name+"?allowMissing=true", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var got nestedv1.Book
		require.NoError(t, protojson.Unmarshal(body, &got))
		assert.True(t, proto.Equal(deleted, &got), "over REST:\n%v\n%v", deleted, &got)

		gone, err := c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: "publishers/p/shelves/s/books/none", Etag: "3", AllowMissing: true})
		require.NoError(t, err, "a book that does not exist")
		assert.True(t, proto.Equal(&nestedv1.Book{Name: "publishers/p/shelves/s/books/none"}, gone), "its name alone: %v", gone)
		resp, body = restDo(t, "DELETE", base+"/v1/publishers/p/shelves/s/books/none?allow_missing=true", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		got.Reset()
		require.NoError(t, protojson.Unmarshal(body, &got))
		assert.True(t, proto.Equal(gone, &got), "over REST: %s", body)
		_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: "publishers/p/shelves/s/books/none"})
		assert.Equal(t, codes.NotFound, status.Code(err), "nothing was created: %v", err)

		u, err := c.UndeleteBook(ctx, &nestedv1.UndeleteBookRequest{Name: name})
		require.NoError(t, err)
		assert.Nil(t, u.DeleteTime)
		assert.Equal(t, etagNumber(t, deleted.Etag)+1, etagNumber(t, u.Etag), "the deletes of a deleted book wrote nothing")
	})
}

// TestBatchSoftDeleteAnswersBooks: a BatchDelete whose response holds
// the resources (AIP-235: "If the resource is soft deleted, the response
// message should be a response message containing the updated
// resources") answers the books it deleted, one per name in the names'
// order; under allow_missing a book deleted already is answered as
// stored and one that does not exist by its name; without it either
// refuses the whole batch, which deletes nothing. Over gRPC and REST on
// every database.
func TestBatchSoftDeleteAnswersBooks(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		const shelf = "publishers/p/shelves/s"
		for _, id := range []string{"b2", "b3"} {
			_, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: id, Book: &nestedv1.Book{Title: id}})
			require.NoError(t, err)
		}
		res, err := c.BatchDeleteBooks(ctx, &nestedv1.BatchDeleteBooksRequest{Parent: shelf, Names: []string{shelf + "/books/b3", shelf + "/books/b", shelf + "/books/b3"}})
		require.NoError(t, err)
		assert.Equal(t, []string{shelf + "/books/b3", shelf + "/books/b", shelf + "/books/b3"}, names(res.Books), "in the names' order")
		assert.Equal(t, []string{"b3", "b", "b3"}, titles(res.Books))
		for _, b := range res.Books {
			assert.NotNil(t, b.DeleteTime, "%s: soft deleted", b.Name)
		}
		stored, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: shelf + "/books/b"})
		require.NoError(t, err)
		assert.True(t, proto.Equal(stored, res.Books[1]), "answered as stored:\n%v\n%v", stored, res.Books[1])

		_, err = c.BatchDeleteBooks(ctx, &nestedv1.BatchDeleteBooksRequest{Names: []string{shelf + "/books/b2", shelf + "/books/b"}})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted already, without allow_missing: %v", err)
		assert.Equal(t, "1", errorInfo(err).GetMetadata()["index"])
		live, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: shelf + "/books/b2"})
		require.NoError(t, err)
		assert.Nil(t, live.DeleteTime, "a refused batch deletes nothing")

		res, err = c.BatchDeleteBooks(ctx, &nestedv1.BatchDeleteBooksRequest{AllowMissing: true, Names: []string{shelf + "/books/b", shelf + "/books/none"}})
		require.NoError(t, err)
		require.Len(t, res.Books, 2)
		assert.True(t, proto.Equal(stored, res.Books[0]), "deleted already: as stored, unchanged:\n%v\n%v", stored, res.Books[0])
		assert.True(t, proto.Equal(&nestedv1.Book{Name: shelf + "/books/none"}, res.Books[1]), "not there: its name alone: %v", res.Books[1])

		resp, body := restDo(t, "POST", base+"/v1/"+shelf+"/books:batchDelete", `{"names":["`+shelf+`/books/b2"]}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var got nestedv1.BatchDeleteBooksResponse
		require.NoError(t, protojson.Unmarshal(body, &got))
		require.Len(t, got.Books, 1, "%s", body)
		assert.Equal(t, shelf+"/books/b2", got.Books[0].Name)
		assert.NotNil(t, got.Books[0].DeleteTime)
	})
}

// TestBatchReadMask: the read_mask of a BatchGet, and of a BatchDelete
// that answers the books (AIP-157), leaves each book answered with the
// fields it names only, over gRPC and REST on every database; a path
// that names no field is InvalidArgument naming read_mask, before
// anything is deleted.
func TestBatchReadMask(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		const shelf = "publishers/p/shelves/s"
		_, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "b2", Book: &nestedv1.Book{Title: "b2", Pages: 7}})
		require.NoError(t, err)
		titleOnly := &fieldmaskpb.FieldMask{Paths: []string{"title"}}
		got, err := c.BatchGetBooks(ctx, &nestedv1.BatchGetBooksRequest{Names: []string{shelf + "/books/b2", shelf + "/books/b"}, ReadMask: titleOnly})
		require.NoError(t, err)
		require.Len(t, got.Books, 2)
		assert.True(t, proto.Equal(&nestedv1.Book{Title: "b2"}, got.Books[0]), "%v", got.Books[0])
		assert.True(t, proto.Equal(&nestedv1.Book{Title: "b"}, got.Books[1]), "%v", got.Books[1])

		resp, body := restDo(t, "GET", base+"/v1/"+shelf+"/books:batchGet?names="+shelf+"/books/b2&read_mask=name,pages", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var rest nestedv1.BatchGetBooksResponse
		require.NoError(t, protojson.Unmarshal(body, &rest))
		require.Len(t, rest.Books, 1)
		assert.True(t, proto.Equal(&nestedv1.Book{Name: shelf + "/books/b2", Pages: 7}, rest.Books[0]), "%s", body)

		_, err = c.BatchDeleteBooks(ctx, &nestedv1.BatchDeleteBooksRequest{Names: []string{shelf + "/books/b"}, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"nope"}}})
		assert.Equal(t, []string{"read_mask"}, grpcViolationFields(t, err))
		live, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: shelf + "/books/b"})
		require.NoError(t, err)
		assert.Nil(t, live.DeleteTime, "nothing deleted")

		del, err := c.BatchDeleteBooks(ctx, &nestedv1.BatchDeleteBooksRequest{Names: []string{shelf + "/books/b"}, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"name", "delete_time"}}})
		require.NoError(t, err)
		require.Len(t, del.Books, 1)
		assert.Equal(t, shelf+"/books/b", del.Books[0].Name)
		assert.NotNil(t, del.Books[0].DeleteTime)
		assert.Empty(t, del.Books[0].Title, "left out by the mask")

		resp, body = restDo(t, "POST", base+"/v1/"+shelf+"/books:batchDelete", `{"names":["`+shelf+`/books/b2"],"readMask":"title"}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var restDel nestedv1.BatchDeleteBooksResponse
		require.NoError(t, protojson.Unmarshal(body, &restDel))
		require.Len(t, restDel.Books, 1)
		assert.True(t, proto.Equal(&nestedv1.Book{Title: "b2"}, restDel.Books[0]), "%s", body)
	})
}

// TestBatchDeleteForce: BatchDelete serves Delete's force hoisted into
// the batch (AIP-235 allows fields of the standard Delete to be hoisted;
// AIP-135: without force a resource with children is FAILED_PRECONDITION):
// without it a shelf with books refuses the whole batch, naming it, and
// nothing is deleted; with it the shelves go with their books, in one
// transaction. Over gRPC and REST on every database.
func TestBatchDeleteForce(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		for _, id := range []string{"empty", "s3"} {
			_, err := c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/p", ShelfId: id, Shelf: &nestedv1.Shelf{}})
			require.NoError(t, err)
		}
		_, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/p/shelves/s3", BookId: "c", Book: &nestedv1.Book{Title: "c"}})
		require.NoError(t, err)
		shelves := func() []string {
			res, err := c.ListShelves(ctx, &nestedv1.ListShelvesRequest{Parent: "publishers/p", OrderBy: "name"})
			require.NoError(t, err)
			var out []string
			for _, s := range res.Shelves {
				out = append(out, s.Name)
			}
			return out
		}
		all := []string{"publishers/p/shelves/empty", "publishers/p/shelves/s", "publishers/p/shelves/s3"}
		require.Equal(t, all, shelves())

		_, err = c.BatchDeleteShelves(ctx, &nestedv1.BatchDeleteShelvesRequest{Parent: "publishers/p", Names: []string{"publishers/p/shelves/empty", "publishers/p/shelves/s"}})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a shelf with books, without force: %v", err)
		assert.Equal(t, "1", errorInfo(err).GetMetadata()["index"])
		assert.Equal(t, all, shelves(), "nothing deleted")

		_, err = c.BatchDeleteShelves(ctx, &nestedv1.BatchDeleteShelvesRequest{Parent: "publishers/p", Force: true, Names: []string{"publishers/p/shelves/empty", "publishers/p/shelves/s"}})
		require.NoError(t, err)
		assert.Equal(t, []string{"publishers/p/shelves/s3"}, shelves())
		_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: "publishers/p/shelves/s/books/b"})
		assert.Equal(t, codes.NotFound, status.Code(err), "the shelf's book went with it: %v", err)

		resp, body := restDo(t, "POST", base+"/v1/publishers/p/shelves:batchDelete", `{"names":["publishers/p/shelves/s3"],"force":true}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		assert.Empty(t, shelves())
		list, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/p/shelves/-", ShowDeleted: true})
		require.NoError(t, err)
		assert.Empty(t, list.Books)
	})
}

// TestBatchDeleteReferringSet: a BatchDelete deletes its resources as a
// set: a shelf that a book of another shelf of the batch names (its
// previous_shelf) goes with that shelf, whichever order the names and
// keys come in, while one named by a book the batch keeps refuses the
// batch, naming it, and nothing is deleted. Over gRPC and REST on every
// database.
func TestBatchDeleteReferringSet(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		for _, id := range []string{"s3", "s4"} {
			_, err := c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/p", ShelfId: id, Shelf: &nestedv1.Shelf{}})
			require.NoError(t, err)
		}
		// s3's book names s, and s4's names s3: deleting s before s3,
		// or s3 before s4, alone is refused.
		_, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/p/shelves/s3", BookId: "c", Book: &nestedv1.Book{Title: "c", PreviousShelf: "publishers/p/shelves/s"}})
		require.NoError(t, err)
		_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/p/shelves/s4", BookId: "d", Book: &nestedv1.Book{Title: "d", PreviousShelf: "publishers/p/shelves/s3"}})
		require.NoError(t, err)
		count := func() int {
			res, err := c.ListShelves(ctx, &nestedv1.ListShelvesRequest{Parent: "publishers/p"})
			require.NoError(t, err)
			return len(res.Shelves)
		}

		_, err = c.BatchDeleteShelves(ctx, &nestedv1.BatchDeleteShelvesRequest{Force: true, Names: []string{"publishers/p/shelves/s", "publishers/p/shelves/s3"}})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "s3 is named by a book the batch keeps: %v", err)
		assert.Equal(t, "RESOURCE_REFERENCED", errorInfo(err).GetReason())
		assert.Equal(t, 3, count(), "nothing deleted")

		_, err = c.BatchDeleteShelves(ctx, &nestedv1.BatchDeleteShelvesRequest{Force: true, Names: []string{"publishers/p/shelves/s", "publishers/p/shelves/s3", "publishers/p/shelves/s4"}})
		require.NoError(t, err, "the three shelves as a set")
		assert.Equal(t, 0, count())

		nestedShelf(t, c, "q", "a")
		_, err = c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/q", ShelfId: "b", Shelf: &nestedv1.Shelf{}})
		require.NoError(t, err)
		_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/q/shelves/b", BookId: "e", Book: &nestedv1.Book{Title: "e", PreviousShelf: "publishers/q/shelves/a"}})
		require.NoError(t, err)
		resp, body := restDo(t, "POST", base+"/v1/publishers/q/shelves:batchDelete", `{"names":["publishers/q/shelves/a","publishers/q/shelves/b"],"force":true}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	})
}

// TestForcedDeleteReferringSet: a forced delete (AIP-135) deletes a
// resource with its children as a set: a shelf named by another shelf the
// delete deletes too (their neighbor, of the same level), or by itself,
// goes with it, and the rows that go lose their keys first where rows are
// removed, whose foreign keys would hold them; one named by a shelf of
// another publisher, which the delete keeps, refuses it, naming the field,
// and nothing is deleted. Over gRPC on every database.
func TestForcedDeleteReferringSet(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		neighbor := func(shelf, of string) {
			t.Helper()
			_, err := c.UpdateShelf(ctx, &nestedv1.UpdateShelfRequest{Shelf: &nestedv1.Shelf{Name: shelf, Neighbor: of}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"neighbor"}}})
			require.NoError(t, err)
		}
		shelves := func(publisher string) int {
			t.Helper()
			res, err := c.ListShelves(ctx, &nestedv1.ListShelvesRequest{Parent: publisher})
			require.NoError(t, err)
			return len(res.Shelves)
		}
		// p's shelves s and s2 name each other; a book of s stays on it.
		_, err := c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/p", ShelfId: "s2", Shelf: &nestedv1.Shelf{}})
		require.NoError(t, err)
		neighbor("publishers/p/shelves/s", "publishers/p/shelves/s2")
		neighbor("publishers/p/shelves/s2", "publishers/p/shelves/s")

		// q's shelf names p's s: p cannot go while it does.
		nestedShelf(t, c, "q", "a")
		neighbor("publishers/q/shelves/a", "publishers/p/shelves/s")
		_, err = c.DeletePublisher(ctx, &nestedv1.DeletePublisherRequest{Name: "publishers/p", Force: true})
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "a shelf the delete keeps names s: %v", err)
		assert.Equal(t, "RESOURCE_REFERENCED", errorInfo(err).GetReason())
		assert.Contains(t, status.Convert(err).Message(), "neighbor")
		assert.Equal(t, 2, shelves("publishers/p"), "nothing deleted")
		_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: "publishers/p/shelves/s/books/b"})
		require.NoError(t, err, "nothing deleted")

		// Without it, p goes with both shelves and the book.
		neighbor("publishers/q/shelves/a", "")
		_, err = c.DeletePublisher(ctx, &nestedv1.DeletePublisherRequest{Name: "publishers/p", Force: true})
		require.NoError(t, err, "shelves that name each other go as a set")
		_, err = c.GetShelf(ctx, &nestedv1.GetShelfRequest{Name: "publishers/p/shelves/s"})
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

		// A shelf that names itself, with a book, goes on a forced
		// delete; another shelf naming it keeps it.
		_, err = c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/q", ShelfId: "self", Shelf: &nestedv1.Shelf{}})
		require.NoError(t, err)
		neighbor("publishers/q/shelves/self", "publishers/q/shelves/self")
		_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/q/shelves/self", BookId: "b", Book: &nestedv1.Book{Title: "b", PreviousShelf: "publishers/q/shelves/self"}})
		require.NoError(t, err)
		neighbor("publishers/q/shelves/a", "publishers/q/shelves/self")
		_, err = c.DeleteShelf(ctx, &nestedv1.DeleteShelfRequest{Name: "publishers/q/shelves/self", Force: true})
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "shelf a names it: %v", err)
		assert.Equal(t, 2, shelves("publishers/q"))
		neighbor("publishers/q/shelves/a", "")
		_, err = c.DeleteShelf(ctx, &nestedv1.DeleteShelfRequest{Name: "publishers/q/shelves/self", Force: true})
		require.NoError(t, err, "a shelf that names itself")
		assert.Equal(t, 1, shelves("publishers/q"))
	})
}
