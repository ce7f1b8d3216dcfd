package mysql_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt/mysql"
)

type row struct {
	ID int64          `gorm:"primaryKey;autoIncrement:false"`
	T  *time.Time     `gorm:"precision:6"`
	D  gorm.DeletedAt `gorm:"precision:6"`
}

// zero is Go's zero time, google.protobuf.Timestamp's least value.
var zero = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)

// strictDSN is a new database's DSN with MySQL 8's default sql_mode,
// which refuses the zero date, and interpolated or prepared arguments.
func strictDSN(t *testing.T, interpolate bool) string {
	cfg, err := mysqldriver.ParseDSN(testdb.DSN(t, testdb.MySQL))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Params["sql_mode"] = "'" + testdb.MySQL8SQLMode + "'"
	cfg.InterpolateParams = interpolate
	return cfg.FormatDSN()
}

// TestZeroInstantStoredAsItself: 0001-01-01T00:00:00Z is stored as that
// DATETIME, not as the zero date, through GORM's writes and reads, in a
// transaction, and through database/sql with arguments interpolated or
// prepared; the driver's own connections refuse it under MySQL 8's
// default sql_mode.
func TestZeroInstantStoredAsItself(t *testing.T) {
	for _, interpolate := range []bool{false, true} {
		name := "prepared"
		if interpolate {
			name = "interpolated"
		}
		t.Run(name, func(t *testing.T) {
			dsn := strictDSN(t, interpolate)
			plain, err := gorm.Open(gormmysql.Open(dsn), &gorm.Config{Logger: logger.Discard})
			if err != nil {
				t.Fatal(err)
			}
			if err := plain.AutoMigrate(&row{}); err != nil {
				t.Fatal(err)
			}
			z := zero
			if err := plain.Create(&row{ID: 1, T: &z}).Error; err == nil || !strings.Contains(err.Error(), "0000-00-00") {
				t.Fatalf("the driver's connection: %v; want the zero date refused (or the test shows nothing)", err)
			}

			dial, err := mysql.Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			db, err := gorm.Open(dial, &gorm.Config{Logger: logger.Discard})
			if err != nil {
				t.Fatal(err)
			}
			sqlDB, _ := db.DB()
			t.Cleanup(func() { _ = sqlDB.Close() })
			if err := db.Create(&row{ID: 1, T: &z, D: gorm.DeletedAt{Time: zero, Valid: true}}).Error; err != nil {
				t.Fatalf("create: %v", err)
			}
			if err := db.Transaction(func(tx *gorm.DB) error {
				return tx.Create(&[]row{{ID: 2, T: &z}, {ID: 3}}).Error
			}); err != nil {
				t.Fatalf("create in a transaction: %v", err)
			}
			if _, err := sqlDB.ExecContext(context.Background(), "INSERT INTO `rows` (id, t) VALUES (?, ?)", 4, zero); err != nil {
				t.Fatalf("database/sql: %v", err)
			}
			stmt, err := sqlDB.Prepare("INSERT INTO `rows` (id, t) VALUES (?, ?)")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := stmt.Exec(5, &z); err != nil {
				t.Fatalf("prepared statement: %v", err)
			}
			_ = stmt.Close()
			if err := db.Model(&row{}).Where("id = ?", 3).Update("t", zero).Error; err != nil {
				t.Fatalf("update: %v", err)
			}

			var stored []string
			if err := db.Raw("SELECT CAST(t AS CHAR) FROM `rows` ORDER BY id").Scan(&stored).Error; err != nil {
				t.Fatal(err)
			}
			for i, s := range stored {
				if s != "0001-01-01 00:00:00.000000" {
					t.Errorf("row %d stored %q", i+1, s)
				}
			}
			if len(stored) != 5 {
				t.Errorf("%d rows", len(stored))
			}
			var n int64
			if err := db.Unscoped().Model(&row{}).Where("t = ?", zero).Count(&n).Error; err != nil || n != 5 {
				t.Errorf("rows at the zero instant: %d, %v; want 5", n, err)
			}
			var got row
			if err := db.Unscoped().First(&got, 1).Error; err != nil {
				t.Fatal(err)
			}
			if got.T == nil || !got.T.Equal(zero) || !got.D.Valid || !got.D.Time.Equal(zero) {
				t.Errorf("read back %+v", got)
			}
			// Other times are bound as the driver binds them.
			later := time.Date(2024, 2, 29, 12, 34, 56, 123456000, time.UTC)
			if _, err := sqlDB.Exec("INSERT INTO `rows` (id, t) VALUES (?, ?)", 6, later); err != nil {
				t.Fatal(err)
			}
			var s string
			if err := sqlDB.QueryRow("SELECT CAST(t AS CHAR) FROM `rows` WHERE id = 6").Scan(&s); err != nil || s != "2024-02-29 12:34:56.123456" {
				t.Errorf("a later time stored %q, %v", s, err)
			}
			var null sql.NullTime
			if err := sqlDB.QueryRow("SELECT d FROM `rows` WHERE id = 6").Scan(&null); err != nil || null.Valid {
				t.Errorf("NULL read back %v, %v", null, err)
			}
		})
	}
}

// TestOpenRefusesBadDSN: a DSN the driver cannot read is an error of
// Open, not a dialector that fails later.
func TestOpenRefusesBadDSN(t *testing.T) {
	if _, err := mysql.Open("root@tcp(127.0.0.1:3306/x"); err == nil {
		t.Error("a DSN without its closing parenthesis opened")
	}
}
