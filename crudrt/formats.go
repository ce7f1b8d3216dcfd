package crudrt

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// formatOf is the AIP-202 format of the string values of field fd,
// (google.api.field_info).format: of a string field, of the elements of
// a repeated one, of the values of a map of strings (the option sits on
// the map field); FORMAT_UNSPECIFIED otherwise.
func formatOf(fd protoreflect.FieldDescriptor) annotations.FieldInfo_Format {
	value := fd
	if fd.IsMap() {
		value = fd.MapValue()
	}
	if value.Kind() != protoreflect.StringKind || holdsNames(fd) {
		return annotations.FieldInfo_FORMAT_UNSPECIFIED
	}
	info, _ := proto.GetExtension(fd.Options(), annotations.E_FieldInfo).(*annotations.FieldInfo)
	return info.GetFormat()
}

// holdsNames reports whether fd holds resource names, which no format
// describes (generation warns of one): a resource's name field, or a
// resource_reference.
func holdsNames(fd protoreflect.FieldDescriptor) bool {
	if proto.HasExtension(fd.Options(), annotations.E_ResourceReference) {
		return true
	}
	r, _ := proto.GetExtension(fd.ContainingMessage().Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
	if r == nil {
		return false
	}
	name := r.GetNameField()
	if name == "" {
		name = "name"
	}
	return string(fd.Name()) == name
}

// formatPlan is where a message's values have a format: its string
// fields with one (singular, repeated, or map values) and the message
// fields to look into.
type formatPlan struct {
	fields []formatField
	nested []protoreflect.FieldDescriptor
}

type formatField struct {
	fd     protoreflect.FieldDescriptor
	format annotations.FieldInfo_Format
}

var formatPlans sync.Map // protoreflect.FullName → *formatPlan (nil: none)

// formatPlanOf is md's plan, nil when no value of md, at any depth, has a
// format.
func formatPlanOf(md protoreflect.MessageDescriptor) *formatPlan {
	if p, ok := formatPlans.Load(md.FullName()); ok {
		return p.(*formatPlan)
	}
	p := &formatPlan{}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if f := formatOf(fd); f != annotations.FieldInfo_FORMAT_UNSPECIFIED {
			p.fields = append(p.fields, formatField{fd, f})
		}
		if m := messageOf(fd); m != nil && reachesFormat(m, map[protoreflect.FullName]bool{}) {
			p.nested = append(p.nested, fd)
		}
	}
	if len(p.fields) == 0 && len(p.nested) == 0 {
		p = nil
	}
	formatPlans.Store(md.FullName(), p)
	return p
}

// messageOf is the message field fd holds (a map's values), or nil.
func messageOf(fd protoreflect.FieldDescriptor) protoreflect.MessageDescriptor {
	if fd.IsMap() {
		return fd.MapValue().Message()
	}
	return fd.Message()
}

// reachesFormat reports whether a field of md, or of a message md holds
// at any depth, has a format; seen are the messages looked at already.
func reachesFormat(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) bool {
	if seen[md.FullName()] {
		return false
	}
	seen[md.FullName()] = true
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if formatOf(fd) != annotations.FieldInfo_FORMAT_UNSPECIFIED {
			return true
		}
		if m := messageOf(fd); m != nil && reachesFormat(m, seen) {
			return true
		}
	}
	return false
}

// formatViolations are the values of m, at any depth, that do not have
// their field's AIP-202 format, their paths under prefix. Empty strings
// are left to REQUIRED.
func formatViolations(prefix string, m protoreflect.Message) []FieldViolation {
	var out []FieldViolation
	walkFormats(prefix, m, func(path, v string, f annotations.FieldInfo_Format) string {
		if !hasFormat(v, f) {
			out = append(out, FieldViolation{Field: path, Description: strconv.Quote(v) + " is not " + formatText[f] + " (AIP-202)"})
		}
		return v
	})
	return out
}

// walkFormats calls visit with each value of m, at any depth, whose field
// has an AIP-202 format (list elements and map values included) and its
// path under prefix; a value that visit returns changed is written in its
// place. A field without presence holding "" is not set (REQUIRED says
// whether it must be); elements, map values and a set optional field
// are values, "" too.
func walkFormats(prefix string, m protoreflect.Message, visit func(path, v string, f annotations.FieldInfo_Format) string) {
	p := formatPlanOf(m.Descriptor())
	if p == nil {
		return
	}
	for _, f := range p.fields {
		if !m.Has(f.fd) {
			continue
		}
		path := joinPath(prefix, string(f.fd.Name()))
		switch v := m.Get(f.fd); {
		case f.fd.IsList():
			for i, l := 0, v.List(); i < l.Len(); i++ {
				old := l.Get(i).String()
				if nv := visit(path+"["+strconv.Itoa(i)+"]", old, f.format); nv != old {
					l.Set(i, protoreflect.ValueOfString(nv))
				}
			}
		case f.fd.IsMap():
			mp := v.Map()
			for _, k := range sortedKeys(mp) {
				old := mp.Get(k).String()
				if nv := visit(path+"["+strconv.Quote(k.String())+"]", old, f.format); nv != old {
					mp.Set(k, protoreflect.ValueOfString(nv))
				}
			}
		default:
			old := v.String()
			if nv := visit(path, old, f.format); nv != old {
				m.Set(f.fd, protoreflect.ValueOfString(nv))
			}
		}
	}
	for _, fd := range p.nested {
		if !m.Has(fd) {
			continue
		}
		path := joinPath(prefix, string(fd.Name()))
		switch v := m.Get(fd); {
		case fd.IsList():
			for i, l := 0, v.List(); i < l.Len(); i++ {
				walkFormats(path+"["+strconv.Itoa(i)+"]", l.Get(i).Message(), visit)
			}
		case fd.IsMap():
			for _, k := range sortedKeys(v.Map()) {
				walkFormats(path+"["+strconv.Quote(k.String())+"]", v.Map().Get(k).Message(), visit)
			}
		default:
			walkFormats(path, v.Message(), visit)
		}
	}
}

