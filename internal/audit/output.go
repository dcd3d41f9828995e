package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/rootwatch/rootwatch/internal/table"
)

// WriteJSON writes the report as one indented JSON document (see README.md).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Result string `json:"result"`
		*Report
	}{r.Result(), r})
}

// Result is the report's verdict, as the exit code says it: "passed" (0),
// "failed" (1: a check warned or failed), "incomplete" (2: a check could not
// be done, none warned or failed) or "failed-incomplete" (3).
func (r *Report) Result() string { return verdict(r.Failed(), r.Incomplete(), "passed", "failed") }

// verdict is a result word: ok, or found (something to report), with
// "incomplete" for what could not be done.
func verdict(found, incomplete bool, ok, foundWord string) string {
	switch {
	case found && incomplete:
		return foundWord + "-incomplete"
	case found:
		return foundWord
	case incomplete:
		return "incomplete"
	}
	return ok
}

// WriteTable writes the report as a table of checks, one line each, with the
// fix under every check that did not pass, and a summary line.
func WriteTable(w io.Writer, r *Report) error { return WriteTableWidth(w, r, 0) }

// WriteTableWidth writes the table as WriteTable does, its DETAIL column
// wrapped to fit width columns (0: no limit).
func WriteTableWidth(w io.Writer, r *Report, width int) error {
	t := table.New("STATUS", "CHECK", "DETAIL")
	for _, c := range r.Checks {
		t.Row(strings.ToUpper(string(c.Status)), c.ID, c.Detail)
		if c.Fix != "" {
			t.Row("", "", "fix: "+c.Fix)
		}
	}
	if err := t.Write(w, width); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\naccount %s: %d pass, %d warn, %d fail, %d skipped, %d could not check\n",
		r.Account, r.Summary[Pass], r.Summary[Warn], r.Summary[Fail], r.Summary[Skip], r.Summary[Error])
	return err
}
