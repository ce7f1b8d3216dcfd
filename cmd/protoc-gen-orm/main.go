// Command protoc-gen-orm is a protoc plugin that generates GORM models from
// protobuf messages marked with the (protoforge.v1.model) option.
//
// For every .proto file that declares models it writes `<file>.orm.go` into
// the Go package of the file's `.pb.go`, holding for each model:
//
//   - `type <Message>Model struct` with gorm tags and `TableName()`,
//   - `func (*<Message>) ToModel() (*<Message>Model, error)` and
//     `func (*<Message>Model) ToProto() (*<Message>, error)`, lossless
//     conversions that refuse, naming the field, what a column cannot hold,
//   - a `BeforeSave` hook that refuses values the connected database would
//     store changed (NUL in PostgreSQL text, NaN in MySQL, …),
//   - `PreloadAssociations` for models that hold other models.
//
// Generated code calls github.com/protoforge/protoforge/ormrt.
//
// Install:
//
//	go install github.com/protoforge/protoforge/cmd/protoc-gen-orm@latest
//
// With buf, next to protoc-gen-go (buf.gen.yaml, version v2):
//
//	plugins:
//	  - local: protoc-gen-go
//	    out: gen
//	    opt: paths=source_relative
//	  - local: protoc-gen-orm
//	    out: gen
//	    opt: paths=source_relative
//
// With protoc:
//
//	protoc -I proto --go_out=gen --go_opt=paths=source_relative \
//	  --orm_out=gen --orm_opt=paths=source_relative library/v1/book.proto
//
// Parameters are those of protoc-gen-go: `paths=import|source_relative`,
// `module=<prefix>` and `M<file>=<go import path>`.
//
// Next to the Go, per package, it writes the declarative schema
// (`schema/postgres.sql`, `schema/mysql.sql`, `schema/sqlite.sql`) and the
// snapshot `schema/schema.json`, from which the command
//
//	protoc-gen-orm migrate diff --schema gen/library/v1/schema/schema.json --dir migrations --name add_rank
//
// writes versioned up and down migrations for the three dialects
// (`protoc-gen-orm migrate --help`).
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"google.golang.org/protobuf/compiler/protogen"

	"github.com/protoforge/protoforge/internal/gen/orm"
	"github.com/protoforge/protoforge/internal/migrate"
)

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "-version") {
		fmt.Println("protoc-gen-orm", version())
		return
	}
	if len(os.Args) >= 2 && os.Args[1] == "migrate" {
		os.Exit(migrate.Main(os.Args[2:], os.Stdout, os.Stderr))
	}
	if len(os.Args) >= 2 {
		fmt.Fprintln(os.Stderr, "protoc-gen-orm is a protoc plugin: run it through protoc or buf generate.")
		fmt.Fprintln(os.Stderr, "As a command: protoc-gen-orm migrate diff|check (see protoc-gen-orm migrate --help).")
		if os.Args[1] == "--help" || os.Args[1] == "-h" {
			return
		}
		os.Exit(2)
	}
	orm.Version = version()
	protogen.Options{}.Run(orm.Run)
}

// version is the module version the binary was built from, or "(devel)".
func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
