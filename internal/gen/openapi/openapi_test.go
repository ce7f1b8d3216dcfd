package openapi_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/protoforge/protoforge/internal/gen/gentest"
)

// TestCommittedDocumentsValidate loads every OpenAPI document protoc-gen-crud
// wrote into the repository (golden cases, the public AIP protos, the
// example, the end-to-end packages) and validates it as OpenAPI 3.1.
func TestCommittedDocumentsValidate(t *testing.T) {
	root := gentest.RepoRoot()
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "_runs" || d.Name() == "node_modules") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".openapi.json") {
			return nil
		}
		n++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		doc, err := openapi3.NewLoader().LoadFromData(b)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		if doc.OpenAPI != "3.1.0" {
			t.Errorf("%s: openapi %q, want 3.1.0", path, doc.OpenAPI)
		}
		if err := doc.Validate(context.Background()); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		if len(doc.Paths.Map()) == 0 {
			t.Errorf("%s: no paths", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("found %d documents; the golden cases, the public protos and the example have more", n)
	}
}
