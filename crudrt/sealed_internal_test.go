package crudrt

import (
	"slices"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestSealedMaskPaths: an INPUT_ONLY and IMMUTABLE field (AIP-203, Cloud
// Workflows' tags) is refused in every update that names it, whatever it
// holds, since comparing it with the stored value would tell that value;
// a full replacement that leaves it empty, as one built from a read does,
// keeps it.
func TestSealedMaskPaths(t *testing.T) {
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	behave := func(fb ...annotations.FieldBehavior) *descriptorpb.FieldOptions {
		o := &descriptorpb.FieldOptions{}
		proto.SetExtension(o, annotations.E_FieldBehavior, fb)
		return o
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name: proto.String("t.proto"), Package: proto.String("t"), Syntax: proto.String("proto3"),
		Dependency: []string{"google/api/field_behavior.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Flow"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("name"), Number: proto.Int32(1), Label: opt, Type: str},
				{Name: proto.String("title"), Number: proto.Int32(2), Label: opt, Type: str},
				{Name: proto.String("tag"), Number: proto.Int32(3), Label: opt, Type: str, Options: behave(annotations.FieldBehavior_INPUT_ONLY, annotations.FieldBehavior_IMMUTABLE)},
				{Name: proto.String("secret"), Number: proto.Int32(4), Label: opt, Type: str, Options: behave(annotations.FieldBehavior_INPUT_ONLY)},
			},
		}},
	}, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	md := fd.Messages().ByName("Flow")
	s := &Service{desc: md, fb: readBehaviors(md), res: &Resource{Field: "flow"}}
	msg := func(tag string) proto.Message {
		m := dynamicpb.NewMessage(md)
		m.Set(md.Fields().ByName("title"), protoreflect.ValueOfString("t"))
		if tag != "" {
			m.Set(md.Fields().ByName("tag"), protoreflect.ValueOfString(tag))
		}
		return m
	}
	for _, c := range []struct {
		name  string
		tag   string
		paths []string
	}{
		{"named in the mask", "x", []string{"title", "tag"}},
		{"named in the mask, empty", "", []string{"tag"}},
		{"set under *", "x", []string{"*"}},
		{"set without a mask", "x", nil},
	} {
		_, err := s.maskPaths(msg(c.tag), &fieldmaskpb.FieldMask{Paths: c.paths})
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("%s: %v; want InvalidArgument", c.name, err)
		}
	}
	for _, c := range []struct {
		name  string
		paths []string
		want  []string
	}{
		{"left empty under *", []string{"*"}, []string{"name", "title", "secret"}},
		{"not in the mask", []string{"title"}, []string{"title"}},
		{"no mask, not set", nil, []string{"title"}},
	} {
		got, err := s.maskPaths(msg(""), &fieldmaskpb.FieldMask{Paths: c.paths})
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}
