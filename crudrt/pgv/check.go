package pgv

import (
	"fmt"
	"sort"
	"strconv"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Violation is one broken rule.
type Violation struct {
	// Field is the path of the offending value from the checked message:
	// `title`, `address.city`, `tags[2]`, `labels["k"]`, `sizes[3].width`;
	// for a required oneof, the oneof's name.
	Field string
	// Description says what is wrong, short and human:
	// `at most 200 characters (got 201)`, `must be a valid email address`.
	// A map key's violations start with `key: `.
	Description string
}

// Check validates m against the PGV rules of its type and of every message
// it holds, and returns every violation (nil if none), fields in
// declaration order, then required oneofs. A message marked
// (validate.disabled) or (validate.ignored) passes, with all it holds.
func Check(m protoreflect.Message) []Violation {
	if m == nil || !m.IsValid() {
		return nil
	}
	var ck checker
	ck.message(m, "")
	return ck.out
}

type checker struct {
	out []Violation
}

func (ck *checker) add(path, desc string) {
	ck.out = append(ck.out, Violation{Field: path, Description: desc})
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func (ck *checker) message(m protoreflect.Message, prefix string) {
	p := planFor(m.Descriptor())
	if p.off {
		return
	}
	for _, fp := range p.fields {
		path := join(prefix, fp.name)
		if len(fp.broken) > 0 {
			// Rules that cannot be enforced fail closed.
			for _, b := range fp.broken {
				ck.add(path, "cannot be validated, its rules are broken: "+b)
			}
			continue
		}
		if fp.onlyIfSet && !m.Has(fp.fd) {
			continue
		}
		switch {
		case fp.list != nil:
			ck.list(fp.list, m.Get(fp.fd).List(), path)
		case fp.mapp != nil:
			ck.mapField(fp.mapp, fp.fd, m.Get(fp.fd).Map(), path)
		default:
			ck.value(fp.value, m.Get(fp.fd), m.Has(fp.fd), path)
		}
	}
	for _, o := range p.oneofs {
		if m.WhichOneof(o.od) == nil {
			ck.add(join(prefix, string(o.od.Name())), o.desc)
		}
	}
}

// value checks one value; present tells whether a message value is set.
func (ck *checker) value(vp *valuePlan, v protoreflect.Value, present bool, path string) {
	if !vp.isMsg {
		ck.scalar(vp, v, path)
		return
	}
	if !present {
		if vp.required {
			ck.add(path, "is required")
		}
		return
	}
	msg := v.Message()
	if vp.wrapper {
		ck.scalar(vp, msg.Get(msg.Descriptor().Fields().ByNumber(1)), path)
		return
	}
	if vp.valid != nil {
		if d := vp.valid(msg); d != "" {
			ck.add(path, d)
			return
		}
	}
	for _, ch := range vp.checks {
		if d := ch(v); d != "" {
			ck.add(path, d)
		}
	}
	if vp.recurse {
		ck.message(msg, path)
	}
}

func (ck *checker) scalar(vp *valuePlan, v protoreflect.Value, path string) {
	if vp.ignoreEmpty && vp.zero != nil && vp.zero(v) {
		return
	}
	for _, ch := range vp.checks {
		if d := ch(v); d != "" {
			ck.add(path, d)
		}
	}
}

// count reports a count outside [lo, hi] (each nil when absent) in
// unit ("item", "entry").
func (ck *checker) count(path string, n int, lo, hi *uint64, unit string) {
	got := uint64(n)
	switch {
	case lo != nil && hi != nil && *lo == *hi:
		if got != *lo {
			ck.add(path, fmt.Sprintf("exactly %s (got %d)", plural(*lo, unit), got))
		}
		return
	case lo != nil && got < *lo:
		ck.add(path, fmt.Sprintf("at least %s (got %d)", plural(*lo, unit), got))
	}
	if hi != nil && got > *hi {
		ck.add(path, fmt.Sprintf("at most %s (got %d)", plural(*hi, unit), got))
	}
}

func (ck *checker) list(lp *listPlan, l protoreflect.List, path string) {
	n := l.Len()
	if lp.ignoreEmpty && n == 0 {
		return
	}
	ck.count(path, n, lp.minItems, lp.maxItems, "item")
	var seen map[any]int
	if lp.unique {
		seen = make(map[any]int, n)
	}
	items := !lp.items.empty()
	for i := 0; i < n; i++ {
		v := l.Get(i)
		if lp.unique {
			k := v.Interface()
			if b, ok := k.([]byte); ok {
				k = string(b)
			}
			if first, dup := seen[k]; dup {
				ck.add(fmt.Sprintf("%s[%d]", path, i), fmt.Sprintf("must be unique: repeats item %d", first))
			} else {
				seen[k] = i
			}
		}
		if items {
			ck.value(lp.items, v, !lp.items.isMsg || v.Message().IsValid(), fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

func (ck *checker) mapField(mp *mapPlan, fd protoreflect.FieldDescriptor, m protoreflect.Map, path string) {
	n := m.Len()
	if mp.ignoreEmpty && n == 0 {
		return
	}
	ck.count(path, n, mp.minPairs, mp.maxPairs, "entry")
	sparse := mp.noSparse && mp.values.isMsg
	if !sparse && mp.keys.empty() && mp.values.empty() {
		return
	}
	// In key order, so that violations come in a stable order.
	keys := make([]protoreflect.MapKey, 0, n)
	m.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	kind := fd.MapKey().Kind()
	sort.Slice(keys, func(i, j int) bool { return keyLess(kind, keys[i], keys[j]) })
	for _, k := range keys {
		kp := path + "[" + keyString(kind, k) + "]"
		v := m.Get(k)
		present := !mp.values.isMsg || v.Message().IsValid()
		if sparse && !present {
			ck.add(kp, "must not be null")
		}
		if !mp.keys.empty() && !(mp.keys.ignoreEmpty && mp.keys.zero(k.Value())) {
			for _, ch := range mp.keys.checks {
				if d := ch(k.Value()); d != "" {
					ck.add(kp, "key: "+d)
				}
			}
		}
		if !mp.values.empty() {
			ck.value(mp.values, v, present, kp)
		}
	}
}

func keyLess(kind protoreflect.Kind, a, b protoreflect.MapKey) bool {
	switch kind {
	case protoreflect.StringKind:
		return a.String() < b.String()
	case protoreflect.BoolKind:
		return !a.Bool() && b.Bool()
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind:
		return a.Uint() < b.Uint()
	}
	return a.Int() < b.Int()
}

func keyString(kind protoreflect.Kind, k protoreflect.MapKey) string {
	if kind == protoreflect.StringKind {
		return strconv.Quote(k.String())
	}
	return k.String()
}
