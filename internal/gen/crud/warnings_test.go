package crud_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"google.golang.org/protobuf/types/pluginpb"

	"github.com/protoforge/protoforge/internal/gen/crud"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

const warnProto = `syntax = "proto3";

package warn.v1;

import "protoforge/v1/options.proto";

option go_package = "example.com/warn/v1;warnv1";

message Book {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}

message Shelf {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}

message Note {
  int64 id = 1;
}

service BookService {
  rpc GetBook(GetBookRequest) returns (Book);
  rpc MoveBook(GetBookRequest) returns (Book);
  rpc GetShelf(GetShelfRequest) returns (Shelf);
  rpc GetNote(GetBookRequest) returns (Note);
  rpc WatchBooks(GetBookRequest) returns (stream Book);
  rpc Ignored(GetBookRequest) returns (Book) {
    option (protoforge.v1.method) = {operation: OPERATION_NONE};
  }
}

message GetBookRequest {
  int64 id = 1;
}

message GetShelfRequest {
  int64 id = 1;
  string request_id = 2;
  ShelfView view = 3;
}

enum ShelfView {
  SHELF_VIEW_UNSPECIFIED = 0;
  SHELF_VIEW_FULL = 1;
}

service ShelfService {
  rpc ListShelves(ListShelvesRequest) returns (ListShelvesResponse);
}

message ListShelvesRequest {
  int32 page_size = 1;
  string page_token = 2;
}

message ListShelvesResponse {
  repeated Shelf shelves = 1;
  string next_page_token = 2;
  repeated string unreachable = 3;
}
`

// TestWarnings checks that every method left to the user is named, with
// its position and the reason, that OPERATION_NONE silences one, that a
// second model of the service gets its methods, and that strict makes the
// warnings errors.
func TestWarnings(t *testing.T) {
	req, buf, code := generate(t, "warn/v1/warn.proto", warnProto)
	want := []string{
		"protoc-gen-crud: warning: warn/v1/warn.proto:25:3: method warn.v1.BookService.MoveBook: custom method (AIP-136): not generated; it answers Unimplemented until you implement it on BookServiceCRUD",
		"protoc-gen-crud: warning: warn/v1/warn.proto:27:3: method warn.v1.BookService.GetNote: not generated: warn.v1.Note is not a model: add option (protoforge.v1.model) to it, or map the method with (protoforge.v1.method).operation; it answers Unimplemented until you implement it on BookServiceCRUD",
		"protoc-gen-crud: warning: warn/v1/warn.proto:28:3: method warn.v1.BookService.WatchBooks: streaming methods are not generated; implement it on BookServiceCRUD",
		"protoc-gen-crud: warning: warn/v1/warn.proto:40:3: field warn.v1.GetShelfRequest.request_id: not used by the generated Get: a request that sets it is refused with InvalidArgument; implement GetShelf yourself to serve it",
		"protoc-gen-crud: warning: warn/v1/warn.proto:41:3: field warn.v1.GetShelfRequest.view: not used by the generated Get: every request is answered with the full resource (AIP-157)",
		"protoc-gen-crud: warning: warn/v1/warn.proto:61:3: field warn.v1.ListShelvesResponse.unreachable: never set by the generated List: it is always empty (implement ListShelves yourself to fill it)",
	}
	if got := strings.Split(strings.TrimSpace(buf.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", buf.String(), strings.Join(want, "\n"))
	}
	if !strings.Contains(code, `"Unsupported":["request_id"]`) {
		t.Errorf("GetShelf does not refuse request_id:\n%s", code)
	}
	if !strings.Contains(code, "return crudrt.Call[*Shelf](ctx, s.svcShelf, 0, req)") {
		t.Errorf("GetShelf, of the service's second model, is not generated")
	}
	for _, m := range []string{"MoveBook", "GetNote", "Ignored"} {
		if !strings.Contains(code, `crudrt.Unimplemented("warn.v1.BookService.`+m+`")`) {
			t.Errorf("%s does not answer Unimplemented in the generated code", m)
		}
	}
	if strings.Contains(code, "WatchBooks") {
		t.Errorf("a streaming method got a unary stub")
	}

	res, err := gentest.Run(req, crud.Run(crud.Params{GRPC: true, Strict: true}))
	if err != nil {
		t.Fatal(err)
	}
	if e := res.GetError(); !strings.Contains(e, "warn/v1/warn.proto:25:3: method warn.v1.BookService.MoveBook: custom method") || !strings.Contains(e, "(strict: warnings are errors)") {
		t.Errorf("strict: got error %q", e)
	}
}

// TestNothingToGenerate: a proto without models or standard methods says
// so instead of writing nothing silently.
func TestNothingToGenerate(t *testing.T) {
	req, err := gentest.RequestFromSources(map[string]string{"plain/v1/plain.proto": "syntax = \"proto3\";\npackage plain.v1;\noption go_package = \"example.com/plain/v1;plainv1\";\nmessage Thing { int64 id = 1; }\n"}, "")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	res, err := gentest.Run(req, crud.Run(crud.Params{Warnings: &buf}))
	if err != nil || res.GetError() != "" || len(res.GetFile()) != 0 {
		t.Fatalf("got %v, %q, %d files", err, res.GetError(), len(res.GetFile()))
	}
	want := "protoc-gen-crud: warning: plain/v1/plain.proto: no message has option (protoforge.v1.model), and no service has standard methods; nothing to generate\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
	res, _ = gentest.Run(req, crud.Run(crud.Params{Strict: true}))
	if !strings.Contains(res.GetError(), "nothing to generate") {
		t.Errorf("strict: got error %q", res.GetError())
	}
}

const aipProto = `syntax = "proto3";

package aip.v1;

import "google/api/resource.proto";

option go_package = "example.com/aip/v1;aipv1";

message Shelf {
  option (google.api.resource) = {type: "library.example.com/Shelf" pattern: "shelves/{shelf}"};
  int64 id = 1;
  string theme = 2;
}

message Book {
  option (google.api.resource) = {type: "library.example.com/Book" pattern: "shelves/{shelf}/books/{book}"};
  string name = 1;
  string title = 2;
}

message Author {
  option (google.api.resource) = {type: "library.example.com/Author" pattern: "authors/{author}"};
  int64 id = 1;
  repeated Shelf shelves = 2;
}

service LibraryService {
  rpc GetShelf(GetShelfRequest) returns (Shelf);
  rpc GetBook(GetBookRequest) returns (Book);
  rpc CreateShelf(CreateShelfRequest) returns (Shelf);
  rpc GetPage(GetPageRequest) returns (Page);
  rpc ListShelves(ListShelvesRequest) returns (ListShelvesResponse);
}

message CreateShelfRequest {
  Shelf item = 1;
}

message Page {
  option (google.api.resource) = {type: "library.example.com/Page" pattern: "books/{book}/pages/{page}"};
  int64 id = 1;
}

message GetPageRequest {
  int64 id = 1;
}

message ListShelvesRequest {
  string parent = 1;
  int32 page_size = 2;
  string page_token = 3;
}

message ListShelvesResponse {
  repeated Shelf shelves = 1;
  string next_page_token = 2;
}

message GetShelfRequest {
  int64 id = 1;
}

message GetBookRequest {
  string name = 1;
}
`

// TestResourcesAreModels: a message with google.api.resource is a model
// without protoforge's option when it has a key; one named only by its
// name, or one that cannot be stored as it is, is not generated, and a
// warning says why; a method of an inferred resource whose shape does not
// fit is a warning, not an error, so a proto written for others still
// generates. A field of such a resource holding other resources' messages
// (Author.shelves) holds copies, stored as JSON: resources refer to each
// other by name (AIP-122).
func TestResourcesAreModels(t *testing.T) {
	req, buf, code := generate(t, "aip/v1/aip.proto", aipProto)
	want := []string{
		"protoc-gen-crud: warning: aip/v1/aip.proto:30:3: method aip.v1.LibraryService.CreateShelf: not generated: request aip.v1.CreateShelfRequest has no field \"shelf\" of type aip.v1.Shelf; add `Shelf shelf = 1;`; it answers Unimplemented until you implement it",
		`protoc-gen-crud: warning: aip/v1/aip.proto:31:3: method aip.v1.LibraryService.GetPage: not generated: resource aip.v1.Page has parents (pattern "books/{book}/pages/{page}"), and scoping methods to a parent is not supported yet; it answers Unimplemented until you implement it`,
		"protoc-gen-crud: warning: aip/v1/aip.proto:32:3: method aip.v1.LibraryService.ListShelves: not generated: request aip.v1.ListShelvesRequest has `parent`, and scoping List to a parent (AIP-132, AIP-133) is not supported yet (to implement it yourself, map it with (protoforge.v1.method).operation: OPERATION_NONE); it answers Unimplemented until you implement it",
	}
	if got := strings.TrimSpace(buf.String()); got != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	ormRes, err := gentest.Run(req, orm.Run)
	if err != nil || ormRes.GetError() != "" {
		t.Fatalf("protoc-gen-orm: %v %s", err, ormRes.GetError())
	}
	var models string
	for _, content := range gentest.Files(ormRes) {
		models += content
	}
	if !regexp.MustCompile("Shelves ormrt.JSON `gorm:\"column:shelves;").MatchString(models) {
		t.Errorf("the Author resource does not keep its copies of shelves as JSON:\n%s", models)
	}
	if !strings.Contains(code, "return crudrt.Call[*Shelf](ctx, s.svcShelf, 0, req)") {
		t.Errorf("the Shelf resource got no Get:\n%s", code)
	}
	if !strings.Contains(code, "return crudrt.Call[*Book](ctx, s.svcBook, 0, req)") {
		t.Errorf("the Book resource, named under a shelf, got no Get:\n%s", code)
	}
	if !strings.Contains(code, `crudrt.Unimplemented("aip.v1.LibraryService.CreateShelf")`) {
		t.Errorf("CreateShelf, whose shape does not fit, does not answer Unimplemented")
	}
}

// generate runs protoc-gen-crud on one file, failing the test if it fails,
// and returns the request, the warnings and the generated .crud.go.
func generate(t *testing.T, path, src string) (*pluginpb.CodeGeneratorRequest, *bytes.Buffer, string) {
	t.Helper()
	return generateSources(t, map[string]string{path: src})
}

// generateSources runs protoc-gen-crud on srcs, failing the test when it
// fails, and returns its request, warnings and generated code.
func generateSources(t *testing.T, srcs map[string]string) (*pluginpb.CodeGeneratorRequest, *bytes.Buffer, string) {
	t.Helper()
	req, err := gentest.RequestFromSources(srcs, "")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	res, err := gentest.Run(req, crud.Run(crud.Params{GRPC: true, Warnings: &buf}))
	if err != nil || res.GetError() != "" {
		t.Fatalf("generation failed: %v %s", err, res.GetError())
	}
	return req, &buf, crudFile(res.GetFile())
}

const ignoredProto = `syntax = "proto3";

package ign.v1;

import "protoforge/v1/options.proto";

option go_package = "example.com/ign/v1;ignv1";

message Book {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}

service BookService {
  rpc GetBook(GetBookRequest) returns (Book) {
    option (protoforge.v1.method) = {ignored_fields: ["trace_id"IGNORED]};
  }
}

message GetBookRequest {
  int64 id = 1;
  string trace_id = 2;
  string request_id = 3;
}
`

const partialProto = `syntax = "proto3";
package part.v1;
option go_package = "example.com/part/v1;partv1";
import "google/api/resource.proto";

message Book {
  option (google.api.resource) = {type: "part.example.com/Book" pattern: "shelves/{shelf}/books/{book}"};
  string name = 1;
}

service BookService {
  rpc GetBook(GetBookRequest) returns (Book);
  rpc ListBooks(ListBooksRequest) returns (ListBooksResponse);
  rpc DeleteBook(DeleteBookRequest) returns (Book);
}

message GetBookRequest {
  string name = 1;
  bool return_partial_success = 2;
}

message ListBooksRequest {
  string parent = 1;
  int32 page_size = 2;
  string page_token = 3;
  bool return_partial_success = 4;
}

message ListBooksResponse {
  repeated Book books = 1;
  string next_page_token = 2;
  repeated string unreachable = 3;
}

message DeleteBookRequest {
  string name = 1;
  bool return_partial_success = 2;
}
`

// TestReturnPartialSuccess checks AIP-217's return_partial_success on
// reads: the generated Get and List read one database, where everything
// is reachable, so they serve it (the answer is whole) without a warning;
// on a write it is a field like any other, refused and warned of.
func TestReturnPartialSuccess(t *testing.T) {
	_, buf, code := generate(t, "part/v1/part.proto", partialProto)
	want := "protoc-gen-crud: warning: part/v1/part.proto:32:3: field part.v1.ListBooksResponse.unreachable: never set by the generated List: it is always empty (implement ListBooks yourself to fill it)\n" +
		"protoc-gen-crud: warning: part/v1/part.proto:37:3: field part.v1.DeleteBookRequest.return_partial_success: not used by the generated Delete: a request that sets it is refused with InvalidArgument; implement DeleteBook yourself to serve it"
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
	if strings.Count(code, `"Unsupported":["return_partial_success"]`) != 1 {
		t.Errorf("only DeleteBook should refuse return_partial_success:\n%s", code)
	}
}

// TestIgnoredFields checks (protoforge.v1.method).ignored_fields: the
// fields it names are accepted and left unused, with no warning, while the
// method still refuses the others; a name that is no unserved request
// field stops generation, naming it.
func TestIgnoredFields(t *testing.T) {
	_, buf, code := generate(t, "ign/v1/ign.proto", strings.Replace(ignoredProto, "IGNORED", "", 1))
	want := "protoc-gen-crud: warning: ign/v1/ign.proto:23:3: field ign.v1.GetBookRequest.request_id: not used by the generated Get: a request that sets it is refused with InvalidArgument; implement GetBook yourself to serve it"
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(code, `"Unsupported":["request_id"]`) || strings.Contains(code, "trace_id") {
		t.Errorf("GetBook should refuse request_id and leave trace_id alone:\n%s", code)
	}
	for _, bad := range []string{`, "nope"`, `, "id"`} {
		req, err := gentest.RequestFromSources(map[string]string{"ign/v1/ign.proto": strings.Replace(ignoredProto, "IGNORED", bad, 1)}, "")
		if err != nil {
			t.Fatal(err)
		}
		res, err := gentest.Run(req, crud.Run(crud.Params{GRPC: true, Warnings: &bytes.Buffer{}}))
		name := strings.Trim(bad, `, "`)
		if err != nil || !strings.Contains(res.GetError(), "ign/v1/ign.proto:15:3") || !strings.Contains(res.GetError(), `ignored_fields names "`+name+`"`) {
			t.Errorf("ignored_fields %s: got %v, %q; want an error with the method's position naming it", bad, err, res.GetError())
		}
	}
}

// TestUncheckedReferences: a resource reference the server does not check
// (on a map, by child_type, inside a message stored as JSON, of a type the
// package does not store, of any type, or a list of names of a singleton)
// is a warning at its field, never silently unchecked; a singular one and
// a list of names of a resource of the package are checked and not
// warned of.
func TestUncheckedReferences(t *testing.T) {
	_, buf, code := generate(t, "refs/v1/refs.proto", `syntax = "proto3";

package refs.v1;

import "google/api/field_behavior.proto";
import "google/api/resource.proto";

option go_package = "example.com/refs/v1;refsv1";

message Shelf {
  option (google.api.resource) = {type: "refs.example.com/Shelf" pattern: "shelves/{shelf}"};
  string name = 1;
}

message Book {
  option (google.api.resource) = {type: "refs.example.com/Book" pattern: "books/{book}"};
  string name = 1;
  string shelf = 2 [(google.api.resource_reference).type = "refs.example.com/Shelf"];
  repeated string shelves = 3 [(google.api.resource_reference).type = "refs.example.com/Shelf"];
  Placement placement = 4;
  string any_shelf = 5 [(google.api.resource_reference).child_type = "refs.example.com/Shelf"];
  repeated string past_shelves = 6 [(google.api.field_behavior) = OUTPUT_ONLY, (google.api.resource_reference).type = "refs.example.com/Shelf"];
  Placement last_placement = 7 [(google.api.field_behavior) = OUTPUT_ONLY];
  Origin origin = 8;
  string kms_key = 9 [(google.api.resource_reference).type = "cloudkms.googleapis.com/CryptoKey"];
  string backend = 10 [(google.api.resource_reference).type = "*"];
  string used_key = 11 [(google.api.field_behavior) = OUTPUT_ONLY, (google.api.resource_reference).type = "cloudkms.googleapis.com/CryptoKey"];
  repeated string any_shelves = 12 [(google.api.resource_reference).child_type = "refs.example.com/Shelf"];
  repeated string kms_keys = 13 [(google.api.resource_reference).type = "cloudkms.googleapis.com/CryptoKey"];
  map<string, string> shelf_by_role = 14 [(google.api.resource_reference).type = "refs.example.com/Shelf"];
  repeated string configs = 15 [(google.api.resource_reference).type = "refs.example.com/ShelfConfig"];
}

message ShelfConfig {
  option (google.api.resource) = {type: "refs.example.com/ShelfConfig" pattern: "shelves/{shelf}/config"};
  string name = 1;
}

message Placement {
  string shelf = 1 [(google.api.resource_reference).type = "refs.example.com/Shelf"];
  map<string, Placement> others = 2;
}

message Origin {
  string shelf = 1 [(google.api.field_behavior) = OUTPUT_ONLY, (google.api.resource_reference).type = "refs.example.com/Shelf"];
}

service BookService {
  rpc GetBook(GetBookRequest) returns (Book);
}

message GetBookRequest {
  string name = 1;
}
`)
	got := buf.String()
	for _, want := range []string{
		`refs/v1/refs.proto:28:3: field refs.v1.Book.any_shelves: resource_reference "refs.example.com/Shelf" on a repeated field is not checked`,
		`refs/v1/refs.proto:29:3: field refs.v1.Book.kms_keys: resource_reference "cloudkms.googleapis.com/CryptoKey" on a repeated field is not checked`,
		`refs/v1/refs.proto:30:3: field refs.v1.Book.shelf_by_role: resource_reference "refs.example.com/Shelf" on a map is not checked`,
		`refs/v1/refs.proto:31:3: field refs.v1.Book.configs: resource_reference "refs.example.com/ShelfConfig" on a repeated field is not checked`,
		`refs/v1/refs.proto:20:3: field refs.v1.Book.placement: holds resource references inside a message stored as JSON (placement.shelf), which are not checked`,
		`refs/v1/refs.proto:21:3: field refs.v1.Book.any_shelf: resource_reference child_type "refs.example.com/Shelf" is not checked`,
		`refs/v1/refs.proto:25:3: field refs.v1.Book.kms_key: resource_reference "cloudkms.googleapis.com/CryptoKey" is not checked: no resource of this package has that type (another API's, or one that is not generated); the name is stored as sent, and deleting what it names is not refused`,
		`refs/v1/refs.proto:26:3: field refs.v1.Book.backend: resource_reference "*" is not checked: it may name a resource of any type; the name is stored as sent`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings:\n%s\nwant a line with %s", got, want)
		}
	}
	// No client writes an OUTPUT_ONLY field (AIP-203): the names it holds
	// are not stored as sent, and no warning says they are.
	for _, f := range []string{"past_shelves", "last_placement", "origin", "used_key"} {
		if strings.Contains(got, "refs.v1.Book."+f+":") {
			t.Errorf("a warning on the output-only references of %s:\n%s", f, got)
		}
	}
	if strings.Contains(got, "refs.v1.Book.shelf:") || strings.Contains(got, "refs.v1.Book.shelves:") {
		t.Errorf("the singular reference and the list of names are checked, and not warned of:\n%s", got)
	}
	if !strings.Contains(code, `"ListRefersTo":{"Name":"refs.v1.Shelf"`) {
		t.Errorf("the list of names is not checked:\n%s", code)
	}
	if !strings.Contains(code, `"RefersTo":{"Name":"refs.v1.Shelf"`) {
		t.Errorf("the singular reference is not checked:\n%s", code)
	}
}

