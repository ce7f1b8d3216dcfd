package ormrt_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

// scanRow is shaped as a generated model: every column field names its
// column, and a field without one (an association) is not a column.
type scanRow struct {
	Id     int64        `gorm:"column:id;primaryKey;autoIncrement:false"`
	Title  string       `gorm:"column:title;not null"`
	Count  ormrt.Uint64 `gorm:"column:count;not null"`
	Maybe  *int32       `gorm:"column:maybe"`
	Tags   ormrt.JSON   `gorm:"column:tags"`
	Note   string       `gorm:"-"`
	hidden int
}

func (scanRow) TableName() string { return "scan_rows" }

func TestColumnsAndScanDest(t *testing.T) {
	if got, want := ormrt.Columns(&scanRow{}), []string{"id", "title", "count", "maybe", "tags"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Columns = %q; want %q", got, want)
	}
	if got := ormrt.Columns(42); got != nil {
		t.Errorf("Columns(42) = %q; want nil", got)
	}
	m := &scanRow{}
	dest := ormrt.ScanDest(m)
	want := []any{&m.Id, &m.Title, &m.Count, &m.Maybe, &m.Tags}
	if len(dest) != len(want) {
		t.Fatalf("ScanDest has %d destinations; want %d", len(dest), len(want))
	}
	for i := range want {
		if dest[i] != want[i] {
			t.Errorf("destination %d is %T %p; want %T %p", i, dest[i], dest[i], want[i], want[i])
		}
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), "want a non-nil pointer") {
				t.Errorf("ScanDest(scanRow{}) panicked with %v; want a message naming the mistake", r)
			}
		}()
		ormrt.ScanDest(scanRow{})
	}()

	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		if err := db.AutoMigrate(&scanRow{}); err != nil {
			t.Fatal(err)
		}
		seven := int32(7)
		in := &scanRow{Id: 1, Title: "a", Count: math.MaxUint64, Maybe: &seven, Tags: ormrt.JSON(`["x"]`)}
		if err := db.Create(in).Error; err != nil {
			t.Fatal(err)
		}
		rows, err := db.Raw("SELECT " + strings.Join(ormrt.Columns(&scanRow{}), ", ") + " FROM scan_rows").Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []*scanRow
		for rows.Next() {
			m := &scanRow{}
			if err := rows.Scan(ormrt.ScanDest(m)...); err != nil {
				t.Fatal(err)
			}
			got = append(got, m)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Id != 1 || got[0].Title != "a" || got[0].Count != math.MaxUint64 ||
			got[0].Maybe == nil || *got[0].Maybe != 7 || !strings.Contains(string(got[0].Tags), `"x"`) {
			t.Errorf("read back %+v; want %+v", got, in)
		}
	})
}
