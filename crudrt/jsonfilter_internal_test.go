package crudrt

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
)

// TestJSONColumnsBounded: a message that holds itself several times gives
// filters its values (and whether its messages are set) down to
// maxJSONDepth levels, and no more than maxJSONColumns of them in all.
func TestJSONColumnsBounded(t *testing.T) {
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	msg := descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
	var fields []*descriptorpb.FieldDescriptorProto
	for i, n := range []string{"a", "b", "c", "d", "e", "f"} {
		fields = append(fields, &descriptorpb.FieldDescriptorProto{Name: proto.String(n), Number: proto.Int32(int32(i + 1)), Type: msg, Label: opt, TypeName: proto.String(".r.Node")})
	}
	fields = append(fields, &descriptorpb.FieldDescriptorProto{Name: proto.String("label"), Number: proto.Int32(10), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: opt})
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name: proto.String("node.proto"), Package: proto.String("r"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Node"), Field: fields}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cols := jsonColumns("n", "n", nil, fd.Messages().ByName("Node"))
	if len(cols) != maxJSONColumns {
		t.Errorf("%d columns; want %d", len(cols), maxJSONColumns)
	}
	if c := cols[0]; c.Path != "n.a" || !c.Presence {
		t.Errorf("first column %s (presence %v); want n.a, tested for presence", c.Path, c.Presence)
	}
	found := false
	for _, c := range cols {
		if c.Path == "n.a.a.a.label" {
			found = len(c.JSON) == 4 && !c.Presence
		}
	}
	if !found {
		t.Errorf("no value n.a.a.a.label four keys deep among %d columns", len(cols))
	}
	for _, c := range cols {
		if len(c.JSON) > maxJSONDepth {
			t.Errorf("%s is %d keys deep", c.Path, len(c.JSON))
		}
	}
}
