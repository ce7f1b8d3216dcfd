// Package openapi writes the OpenAPI 3.1 document of the REST surface of
// the services protoc-gen-crud generates: the routes vanguard serves (the
// AIP default routes of the standard methods, and every google.api.http
// binding of the file's services, additional bindings included) with
// their messages as protojson writes and reads them.
//
// The document is built with kin-openapi and validated before it is
// written, so that an invalid one is a generation error, never a file.
package openapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	validatepb "buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	pgvpb "github.com/envoyproxy/protoc-gen-validate/validate"
	"github.com/getkin/kin-openapi/openapi3"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/internal/gen/model"
	"github.com/protoforge/protoforge/ormrt"
)

// Route is one REST binding of a method: ResponseBody is the response
// field it answers with alone (response_body), or "" for the whole
// response.
type Route struct {
	Verb, Path, Body string
	ResponseBody     string
}

// Routes returns the REST bindings of a method as vanguard serves them: its
// google.api.http rule and additional bindings, else the default route of
// a standard method (def, nil when it has none).
func Routes(m *protogen.Method, def *model.Route) []Route {
	rule, _ := proto.GetExtension(m.Desc.Options(), annotations.E_Http).(*annotations.HttpRule)
	if rule == nil || rule.GetPattern() == nil {
		if def == nil {
			return nil
		}
		out := []Route{{Verb: def.Verb, Path: def.Path, Body: def.Body}}
		for _, r := range def.Additional {
			out = append(out, Route{Verb: r.Verb, Path: r.Path, Body: r.Body})
		}
		return out
	}
	var out []Route
	for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
		var verb, path string
		switch p := r.GetPattern().(type) {
		case *annotations.HttpRule_Get:
			verb, path = "GET", p.Get
		case *annotations.HttpRule_Put:
			verb, path = "PUT", p.Put
		case *annotations.HttpRule_Post:
			verb, path = "POST", p.Post
		case *annotations.HttpRule_Delete:
			verb, path = "DELETE", p.Delete
		case *annotations.HttpRule_Patch:
			verb, path = "PATCH", p.Patch
		case *annotations.HttpRule_Custom:
			verb, path = strings.ToUpper(p.Custom.GetKind()), p.Custom.GetPath()
		default:
			continue
		}
		out = append(out, Route{Verb: verb, Path: path, Body: r.GetBody(), ResponseBody: r.GetResponseBody()})
	}
	return out
}

// builder holds the document being built.
type builder struct {
	doc    *openapi3.T
	schema *model.Schema
	// skeletons maps each documented path, parameters blanked, to it.
	skeletons map[string]string
	// requestIDs are the AIP-155 request_id fields the server serves,
	// whose values it bounds.
	requestIDs map[protoreflect.FullName]bool
	// lros are the long-running standard methods, as declared.
	lros map[*protogen.Method]*model.LRO
	// updates are the Update and BatchUpdate methods served, as
	// declared.
	updates map[*protogen.Method]bool
}

// Document builds the OpenAPI document of the services of f that
// protoc-gen-crud implements.
func Document(f *protogen.File, s *model.Schema, svcs []*model.Service) (*openapi3.T, error) {
	b := &builder{
		doc: &openapi3.T{
			OpenAPI: "3.1.0",
			Info: &openapi3.Info{
				Title:       string(f.Desc.Package()),
				Version:     string(f.Desc.Package()),
				Description: "The REST/JSON surface of " + f.Desc.Path() + ", as the generated server serves it (protojson). Streaming methods have no REST binding and are not listed.",
			},
			Paths:      openapi3.NewPaths(),
			Components: &openapi3.Components{Schemas: openapi3.Schemas{}},
		},
		schema:     s,
		requestIDs: map[protoreflect.FullName]bool{},
		lros:       map[*protogen.Method]*model.LRO{},
		updates:    map[*protogen.Method]bool{},
	}
	for _, svc := range svcs {
		for _, m := range svc.Methods {
			if m.IdempotencyKey != nil {
				b.requestIDs[m.IdempotencyKey.Desc.FullName()] = true
			}
		}
	}
	b.doc.Components.Schemas["google.rpc.Status"] = statusSchema()
	for _, svc := range svcs {
		b.doc.Tags = append(b.doc.Tags, &openapi3.Tag{Name: string(svc.Desc.Name()), Description: comment(svc.Comments.Leading)})
		defaults := map[*protogen.Method]*model.Route{}
		for _, m := range svc.Methods {
			defaults[m.Declared()] = m.Route
			if m.LRO != nil {
				b.lros[m.Declared()] = m.LRO
			}
			if m.Op == model.OpUpdate || m.Op == model.OpBatchUpdate {
				b.updates[m.Declared()] = true
			}
		}
		for _, m := range svc.Service.Methods {
			if m.Desc.IsStreamingClient() || m.Desc.IsStreamingServer() {
				continue
			}
			for i, r := range Routes(m, defaults[m]) {
				if err := b.operation(svc, m, r, i); err != nil {
					return nil, fmt.Errorf("%s: method %s: %w", model.Position(svc.File, m.Desc), m.Desc.FullName(), err)
				}
			}
		}
	}
	if err := b.doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi: the document of %s does not validate: %w", f.Desc.Path(), err)
	}
	return b.doc, nil
}

