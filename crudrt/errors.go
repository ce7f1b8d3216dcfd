package crudrt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

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
// the client and details: always a google.rpc.ErrorInfo (AIP-193: a
// machine-readable reason, the domain ErrorDomain and the message's
// variables), and the BadRequest of an InvalidArgument. It is understood
// by connect-go (it unwraps to *connect.Error) and by grpc-go
// (GRPCStatus), so the same service value serves both.
type Error struct {
	ce      *connect.Error
	info    *errdetails.ErrorInfo
	details []protoadapt.MessageV1
	once    sync.Once
}

// ErrorDomain is the ErrorInfo domain of the errors of generated
// services: the infrastructure that produces them (AIP-193), whatever the
// API, so that clients can tell its reasons from their own.
const ErrorDomain = "crudrt.protoforge.github.com"

func (e *Error) Error() string { return e.ce.Error() }

// Unwrap gives connect-go its *connect.Error, with the details.
func (e *Error) Unwrap() error {
	e.attach()
	return e.ce
}

// attach adds the ErrorInfo to the connect error once, first among its
// details.
func (e *Error) attach() {
	e.once.Do(func() {
		ce := connect.NewError(e.ce.Code(), errors.New(e.ce.Message()))
		for _, d := range e.allDetails() {
			if cd, err := connect.NewErrorDetail(protoadapt.MessageV2Of(d)); err == nil {
				ce.AddDetail(cd)
			}
		}
		e.ce = ce
	})
}

func (e *Error) allDetails() []protoadapt.MessageV1 {
	return append([]protoadapt.MessageV1{protoadapt.MessageV1Of(e.info)}, e.details...)
}

// Code is the status code.
func (e *Error) Code() connect.Code { return e.ce.Code() }

// Reason is the ErrorInfo reason (UPPER_SNAKE_CASE).
func (e *Error) Reason() string { return e.info.GetReason() }

// GRPCStatus gives grpc-go the status with its details.
func (e *Error) GRPCStatus() *status.Status {
	st := status.New(codes.Code(e.ce.Code()), e.ce.Message())
	if withDetails, err := st.WithDetails(e.allDetails()...); err == nil {
		return withDetails
	}
	return st
}

// WithReason sets the ErrorInfo reason (UPPER_SNAKE_CASE, one cause) and
// adds metadata: the variables of the message, keys in lowerCamelCase.
func (e *Error) WithReason(reason string, metadata ...string) *Error {
	e.info.Reason = reason
	for i := 0; i+1 < len(metadata); i += 2 {
		if e.info.Metadata == nil {
			e.info.Metadata = map[string]string{}
		}
		e.info.Metadata[metadata[i]] = capText(metadata[i+1])
	}
	return e
}

// newError is an Error whose reason is the code's name until WithReason
// names the cause.
func newError(code connect.Code, msg string) *Error {
	return &Error{
		ce:   connect.NewError(code, errors.New(capText(msg))),
		info: codeInfo(code),
	}
}

// Errorf builds an Error with a code and a message for the client.
func Errorf(code connect.Code, format string, args ...any) *Error {
	return newError(code, fmt.Sprintf(format, args...))
}

// maxErrorText bounds each text of an error (its message, a field's path
// and description, a metadata value), which may quote what the client
// sent: an answer that repeats a value of megabytes would be megabytes,
// in headers where gRPC-Web and gRPC put a status sent before any message.
const maxErrorText = 1024

// capText is s cut to maxErrorText bytes, on a character's boundary,
// saying how long it was.
func capText(s string) string {
	if len(s) <= maxErrorText {
		return s
	}
	cut := maxErrorText - 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes in all)", s[:cut], len(s))
}

// fieldList joins fields with commas for an ErrorInfo's metadata, as
// many whole paths as maxErrorText holds, then how many more there are.
func fieldList(fields []string) string {
	// A field with several violations is named once.
	seen := make(map[string]bool, len(fields))
	fields = slices.DeleteFunc(slices.Clone(fields), func(f string) bool {
		dup := seen[f]
		seen[f] = true
		return dup
	})
	var b strings.Builder
	for i, f := range fields {
		if i > 0 && b.Len()+1+len(f) > maxErrorText-32 {
			fmt.Fprintf(&b, ",… (%d more)", len(fields)-i)
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f)
	}
	return b.String()
}

