package ormrt_test

import (
	"errors"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

type bigRow struct {
	ID int64      `gorm:"primaryKey;autoIncrement:false"`
	S  string     `gorm:"type:longtext;not null" protoforge:"pkg.Big.s"`
	B  []byte     `gorm:"type:longblob" protoforge:"pkg.Big.b"`
	J  ormrt.JSON `gorm:"type:longtext" protoforge:"pkg.Big.j"`
}

func (r *bigRow) BeforeSave(tx *gorm.DB) error { return ormrt.CheckModel(tx, r) }

// TestMySQLMaxPacket: on MySQL/MariaDB, a text, bytes or JSON value longer
// than the server's max_allowed_packet, which no statement can carry, is
// refused by CheckModel with a FieldError naming it, and nothing is
// written (the server would refuse it, or close the connection); a value
// just under it is stored and read back whole.
func TestMySQLMaxPacket(t *testing.T) {
	db := testdb.Open(t, testdb.MySQL)
	if err := db.AutoMigrate(&bigRow{}); err != nil {
		t.Fatal(err)
	}
	var limit int
	if err := db.Raw("SELECT @@max_allowed_packet").Row().Scan(&limit); err != nil {
		t.Fatal(err)
	}
	under := strings.Repeat("a", limit-4096)
	if err := db.Create(&bigRow{ID: 1, S: under}).Error; err != nil {
		t.Fatalf("a value of %d bytes, under max_allowed_packet (%d): %v", len(under), limit, err)
	}
	var got bigRow
	if err := db.First(&got, 1).Error; err != nil || got.S != under {
		t.Fatalf("read back: %d bytes, %v", len(got.S), err)
	}
	over := strings.Repeat("a", limit+1)
	for field, row := range map[string]*bigRow{
		"pkg.Big.s": {ID: 2, S: over},
		"pkg.Big.b": {ID: 3, B: []byte(over)},
		"pkg.Big.j": {ID: 4, J: ormrt.JSON(`"` + over + `"`)},
	} {
		err := db.Create(row).Error
		var fe *ormrt.FieldError
		if !errors.As(err, &fe) || fe.Field != field || !strings.Contains(err.Error(), "max_allowed_packet") {
			t.Errorf("%s of %d bytes: %v, want a FieldError naming it", field, limit+1, err)
		}
	}
	var n int64
	if err := db.Model(&bigRow{}).Count(&n).Error; err != nil || n != 1 {
		t.Errorf("rows: %d (%v), want the first only", n, err)
	}
	// The connection pool still serves.
	if err := db.First(&got, 1).Error; err != nil {
		t.Fatal(err)
	}
}
