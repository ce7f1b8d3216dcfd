package crudrt_test

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"

	"connectrpc.com/connect"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	_ "github.com/protoforge/protoforge/crudrt/mysql"
	_ "github.com/protoforge/protoforge/crudrt/postgres"
)

// dbErrorCase is an error a driver really returns, wrapped as GORM and
// database/sql wrap it, and the code clients see.
type dbErrorCase struct {
	name string
	ctx  context.Context
	err  error
	want connect.Code
}

func dbErrorCases() []dbErrorCase {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), 0)
	defer cancel2()
	live := context.Background()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "connection refused", Addr: "127.0.0.1:1"}}
	pg := func(code, msg string) error {
		return fmt.Errorf("gorm: %w", &pgconn.PgError{Severity: "FATAL", Code: code, Message: msg})
	}
	my := func(n uint16) error { return fmt.Errorf("tx: %w", &mysql.MySQLError{Number: n, Message: "x"}) }
	return []dbErrorCase{
		{"not found", live, gorm.ErrRecordNotFound, connect.CodeNotFound},
		{"context canceled", live, fmt.Errorf("query: %w", context.Canceled), connect.CodeCanceled},
		{"context deadline", live, fmt.Errorf("query: %w", context.DeadlineExceeded), connect.CodeDeadlineExceeded},
		// What the drivers return once the caller's context has ended.
		{"pgx cancelled statement, deadline", expired, pg("57014", "canceling statement due to user request"), connect.CodeDeadlineExceeded},
		{"pgx cancelled statement, canceled", canceled, pg("57014", "canceling statement due to user request"), connect.CodeCanceled},
		{"mysql invalid connection after cancel", canceled, mysql.ErrInvalidConn, connect.CodeCanceled},
		{"bad connection after deadline", expired, driver.ErrBadConn, connect.CodeDeadlineExceeded},
		// The server went away or refuses connections.
		{"pg admin shutdown", live, pg("57P01", "terminating connection due to administrator command"), connect.CodeUnavailable},
		{"pg crash shutdown", live, pg("57P02", "terminating connection because of crash of another server process"), connect.CodeUnavailable},
		{"pg starting up", live, pg("57P03", "the database system is starting up"), connect.CodeUnavailable},
		{"pg too many connections", live, pg("53300", "sorry, too many clients already"), connect.CodeUnavailable},
		{"pg connection failure", live, pg("08006", "connection failure"), connect.CodeUnavailable},
		{"pg connect error", live, fmt.Errorf("open: %w", &pgconn.ConnectError{}), connect.CodeUnavailable},
		{"pg conn closed", live, fmt.Errorf("exec: %w", pgconn.ErrConnClosed), connect.CodeUnavailable},
		{"dial refused", live, refused, connect.CodeUnavailable},
		{"connection reset", live, fmt.Errorf("read: %w", syscall.ECONNRESET), connect.CodeUnavailable},
		{"unexpected EOF", live, fmt.Errorf("read: %w", io.ErrUnexpectedEOF), connect.CodeUnavailable},
		{"bad connection", live, driver.ErrBadConn, connect.CodeUnavailable},
		{"mysql invalid connection", live, mysql.ErrInvalidConn, connect.CodeUnavailable},
		{"mysql connection killed", live, my(1927), connect.CodeUnavailable},
		{"mysql shutdown", live, my(1053), connect.CodeUnavailable},
		{"mysql too many connections", live, my(1040), connect.CodeUnavailable},
		{"driver text only", live, errors.New("driver: bad connection"), connect.CodeUnavailable},
		// Conflicts roll the transaction back: retry.
		{"pg serialization failure", live, pg("40001", "could not serialize access"), connect.CodeAborted},
		{"pg deadlock", live, pg("40P01", "deadlock detected"), connect.CodeAborted},
		{"pg plan prepared before a migration", live, pg("0A000", "cached plan must not change result type"), connect.CodeAborted},
		{"pg feature not supported", live, pg("0A000", "LOCK TABLE is not supported"), connect.CodeInternal},
		{"pg cancelled by an operator", live, pg("57014", "canceling statement due to user request"), connect.CodeAborted},
		{"pg statement timeout", live, pg("57014", "canceling statement due to statement timeout"), connect.CodeDeadlineExceeded},
		{"mysql deadlock", live, my(1213), connect.CodeAborted},
		{"mysql lock wait timeout", live, my(1205), connect.CodeAborted},
		{"mariadb max_statement_time", live, my(1969), connect.CodeDeadlineExceeded},
		// Constraints keep their codes.
		{"pg unique", live, pg("23505", "duplicate key"), connect.CodeAlreadyExists},
		{"pg foreign key", live, pg("23503", "violates foreign key"), connect.CodeFailedPrecondition},
		{"mysql unique", live, my(1062), connect.CodeAlreadyExists},
		{"sqlite busy", live, errors.New("database is locked (5) (SQLITE_BUSY)"), connect.CodeUnavailable},
		{"unknown", live, errors.New("syntax error at or near"), connect.CodeInternal},
		{"pg unknown", live, pg("42601", "syntax error"), connect.CodeInternal},
	}
}

// TestDBErrorCodes maps the errors the drivers really return to the codes
// clients see, with the classifiers of crudrt/postgres and crudrt/mysql
// registered.
func TestDBErrorCodes(t *testing.T) {
	for _, c := range dbErrorCases() {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			err := crudrt.DBError(c.ctx, log, "library.v1.Book", "book", c.err)
			if got := connect.CodeOf(err); got != c.want {
				t.Fatalf("code %v, want %v (error %v)", got, c.want, err)
			}
			// grpc-go sees the same code.
			if got := status.Code(err); got != codes.Code(c.want) {
				t.Fatalf("grpc code %v, want %v", got, c.want)
			}
			// The driver's text never reaches the client.
			if msg := err.Error(); strings.Contains(msg, c.err.Error()) && c.want != connect.CodeCanceled && c.want != connect.CodeDeadlineExceeded {
				t.Fatalf("client message %q shows the cause %q", msg, c.err)
			}
			if c.want == connect.CodeInternal && !strings.Contains(logs.String(), "level=ERROR msg=\"crud: database error\"") {
				t.Fatalf("internal error not logged: %q", logs.String())
			}
			if c.want == connect.CodeUnavailable && c.name != "sqlite busy" && !strings.Contains(logs.String(), "level=WARN msg=\"crud: database unavailable\"") {
				t.Fatalf("unavailable database not logged: %q", logs.String())
			}
		})
	}
}
