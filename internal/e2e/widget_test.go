package e2e_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	rulesv1 "github.com/protoforge/protoforge/internal/e2e/gen/rules/v1"
	"github.com/protoforge/protoforge/internal/e2e/gen/rules/v1/rulesv1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// widgetClients calls one WidgetService over Connect and over gRPC.
type widgetClients struct {
	connect rulesv1connect.WidgetServiceClient
	grpc    rulesv1.WidgetServiceClient
}

// serveWidgets serves the generated WidgetService on db over Connect and
// gRPC, on real sockets.
func serveWidgets(t *testing.T, db *gorm.DB) widgetClients {
	t.Helper()
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/rules/v1/schema", db.Dialector.Name()+".sql"))
	svc := rulesv1.NewWidgetServiceCRUD(db)
	mux := http.NewServeMux()
	mux.Handle(rulesv1connect.NewWidgetServiceHandler(svc))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	_, conn := serveGRPC(t, func(gs *grpc.Server) { rulesv1.RegisterWidgetServiceServer(gs, svc) })
	return widgetClients{
		connect: rulesv1connect.NewWidgetServiceClient(http.DefaultClient, srv.URL, connect.WithProtoJSON()),
		grpc:    rulesv1.NewWidgetServiceClient(conn),
	}
}

// fieldViolation is one field of a BadRequest, with its description.
type fieldViolation struct{ field, description string }

// widgetCall sends one request over both protocols and returns the code
// and the BadRequest of each answer, which must agree.
func widgetCall(t *testing.T, c widgetClients, call func(ctx context.Context, c widgetClients, overGRPC bool) error) (connect.Code, []fieldViolation) {
	t.Helper()
	ctx := context.Background()
	cerr := call(ctx, c, false)
	var code connect.Code
	var got []fieldViolation
	if cerr != nil {
		code = connect.CodeOf(cerr)
		var ce *connect.Error
		require.True(t, errors.As(cerr, &ce), "%v", cerr)
		for _, d := range ce.Details() {
			v, err := d.Value()
			require.NoError(t, err)
			if br, ok := v.(*errdetails.BadRequest); ok {
				for _, fv := range br.GetFieldViolations() {
					got = append(got, fieldViolation{fv.GetField(), fv.GetDescription()})
				}
			}
			if info, ok := v.(*errdetails.ErrorInfo); ok && info.GetReason() == "FIELD_VIOLATION" {
				for f := range strings.SplitSeq(info.GetMetadata()["fields"], ",") {
					assert.NotEqual(t, "", f, "ErrorInfo fields %q", info.GetMetadata()["fields"])
					assert.False(t, strings.HasSuffix(f, "."), "ErrorInfo fields %q", info.GetMetadata()["fields"])
				}
			}
		}
	}
	gerr := call(ctx, c, true)
	st := status.Convert(gerr)
	assert.Equal(t, codes.Code(code), st.Code(), "gRPC answers %v, Connect %v", gerr, cerr)
	var fromGRPC []fieldViolation
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				fromGRPC = append(fromGRPC, fieldViolation{fv.GetField(), fv.GetDescription()})
			}
		}
	}
	assert.Equal(t, got, fromGRPC, "gRPC's BadRequest")
	return code, got
}

func createWidget(w *rulesv1.Widget) func(context.Context, widgetClients, bool) error {
	return func(ctx context.Context, c widgetClients, overGRPC bool) error {
		req := &rulesv1.CreateWidgetRequest{Widget: w}
		if overGRPC {
			_, err := c.grpc.CreateWidget(ctx, req)
			return err
		}
		_, err := c.connect.CreateWidget(ctx, req)
		return err
	}
}

func validWidget() *rulesv1.Widget {
	return &rulesv1.Widget{Name: "abc", N: 1, Fixed: "f", Lo: 1, Hi: 2, Label: "l"}
}

// fieldsOf are the fields of vs, in order.
func fieldsOf(vs []fieldViolation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.field)
	}
	return out
}

