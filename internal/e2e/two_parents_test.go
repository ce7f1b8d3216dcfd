package e2e_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	twoparentsv1 "github.com/protoforge/protoforge/internal/e2e/gen/twoparents/v1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestParentsOfTwoTypes serves a resource whose patterns (AIP-123) have
// parents of two types, a binding under a scope or under a membership (as
// GKE Hub's RBACRoleBinding), and its notes, over gRPC and REST on every
// database: created under either parent (NotFound when it does not
// exist), read, listed under its own parent only, updated with etags and
// deleted by either form of name; a parent with bindings refuses a Delete
// unless forced, which deletes its bindings and their notes only; a
// soft-deleted parent takes no new binding. The foreign key to each
// parent holds beside the server.
func TestParentsOfTwoTypes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/twoparents/v1/schema", db.Dialector.Name()+".sql"))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			twoparentsv1.RegisterBindingServiceServer(gs, twoparentsv1.NewBindingServiceCRUD(db))
		}, nil)
		t.Run("gRPC", func(t *testing.T) { twoParentsScenario(t, twoparentsv1.NewBindingServiceClient(conn), "g") })
		t.Run("REST", func(t *testing.T) {
			twoParentsScenario(t, twoparentsv1.NewBindingServiceClient(restConn{t: t, base: base}), "r")
		})
		t.Run("foreign keys", func(t *testing.T) { twoParentsKeys(t, db) })
	})
}

