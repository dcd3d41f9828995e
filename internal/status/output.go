package status

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/rootwatch/rootwatch/internal/table"
)

// WriteTable writes the report as a table, one line per check:
//
//	REGION     CHECK          STATUS  DETAIL
//	us-east-1  subscriptions  FAIL    no confirmed subscription ...; fix: ...
//
// followed by a one-line summary.
func WriteTable(w io.Writer, r Report) error {
	return WriteTableWith(w, r, TableOptions{All: true})
}

// TableOptions say how much of a report WriteTableWith shows, and how wide.
type TableOptions struct {
	// All shows every check; else only the checks that are not ok, and for a
	// healthy report only the summary line.
	All bool
	// Width wraps the DETAIL column to fit this many columns (0: no limit).
	Width int
}

// WriteTableWith writes the checks o selects as a table, then the summary of
// the whole report.
func WriteTableWith(w io.Writer, r Report, o TableOptions) error {
	t := table.New("REGION", "CHECK", "STATUS", "DETAIL")
	for _, c := range r.Checks {
		if !o.All && c.Status == OK {
			continue
		}
		detail := c.Detail
		if c.Fix != "" {
			detail += "; fix: " + c.Fix
		}
		t.Row(c.Region, c.Check, strings.ToUpper(string(c.Status)), oneLine(detail))
	}
	if t.Len() > 0 || o.All {
		if err := t.Write(w, o.Width); err != nil {
			return err
		}
	}
	if l := stacksLine(r); l != "" {
		fmt.Fprintln(w, l)
	}
	_, err := fmt.Fprintln(w, Summary(r))
	return err
}

// Summary is the report in one line, e.g. "degraded: 2 failed, 1 warning, 20 ok".
func Summary(r Report) string {
	n := map[Status]int{}
	for _, c := range r.Checks {
		n[c.Status]++
	}
	var verdict string
	switch r.Status {
	case OK:
		verdict = "healthy"
	case Warn, Fail:
		verdict = "degraded"
	default:
		verdict = "could not check everything"
	}
	var parts []string
	for _, s := range []struct {
		st   Status
		name string
	}{{Error, "could not be checked"}, {Fail, "failed"}, {Warn, "warned"}, {OK, "ok"}} {
		if n[s.st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[s.st], s.name))
		}
	}
	regions := "1 region"
	if len(r.Regions) != 1 {
		regions = fmt.Sprintf("%d regions", len(r.Regions))
	}
	return fmt.Sprintf("%s: %s (account %s, home region %s, %s)", verdict, strings.Join(parts, ", "), r.Account, r.HomeRegion, regions)
}

// WriteJSON writes the report as indented JSON (the schema is in the package
// documentation).
func WriteJSON(w io.Writer, r Report) error {
	if r.Checks == nil {
		r.Checks = []Result{}
	}
	b, err := json.MarshalIndent(struct {
		Result string `json:"result"`
		Report
	}{r.Result(), r}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Result is the report's verdict, as the exit code says it: "healthy" (0),
// "degraded" (1: a check warned or failed), "incomplete" (2: a check could not
// be made, the rest is healthy) or "degraded-incomplete" (3).
func (r Report) Result() string {
	var degraded, incomplete bool
	for _, c := range r.Checks {
		degraded = degraded || c.Status == Warn || c.Status == Fail
		incomplete = incomplete || c.Status == Error
	}
	switch {
	case degraded && incomplete:
		return "degraded-incomplete"
	case degraded:
		return "degraded"
	case incomplete:
		return "incomplete"
	}
	return "healthy"
}

// oneLine keeps a table row on one line whatever an error message holds.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
