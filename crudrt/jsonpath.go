package crudrt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// pathError is an error of protojson's reading of a request, put at the
// field it is in: Path in proto names ("book.state", "requests[1].book",
// "metadata.k"), Msg protojson's words with the position last.
type pathError struct {
	Path, Msg string
}

func (e *pathError) Error() string { return e.Path + ": " + e.Msg }

// protojsonAt is the position protojson gives its errors: a line and a
// column in characters, both from 1.
var protojsonAt = regexp.MustCompile(`^proto:[ \x{00a0}](?:syntax error )?\(line (\d+):(\d+)\): `)

// located is err, an error of protojson reading data as message md, put
// at the request field its position is in; err itself when it has no
// position or the position is in no field (a syntax error between
// values, say).
func located(data []byte, md protoreflect.MessageDescriptor, err error) error {
	m := protojsonAt.FindStringSubmatch(err.Error())
	if m == nil {
		return loneSurrogate(data, md, err)
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	off, ok := offsetOf(data, line, col)
	if !ok {
		return err
	}
	segs, ok := jsonPathAt(data, off)
	if !ok || len(segs) == 0 {
		return err
	}
	path := protoPath(segs, md)
	msg := strings.TrimPrefix(err.Error(), m[0])
	return &pathError{Path: path, Msg: msg + " (line " + m[1] + ":" + m[2] + ")"}
}

// loneSurrogate is err, protojson's error without a position, put at the
// string of data that holds a lone UTF-16 surrogate escape ("\ud800",
// which no UTF-8 string holds; protojson says "unexpected EOF" of it),
// or err itself when there is none, or it is in no field.
func loneSurrogate(data []byte, md protoreflect.MessageDescriptor, err error) error {
	hex := func(at int) (rune, bool) {
		if at+6 > len(data) || data[at] != '\\' || data[at+1] != 'u' {
			return 0, false
		}
		v, perr := strconv.ParseUint(string(data[at+2:at+6]), 16, 16)
		return rune(v), perr == nil
	}
	start := -1 // of the string the scan is in, or -1
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case start < 0:
			if c == '"' {
				start = i
			}
		case c == '"':
			start = -1
		case c == '\\':
			r, ok := hex(i)
			if !ok {
				i++ // a one-character escape
				continue
			}
			if r >= 0xd800 && r < 0xdc00 {
				if low, ok := hex(i + 6); ok && low >= 0xdc00 && low < 0xe000 {
					i += 11 // a pair
					continue
				}
			}
			if r >= 0xd800 && r < 0xe000 {
				segs, ok := jsonPathAt(data, start)
				if !ok || len(segs) == 0 {
					return err
				}
				line := 1 + bytes.Count(data[:i], []byte("\n"))
				col := 1 + utf8.RuneCount(data[bytes.LastIndexByte(data[:i], '\n')+1:i])
				return &pathError{Path: protoPath(segs, md), Msg: fmt.Sprintf("invalid escape %s: a lone UTF-16 surrogate, which no string holds (line %d:%d)", data[i:i+6], line, col)}
			}
			i += 5
		}
	}
	return err
}

// offsetOf is the byte offset of a line and a column in characters.
func offsetOf(data []byte, line, col int) (int, bool) {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return 0, false
		}
		off += i + 1
	}
	for c := 1; c < col; c++ {
		if off >= len(data) {
			return 0, false
		}
		_, n := utf8.DecodeRune(data[off:])
		off += n
	}
	return off, off <= len(data)
}

// jsonFrame is an object or array that holds the position.
type jsonFrame struct {
	object  bool
	key     string // the member's name (object)
	index   int    // the element's (array)
	keyNext bool   // a member's name comes next (object)
}

// jsonPathAt reads data up to the token at off and returns where that
// token is: object member names (string) and array indexes (int), the
// name of the member whose name or value it is last.
func jsonPathAt(data []byte, off int) ([]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []jsonFrame
	done := func() { // a value ended: the member or element after it is next
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].keyNext = true
			} else {
				stack[n-1].index++
			}
		}
	}
	for {
		start := int(dec.InputOffset())
		for start < len(data) && strings.IndexByte(" \t\r\n,:", data[start]) >= 0 {
			start++
		}
		if start >= off {
			break
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, jsonFrame{object: t == '{', keyNext: t == '{'})
			default:
				if len(stack) == 0 {
					return nil, false
				}
				stack = stack[:len(stack)-1]
				done()
			}
		default:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].keyNext {
				k, _ := t.(string)
				stack[n-1].key, stack[n-1].keyNext = k, false
			} else {
				done()
			}
		}
	}
	if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].keyNext {
		// The token is a member's name: the member it names.
		var k string
		if json.NewDecoder(bytes.NewReader(data[off:])).Decode(&k) != nil {
			return nil, false
		}
		stack[n-1].key, stack[n-1].keyNext = k, false
	}
	var segs []any
	for _, f := range stack {
		if f.object {
			if f.key == "" && f.keyNext {
				break
			}
			segs = append(segs, f.key)
		} else {
			segs = append(segs, f.index)
		}
	}
	return segs, true
}

// protoPath spells segs as a field path of message md: JSON names as
// field names, indexes in brackets, map keys after a dot; what names no
// field as sent.
func protoPath(segs []any, md protoreflect.MessageDescriptor) string {
	var b strings.Builder
	var fd protoreflect.FieldDescriptor // the field the last segment named
	mapKey := false
	for _, s := range segs {
		switch s := s.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(s) + "]")
			if fd != nil && fd.IsList() {
				md = fd.Message()
			}
			fd = nil
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			switch {
			case mapKey:
				b.WriteString(quotedKey(s))
				mapKey, fd = false, nil
			case md != nil:
				fd = md.Fields().ByJSONName(s)
				if fd == nil {
					fd = md.Fields().ByName(protoreflect.Name(s))
				}
				if fd == nil {
					b.WriteString(quotedKey(s))
					md = nil
					continue
				}
				b.WriteString(string(fd.Name()))
				switch {
				case fd.IsMap():
					mapKey, md = true, fd.MapValue().Message()
				case fd.IsList():
					md = nil // the element's, after its index
				default:
					md = fd.Message()
				}
			default:
				b.WriteString(quotedKey(s))
			}
		}
	}
	return b.String()
}

// simpleKey is a map key or name that a path spells as it is.
var simpleKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// quotedKey spells a map key or unknown name in a path: in backticks
// (AIP-161) unless it is a simple name, a backtick in it doubled.
func quotedKey(k string) string {
	if simpleKey.MatchString(k) {
		return k
	}
	return "`" + strings.ReplaceAll(k, "`", "``") + "`"
}

// asPathError finds a pathError in err's chain.
func asPathError(err error) (*pathError, bool) {
	var pe *pathError
	ok := errors.As(err, &pe)
	return pe, ok
}
