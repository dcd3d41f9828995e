package chain

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/channel"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

func channelTestSpec(t *testing.T) Spec {
	t.Helper()
	var cs []channel.Channel
	for k, v := range map[channel.Kind]string{channel.Slack: "https://hooks.slack.com/services/T/B/x", channel.PagerDuty: "0123456789abcdef0123456789abcdef"} {
		c, err := channel.Parse(k, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	s, err := Desired(cloud.Identity{Account: "123456789012", Partition: "aws"}, []string{"eu-west-1", "us-east-1"}, Options{Channels: cs})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestChannelRole: the channels' role is least privilege: EventBridge may
// assume it only for this account's rootwatch alert rules (and test's
// temporary rules), and it may invoke only the channels' API destinations.
func TestChannelRole(t *testing.T) {
	s := channelTestSpec(t)
	if len(s.Channels) != 2 {
		t.Fatalf("channels: %+v", s.Channels)
	}
	trust, err := policy.Read(s.ChannelRole.Trust)
	if err != nil || len(trust.Statement) != 1 {
		t.Fatalf("trust %s: %v", s.ChannelRole.Trust, err)
	}
	st := trust.Statement[0]
	if !st.IsAllow() || !st.NamesService(EventsService) || !st.Covers("sts:AssumeRole") {
		t.Errorf("trust statement %+v", st)
	}
	if got := st.ConditionValues("aws:SourceAccount"); len(got) != 1 || got[0] != "123456789012" {
		t.Errorf("trust aws:SourceAccount = %v", got)
	}
	sources := st.ConditionValues("aws:SourceArn")
	if len(sources) != len(s.AlertRules)+1 {
		t.Errorf("trust aws:SourceArn = %v, want the %d alert rules and the test rules", sources, len(s.AlertRules))
	}
	for _, src := range sources {
		if !strings.HasPrefix(src, "arn:aws:events:us-east-1:123456789012:rule/rootwatch/rootwatch-") {
			t.Errorf("trust allows %s, outside rootwatch's rules on the home bus", src)
		}
	}

	pol, err := policy.Read(s.ChannelRole.Policy)
	if err != nil {
		t.Fatal(err)
	}
	allowed := func(action, arn string) bool {
		for _, st := range pol.Statement {
			if st.IsAllow() && st.Covers(action) && st.On(arn) {
				return true
			}
		}
		return false
	}
	for _, c := range s.Channels {
		arn := "arn:aws:events:us-east-1:123456789012:api-destination/" + c.Name + "/0f3e5b1c-aaaa-bbbb-cccc-111122223333"
		if !allowed("events:InvokeApiDestination", arn) {
			t.Errorf("the role may not invoke %s", arn)
		}
	}
	for _, refuse := range []struct{ action, arn string }{
		{"events:InvokeApiDestination", "arn:aws:events:us-east-1:123456789012:api-destination/someone-else/0f3e"},
		{"events:InvokeApiDestination", "arn:aws:events:us-east-1:999999999999:api-destination/" + s.Channels[0].Name + "/0f3e"},
		{"events:InvokeApiDestination", "arn:aws:events:eu-west-1:123456789012:api-destination/" + s.Channels[0].Name + "/0f3e"},
		{"events:PutEvents", "arn:aws:events:us-east-1:123456789012:event-bus/rootwatch"},
		{"secretsmanager:GetSecretValue", "*"},
	} {
		if allowed(refuse.action, refuse.arn) {
			t.Errorf("the role may %s on %s", refuse.action, refuse.arn)
		}
	}
}

func TestChannelKind(t *testing.T) {
	for name, want := range map[string]channel.Kind{
		"rootwatch-channel-slack-1a2b3c4d":     channel.Slack,
		"rootwatch-channel-pagerduty-1a2b3c4d": channel.PagerDuty,
		"rootwatch-channel-webhook-1a2b3c4d":   channel.Webhook,
		"rootwatch-channel-teams-1a2b3c4d":     channel.Teams,
		"rootwatch-channel-email-1a2b3c4d":     "",
		"rootwatch-topic":                      "",
		"rootwatch-channel-slack":              "",
	} {
		got, ok := ChannelKind(name)
		if got != want || ok != (want != "") {
			t.Errorf("ChannelKind(%s) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

func TestChannelVerdicts(t *testing.T) {
	conn := cloud.Connection{Name: "rootwatch-channel-slack-1a2b3c4d", ARN: "arn:conn", State: cloud.ConnectionAuthorized}
	deauth := conn
	deauth.State, deauth.StateReason = cloud.ConnectionDeauthorized, "revoked"
	dst := cloud.Destination{Name: conn.Name, ConnectionARN: "arn:conn", Endpoint: "https://hooks.slack.com/services/SECRET", State: cloud.DestinationActive, RateLimit: 1}
	inactive := dst
	inactive.State = cloud.DestinationInactive
	other := dst
	other.ConnectionARN = "arn:other"
	subs := []cloud.Subscription{{Protocol: "email", Endpoint: "a@example.com", Pending: true}}
	checkVerdicts(t, []verdictCase{
		{"authorized", JudgeConnection(channel.Slack, "hooks.slack.com", conn), OK, "AUTHORIZED"},
		{"deauthorized", JudgeConnection(channel.Slack, "hooks.slack.com", deauth), Fail, "Connection Deauthorized"},
		{"active", JudgeDestination(channel.Slack, dst, "arn:conn"), OK, "ACTIVE"},
		{"inactive", JudgeDestination(channel.Slack, inactive, "arn:conn"), Fail, "API Destination Deactivated"},
		{"other connection", JudgeDestination(channel.Slack, other, "arn:conn"), Fail, "another connection"},
		{"pending, no channel", JudgeSubscriptionsWithChannels(subs, 0), Fail, "nobody gets the alerts"},
		{"pending, channels", JudgeSubscriptionsWithChannels(subs, 2), Warn, "reach the 2 channel(s) only"},
		{"none, channels", JudgeSubscriptionsWithChannels(nil, 1), Warn, "reach the 1 channel(s) only"},
	})
	for _, v := range []Verdict{JudgeDestination(channel.Slack, dst, "arn:conn"), JudgeDestination(channel.Slack, inactive, "arn:conn")} {
		if strings.Contains(v.Detail+v.Fix, "SECRET") {
			t.Errorf("verdict shows the endpoint: %+v", v)
		}
	}
	if f := JudgeConnection(channel.Slack, "h", deauth).Fix; !strings.Contains(f, "--slack") {
		t.Errorf("deauthorized fix %q names no flag", f)
	}
}

// TestChannelRoleFor: a spec given no channel (a bare deploy) builds from
// the deployed channels' names the same role, trust and policy as the spec
// given the channels themselves: no secret is needed to restore them.
func TestChannelRoleFor(t *testing.T) {
	with := channelTestSpec(t)
	bare, err := Desired(cloud.Identity{Account: "123456789012", Partition: "aws"}, []string{"eu-west-1", "us-east-1"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if bare.ChannelRole.Name != "" {
		t.Fatalf("a spec without channels has a channel role: %+v", bare.ChannelRole)
	}
	// In the other order than given: the role is the same.
	names := []string{with.Channels[1].Name, with.Channels[0].Name}
	got := bare.ChannelRoleFor(names)
	want := with.ChannelRole
	if got.Name != want.Name || got.ARN != want.ARN || got.PolicyName != want.PolicyName || got.Description != want.Description {
		t.Errorf("ChannelRoleFor = %+v, want %+v", got, want)
	}
	if !policy.Same(got.Trust, want.Trust) {
		t.Errorf("trust:\n%s", policy.Diff(want.Trust, got.Trust))
	}
	if !policy.Same(got.Policy, want.Policy) {
		t.Errorf("policy:\n%s", policy.Diff(want.Policy, got.Policy))
	}
	if one := bare.ChannelRoleFor(names[:1]); policy.Same(one.Policy, want.Policy) {
		t.Errorf("the role for one channel may invoke both: %s", one.Policy)
	}
}