// TestReferenceToAnotherPackage: a reference to a resource that another
// Go package stores, whose table no foreign key of this package reaches,
// is stored as sent, with a warning at its field that says where the
// resource is.
func TestReferenceToAnotherPackage(t *testing.T) {
	srcs := map[string]string{
		"shelves/v1/shelves.proto": `syntax = "proto3";
package shelves.v1;
import "google/api/resource.proto";
option go_package = "example.com/shelves/v1;shelvesv1";
message Shelf {
  option (google.api.resource) = {type: "lib.example.com/Shelf" pattern: "shelves/{shelf}"};
  string name = 1;
}
`,
		"books/v1/books.proto": `syntax = "proto3";
package books.v1;
import "google/api/resource.proto";
import "shelves/v1/shelves.proto";
option go_package = "example.com/books/v1;booksv1";
message Book {
  option (google.api.resource) = {type: "lib.example.com/Book" pattern: "books/{book}"};
  string name = 1;
  string shelf = 2 [(google.api.resource_reference).type = "lib.example.com/Shelf"];
}
`,
	}
	_, buf, code := generateSources(t, srcs)
	want := `books/v1/books.proto:9:3: field books.v1.Book.shelf: resource_reference "lib.example.com/Shelf" is not checked: shelves.v1.Shelf is stored by another Go package ("example.com/shelves/v1"), whose table no foreign key of this one reaches; the name is stored as sent, and deleting what it names is not refused`
	if !strings.Contains(buf.String(), want) {
		t.Errorf("warnings:\n%s\nwant a line with %s", buf.String(), want)
	}
	if strings.Contains(code, `"RefersTo"`) {
		t.Errorf("a reference to another package's resource is checked:\n%s", code)
	}
}

// TestRouteClash: a standard method whose default REST route another
// method binds already (a second service's ListBooks, a method mapped to
// Get beside GetBook) gets none, with a warning at the method, and is
// generated: generation does not stop on a clash it made itself.
func TestRouteClash(t *testing.T) {
	_, buf, code := generate(t, "clash/v1/clash.proto", `syntax = "proto3";

package clash.v1;

import "protoforge/v1/options.proto";

option go_package = "example.com/clash/v1;clashv1";

message Book {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}

service BookService {
  rpc GetBook(GetBookRequest) returns (Book);
  rpc FetchBook(GetBookRequest) returns (Book) {
    option (protoforge.v1.method) = {operation: OPERATION_GET};
  }
  rpc ListBooks(ListBooksRequest) returns (ListBooksResponse);
}

service ShelfService {
  rpc ListBooks(ListBooksRequest) returns (ListBooksResponse);
}

message GetBookRequest {
  int64 id = 1;
}

message ListBooksRequest {
  int32 page_size = 1;
  string page_token = 2;
}

message ListBooksResponse {
  repeated Book books = 1;
  string next_page_token = 2;
}
`)
	got := buf.String()
	for _, want := range []string{
		`clash/v1/clash.proto:16:3: method clash.v1.BookService.FetchBook: no default REST route: GET /v1/books/{id} is clash.v1.BookService.GetBook's already`,
		`clash/v1/clash.proto:23:3: method clash.v1.ShelfService.ListBooks: no default REST route: GET /v1/books is clash.v1.BookService.ListBooks's already`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings:\n%s\nwant a line with %s", got, want)
		}
	}
	for _, want := range []string{"func (s *BookServiceCRUD) FetchBook(", "func (s *ShelfServiceCRUD) ListBooks("} {
		if !strings.Contains(code, want) {
			t.Errorf("%s is not generated", want)
		}
	}
}

const singletonProto = `syntax = "proto3";

package single.v1;

import "google/api/resource.proto";

option go_package = "example.com/single/v1;singlev1";

message Config {
  option (google.api.resource) = {
    type: "single.example.com/Config"
    pattern: "users/{user}/config"
  };
  string name = 1;
  string theme = 2;
}

message Global {
  option (google.api.resource) = {
    type: "single.example.com/Global"
    pattern: "global"
  };
  string name = 1;
}

message Note {
  option (google.api.resource) = {
    type: "single.example.com/Note"
    pattern: "notes/{note}"
  };
  string name = 1;
  string config = 2 [(google.api.resource_reference).type = "single.example.com/Config"];
}

service ConfigService {
  rpc GetConfig(GetConfigRequest) returns (Config);
  rpc CreateConfig(CreateConfigRequest) returns (Config);
  rpc ListConfigs(ListConfigsRequest) returns (ListConfigsResponse);
}

message GetConfigRequest {
  string name = 1;
}

message CreateConfigRequest {
  string parent = 1;
  Config config = 2;
}

message ListConfigsRequest {
  string parent = 1;
}

message ListConfigsResponse {
  repeated Config configs = 1;
}
`

