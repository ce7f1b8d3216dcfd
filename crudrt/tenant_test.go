package crudrt_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/crudrt/query"
	kindsv1 "github.com/protoforge/protoforge/internal/e2e/gen/kinds/v1"
	tenantv1 "github.com/protoforge/protoforge/internal/e2e/gen/tenant/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

type tenantCtxKey struct{}

// asTenant returns a context of a caller of tenant v.
func asTenant(v any) context.Context {
	return context.WithValue(context.Background(), tenantCtxKey{}, v)
}

// tenantOfCtx is the tenant function of the tests: the value asTenant put
// in the context, or the error it put there.
func tenantOfCtx(ctx context.Context) (any, error) {
	v := ctx.Value(tenantCtxKey{})
	if err, ok := v.(error); ok {
		return nil, err
	}
	if v == nil {
		return nil, errors.New("no tenant in the context")
	}
	return v, nil
}

// noteResource describes tenant.v1.Note as protoc-gen-crud does.
func noteResource() *crudrt.Resource {
	return &crudrt.Resource{
		Name: "tenant.v1.Note", Table: "notes", Collection: "notes", Field: "note",
		Columns: []crudrt.Column{
			{Path: "id", Name: "id", GoField: "Id", Type: "int64", Role: crudrt.RoleID, Queryable: true, Kind: query.KindInt, AutoIncrement: true},
			{Path: "tenant_id", Name: "tenant_id", GoField: "TenantId", Type: "string", Role: crudrt.RoleTenant, Queryable: true, Kind: query.KindString, MaxLen: 64},
			{Path: "text", Name: "text", GoField: "Text", Type: "string", Queryable: true, Kind: query.KindString},
			{Path: "create_time", Name: "create_time", GoField: "CreateTime", Type: "google.protobuf.Timestamp", Role: crudrt.RoleCreateTime, Queryable: true, Kind: query.KindTimestamp, Nullable: true},
			{Path: "update_time", Name: "update_time", GoField: "UpdateTime", Type: "google.protobuf.Timestamp", Role: crudrt.RoleUpdateTime, Queryable: true, Kind: query.KindTimestamp, Nullable: true},
			{Path: "delete_time", Name: "delete_time", GoField: "DeleteTime", Type: "google.protobuf.Timestamp", Role: crudrt.RoleDeleteTime, Queryable: true, Kind: query.KindTimestamp, Nullable: true},
			{Path: "etag", Name: "etag", GoField: "Etag", Type: "string", Role: crudrt.RoleEtag, Queryable: true, Kind: query.KindString},
		},
		Operations: crudrt.OpGet | crudrt.OpList | crudrt.OpCreate | crudrt.OpUpdate | crudrt.OpDelete | crudrt.OpUndelete |
			crudrt.OpBatchGet | crudrt.OpBatchCreate | crudrt.OpBatchDelete,
		Message: (*tenantv1.Note)(nil),
		Model:   (*tenantv1.NoteModel)(nil),
		ToModel: func(p proto.Message) (any, error) { return p.(*tenantv1.Note).ToModel() },
		ToProto: func(m any) (proto.Message, error) { return m.(*tenantv1.NoteModel).ToProto() },
	}
}

// everyMethod calls every method of svc as the caller of ctx and returns
// their errors by method.
func everyMethod(ctx context.Context, svc *crudrt.Service, msg proto.Message, key any) map[string]error {
	errs := map[string]error{}
	_, errs["Get"] = svc.Get(ctx, key)
	_, _, errs["List"] = svc.List(ctx, crudrt.ListRequest{})
	_, errs["Create"] = svc.Create(ctx, msg)
	_, errs["Update"] = svc.Update(ctx, msg, nil)
	_, errs["Delete"] = svc.Delete(ctx, key, "")
	_, errs["Undelete"] = svc.Undelete(ctx, key, "")
	_, errs["BatchGet"] = svc.BatchGet(ctx, []any{key})
	_, errs["BatchCreate"] = svc.BatchCreate(ctx, []proto.Message{msg})
	errs["BatchDelete"] = svc.BatchDelete(ctx, []any{key})
	return errs
}

