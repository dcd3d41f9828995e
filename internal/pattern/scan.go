package pattern

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
)

var errNotObject = errors.New("event is not a JSON object")

// The event scanner walks the raw JSON bytes once. It follows the path trie
// of referenced fields: values under keys no pattern references are only
// checked for well-formedness and skipped, leaves at referenced paths are
// recorded (with their positions in arrays) and fire their triggers. Nothing
// is allocated for events whose referenced strings contain no escapes.

type scanner struct {
	b     []byte
	depth int
}

func (st *state) scanEvent(b []byte) error {
	sc := scanner{b: b}
	i := skipWS(b, 0)
	if i >= len(b) {
		return &syntaxError{i, "unexpected end of input"}
	}
	if b[i] != '{' {
		return errNotObject
	}
	i, err := st.object(&sc, i, st.c.root)
	if err != nil {
		return err
	}
	i = skipWS(b, i)
	if i != len(b) {
		return &syntaxError{i, "unexpected data after top-level value"}
	}
	return nil
}

func skipWS(b []byte, i int) int {
	if i < len(b) && b[i] > ' ' {
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func (st *state) value(sc *scanner, i int, node *pathNode) (int, error) {
	if node == nil {
		return sc.skipLoose(i)
	}
	b := sc.b
	if i >= len(b) {
		return 0, &syntaxError{i, "unexpected end of input"}
	}
	switch c := b[i]; {
	case c == '{':
		return st.object(sc, i, node)
	case c == '[':
		return st.array(sc, i, node)
	case c == '"':
		end, esc, err := scanString(b, i)
		if err != nil {
			return 0, err
		}
		if node.field >= 0 {
			s := b[i+1 : end-1]
			if esc {
				s = appendUnescaped(nil, s)
			}
			st.record(node.field, jString, s)
		}
		return end, nil
	case c == '-' || (c >= '0' && c <= '9'):
		end, err := scanNumber(b, i)
		if err != nil {
			return 0, err
		}
		if node.field >= 0 {
			st.record(node.field, jNumber, b[i:end])
		}
		return end, nil
	default:
		end, k, err := scanLiteral(b, i)
		if err != nil {
			return 0, err
		}
		if node.field >= 0 {
			st.record(node.field, k, nil)
		}
		return end, nil
	}
}

func scanLiteral(b []byte, i int) (int, jkind, error) {
	switch {
	case bytes.HasPrefix(b[i:], []byte("true")):
		return i + 4, jTrue, nil
	case bytes.HasPrefix(b[i:], []byte("false")):
		return i + 5, jFalse, nil
	case bytes.HasPrefix(b[i:], []byte("null")):
		return i + 4, jNull, nil
	}
	return 0, 0, &syntaxError{i, "unexpected character"}
}

// lookup finds the trie node for an object key below node. A key containing
// dots descends one level per segment, as EventBridge joins path segments
// with dots.
func lookup(node *pathNode, key []byte) *pathNode {
	if node.children == nil {
		return nil
	}
	for {
		j := bytes.IndexByte(key, '.')
		if j < 0 {
			return node.get(key)
		}
		node = node.get(key[:j])
		if node == nil || node.children == nil {
			return nil
		}
		key = key[j+1:]
	}
}

// get returns the child for one path segment: a short linear scan for
// small nodes, the map otherwise.
func (n *pathNode) get(seg []byte) *pathNode {
	if n.small != nil {
		for i := range n.small {
			if len(n.small[i].key) == len(seg) && n.small[i].key == string(seg) {
				return n.small[i].node
			}
		}
		return nil
	}
	return n.children[string(seg)]
}

func (st *state) object(sc *scanner, i int, node *pathNode) (int, error) {
	if sc.depth++; sc.depth > maxDepth {
		return 0, &syntaxError{i, "nesting too deep"}
	}
	b := sc.b
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		sc.depth--
		return i + 1, nil
	}
	for {
		i = skipWS(b, i)
		if i >= len(b) || b[i] != '"' {
			return 0, &syntaxError{i, "expected object key"}
		}
		end, esc, dotted, err := scanKey(b, i)
		if err != nil {
			return 0, err
		}
		key := b[i+1 : end-1]
		if esc {
			st.keyBuf = appendUnescaped(st.keyBuf[:0], key)
			key = st.keyBuf
		}
		var child *pathNode
		if dotted {
			child = lookup(node, key)
		} else if node.children != nil {
			child = node.get(key)
		}
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return 0, &syntaxError{i, "expected ':'"}
		}
		i = skipWS(b, i+1)
		if i, err = st.value(sc, i, child); err != nil {
			return 0, err
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return 0, &syntaxError{i, "unexpected end of input in object"}
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			sc.depth--
			return i + 1, nil
		default:
			return 0, &syntaxError{i, "expected ',' or '}'"}
		}
	}
}

