package query

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/protoforge/protoforge/ormrt"
)

// Dialect is ormrt.Dialect, the database family SQL is written for: the
// same type under the name this package has always used.
type Dialect = ormrt.Dialect

// The supported dialects, ormrt's.
const (
	// Postgres is PostgreSQL.
	Postgres = ormrt.Postgres
	// MySQL is MySQL or MariaDB.
	MySQL = ormrt.MySQL
	// SQLite is SQLite.
	SQLite = ormrt.SQLite
)

// Kind is how a column stores its field, which decides the literals a
// filter may compare it with and the Go values bound for it.
type Kind int

// The column kinds.
const (
	// KindBool is a boolean column: BOOLEAN, or 0/1 on MySQL and SQLite.
	KindBool Kind = iota
	// KindInt is an integer column holding int32 or int64 values.
	KindInt
	// KindUint64 is a uint64 column as package ormrt stores it:
	// NUMERIC(20,0) on PostgreSQL, BIGINT UNSIGNED on MySQL, and TEXT of
	// exactly 20 zero-padded digits on SQLite.
	KindUint64
	// KindFloat is a float or double column.
	KindFloat
	// KindString is a text column.
	KindString
	// KindTimestamp is a timestamp column holding UTC times to the
	// microsecond: timestamptz on PostgreSQL, datetime(6) on MySQL and
	// datetime text on SQLite.
	KindTimestamp
	// KindEnum is an enum column stored by number (an integer column).
	KindEnum
	// KindEnumName is an enum column stored by value name (a text column).
	KindEnumName
	// KindStringList is a repeated string field stored as a JSON array
	// (jsonb on PostgreSQL, JSON on MySQL, text on SQLite): filters test
	// its elements with the has operator (tags:"sf").
	KindStringList
	// KindStringMap is a map<string, string> field stored as a JSON
	// object: filters test its keys (metadata:"lang") and compare its
	// values (metadata.lang = "en").
	KindStringMap
	// KindDuration is a google.protobuf.Duration column holding
	// microseconds (an integer column): filters compare it with AIP-160
	// durations, "90s", "1.5h", duration("2m").
	KindDuration
	// KindDurationNanos is KindDuration of a column holding nanoseconds.
	KindDurationNanos
)

var kindNames = [...]string{KindBool: "bool", KindInt: "int", KindUint64: "uint64", KindFloat: "float", KindString: "string", KindTimestamp: "timestamp", KindEnum: "enum", KindEnumName: "enum_name", KindStringList: "string_list", KindStringMap: "string_map", KindDuration: "duration", KindDurationNanos: "duration_nanos"}

// MarshalText and UnmarshalText spell a kind by a name of its own
// ("enum_name"), as descriptions in JSON hold it.
func (k Kind) MarshalText() ([]byte, error) {
	if k < 0 || int(k) >= len(kindNames) {
		return nil, fmt.Errorf("no kind %d", int(k))
	}
	return []byte(kindNames[k]), nil
}

func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("no column kind %q", b)
}

// collection reports whether k is a list or a map.
func (k Kind) collection() bool { return k == KindStringList || k == KindStringMap }

