package ormrt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// NonNilBytes returns b, or an empty slice when b is nil, for bytes fields
// without presence, whose columns are NOT NULL.
func NonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// CheckString reports whether the database of dialect d stores s unchanged
// in a text column. PostgreSQL text cannot hold NUL (0x00) or invalid UTF-8.
// MySQL utf8mb4 refuses invalid UTF-8 (or, outside strict mode, cuts the
// string short), except for encoded UTF-16 surrogates, which it keeps.
// SQLite keeps any bytes. It returns nil when s is storable and a
// *FieldError naming field otherwise.
func CheckString(d Dialect, field string, s string) error {
	switch d {
	case Postgres:
		if strings.IndexByte(s, 0) >= 0 {
			return fieldErrorf(field, "PostgreSQL cannot store NUL (0x00) in text; remove it or use a bytes field")
		}
		if !utf8.ValidString(s) {
			return fieldErrorf(field, "PostgreSQL cannot store invalid UTF-8 in text; use valid UTF-8 or a bytes field")
		}
	case MySQL:
		if !mysqlValidUTF8(s) {
			return fieldErrorf(field, "MySQL cannot store invalid UTF-8 in utf8mb4 text; use valid UTF-8 or a bytes field")
		}
	}
	return nil
}

// CheckStringPtr is CheckString for an optional string; nil is storable.
func CheckStringPtr(d Dialect, field string, s *string) error {
	if s == nil {
		return nil
	}
	return CheckString(d, field, *s)
}

// CheckFloat64 reports whether the database of dialect d stores v unchanged
// in a double precision column. It returns nil when v is storable and a
// *FieldError naming field otherwise.
func CheckFloat64(d Dialect, field string, v float64) error {
	return checkFloat(d, field, v, "double precision")
}

// CheckFloat64Ptr is CheckFloat64 for an optional double; nil is storable.
func CheckFloat64Ptr(d Dialect, field string, v *float64) error {
	if v == nil {
		return nil
	}
	return CheckFloat64(d, field, *v)
}

// CheckFloat32 reports whether the database of dialect d stores v unchanged
// in a real column. It returns nil when v is storable and a *FieldError
// naming field otherwise.
func CheckFloat32(d Dialect, field string, v float32) error {
	return checkFloat(d, field, float64(v), "real")
}

// CheckFloat32Ptr is CheckFloat32 for an optional float; nil is storable.
func CheckFloat32Ptr(d Dialect, field string, v *float32) error {
	if v == nil {
		return nil
	}
	return CheckFloat32(d, field, *v)
}

// checkFloat encodes what each dialect keeps of a float, as measured on
// PostgreSQL (double precision, real), MySQL/MariaDB (DOUBLE) and SQLite
// (REAL): PostgreSQL keeps every value bit for bit, including NaN,
// infinities, -0 and subnormals. MySQL refuses NaN and infinities and turns
// -0 into 0. SQLite keeps infinities, but turns NaN into NULL and -0 into 0.
func checkFloat(d Dialect, field string, v float64, typ string) error {
	var db string
	switch d {
	case MySQL:
		db = "MySQL"
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fieldErrorf(field, "MySQL cannot store %v in a %s column; store a finite number", v, typ)
		}
	case SQLite:
		db = "SQLite"
		if math.IsNaN(v) {
			return fieldErrorf(field, "SQLite cannot store NaN in a %s column (it would become NULL); store a number", typ)
		}
	default:
		return nil
	}
	if v == 0 && math.Signbit(v) {
		return fieldErrorf(field, "%s cannot store negative zero in a %s column (it would become 0); store 0", db, typ)
	}
	return nil
}

// CheckJSON reports whether the database of dialect d stores j so that it
// decodes to the same value. PostgreSQL jsonb cannot hold the escape \u0000
// in a string, and keeps numbers as numeric, which has no negative zero.
// It returns nil when j is storable and a *FieldError naming field
// otherwise.
func CheckJSON(d Dialect, field string, j JSON) error {
	if d == MySQL {
		if n := jsonDepth(j); n > mysqlMaxJSONDepth {
			return fieldErrorf(field, "its value is nested %d levels deep; MariaDB's JSON holds %d (its JSON_VALID check refuses more): nest it less", n, mysqlMaxJSONDepth)
		}
		return nil
	}
	if d != Postgres {
		return nil
	}
	switch jsonbLoss(j) {
	case jsonbNUL:
		return fieldErrorf(field, "PostgreSQL jsonb cannot store NUL (\\u0000) in a string; remove it, or use a bytes field, which JSON holds as base64")
	case jsonbNegativeZero:
		return fieldErrorf(field, "PostgreSQL jsonb cannot store negative zero (it would become 0); store 0")
	}
	return nil
}

// mysqlMaxJSONDepth is the deepest nesting of arrays and objects that
// MariaDB's JSON_VALID accepts (10.11: 31; MySQL 8: 100).
const mysqlMaxJSONDepth = 31

