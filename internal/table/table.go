// Package table renders the text tables rootwatch prints: every cell made safe
// for a terminal (termsafe.Cell), columns aligned with two spaces between
// them, and the last column wrapped at word boundaries so that each line fits
// the terminal's width.
package table

import (
	"io"
	"strings"
	"unicode/utf8"

	"github.com/rootwatch/rootwatch/internal/termsafe"
)

// minLast is the narrowest the last column is wrapped to; on a terminal too
// narrow for that the lines are left long rather than wrapped into a column
// of single words.
const minLast = 24

// stackIndent indents a last cell put below its row.
const stackIndent = 4

// Table is a header and rows of cells.
type Table struct {
	rows [][]string
}

// New returns a table with the given header cells.
func New(header ...string) *Table { return &Table{rows: [][]string{header}} }

// Row adds a row; each cell is escaped with termsafe.Cell.
func (t *Table) Row(cells ...string) {
	t.rows = append(t.rows, termsafe.Cells(cells...))
}

// Len is the number of rows, without the header.
func (t *Table) Len() int { return len(t.rows) - 1 }

// Write writes the table. With width > 0 every line fits in width columns:
// a long last cell is wrapped, its continuation lines indented to the last
// column; when the other columns leave it less than minLast, it goes on the
// lines below its row, indented; and when the other columns alone are wider
// than width, the widest-reaching ones are joined into the last.
func (t *Table) Write(w io.Writer, width int) error {
	cols := 0
	for _, r := range t.rows {
		cols = max(cols, len(r))
	}
	widths := make([]int, cols)
	for _, r := range t.rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	prefix := func(k int) int { // the width of the columns before column k
		n := 0
		for _, w := range widths[:k] {
			n += w + 2
		}
		return n
	}
	k, stack := cols-1, false // cells from k on make the last column
	if width > 0 && prefix(k)+minLast > width {
		if prefix(k) <= width {
			stack = true
		} else {
			for k > 1 && prefix(k)+minLast > width {
				k--
			}
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		r = append(r, make([]string, cols-len(r))...)
		var row strings.Builder
		for i, c := range r[:k] {
			row.WriteString(c)
			row.WriteString(strings.Repeat(" ", widths[i]+2-utf8.RuneCountInString(c)))
		}
		last := strings.TrimRight(strings.Join(r[k:], "  "), " ")
		if k == cols-1 {
			last = r[k]
		}
		indent := prefix(k)
		lines := []string{last}
		switch {
		case width <= 0 || utf8.RuneCountInString(last) <= width-indent:
			b.WriteString(row.String())
		case !stack:
			b.WriteString(row.String())
			lines = Wrap(last, max(width-indent, minLast))
		default:
			b.WriteString(strings.TrimRight(row.String(), " "))
			lines = append([]string{""}, Wrap(last, max(width-stackIndent, minLast))...)
			indent = stackIndent
		}
		for i, l := range lines {
			if i > 0 {
				b.WriteString(strings.Repeat(" ", indent))
			}
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Wrap splits s into lines of at most width runes, at spaces; a word longer
// than width is cut.
func Wrap(s string, width int) []string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return []string{s}
	}
	var lines []string
	var cur []rune
	for _, word := range strings.Fields(s) {
		rw := []rune(word)
		for len(rw) > 0 {
			switch {
			case len(cur) == 0 && len(rw) <= width:
				cur, rw = append(cur, rw...), nil
			case len(cur) == 0:
				lines = append(lines, string(rw[:width]))
				rw = rw[width:]
			case len(cur)+1+len(rw) <= width:
				cur = append(append(cur, ' '), rw...)
				rw = nil
			default:
				lines = append(lines, string(cur))
				cur = cur[:0]
			}
		}
	}
	if len(cur) > 0 || len(lines) == 0 {
		lines = append(lines, string(cur))
	}
	return lines
}
