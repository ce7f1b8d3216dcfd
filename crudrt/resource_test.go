package crudrt_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/crudrt/query"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	rulesv1 "github.com/protoforge/protoforge/internal/e2e/gen/rules/v1"
	scaffoldv1 "github.com/protoforge/protoforge/internal/e2e/gen/scaffold/v1"
	tenantv1 "github.com/protoforge/protoforge/internal/e2e/gen/tenant/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestResourceCheckAcceptsGenerated: the descriptions protoc-gen-crud
// writes, and the hand-written ones of these tests, pass Check, and the
// generated constructors build their services.
func TestResourceCheckAcceptsGenerated(t *testing.T) {
	for _, res := range []*crudrt.Resource{bookResource(), authorResource(), tagResource(), scalarsResource("id"), scalarsResource("v_uint64")} {
		if err := res.Check(); err != nil {
			t.Errorf("%s: %v", res.Name, err)
		}
	}
	db := testdb.Open(t, testdb.SQLite)
	libraryv1.NewBookServiceCRUD(db)
	libraryv1.NewAuthorServiceCRUD(db)
	tenantv1.NewNoteServiceCRUD(db)
	rulesv1.NewGadgetServiceCRUD(db)
	scaffoldv1.NewGizmoServiceCRUD(db)
}

// column returns the index of the column of field path in res.
func columnIndex(t *testing.T, res *crudrt.Resource, path string) int {
	t.Helper()
	for i, c := range res.Columns {
		if c.Path == path {
			return i
		}
	}
	t.Fatalf("%s has no column %q", res.Name, path)
	return -1
}

