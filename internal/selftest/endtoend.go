package selftest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// cleanups runs removal steps in reverse order, with a context of its own, so
// that a timeout or Ctrl-C still removes everything.
type cleanups struct {
	steps []func(context.Context) error
}

func (c *cleanups) add(f func(context.Context) error) { c.steps = append(c.steps, f) }

func (c *cleanups) run(ctx context.Context) []string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	errs := []string{}
	for i := len(c.steps) - 1; i >= 0; i-- {
		// Every step is idempotent, so a failed one is tried once more:
		// when the first answer was lost after AWS acted, the second finds
		// nothing left to do, and only what really remains is reported.
		err := c.steps[i](ctx)
		if err != nil && !errors.Is(err, cloud.ErrNotFound) {
			err = c.steps[i](ctx)
		}
		if err != nil && !errors.Is(err, cloud.ErrNotFound) {
			errs = append(errs, err.Error())
		}
	}
	return errs
}

// unsubscribeEndpoint removes every subscription of endpoint to the topic
// (found by listing, so that a Subscribe whose answer was lost is undone too).
func unsubscribeEndpoint(ctx context.Context, tp cloud.Topics, topicARN, endpoint string) error {
	subs, err := tp.Subscriptions(ctx, topicARN)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if s.Endpoint == endpoint && !s.Pending {
			if err := tp.Unsubscribe(ctx, s.ARN); err != nil && !errors.Is(err, cloud.ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// shrinkStatement removes arn from the aws:SourceArn condition of statement
// sid (undoing extendStatement and nothing else: other statements, and other
// changes made meanwhile, stay). changed is false when arn is not there.
func shrinkStatement(doc, sid, arn string) (out string, changed bool, err error) {
	p, err := policy.Read(doc)
	if err != nil {
		return "", false, fmt.Errorf("topic policy: %w", err)
	}
	st, found := p.Sid(sid)
	if !found {
		return doc, false, nil
	}
	for _, kv := range st.Condition {
		for k, v := range kv {
			if strings.EqualFold(k, "aws:SourceArn") && slices.Contains(v, arn) {
				kv[k] = slices.DeleteFunc(slices.Clone(v), func(s string) bool { return s == arn })
				changed = true
			}
		}
	}
	if !changed {
		return doc, false, nil
	}
	out, err = policy.WithStatement(doc, st)
	return out, true, err
}

// syntheticDetail is a CloudTrail root ConsoleLogin record, marked as a test
// in its result (which the alert message renders, so a subscriber sees the
// mark), its user agent, event ID and an extra rootwatchSelfTest field.
func syntheticDetail(account, region, nonce string, at time.Time) string {
	d := map[string]any{
		"eventVersion": "1.08",
		"userIdentity": map[string]any{
			"type":        "Root",
			"principalId": account,
			"arn":         "arn:aws:iam::" + account + ":root",
			"accountId":   account,
		},
		"eventTime":           at.UTC().Format(time.RFC3339),
		"eventSource":         "signin.amazonaws.com",
		"eventName":           "ConsoleLogin",
		"awsRegion":           region,
		"sourceIPAddress":     "192.0.2.1",
		"userAgent":           "rootwatch-test/" + nonce + " (TEST: synthetic event from rootwatch test, not a real sign-in)",
		"requestParameters":   nil,
		"responseElements":    map[string]any{"ConsoleLogin": "Success (TEST rootwatch-test/" + nonce + ": synthetic event, not a real sign-in)"},
		"additionalEventData": map[string]any{"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "No"},
		"eventID":             "rootwatch-test-" + nonce,
		"eventType":           "AwsConsoleSignIn",
		"managementEvent":     true,
		"recipientAccountId":  account,
		"eventCategory":       "Management",
		"rootwatchSelfTest":   nonce,
	}
	b, _ := json.Marshal(d)
	return string(b)
}

// eventDocument is the event EventBridge delivers for a PutEvents entry, its
// id aside: EventBridge assigns it (see sameRendering).
func eventDocument(account, region string, e cloud.Event) []byte {
	doc := map[string]any{
		"version":     "0",
		"id":          unknownEventID,
		"detail-type": e.DetailType,
		"source":      e.Source,
		"account":     account,
		"time":        e.Time.UTC().Format(time.RFC3339),
		"region":      region,
		"resources":   []string{},
		"detail":      json.RawMessage(e.Detail),
	}
	b, _ := json.Marshal(doc)
	return b
}

// extendStatement adds arn to the aws:SourceArn condition of the statement
// with the given Sid, keeping every other statement and the document's key
// order. found is false when the policy has no such statement; a statement
// without a SourceArn condition needs no change.
func extendStatement(doc, sid, arn string) (out string, found bool, err error) {
	p, err := policy.Read(doc)
	if err != nil {
		return "", false, fmt.Errorf("topic policy: %w", err)
	}
	st, found := p.Sid(sid)
	if !found {
		return doc, false, nil
	}
	for _, kv := range st.Condition {
		for k, v := range kv {
			if strings.EqualFold(k, "aws:SourceArn") {
				kv[k] = append(slices.Clone(v), arn)
			}
		}
	}
	out, err = policy.WithStatement(doc, st)
	return out, true, err
}

func (t *tester) endToEnd(ctx context.Context, ev cloud.Events, tp cloud.Topics, qs cloud.Queues, topic cloud.Topic, target cloud.Target, rule cloud.Rule) {
	d := &t.res.Delivery
	home := t.spec.HomeRegion
	bus := t.spec.Bus.Name
	name := chain.SelfTestRulePrefix + t.o.Nonce
	probeName := name + "-probe"
	tags := cloud.Tags{cloud.ManagedTag: cloud.ManagedValue, cloud.VersionTag: t.spec.Tags[cloud.VersionTag]}

	var c cleanups
	defer func() {
		t.progress("removing %d temporary resources", len(t.res.Temporary))
		t.res.CleanupErrors = append(t.res.CleanupErrors, c.run(ctx)...)
	}()
	fail := func(st Status, format string, args ...any) {
		d.Status = st
		d.Detail = fmt.Sprintf(format, args...)
	}

	q, err := t.temporaries(ctx, &c, ev, tp, qs, topic, target, name, probeName, tags)
	if err != nil {
		fail(Error, "%v", err)
		return
	}

	at := t.o.Now().UTC().Truncate(time.Second)
	e := cloud.Event{Source: TestSource, DetailType: TestDetailType,
		Detail: syntheticDetail(t.spec.Account, home, t.o.Nonce, at), Time: at}
	if r, ok := rules.Get(SignInRuleID); ok {
		if exp, err := rules.Render(r, eventDocument(t.spec.Account, home, e)); err == nil {
			d.Expected = exp
		}
	}
	t.progress("delivery check: putting a synthetic root sign-in on bus %s, waiting up to %s", bus, t.o.Timeout)
	start := time.Now()
	if err := ev.PutEvents(ctx, bus, []cloud.Event{e}); err != nil {
		if ctx.Err() != nil {
			fail(Error, "interrupted while putting the synthetic event")
			return
		}
		// moto answers PutEvents with a server error when a matching rule
		// targets an SNS topic. Tell that apart from a broken chain by the
		// hops the endpoint does serve.
		t.progress("delivery check: PutEvents failed; probing EventBridge → SQS and SNS → SQS")
		d.Hops = t.probes(ctx, &c, ev, tp, qs, q, bus, probeName, name, tags)
		if ctx.Err() != nil {
			fail(Error, "interrupted while probing")
			return
		}
		if hopsPass(d.Hops) && t.o.Emulated {
			fail(NotVerifiable, "not verifiable on this endpoint: it delivers EventBridge → SQS and SNS → SQS, but PutEvents fails when a rule targets an SNS topic (moto does not deliver to SNS targets): %v", err)
			return
		}
		fail(Error, "put the synthetic event on bus %s: %v", bus, err)
		return
	}
	// Only the topic (the test's subscription) and EventBridge (the temporary
	// rule's dead letters) send to the queue before the probes. The raw event
	// is a dead letter, unless the target has no input transformer, when
	// subscribers get the raw event too. Any other message came through the
	// topic: a broken transformer may render it without the test's marks.
	msg, dead, err := t.await(ctx, qs, q.URL, t.o.Timeout, func(body string) int {
		if strings.Contains(body, `"rootwatchSelfTest"`) && strings.Contains(body, t.o.Nonce) && strings.HasPrefix(strings.TrimSpace(body), "{") {
			if target.Input == nil {
				return 1
			}
			return 2
		}
		return 1
	})
	latency := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			fail(Error, "interrupted while waiting for the test message")
			return
		}
		fail(Error, "receive from the temporary queue: %v", err)
		return
	}
	switch {
	case msg != "":
		d.Message = msg
		d.LatencyMS = latency.Milliseconds()
		if d.Expected != "" && !sameRendering(msg, d.Expected) {
			fail(Fail, "the message arrived but differs from the rule pack's rendering: the input transformer of rule %s is broken", rule.Name)
			return
		}
		fail(Pass, "a synthetic root sign-in went bus %s → rule → topic %s → subscriber", bus, topic.ARN)
		return
	case dead != "":
		fail(Fail, "EventBridge could not deliver the test event to topic %s (it went to the test's dead-letter queue): check the topic policy statement %s and the topic's KMS key", topic.ARN, chain.TopicStatementSid)
		return
	}

	// Nothing arrived: probe the hops this endpoint may serve, to tell an
	// endpoint that cannot deliver to SNS targets from a broken chain.
	t.progress("delivery check: nothing within %s; probing EventBridge → SQS and SNS → SQS", t.o.Timeout)
	d.Hops = t.probes(ctx, &c, ev, tp, qs, q, bus, probeName, name, tags)
	if ctx.Err() != nil {
		fail(Error, "interrupted while probing")
		return
	}
	hopsOK := hopsPass(d.Hops)
	if hopsOK && t.o.Emulated {
		fail(NotVerifiable, "not verifiable on this endpoint: it delivers EventBridge → SQS and SNS → SQS, but nothing reached the topic from the rule within %s, not even a dead letter (moto does not deliver to SNS targets)", t.o.Timeout)
		return
	}
	if hopsOK {
		fail(Fail, "no message within %s although EventBridge → SQS and SNS → SQS work: EventBridge did not deliver to topic %s (check the topic policy, its KMS key, and the rule's target), or try a longer --timeout", t.o.Timeout, topic.ARN)
		return
	}
	fail(Fail, "no message within %s; the hop probes failed too (see hops)", t.o.Timeout)
}

func hopsPass(hops []Link) bool {
	return len(hops) == 2 && hops[0].Status == Pass && hops[1].Status == Pass
}

// deleteRule removes a rule's targets and the rule.
// deleteQueueNamed deletes the queue of that name, found by name: a removal
// registered before the create, whose answer (and URL) may be lost.
func deleteQueueNamed(ctx context.Context, qs cloud.Queues, name string) error {
	q, err := qs.Queue(ctx, name)
	if err != nil {
		return err
	}
	return qs.DeleteQueue(ctx, q.URL)
}

func deleteRule(ctx context.Context, ev cloud.Events, bus, name string) error {
	ts, err := ev.Targets(ctx, bus, name)
	if err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return err
	}
	if len(ts) > 0 {
		ids := make([]string, len(ts))
		for i, t := range ts {
			ids[i] = t.ID
		}
		if err := ev.RemoveTargets(ctx, bus, name, ids); err != nil {
			return err
		}
	}
	return ev.DeleteRule(ctx, bus, name)
}

// await receives from the queue until classify says a body is the message (1)
// or a dead letter (2), or the timeout passes. Other messages stay.
func (t *tester) await(ctx context.Context, qs cloud.Queues, url string, timeout time.Duration, classify func(string) int) (msg, dead string, err error) {
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return "", "", nil
		}
		wait := min(left, 20*time.Second)
		wait = wait.Truncate(time.Second)
		if wait < time.Second {
			wait = 0
		}
		ms, err := qs.Receive(ctx, url, 10, wait, 30*time.Second)
		if err != nil {
			return "", "", err
		}
		for _, m := range ms {
			switch classify(m.Body) {
			case 1:
				return m.Body, "", nil
			case 2:
				return "", m.Body, nil
			}
		}
		if len(ms) == 0 && wait == 0 {
			// An endpoint that does not long-poll: don't spin.
			select {
			case <-ctx.Done():
				return "", "", ctx.Err()
			case <-time.After(min(left, 250*time.Millisecond)):
			}
		}
	}
}

