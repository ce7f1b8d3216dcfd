package crudrt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

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
