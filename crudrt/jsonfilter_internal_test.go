package crudrt

import (
	"maps"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
)

// TestJSONColumnsBounded: a message that holds itself several times gives
// filters its values (and whether its messages are set) level by level,
// its own fields first, down to maxJSONDepth levels and no more than
// maxJSONColumns of them in all.
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
	cols := jsonColumns("n", "n", fd.Messages().ByName("Node"))
	if len(cols) != maxJSONColumns {
		t.Errorf("%d columns; want %d", len(cols), maxJSONColumns)
	}
	// Level by level: the message's own fields first, its label among them.
	var top []string
	for _, c := range cols[:7] {
		top = append(top, c.Path)
		if len(c.JSON) != 1 {
			t.Errorf("%s is among the first seven but %d keys deep", c.Path, len(c.JSON))
		}
	}
	if top[0] != "n.a" || !cols[0].Presence || top[6] != "n.label" || cols[6].Presence {
		t.Errorf("the first level is %v; want n.a … n.f (set or not) and n.label", top)
	}
	for i := 1; i < len(cols); i++ {
		if len(cols[i].JSON) < len(cols[i-1].JSON) {
			t.Errorf("%s comes after the deeper %s", cols[i].Path, cols[i-1].Path)
		}
		if len(cols[i].JSON) > maxJSONDepth {
			t.Errorf("%s is %d keys deep", cols[i].Path, len(cols[i].JSON))
		}
	}
}

// TestJSONColumnsGroups: a proto2 group (and so a message field of an
// edition with DELIMITED encoding, which is of the same kind) inside a
// message stored as JSON gives filters its fields, as a message does.
func TestJSONColumnsGroups(t *testing.T) {
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name: proto.String("group.proto"), Package: proto.String("r"), Syntax: proto.String("proto2"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Outer"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("extra"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_GROUP.Enum(), Label: opt, TypeName: proto.String(".r.Outer.Extra")},
			},
			NestedType: []*descriptorpb.DescriptorProto{{
				Name: proto.String("Extra"),
				Field: []*descriptorpb.FieldDescriptorProto{
					{Name: proto.String("a"), Number: proto.Int32(2), Type: descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum(), Label: opt, DefaultValue: proto.String("7")},
				},
			}},
		}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range jsonColumns("legacy", "legacy", fd.Messages().ByName("Outer")) {
		got[c.Path] = strings.Join(c.JSON, ".") + " " + c.Zero
	}
	want := map[string]string{"legacy.extra": "extra ", "legacy.extra.a": "extra.a 7"}
	if !maps.Equal(got, want) {
		t.Errorf("columns %v; want %v", got, want)
	}
}
