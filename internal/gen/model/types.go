package model

import (
	"fmt"

	"github.com/protoforge/protoforge/ormrt"
)

// The supported dialects, ormrt's, under the names this package's code
// uses.
const (
	Postgres = ormrt.Postgres
	MySQL    = ormrt.MySQL
	SQLite   = ormrt.SQLite
)

// Dialects lists the supported dialects in a stable order: the order of
// generated schemas and migrations.
var Dialects = []ormrt.Dialect{Postgres, MySQL, SQLite}

// ColumnType is the logical type of a column, independent of the dialect.
type ColumnType int

// The logical column types. Each holds the whole range of its proto kind.
const (
	TypeBool ColumnType = iota
	TypeInt32
	TypeInt64
	TypeUint32
	TypeUint64
	TypeFloat32
	TypeFloat64
	TypeString
	TypeBytes
	// TypeEnumNumber stores an enum by number.
	TypeEnumNumber
	// TypeEnumName stores an enum by value name (the enum_as_name option).
	TypeEnumName
	// TypeTimestamp stores a Timestamp with microsecond precision.
	TypeTimestamp
	// TypeTimestampNanos stores a Timestamp as Unix nanoseconds.
	TypeTimestampNanos
	// TypeDuration stores a Duration as microseconds.
	TypeDuration
	// TypeDurationNanos stores a Duration as nanoseconds.
	TypeDurationNanos
	// TypeJSON stores repeated fields, maps and messages as JSON.
	TypeJSON
)

var typeNames = [...]string{
	TypeBool: "bool", TypeInt32: "int32", TypeInt64: "int64", TypeUint32: "uint32",
	TypeUint64: "uint64", TypeFloat32: "float", TypeFloat64: "double", TypeString: "string",
	TypeBytes: "bytes", TypeEnumNumber: "enum", TypeEnumName: "enum (by name)",
	TypeTimestamp: "google.protobuf.Timestamp", TypeTimestampNanos: "google.protobuf.Timestamp (nanoseconds)",
	TypeDuration: "google.protobuf.Duration", TypeDurationNanos: "google.protobuf.Duration (nanoseconds)",
	TypeJSON: "JSON",
}

func (t ColumnType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("ColumnType(%d)", int(t))
}

// DefaultKeySize is the VARCHAR length of string keys and indexed strings
// without a size option: MySQL cannot index unbounded TEXT, and one limit
// on every dialect keeps validation the same everywhere.
const DefaultKeySize = 255

// enumNameSize bounds columns that store enum value names.
const enumNameSize = 255

// SQL spells the column type in dialect d. size is the string length limit
// (0: unlimited); it only affects TypeString.
func (t ColumnType) SQL(d ormrt.Dialect, size int) string {
	switch t {
	case TypeBool:
		return pick(d, "BOOLEAN", "BOOLEAN", "BOOLEAN")
	case TypeInt32, TypeEnumNumber:
		return pick(d, "INTEGER", "INT", "INTEGER")
	case TypeInt64, TypeTimestampNanos, TypeDuration, TypeDurationNanos:
		return pick(d, "BIGINT", "BIGINT", "INTEGER")
	case TypeUint32:
		return pick(d, "BIGINT", "INT UNSIGNED", "INTEGER")
	case TypeUint64:
		return pick(d, "NUMERIC(20,0)", "BIGINT UNSIGNED", "TEXT")
	case TypeFloat32:
		return pick(d, "REAL", "DOUBLE", "REAL")
	case TypeFloat64:
		return pick(d, "DOUBLE PRECISION", "DOUBLE", "REAL")
	case TypeString:
		if size > 0 {
			v := fmt.Sprintf("VARCHAR(%d)", size)
			return pick(d, v, v, "TEXT")
		}
		return pick(d, "TEXT", "LONGTEXT", "TEXT")
	case TypeEnumName:
		v := fmt.Sprintf("VARCHAR(%d)", enumNameSize)
		return pick(d, v, v, "TEXT")
	case TypeBytes:
		return pick(d, "BYTEA", "LONGBLOB", "BLOB")
	case TypeTimestamp:
		return pick(d, "TIMESTAMPTZ(6)", "DATETIME(6)", "DATETIME")
	case TypeJSON:
		return pick(d, "JSONB", "JSON", "TEXT")
	}
	panic(fmt.Sprintf("model: no SQL type for %v", t))
}

func pick(d ormrt.Dialect, postgres, mysql, sqlite string) string {
	switch d {
	case Postgres:
		return postgres
	case MySQL:
		return mysql
	case SQLite:
		return sqlite
	}
	panic(fmt.Sprintf("model: unknown dialect %q", d))
}

// Indexable reports whether a column of this type can be a key or indexed
// on every dialect.
func (t ColumnType) Indexable() bool {
	switch t {
	case TypeJSON, TypeBytes:
		return false
	}
	return true
}

// Integer reports whether the type is a signed integer that a database can
// auto-increment.
func (t ColumnType) Integer() bool { return t == TypeInt32 || t == TypeInt64 }
