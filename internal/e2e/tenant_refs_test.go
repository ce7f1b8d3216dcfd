package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	tenantrefsv1 "github.com/protoforge/protoforge/internal/e2e/gen/tenantrefs/v1"
	"github.com/protoforge/protoforge/internal/e2e/gen/tenantrefs/v1/tenantrefsv1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// tenantMetadata puts the caller's tenant, from the x-tenant metadata
// (the X-Tenant header of a REST request, which the transcoder passes
// on), into the context, as an authentication interceptor would.
func tenantMetadata(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get("x-tenant"); len(v) > 0 && v[0] != "" {
			ctx = context.WithValue(ctx, tenantKey{}, v[0])
		}
	}
	return handler(ctx, req)
}

// connectStatusConn is a grpc.ClientConnInterface that calls unary methods over
// the Connect protocol (binary), with header, its errors turned into the
// gRPC statuses of the same code, message and details.
type connectStatusConn struct {
	base   string
	header http.Header
}

// protoBox carries a request to the codec, and a response's bytes back.
type protoBox struct {
	m   proto.Message
	raw []byte
}

type rawBoxCodec struct{}

func (rawBoxCodec) Name() string                    { return "proto" }
func (rawBoxCodec) Marshal(v any) ([]byte, error)   { return proto.Marshal(v.(*protoBox).m) }
func (rawBoxCodec) Unmarshal(b []byte, v any) error { v.(*protoBox).raw = slices.Clone(b); return nil }

func (c connectStatusConn) Invoke(ctx context.Context, method string, args, reply any, _ ...grpc.CallOption) error {
	client := connect.NewClient[protoBox, protoBox](http.DefaultClient, c.base+method, connect.WithCodec(rawBoxCodec{}))
	req := connect.NewRequest(&protoBox{m: args.(proto.Message)})
	for k, v := range c.header {
		req.Header()[k] = v
	}
	res, err := client.CallUnary(ctx, req)
	var ce *connect.Error
	if errors.As(err, &ce) {
		st := &spb.Status{Code: int32(ce.Code()), Message: ce.Message()}
		for _, d := range ce.Details() {
			st.Details = append(st.Details, &anypb.Any{TypeUrl: "type.googleapis.com/" + d.Type(), Value: d.Bytes()})
		}
		return status.ErrorProto(st)
	}
	if err != nil {
		return err
	}
	return proto.Unmarshal(res.Msg.raw, reply.(proto.Message))
}

func (connectStatusConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, status.Error(codes.Unimplemented, "connectStatusConn: no streams")
}

// tenantConn calls as one tenant over gRPC.
type tenantConn struct {
	grpc.ClientConnInterface
	tenant string
}

func (c tenantConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return c.ClientConnInterface.Invoke(metadata.AppendToOutgoingContext(ctx, "x-tenant", c.tenant), method, args, reply, opts...)
}

