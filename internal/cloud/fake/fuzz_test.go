package fake

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// FuzzRenderInput: any template and path render without panicking, and a
// template without placeholders comes back unchanged.
func FuzzRenderInput(f *testing.F) {
	f.Add(`"Root signed in to <account> from <ip>"`, "$.detail.ip")
	f.Add(`{"a":<x>,"b":"<x>"}`, "$.detail.tags[0]")
	f.Add(`plain <x> text`, "$['detail']['ip']")
	f.Add(`"\"<x>\\"`, "$.")
	event := `{"account":"123456789012","time":"2026-10-14T09:10:02Z","detail":{"ip":"198.51.100.23","tags":["a"],"n":1.5e3}}`
	f.Fuzz(func(t *testing.T, template, path string) {
		in := &cloud.InputTransformer{Paths: map[string]string{"x": path, "ip": "$.detail.ip", "account": "$.account"}, Template: template}
		got, err := renderInput(in, event, cloud.Rule{Name: "r"})
		if err != nil {
			return // a bad path
		}
		if !strings.Contains(template, "<") && got != template {
			t.Errorf("template without placeholders changed: %q -> %q", template, got)
		}
	})
}

// FuzzAllows: any policy evaluates or is rejected without panicking, and
// validPolicy accepts only what allows can read.
func FuzzAllows(f *testing.F) {
	f.Add(DefaultTopicPolicy("arn:aws:sns:us-east-1:123456789012:t"))
	f.Add(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:SourceArn":"arn:*"}}}}`)
	f.Add(`{"Statement":[{"Effect":"Deny","Principal":{"AWS":["*"]},"NotAction":"sns:Publish"}]}`)
	f.Fuzz(func(t *testing.T, policy string) {
		req := request{service: "events.amazonaws.com", action: "SNS:Publish", resource: "arn:aws:sns:us-east-1:123456789012:t", keys: map[string]string{"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/r"}}
		_, err := allows(policy, req)
		if validPolicy(policy) == nil && err != nil {
			t.Errorf("validPolicy accepted a policy allows cannot read: %v", err)
		}
	})
}