// JSON is the document as indented JSON, with sorted keys.
func JSON(doc *openapi3.T) ([]byte, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// operation adds the i-th binding r of method m.
func (b *builder) operation(svc *model.Service, m *protogen.Method, r Route, i int) error {
	path, params, bound, vars, err := b.template(r.Path, m.Input)
	if err != nil {
		return err
	}
	path, params = b.samePath(path, params)
	op := openapi3.NewOperation()
	op.OperationID = string(svc.Desc.Name()) + "_" + string(m.Desc.Name())
	if i > 0 {
		op.OperationID += fmt.Sprint(i + 1)
	}
	op.Tags = []string{string(svc.Desc.Name())}
	op.Summary = firstLine(comment(m.Comments.Leading))
	op.Description = comment(m.Comments.Leading)
	if lro := b.lros[m]; lro != nil {
		op.Description = strings.TrimSpace(op.Description + fmt.Sprintf("\n\nLong-running (AIP-151): the answer is a google.longrunning.Operation, done when it is returned, whose `response` holds a %s and whose `metadata` a %s.", lro.Response.Desc.FullName(), lro.Metadata.Desc.FullName()))
	}
	op.Parameters = params
	switch r.Body {
	case "":
		op.Parameters = append(op.Parameters, b.queryParams(m.Input, bound, "", nil)...)
	case "*":
		op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
			WithJSONSchemaRef(b.bodyOf(m.Input, vars))}
	default:
		fd := m.Input.Desc.Fields().ByName(protoreflect.Name(r.Body))
		if fd == nil {
			return fmt.Errorf("body %q is not a field of %s", r.Body, m.Input.Desc.FullName())
		}
		op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
			WithJSONSchemaRef(b.fieldSchema(fieldOf(m.Input, fd)))}
		bound[string(fd.Name())] = true
		op.Parameters = append(op.Parameters, b.queryParams(m.Input, bound, "", nil)...)
	}
	if b.updates[m] && op.RequestBody != nil {
		// An update sets the fields its mask names (or those the body
		// holds): a REQUIRED field it leaves out keeps its value.
		// The request's own fields stay required (a body "*").
		body := op.RequestBody.Value.Content.Get("application/json")
		whole := body.Schema
		body.Schema = b.partial(whole)
		if r.Body == "*" && body.Schema != whole && whole.Value != nil {
			body.Schema.Value.Required = whole.Value.Required
		}
		if body.Schema != whole {
			// A schema cannot make fields required by a query parameter.
			op.RequestBody.Value.Description = strings.TrimSpace(op.RequestBody.Value.Description + "\n\n" +
				"The fields the update mask names; REQUIRED fields may be left out, and keep their value. " +
				"An update mask of `*` replaces the whole resource (AIP-134): its REQUIRED fields are required then, and a body without one is InvalidArgument naming it.")
		}
	}
	out := b.messageRef(m.Output)
	if hasField(m.Input, "read_mask") {
		// A read mask leaves out the fields it does not name, REQUIRED
		// ones too (AIP-157).
		out = b.partial(out)
	}
	if r.ResponseBody != "" {
		// The binding answers with that field of the response alone.
		fd := m.Output.Desc.Fields().ByName(protoreflect.Name(r.ResponseBody))
		if fd == nil {
			return fmt.Errorf("response_body %q is not a field of %s", r.ResponseBody, m.Output.Desc.FullName())
		}
		out = b.fieldSchema(fieldOf(m.Output, fd))
		if fd.Message() != nil && !fd.IsList() && !fd.IsMap() && !allowsNull(out) {
			out = nullable(out) // null when the field is not set
		}
	}
	op.Responses = openapi3.NewResponses()
	op.Responses.Set("200", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("OK").
		WithJSONSchemaRef(out)})
	op.Responses.Set("default", &openapi3.ResponseRef{Value: openapi3.NewResponse().
		WithDescription("An error: google.rpc.Status, the HTTP status its code maps to (InvalidArgument 400, NotFound 404, Unimplemented 501, …).").
		WithJSONSchemaRef(openapi3.NewSchemaRef("#/components/schemas/google.rpc.Status", b.doc.Components.Schemas["google.rpc.Status"].Value))})
	item := b.doc.Paths.Value(path)
	if item == nil {
		item = &openapi3.PathItem{}
		b.doc.Paths.Set(path, item)
	}
	if item.GetOperation(r.Verb) != nil {
		return fmt.Errorf("%s %s is bound twice (by two google.api.http bindings): change one of them", r.Verb, path)
	}
	item.SetOperation(r.Verb, op)
	return nil
}

// hasField tells whether m has a field of that name.
func hasField(m *protogen.Message, name protoreflect.Name) bool {
	return m.Desc.Fields().ByName(name) != nil
}

// partialSuffix ends the name of the component that is a message without
// its required fields ("-" is in no proto name).
const partialSuffix = "-partial"

// partial is ref with no property required, at any depth: a message's
// component becomes its "-partial" twin, made on first use. The
// not-schemas that refuse two members of a oneof keep theirs.
func (b *builder) partial(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
	if ref == nil {
		return nil
	}
	if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
		if strings.HasSuffix(name, partialSuffix) || !b.requires(ref, map[string]bool{}) {
			return ref
		}
		twin := name + partialSuffix
		comp, ok := b.doc.Components.Schemas[twin]
		if !ok {
			// Registered before it is filled, so that recursion ends.
			comp = &openapi3.SchemaRef{Value: &openapi3.Schema{}}
			b.doc.Components.Schemas[twin] = comp
			*comp.Value = *b.partial(openapi3.NewSchemaRef("", b.doc.Components.Schemas[name].Value)).Value
			comp.Value.Description = strings.TrimSpace(comp.Value.Description + "\n\nAs " + name + ", with only the fields a mask names.")
		}
		return openapi3.NewSchemaRef("#/components/schemas/"+twin, comp.Value)
	}
	if ref.Value == nil {
		return ref
	}
	c := *ref.Value
	c.Required = nil
	if len(c.Properties) > 0 {
		c.Properties = openapi3.Schemas{}
		for k, p := range ref.Value.Properties {
			c.Properties[k] = b.partial(p)
		}
	}
	c.Items = b.partial(c.Items)
	c.AdditionalProperties.Schema = b.partial(c.AdditionalProperties.Schema)
	for _, list := range []*openapi3.SchemaRefs{&c.AnyOf, &c.AllOf, &c.OneOf} {
		if len(*list) > 0 {
			out := make(openapi3.SchemaRefs, len(*list))
			for i, r := range *list {
				out[i] = b.partial(r)
			}
			*list = out
		}
	}
	return openapi3.NewSchemaRef("", &c)
}

