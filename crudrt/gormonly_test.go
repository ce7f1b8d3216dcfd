package crudrt_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestGORMOnly checks on PostgreSQL, where crudrt/postgres reads, inserts,
// updates and soft deletes past GORM, that WithGORMOnly sends those statements
// through GORM's callbacks again, where plugins see them.
func TestGORMOnly(t *testing.T) {
	db := testdb.Open(t, testdb.Postgres)
	_, a := generatedLibrary(t, db)
	var seen atomic.Int64
	count := func(*gorm.DB) { seen.Add(1) }
	cb := db.Callback()
	for _, err := range []error{
		cb.Row().After("gorm:row").Register("count:row", count),
		cb.Create().After("gorm:create").Register("count:create", count),
		cb.Update().After("gorm:update").Register("count:update", count),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	calls := func(books *libraryv1.BookServiceCRUD, isbn uint64) int64 {
		t.Helper()
		before := seen.Load()
		b, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: fmt.Sprint("t", isbn), AuthorId: a.Id, Isbn: isbn}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id}); err != nil {
			t.Fatal(err)
		}
		if _, err := books.ListBooks(ctx, &libraryv1.ListBooksRequest{}); err != nil {
			t.Fatal(err)
		}
		if _, err := books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: b.Id, Title: fmt.Sprint("u", isbn)}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := books.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Id: b.Id}); err != nil {
			t.Fatal(err)
		}
		if _, err := books.UndeleteBook(ctx, &libraryv1.UndeleteBookRequest{Id: b.Id}); err != nil {
			t.Fatal(err)
		}
		if _, err := books.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Id: b.Id}); err != nil {
			t.Fatal(err)
		}
		return seen.Load() - before
	}
	if n := calls(libraryv1.NewBookServiceCRUD(db), 1); n != 0 {
		t.Errorf("GORM saw %d statements of Create, Get, List, Update, Delete and Undelete past GORM, want 0", n)
	}
	// Create; Get; List; Update, Delete, Undelete and Delete each read and
	// write.
	if n := calls(libraryv1.NewBookServiceCRUD(db, crudrt.WithGORMOnly()), 2); n < 11 {
		t.Errorf("GORM saw %d statements with WithGORMOnly, want at least 11", n)
	}
}
