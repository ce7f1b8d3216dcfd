package crudrt

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
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