// TestResourceCheck reports every inconsistency of a description, and
// NewService panics with the same message.
func TestResourceCheck(t *testing.T) {
	type noColumns struct{ ID int64 }
	cases := []struct {
		name   string
		change func(t *testing.T, r *crudrt.Resource)
		want   []string
	}{
		{"wrong name", func(t *testing.T, r *crudrt.Resource) { r.Name = "library.v1.Livre" },
			[]string{`Name is "library.v1.Livre" but Message is library.v1.Book`}},
		{"empty table", func(t *testing.T, r *crudrt.Resource) { r.Table = "" },
			[]string{"Table is empty", `Table is "" but the model's TableName is "books"`}},
		{"table name mismatch", func(t *testing.T, r *crudrt.Resource) { r.Table = "livres" },
			[]string{`Table is "livres" but the model's TableName is "books"`}},
		{"unknown path", func(t *testing.T, r *crudrt.Resource) { r.Columns[columnIndex(t, r, "title")].Path = "titel" },
			[]string{`column "title": library.v1.Book has no field "titel"`}},
		{"no column name", func(t *testing.T, r *crudrt.Resource) { r.Columns[columnIndex(t, r, "title")].Name = "" },
			[]string{`field "title" has no column name`, `differ from the model's`}},
		{"duplicate path", func(t *testing.T, r *crudrt.Resource) { r.Columns[columnIndex(t, r, "author_id")].Path = "title" },
			[]string{`field "title" is described twice`}},
		{"two columns with one role", func(t *testing.T, r *crudrt.Resource) { r.Columns[columnIndex(t, r, "author_id")].Role = crudrt.RoleID },
			[]string{`columns "id" and "author_id" both have role id`}},
		{"etag of the wrong type", func(t *testing.T, r *crudrt.Resource) {
			r.Columns[columnIndex(t, r, "etag")].Role = crudrt.RoleOrdinary
			r.Columns[columnIndex(t, r, "author_id")].Role = crudrt.RoleEtag
		}, []string{`column "author_id" has role etag, which needs a string field, not int64`}},
		{"list kind on a string", func(t *testing.T, r *crudrt.Resource) {
			r.Columns[columnIndex(t, r, "title")].Kind = query.KindStringList
		}, []string{`column "title" is queried as a list of strings, but field "title" is string`}},
		{"map kind on a list", func(t *testing.T, r *crudrt.Resource) {
			r.Columns[columnIndex(t, r, "tags")].Queryable, r.Columns[columnIndex(t, r, "tags")].Kind = true, query.KindStringMap
		}, []string{`column "tags" is queried as a map of strings, but field "tags" is repeated field`}},
		{"uid of the wrong type", func(t *testing.T, r *crudrt.Resource) {
			r.Columns[columnIndex(t, r, "isbn")].Role = crudrt.RoleUID
		}, []string{`column "isbn" has role uid, which needs a string field, not uint64`}},
		{"time of the wrong type", func(t *testing.T, r *crudrt.Resource) {
			r.Columns[columnIndex(t, r, "update_time")].Role = crudrt.RoleOrdinary
			r.Columns[columnIndex(t, r, "tags")].Role = crudrt.RoleUpdateTime
		}, []string{`column "tags" has role update_time, which needs a google.protobuf.Timestamp field, not repeated field`}},
		{"delete_time of the wrong type", func(t *testing.T, r *crudrt.Resource) {
			r.Columns[columnIndex(t, r, "delete_time")].Role = crudrt.RoleOrdinary
			r.Columns[columnIndex(t, r, "title")].Role = crudrt.RoleDeleteTime
		}, []string{`column "title" has role delete_time, which needs a google.protobuf.Timestamp field, not string`}},
		{"max length of a number", func(t *testing.T, r *crudrt.Resource) { r.Columns[columnIndex(t, r, "isbn")].MaxLen = 13 },
			[]string{`column "isbn" has a length limit but field "isbn" is not a string`}},
		{"reference key without a reference", func(t *testing.T, r *crudrt.Resource) {
			c := &r.Columns[columnIndex(t, r, "author_id")]
			c.Role, c.Path, c.Nullable = crudrt.RoleReference, "title", true
		}, []string{`column "author_id" has role reference, which needs a nullable column after the described resource_reference field "title"`}},
		{"list of references on a string", func(t *testing.T, r *crudrt.Resource) {
			r.Columns[columnIndex(t, r, "title")].ListRefersTo = &crudrt.Reference{Name: "library.v1.Author"}
		}, []string{`column "title": ListRefersTo needs a repeated string field stored as JSON`}},
		{"held parent of no string field", func(t *testing.T, r *crudrt.Resource) {
			r.HeldParent = &crudrt.HeldParent{Field: "author_id"}
		}, []string{`HeldParent.Field "author_id" is not a stored string field`}},
		{"held parent of no field", func(t *testing.T, r *crudrt.Resource) { r.HeldParent = &crudrt.HeldParent{Field: "parent"} },
			[]string{`HeldParent.Field "parent" is not a stored string field`}},
		{"no id", func(t *testing.T, r *crudrt.Resource) { r.Columns[columnIndex(t, r, "id")].Role = crudrt.RoleOrdinary },
			[]string{"no column has role id"}},
		{"undelete without delete_time", func(t *testing.T, r *crudrt.Resource) {
			r.Columns[columnIndex(t, r, "delete_time")].Role = crudrt.RoleOrdinary
		}, []string{"Undelete needs a column with role delete_time"}},
		{"column order", func(t *testing.T, r *crudrt.Resource) {
			i, j := columnIndex(t, r, "title"), columnIndex(t, r, "author_id")
			r.Columns[i], r.Columns[j] = r.Columns[j], r.Columns[i]
		}, []string{`columns ["id" "author_id" "title"`, `differ from the model's ["id" "title" "author_id"`}},
		{"missing column", func(t *testing.T, r *crudrt.Resource) { r.Columns = r.Columns[:len(r.Columns)-1] },
			[]string{"differ from the model's"}},
		{"model without column tags", func(t *testing.T, r *crudrt.Resource) { r.Model = (*noColumns)(nil) },
			[]string{"differ from the model's []"}},
		{"column on another field", func(t *testing.T, r *crudrt.Resource) { r.Columns[1].GoField = "Nope" },
			[]string{"is the model's field", ", not Nope"}},
		{"model is a struct", func(t *testing.T, r *crudrt.Resource) { r.Model = libraryv1.BookModel{} },
			[]string{"Model is libraryv1.BookModel; want a nil pointer to the model struct"}},
		{"model is a pointer to an int", func(t *testing.T, r *crudrt.Resource) { r.Model = new(int64) },
			[]string{"Model is *int64; want a nil pointer to the model struct"}},
		{"no message", func(t *testing.T, r *crudrt.Resource) { r.Message = nil },
			[]string{`resource "library.v1.Book": Message, Model, ToModel and ToProto are required`}},
		{"no model", func(t *testing.T, r *crudrt.Resource) { r.Model = nil },
			[]string{"Message, Model, ToModel and ToProto are required"}},
		{"no ToModel", func(t *testing.T, r *crudrt.Resource) { r.ToModel = nil },
			[]string{"Message, Model, ToModel and ToProto are required"}},
		{"no ToProto", func(t *testing.T, r *crudrt.Resource) { r.ToProto = nil },
			[]string{"Message, Model, ToModel and ToProto are required"}},
		{"method field unknown", func(t *testing.T, r *crudrt.Resource) {
			r.Methods = []crudrt.Method{{Name: "library.v1.BookService.GetBook", Op: crudrt.OpGet, Request: "library.v1.GetBookRequest", Response: "library.v1.Book", Key: "ident"}}
		}, []string{`method library.v1.BookService.GetBook: library.v1.GetBookRequest has no field "ident"`}},
		{"method field of the wrong type", func(t *testing.T, r *crudrt.Resource) {
			r.Methods = []crudrt.Method{{Name: "library.v1.BookService.DeleteBook", Op: crudrt.OpDelete, Request: "library.v1.DeleteBookRequest", Response: "library.v1.Book", Key: "etag", Etag: "id"}}
		}, []string{"field library.v1.DeleteBookRequest.id is int64, want string"}},
		{"method without its key", func(t *testing.T, r *crudrt.Resource) {
			r.Methods = []crudrt.Method{{Name: "library.v1.BookService.GetBook", Op: crudrt.OpGet, Request: "library.v1.GetBookRequest", Response: "library.v1.Book"}}
		}, []string{"method library.v1.BookService.GetBook (Get) needs one of Key and NameField"}},
		{"batch get of requests that name no book", func(t *testing.T, r *crudrt.Resource) {
			r.Methods = []crudrt.Method{{Name: "x.BatchGet", Op: crudrt.OpBatchGet, Request: "library.v1.BatchCreateBooksRequest", Response: "library.v1.BatchGetBooksResponse", Requests: "requests", Items: "books"}}
		}, []string{"(BatchGet) needs one of Keys, Names and Requests (with one of RequestKey and RequestName)"}},
		{"batch get of requests whose name is no string", func(t *testing.T, r *crudrt.Resource) {
			r.Methods = []crudrt.Method{{Name: "x.BatchGet", Op: crudrt.OpBatchGet, Request: "library.v1.BatchUpdateBooksRequest", Response: "library.v1.BatchGetBooksResponse", Requests: "requests", RequestName: "update_mask", Items: "books"}}
		}, []string{"field library.v1.UpdateBookRequest.update_mask is google.protobuf.FieldMask, want string"}},
		{"method answering another message", func(t *testing.T, r *crudrt.Resource) {
			r.Methods = []crudrt.Method{{Name: "library.v1.BookService.GetBook", Op: crudrt.OpGet, Request: "library.v1.GetBookRequest", Response: "library.v1.Author", Key: "id"}}
		}, []string{"(Get) needs the resource as the response"}},
		{"list without its items", func(t *testing.T, r *crudrt.Resource) {
			r.Methods = []crudrt.Method{{Name: "library.v1.BookService.ListBooks", Op: crudrt.OpList, Request: "library.v1.ListBooksRequest", Response: "library.v1.ListBooksResponse", Items: "next_page_token", NextPageToken: "next_page_token"}}
		}, []string{"field library.v1.ListBooksResponse.next_page_token is string, want repeated library.v1.Book", "(List) needs Items and NextPageToken"}},
		{"method of an operation not offered", func(t *testing.T, r *crudrt.Resource) {
			r.Operations &^= crudrt.OpGet
			r.Methods = []crudrt.Method{{Name: "library.v1.BookService.GetBook", Op: crudrt.OpGet, Request: "library.v1.GetBookRequest", Response: "library.v1.Book", Key: "id"}}
		}, []string{"method library.v1.BookService.GetBook: Operations do not include Get"}},
		{"method of two operations", func(t *testing.T, r *crudrt.Resource) {
			r.Methods = []crudrt.Method{{Name: "x.Get", Op: crudrt.OpGet | crudrt.OpList, Request: "library.v1.GetBookRequest", Response: "library.v1.Book", Key: "id"}}
		}, []string{"method x.Get: Op is Get|List, want one operation"}},
		{"method without types", func(t *testing.T, r *crudrt.Resource) {
			r.Methods = []crudrt.Method{{Name: "x.Get", Op: crudrt.OpGet, Key: "id"}}
		}, []string{"method x.Get: Request and Response are required"}},
		{"spec with an unknown name", func(t *testing.T, r *crudrt.Resource) {
			*r = crudrt.Resource{Spec: `{"Name": "library.v1.Book", "Tabel": "books"}`, Message: r.Message, Model: r.Model, ToModel: r.ToModel, ToProto: r.ToProto}
		}, []string{`Spec: json: unknown field "Tabel"`}},
		{"spec with an unknown role", func(t *testing.T, r *crudrt.Resource) {
			*r = crudrt.Resource{Spec: `{"Name": "library.v1.Book", "Columns": [{"Path": "id", "Role": "key"}]}`, Message: r.Message, Model: r.Model, ToModel: r.ToModel, ToProto: r.ToProto}
		}, []string{`no role "key"`}},
		{"spec with an unknown operation", func(t *testing.T, r *crudrt.Resource) {
			*r = crudrt.Resource{Spec: `{"Name": "library.v1.Book", "Operations": "Get|Watch"}`, Message: r.Message, Model: r.Model, ToModel: r.ToModel, ToProto: r.ToProto}
		}, []string{`no method "Watch"`}},
		{"spec and the fields it holds", func(t *testing.T, r *crudrt.Resource) {
			r.Spec = `{"Name": "library.v1.Book"}`
		}, []string{"both Spec and the fields it holds are set"}},
		{"method of an unknown message", func(t *testing.T, r *crudrt.Resource) {
			r.Methods = []crudrt.Method{{Name: "x.Get", Op: crudrt.OpGet, Request: "library.v1.FetchBookRequest", Response: "library.v1.Book", Key: "id"}}
		}, []string{`method x.Get: request library.v1.FetchBookRequest: `, "not found"}},
		{"parents of several types, wrongly held", func(t *testing.T, r *crudrt.Resource) {
			r.Parent = &crudrt.ParentTable{Name: "library.v1.Author", Table: "authors", Columns: []string{"id"}}
			r.Parents = []crudrt.ParentTable{{Name: "library.v1.Author", Table: "authors", Columns: []string{"id"}, Of: []string{"title", "isbn"}}}
			r.Columns = append(r.Columns, crudrt.Column{Path: "title", Name: "title_id", GoField: "Title", Type: "string", Role: crudrt.RoleParentID})
		}, []string{"both Parent and Parents are set", "Parents: library.v1.Author has 1 columns and 2 Of", `Parents: library.v1.Author: "title" is no column of role parent`,
			`column "title_id" has role parent_id, which needs a nullable column of the string name field`}},
		{"every error at once", func(t *testing.T, r *crudrt.Resource) {
			r.Name = "x.Y"
			r.Columns[columnIndex(t, r, "id")].Role = crudrt.RoleOrdinary
			r.Columns[columnIndex(t, r, "isbn")].MaxLen = 1
		}, []string{`Name is "x.Y"`, "no column has role id", `column "isbn" has a length limit`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := bookResource()
			c.change(t, res)
			err := res.Check()
			if err == nil {
				t.Fatal("Check passed")
			}
			if !strings.HasPrefix(err.Error(), "crudrt: resource ") {
				t.Errorf("error %q does not start with crudrt: resource", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			db := testdb.Open(t, testdb.SQLite)
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("NewService did not panic")
				}
				if msg := fmt.Sprint(r); msg != err.Error() {
					t.Errorf("NewService panicked with %q, want %q", msg, err)
				}
			}()
			crudrt.NewService(db, res)
		})
	}
}