// TestWidgetViolations: every bad request is InvalidArgument with one
// BadRequest naming every offending field once per cause, the same over
// Connect and gRPC, on every database.
func TestWidgetViolations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		c := serveWidgets(t, db)
		code, _ := widgetCall(t, c, createWidget(validWidget()))
		require.Equal(t, connect.Code(0), code)

		t.Run("zero values the rules ignore", func(t *testing.T) {
			// validWidget leaves every such field zero: the database's
			// checks, whose defaults these are, let them through.
			code, vs := widgetCall(t, c, createWidget(validWidget()))
			assert.Equal(t, connect.Code(0), code, "%v", vs)
			w := validWidget()
			w.Opt, w.Code, w.Rank, w.Big, w.Ratio, w.Legacy, w.Loose, w.Maybe = "abc", "abcd", 10, 101, -1, "ab", "x", new("abc")
			code, vs = widgetCall(t, c, createWidget(w))
			assert.Equal(t, connect.Code(0), code, "%v", vs)
			w.Ratio = 1
			code, vs = widgetCall(t, c, createWidget(w))
			assert.Equal(t, connect.Code(0), code, "%v", vs)
			w = validWidget()
			w.Opt, w.Code, w.Rank, w.Big, w.Ratio, w.Legacy, w.Maybe = "ab", "abc", 9, 100, 0.5, "a", new("")
			code, vs = widgetCall(t, c, createWidget(w))
			assert.Equal(t, connect.CodeInvalidArgument, code)
			assert.ElementsMatch(t, []string{"widget.opt", "widget.code", "widget.rank", "widget.big", "widget.ratio", "widget.legacy", "widget.maybe"}, fieldsOf(vs))
		})
		t.Run("message rule names the message", func(t *testing.T) {
			w := validWidget()
			w.Lo, w.Hi = 5, 1
			code, vs := widgetCall(t, c, createWidget(w))
			assert.Equal(t, connect.CodeInvalidArgument, code)
			assert.Equal(t, []string{"widget"}, fieldsOf(vs))
		})
		t.Run("rule that cannot be evaluated", func(t *testing.T) {
			w := validWidget()
			w.N, w.Name, w.Lo, w.Hi = 0, "x", 5, 1
			code, vs := widgetCall(t, c, createWidget(w))
			assert.Equal(t, connect.CodeInvalidArgument, code)
			assert.ElementsMatch(t, []string{"widget", "widget.name", "widget.n"}, fieldsOf(vs))
			for _, v := range vs {
				if v.field == "widget.n" {
					assert.Equal(t, `rule "div" could not be evaluated for this value: division by zero`, v.description)
				}
			}
		})
		t.Run("rule that cannot be evaluated for an element", func(t *testing.T) {
			// protovalidate does not say which element's rule failed:
			// the list is named, once, and the other fields are checked.
			for range 5 {
				w := validWidget()
				w.Name = "x"
				w.Parts = []*rulesv1.Part{{D: 1, S: "ab"}, {D: 0}, {D: 2}}
				code, vs := widgetCall(t, c, createWidget(w))
				assert.Equal(t, connect.CodeInvalidArgument, code)
				assert.ElementsMatch(t, []string{"widget.parts", "widget.name"}, fieldsOf(vs))
			}
			w := validWidget()
			w.Parts = []*rulesv1.Part{{D: 1, S: "ab"}, {D: 3}}
			code, vs := widgetCall(t, c, createWidget(w))
			assert.Equal(t, connect.Code(0), code, "%v", vs)
		})
		t.Run("a deep tree as its database holds it", func(t *testing.T) {
			// The tree is a JSON column: MariaDB's holds 31 levels.
			for _, depth := range []int{10, 40} {
				w := validWidget()
				w.Root = &rulesv1.Node{V: "v"}
				leaf := w.Root
				for range depth - 1 {
					leaf.Child = &rulesv1.Node{V: "v"}
					leaf = leaf.Child
				}
				code, vs := widgetCall(t, c, createWidget(w))
				if depth > 31 && db.Dialector.Name() == "mysql" {
					assert.Equal(t, connect.CodeInvalidArgument, code, "depth %d", depth)
					assert.Equal(t, []string{"widget.root"}, fieldsOf(vs), "depth %d", depth)
				} else {
					assert.Equal(t, connect.Code(0), code, "depth %d: %v", depth, vs)
				}
			}
		})
		t.Run("REQUIRED missing at every level of a deep tree", func(t *testing.T) {
			w := validWidget()
			w.Root = &rulesv1.Node{}
			leaf := w.Root
			for range 3000 {
				leaf.Child = &rulesv1.Node{}
				leaf = leaf.Child
			}
			code, vs := widgetCall(t, c, createWidget(w))
			assert.Equal(t, connect.CodeInvalidArgument, code)
			assert.Len(t, vs, 100, "the first hundred are named")
			if len(vs) > 1 {
				assert.Equal(t, "widget.root.v", vs[0].field)
				assert.Equal(t, "widget.root.child.v", vs[1].field)
			}
		})
		t.Run("REQUIRED at any depth", func(t *testing.T) {
			for _, depth := range []int{1, 16, 17, 40} {
				w := validWidget()
				w.Root = &rulesv1.Node{V: "v"}
				leaf, path := w.Root, "widget.root"
				for range depth - 1 {
					leaf.Child = &rulesv1.Node{V: "v"}
					leaf, path = leaf.Child, path+".child"
				}
				leaf.V = ""
				code, vs := widgetCall(t, c, createWidget(w))
				assert.Equal(t, connect.CodeInvalidArgument, code, "depth %d", depth)
				assert.Equal(t, []string{path + ".v"}, fieldsOf(vs), "depth %d", depth)
			}
		})
		t.Run("one violation per field and cause", func(t *testing.T) {
			w := validWidget()
			w.Name = "abcdef"
			code, vs := widgetCall(t, c, createWidget(w))
			assert.Equal(t, connect.CodeInvalidArgument, code)
			assert.Equal(t, []string{"widget.name"}, fieldsOf(vs))
			// The column is shorter than the rule: its own check says so.
			w = validWidget()
			w.Label = "123456789"
			code, vs = widgetCall(t, c, createWidget(w))
			assert.Equal(t, connect.CodeInvalidArgument, code)
			assert.Equal(t, []fieldViolation{{"widget.label", "at most 8 characters (got 9): the column holds no more"}}, vs)
		})
		t.Run("IMMUTABLE with the other violations", func(t *testing.T) {
			created, err := c.connect.CreateWidget(context.Background(), &rulesv1.CreateWidgetRequest{Widget: validWidget()})
			require.NoError(t, err)
			code, vs := widgetCall(t, c, func(ctx context.Context, c widgetClients, overGRPC bool) error {
				req := &rulesv1.UpdateWidgetRequest{
					Widget:     &rulesv1.Widget{Id: created.Id, Name: "x", Fixed: "changed"},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"name", "fixed"}},
				}
				if overGRPC {
					_, err := c.grpc.UpdateWidget(ctx, req)
					return err
				}
				_, err := c.connect.UpdateWidget(ctx, req)
				return err
			})
			assert.Equal(t, connect.CodeInvalidArgument, code)
			assert.ElementsMatch(t, []string{"widget.fixed", "widget.name"}, fieldsOf(vs))
		})
	})
}
