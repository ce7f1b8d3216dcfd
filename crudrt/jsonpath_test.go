package crudrt_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
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
		{`{"book":{"metadata":{"k.x":1}}}`, "book.metadata.k.x", `(line 1:28)`},
		{`{"book":{"title":"é","title":"b"}}`, "book.title", `duplicate field "title" (line 1:22)`},
		{`{"book":{"createTime":"soon"}}`, "book.create_time", `(line 1:23)`},
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
