package model

import (
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"

	protoforgev1 "github.com/protoforge/protoforge/options/protoforge/v1"
)

// LRO is how a standard method that returns a long-running operation
// (AIP-151) answers: the operation, done when it is returned, whose
// response is what the method returns otherwise.
type LRO struct {
	// Method is the method as declared, returning Operation; the Method
	// it belongs to is read as if it returned Response.
	Method *protogen.Method
	// Operation is google.longrunning.Operation.
	Operation *protogen.Message
	// Response and Metadata are the types its
	// (google.longrunning.operation_info) names.
	Response, Metadata *protogen.Message
}

// operationName is the message of long-running operations, and
// operationInfo the number of the method option that names their types.
const (
	operationName = "google.longrunning.Operation"
	operationInfo = 1049
)

// Returns is the message the method's Go method returns: the operation
// of a long-running method, its Output otherwise.
func (m *Method) Returns() *protogen.Message {
	if m.LRO != nil {
		return m.LRO.Operation
	}
	return m.Output
}

// Declared is the method as the proto declares it: for a long-running
// method, the one returning the operation.
func (m *Method) Declared() *protogen.Method {
	if m.LRO != nil {
		return m.LRO.Method
	}
	return m.Method
}

// longRunning reads method m of file f that returns a long-running
// operation as the method that returns the operation's response, which
// (google.longrunning.operation_info) names with the operation's
// metadata. It is m itself with a nil LRO for other methods, and nil when
// the option is missing or names unknown types, which it reports.
func (b *builder) longRunning(f *protogen.File, m *protogen.Method) (*protogen.Method, *LRO) {
	if m.Output.Desc.FullName() != operationName {
		return m, nil
	}
	// With protoforge's own method option a problem is an error, as the
	// option promises a standard method; otherwise the method is left to
	// the user, with a warning.
	mopts, _ := proto.GetExtension(m.Desc.Options(), protoforgev1.E_Method).(*protoforgev1.MethodOptions)
	if mopts.GetOperation() == protoforgev1.Operation_OPERATION_NONE && mopts != nil {
		return nil, nil
	}
	explicit := mopts.GetOperation() != protoforgev1.Operation_OPERATION_UNSPECIFIED
	problem := func(format string, args ...any) {
		if explicit {
			b.errorf(f, m.Desc, format, args...)
			return
		}
		b.warnf(f, m.Desc, format+"; not generated, it answers Unimplemented until you implement it", args...)
		b.warned[m] = true
	}
	resp, meta, ok := readOperationInfo(m.Desc.Options())
	if !ok || resp == "" || meta == "" {
		problem("returns %s without (google.longrunning.operation_info) naming its response_type and metadata_type (AIP-151)", operationName)
		return nil, nil
	}
	lro := &LRO{Method: m, Operation: m.Output}
	for _, t := range []struct {
		name, option string
		msg          **protogen.Message
	}{{resp, "response_type", &lro.Response}, {meta, "metadata_type", &lro.Metadata}} {
		if *t.msg = b.messageNamed(m.Desc.ParentFile().Package(), t.name); *t.msg == nil {
			problem("(google.longrunning.operation_info).%s %q names no message of this file or its imports (AIP-151: a fully qualified name outside the package)", t.option, t.name)
			return nil, nil
		}
	}
	read := *m
	read.Output = lro.Response
	if b.lroRead == nil {
		b.lroRead = map[*protogen.Method]bool{}
	}
	b.lroRead[&read] = true
	return &read, lro
}

// messageNamed finds the message name names from package pkg: a name
// qualified with its package, or one of pkg's.
func (b *builder) messageNamed(pkg protoreflect.FullName, name string) *protogen.Message {
	name = strings.TrimPrefix(name, ".")
	if msg := b.messages[protoreflect.FullName(name)]; msg != nil {
		return msg
	}
	if pkg != "" {
		if msg := b.messages[pkg.Append(protoreflect.Name(name))]; msg != nil {
			return msg
		}
	}
	if name == emptyName {
		// Deletes answer Empty; protos name it without importing it.
		return &protogen.Message{
			Desc:    (&emptypb.Empty{}).ProtoReflect().Descriptor(),
			GoIdent: protogen.GoIdent{GoName: "Empty", GoImportPath: "google.golang.org/protobuf/types/known/emptypb"},
		}
	}
	return nil
}

// emptyName is google.protobuf.Empty, the response of deletes.
const emptyName = "google.protobuf.Empty"