// String returns the name of k used in error messages.
func (k Kind) String() string {
	switch k {
	case KindBool:
		return "bool"
	case KindInt:
		return "integer"
	case KindUint64:
		return "uint64"
	case KindFloat:
		return "float"
	case KindString:
		return "string"
	case KindTimestamp:
		return "timestamp"
	case KindEnum, KindEnumName:
		return "enum"
	case KindStringList:
		return "list of strings"
	case KindStringMap:
		return "map of strings"
	case KindDuration, KindDurationNanos:
		return "duration"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Column is a stored field that filters and order_by may name.
type Column struct {
	// Path is the proto field name used in filters and order_by, e.g.
	// "author_id" or "create_time".
	Path string
	// Name is the SQL column name. It is always quoted for the dialect.
	Name string
	// Kind is how the column stores the field.
	Kind Kind
	// Canonical, when set on a string column (or a list or map of
	// strings), is the form its values are stored in: a string literal
	// compared with the column (an element, a map's value) is put in that
	// form first (a UUID in lowercase, AIP-202).
	Canonical func(string) string `json:"-"`
	// Enum is the enum type of a KindEnum or KindEnumName column.
	Enum protoreflect.EnumDescriptor
	// Nullable reports whether the column may be NULL (the field may be
	// unset). A filter treats NULL as a value equal to no literal and
	// ordered before or after none: f = v, f < v and the like are false for
	// it, f != v is true, and f:* tests that the field is set. order_by
	// refuses nullable columns.
	Nullable bool
	// Prefix is set on a string column that holds the id of a resource
	// name: filters write names ("shelves/1"), and the prefix ("shelves/")
	// is taken off before comparing.
	Prefix string
	// Collated marks a string column that compares in a collation of its
	// own rather than by code point (MySQL's binary one): a wildcard
	// pattern's prefix is then not read as a range of code points.
	Collated bool
	// KeyOnly marks a key column that filters and order_by do not name
	// (a variable of a resource name under a parent): it only breaks ties.
	KeyOnly bool
	// Parts is set on the AIP-122 name of a resource named under a
	// parent, which no one column holds: the Paths of the KeyOnly string
	// columns that hold the variables of Pattern
	// ("publishers/{publisher}/books/{book}"), in the pattern's order; or
	// of a set of patterns (ormrt.Patterns), in ormrt.PatternVars order,
	// a row holding "" in the parts of the variables its pattern lacks.
	// order_by orders by those columns in turn, each as it stores its
	// ids; a filter compares a whole name with = and != only, variable
	// by variable, an id holding * wildcards. Name is then the column of
	// the last variable, and Kind KindString.
	Parts   []string
	Pattern string
	// JSON, when set, makes the column a value inside the JSON column
	// Name holds (a message, a list or a map stored as JSON): the steps
	// that lead to it, as protojson writes them: a member's key ("format"
	// for ebook.format), Each ("[]", any element of an array) or Entry
	// ("{}", the entry of a map at a key the filter names, m.key, or any
	// entry where it names none). Kind is then the value's, one of
	// KindString, KindInt, KindUint64, KindBool and KindEnumName; a value
	// the object leaves out (protojson leaves out zero values, and a
	// message that is not set holds none) is its field's zero value.
	// Filters compare it, through a list with the has operator only
	// (some element matches, AIP-160); order_by does not name it. A value
	// inside a map's messages has the Path of the map, then "{}", then
	// its fields (m.{}.size), where a filter writes a key (m.k.size).
	JSON []string
	// MapKeys holds the kind of the keys of each map on the JSON steps
	// (one for each Entry), KindString, KindInt, KindUint64 or KindBool:
	// a filter's key is put in the form protojson writes it (a decimal
	// string, true or false).
	MapKeys []Kind
	// Zero is what a value inside JSON is when the object leaves it out:
	// its field's default (the zero value but where proto2 or editions
	// declare another), as text: a string, a decimal integer, true or
	// false, an enum value's name. It holds printable ASCII without
	// quotes or backslashes.
	Zero string
	// Presence marks a column that filters only test for being set: a
	// nullable column holding a message as JSON (spec:*), or a message
	// inside one (JSON: spec.size:*), or a list or map of messages (not
	// empty, r:*, or holding a key, m:"k"); the values are compared
	// through the columns of its fields.
	Presence bool
}

// Table describes the columns of one resource's table.
type Table struct {
	// Dialect is the database the SQL is written for.
	Dialect ormrt.Dialect
	// Columns lists the fields filters and order_by may name.
	Columns []Column
	// From is the table as the statement's FROM clause names it, quoted:
	// filters on KindStringList and KindStringMap columns, and on values
	// inside lists and maps (Column.JSON), name the column with it inside
	// their subqueries, on SQLite, where a bare name inside
	// json_each(…) could mean one of json_each's own columns, on MySQL
	// and MariaDB, where a bare name could mean one of JSON_TABLE's, and
	// on PostgreSQL, one of jsonb_each's.
	From string
	// Key lists the Paths of the primary key columns, in order; they end
	// every ordering as tie-breakers.
	Key []string
	// InputOnly, if set, reports whether a field path names an INPUT_ONLY
	// field of the resource or goes through one (AIP-203). Such a field
	// has no column, and a filter or order_by that names it is refused
	// saying so rather than as a field the resource does not have.
	InputOnly func(path string) bool
}

// inputOnlyError is why a filter or order_by may not name path, when it
// is INPUT_ONLY (Table.InputOnly), or "".
func (t *Table) inputOnlyError(path string) string {
	if t.InputOnly == nil || !t.InputOnly(path) {
		return ""
	}
	return fmt.Sprintf("field %s is INPUT_ONLY: no answer tells its value, so no filter or order_by names it (AIP-203)", quoteText(path))
}

// column returns the column filters and order_by name path, or nil.
func (t *Table) column(path string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Path == path && !t.Columns[i].KeyOnly {
			return &t.Columns[i]
		}
	}
	return nil
}

// keyColumn returns the column of key path, or nil.
func (t *Table) keyColumn(path string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Path == path {
			return &t.Columns[i]
		}
	}
	return nil
}

