package pgv_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/bufbuild/protocompile"
	pgvpb "github.com/envoyproxy/protoc-gen-validate/validate"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/protoforge/protoforge/crudrt/pgv"
)

// compileSource compiles one in-memory file, unit.proto.
func compileSource(t testing.TB, src string, wire bool) resolver {
	t.Helper()
	acc := protocompile.SourceAccessorFromMap(map[string]string{"unit.proto": src})
	return compile(t, &protocompile.SourceResolver{Accessor: acc}, []string{"unit.proto"}, wire)
}

const unitHeader = `syntax = "proto3";
package unit;
import "validate/validate.proto";
import "google/protobuf/any.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
`

const booksProto = unitHeader + `
message Address {
  string city = 1 [(validate.rules).string.min_len = 2];
}
message Book {
  string title = 1 [(validate.rules).string.max_len = 5];
  Address address = 2 [(validate.rules).message.required = true];
  repeated string tags = 3 [(validate.rules).repeated = {unique: true, items: {string: {email: true}}}];
  map<string, Address> labels = 4 [(validate.rules).map.keys.string.max_len = 3];
  map<int32, string> codes = 5 [(validate.rules).map.values.string.uuid = true];
  repeated Address shelves = 6;
  oneof kind {
    option (validate.required) = true;
    string isbn = 7;
    int64 number = 8;
  }
  google.protobuf.StringValue host = 9 [(validate.rules).string.hostname = true];
  map<bool, Address> flags = 10;
  map<uint64, Address> ids = 11;
  Disabled off = 12;
}
message Disabled {
  option (validate.disabled) = true;
  string s = 1 [(validate.rules).string.const = "x"];
}
`

// TestPaths checks the field paths and descriptions of violations at
// every depth: nested messages, list items, map keys and values, oneofs.
func TestPaths(t *testing.T) {
	r := compileSource(t, booksProto, true)
	m := newMessage(t, r, "unit.Book", `
		title: "too long"
		tags: ["a@example.com", "nope", "a@example.com"]
		labels: {key: "long" value: {city: "x"}}
		labels: {key: "ok" value: {city: "Paris"}}
		codes: {key: 7 value: "not-a-uuid"}
		codes: {key: -2 value: "not-a-uuid"}
		shelves: [{city: "Rome"}, {city: "y"}]
		host: {value: "-bad-"}
		flags: {key: true value: {city: "z"}}
		ids: {key: 18446744073709551615 value: {city: "w"}}
		off: {s: "y"}`)
	assert.Equal(t, []pgv.Violation{
		{Field: "title", Description: "at most 5 characters (got 8)"},
		{Field: "address", Description: "is required"},
		{Field: "tags[1]", Description: "must be a valid email address"},
		{Field: "tags[2]", Description: "must be unique: repeats item 0"},
		{Field: `labels["long"]`, Description: "key: at most 3 characters (got 4)"},
		{Field: `labels["long"].city`, Description: "at least 2 characters (got 1)"},
		{Field: "codes[-2]", Description: "must be a valid UUID"},
		{Field: "codes[7]", Description: "must be a valid UUID"},
		{Field: "shelves[1].city", Description: "at least 2 characters (got 1)"},
		{Field: "host", Description: "must be a valid hostname"},
		{Field: "flags[true].city", Description: "at least 2 characters (got 1)"},
		{Field: "ids[18446744073709551615].city", Description: "at least 2 characters (got 1)"},
		{Field: "kind", Description: "one of isbn, number is required"},
	}, pgv.Check(m))

	ok := newMessage(t, r, "unit.Book", `title: "Dune" address: {city: "Arrakeen"} isbn: "x" host: {value: "example.com"}`)
	assert.Empty(t, pgv.Check(ok))
	assert.Nil(t, pgv.Check(nil))
	assert.Nil(t, pgv.Check(dynamicpb.NewMessageType(m.Descriptor()).Zero()))
}

