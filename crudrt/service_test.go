package crudrt_test

import (
	"context"
	"testing"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/crudrt/query"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// bookResource describes library.v1.Book as protoc-gen-crud does, reduced
// to what the test needs.
func bookResource() *crudrt.Resource {
	return &crudrt.Resource{
		Name: "library.v1.Book", Collection: "books", Field: "book",
		Key: "id", KeyColumn: "id", AutoKey: true,
		Columns: []query.Column{
			{Path: "id", Name: "id", Kind: query.KindInt},
			{Path: "title", Name: "title", Kind: query.KindString},
			{Path: "state", Name: "state", Kind: query.KindEnum},
		},
		Stored:  []crudrt.StoredField{{Path: "title", Column: "title"}, {Path: "state", Column: "state"}},
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
	for _, c := range res.Columns {
		if c.Enum != nil {
			t.Errorf("NewService set the enum of column %s of the shared resource", c.Path)
		}
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
