package query

import (
	"cmp"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
	"google.golang.org/protobuf/reflect/protoreflect"
	"gorm.io/gorm"
)

// dbRow is a row of the test table, qt_rows.
type dbRow struct {
	ID         int64        `gorm:"column:id"`
	Active     bool         `gorm:"column:active"`
	Count      int64        `gorm:"column:n"`
	Serial     ormrt.Uint64 `gorm:"column:u"`
	Score      float64      `gorm:"column:score"`
	Title      string       `gorm:"column:order"`
	CreateTime time.Time    `gorm:"column:create_time"`
	State      int32        `gorm:"column:state"`
	StateName  string       `gorm:"column:state_name"`
	Rank       *int64       `gorm:"column:rank"`
	ExpireTime *time.Time   `gorm:"column:expire_time"`
}

// value returns the value of the column at path, as a model holds it.
func (r *dbRow) value(path string) any {
	switch path {
	case "id":
		return r.ID
	case "active":
		return r.Active
	case "count":
		return r.Count
	case "serial":
		return r.Serial
	case "score":
		return r.Score
	case "title":
		return r.Title
	case "create_time":
		return r.CreateTime
	case "state":
		return r.State
	case "state_name":
		return r.StateName
	case "rank":
		if r.Rank == nil {
			return nil
		}
		return *r.Rank
	case "expire_time":
		if r.ExpireTime == nil {
			return nil
		}
		return *r.ExpireTime
	}
	panic("no ordered column " + path)
}

// compareValues orders two values of a column as ORDER BY does, NULL
// (nil) smallest.
func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case int32:
		return cmp.Compare(x, b.(int32))
	case ormrt.Uint64:
		return cmp.Compare(x, b.(ormrt.Uint64))
	case float64:
		return cmp.Compare(x, b.(float64))
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		switch {
		case x == b.(bool):
			return 0
		case x:
			return 1
		}
		return -1
	case time.Time:
		return x.Compare(b.(time.Time))
	}
	panic(fmt.Sprintf("no order of %T", a))
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func i64(n int64) *int64 { return &n }

func tp(s string) *time.Time { t := utc(s); return &t }

// testRows holds the extremes of every kind, ties for ordering, and
// strings full of SQL and LIKE metacharacters.
var testRows = func() []dbRow {
	rows := []dbRow{
		{1, true, math.MinInt64, 0, -1.5, "Dune", utc("0001-01-01T00:00:00Z"), stateDraft, "", nil, nil},
		{2, false, math.MaxInt64, math.MaxInt64, 0, "Dune Messiah", utc("9999-12-31T23:59:59.999999Z"), statePublished, "", i64(1), tp("2030-01-01T00:00:00Z")},
		{3, true, -1, math.MaxInt64 + 1, 2.5, "Children of Dune", utc("2024-01-01T00:00:00Z"), statePublished, "", i64(2), nil},
		{4, false, 0, math.MaxUint64, 1e300, "100% pure", utc("2024-01-01T00:00:00.000001Z"), stateArchived, "", nil, tp("2020-01-01T00:00:00Z")},
		{5, true, 1, 1, 3.25, "under_score", utc("2024-01-01T00:00:00.5Z"), stateDraft, "", i64(3), tp("2024-01-01T00:00:00Z")},
		{6, false, 42, 42, -1.5, "star*name", utc("2023-12-31T23:59:59.999999Z"), 0, "", i64(1), nil},
		{7, true, 42, math.MaxUint64 - 1, 0, `O'Brien "quoted"`, utc("1970-01-01T00:00:00Z"), statePublished, "", nil, tp("1969-12-31T23:59:59.999999Z")},
		{8, false, 7, 1<<53 + 1, 2.5, "naïve café ☕ 日本", utc("2024-06-15T12:30:45.123456Z"), stateDraft, "", i64(2), tp("9999-12-31T23:59:59.999999Z")},
		{9, true, 8, 1 << 53, 1e-300, `back\slash`, utc("1999-12-31T23:59:59Z"), stateArchived, "", nil, nil},
		{10, false, math.MinInt64 + 1, 1<<63 + 1, -1e300, "Dune", utc("2024-01-01T00:00:00Z"), statePublished, "", i64(5), tp("0001-01-01T00:00:00Z")},
		{11, true, math.MaxInt64 - 1, 42, 3.25, "dune", utc("2024-01-01T00:00:00Z"), stateDraft, "", i64(-7), nil},
		{12, false, -42, math.MaxInt64, 0, "%", utc("2000-02-29T12:00:00Z"), 0, "", nil, nil},
		{13, true, 0, 0, -0.5, "_", utc("2000-02-29T12:00:00Z"), stateArchived, "", i64(0), tp("2024-01-01T00:00:00.000001Z")},
		{14, false, 5, 5, 5, "", utc("2038-01-19T03:14:08Z"), statePublished, "", nil, nil},
		{15, true, 6, 6, 6, "Dune*Extra", utc("2038-01-19T03:14:07.999999Z"), stateDraft, "", i64(9), nil},
		{16, false, 9, 9, 9, "'; DROP TABLE qt_rows; --", utc("2011-11-11T11:11:11.111111Z"), stateArchived, "", nil, nil},
		{17, true, 10, 10, 10, `" OR 1=1 --`, utc("2011-11-11T11:11:11.111111Z"), statePublished, "", i64(1), nil},
		{18, false, 11, 11, 11, "!bang!", utc("2011-11-11T11:11:11.111112Z"), stateDraft, "", nil, nil},
		{19, true, 12, 12, 12, `\' OR '1'='1`, utc("2011-11-11T11:11:11.111110Z"), 0, "", nil, nil},
	}
	for i := range rows {
		rows[i].StateName = string(bookState.Values().ByNumber(protoreflect.EnumNumber(rows[i].State)).Name())
	}
	return rows
}()

