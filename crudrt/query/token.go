package query

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math"
	"time"

	"github.com/protoforge/protoforge/ormrt"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Page token limits.
const (
	// MinTokenKeyLength is the shortest key EncodeToken and DecodeToken
	// accept, in bytes.
	MinTokenKeyLength = 16
	// MaxTokenLength is the longest page token, in characters. EncodeToken
	// refuses values that would make a longer one.
	MaxTokenLength = 16 << 10
)

// tokenVersion is the first byte of every token payload.
const tokenVersion = 1

// tokenDomain separates the MAC of page tokens from other uses of a key.
const tokenDomain = "protoforge crudrt/query page token v1\x00"

// Value tags in a token payload.
const (
	tagBool   = 'b'
	tagInt    = 'i'
	tagUint   = 'u'
	tagFloat  = 'f'
	tagString = 's'
	tagTime   = 't'
	// tagNull is the value of a nullable column that holds NULL.
	tagNull = 'n'
)

// EncodeToken returns the page token that resumes the query after the row
// whose ordered values are last (one per term, as After takes them).
//
// The token is opaque and tamper-evident: base64url without padding of
// the values, typed by the terms' columns, followed by an HMAC-SHA256 with
// key over the values, query and terms (each column's Path, kind and
// direction). query identifies everything that must not change between
// pages (filter, order_by, show_deleted, parent…) as a canonical string
// the caller builds. Timestamps are carried to the microsecond, as they
// are stored.
//
// Errors here are the program's, not the client's: a short key, values
// that do not match the terms, or a token longer than MaxTokenLength.
func EncodeToken(key []byte, query string, terms []OrderTerm, last []any) (string, error) {
	if len(key) < MinTokenKeyLength {
		return "", fmt.Errorf("query: page token key has %d bytes, want at least %d", len(key), MinTokenKeyLength)
	}
	if len(last) != len(terms) {
		return "", fmt.Errorf("query: %d page token values for %d terms", len(last), len(terms))
	}
	payload := []byte{tokenVersion}
	for i, term := range terms {
		if last[i] == nil && term.Column.Nullable {
			payload = append(payload, tagNull)
			continue
		}
		v, err := normalize(term.Column, last[i])
		if err != nil {
			return "", err
		}
		payload = appendValue(payload, v)
	}
	token := base64.RawURLEncoding.EncodeToString(append(payload, tokenMAC(key, query, terms, payload)...))
	if len(token) > MaxTokenLength {
		return "", fmt.Errorf("query: page token would have %d characters, more than %d", len(token), MaxTokenLength)
	}
	return token, nil
}

// DecodeToken verifies token against key, query and terms and returns the
// values EncodeToken put in it, typed by the terms' columns: bool, int64
// (integers and enums by number), ormrt.Uint64, float64, string (strings
// and enums by name) and time.Time in UTC. They are what After takes.
//
// A token that is not one EncodeToken made with the same key, query and
// terms (edited, truncated, signed with another key, or issued for another
// query) is an *Error with Field "page_token". A key shorter than
// MinTokenKeyLength is an error that is not an *Error.
func DecodeToken(key []byte, query string, terms []OrderTerm, token string) ([]any, error) {
	if len(key) < MinTokenKeyLength {
		return nil, fmt.Errorf("query: page token key has %d bytes, want at least %d", len(key), MinTokenKeyLength)
	}
	invalid := &Error{Field: "page_token", Msg: "malformed, or not valid for this query; start again without page_token"}
	if token == "" || len(token) > MaxTokenLength {
		return nil, invalid
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	// The decoder skips line breaks; only the canonical spelling is a token.
	if err != nil || base64.RawURLEncoding.EncodedLen(len(raw)) != len(token) {
		return nil, invalid
	}
	if len(raw) < 1+sha256.Size {
		return nil, invalid
	}
	payload, mac := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if !hmac.Equal(mac, tokenMAC(key, query, terms, payload)) {
		return nil, invalid
	}
	values, err := decodeValues(payload, terms)
	if err != nil {
		return nil, invalid
	}
	return values, nil
}

// tokenMAC authenticates payload for query and terms. Everything before
// the payload is length-prefixed, so no two inputs share a MAC input.
func tokenMAC(key []byte, query string, terms []OrderTerm, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(tokenDomain))
	writeString(m, query)
	writeUvarint(m, uint64(len(terms)))
	for _, term := range terms {
		writeString(m, term.Column.Path)
		dir := byte(0)
		if term.Desc {
			dir = 1
		}
		m.Write([]byte{byte(term.Column.Kind), dir})
	}
	m.Write(payload)
	return m.Sum(nil)
}

