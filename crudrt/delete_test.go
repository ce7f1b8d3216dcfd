package crudrt_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestSoftDelete: Delete sets delete_time and moves the etag on, Undelete
// clears it; both check the etag and return what is stored.
func TestSoftDelete(t *testing.T) {
	ctx := context.Background()
	clock := newStepClock()
	l := newLibrary(t, testdb.SQLite, crudrt.WithClock(clock.now))
	b := l.addBook(t, &libraryv1.Book{Title: "Dune", Isbn: 1})
	keep := l.addBook(t, &libraryv1.Book{Title: "kept", Isbn: 2})

	_, err := l.books.Undelete(ctx, b.Id, "")
	wantCode(t, err, connect.CodeAlreadyExists) // AIP-164: not deleted
	_, err = l.books.Delete(ctx, b.Id, "7")
	wantCode(t, err, connect.CodeAborted)
	_, err = l.books.Delete(ctx, b.Id+100, "")
	wantCode(t, err, connect.CodeNotFound)
	if got := l.getBook(t, b.Id); !proto.Equal(got, b) {
		t.Fatalf("refused deletes changed the book: %v", got)
	}

	out, err := l.books.Delete(ctx, b.Id, "1")
	if err != nil {
		t.Fatal(err)
	}
	deleted := out.(*libraryv1.Book)
	// The clock is read for delete_time, then for update_time.
	if deleted.DeleteTime == nil || deleted.DeleteTime.AsTime().After(clock.t) || !proto.Equal(deleted.UpdateTime, clock.last()) ||
		deleted.Etag != "2" || deleted.Title != "Dune" {
		t.Errorf("Delete = %v; want delete_time and update_time %v, and etag 2", deleted, clock.last())
	}
	if got := l.getBook(t, b.Id); !proto.Equal(got, deleted) {
		t.Errorf("Delete returned %v, stored %v", deleted, got)
	}
	// Deleted: not listed, not deleted again, not updated.
	items, _, err := l.books.List(ctx, crudrt.ListRequest{})
	if err != nil || len(items) != 1 || !proto.Equal(items[0], keep) {
		t.Errorf("List after Delete: %v, %v", items, err)
	}
	_, err = l.books.Delete(ctx, b.Id, "")
	wantCode(t, err, connect.CodeNotFound)

	_, err = l.books.Undelete(ctx, b.Id, "1")
	wantCode(t, err, connect.CodeAborted)
	_, err = l.books.Undelete(ctx, b.Id+100, "")
	wantCode(t, err, connect.CodeNotFound)
	out, err = l.books.Undelete(ctx, b.Id, "2")
	if err != nil {
		t.Fatal(err)
	}
	restored := out.(*libraryv1.Book)
	if restored.DeleteTime != nil || restored.Etag != "3" || !proto.Equal(restored.UpdateTime, clock.last()) {
		t.Errorf("Undelete = %v", restored)
	}
	if got := l.getBook(t, b.Id); !proto.Equal(got, restored) {
		t.Errorf("Undelete returned %v, stored %v", restored, got)
	}
	_, err = l.books.Undelete(ctx, b.Id, "")
	wantCode(t, err, connect.CodeAlreadyExists)
	if n := countRows(t, l.db, "books"); n != 2 {
		t.Errorf("%d rows, want 2: a soft delete keeps the row", n)
	}
}

// TestHardDelete: a model without delete_time is removed and returned as
// it was; the database cascades to its books.
func TestHardDelete(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite)
	a := l.addBook(t, &libraryv1.Book{Title: "Dune", Isbn: 1})
	author, err := l.authors.Get(ctx, l.author)
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.authors.Delete(ctx, l.author, "")
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(out, author) {
		t.Errorf("Delete = %v, want the author as it was, %v", out, author)
	}
	_, err = l.authors.Get(ctx, l.author)
	wantCode(t, err, connect.CodeNotFound)
	_, err = l.authors.Delete(ctx, l.author, "")
	wantCode(t, err, connect.CodeNotFound)
	_, err = l.books.Get(ctx, a.Id)
	wantCode(t, err, connect.CodeNotFound)
	if n := countRows(t, l.db, "books"); n != 0 {
		t.Errorf("%d books left after their author was deleted", n)
	}
	// Undelete needs a delete_time: the author's service does not declare it.
	_, err = l.authors.Undelete(ctx, l.author, "")
	wantCode(t, err, connect.CodeUnimplemented)

	// The generated AuthorService deletes by name.
	authors := libraryv1.NewAuthorServiceCRUD(l.db)
	created, err := authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "Frank"}})
	if err != nil {
		t.Fatal(err)
	}
	name := "authors/" + strconv.FormatInt(created.Id, 10)
	got, err := authors.GetAuthor(ctx, &libraryv1.GetAuthorRequest{Name: name})
	if err != nil || !proto.Equal(got, created) {
		t.Fatalf("GetAuthor(%q) = %v, %v", name, got, err)
	}
	for _, bad := range []string{"", "authors/", "books/" + strconv.FormatInt(created.Id, 10), "authors/x", name + "/books"} {
		_, err := authors.DeleteAuthor(ctx, &libraryv1.DeleteAuthorRequest{Name: bad})
		wantInvalid(t, err, "name")
	}
	if _, err := authors.DeleteAuthor(ctx, &libraryv1.DeleteAuthorRequest{Name: name}); err != nil {
		t.Fatal(err)
	}
	_, err = authors.GetAuthor(ctx, &libraryv1.GetAuthorRequest{Name: name})
	wantCode(t, err, connect.CodeNotFound)
	_, err = authors.DeleteAuthor(ctx, &libraryv1.DeleteAuthorRequest{Name: name})
	wantCode(t, err, connect.CodeNotFound)
}

