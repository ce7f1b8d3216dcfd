package ormrt_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/protoforge/protoforge/ormrt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/apipb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/typepb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// jsonCase is one field value of test.v1.Sample and the JSON it encodes to.
type jsonCase struct {
	name string
	num  protoreflect.FieldNumber
	set  func(m protoreflect.Message, fd protoreflect.FieldDescriptor)
	want string // "" means nil (SQL NULL)
}

func setList(vals ...protoreflect.Value) func(protoreflect.Message, protoreflect.FieldDescriptor) {
	return func(m protoreflect.Message, fd protoreflect.FieldDescriptor) {
		l := m.Mutable(fd).List()
		for _, v := range vals {
			l.Append(v)
		}
	}
}

func setMap(kv ...protoreflect.Value) func(protoreflect.Message, protoreflect.FieldDescriptor) {
	return func(m protoreflect.Message, fd protoreflect.FieldDescriptor) {
		mp := m.Mutable(fd).Map()
		for i := 0; i < len(kv); i += 2 {
			mp.Set(kv[i].MapKey(), kv[i+1])
		}
	}
}

func setMsg(v proto.Message) func(protoreflect.Message, protoreflect.FieldDescriptor) {
	return func(m protoreflect.Message, fd protoreflect.FieldDescriptor) {
		m.Set(fd, protoreflect.ValueOfMessage(v.ProtoReflect()))
	}
}

func setValue(v protoreflect.Value) func(protoreflect.Message, protoreflect.FieldDescriptor) {
	return func(m protoreflect.Message, fd protoreflect.FieldDescriptor) { m.Set(fd, v) }
}

func setInner(id int64, name string) func(protoreflect.Message, protoreflect.FieldDescriptor) {
	return func(m protoreflect.Message, fd protoreflect.FieldDescriptor) {
		in := m.Mutable(fd).Message()
		if id != 0 {
			in.Set(innerDesc.Fields().ByName("id"), protoreflect.ValueOfInt64(id))
		}
		if name != "" {
			in.Set(innerDesc.Fields().ByName("name"), protoreflect.ValueOfString(name))
		}
	}
}

func mustStruct(v map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(v)
	if err != nil {
		panic(err)
	}
	return s
}

func mustAny(m proto.Message) *anypb.Any {
	a, err := anypb.New(m)
	if err != nil {
		panic(err)
	}
	return a
}

var (
	vI64 = protoreflect.ValueOfInt64
	vStr = protoreflect.ValueOfString
	vF64 = protoreflect.ValueOfFloat64
	vF32 = protoreflect.ValueOfFloat32
	vByt = protoreflect.ValueOfBytes
	vEnm = func(n int32) protoreflect.Value { return protoreflect.ValueOfEnum(protoreflect.EnumNumber(n)) }
)

