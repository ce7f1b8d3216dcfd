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
// Files may be proto2, proto3, or of editions 2023 and 2024. Under editions
// a field has explicit presence unless `features.field_presence = IMPLICIT`
// says otherwise, which the implicit `int64 id` key needs; and
// protoc-gen-go writes edition 2024 files with the Opaque API, whose fields
// the generated conversions do not reach: such files set
// `option features.(pb.go).api_level = API_HYBRID;` (or API_OPEN). A file
// that misses either is refused with its line and the fix.
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
	"github.com/protoforge/protoforge/internal/gen/orm"
	"github.com/protoforge/protoforge/internal/gen/plugin"
	"github.com/protoforge/protoforge/internal/migrate"
)

func main() {
	plugin.Main(plugin.Plugin{
		Name: "protoc-gen-orm",
		Commands: []plugin.Command{{
			Name:  "migrate",
			Usage: "migrate diff|check (see protoc-gen-orm migrate --help)",
			Main:  migrate.Main,
		}},
		Generate: orm.Run,
	})
}
