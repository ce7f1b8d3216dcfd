package crudrt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/protoforge/protoforge/crudrt"
	singletonv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_singleton/want/aipsingletonv1"
)

// TestServiceWithRules checks that a rule binds only the method its
// selector names exactly (GetShelf's rule does not bind GetShelfConfig,
// whose name it begins), that a second rule of one method is an
// additional binding, and that a method's own google.api.http stays.
func TestServiceWithRules(t *testing.T) {
	sd := singletonv1.File_singleton_proto.Services().ByName("SingletonService")
	const svc = "aipsingleton.v1.SingletonService."
	get := func(sel, path string) *annotations.HttpRule {
		return &annotations.HttpRule{Selector: svc + sel, Pattern: &annotations.HttpRule_Get{Get: path}}
	}
	out := crudrt.ServiceWithRules(sd,
		get("GetShelf", "/v1/{name=publishers/*/shelves/*}"),
		get("GetShelf", "/v2/{name=publishers/*/shelves/*}"),
		get("GetProjectSettings", "/v9/{name=projects/*/settings}"),
	)
	rule := func(name protoreflect.Name) *annotations.HttpRule {
		md := out.Methods().ByName(name)
		require.NotNil(t, md, name)
		r, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
		return r
	}
	shelf := rule("GetShelf")
	require.NotNil(t, shelf)
	assert.Equal(t, "/v1/{name=publishers/*/shelves/*}", shelf.GetGet())
	require.Len(t, shelf.GetAdditionalBindings(), 1)
	assert.Equal(t, "/v2/{name=publishers/*/shelves/*}", shelf.GetAdditionalBindings()[0].GetGet())
	assert.Nil(t, rule("GetShelfConfig"), "a rule binds only the method it names")
	assert.Equal(t, "/v1/{name=projects/*/settings}", rule("GetProjectSettings").GetGet(), "the proto's own binding stays")
	assert.Equal(t, out.Methods().Len(), sd.Methods().Len())
	for i := range out.Methods().Len() {
		assert.Equal(t, sd.Methods().Get(i).FullName(), out.Methods().Get(i).FullName())
	}
	orig, _ := proto.GetExtension(sd.Methods().ByName("GetShelf").Options(), annotations.E_Http).(*annotations.HttpRule)
	assert.Nil(t, orig, "the descriptor itself is not changed")
}

// TestServiceWithRulesDoubleWildcard: a binding whose path ends in "**"
// is bound for one segment too where another method of the service binds
// that path with another HTTP method (Artifact Registry's GetFile at
// …/files/**, DeleteFile and UpdateFile at …/files/*), which vanguard
// would answer 405 rather than try the "**" route; other bindings, and
// "**" bindings without such a neighbour, stay as they are.
func TestServiceWithRulesDoubleWildcard(t *testing.T) {
	method := func(name, in string, rule *annotations.HttpRule) *descriptorpb.MethodDescriptorProto {
		opts := &descriptorpb.MethodOptions{}
		proto.SetExtension(opts, annotations.E_Http, rule)
		return &descriptorpb.MethodDescriptorProto{Name: proto.String(name), InputType: proto.String(".files.v1." + in),
			OutputType: proto.String(".files.v1.File"), Options: opts}
	}
	msg := func(name string) *descriptorpb.DescriptorProto {
		return &descriptorpb.DescriptorProto{Name: proto.String(name), Field: []*descriptorpb.FieldDescriptorProto{{
			Name: proto.String("name"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), JsonName: proto.String("name")}}}
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name: proto.String("files/v1/files.proto"), Package: proto.String("files.v1"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{msg("File"), msg("Req")},
		Service: []*descriptorpb.ServiceDescriptorProto{{Name: proto.String("Files"), Method: []*descriptorpb.MethodDescriptorProto{
			method("GetFile", "Req", &annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: "/v1/{name=repos/*/files/**}"}}),
			method("DeleteFile", "Req", &annotations.HttpRule{Pattern: &annotations.HttpRule_Delete{Delete: "/v1/{name=repos/*/files/*}"}}),
			method("GetBlob", "Req", &annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: "/v1/{name=repos/*/blobs/**}"}}),
			method("PeekFile", "Req", &annotations.HttpRule{Pattern: &annotations.HttpRule_Post{Post: "/v1/{name=repos/*/files/*}:peek"}, Body: "*",
				AdditionalBindings: []*annotations.HttpRule{{Pattern: &annotations.HttpRule_Get{Get: "/v1/{name=repos/*/files/**}:peek"}}}}),
		}}},
	}, nil)
	require.NoError(t, err)
	sd := fd.Services().ByName("Files")
	out := crudrt.ServiceWithRules(sd)
	rule := func(sd protoreflect.ServiceDescriptor, name protoreflect.Name) *annotations.HttpRule {
		r, _ := proto.GetExtension(sd.Methods().ByName(name).Options(), annotations.E_Http).(*annotations.HttpRule)
		return r
	}
	get := rule(out, "GetFile")
	assert.Equal(t, "/v1/{name=repos/*/files/**}", get.GetGet())
	require.Len(t, get.GetAdditionalBindings(), 1)
	assert.Equal(t, "/v1/{name=repos/*/files/*}", get.GetAdditionalBindings()[0].GetGet())
	assert.Empty(t, rule(sd, "GetFile").GetAdditionalBindings(), "the descriptor itself is not changed")
	peek := rule(out, "PeekFile")
	require.Len(t, peek.GetAdditionalBindings(), 2, "an additional binding, with its custom verb")
	assert.Equal(t, "/v1/{name=repos/*/files/*}:peek", peek.GetAdditionalBindings()[1].GetGet())
	for _, name := range []protoreflect.Name{"DeleteFile", "GetBlob"} {
		assert.True(t, proto.Equal(rule(sd, name), rule(out, name)), "%s keeps its binding", name)
	}
}
