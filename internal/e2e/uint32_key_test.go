package e2e_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	filesv1 "github.com/protoforge/protoforge/internal/gen/orm/testdata/set_null_checks/want/filesv1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestUint32KeyZero stores a model keyed by a uint32, which never
// auto-increments, with the key 0 and the largest key through GORM on
// every database: both are stored as given, and a second 0 is a
// duplicate (GORM numbers a zero integer key unless the tag says
// autoIncrement:false).
func TestUint32KeyZero(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/orm/testdata/set_null_checks/want/filesv1/schema", db.Dialector.Name()+".sql"))
		for _, id := range []uint32{0, 4294967295} {
			require.NoError(t, db.Create(&filesv1.DrawerModel{Number: id}).Error, "number %d", id)
			var got filesv1.DrawerModel
			require.NoError(t, db.First(&got, "number = ?", id).Error, "number %d", id)
			assert.Equal(t, id, got.Number)
		}
		var n int64
		require.NoError(t, db.Model(&filesv1.DrawerModel{}).Count(&n).Error)
		assert.Equal(t, int64(2), n)
		assert.Error(t, db.Create(&filesv1.DrawerModel{Number: 0}).Error, "a second 0 is the same key")
	})
}
