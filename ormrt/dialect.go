package ormrt

import (
	"reflect"
	"strings"

	"gorm.io/gorm"
)

// Dialect names the database family a *gorm.DB talks to, spelled as GORM's
// Dialector.Name() spells it. It is protoforge's one dialect type: the
// generators, the migrations, crudrt and its query package all use it.
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

// QuoteIdent quotes name as an identifier of dialect d: in backquotes on
// MySQL, in double quotes on PostgreSQL and SQLite, with the quote
// character doubled inside, so that no name ends the identifier early.
func QuoteIdent(d Dialect, name string) string {
	if d == MySQL {
		return "`" + strings.ReplaceAll(name, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

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
