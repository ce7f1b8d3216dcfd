package crudrt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"connectrpc.com/connect"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt/query"
	"github.com/protoforge/protoforge/ormrt"
)

// Error is the error every method returns: a status code, a message for
// the client and optional details. It is understood by connect-go (it
// unwraps to *connect.Error) and by grpc-go (GRPCStatus), so the same
// service value serves both.
type Error struct {
	ce      *connect.Error
	details []protoadapt.MessageV1
}

func (e *Error) Error() string { return e.ce.Error() }

// Unwrap gives connect-go its *connect.Error.
func (e *Error) Unwrap() error { return e.ce }

// Code is the status code.
func (e *Error) Code() connect.Code { return e.ce.Code() }

// GRPCStatus gives grpc-go the status with its details.
func (e *Error) GRPCStatus() *status.Status {
	st := status.New(codes.Code(e.ce.Code()), e.ce.Message())
	if len(e.details) > 0 {
		if withDetails, err := st.WithDetails(e.details...); err == nil {
			return withDetails
		}
	}
	return st
}

// Errorf builds an Error with a code and a message for the client.
func Errorf(code connect.Code, format string, args ...any) *Error {
	return &Error{ce: connect.NewError(code, fmt.Errorf(format, args...))}
}

// FieldViolation is one invalid field of a request.
type FieldViolation struct {
	// Field is the field path, e.g. "book.title".
	Field       string
	Description string
}

// InvalidArgument builds an InvalidArgument error carrying a
// google.rpc.BadRequest that lists every violation.
func InvalidArgument(msg string, violations ...FieldViolation) *Error {
	br := &errdetails.BadRequest{}
	var parts []string
	for _, v := range violations {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
		parts = append(parts, v.Field+": "+v.Description)
	}
	if msg == "" {
		msg = "invalid request: " + strings.Join(parts, "; ")
	}
	e := &Error{ce: connect.NewError(connect.CodeInvalidArgument, errors.New(msg))}
	if len(violations) > 0 {
		if d, err := connect.NewErrorDetail(br); err == nil {
			e.ce.AddDetail(d)
		}
		e.details = append(e.details, protoadapt.MessageV1Of(br))
	}
	return e
}

// dbError maps a database error to a status: unique violations are
// AlreadyExists, foreign keys FailedPrecondition, a missing row NotFound,
// context ends Canceled/DeadlineExceeded, a value the database refuses
// InvalidArgument; anything else is Internal with a generic message, the
// cause logged here and never sent.
func dbError(ctx context.Context, log *slog.Logger, resource string, prefix string, err error) error {
	if err == nil {
		return nil
	}
	var own *Error
	if errors.As(err, &own) {
		return own
	}
	var qe *query.Error
	if errors.As(err, &qe) {
		return InvalidArgument("", FieldViolation{Field: qe.Field, Description: qe.Msg})
	}
	var fe *ormrt.FieldError
	if errors.As(err, &fe) {
		return InvalidArgument("", FieldViolation{Field: fieldPath(prefix, fe.Field), Description: fe.Err.Error()})
	}
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return Errorf(connect.CodeNotFound, "%s not found", resource)
	case errors.Is(err, context.Canceled):
		return Errorf(connect.CodeCanceled, "request canceled")
	case errors.Is(err, context.DeadlineExceeded):
		return Errorf(connect.CodeDeadlineExceeded, "deadline exceeded")
	}
	switch constraintKind(err) {
	case "unique":
		return Errorf(connect.CodeAlreadyExists, "%s already exists (a unique value is taken)", resource)
	case "foreign":
		return Errorf(connect.CodeFailedPrecondition, "%s refers to a row that does not exist, or is referred to by other rows", resource)
	case "check":
		return InvalidArgument(fmt.Sprintf("%s violates a constraint of the schema", resource))
	case "busy":
		return Errorf(connect.CodeUnavailable, "the database is busy; retry")
	}
	log.ErrorContext(ctx, "crud: database error", "resource", resource, "error", err)
	return Errorf(connect.CodeInternal, "internal error")
}

// fieldPath turns a proto full field name ("library.v1.Book.title") into a
// request path under prefix ("book.title").
func fieldPath(prefix, full string) string {
	name := full[strings.LastIndex(full, ".")+1:]
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// constraintKind classifies constraint violations of the three drivers:
// "unique", "foreign", "check", or "".
func constraintKind(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505":
			return "unique"
		case "23503":
			return "foreign"
		case "23514", "22001", "23502":
			return "check"
		}
		return ""
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		switch my.Number {
		case 1062, 1586:
			return "unique"
		case 1451, 1452, 1216, 1217:
			return "foreign"
		case 3819, 4025, 1406, 1048, 1264:
			return "check"
		}
		return ""
	}
	// SQLite (glebarez/go-sqlite) reports extended result codes in the
	// message.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "UNIQUE constraint failed"), strings.Contains(msg, "(2067)"), strings.Contains(msg, "(1555)"):
		return "unique"
	case strings.Contains(msg, "FOREIGN KEY constraint failed"), strings.Contains(msg, "(787)"):
		return "foreign"
	case strings.Contains(msg, "CHECK constraint failed"), strings.Contains(msg, "NOT NULL constraint failed"):
		return "check"
	case strings.Contains(msg, "SQLITE_BUSY"), strings.Contains(msg, "database is locked"):
		return "busy"
	}
	return ""
}
