package ormrt_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	kindsv1 "github.com/protoforge/protoforge/internal/e2e/gen/kinds/v1"
	"github.com/protoforge/protoforge/ormrt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func ptr[T any](v T) *T { return &v }

// conversionSamples are messages of every kind of column, at extreme
// values, absent and present, whose values the columns hold exactly.
func conversionSamples() []proto.Message {
	at := timestamppb.New(time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC))
	return []proto.Message{
		&kindsv1.Scalars{},
		&kindsv1.Scalars{
			Id: math.MaxInt64, VInt32: math.MinInt32, VInt64: math.MinInt64, VUint32: math.MaxUint32, VUint64: math.MaxUint64,
			VSint32: math.MaxInt32, VSint64: math.MaxInt64, VFixed32: math.MaxUint32, VFixed64: math.MaxUint64,
			VSfixed32: math.MinInt32, VSfixed64: math.MinInt64, VFloat: math.MaxFloat32, VDouble: -math.SmallestNonzeroFloat64,
			VBool: true, VString: "é\x00😀", VBytes: []byte{0, 0xff}, VEnum: kindsv1.Color(77), VEnumName: kindsv1.Color_COLOR_GREEN,
		},
		&kindsv1.Optionals{Id: 1},
		&kindsv1.Optionals{
			Id: 2, VInt32: ptr[int32](0), VInt64: ptr[int64](math.MinInt64), VUint32: ptr[uint32](0), VUint64: ptr[uint64](math.MaxUint64),
			VSint32: ptr[int32](-1), VSint64: ptr[int64](-1), VFixed32: ptr[uint32](1), VFixed64: ptr[uint64](1),
			VSfixed32: ptr[int32](0), VSfixed64: ptr[int64](0), VFloat: ptr[float32](0), VDouble: ptr(math.Inf(-1)),
			VBool: ptr(false), VString: ptr(""), VBytes: []byte{}, VEnum: kindsv1.Color(-3).Enum(), VEnumName: kindsv1.Color(-3).Enum(),
		},
		&kindsv1.Wrappers{Id: 3},
		&kindsv1.Wrappers{
			Id: 4, VBool: wrapperspb.Bool(false), VInt32: wrapperspb.Int32(math.MinInt32), VInt64: wrapperspb.Int64(math.MaxInt64),
			VUint32: wrapperspb.UInt32(math.MaxUint32), VUint64: wrapperspb.UInt64(math.MaxUint64), VFloat: wrapperspb.Float(-1.5),
			VDouble: wrapperspb.Double(math.Inf(1)), VString: wrapperspb.String(""), VBytes: wrapperspb.Bytes(nil),
		},
		&kindsv1.Times{Id: 5},
		&kindsv1.Times{
			Id: 6, At: at, Span: durationpb.New(-time.Microsecond),
			AtNanos: timestamppb.New(time.Unix(0, math.MinInt64+1)), SpanNanos: durationpb.New(math.MaxInt64),
		},
		&kindsv1.Choices{Id: 7},
		&kindsv1.Choices{Id: 8, Choice: &kindsv1.Choices_Text{Text: "t"}},
		&kindsv1.Choices{Id: 9, Choice: &kindsv1.Choices_Unsigned{Unsigned: math.MaxUint64}},
		&kindsv1.Choices{Id: 10, Choice: &kindsv1.Choices_Blob{}},
		&kindsv1.Choices{Id: 11, Choice: &kindsv1.Choices_Color{Color: kindsv1.Color_COLOR_RED}},
		&kindsv1.Choices{Id: 12, Choice: &kindsv1.Choices_When{When: at}},
		&kindsv1.Choices{Id: 13, Choice: &kindsv1.Choices_Nested{Nested: &kindsv1.Nested{Big: math.MinInt64}}},
		&kindsv1.Choices{Id: 14, Choice: &kindsv1.Choices_Ratio{Ratio: -0.25}},
		&kindsv1.Collections{Id: 15},
		&kindsv1.Collections{Id: 16, Ints: []int64{math.MinInt64}, Counts: map[string]int64{"a": 1}, Value: structpb.NewNullValue(),
			Strings: []string{"", "é\x00<&>\"", "😀"}},
		&libraryv1.Book{},
		&libraryv1.Book{Id: 17, Title: "t", Tags: []string{"a"}, Metadata: map[string]string{"": "", "k": "v\u2028"},
			CreateTime: at, DeleteTime: at, State: libraryv1.BookState_BOOK_STATE_PUBLISHED},
	}
}

// toModel calls the generated ToModel of x.
func toModel(t *testing.T, x proto.Message) any {
	t.Helper()
	out := reflect.ValueOf(x).MethodByName("ToModel").Call(nil)
	if err, _ := out[1].Interface().(error); err != nil {
		t.Fatalf("ToModel(%v): %v", x, err)
	}
	return out[0].Interface()
}

