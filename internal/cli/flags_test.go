package cli

import (
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReorder(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.String("output", "", "")
	fs.Bool("lookup", false, "")
	fs.Int("workers", 0, "")
	for _, tt := range []struct {
		name string
		args []string
		want []string
	}{
		{"none", nil, []string{"--"}},
		{"positionals only", []string{"a", "b"}, []string{"--", "a", "b"}},
		{"flag after positional", []string{"DIR", "--output", "json"}, []string{"--output", "json", "--", "DIR"}},
		{"interleaved", []string{"a", "--lookup", "b", "-workers=3", "c", "--output", "csv"},
			[]string{"--lookup", "-workers=3", "--output", "csv", "--", "a", "b", "c"}},
		{"value that looks like a path", []string{"--output", "DIR", "x"}, []string{"--output", "DIR", "--", "x"}},
		{"value that looks like a flag", []string{"--output", "--lookup"}, []string{"--output", "--lookup", "--"}},
		{"bool with value", []string{"x", "--lookup=false"}, []string{"--lookup=false", "--", "x"}},
		{"double dash ends flags", []string{"a", "--", "--output", "b"}, []string{"--", "a", "--output", "b"}},
		{"stdin dash is positional", []string{"-", "--lookup"}, []string{"--lookup", "--", "-"}},
		{"unknown flag kept as flag", []string{"a", "--bogus", "b"}, []string{"--bogus", "--", "a", "b"}},
		{"missing value", []string{"a", "--workers"}, []string{"--workers"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, reorder(fs, tt.args)); diff != "" {
				t.Errorf("reorder(%q) (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

// FuzzReorder: whatever the arguments, reorder keeps every one of them, in
// order within options and within positionals, and adds only the "--".
func FuzzReorder(f *testing.F) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.String("output", "", "")
	fs.Bool("lookup", false, "")
	for _, s := range []string{"a --output json b", "-- --lookup", "--output", "x --lookup=1 -", "--bogus y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		got := reorder(fs, args)
		sep := slices.Index(got, "--")
		if sep < 0 {
			// Only when the last option lacks its value; nothing is
			// parsed then.
			return
		}
		opts, pos := got[:sep], got[sep+1:]
		rest := slices.Clone(args)
		if i := slices.Index(rest, "--"); i >= 0 {
			rest = slices.Delete(rest, i, i+1)
		}
		if len(opts)+len(pos) != len(rest) {
			t.Fatalf("reorder(%q) = %q: %d arguments, want %d", args, got, len(opts)+len(pos), len(rest))
		}
		if !isSubsequence(opts, rest) || !isSubsequence(pos, rest) {
			t.Fatalf("reorder(%q) = %q: order changed", args, got)
		}
	})
}

func isSubsequence(sub, of []string) bool {
	i := 0
	for _, s := range of {
		if i < len(sub) && sub[i] == s {
			i++
		}
	}
	return i == len(sub)
}