// TestDescriptions pins the description of each rule kind, on PGV's own
// case messages.
func TestDescriptions(t *testing.T) {
	r := compileCases(t, true)
	for _, tc := range []struct{ msg, text, want string }{
		{"FloatConst", `val: 4.56`, "must be 1.23 (got 4.56)"},
		{"DoubleIn", `val: 1`, "must be one of 4.56, 7.89 (got 1)"},
		{"Int64LTE", `val: 65`, "must be at most 64 (got 65)"},
		{"UInt32GTE", `val: 7`, "must be at least 8 (got 7)"},
		{"SInt32GT", `val: 1`, "must be greater than 16 (got 1)"},
		{"Fixed64ExGTELTE", `val: 200`, "must be outside the range (128, 256) (got 200)"},
		{"SFixed32GTELTE", `val: 300`, "must be inside the range [128, 256] (got 300)"},
		{"Int32NotIn", `val: 0`, "must not be 0"},
		{"BoolConstTrue", `val: false`, "must be true"},
		{"StringConst", `val: "x"`, `must be "foo"`},
		{"StringIn", `val: "x"`, `must be one of "bar", "baz"`},
		{"StringNotIn", `val: "fizz"`, `must not be "fizz"`},
		{"StringLen", `val: "ab"`, "exactly 3 characters (got 2)"},
		{"StringLenBytes", `val: "ab"`, "exactly 4 bytes (got 2)"},
		{"StringMaxBytes", `val: "123456789"`, "at most 8 bytes (got 9)"},
		{"StringPattern", `val: "!"`, `must match the pattern "(?i)^[a-z0-9]+$"`},
		{"StringPrefix", `val: "x"`, `must start with "foo"`},
		{"StringSuffix", `val: "x"`, `must end with "baz"`},
		{"StringContains", `val: "x"`, `must contain "bar"`},
		{"StringNotContains", `val: "bar"`, `must not contain "bar"`},
		{"StringEmail", `val: "x"`, "must be a valid email address"},
		{"StringAddress", `val: "-x"`, "must be a valid hostname or IP address"},
		{"StringIP", `val: "x"`, "must be a valid IP address"},
		{"StringIPv4", `val: "::1"`, "must be a valid IPv4 address"},
		{"StringIPv6", `val: "1.2.3.4"`, "must be a valid IPv6 address"},
		{"StringURI", `val: "/rel"`, "must be an absolute URI"},
		{"StringURIRef", `val: "%"`, "must be a valid URI reference"},
		{"StringHttpHeaderName", `val: "a b"`, "must be a valid HTTP header name"},
		{"StringHttpHeaderValue", `val: "\x01"`, "must be a valid HTTP header value"},
		{"BytesConst", `val: "x"`, `must be "foo"`},
		{"BytesIn", `val: "x"`, `must be one of "bar", "baz"`},
		{"BytesNotIn", `val: "fizz"`, `must not be "fizz"`},
		{"BytesMinLen", `val: "x"`, "at least 3 bytes (got 1)"},
		{"BytesPrefix", `val: "x"`, `must start with "\x99"`},
		{"BytesSuffix", `val: "x"`, `must end with "buzz"`},
		{"BytesContains", `val: "x"`, `must contain "bar"`},
		{"BytesPattern", `val: "\xff"`, `must match the pattern "^[\x00-\x7f]+$"`},
		{"BytesIP", `val: "x"`, "must be a valid IP address (4 or 16 bytes)"},
		{"BytesIPv4", `val: "x"`, "must be a valid IPv4 address"},
		{"BytesIPv6", `val: "xxxx"`, "must be a valid IPv6 address"},
		{"EnumConst", `val: ONE`, "must be TWO (got ONE)"},
		{"EnumIn", `val: ONE`, "must be one of ZERO, TWO (got ONE)"},
		{"EnumNotIn", `val: ONE`, "must not be ONE"},
		{"EnumDefined", `val: 7`, "must be a defined value of tests.harness.cases.TestEnum (got 7)"},
		{"RepeatedMax", `val: [1, 2, 3, 4]`, "at most 3 items (got 4)"},
		{"RepeatedExact", `val: [1]`, "exactly 3 items (got 1)"},
		{"RepeatedMinAndItemLen", ``, "at least 1 item (got 0)"},
		{"MapMin", `val: {key: 1 value: 1}`, "at least 2 entries (got 1)"},
		{"MapMax", `val: [{key: 1}, {key: 2}, {key: 3}, {key: 4}]`, "at most 3 entries (got 4)"},
		{"WrapperRequiredFloat", ``, "is required"},
		{"DurationConst", `val: {seconds: 4}`, "must be 3s (got 4s)"},
		{"DurationIn", `val: {seconds: 4}`, "must be one of 1s, 1µs (got 4s)"},
		{"DurationNotIn", `val: {}`, "must not be 0s"},
		{"DurationLT", `val: {seconds: 1}`, "must be less than 0s (got 1s)"},
		{"DurationExLTGT", `val: {nanos: 5}`, "must be outside the range [0s, 1s] (got 5ns)"},
		{"DurationGTELTE", `val: {seconds: 5000}`, "must be inside the range [1m0s, 1h0m0s] (got 1h23m20s)"},
		{"DurationConst", `val: {seconds: 1 nanos: -1}`, "is not a valid duration"},
		{"TimestampConst", `val: {seconds: 4}`, "must be 1970-01-01T00:00:03Z (got 1970-01-01T00:00:04Z)"},
		{"TimestampLTE", `val: {seconds: 2}`, "must be at most 1970-01-01T00:00:01Z (got 1970-01-01T00:00:02Z)"},
		{"TimestampGT", `val: {}`, "must be greater than 1970-01-01T00:00:00.000001Z (got 1970-01-01T00:00:00Z)"},
		{"TimestampConst", `val: {nanos: -1}`, "is not a valid timestamp"},
		{"TimestampLTNow", `val: {seconds: NOW+100}`, "must be in the past"},
		{"TimestampGTNow", `val: {seconds: 1}`, "must be in the future"},
		{"TimestampWithin", `val: {seconds: 1}`, "must be within 1h0m0s of now"},
		{"TimestampLTNowWithin", `val: {seconds: NOW+100}`, "must be in the past"},
		{"TimestampGTNowWithin", `val: {seconds: 1}`, "must be in the future"},
		{"AnyRequired", ``, "is required"},
		{"AnyIn", `val: {type_url: "x"}`, `must hold one of the types "type.googleapis.com/google.protobuf.Duration"`},
		{"AnyNotIn", `val: {type_url: "type.googleapis.com/google.protobuf.Timestamp"}`, `must not hold type "type.googleapis.com/google.protobuf.Timestamp"`},
		{"MessageRequired", ``, "is required"},
		{"OneOfRequired", ``, "one of x, y, name_with_underscores, under_and_1_number is required"},
	} {
		got := pgv.Check(newMessage(t, r, "tests.harness.cases."+tc.msg, tc.text))
		if assert.Len(t, got, 1, "%s{%s}: %v", tc.msg, tc.text, got) {
			assert.Equal(t, tc.want, got[0].Description, "%s{%s}", tc.msg, tc.text)
		}
	}
}

