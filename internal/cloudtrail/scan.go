package cloudtrail

import (
	"encoding/json"
	"errors"
	"fmt"
)

// walkTop calls fn with each top-level key and the raw bytes of its value in
// the JSON object b, until fn returns false. Keys are passed decoded (escapes
// resolved). Nested values are skipped by bracket matching (strings honoured),
// not validated. The whole of b must be one object, possibly surrounded by white
// space; a syntax error at the top level is reported.
func walkTop(b []byte, fn func(key, raw []byte) bool) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return fmt.Errorf("%w: not a JSON object", ErrNotRecord)
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return trailing(b, i+1)
	}
	more := true
	for {
		if i >= len(b) || b[i] != '"' {
			return syntaxError(b, i, "expected a key")
		}
		end, err := skipString(b, i)
		if err != nil {
			return err
		}
		key := b[i+1 : end-1]
		if containsByte(key, '\\') {
			var s string
			if err := json.Unmarshal(b[i:end], &s); err != nil {
				return syntaxError(b, i, "bad key")
			}
			key = []byte(s)
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return syntaxError(b, i, "expected ':'")
		}
		i = skipSpace(b, i+1)
		vend, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if more {
			more = fn(key, b[i:vend])
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return syntaxError(b, i, "unterminated object")
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return trailing(b, i+1)
		default:
			return syntaxError(b, i, "expected ',' or '}'")
		}
	}
}

func trailing(b []byte, i int) error {
	if i = skipSpace(b, i); i != len(b) {
		return syntaxError(b, i, "data after the object")
	}
	return nil
}

func syntaxError(b []byte, i int, what string) error {
	if i >= len(b) {
		return fmt.Errorf("%w: %s at end of input", ErrNotRecord, what)
	}
	return fmt.Errorf("%w: %s at offset %d", ErrNotRecord, what, i)
}

var errUnterminated = errors.New("unterminated value")

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the offset just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '\\':
			j++
		case c == '"':
			return j + 1, nil
		case c < 0x20:
			return 0, syntaxError(b, j, "control character in string")
		}
	}
	return 0, fmt.Errorf("%w: %v", ErrNotRecord, errUnterminated)
}

// skipValue returns the offset just past the value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, syntaxError(b, i, "expected a value")
	}
	switch c := b[i]; c {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("%w: %v", ErrNotRecord, errUnterminated)
	default:
		j := i
		for j < len(b) && !isSpace(b[j]) && b[j] != ',' && b[j] != '}' && b[j] != ']' {
			j++
		}
		if j == i || !validScalar(b[i:j]) {
			return 0, syntaxError(b, i, "bad value")
		}
		return j, nil
	}
}

// validScalar checks a literal or number token at the top level.
func validScalar(t []byte) bool {
	switch string(t) {
	case "true", "false", "null":
		return true
	}
	return json.Valid(t)
}
