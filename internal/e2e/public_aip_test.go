package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"

	freightv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/freight"
	libraryv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/library"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// publicSchema is the schema protoc-gen-orm wrote for a public proto set
// (internal/gen/crud TestPublicGenerated), for db's dialect.
func publicSchema(db *gorm.DB, set string) string {
	return filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/public/want", set, "schema", db.Dialector.Name()+".sql")
}

// uuidPart matches the id the server chooses for a resource (AIP-133: the
// create requests of these protos carry no id).
const uuidPart = `[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}`

// TestPublicLibrary serves Google's example library service
// (google/example/library/v1, unchanged) on every database, over gRPC and
// over REST through its own google.api.http annotations: shelves, books
// named under them, and the custom methods left to the user.
func TestPublicLibrary(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, publicSchema(db, "library"))
		// Every method has its google.api.http annotation, so the plugin
		// writes no LibraryServiceRESTRules: vanguard serves the
		// annotations it reads from the service's descriptors.
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			libraryv1.RegisterLibraryServiceServer(gs, libraryv1.NewLibraryServiceCRUD(db))
		}, nil)
		t.Run("gRPC", func(t *testing.T) { libraryScenario(t, libraryv1.NewLibraryServiceClient(conn)) })
		t.Run("REST", func(t *testing.T) {
			libraryScenario(t, libraryv1.NewLibraryServiceClient(restConn{t: t, base: base}))
			// The custom methods, by hand: HTTP 501 with the google.rpc.Status.
			for _, p := range []string{"/v1/shelves/x:merge", "/v1/shelves/x/books/y:move"} {
				resp, err := http.Post(base+p, "application/json", strings.NewReader(`{}`))
				require.NoError(t, err)
				body, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				assert.Equal(t, http.StatusNotImplemented, resp.StatusCode, "POST %s: %s", p, body)
				assert.Contains(t, string(body), `"code":12`, "POST %s", p)
			}
		})
	})
}

