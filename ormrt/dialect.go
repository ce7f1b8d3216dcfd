package ormrt

import (
	"reflect"
	"strings"

	"gorm.io/gorm"
)

// Dialect names the database family a *gorm.DB talks to, spelled as GORM's
// Dialector.Name() spells it.
type Dialect string

// The dialects generated code supports.
const (
	// Postgres is PostgreSQL.
	Postgres Dialect = "postgres"
	// MySQL is MySQL or MariaDB.
	MySQL Dialect = "mysql"
	// SQLite is SQLite.
	SQLite Dialect = "sqlite"
)

// DialectOf returns the dialect of the database tx is connected to, or ""
// when tx has no dialector.
func DialectOf(tx *gorm.DB) Dialect {
	if tx == nil || tx.Dialector == nil {
		return ""
	}
	return Dialect(tx.Dialector.Name())
}

// isMariaDB reports whether tx is connected to a MariaDB server, as GORM's
// MySQL dialector records it in its ServerVersion field. The field is read
// by reflection so that this package does not link the MySQL driver into
// every program that uses it.
func isMariaDB(tx *gorm.DB) bool {
	if tx == nil || tx.Dialector == nil {
		return false
	}
	v := reflect.ValueOf(tx.Dialector)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return false
	}
	f, ok := v.Type().FieldByName("ServerVersion")
	if !ok || f.Type.Kind() != reflect.String {
		return false
	}
	fv, err := v.FieldByIndexErr(f.Index)
	if err != nil {
		return false
	}
	return strings.Contains(fv.String(), "MariaDB")
}