// quote returns name quoted as an identifier of t's dialect.
func (t *Table) quote(name string) string {
	return ormrt.QuoteIdent(t.Dialect, name)
}

// checkColumns reports a Table whose dialect or columns are not usable.
// These are errors of the program, not of the request, so they are not
// *Error.
func (t *Table) checkColumns() error {
	if t == nil {
		return fmt.Errorf("query: nil Table")
	}
	switch t.Dialect {
	case Postgres, MySQL, SQLite:
	default:
		return fmt.Errorf("query: Table.Dialect %q is not one of postgres, mysql, sqlite", t.Dialect)
	}
	seen := make(map[string]bool, len(t.Columns))
	for i := range t.Columns {
		c := &t.Columns[i]
		switch {
		case c.Path == "":
			return fmt.Errorf("query: Table.Columns[%d] has no Path", i)
		case c.Name == "":
			return fmt.Errorf("query: column %q has no Name", c.Path)
		case seen[c.Path]:
			return fmt.Errorf("query: column %q is listed twice", c.Path)
		case c.Kind < KindBool || c.Kind > KindDurationNanos:
			return fmt.Errorf("query: column %q has unknown %v", c.Path, c.Kind)
		case (c.Kind == KindStringList || c.Kind == KindStringMap) && t.From == "":
			return fmt.Errorf("query: column %q is a %v, which needs Table.From", c.Path, c.Kind)
		case (c.Kind == KindEnum || c.Kind == KindEnumName) && c.Enum == nil:
			return fmt.Errorf("query: enum column %q has no Enum descriptor", c.Path)
		case c.Presence && (c.Nullable == (c.JSON != nil) || c.KeyOnly):
			return fmt.Errorf("query: column %q is tested for presence only, which needs a nullable column or a value inside JSON", c.Path)
		case c.JSON != nil && (c.Nullable || c.Prefix != "" || c.KeyOnly || !jsonKinds[c.Kind]):
			return fmt.Errorf("query: column %q is a value inside JSON, which is a string, integer, bool or enum name, never null", c.Path)
		case c.JSON != nil && collectionSteps(c.JSON) && t.From == "":
			return fmt.Errorf("query: column %q is inside a list or map, which needs Table.From", c.Path)
		case countSteps(c.JSON, Entry) != len(c.MapKeys):
			return fmt.Errorf("query: column %q has %d MapKeys for %d map entries on its JSON steps", c.Path, len(c.MapKeys), countSteps(c.JSON, Entry))
		}
		for _, k := range c.MapKeys {
			if !mapKeyKinds[k] {
				return fmt.Errorf("query: column %q: map key kind %v is not a string, integer or bool", c.Path, k)
			}
		}
		if !jsonZero(c) {
			return fmt.Errorf("query: column %q: Zero %q is no %v a filter can spell", c.Path, c.Zero, c.Kind)
		}
		for _, k := range c.JSON {
			if !jsonKey.MatchString(k) && k != Each && k != Entry {
				return fmt.Errorf("query: column %q: JSON key %q is not an identifier, %s or %s", c.Path, k, Each, Entry)
			}
		}
		seen[c.Path] = true
	}
	for i := range t.Columns {
		if c := &t.Columns[i]; c.Parts != nil || c.Pattern != "" {
			if err := t.checkName(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkName reports a resource name column whose pattern or parts do not
// fit (see Column.Parts).
func (t *Table) checkName(c *Column) error {
	// A pattern set (ormrt.Patterns) has a part for each of its
	// variables.
	vars := len(ormrt.PatternVars(c.Pattern))
	if c.Kind != KindString || c.Nullable || c.KeyOnly || c.JSON != nil || c.Prefix != "" || c.Presence || vars != len(c.Parts) || vars < 2 {
		return fmt.Errorf("query: column %q is a resource name, which needs a pattern of two variables or more, one string part each, and nothing else", c.Path)
	}
	for _, part := range c.Parts {
		if k := t.keyColumn(part); k == nil || !k.KeyOnly || k.Kind != KindString {
			return fmt.Errorf("query: column %q: part %q is not a KeyOnly string column", c.Path, part)
		}
	}
	return nil
}

// checkKey reports a Table whose key cannot break ties in an ordering.
func (t *Table) checkKey() error {
	if err := t.checkColumns(); err != nil {
		return err
	}
	if len(t.Key) == 0 {
		return fmt.Errorf("query: Table.Key is empty")
	}
	seen := make(map[string]bool, len(t.Key))
	for _, k := range t.Key {
		c := t.keyColumn(k)
		switch {
		case c == nil:
			return fmt.Errorf("query: key %q is not one of Table.Columns", k)
		case c.Nullable:
			return fmt.Errorf("query: key column %q is nullable", k)
		case seen[k]:
			return fmt.Errorf("query: key %q is listed twice", k)
		}
		seen[k] = true
	}
	return nil
}

// maxListedFields bounds the field names an error message lists.
const maxListedFields = 30

// fieldList returns the sorted Paths of the columns keep accepts, for an
// error message.
func (t *Table) fieldList(keep func(*Column) bool) string {
	var names []string
	for i := range t.Columns {
		if !t.Columns[i].KeyOnly && (keep == nil || keep(&t.Columns[i])) {
			names = append(names, t.Columns[i].Path)
		}
	}
	sort.Strings(names)
	if len(names) > maxListedFields {
		names = append(names[:maxListedFields], "…")
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Condition is SQL with ? placeholders and the values bound to them, for
// GORM's db.Where(c.SQL, c.Args...). The zero Condition means no
// condition; callers skip Where when SQL is empty.
type Condition struct {
	// SQL is a boolean expression, parenthesized when it combines others,
	// so it can be joined with AND as it is.
	SQL string
	// Args holds one value per ? in SQL, in order.
	Args []any
}

// Error is a client error in a request field; a service maps it to
// InvalidArgument.
type Error struct {
	// Field is the request field at fault: "filter", "order_by" or
	// "page_token".
	Field string
	// Msg describes the problem, and where in the field it is.
	Msg string
}

// Error returns "<field>: <msg>".
func (e *Error) Error() string { return e.Field + ": " + e.Msg }

// quoteText quotes user text for an error message, shortened if long.
func quoteText(s string) string {
	const max = 64
	if len(s) > max {
		cut := max
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q…", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// jsonKinds are the kinds of values inside JSON that filters compare.
var jsonKinds = map[Kind]bool{KindString: true, KindInt: true, KindUint64: true, KindBool: true, KindEnumName: true}

// mapKeyKinds are the kinds of map keys filters name.
var mapKeyKinds = map[Kind]bool{KindString: true, KindInt: true, KindUint64: true, KindBool: true}

// The steps of Column.JSON that are not keys.
const (
	// Each is any element of an array (a list).
	Each = "[]"
	// Entry is the entry of an object (a map) at a key a filter names.
	Entry = "{}"
)

// collectionSteps reports whether steps pass through a list or a map.
func collectionSteps(steps []string) bool {
	return countSteps(steps, Each)+countSteps(steps, Entry) > 0
}

func countSteps(steps []string, step string) int {
	n := 0
	for _, s := range steps {
		if s == step {
			n++
		}
	}
	return n
}

// jsonKey is a key a JSON path names without quoting.
var jsonKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// jsonZero reports whether c's Zero is one of its kind that SQL can
// spell as it is.
func jsonZero(c *Column) bool {
	z := c.Zero
	if z == "" {
		return true
	}
	switch c.Kind {
	case KindInt:
		_, err := strconv.ParseInt(z, 10, 64)
		return err == nil
	case KindUint64:
		_, err := strconv.ParseUint(z, 10, 64)
		return err == nil
	case KindBool:
		return z == "true" || z == "false"
	}
	return Spellable(z)
}

// Spellable reports whether SQL can spell s as a literal as it is, on
// every dialect: printable ASCII without quotes or backslashes.
func Spellable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' || s[i] == '\'' || s[i] == '\\' {
			return false
		}
	}
	return true
}
