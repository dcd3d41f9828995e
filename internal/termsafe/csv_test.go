package termsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCSVCell(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"ConsoleLogin", "ConsoleLogin"},
		{"2024-03-01T11:00:00Z", "2024-03-01T11:00:00Z"},
		{`=HYPERLINK("http://evil.example","x")`, `'=HYPERLINK("http://evil.example","x")`},
		{"+1+1", "'+1+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", `\t=1`}, // escaped by Cell: it begins with a backslash
		{"\r=1", `\r=1`},
		{"a=1", "a=1"},       // only the first character makes a formula
		{" =1", " =1"},       // a space first: text to a spreadsheet
		{"'=1", "'=1"},       // already text
		{"\x1b=1", `\x1b=1`}, // control characters still escaped
	} {
		if got := CSVCell(c.in); got != c.want {
			t.Errorf("CSVCell(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	in := []string{"=1", "a"}
	if got := CSVCells(in...); got[0] != "'=1" || got[1] != "a" || in[0] != "=1" {
		t.Errorf("CSVCells(%q) = %q (input now %q)", []string{"=1", "a"}, got, in)
	}
}

// FuzzCSVCell: a cell never begins with a character a spreadsheet takes for
// a formula, is Cell's output otherwise, and is safe for a terminal.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"", "ConsoleLogin", "=1", "+", "-", "@x", "\t", "\r\n", "'=1", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CSVCell(s)
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
			t.Fatalf("CSVCell(%q) = %q begins with a formula character", s, got)
		}
		if got != Cell(s) && got != "'"+Cell(s) {
			t.Fatalf("CSVCell(%q) = %q, Cell gives %q", s, got, Cell(s))
		}
		if !utf8.ValidString(got) || strings.IndexFunc(got, unsafe) >= 0 {
			t.Fatalf("CSVCell(%q) = %q: not safe for a terminal", s, got)
		}
	})
}