func TestTenantRequired(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	applyE2ESchema(t, db, "tenant")
	svc := crudrt.NewService(db, noteResource())
	for method, err := range everyMethod(context.Background(), svc, &tenantv1.Note{Id: 1, Text: "x"}, int64(1)) {
		if connect.CodeOf(err) != connect.CodeFailedPrecondition || !strings.Contains(fmt.Sprint(err), "crudrt.WithTenant") {
			t.Errorf("%s without WithTenant: %v; want FailedPrecondition naming WithTenant", method, err)
		}
	}
	// A model without a tenant field needs none.
	books := crudrt.NewService(db, bookResource(), crudrt.WithLogger(slog.New(slog.DiscardHandler)), crudrt.WithTenant(func(context.Context) (any, error) {
		t.Fatal("tenant function called for a model without tenant")
		return nil, nil
	}))
	_, err := books.Get(context.Background(), int64(1))
	wantCode(t, err, connect.CodeInternal) // no books table here
}

// TestTenantErrors: the errors of the tenant function reach the client as
// status errors: a plain error is Unauthenticated, status errors keep
// their code; a tenant of a type the runtime cannot store is Internal.
func TestTenantErrors(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	applyE2ESchema(t, db, "tenant")
	svc := crudrt.NewService(db, noteResource(), crudrt.WithTenant(tenantOfCtx))
	own := crudrt.Errorf(connect.CodePermissionDenied, "banned")
	for _, c := range []struct {
		name string
		ctx  context.Context
		want connect.Code
	}{
		{"no tenant", context.Background(), connect.CodeUnauthenticated},
		{"plain error", asTenant(errors.New("bad token")), connect.CodeUnauthenticated},
		{"crudrt error", asTenant(own), connect.CodePermissionDenied},
		{"wrapped crudrt error", asTenant(fmt.Errorf("auth: %w", own)), connect.CodePermissionDenied},
		{"connect error", asTenant(connect.NewError(connect.CodeResourceExhausted, errors.New("quota"))), connect.CodeResourceExhausted},
		{"wrapped connect error", asTenant(fmt.Errorf("auth: %w", connect.NewError(connect.CodeUnauthenticated, errors.New("expired")))), connect.CodeUnauthenticated},
		{"float tenant", asTenant(1.5), connect.CodeInternal},
		{"uint64 tenant", asTenant(uint64(1)), connect.CodeInternal},
		{"struct tenant", asTenant(struct{}{}), connect.CodeInternal},
	} {
		t.Run(c.name, func(t *testing.T) {
			for method, err := range everyMethod(c.ctx, svc, &tenantv1.Note{Id: 1, Text: "x"}, int64(1)) {
				if connect.CodeOf(err) != c.want {
					t.Errorf("%s: %v; want %v", method, err, c.want)
				}
			}
		})
	}
	_, err := svc.Get(asTenant(errors.New("bad token")), int64(1))
	if !strings.Contains(err.Error(), "bad token") {
		t.Errorf("Unauthenticated %q does not give the cause", err)
	}
	_, err = svc.Get(asTenant(own), int64(1))
	var e *crudrt.Error
	if !errors.As(err, &e) || e != own {
		t.Errorf("the tenant function's *crudrt.Error is not returned as is: %v", err)
	}
}

// TestTenantIsolation: every method sees only the caller's rows; another
// tenant's row is NotFound; Create stamps the caller's tenant; page tokens
// are bound to their tenant.
func TestTenantIsolation(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	applyE2ESchema(t, db, "tenant")
	testTenantIsolation(t, db)
}

