package scan

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/rootwatch/rootwatch/internal/rules"
	"github.com/rootwatch/rootwatch/internal/table"
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
	table  *table.Stream
}

// NewWriter returns a Writer of format "table", "json" or "csv" to w.
func NewWriter(w io.Writer, format string) (*Writer, error) {
	return NewWriterWidth(w, format, 0)
}

// NewWriterWidth is NewWriter whose table fits width columns (a terminal's;
// 0: no limit), laid out as every table of rootwatch's (internal/table).
func NewWriterWidth(w io.Writer, format string, width int) (*Writer, error) {
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
		widths := slices.Clone(tableWidths)
		for _, r := range rules.All() {
			widths[3] = max(widths[3], len(r.ID))
		}
		sw.table = table.NewStream(w, width, widths, "TIME", "ACCOUNT", "REGION", "KIND", "EVENT", "SOURCE IP", "MFA", "RESULT")
	default:
		return nil, fmt.Errorf("unknown output format %q", format)
	}
	return sw, nil
}

// The table's fixed column widths, but for KIND (the longest rule ID) and the
// last column.
var tableWidths = []int{len("2006-01-02T15:04:05Z"), 12, len("ap-southeast-2"), 0, 24, 15, 3, 0}

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
	s := f.Summary
	return sw.table.Row(formatTime(s.Time), dash(s.Account), dash(s.Region), f.Rule.ID,
		dash(s.EventName), dash(s.SourceIP), dash(s.MFA), dash(s.Result))
}