func jsonCases() []jsonCase {
	return []jsonCase{
		{"repeated int64 extremes", fInts, setList(vI64(math.MinInt64), vI64(0), vI64(math.MaxInt64)),
			`["-9223372036854775808","0","9223372036854775807"]`},
		{"empty list", fInts, nil, `[]`},
		{"map<string,int64>", fCounts, setMap(vStr("b"), vI64(math.MaxInt64), vStr("a"), vI64(math.MinInt64), vStr(""), vI64(0)),
			`{"":"0","a":"-9223372036854775808","b":"9223372036854775807"}`},
		{"empty map", fCounts, nil, `{}`},
		{"map<int64,string>", fNames, setMap(vI64(10), vStr("ten"), vI64(-1), vStr("minus one"), vI64(math.MinInt64), vStr("min"), vI64(2), vStr("two")),
			`{"-9223372036854775808":"min","-1":"minus one","2":"two","10":"ten"}`},
		{"repeated double specials", fDoubles,
			setList(vF64(math.NaN()), vF64(math.Inf(1)), vF64(math.Inf(-1)), vF64(math.Copysign(0, -1)), vF64(math.MaxFloat64), vF64(math.SmallestNonzeroFloat64), vF64(0.1)),
			`["NaN","Infinity","-Infinity",-0,1.7976931348623157e+308,5e-324,0.1]`},
		{"repeated float", fFloats, setList(vF32(0.1), vF32(math.MaxFloat32), vF32(float32(math.Inf(-1)))),
			`[0.1,3.4028235e+38,"-Infinity"]`},
		{"repeated uint64", fU64s, setList(protoreflect.ValueOfUint64(0), protoreflect.ValueOfUint64(math.MaxUint64)),
			`["0","18446744073709551615"]`},
		{"repeated bytes", fBlobs, setList(vByt([]byte{}), vByt([]byte{0}), vByt([]byte("hi")), vByt([]byte{0xff, 0xfe})),
			`["","AA==","aGk=","//4="]`},
		{"unset message", fInner, nil, ``},
		{"set empty message", fInner, setInner(0, ""), `{}`},
		{"nested int64", fInner, setInner(math.MinInt64, "x\x00y \"q\" 😀"),
			`{"id":"-9223372036854775808","name":"x\u0000y \"q\" 😀"}`},
		{"repeated message", fInners, func(m protoreflect.Message, fd protoreflect.FieldDescriptor) {
			l := m.Mutable(fd).List()
			for _, id := range []int64{1, 0, math.MaxInt64} {
				in := l.NewElement()
				if id != 0 {
					in.Message().Set(innerDesc.Fields().ByName("id"), vI64(id))
				}
				l.Append(in)
			}
		}, `[{"id":"1"},{},{"id":"9223372036854775807"}]`},
		{"struct", fStruct, setMsg(mustStruct(map[string]any{
			"z": nil, "a": 1.5, "s": "x", "b": true, "l": []any{1.0, "two", nil, map[string]any{"k": false}},
		})), `{"a":1.5,"b":true,"l":[1,"two",null,{"k":false}],"s":"x","z":null}`},
		{"empty struct", fStruct, setMsg(&structpb.Struct{}), `{}`},
		{"value null", fValue, setMsg(structpb.NewNullValue()), `null`},
		{"value number", fValue, setMsg(structpb.NewNumberValue(-2.5)), `-2.5`},
		{"value string", fValue, setMsg(structpb.NewStringValue("s")), `"s"`},
		{"value list", fValue, setMsg(structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{structpb.NewBoolValue(true)}})), `[true]`},
		{"list value", fList, setMsg(&structpb.ListValue{Values: []*structpb.Value{structpb.NewNumberValue(1), structpb.NewStringValue("a")}}), `[1,"a"]`},
		{"any of a well-known type", fAny, setMsg(mustAny(durationpb.New(1500_000_000))),
			`{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1.500s"}`},
		{"any of a message", fAny, setMsg(mustAny(&typepb.Field{Name: "f", Number: 3, Kind: typepb.Field_TYPE_INT64})),
			`{"@type":"type.googleapis.com/google.protobuf.Field","kind":"TYPE_INT64","number":3,"name":"f"}`},
		{"enum", fColor, setValue(vEnm(2)), `"COLOR_GREEN"`},
		{"enum zero", fColor, nil, `"COLOR_UNSPECIFIED"`},
		{"repeated enum with unknown number", fColors, setList(vEnm(1), vEnm(17), vEnm(-3)), `["COLOR_RED",17,-3]`},
		{"timestamps", fTimes, setList(
			protoreflect.ValueOfMessage((&timestamppb.Timestamp{Seconds: -62135596800}).ProtoReflect()),
			protoreflect.ValueOfMessage((&timestamppb.Timestamp{Seconds: 253402300799, Nanos: 999999999}).ProtoReflect())),
			`["0001-01-01T00:00:00Z","9999-12-31T23:59:59.999999999Z"]`},
		{"map of durations", fDurs, setMap(vStr("neg"), protoreflect.ValueOfMessage(durationpb.New(-1500).ProtoReflect())),
			`{"neg":"-0.000001500s"}`},
		{"scalar string", fStr, setValue(vStr("a\tb")), `"a\tb"`},
		{"scalar string zero", fStr, nil, `""`},
		{"scalar int64 zero", fInt64, nil, `"0"`},
		{"optional string unset", fOptStr, nil, ``},
		{"optional string set empty", fOptStr, setValue(vStr("")), `""`},
	}
}

