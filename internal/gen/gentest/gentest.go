// Package gentest compiles .proto sources in process and runs plugins on
// them, so that generator tests need no protoc binary.
package gentest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"

	"github.com/protoforge/protoforge/internal/gen/plugin"
)

// RepoRoot is the root of the protoforge module.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// ImportPaths are searched after the caller's own: the protoforge options
// and the vendored third-party protos.
func ImportPaths() []string {
	root := RepoRoot()
	return []string{filepath.Join(root, "options"), filepath.Join(root, "third_party")}
}

// Request compiles files (relative to dir, which is also the first import
// path) and returns the request protoc would send a plugin for them.
func Request(dir string, files []string, parameter string) (*pluginpb.CodeGeneratorRequest, error) {
	editions := newEditions2024(&protocompile.SourceResolver{
		ImportPaths: append([]string{dir}, ImportPaths()...),
	})
	c := protocompile.Compiler{
		Resolver:       protocompile.WithStandardImports(editions),
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	compiled, err := c.Compile(context.Background(), files...)
	if err != nil {
		return nil, err
	}
	return requestFromFiles(compiled, files, parameter, editions)
}

// RequestFromSources is Request for sources held in memory, keyed by path.
func RequestFromSources(srcs map[string]string, parameter string) (*pluginpb.CodeGeneratorRequest, error) {
	var files []string
	for name := range srcs {
		files = append(files, name)
	}
	sort.Strings(files)
	editions := newEditions2024(protocompile.CompositeResolver{
		&protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(srcs)},
		&protocompile.SourceResolver{ImportPaths: ImportPaths()},
	})
	c := protocompile.Compiler{
		Resolver:       protocompile.WithStandardImports(editions),
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	compiled, err := c.Compile(context.Background(), files...)
	if err != nil {
		return nil, err
	}
	return requestFromFiles(compiled, files, parameter, editions)
}

// RequestFromFiles builds a request generating files from compiled
// descriptors, with every dependency listed first as protoc does.
func RequestFromFiles(compiled linker.Files, files []string, parameter string) (*pluginpb.CodeGeneratorRequest, error) {
	return requestFromFiles(compiled, files, parameter, nil)
}

// requestFromFiles is RequestFromFiles for files compiled through
// editions, which says which of them are of edition 2024.
func requestFromFiles(compiled linker.Files, files []string, parameter string, editions *editions2024) (*pluginpb.CodeGeneratorRequest, error) {
	all := make([]protoreflect.FileDescriptor, len(compiled))
	for i, f := range compiled {
		all[i] = f
	}
	var edit func(*descriptorpb.FileDescriptorProto)
	if editions != nil {
		edit = editions.restore
	}
	return plugin.Request(all, files, parameter, edit)
}

// Run runs a plugin function on req, as the plugins' shared main
// (plugin.Main) would.
func Run(req *pluginpb.CodeGeneratorRequest, fn func(*protogen.Plugin) error) (*pluginpb.CodeGeneratorResponse, error) {
	gen, err := protogen.Options{}.New(req)
	if err != nil {
		return nil, err
	}
	plugin.Support(gen)
	if err := fn(gen); err != nil {
		gen.Error(err)
	}
	return gen.Response(), nil
}

// RunBinary runs a plugin executable (argv) on req over stdin/stdout.
func RunBinary(req *pluginpb.CodeGeneratorRequest, dir string, argv ...string) (*pluginpb.CodeGeneratorResponse, error) {
	in, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(string(in))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, stderr.String())
	}
	resp := &pluginpb.CodeGeneratorResponse{}
	if err := proto.Unmarshal(out, resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// Write writes the files of resp under dir. A response error is returned
// as an error.
func Write(resp *pluginpb.CodeGeneratorResponse, dir string) error {
	if resp.Error != nil {
		return errors.New(resp.GetError())
	}
	for _, f := range resp.File {
		path := filepath.Join(dir, f.GetName())
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(f.GetContent()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Files returns the names and contents of resp's files.
func Files(resp *pluginpb.CodeGeneratorResponse) map[string]string {
	out := map[string]string{}
	for _, f := range resp.File {
		out[f.GetName()] = f.GetContent()
	}
	return out
}
