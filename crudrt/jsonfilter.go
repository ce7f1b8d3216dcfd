package crudrt

import (
	"slices"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/protoforge/protoforge/crudrt/query"
)

// maxJSONDepth bounds how deep filters reach into messages stored as
// JSON (ebook.publisher.country is depth 2), and maxJSONColumns how many
// values of one such message they know: messages that hold themselves
// several times would otherwise multiply them.
const (
	maxJSONDepth   = 4
	maxJSONColumns = 256
)

// jsonColumns are the values filters compare inside the message field
// fd that column name stores as JSON (AIP-160's traversal, ebook.format):
// its strings, integers up to 64 bits, bools and enums (by name), at any
// depth up to maxJSONDepth (the first maxJSONColumns of them, in
// declaration order, depth first), through singular messages other than
// protobuf's own. Lists, maps, floats, bytes, unsigned 64-bit integers,
// times and durations are left out, and so are INPUT_ONLY fields, which
// no request may tell about, and fields whose JSON name a path cannot
// spell bare.
func jsonColumns(path, name string, keys []string, md protoreflect.MessageDescriptor) []query.Column {
	if len(keys) >= maxJSONDepth || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return nil // a message that holds itself stops here too
	}
	var out []query.Column
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.IsList() || fd.IsMap() || slices.Contains(fieldBehaviors(fd), annotations.FieldBehavior_INPUT_ONLY) {
			continue
		}
		p := path + "." + string(fd.Name())
		k := append(keys[:len(keys):len(keys)], fd.JSONName())
		c := query.Column{Path: p, Name: name, JSON: k}
		switch fd.Kind() {
		case protoreflect.StringKind:
			c.Kind = query.KindString
		case protoreflect.BoolKind:
			c.Kind = query.KindBool
		case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind, protoreflect.Uint32Kind, protoreflect.Fixed32Kind,
			protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
			c.Kind = query.KindInt
		case protoreflect.EnumKind:
			c.Kind, c.Enum = query.KindEnumName, fd.Enum()
		case protoreflect.MessageKind:
			if strings.HasPrefix(string(fd.Message().FullName()), "google.protobuf.") || !bareKey(fd.JSONName()) {
				continue
			}
			// Set or not (spec.size:*), and its fields.
			out = append(out, query.Column{Path: p, Name: name, JSON: k, Kind: query.KindString, Presence: true})
			out = append(out, jsonColumns(p, name, k, fd.Message())...)
			if len(out) > maxJSONColumns {
				return out[:maxJSONColumns]
			}
			continue
		default:
			continue
		}
		if bareKey(fd.JSONName()) {
			out = append(out, c)
		}
	}
	return out
}

// bareKey reports whether a JSON path can name key k unquoted.
func bareKey(k string) bool {
	for i, r := range k {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return k != ""
}
