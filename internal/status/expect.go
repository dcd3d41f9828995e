package status

import (
	"context"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

// Expect is what a healthy deployment looks like: exactly what deploy would
// deploy with the same options. It is plain data so that it is built in one place
// (from deploy's desired state; see FromSpec) and so that tests can state it.
type Expect struct {
	Account    string
	Partition  string
	HomeRegion string

	// Home region.
	TopicARN string
	// TopicSid is the Sid of rootwatch's statement in the topic policy.
	TopicSid string
	// TopicStatement is the statement deploy writes (compared semantically
	// with deploy.HasStatement); nil skips that comparison.
	TopicStatement any
	Bus            BusExpect
	Alerts         []RuleExpect

	// Forwarding, one entry per region to check, home region included.
	Regions []RegionExpect

	// The forwarder role (IAM, global).
	Role RoleExpect
}

// BusExpect is the home event bus.
type BusExpect struct {
	Name string
	ARN  string
}

// RuleExpect is one rule with the one target rootwatch gives it.
type RuleExpect struct {
	// ID names the rule in checks: the rule pack's ID for an alert rule.
	ID string
	// Rule is the rule as deploy puts it: Name, Bus, ARN, Pattern (the exact
	// bytes), State. An alert rule's ARN is what the topic policy must name.
	Rule cloud.Rule
	// Target is the target as deploy puts it: ID, ARN, RoleARN, Input,
	// DeadLetterARN.
	Target cloud.Target
}

// RegionExpect is the forwarding set-up of one region.
type RegionExpect struct {
	Region  string
	Forward RuleExpect
	// DLQName is the name of the region's dead-letter queue.
	DLQName string
	// DLQSid is the Sid of the statement in the queue's policy that lets
	// EventBridge send to it.
	DLQSid string
}

// RoleExpect is the IAM role EventBridge assumes to forward events.
type RoleExpect struct {
	Name       string
	ARN        string
	PolicyName string // the inline policy allowing events:PutEvents
	// BusARN is the resource the policy must allow events:PutEvents on.
	BusARN string
}

// FromSpec is the expectation of deploy's desired state: status checks exactly
// what deploy would deploy with the same options.
func FromSpec(s deploy.Spec) Expect {
	rule := func(r deploy.RuleSpec) RuleExpect {
		return RuleExpect{
			ID: r.RuleID,
			Rule: cloud.Rule{
				Name: r.Name, Bus: r.Bus, ARN: r.ARN, Pattern: r.Pattern,
				State: r.State, Description: r.Description,
			},
			Target: r.Target,
		}
	}
	e := Expect{
		Account:        s.Account,
		Partition:      s.Partition,
		HomeRegion:     s.HomeRegion,
		TopicARN:       s.Topic.ARN,
		TopicSid:       s.Topic.Statement.Sid,
		TopicStatement: s.Topic.Statement,
		Bus:            BusExpect{Name: s.Bus.Name, ARN: s.Bus.ARN},
		Role:           RoleExpect{Name: s.Role.Name, ARN: s.Role.ARN, PolicyName: s.Role.PolicyName, BusARN: s.Bus.ARN},
	}
	for _, a := range s.AlertRules {
		e.Alerts = append(e.Alerts, rule(a))
	}
	for _, r := range s.PerRegion {
		e.Regions = append(e.Regions, RegionExpect{
			Region:  r.Region,
			Forward: rule(r.Forward),
			DLQName: r.DLQ.Name,
			DLQSid:  deploy.QueueStatementSid,
		})
	}
	return e
}

// DeployedTopic returns the topic the deployed alert rules send to, when it is
// not the one spec expects: the topic deploy was given with --topic-arn, so that
// status finds it without being told. It returns "" when the rules send to
// spec's topic, disagree, or cannot be read (the checks then say what is wrong).
func DeployedTopic(ctx context.Context, acct cloud.Account, spec deploy.Spec) string {
	found := ""
	for _, r := range spec.AlertRules {
		ts, err := acct.Events(spec.HomeRegion).Targets(ctx, r.Bus, r.Name)
		if err != nil {
			continue
		}
		for _, t := range ts {
			if t.ID != r.Target.ID || !strings.HasPrefix(t.ARN, "arn:"+spec.Partition+":sns:"+spec.HomeRegion+":"+spec.Account+":") {
				continue
			}
			if found != "" && found != t.ARN {
				return ""
			}
			found = t.ARN
		}
	}
	if found == spec.Topic.ARN {
		return ""
	}
	return found
}
