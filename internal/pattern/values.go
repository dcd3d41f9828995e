package pattern

import (
	"bytes"
	"net/netip"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// exactNumber parses the text of a JSON number and reports whether the
// decimal it spells is exactly the float64 it parses to, "exactly" meaning
// that the shortest decimal that round-trips the float64 has the same value
// as the text (so 301.8, 3.018e2 and 300.0 qualify, while
// 9007199254740993, 12345678901234567890, 1e400 and 1e-400 do not).
// Negative zero is returned as zero.
func exactNumber(text []byte) (float64, bool) {
	// Fast path: a plain integer of at most 15 digits is always exact.
	neg := len(text) > 0 && text[0] == '-'
	digits := text
	if neg {
		digits = text[1:]
	}
	if n := len(digits); n > 0 && n <= 15 {
		var v int64
		plain := true
		for _, c := range digits {
			if c < '0' || c > '9' {
				plain = false
				break
			}
			v = v*10 + int64(c-'0')
		}
		if plain {
			if neg {
				v = -v
			}
			return float64(v), true
		}
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		return 0, false
	}
	if f == 0 {
		// Exact only if every mantissa digit is zero.
		for _, c := range text {
			if c == 'e' || c == 'E' {
				break
			}
			if c >= '1' && c <= '9' {
				return 0, false
			}
		}
		return 0, true
	}
	var buf [32]byte
	short := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	d1, e1 := normDecimal(text)
	d2, e2 := normDecimal(short)
	if e1 != e2 || len(d1) != len(d2) {
		return f, false
	}
	for i := range d1 {
		if d1[i] != d2[i] {
			return f, false
		}
	}
	return f, true
}

// normDecimal returns the significant digits (no leading or trailing zeros)
// of a decimal number text and the decimal exponent of the first digit. The
// sign is ignored (callers compare numbers of the same sign).
func normDecimal(text []byte) (digits []byte, exp int) {
	var mant []byte
	var buf [64]byte
	mant = buf[:0]
	pointPos := -1
	i := 0
	if i < len(text) && (text[i] == '-' || text[i] == '+') {
		i++
	}
	for ; i < len(text); i++ {
		c := text[i]
		if c == '.' {
			pointPos = len(mant)
			continue
		}
		if c == 'e' || c == 'E' {
			break
		}
		mant = append(mant, c)
	}
	if pointPos < 0 {
		pointPos = len(mant)
	}
	e := 0
	if i < len(text) {
		n, err := strconv.Atoi(string(text[i+1:]))
		if err != nil {
			n = 1 << 30
		}
		e = n
	}
	// strip leading zeros
	lead := 0
	for lead < len(mant) && mant[lead] == '0' {
		lead++
	}
	mant = mant[lead:]
	pointPos -= lead
	for len(mant) > 0 && mant[len(mant)-1] == '0' {
		mant = mant[:len(mant)-1]
	}
	return mant, pointPos + e
}

// looksLikeIP reports whether s has the shape of an IPv4 dotted quad or of an
// IPv6 address (hex digits and colons, possibly with a dotted IPv4 tail).
func looksLikeIP(s []byte) bool {
	if len(s) < 2 || len(s) > 45 {
		return false
	}
	colon, dot := false, false
	for _, c := range s {
		switch {
		case c == ':':
			colon = true
		case c == '.':
			dot = true
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
			// hex only in IPv6
		default:
			return false
		}
	}
	return colon || dot
}

// parseIP canonicalises an IP-looking string. Zones and ports are not IPs.
func parseIP(s []byte) (netip.Addr, bool) {
	if !looksLikeIP(s) {
		return netip.Addr{}, false
	}
	if a, ok, done := parseIPv4(s); done {
		return a, ok
	}
	a, err := netip.ParseAddr(string(s))
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}

// parseIPv4 parses a dotted quad without allocating, with netip's rules (no
// leading zeros). done is false when s is not a plain dotted quad attempt
// (it contains something other than digits and dots), so that the caller
// falls back to netip.
func parseIPv4(s []byte) (a netip.Addr, ok, done bool) {
	for _, c := range s {
		if c != '.' && (c < '0' || c > '9') {
			return a, false, false
		}
	}
	var oct [4]byte
	n, val, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || n == 4 {
				return a, false, true
			}
			oct[n] = byte(val)
			n++
			val, digits = 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return a, false, false
		}
		if digits > 0 && val == 0 { // leading zero
			return a, false, true
		}
		val = val*10 + int(c-'0')
		digits++
		if val > 255 {
			return a, false, true
		}
	}
	if n != 4 {
		return a, false, true
	}
	return netip.AddrFrom4(oct), true, true
}

// foldRune maps a rune to a canonical member of its simple case-folding
// orbit (the smallest), so two runes are equal ignoring case exactly when
// strings.EqualFold says so. There is no multi-character folding.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	return m
}

// appendFold appends the case-folded form of s to dst.
func appendFold(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, c) // invalid UTF-8 is kept byte for byte
			i++
			continue
		}
		dst = utf8.AppendRune(dst, foldRune(r))
		i += n
	}
	return dst
}

