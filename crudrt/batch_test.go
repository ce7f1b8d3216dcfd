package crudrt_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestBatchCreate: every resource is validated, with violations indexed
// by request, then all are inserted in one transaction, or none.
func TestBatchCreate(t *testing.T) {
	ctx := context.Background()
	clock := newStepClock()
	l := newLibrary(t, testdb.SQLite, crudrt.WithLimits(crudrt.Limits{MaxBatchSize: 3}), crudrt.WithClock(clock.now))
	out, err := l.books.BatchCreate(ctx, []proto.Message{
		&libraryv1.Book{Title: "a", AuthorId: l.author, Isbn: 1, Id: 50, Etag: "9"},
		&libraryv1.Book{Title: "b", AuthorId: l.author, Isbn: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 {
		t.Fatalf("%d books", len(out))
	}
	for i, m := range out {
		b := m.(*libraryv1.Book)
		if b.Id == 0 || b.Id == 50 || b.Etag != "1" || b.CreateTime == nil || b.Title != []string{"a", "b"}[i] {
			t.Errorf("[%d] = %v", i, b)
		}
		if got := l.getBook(t, b.Id); !proto.Equal(got, b) {
			t.Errorf("[%d]: BatchCreate returned %v, stored %v", i, b, got)
		}
	}
	n := countRows(t, l.db, "books")

	// Violations of every request, indexed.
	_, err = l.books.BatchCreate(ctx, []proto.Message{
		&libraryv1.Book{Title: "ok", AuthorId: l.author, Isbn: 10},
		&libraryv1.Book{Title: "", AuthorId: l.author, Isbn: 11},
		nil,
	})
	wantInvalid(t, err, "requests[1].book.title", "requests[2].book")
	_, err = l.books.BatchCreate(ctx, []proto.Message{
		(*libraryv1.Book)(nil),
		&libraryv1.Book{Title: "", AuthorId: l.author, State: 7},
	})
	wantInvalidSet(t, err, "requests[0].book", "requests[1].book.title", "requests[1].book.state")
	// A unique conflict, within the batch or with a stored book, rolls
	// every insert back.
	for _, batch := range [][]proto.Message{
		{&libraryv1.Book{Title: "x", AuthorId: l.author, Isbn: 20}, &libraryv1.Book{Title: "y", AuthorId: l.author, Isbn: 20}},
		{&libraryv1.Book{Title: "x", AuthorId: l.author, Isbn: 21}, &libraryv1.Book{Title: "y", AuthorId: l.author, Isbn: 1}},
	} {
		_, err = l.books.BatchCreate(ctx, batch)
		wantCode(t, err, connect.CodeAlreadyExists)
	}
	_, err = l.books.BatchCreate(ctx, []proto.Message{
		&libraryv1.Book{Title: "x", AuthorId: l.author, Isbn: 22},
		&libraryv1.Book{Title: "y", AuthorId: l.author + 100, Isbn: 23},
	})
	wantCode(t, err, connect.CodeFailedPrecondition)
	_, err = l.books.BatchCreate(ctx, make([]proto.Message, 4))
	wantCode(t, err, connect.CodeInvalidArgument)
	if got := countRows(t, l.db, "books"); got != n {
		t.Errorf("%d books after refused batches, want %d", got, n)
	}
	out, err = l.books.BatchCreate(ctx, nil)
	if err != nil || len(out) != 0 {
		t.Errorf("empty batch: %v, %v", out, err)
	}

	// The generated BatchCreateBooks passes the requests' books.
	books := libraryv1.NewBookServiceCRUD(l.db)
	_, err = books.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: []*libraryv1.CreateBookRequest{
		{Book: &libraryv1.Book{Title: "ok", AuthorId: l.author, Isbn: 30}},
		{Book: &libraryv1.Book{AuthorId: l.author, Isbn: 31}},
	}})
	wantInvalid(t, err, "requests[1].book.title")
	resp, err := books.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: []*libraryv1.CreateBookRequest{
		{Book: &libraryv1.Book{Title: "ok", AuthorId: l.author, Isbn: 30}},
	}})
	if err != nil || len(resp.Books) != 1 || resp.Books[0].Title != "ok" {
		t.Fatalf("BatchCreateBooks = %v, %v", resp, err)
	}
}
