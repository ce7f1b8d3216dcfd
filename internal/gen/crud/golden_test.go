package crud_test

import (
	"flag"
	"testing"

	"github.com/protoforge/protoforge/internal/gen/crud"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	// The drivers of TestGoldenRuns link goldenrun and the runtime; so
	// does the test binary, so that go test's cached result is dropped
	// when they change.
	_ "github.com/protoforge/protoforge/internal/gen/gentest/goldenrun"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func golden() gentest.Golden {
	return gentest.Golden{
		Dir:    "testdata",
		Module: "github.com/protoforge/protoforge/internal/gen/crud/testdata",
		Run:    crud.Run(crud.Params{GRPC: true}),
		Suffix: ".crud.go",
		Companions: [][]string{
			{"go", "tool", "protoc-gen-go"},
			{"go", "tool", "protoc-gen-go-grpc"},
			{"go", "run", "./cmd/protoc-gen-orm"},
		},
		Update: *update,
	}
}

// TestGolden runs protoc-gen-crud on every case under testdata/.
func TestGolden(t *testing.T) { golden().Test(t) }

// TestGoldenCompiles vets the golden output packages, which hold the
// companion plugins' output too.
func TestGoldenCompiles(t *testing.T) { golden().Compiles(t) }

// TestGoldenRuns exercises the golden output on SQLite, PostgreSQL and
// MariaDB: the schema, the ORM round trip of every model and the standard
// methods of every generated service.
func TestGoldenRuns(t *testing.T) { golden().Runs(t) }
