package ormrt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

func TestQuoteIdent(t *testing.T) {
	for _, c := range []struct {
		d          ormrt.Dialect
		name, want string
	}{
		{ormrt.Postgres, "books", `"books"`},
		{ormrt.SQLite, "books", `"books"`},
		{ormrt.MySQL, "books", "`books`"},
		{ormrt.Postgres, `we"ird` + "`", `"we""ird` + "`" + `"`},
		{ormrt.SQLite, `a""b`, `"a""""b"`},
		{ormrt.MySQL, "we`ird\"", "`we``ird\"`"},
		{ormrt.MySQL, "", "``"},
	} {
		assert.Equal(t, c.want, ormrt.QuoteIdent(c.d, c.name), "%s %q", c.d, c.name)
	}
}

// TestQuoteIdentOnDatabases creates and reads a table and a column whose
// names hold both quote characters: each database reads the quoted names
// back as they were written.
func TestQuoteIdentOnDatabases(t *testing.T) {
	table, column := "t\"q`x", "c`o\"l"
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		d := ormrt.DialectOf(db)
		q := func(s string) string { return ormrt.QuoteIdent(d, s) }
		require.NoError(t, db.Exec("CREATE TABLE "+q(table)+" ("+q(column)+" INTEGER NOT NULL)").Error)
		require.NoError(t, db.Exec("INSERT INTO "+q(table)+" ("+q(column)+") VALUES (7)").Error)
		var n int
		require.NoError(t, db.Raw("SELECT "+q(column)+" FROM "+q(table)).Scan(&n).Error)
		assert.Equal(t, 7, n)
		tables, err := db.Migrator().GetTables()
		require.NoError(t, err)
		assert.Contains(t, tables, table)
	})
}
