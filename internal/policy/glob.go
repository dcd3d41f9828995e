package policy

import "strings"

// Match matches value against an IAM pattern: * is any run of characters
// (slashes and colons included), ? is one character, everything else is
// literal. Resources match case-sensitively.
func Match(pattern, value string) bool {
	// Iterative wildcard matching with one backtrack point: linear in
	// practice, no recursion on hostile input.
	p, v := 0, 0
	star, mark := -1, 0
	for v < len(value) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == value[v]):
			p++
			v++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, v
			p++
		case star >= 0:
			p = star + 1
			mark++
			v = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// MatchFold is Match ignoring case, as IAM matches actions.
func MatchFold(pattern, value string) bool {
	return Match(strings.ToLower(pattern), strings.ToLower(value))
}

// MatchAny says whether value matches one of patterns.
func MatchAny(patterns []string, value string) bool {
	for _, p := range patterns {
		if Match(p, value) {
			return true
		}
	}
	return false
}

// MatchAnyFold says whether value matches one of patterns, ignoring case.
func MatchAnyFold(patterns []string, value string) bool {
	for _, p := range patterns {
		if MatchFold(p, value) {
			return true
		}
	}
	return false
}