// TestTenantReferences: what a write names is checked in the caller's
// tenant, over gRPC and REST on every database. A task of one tenant
// names a team (google.api.resource_reference) and an owner
// ((protoforge.v1.field).references, a foreign key) of its tenant only,
// on Create, Update, BatchCreate and BatchUpdate, and comes back with
// them on Undelete; a board every tenant shares names a team of the
// caller's; a folder's parent, held in a field, is a resource of the
// caller's tenant (or one every tenant shares, or another API's), and
// a List under another tenant's is NotFound as under a missing one. Over
// Connect too, served by the handler with the interceptor that reads the
// caller's tenant.
// Another tenant's resource is answered exactly as one that does not
// exist: the same code, message and details, its name aside.
func TestTenantReferences(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/tenantrefs/v1/schema", db.Dialector.Name()+".sql"))
		crud := tenantrefsv1.NewRefServiceCRUD(db, crudrt.WithTenant(tenantFromContext))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) { tenantrefsv1.RegisterRefServiceServer(gs, crud) }, nil, grpc.UnaryInterceptor(tenantMetadata))
		t.Run("gRPC", func(t *testing.T) {
			tenantReferencesScenario(t, func(tenant string) grpc.ClientConnInterface { return tenantConn{conn, tenant} }, "g")
		})
		t.Run("REST", func(t *testing.T) {
			tenantReferencesScenario(t, func(tenant string) grpc.ClientConnInterface {
				return restConn{t: t, base: base, header: http.Header{"X-Tenant": {tenant}}}
			}, "r")
		})
		mux := http.NewServeMux()
		mux.Handle(tenantrefsv1connect.NewRefServiceHandler(crud, connect.WithInterceptors(tenantInterceptor())))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		t.Run("Connect", func(t *testing.T) {
			tenantReferencesScenario(t, func(tenant string) grpc.ClientConnInterface {
				return connectStatusConn{base: srv.URL, header: http.Header{"X-Tenant": {tenant}}}
			}, "c")
		})

		// A typed store checks the same way: another tenant's team is
		// not found.
		store, err := crudrt.StoreOf[*tenantrefsv1.Task](crud)
		require.NoError(t, err)
		ctx := context.WithValue(context.Background(), tenantKey{}, "acme")
		_, err = store.Create(ctx, &tenantrefsv1.Task{Title: "by store", Team: "teams/blue-g"})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Contains(t, status.Convert(err).Message(), `"teams/blue-g" does not exist`)
		task, err := store.Create(ctx, &tenantrefsv1.Task{Title: "by store", Team: "teams/red-g"})
		require.NoError(t, err)
		_, err = store.Update(ctx, &tenantrefsv1.Task{Name: task.Name, Team: "teams/blue-g"}, &fieldmaskpb.FieldMask{Paths: []string{"team"}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	})
}

// sameAnswer asserts that err, about name, is the answer want gives
// about missing: the same status, message and details but for the name.
func sameAnswer(t *testing.T, err error, name string, want error, missing string) {
	t.Helper()
	require.Error(t, err)
	require.Error(t, want)
	got, exp := status.Convert(err), status.Convert(want)
	assert.Equal(t, exp.Code(), got.Code(), "%v", err)
	gj, gerr := protojson.Marshal(got.Proto())
	ej, eerr := protojson.Marshal(exp.Proto())
	require.NoError(t, gerr)
	require.NoError(t, eerr)
	assert.Equal(t, strings.ReplaceAll(string(ej), missing, name), string(gj))
}

