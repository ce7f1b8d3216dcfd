package ormrt

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strconv"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"
)

// Column types that hold the whole uint64 range, per dialect.
const (
	// Uint64ColumnPostgres is the PostgreSQL column type of a Uint64.
	// PostgreSQL has no unsigned integers and BIGINT stops at 2^63-1.
	Uint64ColumnPostgres = "NUMERIC(20,0)"
	// Uint64ColumnMySQL is the MySQL/MariaDB column type of a Uint64.
	Uint64ColumnMySQL = "BIGINT UNSIGNED"
	// Uint64ColumnSQLite is the SQLite column type of a Uint64. SQLite
	// integers are signed 64-bit, so the value is kept as exactly 20
	// zero-padded decimal digits, whose text order is numeric order.
	Uint64ColumnSQLite = "TEXT"
)

// uint64Digits is the number of decimal digits of math.MaxUint64.
const uint64Digits = 20

// Uint64 is a uint64 model field that keeps the whole uint64 range on every
// dialect. Its column type is Uint64ColumnPostgres, Uint64ColumnMySQL or
// Uint64ColumnSQLite. Nullable columns use *Uint64.
type Uint64 uint64

// GormDataType returns the GORM data type name of Uint64.
func (Uint64) GormDataType() string { return "uint64" }

// GormDBDataType returns the column type of a Uint64 on the database db is
// connected to. AutoMigrate uses it.
func (Uint64) GormDBDataType(db *gorm.DB, _ *schema.Field) string {
	return Uint64Column(DialectOf(db))
}

// Uint64Column returns the column type of a Uint64 on dialect d: NUMERIC(20,0)
// on PostgreSQL, BIGINT UNSIGNED on MySQL and TEXT on SQLite (and on any
// other dialect).
func Uint64Column(d Dialect) string {
	switch d {
	case Postgres:
		return Uint64ColumnPostgres
	case MySQL:
		return Uint64ColumnMySQL
	default:
		return Uint64ColumnSQLite
	}
}

// String returns u as exactly 20 zero-padded decimal digits.
func (u Uint64) String() string {
	var buf [uint64Digits]byte
	for i := range buf {
		buf[i] = '0'
	}
	s := strconv.AppendUint(buf[:0:0], uint64(u), 10)
	copy(buf[uint64Digits-len(s):], s)
	return string(buf[:])
}

// Value returns u as exactly 20 zero-padded decimal digits, a form all
// supported databases accept for their Uint64 column type.
func (u Uint64) Value() (driver.Value, error) { return u.String(), nil }

// GormValue binds u in statements GORM builds, for the database db is
// connected to. MySQL receives u as an unsigned integer: MySQL documents
// that it compares an integer with a string in floating point, which cannot
// tell apart neighbouring values above 2^53, so binding the string would
// make WHERE u = ? inexact. The other dialects receive Value's 20-digit
// string.
func (u Uint64) GormValue(_ context.Context, db *gorm.DB) clause.Expr {
	if DialectOf(db) == MySQL {
		return clause.Expr{SQL: "?", Vars: []any{uint64(u)}}
	}
	return clause.Expr{SQL: "?", Vars: []any{u.String()}}
}

// Scan reads a Uint64 from a database value: a non-negative int64, a
// uint64, or decimal digits as []byte or string (leading zeros allowed).
// Anything else, including NULL, is an error; nullable columns use *Uint64,
// for which GORM handles NULL.
func (u *Uint64) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		if v < 0 {
			return fmt.Errorf("ormrt.Uint64: cannot scan negative integer %d", v)
		}
		*u = Uint64(v)
		return nil
	case uint64:
		*u = Uint64(v)
		return nil
	case []byte:
		return u.scanString(string(v))
	case string:
		return u.scanString(v)
	case nil:
		return fmt.Errorf("ormrt.Uint64: cannot scan NULL; use *ormrt.Uint64 for a nullable column")
	default:
		return fmt.Errorf("ormrt.Uint64: cannot scan %T", src)
	}
}

func (u *Uint64) scanString(s string) error {
	if s == "" {
		return fmt.Errorf("ormrt.Uint64: cannot scan empty string")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return fmt.Errorf("ormrt.Uint64: cannot scan %q: want decimal digits", s)
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("ormrt.Uint64: cannot scan %q: %w", s, err)
	}
	*u = Uint64(v)
	return nil
}