// TestBatchDelete: every key is deleted, or none.
func TestBatchDelete(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite, crudrt.WithLimits(crudrt.Limits{MaxBatchSize: 3}))
	a := l.addBook(t, &libraryv1.Book{Title: "a", Isbn: 1})
	b := l.addBook(t, &libraryv1.Book{Title: "b", Isbn: 2})
	c := l.addBook(t, &libraryv1.Book{Title: "c", Isbn: 3})

	err := l.books.BatchDelete(ctx, []any{a.Id, c.Id + 100, b.Id})
	wantCode(t, err, connect.CodeNotFound)
	err = l.books.BatchDelete(ctx, []any{a.Id, b.Id, c.Id, a.Id})
	wantCode(t, err, connect.CodeInvalidArgument)
	for _, id := range []int64{a.Id, b.Id, c.Id} {
		if got := l.getBook(t, id); got.DeleteTime != nil {
			t.Fatalf("a refused batch deleted %v", got)
		}
	}
	if err := l.books.BatchDelete(ctx, nil); err != nil {
		t.Errorf("empty batch: %v", err)
	}
	if err := l.books.BatchDelete(ctx, []any{c.Id, a.Id}); err != nil {
		t.Fatal(err)
	}
	for id, deleted := range map[int64]bool{a.Id: true, b.Id: false, c.Id: true} {
		got := l.getBook(t, id)
		if (got.DeleteTime != nil) != deleted {
			t.Errorf("book %d: delete_time %v, want deleted %v", id, got.DeleteTime, deleted)
		}
		if deleted && got.Etag != "2" {
			t.Errorf("book %d: etag %q after deletion, want 2", id, got.Etag)
		}
	}
	// A deleted book cannot be deleted again: the whole batch is refused.
	err = l.books.BatchDelete(ctx, []any{b.Id, a.Id})
	wantCode(t, err, connect.CodeNotFound)
	if got := l.getBook(t, b.Id); got.DeleteTime != nil {
		t.Errorf("a refused batch deleted %v", got)
	}

	// Hard deletion in a batch, all or none too.
	x, err := l.authors.Create(ctx, &libraryv1.Author{DisplayName: "x"})
	if err != nil {
		t.Fatal(err)
	}
	xid := x.(*libraryv1.Author).Id
	err = l.authors.BatchDelete(ctx, []any{xid, xid + 100})
	wantCode(t, err, connect.CodeNotFound)
	if _, err := l.authors.Get(ctx, xid); err != nil {
		t.Fatalf("a refused batch deleted author %d: %v", xid, err)
	}
	if err := l.authors.BatchDelete(ctx, []any{xid, l.author}); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, l.db, "authors"); n != 0 {
		t.Errorf("%d authors left", n)
	}
}

// TestUpdateRacingUndelete: an Update or BatchUpdate of a soft-deleted
// book that an Undelete restores while the update's transaction runs is
// FailedPrecondition RESOURCE_DELETED, as the book was deleted when the
// update read it. The update read the live rows only and then looked for
// a deleted one outside its transaction, found it restored, and answered
// NotFound for a book that existed all along. The Undelete is sent from
// inside the update's transaction, after its read: on PostgreSQL, through
// GORM, where a locking read of no row locks nothing, and on MySQL, where
// it locks the row it scanned (SQLite's transaction holds the database).
func TestUpdateRacingUndelete(t *testing.T) {
	for _, d := range []testdb.Dialect{testdb.Postgres, testdb.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, d)
			books, a := generatedLibrary(t, db, crudrt.WithGORMOnly())
			restorer := libraryv1.NewBookServiceCRUD(db)
			var armed atomic.Int64 // the id of the book to restore
			var undeleted atomic.Value
			err := db.Callback().Row().After("gorm:row").Register("test:undelete", func(tx *gorm.DB) {
				id := armed.Load()
				if id == 0 || !armed.CompareAndSwap(id, 0) {
					return
				}
				// Blocks on the update's lock where it holds one.
				c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
				defer cancel()
				_, err := restorer.UndeleteBook(c, &libraryv1.UndeleteBookRequest{Id: id})
				undeleted.Store(fmt.Sprint("err = ", err))
			})
			if err != nil {
				t.Fatal(err)
			}
			mask := fieldMask("title")
			for i, update := range []func(id int64) error{
				func(id int64) error {
					_, err := books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: id, Title: "changed"}, UpdateMask: mask})
					return err
				},
				func(id int64) error {
					_, err := books.BatchUpdateBooks(ctx, &libraryv1.BatchUpdateBooksRequest{Requests: []*libraryv1.UpdateBookRequest{{Book: &libraryv1.Book{Id: id, Title: "changed"}, UpdateMask: mask}}})
					return err
				},
			} {
				b, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: fmt.Sprint("deleted ", i), AuthorId: a.Id, Isbn: uint64(100 + i)}})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := books.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Id: b.Id}); err != nil {
					t.Fatal(err)
				}
				armed.Store(b.Id)
				err = update(b.Id)
				if armed.Load() != 0 {
					t.Fatalf("update %d read nothing through GORM: %v", i, err)
				}
				t.Logf("update %d: %v; the Undelete sent meanwhile: %v", i, err, undeleted.Load())
				wantCode(t, err, connect.CodeFailedPrecondition)
				var e *crudrt.Error
				if !errors.As(err, &e) || e.Reason() != "RESOURCE_DELETED" {
					t.Errorf("update %d: %v; want reason RESOURCE_DELETED", i, err)
				}
				got, err := books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
				if err != nil || got.Title != b.Title {
					t.Errorf("update %d: stored %v, %v", i, got, err)
				}
			}
		})
	}
}
