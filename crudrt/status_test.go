package crudrt_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	kindsv1 "github.com/protoforge/protoforge/internal/e2e/gen/kinds/v1"
	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

// TestErrorStatus: an *Error is a connect error and a gRPC status with the
// same code, message and details.
func TestErrorStatus(t *testing.T) {
	e := crudrt.Errorf(connect.CodeNotFound, "book %d not found", 7)
	if e.Code() != connect.CodeNotFound || e.Error() != "not_found: book 7 not found" {
		t.Errorf("Errorf: code %v, %q", e.Code(), e.Error())
	}
	var ce *connect.Error
	if !errors.As(e, &ce) || ce.Message() != "book 7 not found" || ce.Code() != connect.CodeNotFound {
		t.Errorf("Unwrap: %v", ce)
	}
	st := e.GRPCStatus()
	if st.Code() != codes.NotFound || st.Message() != "book 7 not found" || len(st.Details()) != 1 {
		t.Errorf("GRPCStatus: %v", st)
	}
	// AIP-193: exactly one ErrorInfo, on both protocols; its reason is the
	// code's name until the cause is named.
	wantInfo(t, e, "NOT_FOUND", nil)
	named := crudrt.Errorf(connect.CodeAborted, "etag %q is stale", "3").WithReason("ETAG_MISMATCH", "etag", "3")
	wantInfo(t, named, "ETAG_MISMATCH", map[string]string{"etag": "3"})
	// Wrapped, grpc-go still finds the status.
	if got := status.Code(fmt.Errorf("handler: %w", e)); got != codes.NotFound {
		t.Errorf("status.Code of a wrapped error: %v", got)
	}

	inv := crudrt.InvalidArgument("", crudrt.FieldViolation{Field: "book.title", Description: "too long"}, crudrt.FieldViolation{Field: "book.isbn", Description: "taken"})
	if inv.Code() != connect.CodeInvalidArgument || !strings.Contains(inv.Error(), "invalid request: book.title: too long; book.isbn: taken") {
		t.Errorf("InvalidArgument: %v", inv)
	}
	st = inv.GRPCStatus()
	if st.Code() != codes.InvalidArgument || len(st.Details()) != 2 {
		t.Fatalf("GRPCStatus: %v", st)
	}
	wantInfo(t, inv, "FIELD_VIOLATION", map[string]string{"fields": "book.title,book.isbn"})
	br, ok := st.Details()[1].(*errdetails.BadRequest)
	if !ok || len(br.FieldViolations) != 2 || br.FieldViolations[0].Field != "book.title" || br.FieldViolations[1].Description != "taken" {
		t.Errorf("details: %v", st.Details())
	}
	wantInvalid(t, inv, "book.title", "book.isbn")
	// A message of its own, and no violation: no BadRequest.
	plain := crudrt.InvalidArgument("bad request")
	wantInfo(t, plain, "INVALID_ARGUMENT", nil)
	if plain.Error() != "invalid_argument: bad request" || len(plain.GRPCStatus().Details()) != 1 || len(violations(t, plain)) != 0 {
		t.Errorf("InvalidArgument without violations: %v, %v", plain, plain.GRPCStatus().Details())
	}
}

// wantInfo checks that e carries exactly one google.rpc.ErrorInfo, of
// the runtime's domain, with reason and metadata, over gRPC and Connect.
func wantInfo(t *testing.T, e *crudrt.Error, reason string, metadata map[string]string) {
	t.Helper()
	var infos []*errdetails.ErrorInfo
	for _, d := range e.GRPCStatus().Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			infos = append(infos, info)
		}
	}
	var ce *connect.Error
	if !errors.As(e, &ce) {
		t.Fatalf("%v is not a connect error", e)
	}
	var connectInfos int
	for _, d := range ce.Details() {
		if v, err := d.Value(); err == nil {
			if _, ok := v.(*errdetails.ErrorInfo); ok {
				connectInfos++
			}
		}
	}
	if len(infos) != 1 || connectInfos != 1 {
		t.Fatalf("%v: %d ErrorInfo over gRPC, %d over Connect; want exactly one", e, len(infos), connectInfos)
	}
	got := infos[0]
	if got.Reason != reason || got.Domain != crudrt.ErrorDomain || e.Reason() != reason {
		t.Errorf("%v: ErrorInfo %v; want reason %s, domain %s", e, got, reason, crudrt.ErrorDomain)
	}
	for k, v := range metadata {
		if got.Metadata[k] != v {
			t.Errorf("%v: metadata %s = %q; want %q", e, k, got.Metadata[k], v)
		}
	}
}

