package crudrt

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
)

// TestMaskFieldPath: update mask paths name fields by their names, a
// group by its field's name or its message's (which fieldmask.Update
// would not find: the update did nothing), and go through singular
// messages only.
func TestMaskFieldPath(t *testing.T) {
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	rep := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name: proto.String("t.proto"), Package: proto.String("t"), Syntax: proto.String("proto2"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Outer"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("meta"), Number: proto.Int32(1), Label: opt, Type: descriptorpb.FieldDescriptorProto_TYPE_GROUP.Enum(), TypeName: proto.String(".t.Outer.Meta")},
				{Name: proto.String("inner"), Number: proto.Int32(3), Label: opt, Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), TypeName: proto.String(".t.Outer.Meta")},
				{Name: proto.String("items"), Number: proto.Int32(4), Label: rep, Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), TypeName: proto.String(".t.Outer.Meta")},
				{Name: proto.String("title"), Number: proto.Int32(5), Label: opt, Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()},
			},
			NestedType: []*descriptorpb.DescriptorProto{{
				Name:  proto.String("Meta"),
				Field: []*descriptorpb.FieldDescriptorProto{{Name: proto.String("note"), Number: proto.Int32(2), Label: opt, Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()}},
			}},
		}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	md := fd.Messages().ByName("Outer")
	for in, want := range map[string]string{
		"meta": "meta", "Meta": "meta", "meta.note": "meta.note", "Meta.note": "meta.note",
		"inner.note": "inner.note", "title": "title", "items": "items",
	} {
		if got, ok := maskFieldPath(md, in); !ok || got != want {
			t.Errorf("maskFieldPath(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"Inner", "items.note", "title.x", "meta.Note", "nope", "meta."} {
		if got, ok := maskFieldPath(md, in); ok {
			t.Errorf("maskFieldPath(%q) = %q; want it refused", in, got)
		}
	}
}