// TestCopyDirectAndReflect: the generated conversions, which read and write
// the message's Go fields in place, and the same conversions of a
// dynamicpb message, which go through protoreflect, give equal models
// from every sample, and both convert back to the sample.
func TestCopyDirectAndReflect(t *testing.T) {
	for _, x := range conversionSamples() {
		name := string(x.ProtoReflect().Descriptor().Name())
		m := toModel(t, x)
		back := reflect.ValueOf(m).MethodByName("ToProto").Call(nil)
		if err, _ := back[1].Interface().(error); err != nil {
			t.Fatalf("%s: ToProto: %v", name, err)
		}
		if got := back[0].Interface().(proto.Message); !proto.Equal(got, x) {
			t.Errorf("%s: ToProto(ToModel(x)) = %v, want %v", name, got, x)
		}

		// The same model struct under another type has a plan of its own,
		// made with a dynamicpb message, whose struct has no fields of
		// the message: every field goes through protoreflect.
		mt := reflect.TypeOf(m).Elem()
		fields := make([]reflect.StructField, mt.NumField())
		for i := range fields {
			fields[i] = mt.Field(i)
		}
		twin := reflect.StructOf(fields)
		dyn := dynamicpb.NewMessage(x.ProtoReflect().Descriptor())
		proto.Merge(dyn, x)
		rm := reflect.New(twin)
		if err := ormrt.CopyToModel(dyn, rm.Interface()); err != nil {
			t.Fatalf("%s: CopyToModel of a dynamic message: %v", name, err)
		}
		if got, want := rm.Elem().Interface(), reflect.ValueOf(m).Elem().Convert(twin).Interface(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: through protoreflect the model is\n%+v\nin place\n%+v", name, got, want)
		}
		dynBack := dynamicpb.NewMessage(x.ProtoReflect().Descriptor())
		if err := ormrt.CopyToProto(rm.Interface(), dynBack); err != nil {
			t.Fatalf("%s: CopyToProto of a dynamic message: %v", name, err)
		}
		if !proto.Equal(dynBack, x) {
			t.Errorf("%s: through protoreflect the message is %v, want %v", name, dynBack, x)
		}
	}
}

// TestCopyOverwrites: CopyToModel sets every tagged field, absent ones
// included, so a model that held other values holds the message's; and
// the model shares no value that a pointer could change with the message.
func TestCopyOverwrites(t *testing.T) {
	w := &kindsv1.Wrappers{VInt64: wrapperspb.Int64(1)}
	wm, err := w.ToModel()
	if err != nil {
		t.Fatal(err)
	}
	*wm.VInt64 = 2
	if w.VInt64.Value != 1 {
		t.Error("the model's wrapper value points into the message")
	}
	o := &kindsv1.Optionals{VInt64: ptr[int64](1)}
	om, err := o.ToModel()
	if err != nil {
		t.Fatal(err)
	}
	*om.VInt64 = 2
	if *o.VInt64 != 1 {
		t.Error("the model's optional value points into the message")
	}
	back, err := om.ToProto()
	if err != nil {
		t.Fatal(err)
	}
	*back.VInt64 = 3
	if *om.VInt64 != 2 {
		t.Error("the message's optional value points into the model")
	}

	full := conversionSamples()[3].(*kindsv1.Optionals)
	m, err := full.ToModel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ormrt.CopyToModel(&kindsv1.Optionals{Id: 1}, m); err != nil {
		t.Fatal(err)
	}
	if want := (&kindsv1.OptionalsModel{Id: 1}); !reflect.DeepEqual(m, want) {
		t.Errorf("model after copying a message with nothing set: %+v", m)
	}
}

