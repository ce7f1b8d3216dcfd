package e2e_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	unpagedv1 "github.com/protoforge/protoforge/internal/e2e/gen/unpaged/v1"
)

// TestUnpagedList serves a List without pagination fields (AIP-158's
// page_size, page_token, next_page_token), as Firestore Admin's
// ListDatabases has, over gRPC and REST on every database: it answers the
// parent's whole collection in one response, show_deleted included, and a
// collection larger than the largest page (WithPageSizes, here 3) is
// ResourceExhausted naming the bound, never a response cut short.
func TestUnpagedList(t *testing.T) {
	serveGenerated(t, "unpaged/v1", func(gs *grpc.Server, db *gorm.DB) {
		unpagedv1.RegisterDatabaseServiceServer(gs, unpagedv1.NewDatabaseServiceCRUD(db, crudrt.WithPageSizes(2, 3)))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		unpagedScenario(t, unpagedv1.NewDatabaseServiceClient(cc), tag)
	})
}

func unpagedScenario(t *testing.T, c unpagedv1.DatabaseServiceClient, tag string) {
	ctx := context.Background()
	project := "projects/p-" + tag
	list := func(showDeleted bool) ([]string, error) {
		r, err := c.ListDatabases(ctx, &unpagedv1.ListDatabasesRequest{Parent: project, ShowDeleted: showDeleted})
		return namesOf(r.GetDatabases()), err
	}
	var names []string
	for _, id := range []string{"a", "b", "c"} {
		d, err := c.CreateDatabase(ctx, &unpagedv1.CreateDatabaseRequest{Parent: project, DatabaseId: id, Database: &unpagedv1.Database{LocationId: "eu"}})
		require.NoError(t, err)
		names = append(names, d.Name)
	}
	got, err := list(false)
	require.NoError(t, err)
	assert.Equal(t, names, got, "more than the default page, up to the largest")
	other, err := c.ListDatabases(ctx, &unpagedv1.ListDatabasesRequest{Parent: "projects/other-" + tag})
	require.NoError(t, err)
	assert.Empty(t, other.Databases)

	_, err = c.DeleteDatabase(ctx, &unpagedv1.DeleteDatabaseRequest{Name: names[1]})
	require.NoError(t, err)
	got, err = list(false)
	require.NoError(t, err)
	assert.Equal(t, []string{names[0], names[2]}, got)
	got, err = list(true)
	require.NoError(t, err)
	assert.Equal(t, names, got, "show_deleted")

	// One more than the bound: the whole collection or an error.
	_, err = c.CreateDatabase(ctx, &unpagedv1.CreateDatabaseRequest{Parent: project, DatabaseId: "d", Database: &unpagedv1.Database{}})
	require.NoError(t, err)
	got, err = list(false)
	require.NoError(t, err)
	assert.Len(t, got, 3, "three live")
	_, err = list(true)
	assert.Equal(t, codes.ResourceExhausted, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "unpaged.v1.DatabaseService.ListDatabases has no pagination (AIP-158) and answers at most 3 resources in one response; \""+project+"\" holds more")
}
