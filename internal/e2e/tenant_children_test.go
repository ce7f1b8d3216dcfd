package e2e_test

import (
	"context"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	tenantv1 "github.com/protoforge/protoforge/internal/e2e/gen/tenant/v1"
	"github.com/protoforge/protoforge/internal/e2e/gen/tenant/v1/tenantv1connect"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestTenantChildrenOfSharedParent: a Delete of a resource without a
// tenant (a space) sees only the caller's children (pages): without force
// only they refuse it; with force only they are deleted, and another
// tenant's pages, which stay, keep the space from being deleted, in an
// answer that neither names nor counts them.
func TestTenantChildrenOfSharedParent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		srv := tenantServer(t, db, func(opt connect.HandlerOption) (string, http.Handler) {
			return tenantv1connect.NewSpaceServiceHandler(tenantv1.NewSpaceServiceCRUD(db, crudrt.WithTenant(tenantFromContext)), opt)
		})
		acme := tenantv1connect.NewSpaceServiceClient(srv.Client(), srv.URL, asTenant("acme"))
		globex := tenantv1connect.NewSpaceServiceClient(srv.Client(), srv.URL, asTenant("globex"))
		ctx := context.Background()
		page := func(c tenantv1connect.SpaceServiceClient, space, id string) {
			t.Helper()
			_, err := c.CreatePage(ctx, &tenantv1.CreatePageRequest{Parent: space, PageId: id, Page: &tenantv1.Page{Text: id}})
			require.NoError(t, err)
		}
		pages := func(c tenantv1connect.SpaceServiceClient, space string) []string {
			t.Helper()
			res, err := c.ListPages(ctx, &tenantv1.ListPagesRequest{Parent: space})
			require.NoError(t, err)
			var out []string
			for _, p := range res.GetPages() {
				out = append(out, p.GetName())
			}
			return out
		}
		for _, id := range []string{"shared", "mine"} {
			_, err := acme.CreateSpace(ctx, &tenantv1.CreateSpaceRequest{SpaceId: id, Space: &tenantv1.Space{Title: id}})
			require.NoError(t, err)
		}
		page(acme, "spaces/shared", "a1")
		page(globex, "spaces/shared", "g1")
		page(globex, "spaces/shared", "g2")
		page(acme, "spaces/mine", "a2")

		// Without force, the caller's own pages refuse the delete as
		// AIP-135 asks.
		_, err := acme.DeleteSpace(ctx, &tenantv1.DeleteSpaceRequest{Name: "spaces/shared"})
		require.Equal(t, connect.CodeFailedPrecondition, codeOf(err), "%v", err)
		assert.Contains(t, err.Error(), "has children (tenant.v1.Page)")

		// With force, acme's pages go and globex's stay: the space stays
		// too, and the answer neither names nor counts globex's pages.
		_, err = acme.DeleteSpace(ctx, &tenantv1.DeleteSpaceRequest{Name: "spaces/shared", Force: true})
		require.Equal(t, connect.CodeFailedPrecondition, codeOf(err), "%v", err)
		assert.Contains(t, err.Error(), "of other tenants")
		assert.NotContains(t, err.Error(), "g1")
		assert.NotContains(t, err.Error(), "g2")
		assert.NotContains(t, err.Error(), "2")
		// Refused, nothing was deleted.
		assert.Equal(t, []string{"spaces/shared/pages/a1"}, pages(acme, "spaces/shared"))
		assert.Equal(t, []string{"spaces/shared/pages/g1", "spaces/shared/pages/g2"}, pages(globex, "spaces/shared"))

		// Without force either, once acme has no page there.
		_, err = globex.DeleteSpace(ctx, &tenantv1.DeleteSpaceRequest{Name: "spaces/mine"})
		require.Equal(t, connect.CodeFailedPrecondition, codeOf(err), "%v", err)
		assert.Contains(t, err.Error(), "of other tenants")
		assert.Equal(t, []string{"spaces/mine/pages/a2"}, pages(acme, "spaces/mine"))

		// A space holding the caller's pages only is deleted with them.
		_, err = acme.DeleteSpace(ctx, &tenantv1.DeleteSpaceRequest{Name: "spaces/mine", Force: true})
		require.NoError(t, err)
		var n int64
		require.NoError(t, db.Table("pages").Where("space = ?", "mine").Count(&n).Error)
		assert.Zero(t, n)

		// Once globex's pages are gone, acme deletes the shared space.
		_, err = globex.DeleteSpace(ctx, &tenantv1.DeleteSpaceRequest{Name: "spaces/shared", Force: true})
		require.Equal(t, connect.CodeFailedPrecondition, codeOf(err), "%v", err)
		require.NoError(t, db.Exec("DELETE FROM pages WHERE tenant_id = ?", "globex").Error)
		_, err = acme.DeleteSpace(ctx, &tenantv1.DeleteSpaceRequest{Name: "spaces/shared", Force: true})
		require.NoError(t, err)
		require.NoError(t, db.Table("pages").Count(&n).Error)
		assert.Zero(t, n)
	})
}
