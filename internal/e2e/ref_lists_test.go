package e2e_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	reflistsv1 "github.com/protoforge/protoforge/internal/e2e/gen/reflists/v1"
	"github.com/protoforge/protoforge/internal/e2e/gen/reflists/v1/reflistsv1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestReferenceLists: a repeated google.api.resource_reference (a book's
// authors) is checked as a single reference is, over gRPC, REST and
// Connect on every database: every name must be an author of the
// caller's tenant that exists and is not deleted, on Create, Update (a
// mask naming the list), BatchCreate, BatchUpdate, typed stores and
// Undelete; a refused name is named by its index (book.authors[1]), and
// another tenant's author answers exactly as one that does not exist.
// Deleting an author a live book names, soft or forced with its
// publisher, is FailedPrecondition (RESOURCE_REFERENCED).
func TestReferenceLists(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/reflists/v1/schema", db.Dialector.Name()+".sql"))
		crud := reflistsv1.NewBookServiceCRUD(db, crudrt.WithTenant(tenantFromContext))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) { reflistsv1.RegisterBookServiceServer(gs, crud) }, nil, grpc.UnaryInterceptor(tenantMetadata))
		t.Run("gRPC", func(t *testing.T) {
			referenceListsScenario(t, func(tenant string) grpc.ClientConnInterface { return tenantConn{conn, tenant} }, "g")
		})
		t.Run("REST", func(t *testing.T) {
			referenceListsScenario(t, func(tenant string) grpc.ClientConnInterface {
				return restConn{t: t, base: base, header: http.Header{"X-Tenant": {tenant}}}
			}, "r")
		})
		mux := http.NewServeMux()
		mux.Handle(reflistsv1connect.NewBookServiceHandler(crud, connect.WithInterceptors(tenantInterceptor())))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		t.Run("Connect", func(t *testing.T) {
			referenceListsScenario(t, func(tenant string) grpc.ClientConnInterface {
				return connectStatusConn{base: srv.URL, header: http.Header{"X-Tenant": {tenant}}}
			}, "c")
		})

		// A typed store checks the same way.
		store, err := crudrt.StoreOf[*reflistsv1.Book](crud)
		require.NoError(t, err)
		ctx := context.WithValue(context.Background(), tenantKey{}, "acme")
		_, err = store.Create(ctx, &reflistsv1.Book{Title: "by store", Authors: []string{"publishers/p-g/authors/none", "publishers/g-g/authors/g1"}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Contains(t, status.Convert(err).Message(), "book.authors[1]")
		book, err := store.Create(ctx, &reflistsv1.Book{Title: "by store"})
		require.NoError(t, err)
		_, err = store.Update(ctx, &reflistsv1.Book{Name: book.Name, Authors: []string{"publishers/p-g/authors/none"}}, &fieldmaskpb.FieldMask{Paths: []string{"authors"}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	})
}

func referenceListsScenario(t *testing.T, as func(tenant string) grpc.ClientConnInterface, tag string) {
	ctx := context.Background()
	acme, globex := reflistsv1.NewBookServiceClient(as("acme")), reflistsv1.NewBookServiceClient(as("globex"))
	withStatus := tag != "r" // REST's answer has the code and message only
	pub, gpub := "publishers/p-"+tag, "publishers/g-"+tag
	_, err := acme.CreatePublisher(ctx, &reflistsv1.CreatePublisherRequest{PublisherId: "p-" + tag, Publisher: &reflistsv1.Publisher{Title: "acme's"}})
	require.NoError(t, err)
	_, err = globex.CreatePublisher(ctx, &reflistsv1.CreatePublisherRequest{PublisherId: "g-" + tag, Publisher: &reflistsv1.Publisher{Title: "globex's"}})
	require.NoError(t, err)
	for _, id := range []string{"a1", "a2", "a3"} {
		_, err = acme.CreateAuthor(ctx, &reflistsv1.CreateAuthorRequest{Parent: pub, AuthorId: id, Author: &reflistsv1.Author{DisplayName: id}})
		require.NoError(t, err)
	}
	_, err = globex.CreateAuthor(ctx, &reflistsv1.CreateAuthorRequest{Parent: gpub, AuthorId: "g1", Author: &reflistsv1.Author{DisplayName: "g1"}})
	require.NoError(t, err)
	a1, a2, a3, g1, none := pub+"/authors/a1", pub+"/authors/a2", pub+"/authors/a3", gpub+"/authors/g1", pub+"/authors/none"

	// Create: each name, by its index.
	create := func(authors ...string) (*reflistsv1.Book, error) {
		return acme.CreateBook(ctx, &reflistsv1.CreateBookRequest{Book: &reflistsv1.Book{Title: "t", Authors: authors}})
	}
	_, err = create(a1, none)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "book.authors[1]")
	if withStatus {
		assert.Equal(t, []string{"book.authors[1]"}, violationFields(err))
	}
	_, other := create(a1, g1)
	sameAnswer(t, other, g1, err, none)
	_, err = create("", a1, "books/b1", none, g1)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	if withStatus {
		assert.Equal(t, []string{"book.authors[0]", "book.authors[2]", "book.authors[3]", "book.authors[4]"}, violationFields(err),
			"an empty name and one of another form are refused as names that do not exist are")
	}
	book, err := create(a1, a2, a1)
	require.NoError(t, err, "a name given twice names one author")
	assert.Equal(t, []string{a1, a2, a1}, book.Authors, "stored as sent")

	// Update: a mask naming the list checks it; one that does not leaves
	// it as it is.
	update := func(b *reflistsv1.Book, paths ...string) (*reflistsv1.Book, error) {
		return acme.UpdateBook(ctx, &reflistsv1.UpdateBookRequest{Book: b, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
	}
	_, err = update(&reflistsv1.Book{Name: book.Name, Authors: []string{a2, none}}, "authors")
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "book.authors[1]")
	_, other = update(&reflistsv1.Book{Name: book.Name, Authors: []string{a2, g1}}, "authors")
	sameAnswer(t, other, g1, err, none)
	got, err := update(&reflistsv1.Book{Name: book.Name, Title: "renamed", Authors: []string{none}}, "title")
	require.NoError(t, err)
	assert.Equal(t, []string{a1, a2, a1}, got.Authors)

	// BatchCreate and BatchUpdate: the request and the element are named.
	_, err = acme.BatchCreateBooks(ctx, &reflistsv1.BatchCreateBooksRequest{Requests: []*reflistsv1.CreateBookRequest{
		{Book: &reflistsv1.Book{Title: "b0", Authors: []string{a1}}}, {Book: &reflistsv1.Book{Title: "b1", Authors: []string{a1, g1}}}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "requests[1].book.authors[1]")
	_, err = acme.BatchUpdateBooks(ctx, &reflistsv1.BatchUpdateBooksRequest{Requests: []*reflistsv1.UpdateBookRequest{
		{Book: &reflistsv1.Book{Name: book.Name, Authors: []string{none}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"authors"}}}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "authors[0]")

	// Delete of an author a live book names is refused, soft as it is;
	// so is a forced delete of its publisher, which would delete it.
	referenced := func(err error, by ...string) {
		t.Helper()
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		assert.Contains(t, status.Convert(err).Message(), append(by, "reflists.v1.Book.authors")[0])
		if withStatus {
			assert.Equal(t, "RESOURCE_REFERENCED", errorInfo(err).GetReason())
		}
	}
	_, err = acme.DeleteAuthor(ctx, &reflistsv1.DeleteAuthorRequest{Name: a2})
	referenced(err)
	_, err = globex.DeleteAuthor(ctx, &reflistsv1.DeleteAuthorRequest{Name: a2})
	assert.Equal(t, codes.NotFound, status.Code(err), "another tenant's author, named or not: %v", err)
	_, err = acme.DeletePublisher(ctx, &reflistsv1.DeletePublisherRequest{Name: pub, Force: true})
	referenced(err)
	_, err = acme.DeleteAuthor(ctx, &reflistsv1.DeleteAuthorRequest{Name: a3})
	require.NoError(t, err, "an author no book names")

	// A deleted book does not hold its authors, and comes back only with
	// them.
	_, err = acme.DeleteBook(ctx, &reflistsv1.DeleteBookRequest{Name: book.Name})
	require.NoError(t, err)
	_, err = acme.DeleteAuthor(ctx, &reflistsv1.DeleteAuthorRequest{Name: a2})
	require.NoError(t, err)
	_, err = acme.UndeleteBook(ctx, &reflistsv1.UndeleteBookRequest{Name: book.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "authors[1]")
	_, err = acme.UndeleteAuthor(ctx, &reflistsv1.UndeleteAuthorRequest{Name: a2})
	require.NoError(t, err)
	back, err := acme.UndeleteBook(ctx, &reflistsv1.UndeleteBookRequest{Name: book.Name})
	require.NoError(t, err)
	assert.Equal(t, []string{a1, a2, a1}, back.Authors)

	// A BatchDelete deletes its authors as a set: one that another of
	// the batch names goes with it, whatever the order of the names; one
	// named by an author the batch keeps refuses it, and nothing goes.
	m1, m2, m3 := pub+"/authors/m1", pub+"/authors/m2", pub+"/authors/m3"
	for _, a := range []*reflistsv1.Author{{Name: m1}, {Name: m2, Coauthors: []string{m1}}, {Name: m3, Coauthors: []string{m2}}} {
		_, err = acme.CreateAuthor(ctx, &reflistsv1.CreateAuthorRequest{Parent: pub, AuthorId: a.Name[len(pub+"/authors/"):], Author: a})
		require.NoError(t, err)
	}
	_, err = acme.BatchDeleteAuthors(ctx, &reflistsv1.BatchDeleteAuthorsRequest{Parent: pub, Names: []string{m1, m2}})
	referenced(err, "reflists.v1.Author.coauthors")
	_, err = acme.DeleteAuthor(ctx, &reflistsv1.DeleteAuthorRequest{Name: m1})
	referenced(err, "reflists.v1.Author.coauthors")
	_, err = acme.BatchDeleteAuthors(ctx, &reflistsv1.BatchDeleteAuthorsRequest{Parent: pub, Names: []string{m1, m3, m2}})
	require.NoError(t, err)

	// Once the list no longer names them, they go.
	_, err = update(&reflistsv1.Book{Name: book.Name}, "authors")
	require.NoError(t, err)
	_, err = acme.DeleteAuthor(ctx, &reflistsv1.DeleteAuthorRequest{Name: a2})
	require.NoError(t, err)
	_, err = acme.DeletePublisher(ctx, &reflistsv1.DeletePublisherRequest{Name: pub, Force: true})
	require.NoError(t, err)
}

// TestReferenceListDuringDelete: a write whose list names an author that
// a concurrent transaction is deleting waits for it (the check reads the
// author share-locked, as a single reference's does), then finds the
// author deleted and is refused: no book is left naming a deleted
// author, on any database.
func TestReferenceListDuringDelete(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := acmePublisher(t, db)
		ctx := context.Background()
		_, err := c.CreateAuthor(ctx, &reflistsv1.CreateAuthorRequest{Parent: "publishers/p", AuthorId: "a1", Author: &reflistsv1.Author{}})
		require.NoError(t, err)

		// The author's deletion, under way: its row is written, not yet
		// committed.
		tx := db.Begin()
		require.NoError(t, tx.Error)
		t.Cleanup(func() { tx.Rollback() }) // after a failure, before the database is dropped
		require.NoError(t, tx.Exec("UPDATE authors SET delete_time = ? WHERE publisher = ? AND author = ?", time.Now().UTC(), "p", "a1").Error)
		done := make(chan error, 1)
		go func() {
			_, err := c.CreateBook(ctx, &reflistsv1.CreateBookRequest{BookId: "b1", Book: &reflistsv1.Book{Authors: []string{"publishers/p/authors/a1"}}})
			done <- err
		}()
		select {
		case err := <-done:
			t.Fatalf("the write did not wait for the deletion of what it names: %v", err)
		case <-time.After(300 * time.Millisecond):
		}
		require.NoError(t, tx.Commit().Error)
		err = <-done
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Contains(t, status.Convert(err).Message(), `"publishers/p/authors/a1" does not exist`)
		_, err = c.GetBook(ctx, &reflistsv1.GetBookRequest{Name: "books/b1"})
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	})
}

// TestReferenceListSpelling: the names a list holds are searched exactly
// on every database, however the JSON text spells them: an author whose
// id holds U+2028 and a quote (which the stored JSON escapes, and
// MariaDB's JSON functions compare as spelled) is found in the list that
// names it, and one whose id spells that escape literally is not.
func TestReferenceListSpelling(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		crud, c := acmePublisher(t, db)
		ctx := context.Background()
		// Ids of the server's own choosing, which need only be segments.
		authors, err := crudrt.StoreOf[*reflistsv1.Author](crud)
		require.NoError(t, err)
		sctx := context.WithValue(ctx, tenantKey{}, "acme")
		named, literal := "x\u2028\"y", `x\u2028\"y`
		for _, id := range []string{named, literal} {
			_, err = authors.CreateIn(sctx, "publishers/p", id, &reflistsv1.Author{})
			require.NoError(t, err, "%q", id)
		}
		_, err = c.CreateBook(ctx, &reflistsv1.CreateBookRequest{BookId: "b", Book: &reflistsv1.Book{Authors: []string{"publishers/p/authors/" + named}}})
		require.NoError(t, err)
		_, err = c.DeleteAuthor(ctx, &reflistsv1.DeleteAuthorRequest{Name: "publishers/p/authors/" + named})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "the book names it: %v", err)
		_, err = c.DeleteAuthor(ctx, &reflistsv1.DeleteAuthorRequest{Name: "publishers/p/authors/" + literal})
		assert.NoError(t, err, "no book names it")
	})
}

