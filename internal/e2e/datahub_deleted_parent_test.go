package e2e_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"gorm.io/gorm"

	datahubv1 "github.com/protoforge/protoforge/internal/e2e/gen/datahub/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestWritesUnderDeletedParent: while a parent is soft-deleted (AIP-164),
// nothing under it comes to life or changes: Undelete of a child is
// FailedPrecondition RESOURCE_DELETED naming the parent, as Create under
// it is (it made a live child under a deleted parent, which Delete
// refuses to leave), and so is Update of the parent's singleton
// (AIP-156), written before or not, which stays with the parent as it
// is. Once the parent is undeleted both succeed. On every database and
// protocol.
func TestWritesUnderDeletedParent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, cs := serveDatahub(t, db)
		ctx := context.Background()
		g := cs["grpc"]
		datahubFixture(t, g)
		const p1, d1 = "organizations/o1/projects/p1", "organizations/o1/projects/p1/datasets/d1"
		_, err := g.UpdateProjectConfig(ctx, &datahubv1.UpdateProjectConfigRequest{ProjectConfig: &datahubv1.ProjectConfig{Name: p1 + "/config", MaxDatasets: 3}})
		require.NoError(t, err)
		_, err = g.DeleteDataset(ctx, &datahubv1.DeleteDatasetRequest{Name: d1})
		require.NoError(t, err)
		_, err = g.DeleteProject(ctx, &datahubv1.DeleteProjectRequest{Name: p1})
		require.NoError(t, err, "its only child is deleted")
		_, err = g.DeleteProject(ctx, &datahubv1.DeleteProjectRequest{Name: "organizations/o1/projects/p2"})
		require.NoError(t, err)

		for p, c := range cs {
			_, err := c.UndeleteDataset(ctx, &datahubv1.UndeleteDatasetRequest{Name: d1})
			r := refusalOf(t, err)
			assert.Equal(t, codes.FailedPrecondition, r.code, "Undelete over %s: %s", p, r.msg)
			assert.Contains(t, r.msg, `"`+p1+`" is deleted`, p)
			for _, name := range []string{p1 + "/config", "organizations/o1/projects/p2/config"} {
				_, err = c.UpdateProjectConfig(ctx, &datahubv1.UpdateProjectConfigRequest{ProjectConfig: &datahubv1.ProjectConfig{Name: name, MaxDatasets: 9}})
				r = refusalOf(t, err)
				assert.Equal(t, codes.FailedPrecondition, r.code, "Update of %s over %s: %s", name, p, r.msg)
			}
		}
		ds, err := g.GetDataset(ctx, &datahubv1.GetDatasetRequest{Name: d1})
		require.NoError(t, err)
		assert.NotNil(t, ds.GetDeleteTime(), "still deleted")
		cfg, err := g.GetProjectConfig(ctx, &datahubv1.GetProjectConfigRequest{Name: p1 + "/config"})
		require.NoError(t, err)
		assert.EqualValues(t, 3, cfg.GetMaxDatasets(), "as it was")
		cfg, err = g.GetProjectConfig(ctx, &datahubv1.GetProjectConfigRequest{Name: "organizations/o1/projects/p2/config"})
		require.NoError(t, err)
		assert.Zero(t, cfg.GetMaxDatasets(), "never written")

		_, err = g.UndeleteProject(ctx, &datahubv1.UndeleteProjectRequest{Name: p1})
		require.NoError(t, err)
		ds, err = g.UndeleteDataset(ctx, &datahubv1.UndeleteDatasetRequest{Name: d1})
		require.NoError(t, err)
		assert.Nil(t, ds.GetDeleteTime())
		cfg, err = g.UpdateProjectConfig(ctx, &datahubv1.UpdateProjectConfigRequest{ProjectConfig: &datahubv1.ProjectConfig{Name: p1 + "/config", MaxDatasets: 9}})
		require.NoError(t, err)
		assert.EqualValues(t, 9, cfg.GetMaxDatasets())
	})
}
