package crudrt

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"

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
// a value the database refuses InvalidArgument; the end of the caller's
// context is Canceled or DeadlineExceeded, whatever the driver made of it;
// a lost or refused connection, a restarting or overloaded server
// Unavailable; a deadlock or serialization failure Aborted (safe to retry:
// the transaction was rolled back). Anything else is Internal with a
// generic message, the cause logged here and never sent.
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
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Errorf(connect.CodeNotFound, "%s not found", resource)
	}
	if e := contextError(ctx, err); e != nil {
		return e
	}
	switch k := classify(err); k {
	case kindUnique:
		return Errorf(connect.CodeAlreadyExists, "%s already exists (a unique value is taken)", resource)
	case kindForeign:
		return Errorf(connect.CodeFailedPrecondition, "%s refers to a row that does not exist, or is referred to by other rows", resource)
	case kindCheck:
		return InvalidArgument(fmt.Sprintf("%s violates a constraint of the schema", resource))
	case kindBusy:
		return Errorf(connect.CodeUnavailable, "the database is busy; retry")
	case kindUnavailable:
		log.WarnContext(ctx, "crud: database unavailable", "resource", resource, "error", err)
		return Errorf(connect.CodeUnavailable, "the database is unavailable; retry")
	case kindConflict:
		return Errorf(connect.CodeAborted, "the transaction conflicted with another and was rolled back; retry")
	case kindTimeout:
		return Errorf(connect.CodeDeadlineExceeded, "the statement took longer than the database allows")
	}
	log.ErrorContext(ctx, "crud: database error", "resource", resource, "error", err)
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

// errorKind is what a driver error means to a client.
type errorKind int

const (
	kindOther errorKind = iota
	// kindUnique, kindForeign and kindCheck are constraint violations.
	kindUnique
	kindForeign
	kindCheck
	// kindBusy is SQLite's locked database.
	kindBusy
	// kindUnavailable: the connection was lost or refused, or the server
	// is shutting down, starting or out of connections.
	kindUnavailable
	// kindConflict: a deadlock, serialization failure or lock timeout
	// rolled the transaction back.
	kindConflict
	// kindTimeout: a statement timeout of the server.
	kindTimeout
)

// classify reads the errors of the three drivers and of the network.
func classify(err error) errorKind {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pgKind(pg)
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		return mysqlKind(my.Number)
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return kindUnavailable
	}
	// SQLite (glebarez/go-sqlite) reports extended result codes in the
	// message; other drivers' connection errors are sometimes only text.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "UNIQUE constraint failed"), strings.Contains(msg, "(2067)"), strings.Contains(msg, "(1555)"):
		return kindUnique
	case strings.Contains(msg, "FOREIGN KEY constraint failed"), strings.Contains(msg, "(787)"):
		return kindForeign
	case strings.Contains(msg, "CHECK constraint failed"), strings.Contains(msg, "NOT NULL constraint failed"):
		return kindCheck
	case strings.Contains(msg, "SQLITE_BUSY"), strings.Contains(msg, "database is locked"):
		return kindBusy
	case strings.Contains(msg, "bad connection"), strings.Contains(msg, "invalid connection"),
		strings.Contains(msg, "connection refused"), strings.Contains(msg, "connection reset"),
		strings.Contains(msg, "broken pipe"), strings.Contains(msg, "conn closed"):
		return kindUnavailable
	}
	return kindOther
}

// pgKind classifies PostgreSQL's SQLSTATEs.
func pgKind(pg *pgconn.PgError) errorKind {
	switch pg.Code {
	case "23505":
		return kindUnique
	case "23503":
		return kindForeign
	case "23514", "22001", "23502":
		return kindCheck
	case "40001", "40P01", "55P03": // serialization failure, deadlock, lock not available
		return kindConflict
	case "57P01", "57P02", "57P03", "53300": // admin or crash shutdown, starting up, too many connections
		return kindUnavailable
	case "57014": // query_canceled: by statement_timeout, or by an operator
		if strings.Contains(pg.Message, "statement timeout") {
			return kindTimeout
		}
		return kindConflict
	}
	if strings.HasPrefix(pg.Code, "08") { // connection exceptions
		return kindUnavailable
	}
	return kindOther
}

// mysqlKind classifies MySQL and MariaDB error numbers.
func mysqlKind(n uint16) errorKind {
	switch n {
	case 1062, 1586:
		return kindUnique
	case 1451, 1452, 1216, 1217:
		return kindForeign
	case 3819, 4025, 1406, 1048, 1264:
		return kindCheck
	case 1213, 1205, 1317: // deadlock, lock wait timeout, statement killed
		return kindConflict
	case 1927, 1053, 1040, 1290, 1836: // connection killed, shutdown, too many connections, read-only
		return kindUnavailable
	case 3024, 1969: // max_execution_time (MySQL), max_statement_time (MariaDB)
		return kindTimeout
	}
	return kindOther
}
