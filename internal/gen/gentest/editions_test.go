package gentest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/gofeaturespb"
)

// TestEdition2024 compiles files of editions 2023 and 2024 with the
// protocompile that knows 2023 only: the request says which edition each
// file is, protogen resolves 2024's defaults (the Opaque API for Go), and
// the leading comment sits where protoc puts it.
func TestEdition2024(t *testing.T) {
	req, err := RequestFromSources(map[string]string{
		"new.proto": "// Leading.\nedition = '2024';\npackage a;\nimport \"old.proto\";\noption go_package = \"example.com/a\";\nmessage N { O o = 1; }\n",
		"old.proto": "edition = \"2023\";\npackage a;\noption go_package = \"example.com/a\";\nmessage O { string s = 1; }\n",
	}, "")
	require.NoError(t, err)
	editions := map[string]descriptorpb.Edition{}
	for _, fd := range req.ProtoFile {
		editions[fd.GetName()] = fd.GetEdition()
		if fd.GetName() == "new.proto" {
			var comments []string
			for _, loc := range fd.GetSourceCodeInfo().GetLocation() {
				if len(loc.Path) == 1 && loc.Path[0] == 12 {
					comments = append(comments, loc.GetLeadingComments())
				}
			}
			assert.Equal(t, []string{" Leading.\n"}, comments)
		}
	}
	assert.Equal(t, descriptorpb.Edition_EDITION_2024, editions["new.proto"])
	assert.Equal(t, descriptorpb.Edition_EDITION_2023, editions["old.proto"])

	gen, err := protogen.Options{}.New(req)
	require.NoError(t, err)
	levels := map[string]gofeaturespb.GoFeatures_APILevel{}
	for _, f := range gen.Files {
		for _, m := range f.Messages {
			levels[m.GoIdent.GoName] = m.APILevel
		}
	}
	assert.Equal(t, gofeaturespb.GoFeatures_API_OPAQUE, levels["N"])
	assert.Equal(t, gofeaturespb.GoFeatures_API_OPEN, levels["O"])
}
