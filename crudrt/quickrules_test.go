package crudrt_test

import (
	"context"
	"errors"
	"testing"

	"buf.build/go/protovalidate"
	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestQuickRulesAnswerAsProtovalidate: the example's Book, whose rules
// (a title's least length, a defined state) are checked quickly, is
// stored when it passes them, and refused with protovalidate's own
// violations, field and text, on Create and Update when it does not.
func TestQuickRulesAnswerAsProtovalidate(t *testing.T) {
	l := newLibrary(t, testdb.SQLite)
	if !crudrt.HasQuickRules(l.books) {
		t.Fatal("the example's Book is not checked quickly")
	}
	v, err := protovalidate.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	good := l.addBook(t, &libraryv1.Book{Title: "Dune", State: libraryv1.BookState_BOOK_STATE_DRAFT, Isbn: 1})
	bad := &libraryv1.Book{Title: "", AuthorId: l.author, State: 9, Isbn: 2}
	var want []*errdetails.BadRequest_FieldViolation
	var ve *protovalidate.ValidationError
	if !errors.As(v.Validate(bad), &ve) {
		t.Fatal("protovalidate accepts the bad book")
	}
	for _, pv := range ve.Violations {
		want = append(want, &errdetails.BadRequest_FieldViolation{Field: "book." + protovalidate.FieldPathString(pv.Proto.GetField()), Description: pv.Proto.GetMessage()})
	}
	if len(want) != 2 {
		t.Fatalf("protovalidate finds %d violations, want 2", len(want))
	}
	_, createErr := l.books.Create(ctx, bad)
	bad.Id = good.Id
	_, updateErr := l.books.Update(ctx, bad, &fieldmaskpb.FieldMask{Paths: []string{"title", "state"}})
	for name, err := range map[string]error{"Create": createErr, "Update": updateErr} {
		wantCode(t, err, connect.CodeInvalidArgument)
		got := fieldViolations(t, err)
		if len(got) != len(want) {
			t.Fatalf("%s: violations %v, want %v", name, got, want)
		}
		for i := range want {
			if got[i].GetField() != want[i].GetField() || got[i].GetDescription() != want[i].GetDescription() {
				t.Errorf("%s: violation %d is %v, want %v", name, i, got[i], want[i])
			}
		}
	}
	if got := l.getBook(t, good.Id); got.GetTitle() != "Dune" {
		t.Errorf("the refused update changed the book: %v", got)
	}
}

// fieldViolations are the violations of the google.rpc.BadRequest err
// carries.
func fieldViolations(t *testing.T, err error) []*errdetails.BadRequest_FieldViolation {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("%v is not a *connect.Error", err)
	}
	for _, d := range ce.Details() {
		if v, err := d.Value(); err == nil {
			if br, ok := v.(*errdetails.BadRequest); ok {
				return br.GetFieldViolations()
			}
		}
	}
	return nil
}
