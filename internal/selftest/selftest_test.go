package selftest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/channel"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/deploy"
	"github.com/rootwatch/rootwatch/internal/golden"
	"github.com/rootwatch/rootwatch/internal/rules"
	"github.com/rootwatch/rootwatch/internal/status"
)

const (
	home  = "us-east-1"
	email = "ops@example.com"
	nonce = "0123456789ab"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// deployed returns a fake account with rootwatch deployed in two regions and
// the e-mail subscription confirmed.
func deployed(t *testing.T) (*fake.Account, chain.Spec) {
	t.Helper()
	return deployedWith(t, nil, nil)
}

// deployedWith is deployed with API destinations' requests made by client (nil:
// http.DefaultClient) and these channels.
func deployedWith(t *testing.T, client *http.Client, chs []channel.Channel) (*fake.Account, chain.Spec) {
	t.Helper()
	ctx := context.Background()
	a := fake.NewWith(fake.Options{Regions: []string{"eu-west-1", home}, Now: func() time.Time { return now }, HTTPClient: client})
	plan, spec, err := deploy.Prepare(ctx, a, chain.Options{Emails: []string{email}, Channels: chs, CreateTrail: true, Version: "test"})
	if err != nil {
		t.Fatalf("deploy: plan: %v", err)
	}
	if err := plan.Apply(ctx); err != nil {
		t.Fatalf("deploy: apply: %v", err)
	}
	if _, err := a.ConfirmSubscription(spec.Topic.ARN, email); err != nil {
		t.Fatal(err)
	}
	return a, spec
}

func opts() Options {
	return Options{Timeout: 200 * time.Millisecond, ProbeTimeout: 200 * time.Millisecond, Nonce: nonce, Now: func() time.Time { return now }}
}

// leftovers lists, through the cloud interface, every temporary resource of
// the test that still exists: rules on the rootwatch bus named with the
// self-test prefix (and tagged rootwatch), the temporary queue, the probe
// topic, SQS subscriptions of the alert topic, and a topic policy that is not
// what it was before.
func leftovers(t *testing.T, acct cloud.Account, spec chain.Spec, policyBefore string) []string {
	t.Helper()
	ctx := context.Background()
	var left []string
	leftRules, err := acct.Events(home).Rules(ctx, chain.BusName, chain.SelfTestRulePrefix)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range leftRules {
		left = append(left, fmt.Sprintf("rule %s (tags %v)", r.Name, r.Tags))
	}
	for _, name := range []string{chain.SelfTestRulePrefix + nonce} {
		if q, err := acct.Queues(home).Queue(ctx, name); err == nil {
			left = append(left, fmt.Sprintf("queue %s (tags %v)", q.URL, q.Tags))
		} else if !errors.Is(err, cloud.ErrNotFound) {
			t.Fatal(err)
		}
		arn := "arn:aws:sns:" + home + ":" + spec.Account + ":" + name
		if tp, err := acct.Topics(home).Topic(ctx, arn); err == nil {
			left = append(left, fmt.Sprintf("topic %s (tags %v)", tp.ARN, tp.Tags))
		}
	}
	subs, err := acct.Topics(home).Subscriptions(ctx, spec.Topic.ARN)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if s.Protocol != "email" {
			left = append(left, "subscription "+s.Protocol+" "+s.Endpoint)
		}
	}
	tp, err := acct.Topics(home).Topic(ctx, spec.Topic.ARN)
	if err != nil {
		t.Fatal(err)
	}
	if tp.Policy != policyBefore {
		left = append(left, "topic policy changed: "+tp.Policy)
	}
	return left
}

func topicPolicy(t *testing.T, acct cloud.Account, spec chain.Spec) string {
	t.Helper()
	tp, err := acct.Topics(home).Topic(context.Background(), spec.Topic.ARN)
	if err != nil {
		t.Fatal(err)
	}
	return tp.Policy
}

