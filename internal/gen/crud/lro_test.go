package crud_test

import (
	"strings"
	"testing"

	"github.com/protoforge/protoforge/internal/gen/crud"
	"github.com/protoforge/protoforge/internal/gen/gentest"
)

const lroProto = `syntax = "proto3";

package lro.v1;

import "google/longrunning/operations.proto";
import "protoforge/v1/options.proto";

option go_package = "example.com/lro/v1;lrov1";

message Book {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}

message Meta {}

service BookService {
  rpc GetBook(GetBookRequest) returns (Book);
  rpc CreateBook(CreateBookRequest) returns (google.longrunning.Operation) {
    option (google.longrunning.operation_info) = {response_type: "Book" metadata_type: "Meta"};
  }
  rpc UpdateBook(UpdateBookRequest) returns (google.longrunning.Operation);
  rpc DeleteBook(DeleteBookRequest) returns (google.longrunning.Operation) {
    option (google.longrunning.operation_info) = {response_type: "google.protobuf.Empty" metadata_type: "lro.v1.Meta"};
  }
}

service ReadService {
  rpc GetBook(GetBookRequest) returns (google.longrunning.Operation) {
    option (google.longrunning.operation_info) = {response_type: "Book" metadata_type: "Meta"};
  }
}

message GetBookRequest { int64 id = 1; }
message CreateBookRequest { Book book = 1; }
message UpdateBookRequest { Book book = 1; }
message DeleteBookRequest { int64 id = 1; }
`

// TestLongRunningMethods: writes that return a long-running operation
// (AIP-151) are generated, returning the operation, with the metadata
// type in their description; one without operation_info, and a Get,
// which is never long-running, are left to the user with a warning.
func TestLongRunningMethods(t *testing.T) {
	_, buf, code := generate(t, "lro/v1/lro.proto", lroProto)
	want := []string{
		"protoc-gen-crud: warning: lro/v1/lro.proto:22:3: method lro.v1.BookService.UpdateBook: returns google.longrunning.Operation without (google.longrunning.operation_info) naming its response_type and metadata_type (AIP-151); not generated, it answers Unimplemented until you implement it",
		"protoc-gen-crud: warning: lro/v1/lro.proto:29:3: method lro.v1.ReadService.GetBook: returns google.longrunning.Operation: a Get is not long-running (AIP-151); not generated, it answers Unimplemented until you implement it",
	}
	if got := strings.TrimSpace(buf.String()); got != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	for _, s := range []string{
		"func (s *BookServiceCRUD) CreateBook(ctx context.Context, req *CreateBookRequest) (*longrunningpb.Operation, error) {",
		`"Response":"lro.v1.Book","Resource":"book","OperationMetadata":"lro.v1.Meta"`,
		`"Response":"google.protobuf.Empty","Key":"id","ReturnsEmpty":true,"OperationMetadata":"lro.v1.Meta"`,
		`crudrt.Unimplemented("lro.v1.BookService.UpdateBook")`,
	} {
		if !strings.Contains(code, s) {
			t.Errorf("the generated code lacks %s:\n%s", s, code)
		}
	}
	if strings.Contains(code, "ReadServiceCRUD") {
		t.Errorf("ReadService, whose one method is a long-running Get, got a generated type:\n%s", code)
	}
}

