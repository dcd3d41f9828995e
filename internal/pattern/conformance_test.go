package pattern

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// matchCase is one line of a *match*.jsonl file. The AWS-validated files
// carry the byte-exact texts in pattern_raw/event_raw; our own cases embed
// pattern and event as JSON, whose raw bytes are used as they are.
type matchCase struct {
	ID         string          `json:"id"`
	Pattern    json.RawMessage `json:"pattern"`
	Event      json.RawMessage `json:"event"`
	PatternRaw string          `json:"pattern_raw"`
	EventRaw   string          `json:"event_raw"`
	Match      bool            `json:"match"`
	Why        string          `json:"why"`
	Source     string          `json:"source"`
}

func (c *matchCase) pattern() []byte {
	if c.PatternRaw != "" {
		return []byte(c.PatternRaw)
	}
	return c.Pattern
}

func (c *matchCase) event() []byte {
	if c.EventRaw != "" {
		return []byte(c.EventRaw)
	}
	return c.Event
}

type invalidCase struct {
	ID         string          `json:"id"`
	Pattern    json.RawMessage `json:"pattern"`
	PatternRaw string          `json:"pattern_raw"`
	AWSError   string          `json:"aws_error"`
	Reason     string          `json:"reason"` // our own cases: the expected reason
	Path       *string         `json:"path"`   // our own cases: the expected path
	Why        string          `json:"why"`
}

func (c *invalidCase) pattern() []byte {
	if c.PatternRaw != "" {
		return []byte(c.PatternRaw)
	}
	return c.Pattern
}

func readJSONL[T any](t testing.TB, file string) []T {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("%s:%d: %v", file, n, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func runMatchCases(t *testing.T, file string, min int) {
	cases := readJSONL[matchCase](t, file)
	if len(cases) < min {
		t.Fatalf("%s: %d cases, want at least %d", file, len(cases), min)
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.ID] {
			t.Errorf("%s: duplicate id %s", file, c.ID)
		}
		seen[c.ID] = true
		t.Run(c.ID, func(t *testing.T) {
			p, err := Compile(c.pattern())
			if err != nil {
				t.Fatalf("Compile(%s): %v", c.pattern(), err)
			}
			got, err := p.Match(c.event())
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			if got != c.Match {
				t.Errorf("Pattern.Match = %v, want %v (%s)\npattern: %s\nevent:   %s", got, c.Match, c.Why, c.pattern(), c.event())
			}
			ref, err := referenceMatch(p, c.event())
			if err != nil || ref != c.Match {
				t.Errorf("reference evaluator = %v, %v; want %v", ref, err, c.Match)
			}
			m := NewMatcher()
			m.Add(c.ID, p)
			ids, err := m.Match(c.event())
			if err != nil {
				t.Fatalf("Matcher.Match: %v", err)
			}
			if (len(ids) == 1) != c.Match {
				t.Errorf("Matcher.Match = %q, want match=%v", ids, c.Match)
			}
		})
	}
}

func TestAWSValidatedCases(t *testing.T) { runMatchCases(t, "testdata/aws-match.jsonl", 207) }

const awsReasonPrefix = "Event pattern is not valid. Reason: "

func runInvalidCases(t *testing.T, file string, min int) {
	cases := readJSONL[invalidCase](t, file)
	if len(cases) < min {
		t.Fatalf("%s: %d cases, want at least %d", file, len(cases), min)
	}
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			p, err := Compile(c.pattern())
			if err == nil {
				t.Fatalf("Compile(%s) succeeded (%d conjunctions), want error", c.pattern(), len(p.subs))
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not *Error", err, err)
			}
			want := c.Reason
			if c.AWSError != "" {
				want = strings.TrimPrefix(c.AWSError, awsReasonPrefix)
			}
			if want != "" && pe.Reason != want {
				t.Errorf("reason = %q, want %q", pe.Reason, want)
			}
			if c.Path != nil && pe.Path != *c.Path {
				t.Errorf("path = %q, want %q", pe.Path, *c.Path)
			}
		})
	}
}

func TestAWSInvalidCases(t *testing.T) { runInvalidCases(t, "testdata/aws-invalid.jsonl", 38) }

func TestConformanceCases(t *testing.T) { runMatchCases(t, "testdata/cases.jsonl", 300) }

func TestInvalidCases(t *testing.T) { runInvalidCases(t, "testdata/invalid.jsonl", 50) }
