package query

import (
	"errors"
	"github.com/protoforge/protoforge/ormrt"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"gorm.io/gorm"
)

// bookState is an enum like generated code's, built from a descriptor.
var bookState = func() protoreflect.EnumDescriptor {
	values := []string{"BOOK_STATE_UNSPECIFIED", "BOOK_STATE_DRAFT", "BOOK_STATE_PUBLISHED", "BOOK_STATE_ARCHIVED"}
	enum := &descriptorpb.EnumDescriptorProto{Name: proto.String("BookState")}
	for i, v := range values {
		enum.Value = append(enum.Value, &descriptorpb.EnumValueDescriptorProto{Name: proto.String(v), Number: proto.Int32(int32(i))})
	}
	f, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:     proto.String("querytest/book.proto"),
		Package:  proto.String("querytest"),
		Syntax:   proto.String("proto3"),
		EnumType: []*descriptorpb.EnumDescriptorProto{enum},
	}, nil)
	if err != nil {
		panic(err)
	}
	return f.Enums().Get(0)
}()

// Enum numbers of bookState.
const (
	stateDraft     = 1
	statePublished = 2
	stateArchived  = 3
)

// testTable has a column of every kind. Some SQL names differ from the
// paths, and two are reserved words, so quoting and mapping show.
func testTable(d Dialect) *Table {
	return &Table{
		Dialect: d,
		Key:     []string{"id"},
		Columns: []Column{
			{Path: "id", Name: "id", Kind: KindInt},
			{Path: "active", Name: "active", Kind: KindBool},
			{Path: "count", Name: "n", Kind: KindInt},
			{Path: "serial", Name: "u", Kind: KindUint64},
			{Path: "score", Name: "score", Kind: KindFloat},
			{Path: "title", Name: "order", Kind: KindString},
			{Path: "create_time", Name: "create_time", Kind: KindTimestamp},
			{Path: "state", Name: "state", Kind: KindEnum, Enum: bookState},
			{Path: "state_name", Name: "state_name", Kind: KindEnumName, Enum: bookState},
			{Path: "rank", Name: "rank", Kind: KindInt, Nullable: true},
			{Path: "expire_time", Name: "expire_time", Kind: KindTimestamp, Nullable: true},
		},
	}
}

// collectionTable is testTable with a list and a map of strings.
func collectionTable(d Dialect) *Table {
	t := testTable(d)
	t.From = ormrt.QuoteIdent(d, "qt_rows")
	t.Columns = append(t.Columns,
		Column{Path: "tags", Name: "tags", Kind: KindStringList},
		Column{Path: "metadata", Name: "meta", Kind: KindStringMap})
	return t
}

var dialects = []Dialect{Postgres, MySQL, SQLite}

// asError returns err as an *Error of field, failing t otherwise.
func asError(t testing.TB, err error, field string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want a *query.Error", err, err)
	}
	if e.Field != field {
		t.Fatalf("error field %q, want %q (%v)", e.Field, field, e)
	}
	return e
}

// sqlWords is what a Condition's SQL may hold besides quoted column names:
// keywords, operators, placeholders and the LIKE escape character.
var sqlWords = regexp.MustCompile(`^(?:\s+|\(|\)|\?|,|<>|<=|>=|=|<|>|@>|->|AND|OR|NOT|LIKE|GLOB|ESCAPE|'!'|IS|NULL|CAST|AS|BIGINT|DOUBLE|PRECISION|` +
	// Lists and maps of strings.
	`text|jsonb_build_array|jsonb_build_object|jsonb_array_length|'\{\}'::jsonb|0|1|JSON_CONTAINS|JSON_QUOTE|JSON_KEYS|JSON_OBJECT|JSON_LENGTH|LOCATE|CHAR|92|` +
	`JSON_TABLE|'\$\[\*\]'|COLUMNS|s LONGTEXT CHARACTER SET utf8mb4 PATH '\$'|[epv] JSON PATH '\$'|JSON_TYPE|'STRING'|BINARY|` +
	`JSON_EXTRACT|CONCAT|'\$\.'|JSON_UNQUOTE|j\.[sep]|` +
	`EXISTS|SELECT|FROM|WHERE|json_each|j\.type|'text'|j\.value|j\.key|j|` +
	// Paths through lists and maps, and values inside JSON.
	`pf_j\d+|pf_j\d+\.(?:v|k|s|p|value|key|type)|v|jsonb_array_elements|jsonb_each|jsonb_typeof|'array'|'object'|#>>|#>|'\{\}'|` +
	`jsonb_path_query|'lax \$(?:\[\*\]|\.\*|\."[A-Za-z_]\w*")+'|` +
	`'\{"[A-Za-z_]\w*"(?:,"[A-Za-z_]\w*")*\}'|'\$(?:\.[A-Za-z_]\w*)*(?:\[\*\]|\.)?'|` +
	`numeric|boolean|COALESCE|NUMERIC|UNSIGNED|SIGNED|INTEGER|BOOLEAN|TRUE|FALSE|'true'|'0'|''|'00000000000000000000'|\|\||-20|COLLATE|"C"|json_extract|json_type|` +
	// SQLite's wildcard match of strings that hold NUL.
	`CASE|WHEN|THEN|ELSE|END|instr|char|length|substr|BLOB|\+|-|WITH|RECURSIVE|UNION|ALL|JOIN|ON|` +
	`pf_glob|pf_glob\.k|pf_glob\.rest|pf_part|pf_part\.value|pf_part\.key|k|rest)*$`)

// checkOnlyPlaceholders fails t unless c's SQL consists of t's quoted
// column names and sqlWords, with one ? per argument: no text of the
// filter reaches the SQL.
func checkOnlyPlaceholders(t testing.TB, tb *Table, c Condition) {
	t.Helper()
	rest := c.SQL
	if tb.From != "" {
		rest = strings.ReplaceAll(rest, tb.From+".", " ")
	}
	for _, col := range tb.Columns {
		rest = strings.ReplaceAll(rest, tb.quote(col.Name), " ")
		// A value inside JSON that the JSON leaves out is its zero value.
		if col.Zero != "" {
			rest = strings.ReplaceAll(rest, "'"+col.Zero+"'", " ")
		}
		if col.Enum != nil && col.Enum.Values().ByNumber(0) != nil {
			rest = strings.ReplaceAll(rest, "'"+string(col.Enum.Values().ByNumber(0).Name())+"'", " ")
		}
	}
	if !sqlWords.MatchString(rest) {
		t.Fatalf("SQL %q holds more than column names, keywords and placeholders (left: %q)", c.SQL, rest)
	}
	if n := strings.Count(c.SQL, "?"); n != len(c.Args) {
		t.Fatalf("SQL %q has %d placeholders for %d args", c.SQL, n, len(c.Args))
	}
}

func errorsAs(err error, target **Error) bool { return errors.As(err, target) }

// createStringTable creates table name (id BIGINT PRIMARY KEY, title)
// with title text, VARCHAR(64) in collation on MySQL, and returns db's
// dialect.
func createStringTable(t testing.TB, db *gorm.DB, name, collation string) Dialect {
	t.Helper()
	d := Dialect(db.Dialector.Name())
	ddl := "CREATE TABLE " + name + " (id BIGINT PRIMARY KEY, title TEXT NOT NULL)"
	if d == MySQL {
		ddl = "CREATE TABLE " + name + " (id BIGINT PRIMARY KEY, title VARCHAR(64) NOT NULL) CHARSET utf8mb4 COLLATE " + collation
	}
	if err := db.Exec(ddl).Error; err != nil {
		t.Fatal(err)
	}
	return d
}