// TestStricterThanPGV covers rule combinations PGV refuses to generate:
// Check enforces every rule written rather than letting one win.
func TestStricterThanPGV(t *testing.T) {
	r := compileSource(t, unitHeader+`
message M {
  int32 both = 1 [(validate.rules).int32 = {lt: 10, lte: 5, gt: 0, gte: 2}];
  string in_not_in = 2 [(validate.rules).string = {in: ["a", "b"], not_in: ["b"]}];
  bytes empty_const = 3 [(validate.rules).bytes.const = ""];
  google.protobuf.Timestamp ts = 4 [(validate.rules).timestamp = {lt: {seconds: 100}, lte: {seconds: 50}, gt: {}, gte: {seconds: 10}, lt_now: true, within: {seconds: 60}}];
  google.protobuf.Timestamp req = 5 [(validate.rules).timestamp.lt = {seconds: 100}, (validate.rules).message.required = true];
  string wk = 6 [(validate.rules).string = {well_known_regex: HTTP_HEADER_NAME, pattern: "^x"}];
}
`, true)
	m := newMessage(t, r, "unit.M", `both: 7 in_not_in: "b" empty_const: "x" ts: {seconds: 70} wk: "y"`)
	assert.Equal(t, []pgv.Violation{
		{Field: "both", Description: "must be at most 5 (got 7)"},
		{Field: "in_not_in", Description: `must not be "b"`},
		{Field: "empty_const", Description: `must be ""`},
		{Field: "ts", Description: "must be at most 1970-01-01T00:00:50Z (got 1970-01-01T00:01:10Z)"},
		{Field: "ts", Description: "must be within 1m0s of now"},
		{Field: "req", Description: "is required"},
		{Field: "wk", Description: `must match the pattern "^x"`},
	}, pgv.Check(m))
	m = newMessage(t, r, "unit.M", `both: 1 ts: {seconds: 5}`)
	assert.Contains(t, pgv.Check(m), pgv.Violation{Field: "both", Description: "must be at least 2 (got 1)"})
	assert.Contains(t, pgv.Check(m), pgv.Violation{Field: "ts", Description: "must be at least 1970-01-01T00:00:10Z (got 1970-01-01T00:00:05Z)"})
}

