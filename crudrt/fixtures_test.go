package crudrt_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"connectrpc.com/connect"
	"github.com/pressly/goose/v3"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/crudrt/query"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/example/migrations"
	kindsv1 "github.com/protoforge/protoforge/internal/e2e/gen/kinds/v1"
	rulesv1 "github.com/protoforge/protoforge/internal/e2e/gen/rules/v1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

// The fixtures of the tests of the Service: the example's library on any
// dialect, descriptions of the example's and the e2e protos' models as
// protoc-gen-crud writes them, and assertions on status errors.

// migrateExample applies the example's migrations to db, on any dialect.
func migrateExample(t testing.TB, db *gorm.DB) {
	t.Helper()
	d := db.Dialector.Name()
	fsys, err := migrations.FS(d)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	dialect := map[string]goose.Dialect{"postgres": goose.DialectPostgres, "mysql": goose.DialectMySQL, "sqlite": goose.DialectSQLite3}[d]
	p, err := goose.NewProvider(dialect, sqlDB, fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// applyE2ESchema creates the tables of an e2e proto package ("tenant",
// "rules", "kinds") from its generated schema.
func applyE2ESchema(t testing.TB, db *gorm.DB, pkg string) {
	t.Helper()
	path := filepath.Join(gentest.RepoRoot(), "internal/e2e/gen", pkg, "v1/schema", db.Dialector.Name()+".sql")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := atlasmigrate.Stmts(string(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stmts {
		if err := db.Exec(st.Text).Error; err != nil {
			t.Fatalf("%s: %v", st.Text, err)
		}
	}
}

// library is the example's schema on one database with services of its
// books and authors.
type library struct {
	db      *gorm.DB
	books   *crudrt.Service
	authors *crudrt.Service
	// author is the id of an author created with the library.
	author int64
}

// newLibrary opens a database of dialect d with the example's schema and
// one author; opts configure the book service.
func newLibrary(t testing.TB, d testdb.Dialect, opts ...crudrt.Option) *library {
	t.Helper()
	db := testdb.Open(t, d)
	migrateExample(t, db)
	l := &library{db: db, books: crudrt.NewService(db, bookResource(), opts...), authors: crudrt.NewService(db, authorResource())}
	a, err := l.authors.Create(context.Background(), &libraryv1.Author{DisplayName: "Ursula"})
	if err != nil {
		t.Fatal(err)
	}
	l.author = a.(*libraryv1.Author).GetId()
	return l
}

// addBook creates a book of the library's author.
func (l *library) addBook(t testing.TB, b *libraryv1.Book) *libraryv1.Book {
	t.Helper()
	if b.AuthorId == 0 {
		b.AuthorId = l.author
	}
	created, err := l.books.Create(context.Background(), b)
	if err != nil {
		t.Fatalf("Create %v: %v", b, err)
	}
	return created.(*libraryv1.Book)
}

// getBook reads a book as stored.
func (l *library) getBook(t testing.TB, id int64) *libraryv1.Book {
	t.Helper()
	got, err := l.books.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get %d: %v", id, err)
	}
	return got.(*libraryv1.Book)
}

// countRows counts the rows of a table, deleted or not.
func countRows(t testing.TB, db *gorm.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// authorResource describes library.v1.Author as protoc-gen-crud does: a
// model without etag or delete_time, so deletion is a DELETE.
func authorResource() *crudrt.Resource {
	return &crudrt.Resource{
		Name: "library.v1.Author", Table: "authors", Collection: "authors", Field: "author",
		Columns: []crudrt.Column{
			{Path: "id", Name: "id", GoField: "Id", Type: "int64", Role: crudrt.RoleID, Queryable: true, Kind: query.KindInt, AutoIncrement: true},
			{Path: "display_name", Name: "display_name", GoField: "DisplayName", Type: "string", Queryable: true, Kind: query.KindString, MaxLen: 200},
			{Path: "create_time", Name: "create_time", GoField: "CreateTime", Type: "google.protobuf.Timestamp", Role: crudrt.RoleCreateTime, Queryable: true, Kind: query.KindTimestamp, Nullable: true},
			{Path: "update_time", Name: "update_time", GoField: "UpdateTime", Type: "google.protobuf.Timestamp", Role: crudrt.RoleUpdateTime, Queryable: true, Kind: query.KindTimestamp, Nullable: true},
		},
		Operations: crudrt.OpGet | crudrt.OpList | crudrt.OpCreate | crudrt.OpUpdate | crudrt.OpDelete |
			crudrt.OpBatchGet | crudrt.OpBatchCreate | crudrt.OpBatchDelete,
		Message: (*libraryv1.Author)(nil),
		Model:   (*libraryv1.AuthorModel)(nil),
		ToModel: func(p proto.Message) (any, error) { return p.(*libraryv1.Author).ToModel() },
		ToProto: func(m any) (proto.Message, error) { return m.(*libraryv1.AuthorModel).ToProto() },
	}
}

// scalarsResource describes kinds.v1.Scalars with its key on the field
// keyPath (every other column ordinary), for keys of every kind.
func scalarsResource(keyPath string) *crudrt.Resource {
	layout, err := ormrt.LayoutOf(reflect.TypeFor[kindsv1.ScalarsModel]())
	if err != nil {
		panic(err)
	}
	res := &crudrt.Resource{
		Name: "kinds.v1.Scalars", Table: "scalars", Collection: "scalars", Field: "scalars",
		Operations: crudrt.OpGet | crudrt.OpList | crudrt.OpCreate | crudrt.OpUpdate | crudrt.OpDelete |
			crudrt.OpBatchGet | crudrt.OpBatchCreate | crudrt.OpBatchDelete,
		Message: (*kindsv1.Scalars)(nil),
		Model:   (*kindsv1.ScalarsModel)(nil),
		ToModel: func(p proto.Message) (any, error) { return p.(*kindsv1.Scalars).ToModel() },
		ToProto: func(m any) (proto.Message, error) { return m.(*kindsv1.ScalarsModel).ToProto() },
	}
	for i, c := range layout.Columns {
		col := crudrt.Column{Path: c, Name: c, GoField: layout.Fields[i].Name}
		if c == keyPath {
			col.Role = crudrt.RoleID
			col.Queryable, col.Kind = true, query.KindInt
			col.AutoIncrement = c == "id"
		}
		res.Columns = append(res.Columns, col)
	}
	return res
}

// gadgetResource describes rules.v1.Gadget as protoc-gen-crud does, with
// its IMMUTABLE and OUTPUT_ONLY fields and rules of every family.
func gadgetResource() *crudrt.Resource {
	return &crudrt.Resource{
		Name: "rules.v1.Gadget", Table: "gadgets", Collection: "gadgets", Field: "gadget",
		Columns: []crudrt.Column{
			{Path: "id", Name: "id", GoField: "Id", Type: "int64", Role: crudrt.RoleID, Queryable: true, Kind: query.KindInt, AutoIncrement: true},
			{Path: "name", Name: "name", GoField: "Name", Type: "string", Queryable: true, Kind: query.KindString, MaxLen: 40},
			{Path: "weight", Name: "weight", GoField: "Weight", Type: "int32", Queryable: true, Kind: query.KindInt},
			{Path: "code", Name: "code", GoField: "Code", Type: "string", Queryable: true, Kind: query.KindString},
			{Path: "power", Name: "power", GoField: "Power", Type: "enum", Queryable: true, Kind: query.KindEnum},
			{Path: "serial", Name: "serial", GoField: "Serial", Type: "uint64", Queryable: true, Kind: query.KindUint64},
			{Path: "owner", Name: "owner", GoField: "Owner", Type: "string", Queryable: true, Kind: query.KindString},
			{Path: "create_time", Name: "create_time", GoField: "CreateTime", Type: "google.protobuf.Timestamp", Role: crudrt.RoleCreateTime, Queryable: true, Kind: query.KindTimestamp, Nullable: true},
			{Path: "note", Name: "note", GoField: "Note", Type: "string", Queryable: true, Kind: query.KindString, MaxLen: 5},
			{Path: "tags", Name: "tags", GoField: "Tags", Type: "JSON"},
			{Path: "level", Name: "level", GoField: "Level", Type: "int32", Queryable: true, Kind: query.KindInt},
			{Path: "ratio", Name: "ratio", GoField: "Ratio", Type: "double", Queryable: true, Kind: query.KindFloat},
		},
		Operations: crudrt.OpGet | crudrt.OpList | crudrt.OpCreate | crudrt.OpUpdate | crudrt.OpDelete |
			crudrt.OpBatchGet | crudrt.OpBatchCreate | crudrt.OpBatchDelete,
		Message: (*rulesv1.Gadget)(nil),
		Model:   (*rulesv1.GadgetModel)(nil),
		ToModel: func(p proto.Message) (any, error) { return p.(*rulesv1.Gadget).ToModel() },
		ToProto: func(m any) (proto.Message, error) { return m.(*rulesv1.GadgetModel).ToProto() },
	}
}

// tagResource describes kinds.v1.Tag, whose key is a string the client
// chooses.
func tagResource() *crudrt.Resource {
	return &crudrt.Resource{
		Name: "kinds.v1.Tag", Table: "tags", Collection: "tags", Field: "tag",
		Columns: []crudrt.Column{
			{Path: "name", Name: "name", GoField: "Name", Type: "string", Role: crudrt.RoleID, Queryable: true, Kind: query.KindString, MaxLen: 255},
			{Path: "uses", Name: "uses", GoField: "Uses", Type: "uint64", Queryable: true, Kind: query.KindUint64},
		},
		Operations: crudrt.OpGet | crudrt.OpList | crudrt.OpCreate | crudrt.OpUpdate | crudrt.OpDelete |
			crudrt.OpBatchGet | crudrt.OpBatchCreate | crudrt.OpBatchDelete,
		Message: (*kindsv1.Tag)(nil),
		Model:   (*kindsv1.TagModel)(nil),
		ToModel: func(p proto.Message) (any, error) { return p.(*kindsv1.Tag).ToModel() },
		ToProto: func(m any) (proto.Message, error) { return m.(*kindsv1.TagModel).ToProto() },
	}
}

// wantCode fails unless err is a status error with code want.
func wantCode(t testing.TB, err error, want connect.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %v", want)
	}
	if got := connect.CodeOf(err); got != want {
		t.Fatalf("code %v, want %v (error: %v)", got, want, err)
	}
}

// violations returns the field paths of the google.rpc.BadRequest an
// error carries, in order, as connect-go clients read them.
func violations(t testing.TB, err error) []string {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("%v is not a *connect.Error", err)
	}
	var fields []string
	for _, d := range ce.Details() {
		v, err := d.Value()
		if err != nil {
			t.Fatal(err)
		}
		if br, ok := v.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				fields = append(fields, fv.GetField())
			}
		}
	}
	return fields
}

// wantInvalid fails unless err is InvalidArgument naming exactly fields.
func wantInvalid(t testing.TB, err error, fields ...string) {
	t.Helper()
	wantCode(t, err, connect.CodeInvalidArgument)
	got := violations(t, err)
	if len(got) != len(fields) {
		t.Fatalf("violations %q, want %q (error: %v)", got, fields, err)
	}
	for i := range got {
		if got[i] != fields[i] {
			t.Fatalf("violations %q, want %q (error: %v)", got, fields, err)
		}
	}
}

// generatedLibrary applies the example's migrations to db and returns its
// generated book service and an author of it.
func generatedLibrary(t testing.TB, db *gorm.DB, opts ...crudrt.Option) (*libraryv1.BookServiceCRUD, *libraryv1.Author) {
	t.Helper()
	migrateExample(t, db)
	a, err := libraryv1.NewAuthorServiceCRUD(db).CreateAuthor(context.Background(), &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	return libraryv1.NewBookServiceCRUD(db, opts...), a
}
