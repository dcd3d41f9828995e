package pattern

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds a small, strict JSON parser that builds a tree. It is used
// to compile patterns (where key order, duplicate keys and the exact text of
// numbers matter) and by the reference evaluator in the tests. The hot path
// (Matcher) uses the streaming scanner in scan.go instead.

type jkind uint8

const (
	jNull jkind = iota
	jFalse
	jTrue
	jNumber
	jString
	jArray
	jObject
)

func (k jkind) String() string {
	switch k {
	case jNull:
		return "null"
	case jFalse, jTrue:
		return "boolean"
	case jNumber:
		return "number"
	case jString:
		return "string"
	case jArray:
		return "array"
	default:
		return "object"
	}
}

// jvalue is a parsed JSON value. For strings str is the decoded text; for
// numbers it is the number's literal text.
type jvalue struct {
	kind jkind
	str  string
	arr  []*jvalue
	obj  []jmember
}

type jmember struct {
	key string
	val *jvalue
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 1000

type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.off, e.msg)
}

type treeParser struct {
	b     []byte
	i     int
	depth int
}

func parseTree(b []byte) (*jvalue, error) {
	p := &treeParser{b: b}
	p.ws()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, &syntaxError{p.i, "unexpected data after top-level value"}
	}
	return v, nil
}

func (p *treeParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *treeParser) fail(msg string) error { return &syntaxError{p.i, msg} }

func (p *treeParser) value() (*jvalue, error) {
	if p.i >= len(p.b) {
		return nil, p.fail("unexpected end of input")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &jvalue{kind: jString, str: s}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		n, err := scanNumber(p.b, p.i)
		if err != nil {
			return nil, err
		}
		v := &jvalue{kind: jNumber, str: string(p.b[p.i:n])}
		p.i = n
		return v, nil
	default:
		for _, lit := range [...]struct {
			s string
			k jkind
		}{{"true", jTrue}, {"false", jFalse}, {"null", jNull}} {
			if len(p.b)-p.i >= len(lit.s) && string(p.b[p.i:p.i+len(lit.s)]) == lit.s {
				p.i += len(lit.s)
				return &jvalue{kind: lit.k}, nil
			}
		}
		return nil, p.fail(fmt.Sprintf("unexpected character %q", c))
	}
}

func (p *treeParser) str() (string, error) {
	end, esc, err := scanString(p.b, p.i)
	if err != nil {
		return "", err
	}
	raw := p.b[p.i+1 : end-1]
	p.i = end
	if !esc {
		return string(raw), nil
	}
	return string(appendUnescaped(nil, raw)), nil
}

func (p *treeParser) object() (*jvalue, error) {
	if p.depth++; p.depth > maxDepth {
		return nil, p.fail("nesting too deep")
	}
	defer func() { p.depth-- }()
	p.i++ // {
	v := &jvalue{kind: jObject}
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.fail("expected object key")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.fail("expected ':'")
		}
		p.i++
		p.ws()
		val, err := p.value()
		if err != nil {
			return nil, err
		}
		v.obj = append(v.obj, jmember{k, val})
		p.ws()
		if p.i >= len(p.b) {
			return nil, p.fail("unexpected end of input in object")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return v, nil
		default:
			return nil, p.fail("expected ',' or '}'")
		}
	}
}

func (p *treeParser) array() (*jvalue, error) {
	if p.depth++; p.depth > maxDepth {
		return nil, p.fail("nesting too deep")
	}
	defer func() { p.depth-- }()
	p.i++ // [
	v := &jvalue{kind: jArray, arr: []*jvalue{}}
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return v, nil
	}
	for {
		p.ws()
		el, err := p.value()
		if err != nil {
			return nil, err
		}
		v.arr = append(v.arr, el)
		p.ws()
		if p.i >= len(p.b) {
			return nil, p.fail("unexpected end of input in array")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return v, nil
		default:
			return nil, p.fail("expected ',' or ']'")
		}
	}
}

// scanNumber checks the JSON number starting at b[i] and returns the offset
// just after it.
func scanNumber(b []byte, i int) (int, error) {
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return 0, &syntaxError{start, "invalid number"}
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return 0, &syntaxError{start, "invalid number"}
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return 0, &syntaxError{start, "invalid number"}
		}
	}
	return i, nil
}

// scanString checks the JSON string whose opening quote is at b[i]. It
// returns the offset just after the closing quote and whether the string
// contains escapes.
func scanString(b []byte, i int) (end int, escaped bool, err error) {
	start := i
	i++
	for {
		// Skip 8 plain bytes at a time, then jump to the first special one.
		for i+8 <= len(b) {
			if m := specialMask(binary.LittleEndian.Uint64(b[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(b) {
			return 0, false, &syntaxError{start, "unterminated string"}
		}
		c := b[i]
		switch {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return 0, false, &syntaxError{start, "unterminated string"}
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					return 0, false, &syntaxError{i, "invalid \\u escape"}
				}
				i += 6
			default:
				return 0, false, &syntaxError{i, "invalid escape"}
			}
		case c < 0x20:
			return 0, false, &syntaxError{i, "control character in string"}
		default:
			i++
		}
	}
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// specialMask flags (with the high bit of the byte) the bytes of w that a
// JSON string scanner must stop at: quote, backslash and control
// characters. The lowest flagged byte is always a true one (the usual
// SWAR zero-byte test can only add false flags above a true one).
func specialMask(w uint64) uint64 {
	q := w ^ (lsb * '"')
	bs := w ^ (lsb * '\\')
	return (((q - lsb) &^ q) | ((bs - lsb) &^ bs) | ((w - lsb*0x20) &^ w)) & msb
}

// scanKey is scanString for object keys: it also reports whether the key
// contains a dot (a path separator), found in the same pass.
func scanKey(b []byte, i int) (end int, escaped, dotted bool, err error) {
	start := i
	i++
	for {
		for i+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[i:])
			d := w ^ (lsb * '.')
			if m := specialMask(w) | ((d-lsb)&^d)&msb; m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(b) {
			return 0, false, false, &syntaxError{start, "unterminated string"}
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, escaped, dotted, nil
		case c == '.':
			dotted = true
			i++
		case c == '\\' || c < 0x20:
			// Rare: let the full scanner check the rest.
			end, _, err := scanString(b, start)
			if err != nil {
				return 0, false, false, err
			}
			return end, true, true, nil // dotted unknown: the caller checks
		default:
			i++
		}
	}
}

// quoteMask is specialMask for quote and backslash only.
func quoteMask(w uint64) uint64 {
	q := w ^ (lsb * '"')
	bs := w ^ (lsb * '\\')
	return (((q - lsb) &^ q) | ((bs - lsb) &^ bs)) & msb
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !isHex(c) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		default:
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}

// appendUnescaped decodes the body of a JSON string already checked by
// scanString. Lone surrogates become U+FFFD, as in encoding/json.
func appendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hexVal(raw[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if r2 := hexVal(raw[i+2:]); utf16.DecodeRune(r, r2) != utf8.RuneError {
						dst = utf8.AppendRune(dst, utf16.DecodeRune(r, r2))
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // " \ /
			dst = append(dst, raw[i+1])
		}
		i += 2
	}
	return dst
}
