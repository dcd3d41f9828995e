package fake

import (
	"encoding/json"
	"fmt"
	"strings"
)

// request is one access a resource policy is asked about: a principal (an AWS
// service such as events.amazonaws.com, or an account/ARN), an action on a
// resource, and the request's condition keys.
type request struct {
	service  string // service principal, e.g. "events.amazonaws.com"
	aws      string // AWS principal (account ID or ARN) when not a service
	action   string // e.g. "SNS:Publish"
	resource string
	keys     map[string]string // condition keys, e.g. "aws:SourceArn"
}

// allows evaluates policy for req as IAM does for what rootwatch uses: an
// explicit Deny wins, otherwise one matching Allow is needed. Principal "*" and
// {"AWS":"*"} differ deliberately: the latter names AWS principals, not service
// principals, which is why SNS's default policy does not let EventBridge publish.
func allows(policy string, req request) (bool, error) {
	if policy == "" {
		return false, nil
	}
	var doc struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return false, fmt.Errorf("malformed policy: %w", err)
	}
	var stmts []statement
	if len(doc.Statement) > 0 && doc.Statement[0] == '{' {
		var s statement
		if err := json.Unmarshal(doc.Statement, &s); err != nil {
			return false, fmt.Errorf("malformed policy statement: %w", err)
		}
		stmts = []statement{s}
	} else if len(doc.Statement) > 0 {
		if err := json.Unmarshal(doc.Statement, &stmts); err != nil {
			return false, fmt.Errorf("malformed policy statements: %w", err)
		}
	}
	allowed := false
	for _, s := range stmts {
		if !s.applies(req) {
			continue
		}
		switch s.Effect {
		case "Deny":
			return false, nil
		case "Allow":
			allowed = true
		}
	}
	return allowed, nil
}

type statement struct {
	Effect    string
	Principal json.RawMessage
	Action    strings1
	NotAction strings1
	Resource  strings1
	Condition map[string]map[string]strings1
}

// strings1 is IAM's "a string or an array of strings" (booleans are read as
// their text).
type strings1 []string

func (s *strings1) UnmarshalJSON(b []byte) error {
	var one any
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	switch v := one.(type) {
	case []any:
		for _, x := range v {
			*s = append(*s, fmt.Sprint(x))
		}
	case nil:
	default:
		*s = strings1{fmt.Sprint(v)}
	}
	return nil
}

func (s statement) applies(req request) bool {
	if !s.principalMatches(req) {
		return false
	}
	if len(s.Action) > 0 && !anyGlob(s.Action, req.action, true) {
		return false
	}
	if len(s.NotAction) > 0 && anyGlob(s.NotAction, req.action, true) {
		return false
	}
	if len(s.Action) == 0 && len(s.NotAction) == 0 {
		return false
	}
	if len(s.Resource) > 0 && !anyGlob(s.Resource, req.resource, false) {
		return false
	}
	for op, kv := range s.Condition {
		for k, vals := range kv {
			if !conditionHolds(op, lookupKey(req.keys, k), vals) {
				return false
			}
		}
	}
	return true
}

func (s statement) principalMatches(req request) bool {
	if len(s.Principal) == 0 {
		return false
	}
	var star string
	if json.Unmarshal(s.Principal, &star) == nil {
		return star == "*"
	}
	var m map[string]strings1
	if err := json.Unmarshal(s.Principal, &m); err != nil {
		return false
	}
	if req.service != "" {
		for _, p := range m["Service"] {
			if p == req.service || p == "*" {
				return true
			}
		}
		return false
	}
	acct := req.aws
	if strings.HasPrefix(acct, "arn:") {
		acct = arnAccount(acct)
	}
	for _, p := range m["AWS"] {
		// An account (its ID or its root ARN) stands for every principal in it.
		if p == "*" || p == req.aws || p == acct || strings.HasPrefix(p, "arn:aws:iam::"+acct+":root") {
			return true
		}
	}
	return false
}

// lookupKey finds a condition key case-insensitively, as IAM does.
func lookupKey(keys map[string]string, k string) *string {
	for name, v := range keys {
		if strings.EqualFold(name, k) {
			return &v
		}
	}
	return nil
}

func conditionHolds(op string, value *string, want strings1) bool {
	op = strings.TrimSuffix(op, "IfExists")
	negated := strings.Contains(op, "Not")
	if value == nil {
		return negated
	}
	var match bool
	switch op {
	case "StringEquals", "ArnEquals", "StringNotEquals", "ArnNotEquals":
		match = anyEqual(want, *value, false)
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		match = anyEqual(want, *value, true)
	case "StringLike", "ArnLike", "StringNotLike", "ArnNotLike":
		match = anyGlob(want, *value, false)
	case "Bool":
		match = anyEqual(want, *value, true)
	default:
		return false // an operator the fake does not know never grants
	}
	return match != negated
}

func anyEqual(list []string, s string, fold bool) bool {
	for _, x := range list {
		if x == s || fold && strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func anyGlob(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p, s = strings.ToLower(p), strings.ToLower(s)
		}
		if glob(p, s) {
			return true
		}
	}
	return false
}

// glob matches s against p, where * is any run of characters and ? any one.
func glob(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if glob(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			p, s = p[1:], s[1:]
		default:
			if s == "" || p[0] != s[0] {
				return false
			}
			p, s = p[1:], s[1:]
		}
	}
	return s == ""
}

// validPolicy checks that policy is a JSON object with a Statement, as the
// services do before storing it.
func validPolicy(policy string) error {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return fmt.Errorf("MalformedPolicyDocument: %w", err)
	}
	if _, ok := doc["Statement"]; !ok {
		return fmt.Errorf("MalformedPolicyDocument: the policy has no Statement")
	}
	if _, err := allows(policy, request{}); err != nil {
		return fmt.Errorf("MalformedPolicyDocument: %w", err)
	}
	return nil
}