// TestSingletonMethods checks what generation does with a singleton
// (AIP-156): Get is served, Create and List are left to the user with a
// warning naming the pattern, a singleton without a parent, which has no
// key, is left out saying why, and a reference to a singleton whose
// parent is not stored is not checked, saying why.
func TestSingletonMethods(t *testing.T) {
	_, buf, code := generate(t, "single/v1/single.proto", singletonProto)
	for _, want := range []string{
		`single/v1/single.proto:18:1: message single.v1.Global: resource "single.example.com/Global" (pattern "global") is not generated: pattern "global" does not end with a variable, nor is it a singleton under a parent (AIP-156); its rows have no key`,
		`method single.v1.ConfigService.CreateConfig: not generated: single.v1.Config is a singleton (AIP-156, pattern "users/{user}/config"), which the standard methods serve with Get, Update and List only: it exists as long as its parent does; it answers Unimplemented until you implement it`,
		`method single.v1.ConfigService.ListConfigs: not generated: single.v1.Config is a singleton (AIP-156, pattern "users/{user}/config") whose parent this package does not store: its List would list parents it does not know`,
		`field single.v1.Note.config: resource_reference "single.example.com/Config" is not checked: single.v1.Config is a singleton (AIP-156) whose parent this package does not store, so it always exists; the name is stored as sent`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("warnings lack %q:\n%s", want, buf)
		}
	}
	if !strings.Contains(code, "return crudrt.Call[*Config](ctx, s.svc, 0, req)") {
		t.Errorf("GetConfig is not served:\n%s", code)
	}
	if !strings.Contains(code, `crudrt.Unimplemented("single.v1.ConfigService.CreateConfig")`) {
		t.Errorf("CreateConfig does not answer Unimplemented:\n%s", code)
	}
}

const nestedProto = `syntax = "proto3";

package nest.v1;

import "protoforge/v1/options.proto";

option go_package = "example.com/nest/v1;nestv1";

message Shelf {
  message Slot {
    option (protoforge.v1.model) = {};
    int64 id = 1;
  }
}

message Book {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}

service SlotService {
  option (protoforge.v1.service) = {model: "nest.v1.Shelf.Slot"};
  rpc GetSlot(GetSlotRequest) returns (Shelf.Slot);
}

service BookService {
  rpc GetBook(GetSlotRequest) returns (Book);
  rpc ListBooks(ListBooksRequest) returns (ListBooksResponse);
}

message GetSlotRequest {
  int64 id = 1;
}

message ListBooksRequest {
  int32 page_size = 1;
  string page_token = 2;
}

message ListBooksResponse {
  map<int64, Book> books = 1;
  string next_page_token = 2;
}
`

