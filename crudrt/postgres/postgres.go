// Package postgres classifies the errors of PostgreSQL's pgx driver
// (github.com/jackc/pgx/v5, which gorm.io/driver/postgres uses) for
// crudrt, so that clients see AlreadyExists, FailedPrecondition,
// Unavailable, Aborted or DeadlineExceeded rather than Internal. Importing
// it registers the classifier:
//
//	import _ "github.com/protoforge/protoforge/crudrt/postgres"
//
// Import it in every program that serves crudrt services on PostgreSQL.
// It also registers Read, which reads rows outside transactions with pgx
// itself rather than through database/sql's generic rows, and Write and
// Tx. Open gives a GORM database on a pgx pool on which they take the
// pool's connections directly.
// It is a package of its own so that programs on other databases do not
// link pgx. Without it, errors that carry a SQLSTATE are still read
// (crudrt.SQLStateKind), but pgx's connection errors may be Internal, and
// crudrt.CheckErrorClassifier(ormrt.Postgres) reports the missing import.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	gormpostgres "gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/ormrt"
)

func init() {
	crudrt.RegisterErrorClassifier(ormrt.Postgres, Classify)
	crudrt.RegisterRowReader(ormrt.Postgres, Read)
	crudrt.RegisterRowWriter(ormrt.Postgres, Write)
	crudrt.RegisterTxRunner(ormrt.Postgres, Tx)
}

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

// Read is crudrt's RowReader for pools of pgx's database/sql driver
// (github.com/jackc/pgx/v5/stdlib, which gorm.io/driver/postgres opens):
// it runs the query on the pgx connection itself and scans with pgx, which
// costs less than database/sql's generic rows. Other drivers'
// connections are crudrt.ErrNoRowReader.
func Read(ctx context.Context, db *sql.DB, query string, args []any, dest func() []any) error {
	for _, a := range args {
		if isList(a) {
			// A list (IN ?), which gorm spells out: read through it.
			return crudrt.ErrNoRowReader
		}
	}
	return withConn(ctx, db, func(pc *pgx.Conn) error {
		switch {
		case crudrt.GenericPlan(ctx):
			return readGeneric(ctx, pc, query, args, dest)
		case crudrt.ClientFilter(ctx):
			return readAfter(ctx, pc, jitOff, query, args, dest)
		}
		// NUMERIC (uint64 columns) as text (see textNumeric).
		return scanAll(func() (pgx.Rows, error) {
			return pc.Query(ctx, Rebind(query), append([]any{textNumeric}, args...)...)
		}, dest)
	})
}

// readGeneric runs query with plan_cache_mode force_generic_plan: the
// setting is local to the implicit transaction of one pipeline (set_config
// and the statement, sent together), so it ends with the statement, error
// or not, and costs no round trip of its own. A prepared statement is planned
// once for any arguments rather than at every execution, which the plan
// cache does where it estimates the generic plan dearer than the plans for
// the values at hand, however little those gain (see crudrt.GenericPlan).
func readGeneric(ctx context.Context, pc *pgx.Conn, query string, args []any, dest func() []any) error {
	return readAfter(ctx, pc, forceGenericPlan, query, args, dest)
}

