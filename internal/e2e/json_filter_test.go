package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	jsonfilterv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/json_filter/want/jsonfilterv1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestFilterInsideJSON: filters compare the values of a message stored as
// JSON (AIP-160's traversal), at any depth, on every database, with the
// same answers: strings byte for byte, integers (64-bit ones too, which
// protojson writes as strings) as numbers, bools, enums by name, and a
// value the JSON leaves out (a zero value, or a message not set) as its
// zero value; :* tests that a value is set. What a filter cannot compare
// there (floats, a list but with the has operator, order_by) is
// InvalidArgument naming the field.
func TestFilterInsideJSON(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/json_filter/want/jsonfilterv1/schema", db.Dialector.Name()+".sql"))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			jsonfilterv1.RegisterGadgetServiceServer(gs, jsonfilterv1.NewGadgetServiceCRUD(db))
		}, jsonfilterv1.GadgetServiceRESTRules())
		c := jsonfilterv1.NewGadgetServiceClient(conn)
		ctx := context.Background()
		for _, g := range []*jsonfilterv1.Gadget{
			{Name: "a", Spec: &jsonfilterv1.Spec{Label: "Alpha", Count: 3, Serial: 9007199254740993, Sealed: true, Color: jsonfilterv1.Color_RED, Size: &jsonfilterv1.Size{Width: 4000000000, Depth: -5}, Null: "n", Mode: jsonfilterv1.Mode_RUNNING}},
			{Name: "b", Spec: &jsonfilterv1.Spec{Label: "alpha ", Count: -2, Color: jsonfilterv1.Color_GREEN, Spare: &jsonfilterv1.Spec{Label: "inner", Sealed: true}}},
			{Name: "c", Spec: &jsonfilterv1.Spec{}, Conf: &jsonfilterv1.Conf{}},
			{Name: "d", Conf: &jsonfilterv1.Conf{N: proto.Int32(0), S: proto.String(""), On: proto.Bool(false), Level: jsonfilterv1.Level_HIGH.Enum(), Level2: jsonfilterv1.Level_LOW.Enum()}},
		} {
			_, err := c.CreateGadget(ctx, &jsonfilterv1.CreateGadgetRequest{Gadget: g})
			require.NoError(t, err)
		}
		for _, tc := range []struct {
			filter string
			want   []string
		}{
			{`spec.label = "Alpha"`, []string{"a"}},
			{`spec.label = "alpha"`, nil},
			{`spec.label = "alpha "`, []string{"b"}},
			{`spec.label = ""`, []string{"c", "d"}},
			{`spec.label != ""`, []string{"a", "b"}},
			{`spec.label = "al*"`, []string{"b"}},
			{`spec.label > "B"`, []string{"b"}},
			{`spec.count > 0`, []string{"a"}},
			{`spec.count < 0`, []string{"b"}},
			{`spec.count = 0`, []string{"c", "d"}},
			{`spec.serial = 9007199254740993`, []string{"a"}},
			{`spec.serial > 9007199254740992`, []string{"a"}},
			{`spec.sealed`, []string{"a"}},
			{`spec.sealed = false`, []string{"b", "c", "d"}},
			{`NOT spec.sealed`, []string{"b", "c", "d"}},
			{`spec.color = RED`, []string{"a"}},
			{`spec.color = COLOR_UNSPECIFIED`, []string{"c", "d"}},
			{`spec.color != GREEN`, []string{"a", "c", "d"}},
			{`spec.size.width = 4000000000`, []string{"a"}},
			{`spec.size.depth < 0`, []string{"a"}},
			{`spec.spare.label = "inner"`, []string{"b"}},
			{`spec.spare.sealed AND spec.count < 0`, []string{"b"}},
			{`spec.label:*`, []string{"a", "b"}},
			{`spec.sealed:*`, []string{"a"}},
			{`spec.size.depth:*`, []string{"a"}},
			// A message is set when the JSON holds it, empty or not.
			{`spec:*`, []string{"a", "b", "c"}},
			{`NOT spec:*`, []string{"d"}},
			{`spec.size:*`, []string{"a"}},
			{`spec.spare:*`, []string{"b"}},
			{`name = "a" OR spec.color = GREEN`, []string{"a", "b"}},
			// A key PostgreSQL's paths must quote.
			{`spec.null = "n"`, []string{"a"}},
			{`spec.null:*`, []string{"a"}},
			// Aliases mean their number: RUNNING is stored as STARTED.
			{`spec.mode = RUNNING`, []string{"a"}},
			{`spec.mode = STARTED`, []string{"a"}},
			{`spec.mode != RUNNING`, []string{"b", "c", "d"}},
			{`spec.mode = MODE_NONE`, []string{"b", "c", "d"}},
			// A value left out is its declared default (edition 2023),
			// whether the message is empty or not set at all.
			{`conf.n = 5`, []string{"a", "b", "c"}},
			{`conf.n = 0`, []string{"d"}},
			{`conf.s = "dflt"`, []string{"a", "b", "c"}},
			{`conf.on`, []string{"a", "b", "c"}},
			{`conf.level = LOW`, []string{"a", "b", "c"}},
			{`conf.level2 = HIGH`, []string{"a", "b", "c"}},
			{`conf.level2 = LOW`, []string{"d"}},
			{`conf.n:*`, []string{"d"}},
			// AIP-160's m.foo:42: the value, written whole.
			{`spec.count:3`, []string{"a"}},
			{`spec.label:"Alpha"`, []string{"a"}},
			{`spec.color:RED`, []string{"a"}},
			{`spec.sealed:true`, []string{"a"}},
			{`spec.size.width:4000000000`, []string{"a"}},
			{`spec.label:""`, []string{"c", "d"}},
			// A list inside: the has operator tests its elements.
			{`spec.parts:"x"`, nil},
			{`spec.parts:*`, nil},
		} {
			res, err := c.ListGadgets(ctx, &jsonfilterv1.ListGadgetsRequest{Filter: tc.filter})
			require.NoError(t, err, tc.filter)
			var got []string
			for _, g := range res.Gadgets {
				got = append(got, g.Name)
			}
			sort.Strings(got)
			assert.Equal(t, tc.want, got, tc.filter)
		}

		// The same over REST.
		resp, body := restDo(t, http.MethodGet, base+"/v1/gadgets?filter="+url.QueryEscape(`spec.size.width > 3999999999 AND spec.color = RED`), "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var list struct{ Gadgets []struct{ Name string } }
		require.NoError(t, json.Unmarshal(body, &list))
		require.Len(t, list.Gadgets, 1, "%s", body)
		assert.Equal(t, "a", list.Gadgets[0].Name)

		// Strings the JSON text escapes (controls, U+2028, quotes and
		// backslashes) and characters beyond the BMP compare as written.
		for i, label := range []string{"line\u2028sep", "tab\there", "quote\"back\\slash", "nul\x01ctl", "emoji 🙂", "é"} {
			_, err := c.CreateGadget(ctx, &jsonfilterv1.CreateGadgetRequest{Gadget: &jsonfilterv1.Gadget{Name: fmt.Sprintf("esc%d", i), Spec: &jsonfilterv1.Spec{Label: label}}})
			require.NoError(t, err)
			res, err := c.ListGadgets(ctx, &jsonfilterv1.ListGadgetsRequest{Filter: "spec.label = " + strconv.Quote(label)})
			require.NoError(t, err, "%q", label)
			if assert.Len(t, res.Gadgets, 1, "%q", label) {
				assert.Equal(t, fmt.Sprintf("esc%d", i), res.Gadgets[0].Name)
			}
		}

		for _, bad := range []struct{ filter, orderBy string }{
			{filter: `spec.weight > 1`},
			{filter: `spec.parts = "x"`},
			{filter: `spec.label:"Al*"`},
			{filter: `spec.count:"x"`},
			{filter: `spec.color > RED`},
			{filter: `spec.nothing = 1`},
			{filter: `spec.count = "x"`},
			{filter: `spec = 1`},
			{filter: `spec = "x"`},
			{filter: `spec`},
			{orderBy: `spec`},
			{orderBy: `spec.label`},
		} {
			_, err := c.ListGadgets(ctx, &jsonfilterv1.ListGadgetsRequest{Filter: bad.filter, OrderBy: bad.orderBy})
			assert.Equal(t, codes.InvalidArgument, status.Code(err), "%+v: %v", bad, err)
		}
		_, err := c.ListGadgets(ctx, &jsonfilterv1.ListGadgetsRequest{Filter: `spec.spare.spare.spare.spare.label = "x"`})
		assert.Contains(t, status.Convert(err).Message(), "a message stored as JSON, of which filters compare the strings, integers, bools and enums, to four levels", "%v", err)
	})
}