func twoParentsScenario(t *testing.T, c twoparentsv1.BindingServiceClient, tag string) {
	ctx := context.Background()
	project := "projects/p-" + tag
	for _, id := range []string{"x", "y"} {
		_, err := c.CreateScope(ctx, &twoparentsv1.CreateScopeRequest{Parent: project, ScopeId: id, Scope: &twoparentsv1.Scope{}})
		require.NoError(t, err)
		_, err = c.CreateMembership(ctx, &twoparentsv1.CreateMembershipRequest{Parent: project, MembershipId: id, Membership: &twoparentsv1.Membership{}})
		require.NoError(t, err)
	}
	scope, membership := project+"/scopes/x", project+"/memberships/x"

	// The same ids under a scope and under a membership are two bindings.
	sb, err := c.CreateScopeBinding(ctx, &twoparentsv1.CreateScopeBindingRequest{Parent: scope, BindingId: "b", Binding: &twoparentsv1.Binding{Role: "viewer"}})
	require.NoError(t, err)
	assert.Equal(t, scope+"/bindings/b", sb.Name)
	assert.Equal(t, "1", sb.Etag)
	mb, err := c.CreateMembershipBinding(ctx, &twoparentsv1.CreateMembershipBindingRequest{Parent: membership, BindingId: "b", Binding: &twoparentsv1.Binding{Role: "admin"}})
	require.NoError(t, err)
	assert.Equal(t, membership+"/bindings/b", mb.Name)
	_, err = c.CreateScopeBinding(ctx, &twoparentsv1.CreateScopeBindingRequest{Parent: scope, BindingId: "b", Binding: &twoparentsv1.Binding{Role: "viewer"}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	for _, id := range []string{"c", "d"} {
		_, err := c.CreateScopeBinding(ctx, &twoparentsv1.CreateScopeBindingRequest{Parent: project + "/scopes/y", BindingId: id, Binding: &twoparentsv1.Binding{Role: "r"}})
		require.NoError(t, err)
		_, err = c.CreateMembershipBinding(ctx, &twoparentsv1.CreateMembershipBindingRequest{Parent: project + "/memberships/y", BindingId: id, Binding: &twoparentsv1.Binding{Role: "r"}})
		require.NoError(t, err)
	}

	// A parent that does not exist is NotFound, whichever its type; one
	// of no pattern is InvalidArgument naming `parent`.
	_, err = c.CreateScopeBinding(ctx, &twoparentsv1.CreateScopeBindingRequest{Parent: project + "/scopes/nope", BindingId: "b", Binding: &twoparentsv1.Binding{Role: "r"}})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), project+"/scopes/nope")
	_, err = c.CreateMembershipBinding(ctx, &twoparentsv1.CreateMembershipBindingRequest{Parent: project + "/memberships/nope", BindingId: "b", Binding: &twoparentsv1.Binding{Role: "r"}})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), project+"/memberships/nope")
	_, err = c.ListMembershipBindings(ctx, &twoparentsv1.ListMembershipBindingsRequest{Parent: project + "/memberships/nope"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	if tag == "g" {
		// REST routes no such parent (NotFound, HTTP 404).
		_, err = c.CreateScopeBinding(ctx, &twoparentsv1.CreateScopeBindingRequest{Parent: project + "/teams/x", BindingId: "b", Binding: &twoparentsv1.Binding{Role: "r"}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Equal(t, []string{"parent"}, grpcViolationFields(t, err))
	}

	// Get by either form of name; another parent's binding is NotFound.
	got, err := c.GetScopeBinding(ctx, &twoparentsv1.GetScopeBindingRequest{Name: sb.Name})
	require.NoError(t, err)
	assert.Equal(t, "viewer", got.Role)
	got, err = c.GetMembershipBinding(ctx, &twoparentsv1.GetMembershipBindingRequest{Name: mb.Name})
	require.NoError(t, err)
	assert.Equal(t, "admin", got.Role)
	_, err = c.GetScopeBinding(ctx, &twoparentsv1.GetScopeBindingRequest{Name: project + "/scopes/y/bindings/b"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// List: a parent's own bindings; `-` across the parents of one type.
	listScope := func(parent string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*twoparentsv1.Binding, string, error) {
			r, err := c.ListScopeBindings(ctx, &twoparentsv1.ListScopeBindingsRequest{Parent: parent, PageSize: 1, PageToken: token})
			return r.GetBindings(), r.GetNextPageToken(), err
		})
	}
	listMembership := func(parent, filter string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*twoparentsv1.Binding, string, error) {
			r, err := c.ListMembershipBindings(ctx, &twoparentsv1.ListMembershipBindingsRequest{Parent: parent, Filter: filter, PageSize: 1, PageToken: token})
			return r.GetBindings(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{sb.Name}, listScope(scope))
	assert.Equal(t, []string{mb.Name}, listMembership(membership, ""))
	assert.Equal(t, []string{project + "/scopes/y/bindings/c", project + "/scopes/y/bindings/d"}, listScope(project+"/scopes/y"))
	assert.Equal(t, []string{sb.Name, project + "/scopes/y/bindings/c", project + "/scopes/y/bindings/d"}, listScope(project+"/scopes/-"))
	assert.Equal(t, []string{mb.Name, project + "/memberships/y/bindings/c", project + "/memberships/y/bindings/d"}, listMembership(project+"/memberships/-", ""))
	assert.Equal(t, []string{project + "/memberships/y/bindings/d"}, listMembership(project+"/memberships/-", `name = "`+project+`/memberships/*/bindings/d"`))
	assert.Empty(t, listMembership(project+"/memberships/-", `name = "`+project+`/scopes/y/bindings/d"`))

	// Update by either form of name, with etags (AIP-154).
	up, err := c.UpdateScopeBinding(ctx, &twoparentsv1.UpdateScopeBindingRequest{Binding: &twoparentsv1.Binding{Name: sb.Name, Role: "editor", Etag: "1"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"role"}}})
	require.NoError(t, err)
	assert.Equal(t, "editor", up.Role)
	assert.Equal(t, "2", up.Etag)
	_, err = c.UpdateMembershipBinding(ctx, &twoparentsv1.UpdateMembershipBindingRequest{Binding: &twoparentsv1.Binding{Name: mb.Name, Role: "x", Etag: "7"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"role"}}})
	assert.Equal(t, codes.Aborted, status.Code(err), "%v", err)
	up, err = c.UpdateMembershipBinding(ctx, &twoparentsv1.UpdateMembershipBindingRequest{Binding: &twoparentsv1.Binding{Name: mb.Name, Role: "owner"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"role"}}})
	require.NoError(t, err)
	assert.Equal(t, "owner", up.Role)
	got, err = c.GetScopeBinding(ctx, &twoparentsv1.GetScopeBindingRequest{Name: sb.Name})
	require.NoError(t, err)
	assert.Equal(t, "editor", got.Role, "the scope's binding of the same ids is another")
	_, err = c.UpdateScopeBinding(ctx, &twoparentsv1.UpdateScopeBindingRequest{Binding: &twoparentsv1.Binding{Name: project + "/scopes/nope/bindings/b", Role: "r"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"role"}}})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Notes under a binding of either form.
	for _, b := range []string{sb.Name, mb.Name} {
		n, err := c.CreateNote(ctx, &twoparentsv1.CreateNoteRequest{Parent: b, NoteId: "n", Note: &twoparentsv1.Note{Text: "t"}})
		require.NoError(t, err)
		assert.Equal(t, b+"/notes/n", n.Name)
		ln, err := c.ListNotes(ctx, &twoparentsv1.ListNotesRequest{Parent: b})
		require.NoError(t, err)
		assert.Equal(t, []string{n.Name}, namesOf(ln.Notes))
	}

	// A parent with bindings refuses a Delete; force deletes its own
	// bindings and their notes, not the other parent's of the same ids.
	_, err = c.DeleteScope(ctx, &twoparentsv1.DeleteScopeRequest{Name: scope})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	_, err = c.DeleteMembership(ctx, &twoparentsv1.DeleteMembershipRequest{Name: membership})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	_, err = c.DeleteScopeBinding(ctx, &twoparentsv1.DeleteScopeBindingRequest{Name: sb.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a binding with a note: %v", err)
	_, err = c.DeleteScope(ctx, &twoparentsv1.DeleteScopeRequest{Name: scope, Force: true})
	require.NoError(t, err)
	_, err = c.GetScopeBinding(ctx, &twoparentsv1.GetScopeBindingRequest{Name: sb.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	ln, err := c.ListNotes(ctx, &twoparentsv1.ListNotesRequest{Parent: mb.Name})
	require.NoError(t, err)
	assert.Equal(t, []string{mb.Name + "/notes/n"}, namesOf(ln.Notes))

	// Delete by the other form of name, with a stale etag first.
	_, err = c.DeleteMembershipBinding(ctx, &twoparentsv1.DeleteMembershipBindingRequest{Name: mb.Name, Etag: "1", Force: true})
	assert.Equal(t, codes.Aborted, status.Code(err), "%v", err)
	_, err = c.DeleteMembershipBinding(ctx, &twoparentsv1.DeleteMembershipBindingRequest{Name: mb.Name, Force: true})
	require.NoError(t, err)
	assert.Equal(t, []string{project + "/memberships/y/bindings/c", project + "/memberships/y/bindings/d"}, listMembership(project+"/memberships/-", ""))

	// A soft-deleted membership (AIP-164) takes no new binding.
	_, err = c.DeleteMembership(ctx, &twoparentsv1.DeleteMembershipRequest{Name: membership})
	require.NoError(t, err)
	_, err = c.CreateMembershipBinding(ctx, &twoparentsv1.CreateMembershipBindingRequest{Parent: membership, BindingId: "b", Binding: &twoparentsv1.Binding{Role: "r"}})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	// Forced, it removes its bindings (which are not soft deleted).
	_, err = c.DeleteMembership(ctx, &twoparentsv1.DeleteMembershipRequest{Name: project + "/memberships/y", Force: true})
	require.NoError(t, err)
	assert.Empty(t, listMembership(project+"/memberships/-", ""))
	assert.Equal(t, []string{project + "/scopes/y/bindings/c", project + "/scopes/y/bindings/d"}, listScope(project+"/scopes/-"))
}

// twoParentsKeys: the foreign key to each parent type holds for rows
// written beside the server, and does not apply to the rows under a
// parent of the other type, whose parent id column is NULL.
func twoParentsKeys(t *testing.T, db *gorm.DB) {
	require.NoError(t, db.Exec(`INSERT INTO scopes (project, scope, title) VALUES ('k', 's', '')`).Error)
	require.NoError(t, db.Exec(`INSERT INTO memberships (project, membership, title) VALUES ('k', 'm', '')`).Error)
	insert := func(scope, membership, binding string, parentScope, parentMembership any) error {
		return db.Exec(`INSERT INTO bindings (project, scope, membership, binding, parent_scope, parent_membership, role, etag) VALUES ('k', ?, ?, ?, ?, ?, 'r', '1')`,
			scope, membership, binding, parentScope, parentMembership).Error
	}
	assert.Error(t, insert("nope", "", "a", "nope", nil), "a binding under a scope that does not exist")
	assert.Error(t, insert("", "nope", "a", nil, "nope"), "a binding under a membership that does not exist")
	require.NoError(t, insert("s", "", "a", "s", nil))
	require.NoError(t, insert("", "m", "a", nil, "m"))
	assert.Error(t, db.Exec(`DELETE FROM scopes WHERE project = 'k'`).Error, "a scope with a binding")
	assert.Error(t, db.Exec(`DELETE FROM memberships WHERE project = 'k'`).Error, "a membership with a binding")
	require.NoError(t, db.Exec(`DELETE FROM bindings WHERE project = 'k'`).Error)
	require.NoError(t, db.Exec(`DELETE FROM scopes WHERE project = 'k'`).Error)
	require.NoError(t, db.Exec(`DELETE FROM memberships WHERE project = 'k'`).Error)
}
