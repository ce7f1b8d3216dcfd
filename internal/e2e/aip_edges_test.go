package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	freightv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/freight"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestNameWildcardOutsideList checks AIP-159 on every database, over gRPC
// and REST: "-" reads across collections in List's parent only. A name
// with "-" in Get, Update, Delete, Undelete, BatchGet or BatchDelete
// names no resource (ids under different parents may be the same) and
// is InvalidArgument naming the field, not a lookup of the id "-".
func TestNameWildcardOutsideList(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		for _, name := range []string{"publishers/-/shelves/s/books/b", "publishers/p/shelves/-/books/b", "publishers/p/shelves/s/books/-"} {
			_, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: name})
			assertField(t, err, codes.InvalidArgument, "name", "Get %s", name)
			_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: name, Title: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
			assertField(t, err, codes.InvalidArgument, "name", "Update %s", name)
			_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: name})
			assertField(t, err, codes.InvalidArgument, "name", "Delete %s", name)
			_, err = c.UndeleteBook(ctx, &nestedv1.UndeleteBookRequest{Name: name})
			assertField(t, err, codes.InvalidArgument, "name", "Undelete %s", name)
			_, err = c.BatchGetBooks(ctx, &nestedv1.BatchGetBooksRequest{Parent: "publishers/-/shelves/-", Names: []string{"publishers/p/shelves/s/books/b", name}})
			assertField(t, err, codes.InvalidArgument, "names[1]", "BatchGet %s", name)
			_, err = c.BatchDeleteBooks(ctx, &nestedv1.BatchDeleteBooksRequest{Parent: "publishers/-/shelves/-", Names: []string{name}})
			assertField(t, err, codes.InvalidArgument, "names[0]", "BatchDelete %s", name)
			resp, body := restDo(t, "GET", base+"/v1/"+name, "")
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "GET %s: %s", name, body)
			assert.Contains(t, string(body), `"code":3`)
		}
		_, err := c.GetPublisher(ctx, &nestedv1.GetPublisherRequest{Name: "publishers/-"})
		assertField(t, err, codes.InvalidArgument, "name", "Get publishers/-")
		_, err = c.DeletePublisher(ctx, &nestedv1.DeletePublisherRequest{Name: "publishers/-", Force: true})
		assertField(t, err, codes.InvalidArgument, "name", "Delete publishers/-")
		// The book is untouched, and List still takes the wildcard.
		got, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: "publishers/p/shelves/s/books/b"})
		require.NoError(t, err)
		assert.Equal(t, "b", got.Title)
		list, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/-/shelves/-"})
		require.NoError(t, err)
		assert.Equal(t, []string{"publishers/p/shelves/s/books/b"}, names(list.Books))
	})
}

// TestRelativeNamesOnly checks AIP-122 on every database: the names a
// service is asked for, and the references it stores, are relative
// names. A leading slash or a full resource name ("//service/...", with
// any service) is InvalidArgument naming the field, where it was read as
// the relative name after it (and a reference stored as sent).
func TestRelativeNamesOnly(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, _ string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		for _, name := range []string{"/publishers/p", "//nested.example.com/publishers/p", "//evil.example.com/publishers/p"} {
			_, err := c.GetPublisher(ctx, &nestedv1.GetPublisherRequest{Name: name})
			assertField(t, err, codes.InvalidArgument, "name", "Get %s", name)
			_, err = c.DeletePublisher(ctx, &nestedv1.DeletePublisherRequest{Name: name, Force: true})
			assertField(t, err, codes.InvalidArgument, "name", "Delete %s", name)
			_, err = c.ListShelves(ctx, &nestedv1.ListShelvesRequest{Parent: name})
			assertField(t, err, codes.InvalidArgument, "parent", "List under %s", name)
			_, err = c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: name, ShelfId: "t", Shelf: &nestedv1.Shelf{}})
			assertField(t, err, codes.InvalidArgument, "parent", "Create under %s", name)
			_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/p/shelves/s", BookId: "r", Book: &nestedv1.Book{Title: "r", PreviousShelf: name + "/shelves/s"}})
			assertField(t, err, codes.InvalidArgument, "book.previous_shelf", "a reference %s/shelves/s", name)
			_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: name + "/shelves/s/books/b"})
			assertField(t, err, codes.InvalidArgument, "name", "Get %s/shelves/s/books/b", name)
		}
		_, err := c.GetPublisher(ctx, &nestedv1.GetPublisherRequest{Name: "publishers/p"})
		require.NoError(t, err, "the publisher is still there")
	})
}

