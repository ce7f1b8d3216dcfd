package crudrt

import (
	"testing"

	bufvalidate "buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	pgvpb "github.com/envoyproxy/protoc-gen-validate/validate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// TestRulesIn: each kind of rule is found where it is declared, on the
// message itself or on a message it holds (through maps too), and the
// resource named skip is not looked into. (Validation runs the walk of a
// kind only where rulesIn found it; internal/e2e checks both kinds' answers.)
func TestRulesIn(t *testing.T) {
	pv := &descriptorpb.FieldOptions{}
	proto.SetExtension(pv, bufvalidate.E_Field, &bufvalidate.FieldRules{Type: &bufvalidate.FieldRules_String_{String_: &bufvalidate.StringRules{MinLen: proto.Uint64(1)}}})
	pgv := &descriptorpb.FieldOptions{}
	proto.SetExtension(pgv, pgvpb.E_Rules, &pgvpb.FieldRules{Type: &pgvpb.FieldRules_String_{String_: &pgvpb.StringRules{MinLen: proto.Uint64(1)}}})
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	msg := descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	rep := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	field := func(name string, typ *descriptorpb.FieldDescriptorProto_Type, label *descriptorpb.FieldDescriptorProto_Label, typeName string, o *descriptorpb.FieldOptions) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(1), Type: typ, Label: label, Options: o}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	fdp := &descriptorpb.FileDescriptorProto{
		Name: proto.String("rulesin.proto"), Package: proto.String("r"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("Plain"), Field: []*descriptorpb.FieldDescriptorProto{field("a", str, opt, "", nil)}},
			{Name: proto.String("PV"), Field: []*descriptorpb.FieldDescriptorProto{field("a", str, opt, "", pv)}},
			{Name: proto.String("PGV"), Field: []*descriptorpb.FieldDescriptorProto{field("a", str, opt, "", pgv)}},
			{Name: proto.String("HoldsPGV"), Field: []*descriptorpb.FieldDescriptorProto{field("in", msg, opt, ".r.PGV", nil)}},
			{Name: proto.String("MapOfPV"), Field: []*descriptorpb.FieldDescriptorProto{field("m", msg, rep, ".r.MapOfPV.MEntry", nil)},
				NestedType: []*descriptorpb.DescriptorProto{{
					Name:    proto.String("MEntry"),
					Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
					Field: []*descriptorpb.FieldDescriptorProto{
						{Name: proto.String("key"), Number: proto.Int32(1), Type: str, Label: opt},
						{Name: proto.String("value"), Number: proto.Int32(2), Type: msg, Label: opt, TypeName: proto.String(".r.PV")},
					},
				}}},
		},
	}
	fd, err := protodesc.NewFile(fdp, nil)
	if err != nil {
		t.Fatal(err)
	}
	md := func(n string) protoreflect.MessageDescriptor { return fd.Messages().ByName(protoreflect.Name(n)) }
	for _, c := range []struct {
		msg, skip string
		want      ruleKinds
	}{
		{"Plain", "", ruleKinds{}},
		{"PV", "", ruleKinds{pv: true}},
		{"PGV", "", ruleKinds{pgv: true}},
		{"HoldsPGV", "", ruleKinds{pgv: true}},
		{"HoldsPGV", "r.PGV", ruleKinds{}},
		{"MapOfPV", "", ruleKinds{pv: true}},
	} {
		if got := rulesIn(md(c.msg), protoreflect.FullName(c.skip), map[protoreflect.FullName]bool{}); got != c.want {
			t.Errorf("rulesIn(%s, skip %q) = %+v; want %+v", c.msg, c.skip, got, c.want)
		}
	}
}
