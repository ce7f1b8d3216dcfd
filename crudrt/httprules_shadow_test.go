package crudrt_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/vanguard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/protoforge/protoforge/crudrt"
)

// TestServiceWithRulesShadowedBindings serves over a socket, through
// RESTGuard and vanguard, a service whose bindings have literals where
// other methods' have "*" or "**": at the first segment and later ones,
// with the same and with other HTTP methods, with a custom verb, and at
// two places at once. Every request that a binding's path and HTTP method
// match reaches its method with the path's value; of two bindings of one
// HTTP method, the one with a literal where the other has "*" takes it; a
// method no binding of the path takes is 405.
func TestServiceWithRulesShadowedBindings(t *testing.T) {
	rule := func(name string, pattern *annotations.HttpRule) *annotations.HttpRule {
		pattern.Selector = "router.v1.Router." + name
		return pattern
	}
	get := func(name, path string) *annotations.HttpRule {
		return rule(name, &annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: path}})
	}
	custom := func(name, kind, path string) *annotations.HttpRule {
		return rule(name, &annotations.HttpRule{Pattern: &annotations.HttpRule_Custom{Custom: &annotations.CustomHttpPattern{Kind: kind, Path: path}}})
	}
	rules := []*annotations.HttpRule{
		// Cloud Logging's CMEK settings.
		get("GetCmekSettings", "/v2/{name=billingAccounts/*}/cmekSettings"),
		get("GetCmekSettings", "/v2/{name=projects/*}/cmekSettings"),
		custom("UpdateCmekSettings", "PATCH", "/v2/{name=*/*}/cmekSettings"),
		// At the first segment; {name} is {name=*}.
		get("GetThing", "/things/{name}"),
		custom("DeleteAny", "DELETE", "/{name=*/*}"),
		custom("DeleteV5", "DELETE", "/v5/{name}"),
		get("GetSpecial", "/v5/special"),
		// One HTTP method: the literal first.
		get("GetShelf", "/v1/{name=shelves/*}"),
		get("GetAny", "/v1/{name=*/*}"),
		custom("PostShelf", "POST", "/v1/{name=shelves/*}"),
		// A custom verb.
		custom("ArchiveShelf", "POST", "/v1/{name=shelves/*}:archive"),
		get("GetArchive", "/v1/{name=*/*}:archive"),
		// Literals of two bindings at two places.
		get("GetA", "/v3/{name=a/*/*/*}"),
		custom("PostB", "POST", "/v3/{name=*/*/b/*}"),
		custom("PatchAny", "PATCH", "/v3/{name=*/*/*/*}"),
		// "**" beside literals and "*".
		get("GetFile", "/v4/{name=files/**}"),
		custom("DeleteReadme", "DELETE", "/v4/{name=files/readme}"),
		custom("PutFile", "PUT", "/v4/{name=files/*/*}"),
	}
	var methods []*descriptorpb.MethodDescriptorProto
	seen := map[string]bool{}
	for _, r := range rules {
		name := strings.TrimPrefix(r.GetSelector(), "router.v1.Router.")
		if !seen[name] {
			seen[name] = true
			methods = append(methods, &descriptorpb.MethodDescriptorProto{Name: proto.String(name),
				InputType: proto.String(".router.v1.Req"), OutputType: proto.String(".router.v1.Req")})
		}
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name: proto.String("router/v1/router.proto"), Package: proto.String("router.v1"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Req"), Field: []*descriptorpb.FieldDescriptorProto{{
			Name: proto.String("name"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), JsonName: proto.String("name")}}}},
		Service: []*descriptorpb.ServiceDescriptorProto{{Name: proto.String("Router"), Method: methods}},
	}, nil)
	require.NoError(t, err)
	types := new(protoregistry.Types)
	require.NoError(t, types.RegisterMessage(dynamicpb.NewMessageType(fd.Messages().ByName("Req"))))

	// The service answers with the method's name and the request's.
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Name string }
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &req)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"name": r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:] + " " + req.Name})
	})
	sd := crudrt.ServiceWithRules(fd.Services().ByName("Router"), rules...)
	bound := func(name string) (paths []string) {
		r, _ := proto.GetExtension(sd.Methods().ByName(protoreflect.Name(name)).Options(), annotations.E_Http).(*annotations.HttpRule)
		for _, b := range append([]*annotations.HttpRule{r}, r.GetAdditionalBindings()...) {
			paths = append(paths, b.GetCustom().GetPath()+b.GetGet())
		}
		return paths
	}
	assert.Equal(t, []string{"/v2/{name=*/*}/cmekSettings", "/v2/{name=billingAccounts/*}/cmekSettings", "/v2/{name=projects/*}/cmekSettings"}, bound("UpdateCmekSettings"))
	assert.Equal(t, []string{"/v5/{name}", "/v5/{name=special}"}, bound("DeleteV5"))
	assert.Equal(t, []string{"/v1/{name=*/*}:archive", "/v1/{name=shelves/*}:archive"}, bound("GetArchive"))
	assert.Equal(t, []string{"/v4/{name=files/**}", "/v4/{name=files/readme}", "/v4/{name=files/*/*}"}, bound("GetFile"))
	assert.Equal(t, []string{"/v1/{name=shelves/*}"}, bound("GetShelf"), "a binding no other hides is kept as it is")
	svc := vanguard.NewServiceWithSchema(sd, backend,
		vanguard.WithTypeResolver(types), vanguard.WithTargetProtocols(vanguard.ProtocolConnect), vanguard.WithTargetCodecs("json"))
	transcoder, err := vanguard.NewTranscoder([]*vanguard.Service{svc})
	require.NoError(t, err)
	srv := httptest.NewServer(crudrt.RESTGuard(transcoder, rules...))
	t.Cleanup(srv.Close)

	checkRouted(t, srv, []routedCase{
		{"PATCH", "/v2/billingAccounts/x/cmekSettings", "UpdateCmekSettings billingAccounts/x"},
		{"PATCH", "/v2/projects/x/cmekSettings", "UpdateCmekSettings projects/x"},
		{"PATCH", "/v2/folders/x/cmekSettings", "UpdateCmekSettings folders/x"},
		{"GET", "/v2/billingAccounts/x/cmekSettings", "GetCmekSettings billingAccounts/x"},
		{"GET", "/v2/projects/x/cmekSettings", "GetCmekSettings projects/x"},
		{"GET", "/v2/folders/x/cmekSettings", "405"},
		{"PUT", "/v2/billingAccounts/x/cmekSettings", "405"},
		{"GET", "/things/x", "GetThing x"},
		{"DELETE", "/things/x", "DeleteAny things/x"},
		{"DELETE", "/v5/special", "DeleteV5 special"},
		{"GET", "/v5/special", "GetSpecial "},
		{"DELETE", "/stuff/x", "DeleteAny stuff/x"},
		{"GET", "/v1/shelves/x", "GetShelf shelves/x"},
		{"GET", "/v1/books/x", "GetAny books/x"},
		{"POST", "/v1/shelves/x", "PostShelf shelves/x"},
		{"POST", "/v1/shelves/x:archive", "ArchiveShelf shelves/x"},
		{"GET", "/v1/shelves/x:archive", "GetArchive shelves/x"},
		{"GET", "/v1/books/x:archive", "GetArchive books/x"},
		{"POST", "/v1/books/x:archive", "405"},
		{"GET", "/v3/a/1/b/2", "GetA a/1/b/2"},
		{"POST", "/v3/a/1/b/2", "PostB a/1/b/2"},
		{"PATCH", "/v3/a/1/b/2", "PatchAny a/1/b/2"},
		{"PATCH", "/v3/a/1/c/2", "PatchAny a/1/c/2"},
		{"PATCH", "/v3/z/1/b/2", "PatchAny z/1/b/2"},
		{"GET", "/v4/files/readme", "GetFile files/readme"},
		{"GET", "/v4/files/a/b", "GetFile files/a/b"},
		{"GET", "/v4/files/a/b/c", "GetFile files/a/b/c"},
		{"DELETE", "/v4/files/readme", "DeleteReadme files/readme"},
		{"PUT", "/v4/files/a/b", "PutFile files/a/b"},
		{"PUT", "/v4/files/readme", "405"},
	})
}