func (st *state) array(sc *scanner, i int, node *pathNode) (int, error) {
	if sc.depth++; sc.depth > maxDepth {
		return 0, &syntaxError{i, "nesting too deep"}
	}
	b := sc.b
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		sc.depth--
		return i + 1, nil
	}
	id := st.arrays
	st.arrays++
	level := len(st.arrStack)
	for n := int32(0); ; n++ {
		i = skipWS(b, i)
		// Only an object or array element ties what it holds to its
		// position; a scalar element carries no position in this array
		// (event-ruler's array membership), so it never conflicts with the
		// fields of the array's objects.
		if i < len(b) && (b[i] == '{' || b[i] == '[') {
			st.arrStack = append(st.arrStack[:level], arrStep{array: id, index: n})
		} else {
			st.arrStack = st.arrStack[:level]
		}
		var err error
		if i, err = st.value(sc, i, node); err != nil {
			return 0, err
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return 0, &syntaxError{i, "unexpected end of input in array"}
		}
		switch b[i] {
		case ',':
			i++
		case ']':
			sc.depth--
			st.arrStack = st.arrStack[:level]
			return i + 1, nil
		default:
			return 0, &syntaxError{i, "expected ',' or ']'"}
		}
	}
}

// skipLoose skips one JSON value starting at b[i], checking only its
// structure: strings are terminated, brackets balance and pair up, scalars
// are not empty. This is what lets the Matcher pass over the parts of an
// event no pattern reads at a fraction of the cost of full validation.
func (sc *scanner) skipLoose(i int) (int, error) {
	b := sc.b
	if i >= len(b) {
		return 0, &syntaxError{i, "unexpected end of input"}
	}
	switch b[i] {
	case '"':
		return skipStringLoose(b, i)
	case '{', '[':
	case ',', '}', ']', ':':
		return 0, &syntaxError{i, "expected a value"}
	default:
		j := i
		for j < len(b) {
			switch b[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r', ':', '"', '{', '[':
				if j == i {
					return 0, &syntaxError{i, "expected a value"}
				}
				return j, nil
			}
			j++
		}
		return j, nil
	}
	var kinds [(maxDepth + 64) / 64]uint64 // bit d set: level d is an object
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			// skipStringLoose, inlined: strings are most of what is skipped.
			start := i
			i++
			for {
				for i+8 <= len(b) {
					if m := quoteMask(binary.LittleEndian.Uint64(b[i : i+8])); m != 0 {
						i += bits.TrailingZeros64(m) >> 3
						break
					}
					i += 8
				}
				if i >= len(b) {
					return 0, &syntaxError{start, "unterminated string"}
				}
				if b[i] == '"' {
					break
				}
				if b[i] == '\\' {
					i++
				}
				i++
			}
		case '{', '[':
			if sc.depth+depth+1 > maxDepth {
				return 0, &syntaxError{i, "nesting too deep"}
			}
			w, bit := depth>>6, uint64(1)<<(depth&63)
			if c == '{' {
				kinds[w] |= bit
			} else {
				kinds[w] &^= bit
			}
			depth++
		case '}', ']':
			depth--
			if (c == '}') != (kinds[depth>>6]&(1<<(depth&63)) != 0) {
				return 0, &syntaxError{i, "mismatched bracket"}
			}
			if depth == 0 {
				return i + 1, nil
			}
		}
		i++
	}
	return 0, &syntaxError{i, "unexpected end of input"}
}

