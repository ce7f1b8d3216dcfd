package goldenrun

import (
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// diff lists the fields in which got differs from want, one per line
// ("title: want "a", got "b""), or "" when they are equal.
func diff(want, got proto.Message) string {
	if proto.Equal(want, got) {
		return ""
	}
	if want == nil || got == nil || !want.ProtoReflect().IsValid() || !got.ProtoReflect().IsValid() {
		return fmt.Sprintf("want %s, got %s", text(want), text(got))
	}
	w, g := want.ProtoReflect(), got.ProtoReflect()
	fields := w.Descriptor().Fields()
	var out []string
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if !w.Has(fd) && !g.Has(fd) {
			continue
		}
		if w.Has(fd) != g.Has(fd) || !w.Get(fd).Equal(g.Get(fd)) {
			out = append(out, fmt.Sprintf("%s: want %s, got %s", fd.Name(), fieldText(w, fd), fieldText(g, fd)))
		}
	}
	if len(out) == 0 {
		out = append(out, fmt.Sprintf("unknown fields differ: want %s, got %s", text(want), text(got)))
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

// fieldText formats one field of m, "(unset)" when it is not set.
func fieldText(m protoreflect.Message, fd protoreflect.FieldDescriptor) string {
	if !m.Has(fd) {
		return "(unset)"
	}
	only := m.New()
	only.Set(fd, m.Get(fd))
	s := strings.TrimSpace(prototext.MarshalOptions{}.Format(only.Interface()))
	return strings.TrimPrefix(s, string(fd.Name())+":")
}

// text is a one-line rendering of m.
func text(m proto.Message) string {
	if m == nil || !m.ProtoReflect().IsValid() {
		return "<nil>"
	}
	s := prototext.MarshalOptions{}.Format(m)
	if s == "" {
		return "{}"
	}
	return "{" + strings.TrimSpace(s) + "}"
}

func sortedStrings(s []string) []string {
	sort.Strings(s)
	return s
}
