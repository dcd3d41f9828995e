package pattern

import (
	"slices"
	"strings"
)

// Canonical returns a text that stands for what p matches, after $or
// expansion and the resolution of duplicate paths: patterns that differ only
// in spacing, in escapes, or in the order of fields whose order does not
// matter have the same Canonical; patterns where the order matters (a field
// before or after an $or that names it too) do not. It errs towards
// "different": two
// patterns with different Canonicals may still match the same events (["a",
// "b"] and ["b","a"]), but two with the same Canonical never differ on an
// event.
func (p *Pattern) Canonical() string {
	conjs := make([]string, 0, len(p.subs))
	for _, sub := range p.subs {
		keys := make([]string, len(sub))
		for i, cd := range sub {
			keys[i] = cd.key
		}
		slices.Sort(keys)
		// A key is a quoted path and compact JSON: it holds no raw NUL or newline.
		conjs = append(conjs, strings.Join(keys, "\x00"))
	}
	slices.Sort(conjs)
	return strings.Join(slices.Compact(conjs), "\n")
}

// Same reports whether two pattern texts are the same pattern: equal byte for
// byte, or both valid with the same Canonical. This is how a deployed rule's
// pattern is compared with the one intended, since EventBridge and
// CloudFormation may hand a pattern back re-spaced or with its keys
// re-ordered. An invalid pattern is the same only as its own bytes.
func Same(a, b string) bool {
	if a == b {
		return true
	}
	pa, err := Compile([]byte(a))
	if err != nil {
		return false
	}
	pb, err := Compile([]byte(b))
	if err != nil {
		return false
	}
	return pa.Canonical() == pb.Canonical()
}