func TestFieldToJSON(t *testing.T) {
	for _, c := range jsonCases() {
		t.Run(c.name, func(t *testing.T) {
			m := newSample()
			fd := fieldOf(t, m, c.num)
			if c.set != nil {
				c.set(m, fd)
			}
			got, err := ormrt.FieldToJSON(m, c.num)
			if err != nil {
				t.Fatalf("FieldToJSON: %v", err)
			}
			if c.want == "" {
				if got != nil {
					t.Fatalf("FieldToJSON = %q, want nil", got)
				}
			} else if string(got) != c.want {
				t.Fatalf("FieldToJSON =\n%s\nwant\n%s", got, c.want)
			}

			// Equal input gives equal bytes, whatever protojson's whitespace.
			for i := 0; i < 5; i++ {
				again, err := ormrt.FieldToJSON(proto.Clone(m.Interface()).ProtoReflect(), c.num)
				if err != nil || string(again) != string(got) {
					t.Fatalf("second FieldToJSON = %q, %v; first was %q", again, err, got)
				}
			}

			// The inverse restores the field.
			back := newSample()
			back.Set(fieldOf(t, back, fStr), vStr("untouched"))
			if err := ormrt.JSONToField(back, c.num, got); err != nil {
				t.Fatalf("JSONToField(%s): %v", got, err)
			}
			if c.num != fStr {
				if back.Get(fieldOf(t, back, fStr)).String() != "untouched" {
					t.Fatalf("JSONToField changed another field")
				}
				back.Clear(fieldOf(t, back, fStr))
			}
			want := newSample()
			if m.Has(fd) {
				want.Set(fd, m.Get(fd))
			}
			if !proto.Equal(back.Interface(), want.Interface()) {
				t.Fatalf("JSONToField(%s) = %v, want %v", got, back, want)
			}
			if got := back.Has(fd); got != m.Has(fd) {
				t.Fatalf("after JSONToField Has = %v, want %v", got, m.Has(fd))
			}
		})
	}
}

// TestFieldToJSONDeterministic encodes a large map many times: map order and
// protojson's randomized whitespace must not show in the bytes.
func TestFieldToJSONDeterministic(t *testing.T) {
	m := newSample()
	fd := fieldOf(t, m, fCounts)
	mp := m.Mutable(fd).Map()
	for i := range 200 {
		mp.Set(vStr(fmt.Sprintf("key%03d", 199-i)).MapKey(), vI64(int64(i)*1e15))
	}
	st := mustStruct(map[string]any{})
	for i := range 100 {
		st.Fields[fmt.Sprintf("k%d", i)] = structpb.NewNumberValue(float64(i))
	}
	m.Set(fieldOf(t, m, fStruct), protoreflect.ValueOfMessage(st.ProtoReflect()))
	for _, num := range []protoreflect.FieldNumber{fCounts, fStruct} {
		first, err := ormrt.FieldToJSON(m, num)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(string(first), " \n\t") {
			t.Fatalf("FieldToJSON output has whitespace: %.80s", first)
		}
		for range 50 {
			got, err := ormrt.FieldToJSON(m, num)
			if err != nil || string(got) != string(first) {
				t.Fatalf("FieldToJSON not deterministic:\n%s\n%s", first, got)
			}
		}
	}
}