func writeUvarint(h hash.Hash, n uint64) {
	h.Write(binary.AppendUvarint(nil, n))
}

func writeString(h hash.Hash, s string) {
	writeUvarint(h, uint64(len(s)))
	h.Write([]byte(s))
}

// appendValue appends canonical value v (see normalize) to a payload.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case bool:
		n := byte(0)
		if x {
			n = 1
		}
		return append(b, tagBool, n)
	case int64:
		return binary.BigEndian.AppendUint64(append(b, tagInt), uint64(x))
	case uint64:
		return binary.BigEndian.AppendUint64(append(b, tagUint), x)
	case float64:
		return binary.BigEndian.AppendUint64(append(b, tagFloat), math.Float64bits(x))
	case string:
		b = binary.AppendUvarint(append(b, tagString), uint64(len(x)))
		return append(b, x...)
	case time.Time:
		b = binary.BigEndian.AppendUint64(append(b, tagTime), uint64(x.Unix()))
		return binary.BigEndian.AppendUint32(b, uint32(x.Nanosecond()))
	}
	panic(fmt.Sprintf("query: no token encoding for %T", v))
}

// tagOf returns the tag of the values of kind k.
func tagOf(k Kind) byte {
	switch k {
	case KindBool:
		return tagBool
	case KindInt, KindEnum, KindDuration, KindDurationNanos:
		return tagInt
	case KindUint64:
		return tagUint
	case KindFloat:
		return tagFloat
	case KindTimestamp:
		return tagTime
	}
	return tagString
}

var errBadPayload = errors.New("query: malformed page token payload")

// decodeValues reads the values of terms from a verified payload.
func decodeValues(b []byte, terms []OrderTerm) ([]any, error) {
	if len(b) == 0 || b[0] != tokenVersion {
		return nil, errBadPayload
	}
	b = b[1:]
	out := make([]any, len(terms))
	for i, term := range terms {
		if len(b) > 0 && b[0] == tagNull && term.Column.Nullable {
			out[i], b = nil, b[1:]
			continue
		}
		if len(b) == 0 || b[0] != tagOf(term.Column.Kind) {
			return nil, errBadPayload
		}
		tag := b[0]
		b = b[1:]
		switch tag {
		case tagBool:
			if len(b) < 1 || b[0] > 1 {
				return nil, errBadPayload
			}
			out[i], b = b[0] == 1, b[1:]
		case tagInt, tagUint, tagFloat:
			if len(b) < 8 {
				return nil, errBadPayload
			}
			n := binary.BigEndian.Uint64(b)
			b = b[8:]
			switch tag {
			case tagInt:
				out[i] = int64(n)
			case tagUint:
				out[i] = ormrt.Uint64(n)
			default:
				out[i] = math.Float64frombits(n)
			}
		case tagString:
			n, k := binary.Uvarint(b)
			if k <= 0 || n > uint64(len(b)-k) {
				return nil, errBadPayload
			}
			out[i], b = string(b[k:k+int(n)]), b[k+int(n):]
		case tagTime:
			if len(b) < 12 {
				return nil, errBadPayload
			}
			ts := &timestamppb.Timestamp{Seconds: int64(binary.BigEndian.Uint64(b)), Nanos: int32(binary.BigEndian.Uint32(b[8:]))}
			if ts.CheckValid() != nil {
				return nil, errBadPayload
			}
			out[i], b = ts.AsTime(), b[12:]
		}
	}
	if len(b) != 0 {
		return nil, errBadPayload
	}
	return out, nil
}