func tenantReferencesScenario(t *testing.T, as func(tenant string) grpc.ClientConnInterface, tag string) {
	ctx := context.Background()
	acme, globex := tenantrefsv1.NewRefServiceClient(as("acme")), tenantrefsv1.NewRefServiceClient(as("globex"))
	withStatus := tag != "r" // REST's answer has the code and message only
	withDetails := func(err error) {
		t.Helper()
		if withStatus {
			assert.NotEmpty(t, status.Convert(err).Details(), "%v", err)
		}
	}
	blue, red := "teams/blue-"+tag, "teams/red-"+tag
	_, err := globex.CreateTeam(ctx, &tenantrefsv1.CreateTeamRequest{TeamId: "blue-" + tag, Team: &tenantrefsv1.Team{Title: "globex's"}})
	require.NoError(t, err)
	_, err = acme.CreateTeam(ctx, &tenantrefsv1.CreateTeamRequest{TeamId: "red-" + tag, Team: &tenantrefsv1.Team{Title: "acme's"}})
	require.NoError(t, err)
	gOwner, err := globex.CreateOwner(ctx, &tenantrefsv1.CreateOwnerRequest{Owner: &tenantrefsv1.Owner{DisplayName: "g"}})
	require.NoError(t, err)
	aOwner, err := acme.CreateOwner(ctx, &tenantrefsv1.CreateOwnerRequest{Owner: &tenantrefsv1.Owner{DisplayName: "a"}})
	require.NoError(t, err)
	const noOwner = int64(987654321)
	ownerText := func(id int64) string { return fmt.Sprintf("Owner %d", id) }
	none := "teams/none-" + tag

	// Create: a reference and a foreign key to globex's rows.
	createTask := func(task *tenantrefsv1.Task) error {
		_, err := acme.CreateTask(ctx, &tenantrefsv1.CreateTaskRequest{Task: task})
		return err
	}
	err = createTask(&tenantrefsv1.Task{Title: "t", Team: blue})
	withDetails(err)
	sameAnswer(t, err, blue, createTask(&tenantrefsv1.Task{Title: "t", Team: none}), none)
	assert.Equal(t, codes.InvalidArgument, status.Code(err))
	err = createTask(&tenantrefsv1.Task{Title: "t", OwnerId: &gOwner.Id})
	withDetails(err)
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	missingOwner := noOwner
	sameAnswer(t, err, ownerText(gOwner.Id), createTask(&tenantrefsv1.Task{Title: "t", OwnerId: &missingOwner}), ownerText(noOwner))
	task, err := acme.CreateTask(ctx, &tenantrefsv1.CreateTaskRequest{Task: &tenantrefsv1.Task{Title: "t", Team: red, OwnerId: &aOwner.Id}})
	require.NoError(t, err, "acme's own team and owner")
	assert.Equal(t, "acme", task.TenantId)

	// Update: a mask naming the reference or the key.
	update := func(task *tenantrefsv1.Task, paths ...string) error {
		_, err := acme.UpdateTask(ctx, &tenantrefsv1.UpdateTaskRequest{Task: task, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		return err
	}
	err = update(&tenantrefsv1.Task{Name: task.Name, Team: blue}, "team")
	sameAnswer(t, err, blue, update(&tenantrefsv1.Task{Name: task.Name, Team: none}, "team"), none)
	err = update(&tenantrefsv1.Task{Name: task.Name, OwnerId: &gOwner.Id}, "owner_id")
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	sameAnswer(t, err, ownerText(gOwner.Id), update(&tenantrefsv1.Task{Name: task.Name, OwnerId: &missingOwner}, "owner_id"), ownerText(noOwner))
	require.NoError(t, update(&tenantrefsv1.Task{Name: task.Name, Title: "renamed"}, "title"))

	// BatchCreate and BatchUpdate: the element is named.
	batchCreate := func(team string) error {
		_, err := acme.BatchCreateTasks(ctx, &tenantrefsv1.BatchCreateTasksRequest{Requests: []*tenantrefsv1.CreateTaskRequest{
			{Task: &tenantrefsv1.Task{Title: "b0", Team: red}}, {Task: &tenantrefsv1.Task{Title: "b1", Team: team}}}})
		return err
	}
	err = batchCreate(blue)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "requests[1].task.team")
	sameAnswer(t, err, blue, batchCreate(none), none)
	batchUpdate := func(owner int64) error {
		_, err := acme.BatchUpdateTasks(ctx, &tenantrefsv1.BatchUpdateTasksRequest{Requests: []*tenantrefsv1.UpdateTaskRequest{
			{Task: &tenantrefsv1.Task{Name: task.Name, OwnerId: &owner}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"owner_id"}}}}})
		return err
	}
	err = batchUpdate(gOwner.Id)
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "requests[0].task.owner_id")
	sameAnswer(t, err, ownerText(gOwner.Id), batchUpdate(noOwner), ownerText(noOwner))
	require.NoError(t, batchUpdate(aOwner.Id))

	// Undelete checks the team it comes back with in acme's tenant.
	_, err = acme.DeleteTask(ctx, &tenantrefsv1.DeleteTaskRequest{Name: task.Name})
	require.NoError(t, err)
	back, err := acme.UndeleteTask(ctx, &tenantrefsv1.UndeleteTaskRequest{Name: task.Name})
	require.NoError(t, err)
	assert.Equal(t, red, back.Team)

	// A board every tenant shares names a team of the caller's.
	createBoard := func(team string) error {
		_, err := acme.CreateBoard(ctx, &tenantrefsv1.CreateBoardRequest{Board: &tenantrefsv1.Board{Title: "b", Team: team}})
		return err
	}
	err = createBoard(blue)
	sameAnswer(t, err, blue, createBoard(none), none)
	require.NoError(t, createBoard(red))
	board, err := globex.CreateBoard(ctx, &tenantrefsv1.CreateBoardRequest{BoardId: "shared-" + tag, Board: &tenantrefsv1.Board{Title: "shared"}})
	require.NoError(t, err)
	_, err = tenantrefsv1.NewRefServiceClient(as("")).CreateBoard(ctx, &tenantrefsv1.CreateBoardRequest{Board: &tenantrefsv1.Board{Title: "b", Team: red}})
	assert.Equal(t, codes.Unauthenticated, status.Code(err), "a board may name a team of a tenant: the caller has one: %v", err)

	// A task names a board every tenant shares, whoever made it.
	require.NoError(t, update(&tenantrefsv1.Task{Name: task.Name, Board: board.Name}, "board"))

	// A folder's parent, held in a field: the caller's, shared, or
	// another API's.
	createFolder := func(c tenantrefsv1.RefServiceClient, parent string) (*tenantrefsv1.Folder, error) {
		return c.CreateFolder(ctx, &tenantrefsv1.CreateFolderRequest{Folder: &tenantrefsv1.Folder{Parent: parent, Title: "f"}})
	}
	gFolder, err := createFolder(globex, "teams/blue-"+tag)
	require.NoError(t, err)
	for _, other := range []string{blue, gFolder.Name} {
		_, err = createFolder(acme, other)
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
		_, want := createFolder(acme, "folders/none-"+tag)
		if strings.HasPrefix(other, "teams/") {
			_, want = createFolder(acme, none)
			sameAnswer(t, err, other, want, none)
		} else {
			sameAnswer(t, err, other, want, "folders/none-"+tag)
		}
	}
	aFolder, err := createFolder(acme, red)
	require.NoError(t, err)
	_, err = createFolder(acme, board.Name)
	require.NoError(t, err, "a board every tenant shares")
	ext, err := createFolder(acme, "billingAccounts/1")
	require.NoError(t, err, "another API's resource is stored as sent")
	moveFolder := func(parent string) error {
		_, err := acme.UpdateFolder(ctx, &tenantrefsv1.UpdateFolderRequest{Folder: &tenantrefsv1.Folder{Name: ext.Name, Parent: parent},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"parent"}}})
		return err
	}
	err = moveFolder(gFolder.Name)
	sameAnswer(t, err, gFolder.Name, moveFolder("folders/none-"+tag), "folders/none-"+tag)
	require.NoError(t, moveFolder(aFolder.Name))

	// The List of the folders under a parent held in a field: another
	// tenant's parent answers as one that does not exist (NOT_FOUND,
	// AIP-132); another API's resource is a page.
	listFolders := func(c tenantrefsv1.RefServiceClient, parent string) (*tenantrefsv1.ListFoldersResponse, error) {
		return c.ListFolders(ctx, &tenantrefsv1.ListFoldersRequest{Parent: parent})
	}
	for other, missing := range map[string]string{blue: none, gFolder.Name: "folders/none-" + tag} {
		_, err = listFolders(acme, other)
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
		withDetails(err)
		_, want := listFolders(acme, missing)
		sameAnswer(t, err, other, want, missing)
	}
	for parent, want := range map[string]string{red: aFolder.Name, aFolder.Name: ext.Name} {
		page, err := listFolders(acme, parent)
		require.NoError(t, err)
		require.Len(t, page.Folders, 1)
		assert.Equal(t, want, page.Folders[0].Name)
		assert.EqualValues(t, 1, page.TotalSize)
	}
	page, err := listFolders(acme, ext.Name)
	require.NoError(t, err, "a folder with no folders in it")
	assert.Empty(t, page.Folders)
	page, err = listFolders(globex, "billingAccounts/none")
	require.NoError(t, err, "another API's resource is not looked up")
	assert.Empty(t, page.Folders)
	assert.Zero(t, page.TotalSize)
}

