package chain

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/rootwatch/rootwatch/internal/channel"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// Channels: besides the topic, each alert rule may send to chat and paging
// services (--slack, --teams, --pagerduty, --webhook). A channel is an
// EventBridge connection and an API destination in the home region, both named
// ChannelPrefix + kind + "-" + a short hash of the channel's secret, and one
// target of that name on every alert rule, which renders the service's own
// request body. The role ChannelRoleName lets the alert rules (and the
// temporary rules of 'rootwatch test --notify') invoke the channels' API
// destinations and nothing else.
const (
	ChannelPrefix     = "rootwatch-channel-"
	ChannelRoleName   = "rootwatch-channels"
	ChannelPolicyName = "rootwatch-invoke-channels"
	// MaxChannels is how many channels fit: EventBridge allows 5 targets per
	// rule, and one is the topic.
	MaxChannels = 4
)

// ChannelSpec is one channel as deployed.
type ChannelSpec struct {
	Channel channel.Channel // holds the secret; prints as kind and host
	Name    string          // connection, API destination and target ID
	// DestinationPattern is the ARN of the API destination, up to the ID AWS
	// gives it ("arn:...:api-destination/NAME/*"), which the role may invoke.
	DestinationPattern string
}

// Kind returns the channel's kind.
func (c ChannelSpec) Kind() channel.Kind { return c.Channel.Kind() }

// ChannelKind returns the kind of channel a connection, API destination or
// target name stands for, if it is one of rootwatch's channels.
func ChannelKind(name string) (channel.Kind, bool) {
	rest, ok := strings.CutPrefix(name, ChannelPrefix)
	if !ok {
		return "", false
	}
	for _, k := range channel.Kinds {
		if strings.HasPrefix(rest, string(k)+"-") {
			return k, true
		}
	}
	return "", false
}

// channelSpecs adds the channels and their role to s.
func channelSpecs(s *Spec, cs []channel.Channel) error {
	if len(cs) == 0 {
		return nil
	}
	if len(cs) > MaxChannels {
		return InputErrorf("%d channels given, at most %d fit: EventBridge allows 5 targets per rule and one is the topic", len(cs), MaxChannels)
	}
	var names []string
	for _, c := range cs {
		name := c.Name(strings.TrimSuffix(ChannelPrefix, "-"))
		for _, have := range s.Channels {
			if have.Name == name {
				return InputErrorf("the %s is given twice", c)
			}
		}
		s.Channels = append(s.Channels, ChannelSpec{Channel: c, Name: name, DestinationPattern: s.destinationPattern(name)})
		names = append(names, name)
	}
	s.ChannelRole = s.ChannelRoleFor(names)
	return nil
}

// destinationPattern is the ARN of the channel named name's API destination,
// up to the ID AWS gives it.
func (s Spec) destinationPattern(name string) string {
	return arn(s.Partition, "events", s.HomeRegion, s.Account, "api-destination/"+name+"/*")
}

// ChannelRoleFor is the channel role that lets the alert rules invoke the
// API destinations of the channels named names, and nothing else. It needs
// no secret: a deploy given the channels builds it from them, one given none
// from the names of the API destinations deployed earlier.
func (s Spec) ChannelRoleFor(names []string) RoleSpec {
	var patterns []string
	for _, n := range names {
		patterns = append(patterns, s.destinationPattern(n))
	}
	var alertARNs []string
	for _, r := range s.AlertRules {
		alertARNs = append(alertARNs, r.ARN)
	}
	return RoleSpec{
		Name:        ChannelRoleName,
		ARN:         arn(s.Partition, "iam", "", s.Account, "role/"+ChannelRoleName),
		PolicyName:  ChannelPolicyName,
		Description: "rootwatch: lets the rootwatch alert rules invoke the rootwatch channels' API destinations",
		Trust: policy.Document{Version: policy.Version, Statement: policy.Statements{{
			Sid:       "EventBridgeAlertRules",
			Effect:    "Allow",
			Principal: policy.Service(EventsService),
			Action:    policy.Values{"sts:AssumeRole"},
			Condition: policy.Conditions{
				"StringEquals": {"aws:SourceAccount": {s.Account}},
				// The alert rules, and the temporary rules of 'rootwatch
				// test --notify', which sends a test alert through each channel.
				"ArnLike": {"aws:SourceArn": append(alertARNs, arn(s.Partition, "events", s.HomeRegion, s.Account, "rule/"+BusName+"/"+SelfTestRulePrefix+"*"))},
			},
		}}}.String(),
		Policy: policy.Document{Version: policy.Version, Statement: policy.Statements{{
			Sid:      "InvokeChannels",
			Effect:   "Allow",
			Action:   policy.Values{"events:InvokeApiDestination"},
			Resource: policy.Values(patterns),
		}}}.String(),
	}
}

