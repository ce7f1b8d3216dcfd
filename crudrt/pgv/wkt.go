package pgv

import (
	"fmt"
	"math"
	"strings"
	"time"

	pgvpb "github.com/envoyproxy/protoc-gen-validate/validate"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// instant is a Timestamp or Duration as seconds and nanoseconds, read by
// reflection so that dynamic messages work too.
type instant struct {
	s int64
	n int64
}

func instantOf(m protoreflect.Message) instant {
	f := m.Descriptor().Fields()
	return instant{s: m.Get(f.ByNumber(1)).Int(), n: m.Get(f.ByNumber(2)).Int()}
}

func tsInstant(t *timestamppb.Timestamp) instant { return instant{t.GetSeconds(), int64(t.GetNanos())} }
func durInstant(d *durationpb.Duration) instant  { return instant{d.GetSeconds(), int64(d.GetNanos())} }

// norm carries nanoseconds into seconds so that instants compare
// lexicographically, whatever their signs.
func (a instant) norm() instant {
	a.s += a.n / 1e9
	a.n %= 1e9
	if a.n < 0 {
		a.n += 1e9
		a.s--
	}
	return a
}

func (a instant) cmp(b instant) int {
	a, b = a.norm(), b.norm()
	switch {
	case a.s < b.s:
		return -1
	case a.s > b.s:
		return 1
	case a.n < b.n:
		return -1
	case a.n > b.n:
		return 1
	}
	return 0
}

func (a instant) add(b instant) instant { return instant{a.s + b.s, a.n + b.n}.norm() }
func (a instant) neg() instant          { return instant{-a.s, -a.n} }

func (a instant) timeString() string {
	a = a.norm()
	return time.Unix(a.s, a.n).UTC().Format(time.RFC3339Nano)
}

func (a instant) durString() string {
	const limit = math.MaxInt64/int64(time.Second) - 1
	if a = a.norm(); a.s > -limit && a.s < limit {
		return time.Duration(a.s*int64(time.Second) + a.n).String()
	}
	return fmt.Sprintf("%ds", a.s)
}

// validTimestamp and validDuration are PGV's CheckValid, run before the
// range rules.
func validTimestamp(m protoreflect.Message) string {
	t := instantOf(m)
	if err := (&timestamppb.Timestamp{Seconds: t.s, Nanos: int32(t.n)}).CheckValid(); err != nil {
		return "is not a valid timestamp"
	}
	return ""
}

func validDuration(m protoreflect.Message) string {
	d := instantOf(m)
	if err := (&durationpb.Duration{Seconds: d.s, Nanos: int32(d.n)}).CheckValid(); err != nil {
		return "is not a valid duration"
	}
	return ""
}

// instantRange compiles const/lt/lte/gt/gte of a Timestamp or Duration as
// PGV's timestampcmp and durationcmp templates do (see rangeChecks).
func instantRange(str func(instant) string, cnst, lt, lte, gt, gte *instant) []check {
	var out []check
	add := func(bad func(instant) bool, desc string) {
		out = append(out, func(v protoreflect.Value) string {
			if x := instantOf(v.Message()); bad(x) {
				return desc + " (got " + str(x) + ")"
			}
			return ""
		})
	}
	if cnst != nil {
		c := *cnst
		add(func(x instant) bool { return x.cmp(c) != 0 }, "must be "+str(c))
	}
	type bound struct {
		v    instant
		incl bool
	}
	var upper, lower *bound
	switch {
	case lt != nil:
		upper = &bound{*lt, false}
	case lte != nil:
		upper = &bound{*lte, true}
	}
	switch {
	case gt != nil:
		lower = &bound{*gt, false}
	case gte != nil:
		lower = &bound{*gte, true}
	}
	above := func(x instant, b bound) bool {
		if b.incl {
			return x.cmp(b.v) > 0
		}
		return x.cmp(b.v) >= 0
	}
	below := func(x instant, b bound) bool {
		if b.incl {
			return x.cmp(b.v) < 0
		}
		return x.cmp(b.v) <= 0
	}
	br := func(b bound, incl, excl string) string {
		if b.incl {
			return incl
		}
		return excl
	}
	switch {
	case upper != nil && lower != nil:
		u, l := *upper, *lower
		if l.v.cmp(u.v) < 0 {
			add(func(x instant) bool { return below(x, l) || above(x, u) },
				fmt.Sprintf("must be inside the range %s%s, %s%s", br(l, "[", "("), str(l.v), str(u.v), br(u, "]", ")")))
		} else {
			add(func(x instant) bool { return above(x, u) && below(x, l) },
				fmt.Sprintf("must be outside the range %s%s, %s%s", br(u, "(", "["), str(u.v), str(l.v), br(l, ")", "]")))
		}
	case upper != nil:
		u := *upper
		add(func(x instant) bool { return above(x, u) }, fmt.Sprintf("must be %s %s", br(u, "at most", "less than"), str(u.v)))
	case lower != nil:
		l := *lower
		add(func(x instant) bool { return below(x, l) }, fmt.Sprintf("must be %s %s", br(l, "at least", "greater than"), str(l.v)))
	}
	// Bounds PGV ignores next to their exclusive twin are checked alone.
	if lt != nil && lte != nil {
		b := bound{*lte, true}
		add(func(x instant) bool { return above(x, b) }, "must be at most "+str(b.v))
	}
	if gt != nil && gte != nil {
		b := bound{*gte, true}
		add(func(x instant) bool { return below(x, b) }, "must be at least "+str(b.v))
	}
	return out
}

func optInstant[T any](p *T, conv func(*T) instant) *instant {
	if p == nil {
		return nil
	}
	x := conv(p)
	return &x
}

// boundProblems refuses the bound combinations PGV refuses for Timestamp
// and Duration rules (its checkNums).
func (c *compiler) boundProblems(path string, in, notIn int, cnst, lt, lte, gt, gte *instant) {
	hasRange := lt != nil || lte != nil || gt != nil || gte != nil
	if cnst != nil && (hasRange || in > 0 || notIn > 0) {
		c.refusef("%s.const cannot be combined with other rules; keep const alone", path)
	}
	if in > 0 && hasRange {
		c.refusef("%s.in cannot be combined with lt, lte, gt or gte; keep one", path)
	}
	c.inNotIn(path, in, notIn)
	if lt != nil && lte != nil {
		c.refusef("%s has both lt and lte; keep one", path)
	}
	if gt != nil && gte != nil {
		c.refusef("%s has both gt and gte; keep one", path)
	}
	switch {
	case lt != nil && gt != nil && lt.cmp(*gt) == 0:
		c.refusef("%s has equal gt and lt; no range is meant", path)
	case lt != nil && gte != nil && lt.cmp(*gte) == 0:
		c.refusef("%s has equal gte and lt; no value satisfies both", path)
	case lt == nil && lte != nil && gt != nil && lte.cmp(*gt) == 0:
		c.refusef("%s has equal gt and lte; no value satisfies both", path)
	case lt == nil && lte != nil && gte != nil && lte.cmp(*gte) == 0:
		c.refusef("%s has equal gte and lte; use const", path)
	}
}

func (c *compiler) durationRules(path string, r *pgvpb.DurationRules) []check {
	for _, b := range []struct {
		name string
		d    *durationpb.Duration
	}{{"const", r.Const}, {"lt", r.Lt}, {"lte", r.Lte}, {"gt", r.Gt}, {"gte", r.Gte}} {
		if b.d != nil && b.d.CheckValid() != nil {
			c.refusef("%s.%s is not a valid duration (seconds %d, nanos %d)", path, b.name, b.d.GetSeconds(), b.d.GetNanos())
		}
	}
	for _, list := range []struct {
		name string
		ds   []*durationpb.Duration
	}{{"in", r.In}, {"not_in", r.NotIn}} {
		for i, d := range list.ds {
			if d.CheckValid() != nil {
				c.refusef("%s.%s[%d] is not a valid duration (seconds %d, nanos %d)", path, list.name, i, d.GetSeconds(), d.GetNanos())
			}
		}
	}
	cnst, lt, lte := optInstant(r.Const, durInstant), optInstant(r.Lt, durInstant), optInstant(r.Lte, durInstant)
	gt, gte := optInstant(r.Gt, durInstant), optInstant(r.Gte, durInstant)
	c.boundProblems(path, len(r.In), len(r.NotIn), cnst, lt, lte, gt, gte)
	str := instant.durString
	checks := instantRange(str, cnst, lt, lte, gt, gte)
	set := func(ds []*durationpb.Duration) ([]instant, string) {
		xs := make([]instant, len(ds))
		ss := make([]string, len(ds))
		for i, d := range ds {
			xs[i], ss[i] = durInstant(d), str(durInstant(d))
		}
		return xs, strings.Join(ss, ", ")
	}
	member := func(xs []instant, x instant) bool {
		for _, y := range xs {
			if x.cmp(y) == 0 {
				return true
			}
		}
		return false
	}
	if len(r.In) > 0 {
		xs, desc := set(r.In)
		checks = append(checks, func(v protoreflect.Value) string {
			if x := instantOf(v.Message()); !member(xs, x) {
				return "must be one of " + desc + " (got " + str(x) + ")"
			}
			return ""
		})
	}
	if len(r.NotIn) > 0 {
		xs, _ := set(r.NotIn)
		checks = append(checks, func(v protoreflect.Value) string {
			if x := instantOf(v.Message()); member(xs, x) {
				return "must not be " + str(x)
			}
			return ""
		})
	}
	return checks
}

func (c *compiler) timestampRules(path string, r *pgvpb.TimestampRules) []check {
	for _, b := range []struct {
		name string
		t    *timestamppb.Timestamp
	}{{"const", r.Const}, {"lt", r.Lt}, {"lte", r.Lte}, {"gt", r.Gt}, {"gte", r.Gte}} {
		if b.t != nil && b.t.CheckValid() != nil {
			c.refusef("%s.%s is not a valid timestamp (seconds %d, nanos %d)", path, b.name, b.t.GetSeconds(), b.t.GetNanos())
		}
	}
	cnst, lt, lte := optInstant(r.Const, tsInstant), optInstant(r.Lt, tsInstant), optInstant(r.Lte, tsInstant)
	gt, gte := optInstant(r.Gt, tsInstant), optInstant(r.Gte, tsInstant)
	c.boundProblems(path, 0, 0, cnst, lt, lte, gt, gte)
	absolute := lt != nil || lte != nil || gt != nil || gte != nil
	if (r.LtNow != nil || r.GtNow != nil) && absolute {
		c.refusef("%s mixes lt_now/gt_now with absolute lt/gt bounds; keep one kind", path)
	}
	if r.Within != nil && absolute {
		c.refusef("%s.within cannot be combined with absolute lt/gt bounds; keep one kind", path)
	}
	if r.LtNow != nil && r.GtNow != nil {
		c.refusef("%s has both lt_now and gt_now; keep one", path)
	}
	if r.Within != nil {
		if r.Within.CheckValid() != nil {
			c.refusef("%s.within is not a valid duration (seconds %d, nanos %d)", path, r.Within.GetSeconds(), r.Within.GetNanos())
		} else if durInstant(r.Within).cmp(instant{}) <= 0 {
			c.refusef("%s.within must be positive", path)
		}
	}

	checks := instantRange(instant.timeString, cnst, lt, lte, gt, gte)
	// The rules relative to the time of the check. PGV evaluates them only
	// without absolute bounds (which it refuses alongside); they are
	// evaluated whatever else is set.
	ltNow, gtNow := r.GetLtNow(), r.GetGtNow()
	var within *instant
	if r.Within != nil {
		w := durInstant(r.Within)
		within = &w
	}
	if ltNow || gtNow || within != nil {
		checks = append(checks, func(v protoreflect.Value) string {
			x := instantOf(v.Message())
			nt := time.Now()
			now := instant{nt.Unix(), int64(nt.Nanosecond())}
			var bad []string
			if ltNow && x.cmp(now) >= 0 {
				bad = append(bad, "must be in the past")
			}
			if gtNow && x.cmp(now) <= 0 {
				bad = append(bad, "must be in the future")
			}
			if w := within; w != nil {
				lo, hi := now.add(w.neg()), now.add(*w)
				switch {
				case ltNow && x.cmp(lo) < 0, gtNow && x.cmp(hi) > 0,
					!ltNow && !gtNow && (x.cmp(hi) >= 0 || x.cmp(lo) <= 0):
					bad = append(bad, "must be within "+w.durString()+" of now")
				}
			}
			return strings.Join(bad, " and ")
		})
	}
	return checks
}

func (c *compiler) anyRules(path string, r *pgvpb.AnyRules) []check {
	c.inNotIn(path, len(r.In), len(r.NotIn))
	typeURL := func(v protoreflect.Value) string {
		m := v.Message()
		return m.Get(m.Descriptor().Fields().ByNumber(1)).String()
	}
	var checks []check
	if len(r.In) > 0 {
		set, desc := setOf(r.In), quoteList(r.In)
		checks = append(checks, func(v protoreflect.Value) string {
			if !set[typeURL(v)] {
				return "must hold one of the types " + desc
			}
			return ""
		})
	}
	if len(r.NotIn) > 0 {
		set := setOf(r.NotIn)
		checks = append(checks, func(v protoreflect.Value) string {
			if u := typeURL(v); set[u] {
				return fmt.Sprintf("must not hold type %q", u)
			}
			return ""
		})
	}
	return checks
}
