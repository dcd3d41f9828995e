package fake

import "github.com/rootwatch/rootwatch/internal/pattern"

// The fake evaluates patterns with rootwatch's own engine, which follows
// EventBridge's semantics (internal/pattern is tested against AWS's answers).

func validatePattern(src string) error {
	_, err := pattern.Compile([]byte(src))
	return err
}

func matchPattern(src, event string) (bool, error) {
	p, err := pattern.Compile([]byte(src))
	if err != nil {
		return false, err
	}
	return p.Match([]byte(event))
}
