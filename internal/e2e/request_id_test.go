package e2e_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	aipnamesv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_names/want/aipnamesv1"
	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

// TestRequestID serves AIP-155 request ids on every write that has one,
// over gRPC and REST on every database: a write is carried out once per
// id, its repeats get its response (even once the resource has changed
// or is gone), an id sent with another request is refused naming it, a
// write that fails records nothing, and concurrent requests with one id
// write once and all get that write's response.
func TestRequestID(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveShelves(t, db)
		ctx := context.Background()
		count := func() int {
			var n int64
			require.NoError(t, db.Table("shelves").Count(&n).Error)
			return int(n)
		}

		// Create: the server chooses the name once.
		create := &aipnamesv1.CreateShelfRequest{Shelf: &aipnamesv1.Shelf{Theme: "once"}, RequestId: "7f1c7a52-3b8e-4f0e-9c39-0d6a1f1b2c01"}
		first, err := c.CreateShelf(ctx, create)
		require.NoError(t, err)
		again, err := c.CreateShelf(ctx, create)
		require.NoError(t, err)
		assert.True(t, proto.Equal(first, again), "a repeat gets the first response:\n%v\n%v", first, again)
		assert.Equal(t, 1, count(), "a repeat writes nothing")

		// The same id with other fields, or for another method, is refused.
		_, err = c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{Shelf: &aipnamesv1.Shelf{Theme: "other"}, RequestId: create.RequestId})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Equal(t, []string{"request_id"}, grpcViolationFields(t, err))
		assert.Equal(t, "REQUEST_ID_REUSED", errorInfo(err).GetReason())
		_, err = c.DeleteShelf(ctx, &aipnamesv1.DeleteShelfRequest{Name: first.Name, RequestId: create.RequestId})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Equal(t, 1, count())

		// Ids the table cannot hold are refused, naming the field.
		for _, id := range []string{strings.Repeat("a", 65), "with space", "é"} {
			_, err = c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{Shelf: &aipnamesv1.Shelf{Theme: "x"}, RequestId: id})
			require.Equal(t, codes.InvalidArgument, status.Code(err), "%q: %v", id, err)
			assert.Equal(t, []string{"request_id"}, grpcViolationFields(t, err))
		}
		assert.Equal(t, 1, count())

		// A write that fails records nothing: the id can be used again.
		_, err = c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: "Not-An-Id", Shelf: &aipnamesv1.Shelf{Theme: "x"}, RequestId: "retry-1"})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		named, err := c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: "named", Shelf: &aipnamesv1.Shelf{Theme: "x"}, RequestId: "retry-1"})
		require.NoError(t, err)
		assert.Equal(t, "shelves/named", named.Name)
		_, err = c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: "named", Shelf: &aipnamesv1.Shelf{Theme: "x"}, RequestId: "retry-2"})
		require.Equal(t, codes.AlreadyExists, status.Code(err), "another id is another request: %v", err)

		// Update: applied once, the etag moves once.
		update := &aipnamesv1.UpdateShelfRequest{Shelf: &aipnamesv1.Shelf{Name: "shelves/named", Theme: "updated"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"theme"}}, RequestId: "update-1"}
		u1, err := c.UpdateShelf(ctx, update)
		require.NoError(t, err)
		u2, err := c.UpdateShelf(ctx, update)
		require.NoError(t, err)
		assert.True(t, proto.Equal(u1, u2), "%v\n%v", u1, u2)
		got, err := c.GetShelf(ctx, &aipnamesv1.GetShelfRequest{Name: "shelves/named"})
		require.NoError(t, err)
		assert.Equal(t, u1.Etag, got.Etag, "the update was applied once")
		assert.NotEqual(t, named.Etag, got.Etag)

		// Delete: a repeat succeeds as the first did, though the shelf is gone.
		del := &aipnamesv1.DeleteShelfRequest{Name: "shelves/named", RequestId: "delete-1"}
		_, err = c.DeleteShelf(ctx, del)
		require.NoError(t, err)
		_, err = c.DeleteShelf(ctx, del)
		require.NoError(t, err, "the repeat of a Delete that succeeded succeeds")
		_, err = c.DeleteShelf(ctx, &aipnamesv1.DeleteShelfRequest{Name: "shelves/named"})
		require.Equal(t, codes.NotFound, status.Code(err), "without an id, a second Delete is NotFound: %v", err)

		// Batch writes: the batch's own id.
		batch := &aipnamesv1.BatchCreateShelvesRequest{RequestId: "batch-1", Requests: []*aipnamesv1.CreateShelfRequest{
			{ShelfId: "b1", Shelf: &aipnamesv1.Shelf{Theme: "b"}}, {ShelfId: "b2", Shelf: &aipnamesv1.Shelf{Theme: "b"}},
		}}
		b1, err := c.BatchCreateShelves(ctx, batch)
		require.NoError(t, err)
		b2, err := c.BatchCreateShelves(ctx, batch)
		require.NoError(t, err, "the repeat does not meet the shelves the first created")
		assert.True(t, proto.Equal(b1, b2))
		bu := &aipnamesv1.BatchUpdateShelvesRequest{RequestId: "batch-2", Requests: []*aipnamesv1.UpdateShelfRequest{
			{Shelf: &aipnamesv1.Shelf{Name: "shelves/b1", Theme: "c"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"theme"}}},
		}}
		u3, err := c.BatchUpdateShelves(ctx, bu)
		require.NoError(t, err)
		u4, err := c.BatchUpdateShelves(ctx, bu)
		require.NoError(t, err)
		assert.True(t, proto.Equal(u3, u4))
		got, err = c.GetShelf(ctx, &aipnamesv1.GetShelfRequest{Name: "shelves/b1"})
		require.NoError(t, err)
		assert.Equal(t, u3.Shelves[0].Etag, got.Etag, "the batch update was applied once")
		_, err = c.BatchCreateShelves(ctx, &aipnamesv1.BatchCreateShelvesRequest{Requests: []*aipnamesv1.CreateShelfRequest{
			{ShelfId: "b3", Shelf: &aipnamesv1.Shelf{Theme: "b"}, RequestId: "inner"},
		}})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "the requests' own ids are not served: %v", err)
		assert.Equal(t, []string{"requests[0].request_id"}, grpcViolationFields(t, err))

		// Concurrent requests with one id: one write, one response.
		before := count()
		const n = 6
		var wg sync.WaitGroup
		out := make([]*aipnamesv1.Shelf, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out[i], errs[i] = c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{Shelf: &aipnamesv1.Shelf{Theme: "raced"}, RequestId: "race-1"})
			}()
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i])
			assert.True(t, proto.Equal(out[0], out[i]), "%v\n%v", out[0], out[i])
		}
		assert.Equal(t, before+1, count())

		// REST: the id in the query of a route whose body is the shelf.
		post := func() map[string]any {
			resp, err := http.Post(base+"/v1/shelves?requestId=rest-1", "application/json", strings.NewReader(`{"theme":"rest"}`))
			require.NoError(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
			var m map[string]any
			require.NoError(t, json.Unmarshal(b, &m))
			return m
		}
		r1, r2 := post(), post()
		assert.Equal(t, r1, r2)
		assert.Equal(t, before+2, count())

		// Purged ids are forgotten: a repeat is a new request.
		svc := aipnamesv1.NewShelfServiceCRUD(db).CRUDServices()[0]
		purged, err := svc.PurgeRequestIDs(ctx, time.Now().Add(-time.Hour))
		require.NoError(t, err)
		assert.Zero(t, purged, "nothing is that old")
		purged, err = svc.PurgeRequestIDs(ctx, time.Now().Add(time.Minute))
		require.NoError(t, err)
		assert.Positive(t, purged)
		r3 := post()
		assert.NotEqual(t, r1["name"], r3["name"])
		assert.Equal(t, before+3, count())
	})
}

