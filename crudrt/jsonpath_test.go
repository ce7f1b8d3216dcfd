package crudrt_test

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestLocatedJSONErrors: protojson's errors in a request are put at the
// field their position is in, in proto names, through objects, arrays and
// maps, on any line; errors without a field keep protojson's words.
func TestLocatedJSONErrors(t *testing.T) {
	for _, tc := range []struct{ body, path, msg string }{
		{`{"book":{"foo":1}}`, "book.foo", `unknown field "foo" (line 1:10)`},
		{`{"book":{"title":"a","state":"NOPE"}}`, "book.state", `invalid value for enum field state: "NOPE" (line 1:30)`},
		{"{\n  \"book\": {\n    \"authorId\": true\n  }\n}", "book.author_id", `invalid value for int64 field authorId: true (line 3:17)`},
		{`{"book":{"tags":["a", "b", 3]}}`, "book.tags[2]", `invalid value for string field tags: 3 (line 1:28)`},
		{`{"book":{"metadata":{"k.x":1}}}`, "book.metadata.`k.x`", `(line 1:28)`},
		{`{"book":{"metadata":{"":1}}}`, "book.metadata.``", `(line 1:25)`},
		{`{"book":{"":1}}`, "book.``", `unknown field "" (line 1:10)`},
		{`{"book":{"title":"é","title":"b"}}`, "book.title", `duplicate field "title" (line 1:22)`},
		{`{"book":{"createTime":"soon"}}`, "book.create_time", `(line 1:23)`},
		{`{"book":{"title":"a\ud800b"}}`, "book.title", `invalid escape \ud800: a lone UTF-16 surrogate, which no string holds (line 1:20)`},
		{"{\"book\":{\"tags\":[\"\\ud83d\\ude00\",\n \"\\\\\\udc00\"]}}", "book.tags[1]", `invalid escape \udc00: a lone UTF-16 surrogate, which no string holds (line 2:5)`},
		{`{"book":{"metadata":{"k":"\ud800"}}}`, "book.metadata.k", `invalid escape \ud800`},
		{`{"book":`, "", "unexpected EOF"},
		{`{"book":{}} x`, "", "invalid value x"},
	} {
		err := crudrt.UnmarshalJSON([]byte(tc.body), &libraryv1.CreateBookRequest{})
		if err == nil {
			t.Errorf("%s: no error", tc.body)
			continue
		}
		path, _ := crudrt.ErrorPath(err)
		if path != tc.path || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %q at %q; want %q at %q", tc.body, err, path, tc.msg, tc.path)
		}
	}
	err := crudrt.UnmarshalJSON([]byte(`{"requests":[{"book":{}},{"book":{"isbn":"-1"}}]}`), &libraryv1.BatchCreateBooksRequest{})
	if path, _ := crudrt.ErrorPath(err); path != "requests[1].book.isbn" {
		t.Errorf("batch: %v at %q, want requests[1].book.isbn", err, path)
	}
}