func TestRoleString(t *testing.T) {
	for r, want := range map[crudrt.Role]string{
		crudrt.RoleOrdinary: "ordinary", crudrt.RoleID: "id", crudrt.RoleEtag: "etag", crudrt.RoleDeleteTime: "delete_time",
		crudrt.RoleCreateTime: "create_time", crudrt.RoleUpdateTime: "update_time", crudrt.RoleTenant: "tenant",
		crudrt.RolePurgeTime: "purge_time", crudrt.RoleParent: "parent", crudrt.RoleReference: "reference", crudrt.RoleUID: "uid", crudrt.RoleParentID: "parent_id", crudrt.Role(12): "Role(12)", crudrt.Role(-1): "Role(-1)",
	} {
		if got := r.String(); got != want {
			t.Errorf("Role(%d).String() = %q, want %q", int(r), got, want)
		}
	}
}

func TestOpString(t *testing.T) {
	all := crudrt.OpGet | crudrt.OpList | crudrt.OpCreate | crudrt.OpUpdate | crudrt.OpDelete | crudrt.OpUndelete |
		crudrt.OpBatchGet | crudrt.OpBatchCreate | crudrt.OpBatchDelete
	for o, want := range map[crudrt.Op]string{
		0:                                 "none",
		crudrt.OpGet:                      "Get",
		crudrt.OpList | crudrt.OpGet:      "Get|List",
		crudrt.OpBatchDelete:              "BatchDelete",
		crudrt.OpUndelete | 1<<12:         "Undelete",
		1 << 12:                           "none",
		all:                               "Get|List|Create|Update|Delete|Undelete|BatchGet|BatchCreate|BatchDelete",
		crudrt.OpCreate | crudrt.OpUpdate: "Create|Update",
	} {
		if got := o.String(); got != want {
			t.Errorf("Op(%#x).String() = %q, want %q", uint16(o), got, want)
		}
	}
}

