package crudrt

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt/query"
)

// canSwap reports whether Delete and Undelete of this resource may run as
// swapReturning: a soft delete that touches no other table (no children,
// no references either way), on a row with an etag, outside a
// transaction the caller opened, on a dialect with a RowWriter.
func (s *Service) canSwap(ctx context.Context) bool {
	if s.deleteTime == nil || s.etag == nil || len(s.res.Children) > 0 || len(s.res.Referrers) > 0 || len(s.refs) > 0 {
		return false
	}
	if _, ok := rowWriters.Load(s.dialect); !ok || s.opt.gormOnly {
		return false
	}
	_, inTx := s.db.WithContext(ctx).Statement.ConnPool.(gorm.TxCommitter)
	return !inTx
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