// requires tells whether ref requires a property at some depth (the
// not-schemas of oneofs aside); seen holds the components on the way.
func (b *builder) requires(ref *openapi3.SchemaRef, seen map[string]bool) bool {
	if ref == nil {
		return false
	}
	if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
		if seen[name] {
			return false
		}
		seen[name] = true
		return b.requires(openapi3.NewSchemaRef("", b.doc.Components.Schemas[name].Value), seen)
	}
	v := ref.Value
	if v == nil {
		return false
	}
	if len(v.Required) > 0 || b.requires(v.Items, seen) || b.requires(v.AdditionalProperties.Schema, seen) {
		return true
	}
	for _, p := range v.Properties {
		if b.requires(p, seen) {
			return true
		}
	}
	for _, list := range []openapi3.SchemaRefs{v.AnyOf, v.AllOf, v.OneOf} {
		for _, r := range list {
			if b.requires(r, seen) {
				return true
			}
		}
	}
	return false
}

// bodyOf is the schema of the body "*" of a request in whose path sets
// the fields vars (their paths): the request without those fields
// (google.api.http: the body holds the fields the path does not bind; a
// field the path sets is ignored in the body).
func (b *builder) bodyOf(in *protogen.Message, vars []string) *openapi3.SchemaRef {
	ref := b.messageRef(in)
	drop := map[string]bool{}
	for _, v := range vars {
		if f := pathField(in, v); f != nil && !strings.Contains(v, ".") {
			drop[f.Desc.JSONName()] = true
		}
	}
	if len(drop) == 0 || ref.Value == nil {
		return ref
	}
	c := *ref.Value
	c.Properties = openapi3.Schemas{}
	for name, p := range ref.Value.Properties {
		if !drop[name] {
			c.Properties[name] = p
		}
	}
	var required []string
	for _, name := range ref.Value.Required {
		if !drop[name] {
			required = append(required, name)
		}
	}
	c.Required = required
	return openapi3.NewSchemaRef("", &c)
}

// samePath gives path the parameter names of a path already documented
// that differs only by them ("/v1/shelves/{name}" and "/v1/shelves/{id}"
// are one path for OpenAPI, and for the router).
func (b *builder) samePath(path string, params openapi3.Parameters) (string, openapi3.Parameters) {
	skel, names := skeleton(path)
	if b.skeletons == nil {
		b.skeletons = map[string]string{}
	}
	first, ok := b.skeletons[skel]
	if !ok {
		b.skeletons[skel] = path
		return path, params
	}
	_, want := skeleton(first)
	rename := map[string]string{}
	for i, n := range names {
		rename[n] = want[i]
	}
	for _, p := range params {
		if to, ok := rename[p.Value.Name]; ok {
			p.Value.Name = to
		}
	}
	return first, params
}

// skeleton is path with its parameters blanked, and their names in order.
func skeleton(path string) (string, []string) {
	var out strings.Builder
	var names []string
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			out.WriteString(path)
			return out.String(), names
		}
		j := strings.IndexByte(path[i:], '}')
		out.WriteString(path[:i] + "{}")
		names = append(names, path[i+1:i+j])
		path = path[i+j+1:]
	}
}

// template turns a google.api.http path template into an OpenAPI path, its
// path parameters, and the request fields the path binds. A variable of
// several segments ({name=shelves/*/books/*}) becomes one parameter per
// wildcard, named after the variables of the resource pattern it matches.
func (b *builder) template(tpl string, in *protogen.Message) (string, openapi3.Parameters, map[string]bool, []string, error) {
	bound := map[string]bool{}
	var vars []string
	var params openapi3.Parameters
	var out strings.Builder
	seen := map[string]bool{}
	for len(tpl) > 0 {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			out.WriteString(tpl)
			break
		}
		out.WriteString(tpl[:i])
		j := strings.IndexByte(tpl[i:], '}')
		if j < 0 {
			return "", nil, nil, nil, fmt.Errorf("path template %q: unclosed variable", tpl)
		}
		v := tpl[i+1 : i+j]
		tpl = tpl[i+j+1:]
		field, glob, _ := strings.Cut(v, "=")
		bound[field] = true
		vars = append(vars, field)
		if glob == "" {
			glob = "*"
		}
		segs := strings.Split(glob, "/")
		names := b.variableNames(glob, field)
		for k, seg := range segs {
			if k > 0 {
				out.WriteByte('/')
			}
			if seg != "*" && seg != "**" {
				out.WriteString(seg)
				continue
			}
			name := names[k]
			for seen[name] {
				name += "_"
			}
			seen[name] = true
			out.WriteString("{" + name + "}")
			desc := fmt.Sprintf("Sets the request field `%s`", field)
			switch {
			case seg == "**":
				// google.api.http: "**" takes any number of segments,
				// and an escaped slash in them stays escaped.
				desc += fmt.Sprintf(", whose value is `%s` with these segments in place of `**`: any number of them, "+
					"their slashes sent as they are (a slash escaped as %%2F stays %%2F in the value)", glob)
			case glob != "*":
				desc += fmt.Sprintf(", whose value is `%s` with this segment in place of its wildcard", glob)
			}
			schema := openapi3.NewStringSchema()
			if f := pathField(in, field); glob == "*" && f != nil && !f.Desc.IsList() && !f.Desc.IsMap() && f.Message == nil && f.Enum == nil {
				// The segment is the field's whole value: a number as
				// protojson writes one ("7" for an int64).
				if fs := b.fieldSchema(f); fs.Ref == "" && fs.Value != nil {
					schema = fs.Value
				}
			}
			p := openapi3.NewPathParameter(name).WithDescription(desc + ".").WithSchema(schema)
			params = append(params, &openapi3.ParameterRef{Value: p})
		}
	}
	return out.String(), params, bound, vars, nil
}