// TestLongRunningProblems: operation_info naming a message that does not
// exist leaves the method to the user with a warning, as other methods
// that do not fit; with protoforge's own method option it is an error.
// A response_type that does not fit the method is reported as such, with
// the advice to change it there.
func TestLongRunningProblems(t *testing.T) {
	src := strings.Replace(lroProto, `metadata_type: "lro.v1.Meta"`, `metadata_type: "NoSuchMeta"`, 1)
	_, buf, code := generate(t, "lro/v1/lro.proto", src)
	if want := `lro/v1/lro.proto:23:3: method lro.v1.BookService.DeleteBook: (google.longrunning.operation_info).metadata_type "NoSuchMeta" names no message of this file or its imports`; !strings.Contains(buf.String(), want) {
		t.Errorf("warnings:\n%s\nwant one containing %s", buf, want)
	}
	if !strings.Contains(code, `crudrt.Unimplemented("lro.v1.BookService.DeleteBook")`) {
		t.Errorf("DeleteBook does not answer Unimplemented:\n%s", code)
	}

	explicit := strings.Replace(src, `rpc DeleteBook(DeleteBookRequest) returns (google.longrunning.Operation) {`,
		`rpc DeleteBook(DeleteBookRequest) returns (google.longrunning.Operation) {
    option (protoforge.v1.method) = {operation: OPERATION_DELETE};`, 1)
	for name, src := range map[string]string{
		"explicit, unknown metadata": explicit,
		"explicit, no operation_info": strings.Replace(lroProto, `rpc UpdateBook(UpdateBookRequest) returns (google.longrunning.Operation);`,
			`rpc UpdateBook(UpdateBookRequest) returns (google.longrunning.Operation) { option (protoforge.v1.method) = {operation: OPERATION_UPDATE}; }`, 1),
		"wrong response_type": strings.Replace(lroProto, `{response_type: "Book" metadata_type: "Meta"}`, `{response_type: "Meta" metadata_type: "Meta"}`, 1),
	} {
		req, err := gentest.RequestFromSources(map[string]string{"lro/v1/lro.proto": src}, "")
		if err != nil {
			t.Fatal(err)
		}
		res, err := gentest.Run(req, crud.Run(crud.Params{GRPC: true}))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"explicit, unknown metadata":  `method lro.v1.BookService.DeleteBook: (google.longrunning.operation_info).metadata_type "NoSuchMeta" names no message`,
			"explicit, no operation_info": `method lro.v1.BookService.UpdateBook: returns google.longrunning.Operation without (google.longrunning.operation_info)`,
			"wrong response_type":         "method lro.v1.BookService.CreateBook: its operation's (google.longrunning.operation_info).response_type is lro.v1.Meta; Create returns the resource: name Book in response_type",
		}[name]
		if !strings.Contains(res.GetError(), want) {
			t.Errorf("%s: error %q; want it to contain %q", name, res.GetError(), want)
		}
	}
}

// TestFormatWarnings: formats the server cannot check, or no value it
// takes can have, are named at their fields.
func TestFormatWarnings(t *testing.T) {
	src := `syntax = "proto3";
package fmtw.v1;
import "google/api/field_info.proto";
import "google/api/resource.proto";
option go_package = "example.com/fmtw/v1;fmtwv1";
message Shelf {
  option (google.api.resource) = {type: "fmtw.example.com/Shelf" pattern: "shelves/{shelf}"};
  string name = 1 [(google.api.field_info).format = UUID4];
  int64 count = 2 [(google.api.field_info).format = IPV4];
  string previous = 3 [(google.api.resource_reference).type = "fmtw.example.com/Shelf", (google.api.field_info).format = UUID4];
  string host = 4 [(google.api.field_info).format = IPV4];
}
service ShelfService {
  rpc GetShelf(GetShelfRequest) returns (Shelf);
  rpc CreateShelf(CreateShelfRequest) returns (Shelf);
}
message GetShelfRequest { string name = 1; }
message CreateShelfRequest {
  string shelf_id = 1 [(google.api.field_info).format = UUID4];
  Shelf shelf = 2;
}
`
	_, buf, _ := generate(t, "fmtw/v1/fmtw.proto", src)
	for _, want := range []string{
		"fmtw/v1/fmtw.proto:8:3: field fmtw.v1.Shelf.name: (google.api.field_info).format UUID4 on a field that holds resource names",
		"fmtw/v1/fmtw.proto:9:3: field fmtw.v1.Shelf.count: (google.api.field_info).format IPV4 describes strings; on a int64 field it is not checked",
		"fmtw/v1/fmtw.proto:10:3: field fmtw.v1.Shelf.previous: (google.api.field_info).format UUID4 on a field that holds resource names",
		"fmtw/v1/fmtw.proto:19:3: field fmtw.v1.CreateShelfRequest.shelf_id: (google.api.field_info).format UUID4 on a resource id",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("warnings lack %q:\n%s", want, buf)
		}
	}
	if strings.Contains(buf.String(), "Shelf.host") {
		t.Errorf("a format the server checks is warned of:\n%s", buf)
	}
}