// TestNestedModelAndMapList: a method named after a nested model that
// its service's option names is generated; a List whose response holds
// its resources in a map is left to the user with the reason.
func TestNestedModelAndMapList(t *testing.T) {
	_, buf, code := generate(t, "nest/v1/nest.proto", nestedProto)
	if !strings.Contains(code, "return crudrt.Call[*Shelf_Slot](ctx, s.svc, 0, req)") {
		t.Errorf("GetSlot, of the service's nested model, is not generated:\n%s", code)
	}
	want := "protoc-gen-crud: warning: nest/v1/nest.proto:28:3: method nest.v1.BookService.ListBooks: not generated: response field nest.v1.ListBooksResponse.books is a map; a List answers a list in its order: declare `repeated Book books = 1;`; it answers Unimplemented until you implement it on BookServiceCRUD\n"
	if buf.String() != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// TestResourceNameWithPresence: a resource named by a field with presence
// (proto2's, editions' default, proto3's optional) is not generated, and
// the warning says why and how to declare the name.
func TestResourceNameWithPresence(t *testing.T) {
	for _, c := range []struct{ header, name, want string }{
		{`syntax = "proto2";`, `optional string name = 1;`, "its name field \"name\" has presence, and the columns of a name cannot be NULL; every singular field of proto2 has presence: declare the message in proto3 (`string name = 1;`) or in an edition (`string name = 1 [features.field_presence = IMPLICIT];`)"},
		{`edition = "2023";`, `string name = 1;`, "its name field \"name\" has presence, and the columns of a name cannot be NULL; explicit presence is the default of editions: declare it `string name = 1 [features.field_presence = IMPLICIT];`"},
		{`syntax = "proto3";`, `optional string name = 1;`, "its name field \"name\" has presence, and the columns of a name cannot be NULL; remove `optional`: `string name = 1;`"},
		{`syntax = "proto3";`, `oneof id { string name = 1; }`, "its name field \"name\" has presence, and the columns of a name cannot be NULL; move it out of oneof id"},
		{`edition = "2023";`, `string name = 1 [features.field_presence = IMPLICIT];`, ""},
	} {
		src := c.header + `
package pres.v1;
import "google/api/resource.proto";
option go_package = "example.com/pres/v1;presv1";
message Shelf {
  option (google.api.resource) = {type: "pres.example.com/Shelf" pattern: "shelves/{shelf}"};
  ` + c.name + `
}
`
		req, err := gentest.RequestFromSources(map[string]string{"pres/v1/pres.proto": src}, "")
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		res, err := gentest.Run(req, crud.Run(crud.Params{GRPC: true, Warnings: &buf}))
		if err != nil || res.GetError() != "" {
			t.Fatalf("%s: generation failed: %v %s", c.name, err, res.GetError())
		}
		prefix := `protoc-gen-crud: warning: pres/v1/pres.proto:5:1: message pres.v1.Shelf: resource "pres.example.com/Shelf" (pattern "shelves/{shelf}") is not generated: `
		got := strings.TrimSpace(buf.String())
		switch {
		case c.want == "" && strings.Contains(got, "is not generated"):
			t.Errorf("%s %s: the resource is not generated:\n%s", c.header, c.name, got)
		case c.want != "" && got != prefix+c.want:
			t.Errorf("%s %s: warning\n%s\nwant\n%s", c.header, c.name, got, prefix+c.want)
		}
	}
}

// TestEtagWithoutResourceEtag: a Delete (or Get, Undelete) request's etag,
// when the resource keeps none (AIP-154), is a field the generated method
// does not serve: a request that sets it is refused, never carried out
// without the check it asks for.
func TestEtagWithoutResourceEtag(t *testing.T) {
	src := `syntax = "proto3";
package etag.v1;
import "google/protobuf/empty.proto";
import "protoforge/v1/options.proto";
option go_package = "example.com/etag/v1;etagv1";
message Cup {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}
service CupService {
  rpc DeleteCup(DeleteCupRequest) returns (google.protobuf.Empty);
}
message DeleteCupRequest {
  int64 id = 1;
  string etag = 2;
}
`
	_, buf, code := generate(t, "etag/v1/etag.proto", src)
	want := "protoc-gen-crud: warning: etag/v1/etag.proto:15:3: field etag.v1.DeleteCupRequest.etag: not used by the generated Delete: a request that sets it is refused with InvalidArgument; implement DeleteCup yourself to serve it"
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(code, `"Unsupported":["etag"]`) || strings.Contains(code, `"Etag":"etag"`) {
		t.Errorf("DeleteCup should refuse etag:\n%s", code)
	}
}

// TestUpdateEtagBeside: an Update request's own etag (Cloud Build v2's
// UpdateConnectionRequest.etag), of a resource that keeps one, is served
// as the resource's etag is (AIP-154): no warning, and the method is
// generated with it.
func TestUpdateEtagBeside(t *testing.T) {
	src := `syntax = "proto3";
package etag.v1;
import "google/protobuf/field_mask.proto";
import "protoforge/v1/options.proto";
option go_package = "example.com/etag/v1;etagv1";
message Cup {
  option (protoforge.v1.model) = {};
  int64 id = 1;
  string etag = 2;
}
service CupService {
  rpc UpdateCup(UpdateCupRequest) returns (Cup);
}
message UpdateCupRequest {
  Cup cup = 1;
  google.protobuf.FieldMask update_mask = 2;
  string etag = 3;
}
`
	_, buf, code := generate(t, "etag/v1/etag.proto", src)
	if got := strings.TrimSpace(buf.String()); got != "" {
		t.Errorf("warnings:\n%s\nwant none", got)
	}
	if !strings.Contains(code, `"Etag":"etag"`) || strings.Contains(code, `"Unsupported":["etag"]`) {
		t.Errorf("UpdateCup should serve etag:\n%s", code)
	}
}

// TestServiceInAnotherPackage: a standard method of a service declared in
// another package than its resource's model is left to the user with a
// warning that says so and where to declare the service.
func TestServiceInAnotherPackage(t *testing.T) {
	srcs := map[string]string{
		"r/v1/r.proto": `syntax = "proto3";
package r.v1;
import "google/api/resource.proto";
option go_package = "example.com/r/v1;rv1";
message Shelf {
  option (google.api.resource) = {type: "lib.example.com/Shelf" pattern: "shelves/{shelf}" name_field: "shelf_name"};
  string shelf_name = 1;
}
`,
		"svc/v1/svc.proto": `syntax = "proto3";
package svc.v1;
import "r/v1/r.proto";
option go_package = "example.com/svc/v1;svcv1";
service ShelfService {
  rpc GetShelf(GetShelfRequest) returns (r.v1.Shelf);
}
message GetShelfRequest { string name = 1; }
`,
	}
	_, buf, _ := generateSources(t, srcs)
	want := "protoc-gen-crud: warning: svc/v1/svc.proto:6:3: method svc.v1.ShelfService.GetShelf: not generated: its resource r.v1.Shelf is in package r.v1, and the generated service serves the models of its own package (svc.v1); declare service ShelfService in package r.v1; it answers Unimplemented until you implement it on your own implementation of ShelfServiceServer"
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
}

// TestPatternEmptySegment: a pattern with an empty segment is refused with
// the pattern written without it, not with a key to add.
func TestPatternEmptySegment(t *testing.T) {
	for _, c := range []struct{ pattern, want string }{
		{"shelves/{shelf}/", `is not a valid AIP-122 pattern: segment 3 is empty; drop the trailing ` + "`/`" + `: pattern: "shelves/{shelf}"`},
		{"shelves//{shelf}", `is not a valid AIP-122 pattern: segment 2 is empty; drop the empty segment: pattern: "shelves/{shelf}"`},
		{"/shelves/{shelf}", `does not end with a variable, nor is it a singleton under a parent (AIP-156); its rows have no key; drop the leading ` + "`/`" + `: pattern: "shelves/{shelf}"`},
		{"shelves/{shelf}//", `is not a valid AIP-122 pattern: segment 3 is empty; drop the empty segments: pattern: "shelves/{shelf}"`},
	} {
		src := `syntax = "proto3";
package seg.v1;
import "google/api/resource.proto";
option go_package = "example.com/seg/v1;segv1";
message Shelf {
  option (google.api.resource) = {type: "seg.example.com/Shelf" pattern: "` + c.pattern + `"};
  string name = 1;
}
`
		_, buf, _ := generate(t, "seg/v1/seg.proto", src)
		want := `protoc-gen-crud: warning: seg/v1/seg.proto:5:1: message seg.v1.Shelf: resource "seg.example.com/Shelf" (pattern "` + c.pattern + `") is not generated: pattern "` + c.pattern + `" ` + c.want
		if got := strings.TrimSpace(buf.String()); got != want {
			t.Errorf("%s: warning\n%s\nwant\n%s", c.pattern, got, want)
		}
	}
}

// TestPatternFixedID: a parent's id may be fixed text (API Gateway's
// "projects/{project}/locations/global/apis/{api}"): the resource and its
// children are generated, keyed by the variables alone, and their default
// REST routes keep the fixed id; a fixed id of the
// resource itself, or one of characters no id has, is still refused.
func TestPatternFixedID(t *testing.T) {
	src := func(api, config string) string {
		return `syntax = "proto3";
package fixed.v1;
import "google/api/resource.proto";
option go_package = "example.com/fixed/v1;fixedv1";
service Fixed {
  rpc GetApi(GetApiRequest) returns (Api);
  rpc GetConfig(GetConfigRequest) returns (Config);
}
message GetApiRequest { string name = 1; }
message GetConfigRequest { string name = 1; }
message Api {
  option (google.api.resource) = {type: "fixed.example.com/Api" pattern: "` + api + `"};
  string name = 1;
}
message Config {
  option (google.api.resource) = {type: "fixed.example.com/Config" pattern: "` + config + `"};
  string name = 1;
}
`
	}
	_, buf, code := generate(t, "fixed/v1/fixed.proto", src("projects/{project}/locations/global/apis/{api}",
		"projects/{project}/locations/global/apis/{api}/configs/{config}"))
	assert.Empty(t, buf.String())
	for _, col := range []string{`"Name":"project"`, `"Name":"api"`, `"Name":"config"`} {
		assert.Contains(t, code, col)
	}
	assert.NotContains(t, code, `"Name":"location"`, "a fixed id is held by no column")
	assert.NotContains(t, code, `"Name":"global"`, "a fixed id is held by no column")
	assert.Contains(t, code, `"Path":"/v1/{name=projects/*/locations/global/apis/*}"`, "the default route keeps the fixed id")
	for _, c := range []struct{ pattern, want string }{
		{"projects/{project}/apis/default", `pattern "projects/{project}/apis/default" does not alternate collections and variables`},
		{"projects/{project}/locations/glo bal/apis/{api}", `pattern "projects/{project}/locations/glo bal/apis/{api}" is not a valid AIP-122 pattern: segment 'glo bal': not a valid DNS name`},
	} {
		_, buf, _ := generate(t, "fixed/v1/fixed.proto", src(c.pattern, "configs/{config}"))
		assert.Contains(t, buf.String(), `message fixed.v1.Api: resource "fixed.example.com/Api" (pattern "`+c.pattern+`") is not generated: `+c.want, c.pattern)
	}
}

// TestCustomVerbNotStandard: a method whose google.api.http rule ends in
// a custom verb is a custom method (AIP-136) whatever its name reads
// like: Cloud Workflows' ListWorkflowRevisions, at
// /v1/{name=…}:listRevisions, lists a workflow's revisions (AIP-162), and
// a generated List of workflows would refuse its `name`.
func TestCustomVerbNotStandard(t *testing.T) {
	_, buf, code := generate(t, "rev/v1/rev.proto", `syntax = "proto3";

package rev.v1;

import "google/api/annotations.proto";
import "google/api/resource.proto";

option go_package = "example.com/rev/v1;revv1";

message Book {
  option (google.api.resource) = {type: "rev.example.com/Book" pattern: "books/{book}"};
  string name = 1;
}

service BookService {
  rpc GetBook(GetBookRequest) returns (Book) {
    option (google.api.http) = {get: "/v1/{name=books/*}"};
  }
  rpc ListBookRevisions(ListBookRevisionsRequest) returns (ListBookRevisionsResponse) {
    option (google.api.http) = {get: "/v1/{name=books/*}:listRevisions"};
  }
}

message GetBookRequest {
  string name = 1;
}

message ListBookRevisionsRequest {
  string name = 1;
  int32 page_size = 2;
  string page_token = 3;
}

message ListBookRevisionsResponse {
  repeated Book books = 1;
  string next_page_token = 2;
}
`)
	want := "protoc-gen-crud: warning: rev/v1/rev.proto:19:3: method rev.v1.BookService.ListBookRevisions: custom method (AIP-136): not generated; it answers Unimplemented until you implement it on BookServiceCRUD"
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(code, `crudrt.Unimplemented("rev.v1.BookService.ListBookRevisions")`) {
		t.Errorf("ListBookRevisions does not answer Unimplemented:\n%s", code)
	}
}

// TestSingletonGetByParent: a Get of a singleton (AIP-156) whose request
// field refers to the singleton's parent, as Cloud KMS's GetPublicKey
// takes a CryptoKeyVersion's name, reads the singleton named by it and
// the pattern's last segment; one referring to the singleton itself
// reads the name as it is.
func TestSingletonGetByParent(t *testing.T) {
	_, buf, code := generate(t, "single/v1/single.proto", `syntax = "proto3";

package single.v1;

import "google/api/resource.proto";

option go_package = "example.com/single/v1;singlev1";

message Version {
  option (google.api.resource) = {type: "single.example.com/Version" pattern: "versions/{version}"};
  string name = 1;
}

message PublicKey {
  option (google.api.resource) = {type: "single.example.com/PublicKey" pattern: "versions/{version}/publicKey"};
  string name = 1;
}

service KeyService {
  rpc GetVersion(GetVersionRequest) returns (Version);
  rpc GetPublicKey(GetPublicKeyRequest) returns (PublicKey);
}

message GetVersionRequest {
  string name = 1 [(google.api.resource_reference).type = "single.example.com/Version"];
}

message GetPublicKeyRequest {
  string name = 1 [(google.api.resource_reference).type = "single.example.com/Version"];
}
`)
	if buf.Len() > 0 {
		t.Errorf("warnings:\n%s", buf)
	}
	if !strings.Contains(code, `"Name":"single.v1.KeyService.GetPublicKey","Op":"Get","Request":"single.v1.GetPublicKeyRequest","Response":"single.v1.PublicKey","Key":"name","KeySuffix":"/publicKey"`) {
		t.Errorf("GetPublicKey does not read the singleton of the version it names:\n%s", code)
	}
	if strings.Count(code, "KeySuffix") != 1 {
		t.Errorf("GetVersion got a KeySuffix:\n%s", code)
	}
}

// TestSingletonOfSeveralPatterns: a singleton of several patterns (AIP-156,
// AIP-123), Cloud Logging's settings, is served by Get and Update, keyed
// by the union of its parents' variables; a Get or Update whose REST
// route binds the name before the singleton's collection
// (`/v1/{name=*/*}/settings`) takes the parent's name as its singleton's.
func TestSingletonOfSeveralPatterns(t *testing.T) {
	_, buf, code := generate(t, "sets/v1/sets.proto", `syntax = "proto3";

package sets.v1;

import "google/api/annotations.proto";
import "google/api/resource.proto";
import "google/protobuf/field_mask.proto";

option go_package = "example.com/sets/v1;setsv1";

message Settings {
  option (google.api.resource) = {
    type: "sets.example.com/Settings"
    pattern: "projects/{project}/settings"
    pattern: "organizations/{organization}/settings"
  };
  string name = 1;
  string location = 2;
}

service SettingsService {
  rpc GetSettings(GetSettingsRequest) returns (Settings) {
    option (google.api.http) = {get: "/v1/{name=*/*}/settings"};
  }
  rpc UpdateSettings(UpdateSettingsRequest) returns (Settings) {
    option (google.api.http) = {patch: "/v1/{settings.name=projects/*/settings}" body: "settings"};
  }
}

message GetSettingsRequest {
  string name = 1 [(google.api.resource_reference).type = "sets.example.com/Settings"];
}

message UpdateSettingsRequest {
  Settings settings = 1;
  google.protobuf.FieldMask update_mask = 2;
}
`)
	if buf.Len() > 0 {
		t.Errorf("warnings:\n%s", buf)
	}
	for _, want := range []string{
		`{"Path":"name","Name":"project","GoField":"Project","Type":"string","Role":"parent","MaxLen":255,"NamePattern":"projects/{project}/settings|organizations/{organization}/settings"}`,
		`{"Path":"name","Name":"organization","GoField":"Name","Type":"string","Role":"id","MaxLen":255,"NamePattern":"projects/{project}/settings|organizations/{organization}/settings"}`,
		`"Operations": "Get|Update"`,
		`"Response":"sets.v1.Settings","Key":"name","OwnerName":true}`,
		`"Response":"sets.v1.Settings","Resource":"settings","Mask":"update_mask"}`,
	} {
		if !strings.Contains(code, want) {
			t.Errorf("generated code lacks %s:\n%s", want, code)
		}
	}
}

// TestSingletonOfSeveralPatternsPartlyStored: a singleton of several
// patterns whose parents are a resource of the package under some
// patterns and none under others is not generated, with a warning naming
// that resource: the rows of the others could not be checked against it.
func TestSingletonOfSeveralPatternsPartlyStored(t *testing.T) {
	_, buf, _ := generate(t, "mx/v1/mx.proto", `syntax = "proto3";
package mx.v1;
import "google/api/resource.proto";
option go_package = "example.com/mx/v1;mxv1";
message Project {
  option (google.api.resource) = {type: "mx.example.com/Project" pattern: "projects/{project}"};
  string name = 1;
}
message Settings {
  option (google.api.resource) = {type: "mx.example.com/Settings" pattern: "projects/{project}/settings" pattern: "folders/{folder}/settings"};
  string name = 1;
}
`)
	want := `is not generated: its parent patterns (projects/{project} or folders/{folder}) are not those of mx.v1.Project (projects/{project}): a resource of several patterns (AIP-123) is stored under every pattern of its parent or under none; give it a pattern under each of Project's`
	if got := buf.String(); !strings.Contains(got, `warning: mx/v1/mx.proto:9:1: message mx.v1.Settings: resource "mx.example.com/Settings" is not generated`) || !strings.Contains(got, want) {
		t.Errorf("warnings:\n%s\nwant one with:\n%s", got, want)
	}
}

// TestResourceAsRequest: a Create that takes the resource itself, as
// Pub/Sub's CreateSubscription(Subscription) does, creates it under the
// name the client gives it, at PUT /v1/{name=…} without a route of its
// own; an Update that takes it is warned of as a request that lacks the
// resource field, not as a response.
func TestResourceAsRequest(t *testing.T) {
	_, buf, code := generate(t, "sub/v1/sub.proto", `syntax = "proto3";

package sub.v1;

import "google/api/resource.proto";

option go_package = "example.com/sub/v1;subv1";

message Subscription {
  option (google.api.resource) = {type: "sub.example.com/Subscription" pattern: "subscriptions/{subscription}"};
  string name = 1;
}

service Subscriber {
  rpc CreateSubscription(Subscription) returns (Subscription);
  rpc UpdateSubscription(Subscription) returns (Subscription);
}
`)
	want := "protoc-gen-crud: warning: sub/v1/sub.proto:16:3: method sub.v1.Subscriber.UpdateSubscription: not generated: request sub.v1.Subscription has no field \"subscription\" of type sub.v1.Subscription; add `Subscription subscription = 1;`; it answers Unimplemented until you implement it"
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
	for _, want := range []string{`"Op":"Create","Request":"sub.v1.Subscription","Response":"sub.v1.Subscription","RequestIsResource":true`,
		`"Verb":"PUT","Path":"/v1/{name=subscriptions/*}","Body":"*"`} {
		if !strings.Contains(code, want) {
			t.Errorf("generated code lacks %s", want)
		}
	}
}

// TestPatternSetRefused: a resource of several patterns (AIP-123) is
// stored when the ids a row holds tell its pattern; patterns that do not
// are refused with a warning that names them.
func TestPatternSetRefused(t *testing.T) {
	for _, c := range []struct{ patterns, want string }{
		{`pattern: "projects/{project}/a/{x}" pattern: "projects/{project}/b/{x}"`,
			`patterns "projects/{project}/a/{x}" and "projects/{project}/b/{x}" end differently (a/{x}, b/{x}): the patterns of one resource end with the same collection and id`},
		{`pattern: "projects/{project}/xs/{x}" pattern: "folders/{project}/xs/{x}"`,
			`patterns "projects/{project}/xs/{x}" and "folders/{project}/xs/{x}" have the same variables, and the stored ids could not tell which names a row`},
		{`pattern: "projects/{project}/locations/{location}/xs/{x}" pattern: "locations/{location}/projects/{project}/xs/{x}"`,
			`patterns "projects/{project}/locations/{location}/xs/{x}" and "locations/{location}/projects/{project}/xs/{x}" have the same variables, and the stored ids could not tell which names a row`},
		{`pattern: "projects/{project}/xs/{x}" pattern: "projects/{owner}/xs/{x}"`,
			`patterns "projects/{project}/xs/{x}" and "projects/{owner}/xs/{x}" are of one form, and a name could not tell which it is`},
		{`pattern: "xs/{x}" pattern: "projects/{project}/xs/{x}"`,
			`pattern "xs/{x}" has no parent, and a resource of several patterns is stored under its patterns' parents`},
		{`pattern: "projects/{project}/x" pattern: "folders/{folder}/xs/{x}"`,
			`patterns "projects/{project}/x" and "folders/{folder}/xs/{x}" are not both singletons' (AIP-156): the patterns of one resource name singletons, one per parent, or resources with ids of their own`},
		{`pattern: "projects/{project}/x" pattern: "folders/{folder}/y"`,
			`patterns "projects/{project}/x" and "folders/{folder}/y" end differently (x, y): the patterns of one resource end with the same collection and id`},
		{`pattern: "projects/{project}/x" pattern: "folders/{project}/x"`,
			`patterns "projects/{project}/x" and "folders/{project}/x" have the same variables, and the stored ids could not tell which names a row`},
		{`pattern: "projects/{project}/x" pattern: "folders/{folder}/x" pattern: "folders/{folder}/locations/{location}/x"`, ""},
		{`pattern: "projects/{project}/xs/{x}" pattern: "folders/{folder}/xs/{x}" pattern: "folders/{folder}/locations/{location}/xs/{x}"`, ""},
	} {
		src := `syntax = "proto3";
package pat.v1;
import "google/api/resource.proto";
option go_package = "example.com/pat/v1;patv1";
message X {
  option (google.api.resource) = {type: "pat.example.com/X" ` + c.patterns + `};
  string name = 1;
}
`
		_, buf, _ := generate(t, "pat/v1/pat.proto", src)
		got := strings.TrimSpace(buf.String())
		if c.want == "" {
			if got != "" {
				t.Errorf("%s: warnings:\n%s", c.patterns, got)
			}
			continue
		}
		if !strings.Contains(got, `pat/v1/pat.proto:5:1: message pat.v1.X: resource "pat.example.com/X" (pattern "`) || !strings.HasSuffix(got, "is not generated: "+c.want+"; keep one pattern, or add `int64 id` (or mark a key with (protoforge.v1.field).primary_key) to store it") {
			t.Errorf("%s: warning\n%s\nwant it to end\n%s", c.patterns, got, c.want)
		}
	}
}

// TestPatternSetReference: a reference to a resource of several patterns
// (AIP-123) is checked, without a warning: its key columns are those of
// every pattern's variables.
func TestPatternSetReference(t *testing.T) {
	src := `syntax = "proto3";
package pat.v1;
import "google/api/resource.proto";
option go_package = "example.com/pat/v1;patv1";
message X {
  option (google.api.resource) = {type: "pat.example.com/X" pattern: "projects/{project}/xs/{x}" pattern: "folders/{folder}/xs/{x}"};
  string name = 1;
}
message Y {
  option (google.api.resource) = {type: "pat.example.com/Y" pattern: "ys/{y}"};
  string name = 1;
  string x = 2 [(google.api.resource_reference).type = "pat.example.com/X"];
}
service YService {
  rpc GetY(GetYRequest) returns (Y);
}
message GetYRequest {
  string name = 1;
}
`
	_, buf, code := generate(t, "pat/v1/pat.proto", src)
	if got := strings.TrimSpace(buf.String()); got != "" {
		t.Errorf("warnings:\n%s\nwant none", got)
	}
	if !strings.Contains(code, `"RefersTo":{"Name":"pat.v1.X","Table":"xes","Pattern":"projects/{project}/xs/{x}|folders/{folder}/xs/{x}","Columns":["project","folder","x"]}`) {
		t.Errorf("the reference is checked against every pattern's columns:\n%s", code)
	}
}

// TestPatternSetPartialParent: a resource whose parent patterns are some of
// a stored resource's several patterns, not all, is refused: neither the
// rows of the other patterns nor a check of its parents would hold.
func TestPatternSetPartialParent(t *testing.T) {
	for _, c := range []struct{ child, want string }{
		{`pattern: "projects/{project}/secrets/{secret}/versions/{version}"`,
			`its parent patterns (projects/{project}/secrets/{secret}) are not those of pat.v1.Secret (projects/{project}/secrets/{secret} or projects/{project}/locations/{location}/secrets/{secret})`},
		{`pattern: "projects/{project}/secrets/{secret}/versions/{version}" pattern: "projects/{project}/locations/{location}/secrets/{secret}/versions/{version}" pattern: "folders/{folder}/secrets/{secret}/versions/{version}"`,
			`its parent patterns (projects/{project}/secrets/{secret} or projects/{project}/locations/{location}/secrets/{secret} or folders/{folder}/secrets/{secret}) are not those of pat.v1.Secret`},
	} {
		src := `syntax = "proto3";
package pat.v1;
import "google/api/resource.proto";
option go_package = "example.com/pat/v1;patv1";
message Secret {
  option (google.api.resource) = {type: "pat.example.com/Secret" pattern: "projects/{project}/secrets/{secret}" pattern: "projects/{project}/locations/{location}/secrets/{secret}"};
  string name = 1;
}
message Version {
  option (google.api.resource) = {type: "pat.example.com/Version" ` + c.child + `};
  string name = 1;
}
`
		_, buf, _ := generate(t, "pat/v1/pat.proto", src)
		got := strings.TrimSpace(buf.String())
		if !strings.HasPrefix(got, `protoc-gen-crud: warning: pat/v1/pat.proto:9:1: message pat.v1.Version: resource "pat.example.com/Version" is not generated: `+c.want) {
			t.Errorf("%s: warning\n%s\nwant it to start with\n%s", c.child, got, c.want)
		}
	}
}

// TestPatternSetParentsOfTwoResources: a resource of several patterns
// (AIP-123) whose parent patterns are each the one pattern of a different
// resource of the package (a dataset under a project or directly under
// its organization) is generated with a foreign key to each parent type;
// when a parent has several patterns, it is refused naming both parents
// and why.
func TestPatternSetParentsOfTwoResources(t *testing.T) {
	src := `syntax = "proto3";
package pat.v1;
import "google/api/resource.proto";
option go_package = "example.com/pat/v1;patv1";
message Organization {
  option (google.api.resource) = {type: "pat.example.com/Organization" pattern: "organizations/{organization}"};
  string name = 1;
}
message Project {
  option (google.api.resource) = {type: "pat.example.com/Project" pattern: "organizations/{organization}/projects/{project}"};
  string name = 1;
}
message Dataset {
  option (google.api.resource) = {type: "pat.example.com/Dataset" pattern: "organizations/{organization}/projects/{project}/datasets/{dataset}" pattern: "organizations/{organization}/datasets/{dataset}"};
  string name = 1;
}
service Data {
  rpc GetDataset(GetDatasetRequest) returns (Dataset);
}
message GetDatasetRequest { string name = 1; }
`
	_, buf, code := generate(t, "pat/v1/pat.proto", src)
	if got := strings.TrimSpace(buf.String()); got != "" {
		t.Errorf("warnings:\n%s", got)
	}
	for _, want := range []string{
		`"Parents": [`,
		`{"Name":"pat.v1.Project","Table":"projects","Columns":["organization","project"],"Ancestors":[{"Name":"pat.v1.Organization","Table":"organizations","Columns":["organization"]}],"Of":["organization","project"]}`,
		`{"Name":"pat.v1.Organization","Table":"organizations","Columns":["organization"],"Of":["organization"]}`,
		`{"Path":"name","Name":"parent_project","GoField":"ParentProject","Type":"string","Role":"parent_id","Nullable":true}`,
	} {
		if !strings.Contains(code, want) {
			t.Errorf("generated code lacks %s:\n%s", want, code)
		}
	}

	refused := `syntax = "proto3";
package pat.v1;
import "google/api/resource.proto";
option go_package = "example.com/pat/v1;patv1";
message Team {
  option (google.api.resource) = {type: "pat.example.com/Team" pattern: "teams/{team}"};
  string name = 1;
}
message Project {
  option (google.api.resource) = {type: "pat.example.com/Project" pattern: "organizations/{organization}/projects/{project}" pattern: "folders/{folder}/projects/{project}"};
  string name = 1;
}
message Dataset {
  option (google.api.resource) = {type: "pat.example.com/Dataset" pattern: "organizations/{organization}/projects/{project}/datasets/{dataset}" pattern: "teams/{team}/datasets/{dataset}"};
  string name = 1;
}
`
	_, buf, _ = generate(t, "pat/v1/pat.proto", refused)
	want := `protoc-gen-crud: warning: pat/v1/pat.proto:13:1: message pat.v1.Dataset: resource "pat.example.com/Dataset" is not generated: ` +
		`its parent patterns (organizations/{organization}/projects/{project} or teams/{team}) are those of different resources, ` +
		`pat.v1.Team (teams/{team}) and pat.v1.Project (organizations/{organization}/projects/{project} or folders/{folder}/projects/{project}), and Project has several patterns: ` +
		`a resource under parents of several types is stored when each parent pattern is the one pattern of a resource of the package, so that a foreign key to each holds its rows; give each parent one pattern, or serve it with methods of your own`
	if got := strings.TrimSpace(buf.String()); !strings.HasPrefix(got, want) {
		t.Errorf("warning\n%s\nwant it to start with\n%s", got, want)
	}
}

// TestParentTypesOfDescendants: the descendants of a resource under
// parents of two types are found, for a forced Delete of either parent,
// by the columns that hold that parent's ids, at any depth.
func TestParentTypesOfDescendants(t *testing.T) {
	src := `syntax = "proto3";
package pat.v1;
import "google/api/resource.proto";
option go_package = "example.com/pat/v1;patv1";
message Scope {
  option (google.api.resource) = {type: "pat.example.com/Scope" pattern: "projects/{project}/scopes/{scope}"};
  string name = 1;
}
message Membership {
  option (google.api.resource) = {type: "pat.example.com/Membership" pattern: "projects/{project}/memberships/{membership}"};
  string name = 1;
}
message Binding {
  option (google.api.resource) = {type: "pat.example.com/Binding" pattern: "projects/{project}/scopes/{scope}/bindings/{binding}" pattern: "projects/{project}/memberships/{membership}/bindings/{binding}"};
  string name = 1;
}
message Note {
  option (google.api.resource) = {type: "pat.example.com/Note" pattern: "projects/{project}/scopes/{scope}/bindings/{binding}/notes/{note}" pattern: "projects/{project}/memberships/{membership}/bindings/{binding}/notes/{note}"};
  string name = 1;
}
message Mark {
  option (google.api.resource) = {type: "pat.example.com/Mark" pattern: "projects/{project}/scopes/{scope}/bindings/{binding}/notes/{note}/marks/{mark}" pattern: "projects/{project}/memberships/{membership}/bindings/{binding}/notes/{note}/marks/{mark}"};
  string name = 1;
}
service Hub {
  rpc DeleteMembership(DeleteMembershipRequest) returns (Membership);
}
message DeleteMembershipRequest { string name = 1; bool force = 2; }
`
	_, buf, code := generate(t, "pat/v1/pat.proto", src)
	if got := strings.TrimSpace(buf.String()); got != "" {
		t.Errorf("warnings:\n%s", got)
	}
	for _, want := range []string{
		`{"Name":"pat.v1.Mark","Table":"marks","Columns":["project","membership"]}`,
		`{"Name":"pat.v1.Note","Table":"notes","Columns":["project","membership"]}`,
		`{"Name":"pat.v1.Binding","Table":"bindings","Columns":["project","membership"]}`,
	} {
		if !strings.Contains(code, want) {
			t.Errorf("generated code lacks %s:\n%s", want, code)
		}
	}
}

// TestPatternSetParentNotStored: a resource under parents of two types
// of which the package stores one is refused, saying which parent
// pattern no resource of the package has.
func TestPatternSetParentNotStored(t *testing.T) {
	src := `syntax = "proto3";
package pat.v1;
import "google/api/resource.proto";
option go_package = "example.com/pat/v1;patv1";
message Scope {
  option (google.api.resource) = {type: "pat.example.com/Scope" pattern: "projects/{project}/scopes/{scope}"};
  string name = 1;
}
message Binding {
  option (google.api.resource) = {type: "pat.example.com/Binding" pattern: "projects/{project}/scopes/{scope}/bindings/{binding}" pattern: "projects/{project}/memberships/{membership}/bindings/{binding}"};
  string name = 1;
}
`
	_, buf, _ := generate(t, "pat/v1/pat.proto", src)
	want := `protoc-gen-crud: warning: pat/v1/pat.proto:9:1: message pat.v1.Binding: resource "pat.example.com/Binding" is not generated: ` +
		`its parent patterns (projects/{project}/scopes/{scope} or projects/{project}/memberships/{membership}) are those of pat.v1.Scope (projects/{project}/scopes/{scope}) ` +
		`and of no resource of the package (projects/{project}/memberships/{membership}): a resource under parents of several types is stored when each is a resource of the package, ` +
		`so that a foreign key to each holds its rows; declare those parents as resources here, or serve it with methods of your own`
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warning\n%s\nwant\n%s", got, want)
	}
}