// variableNames names the wildcards of glob: the variables of a resource
// pattern of the same shape, or of the parent part of one (a parent
// outside the package), else the field's last name (numbered).
func (b *builder) variableNames(glob, field string) map[int]string {
	names := map[int]string{}
	segs := strings.Split(glob, "/")
	// A pattern of the glob's length first, then the parents in longer ones.
	for _, exact := range []bool{true, false} {
		var patterns []string
		for _, m := range b.schema.Models {
			if m.Name != nil {
				// Each of the patterns of a resource with several.
				patterns = append(patterns, ormrt.Patterns(m.Name.NamePattern)...)
			}
		}
		for _, pattern := range patterns {
			pat := strings.Split(pattern, "/")
			if len(pat) < len(segs) || exact != (len(pat) == len(segs)) {
				continue
			}
			pat = pat[:len(segs)]
			ok := true
			for k, seg := range segs {
				isVar := strings.HasPrefix(pat[k], "{")
				if (seg == "*") != isVar || (!isVar && seg != pat[k]) {
					ok = false
				}
			}
			if ok {
				for k, p := range pat {
					if strings.HasPrefix(p, "{") {
						names[k] = strings.Trim(p, "{}")
					}
				}
				return names
			}
		}
	}
	last := field[strings.LastIndexByte(field, '.')+1:]
	n := 0
	for k, seg := range strings.Split(glob, "/") {
		if seg == "*" || seg == "**" {
			n++
			names[k] = last
			if n > 1 {
				names[k] = fmt.Sprintf("%s_%d", last, n)
			}
		}
	}
	return names
}

// queryParams are the fields of in not bound by the path or body (bound
// holds their paths) that a query string can set: scalars, enums, their
// lists, the well-known types protojson spells as one value (a string,
// a number or a bool), and those inside messages that are not lists
// (`probe.span.low`, google.api.http), to the depth a message does not
// repeat itself (seen holds the messages above).
func (b *builder) queryParams(in *protogen.Message, bound map[string]bool, prefix string, seen []protoreflect.FullName) openapi3.Parameters {
	var out openapi3.Parameters
	seen = append(seen, in.Desc.FullName())
	for _, f := range in.Fields {
		name := string(f.Desc.Name())
		if bound[prefix+name] || f.Desc.IsMap() {
			continue
		}
		var schema *openapi3.Schema
		if f.Message != nil {
			if _, ok := stringWKT[f.Message.Desc.FullName()]; ok {
				schema = b.fieldSchema(f).Value
			} else if s := queryWrapper(f.Message.Desc.FullName()); s != nil && !f.Desc.IsList() {
				schema = s
			} else {
				if !f.Desc.IsList() && wellKnown(f.Message.Desc.FullName()) == nil && !slices.Contains(seen, f.Message.Desc.FullName()) {
					out = append(out, b.queryParams(f.Message, bound, prefix+name+".", seen)...)
				}
				continue
			}
		} else {
			schema = b.fieldSchema(f).Value
		}
		if n := f.Desc.Name(); prefix == "" && (n == "page_size" || n == "skip") && f.Desc.Kind() == protoreflect.Int32Kind && !f.Desc.IsList() {
			// AIP-158: a negative page size or skip is refused.
			c := *schema
			c.Min = openapi3.Float64Ptr(0)
			schema = &c
		}
		p := openapi3.NewQueryParameter(prefix + name).WithSchema(schema)
		if d := comment(f.Comments.Leading); d != "" {
			p.Description = d
		}
		out = append(out, &openapi3.ParameterRef{Value: p})
	}
	return out
}

// queryWrapper is the schema of a query parameter that sets a wrapper
// (google.protobuf.Int64Value): its value's, which a query parameter
// cannot leave null; nil for another message.
func queryWrapper(name protoreflect.FullName) *openapi3.Schema {
	kinds := map[protoreflect.FullName]protoreflect.Kind{
		"google.protobuf.BoolValue": protoreflect.BoolKind, "google.protobuf.StringValue": protoreflect.StringKind,
		"google.protobuf.BytesValue": protoreflect.BytesKind,
		"google.protobuf.Int32Value": protoreflect.Int32Kind, "google.protobuf.UInt32Value": protoreflect.Uint32Kind,
		"google.protobuf.Int64Value": protoreflect.Int64Kind, "google.protobuf.UInt64Value": protoreflect.Uint64Kind,
		"google.protobuf.FloatValue": protoreflect.FloatKind, "google.protobuf.DoubleValue": protoreflect.DoubleKind,
	}
	k, ok := kinds[name]
	if !ok {
		return nil
	}
	if k == protoreflect.FloatKind || k == protoreflect.DoubleKind {
		return withNonFinite(scalar(k), nonFinite)
	}
	return scalar(k)
}

// stringWKT are the well-known types protojson writes as JSON strings.
var stringWKT = map[protoreflect.FullName]*openapi3.Schema{
	"google.protobuf.Timestamp": {Type: &openapi3.Types{"string"}, Format: "date-time", Description: "RFC 3339, e.g. 2024-01-02T03:04:05.678Z."},
	"google.protobuf.Duration":  {Type: &openapi3.Types{"string"}, Pattern: `^-?[0-9]+(\.[0-9]{1,9})?s$`, Description: "Seconds with up to nine fractional digits and the suffix s, e.g. 1.5s."},
	"google.protobuf.FieldMask": {Type: &openapi3.Types{"string"}, Description: "Field paths in lowerCamelCase, separated by commas; \"*\" replaces every field (AIP-134)."},
}

// messageRef is the schema of a message: a reference to its component,
// added on first use, or the inline schema of a well-known type.
func (b *builder) messageRef(m *protogen.Message) *openapi3.SchemaRef {
	name := m.Desc.FullName()
	if s := wellKnown(name); s != nil {
		return openapi3.NewSchemaRef("", s)
	}
	comp, ok := b.doc.Components.Schemas[string(name)]
	if !ok {
		// Registered before its fields, so that recursion ends; filled
		// in place, so that references made meanwhile see it.
		comp = &openapi3.SchemaRef{Value: &openapi3.Schema{}}
		b.doc.Components.Schemas[string(name)] = comp
		*comp.Value = *b.messageSchema(m)
	}
	return openapi3.NewSchemaRef("#/components/schemas/"+string(name), comp.Value)
}