// createTestTable creates qt_rows (and qt_sentinel, which no query names)
// with the column types the storage conventions give each kind, and
// inserts testRows.
func createTestTable(t *testing.T, db *gorm.DB) *Table {
	t.Helper()
	d := Dialect(db.Dialector.Name())
	var ddl string
	switch d {
	case Postgres:
		ddl = `CREATE TABLE qt_rows (id BIGINT PRIMARY KEY, active BOOLEAN NOT NULL, n BIGINT NOT NULL,
			u NUMERIC(20,0) NOT NULL, score DOUBLE PRECISION NOT NULL, "order" TEXT NOT NULL,
			create_time TIMESTAMPTZ NOT NULL, state INTEGER NOT NULL, state_name TEXT NOT NULL,
			"rank" BIGINT, expire_time TIMESTAMPTZ)`
	case MySQL:
		ddl = "CREATE TABLE qt_rows (id BIGINT PRIMARY KEY, active BOOLEAN NOT NULL, n BIGINT NOT NULL," +
			" u BIGINT UNSIGNED NOT NULL, score DOUBLE NOT NULL, `order` VARCHAR(255) NOT NULL," +
			" create_time DATETIME(6) NOT NULL, state INT NOT NULL, state_name VARCHAR(64) NOT NULL," +
			" `rank` BIGINT NULL, expire_time DATETIME(6) NULL)"
	case SQLite:
		ddl = `CREATE TABLE qt_rows (id INTEGER PRIMARY KEY, active NUMERIC NOT NULL, n INTEGER NOT NULL,
			u TEXT NOT NULL, score REAL NOT NULL, "order" TEXT NOT NULL,
			create_time DATETIME NOT NULL, state INTEGER NOT NULL, state_name TEXT NOT NULL,
			"rank" INTEGER, expire_time DATETIME)`
	}
	for _, stmt := range []string{ddl, "CREATE TABLE qt_sentinel (x INT)", "INSERT INTO qt_sentinel (x) VALUES (1)"} {
		if err := db.Exec(stmt).Error; err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	tb := testTable(d)
	var names []string
	for _, c := range tb.Columns {
		names = append(names, tb.quote(c.Name))
	}
	insert := "INSERT INTO qt_rows (" + strings.Join(names, ", ") + ") VALUES (?" + strings.Repeat(", ?", len(names)-1) + ")"
	for _, r := range testRows {
		if err := db.Exec(insert, r.ID, r.Active, r.Count, r.Serial, r.Score, r.Title, r.CreateTime,
			r.State, r.StateName, r.Rank, r.ExpireTime).Error; err != nil {
			t.Fatalf("insert row %d: %v", r.ID, err)
		}
	}
	checkTableIntact(t, db)
	return tb
}

// checkTableIntact fails t unless qt_rows holds exactly testRows and
// qt_sentinel still exists.
func checkTableIntact(t *testing.T, db *gorm.DB) {
	t.Helper()
	var got []dbRow
	if err := db.Raw("SELECT * FROM qt_rows ORDER BY id").Scan(&got).Error; err != nil {
		t.Fatalf("read qt_rows: %v", err)
	}
	if len(got) != len(testRows) {
		t.Fatalf("qt_rows has %d rows, want %d", len(got), len(testRows))
	}
	for i, r := range got {
		w := testRows[i]
		if r.ID != w.ID || r.Active != w.Active || r.Count != w.Count || r.Serial != w.Serial ||
			math.Float64bits(r.Score) != math.Float64bits(w.Score) || r.Title != w.Title ||
			!r.CreateTime.Equal(w.CreateTime) || r.State != w.State || r.StateName != w.StateName ||
			!reflect.DeepEqual(r.Rank, w.Rank) || (r.ExpireTime == nil) != (w.ExpireTime == nil) ||
			(r.ExpireTime != nil && !r.ExpireTime.Equal(*w.ExpireTime)) {
			t.Fatalf("row %d reads back as\n%+v\nwant\n%+v", w.ID, r, w)
		}
	}
	var n int
	if err := db.Raw("SELECT COUNT(*) FROM qt_sentinel").Scan(&n).Error; err != nil || n != 1 {
		t.Fatalf("qt_sentinel: %d rows, %v", n, err)
	}
}

// selectIDs runs the filter on qt_rows and returns the ids it selects.
func selectIDs(db *gorm.DB, tb *Table, c Condition) ([]int64, error) {
	q := db.Table("qt_rows")
	if c.SQL != "" {
		q = q.Where(c.SQL, c.Args...)
	}
	var ids []int64
	err := q.Order("id").Pluck("id", &ids).Error
	return ids, err
}

func idsWhere(keep func(r dbRow) bool) []int64 {
	var ids []int64
	for _, r := range testRows {
		if keep(r) {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

func TestDBFilter(t *testing.T) {
	before := func(s string) func(time.Time) bool { return func(x time.Time) bool { return x.Before(utc(s)) } }
	rankIs := func(f func(int64) bool) func(r dbRow) bool {
		return func(r dbRow) bool { return r.Rank != nil && f(*r.Rank) }
	}
	cases := []struct {
		filter string
		want   []int64 // nil: computed by keep
		keep   func(r dbRow) bool
	}{
		// Integers at the int64 limits.
		{filter: `count = -9223372036854775808`, want: []int64{1}},
		{filter: `count = 9223372036854775807`, want: []int64{2}},
		{filter: `count > 9223372036854775806`, want: []int64{2}},
		{filter: `count <= -9223372036854775807`, want: []int64{1, 10}},
		{filter: `count < 0`, keep: func(r dbRow) bool { return r.Count < 0 }},
		{filter: `count >= 0 AND count != 42`, keep: func(r dbRow) bool { return r.Count >= 0 && r.Count != 42 }},
		// uint64 across the int64 boundary and beyond 2^53.
		{filter: `serial = 0`, want: []int64{1, 13}},
		{filter: `serial = 9223372036854775807`, want: []int64{2, 12}},
		{filter: `serial = 9223372036854775808`, want: []int64{3}},
		{filter: `serial = 18446744073709551615`, want: []int64{4}},
		{filter: `serial = 0xffffffffffffffff`, want: []int64{4}},
		{filter: `serial > 9223372036854775807`, want: []int64{3, 4, 7, 10}},
		{filter: `serial >= 9223372036854775807 AND serial < 18446744073709551615`, want: []int64{2, 3, 7, 10, 12}},
		{filter: `serial = 9007199254740993`, want: []int64{8}},
		{filter: `serial = 9007199254740992`, want: []int64{9}},
		{filter: `serial != 9007199254740992 AND serial >= 9007199254740992 AND serial < 9223372036854775807`, want: []int64{8}},
		{filter: `serial < 10`, keep: func(r dbRow) bool { return r.Serial < 10 }},
		// Floats.
		{filter: `score = -1.5`, want: []int64{1, 6}},
		{filter: `score > 1000000`, want: []int64{4}},
		{filter: `score < -1000000 OR score = 2.5`, want: []int64{3, 8, 10}},
		{filter: `score > 0 AND score < 0.001`, want: []int64{9}},
		{filter: `score >= 3`, keep: func(r dbRow) bool { return r.Score >= 3 }},
		// Decimals with exponents (AIP-160's 2.997e9), at a double's limits.
		{filter: `score = 2.5e0 OR score = 325E-2`, want: []int64{3, 5, 8, 11}},
		{filter: `score > 1e300 OR score < -.5e+300`, want: []int64{10}},
		{filter: `score >= 1.0e300 AND score < 1.7976931348623157e308`, want: []int64{4}},
		{filter: `score > 0 AND score <= 1e-300`, want: []int64{9}},
		{filter: `score = -0.0e0`, want: []int64{2, 7, 12}},
		// Integers beyond uint64 are numbers a float compares with.
		{filter: `score > 18446744073709551616 OR score < -99999999999999999999999`, want: []int64{4, 10}},
		{filter: `-score < -1.5e0`, keep: func(r dbRow) bool { return !(r.Score < -1.5) }},
		// Strings, exact and with wildcards.
		{filter: `title = "Dune"`, want: []int64{1, 10}},
		{filter: `title = "Dune*"`, want: []int64{1, 2, 10, 15}},
		{filter: `title = "*Dune"`, want: []int64{1, 3, 10}},
		{filter: `title = "*une*"`, want: []int64{1, 2, 3, 10, 11, 15}},
		{filter: `title = "Du*ne"`, want: []int64{1, 10}},
		{filter: `title != "Dune*"`, keep: func(r dbRow) bool { return !strings.HasPrefix(r.Title, "Dune") }},
		{filter: `title = "Dune\*Extra"`, want: []int64{15}},
		{filter: `title = "Dune\**"`, want: []int64{15}},
		{filter: `title = "star\*name"`, want: []int64{6}},
		{filter: `title = "*\**"`, want: []int64{6, 15}},
		{filter: `title = "%"`, want: []int64{12}},
		{filter: `title = "%*"`, want: []int64{12}},
		{filter: `title = "*%*"`, want: []int64{4, 12}},
		{filter: `title = "100%*"`, want: []int64{4}},
		{filter: `title = "_"`, want: []int64{13}},
		{filter: `title = "*_*"`, want: []int64{5, 13, 16}},
		{filter: `title = "!*"`, want: []int64{18}},
		{filter: `title = "*!"`, want: []int64{18}},
		{filter: `title = "O'Brien \"quoted\""`, want: []int64{7}},
		{filter: `title = 'O\'Brien "quoted"'`, want: []int64{7}},
		{filter: `title = "*'*"`, want: []int64{7, 16, 19}},
		{filter: `title = "naïve café ☕ 日本"`, want: []int64{8}},
		{filter: `title = "*☕*"`, want: []int64{8}},
		{filter: `title = "na\u00efve*"`, want: []int64{8}},
		{filter: `title = "back\\slash"`, want: []int64{9}},
		{filter: `title = "*\\*"`, want: []int64{9, 19}},
		{filter: `title = ""`, want: []int64{14}},
		{filter: `title = "*"`, keep: func(r dbRow) bool { return true }},
		{filter: `title != ""`, keep: func(r dbRow) bool { return r.Title != "" }},
		{filter: `title = "'; DROP TABLE qt_rows; --"`, want: []int64{16}},
		{filter: `title = "\" OR 1=1 --"`, want: []int64{17}},
		// Timestamps, to the microsecond, at year 1 and 9999.
		{filter: `create_time = "0001-01-01T00:00:00Z"`, want: []int64{1}},
		{filter: `create_time >= "9999-12-31T23:59:59.999999Z"`, want: []int64{2}},
		{filter: `create_time > "9999-12-31T23:59:59.999998Z"`, want: []int64{2}},
		{filter: `create_time < "0001-01-01T00:00:00.000001Z"`, want: []int64{1}},
		{filter: `create_time > "2024-01-01T00:00:00Z" AND create_time < "2024-01-01T00:00:01Z"`, want: []int64{4, 5}},
		{filter: `create_time = "2024-01-01T00:00:00.000001Z"`, want: []int64{4}},
		{filter: `create_time = timestamp("2024-01-01T01:00:00+01:00")`, want: []int64{3, 10, 11}},
		{filter: `create_time = "2024-06-15T12:30:45.1234569Z"`, want: []int64{8}},
		{filter: `create_time >= "2011-11-11T11:11:11.111111Z" AND create_time <= "2011-11-11T11:11:11.111111Z"`, want: []int64{16, 17}},
		{filter: `create_time > "2011-11-11T11:11:11.11111Z" AND create_time < "2011-11-11T11:11:11.111112Z"`, want: []int64{16, 17}},
		{filter: `create_time >= "2038-01-19T03:14:07.999999Z"`, want: []int64{2, 14, 15}},
		{filter: `create_time < "1970-01-01T00:00:00Z"`, keep: func(r dbRow) bool { return before("1970-01-01T00:00:00Z")(r.CreateTime) }},
		{filter: `create_time < "2000-01-01T00:00:00-05:00"`, keep: func(r dbRow) bool { return before("2000-01-01T05:00:00Z")(r.CreateTime) }},
		// Enums by number and by name.
		{filter: `state = BOOK_STATE_PUBLISHED`, keep: func(r dbRow) bool { return r.State == statePublished }},
		{filter: `state_name = BOOK_STATE_DRAFT`, keep: func(r dbRow) bool { return r.State == stateDraft }},
		{filter: `state_name = BOOK_STATE_UNSPECIFIED`, want: []int64{6, 12, 19}},
		{filter: `state != BOOK_STATE_DRAFT AND state_name != BOOK_STATE_ARCHIVED`, keep: func(r dbRow) bool { return r.State != stateDraft && r.State != stateArchived }},
		// Bools.
		{filter: `active`, keep: func(r dbRow) bool { return r.Active }},
		{filter: `NOT active`, keep: func(r dbRow) bool { return !r.Active }},
		{filter: `active = false`, keep: func(r dbRow) bool { return !r.Active }},
		{filter: `active != false`, keep: func(r dbRow) bool { return r.Active }},
		// Nullable columns: NULL equals nothing, differs from everything.
		{filter: `rank = 1`, want: []int64{2, 6, 17}},
		{filter: `rank != 1`, keep: func(r dbRow) bool { return r.Rank == nil || *r.Rank != 1 }},
		{filter: `NOT rank = 1`, keep: func(r dbRow) bool { return r.Rank == nil || *r.Rank != 1 }},
		{filter: `rank > 1`, keep: rankIs(func(n int64) bool { return n > 1 })},
		{filter: `NOT rank > 1`, keep: func(r dbRow) bool { return r.Rank == nil || *r.Rank <= 1 }},
		{filter: `rank <= 0`, want: []int64{11, 13}},
		{filter: `rank:*`, keep: func(r dbRow) bool { return r.Rank != nil }},
		{filter: `NOT rank:*`, keep: func(r dbRow) bool { return r.Rank == nil }},
		{filter: `expire_time < "2025-01-01T00:00:00Z"`, want: []int64{4, 5, 7, 10, 13}},
		{filter: `NOT expire_time < "2025-01-01T00:00:00Z"`, keep: func(r dbRow) bool { return r.ExpireTime == nil || !before("2025-01-01T00:00:00Z")(*r.ExpireTime) }},
		{filter: `expire_time = "0001-01-01T00:00:00Z" OR expire_time = "9999-12-31T23:59:59.999999Z"`, want: []int64{8, 10}},
		{filter: `expire_time:* expire_time > "2024-01-01T00:00:00Z"`, want: []int64{2, 8, 13}},
		// NOT, OR, parentheses, juxtaposition together.
		{filter: `(title = "Dune*" OR serial > 9223372036854775807) AND NOT active`, want: []int64{2, 4, 10}},
		{filter: `NOT (title = "Dune*" OR serial > 9223372036854775807) AND active`, keep: func(r dbRow) bool {
			return r.Active && !strings.HasPrefix(r.Title, "Dune") && r.Serial <= math.MaxInt64
		}},
		{filter: `active count > 0 -state = BOOK_STATE_DRAFT`, keep: func(r dbRow) bool { return r.Active && r.Count > 0 && r.State != stateDraft }},
		{filter: `count = 1 AND active = true OR score = 2.5`, want: []int64{5}},
		{filter: `(count = 1 AND active = true) OR score = 2.5`, want: []int64{3, 5, 8}},
		{filter: `NOT (NOT (NOT active))`, keep: func(r dbRow) bool { return !r.Active }},
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		tb := createTestTable(t, db)
		for _, tc := range cases {
			want := tc.want
			if tc.keep != nil {
				want = idsWhere(tc.keep)
			}
			if len(want) == 0 {
				t.Errorf("%s: the case selects no rows", tc.filter)
			}
			c, err := ParseFilter(tb, tc.filter)
			if err != nil {
				t.Errorf("ParseFilter(%q): %v", tc.filter, err)
				continue
			}
			checkOnlyPlaceholders(t, tb, c)
			got, err := selectIDs(db, tb, c)
			if err != nil {
				t.Errorf("%s → %s %v: %v", tc.filter, c.SQL, c.Args, err)
				continue
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s → %s %v\n got ids %v\nwant ids %v", tc.filter, c.SQL, c.Args, got, want)
			}
		}
		checkTableIntact(t, db)
	})
}

// TestDBKeyset pages through qt_rows three rows at a time with After and
// page tokens, for several orderings, and checks each row is visited once,
// in the order of a single ORDER BY query.
func TestDBKeyset(t *testing.T) {
	cases := []struct{ orderBy, filter string }{
		{"", ""},
		{"title", ""},
		{"title desc", ""},
		{"serial desc", ""},
		{"serial", `serial > 5`},
		{"create_time", ""},
		{"create_time desc, title", ""},
		{"active, state desc, serial", ""},
		{"score desc, count", ""},
		{"state_name, create_time desc", ""},
		{"count desc", ""},
		{"active desc, serial desc, create_time", `title = "*Dune*" OR active`},
		{"id desc", ""},
		// Nullable columns: NULL smallest on every database.
		{"rank", ""},
		{"rank desc", ""},
		{"expire_time desc, title", ""},
		{"rank, expire_time desc", ""},
		{"expire_time, rank desc, title desc", `score >= 0`},
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		tb := createTestTable(t, db)
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/%s", tc.orderBy, tc.filter), func(t *testing.T) {
				terms, err := ParseOrderBy(tb, tc.orderBy)
				if err != nil {
					t.Fatal(err)
				}
				where, err := ParseFilter(tb, tc.filter)
				if err != nil {
					t.Fatal(err)
				}
				base := func() *gorm.DB {
					q := db.Table("qt_rows")
					if where.SQL != "" {
						q = q.Where(where.SQL, where.Args...)
					}
					return q.Order(OrderSQL(tb, terms))
				}
				var all []int64
				if err := base().Pluck("id", &all).Error; err != nil {
					t.Fatal(err)
				}
				if len(all) < 7 {
					t.Fatalf("only %d rows to page through", len(all))
				}
				// The order is the same on every database, NULLs smallest.
				byID := map[int64]dbRow{}
				for _, r := range testRows {
					byID[r.ID] = r
				}
				want := slices.Clone(all)
				slices.SortStableFunc(want, func(a, b int64) int {
					ra, rb := byID[a], byID[b]
					for _, term := range terms {
						c := compareValues(ra.value(term.Column.Path), rb.value(term.Column.Path))
						if term.Desc {
							c = -c
						}
						if c != 0 {
							return c
						}
					}
					return 0
				})
				if !slices.Equal(all, want) {
					t.Errorf("ORDER BY gives\n%v\nwant (NULLs smallest)\n%v", all, want)
				}
				queryID := tc.filter + "\x00" + tc.orderBy
				var paged []int64
				token := ""
				for pages := 0; ; pages++ {
					if pages > len(testRows) {
						t.Fatalf("no end after %d pages: %v", pages, paged)
					}
					q := base()
					if token != "" {
						last, err := DecodeToken(testKey, queryID, terms, token)
						if err != nil {
							t.Fatal(err)
						}
						after := After(tb, terms, last)
						checkOnlyPlaceholders(t, tb, after)
						q = q.Where(after.SQL, after.Args...)
					}
					var page []dbRow
					if err := q.Limit(3).Find(&page).Error; err != nil {
						t.Fatal(err)
					}
					for _, r := range page {
						paged = append(paged, r.ID)
					}
					if len(page) < 3 {
						break
					}
					lastRow := page[len(page)-1]
					values := make([]any, len(terms))
					for i, term := range terms {
						values[i] = lastRow.value(term.Column.Path)
					}
					if token, err = EncodeToken(testKey, queryID, terms, values); err != nil {
						t.Fatal(err)
					}
				}
				if !slices.Equal(paged, all) {
					t.Errorf("pages visit\n%v\nORDER BY gives\n%v", paged, all)
				}
				// AfterRanges: the ranges read one after the other give the
				// rows after each position, in order.
				for i := range all {
					row := byID[all[i]]
					values := make([]any, len(terms))
					for j, term := range terms {
						values[j] = row.value(term.Column.Path)
					}
					var rest []int64
					for _, c := range AfterRanges(tb, terms, values) {
						checkOnlyPlaceholders(t, tb, c)
						var ids []int64
						if err := base().Where(c.SQL, c.Args...).Pluck("id", &ids).Error; err != nil {
							t.Fatal(err)
						}
						rest = append(rest, ids...)
					}
					if !slices.Equal(rest, all[i+1:]) {
						t.Errorf("after row %d (%v): ranges give\n%v\nwant\n%v", all[i], values, rest, all[i+1:])
						break
					}
				}
			})
		}
		checkTableIntact(t, db)
	})
}

// TestDBLongChains: a filter of more terms than a database parses as one
// chain (SQLite refuses an expression tree over 1000 deep) runs on every
// database, as one of fewer terms does.
func TestDBLongChains(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		tb := createTestTable(t, db)
		// A one-letter name for the active column, so that 1500 terms fit
		// in a filter.
		tb.Columns = append(tb.Columns, Column{Path: "a", Name: "active", Kind: KindBool})
		for _, filter := range []string{
			strings.TrimSpace(strings.Repeat("a ", 1500)),
			strings.TrimSuffix(strings.Repeat("a OR ", 800), " OR "),
		} {
			c, err := ParseFilter(tb, filter)
			if err != nil {
				t.Fatalf("ParseFilter: %v", err)
			}
			got, err := selectIDs(db, tb, c)
			if err != nil {
				t.Fatalf("%d bytes of filter: %v", len(filter), err)
			}
			if want := idsWhere(func(r dbRow) bool { return r.Active }); !slices.Equal(got, want) {
				t.Errorf("got ids %v, want %v", got, want)
			}
		}
	})
}
