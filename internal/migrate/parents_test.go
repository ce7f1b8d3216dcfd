package migrate_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/internal/migrate"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestParentTypeGained: a resource under a shelf that gains a pattern
// under a counter, a parent of another type (AIP-123), gains a foreign key
// to each type; the id column of the shelves' key is filled from the rows'
// shelf before the key is added, so that the rows written before are held
// by it too. Applied up, down and up on every database.
func TestParentTypeGained(t *testing.T) {
	const imports = "import \"google/api/resource.proto\";\n\n"
	msgs := func(patterns ...string) string {
		label := ""
		for _, p := range patterns {
			label += ` pattern: "` + p + `/labels/{label}"`
		}
		return imports +
			"message Shelf {\n  option (google.api.resource) = {type: \"shop.example.com/Shelf\" pattern: \"shelves/{shelf}\"};\n  string name = 1;\n}\n\n" +
			"message Counter {\n  option (google.api.resource) = {type: \"shop.example.com/Counter\" pattern: \"counters/{counter}\"};\n  string name = 1;\n}\n\n" +
			"message Label {\n  option (google.api.resource) = {type: \"shop.example.com/Label\"" + label + "};\n  string name = 1;\n}\n"
	}
	one, two := msgs("shelves/{shelf}"), msgs("shelves/{shelf}", "counters/{counter}")
	p := newProject(t)
	p.start(t, one)
	p.generate(t, two)
	// The key columns narrow to fit the wider key on MySQL/MariaDB.
	out, err := p.diff("counters", migrate.Options{Force: true})
	require.NoError(t, err, "%s", out)
	assert.Contains(t, out, "~ fill labels.parent_shelf from shelf, in the rows under a row of shelves")
	up := p.read(t, "postgres/000002_counters.up.sql")
	fill, key := strings.Index(up, `UPDATE "labels" AS t SET "parent_shelf" = t."shelf"`), strings.Index(up, `CONSTRAINT "fk_labels_parent_shelf" FOREIGN KEY`)
	assert.True(t, fill >= 0 && key > fill, "the foreign key is added after the fill:\n%s", up)

	dir := gooseSteps(t, migrate.Options{Force: true}, one, two)
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		g := gooseProvider(t, db, dir)
		_, err := g.UpTo(ctx, 1)
		require.NoError(t, err)
		require.NoError(t, db.Exec("INSERT INTO shelves (shelf) VALUES ('a')").Error)
		require.NoError(t, db.Exec("INSERT INTO labels (shelf, label) VALUES ('a', 'l1')").Error)
		for range 2 {
			_, err = g.Up(ctx)
			require.NoError(t, err)
			var held *string
			require.NoError(t, db.Raw("SELECT parent_shelf FROM labels WHERE label = 'l1'").Scan(&held).Error)
			require.NotNil(t, held, "filled")
			assert.Equal(t, "a", *held)
			assert.Error(t, db.Exec("DELETE FROM shelves").Error, "the key holds the row written before")
			require.NoError(t, db.Exec("INSERT INTO counters (counter) VALUES ('c')").Error)
			require.NoError(t, db.Exec("INSERT INTO labels (shelf, counter, label, parent_counter) VALUES ('', 'c', 'l1', 'c')").Error)
			assert.Error(t, db.Exec("INSERT INTO labels (shelf, counter, label, parent_counter) VALUES ('', 'nope', 'l1', 'nope')").Error, "a counter that does not exist")
			// Down drops the counters' rows first: the labels of one
			// parent type stay.
			require.NoError(t, db.Exec("DELETE FROM labels WHERE counter <> ''").Error)
			require.NoError(t, db.Exec("DELETE FROM counters").Error)
			_, err = g.DownTo(ctx, 1)
			require.NoError(t, err)
		}
	})
}
