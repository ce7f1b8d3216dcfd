package query

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
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

// tokenVersion is the first byte of every token; it is authenticated
// with the rest.
const tokenVersion = 3

// tokenDomain separates page tokens from other uses of a key: it names the
// keys derived for them and starts their additional data.
const tokenDomain = "protoforge crudrt/query page token v3 AES-256-GCM\x00"

// Sizes of a token's parts. A token is, in base64url without padding,
//
//	version (1) | salt (tokenSaltSize) | GCM nonce (12) | AES-256-GCM ciphertext of the values | tag (16)
//
// Each token is encrypted under a GCM key derived with HKDF-SHA256 from the
// page token key and the token's random salt, with a random 96-bit GCM
// nonce (cipher.NewGCMWithRandomNonce, the only GCM that Go's FIPS 140-only
// mode allows). A page token key is shared by every server for as long as
// tokens must stay valid; random nonces under one GCM key are safe for 2^32
// tokens, and the salt spreads the tokens over 2^32 keys, so that the 128
// random bits of salt and nonce together decide whether two tokens ever
// share a key and a nonce.
const (
	tokenSaltSize = 4
	tokenHeader   = 1 + tokenSaltSize
	tokenOverhead = tokenHeader + 12 + 16
)

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
// The token is opaque and tamper-evident: the values, typed by the terms'
// columns, are encrypted with AES-256-GCM under a key derived from key and
// a random salt (see tokenSaltSize), and authenticated together with
// query and terms (each column's Path, kind and direction). query
// identifies everything that must not change between pages (filter,
// order_by, show_deleted, parent…) as a canonical string the caller
// builds. Timestamps are carried to the microsecond, as they are stored.
// Two tokens for the same position differ; any of them resumes there.
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
	var values []byte
	for i, term := range terms {
		if last[i] == nil && term.Column.Nullable {
			values = append(values, tagNull)
			continue
		}
		v, err := normalize(term.Column, last[i])
		if err != nil {
			return "", err
		}
		values = appendValue(values, v)
	}
	return sealToken(key, query, terms, values)
}

// DecodeToken verifies token against key, query and terms and returns the
// values EncodeToken put in it, typed by the terms' columns: bool, int64
// (integers and enums by number), ormrt.Uint64, float64, string (strings
// and enums by name) and time.Time in UTC. They are what After takes.
//
// A token that is not one EncodeToken made with the same key, query and
// terms (edited, truncated, made with another key, or issued for another
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
	if len(raw) < tokenOverhead || raw[0] != tokenVersion {
		return nil, invalid
	}
	aead, err := tokenAEAD(key, raw[1:tokenHeader])
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, nil, raw[tokenHeader:], tokenAAD(raw[:tokenHeader], query, terms))
	if err != nil {
		return nil, invalid
	}
	values, err := decodeValues(plain, terms)
	if err != nil {
		return nil, invalid
	}
	return values, nil
}

// sealToken returns the token holding the encoded values for query and
// terms, under a fresh random salt and nonce.
func sealToken(key []byte, query string, terms []OrderTerm, values []byte) (string, error) {
	if n := base64.RawURLEncoding.EncodedLen(tokenOverhead + len(values)); n > MaxTokenLength {
		return "", fmt.Errorf("query: page token would have %d characters, more than %d", n, MaxTokenLength)
	}
	raw := make([]byte, tokenHeader, tokenOverhead+len(values))
	raw[0] = tokenVersion
	rand.Read(raw[1:tokenHeader])
	aead, err := tokenAEAD(key, raw[1:tokenHeader])
	if err != nil {
		return "", err
	}
	raw = aead.Seal(raw, nil, values, tokenAAD(raw[:tokenHeader], query, terms))
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// tokenAEAD returns the AES-256-GCM cipher of the token whose random salt
// is salt, under the key HKDF-SHA256 derives from key and salt; its Seal
// prepends a random 96-bit nonce to the ciphertext, which its Open reads.
func tokenAEAD(key, salt []byte) (cipher.AEAD, error) {
	okm, err := hkdf.Key(sha256.New, key, salt, tokenDomain, 32)
	if err != nil {
		return nil, fmt.Errorf("query: page token key: %w", err)
	}
	block, err := aes.NewCipher(okm)
	if err != nil {
		return nil, fmt.Errorf("query: page token cipher: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("query: page token cipher: %w", err)
	}
	return aead, nil
}

// tokenAAD is the data a token authenticates besides its values: its
// header (version and nonce), query and terms. Each part is
// length-prefixed, so no two inputs share it.
func tokenAAD(header []byte, query string, terms []OrderTerm) []byte {
	b := make([]byte, 0, len(tokenDomain)+len(header)+len(query)+8+len(terms)*16)
	b = append(b, tokenDomain...)
	b = append(b, header...)
	b = appendString(b, query)
	b = binary.AppendUvarint(b, uint64(len(terms)))
	for _, term := range terms {
		b = appendString(b, term.Column.Path)
		dir := byte(0)
		if term.Desc {
			dir = 1
		}
		b = append(b, byte(term.Column.Kind), dir)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
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
