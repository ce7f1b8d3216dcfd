package crudrt

import (
	"math"
	"math/rand/v2"
	"testing"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

const quickProto = `
syntax = "proto3";
package q;
import "buf/validate/validate.proto";
import "google/protobuf/timestamp.proto";

enum Color {
  COLOR_UNSPECIFIED = 0;
  COLOR_RED = 1;
  COLOR_GREEN = 2;
  COLOR_BLUE = 3;
}

message Plain { string note = 1; }

// Every rule quickRules computes.
message Q {
  string s_min = 1 [(buf.validate.field).string.min_len = 2];
  string s_max = 2 [(buf.validate.field).string = {max_len: 3, example: "abc"}];
  string s_len = 3 [(buf.validate.field).string.len = 2];
  string s_bytes = 4 [(buf.validate.field).string = {min_bytes: 2, max_bytes: 4}];
  string s_len_bytes = 5 [(buf.validate.field).string.len_bytes = 3];
  string s_const = 6 [(buf.validate.field).string.const = "k"];
  string s_affix = 7 [(buf.validate.field).string = {prefix: "a", suffix: "z", contains: "m", not_contains: "x"}];
  string s_in = 8 [(buf.validate.field).string = {in: ["", "p", "ü"]}];
  string s_not_in = 9 [(buf.validate.field).string = {not_in: ["bad", "é"]}];
  optional string o_min = 10 [(buf.validate.field).string.min_len = 1];
  string z_min = 11 [(buf.validate.field).string.min_len = 3, (buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE];
  string req = 12 [(buf.validate.field).required = true];
  optional string o_req = 13 [(buf.validate.field).required = true, (buf.validate.field).string.max_len = 2];
  Color defined = 14 [(buf.validate.field).enum.defined_only = true];
  Color e_in = 15 [(buf.validate.field).enum = {in: [0, 1, 2]}];
  Color e_not_in = 16 [(buf.validate.field).enum = {not_in: [3]}];
  Color e_const = 17 [(buf.validate.field).enum.const = 0];
  int32 i32 = 18 [(buf.validate.field).int32 = {gt: 0, lt: 10}];
  int64 i64 = 19 [(buf.validate.field).int64 = {gte: -5, lte: 5}];
  uint32 u32 = 20 [(buf.validate.field).uint32 = {in: [0, 1, 3]}];
  uint64 u64 = 21 [(buf.validate.field).uint64 = {not_in: [7], gte: 0}];
  sint32 si32 = 22 [(buf.validate.field).sint32.const = 0];
  sfixed64 sf64 = 23 [(buf.validate.field).sfixed64 = {gt: -1}];
  fixed32 f32 = 24 [(buf.validate.field).fixed32 = {lte: 100}];
  bool flag = 25 [(buf.validate.field).bool.const = false];
  sint64 si64 = 26 [(buf.validate.field).sint64 = {gte: -9223372036854775808, lt: 9223372036854775807}];
  fixed64 f64 = 27 [(buf.validate.field).fixed64 = {gt: 0, lte: 18446744073709551615}];
  sfixed32 sf32 = 28 [(buf.validate.field).sfixed32 = {not_in: [-1, 1]}];
  google.protobuf.Timestamp t = 29;
  Plain plain = 30 [(buf.validate.field).required = true];
  repeated string tags = 31 [(buf.validate.field).required = true];
  map<string, Plain> m = 32;
  oneof choice {
    string c_str = 33 [(buf.validate.field).string.max_len = 1];
    int64 c_int = 34 [(buf.validate.field).int64.gt = 5];
  }
  string s_ignored = 35 [(buf.validate.field).ignore = IGNORE_ALWAYS, (buf.validate.field).string.min_len = 9];
  Color e_off = 36 [(buf.validate.field).enum.defined_only = false];
}

// Bounds that exclude the values between them: valid above 10 or below 0.
message Exclusive {
  int32 x = 1 [(buf.validate.field).int32 = {gt: 10, lt: 0}];
}

message WithCEL { string a = 1 [(buf.validate.field).cel = {id: "a", expression: "this != 'x'"}]; }
message WithPattern { string a = 1 [(buf.validate.field).string.pattern = "^a+$"]; }
message WithEmail { string a = 1 [(buf.validate.field).string.email = true]; }
message WithFloat { double a = 1 [(buf.validate.field).double.gt = 0]; }
message WithRepeated { repeated string a = 1 [(buf.validate.field).repeated.min_items = 1]; }
message WithMessageRule {
  option (buf.validate.message).cel = {id: "m", expression: "this.a != ''"};
  string a = 1;
}
message WithOneofRule {
  oneof o {
    option (buf.validate.oneof).required = true;
    string a = 1;
  }
}
message Inner { string a = 1 [(buf.validate.field).string.min_len = 1]; }
message WithInnerRules { Inner inner = 1; }
message WithInnerInList { repeated Inner inner = 1; }
message WithInnerInMap { map<string, Inner> inner = 1; }
message WithTimestampRule { google.protobuf.Timestamp t = 1 [(buf.validate.field).timestamp.lt_now = true]; }
message WithMismatch { sint32 a = 1 [(buf.validate.field).int32.gt = 0]; }
// A request of the resource Inner: its own rules and the resource's field.
message Req {
  Inner inner = 1 [(buf.validate.field).required = true];
  int32 page_size = 2 [(buf.validate.field).int32 = {gte: 0, lte: 100}];
  repeated Inner more = 3;
}
message BatchReq { repeated Req requests = 1; }
message WithBytes { bytes a = 1 [(buf.validate.field).bytes.min_len = 1]; }
`

// quickFile compiles quickProto as generated code holds it.
func quickFile(t *testing.T) protoreflect.FileDescriptor {
	return compileProto(t, "q.proto", quickProto)
}

// TestQuickRulesRefuse: a message with a rule quickRules does not compute,
// its own or one of a message it holds, is left to protovalidate whole.
func TestQuickRulesRefuse(t *testing.T) {
	file := quickFile(t)
	for _, name := range []string{"WithCEL", "WithPattern", "WithEmail", "WithFloat", "WithRepeated", "WithMessageRule",
		"WithOneofRule", "WithInnerRules", "WithInnerInList", "WithInnerInMap", "WithTimestampRule", "WithMismatch", "WithBytes"} {
		if q := newQuickRules(file.Messages().ByName(protoreflect.Name(name)), ""); q != nil {
			t.Errorf("%s: quick rules %+v, want none", name, q.fields)
		}
	}
	for _, name := range []string{"Q", "Exclusive", "Plain", "Inner"} {
		if newQuickRules(file.Messages().ByName(protoreflect.Name(name)), "") == nil {
			t.Errorf("%s: no quick rules", name)
		}
	}
}

// TestQuickRulesOfRequests: a request's fields that hold the resource
// are left out with their rules, as checkRequest leaves them to the
// method; a resource held deeper leaves the request to protovalidate.
func TestQuickRulesOfRequests(t *testing.T) {
	file := quickFile(t)
	q := newQuickRules(file.Messages().ByName("Req"), "q.Inner")
	if q == nil {
		t.Fatal("Req: no quick rules")
	}
	if newQuickRules(file.Messages().ByName("Req"), "") != nil {
		t.Error("Req: quick rules where the resource is not left out")
	}
	if newQuickRules(file.Messages().ByName("BatchReq"), "q.Inner") != nil {
		t.Error("BatchReq: quick rules of a resource held two levels down")
	}
	md := file.Messages().ByName("Req")
	for _, tc := range []struct {
		size int32
		want bool
	}{{0, true}, {100, true}, {-1, false}, {101, false}} {
		m := dynamicpb.NewMessage(md)
		// An invalid resource, and none where it is required: the
		// method's to judge.
		inner := dynamicpb.NewMessage(md.Fields().ByName("more").Message())
		m.Mutable(md.Fields().ByName("more")).List().Append(protoreflect.ValueOfMessage(inner))
		m.Set(md.Fields().ByName("page_size"), protoreflect.ValueOfInt32(tc.size))
		if got := q.holds(m); got != tc.want {
			t.Errorf("page_size %d: quick rules hold %v, want %v", tc.size, got, tc.want)
		}
	}
}

// quickValues are the values tried for a field of each kind: both sides
// of each bound of Q, the extremes, and characters of several bytes.
func quickValues(fd protoreflect.FieldDescriptor) []protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.StringKind:
		var out []protoreflect.Value
		for _, s := range []string{"", "a", "k", "p", "x", "ü", "é", "bad", "ab", "abc", "abcd", "abcde", "amz", "am", "amxz", "mz", "üü", "üüü", "aüz", "a\x00mz", "abcdefghij"} {
			out = append(out, protoreflect.ValueOfString(s))
		}
		return out
	case protoreflect.EnumKind:
		return []protoreflect.Value{protoreflect.ValueOfEnum(0), protoreflect.ValueOfEnum(1), protoreflect.ValueOfEnum(2), protoreflect.ValueOfEnum(3), protoreflect.ValueOfEnum(4), protoreflect.ValueOfEnum(-1)}
	case protoreflect.BoolKind:
		return []protoreflect.Value{protoreflect.ValueOfBool(false), protoreflect.ValueOfBool(true)}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		var out []protoreflect.Value
		for _, n := range []int32{math.MinInt32, -6, -5, -1, 0, 1, 3, 5, 6, 7, 9, 10, 11, 100, math.MaxInt32} {
			out = append(out, protoreflect.ValueOfInt32(n))
		}
		return out
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		var out []protoreflect.Value
		for _, n := range []int64{math.MinInt64, -6, -5, -1, 0, 1, 5, 6, 7, 10, math.MaxInt64 - 1, math.MaxInt64} {
			out = append(out, protoreflect.ValueOfInt64(n))
		}
		return out
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		var out []protoreflect.Value
		for _, n := range []uint32{0, 1, 2, 3, 7, 100, 101, math.MaxUint32} {
			out = append(out, protoreflect.ValueOfUint32(n))
		}
		return out
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		var out []protoreflect.Value
		for _, n := range []uint64{0, 1, 6, 7, 8, math.MaxUint64} {
			out = append(out, protoreflect.ValueOfUint64(n))
		}
		return out
	}
	return nil
}

