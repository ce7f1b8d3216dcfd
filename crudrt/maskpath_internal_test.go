package crudrt

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
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
		if got, nested, ok := maskFieldPath(md, in); !ok || got != want || nested {
			t.Errorf("maskFieldPath(%q) = %q, %v, %v; want %q, no output-only field", in, got, nested, ok, want)
		}
	}
	for _, in := range []string{"Inner", "items.note", "title.x", "meta.Note", "nope", "meta."} {
		if got, _, ok := maskFieldPath(md, in); ok {
			t.Errorf("maskFieldPath(%q) = %q; want it refused", in, got)
		}
	}
}

// TestProto2Required: a proto2 required field is REQUIRED, at the top
// and in the messages a resource holds: a message without it would be
// stored and then fail to marshal in every answer that carries it.
func TestProto2Required(t *testing.T) {
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	req := descriptorpb.FieldDescriptorProto_LABEL_REQUIRED.Enum()
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name: proto.String("r.proto"), Package: proto.String("r"), Syntax: proto.String("proto2"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("Spec"), Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("code"), Number: proto.Int32(1), Label: req, Type: str},
				{Name: proto.String("label"), Number: proto.Int32(2), Label: opt, Type: str},
			}},
			{Name: proto.String("Gadget"), Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("must"), Number: proto.Int32(1), Label: req, Type: str},
				{Name: proto.String("spec"), Number: proto.Int32(2), Label: opt, Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), TypeName: proto.String(".r.Spec")},
			}},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	gadget := fd.Messages().ByName("Gadget")
	if b := readBehaviors(gadget); len(b.required) != 1 || b.required[0].Name() != "must" {
		t.Errorf("required: %v", b.required)
	}
	m := dynamicpb.NewMessage(gadget)
	m.Set(gadget.Fields().ByName("must"), protoreflect.ValueOfString("x"))
	m.Mutable(gadget.Fields().ByName("spec")).Message().Set(fd.Messages().ByName("Spec").Fields().ByName("label"), protoreflect.ValueOfString("l"))
	vs := nestedPlanOf(gadget).requiredViolations(m, "gadget")
	if len(vs) != 1 || vs[0].Field != "gadget.spec.code" {
		t.Errorf("violations %v, want gadget.spec.code", vs)
	}
}