// libraryScenario runs the library's methods through c. Both transports
// share the database, so top-level lists are compared with what they held
// before.
func libraryScenario(t *testing.T, c libraryv1.LibraryServiceClient) {
	ctx := context.Background()
	listShelves := func(t *testing.T) []string {
		return pageNames(t, func(token string) ([]*libraryv1.Shelf, string, error) {
			r, err := c.ListShelves(ctx, &libraryv1.ListShelvesRequest{PageSize: 1, PageToken: token})
			return r.GetShelves(), r.GetNextPageToken(), err
		})
	}
	listBooks := func(t *testing.T, parent string) []string {
		return pageNames(t, func(token string) ([]*libraryv1.Book, string, error) {
			r, err := c.ListBooks(ctx, &libraryv1.ListBooksRequest{Parent: parent, PageSize: 1, PageToken: token})
			return r.GetBooks(), r.GetNextPageToken(), err
		})
	}
	shelvesBefore := listShelves(t)
	booksBefore := listBooks(t, "shelves/-")

	// Shelves: the server names them; the name a client sends is not used.
	a, err := c.CreateShelf(ctx, &libraryv1.CreateShelfRequest{Shelf: &libraryv1.Shelf{Name: "shelves/evil", Theme: "A"}})
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^shelves/`+uuidPart+`$`), a.Name)
	assert.Equal(t, "A", a.Theme)
	b, err := c.CreateShelf(ctx, &libraryv1.CreateShelfRequest{Shelf: &libraryv1.Shelf{Name: a.Name, Theme: "B"}})
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^shelves/`+uuidPart+`$`), b.Name)
	assert.NotEqual(t, a.Name, b.Name, "a name sent on Create is not used")
	got, err := c.GetShelf(ctx, &libraryv1.GetShelfRequest{Name: a.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(a, got), "Get: %v, created: %v", got, a)
	assert.ElementsMatch(t, append(shelvesBefore, a.Name, b.Name), listShelves(t), "ListShelves by pages of one")

	// Books, named under their shelf.
	newBook := func(parent, title string) *libraryv1.Book {
		t.Helper()
		bk, err := c.CreateBook(ctx, &libraryv1.CreateBookRequest{Parent: parent, Book: &libraryv1.Book{Name: "shelves/evil/books/evil", Title: title, Author: "anon"}})
		require.NoError(t, err)
		assert.Regexp(t, regexp.MustCompile(`^`+regexp.QuoteMeta(parent)+`/books/`+uuidPart+`$`), bk.Name)
		return bk
	}
	a1, a2, b1 := newBook(a.Name, "a1"), newBook(a.Name, "a2"), newBook(b.Name, "b1")
	gotBook, err := c.GetBook(ctx, &libraryv1.GetBookRequest{Name: a1.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(a1, gotBook), "Get: %v, created: %v", gotBook, a1)
	assert.ElementsMatch(t, []string{a1.Name, a2.Name}, listBooks(t, a.Name), "ListBooks of A by pages of one")
	assert.ElementsMatch(t, []string{b1.Name}, listBooks(t, b.Name), "ListBooks of B")
	assert.ElementsMatch(t, append(booksBefore, a1.Name, a2.Name, b1.Name), listBooks(t, "shelves/-"), "ListBooks across shelves (AIP-159)")

	// Update writes the fields of the mask only.
	u, err := c.UpdateBook(ctx, &libraryv1.UpdateBookRequest{
		Book:       &libraryv1.Book{Name: a1.Name, Title: "a1, revised", Author: "not in the mask", Read: true},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title", "read"}},
	})
	require.NoError(t, err)
	assert.Equal(t, a1.Name, u.Name)
	assert.Equal(t, "a1, revised", u.Title)
	assert.True(t, u.Read)
	assert.Equal(t, "anon", u.Author, "author is not in the mask")
	gotBook, err = c.GetBook(ctx, &libraryv1.GetBookRequest{Name: a1.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(u, gotBook), "Get after Update: %v, updated: %v", gotBook, u)

	// A's book through a name under B is not found, whatever the method.
	alias := b.Name + "/books/" + path.Base(a1.Name)
	_, err = c.GetBook(ctx, &libraryv1.GetBookRequest{Name: alias})
	assert.Equal(t, codes.NotFound, status.Code(err), "Get %s: %v", alias, err)
	_, err = c.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Name: alias, Title: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
	assert.Equal(t, codes.NotFound, status.Code(err), "Update %s: %v", alias, err)
	_, err = c.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Name: alias})
	assert.Equal(t, codes.NotFound, status.Code(err), "Delete %s: %v", alias, err)
	gotBook, err = c.GetBook(ctx, &libraryv1.GetBookRequest{Name: a1.Name})
	require.NoError(t, err)
	assert.Equal(t, "a1, revised", gotBook.Title, "untouched")

	// A page token is bound to its parent.
	page, err := c.ListBooks(ctx, &libraryv1.ListBooksRequest{Parent: a.Name, PageSize: 1})
	require.NoError(t, err)
	require.NotEmpty(t, page.NextPageToken)
	_, err = c.ListBooks(ctx, &libraryv1.ListBooksRequest{Parent: b.Name, PageSize: 1, PageToken: page.NextPageToken})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "A's page token with parent B: %v", err)

	// Shelf's pattern is "shelves/{shelf_id}", Book's
	// "shelves/{shelf}/books/{book}": the parent is known by its
	// collections, so books have a foreign key to shelves all the same.
	_, err = c.CreateBook(ctx, &libraryv1.CreateBookRequest{Parent: "shelves/nothing", Book: &libraryv1.Book{Title: "orphan"}})
	assert.Equal(t, codes.NotFound, status.Code(err), "CreateBook under a missing shelf: %v", err)
	// The shelf B with its book b1 (A is kept for the checks below).
	_, err = c.DeleteShelf(ctx, &libraryv1.DeleteShelfRequest{Name: b.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "DeleteShelf with a book: %v", err)
	_, err = c.GetBook(ctx, &libraryv1.GetBookRequest{Name: b1.Name})
	require.NoError(t, err, "the refused delete left the book")
	_, err = c.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Name: b1.Name})
	require.NoError(t, err)
	_, err = c.DeleteShelf(ctx, &libraryv1.DeleteShelfRequest{Name: b.Name})
	require.NoError(t, err, "empty now")
	_, err = c.GetShelf(ctx, &libraryv1.GetShelfRequest{Name: b.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted: %v", err)

	// Delete.
	for _, bk := range []*libraryv1.Book{a1, a2} {
		_, err = c.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Name: bk.Name})
		require.NoError(t, err)
		_, err = c.GetBook(ctx, &libraryv1.GetBookRequest{Name: bk.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted: %v", err)
		_, err = c.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Name: bk.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	}
	assert.Empty(t, listBooks(t, a.Name))
	_, err = c.DeleteShelf(ctx, &libraryv1.DeleteShelfRequest{Name: a.Name})
	require.NoError(t, err)
	_, err = c.GetShelf(ctx, &libraryv1.GetShelfRequest{Name: a.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted: %v", err)
	assert.ElementsMatch(t, shelvesBefore, listShelves(t))

	// The custom methods are the user's (AIP-136): Unimplemented.
	_, err = c.MoveBook(ctx, &libraryv1.MoveBookRequest{Name: a1.Name, OtherShelfName: b.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "MoveBook: %v", err)
	_, err = c.MergeShelves(ctx, &libraryv1.MergeShelvesRequest{Name: a.Name, OtherShelf: b.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "MergeShelves: %v", err)
}

// TestPublicFreight serves Einride's freight service
// (einride/example/freight/v1, unchanged) on every database, over gRPC
// and over REST through its own google.api.http annotations: shippers,
// and sites and shipments named under them, all soft-deleted (they have a
// delete_time, AIP-164).
func TestPublicFreight(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, publicSchema(db, "freight"))
		// Every method is annotated: no FreightServiceRESTRules.
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			freightv1.RegisterFreightServiceServer(gs, freightv1.NewFreightServiceCRUD(db))
		}, nil)
		t.Run("gRPC", func(t *testing.T) { freightScenario(t, freightv1.NewFreightServiceClient(conn)) })
		t.Run("REST", func(t *testing.T) { freightScenario(t, freightv1.NewFreightServiceClient(restConn{t: t, base: base})) })
	})
}