func foldString(s string) string { return string(appendFold(nil, []byte(s))) }

// wildcard is a compiled wildcard pattern: literal segments separated by
// unescaped stars.
type wildcard struct {
	src      string   // the pattern text
	segs     []string // literal text between stars
	lead     bool     // pattern starts with *
	trail    bool     // pattern ends with *
	hasStars bool
}

// compileWildcard parses a wildcard pattern. It returns a reason on error.
func compileWildcard(p string) (wildcard, string) {
	w := wildcard{src: p}
	var cur []byte
	prevStar := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case '*':
			if prevStar {
				return w, "Consecutive wildcard characters at pos " + strconv.Itoa(i)
			}
			if i == 0 {
				w.lead = true
			} else {
				w.segs = append(w.segs, string(cur))
			}
			cur = cur[:0]
			w.hasStars = true
			prevStar = true
			continue
		case '\\':
			if i+1 >= len(p) || (p[i+1] != '*' && p[i+1] != '\\') {
				return w, "Invalid escape character at pos " + strconv.Itoa(i)
			}
			i++
			cur = append(cur, p[i])
		default:
			cur = append(cur, c)
		}
		prevStar = false
	}
	if prevStar {
		w.trail = true
	} else {
		w.segs = append(w.segs, string(cur))
	}
	return w, ""
}

func (w *wildcard) match(s []byte) bool {
	if !w.hasStars {
		return len(w.segs) == 1 && string(s) == w.segs[0]
	}
	segs := w.segs
	if !w.lead {
		if len(s) < len(segs[0]) || string(s[:len(segs[0])]) != segs[0] {
			return false
		}
		s = s[len(segs[0]):]
		segs = segs[1:]
	}
	if !w.trail {
		last := segs[len(segs)-1]
		if len(s) < len(last) || string(s[len(s)-len(last):]) != last {
			return false
		}
		s = s[:len(s)-len(last)]
		segs = segs[:len(segs)-1]
	}
	for _, seg := range segs {
		j := indexString(s, seg)
		if j < 0 {
			return false
		}
		s = s[j+len(seg):]
	}
	return true
}

// indexString is strings.Index for a byte slice haystack, without
// converting either side.
func indexString(s []byte, sub string) int {
	if len(sub) == 0 {
		return 0
	}
	c := sub[0]
	for i := 0; i+len(sub) <= len(s); {
		j := bytes.IndexByte(s[i:len(s)-len(sub)+1], c)
		if j < 0 {
			return -1
		}
		i += j
		if string(s[i:i+len(sub)]) == sub {
			return i
		}
		i++
	}
	return -1
}

// wildcardComplexity estimates how many positions of the pattern's automaton
// can be active at once for some input: the number of simultaneously live
// partial matches an input can create. It explores the reachable sets of
// positions over the pattern's own alphabet (plus one other character) and
// stops early once limit is exceeded.
func wildcardComplexity(w *wildcard, limit int) int {
	// Build the token sequence: each literal byte is a position; a star
	// position loops on any byte.
	type tok struct {
		star bool
		c    byte
	}
	var toks []tok
	if w.lead {
		toks = append(toks, tok{star: true})
	}
	for i, seg := range w.segs {
		for j := 0; j < len(seg); j++ {
			toks = append(toks, tok{c: seg[j]})
		}
		if i < len(w.segs)-1 || w.trail {
			toks = append(toks, tok{star: true})
		}
	}
	n := len(toks)
	if n > 512 {
		return limit + 1
	}
	alphabet := map[byte]bool{0: true}
	for _, t := range toks {
		if !t.star {
			alphabet[t.c] = true
		}
	}
	// closure: a star position also enables the position after it.
	closure := func(set []bool) {
		for i := 0; i < n; i++ {
			if set[i] && toks[i].star {
				set[i+1] = true
			}
		}
	}
	key := func(set []bool) string {
		b := make([]byte, n+1)
		for i, v := range set {
			if v {
				b[i] = 1
			}
		}
		return string(b)
	}
	start := make([]bool, n+1)
	start[0] = true
	closure(start)
	seen := map[string]bool{key(start): true}
	queue := [][]bool{start}
	best := 0
	for len(queue) > 0 {
		set := queue[0]
		queue = queue[1:]
		cnt := 0
		for _, v := range set {
			if v {
				cnt++
			}
		}
		if cnt > best {
			best = cnt
			if best > limit {
				return best
			}
		}
		if len(seen) > 4096 {
			return limit + 1
		}
		for c := range alphabet {
			next := make([]bool, n+1)
			any := false
			for i := 0; i < n; i++ {
				if !set[i] {
					continue
				}
				if toks[i].star {
					next[i] = true
					any = true
				} else if toks[i].c == c {
					next[i+1] = true
					any = true
				}
			}
			if !any {
				continue
			}
			closure(next)
			k := key(next)
			if !seen[k] {
				seen[k] = true
				queue = append(queue, next)
			}
		}
	}
	return best
}