// TestFieldToJSONGenerated uses generated messages: typepb.Type (repeated
// messages, enums, an Any inside google.protobuf.Option) and apipb.Api.
func TestFieldToJSONGenerated(t *testing.T) {
	typ := &typepb.Type{
		Name: "T",
		Fields: []*typepb.Field{
			{Kind: typepb.Field_TYPE_STRING, Cardinality: typepb.Field_CARDINALITY_REPEATED, Number: 1, Name: "a"},
			{Kind: typepb.Field_Kind(99), Number: 2},
		},
		Oneofs: []string{},
		Options: []*typepb.Option{
			{Name: "o", Value: mustAny(wrapperspb.Int64(math.MinInt64))},
		},
		Syntax: typepb.Syntax_SYNTAX_PROTO3,
	}
	cases := []struct {
		num  protoreflect.FieldNumber
		want string
	}{
		{2, `[{"kind":"TYPE_STRING","cardinality":"CARDINALITY_REPEATED","number":1,"name":"a"},{"kind":99,"number":2}]`},
		{3, `[]`},
		{4, `[{"name":"o","value":{"@type":"type.googleapis.com/google.protobuf.Int64Value","value":"-9223372036854775808"}}]`},
		{5, ``},
		{6, `"SYNTAX_PROTO3"`},
	}
	for _, c := range cases {
		got, err := ormrt.FieldToJSON(typ.ProtoReflect(), c.num)
		if err != nil {
			t.Fatalf("field %d: %v", c.num, err)
		}
		if string(got) != c.want || (c.want == "" && got != nil) {
			t.Errorf("field %d = %q, want %q", c.num, got, c.want)
		}
		back := &typepb.Type{}
		if err := ormrt.JSONToField(back.ProtoReflect(), c.num, got); err != nil {
			t.Fatalf("field %d: JSONToField: %v", c.num, err)
		}
		fd := typ.ProtoReflect().Descriptor().Fields().ByNumber(c.num)
		want := &typepb.Type{}
		if typ.ProtoReflect().Has(fd) {
			want.ProtoReflect().Set(fd, typ.ProtoReflect().Get(fd))
		}
		if !proto.Equal(back, want) {
			t.Errorf("field %d: JSONToField gave %v, want %v", c.num, back, want)
		}
	}

	api := &apipb.Api{Methods: []*apipb.Method{{Name: "Get", RequestStreaming: true}}, Mixins: []*apipb.Mixin{}}
	got, err := ormrt.FieldToJSON(api.ProtoReflect(), 2)
	if err != nil || string(got) != `[{"name":"Get","requestStreaming":true}]` {
		t.Fatalf("Api.methods = %s, %v", got, err)
	}
	if got, err := ormrt.FieldToJSON(api.ProtoReflect(), 6); err != nil || string(got) != `[]` {
		t.Fatalf("Api.mixins = %s, %v", got, err)
	}
}

func TestFieldToJSONErrors(t *testing.T) {
	// An Any whose type is not linked into the program cannot be encoded.
	m := newSample()
	m.Set(fieldOf(t, m, fAny), protoreflect.ValueOfMessage((&anypb.Any{
		TypeUrl: "type.googleapis.com/not.linked.Message", Value: []byte{8, 1},
	}).ProtoReflect()))
	_, err := ormrt.FieldToJSON(m, fAny)
	wantFieldError(t, err, "test.v1.Sample.any", "not.linked.Message")

	// The same Any inside a generated message.
	opt := &typepb.Option{Name: "o", Value: &anypb.Any{TypeUrl: "type.googleapis.com/not.linked.Message"}}
	_, err = ormrt.FieldToJSON(opt.ProtoReflect(), 2)
	wantFieldError(t, err, "google.protobuf.Option.value", "not.linked.Message")

	// Invalid UTF-8 in a string.
	m = newSample()
	m.Set(fieldOf(t, m, fInner), protoreflect.ValueOfMessage(func() protoreflect.Message {
		in := m.NewField(fieldOf(t, m, fInner)).Message()
		in.Set(innerDesc.Fields().ByName("name"), vStr("\xff"))
		return in
	}()))
	_, err = ormrt.FieldToJSON(m, fInner)
	wantFieldError(t, err, "test.v1.Sample.inner", "UTF-8")

	_, err = ormrt.FieldToJSON(newSample(), 999)
	wantFieldError(t, err, "test.v1.Sample", "no field number 999")
}

