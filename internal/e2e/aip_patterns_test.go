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
		base, c := servePatterns(t, db)
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

// TestSeveralPatternsReferences: a resource_reference to a resource of
// several patterns (AIP-123) holds a name of any of them, checked on every
// write and held by a foreign key over the columns of all their
// variables ("" in those the name's pattern lacks): a name of no pattern
// or of a missing resource is InvalidArgument naming the field, deleting
// what a route names is FailedPrecondition while a resource of another
// pattern with the same ids goes, and no write beside the server makes a
// reference dangle; over gRPC and REST on every database.
func TestSeveralPatternsReferences(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := servePatterns(t, db)
		ctx := context.Background()
		for _, p := range []string{"projects/x", "folders/x", "organizations/x/locations/x"} {
			for _, id := range []string{"a", "b"} {
				_, err := c.CreateSink(ctx, &patternsv1.CreateSinkRequest{Parent: p, SinkId: id, Sink: &patternsv1.Sink{Destination: "d"}})
				require.NoError(t, err)
			}
		}
		run, err := c.CreateRun(ctx, &patternsv1.CreateRunRequest{Parent: "organizations/x/locations/x/sinks/b", RunId: "r", Run: &patternsv1.Run{}})
		require.NoError(t, err)

		route, err := c.CreateRoute(ctx, &patternsv1.CreateRouteRequest{Parent: "projects/x", RouteId: "r1", Route: &patternsv1.Route{Sink: "folders/x/sinks/a", Replay: run.Name}})
		require.NoError(t, err)
		assert.Equal(t, "folders/x/sinks/a", route.Sink)
		got, err := c.GetRoute(ctx, &patternsv1.GetRouteRequest{Name: route.Name})
		require.NoError(t, err)
		assert.Equal(t, run.Name, got.Replay)

		// Names of no pattern, and of no resource, are refused.
		for _, bad := range []struct{ sink, replay, field string }{
			{"organizations/x/sinks/a", "", "route.sink"},
			{"folders/y/sinks/a", "", "route.sink"},
			{"organizations/x/locations/y/sinks/a", "", "route.sink"},
			{"projects/x/sinks/a", "projects/x/sinks/a/runs/r", "route.replay"},
			{"projects/x/sinks/a", "organizations/x/sinks/b/runs/r", "route.replay"},
		} {
			_, err := c.CreateRoute(ctx, &patternsv1.CreateRouteRequest{Parent: "folders/x", RouteId: "bad", Route: &patternsv1.Route{Sink: bad.sink, Replay: bad.replay}})
			assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v: %v", bad, err)
			assert.Equal(t, []string{bad.field}, grpcViolationFields(t, err), "%v", bad)
		}
		_, err = c.CreateRoute(ctx, &patternsv1.CreateRouteRequest{Parent: "folders/x", RouteId: "bad", Route: &patternsv1.Route{Sink: "organizations/x/sinks/a"}})
		assert.Contains(t, status.Convert(err).Message(), "projects/{project}/sinks/{sink} or folders/{folder}/sinks/{sink} or organizations/{organization}/locations/{location}/sinks/{sink}", "the patterns, each")

		// What a route names stays; a resource of another pattern with
		// the same ids goes.
		_, err = c.DeleteSink(ctx, &patternsv1.DeleteSinkRequest{Name: "folders/x/sinks/a"})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		_, err = c.DeleteRun(ctx, &patternsv1.DeleteRunRequest{Name: run.Name})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		_, err = c.DeleteSink(ctx, &patternsv1.DeleteSinkRequest{Name: "projects/x/sinks/a"})
		require.NoError(t, err)

		// The foreign key holds beside the server: a key of the other
		// pattern's columns names no sink.
		err = db.Exec(`INSERT INTO routes (project, folder, route, sink, sink_project, sink_folder, sink_organization, sink_location, sink_sink) VALUES ('x', '', 'raw', 'folders/y/sinks/a', '', 'y', '', '', 'a')`).Error
		assert.Error(t, err, "a key of a sink that does not exist")
		err = db.Exec(`INSERT INTO routes (project, folder, route, sink, sink_project, sink_folder, sink_organization, sink_location, sink_sink) VALUES ('x', '', 'raw', 'folders/x/sinks/b', '', 'x', '', '', 'b')`).Error
		require.NoError(t, err)
		got, err = c.GetRoute(ctx, &patternsv1.GetRouteRequest{Name: "projects/x/routes/raw"})
		require.NoError(t, err)
		assert.Equal(t, "folders/x/sinks/b", got.Sink)

		// Pointed elsewhere, the route frees what it named.
		_, err = c.UpdateRoute(ctx, &patternsv1.UpdateRouteRequest{Route: &patternsv1.Route{Name: route.Name, Sink: "organizations/x/locations/x/sinks/a"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"sink", "replay"}}})
		require.NoError(t, err)
		_, err = c.DeleteRun(ctx, &patternsv1.DeleteRunRequest{Name: run.Name})
		require.NoError(t, err)
		_, err = c.DeleteSink(ctx, &patternsv1.DeleteSinkRequest{Name: "folders/x/sinks/a"})
		require.NoError(t, err)
		_, err = c.DeleteSink(ctx, &patternsv1.DeleteSinkRequest{Name: "organizations/x/locations/x/sinks/a"})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		_, err = c.UpdateRoute(ctx, &patternsv1.UpdateRouteRequest{Route: &patternsv1.Route{Name: route.Name, Sink: "folders/x/sinks/a"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"sink"}}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "a soft-deleted sink: %v", err)

		// REST.
		resp, body := restDo(t, http.MethodPost, base+"/v1/folders/x/routes?route_id=r2", `{"sink":"projects/x/sinks/b"}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), `"sink":"projects/x/sinks/b"`)
		resp, body = restDo(t, http.MethodPost, base+"/v1/folders/x/routes?route_id=r3", `{"sink":"projects/x/locations/x/sinks/b"}`)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), "route.sink")
		resp, body = restDo(t, http.MethodDelete, base+"/v1/projects/x/sinks/b", "")
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "FAILED_PRECONDITION is 400: %s", body)
		assert.Contains(t, string(body), `"code":9`)
		resp, body = restDo(t, http.MethodDelete, base+"/v1/folders/x/routes/r2", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		resp, body = restDo(t, http.MethodDelete, base+"/v1/projects/x/sinks/b", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	})
}

// servePatterns serves golden case aip_patterns on db over gRPC and REST.
func servePatterns(t *testing.T, db *gorm.DB) (string, patternsv1.PatternsServiceClient) {
	t.Helper()
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/aip_patterns/want/aippatternsv1/schema", db.Dialector.Name()+".sql"))
	base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
		patternsv1.RegisterPatternsServiceServer(gs, patternsv1.NewPatternsServiceCRUD(db))
	}, patternsv1.PatternsServiceRESTRules())
	return base, patternsv1.NewPatternsServiceClient(conn)
}
