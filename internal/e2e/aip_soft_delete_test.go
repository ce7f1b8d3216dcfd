package e2e_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"

	aipsoftv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_soft_delete/want/aipsoftv1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestAIPSoftDeleteWithoutOption: a model with an AIP-164 delete_time is
// soft-deleted without protoforge's option, and its purge_time is the
// server's: clients cannot set it on Create or Update, Undelete clears it.
func TestAIPSoftDeleteWithoutOption(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/aip_soft_delete/want/aipsoftv1/schema", db.Dialector.Name()+".sql"))
		s := aipsoftv1.NewShelfServiceCRUD(db)
		ctx := context.Background()
		then := timestamppb.New(timestamppb.Now().AsTime().AddDate(1, 0, 0))
		sh, err := s.CreateShelf(ctx, &aipsoftv1.CreateShelfRequest{Shelf: &aipsoftv1.Shelf{Theme: "poetry", PurgeTime: then, DeleteTime: then}})
		require.NoError(t, err)
		assert.Nil(t, sh.PurgeTime, "purge_time is the server's")
		assert.Nil(t, sh.DeleteTime, "delete_time is the server's")
		sh, err = s.UpdateShelf(ctx, &aipsoftv1.UpdateShelfRequest{Shelf: &aipsoftv1.Shelf{Id: sh.Id, PurgeTime: then}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"purge_time"}}})
		require.NoError(t, err)
		assert.Nil(t, sh.PurgeTime, "a mask of purge_time writes nothing")

		d, err := s.DeleteShelf(ctx, &aipsoftv1.DeleteShelfRequest{Id: sh.Id})
		require.NoError(t, err)
		assert.NotNil(t, d.DeleteTime, "soft-deleted")
		list, err := s.ListShelves(ctx, &aipsoftv1.ListShelvesRequest{})
		require.NoError(t, err)
		assert.Empty(t, list.Shelves, "List hides it")
		list, err = s.ListShelves(ctx, &aipsoftv1.ListShelvesRequest{ShowDeleted: true})
		require.NoError(t, err)
		assert.Len(t, list.Shelves, 1)
		u, err := s.UndeleteShelf(ctx, &aipsoftv1.UndeleteShelfRequest{Id: sh.Id})
		require.NoError(t, err)
		assert.Nil(t, u.DeleteTime)
		assert.Nil(t, u.PurgeTime)
	})
}