func TestPassOnFake(t *testing.T) {
	a, spec := deployed(t)
	before := topicPolicy(t, a, spec)
	o := opts()
	o.Notify = true
	res, err := Run(context.Background(), a, spec, o)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	WriteText(&out, res)
	if !res.Passed() {
		t.Fatalf("not passed:\n%s", out.String())
	}
	if res.PatternEngine != EngineAWS {
		t.Errorf("pattern engine = %q, want %q (the fake answers TestPattern)", res.PatternEngine, EngineAWS)
	}
	if len(res.Patterns) != len(spec.AlertRules)+1 {
		t.Errorf("%d pattern checks, want %d alert rules + the forwarding rule", len(res.Patterns), len(spec.AlertRules))
	}
	// The fixtures are the rule pack's own (acceptance 3: no second copy).
	allPos := 0
	for _, p := range res.Patterns {
		if p.Kind == "forward" {
			continue
		}
		pos, neg := rules.Fixtures(p.Kind)
		allPos += len(pos)
		if p.Positives != len(pos) || p.Negatives != len(neg) || len(pos) == 0 || len(neg) == 0 {
			t.Errorf("rule %s checked with %d positives and %d negatives, the pack has %d and %d", p.Rule, p.Positives, p.Negatives, len(pos), len(neg))
		}
	}
	if fw := res.Patterns[len(res.Patterns)-1]; fw.Kind != "forward" || fw.Positives != allPos {
		t.Errorf("forwarding rule check %+v: want every rule's %d positives", fw, allPos)
	}
	d := res.Delivery
	if d.Message == "" || !sameRendering(d.Message, d.Expected) {
		t.Errorf("message %q, want the rule pack's rendering %q", d.Message, d.Expected)
	}
	if !strings.Contains(d.Message, "Root user signed in WITHOUT MFA to AWS account "+spec.Account) || !strings.Contains(d.Message, "rootwatch-test/"+nonce) {
		t.Errorf("message %q does not read as the sign-in alert marked as a test", d.Message)
	}
	// The e-mail subscriber read exactly what the test shows, then the
	// --notify message.
	mails := a.Emails()
	if len(mails) != 2 {
		t.Fatalf("%d e-mails, want the test alert and the --notify message: %+v", len(mails), mails)
	}
	if mails[0].To != email || mails[0].Message != d.Message {
		t.Errorf("e-mail %+v, want %q to %s", mails[0], d.Message, email)
	}
	if !strings.Contains(mails[1].Subject, "TEST") || !strings.Contains(mails[1].Message, "TEST message") {
		t.Errorf("--notify e-mail %+v is not clearly marked as a test", mails[1])
	}
	if len(res.Temporary) < 4 {
		t.Errorf("temporary resources %v: want at least queue, subscription, policy extension and rule", res.Temporary)
	}
	if left := leftovers(t, a, spec, before); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	if f := a.Failures(); len(f) > 0 {
		t.Errorf("delivery failures in the fake: %+v", f)
	}
}

