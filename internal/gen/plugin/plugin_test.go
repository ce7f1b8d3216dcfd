package plugin_test

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/plugin"
)

func TestHeaderVersion(t *testing.T) {
	for v, want := range map[string]string{
		"v1.2.3":                                    "v1.2.3",
		"v1.2.0-rc.1":                               "v1.2.0-rc.1",
		"v0.0.0-20261127084643-d0673c4e5798":        "(devel)",
		"v1.2.4-0.20261127084643-d0673c4e5798":      "(devel)",
		"v1.3.0-rc.1.0.20261127084643-d0673c4e5798": "(devel)",
		"v0.0.0-20261127084643-d0673c4e5798+dirty":  "(devel)",
		"v1.2.3+dirty":                              "(devel)",
		"(devel)":                                   "(devel)",
		"":                                          "(devel)",
	} {
		assert.Equal(t, want, plugin.HeaderVersion(v), "%q", v)
	}
	// A test binary is not a release.
	assert.Equal(t, "(devel)", plugin.Version())
}

// echo is a plugin with one flag and one command, for the tests of Run.
func echo(generate func(*protogen.Plugin) error) (plugin.Plugin, *string) {
	var flags flag.FlagSet
	word := flags.String("word", "none", "")
	return plugin.Plugin{
		Name:  "protoc-gen-echo",
		Flags: &flags,
		Commands: []plugin.Command{{
			Name:  "shout",
			Usage: "shout WORD (prints it)",
			Main: func(args []string, stdout, stderr io.Writer) int {
				if len(args) != 1 {
					return 2
				}
				_, _ = io.WriteString(stdout, strings.ToUpper(args[0]))
				return 0
			},
		}},
		Generate: generate,
	}, word
}

func run(p plugin.Plugin, stdin []byte, args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = p.Run(args, bytes.NewReader(stdin), &o, &e)
	return code, o.String(), e.String()
}

func TestRunByHand(t *testing.T) {
	p, _ := echo(nil)
	code, stdout, stderr := run(p, nil, "--version")
	assert.Equal(t, 0, code)
	assert.Equal(t, "protoc-gen-echo "+plugin.BuildVersion()+"\n", stdout)
	assert.Empty(t, stderr)

	code, stdout, _ = run(p, nil, "shout", "hi")
	assert.Equal(t, 0, code)
	assert.Equal(t, "HI", stdout)
	code, _, _ = run(p, nil, "shout")
	assert.Equal(t, 2, code, "the command's exit code")

	help := "protoc-gen-echo is a protoc plugin: run it through protoc or buf generate.\n" +
		"As a command: protoc-gen-echo shout WORD (prints it).\n"
	for _, arg := range []string{"--help", "-h"} {
		code, stdout, stderr = run(p, nil, arg)
		assert.Equal(t, 0, code)
		assert.Empty(t, stdout)
		assert.Equal(t, help, stderr)
	}
	code, _, stderr = run(p, nil, "generate")
	assert.Equal(t, 2, code)
	assert.Equal(t, help, stderr)
}

func request(t *testing.T, parameter string) []byte {
	req, err := gentest.RequestFromSources(map[string]string{"a.proto": `edition = "2024";
package a;
import "google/protobuf/go_features.proto";
option features.(pb.go).api_level = API_OPEN;
message M { string s = 1; }
`}, parameter)
	require.NoError(t, err)
	b, err := proto.Marshal(req)
	require.NoError(t, err)
	return b
}

func response(t *testing.T, b []byte) *pluginpb.CodeGeneratorResponse {
	resp := &pluginpb.CodeGeneratorResponse{}
	require.NoError(t, proto.Unmarshal(b, resp))
	return resp
}

func TestRunAsPlugin(t *testing.T) {
	var files []string
	p, word := echo(func(gen *protogen.Plugin) error {
		for _, f := range gen.Files {
			if f.Generate {
				files = append(files, f.Desc.Path())
				gen.NewGeneratedFile(f.GeneratedFilenamePrefix+".echo.go", f.GoImportPath).P("package ", f.GoPackageName)
			}
		}
		return nil
	})
	code, stdout, stderr := run(p, request(t, "word=hello,paths=source_relative,Ma.proto=example.com/a"))
	require.Equal(t, 0, code, stderr)
	resp := response(t, []byte(stdout))
	assert.Empty(t, resp.GetError())
	assert.Equal(t, "hello", *word, "the plugin's own flag")
	assert.Equal(t, []string{"a.proto"}, files)
	require.Len(t, resp.File, 1)
	assert.Equal(t, "a.echo.go", resp.File[0].GetName(), "protoc-gen-go's parameters")
	assert.Equal(t, uint64(pluginpb.CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL|pluginpb.CodeGeneratorResponse_FEATURE_SUPPORTS_EDITIONS), resp.GetSupportedFeatures())
	assert.Equal(t, int32(descriptorpb.Edition_EDITION_PROTO2), resp.GetMinimumEdition())
	assert.Equal(t, int32(descriptorpb.Edition_EDITION_2024), resp.GetMaximumEdition())

	// An error of generation goes to protoc in the response.
	p.Generate = func(*protogen.Plugin) error { return errors.New("a.proto:4:1: no") }
	code, stdout, _ = run(p, request(t, "Ma.proto=example.com/a"))
	require.Equal(t, 0, code)
	assert.Equal(t, "a.proto:4:1: no", response(t, []byte(stdout)).GetError())

	// An unknown parameter or a broken request is the plugin's failure.
	code, _, stderr = run(p, request(t, "colour=red,Ma.proto=example.com/a"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "protoc-gen-echo: ")
	assert.Contains(t, stderr, "colour")
	code, _, stderr = run(p, []byte{0xff})
	assert.Equal(t, 1, code)
	assert.True(t, strings.HasPrefix(stderr, "protoc-gen-echo: "), stderr)
}

// TestStampedBinary builds protoc-gen-orm as `go build` does by default
// since Go 1.24, with the version of the work tree's commit (and "+dirty")
// stamped in: --version shows it, but generated headers say "(devel)", as
// under `go run` and `go test`, so that committed code stays current.
func TestStampedBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds protoc-gen-orm")
	}
	bin := filepath.Join(t.TempDir(), "protoc-gen-orm")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./cmd/protoc-gen-orm")
	build.Dir = gentest.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		if bytes.Contains(out, []byte("VCS")) && os.Getenv("CI") != "true" {
			t.Skipf("no version control here: %s", out)
		}
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	require.NoError(t, err)
	t.Logf("%s", out)

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.proto"), []byte(`syntax = "proto3";
package a.v1;
import "protoforge/v1/options.proto";
option go_package = "example.com/a/v1;av1";
message Item {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}
`), 0o644))
	req, err := gentest.Request(dir, []string{"a.proto"}, "paths=source_relative")
	require.NoError(t, err)
	resp, err := gentest.RunBinary(req, dir, bin)
	require.NoError(t, err)
	require.Empty(t, resp.GetError())
	files := gentest.Files(resp)
	require.Contains(t, files, "a.orm.go")
	assert.Contains(t, files["a.orm.go"], "// \tprotoc-gen-orm (devel)\n")
}