// readAfter sends the statement first and query together, in one
// pipeline, and scans query's rows into dest: one round trip for both.
// NUMERIC comes in binary: pgx's batches take no result formats.
func readAfter(ctx context.Context, pc *pgx.Conn, first, query string, args []any, dest func() []any) error {
	b := &pgx.Batch{}
	b.Queue(first)
	b.Queue(Rebind(query), args...)
	br := pc.SendBatch(ctx, b)
	_, err := br.Exec()
	if err == nil {
		err = scanAll(br.Query, dest)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// forceGenericPlan sets plan_cache_mode for the rest of the transaction;
// SET LOCAL would warn outside a transaction block.
const forceGenericPlan = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"

// jitOff turns JIT compilation off for the rest of the transaction, as
// readAfter sends it: for the statement after it (see crudrt.ClientFilter).
const jitOff = "SELECT set_config('jit', 'off', true)"

// isList reports whether a is a slice or array other than bytes.
func isList(a any) bool {
	switch a.(type) {
	case nil, string, int64, int32, bool, float64, []byte, time.Time:
		return false
	}
	k := reflect.ValueOf(a).Kind()
	return (k == reflect.Slice || k == reflect.Array) && reflect.TypeOf(a).Elem().Kind() != reflect.Uint8
}

// Open returns a GORM database on pool, PostgreSQL's recommended set-up:
// GORM works through database/sql over the pool (stdlib.OpenDBFromPool,
// which keeps no idle connections of its own), and the services of crudrt
// read and write with the pool's connections directly (Read, Write, Tx),
// without database/sql's pool in between. The process then has one pool,
// whose limits bound every connection. Closing the returned database does
// not close pool.
func Open(pool *pgxpool.Pool, opts ...gorm.Option) (*gorm.DB, error) {
	sqlDB := stdlib.OpenDBFromPool(pool)
	db, err := gorm.Open(gormpostgres.New(gormpostgres.Config{Conn: sqlDB}), opts...)
	if err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	key := weak.Make(sqlDB)
	pools.Store(key, pool)
	// The entry goes with the database, so that a program (or a test)
	// that opens many keeps none of the pools it has let go.
	runtime.AddCleanup(sqlDB, func(k weak.Pointer[sql.DB]) { pools.Delete(k) }, key)
	return db, nil
}

var pools sync.Map // weak.Pointer to a *sql.DB of Open → its *pgxpool.Pool

// withConn runs f on the pgx connection of one of db's connections (one
// of the pool's for a database of Open), or is crudrt.ErrNoRowReader for
// another driver's. A connection f leaves in a transaction or broken is
// not reused.
func withConn(ctx context.Context, db *sql.DB, f func(*pgx.Conn) error) error {
	if p, ok := pools.Load(weak.Make(db)); ok {
		c, err := p.(*pgxpool.Pool).Acquire(ctx)
		if err != nil {
			return err
		}
		// Release destroys a connection that is closed, busy or in a
		// transaction.
		defer c.Release()
		return f(c.Conn())
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return crudrt.ErrNoRowReader
		}
		return f(c.Conn())
	})
}

// textNumeric are the result formats of the reads of Read and Tx: NUMERIC
// (uint64 columns) as text, what ormrt.Uint64 scans, without decoding
// PostgreSQL's binary form into a big number, and the other types the
// columns of a model hold in the format pgx prefers for them (binary for
// all of these), as it reads them without result formats. A type left out
// of the map is read as text.
var textNumeric = func() pgx.QueryResultFormatsByOID {
	m := pgtype.NewMap()
	out := pgx.QueryResultFormatsByOID{}
	for _, oid := range []uint32{
		pgtype.BoolOID, pgtype.ByteaOID, pgtype.QCharOID, pgtype.NameOID, pgtype.Int8OID, pgtype.Int2OID,
		pgtype.Int4OID, pgtype.TextOID, pgtype.OIDOID, pgtype.JSONOID, pgtype.Float4OID, pgtype.Float8OID,
		pgtype.BPCharOID, pgtype.VarcharOID, pgtype.DateOID, pgtype.TimeOID, pgtype.TimestampOID,
		pgtype.TimestamptzOID, pgtype.IntervalOID, pgtype.UUIDOID, pgtype.JSONBOID,
	} {
		out[oid] = m.FormatCodeForOID(oid)
	}
	out[pgtype.NumericOID] = pgx.TextFormatCode
	return out
}()

// Write is crudrt's RowWriter for pools of pgx's database/sql driver: it
// sends BEGIN and the statement together, reads the rows the statement
// returns into dest, and only then commits, so that a statement whose
// caller gave up (cancelled while it waited for a lock, say) is rolled
// back rather than committed behind the caller's back. A connection that
// cannot be rolled back is discarded.
func Write(ctx context.Context, db *sql.DB, query string, args []any, dest func() []any) error {
	return withConn(ctx, db, func(pc *pgx.Conn) error {
		if err := readAfter(ctx, pc, "BEGIN", query, args, dest); err != nil {
			return rollback(ctx, pc, err)
		}
		return commit(ctx, pc)
	})
}

