package crudrt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"connectrpc.com/connect"
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
// a value the database refuses InvalidArgument; the end of the caller's
// context is Canceled or DeadlineExceeded, whatever the driver made of it;
// a lost or refused connection, a restarting or overloaded server
// Unavailable; a deadlock or serialization failure Aborted (safe to retry:
// the transaction was rolled back). Anything else is Internal with a
// generic message, the cause logged here and never sent; when the cause is
// an error of a driver whose classifier is not registered, the log says
// which package to import.
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
	var u *unreadable
	if errors.As(err, &u) {
		log.ErrorContext(ctx, "crud: stored row unreadable", "resource", resource, "error", err)
		return Errorf(connect.CodeInternal, "internal error")
	}
	var fe *ormrt.FieldError
	if errors.As(err, &fe) {
		return InvalidArgument("", FieldViolation{Field: fieldPath(prefix, fe.Field), Description: fe.Err.Error()})
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Errorf(connect.CodeNotFound, "%s not found", resource)
	}
	if e := contextError(ctx, err); e != nil {
		return e
	}
	switch k := classify(err); k {
	case DBErrorUnique:
		return Errorf(connect.CodeAlreadyExists, "%s already exists (a unique value is taken)", resource)
	case DBErrorForeignKey:
		return Errorf(connect.CodeFailedPrecondition, "%s refers to a row that does not exist, or is referred to by other rows", resource)
	case DBErrorCheck:
		return InvalidArgument(fmt.Sprintf("%s violates a constraint of the schema", resource))
	case DBErrorBusy:
		return Errorf(connect.CodeUnavailable, "the database is busy; retry")
	case DBErrorUnavailable:
		log.WarnContext(ctx, "crud: database unavailable", "resource", resource, "error", err)
		return Errorf(connect.CodeUnavailable, "the database is unavailable; retry")
	case DBErrorConflict:
		return Errorf(connect.CodeAborted, "the transaction conflicted with another and was rolled back; retry")
	case DBErrorTimeout:
		return Errorf(connect.CodeDeadlineExceeded, "the statement took longer than the database allows")
	}
	if imp := missingClassifier(err); imp != "" {
		log.ErrorContext(ctx, "crud: database error", "resource", resource, "error", err,
			"hint", fmt.Sprintf("errors of this driver are not classified: import _ %q", imp))
	} else {
		log.ErrorContext(ctx, "crud: database error", "resource", resource, "error", err)
	}
	return Errorf(connect.CodeInternal, "internal error")
}

// contextError maps the end of the caller's context to Canceled or
// DeadlineExceeded. Drivers rarely return the context's error as is: pgx
// wraps it ("timeout: context deadline exceeded") or reports the statement
// it cancelled (57014), and the MySQL driver closes the connection and
// answers "invalid connection". When ctx is done, that is the cause.
func contextError(ctx context.Context, err error) *Error {
	cause := err
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
	case ctx != nil && ctx.Err() != nil:
		cause = ctx.Err()
	default:
		return nil
	}
	if errors.Is(cause, context.DeadlineExceeded) {
		return Errorf(connect.CodeDeadlineExceeded, "deadline exceeded")
	}
	return Errorf(connect.CodeCanceled, "request canceled")
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
