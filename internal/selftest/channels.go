package selftest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/channel"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// ChannelNotify is the --notify outcome for one channel (Slack, Teams,
// PagerDuty, webhook): whether EventBridge delivered the test alert.
type ChannelNotify struct {
	Channel string `json:"channel"` // the channel's name: rootwatch-channel-KIND-ID
	Kind    string `json:"kind"`
	Host    string `json:"host"`
	Status  Status `json:"status"`
	Detail  string `json:"detail"`
}

// NotifyDetailType is the detail-type of the channels' test event.
const NotifyDetailType = "rootwatch test: channel notification"

// DefaultNotifyWait is how long --notify watches the channels' dead-letter
// queues: EventBridge tells nothing else of an API destination's answer.
const DefaultNotifyWait = 30 * time.Second

// notifyRule is the rule the channels' test alert is rendered for: a clearly
// marked test, low severity.
var notifyRule = rules.Rule{
	ID:       "rootwatch-test",
	Title:    "TEST alert from 'rootwatch test --notify': no root activity, no action needed",
	Severity: rules.Low,
}

// notifyChannels sends one test alert through every channel deployed in the
// home region: a temporary rule on the rootwatch bus whose targets are the
// channels' API destinations (with each channel's renderer, the channels'
// role, and a temporary dead-letter queue per channel), and one event put on
// the bus. A channel passes when nothing reached its dead-letter queue within
// the wait. Everything temporary is removed in every outcome.
func (t *tester) notifyChannels(ctx context.Context) error {
	home := t.spec.HomeRegion
	d := t.acct.Destinations(home)
	dsts, err := d.Destinations(ctx, chain.ChannelPrefix)
	if err != nil {
		t.res.Channels = []ChannelNotify{{Status: Error, Detail: "could not list the channels: " + err.Error()}}
		return ctx.Err()
	}
	if len(dsts) == 0 {
		return nil
	}
	t.progress("notify: sending a test alert through %d channel(s)", len(dsts))
	ev := t.acct.Events(home)
	qs := t.acct.Queues(home)
	var c cleanups
	defer func() {
		t.res.CleanupErrors = append(t.res.CleanupErrors, c.run(ctx)...)
	}()

	name := chain.SelfTestRulePrefix + "notify-" + t.o.Nonce
	ruleARN := "arn:" + t.spec.Partition + ":events:" + home + ":" + t.spec.Account + ":rule/" + t.spec.Bus.Name + "/" + name
	pattern, _ := json.Marshal(map[string]any{"source": []string{TestSource}, "detail-type": []string{NotifyDetailType}, "detail": map[string]any{"rootwatchSelfTest": []string{t.o.Nonce}}})
	results := make([]ChannelNotify, len(dsts))
	var targets []cloud.Target
	queues := make([]cloud.Queue, len(dsts))
	failAll := func(st Status, format string, args ...any) {
		for i := range results {
			if results[i].Status == "" {
				results[i].Status, results[i].Detail = st, fmt.Sprintf(format, args...)
			}
		}
	}
	defer func() { t.res.Channels = append(t.res.Channels, results...) }()
	tags := cloud.Tags{cloud.ManagedTag: cloud.ManagedValue}

	for i, dst := range dsts {
		kind, _ := chain.ChannelKind(dst.Name)
		results[i] = ChannelNotify{Channel: dst.Name, Kind: string(kind), Host: chain.EndpointHost(dst.Endpoint)}
		qname := fmt.Sprintf("%snotify-%s-%d", chain.SelfTestRulePrefix, t.o.Nonce, i)
		qarn := "arn:" + t.spec.Partition + ":sqs:" + home + ":" + t.spec.Account + ":" + qname
		qpol := policy.Document{Version: policy.Version, Statement: policy.Statements{{
			Sid: "RootwatchSelfTest", Effect: "Allow", Principal: policy.Service(chain.EventsService),
			Action: policy.Values{"sqs:SendMessage"}, Resource: policy.Values{qarn},
			Condition: policy.Conditions{"ArnEquals": {"aws:SourceArn": {ruleARN}}},
		}}}.String()
		// Each removal is registered before the call that creates (as in
		// temporaries): a call whose answer is lost may still have created.
		c.add(func(ctx context.Context) error { return deleteQueueNamed(ctx, qs, qname) })
		q, err := qs.CreateQueue(ctx, qname, qpol, tags)
		if err != nil {
			failAll(Error, "could not create the temporary dead-letter queue %s: %v", qname, err)
			return ctx.Err()
		}
		t.res.Temporary = append(t.res.Temporary, "sqs-queue "+qname)
		queues[i] = q
		tr, err := channel.TransformerFor(kind, notifyRule)
		if err != nil {
			failAll(Error, "%v", err)
			return ctx.Err()
		}
		targets = append(targets, cloud.Target{
			ID: dst.Name, ARN: dst.ARN,
			RoleARN:       "arn:" + t.spec.Partition + ":iam::" + t.spec.Account + ":role/" + chain.ChannelRoleName,
			Input:         &cloud.InputTransformer{Paths: tr.Paths, Template: tr.Template},
			DeadLetterARN: q.ARN,
			MaxAttempts:   1,
			MaxAge:        time.Minute,
		})
	}
	c.add(func(ctx context.Context) error { return deleteRule(ctx, ev, t.spec.Bus.Name, name) })
	if _, err := ev.PutRule(ctx, cloud.Rule{Name: name, Bus: t.spec.Bus.Name, Pattern: string(pattern), State: cloud.RuleEnabled,
		Description: "rootwatch test --notify (temporary)", Tags: tags}); err != nil {
		failAll(Error, "could not create the temporary rule %s: %v", name, err)
		return ctx.Err()
	}
	t.res.Temporary = append(t.res.Temporary, "event-rule "+t.spec.Bus.Name+"/"+name)
	for start := 0; start < len(targets); start += 5 {
		if err := ev.PutTargets(ctx, t.spec.Bus.Name, name, targets[start:min(start+5, len(targets))]); err != nil {
			failAll(Error, "could not add the channels to the temporary rule: %v", err)
			return ctx.Err()
		}
	}
	now := t.o.Now().UTC()
	detail, _ := json.Marshal(map[string]any{
		"eventName":         "RootwatchTestNotification",
		"eventSource":       TestSource,
		"sourceIPAddress":   "192.0.2.1",
		"eventID":           "rootwatch-test-" + t.o.Nonce,
		"eventTime":         now.Format(time.RFC3339),
		"rootwatchSelfTest": t.o.Nonce,
	})
	if err := ev.PutEvents(ctx, t.spec.Bus.Name, []cloud.Event{{Source: TestSource, DetailType: NotifyDetailType, Detail: string(detail), Time: now}}); err != nil {
		failAll(Error, "could not put the test event on bus %s: %v", t.spec.Bus.Name, err)
		return ctx.Err()
	}

	// EventBridge tells nothing of an API destination's answer except by
	// dead-lettering what it could not deliver: watch the queues.
	wait := t.o.NotifyWait
	if wait <= 0 {
		wait = min(t.o.Timeout, DefaultNotifyWait)
	}
	deadline := time.Now().Add(wait)
	for {
		for i, q := range queues {
			if results[i].Status != "" {
				continue
			}
			ms, err := qs.Receive(ctx, q.URL, 1, 0, 0)
			if err != nil {
				results[i].Status, results[i].Detail = Error, "could not read the temporary dead-letter queue: "+err.Error()
				continue
			}
			if len(ms) > 0 {
				results[i].Status = Fail
				results[i].Detail = fmt.Sprintf("EventBridge could not deliver the test alert to the %s %s channel (it went to the dead-letter queue): the endpoint refused it, was unreachable, or the connection is not authorized; run 'rootwatch status'", results[i].Kind, results[i].Host)
			}
		}
		if !slices.ContainsFunc(results, func(r ChannelNotify) bool { return r.Status == "" }) || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(time.Second, time.Until(deadline))):
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range results {
		if results[i].Status != "" {
			continue
		}
		if t.o.Emulated {
			results[i].Status = NotVerifiable
			results[i].Detail = "the endpoint (an emulator) does not deliver to API destinations: nothing to verify"
			continue
		}
		results[i].Status = Pass
		results[i].Detail = fmt.Sprintf("test alert sent to the %s %s channel; EventBridge reported no failure within %s: look for it there", results[i].Kind, results[i].Host, wait)
	}
	return nil
}
