package e2e_test

import (
	"net"
	"net/http/httptest"
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
	// The services' descriptors with the rules as their methods'
	// google.api.http, as the example server mounts them.
	var services []*vanguard.Service
	for name := range gs.GetServiceInfo() {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		require.NoError(t, err)
		services = append(services, vanguard.NewServiceWithSchema(crudrt.ServiceWithRules(d.(protoreflect.ServiceDescriptor), rules...), gs,
			vanguard.WithTargetProtocols(vanguard.ProtocolGRPC), vanguard.WithTargetCodecs(vanguard.CodecProto)))
	}
	transcoder, err := vanguard.NewTranscoder(services)
	require.NoError(t, err)
	srv := httptest.NewServer(crudrt.RESTGuard(transcoder, rules...))
	t.Cleanup(srv.Close)
	return srv.URL, conn
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