// canonicalValue is v in the form AIP-202 lets a service normalize a value of
// format f to, when v has that format: a UUID in lowercase, an IPv4
// address without leading zeros, an IPv6 address as RFC 5952 writes it
// (lowercase, zeros compressed); v itself otherwise. Values are stored in
// this form, and keys and filters compare in it, so that two spellings of
// one value are one value (AIP-202: not a comparison of text).
func canonicalValue(v string, f annotations.FieldInfo_Format) string {
	switch f {
	case annotations.FieldInfo_UUID4:
		if isUUID4(v) {
			return strings.ToLower(v)
		}
	case annotations.FieldInfo_IPV4:
		if isIPv4(v) {
			return canonicalIPv4(v)
		}
	case annotations.FieldInfo_IPV6:
		if isIPv6(v) {
			return netip.MustParseAddr(v).String()
		}
	case annotations.FieldInfo_IPV4_OR_IPV6:
		switch {
		case isIPv4(v):
			return canonicalIPv4(v)
		case isIPv6(v):
			return netip.MustParseAddr(v).String()
		}
	}
	return v
}

// format is the AIP-202 format of the column's values: its field's, or
// that of the key it holds (KeyFormat).
func (c *column) format() annotations.FieldInfo_Format {
	if c.fd == nil {
		return annotations.FieldInfo_FORMAT_UNSPECIFIED
	}
	if f := formatOf(c.fd); f != annotations.FieldInfo_FORMAT_UNSPECIFIED {
		return f
	}
	return annotations.FieldInfo_Format(annotations.FieldInfo_Format_value[c.KeyFormat])
}

// keyFormat is the AIP-202 format of the resource's key, when it is no
// resource name.
func (s *Service) keyFormat() annotations.FieldInfo_Format {
	if s.key == nil || s.key.fd == nil || s.key.NamePattern != "" {
		return annotations.FieldInfo_FORMAT_UNSPECIFIED
	}
	return formatOf(s.key.fd)
}

// canonicalIPv4 is an IPv4 address (isIPv4) without leading zeros.
func canonicalIPv4(v string) string {
	parts := strings.Split(v, ".")
	for i, p := range parts {
		n, _ := strconv.Atoi(p)
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ".")
}

// canonicalizeFormats writes the values of m that have their field's
// format, at any depth, in their canonical form (see canonicalValue).
func canonicalizeFormats(m protoreflect.Message) {
	walkFormats("", m, func(_, v string, f annotations.FieldInfo_Format) string { return canonicalValue(v, f) })
}

// sortedKeys are m's keys in order, so that violations are listed the
// same way every time.
func sortedKeys(m protoreflect.Map) []protoreflect.MapKey {
	keys := make([]protoreflect.MapKey, 0, m.Len())
	m.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	return keys
}

var formatText = map[annotations.FieldInfo_Format]string{
	annotations.FieldInfo_UUID4:        "a UUID version 4 (RFC 4122)",
	annotations.FieldInfo_IPV4:         "an IPv4 address (RFC 791)",
	annotations.FieldInfo_IPV6:         "an IPv6 address (RFC 2460)",
	annotations.FieldInfo_IPV4_OR_IPV6: "an IPv4 or IPv6 address",
}

// hasFormat reports whether v has format f, in the forms AIP-202 allows:
// a UUID in either case; an IPv4 address with or without leading zeros;
// an IPv6 address in any RFC 4291 form, without a zone. A format this
// runtime does not know holds any value.
func hasFormat(v string, f annotations.FieldInfo_Format) bool {
	switch f {
	case annotations.FieldInfo_UUID4:
		return isUUID4(v)
	case annotations.FieldInfo_IPV4:
		return isIPv4(v)
	case annotations.FieldInfo_IPV6:
		return isIPv6(v)
	case annotations.FieldInfo_IPV4_OR_IPV6:
		return isIPv4(v) || isIPv6(v)
	}
	return true
}

// isUUID4 reports whether v is the 8-4-4-4-12 hex form of a version 4
// UUID of the RFC 4122 variant.
func isUUID4(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := v[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return v[14] == '4' && strings.IndexByte("89abAB", v[19]) >= 0
}

// isIPv4 reports whether v is four dotted decimal octets, each of one to
// three digits (leading zeros allowed: AIP-202 lets a server strip them).
func isIPv4(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if len(p) == 0 || len(p) > 3 {
			return false
		}
		n := 0
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
			n = n*10 + int(p[i]-'0')
		}
		if n > 255 {
			return false
		}
	}
	return true
}

// isIPv6 reports whether v is an IPv6 address without a zone.
func isIPv6(v string) bool {
	if !strings.Contains(v, ":") {
		return false
	}
	a, err := netip.ParseAddr(v)
	return err == nil && a.Is6() && a.Zone() == ""
}
