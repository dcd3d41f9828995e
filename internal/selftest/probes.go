package selftest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// probes checks the EventBridge → SQS and SNS → SQS hops with a probe rule
// targeting the queue and a probe topic the queue subscribes to.
func (t *tester) probes(ctx context.Context, c *cleanups, ev cloud.Events, tp cloud.Topics, qs cloud.Queues, q cloud.Queue, bus, probeRule, probeTopic string, tags cloud.Tags) []Link {
	ebMark := "rootwatch-probe-eventbridge-" + t.o.Nonce
	snsMark := "rootwatch-probe-sns-" + t.o.Nonce
	eb := Link{Name: "EventBridge → SQS", Status: Fail}
	sn := Link{Name: "SNS → SQS", Status: Fail}

	pat := fmt.Sprintf(`{"source":[%q],"detail":{"rootwatchProbe":[%q]}}`, TestSource, ebMark)
	c.add(func(ctx context.Context) error { return deleteRule(ctx, ev, bus, probeRule) })
	if _, err := ev.PutRule(ctx, cloud.Rule{Name: probeRule, Bus: bus, Pattern: pat, State: cloud.RuleEnabled, Description: "rootwatch test: temporary probe", Tags: tags}); err != nil {
		eb.Status, eb.Detail = Error, fmt.Sprintf("create the probe rule: %v", err)
	} else {
		t.res.Temporary = append(t.res.Temporary, "EventBridge rule "+probeRule+" on bus "+bus)
		if err := ev.PutTargets(ctx, bus, probeRule, []cloud.Target{{ID: "rootwatch-test-queue", ARN: q.ARN}}); err != nil {
			eb.Status, eb.Detail = Error, fmt.Sprintf("target the probe rule at the queue: %v", err)
		} else if err := ev.PutEvents(ctx, bus, []cloud.Event{{Source: TestSource, DetailType: "rootwatch probe", Detail: fmt.Sprintf(`{"rootwatchProbe":%q}`, ebMark), Time: t.o.Now()}}); err != nil {
			eb.Status, eb.Detail = Error, fmt.Sprintf("put the probe event: %v", err)
		}
	}
	// DeleteTopic of a topic that does not exist succeeds, and deleting the
	// topic deletes its subscriptions.
	c.add(func(ctx context.Context) error { return tp.DeleteTopic(ctx, t.topicARN(probeTopic)) })
	topicARN, err := tp.CreateTopic(ctx, probeTopic, tags)
	if err != nil {
		sn.Status, sn.Detail = Error, fmt.Sprintf("create the probe topic: %v", err)
	} else {
		t.res.Temporary = append(t.res.Temporary, "SNS topic "+topicARN)
		c.add(func(ctx context.Context) error { return unsubscribeEndpoint(ctx, tp, topicARN, q.ARN) })
		sub, err := tp.Subscribe(ctx, topicARN, "sqs", q.ARN, true)
		if err != nil {
			sn.Status, sn.Detail = Error, fmt.Sprintf("subscribe the queue to the probe topic: %v", err)
		} else {
			t.res.Temporary = append(t.res.Temporary, "SNS subscription "+sub)
			if err := tp.Publish(ctx, topicARN, "", snsMark); err != nil {
				sn.Status, sn.Detail = Error, fmt.Sprintf("publish to the probe topic: %v", err)
			}
		}
	}

	seenEB, seenSNS := eb.Status == Error, sn.Status == Error
	var recvErr error
	deadline := time.Now().Add(t.o.ProbeTimeout)
	for !(seenEB && seenSNS) && time.Now().Before(deadline) && ctx.Err() == nil {
		wait := min(time.Until(deadline), 5*time.Second).Truncate(time.Second)
		ms, err := qs.Receive(ctx, q.URL, 10, wait, 30*time.Second)
		if err != nil {
			recvErr = err
			break
		}
		for _, m := range ms {
			if !seenEB && strings.Contains(m.Body, ebMark) {
				seenEB, eb.Status, eb.Detail = true, Pass, "a probe rule on bus "+bus+" delivered to an SQS queue"
			}
			if !seenSNS && strings.Contains(m.Body, snsMark) {
				seenSNS, sn.Status, sn.Detail = true, Pass, "a probe topic delivered to its SQS subscription"
			}
		}
		if len(ms) == 0 && wait == 0 {
			time.Sleep(250 * time.Millisecond)
		}
	}
	// A probe cut short (Ctrl-C, SIGTERM) or whose queue could not be read
	// proves nothing either way: an error, never a failure.
	for _, l := range []*Link{&eb, &sn} {
		switch {
		case l.Detail != "":
		case ctx.Err() != nil:
			l.Status, l.Detail = Error, "interrupted before the probe message arrived"
		case recvErr != nil:
			l.Status, l.Detail = Error, fmt.Sprintf("receive from the temporary queue: %v", recvErr)
		}
	}
	if eb.Detail == "" {
		eb.Detail = fmt.Sprintf("a probe rule targeting an SQS queue delivered nothing within %s", t.o.ProbeTimeout)
	}
	if sn.Detail == "" {
		sn.Detail = fmt.Sprintf("a probe topic delivered nothing to its SQS subscription within %s", t.o.ProbeTimeout)
	}
	return []Link{eb, sn}
}
