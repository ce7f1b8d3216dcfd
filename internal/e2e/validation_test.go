package e2e_test

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"gorm.io/gorm"

	rulesv1 "github.com/protoforge/protoforge/internal/e2e/gen/rules/v1"
	"github.com/protoforge/protoforge/internal/e2e/gen/rules/v1/rulesv1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

func validGadget() *rulesv1.Gadget {
	return &rulesv1.Gadget{Name: "Lamp", Weight: 3, Code: "LMP", Power: rulesv1.Power_POWER_MAINS, Serial: 1 << 63, Owner: "ann", Note: "ok", Tags: []string{"a"}}
}

// TestValidationRuleFamilies sends requests that break one rule family
// each, over a real socket, and checks the BadRequest lists exactly the
// offending field paths; nothing reaches the database.
func TestValidationRuleFamilies(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/rules/v1/schema", db.Dialector.Name()+".sql"))
		mux := http.NewServeMux()
		mux.Handle(rulesv1connect.NewGadgetServiceHandler(rulesv1.NewGadgetServiceCRUD(db)))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		c := rulesv1connect.NewGadgetServiceClient(http.DefaultClient, srv.URL, connect.WithProtoJSON())
		ctx := context.Background()

		g, err := c.CreateGadget(ctx, &rulesv1.CreateGadgetRequest{Gadget: &rulesv1.Gadget{
			Id: 77, Name: "Lamp", Weight: 3, Code: "LMP", Power: rulesv1.Power_POWER_MAINS, Serial: 1 << 63, Owner: "ann",
			CreateTime: timestamppb.New(timestamppb.Now().AsTime().AddDate(-5, 0, 0)),
		}})
		require.NoError(t, err)
		assert.NotEqual(t, int64(77), g.Id, "OUTPUT_ONLY id is the server's")
		assert.Greater(t, g.CreateTime.AsTime().Year(), timestamppb.Now().AsTime().Year()-1, "OUTPUT_ONLY create_time is the server's")

		cases := map[string]struct {
			mutate func(*rulesv1.Gadget)
			fields []string
		}{
			"protovalidate string length":   {func(g *rulesv1.Gadget) { g.Name = "x" }, []string{"gadget.name"}},
			"protovalidate uint64 bound":    {func(g *rulesv1.Gadget) { g.Serial = 5 }, []string{"gadget.serial"}},
			"PGV numeric range":             {func(g *rulesv1.Gadget) { g.Weight = 0 }, []string{"gadget.weight"}},
			"PGV pattern":                   {func(g *rulesv1.Gadget) { g.Code = "lmp" }, []string{"gadget.code"}},
			"PGV enum defined_only":         {func(g *rulesv1.Gadget) { g.Power = 9 }, []string{"gadget.power"}},
			"PGV repeated max_items":        {func(g *rulesv1.Gadget) { g.Tags = []string{"a", "b", "c"} }, []string{"gadget.tags"}},
			"REQUIRED field behavior":       {func(g *rulesv1.Gadget) { g.Owner = "" }, []string{"gadget.owner"}},
			"model size limit":              {func(g *rulesv1.Gadget) { g.Note = "too long" }, []string{"gadget.note"}},
			"PGV exclusive range":           {func(g *rulesv1.Gadget) { g.Level = 5 }, []string{"gadget.level"}},
			"protovalidate exclusive range": {func(g *rulesv1.Gadget) { g.Ratio = 0.75 }, []string{"gadget.ratio"}},
			"every violation at once": {func(g *rulesv1.Gadget) { g.Name, g.Weight, g.Code, g.Owner = "", 5000, "?", "" },
				[]string{"gadget.name", "gadget.weight", "gadget.code", "gadget.owner"}},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				in := validGadget()
				tc.mutate(in)
				_, err := c.CreateGadget(ctx, &rulesv1.CreateGadgetRequest{Gadget: in})
				require.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%v", err)
				assert.ElementsMatch(t, tc.fields, badRequestFields(t, err))
			})
		}

		// An exclusive range (a lower bound above the upper one) lets
		// through values on either side of its gap, on both sides of the
		// API and in the schema's CHECK, which spells it with OR.
		for _, v := range []struct {
			level int32
			ratio float64
		}{{4, 0.5}, {11, 1}, {-2147483648, -1e300}, {2147483647, 1e300}} {
			in := validGadget()
			in.Level, in.Ratio = v.level, v.ratio
			out, err := c.CreateGadget(ctx, &rulesv1.CreateGadgetRequest{Gadget: in})
			require.NoError(t, err, "level %d, ratio %g", v.level, v.ratio)
			assert.Equal(t, v.level, out.Level)
			assert.Equal(t, v.ratio, out.Ratio)
		}

		// IMMUTABLE: owner cannot change through Update; other fields can.
		_, err = c.UpdateGadget(ctx, &rulesv1.UpdateGadgetRequest{Gadget: &rulesv1.Gadget{Id: g.Id, Owner: "bob"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"owner"}}})
		require.Equal(t, connect.CodeInvalidArgument, codeOf(err))
		assert.Equal(t, []string{"gadget.owner"}, badRequestFields(t, err))
		u, err := c.UpdateGadget(ctx, &rulesv1.UpdateGadgetRequest{Gadget: &rulesv1.Gadget{Id: g.Id, Weight: 9}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"weight"}}})
		require.NoError(t, err)
		assert.EqualValues(t, 9, u.Weight)
		_, err = c.UpdateGadget(ctx, &rulesv1.UpdateGadgetRequest{Gadget: &rulesv1.Gadget{Id: g.Id, Weight: 0}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"weight"}}})
		assert.Equal(t, []string{"gadget.weight"}, badRequestFields(t, err), "updates are validated too")

		// Rules on the request's own fields are enforced before anything
		// else, once; the resource's are reported once, by its own check.
		_, err = c.GetGadget(ctx, &rulesv1.GetGadgetRequest{Id: 0})
		require.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%v", err)
		assert.Equal(t, []string{"id"}, badRequestFields(t, err), "PGV rule of a request field")
		_, err = c.CreateGadget(ctx, &rulesv1.CreateGadgetRequest{Gadget: validGadget(), RequestId: "far-too-long"})
		require.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%v", err)
		assert.Equal(t, []string{"request_id"}, badRequestFields(t, err), "protovalidate rule of a request field")
		bad := validGadget()
		bad.Weight = 0
		_, err = c.CreateGadget(ctx, &rulesv1.CreateGadgetRequest{Gadget: bad})
		assert.Equal(t, []string{"gadget.weight"}, badRequestFields(t, err), "the resource is reported once")
		// A request_id that passes its rules is served (AIP-155): the
		// repeat gets the gadget the first request created.
		once, err := c.CreateGadget(ctx, &rulesv1.CreateGadgetRequest{Gadget: validGadget(), RequestId: "ok"})
		require.NoError(t, err)
		twice, err := c.CreateGadget(ctx, &rulesv1.CreateGadgetRequest{Gadget: validGadget(), RequestId: "ok"})
		require.NoError(t, err)
		assert.Equal(t, once.Id, twice.Id)
		got, err := c.GetGadget(ctx, &rulesv1.GetGadgetRequest{Id: g.Id})
		require.NoError(t, err)
		assert.Equal(t, g.Id, got.Id)
	})
}