// TestListUnderMissingParent checks AIP-132 on every database, over gRPC
// and REST, for the nested service and Einride's freight service: List
// under a parent that does not exist is NotFound naming it, not an empty
// page; a parent that exists, soft deleted or without children, lists
// what it has, and a parent with a wildcard is never looked up.
func TestListUnderMissingParent(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		_, err := c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/p", ShelfId: "empty", Shelf: &nestedv1.Shelf{}})
		require.NoError(t, err)

		_, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/p/shelves/none"})
		assert.Equal(t, codes.NotFound, status.Code(err), "books of a missing shelf: %v", err)
		assert.Contains(t, status.Convert(err).Message(), "publishers/p/shelves/none")
		_, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/q/shelves/s"})
		assert.Equal(t, codes.NotFound, status.Code(err), "a shelf of a missing publisher: %v", err)
		_, err = c.ListShelves(ctx, &nestedv1.ListShelvesRequest{Parent: "publishers/q"})
		assert.Equal(t, codes.NotFound, status.Code(err), "shelves of a missing publisher: %v", err)
		resp, body := restDo(t, "GET", base+"/v1/publishers/p/shelves/none/books", "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), `"code":5`)

		list, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/p/shelves/empty"})
		require.NoError(t, err, "a shelf without books")
		assert.Empty(t, list.Books)
		list, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/p/shelves/s", Filter: `title = "none"`})
		require.NoError(t, err, "a filter that matches nothing")
		assert.Empty(t, list.Books)
		// AIP-132 and AIP-159: the ids before a wildcard name an ancestor,
		// which must exist; the wildcard itself is not looked up.
		_, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/q/shelves/-"})
		assert.Equal(t, codes.NotFound, status.Code(err), "books across the shelves of a missing publisher: %v", err)
		assert.Contains(t, status.Convert(err).Message(), `"publishers/q"`)
		list, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/p/shelves/-", Filter: `title = "none"`})
		require.NoError(t, err, "books across the shelves of a publisher that exists")
		assert.Empty(t, list.Books)
		list, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/-/shelves/none"})
		require.NoError(t, err, "a wildcard first: nothing is looked up")
		assert.Empty(t, list.Books)
		resp, body = restDo(t, "GET", base+"/v1/publishers/q/shelves/-/books", "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s", body)
		_, err = c.ListShelves(ctx, &nestedv1.ListShelvesRequest{Parent: "publishers/-"})
		require.NoError(t, err)
		_, err = c.DeletePublisher(ctx, &nestedv1.DeletePublisherRequest{Name: "publishers/p", Force: true})
		require.NoError(t, err)
		_, err = c.ListShelves(ctx, &nestedv1.ListShelvesRequest{Parent: "publishers/p"})
		require.NoError(t, err, "a soft-deleted publisher exists (Get returns it)")

		// Einride's freight: sites and shipments of a missing shipper.
		applySchema(t, db, publicSchema(db, "freight"))
		fbase, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			freightv1.RegisterFreightServiceServer(gs, freightv1.NewFreightServiceCRUD(db))
		}, nil)
		f := freightv1.NewFreightServiceClient(conn)
		shipper, err := f.CreateShipper(ctx, &freightv1.CreateShipperRequest{Shipper: &freightv1.Shipper{DisplayName: "s"}})
		require.NoError(t, err)
		sites, err := f.ListSites(ctx, &freightv1.ListSitesRequest{Parent: shipper.Name})
		require.NoError(t, err)
		assert.Empty(t, sites.Sites)
		_, err = f.ListSites(ctx, &freightv1.ListSitesRequest{Parent: "shippers/none"})
		assert.Equal(t, codes.NotFound, status.Code(err), "sites of a missing shipper: %v", err)
		_, err = f.ListShipments(ctx, &freightv1.ListShipmentsRequest{Parent: "shippers/none"})
		assert.Equal(t, codes.NotFound, status.Code(err), "shipments of a missing shipper: %v", err)
		resp, body = restDo(t, "GET", fbase+"/v1/shippers/none/sites", "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s", body)
	})
}

