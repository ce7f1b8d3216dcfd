package crudrt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt/query"
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
// cancellation) never commits. Package crudrt/postgres registers pgx's.
func RegisterRowWriter(d ormrt.Dialect, w RowReader) { rowWriters.Store(d, w) }

// RegisterRowReader makes r read the rows of services on databases of
// dialect d outside transactions (Get, List, BatchGet and the reads of
// writes that need no transaction). Package crudrt/postgres registers
// pgx's.
func RegisterRowReader(d ormrt.Dialect, r RowReader) { rowReaders.Store(d, r) }

// insertRow inserts m with one INSERT through the dialect's RowReader,
// outside transactions, where one is registered: the model's BeforeSave,
// then every column but a key the database assigns (read back with
// RETURNING). done is false where it does not apply, and GORM inserts.
func (s *Service) insertRow(tx *gorm.DB, m any) (done bool, err error) {
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
	dest := m.(scanner).ScanDest()
	cols := make([]string, 0, len(dest))
	args := make([]any, 0, len(dest))
	var key any
	for i, c := range s.res.Columns {
		if c.AutoIncrement {
			key = dest[i]
			continue
		}
		cols = append(cols, ormrt.QuoteIdent(s.dialect, c.Name))
		args = append(args, reflect.ValueOf(dest[i]).Elem().Interface())
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + s.from + " (" + strings.Join(cols, ", ") + ") VALUES (")
	b.WriteString(strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")")
	if key != nil {
		b.WriteString(" RETURNING " + s.key.quoted)
	}
	err = r.(RowReader)(tx.Statement.Context, pool, b.String(), args, func() []any { return []any{key} })
	if errors.Is(err, ErrNoRowReader) {
		return false, nil
	}
	return true, err
}

// nextEtagSQL is nextEtag in PostgreSQL's SQL: the counter plus one, "1"
// for a value that is not one.
const nextEtagSQL = `CASE WHEN %[1]s ~ '^[0-9]{1,19}$' THEN CAST(CAST(%[1]s AS NUMERIC) + 1 AS TEXT) ELSE '1' END`

// swapReturning soft deletes (deleting) or restores the row ck with one
// UPDATE … RETURNING through the dialect's RowWriter (PostgreSQL), where
// Delete and Undelete would otherwise read and lock the row, write it and
// commit: only a live (deleting) or deleted (restoring) row with etag,
// when one is given, is written; its etag is counted on by SQL, and the
// row is returned as stored. done is false when no row matched or the
// statement does not apply: the transaction's way then reads the row and
// tells why.
func (s *Service) swapReturning(ctx context.Context, tenant tenantScope, ck rowKey, etag string, deleting bool) (out proto.Message, done bool, err error) {
	r, ok := rowWriters.Load(s.dialect)
	if !ok || s.dialect != ormrt.Postgres {
		return nil, false, nil
	}
	db := s.db.WithContext(ctx)
	pool, ok := db.Statement.ConnPool.(*sql.DB)
	if !ok {
		return nil, false, nil
	}
	now := s.opt.now().UTC().Truncate(time.Microsecond)
	var set []string
	var args []any
	if deleting {
		set = append(set, s.deleteTime.quoted+" = ?")
		args = append(args, now)
	} else {
		set = append(set, s.deleteTime.quoted+" = NULL")
		if s.purgeTime != nil {
			set = append(set, s.purgeTime.quoted+" = NULL")
		}
	}
	if s.updateTime != nil {
		set = append(set, s.updateTime.quoted+" = ?")
		args = append(args, now)
	}
	set = append(set, s.etag.quoted+" = "+fmt.Sprintf(nextEtagSQL, s.etag.quoted))
	live := " IS NULL"
	if !deleting {
		live = " IS NOT NULL"
	}
	where := []query.Condition{s.keyCond(ck), tenant.cond(), {SQL: s.deleteTime.quoted + live}}
	if etag != "" {
		where = append(where, query.Condition{SQL: s.etag.quoted + " = ?", Args: []any{etag}})
	}
	var b strings.Builder
	b.WriteString("UPDATE " + s.from + " SET " + strings.Join(set, ", ") + " WHERE ")
	args = append(args, whereSQL(&b, where)...)
	b.WriteString(" RETURNING " + s.selectList)
	var rows []scanner
	err = s.retry(ctx, func() error {
		rows = rows[:0]
		return r.(RowReader)(ctx, pool, b.String(), args, func() []any {
			m := s.newModel()
			rows = append(rows, m)
			return m.ScanDest()
		})
	})
	switch {
	case errors.Is(err, ErrNoRowReader):
		return nil, false, nil
	case err != nil:
		return nil, true, err
	case len(rows) != 1:
		return nil, false, nil
	}
	out, err = s.toProto(rows[0])
	return out, true, err
}