// TestBrokenLinks breaks one link at a time: test must report the link with
// status's verdict (the same status, detail and fix), fail or degrade
// accordingly (exit 1), and leave nothing behind.
func TestBrokenLinks(t *testing.T) {
	ctx := context.Background()
	signin := chain.AlertRulePrefix + SignInRuleID
	tests := []struct {
		name   string
		break_ func(t *testing.T, a *fake.Account, spec chain.Spec)
		// link is the status check that must not pass (or "pattern"), st
		// its status and detail a substring of its message.
		link   string
		st     Status
		detail string
		// delivery is a substring of the delivery check's detail, and
		// delivered whether the synthetic alert must still arrive.
		delivery  string
		delivered bool
	}{
		{
			name: "policy statement missing",
			break_: func(t *testing.T, a *fake.Account, spec chain.Spec) {
				must(t, a.Topics(home).SetTopicPolicy(ctx, spec.Topic.ARN, fake.DefaultTopicPolicy(spec.Topic.ARN)))
			},
			link: "topic-policy", st: Fail, detail: "has no statement " + chain.TopicStatementSid,
			delivery: "could not deliver the test event to topic",
		},
		{
			// The first contradiction of issue 8: status warned, test failed
			// although its delivery passed. Now both warn, and it delivers.
			name: "topic statement names a second rule",
			break_: func(t *testing.T, a *fake.Account, spec chain.Spec) {
				p := topicPolicy(t, a, spec)
				extended, found, err := extendStatement(p, chain.TopicStatementSid, "arn:aws:events:us-east-1:123456789012:rule/other")
				if err != nil || !found {
					t.Fatalf("extend: %v %v", found, err)
				}
				must(t, a.Topics(home).SetTopicPolicy(ctx, spec.Topic.ARN, extended))
			},
			link: "topic-policy", st: Warn, detail: "also lets arn:aws:events:us-east-1:123456789012:rule/other publish",
			delivered: true,
		},
		{
			name: "target missing",
			break_: func(t *testing.T, a *fake.Account, spec chain.Spec) {
				must(t, a.Events(home).RemoveTargets(ctx, chain.BusName, signin, []string{chain.AlertTargetID}))
			},
			link: "alert-target/" + SignInRuleID, st: Fail, detail: "has no target sending to " + "arn:aws:sns:us-east-1:123456789012:rootwatch-alerts",
			delivery: "not run: the sign-in rule has no topic target",
		},
		{
			// A different transformer still delivers (status warns); the
			// delivery check sees the message is not the rule pack's.
			name: "transformer broken",
			break_: func(t *testing.T, a *fake.Account, spec chain.Spec) {
				ts, err := a.Events(home).Targets(ctx, chain.BusName, signin)
				must(t, err)
				ts[0].Input = &cloud.InputTransformer{Paths: map[string]string{"account": "$.account"}, Template: `"Root did something in <account>"`}
				must(t, a.Events(home).PutTargets(ctx, chain.BusName, signin, ts))
			},
			link: "alert-target/" + SignInRuleID, st: Warn, detail: "the input transformer differs from the one rootwatch deploys",
			delivery: "differs from the rule pack's rendering",
		},
		{
			name: "transformer removed",
			break_: func(t *testing.T, a *fake.Account, spec chain.Spec) {
				ts, err := a.Events(home).Targets(ctx, chain.BusName, signin)
				must(t, err)
				ts[0].Input = nil
				must(t, a.Events(home).PutTargets(ctx, chain.BusName, signin, ts))
			},
			link: "alert-target/" + SignInRuleID, st: Warn, detail: "no input transformer",
			delivery: "differs from the rule pack's rendering",
		},
		{
			name: "subscription gone",
			break_: func(t *testing.T, a *fake.Account, spec chain.Spec) {
				subs, err := a.Topics(home).Subscriptions(ctx, spec.Topic.ARN)
				must(t, err)
				for _, s := range subs {
					must(t, a.Topics(home).Unsubscribe(ctx, s.ARN))
				}
			},
			link: "subscriptions", st: Fail, detail: "the topic has no subscription: nobody gets the alerts",
			delivered: true,
		},
		{
			name: "subscription pending",
			break_: func(t *testing.T, a *fake.Account, spec chain.Spec) {
				subs, err := a.Topics(home).Subscriptions(ctx, spec.Topic.ARN)
				must(t, err)
				for _, s := range subs {
					must(t, a.Topics(home).Unsubscribe(ctx, s.ARN))
				}
				_, err = a.Topics(home).Subscribe(ctx, spec.Topic.ARN, "email", email, false)
				must(t, err)
			},
			link: "subscriptions", st: Fail, detail: "no confirmed subscription, 1 pending (" + email + ")",
			delivered: true,
		},
		{
			// The second contradiction of issue 8: status warned, test
			// passed. Now both warn.
			name: "a second subscription pending",
			break_: func(t *testing.T, a *fake.Account, spec chain.Spec) {
				_, err := a.Topics(home).Subscribe(ctx, spec.Topic.ARN, "email", "cto@example.com", false)
				must(t, err)
			},
			link: "subscriptions", st: Warn, detail: "1 confirmed, 1 pending (cto@example.com): those addresses get no alerts",
			delivered: true,
		},
		{
			name: "dead-letter queue receiving",
			break_: func(t *testing.T, a *fake.Account, spec chain.Spec) {
				must(t, a.SendMessage(home, chain.DLQName, `{"lost":"alert"}`))
			},
			link: "dlq", st: Fail, detail: "holds 1 message(s)",
			delivered: true,
		},
		{
			name: "rule disabled",
			break_: func(t *testing.T, a *fake.Account, spec chain.Spec) {
				r, err := a.Events(home).Rule(ctx, chain.BusName, signin)
				must(t, err)
				r.State = cloud.RuleDisabled
				_, err = a.Events(home).PutRule(ctx, r)
				must(t, err)
			},
			link: "alert-rule/" + SignInRuleID, st: Fail, detail: "is DISABLED",
			delivered: true, // the delivery check uses a temporary rule of its own
		},
		{
			name: "topic encrypted with the AWS managed key",
			break_: func(t *testing.T, a *fake.Account, spec chain.Spec) {
				must(t, a.SetTopicKMSKey(spec.Topic.ARN, "alias/aws/sns"))
			},
			link: "kms", st: Fail, detail: "AWS managed key alias/aws/sns",
			delivery: "could not deliver the test event to topic",
		},
		{
			name: "alert pattern broken",
			break_: func(t *testing.T, a *fake.Account, spec chain.Spec) {
				r, err := a.Events(home).Rule(ctx, chain.BusName, chain.AlertRulePrefix+"root-api-call")
				must(t, err)
				r.Pattern = `{"detail":{"userIdentity":{"type":["Root"]}}}`
				_, err = a.Events(home).PutRule(ctx, r)
				must(t, err)
			},
			// The broken pattern also matches the synthetic sign-in, so a
			// second, differently rendered alert reaches the queue.
			link: "pattern", st: Fail, detail: "matches: a false alarm",
		},
		{
			name: "alert rule deleted",
			break_: func(t *testing.T, a *fake.Account, spec chain.Spec) {
				name := chain.AlertRulePrefix + "root-mfa-change"
				must(t, a.Events(home).RemoveTargets(ctx, chain.BusName, name, []string{chain.AlertTargetID}))
				must(t, a.Events(home).DeleteRule(ctx, chain.BusName, name))
			},
			link: "pattern", st: Fail, detail: "rule rootwatch-alert-root-mfa-change is not deployed",
			delivered: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, spec := deployed(t)
			tt.break_(t, a, spec)
			before := topicPolicy(t, a, spec)
			res, err := Run(ctx, a, spec, opts())
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			WriteText(&out, res)
			if res.Passed() || !(res.Failed() || res.Degraded()) {
				t.Fatalf("neither failed nor degraded:\n%s", out.String())
			}
			if tt.st == Warn && tt.delivered && res.Failed() {
				t.Errorf("a warning failed the test:\n%s", out.String())
			}
			found := false
			if tt.link == "pattern" {
				for _, p := range res.Patterns {
					for _, pr := range p.Problems {
						found = found || (p.Status == tt.st && strings.Contains(pr, tt.detail))
					}
				}
			} else {
				// The link is status's verdict, word for word.
				rep := status.Check(ctx, a, spec, now)
				var want *status.Result
				for i, r := range rep.Checks {
					if r.Check == tt.link && r.Region != "eu-west-1" {
						want = &rep.Checks[i]
					}
				}
				if want == nil {
					t.Fatalf("status has no check %s", tt.link)
				}
				for _, l := range res.Links {
					if l.Name != tt.link {
						continue
					}
					found = l.Status == tt.st && strings.Contains(l.Detail, tt.detail)
					if l.Detail != want.Detail || l.Fix != want.Fix || fromStatus(want.Status) != l.Status {
						t.Errorf("test says %s %q (fix %q); status says %s %q (fix %q)", l.Status, l.Detail, l.Fix, want.Status, want.Detail, want.Fix)
					}
				}
			}
			if !found {
				t.Errorf("no %s %s check saying %q:\n%s", tt.st, tt.link, tt.detail, out.String())
			}
			if tt.delivery != "" && !strings.Contains(res.Delivery.Detail, tt.delivery) {
				t.Errorf("delivery: %s %q, want it to say %q", res.Delivery.Status, res.Delivery.Detail, tt.delivery)
			}
			if tt.delivered != (res.Delivery.Status == Pass) {
				t.Errorf("delivery %s (%s), want delivered=%v", res.Delivery.Status, res.Delivery.Detail, tt.delivered)
			}
			if left := leftovers(t, a, spec, before); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// noSNSTargets is an account whose EventBridge, like moto's, never delivers to
// SNS targets (nor dead-letters them), while EventBridge → SQS and SNS → SQS
// work. It also may hide TestPattern, as moto's empty answer does.
type noSNSTargets struct {
	cloud.Account
	noTestPattern bool
	// putFails makes PutEvents fail for the synthetic event, as moto's
	// answer to a rule with an SNS target is a server error.
	putFails bool
	// onReceive runs before each Receive from the test's temporary queue
	// (to cancel the test's context while it awaits the message).
	onReceive func()
}

func (a *noSNSTargets) Events(region string) cloud.Events {
	return &noSNSEvents{Events: a.Account.Events(region), a: a}
}

func (a *noSNSTargets) Queues(region string) cloud.Queues {
	return &hookQueues{Queues: a.Account.Queues(region), a: a}
}

type noSNSEvents struct {
	cloud.Events
	a *noSNSTargets
}

func (e *noSNSEvents) PutTargets(ctx context.Context, bus, rule string, ts []cloud.Target) error {
	var keep []cloud.Target
	for _, t := range ts {
		if !strings.HasPrefix(t.ARN, "arn:aws:sns:") || !strings.HasPrefix(rule, chain.SelfTestRulePrefix) {
			keep = append(keep, t)
		}
	}
	if len(keep) == 0 {
		return nil // accepted, never delivered: moto's answer
	}
	return e.Events.PutTargets(ctx, bus, rule, keep)
}

func (e *noSNSEvents) PutEvents(ctx context.Context, bus string, evs []cloud.Event) error {
	if e.a.putFails && strings.Contains(evs[0].Detail, "rootwatchSelfTest") {
		return errors.New("put events: StatusCode: 500, NotImplementedError: Expr not defined for <class 'moto.events.models.Rule'>")
	}
	return e.Events.PutEvents(ctx, bus, evs)
}

func (e *noSNSEvents) TestPattern(ctx context.Context, pattern, event string) (bool, error) {
	if e.a.noTestPattern {
		return false, fmt.Errorf("test event pattern: empty answer: %w", cloud.ErrUnsupported)
	}
	return e.Events.TestPattern(ctx, pattern, event)
}

type hookQueues struct {
	cloud.Queues
	a *noSNSTargets
}

func (q *hookQueues) Receive(ctx context.Context, url string, max int, wait, vis time.Duration) ([]cloud.Message, error) {
	if q.a.onReceive != nil && strings.Contains(url, chain.SelfTestRulePrefix) {
		q.a.onReceive()
	}
	return q.Queues.Receive(ctx, url, max, wait, vis)
}

// TestEmulatorWithoutSNSDelivery: an endpoint that accepts SNS targets but
// never delivers to them (moto) gives "not verifiable", neither a pass nor a
// crash, after a (simulated) timeout, and the hops it serves are shown to
// work. Against AWS (not Emulated) the same silence is a failure. Nothing is
// left behind either way; TestPattern's missing answer switches to the local
// engine, labelled as such.
func TestEmulatorWithoutSNSDelivery(t *testing.T) {
	for _, tc := range []struct {
		emulated, putFails bool
	}{{true, false}, {false, false}, {true, true}, {false, true}} {
		emulated := tc.emulated
		t.Run(fmt.Sprintf("emulated=%v,putfails=%v", tc.emulated, tc.putFails), func(t *testing.T) {
			f, spec := deployed(t)
			a := &noSNSTargets{Account: f, noTestPattern: true, putFails: tc.putFails}
			before := topicPolicy(t, a, spec)
			o := opts()
			o.Emulated = emulated
			res, err := Run(context.Background(), a, spec, o)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			WriteText(&out, res)
			want := NotVerifiable
			switch {
			case !emulated && tc.putFails:
				want = Error
			case !emulated:
				want = Fail
			}
			if res.Delivery.Status != want {
				t.Fatalf("delivery %s, want %s:\n%s", res.Delivery.Status, want, out.String())
			}
			if len(res.Delivery.Hops) != 2 || res.Delivery.Hops[0].Status != Pass || res.Delivery.Hops[1].Status != Pass {
				t.Errorf("hops %+v, want EventBridge → SQS and SNS → SQS passing", res.Delivery.Hops)
			}
			if res.PatternEngine != EngineLocal || !strings.Contains(out.String(), "LOCAL ENGINE") || !strings.Contains(res.PatternNote, "no usable answer") {
				t.Errorf("pattern engine %q, note %q: want the local engine, said plainly", res.PatternEngine, res.PatternNote)
			}
			for _, p := range res.Patterns {
				if p.Status != Pass || p.Engine != EngineLocal {
					t.Errorf("pattern check %+v, want a pass by the local engine", p)
				}
			}
			if res.Passed() || res.Failed() != (want == Fail) {
				t.Errorf("Passed %v Failed %v", res.Passed(), res.Failed())
			}
			if left := leftovers(t, a, spec, before); len(left) > 0 {
				t.Errorf("left behind after the timeout: %v", left)
			}
		})
	}
}

// TestInterrupted: Ctrl-C while waiting for the message returns the
// cancellation, after removing every temporary resource.
func TestInterrupted(t *testing.T) {
	for _, tc := range []struct {
		name     string
		putFails bool // moto's answer: the test probes the hops instead of waiting
	}{
		{"waiting for the message", false},
		{"probing the hops", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, spec := deployed(t)
			ctx, cancel := context.WithCancel(context.Background())
			a := &noSNSTargets{Account: f, onReceive: cancel, putFails: tc.putFails}
			before := topicPolicy(t, a, spec)
			o := opts()
			o.Timeout = time.Minute // only the cancellation ends the wait
			res, err := Run(ctx, a, spec, o)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if res == nil || len(res.Temporary) == 0 || len(res.CleanupErrors) > 0 {
				t.Fatalf("result %+v: want temporaries created and all removed", res)
			}
			if left := leftovers(t, a, spec, before); len(left) > 0 {
				t.Errorf("left behind after Ctrl-C: %v", left)
			}
			// A check cut short is an error, never a failure (issue 13, bug 4).
			if d := res.Delivery; d.Status != Error || !strings.Contains(d.Detail, "interrupted") {
				t.Errorf("delivery %s %q, want an error saying interrupted", d.Status, d.Detail)
			}
			for _, l := range append(slices.Clone(res.Links), res.Delivery.Hops...) {
				if l.Status == Fail {
					t.Errorf("a cancelled check is reported as a failure: %+v", l)
				}
			}
			if tc.putFails && len(res.Delivery.Hops) != 2 {
				t.Errorf("hops %+v: want the two probes, cut short", res.Delivery.Hops)
			}
		})
	}
}

// TestFailEveryMutation fails the test's N-th mutating call for every N: the
// test reports it (never passes), and whatever it created is removed, or, when
// the failed call was a removal, named in CleanupErrors.
func TestFailEveryMutation(t *testing.T) {
	t.Run("not reached", func(t *testing.T) { failEveryMutation(t, false) })
	// The call reached AWS, which acted, but its answer was lost: what a
	// Ctrl-C or SIGTERM in the middle of a call does.
	t.Run("answer lost", func(t *testing.T) { failEveryMutation(t, true) })
}

func failEveryMutation(t *testing.T, after bool) {
	for n := 1; ; n++ {
		f, spec := deployed(t)
		rec := cloudtest.Record(f)
		before := topicPolicy(t, f, spec)
		if after {
			rec.FailMutationAfter(n)
		} else {
			rec.FailMutation(n)
		}
		res, err := Run(context.Background(), rec, spec, opts())
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if len(rec.Injected()) == 0 {
			if !res.Passed() {
				t.Fatalf("n=%d: nothing injected but not passed", n)
			}
			if n < 6 {
				t.Fatalf("only %d mutating calls", n-1)
			}
			break
		}
		// A failed creation fails the test; a failed removal is tried
		// again, and the test may pass when the second try removed it.
		injected := rec.Injected()[0]
		method, _, _ := strings.Cut(injected, " ")
		earlier := rec.Mutations()[:n-1]
		removal := slices.Contains([]string{"RemoveTargets", "DeleteRule", "DeleteQueue", "Unsubscribe", "DeleteTopic"}, method) ||
			method == "SetTopicPolicy" && slices.ContainsFunc(earlier, func(m string) bool { return strings.HasPrefix(m, "SetTopicPolicy ") })
		if res.Passed() && !removal {
			t.Errorf("n=%d: injected %v yet passed", n, injected)
		}
		if removal && len(res.CleanupErrors) > 0 {
			t.Errorf("n=%d: a removal failed once (%s) and was not retried: %v", n, injected, res.CleanupErrors)
		}
		left := leftovers(t, f, spec, before)
		if len(left) > 0 && len(res.CleanupErrors) == 0 {
			t.Errorf("n=%d (injected %v): left behind %v without saying so", n, rec.Injected(), left)
		}
		if len(left) == 0 && len(res.CleanupErrors) > 0 {
			t.Errorf("n=%d: cleanup errors %v but nothing left", n, res.CleanupErrors)
		}
	}
}

func TestExtendStatement(t *testing.T) {
	const arn = "arn:aws:events:us-east-1:123456789012:rule/rootwatch/rootwatch-selftest-x"
	tests := []struct {
		name, policy, want string
		found              bool
	}{
		// The statement is rewritten in the typed form; the rest of the
		// document keeps its bytes and key order, and gains a Version.
		{"string source", `{"Statement":[{"Sid":"S","Condition":{"ArnEquals":{"aws:SourceArn":"a"}}}]}`,
			`{"Version":"2012-10-17","Statement":[{"Sid":"S","Condition":{"ArnEquals":{"aws:SourceArn":["a","` + arn + `"]}}}]}`, true},
		{"list source, other statement kept", `{"Id":"x","Statement":[{"Sid":"Other", "Effect":"Deny"},{"Sid":"S","Condition":{"ArnLike":{"AWS:SourceArn":["a","b"]}}}],"Version":"2008-10-17"}`,
			`{"Id":"x","Statement":[{"Sid":"Other","Effect":"Deny"},{"Sid":"S","Condition":{"ArnLike":{"AWS:SourceArn":["a","b","` + arn + `"]}}}],"Version":"2008-10-17"}`, true},
		{"single statement object", `{"Statement":{"Sid":"S","Condition":{"ArnEquals":{"aws:SourceArn":"a"}}}}`,
			`{"Version":"2012-10-17","Statement":[{"Sid":"S","Condition":{"ArnEquals":{"aws:SourceArn":["a","` + arn + `"]}}}]}`, true},
		{"no statement", `{"Statement":[{"Sid":"Other"}]}`, `{"Statement":[{"Sid":"Other"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found, err := extendStatement(tt.policy, "S", arn)
			if err != nil {
				t.Fatal(err)
			}
			if found != tt.found || got != tt.want {
				t.Errorf("got %s (found %v), want %s (found %v)", got, found, tt.want, tt.found)
			}
		})
	}
	if _, _, err := extendStatement("{", "S", arn); err == nil {
		t.Error("malformed policy: no error")
	}
}

// TestOutputGolden pins the JSON and text outputs of a passing test and of a
// not-verifiable one.
func TestOutputGolden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		account func(*fake.Account) cloud.Account
	}{
		{"pass", func(a *fake.Account) cloud.Account { return a }},
		{"not-verifiable", func(a *fake.Account) cloud.Account { return &noSNSTargets{Account: a, noTestPattern: true} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, spec := deployed(t)
			o := opts()
			o.Emulated = true
			res, err := Run(context.Background(), tc.account(f), spec, o)
			if err != nil {
				t.Fatal(err)
			}
			res.Delivery.LatencyMS = 42 // the only value that varies
			var js, txt bytes.Buffer
			must(t, WriteJSON(&js, res))
			must(t, WriteText(&txt, res))
			golden.Check(t, filepath.Join("testdata/golden", tc.name+".json"), js.Bytes())
			golden.Check(t, filepath.Join("testdata/golden", tc.name+".txt"), txt.Bytes())
		})
	}
}

func TestWithAccount(t *testing.T) {
	got, err := withAccount([]byte(`{"source":"aws.signin","account":"111111111111","detail-type":"AWS Console Sign In via CloudTrail","detail":{"a":1}}`), "123456789012", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"account":"123456789012","detail":{"a":1},"detail-type":"AWS Console Sign In via CloudTrail","id":"00000000-0000-0000-0000-000000000000","region":"eu-west-1","resources":[],"source":"aws.signin","time":"2026-01-01T00:00:00Z","version":"0"}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, bad := range []string{`[]`, `null`, `{`} {
		if _, err := withAccount([]byte(bad), "123456789012", "eu-west-1"); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
