// Package migrations embeds the example's versioned migrations, written by
// `protoc-gen-orm migrate diff --format goose`, one directory per dialect.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql mysql/*.sql sqlite/*.sql
var files embed.FS

// FS returns the migrations of a dialect ("postgres", "mysql" or
// "sqlite"), ready for goose.NewProvider.
func FS(dialect string) (fs.FS, error) {
	return fs.Sub(files, dialect)
}