// TestCopyErrors: values the columns cannot hold, and stored values that
// are not the message's, are errors naming the field.
func TestCopyErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		field string
	}{
		{"timestamp out of range", func() error {
			_, err := (&kindsv1.Times{At: &timestamppb.Timestamp{Seconds: math.MaxInt64}}).ToModel()
			return err
		}(), "kinds.v1.Times.at"},
		{"nanoseconds out of range", func() error {
			_, err := (&kindsv1.Times{AtNanos: timestamppb.New(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))}).ToModel()
			return err
		}(), "kinds.v1.Times.at_nanos"},
		{"unknown enum name", func() error {
			_, err := (&kindsv1.ScalarsModel{VEnumName: "COLOR_BLUE"}).ToProto()
			return err
		}(), "kinds.v1.Scalars.v_enum_name"},
		{"unknown optional enum name", func() error {
			_, err := (&kindsv1.OptionalsModel{VEnumName: ptr("")}).ToProto()
			return err
		}(), "kinds.v1.Optionals.v_enum_name"},
		{"invalid UTF-8 in a string list", func() error {
			_, err := (&kindsv1.Collections{Strings: []string{"ok", "\xff"}}).ToModel()
			return err
		}(), "kinds.v1.Collections.strings"},
		{"invalid UTF-8 in a string map", func() error {
			_, err := (&libraryv1.Book{Metadata: map[string]string{"\xff": ""}}).ToModel()
			return err
		}(), "library.v1.Book.metadata"},
		{"a string list that is not JSON", func() error {
			_, err := (&kindsv1.CollectionsModel{Strings: ormrt.JSON(`["a"`)}).ToProto()
			return err
		}(), "kinds.v1.Collections.strings"},
		{"a string map of numbers", func() error {
			_, err := (&libraryv1.BookModel{Metadata: ormrt.JSON(`{"a":1}`)}).ToProto()
			return err
		}(), "library.v1.Book.metadata"},
		{"two oneof members", func() error {
			_, err := (&kindsv1.ChoicesModel{Text: ptr("a"), Ratio: ptr(1.0)}).ToProto()
			return err
		}(), "kinds.v1.Choices.ratio"},
		{"oneof member and a JSON member", func() error {
			_, err := (&kindsv1.ChoicesModel{Text: ptr("a"), Nested: ormrt.JSON(`{}`)}).ToProto()
			return err
		}(), "kinds.v1.Choices.nested"},
	} {
		var fe *ormrt.FieldError
		if !errors.As(tc.err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v, want an error naming %s", tc.name, tc.err, tc.field)
		}
	}
}

// TestCopyPlanErrors: tags that do not describe the message, or a Go type
// that cannot store the field, are errors naming the model's field, never
// a conversion that loses or corrupts a value.
func TestCopyPlanErrors(t *testing.T) {
	type unknownOption struct {
		V int32 `protoforge:"kinds.v1.Scalars.v_int32,bogus"`
	}
	type otherMessage struct {
		V int32 `protoforge:"kinds.v1.Optionals.v_int32"`
	}
	type noSuchField struct {
		V int32 `protoforge:"kinds.v1.Scalars.nope"`
	}
	type narrower struct {
		V int32 `protoforge:"kinds.v1.Scalars.v_int64"`
	}
	type signedness struct {
		V int64 `protoforge:"kinds.v1.Scalars.v_uint64"`
	}
	type pointerWithoutPresence struct {
		V *int32 `protoforge:"kinds.v1.Scalars.v_int32"`
	}
	type valueWithPresence struct {
		V int32 `protoforge:"kinds.v1.Optionals.v_int32"`
	}
	type nanosWithoutOption struct {
		V *int64 `protoforge:"kinds.v1.Times.at"`
	}
	type durationAsTime struct {
		V *time.Time `protoforge:"kinds.v1.Times.span"`
	}
	type jsonWithOption struct {
		V ormrt.JSON `protoforge:"kinds.v1.Times.span,nanos"`
	}
	type listInColumn struct {
		V []int64 `protoforge:"kinds.v1.Collections.ints"`
	}
	type enumAsFloat struct {
		V float32 `protoforge:"kinds.v1.Scalars.v_enum"`
	}
	for _, tc := range []struct {
		name string
		m    any
		x    proto.Message
		want string
	}{
		{"unknown option", &unknownOption{}, &kindsv1.Scalars{}, "unknown option"},
		{"another message's field", &otherMessage{}, &kindsv1.Scalars{}, "names no field of kinds.v1.Scalars"},
		{"no such field", &noSuchField{}, &kindsv1.Scalars{}, "names no field"},
		{"int32 for int64", &narrower{}, &kindsv1.Scalars{}, "cannot store kinds.v1.Scalars.v_int64"},
		{"int64 for uint64", &signedness{}, &kindsv1.Scalars{}, "cannot store"},
		{"pointer without presence", &pointerWithoutPresence{}, &kindsv1.Scalars{}, "cannot store"},
		{"value with presence", &valueWithPresence{}, &kindsv1.Optionals{}, "cannot store"},
		{"nanoseconds without the option", &nanosWithoutOption{}, &kindsv1.Times{}, "cannot store"},
		{"duration as time", &durationAsTime{}, &kindsv1.Times{}, "cannot store"},
		{"JSON with an option", &jsonWithOption{}, &kindsv1.Times{}, "cannot store"},
		{"list in a plain column", &listInColumn{}, &kindsv1.Collections{}, "repeated"},
		{"enum as float", &enumAsFloat{}, &kindsv1.Scalars{}, "cannot store"},
	} {
		for _, err := range []error{ormrt.CopyToModel(tc.x, tc.m), ormrt.CopyToProto(tc.m, tc.x)} {
			var fe *ormrt.FieldError
			if !errors.As(err, &fe) || !strings.HasSuffix(fe.Field, ".V") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want an error naming the field V and saying %q", tc.name, err, tc.want)
			}
		}
	}

	// Another message than the model's is refused, and refusing it
	// leaves the model's own conversions as they were, whichever call
	// comes first.
	var other kindsv1.ScalarsModel
	type twin kindsv1.ScalarsModel
	for _, m := range []any{&other, &twin{}} {
		if err := ormrt.CopyToModel(&kindsv1.Optionals{}, m); err == nil || !strings.Contains(err.Error(), "names no field of kinds.v1.Optionals") {
			t.Errorf("converting another message into %T: %v", m, err)
		}
		if err := ormrt.CopyToModel(&kindsv1.Scalars{VInt32: 7}, m); err != nil {
			t.Errorf("%T after a refused message: %v", m, err)
		}
	}
	if other.VInt32 != 7 {
		t.Errorf("VInt32 = %d, want 7", other.VInt32)
	}
	for _, tc := range []struct {
		x proto.Message
		m any
	}{
		{&kindsv1.Scalars{}, kindsv1.ScalarsModel{}},
		{&kindsv1.Scalars{}, (*kindsv1.ScalarsModel)(nil)},
		{(*kindsv1.Scalars)(nil), &kindsv1.ScalarsModel{}},
		{nil, &kindsv1.ScalarsModel{}},
		{&kindsv1.Scalars{}, new(int)},
	} {
		var fe *ormrt.FieldError
		if err := ormrt.CopyToModel(tc.x, tc.m); !errors.As(err, &fe) {
			t.Errorf("CopyToModel(%T, %T): %v, want a *FieldError", tc.x, tc.m, err)
		}
		if err := ormrt.CopyToProto(tc.m, tc.x); !errors.As(err, &fe) {
			t.Errorf("CopyToProto(%T, %T): %v, want a *FieldError", tc.m, tc.x, err)
		}
	}
}

