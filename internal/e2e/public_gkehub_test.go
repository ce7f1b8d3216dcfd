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
// CreateScopeNamespace's `scope_namespace` and `scope_namespace_id`);
// every write long-running.
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

	// RBAC role bindings, of scopes and of memberships at once (AIP-123,
	// under two resources), are the user's.
	_, err = c.GetScopeRBACRoleBinding(ctx, &gkehubv1.GetScopeRBACRoleBindingRequest{Name: scope.Name + "/rbacrolebindings/r1"})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "%v", err)
}
