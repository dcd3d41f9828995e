package selftest

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/rootwatch/rootwatch/internal/termsafe"
)

// WriteJSON writes the result as one indented JSON document (see README.md).
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Verdict string `json:"result"`
		*Result
	}{r.Verdict(), r})
}

// Verdict is the result as the exit code says it: "passed" (0: every check
// passed), "failed" (1: a check failed or a temporary resource was left),
// "unverified" (2: a check could not be verified, none failed) or
// "failed-unverified" (3).
func (r *Result) Verdict() string {
	failed, unverified := r.Failed(), r.count(NotVerifiable)+r.count(Error) > 0
	switch {
	case failed && unverified:
		return "failed-unverified"
	case failed:
		return "failed"
	case unverified:
		return "unverified"
	}
	return "passed"
}

func label(s Status) string {
	switch s {
	case NotVerifiable:
		return "N/V "
	case Error:
		return "ERR "
	}
	return strings.ToUpper(string(s))
}

// WriteText writes the result for a person: each check on a line, the message
// as an e-mail subscriber reads it, what was created and removed, a verdict.
func WriteText(w io.Writer, r *Result) error {
	ew := &errWriter{w: w}
	engine := "the endpoint's TestEventPattern"
	if r.PatternEngine == EngineLocal {
		engine = "the LOCAL ENGINE"
	}
	ew.printf("Pattern check (rule pack fixtures, answered by %s):\n", engine)
	if r.PatternNote != "" {
		ew.printf("  note: %s\n", r.PatternNote)
	}
	for _, p := range r.Patterns {
		ew.printf("  %s  %-48s %d root events, %d look-alikes [%s]\n", label(p.Status), p.Rule, p.Positives, p.Negatives, p.Engine)
		for _, pr := range p.Problems {
			ew.printf("        %s\n", pr)
		}
	}
	ew.printf("\nLinks (%s):\n", r.HomeRegion)
	for _, l := range r.Links {
		ew.printf("  %s  %-18s %s\n", label(l.Status), l.Name, l.Detail)
	}
	ew.printf("\nDelivery check (temporary rule, queue and subscription, removed afterwards):\n")
	ew.printf("  %s  %s\n", label(r.Delivery.Status), r.Delivery.Detail)
	for _, h := range r.Delivery.Hops {
		ew.printf("        %s  %-18s %s\n", label(h.Status), h.Name, h.Detail)
	}
	if r.Delivery.Message != "" {
		ew.printf("\n  What an e-mail subscriber reads (latency %dms):\n\n    %s\n", r.Delivery.LatencyMS, r.Delivery.Message)
		if r.Delivery.Expected != "" && r.Delivery.Expected != r.Delivery.Message {
			ew.printf("\n  What the rule pack renders for the same event:\n\n    %s\n", r.Delivery.Expected)
		}
	}
	if r.Notify != nil {
		ew.printf("\nNotify:\n  %s  %s\n", label(r.Notify.Status), r.Notify.Detail)
	}
	ew.printf("\nTemporary resources: %d created", len(r.Temporary))
	if len(r.CleanupErrors) == 0 {
		ew.printf(", all removed\n")
	} else {
		ew.printf(", NOT ALL REMOVED; remove these by hand:\n")
		for _, e := range r.CleanupErrors {
			ew.printf("  %s\n", e)
		}
	}
	switch {
	case r.Passed():
		ew.printf("\nResult: every check passed.\n")
	case r.Failed():
		ew.printf("\nResult: FAILED: see the FAIL lines above.\n")
	default:
		ew.printf("\nResult: not every check could be verified (N/V, ERR above); nothing failed.\n")
	}
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

// printf prints format with args; every string argument (text from AWS) is
// made safe for a terminal first (termsafe.Cell).
func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = termsafe.Cell(s)
		}
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}
