package fake

import (
	"testing"
)

func TestAllows(t *testing.T) {
	rule := "arn:aws:events:us-east-1:123456789012:rule/rootwatch/a"
	topic := "arn:aws:sns:us-east-1:123456789012:t"
	events := request{service: "events.amazonaws.com", action: "SNS:Publish", resource: topic, keys: map[string]string{"aws:SourceArn": rule, "aws:SourceAccount": "123456789012"}}
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":[` + s + `]}` }
	tests := []struct {
		name   string
		policy string
		want   bool
	}{
		{"default topic policy", DefaultTopicPolicy(topic), false},
		{"service principal, matching SourceArn", stmt(`{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"` + topic + `","Condition":{"ArnEquals":{"aws:SourceArn":["x","` + rule + `"]}}}`), true},
		{"service principal, other rule", stmt(`{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"` + topic + `","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:events:us-east-1:123456789012:rule/other"}}}`), false},
		{"ArnLike wildcard", stmt(`{"Effect":"Allow","Principal":{"Service":["events.amazonaws.com"]},"Action":["SNS:*"],"Resource":"*","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:events:*:123456789012:rule/rootwatch/*"}}}`), true},
		{"explicit deny wins", stmt(`{"Effect":"Allow","Principal":"*","Action":"sns:Publish","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceAccount":"999999999999"}}}`), false},
		{"single statement object", `{"Statement":{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"` + topic + `"}}`, true},
		{"other action", stmt(`{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Subscribe","Resource":"` + topic + `"}`), false},
		{"unknown operator never grants", stmt(`{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"*","Condition":{"NumericLessThan":{"aws:SourceArn":"1"}}}`), false},
	}
	for _, tt := range tests {
		got, err := allows(tt.policy, events)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: allows = %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, err := allows(`{"Statement":"nonsense"}`, events); err == nil {
		t.Error("malformed policy accepted")
	}
}