// TestUndeleteLive checks AIP-164 on every database, over gRPC and REST:
// Undelete of a resource that is not deleted is AlreadyExists (HTTP 409),
// and changes nothing.
func TestUndeleteLive(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		before, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: "publishers/p/shelves/s/books/b"})
		require.NoError(t, err)
		_, err = c.UndeleteBook(ctx, &nestedv1.UndeleteBookRequest{Name: before.Name})
		assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
		_, err = c.UndeletePublisher(ctx, &nestedv1.UndeletePublisherRequest{Name: "publishers/p"})
		assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
		resp, body := restDo(t, "POST", base+"/v1/"+before.Name+":undelete", `{}`)
		assert.Equal(t, http.StatusConflict, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), `"code":6`)
		after, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: before.Name})
		require.NoError(t, err)
		assert.Equal(t, before.Etag, after.Etag, "nothing changed")
		// A deleted one comes back, once.
		_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: before.Name})
		require.NoError(t, err)
		_, err = c.UndeleteBook(ctx, &nestedv1.UndeleteBookRequest{Name: before.Name})
		require.NoError(t, err)
		_, err = c.UndeleteBook(ctx, &nestedv1.UndeleteBookRequest{Name: before.Name})
		assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	})
}

// TestUpdateSoftDeleted checks AIP-164 on every database, over gRPC and
// REST: a soft-deleted resource is not mutable, so Update of one is
// FailedPrecondition (Get still returns it), where it was NotFound; a
// resource that never existed stays NotFound, and Undelete makes it
// mutable again.
func TestUpdateSoftDeleted(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		const name = "publishers/p/shelves/s/books/b"
		update := func(title string) error {
			_, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: name, Title: title}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
			return err
		}
		deleted, err := c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: name})
		require.NoError(t, err)
		err = update("changed")
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		resp, body := restDo(t, "PATCH", base+"/v1/"+name+"?update_mask=title", `{"title":"changed"}`)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), `"code":9`)
		got, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: name})
		require.NoError(t, err)
		assert.Equal(t, "b", got.Title, "unchanged")
		assert.Equal(t, deleted.Etag, got.Etag)
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: "publishers/p/shelves/s/books/none", Title: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
		assert.Equal(t, codes.NotFound, status.Code(err), "never created: %v", err)
		_, err = c.UndeleteBook(ctx, &nestedv1.UndeleteBookRequest{Name: name})
		require.NoError(t, err)
		require.NoError(t, update("changed"), "live again")
	})
}

// eachSeededNested runs fn on every database with the nested service
// served (see serveNested) and publishers/p/shelves/s/books/b (title "b")
// created.
func eachSeededNested(t *testing.T, fn func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient)) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveNested(t, db)
		seedNested(t, c)
		fn(t, db, base, c)
	})
}

// seedNested creates publishers/p/shelves/s/books/b (title "b").
func seedNested(t *testing.T, c nestedv1.NestedServiceClient) {
	t.Helper()
	ctx := context.Background()
	_, err := c.CreatePublisher(ctx, &nestedv1.CreatePublisherRequest{PublisherId: "p", Publisher: &nestedv1.Publisher{DisplayName: "p"}})
	require.NoError(t, err)
	_, err = c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/p", ShelfId: "s", Shelf: &nestedv1.Shelf{}})
	require.NoError(t, err)
	_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/p/shelves/s", BookId: "b", Book: &nestedv1.Book{Title: "b"}})
	require.NoError(t, err)
}