// TestPatternSetCombined: a tenant field and long-running methods
// (AIP-151) of resources of several patterns (AIP-123) are generated,
// without a warning.
func TestPatternSetCombined(t *testing.T) {
	src := `syntax = "proto3";
package pat.v1;
import "google/api/resource.proto";
import "google/longrunning/operations.proto";
import "protoforge/v1/options.proto";
option go_package = "example.com/pat/v1;patv1";
message Secret {
  option (google.api.resource) = {type: "pat.example.com/Secret" pattern: "projects/{project}/secrets/{secret}" pattern: "folders/{folder}/secrets/{secret}"};
  string name = 1;
}
message Key {
  option (google.api.resource) = {type: "pat.example.com/Key" pattern: "projects/{project}/keys/{key}" pattern: "folders/{folder}/keys/{key}"};
  string name = 1;
  string owner = 2 [(protoforge.v1.field).tenant = true];
}
message Meta {}
service SecretService {
  rpc CreateSecret(CreateSecretRequest) returns (google.longrunning.Operation) {
    option (google.longrunning.operation_info) = {response_type: "Secret" metadata_type: "Meta"};
  }
  rpc GetSecret(GetSecretRequest) returns (Secret);
  rpc GetKey(GetKeyRequest) returns (Key);
}
message CreateSecretRequest {
  string parent = 1;
  Secret secret = 2;
}
message GetSecretRequest {
  string name = 1;
}
message GetKeyRequest {
  string name = 1;
}
`
	_, buf, code := generate(t, "pat/v1/pat.proto", src)
	if got := strings.TrimSpace(buf.String()); got != "" {
		t.Errorf("warnings:\n%s\nwant none", got)
	}
	for _, want := range []string{"SecretService.GetSecret", `"Op":"Create"`, `"OperationMetadata":"pat.v1.Meta"`, "SecretService.GetKey", `"Path":"owner","Name":"owner","GoField":"Owner","Type":"string","Role":"tenant"`} {
		if !strings.Contains(code, want) {
			t.Errorf("want %s in the long-running CreateSecret, GetSecret and GetKey of Key's tenant:\n%s", want, code)
		}
	}
}