// TestUnimplemented: every method a resource does not declare answers
// Unimplemented, naming it, before reading its arguments or the database.
func TestUnimplemented(t *testing.T) {
	res := bookResource()
	res.Operations = 0
	// No tables: an operation that reached the database would fail otherwise.
	svc := crudrt.NewService(testdb.Open(t, testdb.SQLite), res)
	ctx := context.Background()
	calls := map[string]func() error{
		"Get":         func() error { _, err := svc.Get(ctx, int64(1)); return err },
		"List":        func() error { _, _, err := svc.List(ctx, crudrt.ListRequest{PageSize: -1}); return err },
		"Create":      func() error { _, err := svc.Create(ctx, nil); return err },
		"Update":      func() error { _, err := svc.Update(ctx, nil, nil); return err },
		"Delete":      func() error { _, err := svc.Delete(ctx, int64(1), ""); return err },
		"Undelete":    func() error { _, err := svc.Undelete(ctx, int64(1), ""); return err },
		"BatchGet":    func() error { _, err := svc.BatchGet(ctx, nil); return err },
		"BatchCreate": func() error { _, err := svc.BatchCreate(ctx, []proto.Message{nil}); return err },
		"BatchDelete": func() error { return svc.BatchDelete(ctx, nil) },
	}
	for name, call := range calls {
		err := call()
		wantCode(t, err, connect.CodeUnimplemented)
		if want := "library.v1.Book does not implement " + name; !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %q does not say %q", name, err, want)
		}
	}
	// One missing operation among others.
	res = bookResource()
	res.Operations &^= crudrt.OpBatchGet
	svc = crudrt.NewService(testdb.Open(t, testdb.SQLite), res)
	_, err := svc.BatchGet(ctx, []any{int64(1)})
	wantCode(t, err, connect.CodeUnimplemented)
	if svc.Resource() != res {
		t.Errorf("Resource() is not the description the service was built from")
	}
}

// TestCallRefusesMismatch: Call answers Internal, never panics, when a
// generated method passes a place or a request that does not match its
// resource's Methods.
func TestCallRefusesMismatch(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	svc := libraryv1.NewBookServiceCRUD(db).CRUDServices()[0]
	ctx := context.Background()
	_, err := crudrt.Call[*libraryv1.Book](ctx, svc, 0, &libraryv1.ListBooksRequest{})
	wantCode(t, err, connect.CodeInternal)
	if !strings.Contains(err.Error(), "library.v1.BookService.GetBook takes library.v1.GetBookRequest, not library.v1.ListBooksRequest") {
		t.Errorf("error %q does not name the method and both requests", err)
	}
	for _, i := range []int{-1, len(svc.Resource().Methods)} {
		_, err := crudrt.Call[*libraryv1.Book](ctx, svc, i, &libraryv1.GetBookRequest{Id: 1})
		wantCode(t, err, connect.CodeInternal)
	}
	// The right place, but a response type other than the method's.
	_, err = crudrt.Call[*libraryv1.Author](ctx, svc, 1, &libraryv1.ListBooksRequest{})
	wantCode(t, err, connect.CodeInternal)
}
