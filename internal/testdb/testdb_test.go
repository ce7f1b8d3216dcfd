package testdb_test

import (
	"github.com/protoforge/protoforge/internal/testdb"
	"gorm.io/gorm"
	"testing"
)

func TestOpen(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		var n int
		if err := db.Raw("SELECT 1+1").Scan(&n).Error; err != nil || n != 2 {
			t.Fatal(err, n)
		}
	})
}
