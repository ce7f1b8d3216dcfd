package ormrt

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// Column types of a JSON value, per dialect.
const (
	// JSONColumnPostgres is the PostgreSQL column type of a JSON value.
	JSONColumnPostgres = "JSONB"
	// JSONColumnMySQL is the MySQL column type of a JSON value.
	JSONColumnMySQL = "JSON"
	// JSONColumnMariaDB is the MariaDB column type of a JSON value. MariaDB's
	// JSON is LONGTEXT under another name, which its catalog reports as
	// longtext; declaring LONGTEXT keeps a repeated AutoMigrate from
	// rebuilding the table every time to turn longtext into JSON.
	JSONColumnMariaDB = "LONGTEXT"
	// JSONColumnSQLite is the SQLite column type of a JSON value.
	JSONColumnSQLite = "TEXT"
)

// JSON is the JSON text of one protobuf field, as stored in a JSON column:
// repeated fields, maps, messages that are not models of their own, and the
// well-known types Struct, Value, ListValue and Any. A nil JSON is SQL NULL.
type JSON []byte

// GormDataType returns the GORM data type name of JSON.
func (JSON) GormDataType() string { return "json" }

// GormDBDataType returns the column type of a JSON value on the database db
// is connected to. AutoMigrate uses it.
func (JSON) GormDBDataType(db *gorm.DB, _ *schema.Field) string {
	d := DialectOf(db)
	if d == MySQL && isMariaDB(db) {
		return JSONColumnMariaDB
	}
	return JSONColumn(d)
}

// JSONColumn returns the column type of a JSON value on dialect d: JSONB on
// PostgreSQL, JSON on MySQL and TEXT on SQLite (and on any other dialect).
// On a MariaDB server, GormDBDataType gives JSONColumnMariaDB instead.
func JSONColumn(d Dialect) string {
	switch d {
	case Postgres:
		return JSONColumnPostgres
	case MySQL:
		return JSONColumnMySQL
	default:
		return JSONColumnSQLite
	}
}

// Value returns j as a string, or nil (SQL NULL) when j is nil.
func (j JSON) Value() (driver.Value, error) {
	if j == nil {
		return nil, nil
	}
	return string(j), nil
}

// Scan reads a JSON value from a []byte or string; NULL gives a nil JSON.
// The bytes are copied, since database drivers may reuse their buffers.
func (j *JSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j = nil
	case []byte:
		*j = append(JSON{}, v...)
	case string:
		*j = JSON(v)
	default:
		return fmt.Errorf("ormrt.JSON: cannot scan %T", src)
	}
	return nil
}

// The protojson options used on both sides. Partial messages are allowed:
// the message that carries a single field lacks the others, and required
// fields are a concern of the whole message, not of one column.
var (
	jsonMarshal         = protojson.MarshalOptions{AllowPartial: true}
	jsonMarshalDefaults = protojson.MarshalOptions{AllowPartial: true, EmitDefaultValues: true}
	jsonUnmarshal       = protojson.UnmarshalOptions{AllowPartial: true}
)