// routedCase is a request and the method and name that answer it
// ("405": none, and the path has routes of other HTTP methods).
type routedCase struct{ method, path, want string }

// checkRouted sends each case's request, without a body, to srv, whose
// services answer with the method's name and the request's name.
func checkRouted(t *testing.T, srv *httptest.Server, cases []routedCase) {
	t.Helper()
	for _, tc := range cases {
		req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if tc.want == "405" {
			assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "%s %s: %s", tc.method, tc.path, b)
			continue
		}
		var got struct{ Name string }
		_ = json.Unmarshal(b, &got)
		assert.Equal(t, tc.want, got.Name, "%s %s: %d %s", tc.method, tc.path, resp.StatusCode, b)
	}
}

// TestServiceWithRulesManySharedPaths: bindings with literals at many
// positions share paths in numbers that double with each position (here
// 2^14); the paths considered are bounded, so that ServiceWithRules ends,
// and every method keeps its own binding first.
func TestServiceWithRulesManySharedPaths(t *testing.T) {
	const n = 14
	var rules []*annotations.HttpRule
	var methods []*descriptorpb.MethodDescriptorProto
	for i := range n + 1 {
		segs := make([]string, n)
		for j := range segs {
			segs[j] = "*"
		}
		kind, name := "GET", fmt.Sprintf("Get%d", i)
		if i < n {
			segs[i] = fmt.Sprintf("l%d", i)
		} else {
			kind, name = "PATCH", "PatchAny"
		}
		rules = append(rules, &annotations.HttpRule{Selector: "many.v1.Many." + name,
			Pattern: &annotations.HttpRule_Custom{Custom: &annotations.CustomHttpPattern{Kind: kind, Path: "/v1/{name=" + strings.Join(segs, "/") + "}"}}})
		methods = append(methods, &descriptorpb.MethodDescriptorProto{Name: proto.String(name),
			InputType: proto.String(".many.v1.Req"), OutputType: proto.String(".many.v1.Req")})
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name: proto.String("many/v1/many.proto"), Package: proto.String("many.v1"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Req"), Field: []*descriptorpb.FieldDescriptorProto{{
			Name: proto.String("name"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), JsonName: proto.String("name")}}}},
		Service: []*descriptorpb.ServiceDescriptorProto{{Name: proto.String("Many"), Method: methods}},
	}, nil)
	require.NoError(t, err)
	// Past the bound it says so, with slog's default logger.
	var logged bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
	sd := crudrt.ServiceWithRules(fd.Services().ByName("Many"), rules...)
	assert.Contains(t, logged.String(), "level=WARN")
	assert.Contains(t, logged.String(), "many.v1.Many")
	for i, r := range rules {
		got, _ := proto.GetExtension(sd.Methods().Get(i).Options(), annotations.E_Http).(*annotations.HttpRule)
		assert.Equal(t, r.GetCustom().GetPath(), got.GetCustom().GetPath(), "method %s keeps its binding first", sd.Methods().Get(i).Name())
		assert.Less(t, len(got.GetAdditionalBindings()), 1<<n, "method %s: the shared paths are bounded", sd.Methods().Get(i).Name())
	}
}

