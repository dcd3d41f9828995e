package rules

import (
	"fmt"

	"github.com/rootwatch/rootwatch/internal/pattern"
)

// Classifier says which kind of root activity an event is: it evaluates every
// root-activity rule of the pack (ScopeRoot) at once. Chain rules are left
// out: they are not kinds of root activity. It is safe for concurrent use.
type Classifier struct {
	m     *pattern.Matcher
	order map[string]int
	rules []Rule
}

// NewClassifier compiles the pack's root-activity rules into one matcher.
func NewClassifier() *Classifier {
	p := thePack()
	c := &Classifier{m: pattern.NewMatcher(), order: make(map[string]int, len(p.rules)), rules: p.rules}
	for i, r := range p.rules {
		if r.Scope != ScopeRoot {
			continue
		}
		pat, err := pattern.Compile([]byte(r.Pattern))
		if err != nil {
			panic(fmt.Sprintf("rules: compile embedded rule %s: %v", r.ID, err))
		}
		c.m.Add(r.ID, pat)
		c.order[r.ID] = i
	}
	return c
}

// AppendMatches appends to dst the IDs of every rule that matches the
// EventBridge event, in no particular order.
func (c *Classifier) AppendMatches(dst []string, event []byte) ([]string, error) {
	return c.m.AppendMatches(dst, event)
}

// Classify returns the most specific rule matching the EventBridge event (the
// first in pack order), and false when none matches.
func (c *Classifier) Classify(event []byte) (Rule, bool, error) {
	var buf [4]string
	ids, err := c.m.AppendMatches(buf[:0], event)
	if err != nil {
		return Rule{}, false, err
	}
	best := -1
	for _, id := range ids {
		if i, ok := c.order[id]; ok && (best < 0 || i < best) {
			best = i
		}
	}
	if best < 0 {
		return Rule{}, false, nil
	}
	return c.rules[best].clone(), true, nil
}
