package crudrt

import (
	"slices"
	"strconv"
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

// jsonColumns are the values filters compare inside the message md
// that column name stores as JSON (AIP-160's traversal, ebook.format),
// and whether its messages are set (ebook.links:*): its strings,
// integers up to 64 bits, bools and enums (by name), at any depth up to
// maxJSONDepth, through singular messages other than protobuf's own,
// level by level, the first maxJSONColumns of them (so that a message
// holding itself does not crowd out its own fields). Lists, maps,
// floats, bytes, unsigned 64-bit integers, times and durations are left
// out, and so are INPUT_ONLY fields, which no request may tell about,
// fields whose JSON name a path cannot spell bare, and string fields
// whose default a filter could not spell.
func jsonColumns(path, name string, md protoreflect.MessageDescriptor) []query.Column {
	type level struct {
		path string
		keys []string
		md   protoreflect.MessageDescriptor
	}
	var out []query.Column
	queue := []level{{path, nil, md}}
	for len(queue) > 0 && len(out) < maxJSONColumns {
		l := queue[0]
		queue = queue[1:]
		fields := l.md.Fields()
		for i := 0; i < fields.Len() && len(out) < maxJSONColumns; i++ {
			fd := fields.Get(i)
			if fd.IsList() || fd.IsMap() || !bareKey(fd.JSONName()) || slices.Contains(fieldBehaviors(fd), annotations.FieldBehavior_INPUT_ONLY) {
				continue
			}
			c := query.Column{Path: l.path + "." + string(fd.Name()), Name: name, JSON: append(l.keys[:len(l.keys):len(l.keys)], fd.JSONName())}
			switch fd.Kind() {
			case protoreflect.StringKind:
				c.Kind, c.Zero = query.KindString, fd.Default().String()
				if !query.Spellable(c.Zero) {
					continue
				}
				if f := formatOf(fd); f != annotations.FieldInfo_FORMAT_UNSPECIFIED {
					// Stored in its canonical form, and compared in it.
					c.Canonical = func(v string) string { return canonicalValue(v, f) }
				}
			case protoreflect.BoolKind:
				c.Kind, c.Zero = query.KindBool, strconv.FormatBool(fd.Default().Bool())
			case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind, protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
				c.Kind, c.Zero = query.KindInt, strconv.FormatInt(fd.Default().Int(), 10)
			case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
				c.Kind, c.Zero = query.KindInt, strconv.FormatUint(fd.Default().Uint(), 10)
			case protoreflect.EnumKind:
				c.Kind, c.Enum = query.KindEnumName, fd.Enum()
				// By the name protojson writes for the default's number
				// (the first; a closed enum's default is its first value).
				if v := fd.Enum().Values().ByNumber(fd.Default().Enum()); v != nil {
					c.Zero = string(v.Name())
				} else if v := fd.DefaultEnumValue(); v != nil {
					c.Zero = string(v.Name())
				}
			case protoreflect.MessageKind, protoreflect.GroupKind:
				// GroupKind: a proto2 group, or a message field of an
				// edition with DELIMITED encoding; JSON holds both as objects.
				if strings.HasPrefix(string(fd.Message().FullName()), "google.protobuf.") {
					continue
				}
				// Set or not (spec.size:*), and its fields a level down.
				c.Kind, c.Presence = query.KindString, true
				if len(c.JSON) < maxJSONDepth {
					queue = append(queue, level{c.Path, c.JSON, fd.Message()})
				}
			default:
				continue
			}
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
