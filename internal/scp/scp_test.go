package scp_test

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/golden"
	"github.com/rootwatch/rootwatch/internal/policy"
	"github.com/rootwatch/rootwatch/internal/scp"
)

var names = scp.Names{
	Bus: "rootwatch", RulePrefix: "rootwatch-", TopicPrefix: "rootwatch-", QueuePrefix: "rootwatch-dlq",
	RolePrefix: "rootwatch-forwarder", Trail: "rootwatch", TrailBucketGlob: "rootwatch-trail-*",
	AlarmPrefix: "rootwatch-", BoundaryPolicy: "rootwatch-forwarder-boundary", ChannelPrefix: "rootwatch-channel-", ChannelRole: "rootwatch-channels",
}

const (
	deployRole = "arn:aws:iam::*:role/OrganizationAccountAccessRole"
	orgTrail   = "arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail"
)

func build(t *testing.T) scp.Policy {
	t.Helper()
	p, err := scp.Build(scp.Options{Exempt: []string{deployRole}, Trails: []string{orgTrail}, Names: names})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGolden(t *testing.T) {
	golden.Check(t, "testdata/scp.json", build(t).JSON())
}

// TestFitsOrganizationsLimit: the policy as sent stays within the SCP size
// limit, with room for a second exempt principal and trail.
func TestFitsOrganizationsLimit(t *testing.T) {
	p, err := scp.Build(scp.Options{Exempt: []string{deployRole, "arn:aws:iam::*:role/AWSControlTowerExecution"},
		Trails: []string{orgTrail, strings.Replace(orgTrail, "org-trail", "second-org-trail", 1)}, Names: names})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.Compact()); n > scp.MaxSize {
		t.Errorf("the compact policy has %d characters; Organizations takes at most %d", n, scp.MaxSize)
	}
}

