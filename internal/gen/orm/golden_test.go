package orm_test

import (
	"flag"
	"testing"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	// The drivers of TestGoldenRuns link goldenrun and the runtime; so
	// does the test binary, so that go test's cached result is dropped
	// when they change.
	_ "github.com/protoforge/protoforge/internal/gen/gentest/goldenrun"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func golden() gentest.Golden {
	return gentest.Golden{
		Dir:        "testdata",
		Module:     "github.com/protoforge/protoforge/internal/gen/orm/testdata",
		Run:        orm.Run,
		Suffix:     ".orm.go",
		Companions: [][]string{{"go", "tool", "protoc-gen-go"}},
		Update:     *update,
	}
}

// TestGolden runs protoc-gen-orm on every case under testdata/. With
// -update it rewrites want/ (with protoc-gen-go's output, so that the case
// compiles) or error.txt.
func TestGolden(t *testing.T) { golden().Test(t) }

// TestGoldenCompiles vets the golden output packages.
func TestGoldenCompiles(t *testing.T) { golden().Compiles(t) }

// TestGoldenRuns applies the golden schemas on SQLite, PostgreSQL and
// MariaDB and round-trips a valid message of every model through them.
func TestGoldenRuns(t *testing.T) { golden().Runs(t) }
