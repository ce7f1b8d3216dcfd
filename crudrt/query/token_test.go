package query

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
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

// TestDecodeTokenRejectsForgedPayload seals payloads that are malformed
// with the right key: DecodeToken still refuses them.
func TestDecodeTokenRejectsForgedPayload(t *testing.T) {
	tb := testTable(SQLite)
	terms, _ := ParseOrderBy(tb, "title, create_time, active")
	forge := func(payload []byte) string {
		tok, err := sealToken(testKey, "q", terms, payload)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := []byte{tagString, 1, 'x', tagTime, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, tagBool, 1, tagInt, 0, 0, 0, 0, 0, 0, 0, 5}
	if _, err := DecodeToken(testKey, "q", terms, forge(good)); err != nil {
		t.Fatalf("well-formed forged payload: %v", err)
	}
	bad := map[string][]byte{
		"tag":           append([]byte{tagInt}, good[1:]...),
		"string length": append([]byte{tagString, 200}, good[2:]...),
		"bool value":    append(append(bytes.Clone(good[:17]), 2), good[18:]...),
		"nanos":         append(append(bytes.Clone(good[:12]), 0x3b, 0x9a, 0xca, 0x00), good[16:]...),
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

// TestTokenIsOpaque: a token's bytes hold none of the values it carries,
// in any encoding a client could read (AIP-158), and two tokens for the
// same position are unrelated.
func TestTokenIsOpaque(t *testing.T) {
	tb := testTable(SQLite)
	terms, _ := ParseOrderBy(tb, "title, serial, create_time")
	const title = "acme fiction emma s"
	created := time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)
	last := []any{title, uint64(0x1122334455667788), created, int64(0x0102030405060708)}
	var plain []byte
	for i, v := range last {
		n, err := normalize(terms[i].Column, v)
		if err != nil {
			t.Fatal(err)
		}
		plain = appendValue(plain, n)
	}
	readable := [][]byte{
		[]byte(title), []byte("acme"), []byte("fiction"), plain,
		{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88},
		{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08},
		binary.BigEndian.AppendUint64(nil, uint64(created.Unix())),
		[]byte(testQuery), []byte("title"),
	}
	seen := map[string]bool{}
	for range 100 {
		tok, err := EncodeToken(testKey, testQuery, terms, last)
		if err != nil {
			t.Fatal(err)
		}
		if seen[tok] {
			t.Fatalf("token %q issued twice", tok)
		}
		seen[tok] = true
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range readable {
			if bytes.Contains(raw, r) {
				t.Fatalf("token %q holds %q", tok, r)
			}
		}
		if strings.Contains(tok, base64.RawURLEncoding.EncodeToString([]byte(title))[:20]) {
			t.Fatalf("token %q holds %q in base64", tok, title)
		}
		if len(raw) != tokenOverhead+len(plain) {
			t.Fatalf("token of %d bytes for %d bytes of values", len(raw), len(plain))
		}
		if got, err := DecodeToken(testKey, testQuery, terms, tok); err != nil || got[0] != title {
			t.Fatalf("DecodeToken: %v, %v", got, err)
		}
	}
}

// TestDecodeTokenRejectsOtherKeys: a token made with one key is refused
// under any other, a key that extends it or shares its first 16 bytes
// included; a copy of the key (another server, after a restart) reads it.
func TestDecodeTokenRejectsOtherKeys(t *testing.T) {
	tb := testTable(SQLite)
	terms, _ := ParseOrderBy(tb, "title, id")
	tok, err := EncodeToken(testKey, testQuery, terms, []any{"Dune", int64(7)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeToken(bytes.Clone(testKey), testQuery, terms, tok); err != nil {
		t.Errorf("a copy of the key: %v", err)
	}
	flipped := bytes.Clone(testKey)
	flipped[len(flipped)-1] ^= 1
	for name, key := range map[string][]byte{
		"last bit":  flipped,
		"prefix":    testKey[:MinTokenKeyLength],
		"extended":  append(bytes.Clone(testKey), 0),
		"unrelated": []byte("another key of the same service!"),
	} {
		_, err := DecodeToken(key, testQuery, terms, tok)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		asError(t, err, "page_token")
	}
}

// TestDecodeTokenRejectsVersion1: tokens of the readable format that came
// before are refused like any other malformed token.
func TestDecodeTokenRejectsVersion1(t *testing.T) {
	tb := testTable(SQLite)
	terms, _ := ParseOrderBy(tb, "title, id")
	payload := appendValue(appendValue([]byte{1}, "Dune"), int64(7))
	m := hmac.New(sha256.New, testKey)
	m.Write(payload)
	for _, tok := range []string{
		base64.RawURLEncoding.EncodeToString(append(payload, m.Sum(nil)...)),
		base64.RawURLEncoding.EncodeToString(append(payload, make([]byte, tokenOverhead)...)),
	} {
		_, err := DecodeToken(testKey, "q", terms, tok)
		if err == nil {
			t.Fatalf("accepted %q", tok)
		}
		asError(t, err, "page_token")
	}
}

// BenchmarkToken measures a page token's round trip for a typical
// two-term order (a title, then the key).
func BenchmarkToken(b *testing.B) {
	tb := testTable(SQLite)
	terms, err := ParseOrderBy(tb, "title, id")
	if err != nil {
		b.Fatal(err)
	}
	last := []any{"The Left Hand of Darkness", int64(123456)}
	tok, err := EncodeToken(testKey, testQuery, terms, last)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(tok)), "chars")
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := EncodeToken(testKey, testQuery, terms, last); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeToken(testKey, testQuery, terms, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