// quickMessage is base with some of its fields changed at random: each
// one time in ten cleared or set to one of its kind's values.
func quickMessage(rng *rand.Rand, base *dynamicpb.Message) *dynamicpb.Message {
	m := proto.Clone(base).(*dynamicpb.Message)
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if rng.IntN(10) != 0 {
			continue
		}
		m.Clear(fd)
		switch {
		case rng.IntN(4) == 0:
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range rng.IntN(3) {
				l.Append(protoreflect.ValueOfString("t"))
			}
		case fd.IsMap():
			if rng.IntN(2) == 0 {
				v := m.NewField(fd).Map().NewValue()
				m.Mutable(fd).Map().Set(protoreflect.ValueOfString("k").MapKey(), v)
			}
		case fd.Message() != nil:
			m.Set(fd, protoreflect.ValueOfMessage(m.NewField(fd).Message()))
		default:
			vs := quickValues(fd)
			m.Set(fd, vs[rng.IntN(len(vs))])
		}
	}
	return m
}

// TestQuickRulesAgree: on thousands of messages whose fields are set at
// random to values on both sides of each bound, quickRules holds exactly
// where protovalidate finds no violation (Q, whose rules it computes all),
// and holds only where protovalidate finds none (Exclusive, whose range it
// leaves to protovalidate).
func TestQuickRulesAgree(t *testing.T) {
	file := quickFile(t)
	v, err := protovalidate.New()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name  string
		exact bool
	}{{"Q", true}, {"Exclusive", false}} {
		md := file.Messages().ByName(protoreflect.Name(tc.name))
		q := newQuickRules(md, "")
		base := dynamicpb.NewMessage(md)
		if tc.name == "Q" {
			base = validQ(md)
		}
		held, failed := 0, 0
		for range 20000 {
			m := quickMessage(rng, base)
			verr := v.Validate(m)
			got := q.holds(m)
			if got && verr != nil {
				t.Fatalf("%s: quick rules hold for %v; protovalidate: %v", tc.name, m, verr)
			}
			if tc.exact && !got && verr == nil {
				t.Fatalf("%s: quick rules do not hold for %v, which protovalidate accepts", tc.name, m)
			}
			if got {
				held++
			} else {
				failed++
			}
		}
		if tc.exact && (held < 100 || failed < 100) {
			t.Errorf("%s: %d messages held and %d did not: the values do not try both sides", tc.name, held, failed)
		}
	}
	// Each field of Q, on its own, both ways.
	md := file.Messages().ByName("Q")
	q := newQuickRules(md, "")
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		for _, val := range quickValues(fd) {
			if fd.IsList() || fd.IsMap() || fd.Message() != nil {
				continue
			}
			m := validQ(md)
			m.Set(fd, val)
			if got, want := q.holds(m), v.Validate(m) == nil; got != want {
				t.Errorf("%s = %v: quick rules hold %v, protovalidate accepts %v", fd.Name(), val, got, want)
			}
		}
	}
}

// validQ is a message of Q that passes every rule.
func validQ(md protoreflect.MessageDescriptor) *dynamicpb.Message {
	m := dynamicpb.NewMessage(md)
	set := func(name string, v protoreflect.Value) { m.Set(md.Fields().ByName(protoreflect.Name(name)), v) }
	set("s_min", protoreflect.ValueOfString("ab"))
	set("s_len", protoreflect.ValueOfString("üü"))
	set("s_bytes", protoreflect.ValueOfString("ab"))
	set("s_len_bytes", protoreflect.ValueOfString("abc"))
	set("s_const", protoreflect.ValueOfString("k"))
	set("s_affix", protoreflect.ValueOfString("amz"))
	set("req", protoreflect.ValueOfString("r"))
	set("o_req", protoreflect.ValueOfString(""))
	set("e_in", protoreflect.ValueOfEnum(1))
	set("i32", protoreflect.ValueOfInt32(1))
	set("f64", protoreflect.ValueOfUint64(1))
	set("plain", protoreflect.ValueOfMessage(dynamicpb.NewMessage(md.Fields().ByName("plain").Message())))
	m.Mutable(md.Fields().ByName("tags")).List().Append(protoreflect.ValueOfString("t"))
	return m
}