// TestIgnoreEmptyAndOptional: ignore_empty skips empty values of every
// kind, and proto3 optional fields are checked only when set.
func TestIgnoreEmptyAndOptional(t *testing.T) {
	r := compileSource(t, unitHeader+`
message M {
  string s = 1 [(validate.rules).string = {ignore_empty: true, min_len: 3}];
  google.protobuf.StringValue w = 2 [(validate.rules).string = {ignore_empty: true, min_len: 3}];
  map<string, string> m = 3 [(validate.rules).map = {ignore_empty: true, min_pairs: 3, keys: {string: {ignore_empty: true, min_len: 2}}}];
  optional int32 o = 4 [(validate.rules).int32.gt = 5];
  repeated bytes u = 5 [(validate.rules).repeated.unique = true];
  repeated float f = 6 [(validate.rules).repeated.unique = true];
}
`, false)
	assert.Empty(t, pgv.Check(newMessage(t, r, "unit.M", `w: {}`)))
	assert.Equal(t, []pgv.Violation{
		{Field: "s", Description: "at least 3 characters (got 1)"},
		{Field: "w", Description: "at least 3 characters (got 2)"},
		{Field: "m", Description: "at least 3 entries (got 2)"},
		{Field: `m["a"]`, Description: "key: at least 2 characters (got 1)"},
		{Field: "o", Description: "must be greater than 5 (got 0)"},
		{Field: "u[1]", Description: "must be unique: repeats item 0"},
		{Field: "f[2]", Description: "must be unique: repeats item 0"},
	}, pgv.Check(newMessage(t, r, "unit.M", `s: "x" w: {value: "xy"} m: {key: "a"} m: {key: ""} o: 0 u: ["ab", "ab"] f: [1, nan, 1, nan]`)))
}

// TestNoSparse covers map no_sparse, which PGV's table leaves out: a nil
// map value exists only in Go's generated types, shown here through a
// wrapper that serves one.
func TestNoSparse(t *testing.T) {
	r := compileCases(t, true)
	m := newMessage(t, r, "tests.harness.cases.MapNoSparse", `val: {key: 1 value: {}} val: {key: 2 value: {}}`)
	assert.Empty(t, pgv.Check(m))
	fd := m.Descriptor().Fields().ByName("val")
	sparse := sparseMessage{Message: m, fd: fd, key: 2}
	assert.Equal(t, []pgv.Violation{{Field: "val[2]", Description: "must not be null"}}, pgv.Check(sparse))
}

type sparseMessage struct {
	protoreflect.Message
	fd  protoreflect.FieldDescriptor
	key uint64
}

func (s sparseMessage) Get(fd protoreflect.FieldDescriptor) protoreflect.Value {
	if fd == s.fd {
		return protoreflect.ValueOfMap(sparseMap{Map: s.Message.Get(fd).Map(), fd: fd, key: s.key})
	}
	return s.Message.Get(fd)
}

type sparseMap struct {
	protoreflect.Map
	fd  protoreflect.FieldDescriptor
	key uint64
}

func (s sparseMap) Get(k protoreflect.MapKey) protoreflect.Value {
	if k.Uint() == s.key {
		return protoreflect.ValueOfMessage(dynamicpb.NewMessageType(s.fd.MapValue().Message()).Zero())
	}
	return s.Map.Get(k)
}

