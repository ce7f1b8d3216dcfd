package query

import (
	"bytes"
	"encoding/base64"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/protoforge/protoforge/ormrt"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

const testQuery = "library.v1.Book\x00title = \"Dune*\"\x00title desc\x00false"

// allTerms orders by every orderable column of testTable.
func allTerms(t testing.TB, tb *Table) []OrderTerm {
	t.Helper()
	terms, err := ParseOrderBy(tb, "title desc, active, count, serial desc, score, create_time desc, state, state_name")
	if err != nil {
		t.Fatal(err)
	}
	return terms
}

func TestTokenRoundTrip(t *testing.T) {
	tb := testTable(SQLite)
	terms := allTerms(t, tb)
	cases := []struct {
		name string
		in   []any
		want []any
	}{{
		name: "typical",
		in:   []any{"Dune", true, int64(42), ormrt.Uint64(7), 1.5, time.Date(2024, 1, 2, 3, 4, 5, 6789, time.UTC), int32(stateDraft), "BOOK_STATE_PUBLISHED", int64(1)},
		want: []any{"Dune", true, int64(42), ormrt.Uint64(7), 1.5, time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC), int64(stateDraft), "BOOK_STATE_PUBLISHED", int64(1)},
	}, {
		name: "extremes",
		in:   []any{"", false, int64(math.MinInt64), uint64(math.MaxUint64), math.Inf(-1), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), int64(math.MaxInt32), "x", int64(math.MaxInt64)},
		want: []any{"", false, int64(math.MinInt64), ormrt.Uint64(math.MaxUint64), math.Inf(-1), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), int64(math.MaxInt32), "x", int64(math.MaxInt64)},
	}, {
		name: "other types",
		in: []any{[]byte("naïve ☕ \x00 \"'%_*"), &[]bool{true}[0], uint32(9), "18446744073709551614", float32(-0.25),
			time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -3600*5)), int32(-1), int32(stateArchived), int8(-3)},
		want: []any{"naïve ☕ \x00 \"'%_*", true, int64(9), ormrt.Uint64(math.MaxUint64 - 1), -0.25,
			time.Date(10000, 1, 1, 4, 59, 59, 999999000, time.UTC), int64(-1), "BOOK_STATE_ARCHIVED", int64(-3)},
	}}
	for _, tc := range cases {
		tok, err := EncodeToken(testKey, testQuery, terms, tc.in)
		if tc.name == "other types" {
			// 9999-12-31T23:59:59.999999999-05:00 is after year 9999 in UTC.
			if err == nil {
				t.Errorf("%s: EncodeToken accepted a time past year 9999: %s", tc.name, tok)
			}
			tc.in[5] = time.Date(9999, 12, 31, 18, 59, 59, 999999999, time.FixedZone("", -3600*5))
			tc.want[5] = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
			tok, err = EncodeToken(testKey, testQuery, terms, tc.in)
		}
		if err != nil {
			t.Fatalf("%s: EncodeToken: %v", tc.name, err)
		}
		if strings.ContainsAny(tok, "=+/ \n") {
			t.Errorf("%s: token %q is not unpadded base64url", tc.name, tok)
		}
		got, err := DecodeToken(testKey, testQuery, terms, tok)
		if err != nil {
			t.Fatalf("%s: DecodeToken: %v", tc.name, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: round trip\n got %#v\nwant %#v", tc.name, got, tc.want)
		}
	}
	// NaN survives bit for bit.
	fterms := []OrderTerm{{Column: tb.column("score")}}
	nan := math.Float64frombits(0x7ff8000000000001)
	tok, err := EncodeToken(testKey, "", fterms, []any{nan})
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeToken(testKey, "", fterms, tok)
	if err != nil || math.Float64bits(got[0].(float64)) != 0x7ff8000000000001 {
		t.Errorf("NaN: %v, %v", got, err)
	}
}

func TestEncodeTokenErrors(t *testing.T) {
	tb := testTable(SQLite)
	terms, _ := ParseOrderBy(tb, "serial, create_time")
	ok := []any{uint64(1), time.Now()}
	for name, tc := range map[string]struct {
		key  []byte
		last []any
	}{
		"short key":      {[]byte("short"), ok},
		"no key":         {nil, ok},
		"too few values": {testKey, ok[:1]},
		"NULL":           {testKey, []any{nil, time.Now()}},
		"nil pointer":    {testKey, []any{(*uint64)(nil), time.Now()}},
		"negative":       {testKey, []any{-1, time.Now()}},
		"not digits":     {testKey, []any{"12a", time.Now()}},
		"wrong type":     {testKey, []any{uint64(1), "2024-01-01"}},
		"bool as int":    {testKey, []any{true, time.Now()}},
		"year 0":         {testKey, []any{uint64(1), time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)}},
	} {
		tok, err := EncodeToken(tc.key, "q", terms, tc.last)
		var e *Error
		if err == nil || errorsAs(err, &e) {
			t.Errorf("%s: got %q, %v; want an error that is not *Error", name, tok, err)
		}
	}
	long := []OrderTerm{{Column: tb.column("title")}}
	if _, err := EncodeToken(testKey, "q", long, []any{strings.Repeat("x", MaxTokenLength)}); err == nil {
		t.Error("EncodeToken made a token longer than MaxTokenLength")
	}
	if _, err := DecodeToken([]byte("short"), "q", terms, "x"); err == nil || errorsAs(err, new(*Error)) {
		t.Errorf("DecodeToken with a short key: %v", err)
	}
}

