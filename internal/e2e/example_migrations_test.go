package e2e_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/example/migrations"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	pfmigrate "github.com/protoforge/protoforge/internal/migrate"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestExampleMigrationsAreCurrent is the CI gate README documents
// (`protoc-gen-orm migrate check`): the example's committed migrations
// lead to its committed schema.
func TestExampleMigrationsAreCurrent(t *testing.T) {
	root := gentest.RepoRoot()
	var out bytes.Buffer
	err := pfmigrate.Check(pfmigrate.CheckOptions{
		Schema: filepath.Join(root, "example/gen/library/v1/schema/schema.json"),
		Dir:    filepath.Join(root, "example/migrations"),
		Out:    &out,
	})
	require.NoError(t, err, "run: go run ./cmd/protoc-gen-orm migrate diff --schema example/gen/library/v1/schema/schema.json --dir example/migrations --name <change>\n%s", out.String())
}

// TestExampleMigrationsApply applies the example's embedded migrations with
// goose on every database and stores a book through the generated model.
func TestExampleMigrationsApply(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		d := db.Dialector.Name()
		fsys, err := migrations.FS(d)
		require.NoError(t, err)
		sqlDB, err := db.DB()
		require.NoError(t, err)
		p, err := goose.NewProvider(map[string]goose.Dialect{
			"postgres": goose.DialectPostgres, "mysql": goose.DialectMySQL, "sqlite": goose.DialectSQLite3,
		}[d], sqlDB, fsys)
		require.NoError(t, err)
		res, err := p.Up(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, res)

		author, err := (&libraryv1.Author{DisplayName: "Octavia"}).ToModel()
		require.NoError(t, err)
		require.NoError(t, db.Create(author).Error)
		in := &libraryv1.Book{Title: "Kindred", AuthorId: author.Id, State: libraryv1.BookState_BOOK_STATE_PUBLISHED,
			Isbn: 9780807083697, Tags: []string{"classic"}, Metadata: map[string]string{"lang": "en"}, Etag: "1"}
		m, err := in.ToModel()
		require.NoError(t, err)
		require.NoError(t, db.Create(m).Error)
		var got libraryv1.BookModel
		require.NoError(t, db.Take(&got, m.Id).Error)
		out, err := got.ToProto()
		require.NoError(t, err)
		in.Id = m.Id
		assert.True(t, proto.Equal(in, out), "want %v\n got %v", in, out)

		// Deleting the author cascades to the book (ON DELETE CASCADE).
		require.NoError(t, db.Exec("DELETE FROM authors WHERE id = ?", author.Id).Error)
		var n int64
		require.NoError(t, db.Unscoped().Model(&libraryv1.BookModel{}).Count(&n).Error)
		assert.Zero(t, n)
	})
}
