package selftest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/pattern"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// matcher answers whether a pattern matches an event, asking AWS until AWS
// says it cannot answer, then the local engine.
type matcher struct {
	ev    cloud.Events
	local bool
	note  string
}

func (m *matcher) match(ctx context.Context, pat, event string) (bool, error) {
	if !m.local {
		ok, err := m.ev.TestPattern(ctx, pat, event)
		if err == nil {
			return ok, nil
		}
		if !errors.Is(err, cloud.ErrUnsupported) {
			return false, err
		}
		m.local = true
		m.note = fmt.Sprintf("the endpoint's TestEventPattern gave no usable answer (%v); the local engine answered instead", err)
	}
	p, err := pattern.Compile([]byte(pat))
	if err != nil {
		return false, fmt.Errorf("local engine: %w", err)
	}
	return p.Match([]byte(event))
}

func (m *matcher) engine() string {
	if m.local {
		return EngineLocal
	}
	return EngineAWS
}

// withAccount rewrites a fixture event's account to the caller's (AWS's
// TestEventPattern wants the caller's account in the event) and supplies the
// envelope fields TestEventPattern requires when a fixture lacks them. The
// pack's patterns match none of those fields but detail-type and source.
func withAccount(event []byte, account, region string) (string, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(event, &doc); err != nil {
		return "", err
	}
	if doc == nil {
		return "", errors.New("the event is not a JSON object")
	}
	a, _ := json.Marshal(account)
	doc["account"] = a
	defaults := map[string]string{
		"version":   `"0"`,
		"id":        `"00000000-0000-0000-0000-000000000000"`,
		"time":      `"2026-01-01T00:00:00Z"`,
		"region":    strconvQuote(region),
		"resources": `[]`,
	}
	for k, v := range defaults {
		if _, ok := doc[k]; !ok {
			doc[k] = json.RawMessage(v)
		}
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

type fixtureCase struct {
	rule  string // the pack rule it belongs to
	fix   rules.Fixture
	match bool // whether it must match
}

func (t *tester) patterns(ctx context.Context) {
	home := t.spec.HomeRegion
	ev := t.acct.Events(home)
	m := &matcher{ev: ev}
	t.progress("pattern check: %d alert rules and the forwarding rule", len(t.spec.AlertRules))

	var all []fixtureCase
	for _, ar := range t.spec.AlertRules {
		pos, neg := rules.Fixtures(ar.RuleID)
		var cases []fixtureCase
		for _, f := range pos {
			cases = append(cases, fixtureCase{ar.RuleID, f, true})
		}
		for _, f := range neg {
			cases = append(cases, fixtureCase{ar.RuleID, f, false})
		}
		all = append(all, cases...)
		t.res.Patterns = append(t.res.Patterns, t.checkRule(ctx, m, ev, ar.Bus, ar.Name, ar.RuleID, cases))
	}
	if rs, ok := t.spec.Forwarder(home); ok {
		// The forwarding rule must pass every root event on. It is a superset
		// of the alert rules by design (the alert rules filter look-alikes on
		// the rootwatch bus), so look-alikes are not held against it.
		var pos []fixtureCase
		for _, c := range all {
			if c.match {
				pos = append(pos, c)
			}
		}
		t.res.Patterns = append(t.res.Patterns, t.checkRule(ctx, m, ev, cloud.DefaultBus, rs.Rule.Name, "forward", pos))
	}
	t.res.PatternEngine = m.engine()
	t.res.PatternNote = m.note
}

func (t *tester) checkRule(ctx context.Context, m *matcher, ev cloud.Events, bus, name, kind string, cases []fixtureCase) RuleCheck {
	rc := RuleCheck{Rule: name, Kind: kind, Engine: m.engine(), Status: Pass, Problems: []string{}}
	for _, c := range cases {
		if c.match {
			rc.Positives++
		} else {
			rc.Negatives++
		}
	}
	r, err := ev.Rule(ctx, bus, name)
	if errors.Is(err, cloud.ErrNotFound) {
		rc.Status = Fail
		rc.Problems = append(rc.Problems, fmt.Sprintf("rule %s is not deployed on bus %s in %s: run rootwatch deploy", name, bus, t.spec.HomeRegion))
		return rc
	}
	if err != nil {
		rc.Status = Error
		rc.Problems = append(rc.Problems, err.Error())
		return rc
	}
	if len(cases) == 0 {
		rc.Status = Fail
		rc.Problems = append(rc.Problems, fmt.Sprintf("the rule pack has no fixtures for %s", kind))
		return rc
	}
	for _, c := range cases {
		event, err := withAccount(c.fix.Event, t.spec.Account, t.spec.HomeRegion)
		if err != nil {
			rc.Status = Error
			rc.Problems = append(rc.Problems, fmt.Sprintf("fixture %s/%s: %v", c.rule, c.fix.Name, err))
			continue
		}
		got, err := m.match(ctx, r.Pattern, event)
		if err != nil {
			if ctx.Err() != nil {
				rc.Status = Error
				rc.Problems = append(rc.Problems, ctx.Err().Error())
				return rc
			}
			rc.Status = Error
			rc.Problems = append(rc.Problems, fmt.Sprintf("fixture %s/%s: %v", c.rule, c.fix.Name, err))
			continue
		}
		if got != c.match {
			if rc.Status == Pass {
				rc.Status = Fail
			}
			if c.match {
				rc.Problems = append(rc.Problems, fmt.Sprintf("root event %s/%s does not match: this kind of root activity would go unnoticed", c.rule, c.fix.Name))
			} else {
				rc.Problems = append(rc.Problems, fmt.Sprintf("look-alike %s/%s matches: a false alarm", c.rule, c.fix.Name))
			}
		}
	}
	rc.Engine = m.engine()
	return rc
}