// pathField is the field of m that the dotted path names ("book.id"), or
// nil.
func pathField(m *protogen.Message, path string) *protogen.Field {
	var f *protogen.Field
	for _, name := range strings.Split(path, ".") {
		if m == nil {
			return nil
		}
		f = nil
		for _, c := range m.Fields {
			if string(c.Desc.Name()) == name {
				f = c
			}
		}
		if f == nil {
			return nil
		}
		m = f.Message
	}
	return f
}

// Which fields the server sets (serverManaged).
const (
	managedNever = iota
	managedAlways
	managedOnCreate
)

// serverManaged tells whether the server sets f of model mod whatever a
// request holds: always the create, update, delete and purge times, the
// uid and the tenant; on create a key the database assigns, which
// requests then name rows by.
func serverManaged(mod *model.Model, f *protogen.Field) int {
	if mod == nil {
		return managedNever
	}
	for _, c := range mod.Columns {
		if c.Field != f {
			continue
		}
		switch c.Role {
		case model.RoleCreateTime, model.RoleUpdateTime, model.RoleDeleteTime, model.RolePurgeTime, model.RoleUID, model.RoleTenant:
			return managedAlways
		case model.RoleID:
			if mod.AutoIncrement {
				return managedOnCreate
			}
		}
	}
	return managedNever
}

// messageSchema is the object protojson writes for m.
func (b *builder) messageSchema(m *protogen.Message) *openapi3.Schema {
	s := &openapi3.Schema{Type: &openapi3.Types{"object"}, Description: comment(m.Comments.Leading), Properties: openapi3.Schemas{}}
	var pairs openapi3.SchemaRefs
	for _, o := range m.Oneofs {
		if o.Desc.IsSynthetic() {
			continue
		}
		var names []string
		for _, f := range o.Fields {
			names = append(names, "`"+f.Desc.JSONName()+"`")
		}
		s.Description = strings.TrimSpace(s.Description + "\n\nAt most one of " + strings.Join(names, ", ") + " is set (oneof " + string(o.Desc.Name()) + ").")
		// protojson refuses an object that sets two members of a oneof
		// (null sets none).
		set := openapi3.NewSchemaRef("", &openapi3.Schema{Not: openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"null"}})})
		for i, a := range o.Fields {
			for _, c := range o.Fields[i+1:] {
				x, y := a.Desc.JSONName(), c.Desc.JSONName()
				pairs = append(pairs, openapi3.NewSchemaRef("", &openapi3.Schema{Required: []string{x, y}, Properties: openapi3.Schemas{x: set, y: set}}))
			}
		}
	}
	if len(pairs) > 0 {
		s.Not = openapi3.NewSchemaRef("", &openapi3.Schema{AnyOf: pairs})
	}
	mod := b.schema.ModelByName(m.Desc.FullName())
	for _, f := range m.Fields {
		ref := b.fieldSchema(f)
		rules := model.ReadRules(f.Desc)
		if mod != nil {
			for _, mf := range mod.Columns {
				if mf.Field == f && mf.NamePattern == "" && mf.MaxLen > 0 && (rules.MaxLen == nil || uint64(mf.MaxLen) < *rules.MaxLen) {
					n := uint64(mf.MaxLen)
					rules.MaxLen = &n // the column's size
				}
			}
		}
		ref = constrained(ref, f, rules)
		required := f.Desc.Cardinality() == protoreflect.Required
		if f.Desc.HasPresence() && !f.Desc.IsList() && !required {
			// protojson reads null as unset, and writes it for unset
			// fields when it emits unpopulated ones. A required field
			// (proto2's, editions' LEGACY_REQUIRED) is never unset: a
			// message without it neither parses nor marshals.
			ref = nullable(ref)
		}
		behaviors := fieldBehaviors(f)
		switch serverManaged(mod, f) {
		case managedAlways:
			// The server sets it whatever a request holds (AIP-148).
			behaviors[annotations.FieldBehavior_OUTPUT_ONLY] = true
		case managedOnCreate:
			// The database assigns it on create; an update or a batch
			// names the row by it.
			behaviors[annotations.FieldBehavior_IDENTIFIER] = true
		}
		desc := comment(f.Comments.Leading)
		if behaviors[annotations.FieldBehavior_OUTPUT_ONLY] || behaviors[annotations.FieldBehavior_INPUT_ONLY] || behaviors[annotations.FieldBehavior_IDENTIFIER] || behaviors[annotations.FieldBehavior_IMMUTABLE] {
			// A property with a $ref takes no siblings: wrap it.
			v := &openapi3.Schema{Description: desc}
			if ref.Ref != "" {
				v.AllOf = openapi3.SchemaRefs{ref}
			} else {
				c := *ref.Value
				v = &c
				if desc != "" {
					v.Description = desc
				}
			}
			v.ReadOnly = behaviors[annotations.FieldBehavior_OUTPUT_ONLY]
			v.WriteOnly = behaviors[annotations.FieldBehavior_INPUT_ONLY]
			switch {
			case behaviors[annotations.FieldBehavior_IDENTIFIER]:
				v.Description = strings.TrimSpace(v.Description + "\n\nIdentifier: the server assigns it on create.")
			case behaviors[annotations.FieldBehavior_IMMUTABLE]:
				v.Description = strings.TrimSpace(v.Description + "\n\nImmutable: set on create, never changed by an update.")
			}
			ref = openapi3.NewSchemaRef("", v)
		} else if desc != "" && ref.Ref == "" {
			c := *ref.Value
			c.Description = desc
			ref = openapi3.NewSchemaRef("", &c)
		} else if desc != "" {
			ref = openapi3.NewSchemaRef("", &openapi3.Schema{Description: desc, AllOf: openapi3.SchemaRefs{ref}})
		}
		s.Properties[f.Desc.JSONName()] = ref
		if behaviors[annotations.FieldBehavior_REQUIRED] || rules.Required || required {
			s.Required = append(s.Required, f.Desc.JSONName())
		}
	}
	sort.Strings(s.Required)
	return s
}

