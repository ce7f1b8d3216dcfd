// Package postgres classifies the errors of PostgreSQL's pgx driver
// (github.com/jackc/pgx/v5, which gorm.io/driver/postgres uses) for
// crudrt, so that clients see AlreadyExists, FailedPrecondition,
// Unavailable, Aborted or DeadlineExceeded rather than Internal. Importing
// it registers the classifier:
//
//	import _ "github.com/protoforge/protoforge/crudrt/postgres"
//
// Import it in every program that serves crudrt services on PostgreSQL.
// It is a package of its own so that programs on other databases do not
// link pgx. Without it, errors that carry a SQLSTATE are still read
// (crudrt.SQLStateKind), but pgx's connection errors may be Internal, and
// crudrt.CheckErrorClassifier(ormrt.Postgres) reports the missing import.
package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/ormrt"
)

func init() { crudrt.RegisterErrorClassifier(ormrt.Postgres, Classify) }

// Classify reads pgx's errors in err's chain: the server's SQLSTATE, a
// connection that could not be made or was closed.
func Classify(err error) crudrt.DBErrorKind {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return crudrt.SQLStateKind(pg.Code, pg.Message)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.Is(err, pgconn.ErrConnClosed) {
		return crudrt.DBErrorUnavailable
	}
	return crudrt.DBErrorUnknown
}
