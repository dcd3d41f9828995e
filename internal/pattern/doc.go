// Package pattern implements Amazon EventBridge event patterns: it validates
// and compiles patterns (Compile) and matches them against events, one at a
// time (Pattern.Match) or many at once (Matcher).
package pattern