// constrained adds the validation rules of f to its schema: string
// lengths and the bounds of numbers JSON writes as numbers. (64-bit
// integers are strings in JSON; their bounds stay the server's.) Where
// the validators accept the zero value whatever the rules (r.ZeroValid:
// IGNORE_IF_ZERO_VALUE, PGV's ignore_empty, a field of a message oneof
// rule), the schema does too: the value is either the zero value or
// within the rules, as protojson writes the zero value of a field
// without presence.
func constrained(ref *openapi3.SchemaRef, f *protogen.Field, r model.Rules) *openapi3.SchemaRef {
	float := f.Desc.Kind() == protoreflect.FloatKind || f.Desc.Kind() == protoreflect.DoubleKind
	if ref.Ref != "" || f.Desc.IsList() || f.Desc.IsMap() || (r.MinLen == nil && r.MaxLen == nil && r.Min == "" && r.Max == "" && r.Pattern == "" && len(r.In) == 0 && !(float && finiteOnly(f.Desc))) {
		return ref
	}
	c := *ref.Value
	if float && c.Type == nil && len(c.AnyOf) == 2 {
		// The rules bound the number; which non-finite values they let
		// through is decided below.
		c = *c.AnyOf[0].Value
	}
	// t receives the rules: the field's schema itself, or, where the
	// zero value passes, the second branch of an anyOf.
	t := &c
	// zero is the field's zero value as protojson writes it, and passes
	// whether the rules let it through by themselves.
	var zero any
	var passes bool
	switch f.Desc.Kind() {
	case protoreflect.StringKind:
		zero, passes = "", (r.MinLen == nil || *r.MinLen == 0) && r.Pattern == "" && len(r.In) == 0
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind, protoreflect.Uint32Kind, protoreflect.Fixed32Kind,
		protoreflect.FloatKind, protoreflect.DoubleKind:
		zero, passes = 0, r.AdmitsZero()
	default:
		return ref
	}
	if r.ZeroValid && !passes {
		t = &openapi3.Schema{}
		c.AnyOf = openapi3.SchemaRefs{openapi3.NewSchemaRef("", &openapi3.Schema{Const: zero}), openapi3.NewSchemaRef("", t)}
	}
	switch f.Desc.Kind() {
	case protoreflect.StringKind:
		switch {
		case r.Pattern == "":
		case t.Pattern != "":
			// Both the format's pattern and the rule's hold.
			t.AllOf = append(t.AllOf, openapi3.NewSchemaRef("", &openapi3.Schema{Pattern: r.Pattern}))
		default:
			t.Pattern = r.Pattern
		}
		for _, v := range r.In {
			t.Enum = append(t.Enum, v)
		}
		if r.MinLen != nil {
			t.MinLength = *r.MinLen
		}
		if r.MaxLen != nil {
			n := *r.MaxLen
			t.MaxLength = &n
		}
	default:
		lower, upper := t, t
		if r.Outside() {
			// An exclusive range: a value meets either bound.
			lower, upper = &openapi3.Schema{}, &openapi3.Schema{}
			bounds := openapi3.SchemaRefs{openapi3.NewSchemaRef("", upper), openapi3.NewSchemaRef("", lower)}
			if t == &c {
				c.AnyOf = bounds
			} else {
				// The zero value is a third choice.
				c.AnyOf = append(c.AnyOf[:1], bounds...)
			}
		}
		if v, err := strconv.ParseFloat(r.Min, 64); err == nil && r.Min != "" {
			lower.Min = &v
			if r.MinExclusive {
				lower.Min, lower.ExclusiveMin = nil, openapi3.ExclusiveBound{Value: &v}
			}
		}
		if v, err := strconv.ParseFloat(r.Max, 64); err == nil && r.Max != "" {
			upper.Max = &v
			if r.MaxExclusive {
				upper.Max, upper.ExclusiveMax = nil, openapi3.ExclusiveBound{Value: &v}
			}
		}
	}
	if float {
		// NaN meets no bound; an infinity meets the bounds on its side
		// (either, for a range that excludes an interval).
		var specials []any
		if !finiteOnly(f.Desc) {
			if r.Max == "" || r.Outside() {
				specials = append(specials, "Infinity")
			}
			if r.Min == "" || r.Outside() {
				specials = append(specials, "-Infinity")
			}
		}
		return openapi3.NewSchemaRef("", withNonFinite(&c, specials))
	}
	return openapi3.NewSchemaRef("", &c)
}

// nullable is ref that also accepts null.
// allowsNull reports whether the inline schema ref takes null already (a
// wrapper's).
func allowsNull(ref *openapi3.SchemaRef) bool {
	if ref.Ref != "" || ref.Value == nil {
		return false
	}
	if ref.Value.Type != nil && ref.Value.Type.Includes("null") {
		return true
	}
	for _, a := range ref.Value.AnyOf {
		if allowsNull(a) {
			return true
		}
	}
	return false
}

func nullable(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
	if ref.Ref != "" || ref.Value.Type == nil {
		return openapi3.NewSchemaRef("", &openapi3.Schema{AnyOf: openapi3.SchemaRefs{ref, openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"null"}})}})
	}
	c := *ref.Value
	if !c.Type.Includes("null") {
		t := append(openapi3.Types{}, (*c.Type)...)
		c.Type = &t
		*c.Type = append(*c.Type, "null")
	}
	return openapi3.NewSchemaRef("", &c)
}

// fieldSchema is the schema of a field's JSON value.
func (b *builder) fieldSchema(f *protogen.Field) *openapi3.SchemaRef {
	switch {
	case f.Desc.IsMap():
		values := b.fieldSchema(f.Message.Fields[1])
		if values.Ref == "" && f.Message.Fields[1].Desc.Kind() == protoreflect.StringKind {
			// The format of a map's values sits on the map field.
			withFormat(values.Value, f.Desc)
		}
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"object"},
			PropertyNames:        mapKeys(f.Message.Fields[0].Desc.Kind()),
			AdditionalProperties: openapi3.AdditionalProperties{Schema: values}})
	case f.Desc.IsList():
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"array"}, Items: b.singular(f)})
	}
	return b.singular(f)
}

