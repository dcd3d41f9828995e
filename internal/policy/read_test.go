package policy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPolicyQuestions(t *testing.T) {
	const topic = "arn:aws:sns:us-east-1:123456789012:rootwatch-alerts"
	tests := []struct {
		name    string
		policy  string
		service string
		action  string
		on      string
		allowed bool // some Allow statement for service covers action on resource
	}{
		{
			name:    "single statement object, string fields",
			policy:  `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"` + topic + `"}}`,
			service: "events.amazonaws.com", action: "sns:Publish", on: topic, allowed: true,
		},
		{
			name:    "arrays and wildcards, action case-insensitive",
			policy:  `{"Statement":[{"Effect":"Allow","Principal":{"Service":["sns.amazonaws.com","events.amazonaws.com"]},"Action":["SNS:Pub*"],"Resource":["arn:aws:sns:*:123456789012:*"]}]}`,
			service: "events.amazonaws.com", action: "sns:Publish", on: topic, allowed: true,
		},
		{
			name:    "principal star",
			policy:  `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sns:*","Resource":"*"}]}`,
			service: "events.amazonaws.com", action: "sns:Publish", on: topic, allowed: true,
		},
		{
			// {"AWS":"*"} names AWS principals, not services (SNS's default
			// policy has it and does not let EventBridge publish).
			name:    "AWS star is not a service",
			policy:  `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sns:Publish"}]}`,
			service: "events.amazonaws.com", action: "sns:Publish", on: topic,
		},
		{
			name:    "other service",
			policy:  `{"Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sns:Publish","Resource":"*"}]}`,
			service: "events.amazonaws.com", action: "sns:Publish", on: topic,
		},
		{
			name:    "account root is not the service",
			policy:  `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}`,
			service: "events.amazonaws.com", action: "kms:Decrypt", on: "*",
		},
		{
			name:    "other resource",
			policy:  `{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"arn:aws:sns:us-east-1:123456789012:other"}]}`,
			service: "events.amazonaws.com", action: "sns:Publish", on: topic,
		},
		{
			name:    "NotAction excluding it",
			policy:  `{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"NotAction":"sns:Pub*","Resource":"*"}]}`,
			service: "events.amazonaws.com", action: "sns:Publish", on: topic,
		},
		{
			name:    "NotAction not excluding it",
			policy:  `{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"NotAction":"sns:Delete*","Resource":"*"}]}`,
			service: "events.amazonaws.com", action: "sns:Publish", on: topic, allowed: true,
		},
		{
			name:    "slashes in ARNs match across * as IAM does",
			policy:  `{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:123456789012:event-bus/*"}]}`,
			service: "events.amazonaws.com", action: "events:PutEvents", on: "arn:aws:events:us-east-1:123456789012:event-bus/rootwatch", allowed: true,
		},
		{
			name:    "brackets are literal",
			policy:  `{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:[P]ublish"}]}`,
			service: "events.amazonaws.com", action: "sns:Publish", on: topic,
		},
		{
			name:    "deny is not allow",
			policy:  `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"sns:Publish"}]}`,
			service: "events.amazonaws.com", action: "sns:Publish", on: topic,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Read(tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, s := range p.Statement {
				if s.Allows(tt.service, tt.action, tt.on) {
					got = true
				}
			}
			if got != tt.allowed {
				t.Errorf("allowed = %v, want %v", got, tt.allowed)
			}
		})
	}
}

func TestDenials(t *testing.T) {
	const bus = "arn:aws:events:us-east-1:123456789012:event-bus/rootwatch"
	tests := []struct {
		policy string
		want   []Denial
	}{
		{`{"Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"*"}]}`, nil},
		{`{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","Action":"events:*","Resource":"*"}]}`, []Denial{{Name: "D"}}},
		{`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"},{"Effect":"Deny","Principal":"*","Action":"events:*"}]}`, []Denial{{Name: "#2"}}},
		{`{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","Action":"events:PutEvents","Resource":"` + bus + `","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-123"}}}]}`, []Denial{{Name: "D", Conditional: true}}},
		{`{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:123456789012:event-bus/other"}]}`, nil},
		{`{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","Action":"events:PutEvents","NotResource":"` + bus + `"}]}`, nil},
		{`{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","Action":"events:PutEvents","NotResource":"arn:aws:s3:::*"}]}`, []Denial{{Name: "D"}}},
		{`{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","NotAction":"events:PutEvents","Resource":"*"}]}`, nil},
	}
	for _, tt := range tests {
		p, err := Read(tt.policy)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, p.Denials("events:PutEvents", bus)); diff != "" {
			t.Errorf("Denials(%s) (-want +got):\n%s", tt.policy, diff)
		}
	}
}

