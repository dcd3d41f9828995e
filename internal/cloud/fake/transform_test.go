package fake

import (
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/rules"
)

func TestRenderInput(t *testing.T) {
	event := `{"account":"123456789012","time":"2026-10-14T09:10:02Z","detail":{"ip":"198.51.100.23","n":1500000000,"mfa":false,"tags":["a","b"],"quote":"say \"hi\""}}`
	rule := cloud.Rule{Name: "r", ARN: "arn:aws:events:us-east-1:123456789012:rule/r"}
	paths := map[string]string{"account": "$.account", "ip": "$.detail.ip", "n": "$.detail.n", "mfa": "$.detail.mfa", "tags": "$.detail.tags", "first": "$.detail.tags[0]", "quote": "$.detail.quote", "missing": "$.detail.nope"}
	tests := []struct {
		name, template, want string
	}{
		{"string template", `"Root signed in to <account> from <ip>"`, `"Root signed in to 123456789012 from 198.51.100.23"`},
		{"JSON object", `{"account":<account>,"n":<n>,"mfa":<mfa>,"tags":<tags>}`, `{"account":"123456789012","n":1500000000,"mfa":false,"tags":["a","b"]}`},
		{"inside quotes in JSON", `{"text":"from <ip>, MFA <mfa>"}`, `{"text":"from 198.51.100.23, MFA false"}`},
		{"no escaping inside quotes", `"said <quote>"`, `"said say "hi""`},
		{"array inside quotes", `"tags <tags>"`, `"tags [a,b]"`},
		{"array index", `"<first>"`, `"a"`},
		{"plain text", `Root from <ip> at <aws.events.event.ingestion-time>`, `Root from 198.51.100.23 at 2026-10-14T09:10:02Z`},
		{"missing path", `{"x":<missing>,"y":"<missing>"}`, `{"x":null,"y":""}`},
		{"rule variables", `"<aws.events.rule-name> <aws.events.rule-arn>"`, `"r arn:aws:events:us-east-1:123456789012:rule/r"`},
		{"unknown placeholder stays", `"<nobody> <account>"`, `"<nobody> 123456789012"`},
	}
	for _, tt := range tests {
		got, err := renderInput(&cloud.InputTransformer{Paths: paths, Template: tt.template}, event, rule)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: render(%s)\n got %s\nwant %s", tt.name, tt.template, got, tt.want)
		}
	}
}

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

// The fake renders the rule pack's messages exactly as rules.Render predicts
// them, for every rule and every fixture event.
func TestRenderMatchesRulePack(t *testing.T) {
	n := 0
	for _, r := range rules.All() {
		pos, neg := rules.Fixtures(r.ID)
		for _, f := range append(pos, neg...) {
			want, err := rules.Render(r, f.Event)
			if err != nil {
				t.Fatalf("%s/%s: rules.Render: %v", r.ID, f.Name, err)
			}
			got, err := renderInput(&cloud.InputTransformer{Paths: r.Message.Paths, Template: r.Message.Template}, string(f.Event), cloud.Rule{})
			if err != nil {
				t.Fatalf("%s/%s: %v", r.ID, f.Name, err)
			}
			if got != want {
				t.Errorf("%s/%s:\n fake  %s\n rules %s", r.ID, f.Name, got, want)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("the rule pack has no fixtures to compare")
	}
}
