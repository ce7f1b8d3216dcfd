package e2e_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/protoforge/protoforge/internal/gen/gentest"
)

// TestPublicRoutesReachable serves, for each public API set
// (internal/gen/crud/testdata/public/want), all of its services on one
// port, as serveGRPCREST serves them, and sends every google.api.http
// binding of every method a request of its HTTP method at concrete paths:
// its own with fresh values in its variables, and each path it shares
// with another binding of the set, of any service and HTTP method (a
// literal of the other where it has a variable). Each request reaches the
// method that google.api.http's rules give it: of the bindings of its
// HTTP method that match the path, the one with a literal where the
// others have a variable at the first segment they differ in. The
// services answer every call with the name of the method called.
func TestPublicRoutesReachable(t *testing.T) {
	root := filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/public/want")
	sets, err := os.ReadDir(root)
	require.NoError(t, err)
	serviceName := regexp.MustCompile(`ServiceName: +"([^"]+)"`)
	for _, set := range sets {
		if !set.IsDir() {
			continue
		}
		t.Run(set.Name(), func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join(root, set.Name(), "*_grpc.pb.go"))
			require.NoError(t, err)
			var services []protoreflect.ServiceDescriptor
			for _, f := range files {
				src, err := os.ReadFile(f)
				require.NoError(t, err)
				for _, m := range serviceName.FindAllSubmatch(src, -1) {
					d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(m[1]))
					require.NoError(t, err, "the set's Go package is linked into the test")
					services = append(services, d.(protoreflect.ServiceDescriptor))
				}
			}
			require.NotEmpty(t, services)
			checkRoutesReachable(t, services)
		})
	}
}

// routeBinding is a google.api.http binding of a method, read for the
// reachability check.
type routeBinding struct {
	method string // the full name of the method: "/pkg.Service/Method"
	http   string // GET, POST, …
	segs   []string
	verb   string
	// kinds is the field kind of the variable at each segment (absent for
	// a literal).
	kinds     map[int]protoreflect.Kind
	path      string
	streaming bool // the method takes a client stream
}

// checkRoutesReachable serves services (whose methods answer with their
// name) and checks that every binding is reachable: see
// TestPublicRoutesReachable.
func checkRoutesReachable(t *testing.T, services []protoreflect.ServiceDescriptor) {
	gs := grpc.NewServer()
	var bindings []routeBinding
	for _, sd := range services {
		gs.RegisterService(answeringService(sd), struct{}{})
		for i := range sd.Methods().Len() {
			md := sd.Methods().Get(i)
			rule, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
			if rule == nil {
				continue
			}
			for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
				bindings = append(bindings, readBinding(t, md, r))
			}
		}
	}
	base := serveREST(t, gs, nil)
	const fresh = "zq9"
	tried := 0
	for _, b := range bindings {
		if b.streaming {
			continue // REST carries no client stream: the transcoder refuses the call
		}
		// b's own path, with fresh values, and each path it shares with
		// another binding.
		paths := [][]string{concreteSegments(b.segs, b.segs, b.kinds, fresh)}
		if b.segs[len(b.segs)-1] == "**" {
			paths = append(paths, append(slices.Clone(paths[0]), fresh))
		}
		for _, o := range bindings {
			if o.verb != b.verb {
				continue
			}
			if shared, ok := sharedRouteSegments(b.segs, o.segs); ok {
				if p := concreteSegments(b.segs, shared, b.kinds, fresh); p != nil {
					paths = append(paths, p)
				}
			}
		}
		for _, p := range paths {
			want := preferredBinding(bindings, b.http, p, b.verb)
			path := "/" + strings.Join(p, "/")
			if b.verb != "" {
				path += ":" + b.verb
			}
			tried++
			got := reachedMethod(t, base, b.http, path)
			assert.Equal(t, want.method, got, "%s %s (binding %s of %s)", b.http, path, b.path, b.method)
		}
	}
	t.Logf("%d bindings, %d requests", len(bindings), tried)
}

// answeringService is a grpc.ServiceDesc of sd whose every method answers
// Aborted with its full name.
func answeringService(sd protoreflect.ServiceDescriptor) *grpc.ServiceDesc {
	desc := &grpc.ServiceDesc{ServiceName: string(sd.FullName()), HandlerType: (*any)(nil)}
	for i := range sd.Methods().Len() {
		md := sd.Methods().Get(i)
		name := "/" + string(sd.FullName()) + "/" + string(md.Name())
		if !md.IsStreamingClient() && !md.IsStreamingServer() {
			desc.Methods = append(desc.Methods, grpc.MethodDesc{MethodName: string(md.Name()),
				Handler: func(any, context.Context, func(any) error, grpc.UnaryServerInterceptor) (any, error) {
					return nil, status.Error(codes.Aborted, name)
				}})
			continue
		}
		desc.Streams = append(desc.Streams, grpc.StreamDesc{StreamName: string(md.Name()),
			ServerStreams: md.IsStreamingServer(), ClientStreams: md.IsStreamingClient(),
			Handler: func(any, grpc.ServerStream) error { return status.Error(codes.Aborted, name) }})
	}
	return desc
}

