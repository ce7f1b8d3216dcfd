package crudrt_test

import (
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
)

// TestStrictJSONCodecs: both codecs read what protojson writes, and refuse
// unknown fields, unknown enum names and duplicate keys; the REST one says
// InvalidArgument itself.
func TestStrictJSONCodecs(t *testing.T) {
	book := &libraryv1.Book{Title: "Dune", State: libraryv1.BookState_BOOK_STATE_PUBLISHED, Isbn: 18446744073709551615}
	c := crudrt.JSON{}
	r := crudrt.RESTJSON{}
	if c.Name() != "json" || r.Name() != "json" || r.IsBinary() {
		t.Fatal("names")
	}
	b, err := c.Marshal(book)
	if err != nil {
		t.Fatal(err)
	}
	var got libraryv1.Book
	if err := c.Unmarshal(b, &got); err != nil || !proto.Equal(&got, book) {
		t.Fatalf("JSON round trip: %v, %v", &got, err)
	}
	b, err = r.MarshalAppend(nil, book)
	if err != nil {
		t.Fatal(err)
	}
	got.Reset()
	if err := r.Unmarshal(b, &got); err != nil || !proto.Equal(&got, book) {
		t.Fatalf("RESTJSON round trip: %v, %v", &got, err)
	}
	for _, bad := range []string{`{"state":"BOGUS"}`, `{"colour":1}`, `{"title":"a","title":"b"}`, `{"title":7}`} {
		if err := c.Unmarshal([]byte(bad), &libraryv1.Book{}); err == nil {
			t.Errorf("JSON accepted %s", bad)
		}
		if err := r.Unmarshal([]byte(bad), &libraryv1.Book{}); connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("RESTJSON on %s: %v; want InvalidArgument", bad, err)
		}
	}
	if err := c.Unmarshal([]byte(`{"state":9}`), &got); err != nil || got.State != 9 {
		t.Errorf("an unknown enum number of an open enum is kept: %v, %v", got.State, err)
	}
	if _, err := c.Marshal("x"); err == nil {
		t.Error("Marshal of a non-message")
	}
	if err := c.Unmarshal(nil, new(int)); err == nil {
		t.Error("Unmarshal into a non-message")
	}
}
