package crudrt

import (
	"strings"

	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt/query"
	"github.com/protoforge/protoforge/ormrt"
)

// match is the condition that table's columns cols hold one value each
// (bound in order) and, when deleteTime is set, that the row is not
// soft deleted: what the checks of parents, children and references ask
// of other resources' tables.
func (s *Service) match(cols []string, deleteTime string) string {
	parts := make([]string, 0, len(cols)+1)
	for _, c := range cols {
		parts = append(parts, ormrt.QuoteIdent(s.dialect, c)+" = ?")
	}
	if deleteTime != "" {
		parts = append(parts, ormrt.QuoteIdent(s.dialect, deleteTime)+" IS NULL")
	}
	return strings.Join(parts, " AND ")
}

// exists reports whether table has a row matching cols = vals (see match)
// on db; share locks it until the transaction ends when lock is set
// (PostgreSQL and MySQL; SQLite transactions lock the database).
func (s *Service) exists(db querier, table string, cols []string, vals []any, deleteTime string, lock bool) (bool, error) {
	q := "SELECT 1 FROM " + ormrt.QuoteIdent(s.dialect, table) + " WHERE " + s.match(cols, deleteTime) + " LIMIT 1"
	if lock {
		q += s.shareLock()
	}
	return anyRow(db, q, vals)
}

// shareLock is the clause that ends a SELECT whose rows stay share
// locked until the transaction ends (PostgreSQL and MySQL; SQLite
// transactions lock the database).
func (s *Service) shareLock() string {
	switch s.dialect {
	case query.Postgres:
		return " FOR SHARE"
	case query.MySQL:
		return " LOCK IN SHARE MODE"
	}
	return ""
}

// anyRow reports whether query q, of one column, returns a row on db.
func anyRow(db querier, q string, args []any) (bool, error) {
	found := false
	err := db.Query(q, args, func() []any {
		found = true
		return []any{new(int)}
	})
	return found, err
}

// querier runs the queries of checks, in a transaction or not: GORM's
// (gormQuerier) or a TxRunner's TxConn.
type querier interface {
	Query(query string, args []any, dest func() []any) error
}

// gormQuerier queries through GORM.
type gormQuerier struct{ db *gorm.DB }

func (g gormQuerier) Query(q string, args []any, dest func() []any) error {
	rows, err := g.db.Raw(q, args...).Rows()
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

// anys converts strings to query arguments.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
