package query

import (
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/protoforge/protoforge/ormrt"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// normalize converts v, a value of column c as a model or a page token
// holds it, to the canonical Go type of c's kind: bool (KindBool), int64
// (KindInt, KindEnum), uint64 (KindUint64), float64 (KindFloat), string
// (KindString, and the value name for KindEnumName) or time.Time in UTC,
// rounded down to the microsecond, within the range of
// google.protobuf.Timestamp (KindTimestamp).
func normalize(c *Column, v any) (any, error) {
	out, ok := normalizeValue(c, v, 0)
	if !ok {
		if v == nil {
			return nil, fmt.Errorf("query: column %q: NULL cannot be a keyset value", c.Path)
		}
		return nil, fmt.Errorf("query: column %q (%v): cannot use a value of type %T", c.Path, c.Kind, v)
	}
	return out, nil
}

func normalizeValue(c *Column, v any, depth int) (any, bool) {
	if v == nil || depth > 4 {
		return nil, false
	}
	// Types with their own meaning come first, then the reflect kinds.
	switch x := v.(type) {
	case time.Time:
		if c.Kind != KindTimestamp || timestamppb.New(x).CheckValid() != nil {
			return nil, false
		}
		return truncateTime(x), true
	case *timestamppb.Timestamp:
		if c.Kind != KindTimestamp || x == nil || x.CheckValid() != nil {
			return nil, false
		}
		return truncateTime(x.AsTime()), true
	case ormrt.Uint64:
		return normalizeUint(c, uint64(x))
	case protoreflect.Enum:
		return normalizeInt(c, int64(x.Number()))
	case []byte:
		return normalizeValue(c, string(x), depth+1)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return nil, false
		}
		return normalizeValue(c, rv.Elem().Interface(), depth+1)
	case reflect.Bool:
		if c.Kind != KindBool {
			return nil, false
		}
		return rv.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return normalizeInt(c, rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return normalizeUint(c, rv.Uint())
	case reflect.Float32, reflect.Float64:
		if c.Kind != KindFloat {
			return nil, false
		}
		return rv.Float(), true
	case reflect.String:
		return normalizeString(c, rv.String())
	}
	if dv, ok := v.(driver.Valuer); ok {
		x, err := dv.Value()
		if err != nil {
			return nil, false
		}
		return normalizeValue(c, x, depth+1)
	}
	return nil, false
}

func normalizeInt(c *Column, n int64) (any, bool) {
	switch c.Kind {
	case KindInt, KindEnum, KindDuration, KindDurationNanos:
		return n, true
	case KindUint64:
		if n < 0 {
			return nil, false
		}
		return uint64(n), true
	case KindFloat:
		return float64(n), true
	case KindEnumName:
		if n < math.MinInt32 || n > math.MaxInt32 {
			return nil, false
		}
		return ormrt.EnumToName(protoreflect.EnumNumber(n), c.Enum), true
	}
	return nil, false
}

func normalizeUint(c *Column, n uint64) (any, bool) {
	switch c.Kind {
	case KindUint64:
		return n, true
	case KindFloat:
		return float64(n), true
	}
	if n > math.MaxInt64 {
		return nil, false
	}
	return normalizeInt(c, int64(n))
}

func normalizeString(c *Column, s string) (any, bool) {
	switch c.Kind {
	case KindString, KindEnumName:
		return s, true
	case KindUint64:
		// Decimal digits, such as the padded form SQLite stores.
		if s == "" || len(s) > 64 {
			return nil, false
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return nil, false
			}
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, false
		}
		return n, true
	}
	return nil, false
}

// truncateTime returns t in UTC rounded down to the microsecond, as
// ormrt.TimestampToTime stores timestamps.
func truncateTime(t time.Time) time.Time {
	ns := t.Nanosecond()
	return time.Unix(t.Unix(), int64(ns-ns%1000)).UTC()
}

// bind returns the placeholder and the bound value for v, a canonical
// column value (see normalize), on dialect d.
//
// uint64 values are bound as 20 zero-padded digits on PostgreSQL and
// SQLite and as a Go uint64 on MySQL, which compares an unsigned column
// with a string in floating point. PostgreSQL receives integers and floats
// through an explicit CAST, so that a literal beyond an int4 or float4
// column's range is compared rather than refused, and floats compare in
// double precision as on the other databases.
func bind(d Dialect, v any) (string, any) {
	switch x := v.(type) {
	case int64:
		if d == Postgres {
			return "CAST(? AS BIGINT)", x
		}
		return "?", x
	case uint64:
		if d == MySQL {
			return "?", x
		}
		return "?", ormrt.Uint64(x).String()
	case float64:
		if d == Postgres {
			return "CAST(? AS DOUBLE PRECISION)", x
		}
		return "?", x
	case time.Time:
		return "?", truncateTime(x)
	}
	return "?", v
}
