package deploy

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// RetargetAlerts (issue 9 case 4) creates the topic "quiet" in us-east-1
// with topic's policy copied onto it, re-points every alert target that sends
// to topic at it, and returns its ARN and how many alert rules there are. It
// serves this package's tests and deploy_test's.
func RetargetAlerts(t *testing.T, a cloud.Account, topic string) (quiet string, alertRules int) {
	t.Helper()
	ctx := t.Context()
	tp := a.Topics("us-east-1")
	quiet, err := tp.CreateTopic(ctx, "quiet", nil)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := tp.Topic(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if err := tp.SetTopicPolicy(ctx, quiet, strings.ReplaceAll(orig.Policy, topic, quiet)); err != nil {
		t.Fatal(err)
	}
	ev := a.Events("us-east-1")
	rules, err := ev.Rules(ctx, chain.BusName, chain.AlertRulePrefix)
	if err != nil || len(rules) == 0 {
		t.Fatalf("alert rules: %v, %v", rules, err)
	}
	for _, r := range rules {
		ts, err := ev.Targets(ctx, chain.BusName, r.Name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ts {
			if ts[i].ARN == topic {
				ts[i].ARN = quiet
			}
		}
		if err := ev.PutTargets(ctx, chain.BusName, r.Name, ts); err != nil {
			t.Fatal(err)
		}
	}
	return quiet, len(rules)
}