// TestResourceListOfResources: a resource named under a parent (a
// composite key, which has-many cannot hold) that holds a list of other
// resources, both inferred from google.api.resource, stores the list as
// JSON: Secret Manager's Secret.topics, the Pub/Sub topics it names.
func TestResourceListOfResources(t *testing.T) {
	src := `syntax = "proto3";
package held.v1;
import "google/api/resource.proto";
option go_package = "example.com/held/v1;heldv1";
message Secret {
  option (google.api.resource) = {type: "held.example.com/Secret" pattern: "projects/{project}/secrets/{secret}"};
  string name = 1;
  repeated Topic topics = 2;
}
message Topic {
  option (google.api.resource) = {type: "pubsub.example.com/Topic" pattern: "projects/{project}/topics/{topic}"};
  string name = 1;
}
service SecretService {
  rpc GetSecret(GetSecretRequest) returns (Secret);
}
message GetSecretRequest {
  string name = 1;
}
`
	_, buf, code := generate(t, "held/v1/held.proto", src)
	if got := strings.TrimSpace(buf.String()); got != "" {
		t.Errorf("warnings:\n%s", got)
	}
	if !strings.Contains(code, `{"Path":"topics","Name":"topics","GoField":"Topics","Type":"JSON"}`) {
		t.Errorf("topics is not stored as JSON:\n%s", code)
	}
}

// TestWarningInDeclaringFile: a warning about a request field is located
// in the file that declares the request, not in the service's file
// (Artifact Registry declares ListVersionsRequest in version.proto and
// its service in service.proto).
func TestWarningInDeclaringFile(t *testing.T) {
	srcs := map[string]string{
		"lib/v1/shelf.proto": `syntax = "proto3";
package lib.v1;
import "google/api/resource.proto";
option go_package = "example.com/lib/v1;libv1";
message Shelf {
  option (google.api.resource) = {type: "lib.example.com/Shelf" pattern: "shelves/{shelf}"};
  string name = 1;
}
enum ShelfView {
  SHELF_VIEW_UNSPECIFIED = 0;
  FULL = 1;
}
message GetShelfRequest {
  string name = 1;
  ShelfView view = 2;
  string trace_id = 3;
}
`,
		"lib/v1/service.proto": `syntax = "proto3";
package lib.v1;
import "lib/v1/shelf.proto";
option go_package = "example.com/lib/v1;libv1";
service ShelfService {
  rpc GetShelf(GetShelfRequest) returns (Shelf);
}
`,
	}
	_, buf, _ := generateSources(t, srcs)
	want := "protoc-gen-crud: warning: lib/v1/shelf.proto:15:3: field lib.v1.GetShelfRequest.view: not used by the generated Get: every request is answered with the full resource (AIP-157)\n" +
		"protoc-gen-crud: warning: lib/v1/shelf.proto:16:3: field lib.v1.GetShelfRequest.trace_id: not used by the generated Get: a request that sets it is refused with InvalidArgument; implement GetShelf yourself to serve it"
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
}

// TestResourceFieldOfAcronym: the request field that holds a resource is
// the snake_case of its type's name, a run of capitals one word (AIP-133,
// 134): Artifact Registry's UpdateVPCSCConfigRequest holds a VPCSCConfig
// (type `…/VpcscConfig`) in `vpcsc_config`, and an HTTPRoute's Create
// takes `http_route` and `http_route_id`.
func TestResourceFieldOfAcronym(t *testing.T) {
	_, buf, code := generate(t, "acr/v1/acr.proto", `syntax = "proto3";
package acr.v1;
import "google/api/resource.proto";
import "google/protobuf/field_mask.proto";
option go_package = "example.com/acr/v1;acrv1";
message VPCSCConfig {
  option (google.api.resource) = {type: "acr.example.com/VpcscConfig" pattern: "projects/{project}/vpcscConfig"};
  string name = 1;
  string policy = 2;
}
message HTTPRoute {
  option (google.api.resource) = {type: "acr.example.com/HTTPRoute" pattern: "projects/{project}/httpRoutes/{http_route}"};
  string name = 1;
}
service Acr {
  rpc GetVPCSCConfig(GetVPCSCConfigRequest) returns (VPCSCConfig);
  rpc UpdateVPCSCConfig(UpdateVPCSCConfigRequest) returns (VPCSCConfig);
  rpc CreateHTTPRoute(CreateHTTPRouteRequest) returns (HTTPRoute);
}
message GetVPCSCConfigRequest { string name = 1; }
message UpdateVPCSCConfigRequest {
  VPCSCConfig vpcsc_config = 1;
  google.protobuf.FieldMask update_mask = 2;
}
message CreateHTTPRouteRequest {
  string parent = 1;
  string http_route_id = 2;
  HTTPRoute http_route = 3;
}
`)
	if got := strings.TrimSpace(buf.String()); got != "" {
		t.Errorf("warnings:\n%s", got)
	}
	for _, want := range []string{`"Resource":"vpcsc_config","Mask":"update_mask"`, `"ResourceID":"http_route_id","Resource":"http_route"`} {
		if !strings.Contains(code, want) {
			t.Errorf("generated code lacks %s:\n%s", want, code)
		}
	}
}

// TestMethodsNamedAfterLastWords: a standard method named after the last
// words of its resource's message (Cloud Logging's GetBucket returns a
// LogBucket, its DeleteSink names a LogSink by `sink_name`) is served, the
// request field holding the resource named after the method's noun
// (`bucket`, with `bucket_id`), and an Update whose request names the
// resource beside it serves that name; a method whose noun is longer than
// the message's name (GetNamespacedBucket) or not its last words
// (GetLogbucket of a Bucket) stays the user's.
func TestMethodsNamedAfterLastWords(t *testing.T) {
	_, buf, code := generate(t, "lw/v1/lw.proto", `syntax = "proto3";
package lw.v1;
import "google/api/resource.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/field_mask.proto";
option go_package = "example.com/lw/v1;lwv1";
message LogBucket {
  option (google.api.resource) = {type: "lw.example.com/LogBucket" pattern: "projects/{project}/buckets/{bucket}"};
  string name = 1;
}
message LogSink {
  option (google.api.resource) = {type: "lw.example.com/LogSink" pattern: "projects/{project}/sinks/{sink}"};
  string name = 1;
}
service Config {
  rpc GetBucket(GetBucketRequest) returns (LogBucket);
  rpc CreateBucket(CreateBucketRequest) returns (LogBucket);
  rpc UpdateBucket(UpdateBucketRequest) returns (LogBucket);
  rpc DeleteBucket(GetBucketRequest) returns (google.protobuf.Empty);
  rpc DeleteSink(DeleteSinkRequest) returns (google.protobuf.Empty);
  rpc GetNamespacedBucket(GetBucketRequest) returns (LogBucket);
  rpc GetLogbucket(GetBucketRequest) returns (LogBucket);
}
message GetBucketRequest {
  string name = 1 [(google.api.resource_reference) = {type: "lw.example.com/LogBucket"}];
}
message CreateBucketRequest {
  string parent = 1;
  string bucket_id = 2;
  LogBucket bucket = 3;
}
message UpdateBucketRequest {
  string name = 1 [(google.api.resource_reference) = {type: "lw.example.com/LogBucket"}];
  LogBucket bucket = 2;
  google.protobuf.FieldMask update_mask = 3;
}
message DeleteSinkRequest {
  string sink_name = 1 [(google.api.resource_reference) = {type: "lw.example.com/LogSink"}];
}
`)
	want := "protoc-gen-crud: warning: lw/v1/lw.proto:21:3: method lw.v1.Config.GetNamespacedBucket: not generated: Get names no model: package lw.v1 has no message NamespacedBucket; implement it yourself, or map it to a model with (protoforge.v1.method).operation; it answers Unimplemented until you implement it on ConfigCRUD\n" +
		"protoc-gen-crud: warning: lw/v1/lw.proto:22:3: method lw.v1.Config.GetLogbucket: not generated: Get names no model: package lw.v1 has no message Logbucket; implement it yourself, or map it to a model with (protoforge.v1.method).operation; it answers Unimplemented until you implement it on ConfigCRUD"
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
	for _, want := range []string{`"Name":"lw.v1.Config.GetBucket","Op":"Get","Request":"lw.v1.GetBucketRequest","Response":"lw.v1.LogBucket"`,
		`"Op":"Create","Request":"lw.v1.CreateBucketRequest","Response":"lw.v1.LogBucket","Parent":"parent","ResourceID":"bucket_id","Resource":"bucket"`,
		`"Op":"Update","Request":"lw.v1.UpdateBucketRequest","Response":"lw.v1.LogBucket","NameField":"name","Resource":"bucket","Mask":"update_mask"`,
		`"Name":"lw.v1.Config.DeleteBucket","Op":"Delete"`,
		`"Op":"Delete","Request":"lw.v1.DeleteSinkRequest","Response":"google.protobuf.Empty","NameField":"sink_name","ReturnsEmpty":true`} {
		if !strings.Contains(code, want) {
			t.Errorf("generated code lacks %s", want)
		}
	}
}