// FieldToJSON encodes the value of field number num of m as protojson
// encodes it (64-bit integers as strings, NaN and infinities as strings,
// bytes as base64, enums by name or by number when unknown), compacted so
// that equal values give equal bytes. Lists and maps are never nil: empty
// ones give [] and {}. A field with presence that is not set gives nil (SQL
// NULL); a set message field gives its JSON object, {} when empty. Errors,
// such as an Any whose type is not linked into the program, name the field.
func FieldToJSON(m protoreflect.Message, num protoreflect.FieldNumber) (JSON, error) {
	fd := m.Descriptor().Fields().ByNumber(num)
	if fd == nil {
		return nil, fieldErrorf(string(m.Descriptor().FullName()), "no field number %d", num)
	}
	if fd.HasPresence() && !m.Has(fd) {
		return nil, nil
	}
	if out, ok := encodeSimple(m, fd); ok {
		return out, nil
	}
	tmp := m.Type().New()
	if m.Has(fd) {
		tmp.Set(fd, m.Get(fd))
	}
	out, err := jsonMarshal.Marshal(tmp.Interface())
	if err != nil {
		return nil, &FieldError{Field: string(fd.FullName()), Err: err}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(out, &obj); err != nil {
		return nil, &FieldError{Field: string(fd.FullName()), Err: err}
	}
	raw, ok := obj[fd.JSONName()]
	if !ok {
		switch {
		case fd.IsList():
			return JSON("[]"), nil
		case fd.IsMap():
			return JSON("{}"), nil
		}
		// A scalar without presence holding its zero value: encode the
		// zero value rather than NULL.
		out, err = jsonMarshalDefaults.Marshal(tmp.Interface())
		if err != nil {
			return nil, &FieldError{Field: string(fd.FullName()), Err: err}
		}
		obj = nil
		if err := json.Unmarshal(out, &obj); err != nil {
			return nil, &FieldError{Field: string(fd.FullName()), Err: err}
		}
		if raw, ok = obj[fd.JSONName()]; !ok {
			return nil, nil
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, &FieldError{Field: string(fd.FullName()), Err: err}
	}
	return JSON(buf.Bytes()), nil
}

// JSONToField decodes data, as written by FieldToJSON, into field number
// num of m, replacing its value. A nil data clears the field. Errors name
// the field.
func JSONToField(m protoreflect.Message, num protoreflect.FieldNumber, data JSON) error {
	fd := m.Descriptor().Fields().ByNumber(num)
	if fd == nil {
		return fieldErrorf(string(m.Descriptor().FullName()), "no field number %d", num)
	}
	if data == nil {
		m.Clear(fd)
		return nil
	}
	if done, err := decodeStrings(m, fd, data); done || err != nil {
		return err
	}
	if !json.Valid(data) {
		return fieldErrorf(string(fd.FullName()), "invalid JSON %q", truncate(string(data)))
	}
	name, err := json.Marshal(fd.JSONName())
	if err != nil {
		return &FieldError{Field: string(fd.FullName()), Err: err}
	}
	wrapped := make([]byte, 0, len(name)+len(data)+3)
	wrapped = append(wrapped, '{')
	wrapped = append(wrapped, name...)
	wrapped = append(wrapped, ':')
	wrapped = append(wrapped, data...)
	wrapped = append(wrapped, '}')
	tmp := m.Type().New()
	if err := jsonUnmarshal.Unmarshal(wrapped, tmp.Interface()); err != nil {
		return &FieldError{Field: string(fd.FullName()), Err: err}
	}
	if tmp.Has(fd) {
		m.Set(fd, tmp.Get(fd))
	} else {
		m.Clear(fd)
	}
	return nil
}

// decodeStrings decodes the common columns whose JSON is plain JSON
// strings, repeated string and map<string, string>, without the protojson
// detour, and empty lists and maps of any kind. It reports whether it
// handled the field.
func decodeStrings(m protoreflect.Message, fd protoreflect.FieldDescriptor, data JSON) (bool, error) {
	switch string(data) {
	case "[]":
		if fd.IsList() {
			m.Clear(fd)
			return true, nil
		}
	case "{}":
		if fd.IsMap() {
			m.Clear(fd)
			return true, nil
		}
	}
	switch {
	case fd.IsList() && fd.Kind() == protoreflect.StringKind:
		v, err := decodeStringList(data)
		if err != nil {
			return true, &FieldError{Field: string(fd.FullName()), Err: err}
		}
		l := m.Mutable(fd).List()
		for _, s := range v {
			l.Append(protoreflect.ValueOfString(s))
		}
		return true, nil
	case fd.IsMap() && fd.MapKey().Kind() == protoreflect.StringKind && fd.MapValue().Kind() == protoreflect.StringKind:
		v, err := decodeStringMap(data)
		if err != nil {
			return true, &FieldError{Field: string(fd.FullName()), Err: err}
		}
		mp := m.Mutable(fd).Map()
		for k, s := range v {
			mp.Set(protoreflect.ValueOfString(k).MapKey(), protoreflect.ValueOfString(s))
		}
		return true, nil
	}
	return false, nil
}

// encodeSimple encodes, without the protojson detour, empty lists and maps
// and the common string lists and string maps, whose protojson form is
// plain JSON strings. It reports whether it handled the field.
func encodeSimple(m protoreflect.Message, fd protoreflect.FieldDescriptor) (JSON, bool) {
	switch {
	case fd.IsList():
		l := m.Get(fd).List()
		if l.Len() == 0 {
			return JSON("[]"), true
		}
		if fd.Kind() != protoreflect.StringKind {
			return nil, false
		}
		v := make([]string, l.Len())
		for i := range v {
			v[i] = l.Get(i).String()
		}
		return encodeStrings(v)
	case fd.IsMap():
		mp := m.Get(fd).Map()
		if mp.Len() == 0 {
			return JSON("{}"), true
		}
		if fd.MapKey().Kind() != protoreflect.StringKind || fd.MapValue().Kind() != protoreflect.StringKind {
			return nil, false
		}
		v := make(map[string]string, mp.Len())
		mp.Range(func(k protoreflect.MapKey, val protoreflect.Value) bool {
			v[k.String()] = val.String()
			return true
		})
		return encodeStringMap(v)
	}
	return nil, false
}

// encodeStrings encodes a repeated string as protojson does, and reports
// whether it could: not when a string is invalid UTF-8, which protojson
// reports.
func encodeStrings(v []string) (JSON, bool) {
	if len(v) == 0 {
		return JSON("[]"), true
	}
	for _, s := range v {
		if !utf8.ValidString(s) {
			return nil, false
		}
	}
	return marshalPlain(v)
}

// encodeStringMap is encodeStrings for a map<string, string>.
func encodeStringMap(v map[string]string) (JSON, bool) {
	if len(v) == 0 {
		return JSON("{}"), true
	}
	for k, s := range v {
		if !utf8.ValidString(k) || !utf8.ValidString(s) {
			return nil, false
		}
	}
	return marshalPlain(v) // encoding/json sorts map keys
}

func marshalPlain(v any) (JSON, bool) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, false
	}
	return JSON(strings.TrimSuffix(b.String(), "\n")), true
}

