package cloudtrail

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// This file is the Reader's byte state machine: it advances over buffered
// bytes only, and never reads. reader.go owns the buffer and calls scan (which
// validates JSON) or scanStructure (which only follows strings and brackets)
// until the record's object closes.

// Scanner states.
const (
	stObjFirst uint8 = iota // after '{': a key or '}'
	stObjKey                // after ',' in an object: a key
	stColon                 // after a key
	stObjNext               // after a member: ',' or '}'
	stArrFirst              // after '[': a value or ']'
	stArrNext               // after an element: ',' or ']'
	stValue                 // a value
	stStr                   // inside a string
	stEsc                   // after a backslash in a string
	stHex1                  // \u escapes' hex digits
	stHex2
	stHex3
	stHex4
	stNumMinus // after '-'
	stNumZero  // after a leading 0
	stNumInt   // in the integer digits
	stNumDot   // after '.'
	stNumFrac  // in the fraction digits
	stNumE     // after 'e'
	stNumESign // after the exponent's sign
	stNumExp   // in the exponent digits
	stLit      // in true, false or null
	stDone
	// Structural mode's states.
	stFastOut // outside strings
	stFastStr // in a string
	stFastEsc // after a backslash in a string
)

// scan advances the record scanner over the buffered bytes. It returns with
// r.st == stDone when the record's object is complete, or when it needs more
// input.
func (r *Reader) scan() error {
	b := r.buf[:r.end]
	i := r.pos
	st := r.st
	for i < len(b) {
		switch st {
		case stStr:
			// Eight bytes at a time while none ends the string or starts an
			// escape, then byte by byte.
			for i+8 <= len(b) {
				if m := special(binary.LittleEndian.Uint64(b[i:])); m != 0 {
					// The lowest flagged byte is exact (the tricks' false
					// positives only follow a true one).
					i += bits.TrailingZeros64(m) >> 3
					goto end
				}
				i += 8
			}
			for i < len(b) && strTable[b[i]] {
				i++
			}
		end:
			if i == len(b) {
				r.pos, r.st = i, st
				return nil
			}
			switch c := b[i]; c {
			case '"':
				i++
				if r.inKey {
					r.inKey = false
					st = stColon
					if r.kind == 0 && len(r.stack) == 1 && !r.discard {
						r.topKey(b[r.start+r.keyStart : i-1])
					}
					// Fast path for the most common sequence, "key":"value".
					if i+1 < len(b) && b[i] == ':' && b[i+1] == '"' {
						i += 2
						st = stStr
					}
				} else {
					st = r.valueDone()
					// And for "value","key" and "value"},"key".
					for st == stObjNext && i < len(b) && b[i] == '}' && len(r.stack) > 1 {
						i++
						r.stack = r.stack[:len(r.stack)-1]
						st = r.valueDone()
					}
					if st == stObjNext && i+1 < len(b) && b[i] == ',' && b[i+1] == '"' {
						i += 2
						r.inKey = true
						r.keyStart = i - r.start
						st = stStr
					}
				}
			case '\\':
				i++
				st = stEsc
			default:
				return r.syntax(i, "control character %#02x in a string", c)
			}
		case stEsc:
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				st = stStr
			case 'u':
				st = stHex1
			default:
				return r.syntax(i, "invalid escape \\%c in a string", b[i])
			}
			i++
		case stHex1, stHex2, stHex3, stHex4:
			if !isHex(b[i]) {
				return r.syntax(i, "invalid \\u escape in a string")
			}
			i++
			if st == stHex4 {
				st = stStr
			} else {
				st++
			}
		case stObjFirst, stObjKey, stColon, stObjNext, stArrFirst, stArrNext, stValue:
			c := b[i]
			if wsTable[c] {
				i++
				continue
			}
			switch st {
			case stObjFirst, stObjKey:
				if c == '}' && st == stObjFirst {
					i++
					r.stack = r.stack[:len(r.stack)-1]
					st = r.valueDone()
					continue
				}
				if c != '"' {
					return r.syntax(i, "expected a key, found %q", c)
				}
				i++
				r.inKey = true
				r.keyStart = i - r.start
				st = stStr
			case stColon:
				if c != ':' {
					return r.syntax(i, "expected ':' after a key, found %q", c)
				}
				i++
				st = stValue
			case stObjNext:
				switch c {
				case ',':
					st = stObjKey
				case '}':
					r.stack = r.stack[:len(r.stack)-1]
					st = r.valueDone()
				default:
					return r.syntax(i, "expected ',' or '}' in an object, found %q", c)
				}
				i++
			case stArrNext:
				switch c {
				case ',':
					st = stValue
				case ']':
					r.stack = r.stack[:len(r.stack)-1]
					st = r.valueDone()
				default:
					return r.syntax(i, "expected ',' or ']' in an array, found %q", c)
				}
				i++
			case stArrFirst, stValue:
				if c == ']' && st == stArrFirst {
					i++
					r.stack = r.stack[:len(r.stack)-1]
					st = r.valueDone()
					continue
				}
				i++
				switch {
				case c == '"':
					st = stStr
				case c == '{' || c == '[':
					if len(r.stack) >= maxDepth {
						return r.syntax(i-1, "nested too deeply")
					}
					r.stack = append(r.stack, c)
					if c == '{' {
						st = stObjFirst
					} else {
						st = stArrFirst
					}
				case c == '-':
					st = stNumMinus
				case c == '0':
					st = stNumZero
				case c >= '1' && c <= '9':
					st = stNumInt
				case c == 't':
					r.lit, st = "rue", stLit
				case c == 'f':
					r.lit, st = "alse", stLit
				case c == 'n':
					r.lit, st = "ull", stLit
				default:
					return r.syntax(i-1, "expected a value, found %q", c)
				}
			}
		case stLit:
			if b[i] != r.lit[0] {
				return r.syntax(i, "invalid literal")
			}
			i++
			r.lit = r.lit[1:]
			if r.lit == "" {
				st = r.valueDone()
			}
		case stNumMinus, stNumZero, stNumInt, stNumDot, stNumFrac, stNumE, stNumESign, stNumExp:
			c := b[i]
			digit := c >= '0' && c <= '9'
			switch {
			case st == stNumMinus && c == '0':
				st = stNumZero
			case st == stNumMinus && digit:
				st = stNumInt
			case (st == stNumInt) && digit:
			case (st == stNumZero || st == stNumInt) && c == '.':
				st = stNumDot
			case (st == stNumDot || st == stNumFrac) && digit:
				st = stNumFrac
			case (st == stNumZero || st == stNumInt || st == stNumFrac) && (c == 'e' || c == 'E'):
				st = stNumE
			case st == stNumE && (c == '+' || c == '-'):
				st = stNumESign
			case (st == stNumE || st == stNumESign || st == stNumExp) && digit:
				st = stNumExp
			case st == stNumZero || st == stNumInt || st == stNumFrac || st == stNumExp:
				// The number ended; c belongs to what follows.
				st = r.valueDone()
				continue
			default:
				return r.syntax(i, "invalid number")
			}
			i++
		case stDone:
			r.pos, r.st = i, st
			return nil
		}
		if st == stDone {
			r.pos, r.st = i, st
			return nil
		}
	}
	r.pos, r.st = i, st
	return nil
}