// readBinding reads a binding of md.
func readBinding(t *testing.T, md protoreflect.MethodDescriptor, r *annotations.HttpRule) routeBinding {
	b := routeBinding{method: "/" + string(md.Parent().FullName()) + "/" + string(md.Name()), kinds: map[int]protoreflect.Kind{},
		streaming: md.IsStreamingClient()}
	switch p := r.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		b.http, b.path = http.MethodGet, p.Get
	case *annotations.HttpRule_Put:
		b.http, b.path = http.MethodPut, p.Put
	case *annotations.HttpRule_Post:
		b.http, b.path = http.MethodPost, p.Post
	case *annotations.HttpRule_Delete:
		b.http, b.path = http.MethodDelete, p.Delete
	case *annotations.HttpRule_Patch:
		b.http, b.path = http.MethodPatch, p.Patch
	case *annotations.HttpRule_Custom:
		b.http, b.path = p.Custom.GetKind(), p.Custom.GetPath()
	}
	rest := strings.TrimPrefix(b.path, "/")
	// The verb follows the last colon outside braces.
	if i := strings.LastIndexByte(rest, ':'); i > strings.LastIndexByte(rest, '}') {
		rest, b.verb = rest[:i], rest[i+1:]
	}
	for rest != "" {
		var seg string
		if strings.HasPrefix(rest, "{") {
			end := strings.IndexByte(rest, '}')
			require.Positive(t, end, "%s", b.path)
			field, pattern, ok := strings.Cut(rest[1:end], "=")
			if !ok {
				pattern = "*"
			}
			kind := variableKind(md.Input(), field)
			for _, s := range strings.Split(pattern, "/") {
				if s == "*" || s == "**" {
					b.kinds[len(b.segs)] = kind
				}
				b.segs = append(b.segs, s)
			}
			rest = strings.TrimPrefix(rest[end+1:], "/")
			continue
		}
		seg, rest, _ = strings.Cut(rest, "/")
		b.segs = append(b.segs, seg)
	}
	return b
}

// variableKind is the kind of the field at path in md.
func variableKind(md protoreflect.MessageDescriptor, path string) protoreflect.Kind {
	var fd protoreflect.FieldDescriptor
	for _, p := range strings.Split(path, ".") {
		if md == nil {
			return protoreflect.StringKind
		}
		if fd = md.Fields().ByName(protoreflect.Name(p)); fd == nil {
			return protoreflect.StringKind
		}
		md = fd.Message()
	}
	return fd.Kind()
}

// concreteSegments is a request path's segments for segs, which match
// only requests that route matches: its literals kept, fresh in each "*"
// and "**" (a "1" in a variable that is not a string); nil when a literal
// of segs falls in a variable that is not a string (such a request is
// refused, whichever route takes it).
func concreteSegments(route, segs []string, kinds map[int]protoreflect.Kind, fresh string) []string {
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		kind, isVar := protoreflect.StringKind, false
		if i < len(route) {
			kind, isVar = kinds[i]
		} else {
			kind, isVar = kinds[len(route)-1] // inside a final "**"
		}
		if isVar && kind != protoreflect.StringKind {
			if s != "*" && s != "**" {
				return nil
			}
			out = append(out, "1")
			continue
		}
		if s == "*" || s == "**" {
			s = fresh
		}
		out = append(out, s)
	}
	return out
}

// sharedRouteSegments is the segments of the requests that both a and b
// match ("**" is final and takes one segment at least); ok is false when
// none does.
func sharedRouteSegments(a, b []string) ([]string, bool) {
	var out []string
	for i := 0; ; i++ {
		switch {
		case i == len(a) && i == len(b):
			return out, true
		case i < len(a) && a[i] == "**" && i < len(b):
			return append(out, b[i:]...), true
		case i < len(b) && b[i] == "**" && i < len(a):
			return append(out, a[i:]...), true
		case i == len(a) || i == len(b):
			return nil, false
		case a[i] == "*":
			out = append(out, b[i])
		case b[i] == "*" || a[i] == b[i]:
			out = append(out, a[i])
		default:
			return nil, false
		}
	}
}

// preferredBinding is, of the bindings of HTTP method httpMethod and
// custom verb verb that match the concrete path segments p, the one with
// a literal where the others have a variable, at the first segment they
// differ in ("*" before "**").
func preferredBinding(bindings []routeBinding, httpMethod string, p []string, verb string) routeBinding {
	rank := func(s string) int {
		switch s {
		case "*":
			return 1
		case "**":
			return 2
		}
		return 0
	}
	var best *routeBinding
	for i, b := range bindings {
		if b.http != httpMethod || b.verb != verb {
			continue
		}
		if _, ok := sharedRouteSegments(b.segs, p); !ok {
			continue
		}
		if best == nil {
			best = &bindings[i]
			continue
		}
		for j := 0; j < len(b.segs) && j < len(best.segs); j++ {
			if c := rank(b.segs[j]) - rank(best.segs[j]); c != 0 {
				if c < 0 {
					best = &bindings[i]
				}
				break
			}
		}
	}
	return *best
}

// reachedMethod sends a request without a body and returns the method
// that answered it, or the HTTP status and the answer when none did.
func reachedMethod(t *testing.T, base, httpMethod, path string) string {
	req, err := http.NewRequest(httpMethod, base+path, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.NoError(t, err)
	var st struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if resp.StatusCode == http.StatusConflict && json.Unmarshal(b, &st) == nil && st.Code == int(codes.Aborted) {
		return st.Message
	}
	return resp.Status + ": " + string(b)
}
