package ormrt

import (
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// EnumToName returns the name of enum value v of d, for enums stored by
// name. A number d does not declare is returned as its decimal digits, so
// it survives a round trip.
func EnumToName(v protoreflect.EnumNumber, d protoreflect.EnumDescriptor) string {
	if ev := d.Values().ByNumber(v); ev != nil {
		return string(ev.Name())
	}
	return strconv.FormatInt(int64(v), 10)
}

// EnumFromName is the inverse of EnumToName: s is a value name of d, or a
// decimal int32 for a number d does not declare. Anything else gives an
// error naming field and the allowed names.
func EnumFromName(s string, d protoreflect.EnumDescriptor, field string) (protoreflect.EnumNumber, error) {
	if ev := d.Values().ByName(protoreflect.Name(s)); ev != nil {
		return ev.Number(), nil
	}
	if n, err := strconv.ParseInt(s, 10, 32); err == nil {
		return protoreflect.EnumNumber(n), nil
	}
	const maxNames = 20
	vals := d.Values()
	names := make([]string, 0, min(vals.Len(), maxNames+1))
	for i := 0; i < vals.Len() && i < maxNames; i++ {
		names = append(names, string(vals.Get(i).Name()))
	}
	if vals.Len() > maxNames {
		names = append(names, "...")
	}
	return 0, fieldErrorf(field, "%q is not a value of enum %s; want one of %s, or a decimal int32 for a value the enum does not declare",
		truncate(s), d.FullName(), strings.Join(names, ", "))
}

// truncate shortens s for an error message.
func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
