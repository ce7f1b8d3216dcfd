package query

import (
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/protoforge/protoforge/internal/testdb"
)

// TestDBDurations filters and orders Duration columns, one of
// microseconds (nullable) and one of nanoseconds, with AIP-160 durations,
// on every database: a literal compares as the column stores it (rounded
// toward zero to the microsecond), quoted or not (AIP-160's 20s, 1.2s),
// and what is not a duration is refused.
func TestDBDurations(t *testing.T) {
	rows := []struct {
		id    int64
		ttl   any // µs
		ttlNs int64
	}{
		{1, int64(90_000_000), 90_000_000_000},
		{2, int64(1_500_000), 1_500_000_001},
		{3, nil, 0},
		{4, int64(-2_000_000), -2_000_000_000},
		{5, int64(3_600_000_000), 3_600_000_000_000},
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		d := Dialect(db.Dialector.Name())
		if err := db.Exec(`CREATE TABLE qt_durations (id BIGINT PRIMARY KEY, ttl BIGINT NULL, ttl_ns BIGINT NOT NULL)`).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := db.Exec(`INSERT INTO qt_durations (id, ttl, ttl_ns) VALUES (?, ?, ?)`, r.id, r.ttl, r.ttlNs).Error; err != nil {
				t.Fatal(err)
			}
		}
		tb := &Table{Dialect: d, Key: []string{"id"}, Columns: []Column{
			{Path: "id", Name: "id", Kind: KindInt},
			{Path: "ttl", Name: "ttl", Kind: KindDuration, Nullable: true},
			{Path: "ttl_ns", Name: "ttl_ns", Kind: KindDurationNanos},
		}}
		for filter, want := range map[string][]int64{
			`ttl = "90s"`:                  {1},
			`ttl > "1s"`:                   {1, 2, 5},
			`ttl >= "1.5s" AND ttl < "1h"`: {1, 2},
			`ttl <= duration("1.5s")`:      {2, 4},
			`ttl = "1.5000009s"`:           {2}, // rounded toward zero, as stored
			`ttl < "0s"`:                   {4},
			`ttl = "1h"`:                   {5},
			`ttl != "90s"`:                 {2, 3, 4, 5},
			`NOT ttl:*`:                    {3},
			`ttl_ns = "1.500000001s"`:      {2},
			`ttl_ns > "1.5s"`:              {1, 2, 5},
			`ttl_ns < "-1s"`:               {4},
			// AIP-160 writes them unquoted: seconds followed by s.
			`ttl = 90s`:                 {1},
			`ttl >= 1.5s AND ttl<3600s`: {1, 2},
			`ttl = 1.5000009s`:          {2},
			`ttl=.5s OR ttl = -2s`:      {4},
			`ttl_ns > -1.5s`:            {1, 2, 3, 5},
			`(ttl_ns<-1s)`:              {4},
			`NOT ttl = 90s`:             {2, 3, 4, 5},
		} {
			where, err := ParseFilter(tb, filter)
			if err != nil {
				t.Errorf("%s: %v", filter, err)
				continue
			}
			checkOnlyPlaceholders(t, tb, where)
			var got []int64
			if err := db.Table("qt_durations").Where(where.SQL, where.Args...).Order("id").Pluck("id", &got).Error; err != nil {
				t.Fatalf("%s: %v", filter, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: got %v, want %v", filter, got, want)
			}
		}
		for filter, mention := range map[string]string{
			`ttl = "soon"`:                 "invalid duration",
			`ttl = 90`:                     "ttl",
			`ttl = duration(90)`:           "duration",
			`ttl = "2024-01-01T00:00:00Z"`: "invalid duration",
			`ttl = 90ss`:                   "column 9",
			`ttl = 90 s`:                   "ttl takes a duration",
			`ttl = 1.5.2s`:                 "column 10",
			`ttl = 1h`:                     "column 8",
			`id = 90s`:                     "id takes an integer, not a duration",
			`ttl:90s`:                      "ttl:*",
		} {
			_, err := ParseFilter(tb, filter)
			if err == nil || !strings.Contains(err.Error(), mention) {
				t.Errorf("%s: got %v, want an error mentioning %q", filter, err, mention)
			}
		}
		terms, err := ParseOrderBy(tb, "ttl desc")
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		if err := db.Table("qt_durations").Order(OrderSQL(tb, terms)).Pluck("id", &got).Error; err != nil {
			t.Fatal(err)
		}
		if want := []int64{5, 1, 2, 4, 3}; !slices.Equal(got, want) {
			t.Errorf("ttl desc: got %v, want %v (NULL last)", got, want)
		}
	})
}