// Connection is the connection deploy creates for c. It holds the secret
// where the channel has one in its auth (PagerDuty's routing key): hand it to
// AWS only.
func (c ChannelSpec) Connection() cloud.ConnectionSpec {
	a := c.Channel.Auth()
	spec := cloud.ConnectionSpec{
		Name:        c.Name,
		Description: c.Description(),
		APIKeyName:  a.HeaderName,
		APIKeyValue: a.HeaderValue,
	}
	for _, p := range a.Body {
		spec.Body = append(spec.Body, cloud.BodyParam{Key: p.Key, Value: p.Value, Secret: p.Secret})
	}
	return spec
}

// Description is what the connection and destination say of themselves.
func (c ChannelSpec) Description() string { return "rootwatch channel: " + c.Channel.String() }

// Destination is the API destination deploy creates for c, given its
// connection's ARN. Its endpoint is the channel's secret URL for Slack, Teams
// and webhooks: hand it to AWS only.
func (c ChannelSpec) Destination(connectionARN string) cloud.Destination {
	return cloud.Destination{
		Name:          c.Name,
		Description:   c.Description(),
		ConnectionARN: connectionARN,
		Endpoint:      c.Channel.Endpoint(),
		Method:        "POST",
		RateLimit:     c.Channel.RateLimit(),
	}
}

// ChannelTarget is the target of a channel (named name, of kind k) on alert
// rule r, given the API destination's ARN and the home dead-letter queue.
// It needs no secret, so status computes it from what it reads.
func (s Spec) ChannelTarget(k channel.Kind, name string, r RuleSpec, destinationARN string) (cloud.Target, error) {
	rule, ok := rules.Get(r.RuleID)
	if !ok {
		return cloud.Target{}, fmt.Errorf("channel target for %s: no rule %q in the pack", r.Name, r.RuleID)
	}
	tr, err := channel.TransformerFor(k, rule)
	if err != nil {
		return cloud.Target{}, err
	}
	return cloud.Target{
		ID:            name,
		ARN:           destinationARN,
		RoleARN:       arn(s.Partition, "iam", "", s.Account, "role/"+ChannelRoleName),
		Input:         &cloud.InputTransformer{Paths: tr.Paths, Template: tr.Template},
		DeadLetterARN: r.Target.DeadLetterARN,
		MaxAttempts:   TargetMaxAttempts,
		MaxAge:        TargetMaxAge,
	}, nil
}

// EndpointHost is the host of an API destination's endpoint: all of it that
// output may show.
func EndpointHost(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Hostname() == "" {
		return "(unparsable endpoint)"
	}
	return u.Hostname()
}

// JudgeConnection judges a channel's connection: EventBridge invokes the
// channel's API destination only while it is AUTHORIZED.
func JudgeConnection(kind channel.Kind, host string, c cloud.Connection) Verdict {
	if c.State != cloud.ConnectionAuthorized {
		why := ""
		if c.StateReason != "" {
			why = " (" + c.StateReason + ")"
		}
		return fail(fmt.Sprintf("Connection Deauthorized: connection %s of the %s %s channel is %s%s: its alerts are not sent", c.Name, kind, host, c.State, why),
			fmt.Sprintf("run 'rootwatch deploy --%s ...' again with the channel's current secret: it updates the connection, which authorizes it again", kind))
	}
	return ok(fmt.Sprintf("connection %s of the %s %s channel is %s", c.Name, kind, host, c.State))
}

// JudgeDestination judges a channel's API destination.
func JudgeDestination(kind channel.Kind, d cloud.Destination, connectionARN string) Verdict {
	host := EndpointHost(d.Endpoint)
	switch {
	case d.State != cloud.DestinationActive:
		return fail(fmt.Sprintf("API Destination Deactivated: API destination %s of the %s %s channel is %s: its alerts are not sent", d.Name, kind, host, d.State),
			fmt.Sprintf("authorize its connection again ('rootwatch deploy --%s ...' with the channel's current secret), which reactivates the destination", kind))
	case d.ConnectionARN != connectionARN:
		return fail(fmt.Sprintf("API destination %s of the %s %s channel uses another connection than %s", d.Name, kind, host, d.Name), Redeploy)
	}
	return ok(fmt.Sprintf("API destination %s of the %s %s channel is %s, at most %d/s", d.Name, kind, host, d.State, d.RateLimit))
}

// JudgeSubscriptionsWithChannels is JudgeSubscriptions for a chain that also
// sends to channels: a topic nobody confirmed is then a warning, not a failure,
// since the alerts still reach the channels.
func JudgeSubscriptionsWithChannels(subs []cloud.Subscription, channels int) Verdict {
	v := JudgeSubscriptions(subs)
	if v.Status != Fail || channels == 0 {
		return v
	}
	v.Status = Warn
	v.Detail = strings.Replace(v.Detail, "nobody gets the alerts", fmt.Sprintf("no e-mail gets the alerts; they reach the %d channel(s) only", channels), 1)
	return v
}
