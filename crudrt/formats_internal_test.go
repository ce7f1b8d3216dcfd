package crudrt

import (
	"testing"

	"google.golang.org/genproto/googleapis/api/annotations"
)

// TestHasFormat: the forms AIP-202 allows for each format, and values
// that only look like them.
func TestHasFormat(t *testing.T) {
	uuid, ip4, ip6, ip := annotations.FieldInfo_UUID4, annotations.FieldInfo_IPV4, annotations.FieldInfo_IPV6, annotations.FieldInfo_IPV4_OR_IPV6
	for _, c := range []struct {
		v    string
		f    annotations.FieldInfo_Format
		want bool
	}{
		{"f47ac10b-58cc-4372-a567-0e02b2c3d479", uuid, true},
		{"F47AC10B-58CC-4372-A567-0E02B2C3D479", uuid, true},
		{"f47ac10b-58cc-4372-8567-0e02b2c3d479", uuid, true},
		{"f47ac10b-58cc-0372-8567-0e02b2c3d479", uuid, false}, // version 0
		{"f47ac10b-58cc-7372-8567-0e02b2c3d479", uuid, false}, // version 7
		{"f47ac10b-58cc-4372-c567-0e02b2c3d479", uuid, false}, // another variant
		{"f47ac10b58cc4372a5670e02b2c3d479", uuid, false},
		{"{f47ac10b-58cc-4372-a567-0e02b2c3d479}", uuid, false},
		{"f47ac10b-58cc-4372-a567-0e02b2c3d47g", uuid, false},
		{"f47ac10b-58cc-4372-a567_0e02b2c3d479", uuid, false},
		{"1.22.233.40", ip4, true},
		{"001.022.233.040", ip4, true},
		{"0.0.0.0", ip4, true},
		{"255.255.255.255", ip4, true},
		{"256.1.1.1", ip4, false},
		{"1.2.3", ip4, false},
		{"1.2.3.4.5", ip4, false},
		{"1..3.4", ip4, false},
		{"0001.2.3.4", ip4, false},
		{"1.2.3.4 ", ip4, false},
		{"+1.2.3.4", ip4, false},
		{"::1", ip4, false},
		{"2001:db8::", ip6, true},
		{"2001:0DB8:0::0", ip6, true},
		{"::ffff:1.2.3.4", ip6, true},
		{"::", ip6, true},
		{"fe80::1%eth0", ip6, false},
		{"1.2.3.4", ip6, false},
		{"2001:db8:::1", ip6, false},
		{"[::1]", ip6, false},
		{"1.2.3.4", ip, true},
		{"2001:db8::1", ip, true},
		{"example.com", ip, false},
		{"anything", annotations.FieldInfo_FORMAT_UNSPECIFIED, true},
	} {
		if got := hasFormat(c.v, c.f); got != c.want {
			t.Errorf("hasFormat(%q, %v) = %v; want %v", c.v, c.f, got, c.want)
		}
	}
}
