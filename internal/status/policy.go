package status

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// This file reads the resource and identity policies status looks into (topic,
// key, bus, role) just enough to answer "does this policy let X do Y". It does not
// evaluate IAM: it looks for the statement rootwatch needs and for a Deny that
// obviously defeats it, and says so when a condition makes it unsure.

// policy is an IAM policy document. Every field that IAM lets be a string or an
// array is read as a list.
type policy struct {
	Version   string
	Statement statements
}

type statements []statement

// UnmarshalJSON accepts a single statement object as well as an array.
func (s *statements) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		var one statement
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = statements{one}
		return nil
	}
	var many []statement
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

type statement struct {
	Sid       string
	Effect    string
	Principal principal
	Action    list
	NotAction list
	Resource  list
	Condition map[string]map[string]list
}

// list is a string-or-array field.
type list []string

func (s *list) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = list{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// principal is "*" or a map such as {"Service": "events.amazonaws.com"}.
type principal struct {
	Any bool            // "*"
	Of  map[string]list // "Service", "AWS", "Federated", ...
}

func (p *principal) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "*" {
			return fmt.Errorf("principal %q is neither \"*\" nor an object", s)
		}
		p.Any = true
		return nil
	}
	return json.Unmarshal(b, &p.Of)
}

func parsePolicy(doc string) (policy, error) {
	var p policy
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return policy{}, fmt.Errorf("parse policy: %w", err)
	}
	return p, nil
}

// sid returns the statement with the given Sid.
func (p policy) sid(sid string) (statement, bool) {
	for _, s := range p.Statement {
		if s.Sid == sid {
			return s, true
		}
	}
	return statement{}, false
}

func (s statement) allow() bool { return strings.EqualFold(s.Effect, "Allow") }
func (s statement) deny() bool  { return strings.EqualFold(s.Effect, "Deny") }

// hasService says whether the statement's principal names the AWS service
// (events.amazonaws.com), or is "*".
func (s statement) hasService(service string) bool {
	if s.Principal.Any {
		return true
	}
	for _, v := range s.Principal.Of["Service"] {
		if v == service {
			return true
		}
	}
	for _, v := range s.Principal.Of["AWS"] {
		if v == "*" {
			return true
		}
	}
	return false
}

// covers says whether the statement's Action (or NotAction) applies to action.
// Actions match case-insensitively, with IAM's * and ? wildcards.
func (s statement) covers(action string) bool {
	if len(s.NotAction) > 0 {
		return !globAny(s.NotAction, action, true)
	}
	return globAny(s.Action, action, true)
}

// on says whether the statement's Resource applies to arn. A statement without
// a Resource (as in key and trust policies' implicit "this resource") applies.
func (s statement) on(arn string) bool {
	if len(s.Resource) == 0 {
		return true
	}
	return globAny(s.Resource, arn, false)
}

// conditionValues returns the values of every condition on key (aws:SourceArn)
// whatever its operator, and the operators used.
func (s statement) conditionValues(key string) (values []string, ops []string) {
	for op, kv := range s.Condition {
		for k, v := range kv {
			if strings.EqualFold(k, key) {
				values = append(values, v...)
				ops = append(ops, op)
			}
		}
	}
	return values, ops
}

// globAny matches value against IAM-style patterns with * and ?.
func globAny(patterns []string, value string, fold bool) bool {
	if fold {
		value = strings.ToLower(value)
	}
	for _, p := range patterns {
		if fold {
			p = strings.ToLower(p)
		}
		// path.Match treats '/' specially and knows [...] classes; IAM does
		// neither, so escape what path.Match would misread and match on a
		// slash-free rendering.
		p = strings.NewReplacer(`\`, `\\`, `[`, `\[`, `/`, "\x00").Replace(p)
		ok, err := path.Match(p, strings.ReplaceAll(value, "/", "\x00"))
		if err == nil && ok {
			return true
		}
	}
	return false
}