func TestDecodeTokenRejects(t *testing.T) {
	tb := testTable(Postgres)
	terms := allTerms(t, tb)
	last := []any{"Dune", true, int64(42), ormrt.Uint64(7), 1.5, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), int64(1), "BOOK_STATE_DRAFT", int64(1)}
	tok, err := EncodeToken(testKey, testQuery, terms, last)
	if err != nil {
		t.Fatal(err)
	}
	reject := func(name, key, query string, terms []OrderTerm, token string) {
		t.Helper()
		got, err := DecodeToken([]byte(key), query, terms, token)
		if err == nil {
			t.Errorf("%s: DecodeToken accepted %q: %v", name, token, got)
			return
		}
		e := asError(t, err, "page_token")
		if !strings.Contains(e.Error(), "page_token: ") || !strings.Contains(e.Msg, "not valid for this query; start again without page_token") {
			t.Errorf("%s: message %q", name, e.Error())
		}
	}
	key := string(testKey)

	// Every character changed to every other base64url character.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range tok {
		for _, c := range []byte{alphabet[(strings.IndexByte(alphabet, tok[i])+1)%64], alphabet[(strings.IndexByte(alphabet, tok[i])+33)%64]} {
			reject("char changed", key, testQuery, terms, tok[:i]+string(c)+tok[i+1:])
		}
	}
	// Every bit of the decoded bytes flipped.
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	for i := range raw {
		for bit := 0; bit < 8; bit++ {
			b := bytes.Clone(raw)
			b[i] ^= 1 << bit
			reject("bit flipped", key, testQuery, terms, base64.RawURLEncoding.EncodeToString(b))
		}
	}
	// Every truncation, and extensions.
	for n := 0; n < len(tok); n++ {
		reject("truncated", key, testQuery, terms, tok[:n])
	}
	reject("extended", key, testQuery, terms, tok+"A")
	reject("extra byte", key, testQuery, terms, base64.RawURLEncoding.EncodeToString(append(bytes.Clone(raw), 0)))
	reject("padded", key, testQuery, terms, tok+"=")
	reject("padded twice", key, testQuery, terms, tok+"==")
	reject("std alphabet", key, testQuery, terms, base64.RawStdEncoding.EncodeToString(raw))
	reject("line break", key, testQuery, terms, tok[:10]+"\n"+tok[10:])
	reject("space", key, testQuery, terms, " "+tok)

	// Another query, key or ordering.
	reject("other query", key, testQuery+" ", terms, tok)
	reject("empty query", key, "", terms, tok)
	reject("other key", "0123456789abcdef0123456789abcdeF", testQuery, terms, tok)
	flipped := append([]OrderTerm(nil), terms...)
	flipped[0].Desc = !flipped[0].Desc
	reject("other direction", key, testQuery, flipped, tok)
	reject("fewer terms", key, testQuery, terms[1:], tok)
	swapped := append([]OrderTerm(nil), terms...)
	swapped[0], swapped[1] = swapped[1], swapped[0]
	reject("other order", key, testQuery, swapped, tok)

	// A token whose MAC is right but whose values are not what the terms
	// expect (same paths, another kind) is refused too.
	retyped := testTable(Postgres)
	retyped.Columns[1].Kind = KindInt // active
	rterms := allTerms(t, retyped)
	reject("other kinds", key, testQuery, rterms, tok)

	// Garbage.
	for _, g := range []string{"", "x", "AAAA", "null", "{}", "page_token", strings.Repeat("A", 100),
		strings.Repeat("_", MaxTokenLength+1), "'; DROP TABLE books; --", "\x00", "é"} {
		reject("garbage", key, testQuery, terms, g)
	}

	// The untouched token still works.
	if _, err := DecodeToken(testKey, testQuery, terms, tok); err != nil {
		t.Errorf("original token: %v", err)
	}
}

// TestDecodeTokenRejectsForgedPayload signs payloads that are malformed
// with the right key: DecodeToken still refuses them.
func TestDecodeTokenRejectsForgedPayload(t *testing.T) {
	tb := testTable(SQLite)
	terms, _ := ParseOrderBy(tb, "title, create_time, active")
	forge := func(payload []byte) string {
		return base64.RawURLEncoding.EncodeToString(append(payload, tokenMAC(testKey, "q", terms, payload)...))
	}
	good := []byte{tokenVersion, tagString, 1, 'x', tagTime, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, tagBool, 1, tagInt, 0, 0, 0, 0, 0, 0, 0, 5}
	if _, err := DecodeToken(testKey, "q", terms, forge(good)); err != nil {
		t.Fatalf("well-formed forged payload: %v", err)
	}
	bad := map[string][]byte{
		"version":       append([]byte{2}, good[1:]...),
		"tag":           append([]byte{tokenVersion, tagInt}, good[2:]...),
		"string length": append([]byte{tokenVersion, tagString, 200}, good[3:]...),
		"bool value":    append(append(bytes.Clone(good[:18]), 2), good[19:]...),
		"nanos":         append(append(bytes.Clone(good[:13]), 0x3b, 0x9a, 0xca, 0x00), good[17:]...),
		"trailing":      append(bytes.Clone(good), 0),
		"short":         good[:len(good)-1],
		"empty":         {},
	}
	for name, p := range bad {
		_, err := DecodeToken(testKey, "q", terms, forge(p))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		asError(t, err, "page_token")
	}
}