func TestReadErrors(t *testing.T) {
	for _, doc := range []string{
		``,
		`not json`,
		`{"Statement":"x"}`,
		`{"Statement":[{"Principal":"someone"}]}`,
		`{"Statement":[{"Action":{}}]}`,
		`{"Statement":[{"Action":[["a"]]}]}`,
	} {
		if _, err := Read(doc); err == nil {
			t.Errorf("Read(%q) succeeded, want an error", doc)
		}
	}
}

// TestValuesScalars: condition values may be JSON booleans and numbers
// (aws:SecureTransport, aws:MultiFactorAuthAge); they are read as their text.
func TestValuesScalars(t *testing.T) {
	p, err := Read(`{"Statement":{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"Bool":{"aws:SecureTransport":false},"NumericLessThan":{"aws:MultiFactorAuthAge":[3600]}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	got := [][]string{p.Statement[0].ConditionValues("AWS:SecureTransport"), p.Statement[0].ConditionValues("aws:multifactorauthage")}
	if diff := cmp.Diff([][]string{{"false"}, {"3600"}}, got); diff != "" {
		t.Error(diff)
	}
}

// TestWriteForm: one value is written as a string, several as a list, and
// the principal as rootwatch has always written it.
func TestWriteForm(t *testing.T) {
	d := Document{Version: Version, Statement: Statements{{
		Sid: "S", Effect: "Allow", Principal: Service("events.amazonaws.com"),
		Action: Values{"kms:Decrypt", "kms:GenerateDataKey*"}, Resource: Values{"*"},
		Condition: Conditions{"ArnEquals": {"aws:SourceArn": {"arn:aws:events:us-east-1:1:rule/a"}}},
	}, {Effect: "Deny", Principal: &Principal{Any: true}, Action: Values{"sns:*"}}}}
	const want = `{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:events:us-east-1:1:rule/a"}}},{"Effect":"Deny","Principal":"*","Action":"sns:*"}]}`
	if got := d.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	back, err := Read(want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d, back); diff != "" {
		t.Errorf("read back (-wrote +read):\n%s", diff)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, value string
		want           bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "arn:aws:sns:us-east-1:1:t", true},
		{"arn:aws:events:*:1:rule/rootwatch-forward", "arn:aws:events:eu-west-1:1:rule/rootwatch-forward", true},
		{"arn:aws:events:*:1:rule/rootwatch-forward", "arn:aws:events:eu-west-1:1:rule/rootwatch-forward2", false},
		{"arn:aws:events:us-east-1:1:event-bus/*", "arn:aws:events:us-east-1:1:event-bus/a/b", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"[ab]", "a", false},
		{"[ab]", "[ab]", true},
		{`a\*`, `a\b`, true},
		{"**", "x", true},
		{"Sns:Publish", "sns:publish", false},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.value); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.value, got, tt.want)
		}
	}
	if !MatchFold("SNS:Pub*", "sns:publish") || MatchFold("sns:Pub?", "sns:publish") {
		t.Error("MatchFold ignores case, and ? is one character")
	}
}

// FuzzRead: reading never panics, and what reads can be asked every question
// the checkers ask, and written and read back to the same document.
func FuzzRead(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":["sns:Publish"],"Resource":"*","Condition":{"ArnEquals":{"aws:SourceArn":["arn:aws:events:us-east-1:1:rule/x"]}}}]}`)
	f.Add(`{"Statement":{"Effect":"Deny","Principal":"*","NotAction":"s*","Resource":["a[b]\\c/d?"]}}`)
	f.Add(`{"Statement":[]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := Read(doc)
		if err != nil {
			return
		}
		p.Sid("S")
		for _, s := range p.Statement {
			s.Allows("events.amazonaws.com", "sns:Publish", "arn:aws:sns:us-east-1:1:t")
			s.ConditionValues("aws:SourceArn")
		}
		p.Denials("sns:Publish", "arn:aws:sns:us-east-1:1:t")
		back, err := Read(p.String())
		if err != nil {
			t.Fatalf("written form does not read back: %v\n%s", err, p.String())
		}
		if !Same(back.String(), p.String()) {
			t.Fatalf("round trip changed the document:\n%s\n%s", p.String(), back.String())
		}
	})
}
