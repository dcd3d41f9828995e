package policy

import (
	"fmt"
	"strings"
)

// Request is one access a resource policy is asked about: an AWS principal
// (an IAM role or user ARN) doing Action on Resource, with the request's
// global condition keys (aws:PrincipalArn, aws:PrincipalOrgID, ...).
type Request struct {
	Principal string // e.g. arn:aws:iam::111122223333:role/rootwatch-forwarder
	Action    string
	Resource  string
	Keys      map[string]string
}

// Decision is what a resource policy says about a Request.
type Decision string

const (
	// Allowed: an Allow statement applies and no Deny does.
	Allowed Decision = "allowed"
	// Denied: a Deny statement applies (explicit deny).
	Denied Decision = "denied"
	// NotAllowed: no statement applies (implicit deny).
	NotAllowed Decision = "not-allowed"
	// Undetermined: a statement that would decide uses a condition operator
	// this package does not evaluate.
	Undetermined Decision = "undetermined"
)

// Evaluation is a Decision and the statement behind it ("" for NotAllowed).
type Evaluation struct {
	Decision  Decision
	Statement string // the Sid, or "#N" (1-based)
}

// Evaluate evaluates the resource policy doc for r as IAM does for a
// resource-based policy within what rootwatch writes: an applicable Deny
// wins, otherwise one applicable Allow is needed. Principals are matched as
// AWS principals: "*", {"AWS": "*"}, the principal's ARN, its account ID or
// the account's root ARN; a Service principal never matches. Conditions are
// evaluated with the String*, Arn* and Bool operators (and their IfExists and
// Not forms); a statement whose other operators would decide makes the
// answer Undetermined rather than a guess.
func Evaluate(doc string, r Request) (Evaluation, error) {
	if doc == "" {
		return Evaluation{Decision: NotAllowed}, nil
	}
	d, err := Read(doc)
	if err != nil {
		return Evaluation{}, err
	}
	allow := Evaluation{Decision: NotAllowed}
	var unsureAllow, unsureDeny *Evaluation
	for i, s := range d.Statement {
		name := s.Sid
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		if !s.namesPrincipal(r.Principal) || !s.Covers(r.Action) || !s.On(r.Resource) {
			continue
		}
		holds, known := s.conditionsHold(r.Keys)
		switch {
		case !known && s.IsDeny():
			unsureDeny = &Evaluation{Decision: Undetermined, Statement: name}
		case !known && s.IsAllow():
			unsureAllow = &Evaluation{Decision: Undetermined, Statement: name}
		case !holds:
		case s.IsDeny():
			return Evaluation{Decision: Denied, Statement: name}, nil
		case s.IsAllow() && allow.Decision != Allowed:
			allow = Evaluation{Decision: Allowed, Statement: name}
		}
	}
	switch {
	case unsureDeny != nil:
		return *unsureDeny, nil
	case allow.Decision == Allowed:
		return allow, nil
	case unsureAllow != nil:
		return *unsureAllow, nil
	}
	return allow, nil
}

// namesPrincipal says whether the statement's principal takes in the AWS
// principal arn.
func (s Statement) namesPrincipal(arn string) bool {
	if s.Principal == nil {
		return false
	}
	if s.Principal.Any {
		return true
	}
	acct := arnAccount(arn)
	for _, p := range s.Principal.Of["AWS"] {
		if p == "*" || p == arn || acct != "" && (p == acct || strings.HasPrefix(p, "arn:") && arnAccount(p) == acct && strings.HasSuffix(p, ":root")) {
			return true
		}
	}
	return false
}

// arnAccount is the account field of an ARN ("" when it is not one).
func arnAccount(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 || f[0] != "arn" {
		return ""
	}
	return f[4]
}

// conditionsHold evaluates every condition of s against keys; known is false
// when an operator is not one this package evaluates.
func (s Statement) conditionsHold(keys map[string]string) (holds, known bool) {
	holds = true
	for op, kv := range s.Condition {
		for k, want := range kv {
			v, present := lookup(keys, k)
			h, ok := conditionHolds(op, v, present, want)
			if !ok {
				return false, false
			}
			holds = holds && h
		}
	}
	return holds, true
}

// lookup finds a condition key case-insensitively, as IAM does.
func lookup(keys map[string]string, k string) (string, bool) {
	for name, v := range keys {
		if strings.EqualFold(name, k) {
			return v, true
		}
	}
	return "", false
}

// conditionHolds evaluates one operator on the request's value of a key;
// known is false for an operator it does not evaluate.
func conditionHolds(op string, value string, present bool, want Values) (holds, known bool) {
	base, ifExists := strings.CutSuffix(op, "IfExists")
	var match func(w string) bool
	negated := false
	switch base {
	case "StringEquals", "ArnEquals":
		match = func(w string) bool { return w == value }
	case "StringNotEquals", "ArnNotEquals":
		match, negated = func(w string) bool { return w == value }, true
	case "StringEqualsIgnoreCase":
		match = func(w string) bool { return strings.EqualFold(w, value) }
	case "StringNotEqualsIgnoreCase":
		match, negated = func(w string) bool { return strings.EqualFold(w, value) }, true
	case "StringLike", "ArnLike":
		match = func(w string) bool { return Match(w, value) }
	case "StringNotLike", "ArnNotLike":
		match, negated = func(w string) bool { return Match(w, value) }, true
	case "Bool":
		match = func(w string) bool { return strings.EqualFold(w, value) }
	default:
		return false, false
	}
	if !present {
		// A missing key: IfExists and negated operators hold, the others do not.
		return ifExists || negated, true
	}
	for _, w := range want {
		if match(w) {
			return !negated, true
		}
	}
	return negated, true
}