// Tx is crudrt's TxRunner for pools of pgx's database/sql driver: BEGIN
// goes out together with fn's first statement (one round trip for both),
// and COMMIT once fn has returned nil, having read every row it asked
// for; otherwise the transaction is rolled back, or the connection
// discarded when it cannot be. Other drivers' connections are
// crudrt.ErrNoRowReader, before fn runs.
func Tx(ctx context.Context, db *sql.DB, fn func(crudrt.TxConn) error) error {
	return withConn(ctx, db, func(pc *pgx.Conn) error {
		t := &txConn{ctx: ctx, pc: pc}
		err := fn(t)
		if !t.begun {
			return err
		}
		if err != nil {
			return rollback(ctx, pc, err)
		}
		return commit(ctx, pc)
	})
}

// commit ends the transaction on pc: rolled back when the caller has
// given up by now (ctx is done), committed otherwise, and then whatever
// becomes of ctx while COMMIT is under way: a COMMIT cancelled on its way
// may have been applied, and its caller would be told it was not.
func commit(ctx context.Context, pc *pgx.Conn) error {
	if err := ctx.Err(); err != nil {
		return rollback(ctx, pc, err)
	}
	if _, err := pc.Exec(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		return rollback(ctx, pc, err)
	}
	return nil
}

// rollback ends the transaction on pc after cause; a connection that
// cannot be rolled back is discarded (driver.ErrBadConn).
func rollback(ctx context.Context, pc *pgx.Conn, cause error) error {
	if _, err := pc.Exec(context.WithoutCancel(ctx), "ROLLBACK"); err != nil {
		return fmt.Errorf("%w: %w", driver.ErrBadConn, cause)
	}
	return cause
}

// txConn is the connection of one Tx.
type txConn struct {
	ctx   context.Context
	pc    *pgx.Conn
	begun bool
}

// Query runs query in the transaction, sending BEGIN with it when it is
// the first statement. NUMERIC results come as text, as Read's do, except
// in that first statement (pgx's batches take no result formats).
func (t *txConn) Query(query string, args []any, dest func() []any) error {
	if t.begun {
		return scanAll(func() (pgx.Rows, error) {
			return t.pc.Query(t.ctx, Rebind(query), append([]any{textNumeric}, args...)...)
		}, dest)
	}
	t.begun = true
	return readAfter(t.ctx, t.pc, "BEGIN", query, args, dest)
}

// Exec runs a statement in the transaction and returns the number of rows
// it changed.
func (t *txConn) Exec(query string, args []any) (int64, error) {
	if !t.begun {
		t.begun = true
		if _, err := t.pc.Exec(t.ctx, "BEGIN"); err != nil {
			return 0, err
		}
	}
	tag, err := t.pc.Exec(t.ctx, Rebind(query), args...)
	return tag.RowsAffected(), err
}

// scanAll runs query and scans each of its rows into dest's destinations.
func scanAll(query func() (pgx.Rows, error), dest func() []any) error {
	rows, err := query()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest()...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Rebind turns the ? placeholders of query into PostgreSQL's $1, $2, …;
// a ? inside a quoted string or identifier is left alone. The statements
// a service runs are few and run again and again, so the answers are kept,
// up to reboundBudget bytes of statements; past that, each is rebound anew.
func Rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	if got, ok := rebound.Load(query); ok {
		return got.(string)
	}
	out := rebind(query)
	if reboundBytes.Add(int64(len(query)+len(out))) <= reboundBudget {
		rebound.Store(query, out)
	}
	return out
}

// reboundBudget bounds the memory of Rebind's answers: statements built
// from filters, orders and masks of clients' choosing differ without end.
const reboundBudget = 4 << 20

var (
	rebound      sync.Map // query → its rebound text
	reboundBytes atomic.Int64
)

// rebind is Rebind without the kept answers. The text between
// placeholders and quotes is copied in runs.
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 32)
	n := 0
	for {
		i := strings.IndexAny(query, "?'\"")
		if i < 0 {
			b.WriteString(query)
			return b.String()
		}
		if query[i] == '?' {
			b.WriteString(query[:i])
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			query = query[i+1:]
			continue
		}
		// A quoted string or identifier, up to its closing quote (a
		// doubled quote inside is two quoted runs back to back).
		end := strings.IndexByte(query[i+1:], query[i])
		if end < 0 {
			b.WriteString(query)
			return b.String()
		}
		b.WriteString(query[:i+end+2])
		query = query[i+end+2:]
	}
}