// TestFilterInsideJSONInputOnly: an INPUT_ONLY field of a message stored
// as JSON is not a field filters know (a filter would tell the stored
// value), and the refusal says why; its siblings are.
func TestFilterInsideJSONInputOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveNested(t, db)
		ctx := context.Background()
		nestedShelf(t, c, "p", "s")
		_, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/p/shelves/s", BookId: "b", Book: &nestedv1.Book{Title: "b", Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{Format: "epub", DrmKey: "secret"}}}})
		require.NoError(t, err)
		res, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/p/shelves/s", Filter: `ebook.format = "epub"`})
		require.NoError(t, err)
		assert.Len(t, res.Books, 1)
		_, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/p/shelves/s", Filter: `ebook.drm_key = "secret"`})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Contains(t, status.Convert(err).Message(), `field "ebook.drm_key" is INPUT_ONLY`)
		_, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/p/shelves/s", OrderBy: "ebook.drm_key"})
		assert.Contains(t, status.Convert(err).Message(), `field "ebook.drm_key" is INPUT_ONLY`)
	})
}

// TestFilterInsideJSONByteOrder: strings inside JSON order byte by byte
// on a PostgreSQL database whose collation does not (ICU en-US puts "a"
// before "B" and ignores "["), as on the other databases.
func TestFilterInsideJSONByteOrder(t *testing.T) {
	db, err := gorm.Open(postgres.Open(testdb.PostgresDSNWith(t, "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' TEMPLATE template0")), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqlDB.Close() })
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/json_filter/want/jsonfilterv1/schema/postgres.sql"))
	s := jsonfilterv1.NewGadgetServiceCRUD(db)
	ctx := context.Background()
	for _, label := range []string{"a", "B", "[x"} {
		_, err := s.CreateGadget(ctx, &jsonfilterv1.CreateGadgetRequest{Gadget: &jsonfilterv1.Gadget{Name: label, Spec: &jsonfilterv1.Spec{Label: label}}})
		require.NoError(t, err)
	}
	for filter, want := range map[string][]string{
		`spec.label > "B"`: {"[x", "a"},
		`spec.label < "B"`: nil,
	} {
		res, err := s.ListGadgets(ctx, &jsonfilterv1.ListGadgetsRequest{Filter: filter})
		require.NoError(t, err, filter)
		var got []string
		for _, g := range res.Gadgets {
			got = append(got, g.Name)
		}
		sort.Strings(got)
		assert.Equal(t, want, got, filter)
	}
}