// TestMethodsNamedAfterParents: a standard method whose noun is its
// resource's message after the singulars of its parents (GKE Hub's
// GetScopeNamespace of a Namespace under scopes/{scope}, its Create's
// `scope_namespace` and `scope_namespace_id`) is the resource's, and so
// is a Create or Update holding the resource in `resource` (GKE Hub's
// CreateMembershipRequest.resource, with `membership_id`); a noun that no
// parent explains, and a `resource` of another type, stay the user's.
func TestMethodsNamedAfterParents(t *testing.T) {
	_, buf, code := generate(t, "hub/v1/hub.proto", `syntax = "proto3";
package hub.v1;
import "google/api/resource.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/field_mask.proto";
option go_package = "example.com/hub/v1;hubv1";
message Scope {
  option (google.api.resource) = {type: "hub.example.com/Scope" pattern: "projects/{project}/scopes/{scope}"};
  string name = 1;
}
message Namespace {
  option (google.api.resource) = {type: "hub.example.com/Namespace" pattern: "projects/{project}/scopes/{scope}/namespaces/{namespace}"};
  string name = 1;
}
message Membership {
  option (google.api.resource) = {type: "hub.example.com/Membership" pattern: "projects/{project}/memberships/{membership}"};
  string name = 1;
}
service Hub {
  rpc GetScopeNamespace(GetScopeNamespaceRequest) returns (Namespace);
  rpc CreateScopeNamespace(CreateScopeNamespaceRequest) returns (Namespace);
  rpc UpdateScopeNamespace(UpdateScopeNamespaceRequest) returns (Namespace);
  rpc DeleteScopeNamespace(GetScopeNamespaceRequest) returns (google.protobuf.Empty);
  rpc GetProjectScopeNamespace(GetScopeNamespaceRequest) returns (Namespace);
  rpc GetNamespacedNamespace(GetScopeNamespaceRequest) returns (Namespace);
  rpc GetMembershipNamespace(GetScopeNamespaceRequest) returns (Namespace);
  rpc CreateMembership(CreateMembershipRequest) returns (Membership);
  rpc UpdateMembership(UpdateMembershipRequest) returns (Membership);
  rpc CreateScope(CreateScopeRequest) returns (Scope);
}
message GetScopeNamespaceRequest {
  string name = 1 [(google.api.resource_reference) = {type: "hub.example.com/Namespace"}];
}
message CreateScopeNamespaceRequest {
  string parent = 1;
  string scope_namespace_id = 2;
  Namespace scope_namespace = 3;
}
message UpdateScopeNamespaceRequest {
  Namespace scope_namespace = 1;
  google.protobuf.FieldMask update_mask = 2;
}
message CreateMembershipRequest {
  string parent = 1;
  string membership_id = 2;
  Membership resource = 3;
}
message UpdateMembershipRequest {
  string name = 1 [(google.api.resource_reference) = {type: "hub.example.com/Membership"}];
  google.protobuf.FieldMask update_mask = 2;
  Membership resource = 3;
}
message CreateScopeRequest {
  string parent = 1;
  string scope_id = 2;
  Membership resource = 3;
}
`)
	want := "protoc-gen-crud: warning: hub/v1/hub.proto:24:3: method hub.v1.Hub.GetProjectScopeNamespace: no default REST route: GET /v1/{name=projects/*/scopes/*/namespaces/*} is hub.v1.Hub.GetScopeNamespace's already; add a google.api.http binding to serve it over REST (it is served over gRPC, gRPC-Web and Connect)\n" +
		"protoc-gen-crud: warning: hub/v1/hub.proto:25:3: method hub.v1.Hub.GetNamespacedNamespace: not generated: Get names no model: package hub.v1 has no message NamespacedNamespace; implement it yourself, or map it to a model with (protoforge.v1.method).operation; it answers Unimplemented until you implement it on HubCRUD\n" +
		"protoc-gen-crud: warning: hub/v1/hub.proto:26:3: method hub.v1.Hub.GetMembershipNamespace: not generated: Get names no model: package hub.v1 has no message MembershipNamespace; implement it yourself, or map it to a model with (protoforge.v1.method).operation; it answers Unimplemented until you implement it on HubCRUD\n" +
		"protoc-gen-crud: warning: hub/v1/hub.proto:29:3: method hub.v1.Hub.CreateScope: not generated: request hub.v1.CreateScopeRequest has no field \"scope\" of type hub.v1.Scope; add `Scope scope = 1;`; it answers Unimplemented until you implement it"
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
	for _, want := range []string{`"Name":"hub.v1.Hub.GetScopeNamespace","Op":"Get","Request":"hub.v1.GetScopeNamespaceRequest","Response":"hub.v1.Namespace","Key":"name"`,
		`"Name":"hub.v1.Hub.GetProjectScopeNamespace","Op":"Get"`,
		`"Op":"Create","Request":"hub.v1.CreateScopeNamespaceRequest","Response":"hub.v1.Namespace","Parent":"parent","ResourceID":"scope_namespace_id","Resource":"scope_namespace"`,
		`"Op":"Update","Request":"hub.v1.UpdateScopeNamespaceRequest","Response":"hub.v1.Namespace","Resource":"scope_namespace","Mask":"update_mask"`,
		`"Name":"hub.v1.Hub.DeleteScopeNamespace","Op":"Delete"`,
		`"Op":"Create","Request":"hub.v1.CreateMembershipRequest","Response":"hub.v1.Membership","Parent":"parent","ResourceID":"membership_id","Resource":"resource"`,
		`"Op":"Update","Request":"hub.v1.UpdateMembershipRequest","Response":"hub.v1.Membership","NameField":"name","Resource":"resource","Mask":"update_mask"`} {
		if !strings.Contains(code, want) {
			t.Errorf("generated code lacks %s", want)
		}
	}
}

// TestUnpagedList: a List whose messages have none of AIP-158's
// pagination fields (Firestore Admin's ListDatabases) is served, in one
// response; one that has some of them but not all is not, naming those
// it lacks.
func TestUnpagedList(t *testing.T) {
	_, buf, code := generate(t, "fs/v1/fs.proto", `syntax = "proto3";
package fs.v1;
import "google/api/resource.proto";
option go_package = "example.com/fs/v1;fsv1";
message Database {
  option (google.api.resource) = {type: "fs.example.com/Database" pattern: "projects/{project}/databases/{database}"};
  string name = 1;
}
service Admin {
  rpc ListDatabases(ListDatabasesRequest) returns (ListDatabasesResponse);
  rpc ListHalfDatabases(ListHalfDatabasesRequest) returns (ListDatabasesResponse);
}
message ListDatabasesRequest {
  string parent = 1;
  bool show_deleted = 2;
}
message ListHalfDatabasesRequest {
  string parent = 1;
  int32 page_size = 2;
}
message ListDatabasesResponse {
  repeated Database databases = 1;
  repeated string unreachable = 2;
}
`)
	want := "protoc-gen-crud: warning: fs/v1/fs.proto:11:3: method fs.v1.Admin.ListHalfDatabases: not generated: request fs.v1.ListHalfDatabasesRequest has no field `page_token` (string); add `string page_token = 2;`; it answers Unimplemented until you implement it\n" +
		"protoc-gen-crud: warning: fs/v1/fs.proto:11:3: method fs.v1.Admin.ListHalfDatabases: not generated: response fs.v1.ListDatabasesResponse has no field `next_page_token` (string); add `string next_page_token = 2;`; it answers Unimplemented until you implement it\n" +
		"protoc-gen-crud: warning: fs/v1/fs.proto:23:3: field fs.v1.ListDatabasesResponse.unreachable: never set by the generated List: it is always empty (implement ListDatabases yourself to fill it)"
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
	if want := `"Op":"List","Request":"fs.v1.ListDatabasesRequest","Response":"fs.v1.ListDatabasesResponse","Unpaged":true,"Parent":"parent","ShowDeleted":"show_deleted","Items":"databases"`; !strings.Contains(code, want) {
		t.Errorf("generated code lacks %s:\n%s", want, code)
	}
}

// TestFieldsNamedAfterResources: older APIs name a standard method's
// `name` after the resource and its `parent` after the parent, as
// references (Pub/Sub's GetSubscriptionRequest.subscription,
// ListSubscriptionsRequest.project): they are read as such; a List of a
// resource under a parent whose request names no parent is not served,
// since it would read every parent's rows (AIP-132).
func TestFieldsNamedAfterResources(t *testing.T) {
	_, buf, code := generate(t, "old/v1/old.proto", `syntax = "proto3";
package old.v1;
import "google/api/resource.proto";
option go_package = "example.com/old/v1;oldv1";
message Sub {
  option (google.api.resource) = {type: "old.example.com/Sub" pattern: "projects/{project}/subs/{sub}"};
  string name = 1;
}
service Subs {
  rpc GetSub(GetSubRequest) returns (Sub);
  rpc DeleteSub(DeleteSubRequest) returns (Sub);
  rpc ListSubs(ListSubsRequest) returns (ListSubsResponse);
  rpc ListAllSubs(ListAllSubsRequest) returns (ListSubsResponse);
  rpc CreateSub(CreateSubRequest) returns (Sub);
}
message GetSubRequest {
  string sub = 1 [(google.api.resource_reference) = {type: "old.example.com/Sub"}];
}
message DeleteSubRequest {
  string sub = 1 [(google.api.resource_reference) = {type: "old.example.com/Sub"}];
  string other = 2 [(google.api.resource_reference) = {type: "old.example.com/Other"}];
}
message ListSubsRequest {
  string project = 1 [(google.api.resource_reference) = {type: "cloudresourcemanager.googleapis.com/Project"}];
  int32 page_size = 2;
  string page_token = 3;
}
message ListAllSubsRequest {
  int32 page_size = 2;
  string page_token = 3;
}
message ListSubsResponse {
  repeated Sub subs = 1;
  string next_page_token = 2;
}
message CreateSubRequest {
  string where = 1 [(google.api.resource_reference) = {child_type: "old.example.com/Sub"}];
  Sub sub = 2;
  string sub_id = 3;
}
`)
	want := "protoc-gen-crud: warning: old/v1/old.proto:13:3: method old.v1.Subs.ListAllSubs: not generated: request old.v1.ListAllSubsRequest has no field `parent` (string): old.v1.Sub is named under a parent (projects/{project}/subs/{sub}), and a List reads one parent's (AIP-132); add `string parent = 1;`; it answers Unimplemented until you implement it\n" +
		"protoc-gen-crud: warning: old/v1/old.proto:21:3: field old.v1.DeleteSubRequest.other: not used by the generated Delete: a request that sets it is refused with InvalidArgument; implement DeleteSub yourself to serve it"
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
	for _, want := range []string{`"Op":"Get","Request":"old.v1.GetSubRequest","Response":"old.v1.Sub","NameField":"sub"`,
		`"Op":"Delete","Request":"old.v1.DeleteSubRequest","Response":"old.v1.Sub","NameField":"sub"`,
		`"Op":"List","Request":"old.v1.ListSubsRequest","Response":"old.v1.ListSubsResponse","Parent":"project"`,
		`"Op":"Create","Request":"old.v1.CreateSubRequest","Response":"old.v1.Sub","Parent":"where"`} {
		if !strings.Contains(code, want) {
			t.Errorf("generated code lacks %s", want)
		}
	}
}

// TestLiteralPattern: a pattern without variables beside patterns with
// (Pub/Sub's Topic has `_deleted-topic_`) is a name that no stored
// resource has: the resource is stored under its other patterns, and the
// name is known to it and to the references to it; a resource of such
// patterns only is not stored.
func TestLiteralPattern(t *testing.T) {
	_, buf, code := generate(t, "lit/v1/lit.proto", `syntax = "proto3";
package lit.v1;
import "google/api/resource.proto";
option go_package = "example.com/lit/v1;litv1";
message Topic {
  option (google.api.resource) = {type: "lit.example.com/Topic" pattern: "projects/{project}/topics/{topic}" pattern: "_deleted-topic_"};
  string name = 1;
}
message Sub {
  option (google.api.resource) = {type: "lit.example.com/Sub" pattern: "projects/{project}/subs/{sub}"};
  string name = 1;
  string topic = 2 [(google.api.resource_reference) = {type: "lit.example.com/Topic"}];
}
message Nowhere {
  option (google.api.resource) = {type: "lit.example.com/Nowhere" pattern: "_nowhere_"};
  string name = 1;
}
service Lit {
  rpc GetTopic(GetTopicRequest) returns (Topic);
  rpc GetSub(GetSubRequest) returns (Sub);
}
message GetTopicRequest { string name = 1; }
message GetSubRequest { string name = 1; }
`)
	want := `protoc-gen-crud: warning: lit/v1/lit.proto:14:1: message lit.v1.Nowhere: resource "lit.example.com/Nowhere" (pattern "_nowhere_") is not generated: pattern "_nowhere_" does not end with a variable, nor is it a singleton under a parent (AIP-156); its rows have no key; add ` + "`int64 id`" + ` (or mark a key with (protoforge.v1.field).primary_key) to store it`
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
	for _, want := range []string{`"Literals": ["_deleted-topic_"],`,
		`"RefersTo":{"Name":"lit.v1.Topic","Table":"topics","Pattern":"projects/{project}/topics/{topic}","Columns":["project","topic"],"Literals":["_deleted-topic_"]}`} {
		if !strings.Contains(code, want) {
			t.Errorf("generated code lacks %s", want)
		}
	}
}

// TestListOfNoMessage: a method named as a List whose noun is no message
// (Pub/Sub's ListTopicSubscriptions answers the names of subscriptions)
// is warned of as naming no message, not as one to mark as a model.
func TestListOfNoMessage(t *testing.T) {
	_, buf, _ := generate(t, "nom/v1/nom.proto", `syntax = "proto3";
package nom.v1;
option go_package = "example.com/nom/v1;nomv1";
service Topics {
  rpc ListTopicSubscriptions(ListTopicSubscriptionsRequest) returns (ListTopicSubscriptionsResponse);
}
message ListTopicSubscriptionsRequest {
  string topic = 1;
  int32 page_size = 2;
  string page_token = 3;
}
message ListTopicSubscriptionsResponse {
  repeated string subscriptions = 1;
  string next_page_token = 2;
}
`)
	want := "protoc-gen-crud: warning: nom/v1/nom.proto:5:3: method nom.v1.Topics.ListTopicSubscriptions: not generated: List names no model: package nom.v1 has no message TopicSubscriptions; implement it yourself, or map it to a model with (protoforge.v1.method).operation; it answers Unimplemented until you implement it on your own implementation of TopicsServer"
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
}