// TestServicesWithRulesAcrossServices serves over a socket, through
// RESTGuard and one vanguard transcoder, two services whose bindings have
// literals where the other's have "*": a request reaches the method of
// the binding its path and HTTP method match, whichever service has a
// literal there, and of two bindings of one HTTP method, in two services,
// the one with a literal where the other has "*" at the first segment
// they differ in, whatever the order the services are given in.
func TestServicesWithRulesAcrossServices(t *testing.T) {
	rule := func(selector, kind, path string) *annotations.HttpRule {
		return &annotations.HttpRule{Selector: "across.v1." + selector,
			Pattern: &annotations.HttpRule_Custom{Custom: &annotations.CustomHttpPattern{Kind: kind, Path: path}}}
	}
	rules := []*annotations.HttpRule{
		rule("Things.GetThing", "GET", "/v1/{name=projects/*/things/*}"),
		rule("Things.DeleteThing", "DELETE", "/v1/{name=projects/*/things/*}"),
		rule("Things.GetB", "GET", "/v2/{name=*/b}"),
		rule("Things.ListAll", "GET", "/v3/{name=**}"),
		rule("Runs.RunSpecial", "POST", "/v1/projects/special/things/{name}"),
		rule("Runs.GetX", "GET", "/v1/projects/x/things/{name}"),
		rule("Runs.GetA", "GET", "/v2/a/{name}"),
		rule("Runs.PatchOne", "PATCH", "/v3/{name=one/*}"),
	}
	file := &descriptorpb.FileDescriptorProto{
		Name: proto.String("across/v1/across.proto"), Package: proto.String("across.v1"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Req"), Field: []*descriptorpb.FieldDescriptorProto{{
			Name: proto.String("name"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), JsonName: proto.String("name")}}}},
	}
	for _, svc := range []string{"Things", "Runs"} {
		s := &descriptorpb.ServiceDescriptorProto{Name: proto.String(svc)}
		for _, r := range rules {
			if name, ok := strings.CutPrefix(r.GetSelector(), "across.v1."+svc+"."); ok {
				s.Method = append(s.Method, &descriptorpb.MethodDescriptorProto{Name: proto.String(name),
					InputType: proto.String(".across.v1.Req"), OutputType: proto.String(".across.v1.Req")})
			}
		}
		file.Service = append(file.Service, s)
	}
	fd, err := protodesc.NewFile(file, nil)
	require.NoError(t, err)
	types := new(protoregistry.Types)
	require.NoError(t, types.RegisterMessage(dynamicpb.NewMessageType(fd.Messages().ByName("Req"))))
	// The services answer with the method's service, name and request.
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Name string }
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &req)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"name": strings.TrimPrefix(r.URL.Path, "/across.v1.") + " " + req.Name})
	})
	things, runs := fd.Services().ByName("Things"), fd.Services().ByName("Runs")
	for _, order := range [][]protoreflect.ServiceDescriptor{{things, runs}, {runs, things}} {
		t.Run(string(order[0].Name())+" first", func(t *testing.T) {
			sds, err := crudrt.ServicesWithRules(order, rules...)
			require.NoError(t, err)
			var services []*vanguard.Service
			for _, sd := range sds {
				services = append(services, vanguard.NewServiceWithSchema(sd, backend,
					vanguard.WithTypeResolver(types), vanguard.WithTargetProtocols(vanguard.ProtocolConnect), vanguard.WithTargetCodecs("json")))
			}
			transcoder, err := vanguard.NewTranscoder(services)
			require.NoError(t, err)
			srv := httptest.NewServer(crudrt.RESTGuard(transcoder, rules...))
			t.Cleanup(srv.Close)
			checkRouted(t, srv, []routedCase{
				// Runs' literals do not hide Things' "*".
				{"GET", "/v1/projects/special/things/t", "Things/GetThing projects/special/things/t"},
				{"DELETE", "/v1/projects/special/things/t", "Things/DeleteThing projects/special/things/t"},
				{"POST", "/v1/projects/special/things/t", "Runs/RunSpecial t"},
				{"DELETE", "/v1/projects/x/things/t", "Things/DeleteThing projects/x/things/t"},
				{"GET", "/v1/projects/p/things/t", "Things/GetThing projects/p/things/t"},
				{"POST", "/v1/projects/p/things/t", "405"},
				// One HTTP method: the literal at the first segment the
				// bindings differ in.
				{"GET", "/v1/projects/x/things/t", "Runs/GetX t"},
				{"GET", "/v2/a/b", "Runs/GetA b"},
				{"GET", "/v2/c/b", "Things/GetB c/b"},
				{"GET", "/v2/a/c", "Runs/GetA c"},
				// "**" beside another service's "*".
				{"GET", "/v3/one/t", "Things/ListAll one/t"},
				{"GET", "/v3/one/t/u", "Things/ListAll one/t/u"},
				{"PATCH", "/v3/one/t", "Runs/PatchOne one/t"},
			})
		})
	}
}