const problemsProto = unitHeader + `
enum E { E_ZERO = 0; E_ONE = 1; }
message Inner { string s = 1; }
message Bad {
  string pattern = 1 [(validate.rules).string.pattern = "("];
  int32 kind = 2 [(validate.rules).string.min_len = 1];
  repeated int32 list = 3 [(validate.rules).int32.gt = 1];
  int32 rep = 4 [(validate.rules).repeated.min_items = 1];
  repeated string map_on_list = 5 [(validate.rules).map.min_pairs = 1];
  int32 msg = 6 [(validate.rules).message.required = true];
  repeated Inner msgs = 7 [(validate.rules).message.skip = true];
  map<string, Inner> msg_map = 8 [(validate.rules).message.skip = true];
  google.protobuf.Duration dur = 9 [(validate.rules).timestamp.lt_now = true];
  string any = 10 [(validate.rules).any.required = true];
  int32 en = 11 [(validate.rules).enum.defined_only = true];
  google.protobuf.Int32Value sint = 12 [(validate.rules).sint32.gt = 1];
  map<string, string> keys = 13 [(validate.rules).map.keys.int32.gt = 1];
  repeated string items = 14 [(validate.rules).repeated.items.bytes.pattern = "["];
  google.protobuf.Timestamp ts = 15 [(validate.rules).duration.required = true];
  repeated string map_rule_list = 16 [(validate.rules).int32.gt = 1];
  map<string, string> scalar_on_map = 17 [(validate.rules).string.min_len = 1];
  Inner inner = 18 [(validate.rules).repeated.min_items = 1];
  repeated Inner uniq = 19 [(validate.rules).repeated.unique = true];
}
message Refused {
  int32 const = 1 [(validate.rules).int32 = {const: 1, lt: 5}];
  int32 in_range = 2 [(validate.rules).int32 = {in: [1], gt: 0}];
  int32 in_not_in = 3 [(validate.rules).int32 = {in: [1], not_in: [2]}];
  int32 lt_lte = 4 [(validate.rules).int32 = {lt: 1, lte: 2}];
  int32 gt_gte = 5 [(validate.rules).int32 = {gt: 1, gte: 2}];
  double eq_lt_gt = 6 [(validate.rules).double = {lt: 1, gt: 1}];
  double eq_lte_gte = 7 [(validate.rules).double = {lte: 1, gte: 1}];
  uint64 eq_lt_gte = 8 [(validate.rules).uint64 = {lt: 1, gte: 1}];
  uint64 eq_lte_gt = 9 [(validate.rules).uint64 = {lte: 1, gt: 1}];
  string min_max = 10 [(validate.rules).string = {min_len: 5, max_len: 3}];
  string len_min = 11 [(validate.rules).string = {len: 5, min_len: 3, max_len: 6}];
  string bytes_len = 12 [(validate.rules).string = {len_bytes: 5, min_bytes: 3, max_bytes: 6}];
  string wk_pattern = 13 [(validate.rules).string = {well_known_regex: HTTP_HEADER_NAME, pattern: "x"}];
  string pattern_in = 14 [(validate.rules).string = {pattern: "x", in: ["x"]}];
  string prefix_long = 15 [(validate.rules).string = {prefix: "abcd", max_len: 3, max_bytes: 2}];
  bytes bytes_refused = 16 [(validate.rules).bytes = {min_len: 4, max_len: 3, in: ["x"], not_in: ["y"], pattern: "x", prefix: "abcd"}];
  E enum_in = 17 [(validate.rules).enum = {defined_only: true, in: [0, 7], not_in: [1]}];
  map<string, string> sparse = 18 [(validate.rules).map = {no_sparse: true, min_pairs: 2, max_pairs: 1}];
  repeated int32 items = 19 [(validate.rules).repeated = {min_items: 2, max_items: 1}];
  google.protobuf.Timestamp ts = 20 [(validate.rules).timestamp = {lt: {seconds: 1}, lt_now: true, gt_now: true, within: {seconds: -1}}];
  google.protobuf.Timestamp ts_bad = 21 [(validate.rules).timestamp = {const: {nanos: -1}, gt: {seconds: 1}, gte: {seconds: 1}}, (validate.rules).message.required = true];
  google.protobuf.Duration dur = 22 [(validate.rules).duration = {const: {seconds: 1, nanos: -1}, in: [{seconds: 1, nanos: -1}], not_in: [{}], lt: {seconds: 2}, gt: {seconds: 2}}];
  google.protobuf.Duration dur_eq = 23 [(validate.rules).duration = {lte: {seconds: 2}, gte: {seconds: 2}}];
  google.protobuf.Timestamp within_bad = 24 [(validate.rules).timestamp.within = {seconds: 1, nanos: -1}];
  google.protobuf.Any any = 25 [(validate.rules).any = {in: ["a"], not_in: ["b"]}];
  google.protobuf.StringValue skip = 26 [(validate.rules).string.min_len = 1, (validate.rules).message.skip = true];
  double range_eq = 27 [(validate.rules).double = {lt: 1, gte: 1}];
  double range_eq2 = 28 [(validate.rules).double = {lte: 1, gt: 1}];
  google.protobuf.Duration dur_eq2 = 29 [(validate.rules).duration = {lt: {seconds: 2}, gte: {seconds: 2}}];
  google.protobuf.Duration dur_eq3 = 30 [(validate.rules).duration = {lte: {seconds: 2}, gt: {seconds: 2}}];
}
message Off {
  option (validate.disabled) = true;
  int32 kind = 1 [(validate.rules).string.min_len = 1];
}
`

