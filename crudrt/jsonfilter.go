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
// maxJSONDepth, through singular messages other than protobuf's own and
// through lists and maps (see listColumns), level by level, the first
// maxJSONColumns of them (so that a message holding itself does not
// crowd out its own fields). Floats, bytes, times and durations are left
// out, and so are INPUT_ONLY fields, which no request may tell about,
// fields whose JSON name a path cannot spell bare, and string fields
// whose default a filter could not spell.
func jsonColumns(path, name string, md protoreflect.MessageDescriptor) []query.Column {
	return jsonLevels(name, nil, []jsonLevel{{path: path, md: md}})
}

// listColumns are the values filters compare in the list or map fd that
// column name stores as JSON: its elements or values (r:42, m.key = 5),
// and those of its messages' fields as jsonColumns has them
// (r.size:42, m.key.size = 5), a list's or map's of messages being
// whether it is empty or holds a key (r:*, m:"key").
func listColumns(path, name string, fd protoreflect.FieldDescriptor) []query.Column {
	var out []query.Column
	var queue []jsonLevel
	if c, next, ok := fieldColumn(path, nil, nil, fd); ok {
		out = append(out, c)
		if next != nil {
			queue = append(queue, *next)
		}
	}
	return jsonLevels(name, out, queue)
}

// jsonLevel is a message inside JSON whose fields filters reach: at path
// (with Entry for the key of a map on the way), through JSON steps keys
// and the keys of maps of kinds mapKeys.
type jsonLevel struct {
	path    string
	keys    []string
	mapKeys []query.Kind
	md      protoreflect.MessageDescriptor
}

// jsonLevels adds to out the columns of the fields of the messages of
// queue and of the messages within them, level by level (jsonColumns),
// all in column name.
func jsonLevels(name string, out []query.Column, queue []jsonLevel) []query.Column {
	for len(queue) > 0 && len(out) < maxJSONColumns {
		l := queue[0]
		queue = queue[1:]
		fields := l.md.Fields()
		for i := 0; i < fields.Len() && len(out) < maxJSONColumns; i++ {
			fd := fields.Get(i)
			if !bareKey(fd.JSONName()) || slices.Contains(fieldBehaviors(fd), annotations.FieldBehavior_INPUT_ONLY) {
				continue
			}
			c, next, ok := fieldColumn(l.path+"."+string(fd.Name()), append(l.keys[:len(l.keys):len(l.keys)], fd.JSONName()), l.mapKeys, fd)
			if !ok {
				continue
			}
			if next != nil && fieldLevels(next.keys) < maxJSONDepth {
				queue = append(queue, *next)
			}
			out = append(out, c)
		}
	}
	for i := range out {
		out[i].Name = name
	}
	return out
}

// fieldLevels counts the fields on JSON steps keys.
func fieldLevels(keys []string) int {
	n := 0
	for _, k := range keys {
		if k != query.Each && k != query.Entry {
			n++
		}
	}
	return n
}

// fieldColumn is the column of field fd at path and JSON steps keys
// (within maps of key kinds mapKeys), and the message whose fields
// filters reach next, if any: a list's elements are read at a further
// Each, a map's values at a further Entry. ok is false for a field
// filters do not compare.
func fieldColumn(path string, keys []string, mapKeys []query.Kind, fd protoreflect.FieldDescriptor) (c query.Column, next *jsonLevel, ok bool) {
	value := fd
	switch {
	case fd.IsMap():
		kind, ok := mapKeyKind(fd.MapKey())
		if !ok {
			return c, nil, false
		}
		keys = append(keys[:len(keys):len(keys)], query.Entry)
		mapKeys = append(mapKeys[:len(mapKeys):len(mapKeys)], kind)
		value = fd.MapValue()
	case fd.IsList():
		keys = append(keys[:len(keys):len(keys)], query.Each)
	}
	c = query.Column{Path: path, JSON: keys, MapKeys: mapKeys}
	single := !fd.IsList() && !fd.IsMap()
	switch value.Kind() {
	case protoreflect.StringKind:
		c.Kind = query.KindString
		if single {
			c.Zero = fd.Default().String()
		}
		if !query.Spellable(c.Zero) {
			return c, nil, false
		}
		if f := formatOf(value); f != annotations.FieldInfo_FORMAT_UNSPECIFIED {
			// Stored in its canonical form, and compared in it.
			c.Canonical = func(v string) string { return canonicalValue(v, f) }
		}
	case protoreflect.BoolKind:
		c.Kind = query.KindBool
		if single {
			c.Zero = strconv.FormatBool(fd.Default().Bool())
		}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind, protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		c.Kind = query.KindInt
		if single {
			c.Zero = strconv.FormatInt(fd.Default().Int(), 10)
		}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		c.Kind = query.KindInt
		if single {
			c.Zero = strconv.FormatUint(fd.Default().Uint(), 10)
		}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		c.Kind = query.KindUint64
		if single {
			c.Zero = strconv.FormatUint(fd.Default().Uint(), 10)
		}
	case protoreflect.EnumKind:
		if value.Enum().FullName() == "google.protobuf.NullValue" {
			return c, nil, false // protojson writes null
		}
		c.Kind, c.Enum = query.KindEnumName, value.Enum()
		// By the name protojson writes for the default's number
		// (the first; a closed enum's default is its first value). An
		// element or a map's value is never left out.
		if !single {
			break
		}
		if v := fd.Enum().Values().ByNumber(fd.Default().Enum()); v != nil {
			c.Zero = string(v.Name())
		} else if v := fd.DefaultEnumValue(); v != nil {
			c.Zero = string(v.Name())
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		// GroupKind: a proto2 group, or a message field of an
		// edition with DELIMITED encoding; JSON holds both as objects.
		if strings.HasPrefix(string(value.Message().FullName()), "google.protobuf.") {
			return c, nil, false
		}
		// Set or not (spec.size:*), and its fields a level down; a map's
		// under its key (m.{}.size, which a filter writes m.key.size).
		c.Kind, c.Presence = query.KindString, true
		at := path
		if fd.IsMap() {
			at += "." + query.Entry
		}
		return c, &jsonLevel{path: at, keys: keys, mapKeys: mapKeys, md: value.Message()}, true
	default:
		return c, nil, false
	}
	return c, nil, true
}

// mapKeyKind is the kind of a map's keys a filter names.
func mapKeyKind(fd protoreflect.FieldDescriptor) (query.Kind, bool) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return query.KindString, true
	case protoreflect.BoolKind:
		return query.KindBool, true
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return query.KindUint64, true
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind, protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return query.KindInt, true
	}
	return 0, false
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
