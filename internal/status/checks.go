package status

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// This file holds the check functions, one per link, in the order of the chain.
// Each reads its link from AWS and asks package chain for the verdict; a
// function whose resource is missing says so and its dependants are not run.

// home checks the home region's part of the chain: trail, bus, alert rules and
// topic.
func (c *checker) home(ctx context.Context) []Result {
	var rs []Result
	rs = append(rs, c.trail(ctx))
	bus := c.bus(ctx)
	rs = append(rs, bus...)
	if bus[0].Status != Fail {
		// A missing bus takes its rules with it; its line says so.
		rs = append(rs, c.alerts(ctx)...)
	}
	chans := c.channels(ctx) // before the topic: its subscriptions' verdict depends on them
	rs = append(rs, c.topic(ctx)...)
	rs = append(rs, chans...)
	return append(rs, c.alarms(ctx))
}

// alarms checks the home region's alarms (present, notifying the topic, not
// firing).
func (c *checker) alarms(ctx context.Context) Result {
	region := c.spec.HomeRegion
	got, err := c.acct.Alarms(region).Alarms(ctx, chain.AlarmPrefix)
	if err != nil {
		return apiError(region, "alarms", err)
	}
	return result(region, "alarms", chain.JudgeAlarms(c.spec.Watch.Alarms, got))
}

// heartbeat checks a region's heartbeat rule and its target.
func (c *checker) heartbeat(ctx context.Context, hb chain.RuleSpec) []Result {
	region := hb.Region
	r, err := c.acct.Events(region).Rule(ctx, hb.Bus, hb.Name)
	lost := "nothing proves " + region + "'s forwarding path works, and its heartbeat alarm fires"
	switch {
	case missing(err):
		return []Result{{Region: region, Check: "heartbeat", Status: Fail, Detail: fmt.Sprintf("heartbeat rule %s is missing: %s", hb.Name, lost), Fix: chain.Redeploy}}
	case err != nil:
		return []Result{apiError(region, "heartbeat", err)}
	}
	return []Result{
		result(region, "heartbeat", chain.JudgeRuleState(region, r, hb.State, lost, "")),
		c.target(ctx, region, "heartbeat-target", hb, lost),
	}
}

// alerts checks the alert rules, four at a time, and returns their results in
// the order of the rules.
func (c *checker) alerts(ctx context.Context) []Result {
	out := make([][]Result, len(c.spec.AlertRules))
	var g errgroup.Group
	g.SetLimit(4)
	for i, a := range c.spec.AlertRules {
		g.Go(func() error {
			out[i] = c.alert(ctx, a)
			return nil
		})
	}
	g.Wait()
	return slices.Concat(out...)
}

// trail checks that some trail records what EventBridge needs.
func (c *checker) trail(ctx context.Context) Result {
	region := c.spec.HomeRegion
	trails, err := c.acct.Trails(region).Trails(ctx)
	if err != nil {
		return apiError(region, "trail", err)
	}
	return result(region, "trail", chain.JudgeTrails(trails))
}

// bus checks the home bus and that its policy, if any, does not deny the
// forwarding.
func (c *checker) bus(ctx context.Context) []Result {
	region, name := c.spec.HomeRegion, c.spec.Bus.Name
	b, err := c.acct.Events(region).Bus(ctx, name)
	if missing(err) {
		return []Result{{Region: region, Check: "bus", Status: Fail,
			Detail: fmt.Sprintf("event bus %s is missing, and with it the %d alert rules: root activity raises no alert", name, len(c.spec.AlertRules)), Fix: chain.Redeploy}}
	}
	if err != nil {
		return []Result{apiError(region, "bus", err)}
	}
	c.stacks.saw(region, b.Tags)
	rs := []Result{
		{Region: region, Check: "bus", Status: OK, Detail: fmt.Sprintf("event bus %s", b.ARN)},
		result(region, "bus-policy", chain.JudgeBusPolicy(b, c.spec.Role.Name)),
	}
	if r, ok := c.settingsRecord(ctx, b); ok { // record.go
		rs = append(rs, r)
	}
	return rs
}

