package scan

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/rootwatch/rootwatch/internal/rules"
)

// A Writer writes findings one at a time as they come (Options.Emit), in the
// same formats as WriteTable, WriteJSON and WriteCSV. Each finding reaches w
// when it is written: nothing is held back.
type Writer struct {
	w      io.Writer
	format string
	header bool
	enc    *json.Encoder
	cw     *csv.Writer
	kind   int // the table's KIND column width
}

// NewWriter returns a Writer of format "table", "json" or "csv" to w.
func NewWriter(w io.Writer, format string) (*Writer, error) {
	sw := &Writer{w: w, format: format}
	switch format {
	case "json":
		sw.enc = json.NewEncoder(w)
		sw.enc.SetEscapeHTML(false)
	case "csv":
		sw.cw = csv.NewWriter(w)
	case "table":
		// Rows cannot be aligned on what has not been read yet: the columns
		// are as wide as their longest possible values (a wider value pushes
		// the rest of its row).
		for _, r := range rules.All() {
			sw.kind = max(sw.kind, len(r.ID))
		}
	default:
		return nil, fmt.Errorf("unknown output format %q", format)
	}
	return sw, nil
}

// The table's fixed column widths, but for KIND (the longest rule ID) and the
// last column.
var tableWidths = []int{len("2006-01-02T15:04:05Z"), 12, len("ap-southeast-2"), 0, 24, 15, 3}

// Write writes one finding (after the header, the first time).
func (sw *Writer) Write(f Finding) error {
	switch sw.format {
	case "json":
		return sw.enc.Encode(jsonFinding(f))
	case "csv":
		if !sw.header {
			sw.header = true
			sw.cw.Write(csvHeader)
		}
		sw.cw.Write(csvRow(f))
		sw.cw.Flush()
		return sw.cw.Error()
	}
	if !sw.header {
		sw.header = true
		if _, err := io.WriteString(sw.w, sw.row("TIME", "ACCOUNT", "REGION", "KIND", "EVENT", "SOURCE IP", "MFA", "RESULT")); err != nil {
			return err
		}
	}
	s := f.Summary
	_, err := io.WriteString(sw.w, sw.row(formatTime(s.Time), dash(s.Account), dash(s.Region), f.Rule.ID,
		dash(s.EventName), dash(s.SourceIP), dash(s.MFA), dash(s.Result)))
	return err
}

// row pads cells to the table's widths, two spaces apart.
func (sw *Writer) row(cells ...string) string {
	var b strings.Builder
	pending := 0 // width owed by the cells before
	for i, c := range cells {
		if i > 0 {
			b.WriteString(strings.Repeat(" ", max(pending, 0)+2))
		}
		b.WriteString(c)
		if i < len(tableWidths) {
			w := tableWidths[i]
			if i == 3 {
				w = sw.kind
			}
			pending = w - len(c)
		}
	}
	b.WriteByte('\n')
	return b.String()
}