// mapKeys is the schema of the keys of a map whose keys are of kind k, as
// protojson reads them: decimal integers (a sign allowed where the kind
// has one, as strconv reads them), true or false; nil for strings, which
// take any key.
func mapKeys(k protoreflect.Kind) *openapi3.SchemaRef {
	var s *openapi3.Schema
	switch k {
	case protoreflect.BoolKind:
		s = &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: []any{"true", "false"}}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		s = &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: `^[+-]?[0-9]+$`, Description: "A decimal integer of the key's type."}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		s = &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: `^[0-9]+$`, Description: "A decimal integer of the key's type."}
	default:
		return nil
	}
	return openapi3.NewSchemaRef("", s)
}

// singular is the schema of one value of f.
func (b *builder) singular(f *protogen.Field) *openapi3.SchemaRef {
	switch f.Desc.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return b.messageRef(f.Message)
	case protoreflect.EnumKind:
		return openapi3.NewSchemaRef("", enumSchema(f.Enum.Desc, model.ReadRules(f.Desc).DefinedOnly))
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return openapi3.NewSchemaRef("", withNonFinite(scalar(f.Desc.Kind()), nonFinite))
	}
	s := scalar(f.Desc.Kind())
	if b.requestIDs[f.Desc.FullName()] {
		// crudrt.MaxRequestIDLength printable ASCII characters.
		s.MaxLength = openapi3.Uint64Ptr(crudrt.MaxRequestIDLength)
		s.Pattern = `^[!-~]*$`
		s.Description = "AIP-155: a repeat of the request with this id gets the first response; a UUID is recommended."
	}
	if f.Desc.Kind() == protoreflect.StringKind {
		withFormat(s, f.Desc)
	}
	return openapi3.NewSchemaRef("", s)
}

// enumSchema is an enum's value as protojson spells it: its name, which
// protojson writes, or its number, which it reads too (of a declared
// value only where defined, a closed enum or a defined_only rule) and
// writes for a number the enum does not declare. google.protobuf.NullValue
// is null.
func enumSchema(e protoreflect.EnumDescriptor, defined bool) *openapi3.Schema {
	if e.FullName() == "google.protobuf.NullValue" {
		return &openapi3.Schema{Type: &openapi3.Types{"null"}}
	}
	var names, numbers []any
	seen := map[protoreflect.EnumNumber]bool{}
	for i := 0; i < e.Values().Len(); i++ {
		v := e.Values().Get(i)
		names = append(names, string(v.Name()))
		if !seen[v.Number()] {
			seen[v.Number()] = true
			numbers = append(numbers, int(v.Number()))
		}
	}
	number := &openapi3.Schema{Type: &openapi3.Types{"integer"}, Format: "int32"}
	desc := "A value name of " + string(e.FullName()) + ", or its number (protojson writes the name; the number of a value the enum does not declare)."
	if defined {
		number.Enum = numbers
		desc = "A value name of " + string(e.FullName()) + ", or its number (protojson writes the name)."
	}
	return &openapi3.Schema{Description: desc, AnyOf: openapi3.SchemaRefs{
		openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: names}),
		openapi3.NewSchemaRef("", number),
	}}
}

// nonFinite are the strings protojson writes and reads for a float's NaN
// and infinities.
var nonFinite = []any{"NaN", "Infinity", "-Infinity"}

// withNonFinite is the float schema num that also takes the strings of
// specials (nonFinite, or those the field's rules let through), or num
// itself when there are none.
func withNonFinite(num *openapi3.Schema, specials []any) *openapi3.Schema {
	if len(specials) == 0 {
		return num
	}
	var names []string
	for _, v := range specials {
		names = append(names, `"`+v.(string)+`"`)
	}
	return &openapi3.Schema{Description: "A number, or " + strings.Join(names, ", ") + " (protojson).", AnyOf: openapi3.SchemaRefs{
		openapi3.NewSchemaRef("", num),
		openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: specials}),
	}}
}

// finiteOnly tells whether a validation rule of fd refuses a float's
// non-finite values other than by its bounds: protovalidate's finite, or
// any rule the bounds do not model (const, in, not_in), which the
// document then does not promise to take them.
func finiteOnly(fd protoreflect.FieldDescriptor) bool {
	var rules protoreflect.Message
	if pv, ok := proto.GetExtension(fd.Options(), validatepb.E_Field).(*validatepb.FieldRules); ok && pv != nil && pv.GetIgnore() != validatepb.Ignore_IGNORE_ALWAYS {
		switch {
		case pv.GetFloat() != nil:
			rules = pv.GetFloat().ProtoReflect()
		case pv.GetDouble() != nil:
			rules = pv.GetDouble().ProtoReflect()
		}
	}
	other := false
	check := func(m protoreflect.Message) {
		m.Range(func(f protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			switch f.Name() {
			case "gt", "gte", "lt", "lte", "ignore_empty":
			default:
				other = true
			}
			return true
		})
	}
	if rules != nil {
		check(rules)
	}
	if pgv, ok := proto.GetExtension(fd.Options(), pgvpb.E_Rules).(*pgvpb.FieldRules); ok && pgv != nil {
		switch {
		case pgv.GetFloat() != nil:
			check(pgv.GetFloat().ProtoReflect())
		case pgv.GetDouble() != nil:
			check(pgv.GetDouble().ProtoReflect())
		}
	}
	return other
}

// withFormat documents in s, a string's schema, the AIP-202 format of
// field fd's values.
func withFormat(s *openapi3.Schema, fd protoreflect.FieldDescriptor) {
	info, _ := proto.GetExtension(fd.Options(), annotations.E_FieldInfo).(*annotations.FieldInfo)
	switch info.GetFormat() {
	case annotations.FieldInfo_UUID4:
		s.Format, s.Pattern = "uuid", `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`
		s.Description = strings.TrimSpace(strings.Replace(s.Description, "; a UUID is recommended.", ".", 1) + " A UUID version 4 (AIP-202), in either case.")
	case annotations.FieldInfo_IPV4:
		s.Format, s.Description = "ipv4", strings.TrimSpace(s.Description+" An IPv4 address (AIP-202).")
	case annotations.FieldInfo_IPV6:
		s.Format, s.Description = "ipv6", strings.TrimSpace(s.Description+" An IPv6 address (AIP-202).")
	case annotations.FieldInfo_IPV4_OR_IPV6:
		s.Description = strings.TrimSpace(s.Description + " An IPv4 or IPv6 address (AIP-202).")
	}
}

