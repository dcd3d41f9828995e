// Package table renders the text tables rootwatch prints: every cell made safe
// for a terminal (termsafe.Cell), columns aligned with two spaces between
// them, and the last column wrapped at word boundaries so that each line fits
// the terminal's width.
package table

import (
	"io"
	"slices"
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
	l := newLayout(widths, width)
	var b strings.Builder
	for _, r := range t.rows {
		l.row(&b, r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// A Stream writes a table one row at a time, as its rows become known (a
// scan's findings): its columns have fixed widths, given up front, and it is
// laid out to fit width as Table.Write lays out a table whose columns have
// those widths. A cell wider than its column pushes the rest of its row.
type Stream struct {
	w      io.Writer
	layout layout
	header []string
}

// NewStream returns a stream of rows under header, whose columns are widths
// wide (the last column's width is not used), to w, fitted to width (0: no
// limit). The header is written with the first row.
func NewStream(w io.Writer, width int, widths []int, header ...string) *Stream {
	ws := slices.Clone(widths)
	for i, h := range header {
		if i < len(ws) {
			ws[i] = max(ws[i], utf8.RuneCountInString(h))
		}
	}
	return &Stream{w: w, layout: newLayout(ws, width), header: header}
}

// Row writes a row (after the header, the first time); each cell is escaped
// with termsafe.Cell.
func (s *Stream) Row(cells ...string) error {
	var b strings.Builder
	if s.header != nil {
		s.layout.row(&b, s.header)
		s.header = nil
	}
	s.layout.row(&b, termsafe.Cells(cells...))
	_, err := io.WriteString(s.w, b.String())
	return err
}

// layout is how a table's rows are laid out: the columns' widths, the first
// of the columns joined into the last (k), and whether the last goes below
// its row (stack).
type layout struct {
	widths []int
	width  int
	k      int
	stack  bool
}

func newLayout(widths []int, width int) layout {
	l := layout{widths: widths, width: width, k: len(widths) - 1}
	if width > 0 && l.prefix(l.k)+minLast > width {
		if l.prefix(l.k) <= width {
			l.stack = true
		} else {
			for l.k > 1 && l.prefix(l.k)+minLast > width {
				l.k--
			}
		}
	}
	return l
}

// prefix is the width of the columns before column k.
func (l layout) prefix(k int) int {
	n := 0
	for _, w := range l.widths[:k] {
		n += w + 2
	}
	return n
}

// row writes one row to b.
func (l layout) row(b *strings.Builder, r []string) {
	cols := len(l.widths)
	r = append(slices.Clone(r), make([]string, max(cols-len(r), 0))...)
	var row strings.Builder
	for i, c := range r[:l.k] {
		row.WriteString(c)
		row.WriteString(strings.Repeat(" ", max(l.widths[i]-utf8.RuneCountInString(c), 0)+2))
	}
	last := strings.TrimRight(strings.Join(r[l.k:], "  "), " ")
	if l.k == cols-1 {
		last = r[l.k]
	}
	indent := l.prefix(l.k)
	// A cell wider than its column (a stream's) pushed the last column: it
	// starts where the row ends.
	start := max(indent, utf8.RuneCountInString(row.String()))
	lines := []string{last}
	switch {
	case l.width <= 0 || utf8.RuneCountInString(last) <= l.width-start:
		b.WriteString(row.String())
	case !l.stack && start == indent:
		b.WriteString(row.String())
		lines = Wrap(last, max(l.width-indent, minLast))
	default:
		b.WriteString(strings.TrimRight(row.String(), " "))
		lines = append([]string{""}, Wrap(last, max(l.width-stackIndent, minLast))...)
		indent = stackIndent
	}
	for i, line := range lines {
		if i > 0 {
			b.WriteString(strings.Repeat(" ", indent))
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
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