// TestRequestIDEdges: a validate-only write answers what the write would
// with its request id (a refused id, a repeat's recorded response, an id
// of another request); requests that mean the same (unknown fields, an
// empty mask, mask paths in another order or repeated) are one request;
// concurrent requests with one id whose write fails each get the write's
// error, on every database.
func TestRequestIDEdges(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		// Two schemas, two databases: both have a table shelves.
		_, nc := serveNested(t, testdb.Open(t, ormrt.DialectOf(db)))
		_, c := serveShelves(t, db)
		ctx := context.Background()
		shelf := nestedShelf(t, nc, "acme", "s1")
		_, err := nc.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "dune", Book: &nestedv1.Book{Title: "Dune", Isbn: "1"}})
		require.NoError(t, err)
		name := shelf + "/books/dune"

		_, err = nc.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: name, ValidateOnly: true, RequestId: strings.Repeat("a", 65)})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Equal(t, []string{"request_id"}, grpcViolationFields(t, err))
		deleted, err := nc.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: name, RequestId: "v-1"})
		require.NoError(t, err)
		checked, err := nc.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: name, RequestId: "v-1", ValidateOnly: true})
		require.NoError(t, err, "the write would answer its recorded response")
		assert.True(t, proto.Equal(deleted, checked))
		_, err = nc.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: name, RequestId: "v-1", Etag: "7", ValidateOnly: true})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Equal(t, "REQUEST_ID_REUSED", errorInfo(err).GetReason())

		// One request, however it is spelled.
		created, err := c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: "e", Shelf: &aipnamesv1.Shelf{Theme: "e"}})
		require.NoError(t, err)
		up := func(mask *fieldmaskpb.FieldMask, unknown bool) (*aipnamesv1.Shelf, error) {
			req := &aipnamesv1.UpdateShelfRequest{Shelf: &aipnamesv1.Shelf{Name: created.Name, Theme: "f"}, UpdateMask: mask, RequestId: "spelled"}
			if unknown {
				req.ProtoReflect().SetUnknown(protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 1))
			}
			return c.UpdateShelf(ctx, req)
		}
		u1, err := up(&fieldmaskpb.FieldMask{Paths: []string{"theme"}}, false)
		require.NoError(t, err)
		for _, mask := range []*fieldmaskpb.FieldMask{{Paths: []string{"theme", "theme"}}, {Paths: []string{"theme"}}} {
			u, err := up(mask, true)
			require.NoError(t, err, "%v", mask)
			assert.True(t, proto.Equal(u1, u))
		}
		_, err = c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: "g", Shelf: &aipnamesv1.Shelf{Theme: "g"}, RequestId: "empty-mask"})
		require.NoError(t, err)
		e1, err := c.UpdateShelf(ctx, &aipnamesv1.UpdateShelfRequest{Shelf: &aipnamesv1.Shelf{Name: "shelves/g", Theme: "h"}, RequestId: "no-mask"})
		require.NoError(t, err)
		e2, err := c.UpdateShelf(ctx, &aipnamesv1.UpdateShelfRequest{Shelf: &aipnamesv1.Shelf{Name: "shelves/g", Theme: "h"}, UpdateMask: &fieldmaskpb.FieldMask{}, RequestId: "no-mask"})
		require.NoError(t, err, "an empty mask is no mask")
		assert.True(t, proto.Equal(e1, e2))

		// Concurrent requests with one id whose write fails.
		const n = 40
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: "e", Shelf: &aipnamesv1.Shelf{Theme: "taken"}, RequestId: "fails"})
			}()
		}
		wg.Wait()
		for i := range n {
			assert.Equal(t, codes.AlreadyExists, status.Code(errs[i]), "%v", errs[i])
		}
	})
}