// scanStructure is scan for structural mode: it follows strings and brackets
// only, until the record's object closes (r.st == stDone) or the buffered
// bytes run out.
func (r *Reader) scanStructure() error {
	b := r.buf[:r.end]
	i, st, depth := r.pos, r.st, r.depth
	for i < len(b) {
		switch st {
		case stFastStr:
			for i+8 <= len(b) {
				if m := quoteOrBackslash(binary.LittleEndian.Uint64(b[i:])); m != 0 {
					i += bits.TrailingZeros64(m) >> 3
					goto end
				}
				i += 8
			}
			for i < len(b) && b[i] != '"' && b[i] != '\\' {
				i++
			}
			if i == len(b) {
				continue
			}
		end:
			if b[i] == '"' {
				st = stFastOut
			} else {
				st = stFastEsc
			}
			i++
		case stFastEsc:
			i++
			st = stFastStr
		default:
			c := b[i]
			i++
			switch c {
			case '"':
				st = stFastStr
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					if c != '}' {
						return r.syntax(i-1, "the record's object ends with %q", c)
					}
					r.pos, r.st, r.depth = i, stDone, 0
					return nil
				}
			}
		}
	}
	r.pos, r.st, r.depth = i, st, depth
	return nil
}

// quoteOrBackslash is special for structural mode: non-zero when a byte of v
// is '"' or '\\', the lowest flagged byte exact.
func quoteOrBackslash(v uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := v ^ (lo * '"')
	bs := v ^ (lo * '\\')
	return ((q-lo)&^q | (bs-lo)&^bs) & hi
}

// valueDone returns the state after a complete value.
func (r *Reader) valueDone() uint8 {
	if len(r.stack) == 0 {
		return stDone
	}
	if r.stack[len(r.stack)-1] == '{' {
		return stObjNext
	}
	return stArrNext
}

// topKey notes a top-level key of an object in lines mode.
func (r *Reader) topKey(key []byte) {
	switch string(key) {
	case "detail-type":
		r.kind = KindEvent
	case "eventVersion":
		r.kind = KindRecord
	}
}

func (r *Reader) syntax(i int, format string, args ...any) error {
	return &ReadError{Offset: r.base + int64(i), Err: fmt.Errorf("invalid JSON: "+format, args...)}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// special returns non-zero when one of the eight bytes of v is '"', '\\' or a
// control character (below 0x20): the classic "has zero byte" and "has byte
// less than" bit tricks, exact for "is there any".
func special(v uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := v ^ (lo * '"')
	bs := v ^ (lo * '\\')
	return ((q-lo)&^q | (bs-lo)&^bs | (v-lo*0x20)&^v) & hi
}

var wsTable = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// strTable says which bytes may appear in a string without ending it or
// starting an escape.
var strTable = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