func skipStringLoose(b []byte, i int) (int, error) {
	start := i
	i++
	for {
		for i+8 <= len(b) {
			if m := quoteMask(binary.LittleEndian.Uint64(b[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(b) {
			return 0, &syntaxError{start, "unterminated string"}
		}
		switch b[i] {
		case '"':
			return i + 1, nil
		case '\\':
			i += 2
		default:
			i++
		}
	}
}

// validate checks that b is one well-formed JSON value (and nothing else).
func validate(b []byte) error {
	sc := scanner{b: b}
	i, err := sc.skip(skipWS(b, 0))
	if err != nil {
		return err
	}
	if i = skipWS(b, i); i != len(b) {
		return &syntaxError{i, "unexpected data after top-level value"}
	}
	return nil
}

// skip checks and skips one JSON value starting at b[i]. It is iterative:
// a bit stack records whether each open container is an object or an array.
func (sc *scanner) skip(i int) (int, error) {
	b := sc.b
	var stack []bool // true: object; used beyond 64 levels
	var bits uint64  // the innermost 64 levels, 1 = object
	depth := 0
	push := func(obj bool) {
		if depth >= 64 {
			stack = append(stack, bits>>63 == 1)
		}
		bits <<= 1
		if obj {
			bits |= 1
		}
		depth++
	}
	pop := func() {
		depth--
		bits >>= 1
		if depth >= 64 {
			if stack[len(stack)-1] {
				bits |= 1 << 63
			}
			stack = stack[:len(stack)-1]
		}
	}
	base := sc.depth
	defer func() { sc.depth = base }()
value:
	if i >= len(b) {
		return 0, &syntaxError{i, "unexpected end of input"}
	}
	switch c := b[i]; {
	case c == '"':
		end, _, err := scanString(b, i)
		if err != nil {
			return 0, err
		}
		i = end
	case c == '{':
		if base+depth+1 > maxDepth {
			return 0, &syntaxError{i, "nesting too deep"}
		}
		push(true)
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '}' {
			pop()
			i++
			break
		}
		goto key
	case c == '[':
		if base+depth+1 > maxDepth {
			return 0, &syntaxError{i, "nesting too deep"}
		}
		push(false)
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			pop()
			i++
			break
		}
		goto value
	case c == '-' || (c >= '0' && c <= '9'):
		end, err := scanNumber(b, i)
		if err != nil {
			return 0, err
		}
		i = end
	default:
		end, _, err := scanLiteral(b, i)
		if err != nil {
			return 0, err
		}
		i = end
	}
	// After a value: close containers or move to the next member.
	for depth > 0 {
		i = skipWS(b, i)
		if i >= len(b) {
			return 0, &syntaxError{i, "unexpected end of input"}
		}
		obj := bits&1 == 1
		switch c := b[i]; {
		case c == ',':
			i = skipWS(b, i+1)
			if obj {
				goto key
			}
			goto value
		case obj && c == '}', !obj && c == ']':
			pop()
			i++
		default:
			return 0, &syntaxError{i, "expected ',' or a closing bracket"}
		}
	}
	return i, nil
key:
	if i >= len(b) || b[i] != '"' {
		return 0, &syntaxError{i, "expected object key"}
	}
	{
		end, _, err := scanString(b, i)
		if err != nil {
			return 0, err
		}
		i = skipWS(b, end)
	}
	if i >= len(b) || b[i] != ':' {
		return 0, &syntaxError{i, "expected ':'"}
	}
	i = skipWS(b, i+1)
	goto value
}
