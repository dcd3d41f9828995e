package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloudtrail"
	"github.com/rootwatch/rootwatch/internal/pattern"
	"github.com/rootwatch/rootwatch/internal/table"
)

// gunzip returns b decompressed when it is gzip data, else b.
func gunzip(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return out, nil
}

// isLogFile reports whether b is a delivered CloudTrail log file
// ({"Records":[...]}) or JSON lines of records or events, rather than one
// event or record.
func isLogFile(b []byte) bool {
	b = bytes.TrimSpace(b)
	if json.Valid(b) {
		var f struct {
			Records json.RawMessage `json:"Records"`
		}
		return json.Unmarshal(b, &f) == nil && bytes.HasPrefix(bytes.TrimSpace(f.Records), []byte("["))
	}
	// Damaged input still says what it was meant to be: a log file begins
	// with its Records, JSON lines have one object a line.
	return logFileStart.Match(b) || bytes.Contains(b, []byte("}\n{")) || bytes.Contains(b, []byte("}\r\n{"))
}

var logFileStart = regexp.MustCompile(`^\{\s*"Records"\s*:\s*\[`)

// recordMatch is one record of a log file the pattern matched.
type recordMatch struct {
	Index     int    `json:"index"`  // the record's index in the file, from 0
	Offset    int64  `json:"offset"` // its offset in the (decompressed) file
	Time      string `json:"time"`
	EventName string `json:"eventName"`
	EventID   string `json:"eventID"`
}

// logResult is `pattern test` on a log file.
type logResult struct {
	Result         string        `json:"result"` // match when a record matched, else no-match
	Match          bool          `json:"match"`
	Records        int           `json:"records"` // records evaluated
	Matched        int           `json:"matched"` // records the pattern matched
	MatchedRecords []recordMatch `json:"matchedRecords"`
	Error          string        `json:"error,omitempty"` // the file could not be read to its end
}

// testLogFile evaluates p on every record of a log file: a table of the
// matching records (every record with --verbose) and a count, or JSON.
// Exit 0 when a record matched, 1 when none did; when the file could not be
// read to its end, 2 if a record matched, else 3.
func testLogFile(env *Env, g *globals, p *pattern.Pattern, src []byte) error {
	res := logResult{MatchedRecords: []recordMatch{}}
	t := table.New("RECORD", "TIME", "EVENT", "EVENT ID", "ANSWER")
	rd := cloudtrail.NewReader(bytes.NewReader(src))
	var readErr error
	for i := 0; ; i++ {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr = fmt.Errorf("event: record %d: %w", i, err)
			break
		}
		event, _, err := eventFromArg(rec.Data)
		if err == nil {
			var ok bool
			if ok, err = p.Match(event); err == nil {
				res.Records++
				s, _ := cloudtrail.Summarize(rec.Data)
				m := recordMatch{Index: i, Offset: rec.Offset, EventName: s.EventName, EventID: s.EventID}
				if !s.Time.IsZero() {
					m.Time = s.Time.UTC().Format(time.RFC3339)
				}
				answer := "no match"
				if ok {
					res.Matched++
					res.MatchedRecords = append(res.MatchedRecords, m)
					answer = "match"
				}
				if ok || g.verbose {
					t.Row(fmt.Sprint(i), m.Time, m.EventName, m.EventID, answer)
				}
				continue
			}
		}
		readErr = fmt.Errorf("event: record %d at offset %d: %w", i, rec.Offset, err)
		break
	}
	res.Match = res.Matched > 0
	res.Result = "no-match"
	if res.Match {
		res.Result = "match"
	}
	if readErr != nil {
		res.Error = readErr.Error()
	}
	if g.output == "json" {
		if err := writeIndentedJSON(env.Stdout, res); err != nil {
			return err
		}
	} else {
		if t.Len() > 0 {
			if err := t.Write(env.Stdout, env.Width); err != nil {
				return err
			}
		}
		fmt.Fprintf(env.Stdout, "%d of %s matched\n", res.Matched, plural(res.Records, "record"))
	}
	return outcome(!res.Match, readErr != nil, readErr)
}