// alert checks one alert rule on the home bus, its pattern and its target.
func (c *checker) alert(ctx context.Context, a chain.RuleSpec) []Result {
	region := c.spec.HomeRegion
	id := "/" + a.RuleID
	r, err := c.acct.Events(region).Rule(ctx, a.Bus, a.Name)
	if missing(err) {
		return []Result{{Region: region, Check: "alert-rule" + id, Status: Fail,
			Detail: fmt.Sprintf("rule %s is missing from bus %s: no %s alert is sent", a.Name, c.spec.Bus.Name, a.RuleID), Fix: chain.Redeploy}}
	}
	if err != nil {
		return []Result{apiError(region, "alert-rule"+id, err)}
	}
	return []Result{
		result(region, "alert-rule"+id, chain.JudgeRuleState(region, r, a.State, "no "+a.RuleID+" alert is sent", "read-only calls raise no "+a.RuleID+" alert")),
		result(region, "alert-pattern"+id, chain.JudgePattern(r, a.Pattern)),
		c.target(ctx, region, "alert-target"+id, a, "its alerts go nowhere"),
	}
}

// target checks the target of rule r.
func (c *checker) target(ctx context.Context, region, check string, r chain.RuleSpec, lost string) Result {
	ts, err := c.acct.Events(region).Targets(ctx, r.Bus, r.Name)
	if err != nil {
		return apiError(region, check, err)
	}
	return result(region, check, chain.JudgeTarget(r, ts, lost))
}

// topic checks the topic, its policy, subscriptions and key.
func (c *checker) topic(ctx context.Context) []Result {
	region, arn := c.spec.HomeRegion, c.spec.Topic.ARN
	t, err := c.acct.Topics(region).Topic(ctx, arn)
	if missing(err) {
		return []Result{{Region: region, Check: "topic", Status: Fail, Detail: fmt.Sprintf("topic %s is missing: no alert reaches anyone", arn), Fix: chain.Redeploy}}
	}
	if err != nil {
		return []Result{apiError(region, "topic", err)}
	}
	c.stacks.saw(region, t.Tags)
	return []Result{
		{Region: region, Check: "topic", Status: OK, Detail: "topic " + arn},
		result(region, "topic-policy", chain.JudgeTopicPolicy(c.spec, t)),
		c.subscriptions(ctx, region, arn),
		c.kms(ctx, region, t),
	}
}

// subscriptions checks that someone gets the mail and, when deploy recorded
// the e-mail addresses, that they are the ones subscribed (the worse of the
// two verdicts is reported).
func (c *checker) subscriptions(ctx context.Context, region, topic string) Result {
	subs, err := c.acct.Topics(region).Subscriptions(ctx, topic)
	if err != nil {
		return apiError(region, "subscriptions", err)
	}
	v := chain.JudgeSubscriptionsWithChannels(subs, c.channelCount)
	if c.rec != nil && c.rec.HasEmails() {
		switch r := chain.JudgeRememberedSubscribers(*c.rec, subs); {
		case v.Status.Worse(r.Status) != v.Status:
			v = r
		case r.Status == v.Status && r.Status != chain.OK:
			// Both wrong (one address unsubscribed, a filter on
			// another): say both. With the addresses recorded, a bare
			// deploy subscribes them again: no need to give them.
			v.Detail += "; " + r.Detail
			if strings.Contains(v.Fix, "--email ADDR") {
				v.Fix = r.Fix
			} else {
				v.Fix += "; " + r.Fix
			}
		case r.Status == chain.OK && c.rec.EmailsDigest != "":
			// What a previous release's digest means.
			v.Detail += "; " + r.Detail
		}
	}
	return result(region, "subscriptions", withOneClick(v, subs))
}