// assertField asserts that err has code and a google.rpc.BadRequest
// field violation naming field.
func assertField(t *testing.T, err error, code codes.Code, field, msg string, args ...any) {
	t.Helper()
	st := status.Convert(err)
	if !assert.Equal(t, code, st.Code(), append([]any{msg + ": %v"}, append(args, err)...)...) {
		return
	}
	assert.Contains(t, st.Message(), field+":", append([]any{msg}, args...)...)
}

// TestLongParentID: a parent whose ids are longer than the columns that
// hold them in the child's table does not exist, and a Create under it is
// NotFound naming the parent on every database, as under any other
// missing parent (the schema refuses the ids before their foreign key
// would).
func TestLongParentID(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveNested(t, db)
		ctx := context.Background()
		for _, n := range []int{64, 255, 256, 1000} {
			long := strings.Repeat("a", n)
			_, err := c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/" + long, ShelfId: "s", Shelf: &nestedv1.Shelf{}})
			require.Equal(t, codes.NotFound, status.Code(err), "%d: %v", n, err)
			assert.Equal(t, "PARENT_NOT_FOUND", errorInfo(err).GetReason())
			_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/" + long + "/shelves/s", BookId: "b", Book: &nestedv1.Book{Title: "b"}})
			require.Equal(t, codes.NotFound, status.Code(err), "%d: %v", n, err)
			assert.Equal(t, "PARENT_NOT_FOUND", errorInfo(err).GetReason())
			_, err = c.BatchCreateBooks(ctx, &nestedv1.BatchCreateBooksRequest{Parent: "publishers/" + long + "/shelves/s", Requests: []*nestedv1.CreateBookRequest{{BookId: "b", Book: &nestedv1.Book{Title: "b"}}}})
			require.Equal(t, codes.NotFound, status.Code(err), "%d: %v", n, err)
		}
	})
}

// TestNULInNames: a name or parent that holds a NUL character names no
// resource (AIP-122 ids hold none, and PostgreSQL cannot even compare
// one): every method refuses it with InvalidArgument naming the field,
// on every database, over gRPC and REST; and a reference whose ids each
// fit their columns is measured by its ids, not as one string.
func TestNULInNames(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveNested(t, db)
		ctx := context.Background()
		shelf := nestedShelf(t, c, "acme", "s1")
		bad := "publishers/a\x00b/shelves/s1"
		check := func(what string, err error, field string) {
			t.Helper()
			require.Equal(t, codes.InvalidArgument, status.Code(err), "%s: %v", what, err)
			assert.Equal(t, []string{field}, grpcViolationFields(t, err), what)
			assert.Contains(t, status.Convert(err).Message()+fmt.Sprint(status.Convert(err).Details()), "NUL", what)
		}
		_, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: bad, PageSize: 1})
		check("List", err, "parent")
		_, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/\x00/shelves/-"})
		check("List across shelves", err, "parent")
		_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: bad, BookId: "b", Book: &nestedv1.Book{Title: "t"}})
		check("Create", err, "parent")
		_, err = c.BatchCreateBooks(ctx, &nestedv1.BatchCreateBooksRequest{Parent: bad, Requests: []*nestedv1.CreateBookRequest{{BookId: "b", Book: &nestedv1.Book{Title: "t"}}}})
		check("BatchCreate", err, "parent")
		_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: bad + "/books/b"})
		check("Get", err, "name")
		_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: shelf + "/books/\x00"})
		check("Delete", err, "name")
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: bad + "/books/b", Title: "t"}, AllowMissing: true})
		check("Update", err, "book.name")
		_, err = c.BatchDeleteBooks(ctx, &nestedv1.BatchDeleteBooksRequest{Parent: shelf, Names: []string{shelf + "/books/\x00"}, AllowMissing: true})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "BatchDelete: %v", err)
		resp, body := restDo(t, "GET", base+"/v1/publishers/%00/shelves/s1/books?pageSize=1", "")
		assert.Equal(t, 400, resp.StatusCode, "%s", body)

		// A reference's ids fit their columns: it does not exist, once.
		long := "publishers/acme/shelves/" + strings.Repeat("a", 255)
		_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "r", Book: &nestedv1.Book{Title: "t", PreviousShelf: long}})
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "at most 255 characters", "the name is not one column")
		if st, ok := status.FromError(err); ok && st.Code() == codes.InvalidArgument {
			assert.Len(t, grpcViolationFields(t, err), 1, "%v", err)
		}
	})
}

