package crudrt_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestStore uses the typed store as a custom method would: every call has
// the standard methods' semantics, even for operations the resource's
// service does not declare, and On joins the caller's transaction.
func TestStore(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite)
	res := bookResource()
	res.Operations = crudrt.OpGet // the service serves Get only; the store does everything
	books := crudrt.NewStore[*libraryv1.Book](crudrt.NewService(l.db, res))
	authors := crudrt.NewStore[*libraryv1.Author](l.authors)
	if books.Service().Resource() != res {
		t.Fatal("Service() is not the store's runtime")
	}

	b, err := books.Create(ctx, &libraryv1.Book{Title: "Dune", AuthorId: l.author, Isbn: 1})
	if err != nil || b.GetId() == 0 || b.GetEtag() != "1" {
		t.Fatalf("Create: %v, %v", b, err)
	}
	if _, err := books.Create(ctx, &libraryv1.Book{AuthorId: l.author}); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("Create of an invalid book: %v; want InvalidArgument", err)
	}
	got, err := books.Get(ctx, b.GetId())
	if err != nil || got.GetTitle() != "Dune" {
		t.Fatalf("Get: %v, %v", got, err)
	}
	a, err := authors.GetByName(ctx, "authors/"+strconv.FormatInt(l.author, 10))
	if err != nil || a.GetDisplayName() != "Ursula" {
		t.Fatalf("GetByName: %v, %v", a, err)
	}
	if _, err := authors.GetByName(ctx, "shelves/1"); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("GetByName of another collection: %v; want InvalidArgument", err)
	}
	got.Title = "Dune Messiah"
	u, err := books.Update(ctx, got, &fieldmaskpb.FieldMask{Paths: []string{"title"}})
	if err != nil || u.GetTitle() != "Dune Messiah" || u.GetEtag() != "2" {
		t.Fatalf("Update: %v, %v", u, err)
	}
	list, next, err := books.List(ctx, crudrt.ListRequest{Filter: `title = "Dune Messiah"`})
	if err != nil || len(list) != 1 || next != "" {
		t.Fatalf("List: %v, %q, %v", list, next, err)
	}

	// A failing transaction rolls back every store's writes in it.
	boom := errors.New("boom")
	err = books.Transaction(ctx, func(tx *gorm.DB) error {
		if _, err := books.On(tx).Update(ctx, &libraryv1.Book{Id: b.GetId(), Title: "lost"}, &fieldmaskpb.FieldMask{Paths: []string{"title"}}); err != nil {
			return err
		}
		if _, err := authors.On(tx).Create(ctx, &libraryv1.Author{DisplayName: "ghost"}); err != nil {
			return err
		}
		return crudrt.Errorf(connect.CodeFailedPrecondition, "%v", boom)
	})
	if connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Errorf("Transaction: %v; want the function's own status", err)
	}
	if got, _ := books.Get(ctx, b.GetId()); got.GetTitle() != "Dune Messiah" {
		t.Errorf("after the rolled back transaction the title is %q", got.GetTitle())
	}
	if n := countRows(t, l.db, "authors"); n != 1 {
		t.Errorf("%d authors after the rolled back transaction; want 1", n)
	}

	d, err := books.Delete(ctx, b.GetId(), "2")
	if err != nil || d.GetDeleteTime() == nil {
		t.Fatalf("Delete: %v, %v", d, err)
	}
	// AIP-164: a soft Delete of a book deleted already is NotFound, and
	// succeeds under AllowMissing, returning the book as stored.
	if _, err := books.Delete(ctx, b.GetId(), ""); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("Delete of a deleted book: %v; want NotFound", err)
	}
	again, err := books.Delete(crudrt.AllowMissing(ctx, true), b.GetId(), "")
	if err != nil || !proto.Equal(again, d) {
		t.Errorf("Delete under AllowMissing of a deleted book = %v, %v; want %v", again, err, d)
	}
	none, err := books.Delete(crudrt.AllowMissing(ctx, true), b.GetId()+100, "")
	if err != nil || none != nil {
		t.Errorf("Delete under AllowMissing of no book = %v, %v; want nil, nil", none, err)
	}
}

// TestStoreOf finds the store of a generated type's resource by its
// message type, also through a type that embeds the generated one, and
// names what the type serves when it serves no such resource.
func TestStoreOf(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, testdb.SQLite)
	migrateExample(t, db)
	authorsCRUD := libraryv1.NewAuthorServiceCRUD(db)
	custom := struct{ *libraryv1.BookServiceCRUD }{libraryv1.NewBookServiceCRUD(db)}

	authors, err := crudrt.StoreOf[*libraryv1.Author](authorsCRUD)
	if err != nil {
		t.Fatal(err)
	}
	a, err := authors.Create(ctx, &libraryv1.Author{DisplayName: "Ursula"})
	if err != nil {
		t.Fatalf("Create through StoreOf: %v", err)
	}
	books, err := crudrt.StoreOf[*libraryv1.Book](custom)
	if err != nil {
		t.Fatal(err)
	}
	if books.Service() != custom.CRUDServices()[0] {
		t.Error("StoreOf's store is not on the generated type's runtime")
	}
	b, err := books.Create(ctx, &libraryv1.Book{Title: "Dune", AuthorId: a.GetId(), Isbn: 1})
	if err != nil {
		t.Fatalf("Create through StoreOf: %v", err)
	}
	got, err := custom.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.GetId()})
	if err != nil || got.GetTitle() != "Dune" {
		t.Errorf("the generated GetBook after the store's Create: %v, %v", got, err)
	}

	_, err = crudrt.StoreOf[*libraryv1.Book](authorsCRUD)
	want := "internal: internal error: crudrt.StoreOf: *libraryv1.AuthorServiceCRUD serves no resource of type *libraryv1.Book; it serves library.v1.Author"
	if connect.CodeOf(err) != connect.CodeInternal || err.Error() != want {
		t.Errorf("StoreOf of a resource the type does not serve: %v\nwant %s", err, want)
	}
}

// TestListSkip: AIP-158's skip passes over results, after the page
// token's position when there is one; a negative skip is InvalidArgument.
func TestListSkip(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite)
	for i, title := range []string{"a", "b", "c", "d", "e"} {
		l.addBook(t, &libraryv1.Book{Title: title, Isbn: uint64(i + 1)})
	}
	titles := func(items []proto.Message) string {
		var s string
		for _, it := range items {
			s += it.(*libraryv1.Book).GetTitle()
		}
		return s
	}
	items, next, err := l.books.List(ctx, crudrt.ListRequest{OrderBy: "title", PageSize: 2, Skip: 1})
	if err != nil || titles(items) != "bc" {
		t.Fatalf("skip 1: %q, %v", titles(items), err)
	}
	items, _, err = l.books.List(ctx, crudrt.ListRequest{OrderBy: "title", PageSize: 2, Skip: 1, PageToken: next})
	if err != nil || titles(items) != "e" {
		t.Fatalf("skip 1 after the token: %q, %v", titles(items), err)
	}
	if _, _, err := l.books.List(ctx, crudrt.ListRequest{Skip: -1}); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("negative skip: %v", err)
	}
}