// TestProblems pins the problems reported for broken and refused rules.
func TestProblems(t *testing.T) {
	r := compileSource(t, problemsProto, true)
	problems := func(msg string) map[string][]string {
		d, err := r.FindDescriptorByName(protoreflect.FullName("unit." + msg))
		require.NoError(t, err)
		out := map[string][]string{}
		fields := d.(protoreflect.MessageDescriptor).Fields()
		for i := 0; i < fields.Len(); i++ {
			if p := pgv.Problems(fields.Get(i)); p != nil {
				out[string(fields.Get(i).Name())] = p
			}
		}
		return out
	}
	assert.Equal(t, map[string][]string{
		"pattern":       {"(validate.rules).string.pattern \"(\" does not compile: error parsing regexp: missing closing ): `(`"},
		"kind":          {"(validate.rules).string is for string and google.protobuf.StringValue fields, not int32; use (validate.rules).int32"},
		"list":          {"(validate.rules).int32 is for int32 and google.protobuf.Int32Value fields, not repeated int32; use (validate.rules).repeated.items.int32"},
		"rep":           {"(validate.rules).repeated is for repeated fields, not int32; use (validate.rules).int32"},
		"map_on_list":   {"(validate.rules).map is for map fields, not repeated string; use (validate.rules).repeated"},
		"msg":           {"(validate.rules).message is for message fields, not int32; use (validate.rules).int32"},
		"msgs":          {"(validate.rules).message is for singular message fields, not repeated unit.Inner; use (validate.rules).repeated.items.message"},
		"msg_map":       {"(validate.rules).message is for singular message fields, not a map; use (validate.rules).map.values.message"},
		"dur":           {"(validate.rules).timestamp is for google.protobuf.Timestamp fields, not google.protobuf.Duration; use (validate.rules).duration"},
		"any":           {"(validate.rules).any is for google.protobuf.Any fields, not string; use (validate.rules).string"},
		"en":            {"(validate.rules).enum is for enum fields, not int32; use (validate.rules).int32"},
		"sint":          {"(validate.rules).sint32 is for sint32 fields, not google.protobuf.Int32Value; use (validate.rules).int32"},
		"keys":          {"(validate.rules).map.keys.int32 is for int32 and google.protobuf.Int32Value fields, not string; use (validate.rules).map.keys.string"},
		"items":         {"(validate.rules).repeated.items.bytes is for bytes and google.protobuf.BytesValue fields, not string; use (validate.rules).repeated.items.string"},
		"ts":            {"(validate.rules).duration is for google.protobuf.Duration fields, not google.protobuf.Timestamp; use (validate.rules).timestamp"},
		"map_rule_list": {"(validate.rules).int32 is for int32 and google.protobuf.Int32Value fields, not repeated string; use (validate.rules).repeated.items.int32"},
		"scalar_on_map": {"(validate.rules).string is for string and google.protobuf.StringValue fields, not map; use (validate.rules).map.keys.string or (validate.rules).map.values.string"},
		"inner":         {"(validate.rules).repeated is for repeated fields, not unit.Inner; use (validate.rules).message"},
		"uniq":          {"(validate.rules).repeated.unique is only for scalar and enum items, not unit.Inner"},
	}, problems("Bad"))
	assert.Equal(t, map[string][]string{
		"const":         {"(validate.rules).int32.const cannot be combined with other rules; keep const alone"},
		"in_range":      {"(validate.rules).int32.in cannot be combined with lt, lte, gt or gte; keep one"},
		"in_not_in":     {"(validate.rules).int32 has both in and not_in; keep one"},
		"lt_lte":        {"(validate.rules).int32 has both lt and lte; keep one"},
		"gt_gte":        {"(validate.rules).int32 has both gt and gte; keep one"},
		"eq_lt_gt":      {"(validate.rules).double has equal gt and lt; use not_in: [1]"},
		"eq_lte_gte":    {"(validate.rules).double has equal gte and lte; use const: 1"},
		"eq_lt_gte":     {"(validate.rules).uint64 has equal gte and lt; no value satisfies both"},
		"eq_lte_gt":     {"(validate.rules).uint64 has equal gt and lte; no value satisfies both"},
		"range_eq":      {"(validate.rules).double has equal gte and lt; no value satisfies both"},
		"range_eq2":     {"(validate.rules).double has equal gt and lte; no value satisfies both"},
		"min_max":       {"(validate.rules).string.min_len 5 is greater than max_len 3; no value satisfies both"},
		"len_min":       {"(validate.rules).string has both len and min_len; keep one", "(validate.rules).string has both len and max_len; keep one"},
		"bytes_len":     {"(validate.rules).string has both len_bytes and min_bytes; keep one", "(validate.rules).string has both len_bytes and max_bytes; keep one"},
		"wk_pattern":    {"(validate.rules).string.well_known_regex and pattern exclude each other; keep one"},
		"pattern_in":    {"(validate.rules).string.pattern and in exclude each other; keep one"},
		"prefix_long":   {`(validate.rules).string.prefix "abcd" is longer than max_len 3`, `(validate.rules).string.prefix "abcd" is longer than max_bytes 2`, "(validate.rules).string.max_len 3 exceeds max_bytes 2; lower max_len"},
		"bytes_refused": {"(validate.rules).bytes.min_len 4 is greater than max_len 3; no value satisfies both", "(validate.rules).bytes has both in and not_in; keep one", "(validate.rules).bytes.pattern and in exclude each other; keep one", `(validate.rules).bytes.prefix "abcd" is longer than max_len 3`},
		"enum_in":       {"(validate.rules).enum has both in and not_in; keep one", "(validate.rules).enum.in lists 7, which unit.E does not define, next to defined_only; remove it"},
		"sparse":        {"(validate.rules).map.min_pairs 2 is greater than max_pairs 1; no value satisfies both", "(validate.rules).map.no_sparse is only for message values, not string"},
		"items":         {"(validate.rules).repeated.min_items 2 is greater than max_items 1; no value satisfies both"},
		"ts": {
			"(validate.rules).timestamp mixes lt_now/gt_now with absolute lt/gt bounds; keep one kind",
			"(validate.rules).timestamp.within cannot be combined with absolute lt/gt bounds; keep one kind",
			"(validate.rules).timestamp has both lt_now and gt_now; keep one",
			"(validate.rules).timestamp.within must be positive",
		},
		"ts_bad": {
			"(validate.rules).message on a google.protobuf.Timestamp field: use (validate.rules).timestamp, e.g. timestamp.required",
			"(validate.rules).timestamp.const is not a valid timestamp (seconds 0, nanos -1)",
			"(validate.rules).timestamp.const cannot be combined with other rules; keep const alone",
			"(validate.rules).timestamp has both gt and gte; keep one",
		},
		"dur": {
			"(validate.rules).duration.const is not a valid duration (seconds 1, nanos -1)",
			"(validate.rules).duration.in[0] is not a valid duration (seconds 1, nanos -1)",
			"(validate.rules).duration.const cannot be combined with other rules; keep const alone",
			"(validate.rules).duration.in cannot be combined with lt, lte, gt or gte; keep one",
			"(validate.rules).duration has both in and not_in; keep one",
			"(validate.rules).duration has equal gt and lt; no range is meant",
		},
		"dur_eq":     {"(validate.rules).duration has equal gte and lte; use const"},
		"dur_eq2":    {"(validate.rules).duration has equal gte and lt; no value satisfies both"},
		"dur_eq3":    {"(validate.rules).duration has equal gt and lte; no value satisfies both"},
		"within_bad": {"(validate.rules).timestamp.within is not a valid duration (seconds 1, nanos -1)"},
		"any":        {"(validate.rules).any has both in and not_in; keep one"},
		"skip":       {"(validate.rules).message.skip cannot be combined with (validate.rules).string; remove skip"},
	}, problems("Refused"))
	assert.Empty(t, problems("Off"), "a disabled message's rules are off")
}

