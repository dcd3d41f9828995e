package chain

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

func TestJudgeOneClickUnsubscribe(t *testing.T) {
	const arn = "arn:aws:sns:us-east-1:123456789012:rootwatch-alerts:1"
	tests := []struct {
		name string
		subs []cloud.Subscription
		want Status
		in   string
	}{
		{"none", nil, OK, ""},
		{"authenticated e-mail", []cloud.Subscription{{ARN: arn, Protocol: "email", Endpoint: "sec@example.com", Authenticated: true}}, OK, ""},
		{"e-mail confirmed by its link", []cloud.Subscription{{ARN: arn, Protocol: "email", Endpoint: "sec@example.com"}}, Warn, "sec@example.com confirmed without authentication"},
		{"email-json confirmed by its link", []cloud.Subscription{{ARN: arn, Protocol: "email-json", Endpoint: "soc@example.com"}}, Warn, "soc@example.com"},
		{"pending (JudgeSubscriptions reports it)", []cloud.Subscription{{ARN: "PendingConfirmation", Protocol: "email", Endpoint: "sec@example.com", Pending: true}}, OK, ""},
		{"a queue (no unsubscribe link is mailed)", []cloud.Subscription{{ARN: arn, Protocol: "sqs", Endpoint: "arn:aws:sqs:us-east-1:123456789012:q"}}, OK, ""},
		{"one of two", []cloud.Subscription{
			{ARN: arn, Protocol: "email", Endpoint: "a@example.com", Authenticated: true},
			{ARN: arn + "2", Protocol: "email", Endpoint: "b@example.com"},
		}, Warn, "subscription(s) b@example.com confirmed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := JudgeOneClickUnsubscribe(tc.subs)
			if v.Status != tc.want || !strings.Contains(v.Detail, tc.in) {
				t.Errorf("got %s %q, want %s containing %q", v.Status, v.Detail, tc.want, tc.in)
			}
			if v.Status == Warn && !strings.Contains(v.Fix, "rootwatch confirm") {
				t.Errorf("fix %q does not name rootwatch confirm", v.Fix)
			}
		})
	}
}
