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
// "degraded" (1: a link works but may miss, delay or narrow alerts),
// "unverified" (2: a check could not be verified, none failed or warned), or
// "failed-unverified" / "degraded-unverified" (3).
func (r *Result) Verdict() string {
	v := "passed"
	switch {
	case r.Failed():
		v = "failed"
	case r.Degraded():
		v = "degraded"
	}
	switch {
	case r.Unverified() && v == "passed":
		return "unverified"
	case r.Unverified():
		return v + "-unverified"
	}
	return v
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
		ew.printf("  %s  %-48s %d positives, %d look-alikes [%s]\n", label(p.Status), p.Rule, p.Positives, p.Negatives, p.Engine)
		for _, pr := range p.Problems {
			ew.printf("        %s\n", pr)
		}
	}
	ew.printf("\nLinks (%s; the same checks as rootwatch status):\n", r.HomeRegion)
	for _, l := range collapse(r.Links) {
		ew.printf("  %s  %-18s %s\n", label(l.Status), l.Name, l.Detail)
		if l.Fix != "" && l.Status != Pass {
			ew.printf("        fix: %s\n", l.Fix)
		}
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
	for _, c := range r.Channels {
		ew.printf("  %s  %s\n", label(c.Status), c.Detail)
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
	case r.Degraded():
		ew.printf("\nResult: DEGRADED: alerts are delivered, but see the WARN lines above.\n")
	default:
		ew.printf("\nResult: not every check could be verified (N/V, ERR above); nothing failed.\n")
	}
	return ew.err
}

// collapse folds the passing per-rule links (alert-rule/ID, alert-pattern/ID,
// alert-target/ID) into one line per kind, so that the text shows what is
// wrong without a line for each of the pack's rules; the JSON has them all.
func collapse(links []Link) []Link {
	var out []Link
	passed := map[string]int{}
	at := map[string]int{} // index in out of a kind's summary line
	for _, l := range links {
		kind, _, perRule := strings.Cut(l.Name, "/")
		if !perRule || l.Status != Pass {
			out = append(out, l)
			continue
		}
		if _, ok := at[kind]; !ok {
			at[kind] = len(out)
			out = append(out, Link{Name: kind + "s", Status: Pass})
		}
		passed[kind]++
	}
	for kind, i := range at {
		what, ok := collapsed[kind]
		if !ok {
			what = "as deployed"
		}
		out[i].Detail = fmt.Sprintf("%d %s", passed[kind], what)
	}
	return out
}

// collapsed says what the passing links of each per-rule kind found.
var collapsed = map[string]string{
	"alert-rule":    "alert rules enabled as deployed",
	"alert-pattern": "alert rules with the rule pack's pattern, byte for byte",
	"alert-target":  "alert rules sending to the topic as deployed",
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
