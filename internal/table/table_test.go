package table

import (
	"strings"
	"testing"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func sample() *Table {
	t := New("REGION", "CHECK", "STATUS", "DETAIL")
	t.Row("us-east-1", "trail", "OK", "trail main: logging, multi-region, global service events, management events All")
	t.Row("eu-west-1", "dlq", "FAIL", "queue rootwatch-dlq holds 3 messages, the oldest 2 days old; fix: read them with aws sqs receive-message, then purge the queue")
	t.Row("global", "forwarder-role", "OK", "")
	return t
}

// TestUnlimitedIsTabwriter: without a width the table is what text/tabwriter
// (padding 2) makes of the same cells, so golden files do not change.
func TestUnlimitedIsTabwriter(t *testing.T) {
	var want strings.Builder
	tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
	for _, r := range sample().rows {
		tw.Write([]byte(strings.Join(r, "\t") + "\n"))
	}
	tw.Flush()
	var got strings.Builder
	if err := sample().Write(&got, 0); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.String(), got.String()); diff != "" {
		t.Errorf("(-tabwriter +table):\n%s", diff)
	}
}

func TestFitsWidth(t *testing.T) {
	for _, width := range []int{60, 80, 120} {
		var b strings.Builder
		if err := sample().Write(&b, width); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if n := utf8.RuneCountInString(l); n > width {
				t.Errorf("width %d: line of %d columns: %q", width, n, l)
			}
		}
		// Nothing is lost: the words are all there, in order.
		if got, want := strings.Fields(out), strings.Fields(sampleText()); !cmp.Equal(got, want) {
			t.Errorf("width %d: words differ:\n%s", width, cmp.Diff(want, got))
		}
	}
	// Continuation lines are indented to the last column.
	var b strings.Builder
	sample().Write(&b, 80)
	lines := strings.Split(b.String(), "\n")
	if !strings.HasPrefix(lines[2], strings.Repeat(" ", 35)) || lines[2][35] == ' ' {
		t.Errorf("continuation line not indented to the DETAIL column:\n%s", b.String())
	}
}

func sampleText() string {
	var b strings.Builder
	sample().Write(&b, 0)
	return b.String()
}

// TestNarrowTerminal: when the other columns leave too little room beside
// them, the last cell goes below its row, indented, and still fits.
func TestNarrowTerminal(t *testing.T) {
	var b strings.Builder
	sample().Write(&b, 40)
	out := b.String()
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if n := utf8.RuneCountInString(l); n > 40 {
			t.Errorf("line of %d columns: %q", n, l)
		}
	}
	if !strings.Contains(out, "\neu-west-1  dlq             FAIL\n    queue rootwatch-dlq holds 3\n") {
		t.Errorf("last cell not below its row:\n%s", out)
	}
	if got, want := strings.Fields(out), strings.Fields(sampleText()); !cmp.Equal(got, want) {
		t.Errorf("words differ:\n%s", cmp.Diff(want, got))
	}
}

// TestWideColumns: when the columns before the last are wider than the
// terminal, the widest-reaching are joined into the last, which wraps.
func TestWideColumns(t *testing.T) {
	tb := New("ACTION", "RESOURCE", "NAME", "DETAIL")
	tb.Row("delete", "event-target", "rootwatch/rootwatch-alert-root-console-signin-no-mfa -> rootwatch-topic", "")
	tb.Row("update", "sns-topic-policy", "ops-alerts", "remove statement RootwatchEventBridgePublish; the topic and its subscriptions stay")
	var b strings.Builder
	tb.Write(&b, 60)
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if n := utf8.RuneCountInString(l); n > 60 {
			t.Errorf("line of %d columns: %q", n, l)
		}
	}
	want := "ACTION  RESOURCE          NAME  DETAIL\n" +
		"delete  event-target      rootwatch/rootwatch-alert-root-con\n" +
		"                          sole-signin-no-mfa ->\n" +
		"                          rootwatch-topic\n" +
		"update  sns-topic-policy  ops-alerts remove statement\n"
	if !strings.HasPrefix(b.String(), want) {
		t.Errorf("layout:\n%s\nwant it to begin:\n%s", b.String(), want)
	}
}

func TestRowEscapes(t *testing.T) {
	tb := New("A", "B")
	tb.Row("x\x1b[2J", "1.2.3.4\nforged row")
	var b strings.Builder
	tb.Write(&b, 0)
	want := "A         B\nx\\x1b[2J  1.2.3.4\\nforged row\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestWrap(t *testing.T) {
	for _, tt := range []struct {
		s     string
		width int
		want  []string
	}{
		{"", 10, []string{""}},
		{"short", 10, []string{"short"}},
		{"one two three four", 9, []string{"one two", "three", "four"}},
		{"abcdefghijkl xy", 5, []string{"abcde", "fghij", "kl xy"}},
	} {
		if got := Wrap(tt.s, tt.width); !cmp.Equal(got, tt.want) {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tt.s, tt.width, got, tt.want)
		}
	}
}

// TestStreamIsTable: a stream whose column widths are the table's lays its
// rows out exactly as Table.Write does, at every width (narrow ones join
// columns into the last, or put it below its row).
func TestStreamIsTable(t *testing.T) {
	tab := sample()
	widths := make([]int, len(tab.rows[0]))
	for _, r := range tab.rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, width := range []int{0, 20, 40, 50, 60, 80, 120, 400} {
		var want, got strings.Builder
		if err := tab.Write(&want, width); err != nil {
			t.Fatal(err)
		}
		s := NewStream(&got, width, widths, tab.rows[0]...)
		for _, r := range tab.rows[1:] {
			if err := s.Row(r...); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(want.String(), got.String()); diff != "" {
			t.Errorf("width %d (-table +stream):\n%s", width, diff)
		}
	}
}

// TestStreamWideCell: a cell wider than its column pushes the rest of its
// row; with a width, the row still fits (the last column goes below it).
func TestStreamWideCell(t *testing.T) {
	var b strings.Builder
	s := NewStream(&b, 60, []int{4, 4, 0}, "A", "B", "NOTE")
	s.Row("x", "y", "short")
	s.Row("a-much-wider-cell-than-four", "y", "a note long enough to need wrapping on a sixty column terminal")
	s.Row("x\x1b[2J", "y", "z")
	want := "A     B     NOTE\n" +
		"x     y     short\n" +
		"a-much-wider-cell-than-four  y\n" +
		"    a note long enough to need wrapping on a sixty column\n" +
		"    terminal\n" +
		"x\\x1b[2J  y     z\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
