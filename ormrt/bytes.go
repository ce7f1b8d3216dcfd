package ormrt

import (
	"database/sql/driver"
	"fmt"
)

// Bytes is a nullable bytes column that keeps empty and NULL apart: nil is
// NULL, a non-nil empty slice is an empty value. Some drivers (SQLite)
// return an empty BLOB as a nil []byte; Bytes reads it back as empty.
type Bytes []byte

// GormDataType makes GORM declare the column as its dialect's bytes type.
func (Bytes) GormDataType() string { return "bytes" }

// Value implements driver.Valuer: nil is NULL, anything else a value.
func (b Bytes) Value() (driver.Value, error) {
	if b == nil {
		return nil, nil
	}
	return []byte(b), nil
}

// Scan implements sql.Scanner. It copies the driver's buffer.
func (b *Bytes) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*b = nil
	case []byte:
		*b = append(Bytes{}, v...)
	case string:
		*b = Bytes(v)
	default:
		return fmt.Errorf("ormrt: cannot scan %T into Bytes", src)
	}
	return nil
}