// freightScenario runs the freight methods through c. Both transports
// share the database, so top-level and wildcard lists are compared with
// what they held before.
func freightScenario(t *testing.T, c freightv1.FreightServiceClient) {
	ctx := context.Background()
	listShippers := func(t *testing.T) []string {
		return pageNames(t, func(token string) ([]*freightv1.Shipper, string, error) {
			r, err := c.ListShippers(ctx, &freightv1.ListShippersRequest{PageSize: 1, PageToken: token})
			return r.GetShippers(), r.GetNextPageToken(), err
		})
	}
	listSites := func(t *testing.T, parent string) []string {
		return pageNames(t, func(token string) ([]*freightv1.Site, string, error) {
			r, err := c.ListSites(ctx, &freightv1.ListSitesRequest{Parent: parent, PageSize: 1, PageToken: token})
			return r.GetSites(), r.GetNextPageToken(), err
		})
	}
	listShipments := func(t *testing.T, parent string) []string {
		return pageNames(t, func(token string) ([]*freightv1.Shipment, string, error) {
			r, err := c.ListShipments(ctx, &freightv1.ListShipmentsRequest{Parent: parent, PageSize: 1, PageToken: token})
			return r.GetShipments(), r.GetNextPageToken(), err
		})
	}
	shippersBefore := listShippers(t)
	sitesBefore := listSites(t, "shippers/-")
	shipmentsBefore := listShipments(t, "shippers/-")

	// Shippers: server-named, with the server's times.
	newShipper := func(display string) *freightv1.Shipper {
		t.Helper()
		s, err := c.CreateShipper(ctx, &freightv1.CreateShipperRequest{Shipper: &freightv1.Shipper{Name: "shippers/evil", DisplayName: display}})
		require.NoError(t, err)
		assert.Regexp(t, regexp.MustCompile(`^shippers/`+uuidPart+`$`), s.Name)
		assert.NotNil(t, s.CreateTime)
		assert.NotNil(t, s.UpdateTime)
		assert.Nil(t, s.DeleteTime)
		return s
	}
	a, b := newShipper("A"), newShipper("B")
	got, err := c.GetShipper(ctx, &freightv1.GetShipperRequest{Name: a.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(a, got), "Get: %v, created: %v", got, a)
	assert.ElementsMatch(t, append(shippersBefore, a.Name, b.Name), listShippers(t), "ListShippers by pages of one")
	ua, err := c.UpdateShipper(ctx, &freightv1.UpdateShipperRequest{
		Shipper:    &freightv1.Shipper{Name: a.Name, DisplayName: "A, renamed"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "A, renamed", ua.DisplayName)
	assert.True(t, proto.Equal(a.CreateTime, ua.CreateTime), "create_time kept")
	assert.False(t, ua.UpdateTime.AsTime().Before(a.UpdateTime.AsTime()), "update_time moves on")

	// Sites under shippers.
	newSite := func(parent, display string, lat float64) *freightv1.Site {
		t.Helper()
		s, err := c.CreateSite(ctx, &freightv1.CreateSiteRequest{Parent: parent, Site: &freightv1.Site{
			Name: "shippers/evil/sites/evil", DisplayName: display, LatLng: &latlng.LatLng{Latitude: lat, Longitude: 11.97}}})
		require.NoError(t, err)
		assert.Regexp(t, regexp.MustCompile(`^`+regexp.QuoteMeta(parent)+`/sites/`+uuidPart+`$`), s.Name)
		assert.InDelta(t, lat, s.GetLatLng().GetLatitude(), 1e-9)
		return s
	}
	sa1, sa2, sb1 := newSite(a.Name, "a1", 57.7), newSite(a.Name, "a2", 57.8), newSite(b.Name, "b1", 59.3)
	gotSite, err := c.GetSite(ctx, &freightv1.GetSiteRequest{Name: sa1.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(sa1, gotSite), "Get: %v, created: %v", gotSite, sa1)
	assert.ElementsMatch(t, []string{sa1.Name, sa2.Name}, listSites(t, a.Name), "ListSites of A by pages of one")
	assert.ElementsMatch(t, []string{sb1.Name}, listSites(t, b.Name), "ListSites of B")
	assert.ElementsMatch(t, append(sitesBefore, sa1.Name, sa2.Name, sb1.Name), listSites(t, "shippers/-"), "ListSites across shippers (AIP-159)")
	us, err := c.UpdateSite(ctx, &freightv1.UpdateSiteRequest{
		Site:       &freightv1.Site{Name: sa1.Name, DisplayName: "a1, renamed", LatLng: &latlng.LatLng{Latitude: 1}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "a1, renamed", us.DisplayName)
	assert.InDelta(t, 57.7, us.GetLatLng().GetLatitude(), 1e-9, "lat_lng is not in the mask")

	// BatchGetSites, under a parent (AIP-231).
	batch, err := c.BatchGetSites(ctx, &freightv1.BatchGetSitesRequest{Parent: a.Name, Names: []string{sa2.Name, sa1.Name}})
	require.NoError(t, err)
	require.Len(t, batch.Sites, 2)
	assert.Equal(t, sa2.Name, batch.Sites[0].Name, "in the order asked")
	assert.Equal(t, "a1, renamed", batch.Sites[1].DisplayName)
	batch, err = c.BatchGetSites(ctx, &freightv1.BatchGetSitesRequest{Parent: "shippers/-", Names: []string{sb1.Name, sa1.Name}})
	require.NoError(t, err, "the wildcard parent allows any")
	require.Len(t, batch.Sites, 2)
	_, err = c.BatchGetSites(ctx, &freightv1.BatchGetSitesRequest{Parent: b.Name, Names: []string{sb1.Name, sa1.Name}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a name under A with parent B: %v", err)
	_, err = c.BatchGetSites(ctx, &freightv1.BatchGetSitesRequest{Parent: a.Name, Names: []string{sa1.Name, a.Name + "/sites/nothing"}})
	assert.Equal(t, codes.NotFound, status.Code(err), "all or none: %v", err)

	// Shipments under shippers.
	at := func(h int) *timestamppb.Timestamp {
		return timestamppb.New(time.Date(2030, 1, 2, h, 0, 0, 0, time.UTC))
	}
	newShipment := func(parent, ref string) *freightv1.Shipment {
		t.Helper()
		s, err := c.CreateShipment(ctx, &freightv1.CreateShipmentRequest{Parent: parent, Shipment: &freightv1.Shipment{
			Name: "shippers/evil/shipments/evil", OriginSite: sa1.Name, DestinationSite: sa2.Name,
			PickupEarliestTime: at(8), PickupLatestTime: at(9), DeliveryEarliestTime: at(15), DeliveryLatestTime: at(17),
			LineItems:           []*freightv1.LineItem{{Title: "pallet", Quantity: 2, WeightKg: 500, VolumeM3: 1.5}},
			Annotations:         map[string]string{"ref": ref},
			ExternalReferenceId: ref,
		}})
		require.NoError(t, err)
		assert.Regexp(t, regexp.MustCompile(`^`+regexp.QuoteMeta(parent)+`/shipments/`+uuidPart+`$`), s.Name)
		return s
	}
	ha1, ha2, hb1 := newShipment(a.Name, "ha1"), newShipment(a.Name, "ha2"), newShipment(b.Name, "hb1")
	gotShipment, err := c.GetShipment(ctx, &freightv1.GetShipmentRequest{Name: ha1.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(ha1, gotShipment), "Get: %v, created: %v", gotShipment, ha1)
	assert.Equal(t, "pallet", gotShipment.GetLineItems()[0].GetTitle())
	assert.True(t, at(8).AsTime().Equal(gotShipment.PickupEarliestTime.AsTime()))
	assert.ElementsMatch(t, []string{ha1.Name, ha2.Name}, listShipments(t, a.Name), "ListShipments of A by pages of one")
	assert.ElementsMatch(t, []string{hb1.Name}, listShipments(t, b.Name), "ListShipments of B")
	assert.ElementsMatch(t, append(shipmentsBefore, ha1.Name, ha2.Name, hb1.Name), listShipments(t, "shippers/-"), "ListShipments across shippers (AIP-159)")
	uh, err := c.UpdateShipment(ctx, &freightv1.UpdateShipmentRequest{
		Shipment:   &freightv1.Shipment{Name: ha1.Name, DestinationSite: sb1.Name, OriginSite: "not in the mask"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"destination_site"}},
	})
	require.NoError(t, err)
	assert.Equal(t, sb1.Name, uh.DestinationSite)
	assert.Equal(t, sa1.Name, uh.OriginSite, "origin_site is not in the mask")
	assert.Equal(t, "ha1", uh.ExternalReferenceId)

	// A's children through names under B are not found, whatever the method.
	siteAlias := b.Name + "/sites/" + path.Base(sa1.Name)
	_, err = c.GetSite(ctx, &freightv1.GetSiteRequest{Name: siteAlias})
	assert.Equal(t, codes.NotFound, status.Code(err), "Get %s: %v", siteAlias, err)
	_, err = c.UpdateSite(ctx, &freightv1.UpdateSiteRequest{Site: &freightv1.Site{Name: siteAlias, DisplayName: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	assert.Equal(t, codes.NotFound, status.Code(err), "Update %s: %v", siteAlias, err)
	_, err = c.DeleteSite(ctx, &freightv1.DeleteSiteRequest{Name: siteAlias})
	assert.Equal(t, codes.NotFound, status.Code(err), "Delete %s: %v", siteAlias, err)
	shipmentAlias := b.Name + "/shipments/" + path.Base(ha1.Name)
	_, err = c.GetShipment(ctx, &freightv1.GetShipmentRequest{Name: shipmentAlias})
	assert.Equal(t, codes.NotFound, status.Code(err), "Get %s: %v", shipmentAlias, err)
	_, err = c.UpdateShipment(ctx, &freightv1.UpdateShipmentRequest{Shipment: &freightv1.Shipment{Name: shipmentAlias, OriginSite: sa2.Name}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"origin_site"}}})
	assert.Equal(t, codes.NotFound, status.Code(err), "Update %s: %v", shipmentAlias, err)
	_, err = c.DeleteShipment(ctx, &freightv1.DeleteShipmentRequest{Name: shipmentAlias})
	assert.Equal(t, codes.NotFound, status.Code(err), "Delete %s: %v", shipmentAlias, err)
	gotSite, err = c.GetSite(ctx, &freightv1.GetSiteRequest{Name: sa1.Name})
	require.NoError(t, err)
	assert.Equal(t, "a1, renamed", gotSite.DisplayName, "untouched")
	assert.Nil(t, gotSite.DeleteTime, "untouched")

	// Page tokens are bound to their parent.
	sitePage, err := c.ListSites(ctx, &freightv1.ListSitesRequest{Parent: a.Name, PageSize: 1})
	require.NoError(t, err)
	require.NotEmpty(t, sitePage.NextPageToken)
	_, err = c.ListSites(ctx, &freightv1.ListSitesRequest{Parent: b.Name, PageSize: 1, PageToken: sitePage.NextPageToken})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "A's page token with parent B: %v", err)
	shipmentPage, err := c.ListShipments(ctx, &freightv1.ListShipmentsRequest{Parent: a.Name, PageSize: 1})
	require.NoError(t, err)
	require.NotEmpty(t, shipmentPage.NextPageToken)
	_, err = c.ListShipments(ctx, &freightv1.ListShipmentsRequest{Parent: b.Name, PageSize: 1, PageToken: shipmentPage.NextPageToken})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "A's page token with parent B: %v", err)

	// Under a shipper that does not exist: NotFound.
	_, err = c.CreateSite(ctx, &freightv1.CreateSiteRequest{Parent: "shippers/nothing", Site: &freightv1.Site{DisplayName: "x"}})
	assert.Equal(t, codes.NotFound, status.Code(err), "CreateSite under a missing shipper: %v", err)
	_, err = c.CreateShipment(ctx, &freightv1.CreateShipmentRequest{Parent: "shippers/nothing", Shipment: &freightv1.Shipment{
		OriginSite: sa1.Name, DestinationSite: sa2.Name,
		PickupEarliestTime: at(8), PickupLatestTime: at(9), DeliveryEarliestTime: at(15), DeliveryLatestTime: at(17)}})
	assert.Equal(t, codes.NotFound, status.Code(err), "CreateShipment under a missing shipper: %v", err)

	// AIP-135, without force (DeleteShipperRequest has none): a shipper
	// with live children is FailedPrecondition; soft-deleted children do
	// not count.
	_, err = c.DeleteShipper(ctx, &freightv1.DeleteShipperRequest{Name: b.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "B has a live site and shipment: %v", err)
	_, err = c.DeleteShipper(ctx, &freightv1.DeleteShipperRequest{Name: a.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "A has live sites and shipments: %v", err)
	got, err = c.GetShipper(ctx, &freightv1.GetShipperRequest{Name: a.Name})
	require.NoError(t, err)
	assert.Nil(t, got.DeleteTime, "still live")
	// A site a live shipment refers to (ha1's destination_site) is kept.
	_, err = c.DeleteSite(ctx, &freightv1.DeleteSiteRequest{Name: sb1.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "ha1 refers to sb1: %v", err)

	// Soft delete (AIP-164): Delete returns the resource with its
	// delete_time, Get still finds it, List hides it.
	dh, err := c.DeleteShipment(ctx, &freightv1.DeleteShipmentRequest{Name: hb1.Name})
	require.NoError(t, err)
	assert.Equal(t, hb1.Name, dh.Name)
	assert.NotNil(t, dh.DeleteTime)
	gotShipment, err = c.GetShipment(ctx, &freightv1.GetShipmentRequest{Name: hb1.Name})
	require.NoError(t, err, "a soft-deleted shipment is still read by name")
	assert.NotNil(t, gotShipment.DeleteTime)
	assert.Empty(t, listShipments(t, b.Name), "List hides deleted shipments")
	_, err = c.DeleteShipper(ctx, &freightv1.DeleteShipperRequest{Name: b.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "B still has a live site: %v", err)
	for _, s := range []*freightv1.Shipment{ha1, ha2} {
		_, err = c.DeleteShipment(ctx, &freightv1.DeleteShipmentRequest{Name: s.Name})
		require.NoError(t, err)
	}
	ds, err := c.DeleteSite(ctx, &freightv1.DeleteSiteRequest{Name: sb1.Name})
	require.NoError(t, err, "no live shipment refers to sb1 now")
	assert.NotNil(t, ds.DeleteTime)
	gotSite, err = c.GetSite(ctx, &freightv1.GetSiteRequest{Name: sb1.Name})
	require.NoError(t, err, "a soft-deleted site is still read by name")
	assert.NotNil(t, gotSite.DeleteTime)
	assert.Empty(t, listSites(t, b.Name), "List hides deleted sites")
	deletedB, err := c.DeleteShipper(ctx, &freightv1.DeleteShipperRequest{Name: b.Name})
	require.NoError(t, err, "B's children are all deleted")
	assert.NotNil(t, deletedB.DeleteTime)

	_, err = c.DeleteShipper(ctx, &freightv1.DeleteShipperRequest{Name: a.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "A still has live sites: %v", err)
	for _, s := range []*freightv1.Site{sa1, sa2} {
		_, err = c.DeleteSite(ctx, &freightv1.DeleteSiteRequest{Name: s.Name})
		require.NoError(t, err)
	}
	assert.Empty(t, listSites(t, a.Name))
	assert.Empty(t, listShipments(t, a.Name))
	assert.ElementsMatch(t, sitesBefore, listSites(t, "shippers/-"))
	assert.ElementsMatch(t, shipmentsBefore, listShipments(t, "shippers/-"))
	da, err := c.DeleteShipper(ctx, &freightv1.DeleteShipperRequest{Name: a.Name})
	require.NoError(t, err)
	assert.NotNil(t, da.DeleteTime)
	got, err = c.GetShipper(ctx, &freightv1.GetShipperRequest{Name: a.Name})
	require.NoError(t, err, "a soft-deleted shipper is still read by name")
	assert.Equal(t, "A, renamed", got.DisplayName)
	assert.NotNil(t, got.DeleteTime)
	assert.ElementsMatch(t, shippersBefore, listShippers(t), "List hides deleted shippers")
}

// servePublic serves a public proto set (its schema applied, register
// mounting its service) on every database, and runs scenario over gRPC
// and over REST through restConn; tag ("g", "r") tells the two apart,
// which share the database.
func servePublic(t *testing.T, set string, register func(*grpc.Server, *gorm.DB), scenario func(t *testing.T, cc grpc.ClientConnInterface, tag string)) {
	serveEach(t, func(db *gorm.DB) string { return publicSchema(db, set) }, register, scenario, nil)
}

// servePublicHTTP is servePublic, and after the REST scenario calls
// httpCalls with the server's base URL, for requests written as any HTTP
// client would write them.
func servePublicHTTP(t *testing.T, set string, register func(*grpc.Server, *gorm.DB), scenario func(t *testing.T, cc grpc.ClientConnInterface, tag string), httpCalls func(t *testing.T, base string)) {
	serveEach(t, func(db *gorm.DB) string { return publicSchema(db, set) }, register, scenario, httpCalls)
}

// serveGenerated is servePublic of a package generated under
// internal/e2e/gen (dir, "nouns/v1").
func serveGenerated(t *testing.T, dir string, register func(*grpc.Server, *gorm.DB), scenario func(t *testing.T, cc grpc.ClientConnInterface, tag string)) {
	serveEach(t, func(db *gorm.DB) string {
		return filepath.Join(gentest.RepoRoot(), "internal/e2e/gen", dir, "schema", db.Dialector.Name()+".sql")
	}, register, scenario, nil)
}

// serveEach serves on every database, its schema at schema(db), what
// register mounts, and runs scenario over gRPC and REST, then httpCalls
// (if not nil) with the server's base URL.
func serveEach(t *testing.T, schema func(*gorm.DB) string, register func(*grpc.Server, *gorm.DB), scenario func(t *testing.T, cc grpc.ClientConnInterface, tag string), httpCalls func(t *testing.T, base string)) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, schema(db))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) { register(gs, db) }, nil)
		t.Run("gRPC", func(t *testing.T) { scenario(t, conn, "g") })
		t.Run("REST", func(t *testing.T) {
			scenario(t, restConn{t: t, base: base}, "r")
			if httpCalls != nil {
				httpCalls(t, base)
			}
		})
	})
}

// operationDone checks a long-running write's operation (AIP-151): done,
// without error, its response resp and its metadata meta, which it fills.
func operationDone(t *testing.T, op *longrunningpb.Operation, resp, meta proto.Message) {
	t.Helper()
	require.True(t, op.GetDone(), "%v", op)
	require.Nil(t, op.GetError(), "%v", op)
	require.NoError(t, op.GetResponse().UnmarshalTo(resp), "%v", op)
	if meta != nil {
		require.NoError(t, op.GetMetadata().UnmarshalTo(meta), "%v", op)
	}
}

// refusedFor checks that err has code and that its message names field;
// why says what the refusal is for.
func refusedFor(t *testing.T, err error, code codes.Code, field, why string) {
	t.Helper()
	assert.Equal(t, code, status.Code(err), "%s: %v", why, err)
	assert.Contains(t, status.Convert(err).Message(), field, why)
}

// decodeJSON is body, a JSON object an HTTP call answered, decoded.
func decodeJSON(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m), body)
	return m
}

// restJSON is restCall of a call that must answer 200 OK: the JSON
// object it answered, decoded.
func restJSON(t *testing.T, base, method, path, body string) map[string]any {
	t.Helper()
	code, answer := restCall(t, base, method, path, body)
	require.Equal(t, http.StatusOK, code, answer)
	return decodeJSON(t, answer)
}

// cloudMetadata is the OperationMetadata of Google Cloud's APIs.
type cloudMetadata interface {
	proto.Message
	GetVerb() string
	GetTarget() string
	GetCreateTime() *timestamppb.Timestamp
	GetEndTime() *timestamppb.Timestamp
}

// cloudOperationDone checks a long-running write as operationDone does,
// after err, and that its metadata meta names the verb and the target
// and says when the write began and ended.
func cloudOperationDone(t *testing.T, op *longrunningpb.Operation, err error, resp proto.Message, meta cloudMetadata, verb, target string) {
	t.Helper()
	require.NoError(t, err)
	operationDone(t, op, resp, meta)
	assert.Equal(t, verb, meta.GetVerb())
	assert.Equal(t, target, meta.GetTarget())
	assert.NotNil(t, meta.GetCreateTime())
	assert.NotNil(t, meta.GetEndTime())
}

// pageNames lists a collection by pages of one, following next_page_token,
// and returns the names it saw.
func pageNames[T interface{ GetName() string }](t *testing.T, list func(token string) ([]T, string, error)) []string {
	t.Helper()
	names := []string{}
	token := ""
	for range 100 {
		items, next, err := list(token)
		require.NoError(t, err)
		require.LessOrEqual(t, len(items), 1, "page_size 1")
		if next != "" {
			require.Len(t, items, 1, "a page before the last is full")
		}
		for _, it := range items {
			names = append(names, it.GetName())
		}
		if next == "" {
			return names
		}
		token = next
	}
	t.Fatal("more than 100 pages")
	return nil
}

// restConn is a grpc.ClientConnInterface that calls unary methods over
// REST, as a REST client reading the method's google.api.http annotation
// would: path variables from the request, the body field as JSON, the
// other fields as query parameters. An error answer is the
// google.rpc.Status JSON of the code, whose HTTP status it checks.
// Every request carries header.
type restConn struct {
	t      *testing.T
	base   string
	header http.Header
}

var pathVar = regexp.MustCompile(`\{([^}=]+)(=[^}]*)?\}`)

func (c restConn) Invoke(ctx context.Context, method string, args, reply any, _ ...grpc.CallOption) error {
	svc, name, _ := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		return err
	}
	md := d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(name))
	rule, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
	if md == nil || rule == nil {
		return fmt.Errorf("restConn: %s has no google.api.http", method)
	}
	var verb, tmpl string
	switch p := rule.Pattern.(type) {
	case *annotations.HttpRule_Get:
		verb, tmpl = http.MethodGet, p.Get
	case *annotations.HttpRule_Post:
		verb, tmpl = http.MethodPost, p.Post
	case *annotations.HttpRule_Patch:
		verb, tmpl = http.MethodPatch, p.Patch
	case *annotations.HttpRule_Put:
		verb, tmpl = http.MethodPut, p.Put
	case *annotations.HttpRule_Delete:
		verb, tmpl = http.MethodDelete, p.Delete
	default:
		return fmt.Errorf("restConn: %s: unsupported pattern %v", method, rule.Pattern)
	}
	// What the path and the body carry is taken out of msg; the rest goes
	// into the query.
	msg := proto.Clone(args.(proto.Message)).ProtoReflect()
	var perr error
	urlPath := pathVar.ReplaceAllStringFunc(tmpl, func(v string) string {
		fields := strings.Split(pathVar.FindStringSubmatch(v)[1], ".")
		m := msg
		for _, f := range fields[:len(fields)-1] {
			m = m.Mutable(m.Descriptor().Fields().ByName(protoreflect.Name(f))).Message()
		}
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(fields[len(fields)-1]))
		if fd == nil {
			perr = fmt.Errorf("restConn: no field %s in %s", v, msg.Descriptor().FullName())
			return v
		}
		segs := strings.Split(m.Get(fd).String(), "/")
		m.Clear(fd)
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		return strings.Join(segs, "/")
	})
	if perr != nil {
		return perr
	}
	var body io.Reader
	switch rule.Body {
	case "":
	case "*":
		b, err := protojson.Marshal(msg.Interface())
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
		msg = msg.Type().New()
	default:
		fd := msg.Descriptor().Fields().ByName(protoreflect.Name(rule.Body))
		b, err := protojson.Marshal(msg.Get(fd).Message().Interface())
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
		msg.Clear(fd)
	}
	q := url.Values{}
	msg.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		key := string(fd.Name())
		switch {
		case fd.IsList():
			for i := range v.List().Len() {
				q.Add(key, v.List().Get(i).String())
			}
		case fd.Message() != nil: // well-known types in their JSON form, e.g. a FieldMask
			b, err := protojson.Marshal(v.Message().Interface())
			if fm, ok := v.Message().Interface().(*fieldmaskpb.FieldMask); ok && err != nil {
				// protojson refuses the "*" of a full replacement, which
				// goes in the query as it is.
				b, err = json.Marshal(strings.Join(fm.GetPaths(), ","))
			}
			if err != nil {
				perr = err
				return false
			}
			var s string
			if json.Unmarshal(b, &s) != nil {
				s = string(b)
			}
			q.Set(key, s)
		default:
			q.Set(key, v.String())
		}
		return true
	})
	if perr != nil {
		return perr
	}
	target := c.base + urlPath
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, verb, target, body)
	if err != nil {
		return err
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	out, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusOK {
		if err := protojson.Unmarshal(out, reply.(proto.Message)); err != nil {
			return fmt.Errorf("restConn: %s %s: %v: %s", verb, target, err, out)
		}
		return nil
	}
	var st struct {
		Code    *int32 `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(out, &st); err != nil || st.Code == nil {
		return status.Errorf(codes.Unknown, "restConn: %s %s: HTTP %d: %s", verb, target, resp.StatusCode, out)
	}
	code := codes.Code(*st.Code)
	assert.Equal(c.t, httpStatusOf[code], resp.StatusCode, "%s %s: HTTP status of %v (%s)", verb, target, code, st.Message)
	return status.Error(code, st.Message)
}

func (restConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, status.Error(codes.Unimplemented, "restConn: no streams")
}

// httpStatusOf is the HTTP status of each code (google/rpc/code.proto).
var httpStatusOf = map[codes.Code]int{
	codes.Canceled: 499, codes.Unknown: 500, codes.InvalidArgument: 400, codes.DeadlineExceeded: 504,
	codes.NotFound: 404, codes.AlreadyExists: 409, codes.PermissionDenied: 403, codes.ResourceExhausted: 429,
	codes.FailedPrecondition: 400, codes.Aborted: 409, codes.OutOfRange: 400, codes.Unimplemented: 501,
	codes.Internal: 500, codes.Unavailable: 503, codes.DataLoss: 500, codes.Unauthenticated: 401,
}
