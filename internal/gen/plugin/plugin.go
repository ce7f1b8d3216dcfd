// Package plugin is the main function that protoforge's protoc plugins
// share, after protoc-gen-go's: `--version`, `--help`, the plugin's own
// subcommands (`protoc-gen-orm migrate …`, `protoc-gen-crud scaffold`), and
// otherwise a protoc plugin run on the request read from stdin, with
// protoc-gen-go's parameters (paths, module, M) and the plugin's own flags.
//
// It is also the one place that says what the plugins support (proto3
// optional, editions from proto2 through 2024) and which version they write
// into the headers of generated files.
package plugin

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

// Plugin describes one protoc plugin executable.
type Plugin struct {
	// Name is the executable's name, e.g. "protoc-gen-orm".
	Name string
	// Flags holds the plugin's own parameters (`grpc=false`), set from the
	// request's parameter after protoc-gen-go's own; nil when it has none.
	Flags *flag.FlagSet
	// Commands are what the executable does when run by hand.
	Commands []Command
	// Generate writes the plugin's files for a request. Its error is
	// reported to protoc in the response, as protogen does.
	Generate func(gen *protogen.Plugin) error
}

// Command is a subcommand of a plugin executable.
type Command struct {
	// Name is the first argument that selects it, e.g. "migrate".
	Name string
	// Usage follows "<plugin> " in the plugin's --help, e.g.
	// "migrate diff|check (see protoc-gen-orm migrate --help)".
	Usage string
	// Main runs the command on the arguments after its name and returns
	// the exit code.
	Main func(args []string, stdout, stderr io.Writer) int
}

// Main runs p as the program's main function and exits.
func Main(p Plugin) {
	os.Exit(p.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Run runs p on the program arguments args (without the program name)
// and returns the exit code: the version, the help, a subcommand, or, with
// no arguments, the plugin on the request read from stdin.
func (p Plugin) Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		if err := p.serve(stdin, stdout); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", p.Name, err)
			return 1
		}
		return 0
	}
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-version") {
		fmt.Fprintln(stdout, p.Name, BuildVersion())
		return 0
	}
	for _, c := range p.Commands {
		if args[0] == c.Name {
			return c.Main(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintln(stderr, p.Name, "is a protoc plugin: run it through protoc or buf generate.")
	for _, c := range p.Commands {
		fmt.Fprintf(stderr, "As a command: %s %s.\n", p.Name, c.Usage)
	}
	if args[0] == "--help" || args[0] == "-h" {
		return 0
	}
	return 2
}

// serve is protogen.Options.Run on explicit streams: protoc's request in,
// the response out. Errors of the request or of the streams are returned;
// errors of generation go into the response.
func (p Plugin) serve(stdin io.Reader, stdout io.Writer) error {
	in, err := io.ReadAll(stdin)
	if err != nil {
		return err
	}
	req := &pluginpb.CodeGeneratorRequest{}
	if err := proto.Unmarshal(in, req); err != nil {
		return err
	}
	var opts protogen.Options
	if p.Flags != nil {
		opts.ParamFunc = p.Flags.Set
	}
	gen, err := opts.New(req)
	if err != nil {
		return err
	}
	Support(gen)
	if err := p.Generate(gen); err != nil {
		gen.Error(err)
	}
	out, err := proto.Marshal(gen.Response())
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// The editions every protoforge plugin reads. The maximum is the newest
// edition protoc-gen-go of the google.golang.org/protobuf we build with
// supports: the plugins run next to it on the same files.
const (
	EditionMinimum = descriptorpb.Edition_EDITION_PROTO2
	EditionMaximum = descriptorpb.Edition_EDITION_2024
)

// Support tells protoc what the plugins support: proto3 optional fields
// and editions from EditionMinimum to EditionMaximum.
func Support(gen *protogen.Plugin) {
	gen.SupportedFeatures = uint64(pluginpb.CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL | pluginpb.CodeGeneratorResponse_FEATURE_SUPPORTS_EDITIONS)
	gen.SupportedEditionsMinimum = EditionMinimum
	gen.SupportedEditionsMaximum = EditionMaximum
}

// Devel is the version of a plugin not built from a released module.
const Devel = "(devel)"

// BuildVersion is the version of the main module as the binary records it:
// a release (`go install …@v1.2.0`), a pseudo-version stamped from the
// work tree's commit (`go build` since Go 1.24, with "+dirty" for
// uncommitted changes), or "(devel)". `--version` prints it.
func BuildVersion() string { return buildVersion() }

var buildVersion = sync.OnceValue(func() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return Devel
})

// Version is the version written into the headers of generated files:
// BuildVersion when it is a release, else "(devel)". A pseudo-version
// changes with every commit and "+dirty" with the state of the work tree,
// so writing them would make the output of `go run`, `go build` and
// `go test` of the same sources differ, and committed generated code stale
// at every commit.
func Version() string { return HeaderVersion(BuildVersion()) }

// HeaderVersion is v when it is a release version, else Devel.
func HeaderVersion(v string) string {
	if !semver.IsValid(v) || semver.Build(v) != "" || module.IsPseudoVersion(v) {
		return Devel
	}
	return v
}

// Request is the request protoc would send a plugin generating the files
// named generate among files: every file with its imports listed before
// it, parameter as given, and edit (if not nil) applied to each file's
// descriptor proto. It goes through the wire once, as a plugin receives
// it, so that options are parsed with the plugin's linked extension types.
func Request(files []protoreflect.FileDescriptor, generate []string, parameter string, edit func(*descriptorpb.FileDescriptorProto)) (*pluginpb.CodeGeneratorRequest, error) {
	req := &pluginpb.CodeGeneratorRequest{FileToGenerate: generate}
	if parameter != "" {
		req.Parameter = proto.String(parameter)
	}
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		imps := fd.Imports()
		for i := 0; i < imps.Len(); i++ {
			add(imps.Get(i).FileDescriptor)
		}
		fdp := protodesc.ToFileDescriptorProto(fd)
		if edit != nil {
			edit(fdp)
		}
		req.ProtoFile = append(req.ProtoFile, fdp)
	}
	for _, f := range files {
		add(f)
	}
	b, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	out := &pluginpb.CodeGeneratorRequest{}
	if err := proto.Unmarshal(b, out); err != nil {
		return nil, err
	}
	return out, nil
}
