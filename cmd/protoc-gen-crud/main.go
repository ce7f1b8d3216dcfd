// Command protoc-gen-crud is a protoc plugin that implements the AIP
// standard methods of services whose messages are protoforge models.
//
// For a service such as
//
//	service BookService {
//	  rpc GetBook(GetBookRequest) returns (Book);
//	  rpc ListBooks(ListBooksRequest) returns (ListBooksResponse);
//	  rpc CreateBook(CreateBookRequest) returns (Book);
//	  rpc UpdateBook(UpdateBookRequest) returns (Book);
//	  rpc DeleteBook(DeleteBookRequest) returns (google.protobuf.Empty);
//	}
//
// it writes `<file>.crud.go` with `type BookServiceCRUD struct`, built by
// `NewBookServiceCRUD(db *gorm.DB, opts ...crudrt.Option)`, whose methods
// have the plain signatures `func(ctx, *Req) (*Res, error)` that grpc-go
// servers and connect-go's simple-mode handlers share. Methods are
// recognised by AIP name and request shape (AIP-131 to 135, 164), or by
// (protoforge.v1.method).operation; a recognised name with the wrong shape
// is a generation error. Other methods are left to the user: the generated
// type answers each unary one Unimplemented (HTTP 501 over REST), and the
// plugin prints a warning per method with its file:line:col and why it was
// not generated. Embed BookServiceCRUD in your own type to implement them,
// or to override standard ones.
//
// It runs next to protoc-gen-go, protoc-gen-go-grpc, protoc-gen-orm and
// (optionally) protoc-gen-connect-go with `simple`:
//
//	plugins:
//	  - local: protoc-gen-crud
//	    out: gen
//	    opt: paths=source_relative
//
// As a command, `protoc-gen-crud scaffold --proto FILE --model NAME`
// writes the AIP service definition of a model (the service and its
// request and response messages), ready to generate from.
//
// Parameters: those of protoc-gen-go (`paths`, `module`, `M`),
// `grpc=false` to not embed grpc-go's Unimplemented<Service>Server (for
// projects without protoc-gen-go-grpc), `strict=true` to make the
// warnings errors (a method left to the user, or nothing to generate), and
// `stores=auto|all|none`, which generated types have a typed store
// accessor per resource (`BookStore()`): by default (`auto`) those of
// services with methods left to the user, where custom methods are
// written; `all` every type, `none` none. Every generated type has
// `CRUDServices()`, from which `crudrt.StoreOf[*Book](impl)` gives the
// same store anywhere; an accessor costs the package's compilation an
// instantiation of crudrt.Store whether it is called or not.
//
// Files may be proto2, proto3, or of editions 2023 and 2024, with what
// protoc-gen-orm asks of editions files (see its manual): implicit presence
// for an implicit key, and `option features.(pb.go).api_level = API_HYBRID;`
// (or API_OPEN) in edition 2024.
package main

import (
	"flag"
	"io"
	"os"

	"google.golang.org/protobuf/compiler/protogen"

	"github.com/protoforge/protoforge/internal/gen/crud"
	"github.com/protoforge/protoforge/internal/gen/plugin"
	"github.com/protoforge/protoforge/internal/gen/scaffold"
)

func main() { plugin.Main(newPlugin(os.Stderr)) }

// newPlugin is protoc-gen-crud with its parameters, printing warnings to
// warnings.
func newPlugin(warnings io.Writer) plugin.Plugin {
	var flags flag.FlagSet
	grpc := flags.Bool("grpc", true, "embed Unimplemented<Service>Server of protoc-gen-go-grpc")
	strict := flags.Bool("strict", false, "treat warnings (methods left to the user, nothing to generate) as errors")
	var stores crud.Stores
	flags.Var(&stores, "stores", "which generated types have <Model>Store() accessors: auto (services with methods left to the user), all, none")
	return plugin.Plugin{
		Name:  "protoc-gen-crud",
		Flags: &flags,
		Commands: []plugin.Command{{
			Name:  "scaffold",
			Usage: "scaffold --proto FILE --model NAME (writes a model's AIP service)",
			Main:  scaffold.Main,
		}},
		Generate: func(gen *protogen.Plugin) error {
			return crud.Run(crud.Params{GRPC: *grpc, Strict: *strict, Stores: stores, Warnings: warnings})(gen)
		},
	}
}