// TestParentHeldInField: a resource named at the top whose parent is a
// field of its own (Resource Manager's Folder, `folders/{folder}` with
// `parent`: `organizations/1`) is listed by that field, the List's parent
// selecting it; a request with `parent` for a resource that holds none,
// or another method's, is still left to the user. The parents it may hold
// are the resources of the package, whose existence its writes check.
func TestParentHeldInField(t *testing.T) {
	_, buf, code := generate(t, "held/v1/held.proto", `syntax = "proto3";
package held.v1;
import "google/api/resource.proto";
option go_package = "example.com/held/v1;heldv1";
message Folder {
  option (google.api.resource) = {type: "held.example.com/Folder" pattern: "folders/{folder}"};
  string name = 1;
  string parent = 2;
}
message Note {
  option (google.api.resource) = {type: "held.example.com/Note" pattern: "notes/{note}"};
  string name = 1;
}
service Held {
  rpc ListFolders(ListFoldersRequest) returns (ListFoldersResponse);
  rpc CreateFolder(CreateFolderRequest) returns (Folder);
  rpc ListNotes(ListNotesRequest) returns (ListNotesResponse);
  rpc GetNote(GetNoteRequest) returns (Note);
}
message ListFoldersRequest {
  string parent = 1;
  int32 page_size = 2;
  string page_token = 3;
}
message ListFoldersResponse {
  repeated Folder folders = 1;
  string next_page_token = 2;
}
message CreateFolderRequest {
  string parent = 1;
  Folder folder = 2;
}
message ListNotesRequest {
  string parent = 1;
  int32 page_size = 2;
  string page_token = 3;
}
message ListNotesResponse {
  repeated Note notes = 1;
  string next_page_token = 2;
}
message GetNoteRequest { string name = 1; }
`)
	want := "protoc-gen-crud: warning: held/v1/held.proto:16:3: method held.v1.Held.CreateFolder: not generated: request held.v1.CreateFolderRequest has `parent`, and scoping Create to a parent (AIP-132, AIP-133) is not supported yet (to implement it yourself, map it with (protoforge.v1.method).operation: OPERATION_NONE); it answers Unimplemented until you implement it\n" +
		"protoc-gen-crud: warning: held/v1/held.proto:17:3: method held.v1.Held.ListNotes: not generated: request held.v1.ListNotesRequest has `parent`, and scoping List to a parent (AIP-132, AIP-133) is not supported yet (to implement it yourself, map it with (protoforge.v1.method).operation: OPERATION_NONE); it answers Unimplemented until you implement it"
	if got := strings.TrimSpace(buf.String()); got != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, want)
	}
	if want := `"Op":"List","Request":"held.v1.ListFoldersRequest","Response":"held.v1.ListFoldersResponse","Parent":"parent","PageSize":"page_size","PageToken":"page_token","Items":"folders","NextPageToken":"next_page_token","ParentIn":"parent"`; !strings.Contains(code, want) {
		t.Errorf("generated code lacks %s", want)
	}
	// A folder, or a note, may be a folder's parent: their Delete looks
	// for the folders that name them.
	held := "\t\"HeldChildren\": [\n\t\t{\"Name\":\"held.v1.Folder\",\"Table\":\"folders\",\"Column\":\"parent\"}\n\t],"
	if n := strings.Count(code, held); n != 2 {
		t.Errorf("generated code has %d lists of held children %q; want 2 (Folder's and Note's):\n%s", n, held, code)
	}
	// A folder's Create and Update check that the parent it names, a
	// folder or a note, exists.
	parents := `"HeldParent": {"Field":"parent","Parents":[{"Name":"held.v1.Folder","Table":"folders","Pattern":"folders/{folder}","Columns":["folder"]},{"Name":"held.v1.Note","Table":"notes","Pattern":"notes/{note}","Columns":["note"]}]}`
	if !strings.Contains(code, parents) {
		t.Errorf("generated code lacks %s:\n%s", parents, code)
	}
}

// TestBatchRequestsWarnings: AIP-231's and AIP-235's requests form is
// generated; a field of the requests the generated method does not serve
// is refused, and a body-less google.api.http binding, whose query cannot
// hold the requests, is a warning.
func TestBatchRequestsWarnings(t *testing.T) {
	const src = `syntax = "proto3";

package warn.v1;

import "google/api/annotations.proto";
import "google/protobuf/empty.proto";
import "protoforge/v1/options.proto";

option go_package = "example.com/warn/v1;warnv1";

message Book {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}

service BookService {
  rpc BatchGetBooks(BatchGetBooksRequest) returns (BatchGetBooksResponse) {
    option (google.api.http) = {get: "/v1/books:batchGet"};
  }
  rpc BatchDeleteBooks(BatchDeleteBooksRequest) returns (google.protobuf.Empty);
}

message GetBookRequest {
  int64 id = 1;
}

message BatchGetBooksRequest {
  repeated GetBookRequest requests = 1;
}

message BatchGetBooksResponse {
  repeated Book books = 1;
}

message DeleteBookRequest {
  int64 id = 1;
  bool validate_only = 2;
}

message BatchDeleteBooksRequest {
  repeated DeleteBookRequest requests = 1;
}
`
	_, buf, code := generate(t, "warn/v1/warn.proto", src)
	want := []string{
		`protoc-gen-crud: warning: warn/v1/warn.proto:17:3: method warn.v1.BookService.BatchGetBooks: google.api.http binding GET /v1/books:batchGet has no body, and google.api.http maps no repeated message to query parameters: over REST its ` + "`requests`" + ` cannot be given (every call is an empty batch); bind it with body: "*" (it is served over gRPC, gRPC-Web and Connect)`,
		"protoc-gen-crud: warning: warn/v1/warn.proto:37:3: field warn.v1.DeleteBookRequest.validate_only: not used by the generated BatchDelete: a request that sets it is refused with InvalidArgument; implement BatchDeleteBooks yourself to serve it",
	}
	if got := strings.TrimSpace(buf.String()); got != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	for _, s := range []string{
		`"Requests":"requests","RequestKey":"id","Items":"books"`,
		`"Requests":"requests","RequestKey":"id","Unsupported":["requests.validate_only"]`,
		`{"Selector":"warn.v1.BookService.BatchDeleteBooks","Verb":"POST","Path":"/v1/books:batchDelete","Body":"*"}`,
	} {
		if !strings.Contains(code, s) {
			t.Errorf("the generated code lacks %s:\n%s", s, code)
		}
	}
}

// TestBatchRequestsByReference: the requests of a BatchGet or BatchDelete
// of an older API name their resource as its Get does, by a field named
// after it that refers to its type (Pub/Sub's GetTopicRequest.topic).
func TestBatchRequestsByReference(t *testing.T) {
	const src = `syntax = "proto3";

package ref.v1;

import "google/api/resource.proto";
import "google/protobuf/empty.proto";

option go_package = "example.com/ref/v1;refv1";

message Topic {
  option (google.api.resource) = {type: "pubsub.example.com/Topic" pattern: "projects/{project}/topics/{topic}"};
  string name = 1;
  string label = 2;
}

service Publisher {
  rpc GetTopic(GetTopicRequest) returns (Topic);
  rpc BatchGetTopics(BatchGetTopicsRequest) returns (BatchGetTopicsResponse);
  rpc BatchDeleteTopics(BatchDeleteTopicsRequest) returns (google.protobuf.Empty);
}

message GetTopicRequest {
  string topic = 1 [(google.api.resource_reference).type = "pubsub.example.com/Topic"];
}

message BatchGetTopicsRequest {
  repeated GetTopicRequest requests = 1;
}

message BatchGetTopicsResponse {
  repeated Topic topics = 1;
}

message DeleteTopicRequest {
  string topic = 1 [(google.api.resource_reference).type = "pubsub.example.com/Topic"];
}

message BatchDeleteTopicsRequest {
  repeated DeleteTopicRequest requests = 1;
}
`
	_, buf, code := generate(t, "ref/v1/ref.proto", src)
	if buf.Len() > 0 {
		t.Errorf("warnings:\n%s", buf.String())
	}
	for _, s := range []string{
		`"Name":"ref.v1.Publisher.BatchGetTopics","Op":"BatchGet","Request":"ref.v1.BatchGetTopicsRequest","Response":"ref.v1.BatchGetTopicsResponse","Requests":"requests","RequestName":"topic","Items":"topics"`,
		`"Name":"ref.v1.Publisher.BatchDeleteTopics","Op":"BatchDelete","Request":"ref.v1.BatchDeleteTopicsRequest","Response":"google.protobuf.Empty","Requests":"requests","RequestName":"topic"`,
	} {
		if !strings.Contains(code, s) {
			t.Errorf("the generated code lacks %s:\n%s", s, code)
		}
	}
}

const unstoredParentProto = `syntax = "proto3";
package above.v1;
option go_package = "example.com/above/v1;abovev1";
import "google/api/resource.proto";

option (google.api.resource_definition) = {type: "above.example.com/Group" pattern: "dbs/{db}/groups/{group}"};

message Db {
  option (google.api.resource) = {type: "above.example.com/Db" pattern: "dbs/{db}"};
  string name = 1;
}

message Index {
  option (google.api.resource) = {type: "above.example.com/Index" pattern: "dbs/{db}/groups/{group}/indexes/{index}"};
  string name = 1;
}
STORED
service AdminService {
  rpc GetIndex(GetIndexRequest) returns (Index);
  rpc GetDb(GetDbRequest) returns (Db);
}

message GetIndexRequest {
  string name = 1;
}

message GetDbRequest {
  string name = 1;
}
`

// TestParentStoredAbove checks a resource whose parent no message stores
// (declared by google.api.resource_definition alone, as Firestore's
// collection groups between databases and indexes): its parent table is
// the nearest stored ancestor's, keyed by the first parent ids, and that
// ancestor lists it among its children; a parent that a message stores
// stays the parent.
func TestParentStoredAbove(t *testing.T) {
	_, _, code := generate(t, "above/v1/above.proto", strings.Replace(unstoredParentProto, "STORED", "", 1))
	if !strings.Contains(code, `"Parent": {"Name":"above.v1.Db","Table":"dbs","Columns":["db"],"Above":true}`) {
		t.Errorf("an index is not under its database:\n%s", code)
	}
	if !strings.Contains(code, `{"Name":"above.v1.Index","Table":"indices","Columns":["db"]}`) {
		t.Errorf("a database does not hold its indexes:\n%s", code)
	}
	stored := `
message Group {
  option (google.api.resource) = {type: "above.example.com/Group" pattern: "dbs/{db}/groups/{group}"};
  string name = 1;
}
`
	_, _, code = generate(t, "above/v1/above.proto", strings.Replace(strings.Replace(unstoredParentProto, "STORED", stored, 1),
		`option (google.api.resource_definition) = {type: "above.example.com/Group" pattern: "dbs/{db}/groups/{group}"};`, "", 1))
	if !strings.Contains(code, `"Parent": {"Name":"above.v1.Group","Table":"groups","Columns":["db","group"],"Ancestors"`) {
		t.Errorf("an index is not under its stored group:\n%s", code)
	}
}

// TestUnwrittenHeldParent: a resource that a field of its parent holds
// (a Job's task groups) and no method writes, under which a served
// resource is named, is a warning at the field: writing the parent writes
// none of its rows, so nothing under it is found. A method of its own, or
// no served child, leaves the field unwarned.
func TestUnwrittenHeldParent(t *testing.T) {
	src := func(extra string) string {
		return `syntax = "proto3";
package jobs.v1;
import "google/api/resource.proto";
option go_package = "example.com/jobs/v1;jobsv1";
message Job {
  option (google.api.resource) = {type: "jobs.example.com/Job" pattern: "jobs/{job}"};
  string name = 1;
  repeated Group groups = 2;
  Group main = 3;
}
message Group {
  option (google.api.resource) = {type: "jobs.example.com/Group" pattern: "jobs/{job}/groups/{group}"};
  string name = 1;
}
message Step {
  option (google.api.resource) = {type: "jobs.example.com/Step" pattern: "jobs/{job}/groups/{group}/steps/{step}"};
  string name = 1;
}
service Jobs {
  rpc GetJob(GetRequest) returns (Job);
` + extra + `}
message GetRequest { string name = 1; }
`
	}
	_, buf, _ := generate(t, "jobs/v1/jobs.proto", src("  rpc GetStep(GetRequest) returns (Step);\n"))
	got := buf.String()
	for _, want := range []string{
		"jobs/v1/jobs.proto:8:3: field jobs.v1.Job.groups: holds jobs.v1.Group, the parent of jobs.v1.Step, as JSON in the row of its Job: writing a Job neither names the Groups it holds nor writes them as rows of groups, and no method writes one, so the methods of Step find no Group (NotFound) until your code writes those rows (GroupModel)\n",
		"jobs/v1/jobs.proto:9:3: field jobs.v1.Job.main: holds jobs.v1.Group, the parent of jobs.v1.Step",
	} {
		assert.Contains(t, got, want)
	}
	for _, extra := range []string{"", "  rpc GetStep(GetRequest) returns (Step);\n  rpc GetGroup(GetRequest) returns (Group);\n"} {
		_, buf, _ := generate(t, "jobs/v1/jobs.proto", src(extra))
		assert.NotContains(t, buf.String(), "holds jobs.v1.Group", "served: %q", extra)
	}
}
