package query

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

// collectionRow is a row of qc_rows: a list and a map of strings stored
// as JSON, with values that differ only in case, trailing spaces,
// normalization, quotes and metacharacters, and in the characters JSON
// writers escape (control characters, U+2028, U+2029, <, > and &) or
// leave as they are (U+007F, /, characters outside the BMP).
type collectionRow struct {
	id   int64
	tags []string
	meta map[string]string
}

var collectionRows = []collectionRow{
	{1, []string{"a", "b"}, map[string]string{"lang": "en", "k.dot": "v"}},
	{2, []string{"A"}, map[string]string{"lang": "EN"}},
	{3, []string{"a "}, map[string]string{"lang": "en "}},
	{4, []string{"é"}, map[string]string{"é": "e\u0301"}},
	{5, []string{"e\u0301", "𝄞"}, map[string]string{`q"uote`: `back\slash`}},
	{6, []string{}, map[string]string{}},
	{7, []string{`O'Brien "x"`, "%_*"}, map[string]string{"": "empty key", "lang": ""}},
	{8, []string{"1", "[1]"}, map[string]string{"n": "1", "lang": "en\tx"}},
	{9, []string{"p\u2029", "<&>", "x\x0by"}, map[string]string{"\u2028": "p\u2029", "c": "a\x1fb", "h": "<&>", "k": "p\u2029", "p\u2029": "k"}},
	{10, []string{"p", "p\u2028", "\x7f", "a/b", "\b\f\n\r\x01"}, map[string]string{"\u2029": "p", "c": "a\x1eb", "h": "<&>\x7f", "k": "p\u2028", "<&>": "\b\f\n\r\x01", "\x7f": "<&>"}},
	{11, []string{"😀", "\U0010FFFD", "\u2028\u2029"}, map[string]string{"😀": "\U0010FFFD", "/": "a/b", "a/b": "p\u2028", "k": "p", "c": "\x7f"}},
}

// collectionSpellings are the ways the rows are written as JSON text: a
// string has many spellings, and a filter must find it in each, since
// rows written earlier, or by other programs, keep theirs.
var collectionSpellings = []struct {
	name   string
	encode func(v any) string
}{
	// ormrt's writer, which writes U+2028 and U+2029 as \u2028 and
	// \u2029 and control characters as \b, \f, \n, \r, \t or \u00xx.
	{"ormrt", ormrtJSON},
	// encoding/json's Marshal, which also escapes <, > and &.
	{"json", func(v any) string {
		out, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return string(out)
	}},
	// protojson, ormrt's writer before string lists and maps were written
	// directly: U+2028 and U+2029 as they are.
	{"protojson", func(v any) string {
		var m proto.Message
		var err error
		switch v := v.(type) {
		case []string:
			m, err = structpb.NewList(anys(v))
		case map[string]string:
			mv := map[string]any{}
			for k, s := range v {
				mv[k] = s
			}
			m, err = structpb.NewStruct(mv)
		}
		if err != nil {
			panic(err)
		}
		out, err := protojson.Marshal(m)
		if err != nil {
			panic(err)
		}
		return string(out)
	}},
	// Every character escaped, in upper-case hexadecimal, characters
	// outside the BMP as surrogate pairs.
	{"escaped", func(v any) string {
		str := func(s string) string {
			var b strings.Builder
			b.WriteByte('"')
			for _, r := range s {
				for _, u := range utf16.Encode([]rune{r}) {
					fmt.Fprintf(&b, `\u%04X`, u)
				}
			}
			b.WriteByte('"')
			return b.String()
		}
		var parts []string
		switch v := v.(type) {
		case []string:
			for _, s := range v {
				parts = append(parts, str(s))
			}
			return "[" + strings.Join(parts, ",") + "]"
		case map[string]string:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				parts = append(parts, str(k)+":"+str(v[k]))
			}
			return "{" + strings.Join(parts, ",") + "}"
		}
		panic(v)
	}},
}

// collectionMessage is a message with a list (field 1) and a map (field
// 2) of strings, for ormrtJSON.
var collectionMessage = func() protoreflect.MessageDescriptor {
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	rep := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:    proto.String("qc.proto"),
		Package: proto.String("qc"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Row"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("tags"), Number: proto.Int32(1), Label: rep, Type: str, JsonName: proto.String("tags")},
				{Name: proto.String("metadata"), Number: proto.Int32(2), Label: rep, Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(),
					TypeName: proto.String(".qc.Row.MetadataEntry"), JsonName: proto.String("metadata")},
			},
			NestedType: []*descriptorpb.DescriptorProto{{
				Name: proto.String("MetadataEntry"),
				Field: []*descriptorpb.FieldDescriptorProto{
					{Name: proto.String("key"), Number: proto.Int32(1), Label: opt, Type: str, JsonName: proto.String("key")},
					{Name: proto.String("value"), Number: proto.Int32(2), Label: opt, Type: str, JsonName: proto.String("value")},
				},
				Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
			}},
		}},
	}, nil)
	if err != nil {
		panic(err)
	}
	return fd.Messages().Get(0)
}()

