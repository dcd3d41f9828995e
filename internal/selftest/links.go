package selftest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/status"
)

func (t *tester) ruleARN(name string) string {
	return strings.TrimSuffix(t.spec.Bus.ARN, "event-bus/"+t.spec.Bus.Name) + "rule/" + t.spec.Bus.Name + "/" + name
}

func (t *tester) topicARN(name string) string {
	return "arn:" + t.spec.Partition + ":sns:" + t.spec.HomeRegion + ":" + t.spec.Account + ":" + name
}

// signInRule returns the deployed sign-in alert rule's spec.
func (t *tester) signInRule() (chain.RuleSpec, bool) {
	for _, ar := range t.spec.AlertRules {
		if ar.RuleID == SignInRuleID {
			return ar, true
		}
	}
	return chain.RuleSpec{}, false
}

// delivery checks the links and runs the end-to-end delivery. It returns an
// error only for cancellation.
func (t *tester) delivery(ctx context.Context) (err error) {
	home := t.spec.HomeRegion
	d := &t.res.Delivery
	d.Status = Fail
	ev := t.acct.Events(home)
	tp := t.acct.Topics(home)
	qs := t.acct.Queues(home)

	ar, ok := t.signInRule()
	if !ok {
		d.Detail = fmt.Sprintf("the desired state has no %s alert rule", SignInRuleID)
		return nil
	}
	d.Rule = ar.Name

	// The links: status's verdicts for the home region, so that status and
	// test cannot disagree about a link.
	t.progress("links: checking the chain in %s", home)
	t.links(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}

	// What the delivery check borrows from the deployed chain. A missing
	// piece has its link's verdict above; the delivery says why it did not run.
	if _, err := ev.Bus(ctx, t.spec.Bus.Name); err != nil {
		d.Detail = notRun("the rootwatch bus is missing", err)
		return ctx.Err()
	}
	rule, err := ev.Rule(ctx, ar.Bus, ar.Name)
	if err != nil {
		d.Detail = notRun("the sign-in alert rule is missing", err)
		return ctx.Err()
	}
	targets, err := ev.Targets(ctx, ar.Bus, ar.Name)
	if err != nil {
		d.Status, d.Detail = Error, "not run: the rule's targets could not be read: "+err.Error()
		return ctx.Err()
	}
	var target *cloud.Target
	for i := range targets {
		if targets[i].ID == chain.AlertTargetID || targets[i].ARN == t.spec.Topic.ARN {
			target = &targets[i]
			break
		}
	}
	if target == nil {
		d.Detail = "not run: the sign-in rule has no topic target"
		return ctx.Err()
	}
	topic, err := tp.Topic(ctx, t.spec.Topic.ARN)
	if err != nil {
		d.Detail = notRun("the topic is missing", err)
		return ctx.Err()
	}
	emails := 0
	if subs, err := tp.Subscriptions(ctx, topic.ARN); err == nil {
		for _, s := range subs {
			if !s.Pending && (s.Protocol == "email" || s.Protocol == "email-json") {
				emails++
			}
		}
	}
	dlqBefore := -1
	if rs, ok := t.spec.Forwarder(home); ok {
		if q, err := qs.Queue(ctx, rs.DLQ.Name); err == nil {
			dlqBefore = q.Messages
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	// End to end.
	t.endToEnd(ctx, ev, tp, qs, topic, *target, rule)
	if err := ctx.Err(); err != nil {
		return err
	}

	if dlqBefore >= 0 {
		if rs, ok := t.spec.Forwarder(home); ok {
			if q, err := qs.Queue(ctx, rs.DLQ.Name); err == nil && q.Messages > dlqBefore {
				t.res.Links = append(t.res.Links, Link{Name: "dlq-during-test", Region: home, Status: Fail,
					Detail: fmt.Sprintf("dead-letter queue %s received %d message(s) during the test: EventBridge could not deliver to a rootwatch target", q.Name, q.Messages-dlqBefore)})
			}
		}
	}

	if t.o.Notify {
		t.notify(ctx, tp, topic.ARN, emails)
	}
	return ctx.Err()
}

// notRun is the delivery detail when a piece it needs could not be read.
func notRun(what string, err error) string {
	if errors.Is(err, cloud.ErrNotFound) {
		return "not run: " + what
	}
	return "not run: " + err.Error()
}

// links records status's verdicts on the home region's chain: the alert rules
// with their patterns and targets, the topic with its policy, subscriptions
// and key, the forwarder role, the home region's forwarding rule and
// dead-letter queue.
func (t *tester) links(ctx context.Context) {
	spec := t.spec
	spec.Forwarders = nil
	spec.Regions = []string{spec.HomeRegion}
	if f, ok := t.spec.Forwarder(spec.HomeRegion); ok {
		spec.Forwarders = []chain.Forwarder{f}
	}
	rep := status.Check(ctx, t.acct, spec, t.o.Now())
	for i, r := range rep.Checks {
		if r.Check == "trail" && t.o.TrailAccount != nil {
			rep.Checks[i] = status.OrgTrail(ctx, t.o.TrailAccount, spec.HomeRegion)
		}
	}
	for _, r := range rep.Checks {
		t.res.Links = append(t.res.Links, Link{Name: r.Check, Region: r.Region, Status: fromStatus(r.Status), Detail: r.Detail, Fix: r.Fix})
	}
}

// fromStatus is the test status of a status verdict.
func fromStatus(s status.Status) Status {
	switch s {
	case status.OK:
		return Pass
	case status.Warn:
		return Warn
	case status.Fail:
		return Fail
	}
	return Error
}

func (t *tester) notify(ctx context.Context, tp cloud.Topics, topicARN string, emails int) {
	now := t.o.Now().UTC().Format(time.RFC3339)
	subject := "rootwatch TEST message (not an alert)"
	msg := fmt.Sprintf("This is a TEST message sent by 'rootwatch test --notify' at %s to topic %s. No root activity happened; no action is needed. Real alerts arrive on this topic the same way.", now, topicARN)
	if err := tp.Publish(ctx, topicARN, subject, msg); err != nil {
		t.res.Notify = &Notify{Status: Error, Detail: err.Error(), Subscribers: emails}
		return
	}
	t.res.Notify = &Notify{Status: Pass, Detail: fmt.Sprintf("test message published to %s for %d confirmed e-mail subscriber(s)", topicARN, emails), Subscribers: emails}
}
