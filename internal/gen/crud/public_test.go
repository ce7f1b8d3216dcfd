package crud_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/protoforge/protoforge/internal/gen/crud"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

// TestPublicAIPProtos generates AIP protos written by others, unchanged
// (testdata/public): generation never fails on them, and every resource
// and method it leaves out is a warning with its position and reason,
// compared with the .warnings file of each.
func TestPublicAIPProtos(t *testing.T) {
	dir := filepath.Join("testdata", "public")
	for name, files := range map[string][]string{
		"google-library": {"google/example/library/v1/library.proto"},
		"einride-freight": {"einride/example/freight/v1/freight_service.proto", "einride/example/freight/v1/shipment.proto",
			"einride/example/freight/v1/shipper.proto", "einride/example/freight/v1/site.proto"},
	} {
		t.Run(name, func(t *testing.T) {
			// Einride's files leave go_package to buf's managed mode.
			var params []string
			for _, f := range files {
				if strings.HasPrefix(f, "einride/") {
					params = append(params, "M"+f+"=example.com/einride/freight/v1;freightv1")
				}
			}
			req, err := gentest.Request(dir, files, strings.Join(params, ","))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			res, err := gentest.Run(req, crud.Run(crud.Params{GRPC: true, Warnings: &buf}))
			if err != nil || res.GetError() != "" {
				t.Fatalf("protoc-gen-crud failed: %v %s", err, res.GetError())
			}
			if res, err := gentest.Run(req, orm.Run); err != nil || res.GetError() != "" {
				t.Fatalf("protoc-gen-orm failed: %v %s", err, res.GetError())
			}
			golden := filepath.Join(dir, name+".warnings")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if buf.String() != string(want) {
				t.Errorf("warnings differ from %s (run with -update and review the diff):\n%s", golden, buf.String())
			}
			if name == "google-library" && !strings.Contains(buf.String(), "MoveBook: custom method") {
				t.Errorf("no warning for the custom method MoveBook, which protoforge leaves out")
			}
		})
	}
}
