// Package scaffold writes the AIP service definition of a model: the
// service with its standard methods and their request and response
// messages, with AIP field names, numbers, field behaviors and comments,
// so that a model service needs no hand-written request messages.
package scaffold

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"gorm.io/gorm/schema"

	"github.com/protoforge/protoforge/internal/gen/model"
	genplugin "github.com/protoforge/protoforge/internal/gen/plugin"
)

const usage = `Usage: protoc-gen-crud scaffold --proto FILE --model NAME [-I DIR]... [--out FILE]

Writes the AIP service of a model message: <Model>Service with Get, List,
Create, Update and Delete (and Undelete for soft-deleted models), and their
request and response messages, in a new .proto file next to the model's
(--out), or on standard output. Generating from it with protoc-gen-crud gives
a working CRUD service.

  --proto FILE   the .proto file that declares the model, relative to an -I
  --model NAME   the model message, e.g. Book
  -I DIR         import path (repeatable; default: .)
  --out FILE     file to write (default: standard output)
`

type importPaths []string

func (p *importPaths) String() string     { return strings.Join(*p, ",") }
func (p *importPaths) Set(v string) error { *p = append(*p, v); return nil }

// Main runs `protoc-gen-crud scaffold` and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("protoc-gen-crud scaffold", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	file := fs.String("proto", "", "")
	model := fs.String("model", "", "")
	out := fs.String("out", "", "")
	var includes importPaths
	fs.Var(&includes, "I", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *file == "" || *model == "" {
		fmt.Fprint(stderr, "scaffold: --proto and --model are required\n\n"+usage)
		return 2
	}
	if len(includes) == 0 {
		includes = importPaths{"."}
	}
	text, err := Scaffold(includes, *file, *model)
	if err != nil {
		fmt.Fprintln(stderr, "scaffold:", err)
		return 1
	}
	if *out == "" {
		_, _ = io.WriteString(stdout, text)
		return 0
	}
	if err := os.WriteFile(*out, []byte(text), 0o644); err != nil {
		fmt.Fprintln(stderr, "scaffold:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return 0
}

// Scaffold compiles file and writes the service of its model message. The
// model is read by model.Build, as the plugins read it: an option they
// refuse is refused here with the same message.
func Scaffold(includes []string, file, modelName string) (string, error) {
	c := protocompile.Compiler{
		Resolver:       protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: includes}),
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	files, err := c.Compile(context.Background(), file)
	if err != nil {
		return "", err
	}
	fd := files[0]
	md := fd.Messages().ByName(protoreflect.Name(modelName))
	if md == nil {
		return "", fmt.Errorf("%s declares no message %s", file, modelName)
	}
	gen, err := plugin(fd)
	if err != nil {
		return "", err
	}
	s, err := model.Build(gen)
	if err != nil {
		return "", err
	}
	m := s.ModelByName(md.FullName())
	if m == nil {
		return "", fmt.Errorf("message %s has no option (protoforge.v1.model); add `option (protoforge.v1.model) = {};`", md.FullName())
	}
	if len(m.PrimaryKey) != 1 {
		return "", fmt.Errorf("%s has a composite key; standard methods need a single-column key", md.FullName())
	}
	if why := m.UnservedKey(); why != "" {
		return "", errors.New(why)
	}
	return render(fd, m), nil
}

// plugin is the protogen view of fd and its imports, as protoc would hand
// it to a plugin generating fd. Files without a go_package get a
// placeholder import path: scaffold writes no Go.
func plugin(fd protoreflect.FileDescriptor) (*protogen.Plugin, error) {
	var params []string
	req, err := genplugin.Request([]protoreflect.FileDescriptor{fd}, []string{fd.Path()}, "", func(fdp *descriptorpb.FileDescriptorProto) {
		if fdp.GetOptions().GetGoPackage() == "" {
			params = append(params, "M"+fdp.GetName()+"=scaffold.invalid/"+strings.TrimSuffix(fdp.GetName(), ".proto"))
		}
	})
	if err != nil {
		return nil, err
	}
	if len(params) > 0 {
		req.Parameter = proto.String(strings.Join(params, ","))
	}
	return protogen.Options{}.New(req)
}

func render(fd protoreflect.FileDescriptor, m *model.Model) string {
	md := m.Desc
	name := string(md.Name())
	plural := model.Plural(name)
	lower := strings.ToLower(schema.NamingStrategy{}.ColumnName("", name))
	collection := m.Table
	key := m.PrimaryKey[0].Desc
	keyType, keyName := scalarName(key), string(key.Name())
	soft := m.SoftDelete != nil
	etag := m.ColumnByRole(model.RoleEtag) != nil
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("// The %s service: the AIP standard methods of %s, scaffolded by", name, md.FullName())
	p("// `protoc-gen-crud scaffold`. Edit freely: protoc-gen-crud recognises the")
	p("// methods by name and request shape.")
	p(`syntax = "proto3";`)
	p("")
	p("package %s;", fd.Package())
	p("")
	imports := []string{"google/api/field_behavior.proto", "google/protobuf/field_mask.proto", fd.Path()}
	if !soft {
		imports = append(imports, "google/protobuf/empty.proto")
	}
	sort.Strings(imports)
	for _, imp := range imports {
		p("import %q;", imp)
	}
	if goPkg := fd.Options().(*descriptorpb.FileOptions).GetGoPackage(); goPkg != "" {
		p("")
		p("option go_package = %q;", goPkg)
	}
	p("")
	p("// Manages %s resources (AIP-131 to AIP-135%s).", name, map[bool]string{true: ", AIP-164", false: ""}[soft])
	p("service %sService {", name)
	// AIP-131 to AIP-135 have Get, Create, Update, Delete and Undelete
	// return the resource itself (or Empty), which STANDARD lint forbids;
	// each such method carries buf's comment ignores so that the file
	// passes `buf lint` with STANDARD and no exceptions.
	aip := func(doc, aipRef, rpc string) {
		p("  // %s", doc)
		p("  //")
		p("  // %s", aipRef)
		p("  // buf:lint:ignore RPC_REQUEST_RESPONSE_UNIQUE")
		p("  // buf:lint:ignore RPC_RESPONSE_STANDARD_NAME")
		p("  %s", rpc)
	}
	aip(fmt.Sprintf("Returns a %s.", lower), "AIP-131: the response is the resource itself.",
		fmt.Sprintf("rpc Get%s(Get%sRequest) returns (%s);", name, name, name))
	p("  // Lists %s, a page at a time.", collection)
	p("  rpc List%s(List%sRequest) returns (List%sResponse);", plural, plural, plural)
	aip(fmt.Sprintf("Creates a %s.", lower), "AIP-133: the response is the created resource.",
		fmt.Sprintf("rpc Create%s(Create%sRequest) returns (%s);", name, name, name))
	aip(fmt.Sprintf("Updates the fields of a %s named by the update mask.", lower), "AIP-134: the response is the updated resource.",
		fmt.Sprintf("rpc Update%s(Update%sRequest) returns (%s);", name, name, name))
	if soft {
		aip(fmt.Sprintf("Deletes a %s; it can be restored with Undelete%s.", lower, name), "AIP-164: a soft delete returns the deleted resource.",
			fmt.Sprintf("rpc Delete%s(Delete%sRequest) returns (%s);", name, name, name))
		aip(fmt.Sprintf("Restores a deleted %s.", lower), "AIP-164: the response is the restored resource.",
			fmt.Sprintf("rpc Undelete%s(Undelete%sRequest) returns (%s);", name, name, name))
	} else {
		aip(fmt.Sprintf("Deletes a %s.", lower), "AIP-135: the response is google.protobuf.Empty.",
			fmt.Sprintf("rpc Delete%s(Delete%sRequest) returns (google.protobuf.Empty);", name, name))
	}
	p("}")
	keyMsg := func(verb string) {
		p("")
		p("// The request of %s%s.", verb, name)
		p("message %s%sRequest {", verb, name)
		p("  // The key of the %s.", lower)
		p("  %s %s = 1 [(google.api.field_behavior) = REQUIRED];", keyType, keyName)
		if etag && verb != "Get" {
			p("  // The etag the client read; a stale one is refused (AIP-154).")
			p("  string etag = 2 [(google.api.field_behavior) = OPTIONAL];")
		}
		p("}")
	}
	keyMsg("Get")
	p("")
	p("// The request of List%s (AIP-132).", plural)
	p("message List%sRequest {", plural)
	p("  // The largest page to return; 0 means the server's default.")
	p("  int32 page_size = 1 [(google.api.field_behavior) = OPTIONAL];")
	p("  // The next_page_token of the previous page.")
	p("  string page_token = 2 [(google.api.field_behavior) = OPTIONAL];")
	p("  // An AIP-160 filter on stored fields.")
	p("  string filter = 3 [(google.api.field_behavior) = OPTIONAL];")
	p("  // An AIP-132 ordering, e.g. `create_time desc`.")
	p("  string order_by = 4 [(google.api.field_behavior) = OPTIONAL];")
	if soft {
		p("  // Whether deleted %s are listed too (AIP-164).", collection)
		p("  bool show_deleted = 5 [(google.api.field_behavior) = OPTIONAL];")
	}
	p("}")
	p("")
	p("// The response of List%s.", plural)
	p("message List%sResponse {", plural)
	p("  // The page of %s.", collection)
	p("  repeated %s %s = 1;", name, collection)
	p("  // The token of the next page; empty on the last page.")
	p("  string next_page_token = 2;")
	p("}")
	p("")
	p("// The request of Create%s (AIP-133).", name)
	p("message Create%sRequest {", name)
	p("  // The %s to create.", lower)
	p("  %s %s = 1 [(google.api.field_behavior) = REQUIRED];", name, lower)
	p("}")
	p("")
	p("// The request of Update%s (AIP-134).", name)
	p("message Update%sRequest {", name)
	p("  // The %s, with its key set.", lower)
	p("  %s %s = 1 [(google.api.field_behavior) = REQUIRED];", name, lower)
	p("  // The fields to update; absent means the fields set in %s.", lower)
	p("  google.protobuf.FieldMask update_mask = 2 [(google.api.field_behavior) = OPTIONAL];")
	p("}")
	keyMsg("Delete")
	if soft {
		keyMsg("Undelete")
	}
	return b.String()
}

func scalarName(f protoreflect.FieldDescriptor) string {
	if f.Kind() == protoreflect.EnumKind {
		return string(f.Enum().FullName())
	}
	return f.Kind().String()
}
