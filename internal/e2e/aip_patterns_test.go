package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	patternsv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_patterns/want/aippatternsv1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestSeveralPatterns serves a resource of three patterns (AIP-123) and its
// child on every database: each pattern's names are created, read,
// listed under their own parent only, updated, soft deleted and read in
// batches, over gRPC and over the default REST routes of every pattern.
func TestSeveralPatterns(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/aip_patterns/want/aippatternsv1/schema", db.Dialector.Name()+".sql"))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			patternsv1.RegisterPatternsServiceServer(gs, patternsv1.NewPatternsServiceCRUD(db))
		}, patternsv1.PatternsServiceRESTRules())
		c := patternsv1.NewPatternsServiceClient(conn)
		ctx := context.Background()
		list := func(t *testing.T, parent, filter string) []string {
			t.Helper()
			return pageNames(t, func(token string) ([]*patternsv1.Sink, string, error) {
				r, err := c.ListSinks(ctx, &patternsv1.ListSinksRequest{Parent: parent, Filter: filter, PageSize: 1, PageToken: token})
				return r.GetSinks(), r.GetNextPageToken(), err
			})
		}

		parents := []string{"projects/x", "folders/x", "organizations/x/locations/x"}
		var sinks []*patternsv1.Sink
		for _, p := range parents {
			for _, id := range []string{"a", "b"} {
				s, err := c.CreateSink(ctx, &patternsv1.CreateSinkRequest{Parent: p, SinkId: id, Sink: &patternsv1.Sink{Destination: p + "/" + id}})
				require.NoError(t, err)
				require.Equal(t, p+"/sinks/"+id, s.Name)
				sinks = append(sinks, s)
			}
		}
		// The same ids under three patterns, whose variables are all "x":
		// each parent lists its own.
		for i, p := range parents {
			assert.Equal(t, []string{sinks[2*i].Name, sinks[2*i+1].Name}, list(t, p, ""), "ListSinks %s", p)
		}
		assert.Empty(t, list(t, "organizations/x/locations/y", ""))
		assert.Equal(t, []string{sinks[4].Name, sinks[5].Name}, list(t, "organizations/x/locations/-", ""))
		assert.Equal(t, []string{sinks[0].Name, sinks[1].Name}, list(t, "projects/-", ""))
		// A filter on the name reads each pattern; * for any id.
		assert.Equal(t, []string{sinks[3].Name}, list(t, "folders/-", `name = "folders/x/sinks/b"`))
		assert.Equal(t, []string{sinks[4].Name}, list(t, "organizations/-/locations/-", `name = "organizations/*/locations/x/sinks/a"`))
		assert.Empty(t, list(t, "projects/-", `name = "folders/x/sinks/b"`))

		// Names of no pattern, and parents of none, are InvalidArgument.
		_, err := c.GetSink(ctx, &patternsv1.GetSinkRequest{Name: "organizations/x/sinks/a"})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Equal(t, []string{"name"}, grpcViolationFields(t, err))
		_, err = c.ListSinks(ctx, &patternsv1.ListSinksRequest{Parent: "organizations/x"})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Equal(t, []string{"parent"}, grpcViolationFields(t, err))

		// Update and soft delete touch the one row of the name.
		up, err := c.UpdateSink(ctx, &patternsv1.UpdateSinkRequest{Sink: &patternsv1.Sink{Name: sinks[2].Name, Filter: "f"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"filter"}}})
		require.NoError(t, err)
		assert.Equal(t, "f", up.Filter)
		for _, s := range []*patternsv1.Sink{sinks[0], sinks[4]} {
			got, err := c.GetSink(ctx, &patternsv1.GetSinkRequest{Name: s.Name})
			require.NoError(t, err)
			assert.Empty(t, got.Filter, "%s", s.Name)
		}
		_, err = c.DeleteSink(ctx, &patternsv1.DeleteSinkRequest{Name: sinks[2].Name})
		require.NoError(t, err)
		assert.Equal(t, []string{sinks[3].Name}, list(t, "folders/x", ""))
		assert.Equal(t, []string{sinks[0].Name, sinks[1].Name}, list(t, "projects/x", ""))
		_, err = c.UndeleteSink(ctx, &patternsv1.UndeleteSinkRequest{Name: sinks[2].Name})
		require.NoError(t, err)

		// BatchGet reads names of several patterns, or of its parent's.
		bg, err := c.BatchGetSinks(ctx, &patternsv1.BatchGetSinksRequest{Names: []string{sinks[5].Name, sinks[0].Name, sinks[2].Name}})
		require.NoError(t, err)
		assert.Equal(t, []string{sinks[5].Name, sinks[0].Name, sinks[2].Name}, namesOf(bg.Sinks))
		_, err = c.BatchGetSinks(ctx, &patternsv1.BatchGetSinksRequest{Parent: "projects/x", Names: []string{sinks[0].Name, sinks[2].Name}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "a name under another parent: %v", err)

		// Runs under a sink of each pattern.
		for _, s := range []*patternsv1.Sink{sinks[0], sinks[2], sinks[4]} {
			r, err := c.CreateRun(ctx, &patternsv1.CreateRunRequest{Parent: s.Name, RunId: "r1", Run: &patternsv1.Run{Records: 7}})
			require.NoError(t, err)
			assert.Equal(t, s.Name+"/runs/r1", r.Name)
			lr, err := c.ListRuns(ctx, &patternsv1.ListRunsRequest{Parent: s.Name})
			require.NoError(t, err)
			assert.Equal(t, []string{r.Name}, namesOf(lr.Runs))
		}
		_, err = c.CreateRun(ctx, &patternsv1.CreateRunRequest{Parent: "folders/y/sinks/a", RunId: "r1", Run: &patternsv1.Run{}})
		assert.Equal(t, codes.NotFound, status.Code(err), "a run of a missing sink: %v", err)
		_, err = c.DeleteSink(ctx, &patternsv1.DeleteSinkRequest{Name: sinks[4].Name})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a sink with a run: %v", err)

		// REST: the default routes of every pattern.
		for i, p := range parents {
			resp, body := restDo(t, http.MethodGet, base+"/v1/"+p+"/sinks?page_size=10", "")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			var out struct{ Sinks []struct{ Name string } }
			require.NoError(t, json.Unmarshal(body, &out))
			require.Len(t, out.Sinks, 2, "%s", body)
			assert.Equal(t, sinks[2*i].Name, out.Sinks[0].Name)

			resp, body = restDo(t, http.MethodPost, base+"/v1/"+p+"/sinks?sink_id=c", `{"destination":"d"}`)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			resp, body = restDo(t, http.MethodPatch, base+"/v1/"+p+"/sinks/c?update_mask=filter", `{"filter":"g"}`)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			assert.Contains(t, string(body), `"filter":"g"`)
			resp, body = restDo(t, http.MethodGet, base+"/v1/"+p+"/sinks/c", "")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			assert.Contains(t, string(body), `"name":"`+p+`/sinks/c"`)
			resp, body = restDo(t, http.MethodDelete, base+"/v1/"+p+"/sinks/c", "")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			// AIP-164: Get still reads it, with its delete_time.
			resp, body = restDo(t, http.MethodGet, base+"/v1/"+p+"/sinks/c", "")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			assert.Contains(t, string(body), `"deleteTime"`)
		}
		resp, body := restDo(t, http.MethodGet, base+"/v1/"+sinks[4].Name+"/runs", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), sinks[4].Name+"/runs/r1")
	})
}
