package model

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
)

var decimalRE = regexp.MustCompile(`^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$`)

// Default is a parsed default option: Kind is "number", "uint64",
// "string" or "bool", V its canonical spelling.
type Default struct{ Kind, V string }

// ParseDefault checks the default option of f against its type.
func ParseDefault(f *Field) (*Default, error) {
	raw := f.Default
	bad := func(want string) error {
		return fmt.Errorf("%s: field %s: (protoforge.v1.field).default %q is not %s", Position(f.Model.File, f.Desc), f.Desc.FullName(), raw, want)
	}
	if f.PrimaryKey || f.Storage != StorageColumn {
		return nil, bad("allowed: keys and fields without a column take no default")
	}
	switch f.Type {
	case TypeBool:
		if raw != "true" && raw != "false" {
			return nil, bad("a bool (true or false)")
		}
		return &Default{Kind: "bool", V: raw}, nil
	case TypeInt32, TypeInt64, TypeDuration, TypeDurationNanos, TypeTimestampNanos:
		bits := 64
		if f.Type == TypeInt32 {
			bits = 32
		}
		n, err := strconv.ParseInt(raw, 10, bits)
		if err != nil {
			return nil, bad(fmt.Sprintf("an int%d", bits))
		}
		return &Default{Kind: "number", V: strconv.FormatInt(n, 10)}, nil
	case TypeUint32, TypeUint64:
		bits := 64
		if f.Type == TypeUint32 {
			bits = 32
		}
		n, err := strconv.ParseUint(raw, 10, bits)
		if err != nil {
			return nil, bad(fmt.Sprintf("a uint%d", bits))
		}
		raw = strconv.FormatUint(n, 10)
		if f.Type == TypeUint64 {
			return &Default{Kind: "uint64", V: raw}, nil
		}
		return &Default{Kind: "number", V: raw}, nil
	case TypeFloat32, TypeFloat64:
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || !decimalRE.MatchString(raw) {
			return nil, bad("a finite decimal number such as 1.5")
		}
		return &Default{Kind: "number", V: strconv.FormatFloat(v, 'g', -1, 64)}, nil
	case TypeString:
		s, err := strconv.Unquote(raw)
		if err != nil {
			return nil, bad(`a quoted string such as "draft"`)
		}
		return &Default{Kind: "string", V: s}, nil
	case TypeEnumNumber, TypeEnumName:
		for _, v := range f.Enum.Values {
			if string(v.Desc.Name()) == raw {
				if f.Type == TypeEnumName {
					return &Default{Kind: "string", V: raw}, nil
				}
				return &Default{Kind: "number", V: strconv.Itoa(int(v.Desc.Number()))}, nil
			}
		}
		return nil, bad("a value of " + string(f.Enum.Desc.FullName()))
	}
	return nil, bad("allowed: defaults apply to scalar and enum columns")
}
