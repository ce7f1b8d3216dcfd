package crudrt_test

import (
	"context"
	"testing"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/example/migrations"
)

// applyExample applies the example's migrations to a SQLite database.
func applyExample(t testing.TB, db *gorm.DB) {
	t.Helper()
	fsys, err := migrations.FS("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, sqlDB, fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
}