// referenceMissing is FailedPrecondition (a foreign key's violation, as
// DESIGN fixes it) naming the fields of the request whose values name no
// row: the message, a google.rpc.PreconditionFailure with one REFERENCE
// violation per field (subject: the field's path) and the ErrorInfo's
// metadata.
func referenceMissing(resource string, vs []FieldViolation) *Error {
	pf := &errdetails.PreconditionFailure{}
	parts := make([]string, len(vs))
	fields := make([]string, len(vs))
	for i, v := range vs {
		pf.Violations = append(pf.Violations, &errdetails.PreconditionFailure_Violation{Type: "REFERENCE", Subject: v.Field, Description: v.Description})
		parts[i], fields[i] = v.Field+": "+v.Description, v.Field
	}
	e := Errorf(connect.CodeFailedPrecondition, "%s", strings.Join(parts, "; ")).WithReason("REFERENCE_VIOLATION", "resource", resource, "fields", fieldList(fields))
	e.details = append(e.details, protoadapt.MessageV1Of(pf))
	return e
}

// resourceNotFound is NotFound naming the resource a request named
// (AIP-193): its type and name in the message, in the ErrorInfo's
// metadata and in a google.rpc.ResourceInfo.
func resourceNotFound(resource, name string) *Error {
	msg := fmt.Sprintf("%s %q not found", resource, name)
	if len(name) > maxNameInMessage {
		// Said once, in the details: gRPC over HTTP/1.1 sends the status
		// in trailers, which clients bound (Go's to 4 KiB), and the
		// message there is percent-encoded.
		msg = fmt.Sprintf("%s not found (its name, of %d bytes, is in the details)", resource, len(name))
	}
	e := Errorf(connect.CodeNotFound, "%s", msg).WithReason("RESOURCE_NOT_FOUND", "resource", resource, "name", name)
	e.details = append(e.details, protoadapt.MessageV1Of(&errdetails.ResourceInfo{ResourceType: resource, ResourceName: capText(name), Description: "not found"}))
	return e
}

// maxNameInMessage is the longest resource name a NotFound's message
// repeats.
const maxNameInMessage = 256

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
	var parts, fields []string
	for _, v := range violations {
		field, desc := capText(v.Field), capText(v.Description)
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: field, Description: desc})
		parts = append(parts, field+": "+desc)
		fields = append(fields, field)
	}
	if msg == "" {
		msg = "invalid request: " + strings.Join(parts, "; ")
	}
	e := newError(connect.CodeInvalidArgument, msg)
	if len(violations) > 0 {
		e.details = append(e.details, protoadapt.MessageV1Of(br))
		e.WithReason("FIELD_VIOLATION", "fields", fieldList(fields))
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
		return Errorf(connect.CodeNotFound, "%s not found", resource).WithReason("RESOURCE_NOT_FOUND", "resource", resource)
	}
	if e := contextError(ctx, err); e != nil {
		return e
	}
	switch k := classify(err); k {
	case DBErrorUnique:
		return Errorf(connect.CodeAlreadyExists, "%s already exists (a unique value is taken)", resource).WithReason("RESOURCE_ALREADY_EXISTS", "resource", resource)
	case DBErrorForeignKey:
		return Errorf(connect.CodeFailedPrecondition, "%s refers to a row that does not exist, or is referred to by other rows", resource).WithReason("REFERENCE_VIOLATION", "resource", resource)
	case DBErrorCheck:
		return InvalidArgument(fmt.Sprintf("%s violates a constraint of the schema", resource)).WithReason("SCHEMA_CONSTRAINT", "resource", resource)
	case DBErrorBusy:
		return Errorf(connect.CodeUnavailable, "the database is busy; retry").WithReason("DATABASE_BUSY")
	case DBErrorUnavailable:
		log.WarnContext(ctx, "crud: database unavailable", "resource", resource, "error", err)
		return Errorf(connect.CodeUnavailable, "the database is unavailable; retry").WithReason("DATABASE_UNAVAILABLE")
	case DBErrorConflict:
		return Errorf(connect.CodeAborted, "the transaction conflicted with another (a deadlock, a serialization failure, or a lock held longer than the database waits) and was rolled back; retry").WithReason("TRANSACTION_CONFLICT")
	case DBErrorTimeout:
		return Errorf(connect.CodeDeadlineExceeded, "the statement took longer than the database allows").WithReason("STATEMENT_TIMEOUT")
	case DBErrorTooLarge:
		return InvalidArgument(fmt.Sprintf("%s: the values of the request are larger than the database takes in one statement", resource)).WithReason("STATEMENT_TOO_LARGE", "resource", resource)
	case DBErrorUnstorable:
		return Errorf(connect.CodeNotFound, "%s not found", resource).WithReason("RESOURCE_NOT_FOUND", "resource", resource)
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
	case ctx != nil && ctx.Err() != nil:
		// The caller's end decides: a statement may have been cancelled
		// through a context of the runtime's own (see commitOnce).
		cause = ctx.Err()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
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