// temporaries creates what the delivery check needs, each registered with c
// for removal: a queue SNS may send to from the topic (and the probe topic)
// and EventBridge from the temporary rules (dead letters and the probe), its
// subscription to the topic, rootwatch's topic statement extended to the
// temporary rule (the policy is restored byte for byte), and the temporary
// rule with the deployed target's destination and transformer.
func (t *tester) temporaries(ctx context.Context, c *cleanups, ev cloud.Events, tp cloud.Topics, qs cloud.Queues, topic cloud.Topic, target cloud.Target, name, probeName string, tags cloud.Tags) (cloud.Queue, error) {
	home, bus := t.spec.HomeRegion, t.spec.Bus.Name
	tempRuleARN, probeRuleARN, probeTopicARN := t.ruleARN(name), t.ruleARN(probeName), t.topicARN(name)
	// The temporary queue: SNS may send from the topic (and the probe topic),
	// EventBridge from the temporary rules (dead letters and the probe).
	queueARN := "arn:" + t.spec.Partition + ":sqs:" + home + ":" + t.spec.Account + ":" + name
	qpolicy := policy.Document{Version: policy.Version, Statement: policy.Statements{
		{Sid: "RootwatchTestFromTopic", Effect: "Allow", Principal: policy.Service("sns.amazonaws.com"), Action: policy.Values{"sqs:SendMessage"}, Resource: policy.Values{queueARN},
			Condition: policy.Conditions{"ArnEquals": {"aws:SourceArn": {topic.ARN, probeTopicARN}}}},
		{Sid: "RootwatchTestFromRules", Effect: "Allow", Principal: policy.Service(chain.EventsService), Action: policy.Values{"sqs:SendMessage"}, Resource: policy.Values{queueARN},
			Condition: policy.Conditions{"ArnEquals": {"aws:SourceArn": {tempRuleARN, probeRuleARN}}}},
	}}.String()
	// Each removal is registered before the call that creates: a call
	// whose answer is lost (Ctrl-C, SIGTERM, a dropped connection) may
	// still have created, and the removals find what they remove by name.
	t.progress("delivery check: creating temporary queue %s", name)
	c.add(func(ctx context.Context) error { return deleteQueueNamed(ctx, qs, name) })
	q, err := qs.CreateQueue(ctx, name, qpolicy, tags)
	if err != nil {
		return cloud.Queue{}, fmt.Errorf("create the temporary queue: %w", err)
	}
	t.res.Temporary = append(t.res.Temporary, "SQS queue "+q.URL)

	c.add(func(ctx context.Context) error { return unsubscribeEndpoint(ctx, tp, topic.ARN, q.ARN) })
	sub, err := tp.Subscribe(ctx, topic.ARN, "sqs", q.ARN, true)
	if err != nil {
		return q, fmt.Errorf("subscribe the temporary queue to the topic: %w", err)
	}
	t.res.Temporary = append(t.res.Temporary, "SNS subscription "+sub)

	// Extend rootwatch's topic statement to the temporary rule; afterwards
	// take exactly that rule out of it again, whatever else changed.
	if extended, found, err := extendStatement(topic.Policy, chain.TopicStatementSid, tempRuleARN); err != nil {
		return q, err
	} else if found && extended != topic.Policy {
		c.add(func(ctx context.Context) error {
			cur, err := tp.Topic(ctx, topic.ARN)
			if err != nil {
				return fmt.Errorf("read the policy of topic %s to remove the temporary rule: %w", topic.ARN, err)
			}
			shrunk, changed, err := shrinkStatement(cur.Policy, chain.TopicStatementSid, tempRuleARN)
			if err != nil || !changed {
				return err
			}
			if err := tp.SetTopicPolicy(ctx, topic.ARN, shrunk); err != nil {
				return fmt.Errorf("remove the temporary rule from the policy of topic %s: %w", topic.ARN, err)
			}
			return nil
		})
		if err := tp.SetTopicPolicy(ctx, topic.ARN, extended); err != nil {
			return q, fmt.Errorf("extend the topic policy to the temporary rule: %w", err)
		}
		t.res.Temporary = append(t.res.Temporary, "topic policy statement "+chain.TopicStatementSid+" extended to "+tempRuleARN)
	}

	pat := fmt.Sprintf(`{"source":[%q],"detail":{"rootwatchSelfTest":[%q]}}`, TestSource, t.o.Nonce)
	c.add(func(ctx context.Context) error { return deleteRule(ctx, ev, bus, name) })
	if _, err := ev.PutRule(ctx, cloud.Rule{Name: name, Bus: bus, Pattern: pat, State: cloud.RuleEnabled,
		Description: "rootwatch test: temporary, removed when the test ends", Tags: tags}); err != nil {
		return q, fmt.Errorf("create the temporary rule: %w", err)
	}
	t.res.Temporary = append(t.res.Temporary, "EventBridge rule "+name+" on bus "+bus)
	tt := target
	tt.ID = chain.AlertTargetID
	tt.DeadLetterARN = q.ARN // a failed delivery lands in the test queue, with its error
	tt.MaxAttempts = 1
	tt.MaxAge = time.Minute
	if err := ev.PutTargets(ctx, bus, name, []cloud.Target{tt}); err != nil {
		return q, fmt.Errorf("add the topic target to the temporary rule: %w", err)
	}
	return q, nil
}
