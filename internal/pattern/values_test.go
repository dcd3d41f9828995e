package pattern

import (
	"math/big"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func netipParse(s []byte) (netip.Addr, bool) {
	if !looksLikeIP(s) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(string(s))
	return a, err == nil && a.Zone() == ""
}

func FuzzParseIP(f *testing.F) {
	for _, s := range []string{"10.0.0.1", "010.0.0.1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "0.0.0.0", "::1", "2001:DB8::1", "::ffff:10.0.0.1", "1..2.3", "1.2.3.", ".1.2.3", "fe80::1%eth0", "1.2.3.4:80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		got, gok := parseIP(s)
		want, wok := netipParse(s)
		if gok != wok || got != want {
			t.Fatalf("parseIP(%q) = %v %v, netip says %v %v", s, got, gok, want, wok)
		}
	})
}

// globRegexp translates a compiled wildcard into a regular expression, as an
// independent oracle.
func globRegexp(w *wildcard) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^`)
	if w.lead {
		b.WriteString(`(?s:.*)`)
	}
	for i, seg := range w.segs {
		if i > 0 {
			b.WriteString(`(?s:.*)`)
		}
		b.WriteString(regexp.QuoteMeta(seg))
	}
	if w.trail {
		b.WriteString(`(?s:.*)`)
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

func FuzzWildcard(f *testing.F) {
	for _, c := range [][2]string{{"*ab*ab", "xxabyyab"}, {"a*b", "ab"}, {"", ""}, {"*", "x"}, {`a\*b`, "a*b"}, {`\\*`, `\x`}, {"ab*ba", "aba"}} {
		f.Add(c[0], []byte(c[1]))
	}
	f.Fuzz(func(t *testing.T, pat string, s []byte) {
		if !utf8.ValidString(pat) || strings.ContainsRune(pat, utf8.RuneError) {
			return // the regexp oracle works on runes
		}
		w, err := compileWildcard(pat)
		if err != "" {
			return
		}
		re := globRegexp(&w)
		if got, want := w.match(s), re.Match(s); got != want {
			t.Fatalf("wildcard %q on %q: %v, regexp %v", pat, s, got, want)
		}
	})
}

// exactByRat is an independent statement of exactNumber's rule: the text's
// decimal value equals the value of the shortest decimal that round-trips
// the parsed double.
func exactByRat(text string) (float64, bool) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return 0, false
	}
	if f == 0 {
		r, ok := new(big.Rat).SetString(text)
		return 0, ok && r.Sign() == 0
	}
	short := strconv.FormatFloat(f, 'e', -1, 64)
	a, ok1 := new(big.Rat).SetString(text)
	b, ok2 := new(big.Rat).SetString(short)
	return f, ok1 && ok2 && a.Cmp(b) == 0
}

func FuzzExactNumber(f *testing.F) {
	for _, s := range []string{"300", "300.0", "3.0e2", "3E2", "301.8", "-0", "-0.0", "9007199254740993", "12345678901234567890", "1e400", "1e-400", "0.1", "1e22", "123456789012345", "0e10", "0.000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if end, err := scanNumber([]byte(s), 0); err != nil || end != len(s) || len(s) > 60 {
			return // only JSON numbers; bound the exponent work of big.Rat
		}
		if strings.ContainsAny(s, "eE") {
			e := s[strings.IndexAny(s, "eE")+1:]
			if n, err := strconv.Atoi(e); err != nil || n > 400 || n < -400 {
				return
			}
		}
		got, gok := exactNumber([]byte(s))
		want, wok := exactByRat(s)
		if gok != wok || (gok && got != want) {
			t.Fatalf("exactNumber(%s) = %v %v, want %v %v", s, got, gok, want, wok)
		}
	})
}

func TestFoldOrbits(t *testing.T) {
	for _, c := range []struct {
		a, b string
		eq   bool
	}{
		{"ÉCOLE", "école", true}, {"ΣΊΣΥΦΟΣ", "σίσυφος", true}, {"σ", "ς", true},
		{"ǅ", "ǆ", true}, {"K", "\u212a", true}, {"STRASSE", "straße", false}, {"ß", "ẞ", true},
		{"ﬁ", "FI", false}, {"é", "ê", false},
	} {
		got := foldString(c.a) == foldString(c.b)
		if got != c.eq || got != strings.EqualFold(c.a, c.b) {
			t.Errorf("fold(%q)==fold(%q): %v, want %v (EqualFold %v)", c.a, c.b, got, c.eq, strings.EqualFold(c.a, c.b))
		}
	}
}