// jsonDepth is the deepest nesting of arrays and objects in the JSON text
// j.
func jsonDepth(j JSON) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(j); i++ {
		switch c := j[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// What jsonb would lose of a JSON text.
const (
	jsonbNone = iota
	jsonbNUL
	jsonbNegativeZero
)

// jsonbLoss scans the JSON text j for a string holding the escape \u0000 and
// for a number that is negative zero, such as -0 or -0.0e5.
func jsonbLoss(j JSON) int {
	for i := 0; i < len(j); i++ {
		switch j[i] {
		case '"':
			for i++; i < len(j) && j[i] != '"'; i++ {
				if j[i] == '\\' {
					if i+5 < len(j) && j[i+1] == 'u' && string(j[i+2:i+6]) == "0000" {
						return jsonbNUL
					}
					i++ // skip the escaped character
				}
			}
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			// A number: sign, mantissa, then an exponent, all consumed
			// here so that the sign of an exponent is not taken for the
			// sign of a number.
			negative, zero := j[i] == '-', true
			if negative {
				i++
			}
			for ; i < len(j) && (j[i] == '.' || ('0' <= j[i] && j[i] <= '9')); i++ {
				if j[i] != '0' && j[i] != '.' {
					zero = false
				}
			}
			if i < len(j) && (j[i] == 'e' || j[i] == 'E') {
				i++
				for ; i < len(j) && (j[i] == '+' || j[i] == '-' || ('0' <= j[i] && j[i] <= '9')); i++ {
				}
			}
			if negative && zero {
				return jsonbNegativeZero
			}
			i-- // the loop steps to the character after the number
		}
	}
	return jsonbNone
}

// checkSortedMySQL refuses, in a column an index may sort by, a string
// that ends in NUL: MariaDB's sorts of a page (a filesort under LIMIT)
// pad strings with NUL, so that "f\x00" and "f" tie and come in the order
// of their ids, where an index and every comparison put "f" first, and
// page tokens then skip or repeat rows.
func checkSortedMySQL(field, s string) error {
	if strings.HasSuffix(s, "\x00") {
		return fieldErrorf(field, "MySQL and MariaDB sort a string that ends in NUL (0x00) as if the NUL were not there, so that pages in its order would skip or repeat rows; remove the trailing NUL")
	}
	return nil
}

// mysqlValidUTF8 reports whether MySQL's utf8mb4 accepts s: valid UTF-8,
// where the three-byte encodings of U+D800 to U+DFFF also count as valid.
func mysqlValidUTF8(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			if i+2 < len(s) && s[i] == 0xED && s[i+1] >= 0xA0 && s[i+1] <= 0xBF && s[i+2] >= 0x80 && s[i+2] <= 0xBF {
				i += 3
				continue
			}
			return false
		}
		i += size
	}
	return true
}

