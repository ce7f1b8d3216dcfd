package crudrt

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHeldParentCond: the condition of a List under a parent held in a
// field: the name itself, or with "-" for its last id (AIP-159) the names
// of one more segment after the same ones; "-" for an earlier id is
// InvalidArgument naming parent.
func TestHeldParentCond(t *testing.T) {
	c := &column{Column: &Column{}, quoted: `"parent"`}
	s := &Service{res: &Resource{HeldParent: &HeldParent{Parents: []Reference{
		{Name: "t.v1.Location", Pattern: "projects/{project}/locations/{location}", Columns: []string{"project", "id"}},
		{Name: "t.v1.Folder", Pattern: "folders/{folder}", Columns: []string{"id"}},
	}}}, heldParent: c}

	cond, err := s.heldParentCond(c, "folders/7")
	require.NoError(t, err)
	assert.Equal(t, `"parent" = ?`, cond.SQL)
	assert.Equal(t, []any{"folders/7"}, cond.Args)

	cond, err = s.heldParentCond(c, "projects/p/locations/-")
	require.NoError(t, err)
	assert.Equal(t, `"parent" > ? AND "parent" < ? AND LENGTH("parent") - LENGTH(REPLACE("parent", '/', '')) = ?`, cond.SQL)
	assert.Equal(t, []any{"projects/p/locations/", "projects/p/locations0", 3}, cond.Args)

	// Another API's name is the name itself, "-" or not.
	cond, err = s.heldParentCond(c, "billingAccounts/-")
	require.NoError(t, err)
	assert.Equal(t, []any{"billingAccounts/-"}, cond.Args)

	for _, parent := range []string{"projects/-/locations/-", "projects/-/locations/l"} {
		_, err = s.heldParentCond(c, parent)
		var e *Error
		require.ErrorAs(t, err, &e, parent)
		assert.Equal(t, `invalid request: parent: "`+parent+`": in a parent held in a field, "-" (AIP-159) stands for the last id only, to read across the parents of that type`, e.ce.Message())
	}
}
