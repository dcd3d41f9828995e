package scan

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rootwatch/rootwatch/internal/termsafe"
)

// WriteTable writes findings as a table: time, account, region, kind, event,
// source IP, MFA, result.
func WriteTable(w io.Writer, findings []Finding) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tACCOUNT\tREGION\tKIND\tEVENT\tSOURCE IP\tMFA\tRESULT")
	for _, f := range findings {
		s := f.Summary
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", formatTime(s.Time), dash(s.Account), dash(s.Region),
			f.Rule.ID, dash(s.EventName), dash(s.SourceIP), dash(s.MFA), dash(s.Result))
	}
	return tw.Flush()
}

// dash is a table cell: s made safe for a terminal (termsafe.Cell), or "-".
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return termsafe.Cell(s)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// JSONFinding is one line of --output json: a JSON object per finding, one per
// line (JSON lines), in time order. Fields are always present; "" when the
// record does not say.
//
//	time         the event's time, RFC 3339 UTC
//	account      recipientAccountId
//	region       awsRegion
//	kind         the rule pack's rule ID (root-console-signin-no-mfa, ...)
//	title        the rule's title
//	severity     critical, high, medium or low
//	event        eventName
//	eventSource  eventSource (signin.amazonaws.com, ...)
//	eventID      eventID
//	identityType userIdentity.type
//	arn          userIdentity.arn
//	sourceIP     sourceIPAddress
//	userAgent    userAgent
//	mfa          "Yes", "No" or ""
//	result       "Success", "Failure" or the errorCode
//	source       where it was read: a path, an s3:// URL, or lookup:REGION
//	offset       the record's offset in the decompressed file (the event's
//	             index in a region's history for lookup)
//	record       the raw CloudTrail record (the raw event for a file of
//	             EventBridge events), byte for byte
type JSONFinding struct {
	Time         string          `json:"time"`
	Account      string          `json:"account"`
	Region       string          `json:"region"`
	Kind         string          `json:"kind"`
	Title        string          `json:"title"`
	Severity     string          `json:"severity"`
	Event        string          `json:"event"`
	EventSource  string          `json:"eventSource"`
	EventID      string          `json:"eventID"`
	IdentityType string          `json:"identityType"`
	ARN          string          `json:"arn"`
	SourceIP     string          `json:"sourceIP"`
	UserAgent    string          `json:"userAgent"`
	MFA          string          `json:"mfa"`
	Result       string          `json:"result"`
	Source       string          `json:"source"`
	Offset       int64           `json:"offset"`
	Record       json.RawMessage `json:"record"`
}

// WriteJSON writes findings as JSON lines of JSONFinding.
func WriteJSON(w io.Writer, findings []Finding) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, f := range findings {
		if err := enc.Encode(jsonFinding(f)); err != nil {
			return err
		}
	}
	return nil
}

func jsonFinding(f Finding) JSONFinding {
	s := f.Summary
	t := ""
	if !s.Time.IsZero() {
		t = s.Time.UTC().Format(time.RFC3339)
	}
	return JSONFinding{
		Time: t, Account: s.Account, Region: s.Region, Kind: f.Rule.ID, Title: f.Rule.Title,
		Severity: string(f.Rule.Severity), Event: s.EventName, EventSource: s.EventSource, EventID: s.EventID,
		IdentityType: s.IdentityType, ARN: s.ARN, SourceIP: s.SourceIP, UserAgent: s.UserAgent,
		MFA: s.MFA, Result: s.Result, Source: f.Source, Offset: f.Offset, Record: f.Record,
	}
}

// WriteCSV writes findings as CSV with a header line.
func WriteCSV(w io.Writer, findings []Finding) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, f := range findings {
		cw.Write(csvRow(f))
	}
	cw.Flush()
	return cw.Error()
}

var csvHeader = []string{"time", "account", "region", "kind", "event", "source_ip", "mfa", "result", "event_id", "arn", "source", "offset"}

func csvRow(f Finding) []string {
	s := f.Summary
	return termsafe.CSVCells(formatTime(s.Time), s.Account, s.Region, f.Rule.ID, s.EventName, s.SourceIP, s.MFA, s.Result, s.EventID, s.ARN, f.Source, fmt.Sprint(f.Offset))
}

// WriteSummary writes the scan's summary: files, bytes, events of the event
// history, findings by kind, errors.
func WriteSummary(w io.Writer, r Result) {
	st := r.Stats
	if r.Interrupted {
		total := fmt.Sprint(st.TotalFiles)
		if !st.Listed {
			total += "+ listed so far"
		}
		fmt.Fprintf(w, "interrupted: what was found until then is above; %d of %s files read\n", st.Files, total)
	}
	history := ""
	if st.HistoryEvents > 0 {
		history = ", " + plural(st.HistoryEvents, "event") + " of the event history"
	}
	fmt.Fprintf(w, "scanned %s (%s stored, %s of CloudTrail)%s in %s\n",
		plural(st.Files, "file"), Size(st.Compressed), Size(st.Bytes), history, st.Elapsed.Round(time.Millisecond))
	kinds := make([]string, 0, len(r.ByKind))
	for k := range r.ByKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, r.ByKind[k]))
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "findings: %d (%s)\n", st.Findings, strings.Join(parts, ", "))
	} else {
		fmt.Fprintf(w, "findings: 0\n")
	}
	fmt.Fprintf(w, "errors: %d\n", st.Errors)
}

// plural is "1 file", "2 files".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Size formats a byte count for people.
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// ProgressLine formats a progress line: files, bytes, bytes/s, ETA.
func ProgressLine(st Stats) string {
	secs := st.Elapsed.Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	if st.Regions > 0 && st.TotalFiles == 0 {
		// The event history alone (--lookup): per region.
		line := fmt.Sprintf("reading event history: %d/%d regions, %d events", st.RegionsDone, st.Regions, st.HistoryEvents)
		if st.Findings > 0 {
			line += fmt.Sprintf(", %d findings", st.Findings)
		}
		return line
	}
	files := fmt.Sprint(st.Files)
	if st.Listed {
		files += "/" + fmt.Sprint(st.TotalFiles)
	}
	line := fmt.Sprintf("scanning: %s files, %s uncompressed, %s/s", files, Size(st.Bytes), Size(int64(float64(st.Bytes)/secs)))
	if st.Listed && st.Compressed > 0 && st.TotalSize > st.Compressed {
		eta := time.Duration(float64(st.Elapsed) * float64(st.TotalSize-st.Compressed) / float64(st.Compressed))
		line += ", ETA " + eta.Round(time.Second).String()
	}
	if st.Regions > 0 {
		line += fmt.Sprintf(", event history %d/%d regions", st.RegionsDone, st.Regions)
	}
	if st.Findings > 0 {
		line += fmt.Sprintf(", %d findings", st.Findings)
	}
	return line
}
