package crudrt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt/query"
	"github.com/protoforge/protoforge/ormrt"
)

// canSwap reports whether Delete and Undelete of this resource may run as
// swapReturning: a soft delete that touches no other table (no children,
// no references either way, no parent held in a field), on a row with an etag, outside a
// transaction the caller opened, on a dialect with a RowWriter. An etag
// holding NUL, which PostgreSQL cannot compare, takes the path that reads
// the row, where it is stale.
func (s *Service) canSwap(ctx context.Context, etag string) bool {
	if s.deleteTime == nil || s.etag == nil || len(s.res.Children) > 0 || len(s.res.HeldChildren) > 0 || len(s.res.Referrers) > 0 || len(s.res.ListReferrers) > 0 || len(s.refs) > 0 || len(s.listRefs) > 0 || s.heldParent != nil {
		return false
	}
	if _, ok := rowWriters.Load(s.dialect); !ok || s.opt.gormOnly || validateOnly(ctx) || strings.IndexByte(etag, 0) >= 0 {
		return false
	}
	return !s.inTx()
}

// whereSQL writes the conditions to b, joined by AND, and returns their
// arguments.
func whereSQL(b *strings.Builder, where []query.Condition) []any {
	var args []any
	first := true
	for _, c := range where {
		if c.SQL == "" {
			continue
		}
		if !first {
			b.WriteString(" AND ")
		}
		first = false
		b.WriteString("(" + c.SQL + ")")
		args = append(args, c.Args...)
	}
	return args
}

// swapColumns are the columns Delete and Undelete write.
func (s *Service) swapColumns() []string {
	cols := []string{}
	for _, c := range []*column{s.deleteTime, s.purgeTime, s.updateTime, s.etag} {
		if c != nil {
			cols = append(cols, c.Name)
		}
	}
	return cols
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
	var rows []any
	err = s.retry(ctx, func() error {
		rows = rows[:0]
		return r.(RowReader)(ctx, pool, b.String(), args, s.into(&rows))
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
