package fake

import (
	"testing"
)

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