// decodeStringList decodes a JSON array of strings, as encoding/json does.
func decodeStringList(data []byte) ([]string, error) {
	if v, ok := plainStrings(data, '[', ']'); ok {
		return v, nil
	}
	var v []string
	err := json.Unmarshal(data, &v)
	return v, err
}

// decodeStringMap decodes a JSON object of string members, as
// encoding/json does (the last of duplicate keys wins).
func decodeStringMap(data []byte) (map[string]string, error) {
	if kv, ok := plainStrings(data, '{', '}'); ok {
		v := make(map[string]string, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			v[kv[i]] = kv[i+1]
		}
		return v, nil
	}
	var v map[string]string
	err := json.Unmarshal(data, &v)
	return v, err
}

// plainStrings splits data, a JSON array of strings (open '[') or an
// object of string members (open '{', giving key, value, key, value…),
// into its strings, when no string holds an escape, a control character
// or invalid UTF-8: the common case, which it reads without reflection.
// It reports false for anything else, valid or not, which encoding/json
// then decodes or refuses.
func plainStrings(data []byte, open, close byte) ([]string, bool) {
	i := skipSpace(data, 0)
	if i == len(data) || data[i] != open {
		return nil, false
	}
	out := []string{} // as encoding/json: empty, not nil
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == close {
		return out, skipSpace(data, i+1) == len(data)
	}
	for {
		if i == len(data) || data[i] != '"' {
			return nil, false
		}
		end := bytes.IndexByte(data[i+1:], '"')
		if end < 0 {
			return nil, false
		}
		str := data[i+1 : i+1+end]
		for _, c := range str {
			if c < 0x20 || c == '\\' {
				return nil, false
			}
		}
		if !utf8.Valid(str) {
			return nil, false
		}
		out = append(out, string(str))
		i = skipSpace(data, i+end+2)
		if i == len(data) {
			return nil, false
		}
		sep := byte(',')
		if open == '{' && len(out)%2 == 1 {
			sep = ':'
		}
		switch {
		case data[i] == sep:
			i = skipSpace(data, i+1)
		case data[i] == close && sep == ',':
			return out, skipSpace(data, i+1) == len(data)
		default:
			return nil, false
		}
	}
}

// skipSpace returns the index of the first byte of data at or past i that
// is not JSON whitespace.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}
