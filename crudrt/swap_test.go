package crudrt_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestDeleteRacesUpdate races Delete (and then Undelete), which on
// PostgreSQL are one UPDATE … RETURNING when the row is all they change,
// with Update, on every database: whichever wins, what Delete and Undelete
// return is what is stored, and an etag read before the other write is
// Aborted.
func TestDeleteRacesUpdate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		books, a := generatedLibrary(t, db)
		for round := range 20 {
			b, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: fmt.Sprint("t", round), AuthorId: a.Id, Isbn: uint64(round + 1)}})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var deleted *libraryv1.Book
			var delErr error
			wg.Add(2)
			go func() {
				defer wg.Done()
				for i := range 3 {
					_, _ = books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: b.Id, Title: fmt.Sprint("u", round, i)}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
				}
			}()
			go func() {
				defer wg.Done()
				deleted, delErr = books.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Id: b.Id})
			}()
			wg.Wait()
			if delErr != nil {
				t.Fatalf("round %d: Delete: %v", round, delErr)
			}
			stored, err := books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(deleted, stored) {
				t.Fatalf("round %d: Delete returned %v, stored is %v", round, deleted, stored)
			}
			_, err = books.UndeleteBook(ctx, &libraryv1.UndeleteBookRequest{Id: b.Id, Etag: b.Etag})
			if connect.CodeOf(err) != connect.CodeAborted {
				t.Fatalf("round %d: Undelete with the etag of before: %v, want Aborted", round, err)
			}
			back, err := books.UndeleteBook(ctx, &libraryv1.UndeleteBookRequest{Id: b.Id, Etag: stored.Etag})
			if err != nil {
				t.Fatal(err)
			}
			if stored, err = books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id}); err != nil || !proto.Equal(back, stored) {
				t.Fatalf("round %d: Undelete returned %v, stored is %v (%v)", round, back, stored, err)
			}
			if _, err = books.UndeleteBook(ctx, &libraryv1.UndeleteBookRequest{Id: b.Id}); connect.CodeOf(err) != connect.CodeAlreadyExists {
				t.Fatalf("round %d: Undelete of a live book: %v, want AlreadyExists", round, err)
			}
		}
	})
}

// TestBlindUpdatesRace runs Updates without etags on one row from many
// goroutines, on every database: each is applied exactly once (the etag
// counts them). Each sets a value of its own, as one that sets the value
// stored already writes nothing.
func TestBlindUpdatesRace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		books, a := generatedLibrary(t, db)
		b, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "t", AuthorId: a.Id, Isbn: 1}})
		if err != nil {
			t.Fatal(err)
		}
		const writers, each = 8, 5
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					_, err := books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: b.Id, Title: fmt.Sprintf("t%d-%d", w, i)}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
		}
		final, err := books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprint(1 + writers*each); final.Etag != want {
			t.Errorf("etag %s after %d updates of a new row, want %s", final.Etag, writers*each, want)
		}
	})
}
