// Package testdb gives tests a database of their own on SQLite, PostgreSQL
// and MySQL/MariaDB.
//
// Each call to Open creates a uniquely named database and drops it when the
// test ends. The servers come from PROTOFORGE_POSTGRES_DSN and
// PROTOFORGE_MYSQL_DSN (defaults: the local servers at 127.0.0.1). An
// unreachable server skips the test loudly, unless CI=true, where it fails.
package testdb

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	mysqldriver "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	ormmysql "github.com/protoforge/protoforge/ormrt/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/protoforge/protoforge/internal/testsupport"
	"github.com/protoforge/protoforge/ormrt"
)

// Dialect is ormrt.Dialect, under the name tests have always used.
type Dialect = ormrt.Dialect

// The dialects every database test runs on, ormrt's.
const (
	SQLite   = ormrt.SQLite
	Postgres = ormrt.Postgres
	MySQL    = ormrt.MySQL
)

// All lists the dialects in the order tests run them.
var All = []ormrt.Dialect{SQLite, Postgres, MySQL}

const (
	defaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	defaultMySQLDSN    = "root@tcp(127.0.0.1:3306)/"
)

// PostgresDSN is the administrative DSN of the PostgreSQL server under test.
func PostgresDSN() string { return envOr("PROTOFORGE_POSTGRES_DSN", defaultPostgresDSN) }

// MySQLDSN is the administrative DSN of the MySQL/MariaDB server under test.
func MySQLDSN() string { return envOr("PROTOFORGE_MYSQL_DSN", defaultMySQLDSN) }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// MySQL8SQLMode is MySQL 8's default sql_mode, which the MariaDB
// databases of DSN use.
const MySQL8SQLMode = "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"

// Each runs fn as a subtest on every dialect, with a fresh database each.
func Each(t *testing.T, fn func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	for _, d := range All {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open creates a new, empty database of dialect d for this test and returns
// a GORM handle to it. The database is dropped when the test ends.
func Open(t testing.TB, d ormrt.Dialect) *gorm.DB {
	t.Helper()
	dsn := DSN(t, d)
	var dial gorm.Dialector
	switch d {
	case SQLite:
		dial = sqlite.Open(dsn)
	case Postgres:
		dial = postgres.Open(dsn)
	case MySQL:
		var err error
		if dial, err = ormmysql.Open(dsn); err != nil {
			t.Fatalf("testdb: %v", err)
		}
	}
	db, err := gorm.Open(dial, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("testdb: open %s: %v", d, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { _ = sqlDB.Close() })
	return db
}

// PostgresDSNWith is DSN for PostgreSQL, the database created with
// options ("LOCALE_PROVIDER icu ICU_LOCALE 'en-US' TEMPLATE template0").
func PostgresDSNWith(t testing.TB, options string) string {
	t.Helper()
	name := uniqueName()
	admin := PostgresDSN()
	createDrop(t, "pgx", admin, Postgres,
		strings.TrimSpace("CREATE DATABASE "+ormrt.QuoteIdent(Postgres, name)+" "+options),
		"DROP DATABASE IF EXISTS "+ormrt.QuoteIdent(Postgres, name)+" WITH (FORCE)")
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("testdb: PROTOFORGE_POSTGRES_DSN is not a URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// DSN creates a new, empty database of dialect d for this test and returns
// its DSN, for code that opens the database itself. The database is dropped
// when the test ends.
func DSN(t testing.TB, d ormrt.Dialect) string {
	t.Helper()
	name := uniqueName()
	switch d {
	case SQLite:
		// A shared-cache file keeps all pool connections on one database.
		path := filepath.Join(t.TempDir(), name+".db")
		return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_txlock=immediate"
	case Postgres:
		return PostgresDSNWith(t, "")
	case MySQL:
		admin := MySQLDSN()
		createDrop(t, "mysql", admin, d,
			"CREATE DATABASE "+ormrt.QuoteIdent(d, name)+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
			"DROP DATABASE IF EXISTS "+ormrt.QuoteIdent(d, name))
		cfg, err := mysqldriver.ParseDSN(admin)
		if err != nil {
			t.Fatalf("testdb: PROTOFORGE_MYSQL_DSN: %v", err)
		}
		cfg.DBName = name
		cfg.ParseTime = true
		cfg.Loc = time.UTC
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["charset"] = "utf8mb4"
		cfg.Params["max_sort_length"] = "4096" // strings sort whole, as the README asks
		cfg.Collation = "utf8mb4_bin"
		cfg.MaxAllowedPacket = 0 // the server's, as the example server reads it
		// MySQL 8's default modes, which MariaDB's leave out: what is
		// written must hold on both.
		cfg.Params["sql_mode"] = "'" + MySQL8SQLMode + "'"
		return cfg.FormatDSN()
	}
	t.Fatalf("testdb: unknown dialect %q", d)
	return ""
}

// createDrop runs create on the server behind admin and registers drop as
// cleanup. An unreachable server skips the test, or fails it when CI=true.
func createDrop(t testing.TB, driver, admin string, d ormrt.Dialect, create, drop string) {
	t.Helper()
	db, err := sql.Open(driver, admin)
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		if db != nil {
			_ = db.Close()
		}
		Unavailable(t, d, err)
	}
	if _, err := db.Exec(create); err != nil {
		_ = db.Close()
		t.Fatalf("testdb: %s: %v", create, err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec(drop); err != nil {
			t.Errorf("testdb: %s: %v", drop, err)
		}
	})
}

// Unavailable reports a database server that cannot be reached: a failure
// when CI=true, a loud skip otherwise.
func Unavailable(t testing.TB, d ormrt.Dialect, err error) {
	t.Helper()
	msg := fmt.Sprintf("testdb: %s server unreachable (%v); set %s", d, err, envName(d))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	testsupport.SkipNotice(fmt.Sprintf("*** SKIPPING %s: %s ***", t.Name(), msg))
	t.Skip(msg)
}

func envName(d ormrt.Dialect) string {
	if d == MySQL {
		return "PROTOFORGE_MYSQL_DSN"
	}
	return "PROTOFORGE_POSTGRES_DSN"
}

func uniqueName() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "pf_test_" + strings.ToLower(hex.EncodeToString(b[:]))
}

// OpenPath opens an existing SQLite database file.
func OpenPath(t testing.TB, path string) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(sqlite.Open("file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("testdb: open %s: %v", path, err)
	}
	sqlDB, _ := db.DB()
	t.Cleanup(func() { _ = sqlDB.Close() })
	return db
}
