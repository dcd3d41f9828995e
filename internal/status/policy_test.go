package status

import (
	"testing"
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
			name:    "AWS star",
			policy:  `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sns:Publish"}]}`,
			service: "events.amazonaws.com", action: "sns:Publish", on: topic, allowed: true,
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
			p, err := parsePolicy(tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, s := range p.Statement {
				if s.allow() && s.hasService(tt.service) && s.covers(tt.action) && s.on(tt.on) {
					got = true
				}
			}
			if got != tt.allowed {
				t.Errorf("allowed = %v, want %v", got, tt.allowed)
			}
		})
	}
}

func TestDenies(t *testing.T) {
	const bus = "arn:aws:events:us-east-1:123456789012:event-bus/rootwatch"
	tests := []struct {
		policy string
		want   Status // "" when nothing denies
	}{
		{`{"Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"*"}]}`, ""},
		{`{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","Action":"events:*","Resource":"*"}]}`, Fail},
		{`{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","Action":"events:PutEvents","Resource":"` + bus + `","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-123"}}}]}`, Warn},
		{`{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","Action":"events:PutEvents","Resource":"arn:aws:events:us-east-1:123456789012:event-bus/other"}]}`, ""},
		{`{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","NotAction":"events:PutEvents","Resource":"*"}]}`, ""},
	}
	for _, tt := range tests {
		p, err := parsePolicy(tt.policy)
		if err != nil {
			t.Fatal(err)
		}
		r, denied := denies(p, "events:PutEvents", bus, "us-east-1", "bus-policy")
		got := Status("")
		if denied {
			got = r.Status
		}
		if got != tt.want {
			t.Errorf("denies(%s) = %q (%s), want %q", tt.policy, got, r.Detail, tt.want)
		}
	}
}

func TestParsePolicyErrors(t *testing.T) {
	for _, doc := range []string{
		``,
		`not json`,
		`{"Statement":"x"}`,
		`{"Statement":[{"Principal":"someone"}]}`,
		`{"Statement":[{"Action":7}]}`,
	} {
		if _, err := parsePolicy(doc); err == nil {
			t.Errorf("parsePolicy(%q) succeeded, want an error", doc)
		}
	}
}

// FuzzParsePolicy: parsing never panics, and what parses can be asked every
// question status asks.
func FuzzParsePolicy(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":["sns:Publish"],"Resource":"*","Condition":{"ArnEquals":{"aws:SourceArn":["arn:aws:events:us-east-1:1:rule/x"]}}}]}`)
	f.Add(`{"Statement":{"Effect":"Deny","Principal":"*","NotAction":"s*","Resource":["a[b]\\c/d?"]}}`)
	f.Add(`{"Statement":[]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := parsePolicy(doc)
		if err != nil {
			return
		}
		p.sid("S")
		for _, s := range p.Statement {
			s.allow()
			s.hasService(eventsService)
			s.covers("sns:Publish")
			s.on("arn:aws:sns:us-east-1:1:t")
			s.conditionValues("aws:SourceArn")
		}
		denies(p, "sns:Publish", "arn:aws:sns:us-east-1:1:t", "r", "c")
	})
}
