package crudrt

import (
	"context"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bufbuild/protocompile"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/protoforge/protoforge/internal/gen/gentest"
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

// TestListColumns: a list or map stored as JSON gives filters its
// elements or values, at an Each or Entry step, with the kinds of its
// maps' keys; its messages' fields, lists and maps among them, a level
// down, under the map's key (m.{}.field); floats, bytes, protobuf's own
// messages and INPUT_ONLY fields are left out.
func TestListColumns(t *testing.T) {
	src := `syntax = "proto3";
package r;
import "google/api/field_behavior.proto";
import "google/protobuf/timestamp.proto";
message M {
  repeated E events = 1;
  map<int64, E> by_id = 2;
  repeated uint64 sums = 3;
  map<bool, Phase> phases = 4;
  repeated double weights = 5;
  repeated google.protobuf.Timestamp times = 6;
}
message E {
  string attribute = 1;
  repeated int32 codes = 2;
  map<string, E> kids = 3;
  bytes blob = 4;
  string secret = 5 [(google.api.field_behavior) = INPUT_ONLY];
  fixed64 size = 6;
}
enum Phase {
  PHASE_UNSPECIFIED = 0;
}
`
	file := compileProto(t, "m.proto", src)
	md := file.Messages().ByName("M")
	got := map[string]string{}
	for i := 0; i < md.Fields().Len(); i++ {
		fd := md.Fields().Get(i)
		for _, c := range listColumns(string(fd.Name()), "col_"+string(fd.Name()), fd) {
			if c.Name != "col_"+string(fd.Name()) {
				t.Errorf("%s is in column %s", c.Path, c.Name)
			}
			kind, _ := c.Kind.MarshalText()
			if c.Presence {
				kind = []byte("set")
			}
			var keys []string
			for _, k := range c.MapKeys {
				b, _ := k.MarshalText()
				keys = append(keys, string(b))
			}
			got[c.Path] = strings.Join(c.JSON, ".") + " " + string(kind) + " " + strings.Join(keys, ",")
		}
	}
	want := map[string]string{
		"events":                   "[] set ",
		"events.attribute":         "[].attribute string ",
		"events.codes":             "[].codes.[] int ",
		"events.kids":              "[].kids.{} set string",
		"events.size":              "[].size uint64 ",
		"events.kids.{}.attribute": "[].kids.{}.attribute string string",
		"events.kids.{}.codes":     "[].kids.{}.codes.[] int string",
		"events.kids.{}.kids":      "[].kids.{}.kids.{} set string,string",
		"events.kids.{}.size":      "[].kids.{}.size uint64 string",
		"by_id":                    "{} set int",
		"by_id.{}.attribute":       "{}.attribute string int",
		"by_id.{}.codes":           "{}.codes.[] int int",
		"by_id.{}.kids":            "{}.kids.{} set int,string",
		"by_id.{}.size":            "{}.size uint64 int",
		"sums":                     "[] uint64 ",
		"phases":                   "{} enum_name bool",
	}
	// Deeper levels are there too, down to maxJSONDepth fields.
	for path := range got {
		if _, ok := want[path]; !ok && strings.Count(path, ".") <= 3 && !strings.Contains(path, "kids.{}.kids") {
			t.Errorf("unexpected column %s: %s", path, got[path])
		}
	}
	for path, w := range want {
		if got[path] != w {
			t.Errorf("%s: %q, want %q", path, got[path], w)
		}
	}
	for path := range got {
		if strings.Contains(path, "blob") || strings.Contains(path, "secret") || strings.HasPrefix(path, "weights") || strings.HasPrefix(path, "times") {
			t.Errorf("%s is a column", path)
		}
		if n := strings.Count(strings.ReplaceAll(path, ".{}", ""), "."); n > maxJSONDepth {
			t.Errorf("%s is %d fields deep", path, n)
		}
	}
}

// compileProto compiles the proto file src, which may import the
// well-known types and those of third_party, as generated code holds it:
// through the wire form, so that options hold their Go types.
func compileProto(t *testing.T, name, src string) protoreflect.FileDescriptor {
	t.Helper()
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(protocompile.CompositeResolver{
		&protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(map[string]string{name: src})},
		&protocompile.SourceResolver{ImportPaths: []string{filepath.Join(gentest.RepoRoot(), "third_party")}},
	})}
	files, err := c.Compile(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	// Through the wire form, as generated code has it, so that options
	// hold their Go types.
	wire, err := proto.Marshal(protodesc.ToFileDescriptorProto(files[0]))
	if err != nil {
		t.Fatal(err)
	}
	fdp := &descriptorpb.FileDescriptorProto{}
	if err := proto.Unmarshal(wire, fdp); err != nil {
		t.Fatal(err)
	}
	file, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return file
}
