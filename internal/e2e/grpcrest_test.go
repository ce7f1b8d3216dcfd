package e2e_test

import (
	"maps"
	"net"
	"net/http/httptest"
	"slices"
	"testing"

	"connectrpc.com/vanguard"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/protoforge/protoforge/crudrt"
)

// serveGRPCREST serves the services register adds to a grpc-go server on
// a real socket, and REST (the rules plus the protos' google.api.http)
// through vanguard behind crudrt.RESTGuard, as the example server
// mounts it, on another, the gRPC server built with opts. It returns the
// REST base URL and a client connection to the gRPC server; both close
// with the test.
func serveGRPCREST(t *testing.T, register func(*grpc.Server), rules []*annotations.HttpRule, opts ...grpc.ServerOption) (string, *grpc.ClientConn) {
	t.Helper()
	gs, conn := serveGRPC(t, register, opts...)
	return serveREST(t, gs, rules), conn
}

// serveREST serves REST (the rules plus the protos' google.api.http) for
// every service of gs through one vanguard transcoder behind
// crudrt.RESTGuard, as the example server mounts them, on a real socket.
// It returns the base URL; the server closes with the test.
func serveREST(t *testing.T, gs *grpc.Server, rules []*annotations.HttpRule) string {
	t.Helper()
	// The services' descriptors with the rules as their methods'
	// google.api.http, the paths their bindings share bound across them,
	// as the example server mounts them.
	var sds []protoreflect.ServiceDescriptor
	for _, name := range slices.Sorted(maps.Keys(gs.GetServiceInfo())) {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		require.NoError(t, err)
		sds = append(sds, d.(protoreflect.ServiceDescriptor))
	}
	sds, err := crudrt.ServicesWithRules(sds, rules...)
	require.NoError(t, err)
	var services []*vanguard.Service
	for _, sd := range sds {
		services = append(services, vanguard.NewServiceWithSchema(sd, gs,
			vanguard.WithTargetProtocols(vanguard.ProtocolGRPC), vanguard.WithTargetCodecs(vanguard.CodecProto)))
	}
	transcoder, err := vanguard.NewTranscoder(services)
	require.NoError(t, err)
	srv := httptest.NewServer(crudrt.RESTGuard(transcoder, rules...))
	t.Cleanup(srv.Close)
	return srv.URL
}

// serveGRPC serves the services register adds to a grpc-go server,
// built with opts, on a real socket. It returns the server and a client connection to it;
// both close with the test.
func serveGRPC(t *testing.T, register func(*grpc.Server), opts ...grpc.ServerOption) (*grpc.Server, *grpc.ClientConn) {
	t.Helper()
	gs := grpc.NewServer(opts...)
	register(gs)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return gs, conn
}