// FuzzJSONRequest reads any body as requests: an error or a message,
// never a panic, and an error put at a field names one.
func FuzzJSONRequest(f *testing.F) {
	for _, s := range []string{`{"book":{"foo":1}}`, `{"requests":[{"book":{"metadata":{"a":1}},"updateMask":"metadata.someKey"}]}`,
		"{\n\"book\":\n{\"tags\":[1,\n2]}}", `{"book":{"title":"é😀","title":"b"}}`, `{"updateMask":"*","book":{}}`, `[`, `{"book":{}}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range []interface{ Reset() }{&libraryv1.CreateBookRequest{}, &libraryv1.BatchUpdateBooksRequest{}} {
			err := crudrt.UnmarshalJSON(data, m.(interface {
				Reset()
				ProtoReflect() protoreflect.Message
			}))
			if path, ok := crudrt.ErrorPath(err); ok && path == "" {
				t.Errorf("%q: an error at an empty path: %v", data, err)
			}
		}
	})
}

// TestMaskSecondPassKeepsTheDocument: when the masks are read again (one
// protojson refuses, a map key in backticks or with an underscore), the
// rest of the document is read as sent: trailing data is refused, an
// error elsewhere is at its own place (line and column as sent) and
// blamed on its own field, not on the mask.
func TestMaskSecondPassKeepsTheDocument(t *testing.T) {
	for _, tc := range []struct{ body, path, msg string }{
		{"{\"book\":{\"id\":1,\"title\":\"changed\"},\"updateMask\":\"title,metadata.`x.y`\"} this is not json {{{", "", "invalid value this"},
		{"{\"updateMask\": \"metadata.`x.y`\",\n \"book\": {\"id\": 2,\n  \"tags\": [\"a\", 3]}}", "book.tags[1]", "(line 3:17)"},
		{`{"updateMask":"metadata.a_b","book":{"id":1,"title":"x",}}`, "", "(line 1:57)"},
		{"{\"updateMask\":\"metadata.`é😀`\",\"book\":{\"state\":\"NOPE\"}}", "book.state", "(line 1:47)"},
	} {
		err := crudrt.UnmarshalJSON([]byte(tc.body), &libraryv1.UpdateBookRequest{})
		if err == nil {
			t.Errorf("%s: no error", tc.body)
			continue
		}
		path, _ := crudrt.ErrorPath(err)
		if path != tc.path || !strings.Contains(err.Error(), tc.msg) || strings.Contains(err.Error(), "update_mask") {
			t.Errorf("%s:\n %q at %q; want %q at %q", tc.body, err, path, tc.msg, tc.path)
		}
	}
	// A service reads its masks against its resource.
	libraryv1.NewBookServiceCRUD(testdb.Open(t, testdb.SQLite))
	batch := &libraryv1.BatchUpdateBooksRequest{}
	err := crudrt.UnmarshalJSON([]byte("{\"requests\":[{\"book\":{\"id\":\"1\"},\"updateMask\":\"metadata.`k.dot`\"},\n{\"book\":{\"id\":\"2\"},\"updateMask\":\"metadata.someKey, title\"}], \"updateMask\": \"*\"}"), batch)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(batch.Requests[0].UpdateMask.GetPaths(), batch.Requests[1].UpdateMask.GetPaths(), batch.UpdateMask.GetPaths())
	if want := "[metadata.`k.dot`] [metadata.someKey  title] [*]"; got != want {
		t.Errorf("masks %s, want %s", got, want)
	}
}

// TestMaskSecondPassStrictAndBounded: in the second pass a mask string
// protojson refuses (invalid UTF-8, a lone surrogate) is still refused; a
// deeply nested document is refused at protojson's depth, not followed
// without bound; and masks of messages that are not generated Go types
// (dynamicpb) are set too.
func TestMaskSecondPassStrictAndBounded(t *testing.T) {
	for _, body := range []string{
		`{"requests":[{"updateMask":"*"},{"updateMask":"metadata.\ud800"}]}`,
		"{\"requests\":[{\"updateMask\":\"*\"},{\"updateMask\":\"metadata.\xff\xfe\"}]}",
		`{"updateMask":"*","requests":[{"updateMask":"metadata.\udc00\ud800"}]}`,
	} {
		if err := crudrt.UnmarshalJSON([]byte(body), &libraryv1.BatchUpdateBooksRequest{}); err == nil {
			t.Errorf("%q: read", body)
		}
	}

	// R { R c = 1; google.protobuf.FieldMask mask = 2; repeated google.protobuf.FieldMask masks = 3; }
	fdp := &descriptorpb.FileDescriptorProto{
		Name: proto.String("probe/r.proto"), Package: proto.String("probe"), Syntax: proto.String("proto3"),
		Dependency: []string{"google/protobuf/field_mask.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("R"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("c"), JsonName: proto.String("c"), Number: proto.Int32(1), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), TypeName: proto.String(".probe.R")},
				{Name: proto.String("mask"), JsonName: proto.String("mask"), Number: proto.Int32(2), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), TypeName: proto.String(".google.protobuf.FieldMask")},
				{Name: proto.String("masks"), JsonName: proto.String("masks"), Number: proto.Int32(3), Label: descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), TypeName: proto.String(".google.protobuf.FieldMask")},
			},
		}},
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	rd := fd.Messages().ByName("R")
	deep := `{"mask":"*",` + strings.Repeat(`"c":{`, 20000) + strings.Repeat(`}`, 20000) + `}`
	if err := crudrt.UnmarshalJSON([]byte(deep), dynamicpb.NewMessage(rd)); err == nil || !strings.Contains(err.Error(), "depth") {
		t.Errorf("20,000 levels: %v, want protojson's depth error", err)
	}
	m := dynamicpb.NewMessage(rd)
	if err := crudrt.UnmarshalJSON([]byte("{\"mask\":\"*\",\"c\":{\"mask\":\"a.`x.y`\"},\"masks\":[\"*\",\"b\"]}"), m); err != nil {
		t.Fatal(err)
	}
	paths := func(m protoreflect.Message, name string, i int) string {
		f := m.Descriptor().Fields().ByName(protoreflect.Name(name))
		var fm protoreflect.Message
		if f.IsList() {
			fm = m.Get(f).List().Get(i).Message()
		} else {
			fm = m.Get(f).Message()
		}
		l := fm.Get(fm.Descriptor().Fields().ByName("paths")).List()
		var out []string
		for j := range l.Len() {
			out = append(out, l.Get(j).String())
		}
		return strings.Join(out, ",")
	}
	c := m.Get(rd.Fields().ByName("c")).Message()
	if got := paths(m, "mask", 0) + " " + paths(c, "mask", 0) + " " + paths(m, "masks", 0) + " " + paths(m, "masks", 1); got != "* a.`x.y` * b" {
		t.Errorf("dynamic masks: %s", got)
	}
}
