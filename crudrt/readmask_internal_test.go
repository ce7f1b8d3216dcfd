package crudrt

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/structpb"
)

// TestReadMaskTree checks read masks on a message with a singular message
// field: paths into it keep only what they name, a shorter path keeps the
// whole field whatever the order, and paths through a repeated field or to
// no field are refused.
func TestReadMaskTree(t *testing.T) {
	s := &Service{desc: (&descriptorpb.FieldDescriptorProto{}).ProtoReflect().Descriptor()}
	full := func() *descriptorpb.FieldDescriptorProto {
		return &descriptorpb.FieldDescriptorProto{
			Name: proto.String("title"), Number: proto.Int32(2), JsonName: proto.String("title"),
			Options: &descriptorpb.FieldOptions{Deprecated: proto.Bool(true), Packed: proto.Bool(true)},
		}
	}
	for name, tc := range map[string]struct {
		paths []string
		want  *descriptorpb.FieldDescriptorProto
	}{
		"top-level":          {[]string{"name", "number"}, &descriptorpb.FieldDescriptorProto{Name: proto.String("title"), Number: proto.Int32(2)}},
		"into a message":     {[]string{"name", "options.deprecated"}, &descriptorpb.FieldDescriptorProto{Name: proto.String("title"), Options: &descriptorpb.FieldOptions{Deprecated: proto.Bool(true)}}},
		"whole after part":   {[]string{"options.deprecated", "options"}, &descriptorpb.FieldDescriptorProto{Options: full().Options}},
		"part after whole":   {[]string{"options", "options.deprecated"}, &descriptorpb.FieldDescriptorProto{Options: full().Options}},
		"everything":         {[]string{"*"}, full()},
		"no mask":            {nil, full()},
		"unset field masked": {[]string{"type_name"}, &descriptorpb.FieldDescriptorProto{}},
	} {
		m, err := s.ReadMask(&fieldmaskpb.FieldMask{Paths: tc.paths})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got, err := m.Apply(full(), nil)
		if err != nil || !proto.Equal(got, tc.want) {
			t.Errorf("%s: got %v, %v; want %v", name, got, err, tc.want)
		}
	}
	for _, bad := range [][]string{{"colour"}, {"name.x"}, {"options.uninterpreted_option.name"}, {"name", "*"}, {"options.colour"}} {
		_, err := s.ReadMask(&fieldmaskpb.FieldMask{Paths: bad})
		if err == nil || !strings.Contains(err.Error(), "read_mask") {
			t.Errorf("%q: got %v; want InvalidArgument naming read_mask", bad, err)
		}
	}
}

// TestReadMaskMapEntries checks read mask paths that end at a map's entry
// (AIP-161): the map keeps only the entries named that it holds, a key in
// backticks may hold dots and doubled backticks, a path naming the whole
// map keeps it whole, and a path past an entry is refused.
func TestReadMaskMapEntries(t *testing.T) {
	s := &Service{desc: (&structpb.Struct{}).ProtoReflect().Descriptor()}
	full := func() *structpb.Struct {
		return &structpb.Struct{Fields: map[string]*structpb.Value{
			"a": structpb.NewStringValue("1"), "b": structpb.NewNumberValue(2), "x.y": structpb.NewBoolValue(true),
			"it`s": structpb.NewNullValue(), "someKey": structpb.NewStringValue("k"),
		}}
	}
	only := func(keys ...string) *structpb.Struct {
		m := full()
		for k := range m.Fields {
			if !slices.Contains(keys, k) {
				delete(m.Fields, k)
			}
		}
		return m
	}
	for name, tc := range map[string]struct {
		paths []string
		want  *structpb.Struct
	}{
		"one entry":          {[]string{"fields.a"}, only("a")},
		"two entries":        {[]string{"fields.a", "fields.b"}, only("a", "b")},
		"quoted key":         {[]string{"fields.`x.y`", "fields.`it``s`"}, only("x.y", "it`s")},
		"key as sent":        {[]string{"fields.someKey"}, only("someKey")},
		"absent key":         {[]string{"fields.nothing"}, &structpb.Struct{}},
		"absent and present": {[]string{"fields.nothing", "fields.b"}, only("b")},
		"whole after entry":  {[]string{"fields.a", "fields"}, full()},
		"entry after whole":  {[]string{"fields", "fields.a"}, full()},
	} {
		m, err := s.ReadMask(&fieldmaskpb.FieldMask{Paths: tc.paths})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got, err := m.Apply(full(), nil)
		if err != nil || !proto.Equal(got, tc.want) {
			t.Errorf("%s: got %v, %v; want %v", name, got, err, tc.want)
		}
	}
	for _, bad := range [][]string{{"fields.a.kind"}, {"fields.`x.y`.kind"}, {"fields.`a"}, {"fields.a-b"}, {"fields."}, {"fields.a", "fields.a.b"}} {
		_, err := s.ReadMask(&fieldmaskpb.FieldMask{Paths: bad})
		if err == nil || !strings.Contains(err.Error(), "read_mask") {
			t.Errorf("%q: got %v; want InvalidArgument naming read_mask", bad, err)
		}
	}
}

// TestReadMaskKeepsRequired checks that a read mask keeps the required
// fields (proto2's, editions' LEGACY_REQUIRED) that it does not name,
// of the resource and of a message a path goes into: a message without
// them does not marshal, so that the answer would fail.
func TestReadMaskKeepsRequired(t *testing.T) {
	part := func() *descriptorpb.UninterpretedOption_NamePart {
		return &descriptorpb.UninterpretedOption_NamePart{NamePart: proto.String("a"), IsExtension: proto.Bool(true)}
	}
	s := &Service{desc: part().ProtoReflect().Descriptor()}
	m, err := s.ReadMask(&fieldmaskpb.FieldMask{Paths: []string{"name_part"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Apply(part(), nil)
	if err != nil || !proto.Equal(got, part()) {
		t.Errorf("got %v, %v; want %v", got, err, part())
	}
	if _, err := proto.Marshal(got); err != nil {
		t.Errorf("the masked message does not marshal: %v", err)
	}
	// Into a message: its required fields stay, the others go.
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name: proto.String("req.proto"), Package: proto.String("req"), Syntax: proto.String("proto2"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("Outer"), Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("id"), Number: proto.Int32(1), Label: descriptorpb.FieldDescriptorProto_LABEL_REQUIRED.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_INT64.Enum()},
				{Name: proto.String("inner"), Number: proto.Int32(2), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), TypeName: proto.String(".req.Inner")},
				{Name: proto.String("note"), Number: proto.Int32(3), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()},
			}},
			{Name: proto.String("Inner"), Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("must"), Number: proto.Int32(1), Label: descriptorpb.FieldDescriptorProto_LABEL_REQUIRED.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()},
				{Name: proto.String("a"), Number: proto.Int32(2), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum()},
				{Name: proto.String("b"), Number: proto.Int32(3), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum()},
			}},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	outer := fd.Messages().ByName("Outer")
	msg := func(text string) proto.Message {
		m := dynamicpb.NewMessage(outer)
		if err := prototext.Unmarshal([]byte(text), m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	s = &Service{desc: outer}
	m, err = s.ReadMask(&fieldmaskpb.FieldMask{Paths: []string{"inner.a"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err = m.Apply(msg(`id: 7 inner {must: "m" a: 1 b: 2} note: "n"`), nil)
	if want := msg(`id: 7 inner {must: "m" a: 1}`); err != nil || !proto.Equal(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	if _, err := proto.Marshal(got); err != nil {
		t.Errorf("the masked message does not marshal: %v", err)
	}
}