// TestMinLengthInvalidUTF8 writes a string of invalid UTF-8 long enough
// for its field's min_len (as the rules count it, a character per stray
// byte) through the generated service, called in process (no decoder
// checks the UTF-8 first): every database refuses it before the write,
// naming the field; SQLite's length() counts such strings otherwise, so
// that its CHECK would refuse it without naming anything.
func TestMinLengthInvalidUTF8(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/rules/v1/schema", db.Dialector.Name()+".sql"))
		svc := rulesv1.NewGadgetServiceCRUD(db)
		ctx := context.Background()
		for _, name := range []string{"\x80\x80\x80", "\xe2\x82\xe2\x82", "a\x80\x80"} {
			in := validGadget()
			in.Name = name
			_, err := svc.CreateGadget(ctx, &rulesv1.CreateGadgetRequest{Gadget: in})
			require.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%q: %v", name, err)
			assert.Equal(t, []string{"gadget.name"}, badRequestFields(t, err), "%q: %v", name, err)
		}
		// A string that holds NUL is the server's to count (the CHECK
		// leaves it alone) wherever the database stores NUL.
		in := validGadget()
		in.Name = "\x80\x00"
		_, err := svc.CreateGadget(ctx, &rulesv1.CreateGadgetRequest{Gadget: in})
		if db.Dialector.Name() == "sqlite" {
			require.NoError(t, err)
		} else {
			require.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%v", err)
		}
	})
}