// TestConversionErrors: a value ToModel refuses (an *ormrt.FieldError) is
// InvalidArgument naming the request's field; other conversion errors are
// Internal.
func TestConversionErrors(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite)
	b := l.addBook(t, &libraryv1.Book{Title: "t"})
	refuse := func(err error) func(proto.Message) (any, error) {
		return func(proto.Message) (any, error) { return nil, err }
	}
	fe := &ormrt.FieldError{Field: "library.v1.Book.title", Err: errors.New("holds no NUL")}
	for _, c := range []struct {
		name    string
		field   string // Resource.Field
		toModel func(proto.Message) (any, error)
		code    connect.Code
		path    string
	}{
		{"field error", "book", refuse(fe), connect.CodeInvalidArgument, "book.title"},
		{"wrapped field error", "book", refuse(fmt.Errorf("convert: %w", fe)), connect.CodeInvalidArgument, "book.title"},
		{"field error, no prefix", "", refuse(fe), connect.CodeInvalidArgument, "title"},
		{"short field name", "book", refuse(&ormrt.FieldError{Field: "title", Err: errors.New("x")}), connect.CodeInvalidArgument, "book.title"},
		{"other error", "book", refuse(errors.New("boom")), connect.CodeInternal, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := bookResource()
			res.Field, res.ToModel = c.field, c.toModel
			svc := crudrt.NewService(l.db, res, crudrt.WithLogger(slog.New(slog.DiscardHandler)))
			for method, call := range map[string]func() error{
				"Create": func() error { _, err := svc.Create(ctx, &libraryv1.Book{Title: "x", AuthorId: l.author}); return err },
				"Update": func() error { _, err := svc.Update(ctx, &libraryv1.Book{Id: b.Id, Title: "x"}, nil); return err },
				"Delete": func() error { _, err := svc.Delete(ctx, b.Id, ""); return err },
				"BatchCreate": func() error {
					_, err := svc.BatchCreate(ctx, []proto.Message{&libraryv1.Book{Title: "x", AuthorId: l.author}})
					return err
				},
			} {
				err := call()
				if c.path != "" {
					if connect.CodeOf(err) != c.code {
						t.Fatalf("%s: %v, want %v", method, err, c.code)
					}
					wantInvalid(t, err, c.path)
					if !strings.Contains(err.Error(), "holds no NUL") && c.name != "short field name" {
						t.Errorf("%s: %q does not give the reason", method, err)
					}
				} else {
					wantCode(t, err, c.code)
					if strings.Contains(err.Error(), "boom") {
						t.Errorf("%s: the client sees the cause: %q", method, err)
					}
				}
			}
		})
	}
	if got := l.getBook(t, b.Id); !proto.Equal(got, b) {
		t.Errorf("refused conversions changed the book: %v", got)
	}
}

// TestStoredValueUnreadable: a stored value the model cannot convert back
// (an enum name the proto does not declare) is the server's problem,
// Internal, not an InvalidArgument blaming the request.
func TestStoredValueUnreadable(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, testdb.SQLite)
	applyE2ESchema(t, db, "kinds")
	svc := crudrt.NewService(db, scalarsResource("id"), crudrt.WithLogger(slog.New(slog.DiscardHandler)))
	out, err := svc.Create(ctx, &kindsv1.Scalars{VEnumName: kindsv1.Color_COLOR_GREEN})
	if err != nil {
		t.Fatal(err)
	}
	id := out.(*kindsv1.Scalars).Id
	if err := db.Exec("UPDATE scalars SET v_enum_name = 'COLOR_PURPLE' WHERE id = ?", id).Error; err != nil {
		t.Fatal(err)
	}
	for method, err := range map[string]error{
		"Get":      errOf2(svc.Get(ctx, id)),
		"List":     errOf3(svc.List(ctx, crudrt.ListRequest{})),
		"BatchGet": errOf2(svc.BatchGet(ctx, []any{id})),
	} {
		if connect.CodeOf(err) != connect.CodeInternal {
			t.Errorf("%s of a row holding an undeclared enum name: %v; want Internal", method, err)
		}
	}
}

func errOf3[A, B any](_ A, _ B, err error) error { return err }

// TestContextEnd: a request whose context has ended is Canceled or
// DeadlineExceeded, whatever the driver made of it.
func TestContextEnd(t *testing.T) {
	l := newLibrary(t, testdb.SQLite)
	b := l.addBook(t, &libraryv1.Book{Title: "t"})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), 0)
	defer cancel2()
	for ctx, want := range map[context.Context]connect.Code{canceled: connect.CodeCanceled, expired: connect.CodeDeadlineExceeded} {
		for method, err := range map[string]error{
			"Get":         errOf2(l.books.Get(ctx, b.Id)),
			"List":        errOf3(l.books.List(ctx, crudrt.ListRequest{})),
			"Create":      errOf2(l.books.Create(ctx, &libraryv1.Book{Title: "x", AuthorId: l.author})),
			"Update":      errOf2(l.books.Update(ctx, &libraryv1.Book{Id: b.Id, Title: "x"}, nil)),
			"Delete":      errOf2(l.books.Delete(ctx, b.Id, "")),
			"BatchGet":    errOf2(l.books.BatchGet(ctx, []any{b.Id})),
			"BatchDelete": l.books.BatchDelete(ctx, []any{b.Id}),
		} {
			if got := connect.CodeOf(err); got != want {
				t.Errorf("%s: %v; want %v", method, err, want)
			}
		}
	}
	if got := l.getBook(t, b.Id); !proto.Equal(got, b) {
		t.Errorf("requests of ended contexts changed the book: %v", got)
	}
}