// scalar is the protojson spelling of a scalar kind.
func scalar(k protoreflect.Kind) *openapi3.Schema {
	switch k {
	case protoreflect.BoolKind:
		return &openapi3.Schema{Type: &openapi3.Types{"boolean"}}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return &openapi3.Schema{Type: &openapi3.Types{"integer"}, Format: "int32"}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return &openapi3.Schema{Type: &openapi3.Types{"integer"}, Format: "int64", Min: ptr(0), Max: ptr(4294967295)}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return &openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "int64", Pattern: `^-?[0-9]+$`, Description: "A 64-bit integer, as a decimal string (protojson)."}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return &openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "uint64", Pattern: `^[0-9]+$`, Description: "An unsigned 64-bit integer, as a decimal string (protojson)."}
	case protoreflect.FloatKind:
		return &openapi3.Schema{Type: &openapi3.Types{"number"}, Format: "float"}
	case protoreflect.DoubleKind:
		return &openapi3.Schema{Type: &openapi3.Types{"number"}, Format: "double"}
	case protoreflect.BytesKind:
		return &openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "byte", Description: "Base64."}
	}
	return &openapi3.Schema{Type: &openapi3.Types{"string"}}
}

func ptr(f float64) *float64 { return &f }

// wellKnown is the inline schema of a google.protobuf type, or nil.
func wellKnown(name protoreflect.FullName) *openapi3.Schema {
	if s, ok := stringWKT[name]; ok {
		c := *s
		return &c
	}
	wrapper := func(s *openapi3.Schema) *openapi3.Schema {
		if s.Type == nil {
			// A float that takes strings too.
			c := *s
			c.AnyOf = append(append(openapi3.SchemaRefs{}, s.AnyOf...), openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"null"}}))
			return &c
		}
		c := *s
		t := append(openapi3.Types{}, (*c.Type)...)
		t = append(t, "null")
		c.Type = &t
		return &c
	}
	switch name {
	case "google.protobuf.Empty":
		return &openapi3.Schema{Type: &openapi3.Types{"object"}}
	case "google.protobuf.Struct":
		return &openapi3.Schema{Type: &openapi3.Types{"object"}, AdditionalProperties: openapi3.AdditionalProperties{Has: boolPtr(true)}}
	case "google.protobuf.Value":
		return &openapi3.Schema{Description: "Any JSON value."}
	case "google.protobuf.ListValue":
		return &openapi3.Schema{Type: &openapi3.Types{"array"}, Items: openapi3.NewSchemaRef("", &openapi3.Schema{})}
	case "google.protobuf.Any":
		return &openapi3.Schema{Type: &openapi3.Types{"object"}, Required: []string{"@type"},
			Properties:           openapi3.Schemas{"@type": openapi3.NewSchemaRef("", openapi3.NewStringSchema())},
			AdditionalProperties: openapi3.AdditionalProperties{Has: boolPtr(true)}}
	case "google.protobuf.BoolValue":
		return wrapper(scalar(protoreflect.BoolKind))
	case "google.protobuf.Int32Value":
		return wrapper(scalar(protoreflect.Int32Kind))
	case "google.protobuf.UInt32Value":
		return wrapper(scalar(protoreflect.Uint32Kind))
	case "google.protobuf.Int64Value":
		return wrapper(scalar(protoreflect.Int64Kind))
	case "google.protobuf.UInt64Value":
		return wrapper(scalar(protoreflect.Uint64Kind))
	case "google.protobuf.FloatValue":
		return wrapper(withNonFinite(scalar(protoreflect.FloatKind), nonFinite))
	case "google.protobuf.DoubleValue":
		return wrapper(withNonFinite(scalar(protoreflect.DoubleKind), nonFinite))
	case "google.protobuf.StringValue":
		return wrapper(scalar(protoreflect.StringKind))
	case "google.protobuf.BytesValue":
		return wrapper(scalar(protoreflect.BytesKind))
	}
	return nil
}

func boolPtr(v bool) *bool { return &v }

// statusSchema is google.rpc.Status as the REST transcoder writes errors.
func statusSchema() *openapi3.SchemaRef {
	return openapi3.NewSchemaRef("", &openapi3.Schema{
		Type:        &openapi3.Types{"object"},
		Description: "An error (google.rpc.Status): the gRPC code, a message, and details such as google.rpc.BadRequest's field violations.",
		Properties: openapi3.Schemas{
			"code":    openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"integer"}, Format: "int32", Description: "The google.rpc.Code, e.g. 3 for INVALID_ARGUMENT."}),
			"message": openapi3.NewSchemaRef("", openapi3.NewStringSchema()),
			"details": openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"array"}, Items: openapi3.NewSchemaRef("", wellKnown("google.protobuf.Any"))}),
		},
	})
}

// fieldBehaviors are the google.api.field_behavior values of f.
func fieldBehaviors(f *protogen.Field) map[annotations.FieldBehavior]bool {
	out := map[annotations.FieldBehavior]bool{}
	if bs, ok := proto.GetExtension(f.Desc.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior); ok {
		for _, b := range bs {
			out[b] = true
		}
	}
	return out
}

func fieldOf(m *protogen.Message, fd protoreflect.FieldDescriptor) *protogen.Field {
	for _, f := range m.Fields {
		if f.Desc == fd {
			return f
		}
	}
	return nil
}

// comment is a proto comment as a description: trimmed, buf's lint
// directives left out.
func comment(c protogen.Comments) string {
	return strings.TrimSpace(string(model.GoComment(c)))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(line, ".")
}
