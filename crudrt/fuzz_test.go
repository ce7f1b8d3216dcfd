package crudrt_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// FuzzUpdateMask sends update masks of arbitrary paths to a real service
// (SQLite): never a panic, never an Internal error; a mask is either
// applied or refused with InvalidArgument (or the row is NotFound).
func FuzzUpdateMask(f *testing.F) {
	for _, seed := range []string{"title", "*", "", "title,isbn", "colour", "book.title", "metadata.lang", "tags",
		"id", "etag", "create_time", "title,*", "..", "a.b.c", "metadata", "title, isbn", "author_id"} {
		f.Add(seed)
	}
	db := testdb.Open(f, testdb.SQLite)
	applyExample(f, db)
	books := libraryv1.NewBookServiceCRUD(db)
	ctx := context.Background()
	author, err := libraryv1.NewAuthorServiceCRUD(db).CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "a"}})
	if err != nil {
		f.Fatal(err)
	}
	b, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "t", AuthorId: author.Id}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, paths string) {
		var mask *fieldmaskpb.FieldMask
		if paths != "" {
			mask = &fieldmaskpb.FieldMask{Paths: strings.Split(paths, ",")}
		}
		_, err := books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{
			Book:       &libraryv1.Book{Id: b.Id, Title: "new", AuthorId: author.Id, Metadata: map[string]string{"lang": "en"}},
			UpdateMask: mask,
		})
		if err == nil {
			return
		}
		var ce *connect.Error
		if !errors.As(err, &ce) {
			t.Fatalf("not a status error: %v", err)
		}
		switch ce.Code() {
		case connect.CodeInvalidArgument, connect.CodeNotFound:
		default:
			t.Fatalf("mask %q: unexpected %v", paths, err)
		}
	})
}
