package crudrt

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/protoforge/protoforge/ormrt"
)

// A RowReader runs a query that is not part of a transaction on db the
// driver's own way, past database/sql's generic row handling, and scans
// each row into the destinations dest returns for it. query uses ?
// placeholders, as crudrt writes them. A reader that cannot serve db (a
// driver other than the one it knows) returns ErrNoRowReader, and crudrt
// reads through database/sql instead.
type RowReader func(ctx context.Context, db *sql.DB, query string, args []any, dest func() []any) error

// ErrNoRowReader is what a RowReader returns for a pool it cannot read.
var ErrNoRowReader = errors.New("crudrt: no row reader for this driver")

var rowReaders sync.Map // ormrt.Dialect → RowReader

// RegisterRowReader makes r read the rows of services on databases of
// dialect d outside transactions (Get, List, BatchGet and the reads of
// writes that need no transaction). Package crudrt/postgres registers
// pgx's.
func RegisterRowReader(d ormrt.Dialect, r RowReader) { rowReaders.Store(d, r) }
