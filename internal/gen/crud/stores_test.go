package crud_test

import (
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/pluginpb"

	"github.com/protoforge/protoforge/internal/gen/crud"
	"github.com/protoforge/protoforge/internal/gen/gentest"
)

const storesProto = `syntax = "proto3";

package stores.v1;

import "protoforge/v1/options.proto";

option go_package = "example.com/stores/v1;storesv1";

message Book {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}

message Shelf {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}

message Note {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}

service BookService {
  rpc GetBook(GetBookRequest) returns (Book);
}

service ShelfService {
  rpc GetShelf(GetShelfRequest) returns (Shelf);
  rpc GetNote(GetNoteRequest) returns (Note);
  rpc EmptyShelf(GetShelfRequest) returns (Shelf);
}

message GetBookRequest {
  int64 id = 1;
}

message GetShelfRequest {
  int64 id = 1;
}

message GetNoteRequest {
  int64 id = 1;
}
`

// TestStoresParameter checks where each value of the stores parameter
// puts the <Model>Store() accessors: auto on the types of services with a
// method left to the user (ShelfService's EmptyShelf), for every resource
// they serve; all on every type; none nowhere. CRUDServices is on every
// type.
func TestStoresParameter(t *testing.T) {
	req, err := gentest.RequestFromSources(map[string]string{"stores/v1/stores.proto": storesProto}, "")
	if err != nil {
		t.Fatal(err)
	}
	accessor := regexp.MustCompile(`func \(s \*(\w+)\) (\w+Store)\(\) \*crudrt\.Store\[\*\w+\]`)
	for _, c := range []struct {
		value string
		want  []string
	}{
		{"auto", []string{"ShelfServiceCRUD.ShelfStore", "ShelfServiceCRUD.NoteStore"}},
		{"all", []string{"BookServiceCRUD.BookStore", "ShelfServiceCRUD.ShelfStore", "ShelfServiceCRUD.NoteStore"}},
		{"none", nil},
	} {
		var stores crud.Stores
		if err := stores.Set(c.value); err != nil {
			t.Fatal(err)
		}
		if stores.String() != c.value {
			t.Errorf("Stores(%q).String() = %q", c.value, stores.String())
		}
		res, err := gentest.Run(req, crud.Run(crud.Params{GRPC: true, Stores: stores}))
		if err != nil || res.GetError() != "" {
			t.Fatalf("stores=%s: %v %s", c.value, err, res.GetError())
		}
		code := crudFile(res.GetFile())
		var got []string
		for _, m := range accessor.FindAllStringSubmatch(code, -1) {
			got = append(got, m[1]+"."+m[2])
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("stores=%s: accessors %v, want %v", c.value, got, c.want)
		}
		for _, want := range []string{
			"func (s *BookServiceCRUD) CRUDServices() []*crudrt.Service {\n\treturn []*crudrt.Service{s.svc}\n}",
			"func (s *ShelfServiceCRUD) CRUDServices() []*crudrt.Service {\n\treturn []*crudrt.Service{s.svcShelf, s.svcNote}\n}",
		} {
			if !strings.Contains(code, want) {
				t.Errorf("stores=%s: no %s", c.value, want[:strings.IndexByte(want, '{')])
			}
		}
	}

	var stores crud.Stores
	err = stores.Set("some")
	want := "parameter stores=some: want stores=auto (accessors on the services with methods left to the user), stores=all or stores=none"
	if err == nil || err.Error() != want {
		t.Errorf("Set(\"some\"): %v, want %s", err, want)
	}
}

// TestCRUDServicesNameTaken: an rpc named CRUDServices would clash with
// the generated method of the same name; generation fails naming it.
func TestCRUDServicesNameTaken(t *testing.T) {
	src := strings.Replace(storesProto, "rpc EmptyShelf(", "rpc CRUDServices(", 1)
	req, err := gentest.RequestFromSources(map[string]string{"stores/v1/stores.proto": src}, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := gentest.Run(req, crud.Run(crud.Params{GRPC: true}))
	if err != nil {
		t.Fatal(err)
	}
	want := "stores/v1/stores.proto:31:3: method stores.v1.ShelfService.CRUDServices: has the name of the generated ShelfServiceCRUD.CRUDServices, which returns the runtimes of its resources for crudrt.StoreOf; rename the method"
	if res.GetError() != want {
		t.Errorf("got error %q\nwant %q", res.GetError(), want)
	}
}

// crudFile is the content of the .crud.go among files.
func crudFile(files []*pluginpb.CodeGeneratorResponse_File) string {
	for _, f := range files {
		if strings.HasSuffix(f.GetName(), ".crud.go") {
			return f.GetContent()
		}
	}
	return ""
}
