package cli

import (
	"flag"
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