// CheckFields checks values, pointers to a model's text, float and JSON
// fields (optional ones as pointers to pointers, where nil is storable),
// for the database tx is connected to, as CheckModel does; fields are
// their names in the same order. The errors are joined, each naming its
// field. A value of any other type is an error.
func CheckFields(tx *gorm.DB, fields []string, values ...any) error {
	if len(fields) != len(values) {
		return fmt.Errorf("ormrt: %d field names for %d values", len(fields), len(values))
	}
	d := DialectOf(tx)
	var errs []error
	for i, v := range values {
		if err := checkValue(d, fields[i], v); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// CheckModel is the BeforeSave hook of generated models: m points to a
// model struct, and each of its fields with a `protoforge:"<field>"` tag
// (the proto field's full name, which errors name, see CopyToModel) whose
// type is string, float32, float64 or JSON, or a pointer to one of the
// first three (where nil is storable), is checked for the database tx is
// connected to with CheckString, CheckFloat32, CheckFloat64 or CheckJSON.
// On MySQL and MariaDB, a text, bytes or JSON value longer than the
// server's max_allowed_packet, which no statement can carry, is refused
// too (the server's setting is read once per database). Fields of other
// types are stored unchanged by every database. The errors are joined,
// each naming its field.
func CheckModel(tx *gorm.DB, m any) error {
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("ormrt: CheckModel of %T; want a pointer to a model struct", m)
	}
	plan := checkPlanOf(m, v.Type().Elem())
	d := DialectOf(tx)
	base := v.UnsafePointer()
	var errs []error
	for _, f := range plan.fields {
		if err := f.check(d, unsafe.Add(base, f.off)); err != nil {
			errs = append(errs, err)
		}
	}
	if d == MySQL {
		if limit := mysqlMaxPacket(tx); limit > 0 {
			for _, f := range plan.fields {
				if n := f.size(unsafe.Add(base, f.off)); n > limit {
					errs = append(errs, fieldErrorf(f.name, "takes %d bytes; MySQL takes at most %d in one value (max_allowed_packet)", n, limit))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// mysqlPackets holds the max_allowed_packet of each database CheckModel
// has checked a model for, by its *sql.DB (the pool, which every session
// and transaction of one gorm.Open shares).
var mysqlPackets sync.Map

// mysqlMaxPacket is the server's max_allowed_packet, the most bytes of one
// value a statement can carry (the driver sends a longer string as
// several packets, which the server puts together up to that size), read
// once per pool, on a connection of its own: not in tx's statement or
// transaction, which a hook is in the middle of. A pool that has no
// connection to spare within a second leaves the check to a later write;
// 0 when it cannot be read.
func mysqlMaxPacket(tx *gorm.DB) int {
	pool, err := tx.DB()
	if err != nil {
		return 0
	}
	if n, ok := mysqlPackets.Load(pool); ok {
		return n.(int)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var n int
	if err := pool.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&n); err != nil || n <= 0 {
		return 0
	}
	mysqlPackets.Store(pool, n)
	return n
}

// checkValue checks the field v points to by its type (see CheckFields),
// as CheckModel checks a field of that type.
func checkValue(d Dialect, field string, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		if ct, ok := checkedTypes[rv.Type().Elem()]; ok {
			f := checkedField{typ: ct, name: field}
			return f.check(d, rv.UnsafePointer())
		}
	}
	return fmt.Errorf("ormrt: cannot check %s, of type %T", field, v)
}

// checkPlan lists the checked fields of a model struct, in field order.
type checkPlan struct {
	fields []checkedField
}

// checkedField is a checked field: where it is in the struct, its type
// and the proto field errors name.
type checkedField struct {
	off  uintptr
	typ  checkedType
	name string
	// sorted is whether the column is in an index (its gorm tag's index,
	// uniqueIndex, unique or primaryKey): one that orders may sort by it.
	sorted bool
}

type checkedType uint8

const (
	checkedString checkedType = iota
	checkedStringPtr
	checkedFloat64
	checkedFloat64Ptr
	checkedFloat32
	checkedFloat32Ptr
	checkedJSON
	checkedBytes // no check, but a size
)

var checkedTypes = map[reflect.Type]checkedType{
	reflect.TypeFor[string]():   checkedString,
	reflect.TypeFor[*string]():  checkedStringPtr,
	reflect.TypeFor[float64]():  checkedFloat64,
	reflect.TypeFor[*float64](): checkedFloat64Ptr,
	reflect.TypeFor[float32]():  checkedFloat32,
	reflect.TypeFor[*float32](): checkedFloat32Ptr,
	reflect.TypeFor[JSON]():     checkedJSON,
	reflect.TypeFor[[]byte]():   checkedBytes,
}

// size is the length in bytes of the text or bytes at p as the database
// receives it; 0 for numbers.
func (f *checkedField) size(p unsafe.Pointer) int {
	switch f.typ {
	case checkedString:
		return len(*(*string)(p))
	case checkedStringPtr:
		if s := *(**string)(p); s != nil {
			return len(*s)
		}
	case checkedBytes:
		return len(*(*[]byte)(p))
	case checkedJSON:
		return len(*(*JSON)(p))
	}
	return 0
}

// check checks the field at p, as checkValue does.
func (f *checkedField) check(d Dialect, p unsafe.Pointer) error {
	switch f.typ {
	case checkedString:
		if f.sorted && d == MySQL {
			if err := checkSortedMySQL(f.name, *(*string)(p)); err != nil {
				return err
			}
		}
		return CheckString(d, f.name, *(*string)(p))
	case checkedStringPtr:
		if s := *(**string)(p); f.sorted && d == MySQL && s != nil {
			if err := checkSortedMySQL(f.name, *s); err != nil {
				return err
			}
		}
		return CheckStringPtr(d, f.name, *(**string)(p))
	case checkedFloat64:
		return CheckFloat64(d, f.name, *(*float64)(p))
	case checkedFloat64Ptr:
		return CheckFloat64Ptr(d, f.name, *(**float64)(p))
	case checkedFloat32:
		return CheckFloat32(d, f.name, *(*float32)(p))
	case checkedFloat32Ptr:
		return CheckFloat32Ptr(d, f.name, *(**float32)(p))
	case checkedBytes:
		return nil
	}
	return CheckJSON(d, f.name, *(*JSON)(p))
}

var checkPlans sync.Map // type word of the model pointer → *checkPlan

// checkPlanOf is the plan of model struct t, which m points to.
func checkPlanOf(m any, t reflect.Type) *checkPlan {
	key := typeWord(m)
	if p, ok := checkPlans.Load(key); ok {
		return p.(*checkPlan)
	}
	p := &checkPlan{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("protoforge")
		if !ok {
			continue
		}
		if ct, ok := checkedTypes[f.Type]; ok {
			name, _ := tagField(tag)
			settings := schema.ParseTagSetting(f.Tag.Get("gorm"), ";")
			sorted := false
			for _, k := range []string{"INDEX", "UNIQUEINDEX", "UNIQUE", "PRIMARYKEY"} {
				_, in := settings[k]
				sorted = sorted || in
			}
			p.fields = append(p.fields, checkedField{off: f.Offset, typ: ct, name: name, sorted: sorted})
		}
	}
	got, _ := checkPlans.LoadOrStore(key, p)
	return got.(*checkPlan)
}