// TestListUnderHeldParent: a List, and its Count (AIP-132's total_size),
// under a parent held in a field (Resource.HeldParent) is NotFound
// (PARENT_NOT_FOUND, naming it) when the parent is a resource of the
// package that does not exist in the caller's tenant, whichever type it
// names, and asked only when the page is empty; a parent of no pattern
// of the package is another API's, whose List is a page; "-" for its id
// lists across the parents of its type.
func TestListUnderHeldParent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/tenantrefs/v1/schema", db.Dialector.Name()+".sql"))
		crud := tenantrefsv1.NewRefServiceCRUD(db, crudrt.WithTenant(tenantFromContext))
		teams, err := crudrt.StoreOf[*tenantrefsv1.Team](crud)
		require.NoError(t, err)
		folders, err := crudrt.StoreOf[*tenantrefsv1.Folder](crud)
		require.NoError(t, err)
		acme := context.WithValue(context.Background(), tenantKey{}, "acme")
		globex := context.WithValue(context.Background(), tenantKey{}, "globex")
		_, err = teams.CreateWithID(globex, "blue", &tenantrefsv1.Team{Title: "globex's"})
		require.NoError(t, err)
		under, err := folders.Create(globex, &tenantrefsv1.Folder{Parent: "teams/blue", Title: "g"})
		require.NoError(t, err)
		list := func(ctx context.Context, parent string) (int, int64, error, error) {
			req := crudrt.ListRequest{Parent: parent, ParentField: "parent"}
			items, _, lerr := folders.List(ctx, req)
			n, cerr := folders.Count(ctx, req)
			return len(items), n, lerr, cerr
		}
		for _, parent := range []string{"teams/blue", under.Name, "teams/none", "folders/none"} {
			_, _, lerr, cerr := list(acme, parent)
			for _, err := range []error{lerr, cerr} {
				var e *crudrt.Error
				require.ErrorAs(t, err, &e, parent)
				assert.Equal(t, connect.CodeNotFound, e.Code(), "%v", err)
				assert.Equal(t, "PARENT_NOT_FOUND", e.Reason())
				assert.Contains(t, e.Error(), `"`+parent+`" not found`)
			}
		}
		for parent, want := range map[string]int{"teams/blue": 1, under.Name: 0} {
			items, n, lerr, cerr := list(globex, parent)
			require.NoError(t, lerr, parent)
			require.NoError(t, cerr, parent)
			assert.Equal(t, want, items, parent)
			assert.EqualValues(t, want, n, parent)
		}
		items, n, lerr, cerr := list(acme, "billingAccounts/1")
		require.NoError(t, lerr)
		require.NoError(t, cerr)
		assert.Zero(t, items)
		assert.Zero(t, n)
		// AIP-159: "-" reads across the parents of that type, in the
		// caller's tenant; none is an empty page, not NotFound.
		for _, tc := range []struct {
			ctx    context.Context
			parent string
			want   int
		}{{globex, "teams/-", 1}, {acme, "teams/-", 0}, {globex, "folders/-", 0}} {
			items, n, lerr, cerr := list(tc.ctx, tc.parent)
			require.NoError(t, lerr, tc.parent)
			require.NoError(t, cerr, tc.parent)
			assert.Equal(t, tc.want, items, tc.parent)
			assert.EqualValues(t, tc.want, n, tc.parent)
		}
	})
}