func TestJSONToField(t *testing.T) {
	// nil clears the field.
	m := newSample()
	m.Mutable(fieldOf(t, m, fInts)).List().Append(vI64(1))
	setInner(1, "a")(m, fieldOf(t, m, fInner))
	for _, num := range []protoreflect.FieldNumber{fInts, fInner} {
		if err := ormrt.JSONToField(m, num, nil); err != nil {
			t.Fatal(err)
		}
		if m.Has(fieldOf(t, m, num)) {
			t.Errorf("field %d still set after JSONToField(nil)", num)
		}
	}

	// Replacing, not merging.
	m.Mutable(fieldOf(t, m, fInts)).List().Append(vI64(1))
	if err := ormrt.JSONToField(m, fInts, ormrt.JSON(`["2"]`)); err != nil {
		t.Fatal(err)
	}
	if l := m.Get(fieldOf(t, m, fInts)).List(); l.Len() != 1 || l.Get(0).Int() != 2 {
		t.Errorf("ints = %v, want [2]", l)
	}
	if err := ormrt.JSONToField(m, fInts, ormrt.JSON(`[]`)); err != nil || m.Has(fieldOf(t, m, fInts)) {
		t.Errorf("JSONToField([]) = %v, has = %v", err, m.Has(fieldOf(t, m, fInts)))
	}

	// Lenient input protojson accepts: numbers for int64, names for JSON names.
	if err := ormrt.JSONToField(m, fCounts, ormrt.JSON(` { "a" : 1 } `)); err != nil {
		t.Fatal(err)
	}
	if v := m.Get(fieldOf(t, m, fCounts)).Map().Get(vStr("a").MapKey()); v.Int() != 1 {
		t.Errorf("counts[a] = %v", v)
	}
	if err := ormrt.JSONToField(m, fColors, ormrt.JSON(`["COLOR_RED", 17]`)); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		num  protoreflect.FieldNumber
		data string
		msg  string
	}{
		{fInts, `["x"]`, "invalid value"},
		{fInts, `{"a":1}`, ""},
		{fInts, `[1]}, "ints": [2`, "invalid JSON"},
		{fInts, `[1], "counts": {}`, "invalid JSON"},
		{fInts, ``, "invalid JSON"},
		{fColor, `"COLOR_BLUE"`, "COLOR_BLUE"},
		{fAny, `{"@type":"type.googleapis.com/not.linked.Message"}`, "not.linked.Message"},
		{fInner, `{"id":"1","unknown":2}`, "unknown"},
		{fValue, `NaN`, "invalid JSON"},
	} {
		err := ormrt.JSONToField(newSample(), c.num, ormrt.JSON(c.data))
		wantFieldError(t, err, string(fieldOf(t, m, c.num).FullName()), c.msg)
	}
	err := ormrt.JSONToField(newSample(), 999, ormrt.JSON(`1`))
	wantFieldError(t, err, "test.v1.Sample", "no field number 999")
}

func TestJSONValueScan(t *testing.T) {
	var j ormrt.JSON
	if v, err := j.Value(); v != nil || err != nil {
		t.Errorf("nil JSON Value = %v, %v; want nil (NULL)", v, err)
	}
	if v, err := ormrt.JSON(`[]`).Value(); v != "[]" || err != nil {
		t.Errorf("Value = %#v, %v", v, err)
	}
	buf := []byte(`{"a":1}`)
	if err := j.Scan(buf); err != nil || string(j) != `{"a":1}` {
		t.Fatalf("Scan([]byte) = %q, %v", j, err)
	}
	buf[2] = 'X'
	if string(j) != `{"a":1}` {
		t.Errorf("Scan kept the driver's buffer: %q", j)
	}
	if err := j.Scan(`[1]`); err != nil || string(j) != `[1]` {
		t.Errorf("Scan(string) = %q, %v", j, err)
	}
	if err := j.Scan([]byte{}); err != nil || j == nil || len(j) != 0 {
		t.Errorf("Scan(empty) = %#v, %v; want non-nil empty", j, err)
	}
	if err := j.Scan(nil); err != nil || j != nil {
		t.Errorf("Scan(nil) = %q, %v", j, err)
	}
	if err := j.Scan(12); err == nil {
		t.Errorf("Scan(int) succeeded")
	}
	if ormrt.JSON(nil).GormDataType() == "" {
		t.Errorf("GormDataType is empty")
	}
	for d, want := range map[ormrt.Dialect]string{ormrt.Postgres: "JSONB", ormrt.MySQL: "JSON", ormrt.SQLite: "TEXT"} {
		if got := ormrt.JSONColumn(d); got != want {
			t.Errorf("JSONColumn(%s) = %s, want %s", d, got, want)
		}
	}
}

func wantFieldError(t *testing.T, err error, field, msg string) {
	t.Helper()
	var fe *ormrt.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v, want a *ormrt.FieldError", err)
	}
	if fe.Field != field {
		t.Errorf("error field = %q, want %q (%v)", fe.Field, field, err)
	}
	if !strings.HasPrefix(err.Error(), field+": ") {
		t.Errorf("error %q does not start with %q", err, field+": ")
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not mention %q", err, msg)
	}
}
