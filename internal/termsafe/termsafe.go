// Package termsafe makes text from outside rootwatch (CloudTrail records, AWS
// resource names and answers) safe to print in a table cell or CSV cell.
//
// Such text may be chosen by whoever made the request a record describes: an
// eventName or sourceIPAddress holding ESC[2J clears the reader's screen, one
// holding a newline forges a table row, and a right-to-left override reorders
// what the reader sees. Cell replaces every such character with a visible Go
// escape (\x1b, \n, \u202e), so what is printed is one line of inert text.
package termsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Cell returns s with every character that a terminal would act on instead of
// show escaped: C0 and C1 control characters (ESC, CR, LF, TAB, BEL, ...) and
// DEL, Unicode line and paragraph separators, and bidirectional formatting
// characters. Invalid UTF-8 bytes are escaped as \xNN. Text without such
// characters is returned unchanged (and unallocated).
func Cell(s string) string {
	i := strings.IndexFunc(s, unsafe)
	if i < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && unsafe(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

// unsafe reports whether a terminal may act on r rather than show it.
func unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidirectional marks, embeddings, overrides and isolates
	case r == utf8.RuneError:
		return false // a literal U+FFFD is shown as itself; invalid bytes are handled by the caller
	}
	return unicode.Is(unicode.Cc, r)
}

// Cells returns Cell of each of ss, in a new slice.
func Cells(ss ...string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Cell(s)
	}
	return out
}
