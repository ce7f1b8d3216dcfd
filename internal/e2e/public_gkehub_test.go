package e2e_test

import (
	"context"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	gkehubv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/gkehub"
)

// TestPublicGKEHub serves GKE Hub v1 (google/cloud/gkehub/v1, unchanged)
// on every database, over gRPC and over REST through its own
// google.api.http annotations: memberships, created and updated with the
// resource in `resource` (CreateMembershipRequest.resource, with
// `membership_id`), and namespaces of a scope, whose methods are named
// after the scope and the message (GetScopeNamespace of a Namespace,
// CreateScopeNamespace's `scope_namespace` and `scope_namespace_id`), and
// RBAC role bindings under a scope or under a membership (AIP-123, two
// parent types); every write long-running.
func TestPublicGKEHub(t *testing.T) {
	servePublic(t, "gkehub", func(gs *grpc.Server, db *gorm.DB) {
		gkehubv1.RegisterGkeHubServer(gs, gkehubv1.NewGkeHubCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		gkehubScenario(t, gkehubv1.NewGkeHubClient(cc), tag)
	})
}

func gkehubScenario(t *testing.T, c gkehubv1.GkeHubClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/global"
	done := func(op *longrunningpb.Operation, err error, resp proto.Message, verb, target string) {
		t.Helper()
		cloudOperationDone(t, op, err, resp, &gkehubv1.OperationMetadata{}, verb, target)
	}

	// Memberships: the resource in `resource`, its id in membership_id.
	m := &gkehubv1.Membership{}
	op, err := c.CreateMembership(ctx, &gkehubv1.CreateMembershipRequest{Parent: loc, MembershipId: "m1",
		Resource: &gkehubv1.Membership{ExternalId: "ext-1", Labels: map[string]string{"env": "dev"}}})
	done(op, err, m, "create", loc+"/memberships/m1")
	assert.Equal(t, loc+"/memberships/m1", m.Name)
	assert.Equal(t, "ext-1", m.ExternalId)
	got, err := c.GetMembership(ctx, &gkehubv1.GetMembershipRequest{Name: m.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(m, got), "Get: %v, created: %v", got, m)
	op, err = c.UpdateMembership(ctx, &gkehubv1.UpdateMembershipRequest{Name: m.Name, Resource: &gkehubv1.Membership{ExternalId: "ext-2", Labels: map[string]string{"env": "prod"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}}})
	up := &gkehubv1.Membership{}
	done(op, err, up, "update", m.Name)
	assert.Equal(t, map[string]string{"env": "prod"}, up.Labels)
	assert.Equal(t, "ext-1", up.ExternalId, "not in the mask")
	_, err = c.CreateMembership(ctx, &gkehubv1.CreateMembershipRequest{Parent: loc, MembershipId: "m1", Resource: &gkehubv1.Membership{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	if tag == "g" {
		// Over REST the body is the resource, an empty one at least.
		_, err = c.CreateMembership(ctx, &gkehubv1.CreateMembershipRequest{Parent: loc, MembershipId: "m2"})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "no resource: %v", err)
	}
	ms, err := c.ListMemberships(ctx, &gkehubv1.ListMembershipsRequest{Parent: loc})
	require.NoError(t, err)
	assert.Equal(t, []string{m.Name}, namesOf(ms.Resources))

	// Namespaces of a scope.
	scope := &gkehubv1.Scope{}
	op, err = c.CreateScope(ctx, &gkehubv1.CreateScopeRequest{Parent: loc, ScopeId: "team-a", Scope: &gkehubv1.Scope{}})
	done(op, err, scope, "create", loc+"/scopes/team-a")
	ns := &gkehubv1.Namespace{}
	op, err = c.CreateScopeNamespace(ctx, &gkehubv1.CreateScopeNamespaceRequest{Parent: scope.Name, ScopeNamespaceId: "frontend",
		ScopeNamespace: &gkehubv1.Namespace{Scope: scope.Name, Labels: map[string]string{"tier": "web"}}})
	done(op, err, ns, "create", scope.Name+"/namespaces/frontend")
	assert.Equal(t, scope.Name+"/namespaces/frontend", ns.Name)
	gotNs, err := c.GetScopeNamespace(ctx, &gkehubv1.GetScopeNamespaceRequest{Name: ns.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(ns, gotNs), "Get: %v, created: %v", gotNs, ns)
	_, err = c.GetScopeNamespace(ctx, &gkehubv1.GetScopeNamespaceRequest{Name: scope.Name + "/namespaces/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	_, err = c.CreateScopeNamespace(ctx, &gkehubv1.CreateScopeNamespaceRequest{Parent: loc + "/scopes/nobody", ScopeNamespaceId: "x",
		ScopeNamespace: &gkehubv1.Namespace{Scope: scope.Name}})
	assert.Equal(t, codes.NotFound, status.Code(err), "under a scope that does not exist: %v", err)
	op, err = c.UpdateScopeNamespace(ctx, &gkehubv1.UpdateScopeNamespaceRequest{ScopeNamespace: &gkehubv1.Namespace{Name: ns.Name, NamespaceLabels: map[string]string{"team": "a"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"namespace_labels"}}})
	upNs := &gkehubv1.Namespace{}
	done(op, err, upNs, "update", ns.Name)
	assert.Equal(t, map[string]string{"team": "a"}, upNs.NamespaceLabels)
	assert.Equal(t, map[string]string{"tier": "web"}, upNs.Labels)
	list, err := c.ListScopeNamespaces(ctx, &gkehubv1.ListScopeNamespacesRequest{Parent: scope.Name})
	require.NoError(t, err)
	assert.Equal(t, []string{ns.Name}, namesOf(list.ScopeNamespaces))
	op, err = c.DeleteScopeNamespace(ctx, &gkehubv1.DeleteScopeNamespaceRequest{Name: ns.Name})
	require.NoError(t, err)
	require.True(t, op.GetDone(), "%v", op)
	require.Nil(t, op.GetError(), "%v", op)
	list, err = c.ListScopeNamespaces(ctx, &gkehubv1.ListScopeNamespacesRequest{Parent: scope.Name})
	require.NoError(t, err)
	assert.Empty(t, list.ScopeNamespaces)

	// RBAC role bindings (AIP-123), under a scope or under a membership,
	// two resources: the same id under each is another binding, each
	// parent lists its own, and each form of name is read, updated and
	// deleted by its parent's methods.
	role := func(r gkehubv1.RBACRoleBinding_Role_PredefinedRoles) *gkehubv1.RBACRoleBinding_Role {
		return &gkehubv1.RBACRoleBinding_Role{PredefinedRole: r}
	}
	sb := &gkehubv1.RBACRoleBinding{}
	op, err = c.CreateScopeRBACRoleBinding(ctx, &gkehubv1.CreateScopeRBACRoleBindingRequest{Parent: scope.Name, RbacrolebindingId: "r1",
		Rbacrolebinding: &gkehubv1.RBACRoleBinding{Principal: &gkehubv1.RBACRoleBinding_User{User: "alice"}, Role: role(gkehubv1.RBACRoleBinding_Role_VIEW)}})
	done(op, err, sb, "create", scope.Name+"/rbacrolebindings/r1")
	assert.Equal(t, "alice", sb.GetUser())
	assert.NotEmpty(t, sb.Uid)
	mb := &gkehubv1.RBACRoleBinding{}
	op, err = c.CreateMembershipRBACRoleBinding(ctx, &gkehubv1.CreateMembershipRBACRoleBindingRequest{Parent: m.Name, RbacrolebindingId: "r1",
		Rbacrolebinding: &gkehubv1.RBACRoleBinding{Principal: &gkehubv1.RBACRoleBinding_Group{Group: "ops"}, Role: role(gkehubv1.RBACRoleBinding_Role_ADMIN)}})
	done(op, err, mb, "create", m.Name+"/rbacrolebindings/r1")
	assert.Equal(t, "ops", mb.GetGroup())
	_, err = c.CreateScopeRBACRoleBinding(ctx, &gkehubv1.CreateScopeRBACRoleBindingRequest{Parent: loc + "/scopes/nobody", RbacrolebindingId: "r1",
		Rbacrolebinding: &gkehubv1.RBACRoleBinding{Principal: &gkehubv1.RBACRoleBinding_User{User: "bob"}, Role: role(gkehubv1.RBACRoleBinding_Role_VIEW)}})
	assert.Equal(t, codes.NotFound, status.Code(err), "under a scope that does not exist: %v", err)
	_, err = c.CreateMembershipRBACRoleBinding(ctx, &gkehubv1.CreateMembershipRBACRoleBindingRequest{Parent: loc + "/memberships/nobody", RbacrolebindingId: "r1",
		Rbacrolebinding: &gkehubv1.RBACRoleBinding{Principal: &gkehubv1.RBACRoleBinding_User{User: "bob"}, Role: role(gkehubv1.RBACRoleBinding_Role_VIEW)}})
	assert.Equal(t, codes.NotFound, status.Code(err), "under a membership that does not exist: %v", err)
	gotB, err := c.GetScopeRBACRoleBinding(ctx, &gkehubv1.GetScopeRBACRoleBindingRequest{Name: sb.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(sb, gotB), "Get: %v, created: %v", gotB, sb)
	gotB, err = c.GetMembershipRBACRoleBinding(ctx, &gkehubv1.GetMembershipRBACRoleBindingRequest{Name: mb.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(mb, gotB), "Get: %v, created: %v", gotB, mb)
	_, err = c.GetMembershipRBACRoleBinding(ctx, &gkehubv1.GetMembershipRBACRoleBindingRequest{Name: loc + "/memberships/nobody/rbacrolebindings/r1"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	ls, err := c.ListScopeRBACRoleBindings(ctx, &gkehubv1.ListScopeRBACRoleBindingsRequest{Parent: scope.Name})
	require.NoError(t, err)
	assert.Equal(t, []string{sb.Name}, namesOf(ls.Rbacrolebindings))
	lm, err := c.ListMembershipRBACRoleBindings(ctx, &gkehubv1.ListMembershipRBACRoleBindingsRequest{Parent: m.Name})
	require.NoError(t, err)
	assert.Equal(t, []string{mb.Name}, namesOf(lm.Rbacrolebindings))

	upB := &gkehubv1.RBACRoleBinding{}
	op, err = c.UpdateScopeRBACRoleBinding(ctx, &gkehubv1.UpdateScopeRBACRoleBindingRequest{Rbacrolebinding: &gkehubv1.RBACRoleBinding{Name: sb.Name, Role: role(gkehubv1.RBACRoleBinding_Role_EDIT)},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"role"}}})
	done(op, err, upB, "update", sb.Name)
	assert.Equal(t, gkehubv1.RBACRoleBinding_Role_EDIT, upB.GetRole().GetPredefinedRole())
	assert.Equal(t, "alice", upB.GetUser(), "not in the mask")
	op, err = c.UpdateMembershipRBACRoleBinding(ctx, &gkehubv1.UpdateMembershipRBACRoleBindingRequest{Rbacrolebinding: &gkehubv1.RBACRoleBinding{Name: mb.Name, Labels: map[string]string{"team": "ops"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}}})
	done(op, err, upB, "update", mb.Name)
	assert.Equal(t, map[string]string{"team": "ops"}, upB.Labels)
	assert.Equal(t, gkehubv1.RBACRoleBinding_Role_ADMIN, upB.GetRole().GetPredefinedRole(), "the membership's binding of the same id")

	for _, del := range []func() (*longrunningpb.Operation, error){
		func() (*longrunningpb.Operation, error) {
			return c.DeleteScopeRBACRoleBinding(ctx, &gkehubv1.DeleteScopeRBACRoleBindingRequest{Name: sb.Name})
		},
		func() (*longrunningpb.Operation, error) {
			return c.DeleteMembershipRBACRoleBinding(ctx, &gkehubv1.DeleteMembershipRBACRoleBindingRequest{Name: mb.Name})
		},
	} {
		op, err = del()
		require.NoError(t, err)
		require.True(t, op.GetDone(), "%v", op)
		require.Nil(t, op.GetError(), "%v", op)
	}
	ls, err = c.ListScopeRBACRoleBindings(ctx, &gkehubv1.ListScopeRBACRoleBindingsRequest{Parent: scope.Name})
	require.NoError(t, err)
	assert.Empty(t, ls.Rbacrolebindings)
	lm, err = c.ListMembershipRBACRoleBindings(ctx, &gkehubv1.ListMembershipRBACRoleBindingsRequest{Parent: m.Name})
	require.NoError(t, err)
	assert.Empty(t, lm.Rbacrolebindings)
}