// indexMessages records every message of the request's files, nested
// ones too, by full name.
func (b *builder) indexMessages(gen *protogen.Plugin) {
	b.messages = map[protoreflect.FullName]*protogen.Message{}
	var walk func([]*protogen.Message)
	walk = func(ms []*protogen.Message) {
		for _, m := range ms {
			b.messages[m.Desc.FullName()] = m
			walk(m.Messages)
		}
	}
	for _, f := range gen.Files {
		walk(f.Messages)
	}
}

// readOperationInfo reads (google.longrunning.operation_info) from a
// method's options, where it is an unknown field unless the program
// links its Go type: the response_type and metadata_type it names.
func readOperationInfo(opts protoreflect.ProtoMessage) (resp, meta string, ok bool) {
	if opts == nil {
		return "", "", false
	}
	r := opts.ProtoReflect()
	raw := []byte(r.GetUnknown())
	r.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.IsExtension() && fd.Number() == operationInfo && fd.Message() != nil {
			info := v.Message()
			fields := info.Descriptor().Fields()
			resp = info.Get(fields.ByName("response_type")).String()
			meta = info.Get(fields.ByName("metadata_type")).String()
			ok = true
		}
		return true
	})
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return resp, meta, ok
		}
		raw = raw[n:]
		if num == operationInfo && typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(raw)
			if m < 0 {
				return resp, meta, ok
			}
			// Fields of one message given in parts merge: the last wins.
			for len(v) > 0 {
				fnum, ftyp, k := protowire.ConsumeTag(v)
				if k < 0 {
					break
				}
				v = v[k:]
				if ftyp != protowire.BytesType {
					k = protowire.ConsumeFieldValue(fnum, ftyp, v)
					if k < 0 {
						break
					}
					v = v[k:]
					continue
				}
				s, k := protowire.ConsumeBytes(v)
				if k < 0 {
					break
				}
				v = v[k:]
				switch fnum {
				case 1:
					resp = string(s)
				case 2:
					meta = string(s)
				}
			}
			ok = true
			raw = raw[m:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, raw)
		if n < 0 {
			return resp, meta, ok
		}
		raw = raw[n:]
	}
	return resp, meta, ok
}

// formats warns of the AIP-202 formats of f's fields that the server
// does not check, or that no value the server takes can have: on a field
// that is not a string (or a list or map of strings), on a field that
// holds resource names (a resource's name, a resource_reference), and a
// UUID4 on Create's `{resource}_id`, whose AIP-122 syntax refuses a UUID
// that starts with a digit or holds capitals.
func (b *builder) formats(f *protogen.File) {
	// The `{resource}_id` fields of the Creates and BatchCreates served.
	ids := map[protoreflect.FieldDescriptor]bool{}
	for _, svc := range b.s.Services {
		for _, m := range svc.Methods {
			if m.ResourceID != nil {
				ids[m.ResourceID.Desc] = true
			}
		}
	}
	var walk func([]*protogen.Message)
	walk = func(ms []*protogen.Message) {
		for _, m := range ms {
			for _, fd := range m.Fields {
				info, _ := proto.GetExtension(fd.Desc.Options(), annotations.E_FieldInfo).(*annotations.FieldInfo)
				format := info.GetFormat()
				if format == annotations.FieldInfo_FORMAT_UNSPECIFIED {
					continue
				}
				value := fd.Desc
				if fd.Desc.IsMap() {
					value = fd.Desc.MapValue()
				}
				r, _ := proto.GetExtension(m.Desc.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
				nameField := r.GetNameField()
				if nameField == "" {
					nameField = "name"
				}
				switch {
				case value.Kind() != protoreflect.StringKind:
					b.warnf(f, fd.Desc, "(google.api.field_info).format %v describes strings; on a %s field it is not checked", format, value.Kind())
				case proto.HasExtension(fd.Desc.Options(), annotations.E_ResourceReference) || r != nil && string(fd.Desc.Name()) == nameField:
					b.warnf(f, fd.Desc, "(google.api.field_info).format %v on a field that holds resource names, which it never describes (AIP-202 formats describe values such as ids): not checked", format)
				case format == annotations.FieldInfo_UUID4 && ids[fd.Desc]:
					b.warnf(f, fd.Desc, "(google.api.field_info).format UUID4 on a resource id: AIP-122 ids are lowercase letters, digits and hyphens starting with a letter, so a UUID that starts with a digit or holds capitals is refused as an id")
				}
			}
			walk(m.Messages)
		}
	}
	walk(f.Messages)
}
