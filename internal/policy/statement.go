package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Version is the policy language version rootwatch writes.
const Version = "2012-10-17"

// Document is an IAM policy document.
type Document struct {
	Version   string     `json:"Version"`
	ID        string     `json:"Id,omitempty"`
	Statement Statements `json:"Statement"`
}

// String renders the document as compact JSON.
func (d Document) String() string { return mustJSON(d) }

// Statements is a policy's Statement: an array, or a single object when read.
type Statements []Statement

// UnmarshalJSON accepts a single statement object as well as an array.
func (s *Statements) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one Statement
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = Statements{one}
		return nil
	}
	var many []Statement
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// Statement is one policy statement. Fields IAM lets be a string or a list are
// Values.
type Statement struct {
	Sid         string     `json:"Sid,omitempty"`
	Effect      string     `json:"Effect,omitempty"`
	Principal   *Principal `json:"Principal,omitempty"`
	Action      Values     `json:"Action,omitempty"`
	NotAction   Values     `json:"NotAction,omitempty"`
	Resource    Values     `json:"Resource,omitempty"`
	NotResource Values     `json:"NotResource,omitempty"`
	Condition   Conditions `json:"Condition,omitempty"`
}

// Conditions maps an operator (StringEquals, ArnLike, ...) to condition keys
// and their values.
type Conditions map[string]map[string]Values

// Values is an IAM string-or-list field. One value is written as a string;
// read, a scalar of any JSON type becomes its text.
type Values []string

// MarshalJSON writes one value as a string, several as an array.
func (v Values) MarshalJSON() ([]byte, error) {
	if len(v) == 1 {
		return json.Marshal(v[0])
	}
	return json.Marshal([]string(v))
}

// UnmarshalJSON reads a string, a scalar, or an array of them.
func (v *Values) UnmarshalJSON(b []byte) error {
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	switch x := x.(type) {
	case nil:
		*v = nil
	case []any:
		out := make(Values, 0, len(x))
		for _, e := range x {
			s, err := scalar(e)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		*v = out
	default:
		s, err := scalar(x)
		if err != nil {
			return err
		}
		*v = Values{s}
	}
	return nil
}

func scalar(x any) (string, error) {
	switch x := x.(type) {
	case string:
		return x, nil
	case bool, float64:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("%s is neither a string nor a list of strings", mustJSON(x))
}

// Principal is "*" (Any) or a map such as {"Service": "events.amazonaws.com"}.
type Principal struct {
	Any bool
	Of  map[string]Values // "Service", "AWS", "Federated", ...
}

// Service is the principal of an AWS service, e.g. events.amazonaws.com.
func Service(name string) *Principal {
	return &Principal{Of: map[string]Values{"Service": {name}}}
}

// MarshalJSON writes "*" or the map.
func (p Principal) MarshalJSON() ([]byte, error) {
	if p.Any {
		return []byte(`"*"`), nil
	}
	return json.Marshal(p.Of)
}

// UnmarshalJSON reads "*" or a map.
func (p *Principal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "*" {
			return fmt.Errorf("principal %q is neither \"*\" nor an object", s)
		}
		*p = Principal{Any: true}
		return nil
	}
	var of map[string]Values
	if err := json.Unmarshal(b, &of); err != nil {
		return err
	}
	*p = Principal{Of: of}
	return nil
}

// Read parses a policy document into the typed model. It accepts the
// single-statement form and string-or-list values.
func Read(doc string) (Document, error) {
	var d Document
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return Document{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return d, nil
}

// Sid returns the statement with the given Sid.
func (d Document) Sid(sid string) (Statement, bool) {
	for _, s := range d.Statement {
		if s.Sid == sid {
			return s, true
		}
	}
	return Statement{}, false
}

// IsAllow and IsDeny read the Effect (IAM's values are Allow and Deny).
func (s Statement) IsAllow() bool { return strings.EqualFold(s.Effect, "Allow") }
func (s Statement) IsDeny() bool  { return strings.EqualFold(s.Effect, "Deny") }

// NamesService says whether the statement's principal takes in the AWS
// service principal (events.amazonaws.com): "*", or a Service list naming it.
// {"AWS": "*"} does not: it names AWS principals (accounts, users, roles),
// not services, which is why SNS's default topic policy does not let
// EventBridge publish.
func (s Statement) NamesService(service string) bool {
	if s.Principal == nil {
		return false
	}
	if s.Principal.Any {
		return true
	}
	for _, v := range s.Principal.Of["Service"] {
		if v == service {
			return true
		}
	}
	return false
}

// Covers says whether the statement's Action (or NotAction) applies to
// action. Actions match case-insensitively, with IAM's * and ? wildcards.
func (s Statement) Covers(action string) bool {
	if len(s.NotAction) > 0 {
		return !MatchAnyFold(s.NotAction, action)
	}
	return MatchAnyFold(s.Action, action)
}

// On says whether the statement's Resource (or NotResource) applies to arn. A
// statement without either (as in key and trust policies, where the resource
// is the policy's own) applies.
func (s Statement) On(arn string) bool {
	if len(s.NotResource) > 0 {
		return !MatchAny(s.NotResource, arn)
	}
	if len(s.Resource) == 0 {
		return true
	}
	return MatchAny(s.Resource, arn)
}

// Allows says whether the statement is an Allow for service doing action on
// resource (conditions not evaluated).
func (s Statement) Allows(service, action, resource string) bool {
	return s.IsAllow() && s.NamesService(service) && s.Covers(action) && s.On(resource)
}

// ConditionValues returns the values of every condition on key (matched
// case-insensitively, as IAM does condition keys) whatever its operator.
func (s Statement) ConditionValues(key string) []string {
	var values []string
	for _, kv := range s.Condition {
		for k, v := range kv {
			if strings.EqualFold(k, key) {
				values = append(values, v...)
			}
		}
	}
	return values
}

// Denial is a Deny statement that applies to an access.
type Denial struct {
	Name        string // the Sid, or "#N" (1-based) when it has none
	Conditional bool   // it has conditions, which this package does not evaluate
}

// Denials lists the Deny statements of d that apply to action on resource,
// whoever the principal.
func (d Document) Denials(action, resource string) []Denial {
	var out []Denial
	for i, s := range d.Statement {
		if !s.IsDeny() || !s.Covers(action) || !s.On(resource) {
			continue
		}
		name := s.Sid
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		out = append(out, Denial{Name: name, Conditional: len(s.Condition) > 0})
	}
	return out
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
