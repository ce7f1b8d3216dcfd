package e2e_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"

	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	freightv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/freight"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestCreateUnderDeletedParent: a Create under a soft-deleted parent is
// FailedPrecondition RESOURCE_DELETED (AIP-164: a soft-deleted resource is
// not mutable) on every database, where it created a live child under a
// deleted parent, a state Delete refuses to make (RESOURCE_HAS_CHILDREN);
// nothing is written, and under a live parent it is created.
func TestCreateUnderDeletedParent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, publicSchema(db, "freight"))
		_, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			freightv1.RegisterFreightServiceServer(gs, freightv1.NewFreightServiceCRUD(db))
		}, nil)
		c := freightv1.NewFreightServiceClient(conn)
		ctx := context.Background()
		live, err := c.CreateShipper(ctx, &freightv1.CreateShipperRequest{Shipper: &freightv1.Shipper{DisplayName: "live"}})
		require.NoError(t, err)
		gone, err := c.CreateShipper(ctx, &freightv1.CreateShipperRequest{Shipper: &freightv1.Shipper{DisplayName: "gone"}})
		require.NoError(t, err)
		_, err = c.DeleteShipper(ctx, &freightv1.DeleteShipperRequest{Name: gone.Name})
		require.NoError(t, err)
		site := func() *freightv1.Site {
			return &freightv1.Site{DisplayName: "s", LatLng: &latlng.LatLng{Latitude: 57.7, Longitude: 11.97}}
		}
		_, err = c.CreateSite(ctx, &freightv1.CreateSiteRequest{Parent: gone.Name, Site: site()})
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "CreateSite under a deleted shipper: %v", err)
		reason := ""
		for _, d := range status.Convert(err).Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok {
				reason = info.GetReason()
			}
		}
		assert.Equal(t, "RESOURCE_DELETED", reason)
		assert.Contains(t, err.Error(), gone.Name)
		res, err := c.ListSites(ctx, &freightv1.ListSitesRequest{Parent: "shippers/-"})
		require.NoError(t, err)
		assert.Empty(t, res.GetSites(), "nothing was written")

		now := timestamppb.Now()
		s, err := c.CreateSite(ctx, &freightv1.CreateSiteRequest{Parent: live.Name, Site: site()})
		require.NoError(t, err, "under a live shipper")
		_, err = c.CreateShipment(ctx, &freightv1.CreateShipmentRequest{Parent: gone.Name, Shipment: &freightv1.Shipment{
			OriginSite: s.Name, DestinationSite: s.Name, PickupEarliestTime: now, PickupLatestTime: now,
			DeliveryEarliestTime: now, DeliveryLatestTime: now}})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "CreateShipment under a deleted shipper: %v", err)
		_, err = c.CreateSite(ctx, &freightv1.CreateSiteRequest{Parent: "shippers/nothing", Site: site()})
		assert.Equal(t, codes.NotFound, status.Code(err), "under a shipper that does not exist: %v", err)
	})
}

// TestBatchCreateUnderDeletedParent: BatchCreate refuses a request under a
// soft-deleted parent as Create does, naming the request, and writes
// none of the batch; once the parent is undeleted it creates them.
func TestBatchCreateUnderDeletedParent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveNested(t, db)
		ctx := context.Background()
		for _, id := range []string{"live", "gone"} {
			_, err := c.CreatePublisher(ctx, &nestedv1.CreatePublisherRequest{PublisherId: id, Publisher: &nestedv1.Publisher{DisplayName: id}})
			require.NoError(t, err)
		}
		_, err := c.DeletePublisher(ctx, &nestedv1.DeletePublisherRequest{Name: "publishers/gone"})
		require.NoError(t, err)
		batch := &nestedv1.BatchCreateShelvesRequest{Requests: []*nestedv1.CreateShelfRequest{
			{Parent: "publishers/live", ShelfId: "a", Shelf: &nestedv1.Shelf{Theme: "a"}},
			{Parent: "publishers/gone", ShelfId: "b", Shelf: &nestedv1.Shelf{Theme: "b"}},
		}}
		_, err = c.BatchCreateShelves(ctx, batch)
		require.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		assert.Contains(t, err.Error(), "requests[1]")
		assert.Contains(t, err.Error(), "publishers/gone")
		_, err = c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/gone", ShelfId: "c", Shelf: &nestedv1.Shelf{}})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "Create: %v", err)
		res, err := c.ListShelves(ctx, &nestedv1.ListShelvesRequest{Parent: "publishers/-"})
		require.NoError(t, err)
		assert.Empty(t, res.GetShelves(), "none of the batch was written")

		_, err = c.UndeletePublisher(ctx, &nestedv1.UndeletePublisherRequest{Name: "publishers/gone"})
		require.NoError(t, err)
		got, err := c.BatchCreateShelves(ctx, batch)
		require.NoError(t, err)
		assert.Len(t, got.GetShelves(), 2)
	})
}
