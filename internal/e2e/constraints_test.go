package e2e_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	kindsv1 "github.com/protoforge/protoforge/internal/e2e/gen/kinds/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestSchemaConstraints checks that the declarative schema enforces the
// validation rules it derives (lengths, ranges, enum membership, unsigned
// ranges) on every database, and nothing more: a valid row is accepted.
func TestSchemaConstraints(t *testing.T) {
	valid := func() *kindsv1.Constrained {
		return &kindsv1.Constrained{Title: "ok", Age: 30, Color: kindsv1.Color_COLOR_RED, Quota: 1000, Ratio: 0.5, Loose: 3, Code: "abc"}
	}
	cases := []struct {
		name   string
		mutate func(*kindsv1.Constrained)
	}{
		{"title shorter than min_len", func(c *kindsv1.Constrained) { c.Title = "" }},
		{"title longer than max_len", func(c *kindsv1.Constrained) { c.Title = strings.Repeat("é", 51) }},
		{"age below gte", func(c *kindsv1.Constrained) { c.Age = -1 }},
		{"age above lte", func(c *kindsv1.Constrained) { c.Age = 151 }},
		{"enum value not defined", func(c *kindsv1.Constrained) { c.Color = 9 }},
		{"uint64 above lte (PGV)", func(c *kindsv1.Constrained) { c.Quota = 2000 }},
		{"uint64 far above lte", func(c *kindsv1.Constrained) { c.Quota = 1<<63 + 5 }},
		{"double at exclusive bound", func(c *kindsv1.Constrained) { c.Ratio = 1 }},
		{"string shorter than len (PGV)", func(c *kindsv1.Constrained) { c.Code = "ab" }},
		{"string longer than len (PGV)", func(c *kindsv1.Constrained) { c.Code = "abcd" }},
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		migrate(t, db)
		m, err := valid().ToModel()
		require.NoError(t, err)
		require.NoError(t, db.Create(m).Error, "a valid row")
		back := &kindsv1.ConstrainedModel{}
		require.NoError(t, db.Take(back, m.Id).Error)

		edge := valid()
		edge.Title, edge.Age, edge.Quota = strings.Repeat("é", 50), 150, 0
		m, err = edge.ToModel()
		require.NoError(t, err)
		require.NoError(t, db.Create(m).Error, "bounds are inclusive where the rule says so")

		noCheck := valid()
		noCheck.Loose = -100
		m, err = noCheck.ToModel()
		require.NoError(t, err)
		assert.NoError(t, db.Create(m).Error, "no_check keeps the rule out of the schema")

		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				msg := valid()
				c.mutate(msg)
				m, err := msg.ToModel()
				require.NoError(t, err)
				assert.Error(t, db.Create(m).Error, "the database must refuse it")
			})
		}
	})
}
