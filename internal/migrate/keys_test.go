package migrate_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/protoforge/protoforge/internal/migrate"
)

// TestRetargetedKey: a kept table's key that references the table of
// another message is dropped and added again, and the plan says so, even
// when that table takes the name of the one the key referenced (the
// scenario dropped_table_name_taken applies it with rows).
func TestRetargetedKey(t *testing.T) {
	writer := func(table string) string {
		return "message Writer {\n  option (protoforge.v1.model) = {" + table + "};\n\n  int64 id = 1;\n}\n\n"
	}
	bookOf := func(ref string) string {
		return book("  int64 id = 1;\n  optional int64 author_id = 2 [(protoforge.v1.field) = {references: \"" + ref + "\"}];\n")
	}
	p := newProject(t)
	p.start(t, modelMsg("Author", "  int64 id = 1;\n")+writer("")+bookOf("Author"))
	p.generate(t, writer(`table: "authors"`)+bookOf("Writer"))
	out, err := p.diff("writers", migrate.Options{AllowDrop: true})
	require.NoError(t, err, "%s", out)
	assert.Contains(t, out, "~ foreign key fk_books_author_id on books: references authors (shop.v1.Writer), not authors (shop.v1.Author)\n")
	for _, f := range []string{"postgres", "mysql", "sqlite"} {
		assert.Regexp(t, "(?s)REFERENCES [`\"]authors[`\"]", p.read(t, f+"/000002_writers.up.sql"), f)
		assert.Regexp(t, "(?s)REFERENCES [`\"]authors_pf_tmp[`\"]", p.read(t, f+"/000002_writers.down.sql"), f)
	}
}
