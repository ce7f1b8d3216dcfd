package crudrt_test

import (
	"context"
	"reflect"
	"testing"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/crudrt/query"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// bookResource describes library.v1.Book as protoc-gen-crud does.
func bookResource() *crudrt.Resource {
	return &crudrt.Resource{
		Name: "library.v1.Book", Table: "books", Collection: "books", Field: "book",
		Columns: []crudrt.Column{
			{Path: "id", Name: "id", GoField: "Id", Type: "int64", Role: crudrt.RoleID, Queryable: true, Kind: query.KindInt, AutoIncrement: true},
			{Path: "title", Name: "title", GoField: "Title", Type: "string", Queryable: true, Kind: query.KindString, MaxLen: 300},
			{Path: "author_id", Name: "author_id", GoField: "AuthorId", Type: "int64", Queryable: true, Kind: query.KindInt},
			{Path: "state", Name: "state", GoField: "State", Type: "enum", Queryable: true, Kind: query.KindEnum},
			{Path: "isbn", Name: "isbn", GoField: "Isbn", Type: "uint64", Queryable: true, Kind: query.KindUint64},
			{Path: "tags", Name: "tags", GoField: "Tags", Type: "JSON"},
			{Path: "metadata", Name: "metadata", GoField: "Metadata", Type: "JSON"},
			{Path: "create_time", Name: "create_time", GoField: "CreateTime", Type: "google.protobuf.Timestamp", Role: crudrt.RoleCreateTime, Queryable: true, Kind: query.KindTimestamp, Nullable: true},
			{Path: "update_time", Name: "update_time", GoField: "UpdateTime", Type: "google.protobuf.Timestamp", Role: crudrt.RoleUpdateTime, Queryable: true, Kind: query.KindTimestamp, Nullable: true},
			{Path: "delete_time", Name: "delete_time", GoField: "DeleteTime", Type: "google.protobuf.Timestamp", Role: crudrt.RoleDeleteTime, Queryable: true, Kind: query.KindTimestamp, Nullable: true},
			{Path: "etag", Name: "etag", GoField: "Etag", Type: "string", Role: crudrt.RoleEtag, Queryable: true, Kind: query.KindString},
		},
		Operations: crudrt.OpGet | crudrt.OpList | crudrt.OpCreate | crudrt.OpUpdate | crudrt.OpDelete | crudrt.OpUndelete |
			crudrt.OpBatchGet | crudrt.OpBatchCreate | crudrt.OpBatchDelete,
		Message: (*libraryv1.Book)(nil),
		Model:   (*libraryv1.BookModel)(nil),
		ToModel: func(p proto.Message) (any, error) { return p.(*libraryv1.Book).ToModel() },
		ToProto: func(m any) (proto.Message, error) { return m.(*libraryv1.BookModel).ToProto() },
	}
}

// TestServiceSharesResource builds two services of one resource on two
// databases: enum filters work (the enum type comes from the message) and
// the shared description is left as it was.
func TestServiceSharesResource(t *testing.T) {
	ctx := context.Background()
	res := bookResource()
	for range 2 {
		db := testdb.Open(t, testdb.SQLite)
		applyExample(t, db)
		author, err := libraryv1.NewAuthorServiceCRUD(db).CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "a"}})
		if err != nil {
			t.Fatal(err)
		}
		svc := crudrt.NewService(db, res)
		for _, st := range []libraryv1.BookState{libraryv1.BookState_BOOK_STATE_DRAFT, libraryv1.BookState_BOOK_STATE_PUBLISHED} {
			created, err := svc.Create(ctx, &libraryv1.Book{Title: st.String(), State: st, AuthorId: author.Id, Isbn: uint64(st)})
			if err != nil {
				t.Fatal(err)
			}
			if b := created.(*libraryv1.Book); b.GetId() == 0 || b.GetState() != st {
				t.Fatalf("created %v", b)
			}
		}
		items, next, err := svc.List(ctx, crudrt.ListRequest{Filter: "state = BOOK_STATE_PUBLISHED"})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 || next != "" || items[0].(*libraryv1.Book).GetTitle() != "BOOK_STATE_PUBLISHED" {
			t.Fatalf("filter by enum: %v, next %q", items, next)
		}
		got, err := svc.Get(ctx, items[0].(*libraryv1.Book).GetId())
		if err != nil || !proto.Equal(got, items[0]) {
			t.Fatalf("Get: %v, %v; want %v", got, err, items[0])
		}
	}
	if !reflect.DeepEqual(res.Columns, bookResource().Columns) {
		t.Errorf("NewService changed the columns of the shared resource")
	}
}

func TestRESTRules(t *testing.T) {
	rules := crudrt.RESTRules(
		crudrt.Route{Selector: "s.Get", Verb: "GET", Path: "/v1/x/{id}"},
		crudrt.Route{Selector: "s.Create", Verb: "POST", Path: "/v1/x", Body: "x"},
		crudrt.Route{Selector: "s.Replace", Verb: "PUT", Path: "/v1/x/{x.id}", Body: "x"},
		crudrt.Route{Selector: "s.Update", Verb: "PATCH", Path: "/v1/x/{x.id}", Body: "x"},
		crudrt.Route{Selector: "s.Delete", Verb: "DELETE", Path: "/v1/x/{id}"},
		crudrt.Route{Selector: "s.Head", Verb: "HEAD", Path: "/v1/x/{id}"},
	)
	want := []*annotations.HttpRule{
		{Selector: "s.Get", Pattern: &annotations.HttpRule_Get{Get: "/v1/x/{id}"}},
		{Selector: "s.Create", Pattern: &annotations.HttpRule_Post{Post: "/v1/x"}, Body: "x"},
		{Selector: "s.Replace", Pattern: &annotations.HttpRule_Put{Put: "/v1/x/{x.id}"}, Body: "x"},
		{Selector: "s.Update", Pattern: &annotations.HttpRule_Patch{Patch: "/v1/x/{x.id}"}, Body: "x"},
		{Selector: "s.Delete", Pattern: &annotations.HttpRule_Delete{Delete: "/v1/x/{id}"}},
		{Selector: "s.Head", Pattern: &annotations.HttpRule_Custom{Custom: &annotations.CustomHttpPattern{Kind: "HEAD", Path: "/v1/x/{id}"}}},
	}
	if len(rules) != len(want) {
		t.Fatalf("got %d rules, want %d", len(rules), len(want))
	}
	for i := range want {
		if !proto.Equal(rules[i], want[i]) {
			t.Errorf("rule %d: got %v, want %v", i, rules[i], want[i])
		}
	}
}
