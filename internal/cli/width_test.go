package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// TestTablesFitTheTerminal: with a terminal width, status and deploy tables
// keep every line within it (the DETAIL column wraps), and say everything
// they say without one.
func TestTablesFitTheTerminal(t *testing.T) {
	ctx := context.Background()
	a, s := deployedFake(t)
	r, err := a.Events(s.HomeRegion).Rule(ctx, chain.BusName, chain.AlertRulePrefix+"root-console-signin-no-mfa")
	if err != nil {
		t.Fatal(err)
	}
	r.State = cloud.RuleDisabled
	if _, err := a.Events(s.HomeRegion).PutRule(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"status", "--verbose"}, {"status"}, {"destroy", "--dry-run", "--verbose"}} {
		for _, width := range []int{80, 100} {
			var out, errb bytes.Buffer
			env := &Env{Stdout: &out, Stderr: &errb, Width: width,
				Connect: func(context.Context, cloud.Config) (cloud.Account, error) { return a, nil }}
			Main(env, args)
			var wide bytes.Buffer
			Main(&Env{Stdout: &wide, Stderr: &errb, Connect: env.Connect}, args)
			for _, l := range strings.Split(out.String(), "\n") {
				// Table lines must fit; the prose around a table (summary,
				// notes, policy diffs) is left for the terminal to wrap.
				if n := utf8.RuneCountInString(l); n > width && isTableLine(l) {
					t.Errorf("%v at width %d: line of %d columns:\n%s", args, width, n, l)
				}
			}
			// The same text, whatever the line breaks (a word longer than a
			// column is cut).
			if got, want := strings.Fields(out.String()), strings.Fields(wide.String()); strings.Join(got, "") != strings.Join(want, "") {
				t.Errorf("%v at width %d says something else than without a width:\n%s\nvs\n%s", args, width, out.String(), wide.String())
			}
		}
	}
}

// isTableLine reports whether l is a table row: it begins with a region, a
// plan action or a header.
func isTableLine(l string) bool {
	f := strings.Fields(l)
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "REGION", "ACTION", "create", "update", "delete", "unchanged", "keep", "global":
		return true
	}
	return strings.Count(f[0], "-") == 2 // us-east-1
}

// TestScanTableFitsTheTerminal (convention 11): the streaming scan table
// fits the terminal's width as the other tables do, and says the same.
func TestScanTableFitsTheTerminal(t *testing.T) {
	run := func(width int) string {
		var out, errb bytes.Buffer
		if code := Main(&Env{Stdout: &out, Stderr: &errb, Width: width}, []string{"scan", sampleArchive}); code != ExitReport {
			t.Fatalf("scan: exit %d\n%s", code, errb.String())
		}
		return out.String()
	}
	wide := run(0)
	if n := maxLine(wide); n <= 100 {
		t.Fatalf("the sample's table is only %d columns wide without a limit: the test shows nothing", n)
	}
	for _, width := range []int{60, 80, 100} {
		out := run(width)
		if n := maxLine(out); n > width {
			t.Errorf("width %d: a line of %d columns:\n%s", width, n, out)
		}
		// The same text, whatever the line breaks (a word longer than a
		// column is cut).
		if got, want := strings.Fields(out), strings.Fields(wide); strings.Join(got, "") != strings.Join(want, "") {
			t.Errorf("width %d says something else than without a width:\n%s\nvs\n%s", width, out, wide)
		}
	}
}

func maxLine(s string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n = max(n, utf8.RuneCountInString(l))
	}
	return n
}
