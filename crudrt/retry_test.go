package crudrt_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestConflictRetried makes the database roll a BatchDelete back for a
// deadlock (another transaction holds the second book and then asks for
// the first, which BatchDelete holds): the service runs its transaction
// again once the other committed, and the call succeeds, deleting each
// book once. The other transaction is made the heavier one, so that the
// database picks BatchDelete as the victim.
func TestConflictRetried(t *testing.T) {
	for _, d := range []testdb.Dialect{testdb.Postgres, testdb.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			l := newLibrary(t, d)
			ctx := context.Background()
			b1 := l.addBook(t, &libraryv1.Book{Title: "one", Isbn: 1})
			b2 := l.addBook(t, &libraryv1.Book{Title: "two", Isbn: 2})

			other := l.db.Begin()
			defer other.Rollback()
			for i := 0; i < 20; i++ {
				if err := other.Exec("INSERT INTO authors (display_name) VALUES (?)", fmt.Sprintf("weight %d", i)).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := other.Exec("SELECT id FROM books WHERE id = ? FOR UPDATE", b2.Id).Error; err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- l.books.BatchDelete(ctx, []any{b1.Id, b2.Id}) }()
			time.Sleep(300 * time.Millisecond) // BatchDelete holds book 1 and waits for book 2
			if err := other.Exec("SELECT id FROM books WHERE id = ? FOR UPDATE", b1.Id).Error; err != nil {
				t.Fatalf("the other transaction was the victim: %v", err)
			}
			if err := other.Commit().Error; err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("BatchDelete: %v (code %v); want it run again after the deadlock", err, connect.CodeOf(err))
				}
			case <-time.After(20 * time.Second):
				t.Fatal("BatchDelete did not return")
			}
			for _, id := range []int64{b1.Id, b2.Id} {
				got, err := l.books.Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if got.(*libraryv1.Book).GetDeleteTime() == nil || got.(*libraryv1.Book).GetEtag() != "2" {
					t.Errorf("book %d: %v; want deleted once (etag 2)", id, got)
				}
			}
		})
	}
}
