package crudrt_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/protoforge/protoforge/crudrt"
	crudmysql "github.com/protoforge/protoforge/crudrt/mysql"
	crudpostgres "github.com/protoforge/protoforge/crudrt/postgres"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/ormrt"
)

// TestDBErrorCodesWithoutClassifiers runs the cases of TestDBErrorCodes in
// a program that forgot to import crudrt/postgres and crudrt/mysql: every
// error is still a status the client may see (PostgreSQL's SQLSTATEs are
// read all the same, the rest is Internal), the driver's text stays in the
// log, which names the package to import, and nothing panics.
func TestDBErrorCodesWithoutClassifiers(t *testing.T) {
	// What the rules that need no driver make of some of them.
	without := map[string]connect.Code{
		"mysql unique":             connect.CodeInternal,
		"mysql deadlock":           connect.CodeInternal,
		"mysql connection killed":  connect.CodeInternal,
		"mysql invalid connection": connect.CodeUnavailable, // by its text
		"pg connect error":         connect.CodeInternal,
		"pg conn closed":           connect.CodeUnavailable, // by its text
		"pg unique":                connect.CodeAlreadyExists,
	}
	crudrt.WithoutErrorClassifiers(func() {
		for _, c := range dbErrorCases() {
			t.Run(c.name, func(t *testing.T) {
				var logs bytes.Buffer
				log := slog.New(slog.NewTextHandler(&logs, nil))
				err := crudrt.DBError(c.ctx, log, "library.v1.Book", "book", c.err)
				got := connect.CodeOf(err)
				if want, ok := without[c.name]; ok {
					assert.Equal(t, want, got)
				}
				var pg *pgconn.PgError
				var my *mysql.MySQLError
				switch {
				case errors.As(c.err, &pg):
					assert.Equal(t, c.want, got, "a SQLSTATE is read without pgx's classifier")
				case got != c.want:
					assert.Equal(t, connect.CodeInternal, got, "an unclassified error is Internal")
				}
				if msg := err.Error(); got == connect.CodeInternal {
					assert.Equal(t, "internal: internal error", msg)
				}
				if got == connect.CodeInternal && errors.As(c.err, &my) {
					assert.Contains(t, logs.String(), `hint="errors of this driver are not classified: import _ \"github.com/protoforge/protoforge/crudrt/mysql\""`)
				}
				if got == connect.CodeInternal && errors.As(c.err, new(*pgconn.ConnectError)) {
					assert.Contains(t, logs.String(), `import _ \"github.com/protoforge/protoforge/crudrt/postgres\"`)
				}
			})
		}
	})
}

func TestCheckErrorClassifier(t *testing.T) {
	for _, d := range []ormrt.Dialect{ormrt.Postgres, ormrt.MySQL, ormrt.SQLite} {
		assert.NoError(t, crudrt.CheckErrorClassifier(d), "%s: registered by this test's imports", d)
	}
	crudrt.WithoutErrorClassifiers(func() {
		assert.EqualError(t, crudrt.CheckErrorClassifier(ormrt.Postgres),
			`crudrt: no classifier of postgres errors is registered: import _ "github.com/protoforge/protoforge/crudrt/postgres"`)
		assert.EqualError(t, crudrt.CheckErrorClassifier(ormrt.MySQL),
			`crudrt: no classifier of mysql errors is registered: import _ "github.com/protoforge/protoforge/crudrt/mysql"`)
		assert.NoError(t, crudrt.CheckErrorClassifier(ormrt.SQLite), "SQLite needs no driver classifier")
	})
}