// TestCopyInPlace: the fields of a generated message's own struct are read
// and written in place, wrapper types and JSON columns of string lists and
// maps included; oneof members and other JSON columns go through
// protoreflect.
func TestCopyInPlace(t *testing.T) {
	for _, tc := range []struct {
		x    proto.Message
		m    any
		want string
	}{
		{&kindsv1.Scalars{}, &kindsv1.ScalarsModel{}, "id v_int32 v_int64 v_uint32 v_uint64 v_sint32 v_sint64 v_fixed32 v_fixed64 v_sfixed32 v_sfixed64 v_float v_double v_bool v_string v_bytes v_enum v_enum_name"},
		{&kindsv1.Optionals{}, &kindsv1.OptionalsModel{}, "id v_int32 v_int64 v_uint32 v_uint64 v_sint32 v_sint64 v_fixed32 v_fixed64 v_sfixed32 v_sfixed64 v_float v_double v_bool v_string v_bytes v_enum v_enum_name"},
		{&kindsv1.Times{}, &kindsv1.TimesModel{}, "id at span at_nanos span_nanos"},
		{&kindsv1.Wrappers{}, &kindsv1.WrappersModel{}, "id v_bool v_int32 v_int64 v_uint32 v_uint64 v_float v_double v_string v_bytes"},
		{&kindsv1.Choices{}, &kindsv1.ChoicesModel{}, "id"},
		{&kindsv1.Collections{}, &kindsv1.CollectionsModel{}, "id strings"},
		{&libraryv1.Book{}, &libraryv1.BookModel{}, "id title author_id state isbn tags metadata create_time update_time delete_time etag"},
	} {
		got, err := ormrt.DirectFields(tc.x, tc.m)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%T: in place %v, want %s", tc.m, got, tc.want)
		}
	}
}

// TestCopyDynamicDescriptors: dynamic messages share one Go type whatever
// their descriptor; each conversion is checked against the descriptor of
// the message it is given.
func TestCopyDynamicDescriptors(t *testing.T) {
	type scalarsTwin kindsv1.ScalarsModel
	m := &scalarsTwin{}
	scalars := dynamicpb.NewMessage((&kindsv1.Scalars{}).ProtoReflect().Descriptor())
	proto.Merge(scalars, &kindsv1.Scalars{VString: "s"})
	optionals := dynamicpb.NewMessage((&kindsv1.Optionals{}).ProtoReflect().Descriptor())
	for i := 0; i < 2; i++ {
		if err := ormrt.CopyToModel(scalars, m); err != nil || m.VString != "s" {
			t.Fatalf("dynamic Scalars: %v, %q", err, m.VString)
		}
		if err := ormrt.CopyToModel(optionals, m); err == nil || !strings.Contains(err.Error(), "names no field of kinds.v1.Optionals") {
			t.Errorf("dynamic Optionals into a Scalars model: %v", err)
		}
	}
}