// TestRulesAgreeWithChecks creates, over a real socket, values at the
// edges of rules that the schema turns into CHECKs: every value the
// validators accept is stored and read back (the database never refuses
// it), and every value they refuse is refused naming its field.
func TestRulesAgreeWithChecks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/rules/v1/schema", db.Dialector.Name()+".sql"))
		mux := http.NewServeMux()
		mux.Handle(rulesv1connect.NewMeterServiceHandler(rulesv1.NewMeterServiceCRUD(db)))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		c := rulesv1connect.NewMeterServiceClient(http.DefaultClient, srv.URL)
		ctx := context.Background()

		// withLows gives the meters of the cases that leave low and
		// pv_low unset a value within their rules (at least 0.7).
		withLows := func(m *rulesv1.Meter) *rulesv1.Meter {
			if m.Low == 0 {
				m.Low = 1
			}
			if m.PvLow == 0 {
				m.PvLow = 1
			}
			return m
		}
		accepted := map[string]*rulesv1.Meter{
			// PGV's ignore_empty skips a zero value that is set.
			"optional zero":         {Level: proto.Int32(0)},
			"optional empty string": {Label: proto.String("")},
			"wrapper zero":          {Boxed: wrapperspb.Int32(0)},
			"oneof empty string":    {Pick: &rulesv1.Meter_Tag{Tag: ""}},
			"oneof zero":            {Pick: &rulesv1.Meter_Code{Code: 0}},
			"within the rules": {Level: proto.Int32(10), Label: proto.String("abc"), Boxed: wrapperspb.Int32(10),
				Pick: &rulesv1.Meter_Code{Code: 101}},
			// Float bounds are the float32 the validators compare with.
			"at the float bounds": {Low: 0.7, High: 0.1, PvLow: 0.7, PvHigh: 0.1},
		}
		for name, in := range accepted {
			t.Run(name, func(t *testing.T) {
				out, err := c.CreateMeter(ctx, &rulesv1.CreateMeterRequest{Meter: withLows(in)})
				require.NoError(t, err)
				got, err := c.GetMeter(ctx, &rulesv1.GetMeterRequest{Id: out.Id})
				require.NoError(t, err)
				got.Id = 0
				assert.True(t, proto.Equal(in, got), "want %v, got %v", in, got)
			})
		}
		refused := map[string]struct {
			in    *rulesv1.Meter
			field string
		}{
			"optional below":            {&rulesv1.Meter{Level: proto.Int32(9)}, "meter.level"},
			"optional too short":        {&rulesv1.Meter{Label: proto.String("ab")}, "meter.label"},
			"wrapper below":             {&rulesv1.Meter{Boxed: wrapperspb.Int32(-1)}, "meter.boxed"},
			"oneof too short":           {&rulesv1.Meter{Pick: &rulesv1.Meter_Tag{Tag: "ab"}}, "meter.tag"},
			"oneof below":               {&rulesv1.Meter{Pick: &rulesv1.Meter_Code{Code: 100}}, "meter.code"},
			"float below":               {&rulesv1.Meter{Low: math.Nextafter32(0.7, 0)}, "meter.low"},
			"float above":               {&rulesv1.Meter{High: math.Nextafter32(0.1, 1)}, "meter.high"},
			"protovalidate float below": {&rulesv1.Meter{PvLow: math.Nextafter32(0.7, 0)}, "meter.pv_low"},
			"protovalidate float above": {&rulesv1.Meter{PvHigh: math.Nextafter32(0.1, 1)}, "meter.pv_high"},
			"protovalidate NaN":         {&rulesv1.Meter{PvReading: math.NaN()}, "meter.pv_reading"},
		}
		for name, tc := range refused {
			t.Run(name, func(t *testing.T) {
				_, err := c.CreateMeter(ctx, &rulesv1.CreateMeterRequest{Meter: withLows(tc.in)})
				require.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%v", err)
				assert.Equal(t, []string{tc.field}, badRequestFields(t, err))
			})
		}
		// PGV's bounds let NaN through: PostgreSQL stores it, and the
		// other databases cannot, which the server says of the field.
		out, err := c.CreateMeter(ctx, &rulesv1.CreateMeterRequest{Meter: withLows(&rulesv1.Meter{Reading: math.NaN()})})
		if db.Dialector.Name() != "postgres" {
			require.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%v", err)
			assert.Equal(t, []string{"meter.reading"}, badRequestFields(t, err))
			return
		}
		require.NoError(t, err)
		got, err := c.GetMeter(ctx, &rulesv1.GetMeterRequest{Id: out.Id})
		require.NoError(t, err)
		assert.True(t, math.IsNaN(got.Reading), "%v", got.Reading)
	})
}