// TestClassifiers reads each driver's errors with its own classifier.
func TestClassifiers(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("gorm: %w", err) }
	assert.Equal(t, crudrt.DBErrorUnique, crudpostgres.Classify(wrap(&pgconn.PgError{Code: "23505"})))
	assert.Equal(t, crudrt.DBErrorUnstorable, crudpostgres.Classify(wrap(&pgconn.PgError{Code: "22021"})))
	assert.Equal(t, crudrt.DBErrorTimeout, crudpostgres.Classify(wrap(&pgconn.PgError{Code: "57014", Message: "canceling statement due to statement timeout"})))
	assert.Equal(t, crudrt.DBErrorUnavailable, crudpostgres.Classify(wrap(pgconn.ErrConnClosed)))
	assert.Equal(t, crudrt.DBErrorUnknown, crudpostgres.Classify(wrap(&mysql.MySQLError{Number: 1062})))
	assert.Equal(t, crudrt.DBErrorUnique, crudmysql.Classify(wrap(&mysql.MySQLError{Number: 1062})))
	assert.Equal(t, crudrt.DBErrorForeignKey, crudmysql.Classify(wrap(&mysql.MySQLError{Number: 1452})))
	assert.Equal(t, crudrt.DBErrorCheck, crudmysql.Classify(wrap(&mysql.MySQLError{Number: 3819})))
	assert.Equal(t, crudrt.DBErrorTimeout, crudmysql.Classify(wrap(&mysql.MySQLError{Number: 3024})))
	assert.Equal(t, crudrt.DBErrorUnavailable, crudmysql.Classify(wrap(mysql.ErrInvalidConn)))
	assert.Equal(t, crudrt.DBErrorUnknown, crudmysql.Classify(wrap(&pgconn.PgError{Code: "23505"})))
	assert.Equal(t, crudrt.DBErrorUnknown, crudmysql.Classify(errors.Join(errors.New("a"), errors.New("b"))))
}

// TestPanickingClassifier: a classifier that panics makes the error
// Internal, and the request does not crash.
func TestPanickingClassifier(t *testing.T) {
	crudrt.WithoutErrorClassifiers(func() {
		crudrt.RegisterErrorClassifier("oracle", func(error) crudrt.DBErrorKind { panic("bug") })
		var logs bytes.Buffer
		err := crudrt.DBError(t.Context(), slog.New(slog.NewTextHandler(&logs, nil)), "library.v1.Book", "book", errors.New("ORA-00001"))
		assert.Equal(t, connect.CodeInternal, connect.CodeOf(err))
		assert.Contains(t, logs.String(), "ORA-00001")
	})
	assert.NoError(t, crudrt.CheckErrorClassifier(ormrt.MySQL), "the registrations are back")
}

// TestDriversNotLinked lists the packages a server on SQLite alone links
// (testdata/sqliteonly: crudrt, a generated service, glebarez/sqlite), and
// those of ormrt and crudrt/query: neither pgx nor the MySQL driver is
// among them. Only crudrt/postgres and crudrt/mysql bring them in.
func TestDriversNotLinked(t *testing.T) {
	drivers := []string{"github.com/jackc/pgx/v5", "github.com/go-sql-driver/mysql"}
	deps := func(pkgs ...string) []string {
		t.Helper()
		cmd := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...)
		cmd.Dir = gentest.RepoRoot()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "go list -deps %s:\n%s", strings.Join(pkgs, " "), stderr.String())
		return strings.Fields(string(out))
	}
	linked := func(list []string, driver string) bool {
		for _, p := range list {
			if p == driver || strings.HasPrefix(p, driver+"/") {
				return true
			}
		}
		return false
	}
	sqliteOnly := "./" + filepath.ToSlash(filepath.Join("crudrt", "testdata", "sqliteonly"))
	for _, pkg := range []string{sqliteOnly, "./crudrt", "./ormrt", "./crudrt/query"} {
		list := deps(pkg)
		require.NotEmpty(t, list)
		for _, driver := range drivers {
			assert.False(t, linked(list, driver), "%s links %s", pkg, driver)
		}
	}
	assert.True(t, linked(deps(sqliteOnly), "github.com/glebarez/sqlite"), "the program is the one described")
	assert.True(t, linked(deps("./crudrt/postgres"), drivers[0]))
	assert.True(t, linked(deps("./crudrt/mysql"), drivers[1]))
}
