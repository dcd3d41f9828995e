package termsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCell(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"ConsoleLogin", "ConsoleLogin"},
		{"198.51.100.23", "198.51.100.23"},
		{"Zürich · 東京", "Zürich · 東京"},
		{"\uFFFD", "\uFFFD"},
		{"Console\x1b[2JLogin", `Console\x1b[2JLogin`},
		{"1.2.3.4\n2023-07-10T12:00:00Z  111111111111  forged", `1.2.3.4\n2023-07-10T12:00:00Z  111111111111  forged`},
		{"a\rb\tc\x07d\x00e\x7f", `a\rb\tc\x07d\x00e\x7f`},
		{"\u009b31m", `\u009b31m`}, // C1 CSI
		{"safe\u202egpj.exe", `safe\u202egpj.exe`},
		{"x\u2028y\u2029z\u2066w", `x\u2028y\u2029z\u2066w`},
		{"bad\xffbyte", `bad\xffbyte`},
	} {
		if got := Cell(tt.in); got != tt.want {
			t.Errorf("Cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCellsCopies(t *testing.T) {
	in := []string{"a\n", "b"}
	got := Cells(in...)
	if got[0] != `a\n` || got[1] != "b" || in[0] != "a\n" {
		t.Errorf("Cells(%q) = %q", in, got)
	}
}

// FuzzCell: whatever the input, the output is valid UTF-8 on one line with
// no character a terminal acts on, and safe input is left alone.
func FuzzCell(f *testing.F) {
	for _, s := range []string{"", "ConsoleLogin", "\x1b[2J", "a\nb", "\u202e", "\xff\xfe", "\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Cell(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Cell(%q) = %q: invalid UTF-8", s, got)
		}
		if i := strings.IndexFunc(got, unsafe); i >= 0 {
			t.Fatalf("Cell(%q) = %q: unsafe character at %d", s, got, i)
		}
		if strings.IndexFunc(s, unsafe) < 0 && utf8.ValidString(s) && got != s {
			t.Fatalf("Cell(%q) = %q: changed safe text", s, got)
		}
		if Cell(got) != got {
			t.Fatalf("Cell is not idempotent on %q", got)
		}
	})
}