// TestFailClosed: rules that cannot be enforced fail every value, so that
// a message generated without its plugin's check is still safe.
func TestFailClosed(t *testing.T) {
	r := compileSource(t, problemsProto, false)
	m := newMessage(t, r, "unit.Bad", ``)
	got := pgv.Check(m)
	require.NotEmpty(t, got)
	assert.Equal(t, pgv.Violation{Field: "pattern", Description: "cannot be validated, its rules are broken: (validate.rules).string.pattern \"(\" does not compile: error parsing regexp: missing closing ): `(`"}, got[0])
	assert.Empty(t, pgv.Check(newMessage(t, r, "unit.Off", ``)))
}

// TestOptionsForms reads rules from options that hold them as unknown
// fields (decoded before PGV's types were known) and reports rule fields
// that this PGV version does not define.
func TestOptionsForms(t *testing.T) {
	rules := &pgvpb.FieldRules{Type: &pgvpb.FieldRules_String_{String_: &pgvpb.StringRules{MaxLen: proto.Uint64(2)}}}
	raw, err := proto.Marshal(rules)
	require.NoError(t, err)
	unknownOpts := &descriptorpb.FieldOptions{}
	unknownOpts.ProtoReflect().SetUnknown(protowire.AppendBytes(protowire.AppendTag(nil, 1071, protowire.BytesType), raw))

	future := proto.Clone(rules).(*pgvpb.FieldRules)
	future.GetString_().ProtoReflect().SetUnknown(protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 1))
	futureOpts := &descriptorpb.FieldOptions{}
	proto.SetExtension(futureOpts, pgvpb.E_Rules, future)

	fdp := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("forms.proto"),
		Package: proto.String("forms"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("M"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("a"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Options: unknownOpts},
				{Name: proto.String("b"), Number: proto.Int32(2), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Options: futureOpts},
			},
		}},
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	require.NoError(t, err)
	md := fd.Messages().Get(0)
	assert.Empty(t, pgv.Problems(md.Fields().Get(0)))
	assert.Equal(t, []string{"(validate.rules).string has rule fields unknown to protoc-gen-validate v1.3.3 (field numbers 99); they cannot be enforced"}, pgv.Problems(md.Fields().Get(1)))

	m := dynamicpb.NewMessage(md)
	m.Set(md.Fields().Get(0), protoreflect.ValueOfString("abc"))
	assert.Equal(t, []pgv.Violation{
		{Field: "a", Description: "at most 2 characters (got 3)"},
		{Field: "b", Description: "cannot be validated, its rules are broken: (validate.rules).string has rule fields unknown to protoc-gen-validate v1.3.3 (field numbers 99); they cannot be enforced"},
	}, pgv.Check(m))
}

// TestConcurrent checks messages of fresh types from many goroutines: the
// plan cache is built once per type, whoever gets there first.
func TestConcurrent(t *testing.T) {
	r := compileSource(t, booksProto, false)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				m := newMessage(t, r, "unit.Book", fmt.Sprintf(`title: "%d" address: {city: "x"} isbn: "y"`, 100000+j))
				assert.Len(t, pgv.Check(m), 2)
			}
		}()
	}
	wg.Wait()
}

// TestRecursive: a recursive type is validated to the depth of its value.
func TestRecursive(t *testing.T) {
	r := compileSource(t, unitHeader+`
message Node {
  string name = 1 [(validate.rules).string.min_len = 1];
  repeated Node children = 2;
  Leafless other = 3;
}
message Leafless { Leafless self = 1; }
`, true)
	m := newMessage(t, r, "unit.Node", `name: "a" children: {name: "b" children: {}} other: {self: {}}`)
	assert.Equal(t, []pgv.Violation{{Field: "children[0].children[0].name", Description: "at least 1 character (got 0)"}}, pgv.Check(m))
}
