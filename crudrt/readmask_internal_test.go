package crudrt

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
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