func testTenantIsolation(t *testing.T, db *gorm.DB) {
	svc := crudrt.NewService(db, noteResource(), crudrt.WithTenant(tenantOfCtx))
	acme, globex := asTenant("acme"), asTenant("globex")
	create := func(ctx context.Context, text string) *tenantv1.Note {
		t.Helper()
		out, err := svc.Create(ctx, &tenantv1.Note{Text: text, TenantId: "globex"})
		if err != nil {
			t.Fatal(err)
		}
		return out.(*tenantv1.Note)
	}
	a1, a2, a3 := create(acme, "a1"), create(acme, "a2"), create(acme, "a3")
	g1 := create(globex, "g1")
	if a1.TenantId != "acme" || g1.TenantId != "globex" {
		t.Fatalf("tenants stamped: %q, %q", a1.TenantId, g1.TenantId)
	}
	out, err := svc.BatchCreate(globex, []proto.Message{&tenantv1.Note{Text: "g2", TenantId: "acme"}})
	if err != nil || out[0].(*tenantv1.Note).TenantId != "globex" {
		t.Fatalf("BatchCreate = %v, %v", out, err)
	}
	g2 := out[0].(*tenantv1.Note)

	items, next, err := svc.List(acme, crudrt.ListRequest{PageSize: 2})
	if err != nil || len(items) != 2 || next == "" {
		t.Fatalf("acme's first page: %v, %q, %v", items, next, err)
	}
	_, _, err = svc.List(globex, crudrt.ListRequest{PageSize: 2, PageToken: next})
	wantInvalid(t, err, "page_token")
	items, next, err = svc.List(acme, crudrt.ListRequest{PageSize: 2, PageToken: next})
	if err != nil || len(items) != 1 || next != "" || !proto.Equal(items[0], a3) {
		t.Fatalf("acme's second page: %v, %q, %v", items, next, err)
	}
	items, _, err = svc.List(globex, crudrt.ListRequest{Filter: `tenant_id = "acme"`})
	if err != nil || len(items) != 0 {
		t.Errorf("globex filtering on acme: %v, %v", items, err)
	}

	// Another tenant's row does not exist.
	for method, err := range map[string]error{
		"Get":         errOf2(svc.Get(globex, a1.Id)),
		"Update":      errOf2(svc.Update(globex, &tenantv1.Note{Id: a1.Id, Text: "mine"}, nil)),
		"Delete":      errOf2(svc.Delete(globex, a1.Id, "")),
		"Undelete":    errOf2(svc.Undelete(globex, a1.Id, "")),
		"BatchGet":    errOf2(svc.BatchGet(globex, []any{g1.Id, a1.Id})),
		"BatchDelete": svc.BatchDelete(globex, []any{g1.Id, a1.Id}),
	} {
		if connect.CodeOf(err) != connect.CodeNotFound {
			t.Errorf("globex %s of acme's note: %v; want NotFound", method, err)
		}
	}
	if got, err := svc.Get(acme, a1.Id); err != nil || !proto.Equal(got, a1) {
		t.Errorf("acme's note after globex's attempts: %v, %v", got, err)
	}
	if got, err := svc.Get(globex, g1.Id); err != nil || got.(*tenantv1.Note).DeleteTime != nil {
		t.Errorf("globex's note after a refused batch: %v, %v", got, err)
	}
	// The tenant of a row never changes.
	up, err := svc.Update(acme, &tenantv1.Note{Id: a2.Id, Text: "moved", TenantId: "globex"}, nil)
	if err != nil || up.(*tenantv1.Note).TenantId != "acme" {
		t.Fatalf("Update = %v, %v", up, err)
	}
	up, err = svc.Update(acme, &tenantv1.Note{Id: a2.Id, TenantId: "globex"}, fieldMask("*"))
	if err != nil || up.(*tenantv1.Note).TenantId != "acme" || up.(*tenantv1.Note).Text != "" {
		t.Fatalf("Update * = %v, %v", up, err)
	}
	if err := svc.BatchDelete(globex, []any{g1.Id, g2.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Undelete(globex, g1.Id, ""); err != nil {
		t.Fatal(err)
	}
	got, err := svc.BatchGet(acme, []any{a3.Id, a1.Id})
	if err != nil || len(got) != 2 || !proto.Equal(got[0], a3) {
		t.Errorf("acme's BatchGet = %v, %v", got, err)
	}
}

func errOf2[T any](_ T, err error) error { return err }

// TestTenantTypes: string and integer tenants are stored in the tenant
// field as its kind spells them, and select the rows.
func TestTenantTypes(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	applyE2ESchema(t, db, "tenant")
	notes := crudrt.NewService(db, noteResource(), crudrt.WithTenant(tenantOfCtx))
	for _, c := range []struct {
		tenant any
		want   string
	}{{"acme", "acme"}, {42, "42"}, {int32(-7), "-7"}, {int64(1 << 40), "1099511627776"}} {
		ctx := asTenant(c.tenant)
		out, err := notes.Create(ctx, &tenantv1.Note{Text: "x"})
		if err != nil {
			t.Fatalf("tenant %#v: %v", c.tenant, err)
		}
		n := out.(*tenantv1.Note)
		if n.TenantId != c.want {
			t.Errorf("tenant %#v stored as %q, want %q", c.tenant, n.TenantId, c.want)
		}
		items, _, err := notes.List(ctx, crudrt.ListRequest{})
		if err != nil || len(items) != 1 || !proto.Equal(items[0], n) {
			t.Errorf("tenant %#v: List = %v, %v", c.tenant, items, err)
		}
	}
	// The same tenant as a string and as an integer is one tenant.
	items, _, err := notes.List(asTenant("42"), crudrt.ListRequest{})
	if err != nil || len(items) != 1 {
		t.Errorf(`tenant "42": List = %v, %v`, items, err)
	}

	// Integer tenant fields: int32 and int64 columns.
	applyE2ESchema(t, db, "kinds")
	for _, c := range []struct {
		field  string
		tenant any
		check  func(*kindsv1.Scalars) bool
	}{
		{"v_int32", 7, func(s *kindsv1.Scalars) bool { return s.VInt32 == 7 }},
		{"v_int32", int64(-3), func(s *kindsv1.Scalars) bool { return s.VInt32 == -3 }},
		{"v_sint32", int32(5), func(s *kindsv1.Scalars) bool { return s.VSint32 == 5 }},
		{"v_int64", int64(1 << 40), func(s *kindsv1.Scalars) bool { return s.VInt64 == 1<<40 }},
		{"v_sfixed64", 9, func(s *kindsv1.Scalars) bool { return s.VSfixed64 == 9 }},
		{"v_string", 12, func(s *kindsv1.Scalars) bool { return s.VString == "12" }},
	} {
		res := scalarsResource("id")
		res.Columns[columnIndex(t, res, c.field)].Role = crudrt.RoleTenant
		svc := crudrt.NewService(db, res, crudrt.WithTenant(tenantOfCtx))
		ctx := asTenant(c.tenant)
		out, err := svc.Create(ctx, &kindsv1.Scalars{VInt32: 99, VInt64: 99, VSint32: 99, VSfixed64: 99, VString: "99"})
		if err != nil {
			t.Fatalf("%s tenant %#v: %v", c.field, c.tenant, err)
		}
		if !c.check(out.(*kindsv1.Scalars)) {
			t.Errorf("%s tenant %#v: stored %v", c.field, c.tenant, out)
		}
		got, err := svc.Get(ctx, out.(*kindsv1.Scalars).Id)
		if err != nil || !proto.Equal(got, out) {
			t.Errorf("%s tenant %#v: Get = %v, %v", c.field, c.tenant, got, err)
		}
		_, err = svc.Get(asTenant(1234567), out.(*kindsv1.Scalars).Id)
		wantCode(t, err, connect.CodeNotFound)
	}
}

// TestTenantOfAnotherKind: a tenant that the tenant field cannot hold (a
// string tenant of an integer field, an integer of a uint64 field, an
// int64 beyond an int32 field) is an error of the server, Internal: not a
// panic, and not a row stamped with another tenant.
func TestTenantOfAnotherKind(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	applyE2ESchema(t, db, "kinds")
	for _, c := range []struct {
		field  string
		tenant any
	}{{"v_int64", "acme"}, {"v_int32", "acme"}, {"v_int32", int64(1 << 32)}} {
		t.Run(fmt.Sprintf("%s %#v", c.field, c.tenant), func(t *testing.T) {
			res := scalarsResource("id")
			res.Columns[columnIndex(t, res, c.field)].Role = crudrt.RoleTenant
			svc := crudrt.NewService(db, res, crudrt.WithTenant(tenantOfCtx))
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("panic: %v", r)
					}
				}()
				_, err = svc.Create(asTenant(c.tenant), &kindsv1.Scalars{})
			}()
			if connect.CodeOf(err) != connect.CodeInternal {
				t.Errorf("Create with tenant %#v in %s: %v; want Internal", c.tenant, c.field, err)
			}
		})
	}
	// A tenant column of a kind tenants cannot have is a broken
	// description: NewService refuses it.
	for _, field := range []string{"v_uint64", "v_bool"} {
		res := scalarsResource("id")
		res.Columns[columnIndex(t, res, field)].Role = crudrt.RoleTenant
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), "has role tenant, which needs a string, int32 or int64 field") {
					t.Errorf("NewService with tenant column %s: recovered %v", field, r)
				}
			}()
			crudrt.NewService(db, res, crudrt.WithTenant(tenantOfCtx))
		}()
	}
}
