package e2e_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"gorm.io/gorm"

	pb "github.com/protoforge/protoforge/internal/gen/crud/testdata/json_collections/want/jsoncollectionsv1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestFilterCollections: AIP-160's has operator on lists and maps of
// every kind stored as JSON, over the wire, on every database: r:42 on
// lists of integers (64-bit ones at their extremes, which protojson
// writes as strings), bools and enums (aliases meaning their number);
// r.field:v through lists of messages (an element whose field is v, a
// field the element leaves out being its zero value), nested; m:"key",
// m.key = v (and the other comparisons of the value's kind) on maps of
// every value kind, with integer and bool keys, and m.key.field = v on
// maps of messages. Each condition finds its own element: a.b:1 AND
// a.c:2 holds when one element has b 1 and another c 2.
func TestFilterCollections(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/json_collections/want/jsoncollectionsv1/schema", db.Dialector.Name()+".sql"))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			pb.RegisterProbeServiceServer(gs, pb.NewProbeServiceCRUD(db))
		}, pb.ProbeServiceRESTRules())
		c := pb.NewProbeServiceClient(conn)
		ctx := context.Background()
		const finalized = "google.cloud.storage.object.v1.finalized"
		for _, p := range []*pb.Probe{
			{
				Name: "a", Levels: []int32{1, math.MinInt32}, Serials: []int64{math.MaxInt64, math.MinInt64}, Ports: []uint32{math.MaxUint32},
				Checksums: []uint64{math.MaxUint64}, Offsets: []int64{-1}, Flags: []bool{true}, Phases: []pb.Phase{pb.Phase_PHASE_RUNNING},
				Events: []*pb.Event{{
					Attribute: "type", Value: finalized, Count: 3, Phase: pb.Phase_PHASE_ACTIVE, Done: true,
					Where: &pb.Where{Depth: -3, Codes: []int64{7}}, Trail: []*pb.Where{{Zone: "eu"}}, Marks: map[string]int32{"x": 1},
					Size: math.MaxUint64, Labels: []string{"l1"},
				}},
				Counts: map[string]int64{"hits": 5, "misses": 0}, States: map[string]pb.Phase{"db": pb.Phase_PHASE_RUNNING},
				Switches: map[string]bool{"on": true, "off": false}, Names: map[int64]string{-5: "neg", 7: "seven"},
				ByFlag: map[bool]int32{true: 1}, Sums: map[uint64]uint64{math.MaxUint64: 1},
				BySource: map[string]*pb.Event{"gcs": {Attribute: "bucket", Count: 2, Where: &pb.Where{Depth: 4}}},
				Last:     &pb.Event{Attribute: "type", Trail: []*pb.Where{{Depth: 2}}},
			},
			{
				Name: "b", Levels: []int32{0, 2}, Serials: []int64{9007199254740993}, Flags: []bool{false},
				Phases: []pb.Phase{pb.Phase_PHASE_UNSPECIFIED, pb.Phase_PHASE_IDLE},
				Events: []*pb.Event{{Attribute: "type", Value: "other"}, {Attribute: "bucket", Value: finalized}},
				Counts: map[string]int64{"hits": -5}, States: map[string]pb.Phase{"db": pb.Phase_PHASE_IDLE},
				Switches: map[string]bool{"on": false}, Names: map[int64]string{5: "five"}, ByFlag: map[bool]int32{false: 0},
				BySource: map[string]*pb.Event{"gcs": {}}, Weights: []float64{1.5},
			},
			{Name: "c"},
			{Name: "d", Events: []*pb.Event{{}}, Last: &pb.Event{Size: math.MaxUint64}},
			{Name: "e", Events: []*pb.Event{{Attribute: "q\"uo\\te\u2028", Labels: []string{"tab\there", "é"}}}, BySource: map[string]*pb.Event{"k\u2028": {}}},
		} {
			_, err := c.CreateProbe(ctx, &pb.CreateProbeRequest{Probe: p})
			require.NoError(t, err)
		}
		for _, tc := range []struct {
			filter string
			want   []string
		}{
			// Lists of integers, bools and enums.
			{`levels:1`, []string{"a"}},
			{`levels:0`, []string{"b"}},
			{`levels:-2147483648`, []string{"a"}},
			{`levels:3`, nil},
			{`serials:9223372036854775807`, []string{"a"}},
			{`serials:-9223372036854775808`, []string{"a"}},
			{`serials:9007199254740993`, []string{"b"}},
			{`serials:9007199254740992`, nil},
			{`ports:4294967295`, []string{"a"}},
			{`checksums:18446744073709551615`, []string{"a"}},
			{`checksums:18446744073709551614`, nil},
			{`offsets:-1`, []string{"a"}},
			{`flags:true`, []string{"a"}},
			{`flags:false`, []string{"b"}},
			{`phases:PHASE_ACTIVE`, []string{"a"}},
			{`phases:PHASE_RUNNING`, []string{"a"}},
			{`phases:PHASE_UNSPECIFIED`, []string{"b"}},
			{`phases:PHASE_IDLE`, []string{"b"}},
			{`levels:*`, []string{"a", "b"}},
			{`NOT levels:*`, []string{"c", "d", "e"}},
			{`phases:*`, []string{"a", "b"}},
			// Lists of messages: an element whose field matches.
			{`events:*`, []string{"a", "b", "d", "e"}},
			{`events.attribute:"type"`, []string{"a", "b"}},
			{`events.value:"` + finalized + `"`, []string{"a", "b"}},
			// One element of b has the attribute, another the value.
			{`events.attribute:"type" AND events.value:"` + finalized + `"`, []string{"a", "b"}},
			{`events.attribute:"bucket"`, []string{"b"}},
			{`events.attribute:type`, []string{"a", "b"}},
			{`counts:hits`, []string{"a", "b"}},
			{`events.attribute:"q\"uo\\te` + "\u2028" + `"`, []string{"e"}},
			{`events.attribute:"TYPE"`, nil},
			{`events.count:3`, []string{"a"}},
			{`events.count:0`, []string{"b", "d", "e"}},
			{`events.phase:PHASE_RUNNING`, []string{"a"}},
			{`events.phase:PHASE_UNSPECIFIED`, []string{"b", "d", "e"}},
			{`events.done:true`, []string{"a"}},
			{`events.done:false`, []string{"b", "d", "e"}},
			{`events.where.depth:-3`, []string{"a"}},
			{`events.where.depth:0`, []string{"b", "d", "e"}},
			{`events.where.codes:7`, []string{"a"}},
			{`events.trail.zone:"eu"`, []string{"a"}},
			{`events.marks.x:1`, []string{"a"}},
			{`events.marks:"x"`, []string{"a"}},
			{`events.size:18446744073709551615`, []string{"a"}},
			{`events.size:0`, []string{"b", "d", "e"}},
			{`events.labels:"l1"`, []string{"a"}},
			{`events.labels:"tab\there"`, []string{"e"}},
			{`events.labels:"é"`, []string{"e"}},
			{`events.attribute:*`, []string{"a", "b", "e"}},
			{`events.where:*`, []string{"a"}},
			{`last.trail.depth:2`, []string{"a"}},
			{`last.trail:*`, []string{"a"}},
			// A map inside a message not set, or set without it.
			{`last.marks:"x"`, nil},
			{`NOT last.marks:*`, []string{"a", "b", "c", "d", "e"}},
			{`last.marks.x < 1`, nil},
			{`last.attribute = "type"`, []string{"a"}},
			// Unsigned 64-bit integers inside a message, to their top.
			{`last.size = 18446744073709551615`, []string{"d"}},
			{`last.size > 9223372036854775807`, []string{"d"}},
			{`last.size < 18446744073709551615`, []string{"a", "b", "c", "e"}},
			{`last.size = 0`, []string{"a", "b", "c", "e"}},
			// Maps of every value kind.
			{`counts:"hits"`, []string{"a", "b"}},
			{`counts:*`, []string{"a", "b"}},
			{`counts.hits = 5`, []string{"a"}},
			{`counts.hits:5`, []string{"a"}},
			{`counts.hits > 0`, []string{"a"}},
			{`counts.hits <= -5`, []string{"b"}},
			{`counts.hits != 5`, []string{"b", "c", "d", "e"}},
			{`counts.misses = 0`, []string{"a"}},
			{`counts.misses:*`, []string{"a"}},
			{`counts.other = 0`, nil},
			{`states.db = PHASE_ACTIVE`, []string{"a"}},
			{`states.db = PHASE_RUNNING`, []string{"a"}},
			{`states.db = PHASE_IDLE`, []string{"b"}},
			{`states.db != PHASE_IDLE`, []string{"a", "c", "d", "e"}},
			{`switches.on`, []string{"a"}},
			{`switches.on = false`, []string{"b"}},
			{`NOT switches.on`, []string{"b", "c", "d", "e"}},
			{`switches.off = false`, []string{"a"}},
			{`names:-5`, []string{"a"}},
			{`names:7`, []string{"a"}},
			{`names:"7"`, []string{"a"}},
			{`names.7 = "seven"`, []string{"a"}},
			{`names.05 = "five"`, []string{"b"}},
			{`names.7 > "s"`, []string{"a"}},
			{`names.7 < "s"`, nil},
			{`by_flag:true`, []string{"a"}},
			{`by_flag.true = 1`, []string{"a"}},
			{`by_flag.false = 0`, []string{"b"}},
			{`sums:18446744073709551615`, []string{"a"}},
			{`sums.18446744073709551615 = 1`, []string{"a"}},
			{`sums.18446744073709551615 > 0`, []string{"a"}},
			// Maps of messages.
			{`by_source:"gcs"`, []string{"a", "b"}},
			{`by_source:"k` + "\u2028" + `"`, []string{"e"}},
			{`by_source.gcs:*`, []string{"a", "b"}},
			{`by_source.gcs.attribute = "bucket"`, []string{"a"}},
			{`by_source.gcs.count > 1`, []string{"a"}},
			{`by_source.gcs.count = 0`, []string{"b"}},
			{`by_source.gcs.count != 0`, []string{"a", "c", "d", "e"}},
			{`by_source.gcs.where.depth = 4`, []string{"a"}},
			{`by_source.gcs.where:*`, []string{"a"}},
			{`by_source.gcs.attribute:*`, []string{"a"}},
		} {
			res, err := c.ListProbes(ctx, &pb.ListProbesRequest{Filter: tc.filter})
			if !assert.NoError(t, err, tc.filter) {
				continue
			}
			var got []string
			for _, p := range res.Probes {
				got = append(got, p.Name)
			}
			sort.Strings(got)
			assert.Equal(t, tc.want, got, tc.filter)
		}

		// The same over REST.
		resp, body := restDo(t, http.MethodGet, base+"/v1/probes?filter="+url.QueryEscape(`events.attribute:"type" AND serials:-9223372036854775808`), "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var list struct{ Probes []struct{ Name string } }
		require.NoError(t, json.Unmarshal(body, &list))
		require.Len(t, list.Probes, 1, "%s", body)
		assert.Equal(t, "a", list.Probes[0].Name)

		for _, bad := range []struct{ filter, orderBy, want string }{
			{filter: `events.attribute = "type"`, want: `events.attribute is inside a list`},
			{filter: `events.count > 1`, want: `events.count is inside a list`},
			{filter: `levels = 1`, want: `levels is a list`},
			{filter: `levels > 1`, want: `levels is a list`},
			{filter: `counts = 1`, want: `counts is a map`},
			{filter: `events:"x"`, want: `events`},
			{filter: `events`, want: `not a condition`},
			{filter: `counts`, want: `not a condition`},
			{filter: `levels`, want: `not a condition`},
			{filter: `events.done`, want: `events.done:true`},
			{filter: `events.nothing:1`, want: `unknown field "events.nothing"`},
			{filter: `events.attribute:"ty*"`, want: `takes no wildcards`},
			{filter: `levels:"x"`, want: `levels takes an integer`},
			{filter: `checksums:-1`, want: `out of range`},
			{filter: `counts.hits = "x"`, want: `counts.hits takes an integer`},
			{filter: `names.x = "a"`, want: `whose keys are integers`},
			{filter: `names:"x"`, want: `names has keys that are integers`},
			{filter: `by_flag.maybe = 1`, want: `whose keys are true or false`},
			{filter: `states.db > PHASE_IDLE`, want: `compares only with = and !=`},
			{filter: `by_source.gcs = 1`, want: `is a message`},
			{filter: `weights:1.5`, want: `unknown field "weights"`},
			{orderBy: `levels`, want: `inside a list or map`},
			{orderBy: `events.attribute`, want: `inside a list or map`},
		} {
			_, err := c.ListProbes(ctx, &pb.ListProbesRequest{Filter: bad.filter, OrderBy: bad.orderBy})
			if assert.Equal(t, codes.InvalidArgument, status.Code(err), "%+v: %v", bad, err) {
				msg := status.Convert(err).Message()
				assert.True(t, strings.Contains(msg, bad.want), "%+v: %s", bad, msg)
				field := "filter"
				if bad.orderBy != "" {
					field = "order_by"
				}
				assert.Contains(t, msg, field+": ", "%+v", bad)
			}
		}
	})
}
