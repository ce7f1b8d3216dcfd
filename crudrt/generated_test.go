package crudrt_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestGeneratedBookService drives the runtime through the example's
// generated BookServiceCRUD: responses carry what the runtime returned,
// errors come back with a nil response, never (nil, nil).
func TestGeneratedBookService(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite)
	books := libraryv1.NewBookServiceCRUD(l.db)

	_, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{})
	wantInvalid(t, err, "book")
	a, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "a", AuthorId: l.author, Isbn: 1}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "b", AuthorId: l.author, Isbn: 2}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := books.GetBook(ctx, &libraryv1.GetBookRequest{Id: a.Id})
	if err != nil || !proto.Equal(got, a) {
		t.Errorf("GetBook = %v, %v", got, err)
	}
	got, err = books.GetBook(ctx, &libraryv1.GetBookRequest{Id: 999})
	if got != nil {
		t.Errorf("GetBook of a missing book returned %v", got)
	}
	wantCode(t, err, connect.CodeNotFound)

	page, err := books.ListBooks(ctx, &libraryv1.ListBooksRequest{PageSize: 1, OrderBy: "title desc, id desc"})
	if err != nil || len(page.Books) != 1 || page.Books[0].Title != "b" || page.NextPageToken == "" {
		t.Fatalf("ListBooks = %v, %v", page, err)
	}
	page, err = books.ListBooks(ctx, &libraryv1.ListBooksRequest{PageSize: 1, OrderBy: "title desc, id desc", PageToken: page.NextPageToken})
	if err != nil || len(page.Books) != 1 || page.Books[0].Title != "a" || page.NextPageToken != "" {
		t.Fatalf("ListBooks, page 2 = %v, %v", page, err)
	}
	page, err = books.ListBooks(ctx, &libraryv1.ListBooksRequest{PageSize: -1})
	if page != nil {
		t.Errorf("ListBooks with an error returned %v", page)
	}
	wantInvalid(t, err, "page_size")

	up, err := books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: a.Id, Title: "a2", Etag: a.Etag}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
	if err != nil || up.Title != "a2" || up.Etag != "2" {
		t.Fatalf("UpdateBook = %v, %v", up, err)
	}
	_, err = books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: a.Id, Title: "a3", Etag: a.Etag}})
	wantCode(t, err, connect.CodeAborted)

	bg, err := books.BatchGetBooks(ctx, &libraryv1.BatchGetBooksRequest{Ids: []int64{b.Id, a.Id}})
	if err != nil || len(bg.Books) != 2 || !proto.Equal(bg.Books[0], b) || !proto.Equal(bg.Books[1], up) {
		t.Errorf("BatchGetBooks = %v, %v", bg, err)
	}
	bg, err = books.BatchGetBooks(ctx, &libraryv1.BatchGetBooksRequest{Ids: []int64{b.Id, 999}})
	if bg != nil {
		t.Errorf("BatchGetBooks with an error returned %v", bg)
	}
	wantCode(t, err, connect.CodeNotFound)

	del, err := books.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Id: a.Id, Etag: up.Etag})
	if err != nil || del.DeleteTime == nil {
		t.Fatalf("DeleteBook = %v, %v", del, err)
	}
	_, err = books.UndeleteBook(ctx, &libraryv1.UndeleteBookRequest{Id: a.Id, Etag: up.Etag})
	wantCode(t, err, connect.CodeAborted)
	und, err := books.UndeleteBook(ctx, &libraryv1.UndeleteBookRequest{Id: a.Id, Etag: del.Etag})
	if err != nil || und.DeleteTime != nil {
		t.Fatalf("UndeleteBook = %v, %v", und, err)
	}
	_, err = books.BatchDeleteBooks(ctx, &libraryv1.BatchDeleteBooksRequest{Ids: []int64{a.Id, 999}})
	wantCode(t, err, connect.CodeNotFound)
	if _, err := books.BatchDeleteBooks(ctx, &libraryv1.BatchDeleteBooksRequest{Ids: []int64{a.Id, b.Id}}); err != nil {
		t.Fatal(err)
	}
	page, err = books.ListBooks(ctx, &libraryv1.ListBooksRequest{})
	if err != nil || len(page.Books) != 0 {
		t.Errorf("ListBooks after BatchDeleteBooks = %v, %v", page, err)
	}
	page, err = books.ListBooks(ctx, &libraryv1.ListBooksRequest{ShowDeleted: true})
	if err != nil || len(page.Books) != 2 {
		t.Errorf("ListBooks with show_deleted = %v, %v", page, err)
	}
}
