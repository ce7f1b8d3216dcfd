package crudrt

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"sync"
	"syscall"

	"github.com/protoforge/protoforge/ormrt"
)

// DBErrorKind is what a database error means to a client. The errors of
// SQLite, of the network and of database/sql are read here; those of the
// PostgreSQL and MySQL drivers by the classifiers that the packages
// crudrt/postgres and crudrt/mysql register (see RegisterErrorClassifier).
type DBErrorKind int

// The kinds of database errors and the codes clients see.
const (
	// DBErrorUnknown is any other error: Internal, with a generic message,
	// the cause logged and never sent.
	DBErrorUnknown DBErrorKind = iota
	// DBErrorUnique is a unique violation: AlreadyExists.
	DBErrorUnique
	// DBErrorForeignKey is a foreign key violation: FailedPrecondition.
	DBErrorForeignKey
	// DBErrorCheck is a value the schema refuses (a CHECK, NOT NULL, a
	// value too long or out of range): InvalidArgument.
	DBErrorCheck
	// DBErrorBusy is SQLite's locked database: Unavailable.
	DBErrorBusy
	// DBErrorUnavailable is a lost or refused connection, or a server
	// shutting down, starting or out of connections: Unavailable, logged.
	DBErrorUnavailable
	// DBErrorConflict is a deadlock, serialization failure or lock
	// timeout that rolled the transaction back: Aborted.
	DBErrorConflict
	// DBErrorTimeout is a statement timeout of the server: DeadlineExceeded.
	DBErrorTimeout
	// DBErrorUnstorable is a value sought that no row can hold, as the
	// database cannot store it (PostgreSQL's NUL character, 22021):
	// NotFound. Writes refuse such values before the database (see
	// ormrt.CheckModel).
	DBErrorUnstorable
	// DBErrorTooLarge is a statement larger than the database takes
	// (MySQL's max_allowed_packet): InvalidArgument. Writes refuse a value
	// that large before the database (see ormrt.CheckModel).
	DBErrorTooLarge
)

// ErrorClassifier reads the errors of one database driver, wherever they
// sit in err's chain, and returns DBErrorUnknown for errors it does not
// know.
type ErrorClassifier func(err error) DBErrorKind

// classifier is one registered ErrorClassifier and the dialect it serves.
type classifier struct {
	dialect  ormrt.Dialect
	classify ErrorClassifier
}

var classifiers struct {
	mu   sync.RWMutex
	list []classifier
}

// RegisterErrorClassifier adds c, which reads the errors of a driver of
// dialect d, to the classifiers every Service consults, in the order of
// registration and before the rules that need no driver. The packages
// crudrt/postgres (pgx) and crudrt/mysql (go-sql-driver/mysql) call it
// from their init: a program imports those of the databases it opens,
//
//	import _ "github.com/protoforge/protoforge/crudrt/postgres"
//
// so that a program on SQLite alone links neither driver. Without a
// classifier, a driver's errors are still safe: those that carry a
// SQLSTATE through a `SQLState() string` method (pgx, lib/pq) are read by
// SQLStateKind, the others are Internal, logged with the import to add,
// and never shown to the client.
func RegisterErrorClassifier(d ormrt.Dialect, c ErrorClassifier) {
	if c == nil {
		panic("crudrt: RegisterErrorClassifier with a nil classifier")
	}
	classifiers.mu.Lock()
	defer classifiers.mu.Unlock()
	classifiers.list = append(classifiers.list, classifier{d, c})
}

// registered reports whether a classifier serves dialect d.
func registered(d ormrt.Dialect) bool {
	classifiers.mu.RLock()
	defer classifiers.mu.RUnlock()
	for _, c := range classifiers.list {
		if c.dialect == d {
			return true
		}
	}
	return false
}

// drivers are the driver packages whose errors need a registered
// classifier: the package path of an error type, its dialect, and the
// package that registers the classifier.
var drivers = []struct {
	pkg      string
	dialect  ormrt.Dialect
	register string
}{
	{"github.com/jackc/pgx/v5/pgconn", ormrt.Postgres, "github.com/protoforge/protoforge/crudrt/postgres"},
	{"github.com/go-sql-driver/mysql", ormrt.MySQL, "github.com/protoforge/protoforge/crudrt/mysql"},
}

// CheckErrorClassifier returns an error naming the package to import when
// no classifier of dialect d's driver errors is registered, and nil when
// one is, or when d needs none (SQLite). A server can call it once its
// database is open, to refuse to start rather than answer Internal where
// a client should see AlreadyExists or Unavailable.
func CheckErrorClassifier(d ormrt.Dialect) error {
	for _, drv := range drivers {
		if drv.dialect == d && !registered(d) {
			return fmt.Errorf("crudrt: no classifier of %s errors is registered: import _ %q", d, drv.register)
		}
	}
	return nil
}

