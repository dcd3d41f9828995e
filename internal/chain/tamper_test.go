package chain

import (
	"fmt"
	"testing"

	"github.com/rootwatch/rootwatch/internal/pattern"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// The rule pack's tamper rule names rootwatch's resources as literal text (a
// pattern cannot read Go constants): it must match a change to each resource
// named here, and not to the self-test's temporary rules, so that renaming
// one without the other fails.
func TestTamperRuleNamesTheChain(t *testing.T) {
	r, ok := rules.Get("rootwatch-tamper")
	if !ok {
		t.Fatal("the rule pack has no rootwatch-tamper rule")
	}
	p := pattern.MustCompile(r.Pattern)
	const acct = "123456789012"
	tests := []struct {
		source, name, params string
		want                 bool
	}{
		{"events", "DeleteRule", fmt.Sprintf(`{"name":%q}`, ForwardRuleName), true},
		{"events", "DisableRule", fmt.Sprintf(`{"name":%q,"eventBusName":%q}`, AlertRulePrefix+"root-api-call", BusName), true},
		{"events", "RemoveTargets", fmt.Sprintf(`{"rule":%q,"ids":[%q]}`, ForwardRuleName, ForwardTargetID), true},
		{"events", "PutTargets", fmt.Sprintf(`{"rule":%q,"eventBusName":%q}`, AlertRulePrefix+"rootwatch-tamper", BusName), true},
		{"events", "DeleteEventBus", fmt.Sprintf(`{"name":%q}`, BusName), true},
		{"events", "PutPermission", fmt.Sprintf(`{"eventBusName":%q}`, BusName), true},
		{"iam", "PutRolePolicy", fmt.Sprintf(`{"roleName":%q,"policyName":%q}`, ForwarderRoleName, ForwarderPolicyName), true},
		{"iam", "DeleteRolePolicy", fmt.Sprintf(`{"roleName":%q,"policyName":%q}`, ForwarderRoleName, ForwarderPolicyName), true},
		{"sqs", "SetQueueAttributes", fmt.Sprintf(`{"queueUrl":"https://sqs.eu-west-1.amazonaws.com/%s/%s"}`, acct, DLQName), true},
		{"sns", "SetTopicAttributes", fmt.Sprintf(`{"topicArn":"arn:aws:sns:us-east-1:%s:%s"}`, acct, TopicName), true},
		{"sns", "Unsubscribe", fmt.Sprintf(`{"subscriptionArn":"arn:aws:sns:us-east-1:%s:%s:0b4d7c2e-1111-4a4a-9c9c-123456789abc"}`, acct, TopicName), true},
		{"cloudtrail", "StopLogging", fmt.Sprintf(`{"name":%q}`, TrailName), true},
		{"events", "PutRule", fmt.Sprintf(`{"name":%q,"eventBusName":%q}`, SelfTestRulePrefix+"0123456789ab", BusName), false},
		{"events", "DeleteRule", fmt.Sprintf(`{"name":%q,"eventBusName":%q}`, SelfTestRulePrefix+"0123456789ab", BusName), false},
	}
	for _, tt := range tests {
		ev := fmt.Sprintf(`{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"AWS API Call via CloudTrail","source":"aws.%s","account":%q,"time":"2026-10-14T09:40:00Z","region":"us-east-1","resources":[],"detail":{"eventSource":"%s.amazonaws.com","eventName":%q,"userIdentity":{"type":"IAMUser"},"requestParameters":%s}}`,
			tt.source, acct, tt.source, tt.name, tt.params)
		got, err := p.Match([]byte(ev))
		if err != nil {
			t.Fatalf("%s %s: %v", tt.name, tt.params, err)
		}
		if got != tt.want {
			t.Errorf("%s %s: tamper rule match = %v, want %v", tt.name, tt.params, got, tt.want)
		}
	}
}