// TestConcurrentUpserts: Updates with allow_missing of one missing book,
// sent at once, each create it or update it (AIP-134), on every database:
// the one whose create lost the race updates what the winner created, and
// a book created meanwhile is not taken for a deleted one.
func TestConcurrentUpserts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveNested(t, db)
		ctx := context.Background()
		shelf := nestedShelf(t, c, "acme", "fiction")
		for round := 0; round < 8; round++ {
			name := fmt.Sprintf("%s/books/b%d", shelf, round)
			var wg sync.WaitGroup
			errs := make([]error, 6)
			for i := range errs {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					_, errs[i] = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: name, Title: fmt.Sprintf("t%d", i), Isbn: fmt.Sprint(round)},
						UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}, AllowMissing: true})
				}(i)
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil && status.Code(err) != codes.Aborted {
					t.Errorf("round %d, upsert %d: %v", round, i, err)
				}
			}
			got, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: name})
			require.NoError(t, err)
			assert.Nil(t, got.DeleteTime)
		}
	})
}

// TestUpsertWithEtag: an Update with allow_missing of a book that does not
// exist, sent with an etag, is Aborted ETAG_MISMATCH and creates nothing,
// over gRPC and REST on every database: the etag names a version of a
// book that exists (AIP-154), which none does, as the first Update of a
// singleton answers. It created the book whatever the etag said, so that
// a client updating what it read resurrected a book deleted meanwhile.
// Without an etag the book is created, and then updated with its etag.
func TestUpsertWithEtag(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveNested(t, db)
		ctx := context.Background()
		shelf := nestedShelf(t, c, "acme", "fiction")
		mask := &fieldmaskpb.FieldMask{Paths: []string{"title"}}
		name := shelf + "/books/emma"
		for _, etag := range []string{"1", "7", "garbage"} {
			_, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: name, Title: "Emma", Etag: etag}, UpdateMask: mask, AllowMissing: true})
			require.Equal(t, codes.Aborted, status.Code(err), "etag %q: %v", etag, err)
			assert.Equal(t, "ETAG_MISMATCH", errorInfo(err).GetReason())
			_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: name})
			require.Equal(t, codes.NotFound, status.Code(err), "etag %q: nothing is created: %v", etag, err)
		}
		req, err := http.NewRequest(http.MethodPatch, base+"/v1/"+name+"?update_mask=title&allow_missing=true", strings.NewReader(`{"title":"Emma","etag":"1"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusConflict, resp.StatusCode, "REST: Aborted")
		_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: name})
		require.Equal(t, codes.NotFound, status.Code(err), "REST: nothing is created: %v", err)

		created, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: name, Title: "Emma"}, UpdateMask: mask, AllowMissing: true})
		require.NoError(t, err, "without an etag, created")
		updated, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: name, Title: "Emma!", Etag: created.Etag}, UpdateMask: mask, AllowMissing: true})
		require.NoError(t, err, "with the etag it has, updated")
		assert.Equal(t, "Emma!", updated.Title)
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: name, Title: "Emma?", Etag: created.Etag}, UpdateMask: mask, AllowMissing: true})
		require.Equal(t, codes.Aborted, status.Code(err), "with the etag it had: %v", err)
	})
}
