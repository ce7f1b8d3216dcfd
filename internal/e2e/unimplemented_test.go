package e2e_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"connectrpc.com/vanguard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	rulesv1 "github.com/protoforge/protoforge/internal/e2e/gen/rules/v1"
	"github.com/protoforge/protoforge/internal/e2e/gen/rules/v1/rulesv1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// archivingGadgets implements the custom method the generated type leaves
// to the user, as a user would: by embedding it.
type archivingGadgets struct{ *rulesv1.GadgetServiceCRUD }

func (g archivingGadgets) ArchiveGadget(ctx context.Context, req *rulesv1.ArchiveGadgetRequest) (*rulesv1.Gadget, error) {
	return g.GetGadget(ctx, &rulesv1.GetGadgetRequest{Id: req.GetId()})
}

// TestUnimplementedMethods serves a service with a custom method over real
// sockets: the generated type answers it Unimplemented on gRPC, gRPC-Web,
// Connect and REST (HTTP 501), and a type that embeds it implements it.
func TestUnimplementedMethods(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/rules/v1/schema/sqlite.sql"))
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		impl    func(*gorm.DB) rulesv1connect.GadgetServiceHandler
		grpcSrv func(*gorm.DB) rulesv1.GadgetServiceServer
		want    connect.Code
	}{
		{"generated", func(db *gorm.DB) rulesv1connect.GadgetServiceHandler { return rulesv1.NewGadgetServiceCRUD(db) },
			func(db *gorm.DB) rulesv1.GadgetServiceServer { return rulesv1.NewGadgetServiceCRUD(db) }, connect.CodeUnimplemented},
		{"embedded", func(db *gorm.DB) rulesv1connect.GadgetServiceHandler {
			return archivingGadgets{rulesv1.NewGadgetServiceCRUD(db)}
		}, func(db *gorm.DB) rulesv1.GadgetServiceServer {
			return archivingGadgets{rulesv1.NewGadgetServiceCRUD(db)}
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := rulesv1.NewGadgetServiceCRUD(db).CreateGadget(ctx, &rulesv1.CreateGadgetRequest{Gadget: validGadget()})
			require.NoError(t, err)

			// Connect, gRPC-Web and REST (vanguard) on one HTTP server.
			path, handler := rulesv1connect.NewGadgetServiceHandler(tc.impl(db))
			transcoder, err := vanguard.NewTranscoder([]*vanguard.Service{vanguard.NewServiceWithSchema(
				crudrt.ServiceWithRules(rulesv1.File_rules_v1_rules_proto.Services().ByName("GadgetService"), rulesv1.GadgetServiceRESTRules()...), handler)})
			require.NoError(t, err)
			mux := http.NewServeMux()
			mux.Handle(path, handler)
			mux.Handle("/", transcoder)
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)

			// grpc-go on its own listener.
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			gs := grpc.NewServer()
			rulesv1.RegisterGadgetServiceServer(gs, tc.grpcSrv(db))
			go func() { _ = gs.Serve(lis) }()
			t.Cleanup(gs.Stop)
			conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
			require.NoError(t, err)
			t.Cleanup(func() { _ = conn.Close() })

			req := &rulesv1.ArchiveGadgetRequest{Id: g.Id}
			_, err = rulesv1.NewGadgetServiceClient(conn).ArchiveGadget(ctx, req)
			assert.Equal(t, codes.Code(tc.want), status.Code(err), "gRPC: %v", err)
			for name, opt := range map[string]connect.ClientOption{"Connect": connect.WithProtoJSON(), "gRPC-Web": connect.WithGRPCWeb()} {
				res, err := rulesv1connect.NewGadgetServiceClient(http.DefaultClient, srv.URL, opt).ArchiveGadget(ctx, req)
				assert.Equal(t, tc.want, codeOf(err), "%s: %v", name, err)
				if tc.want == 0 {
					assert.Equal(t, g.Id, res.GetId(), name)
				}
			}

			resp, err := http.Post(srv.URL+"/v1/gadgets/"+strconv.FormatInt(g.Id, 10)+":archive", "application/json", strings.NewReader("{}"))
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if tc.want == connect.CodeUnimplemented {
				assert.Equal(t, http.StatusNotImplemented, resp.StatusCode, "REST: %s", body)
				var st struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				}
				require.NoError(t, json.Unmarshal(body, &st), "%s", body)
				assert.Equal(t, int(codes.Unimplemented), st.Code)
				assert.Contains(t, st.Message, "rules.v1.GadgetService.ArchiveGadget")
			} else {
				assert.Equal(t, http.StatusOK, resp.StatusCode, "REST: %s", body)
			}
		})
	}
}