// TestServicesWithRulesBound: bindings of two services with literals at
// many positions share more paths than the bound; ServicesWithRules says
// so, naming the bindings that share the paths past it.
func TestServicesWithRulesBound(t *testing.T) {
	const n = 12
	file := &descriptorpb.FileDescriptorProto{
		Name: proto.String("bound/v1/bound.proto"), Package: proto.String("bound.v1"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Req"), Field: []*descriptorpb.FieldDescriptorProto{{
			Name: proto.String("name"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), JsonName: proto.String("name")}}}},
		Service: []*descriptorpb.ServiceDescriptorProto{{Name: proto.String("Even")}, {Name: proto.String("Odd")}},
	}
	var rules []*annotations.HttpRule
	for i := range n {
		segs := slices.Repeat([]string{"*"}, n)
		segs[i] = fmt.Sprintf("l%d", i)
		svc, name := file.Service[i%2], fmt.Sprintf("Get%d", i)
		rules = append(rules, &annotations.HttpRule{Selector: "bound.v1." + svc.GetName() + "." + name,
			Pattern: &annotations.HttpRule_Get{Get: "/v1/{name=" + strings.Join(segs, "/") + "}"}})
		svc.Method = append(svc.Method, &descriptorpb.MethodDescriptorProto{Name: proto.String(name),
			InputType: proto.String(".bound.v1.Req"), OutputType: proto.String(".bound.v1.Req")})
	}
	fd, err := protodesc.NewFile(file, nil)
	require.NoError(t, err)
	_, err = crudrt.ServicesWithRules([]protoreflect.ServiceDescriptor{fd.Services().Get(0), fd.Services().Get(1)}, rules...)
	require.EqualError(t, err, "REST bindings share more than 1024 paths, each bound as a route of its own so that the router reaches every binding; "+
		"these bindings share paths past the bound: GET /v1/{name=*/*/l2/*/*/*/*/*/*/*/*/*} (bound.v1.Even.Get2), GET /v1/{name=*/*/*/*/l4/*/*/*/*/*/*/*} (bound.v1.Even.Get4), "+
		"GET /v1/{name=*/*/*/*/*/*/*/*/l8/*/*/*} (bound.v1.Even.Get8), GET /v1/{name=*/l1/*/*/*/*/*/*/*/*/*/*} (bound.v1.Odd.Get1), GET /v1/{name=*/*/*/*/*/*/*/*/*/l9/*/*} (bound.v1.Odd.Get9)")
	// Fewer literals share fewer paths: within the bound.
	_, err = crudrt.ServicesWithRules([]protoreflect.ServiceDescriptor{fd.Services().Get(0), fd.Services().Get(1)}, rules[:9]...)
	require.NoError(t, err)
}