// acmePublisher serves the book service on db over gRPC, and returns it
// and a client of tenant acme, whose publisher publishers/p it has
// created.
func acmePublisher(t *testing.T, db *gorm.DB) (*reflistsv1.BookServiceCRUD, reflistsv1.BookServiceClient) {
	t.Helper()
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/reflists/v1/schema", db.Dialector.Name()+".sql"))
	crud := reflistsv1.NewBookServiceCRUD(db, crudrt.WithTenant(tenantFromContext))
	_, conn := serveGRPC(t, func(gs *grpc.Server) { reflistsv1.RegisterBookServiceServer(gs, crud) }, grpc.UnaryInterceptor(tenantMetadata))
	c := reflistsv1.NewBookServiceClient(tenantConn{conn, "acme"})
	_, err := c.CreatePublisher(context.Background(), &reflistsv1.CreatePublisherRequest{PublisherId: "p", Publisher: &reflistsv1.Publisher{}})
	require.NoError(t, err)
	return crud, c
}

// TestReferenceListForcedSet: a forced delete of a publisher deletes its
// authors as a set: an author whose coauthors name another of them goes
// with it, while an author of another publisher naming one keeps the
// publisher, and nothing is deleted. On every database.
func TestReferenceListForcedSet(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := acmePublisher(t, db)
		ctx := context.Background()
		author := func(publisher, id string, coauthors ...string) {
			t.Helper()
			_, err := c.CreateAuthor(ctx, &reflistsv1.CreateAuthorRequest{Parent: publisher, AuthorId: id, Author: &reflistsv1.Author{Coauthors: coauthors}})
			require.NoError(t, err)
		}
		authors := func(publisher string) int64 {
			t.Helper()
			var n int64
			require.NoError(t, db.Raw("SELECT COUNT(*) FROM authors WHERE publisher = ?", publisher).Scan(&n).Error)
			return n
		}
		author("publishers/p", "a1")
		author("publishers/p", "a2", "publishers/p/authors/a1")
		_, err := c.CreatePublisher(ctx, &reflistsv1.CreatePublisherRequest{PublisherId: "q", Publisher: &reflistsv1.Publisher{}})
		require.NoError(t, err)
		author("publishers/q", "b1", "publishers/p/authors/a2")

		_, err = c.DeletePublisher(ctx, &reflistsv1.DeletePublisherRequest{Name: "publishers/p", Force: true})
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "q's author names a2: %v", err)
		assert.Equal(t, "RESOURCE_REFERENCED", errorInfo(err).GetReason())
		assert.Equal(t, int64(2), authors("p"), "nothing deleted")

		_, err = c.DeleteAuthor(ctx, &reflistsv1.DeleteAuthorRequest{Name: "publishers/q/authors/b1"})
		require.NoError(t, err)
		_, err = c.DeletePublisher(ctx, &reflistsv1.DeletePublisherRequest{Name: "publishers/p", Force: true})
		require.NoError(t, err, "a2 names a1, and both go")
		assert.Equal(t, int64(0), authors("p"))
	})
}
