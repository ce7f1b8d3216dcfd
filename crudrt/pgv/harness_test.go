package pgv_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/protoforge/protoforge/crudrt/pgv"
	"github.com/protoforge/protoforge/internal/gen/gentest"
)

type harnessCase struct {
	name, message, text string
	failures            int
}

// resolver finds descriptors and the types of Any values.
type resolver interface {
	FindDescriptorByName(protoreflect.FullName) (protoreflect.Descriptor, error)
	FindMessageByName(protoreflect.FullName) (protoreflect.MessageType, error)
	FindMessageByURL(string) (protoreflect.MessageType, error)
	FindExtensionByName(protoreflect.FullName) (protoreflect.ExtensionType, error)
	FindExtensionByNumber(protoreflect.FullName, protoreflect.FieldNumber) (protoreflect.ExtensionType, error)
}

// compileCases compiles the vendored PGV case protos in process.
func compileCases(t testing.TB, wire bool) resolver {
	t.Helper()
	var files []string
	require.NoError(t, filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".proto") {
			rel, _ := filepath.Rel("testdata", path)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	}))
	sort.Strings(files)
	return compile(t, &protocompile.SourceResolver{ImportPaths: []string{"testdata"}}, files, wire)
}

// compile compiles files found by src (or in third_party, for
// validate/validate.proto). With wire, the descriptors go through their
// wire form first, as a plugin or a generated package receives them, so
// that options hold PGV's Go types; without it, options stay as
// protocompile leaves them.
func compile(t testing.TB, src protocompile.Resolver, files []string, wire bool) resolver {
	t.Helper()
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(protocompile.CompositeResolver{
			src,
			&protocompile.SourceResolver{ImportPaths: []string{filepath.Join(gentest.RepoRoot(), "third_party")}},
		}),
	}
	compiled, err := c.Compile(context.Background(), files...)
	require.NoError(t, err)
	if !wire {
		return compiled.AsResolver()
	}
	set := &descriptorpb.FileDescriptorSet{}
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		for i := 0; i < fd.Imports().Len(); i++ {
			add(fd.Imports().Get(i).FileDescriptor)
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	for _, f := range compiled {
		add(f)
	}
	b, err := proto.Marshal(set)
	require.NoError(t, err)
	set = &descriptorpb.FileDescriptorSet{}
	require.NoError(t, proto.Unmarshal(b, set))
	reg, err := protodesc.NewFiles(set)
	require.NoError(t, err)
	return registry{reg, dynamicpb.NewTypes(reg)}
}

type registry struct {
	*protoregistry.Files
	*dynamicpb.Types
}

var nowRE = regexp.MustCompile(`NOW([+-]\d+)`)

// newMessage builds a dynamic message of type name from prototext.
func newMessage(t testing.TB, r resolver, name, text string) protoreflect.Message {
	t.Helper()
	d, err := r.FindDescriptorByName(protoreflect.FullName(name))
	require.NoError(t, err)
	m := dynamicpb.NewMessage(d.(protoreflect.MessageDescriptor))
	now := time.Now().Unix()
	text = nowRE.ReplaceAllStringFunc(text, func(s string) string {
		d, _ := strconv.ParseInt(s[3:], 10, 64)
		return strconv.FormatInt(now+d, 10)
	})
	require.NoError(t, prototext.UnmarshalOptions{Resolver: withGlobal{r}}.Unmarshal([]byte(text), m), "%s: %s", name, text)
	return m
}

// withGlobal falls back on the linked-in types for Any values of types the
// cases do not import.
type withGlobal struct{ resolver }

func (w withGlobal) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	if mt, err := w.resolver.FindMessageByURL(url); err == nil {
		return mt, nil
	}
	return protoregistry.GlobalTypes.FindMessageByURL(url)
}

// TestHarness runs PGV's own table: every case must be valid or invalid as
// PGV says, with as many violations as PGV counts (PGV's flattened
// ValidateAll reasons).
func TestHarness(t *testing.T) {
	for _, wire := range []bool{true, false} {
		r := compileCases(t, wire)
		for _, tc := range harnessCases {
			m := newMessage(t, r, tc.message, tc.text)
			got := pgv.Check(m)
			if tc.failures == 0 {
				assert.Empty(t, got, "%s (wire %v): %s{%s}", tc.name, wire, tc.message, tc.text)
				continue
			}
			assert.Len(t, got, tc.failures, "%s (wire %v): %s{%s}: %v", tc.name, wire, tc.message, tc.text, got)
		}
	}
}

// TestHarnessProblems: PGV's generator accepts every rule of its cases, so
// none may be reported.
func TestHarnessProblems(t *testing.T) {
	r := compileCases(t, true).(registry)
	n := 0
	r.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(fd.Path(), "tests/") {
			return true
		}
		var walk func(protoreflect.MessageDescriptors)
		walk = func(ms protoreflect.MessageDescriptors) {
			for i := 0; i < ms.Len(); i++ {
				md := ms.Get(i)
				for j := 0; j < md.Fields().Len(); j++ {
					n++
					assert.Empty(t, pgv.Problems(md.Fields().Get(j)), "%s", md.Fields().Get(j).FullName())
				}
				walk(md.Messages())
			}
		}
		walk(fd.Messages())
		return true
	})
	assert.Greater(t, n, 300)
}
