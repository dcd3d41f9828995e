package pattern

import (
	"bytes"
	"errors"
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
		if _, err := sc.skip(i); err != nil {
			return err
		}
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
		return sc.skip(i)
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
	if bytes.IndexByte(key, '.') < 0 {
		return node.children[string(key)]
	}
	for {
		j := bytes.IndexByte(key, '.')
		if j < 0 {
			return node.children[string(key)]
		}
		node = node.children[string(key[:j])]
		if node == nil || node.children == nil {
			return nil
		}
		key = key[j+1:]
	}
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
		end, esc, err := scanString(b, i)
		if err != nil {
			return 0, err
		}
		key := b[i+1 : end-1]
		if esc {
			st.keyBuf = appendUnescaped(st.keyBuf[:0], key)
			key = st.keyBuf
		}
		child := lookup(node, key)
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
	st.arrStack = append(st.arrStack, arrStep{array: id})
	for n := int32(0); ; n++ {
		st.arrStack[level].index = n
		i = skipWS(b, i)
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

// skip checks and skips one JSON value starting at b[i].
func (sc *scanner) skip(i int) (int, error) {
	b := sc.b
	if i >= len(b) {
		return 0, &syntaxError{i, "unexpected end of input"}
	}
	switch c := b[i]; {
	case c == '"':
		end, _, err := scanString(b, i)
		return end, err
	case c == '{':
		if sc.depth++; sc.depth > maxDepth {
			return 0, &syntaxError{i, "nesting too deep"}
		}
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
			end, _, err := scanString(b, i)
			if err != nil {
				return 0, err
			}
			i = skipWS(b, end)
			if i >= len(b) || b[i] != ':' {
				return 0, &syntaxError{i, "expected ':'"}
			}
			if i, err = sc.skip(skipWS(b, i+1)); err != nil {
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
	case c == '[':
		if sc.depth++; sc.depth > maxDepth {
			return 0, &syntaxError{i, "nesting too deep"}
		}
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			sc.depth--
			return i + 1, nil
		}
		for {
			var err error
			if i, err = sc.skip(skipWS(b, i)); err != nil {
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
				return i + 1, nil
			default:
				return 0, &syntaxError{i, "expected ',' or ']'"}
			}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(b, i)
	default:
		end, _, err := scanLiteral(b, i)
		return end, err
	}
}