// ormrtJSON writes a list or map of strings as ormrt.FieldToJSON does.
func ormrtJSON(v any) string {
	m := dynamicpb.NewMessage(collectionMessage)
	num := protoreflect.FieldNumber(1)
	switch v := v.(type) {
	case []string:
		l := m.Mutable(m.Descriptor().Fields().ByNumber(num)).List()
		for _, s := range v {
			l.Append(protoreflect.ValueOfString(s))
		}
	case map[string]string:
		num = 2
		mp := m.Mutable(m.Descriptor().Fields().ByNumber(num)).Map()
		for k, s := range v {
			mp.Set(protoreflect.ValueOfString(k).MapKey(), protoreflect.ValueOfString(s))
		}
	}
	out, err := ormrt.FieldToJSON(m, num)
	if err != nil {
		panic(err)
	}
	return string(out)
}

func anys(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

func collectionIDs(keep func(r collectionRow) bool) []int64 {
	ids := []int64{}
	for _, r := range collectionRows {
		if keep(r) {
			ids = append(ids, r.id)
		}
	}
	return ids
}

// TestDBCollections runs the has operator and map-value comparisons on
// lists and maps of strings stored as JSON, on every database and in each
// of collectionSpellings: a value matches only the same string, byte for
// byte, however the JSON text spells it.
func TestDBCollections(t *testing.T) {
	has := func(v string) func(r collectionRow) bool {
		return func(r collectionRow) bool { return slices.Contains(r.tags, v) }
	}
	key := func(k string) func(r collectionRow) bool {
		return func(r collectionRow) bool { _, ok := r.meta[k]; return ok }
	}
	value := func(k, v string) func(r collectionRow) bool {
		return func(r collectionRow) bool { got, ok := r.meta[k]; return ok && got == v }
	}
	not := func(f func(r collectionRow) bool) func(r collectionRow) bool {
		return func(r collectionRow) bool { return !f(r) }
	}
	cases := []struct {
		filter string
		keep   func(r collectionRow) bool
	}{
		{`tags:"a"`, has("a")},
		{`tags:"A"`, has("A")},
		{`tags:"a "`, has("a ")},
		{`tags:"é"`, has("é")},
		{"tags:\"e\u0301\"", has("e\u0301")},
		{`tags:"𝄞"`, has("𝄞")},
		{`tags:"O'Brien \"x\""`, has(`O'Brien "x"`)},
		{`tags:"%_\*"`, has("%_*")},
		{`tags:"1"`, has("1")},
		{`tags:"[1]"`, has("[1]")},
		{`tags:"c"`, has("c")},
		{`tags:*`, func(r collectionRow) bool { return len(r.tags) > 0 }},
		{`NOT tags:"a"`, not(has("a"))},
		{`-tags:"A"`, not(has("A"))},
		{`metadata:"lang"`, key("lang")},
		{`metadata:"k.dot"`, key("k.dot")},
		{`metadata:"q\"uote"`, key(`q"uote`)},
		{`metadata:""`, key("")},
		{`metadata:"LANG"`, key("LANG")},
		{`metadata:*`, func(r collectionRow) bool { return len(r.meta) > 0 }},
		{`metadata.lang = "en"`, value("lang", "en")},
		{`metadata.lang = "EN"`, value("lang", "EN")},
		{`metadata.lang = "en "`, value("lang", "en ")},
		{`metadata.lang = ""`, value("lang", "")},
		{`metadata.lang = "en\tx"`, value("lang", "en\tx")},
		{`metadata.lang != "en"`, not(value("lang", "en"))},
		{`metadata.lang:"en"`, value("lang", "en")},
		{`metadata.lang:*`, key("lang")},
		{`metadata.n = "1"`, value("n", "1")},
		{"metadata.é = \"e\u0301\"", value("é", "e\u0301")},
		{`tags:"a" AND metadata.lang = "en"`, func(r collectionRow) bool { return has("a")(r) && value("lang", "en")(r) }},
		{`tags:"A" OR metadata.lang = "en "`, func(r collectionRow) bool { return has("A")(r) || value("lang", "en ")(r) }},
		{"tags:\"p\u2029\"", has("p\u2029")},
		{"metadata:\"\u2028\"", key("\u2028")},
		{"metadata.k = \"p\u2029\"", value("k", "p\u2029")},
		{"metadata.k != \"p\u2029\"", not(value("k", "p\u2029"))},
		{`metadata.c = "a\x1fb"`, value("c", "a\x1fb")},
		{`tags:"\b\f\n\r\x01"`, has("\b\f\n\r\x01")},
	}
	// Every string of the rows, tested as an element, as a key, and as
	// the value of each key a filter can name.
	var strs []string
	for _, r := range collectionRows {
		strs = append(strs, r.tags...)
		for k, v := range r.meta {
			strs = append(strs, k, v)
		}
	}
	slices.Sort(strs)
	for _, s := range slices.Compact(strs) {
		lit := filterLiteral(s)
		cases = append(cases,
			struct {
				filter string
				keep   func(r collectionRow) bool
			}{"tags:" + lit, has(s)},
			struct {
				filter string
				keep   func(r collectionRow) bool
			}{"metadata:" + lit, key(s)})
		for _, k := range []string{"lang", "n", "c", "h", "k", "é", "😀", "a/b", "\x7f"} {
			cases = append(cases,
				struct {
					filter string
					keep   func(r collectionRow) bool
				}{"metadata." + k + " = " + lit, value(k, s)},
				struct {
					filter string
					keep   func(r collectionRow) bool
				}{"metadata." + k + " != " + lit, not(value(k, s))})
		}
	}
	for _, d := range testdb.All {
		t.Run(string(d), func(t *testing.T) {
			db := testdb.Open(t, d)
			typ := ormrt.JSONColumn(d)
			for _, sp := range collectionSpellings {
				t.Run(sp.name, func(t *testing.T) {
					table := "qc_rows_" + sp.name
					if err := db.Exec("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, tags " + typ + " NOT NULL, metadata " + typ + " NOT NULL)").Error; err != nil {
						t.Fatal(err)
					}
					for _, r := range collectionRows {
						if err := db.Exec("INSERT INTO "+table+" (id, tags, metadata) VALUES (?, ?, ?)", r.id, sp.encode(r.tags), sp.encode(r.meta)).Error; err != nil {
							t.Fatal(err)
						}
					}
					tb := &Table{Dialect: d, From: ormrt.QuoteIdent(d, table), Key: []string{"id"}, Columns: []Column{
						{Path: "id", Name: "id", Kind: KindInt},
						{Path: "tags", Name: "tags", Kind: KindStringList},
						{Path: "metadata", Name: "metadata", Kind: KindStringMap},
					}}
					for _, c := range cases {
						cond, err := ParseFilter(tb, c.filter)
						if err != nil {
							t.Errorf("%q: %v", c.filter, err)
							continue
						}
						var ids []int64
						if err := db.Table(table).Where(cond.SQL, cond.Args...).Order("id").Pluck("id", &ids).Error; err != nil {
							t.Errorf("%q: %s: %v", c.filter, cond.SQL, err)
							continue
						}
						if ids == nil {
							ids = []int64{}
						}
						if want := collectionIDs(c.keep); !slices.Equal(ids, want) {
							t.Errorf("%q: ids %v, want %v (%s %q)", c.filter, ids, want, cond.SQL, cond.Args)
						}
					}
				})
			}
		})
	}
}

// TestCollectionFilterErrors: lists and maps take the has operator, map
// values = and !=, and neither takes wildcards or orders.
func TestCollectionFilterErrors(t *testing.T) {
	tb := &Table{Dialect: SQLite, From: `"t"`, Key: []string{"id"}, Columns: []Column{
		{Path: "id", Name: "id", Kind: KindInt},
		{Path: "tags", Name: "tags", Kind: KindStringList},
		{Path: "metadata", Name: "metadata", Kind: KindStringMap},
	}}
	for filter, want := range map[string]string{
		`tags = "a"`:                `tags is a list: test for an element with tags:"…"`,
		`tags != "a"`:               `tags is a list`,
		`metadata = "a"`:            `metadata is a map`,
		`metadata.lang > "a"`:       `metadata.lang compares only with =, != and :`,
		`tags:"a*"`:                 `an element of tags takes no wildcards`,
		`metadata:"*x"`:             `a key of metadata takes no wildcards`,
		`metadata.lang = "e*"`:      `metadata.lang takes no wildcards`,
		`metadata.lang = *`:         `bare word "*"`,
		`tags`:                      `field "tags" is not a condition; test for an element`,
		`metadata`:                  `field "metadata" is not a condition; test for a key`,
		`metadata.lang`:             `"metadata.lang" is not a condition`,
		`metadata.a.b = "x"`:        `unknown field "metadata.a.b"`,
		`tags.x = "a"`:              `unknown field "tags.x"`,
		`tags:1`:                    `tags`,
		"metadata.lang = \"a\x00\"": `NUL`,
	} {
		_, err := ParseFilter(tb, filter)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", filter, err, want)
		}
	}
	if _, err := ParseOrderBy(tb, "tags"); err == nil || !strings.Contains(err.Error(), "is a list of strings, and cannot be ordered by") {
		t.Errorf("order_by tags: %v", err)
	}
	if err := (&Table{Dialect: SQLite, Columns: tb.Columns}).checkColumns(); err == nil || !strings.Contains(err.Error(), "needs Table.From") {
		t.Errorf("a list column without Table.From: %v", err)
	}
}
