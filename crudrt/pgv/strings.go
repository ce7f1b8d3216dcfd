package pgv

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	pgvpb "github.com/envoyproxy/protoc-gen-validate/validate"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The patterns of PGV's well_known_regex (module/checker.go), and its UUID
// pattern (templates/go/file.go).
var (
	httpHeaderName  = regexp.MustCompile("^:?[0-9a-zA-Z!#$%&'*+-.^_|~\x60]+$")
	httpHeaderValue = regexp.MustCompile("^[^\u0000-\u0008\u000A-\u001F\u007F]*$")
	headerString    = regexp.MustCompile("^[^\u0000\u000A\u000D]*$") // strict: false
	uuidPattern     = regexp.MustCompile("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
)

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

func quoteBytesList(bs [][]byte) string {
	q := make([]string, len(bs))
	for i, b := range bs {
		q[i] = strconv.Quote(string(b))
	}
	return strings.Join(q, ", ")
}

// lengthChecks bound a length measured by n: exactly, at least and at most
// (each nil when absent), in unit ("character", "byte").
func lengthChecks(n func(protoreflect.Value) int, unit string, exact, lo, hi *uint64) []check {
	var out []check
	bound := func(want uint64, bad func(got, want uint64) bool, what string) {
		out = append(out, func(v protoreflect.Value) string {
			if got := uint64(n(v)); bad(got, want) {
				return fmt.Sprintf("%s %s (got %d)", what, plural(want, unit), got)
			}
			return ""
		})
	}
	if exact != nil {
		bound(*exact, func(got, want uint64) bool { return got != want }, "exactly")
	}
	if lo != nil {
		bound(*lo, func(got, want uint64) bool { return got < want }, "at least")
	}
	if hi != nil {
		bound(*hi, func(got, want uint64) bool { return got > want }, "at most")
	}
	return out
}

// plural spells n units: "1 byte", "2 bytes", "3 entries".
func plural(n uint64, unit string) string {
	switch {
	case n == 1:
		return "1 " + unit
	case strings.HasSuffix(unit, "y"):
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(unit, "y"))
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func runeCount(v protoreflect.Value) int { return utf8.RuneCountInString(v.String()) }
func byteCount(v protoreflect.Value) int { return len(v.String()) }
func bytesLen(v protoreflect.Value) int  { return len(v.Bytes()) }

// stringRules compiles StringRules, in the order of PGV's string template.
func (c *compiler) stringRules(path string, r *pgvpb.StringRules) ([]check, bool) {
	// The combinations PGV's generator refuses.
	c.exclusiveLen(path, "len", "min_len", "max_len", r.Len, r.MinLen, r.MaxLen)
	c.exclusiveLen(path, "len_bytes", "min_bytes", "max_bytes", r.LenBytes, r.MinBytes, r.MaxBytes)
	c.minMax(path, "min_len", "max_len", r.MinLen, r.MaxLen)
	c.minMax(path, "min_bytes", "max_bytes", r.MinBytes, r.MaxBytes)
	c.inNotIn(path, len(r.In), len(r.NotIn))
	if r.GetWellKnownRegex() != pgvpb.KnownRegex_UNKNOWN && r.Pattern != nil {
		c.refusef("%s.well_known_regex and pattern exclude each other; keep one", path)
	}
	if (r.Pattern != nil || r.GetWellKnownRegex() != pgvpb.KnownRegex_UNKNOWN) && len(r.In) > 0 {
		c.refusef("%s.pattern and in exclude each other; keep one", path)
	}
	for _, sub := range []struct {
		name string
		s    *string
	}{{"prefix", r.Prefix}, {"suffix", r.Suffix}, {"contains", r.Contains}} {
		if sub.s == nil {
			continue
		}
		if r.MaxLen != nil && uint64(utf8.RuneCountInString(*sub.s)) > r.GetMaxLen() {
			c.refusef("%s.%s %q is longer than max_len %d", path, sub.name, *sub.s, r.GetMaxLen())
		}
		if r.MaxBytes != nil && uint64(len(*sub.s)) > r.GetMaxBytes() {
			c.refusef("%s.%s %q is longer than max_bytes %d", path, sub.name, *sub.s, r.GetMaxBytes())
		}
	}
	if r.MaxLen != nil && r.MaxBytes != nil && r.GetMaxLen() > r.GetMaxBytes() {
		c.refusef("%s.max_len %d exceeds max_bytes %d; lower max_len", path, r.GetMaxLen(), r.GetMaxBytes())
	}

	var checks []check
	str := func(bad func(string) bool, desc string) {
		checks = append(checks, func(v protoreflect.Value) string {
			if bad(v.String()) {
				return desc
			}
			return ""
		})
	}
	if r.Const != nil {
		want := r.GetConst()
		str(func(s string) bool { return s != want }, fmt.Sprintf("must be %q", want))
	}
	if len(r.In) > 0 {
		set := setOf(r.In)
		str(func(s string) bool { return !set[s] }, "must be one of "+quoteList(r.In))
	}
	if len(r.NotIn) > 0 {
		set := setOf(r.NotIn)
		checks = append(checks, func(v protoreflect.Value) string {
			if set[v.String()] {
				return fmt.Sprintf("must not be %q", v.String())
			}
			return ""
		})
	}
	checks = append(checks, lengthChecks(runeCount, "character", r.Len, r.MinLen, r.MaxLen)...)
	checks = append(checks, lengthChecks(byteCount, "byte", r.LenBytes, r.MinBytes, r.MaxBytes)...)
	if r.Prefix != nil {
		p := r.GetPrefix()
		str(func(s string) bool { return !strings.HasPrefix(s, p) }, fmt.Sprintf("must start with %q", p))
	}
	if r.Suffix != nil {
		p := r.GetSuffix()
		str(func(s string) bool { return !strings.HasSuffix(s, p) }, fmt.Sprintf("must end with %q", p))
	}
	if r.Contains != nil {
		p := r.GetContains()
		str(func(s string) bool { return !strings.Contains(s, p) }, fmt.Sprintf("must contain %q", p))
	}
	if r.NotContains != nil {
		p := r.GetNotContains()
		str(func(s string) bool { return strings.Contains(s, p) }, fmt.Sprintf("must not contain %q", p))
	}
	switch wk := r.GetWellKnown().(type) {
	case *pgvpb.StringRules_Email:
		if wk.Email {
			str(func(s string) bool { return validateEmail(s) != nil }, "must be a valid email address")
		}
	case *pgvpb.StringRules_Hostname:
		if wk.Hostname {
			str(func(s string) bool { return validateHostname(s) != nil }, "must be a valid hostname")
		}
	case *pgvpb.StringRules_Ip:
		if wk.Ip {
			str(func(s string) bool { return net.ParseIP(s) == nil }, "must be a valid IP address")
		}
	case *pgvpb.StringRules_Ipv4:
		if wk.Ipv4 {
			str(func(s string) bool { ip := net.ParseIP(s); return ip == nil || ip.To4() == nil }, "must be a valid IPv4 address")
		}
	case *pgvpb.StringRules_Ipv6:
		if wk.Ipv6 {
			str(func(s string) bool { ip := net.ParseIP(s); return ip == nil || ip.To4() != nil }, "must be a valid IPv6 address")
		}
	case *pgvpb.StringRules_Uri:
		if wk.Uri {
			str(func(s string) bool { u, err := url.Parse(s); return err != nil || !u.IsAbs() }, "must be an absolute URI")
		}
	case *pgvpb.StringRules_UriRef:
		if wk.UriRef {
			str(func(s string) bool { _, err := url.Parse(s); return err != nil }, "must be a valid URI reference")
		}
	case *pgvpb.StringRules_Address:
		if wk.Address {
			str(func(s string) bool { return validateHostname(s) != nil && net.ParseIP(s) == nil }, "must be a valid hostname or IP address")
		}
	case *pgvpb.StringRules_Uuid:
		if wk.Uuid {
			str(func(s string) bool { return !uuidPattern.MatchString(s) }, "must be a valid UUID")
		}
	case *pgvpb.StringRules_WellKnownRegex:
		strict := r.Strict == nil || r.GetStrict()
		switch wk.WellKnownRegex {
		case pgvpb.KnownRegex_UNKNOWN:
		case pgvpb.KnownRegex_HTTP_HEADER_NAME:
			re := httpHeaderName
			if !strict {
				re = headerString
			}
			str(func(s string) bool { return !re.MatchString(s) }, "must be a valid HTTP header name")
		case pgvpb.KnownRegex_HTTP_HEADER_VALUE:
			re := httpHeaderValue
			if !strict {
				re = headerString
			}
			str(func(s string) bool { return !re.MatchString(s) }, "must be a valid HTTP header value")
		default:
			c.fatalf("%s.well_known_regex %d is not a known regex of protoc-gen-validate v1.3.3", path, wk.WellKnownRegex)
		}
	}
	if r.Pattern != nil {
		if re := c.pattern(path, r.GetPattern()); re != nil {
			str(func(s string) bool { return !re.MatchString(s) }, fmt.Sprintf("must match the pattern %q", r.GetPattern()))
		}
	}
	return checks, r.GetIgnoreEmpty()
}

// pattern compiles a rule's regular expression (RE2, as PGV's Go code
// does); one that does not compile cannot be enforced.
func (c *compiler) pattern(path, p string) *regexp.Regexp {
	re, err := regexp.Compile(p)
	if err != nil {
		c.fatalf("%s.pattern %q does not compile: %v", path, p, err)
		return nil
	}
	return re
}

func (c *compiler) exclusiveLen(path, exact, lo, hi string, e, l, h *uint64) {
	if e == nil {
		return
	}
	if l != nil {
		c.refusef("%s has both %s and %s; keep one", path, exact, lo)
	}
	if h != nil {
		c.refusef("%s has both %s and %s; keep one", path, exact, hi)
	}
}

func setOf(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// bytesRules compiles BytesRules, in the order of PGV's bytes template.
func (c *compiler) bytesRules(path string, r *pgvpb.BytesRules) ([]check, bool) {
	c.minMax(path, "min_len", "max_len", r.MinLen, r.MaxLen)
	c.inNotIn(path, len(r.In), len(r.NotIn))
	if r.Pattern != nil && len(r.In) > 0 {
		c.refusef("%s.pattern and in exclude each other; keep one", path)
	}
	if r.MaxLen != nil {
		for _, sub := range []struct {
			name string
			b    []byte
		}{{"prefix", r.Prefix}, {"suffix", r.Suffix}, {"contains", r.Contains}} {
			if uint64(len(sub.b)) > r.GetMaxLen() {
				c.refusef("%s.%s %q is longer than max_len %d", path, sub.name, sub.b, r.GetMaxLen())
			}
		}
	}

	var checks []check
	byt := func(bad func([]byte) bool, desc string) {
		checks = append(checks, func(v protoreflect.Value) string {
			if bad(v.Bytes()) {
				return desc
			}
			return ""
		})
	}
	checks = append(checks, lengthChecks(bytesLen, "byte", r.Len, r.MinLen, r.MaxLen)...)
	if r.Prefix != nil {
		p := r.Prefix
		byt(func(b []byte) bool { return !bytes.HasPrefix(b, p) }, fmt.Sprintf("must start with %q", p))
	}
	if r.Suffix != nil {
		p := r.Suffix
		byt(func(b []byte) bool { return !bytes.HasSuffix(b, p) }, fmt.Sprintf("must end with %q", p))
	}
	if r.Contains != nil {
		p := r.Contains
		byt(func(b []byte) bool { return !bytes.Contains(b, p) }, fmt.Sprintf("must contain %q", p))
	}
	if len(r.In) > 0 {
		set := map[string]bool{}
		for _, b := range r.In {
			set[string(b)] = true
		}
		byt(func(b []byte) bool { return !set[string(b)] }, "must be one of "+quoteBytesList(r.In))
	}
	if len(r.NotIn) > 0 {
		set := map[string]bool{}
		for _, b := range r.NotIn {
			set[string(b)] = true
		}
		checks = append(checks, func(v protoreflect.Value) string {
			if set[string(v.Bytes())] {
				return fmt.Sprintf("must not be %q", v.Bytes())
			}
			return ""
		})
	}
	// PGV's template skips an empty const (`if $r.Const` on a []byte); a
	// const that is set, even to "", is enforced here.
	if r.Const != nil {
		want := r.Const
		byt(func(b []byte) bool { return !bytes.Equal(b, want) }, fmt.Sprintf("must be %q", want))
	}
	switch wk := r.GetWellKnown().(type) {
	case *pgvpb.BytesRules_Ip:
		if wk.Ip {
			byt(func(b []byte) bool { return net.IP(b).To16() == nil }, "must be a valid IP address (4 or 16 bytes)")
		}
	case *pgvpb.BytesRules_Ipv4:
		if wk.Ipv4 {
			byt(func(b []byte) bool { return net.IP(b).To4() == nil }, "must be a valid IPv4 address")
		}
	case *pgvpb.BytesRules_Ipv6:
		if wk.Ipv6 {
			byt(func(b []byte) bool { ip := net.IP(b); return ip.To16() == nil || ip.To4() != nil }, "must be a valid IPv6 address")
		}
	}
	if r.Pattern != nil {
		if re := c.pattern(path, r.GetPattern()); re != nil {
			byt(func(b []byte) bool { return !re.Match(b) }, fmt.Sprintf("must match the pattern %q", r.GetPattern()))
		}
	}
	return checks, r.GetIgnoreEmpty()
}

// validateHostname is PGV's _validateHostname (RFC 1034, no IDNs).
func validateHostname(host string) error {
	s := strings.ToLower(strings.TrimSuffix(host, "."))
	if len(host) > 253 {
		return errors.New("hostname cannot exceed 253 characters")
	}
	for _, part := range strings.Split(s, ".") {
		if l := len(part); l == 0 || l > 63 {
			return errors.New("hostname part must be non-empty and cannot exceed 63 characters")
		}
		if part[0] == '-' || part[len(part)-1] == '-' {
			return errors.New("hostname parts cannot begin or end with hyphens")
		}
		for _, r := range part {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
				return fmt.Errorf("hostname parts can only contain alphanumeric characters or hyphens, got %q", string(r))
			}
		}
	}
	return nil
}

// validateEmail is PGV's _validateEmail: an RFC 5322 address (as
// net/mail parses it) whose domain is a hostname.
func validateEmail(addr string) error {
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return err
	}
	addr = a.Address
	if len(addr) > 254 {
		return errors.New("email addresses cannot exceed 254 characters")
	}
	parts := strings.SplitN(addr, "@", 2)
	if len(parts[0]) > 64 {
		return errors.New("email address local phrase cannot exceed 64 characters")
	}
	return validateHostname(parts[1])
}
