package transform

import (
	"strings"
	"testing"
)

func TestApply(t *testing.T) {
	event := `{"account":"123456789012","time":"2026-10-14T09:10:02Z","detail":{"ip":"198.51.100.23","n":1500000000,"mfa":false,"tags":["a","b"],"quote":"say \"hi\""}}`
	vars := Vars{RuleName: "r", RuleARN: "arn:aws:events:us-east-1:123456789012:rule/r"}
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
		got, err := Apply(paths, tt.template, []byte(event), vars)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: render(%s)\n got %s\nwant %s", tt.name, tt.template, got, tt.want)
		}
	}
}

// FuzzApply: any template and path render without panicking, and a
// template without placeholders comes back unchanged.
func FuzzApply(f *testing.F) {
	f.Add(`"Root signed in to <account> from <ip>"`, "$.detail.ip")
	f.Add(`{"a":<x>,"b":"<x>"}`, "$.detail.tags[0]")
	f.Add(`plain <x> text`, "$['detail']['ip']")
	f.Add(`"\"<x>\\"`, "$.")
	event := `{"account":"123456789012","time":"2026-10-14T09:10:02Z","detail":{"ip":"198.51.100.23","tags":["a"],"n":1.5e3}}`
	f.Fuzz(func(t *testing.T, template, path string) {
		paths := map[string]string{"x": path, "ip": "$.detail.ip", "account": "$.account"}
		got, err := Apply(paths, template, []byte(event), Vars{RuleName: "r"})
		if err != nil {
			return // a bad path
		}
		if !strings.Contains(template, "<") && got != template {
			t.Errorf("template without placeholders changed: %q -> %q", template, got)
		}
	})
}
