package crudrt

import (
	"context"

	"errors"
	"gorm.io/gorm"
	"reflect"
	"strconv"
	"strings"

	"github.com/protoforge/protoforge/crudrt/query"
)

// scanner is what protoc-gen-orm generates on a model for reads without
// reflection: its columns in a fixed order and a row's destinations.
type scanner interface {
	Columns() []string
	ScanDest() []any
}

// selectColumns is the SELECT list of a model that scans itself, or "".
func (s *Service) selectColumns() string {
	sc, ok := any(s.res.New()).(scanner)
	if !ok {
		return ""
	}
	cols := sc.Columns()
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quoteIdent(s.table.Dialect, c)
	}
	return strings.Join(quoted, ", ")
}

// selectRows runs one SELECT of the model's columns and scans the rows
// into models directly (the read path of Get and List).
func (s *Service) selectRows(ctx context.Context, where []query.Condition, order string, limit int) ([]any, error) {
	return s.selectRowsIn(s.db.WithContext(ctx), where, order, limit, false)
}

// selectRowsIn is selectRows on tx, locking the rows for update when lock
// is set (PostgreSQL and MySQL; SQLite transactions lock the database).
func (s *Service) selectRowsIn(tx *gorm.DB, where []query.Condition, order string, limit int, lock bool) ([]any, error) {
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(s.columns)
	b.WriteString(" FROM ")
	b.WriteString(quoteIdent(s.table.Dialect, s.res.Collection))
	var args []any
	var conds []string
	for _, c := range where {
		if c.SQL != "" {
			conds = append(conds, "("+c.SQL+")")
			args = append(args, c.Args...)
		}
	}
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	if order != "" {
		b.WriteString(" ORDER BY " + order)
	}
	if limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(limit))
	}
	if lock && s.table.Dialect != query.SQLite {
		b.WriteString(" FOR UPDATE")
	}
	rows, err := tx.Raw(b.String(), args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		m := s.res.New()
		if err := rows.Scan(any(m).(scanner).ScanDest()...); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// scannedValues reads the ordered columns of a scanned row.
func scannedValues(m any, columns []string, terms []query.OrderTerm) ([]any, error) {
	dest := m.(scanner).ScanDest()
	out := make([]any, len(terms))
	for i, t := range terms {
		idx := -1
		for j, c := range columns {
			if c == t.Column.Name {
				idx = j
			}
		}
		if idx < 0 {
			return nil, errors.New("crudrt: no column " + t.Column.Name)
		}
		v := reflect.ValueOf(dest[idx]).Elem()
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return nil, errors.New("crudrt: ordered column " + t.Column.Name + " is NULL")
			}
			v = v.Elem()
		}
		out[i] = v.Interface()
	}
	return out, nil
}