// missingClassifier returns the import that would classify err, when err
// holds an error of a known driver whose classifier is not registered.
func missingClassifier(err error) string {
	var hint string
	walk(err, func(e error) bool {
		t := reflect.TypeOf(e)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		for _, drv := range drivers {
			if t.PkgPath() == drv.pkg && !registered(drv.dialect) {
				hint = drv.register
				return false
			}
		}
		return true
	})
	return hint
}

// walk calls fn on err and on every error it wraps, depth first, until fn
// returns false.
func walk(err error, fn func(error) bool) bool {
	if err == nil {
		return true
	}
	if !fn(err) {
		return false
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return walk(u.Unwrap(), fn)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if !walk(e, fn) {
				return false
			}
		}
	}
	return true
}

// classify reads err with the registered classifiers, then with the rules
// that need no driver: SQLSTATEs, connection errors, SQLite's messages. An
// error whose reading panics (a classifier's bug, an Error method of a
// zero value) is DBErrorUnknown: Internal, never a crash of the request.
func classify(err error) (kind DBErrorKind) {
	if errors.Is(err, errRowMoved) {
		return DBErrorConflict
	}
	defer func() {
		if recover() != nil {
			kind = DBErrorUnknown
		}
	}()
	classifiers.mu.RLock()
	list := classifiers.list
	classifiers.mu.RUnlock()
	for _, c := range list {
		if k := c.classify(err); k != DBErrorUnknown {
			return k
		}
	}
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		msg := ""
		if e, ok := state.(error); ok {
			msg = e.Error()
		}
		if k := SQLStateKind(state.SQLState(), msg); k != DBErrorUnknown {
			return k
		}
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return DBErrorUnavailable
	}
	// SQLite (glebarez/go-sqlite) reports extended result codes in the
	// message; drivers' connection errors are sometimes only text
	// ("invalid connection" of the MySQL driver, "conn closed" of pgx).
	msg := err.Error()
	switch {
	case strings.Contains(msg, "UNIQUE constraint failed"), strings.Contains(msg, "(2067)"), strings.Contains(msg, "(1555)"):
		return DBErrorUnique
	case strings.Contains(msg, "FOREIGN KEY constraint failed"), strings.Contains(msg, "(787)"):
		return DBErrorForeignKey
	case strings.Contains(msg, "CHECK constraint failed"), strings.Contains(msg, "NOT NULL constraint failed"):
		return DBErrorCheck
	case strings.Contains(msg, "SQLITE_BUSY"), strings.Contains(msg, "database is locked"):
		return DBErrorBusy
	case strings.Contains(msg, "bad connection"), strings.Contains(msg, "invalid connection"),
		strings.Contains(msg, "connection refused"), strings.Contains(msg, "connection reset"),
		strings.Contains(msg, "broken pipe"), strings.Contains(msg, "conn closed"):
		return DBErrorUnavailable
	}
	return DBErrorUnknown
}

// SQLStateKind classifies PostgreSQL's SQLSTATEs; message, the server's
// text, tells a statement timeout from a cancelled statement (57014).
func SQLStateKind(sqlstate, message string) DBErrorKind {
	switch sqlstate {
	case "23505":
		return DBErrorUnique
	case "23503":
		return DBErrorForeignKey
	case "23514", "22001", "23502":
		return DBErrorCheck
	case "22021": // character_not_in_repertoire: a NUL in a text argument
		return DBErrorUnstorable
	case "40001", "40P01", "55P03": // serialization failure, deadlock, lock not available
		return DBErrorConflict
	case "57P01", "57P02", "57P03", "53300": // admin or crash shutdown, starting up, too many connections
		return DBErrorUnavailable
	case "0A000": // feature_not_supported
		if strings.Contains(message, "cached plan must not change result type") {
			// A statement the connection prepared before a migration
			// changed the table's columns (a rolling upgrade): the
			// driver prepares it anew, and the call can run again.
			return DBErrorConflict
		}
	case "57014": // query_canceled: by statement_timeout, or by an operator
		if strings.Contains(message, "statement timeout") {
			return DBErrorTimeout
		}
		return DBErrorConflict
	}
	if strings.HasPrefix(sqlstate, "08") { // connection exceptions
		return DBErrorUnavailable
	}
	return DBErrorUnknown
}