// kms checks that EventBridge can use the topic's encryption key.
func (c *checker) kms(ctx context.Context, region string, t cloud.Topic) Result {
	if t.KMSKeyID == "" {
		return result(region, "kms", chain.JudgeKey(t, cloud.Key{}, false))
	}
	k, err := c.acct.Keys(region).Key(ctx, t.KMSKeyID)
	if err != nil && !missing(err) {
		return apiError(region, "kms", err)
	}
	return result(region, "kms", chain.JudgeKey(t, k, err == nil))
}

// role checks the forwarder role's trust and policy.
func (c *checker) role(ctx context.Context) []Result {
	want := c.spec.Role
	roles := c.acct.Roles()
	r, err := roles.Role(ctx, want.Name)
	if missing(err) {
		return []Result{{Region: Global, Check: "forwarder-role", Status: Fail,
			Detail: fmt.Sprintf("role %s is missing: EventBridge cannot forward root activity to the home bus from any region", want.Name), Fix: chain.Redeploy}}
	}
	if err != nil {
		return []Result{apiError(Global, "forwarder-role", err)}
	}
	rs := []Result{result(Global, "forwarder-role", chain.JudgeRoleTrust(r))}
	doc, err := roles.RolePolicy(ctx, want.Name, want.PolicyName)
	switch {
	case missing(err):
		rs = append(rs, Result{Region: Global, Check: "forwarder-policy", Status: Fail,
			Detail: fmt.Sprintf("role %s has no policy %s: it may not put events on the home bus, no region can forward", want.Name, want.PolicyName), Fix: chain.Redeploy})
	case err != nil:
		rs = append(rs, apiError(Global, "forwarder-policy", err))
	default:
		rs = append(rs, result(Global, "forwarder-policy", chain.JudgeRolePolicy(c.spec, doc)))
	}
	return append(rs, c.rolePermissions(ctx, r))
}

// forwarder checks one region's forwarding rule, its target and dead-letter
// queue.
func (c *checker) forwarder(ctx context.Context, f chain.Forwarder) []Result {
	region := f.Region
	var rs []Result
	r, err := c.acct.Events(region).Rule(ctx, f.Rule.Bus, f.Rule.Name)
	switch {
	case missing(err):
		rs = append(rs, Result{Region: region, Check: "forward-rule", Status: Fail,
			Detail: fmt.Sprintf("forwarding rule %s is missing: root activity in %s raises no alert", f.Rule.Name, region), Fix: chain.Redeploy})
	case err != nil:
		rs = append(rs, apiError(region, "forward-rule", err))
	default:
		lost := "root activity in " + region + " raises no alert"
		rs = append(rs,
			result(region, "forward-rule", chain.JudgeRuleState(region, r, f.Rule.State, lost, "read-only calls in "+region)),
			result(region, "forward-pattern", chain.JudgePattern(r, f.Rule.Pattern)),
			c.target(ctx, region, "forward-target", f.Rule, lost))
	}
	for _, hb := range c.spec.Watch.Heartbeats {
		if hb.Region == region {
			rs = append(rs, c.heartbeat(ctx, hb)...)
		}
	}
	return append(rs, c.dlq(ctx, f))
}

// dlq checks the region's dead-letter queue. It peeks at up to 10 messages
// (visibility 0, so they stay visible) to tell how old they are.
func (c *checker) dlq(ctx context.Context, f chain.Forwarder) Result {
	const check = "dlq"
	region := f.Region
	qs := c.acct.Queues(region)
	q, err := qs.Queue(ctx, f.DLQ.Name)
	if missing(err) {
		return result(region, check, chain.JudgeDLQMissing(f))
	}
	if err != nil {
		return apiError(region, check, err)
	}
	c.stacks.saw(region, q.Tags)
	msgs, err := qs.Receive(ctx, q.URL, 10, 0, 0)
	if err != nil && q.Messages == 0 {
		// Messages is approximate, so an empty queue is confirmed by a peek.
		return apiError(region, check, err)
	}
	return result(region, check, chain.JudgeDLQ(f, q, msgs, err, c.now))
}
