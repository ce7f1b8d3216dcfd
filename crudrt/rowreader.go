package crudrt

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"

	"gorm.io/gorm"

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

var rowReaders, rowWriters sync.Map // ormrt.Dialect → RowReader

// RegisterRowWriter makes w run the single-statement writes of services
// on databases of dialect d that return rows (Delete and Undelete of a
// soft-deleted resource as one UPDATE … RETURNING). A RowWriter is a
// RowReader that runs query in a transaction of its own, which it commits
// only once every row is read: a call whose caller gave up (a deadline, a
// cancellation) before then does not commit; a COMMIT once sent is not
// cancelled, so that a write applied is answered as one. Package
// crudrt/postgres registers pgx's.
func RegisterRowWriter(d ormrt.Dialect, w RowReader) { rowWriters.Store(d, w) }

// RegisterRowReader makes r read the rows of services on databases of
// dialect d outside transactions (Get, List, BatchGet and the reads of
// writes that need no transaction). Package crudrt/postgres registers
// pgx's.
func RegisterRowReader(d ormrt.Dialect, r RowReader) { rowReaders.Store(d, r) }

// GenericPlan reports whether the query a RowReader is given with ctx
// should be planned once for any values of its arguments (PostgreSQL's
// generic plan) rather than for the values at hand. crudrt asks for it
// where the plan cannot depend on the values and planning costs more than
// running: the page after a token in an order of mixed directions, one
// index range per term and no filter, which PostgreSQL's plan cache
// (plan_cache_mode auto) otherwise plans anew on every execution. A reader
// that cannot choose may ignore it.
func GenericPlan(ctx context.Context) bool {
	v, _ := ctx.Value(genericPlanKey{}).(bool)
	return v
}

type genericPlanKey struct{}

// withGenericPlan is ctx asking readers for a generic plan.
func withGenericPlan(ctx context.Context) context.Context {
	return context.WithValue(ctx, genericPlanKey{}, true)
}

// ClientFilter reports whether the query a RowReader is given with ctx
// holds a client's filter (AIP-160). The planner may estimate such a query
// far dearer than it is (a condition through a list or map stored as JSON
// is a subquery per row, estimated at a hundred elements each), and
// PostgreSQL then compiles it (JIT) before running it: for a filter of many
// such conditions, a second of CPU for a query that runs in a millisecond,
// at every call. A reader on PostgreSQL runs it with JIT off.
func ClientFilter(ctx context.Context) bool {
	v, _ := ctx.Value(clientFilterKey{}).(bool)
	return v
}

type clientFilterKey struct{}

// withClientFilter is ctx telling readers that their query holds a
// client's filter.
func withClientFilter(ctx context.Context) context.Context {
	return context.WithValue(ctx, clientFilterKey{}, true)
}

// A TxConn runs the statements of one transaction of a TxRunner, with ?
// placeholders as crudrt writes them.
type TxConn interface {
	// Query runs query and scans each row into the destinations dest
	// returns for it.
	Query(query string, args []any, dest func() []any) error
	// Exec runs a statement and returns the number of rows it changed.
	Exec(query string, args []any) (int64, error)
}

// A TxRunner runs fn in one transaction on one of db's connections the
// driver's own way: it may send BEGIN together with fn's first statement,
// commits when fn returns nil, after every row fn asked for was read, and
// rolls back otherwise, so that a call whose caller gave up never
// commits. One that cannot serve db returns ErrNoRowReader before running
// fn.
type TxRunner func(ctx context.Context, db *sql.DB, fn func(TxConn) error) error

var txRunners sync.Map // ormrt.Dialect → TxRunner

// RegisterTxRunner makes r run the transactions of Update on databases of
// dialect d, past database/sql and GORM. Package crudrt/postgres
// registers pgx's.
func RegisterTxRunner(d ormrt.Dialect, r TxRunner) { txRunners.Store(d, r) }

// txRunner returns the TxRunner for s's writes in ctx and the pool it
// runs on: none inside a transaction the caller opened, with
// WithGORMOnly, or for a dialect without one.
func (s *Service) txRunner(ctx context.Context) (TxRunner, *sql.DB, bool) {
	if s.opt.gormOnly || validateOnly(ctx) {
		return nil, nil, false
	}
	r, ok := txRunners.Load(s.dialect)
	if !ok {
		return nil, nil, false
	}
	pool, ok := s.db.WithContext(ctx).Statement.ConnPool.(*sql.DB)
	if !ok {
		return nil, nil, false
	}
	return r.(TxRunner), pool, true
}

// insertRow inserts m with one INSERT through the dialect's RowReader,
// outside transactions, where one is registered: the model's BeforeSave,
// then every column but a key the database assigns (read back with
// RETURNING). done is false where it does not apply, and GORM inserts.
func (s *Service) insertRow(ctx context.Context, tx *gorm.DB, m any) (done bool, err error) {
	r, ok := rowReaders.Load(s.dialect)
	if !ok || s.dialect != ormrt.Postgres || s.opt.gormOnly {
		return false, nil
	}
	pool, ok := tx.Statement.ConnPool.(*sql.DB)
	if !ok {
		return false, nil
	}
	if h, ok := m.(interface{ BeforeSave(*gorm.DB) error }); ok {
		if err := h.BeforeSave(tx); err != nil {
			return true, err
		}
	}
	args := make([]any, 0, len(s.dests))
	var key any
	base := modelBase(m)
	for i, c := range s.res.Columns {
		f := s.dests[i]
		if c.AutoIncrement {
			key = f.at(unsafe.Add(base, f.off))
			continue
		}
		a, err := f.arg(unsafe.Add(base, f.off))
		if err != nil {
			return true, err
		}
		args = append(args, a)
	}
	err = r.(RowReader)(ctx, pool, s.insertSQL, args, func() []any { return []any{key} })
	if errors.Is(err, ErrNoRowReader) {
		return false, nil
	}
	return true, err
}

// argOf is the argument a statement binds for the model field p points
// to (one of dest's destinations): a driver.Valuer's value, as
// database/sql would bind it, so that the driver encodes a plain value.
func argOf(p any) (any, error) {
	switch p := p.(type) {
	case *string:
		return *p, nil
	case *int64:
		return *p, nil
	case *int32:
		return *p, nil
	case *bool:
		return *p, nil
	case *float64:
		return *p, nil
	case *[]byte:
		return *p, nil
	case **time.Time:
		if *p == nil {
			return nil, nil
		}
		return **p, nil
	case driver.Valuer:
		return p.Value()
	}
	return reflect.ValueOf(p).Elem().Interface(), nil
}

// insertSQL is the INSERT of insertRow: every column but a key the
// database assigns, which RETURNING reads back.
func insertSQL(from string, cols []*column) string {
	var names []string
	returning := ""
	for _, c := range cols {
		if c.AutoIncrement {
			returning = " RETURNING " + c.quoted
			continue
		}
		names = append(names, c.quoted)
	}
	if len(names) == 0 {
		// Only the key the database assigns: PostgreSQL has no empty
		// column list.
		return "INSERT INTO " + from + " DEFAULT VALUES" + returning
	}
	return "INSERT INTO " + from + " (" + strings.Join(names, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + ")" + returning
}