// TestRefuses evaluates the printed policy, as an SCP is evaluated, for what
// it must refuse and what it must leave alone.
func TestRefuses(t *testing.T) {
	doc := string(build(t).JSON())
	const (
		root   = "arn:aws:iam::222222222222:root"
		admin  = "arn:aws:iam::222222222222:role/Admin"
		deploy = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
		fwd    = "arn:aws:events:eu-west-1:222222222222:rule/rootwatch-forward"
	)
	tests := []struct {
		principal, action, resource string
		denied                      bool
	}{
		{root, "events:DeleteRule", fwd, true},
		{root, "events:DisableRule", fwd, true},
		{admin, "events:RemoveTargets", fwd, true},
		{admin, "events:PutRule", fwd, true},
		{admin, "Events:putTargets", fwd, true}, // actions are case-insensitive
		{admin, "events:PutRule", "arn:aws:events:us-east-1:111111111111:rule/rootwatch/rootwatch-alert-console-sign-in", true},
		{admin, "events:PutRule", "arn:aws:events:us-east-1:111111111111:rule/rootwatch/an-extra-rule-on-the-central-bus", true},
		{admin, "events:PutPermission", "arn:aws:events:us-east-1:111111111111:event-bus/rootwatch", true},
		{admin, "events:DeleteEventBus", "arn:aws:events:us-east-1:111111111111:event-bus/rootwatch", true},
		{root, "iam:DeleteRole", "arn:aws:iam::222222222222:role/rootwatch-forwarder", true},
		{admin, "iam:PutRolePolicy", "arn:aws:iam::222222222222:role/rootwatch-forwarder", true},
		{admin, "iam:UpdateAssumeRolePolicy", "arn:aws:iam::222222222222:role/rootwatch-forwarder", true},
		{admin, "sns:SetTopicAttributes", "arn:aws:sns:us-east-1:111111111111:rootwatch-alerts", true},
		{admin, "sns:DeleteTopic", "arn:aws:sns:us-east-1:111111111111:rootwatch-alerts", true},
		{root, "sns:Subscribe", "arn:aws:sns:us-east-1:111111111111:rootwatch-alerts", true},
		{admin, "sqs:PurgeQueue", "arn:aws:sqs:eu-west-1:222222222222:rootwatch-dlq", true},
		{root, "cloudtrail:StopLogging", orgTrail, true},
		{root, "cloudtrail:DeleteTrail", "arn:aws:cloudtrail:us-east-1:222222222222:trail/rootwatch", true},
		{admin, "s3:PutBucketPolicy", "arn:aws:s3:::rootwatch-trail-222222222222-us-east-1", true},
		// What the tamper rule watches since: the bus's tags (the settings
		// record), alarms, heartbeat rules, the boundary, the channels.
		{admin, "events:UntagResource", "arn:aws:events:us-east-1:111111111111:event-bus/rootwatch", true},
		{admin, "cloudwatch:DeleteAlarms", "arn:aws:cloudwatch:us-east-1:111111111111:alarm:rootwatch-heartbeat-eu-west-1", true},
		{root, "cloudwatch:DisableAlarmActions", "arn:aws:cloudwatch:us-east-1:111111111111:alarm:rootwatch-dlq-not-empty", true},
		{admin, "cloudwatch:PutMetricAlarm", "arn:aws:cloudwatch:us-east-1:111111111111:alarm:rootwatch-failed-root-api-call", true},
		{admin, "events:RemoveTargets", "arn:aws:events:eu-west-1:222222222222:rule/rootwatch-heartbeat", true},
		{admin, "iam:CreatePolicyVersion", "arn:aws:iam::222222222222:policy/rootwatch-forwarder-boundary", true},
		{root, "iam:SetDefaultPolicyVersion", "arn:aws:iam::222222222222:policy/rootwatch-forwarder-boundary", true},
		{admin, "iam:DeleteRolePolicy", "arn:aws:iam::111111111111:role/rootwatch-channels", true},
		{admin, "events:DeauthorizeConnection", "arn:aws:events:us-east-1:111111111111:connection/rootwatch-channel-slack-3f2a9c1d/5e1b", true},
		{admin, "events:UpdateApiDestination", "arn:aws:events:us-east-1:111111111111:api-destination/rootwatch-channel-slack-3f2a9c1d/77aa", true},

		// The deploy role may change everything.
		{deploy, "events:DeleteRule", fwd, false},
		{deploy, "iam:DeleteRole", "arn:aws:iam::222222222222:role/rootwatch-forwarder", false},
		{deploy, "cloudtrail:StopLogging", orgTrail, false},
		// Nothing else is touched: the account's own rules, roles, trails.
		{admin, "events:DeleteRule", "arn:aws:events:eu-west-1:222222222222:rule/my-rule", false},
		{admin, "events:PutEvents", "arn:aws:events:us-east-1:111111111111:event-bus/rootwatch", false},
		{root, "iam:DeleteRole", "arn:aws:iam::222222222222:role/app", false},
		{admin, "cloudtrail:StopLogging", "arn:aws:cloudtrail:us-east-1:222222222222:trail/app-trail", false},
		{admin, "sns:Publish", "arn:aws:sns:us-east-1:111111111111:rootwatch-alerts", false},
		{admin, "cloudwatch:DeleteAlarms", "arn:aws:cloudwatch:us-east-1:222222222222:alarm:ops-cpu-high", false},
		{admin, "iam:CreatePolicyVersion", "arn:aws:iam::222222222222:policy/app-policy", false},
		{admin, "events:DeleteConnection", "arn:aws:events:us-east-1:222222222222:connection/prod-slack/5e1b", false},
	}
	for _, tt := range tests {
		if got := denies(t, doc, tt.principal, tt.action, tt.resource); got != tt.denied {
			t.Errorf("%s %s on %s: denied = %v, want %v", tt.principal, tt.action, tt.resource, got, tt.denied)
		}
	}
}

func TestBuildRefusesBadOptions(t *testing.T) {
	for _, o := range []scp.Options{
		{Names: names},
		{Exempt: []string{"OrganizationAccountAccessRole"}, Names: names},
		{Exempt: []string{deployRole}},
		{Exempt: []string{deployRole}, Trails: []string{"org-trail"}, Names: names},
	} {
		if _, err := scp.Build(o); err == nil {
			t.Errorf("Build(%+v) succeeded", o)
		}
	}
}

// denies evaluates the policy's Deny statements as an SCP is evaluated: the
// action and resource match (internal/policy: IAM's case rules and
// wildcards), and every condition holds; the conditions the policy uses are
// ArnNotLike and ArnLike on aws:PrincipalArn.
func denies(t *testing.T, doc, principal, action, resource string) bool {
	t.Helper()
	d, err := policy.Read(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Statement {
		if !s.IsDeny() || !s.Covers(action) || !s.On(resource) {
			continue
		}
		holds := true
		for op, kv := range s.Condition {
			for key, vals := range kv {
				if key != "aws:PrincipalArn" {
					t.Fatalf("condition key %s: the evaluator knows aws:PrincipalArn only", key)
				}
				switch op {
				case "ArnNotLike":
					holds = holds && !policy.MatchAny(vals, principal)
				case "ArnLike":
					holds = holds && policy.MatchAny(vals, principal)
				default:
					t.Fatalf("condition operator %s: the evaluator does not know it", op)
				}
			}
		}
		if holds {
			return true
		}
	}
	return false
}
