// Package selftest proves that a deployed rootwatch alert chain works, without
// using root: `rootwatch test`.
//
// It runs three kinds of checks:
//
//   - Patterns: every deployed alert rule (and the home region's forwarding
//     rule) is asked, through the endpoint's TestEventPattern, about the rule
//     pack's own fixtures (rules.Fixtures): positives must match, look-alikes
//     must not. An endpoint that gives no answer (moto) is said so, and the
//     local engine (internal/pattern) answers instead, labelled as such.
//   - Links: each link of the home region's chain is read and checked: the bus,
//     the sign-in alert rule and its topic target, its input transformer, the
//     topic policy statement, the topic's KMS key, confirmed subscriptions, an
//     empty dead-letter queue.
//   - Delivery, end to end: a temporary rule on the rootwatch bus matching a
//     rootwatch test source (AWS refuses aws.* sources in PutEvents), with the
//     deployed sign-in rule's input transformer and topic target; a temporary
//     SQS queue subscribed to the topic with raw delivery; rootwatch's topic
//     policy statement temporarily extended to the temporary rule. A synthetic
//     root sign-in, marked as a test, is put on the bus and awaited in the
//     queue; the message is shown as an e-mail subscriber reads it, with the
//     latency.
//
// Every temporary resource is tagged rootwatch:managed=true, named with
// chain.SelfTestRulePrefix and a nonce, and removed in every outcome (pass,
// failure, timeout, cancellation), with a context of its own.
package selftest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/pattern"
	"github.com/rootwatch/rootwatch/internal/policy"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// Status is a check's outcome.
type Status string

const (
	Pass Status = "pass"
	Fail Status = "fail"
	// NotVerifiable: the endpoint cannot show whether the link works (an
	// emulator that does not deliver to SNS targets).
	NotVerifiable Status = "not-verifiable"
	// Error: the check could not be done (an API error).
	Error Status = "error"
)

// Engines that answer the pattern check.
const (
	EngineAWS   = "aws"
	EngineLocal = "local engine"
)

// TestSource is the event source of the synthetic events. AWS refuses aws.*
// sources in PutEvents.
const TestSource = "rootwatch.selftest"

// TestDetailType is the detail-type of the synthetic sign-in. It is not a
// CloudTrail detail-type, so that only the temporary rule matches it, not the
// deployed alert rules (whose patterns do not constrain the source).
const TestDetailType = "rootwatch test: synthetic root console sign-in"

// SignInRuleID is the rule pack rule whose target and input transformer the
// delivery check borrows: the one a root sign-in without MFA triggers.
const SignInRuleID = "root-console-signin-no-mfa"

// DefaultTimeout is how long the delivery check waits for the message.
const DefaultTimeout = 60 * time.Second

// cleanupTimeout bounds the removal of the temporary resources.
const cleanupTimeout = 60 * time.Second

// Options configure a test.
type Options struct {
	// Timeout is how long to wait for the test message (DefaultTimeout).
	Timeout time.Duration
	// ProbeTimeout is how long each hop probe waits after a delivery timeout
	// (default: Timeout, at most 20s).
	ProbeTimeout time.Duration
	// Notify also publishes a test message to the topic for its e-mail
	// subscribers.
	Notify bool
	// Emulated says the endpoint is an emulator, not AWS: a chain that
	// delivers nothing while each hop it serves works is then reported as
	// not verifiable rather than failed.
	Emulated bool
	// Nonce names the temporary resources (default: random).
	Nonce string
	Now   func() time.Time
	// Progress, when set, receives one line per step.
	Progress func(string)
}

// Result is what `rootwatch test` found; `rootwatch test --output json` prints it.
type Result struct {
	Account    string `json:"account"`
	HomeRegion string `json:"homeRegion"`
	// PatternEngine is EngineAWS, or EngineLocal when the endpoint's
	// TestEventPattern gave no answer (PatternNote says so).
	PatternEngine string      `json:"patternEngine"`
	PatternNote   string      `json:"patternNote,omitempty"`
	Patterns      []RuleCheck `json:"patterns"`
	Links         []Link      `json:"links"`
	Delivery      Delivery    `json:"delivery"`
	// Notify is null without --notify.
	Notify *Notify `json:"notify"`
	// Temporary lists the temporary resources created (and removed).
	Temporary []string `json:"temporary"`
	// CleanupErrors lists what could not be removed; remove those by hand.
	CleanupErrors []string `json:"cleanupErrors"`
}

// RuleCheck is the pattern check of one deployed rule.
type RuleCheck struct {
	Rule      string `json:"rule"`   // the deployed rule's name
	Kind      string `json:"kind"`   // rule pack ID, or "forward" for the forwarding rule
	Engine    string `json:"engine"` // EngineAWS or EngineLocal
	Status    Status `json:"status"`
	Positives int    `json:"positives"` // fixtures that must match
	Negatives int    `json:"negatives"` // look-alikes that must not
	// Problems lists each fixture answered wrongly, or why the rule could not
	// be checked.
	Problems []string `json:"problems"`
}

// Link is one link of the chain.
type Link struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
}

// Delivery is the end-to-end delivery check.
type Delivery struct {
	Status Status `json:"status"`
	Detail string `json:"detail"`
	// Rule is the deployed rule whose target and transformer were used.
	Rule string `json:"rule"`
	// Message is the message as delivered (what an e-mail subscriber reads);
	// Expected is the rule pack's rendering of the synthetic event.
	Message   string `json:"message,omitempty"`
	Expected  string `json:"expected,omitempty"`
	LatencyMS int64  `json:"latencyMs,omitempty"`
	// Hops are the per-hop probes run when the message did not arrive.
	Hops []Link `json:"hops,omitempty"`
}

// Notify is the --notify outcome.
type Notify struct {
	Status      Status `json:"status"`
	Detail      string `json:"detail"`
	Subscribers int    `json:"subscribers"` // confirmed e-mail subscriptions
}

// Passed reports whether every check passed.
func (r *Result) Passed() bool { return r.count(Pass) == r.total() && len(r.CleanupErrors) == 0 }

// Failed reports whether a check failed (a broken link), or a temporary
// resource was left behind.
func (r *Result) Failed() bool { return r.count(Fail) > 0 || len(r.CleanupErrors) > 0 }

func (r *Result) statuses() []Status {
	var ss []Status
	for _, p := range r.Patterns {
		ss = append(ss, p.Status)
	}
	for _, l := range r.Links {
		ss = append(ss, l.Status)
	}
	ss = append(ss, r.Delivery.Status)
	if r.Notify != nil {
		ss = append(ss, r.Notify.Status)
	}
	return ss
}

func (r *Result) count(s Status) int {
	n := 0
	for _, x := range r.statuses() {
		if x == s {
			n++
		}
	}
	return n
}

func (r *Result) total() int { return len(r.statuses()) }

// Run tests the chain that spec describes in acct. It returns an error only
// when it could not run at all, or when ctx was canceled (after removing the
// temporary resources).
func Run(ctx context.Context, acct cloud.Account, spec chain.Spec, o Options) (*Result, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ProbeTimeout <= 0 {
		o.ProbeTimeout = min(o.Timeout, 20*time.Second)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Nonce == "" {
		var b [6]byte
		rand.Read(b[:])
		o.Nonce = hex.EncodeToString(b[:])
	}
	t := &tester{acct: acct, spec: spec, o: o, res: &Result{Account: spec.Account, HomeRegion: spec.HomeRegion, Temporary: []string{}, CleanupErrors: []string{}, Links: []Link{}}}
	t.patterns(ctx)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	err := t.delivery(ctx)
	if err != nil {
		return t.res, err
	}
	return t.res, ctx.Err()
}

type tester struct {
	acct cloud.Account
	spec chain.Spec
	o    Options
	res  *Result
}

func (t *tester) progress(format string, args ...any) {
	if t.o.Progress != nil {
		t.o.Progress(fmt.Sprintf(format, args...))
	}
}

// ---- pattern check ----

// matcher answers whether a pattern matches an event, asking AWS until AWS
// says it cannot answer, then the local engine.
type matcher struct {
	ev    cloud.Events
	local bool
	note  string
}

func (m *matcher) match(ctx context.Context, pat, event string) (bool, error) {
	if !m.local {
		ok, err := m.ev.TestPattern(ctx, pat, event)
		if err == nil {
			return ok, nil
		}
		if !errors.Is(err, cloud.ErrUnsupported) {
			return false, err
		}
		m.local = true
		m.note = fmt.Sprintf("the endpoint's TestEventPattern gave no usable answer (%v); the local engine answered instead", err)
	}
	p, err := pattern.Compile([]byte(pat))
	if err != nil {
		return false, fmt.Errorf("local engine: %w", err)
	}
	return p.Match([]byte(event))
}

func (m *matcher) engine() string {
	if m.local {
		return EngineLocal
	}
	return EngineAWS
}

// withAccount rewrites a fixture event's account to the caller's (AWS's
// TestEventPattern wants the caller's account in the event) and supplies the
// envelope fields TestEventPattern requires when a fixture lacks them. The
// pack's patterns match none of those fields but detail-type and source.
func withAccount(event []byte, account, region string) (string, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(event, &doc); err != nil {
		return "", err
	}
	if doc == nil {
		return "", errors.New("the event is not a JSON object")
	}
	a, _ := json.Marshal(account)
	doc["account"] = a
	defaults := map[string]string{
		"version":   `"0"`,
		"id":        `"00000000-0000-0000-0000-000000000000"`,
		"time":      `"2026-01-01T00:00:00Z"`,
		"region":    strconvQuote(region),
		"resources": `[]`,
	}
	for k, v := range defaults {
		if _, ok := doc[k]; !ok {
			doc[k] = json.RawMessage(v)
		}
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

type fixtureCase struct {
	rule  string // the pack rule it belongs to
	fix   rules.Fixture
	match bool // whether it must match
}

func (t *tester) patterns(ctx context.Context) {
	home := t.spec.HomeRegion
	ev := t.acct.Events(home)
	m := &matcher{ev: ev}
	t.progress("pattern check: %d alert rules and the forwarding rule", len(t.spec.AlertRules))

	var all []fixtureCase
	for _, ar := range t.spec.AlertRules {
		pos, neg := rules.Fixtures(ar.RuleID)
		var cases []fixtureCase
		for _, f := range pos {
			cases = append(cases, fixtureCase{ar.RuleID, f, true})
		}
		for _, f := range neg {
			cases = append(cases, fixtureCase{ar.RuleID, f, false})
		}
		all = append(all, cases...)
		t.res.Patterns = append(t.res.Patterns, t.checkRule(ctx, m, ev, ar.Bus, ar.Name, ar.RuleID, cases))
	}
	if rs, ok := t.spec.Forwarder(home); ok {
		// The forwarding rule must pass every root event on. It is a superset
		// of the alert rules by design (the alert rules filter look-alikes on
		// the rootwatch bus), so look-alikes are not held against it.
		var pos []fixtureCase
		for _, c := range all {
			if c.match {
				pos = append(pos, c)
			}
		}
		t.res.Patterns = append(t.res.Patterns, t.checkRule(ctx, m, ev, cloud.DefaultBus, rs.Rule.Name, "forward", pos))
	}
	t.res.PatternEngine = m.engine()
	t.res.PatternNote = m.note
}

func (t *tester) checkRule(ctx context.Context, m *matcher, ev cloud.Events, bus, name, kind string, cases []fixtureCase) RuleCheck {
	rc := RuleCheck{Rule: name, Kind: kind, Engine: m.engine(), Status: Pass, Problems: []string{}}
	for _, c := range cases {
		if c.match {
			rc.Positives++
		} else {
			rc.Negatives++
		}
	}
	r, err := ev.Rule(ctx, bus, name)
	if errors.Is(err, cloud.ErrNotFound) {
		rc.Status = Fail
		rc.Problems = append(rc.Problems, fmt.Sprintf("rule %s is not deployed on bus %s in %s: run rootwatch deploy", name, bus, t.spec.HomeRegion))
		return rc
	}
	if err != nil {
		rc.Status = Error
		rc.Problems = append(rc.Problems, err.Error())
		return rc
	}
	if len(cases) == 0 {
		rc.Status = Fail
		rc.Problems = append(rc.Problems, fmt.Sprintf("the rule pack has no fixtures for %s", kind))
		return rc
	}
	for _, c := range cases {
		event, err := withAccount(c.fix.Event, t.spec.Account, t.spec.HomeRegion)
		if err != nil {
			rc.Status = Error
			rc.Problems = append(rc.Problems, fmt.Sprintf("fixture %s/%s: %v", c.rule, c.fix.Name, err))
			continue
		}
		got, err := m.match(ctx, r.Pattern, event)
		if err != nil {
			if ctx.Err() != nil {
				rc.Status = Error
				rc.Problems = append(rc.Problems, ctx.Err().Error())
				return rc
			}
			rc.Status = Error
			rc.Problems = append(rc.Problems, fmt.Sprintf("fixture %s/%s: %v", c.rule, c.fix.Name, err))
			continue
		}
		if got != c.match {
			if rc.Status == Pass {
				rc.Status = Fail
			}
			if c.match {
				rc.Problems = append(rc.Problems, fmt.Sprintf("root event %s/%s does not match: this kind of root activity would go unnoticed", c.rule, c.fix.Name))
			} else {
				rc.Problems = append(rc.Problems, fmt.Sprintf("look-alike %s/%s matches: a false alarm", c.rule, c.fix.Name))
			}
		}
	}
	rc.Engine = m.engine()
	return rc
}

// ---- links and delivery ----

func (t *tester) link(name string, st Status, format string, args ...any) {
	t.res.Links = append(t.res.Links, Link{Name: name, Status: st, Detail: fmt.Sprintf(format, args...)})
}

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
	t.progress("links: reading the chain in %s", home)

	// Bus.
	if _, err := ev.Bus(ctx, t.spec.Bus.Name); err != nil {
		t.linkErr("event bus", err, "event bus %s does not exist in %s: run rootwatch deploy", t.spec.Bus.Name, home)
		d.Detail = "not run: the rootwatch bus is missing"
		return ctx.Err()
	}
	t.link("event bus", Pass, "event bus %s exists in %s", t.spec.Bus.Name, home)

	// Rule and target.
	rule, err := ev.Rule(ctx, ar.Bus, ar.Name)
	if err != nil {
		t.linkErr("alert rule", err, "rule %s does not exist on bus %s: run rootwatch deploy", ar.Name, ar.Bus)
		d.Detail = "not run: the sign-in alert rule is missing"
		return ctx.Err()
	}
	if rule.State == cloud.RuleDisabled {
		t.link("alert rule", Fail, "rule %s is DISABLED: root sign-ins raise no alert (aws events enable-rule --event-bus-name %s --name %s)", ar.Name, ar.Bus, ar.Name)
	} else {
		t.link("alert rule", Pass, "rule %s is %s", ar.Name, rule.State)
	}
	targets, err := ev.Targets(ctx, ar.Bus, ar.Name)
	if err != nil {
		t.linkErr("rule target", err, "%v", err)
		d.Detail = "not run: the rule's targets could not be read"
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
		t.link("rule target", Fail, "rule %s has no target %s (topic %s): alerts go nowhere; run rootwatch deploy", ar.Name, chain.AlertTargetID, t.spec.Topic.ARN)
		d.Detail = "not run: the sign-in rule has no topic target"
		return ctx.Err()
	}
	if target.ARN != t.spec.Topic.ARN {
		t.link("rule target", Fail, "target %s of rule %s sends to %s, not to the topic %s: run rootwatch deploy", target.ID, ar.Name, target.ARN, t.spec.Topic.ARN)
	} else {
		t.link("rule target", Pass, "rule %s sends to topic %s", ar.Name, target.ARN)
	}

	// Input transformer.
	want := ar.Target.Input
	switch {
	case target.Input == nil:
		t.link("input transformer", Fail, "target %s of rule %s has no input transformer: subscribers would get raw event JSON; run rootwatch deploy", target.ID, ar.Name)
	case want != nil && (target.Input.Template != want.Template || !maps.Equal(target.Input.Paths, want.Paths)):
		t.link("input transformer", Fail, "the input transformer of rule %s differs from the rule pack's (deployed template %s): run rootwatch deploy", ar.Name, target.Input.Template)
	default:
		t.link("input transformer", Pass, "the input transformer of rule %s is the rule pack's", ar.Name)
	}

	// Topic, policy, key, subscriptions.
	topic, err := tp.Topic(ctx, t.spec.Topic.ARN)
	if err != nil {
		t.linkErr("topic", err, "topic %s does not exist: run rootwatch deploy", t.spec.Topic.ARN)
		d.Detail = "not run: the topic is missing"
		return ctx.Err()
	}
	t.link("topic", Pass, "topic %s exists", topic.ARN)
	stmtOK, err := t.spec.TopicPolicyOK(topic.Policy)
	switch {
	case err != nil:
		t.link("topic policy", Fail, "the policy of topic %s cannot be read: %v", topic.ARN, err)
	case !stmtOK:
		t.link("topic policy", Fail, "the policy of topic %s lacks statement %s letting events.amazonaws.com publish for the rootwatch rules: alerts are dropped; run rootwatch deploy", topic.ARN, chain.TopicStatementSid)
	default:
		t.link("topic policy", Pass, "statement %s lets EventBridge publish for the rootwatch rules", chain.TopicStatementSid)
	}
	if topic.KMSKeyID != "" {
		t.checkKey(ctx, topic)
	}
	subs, err := tp.Subscriptions(ctx, topic.ARN)
	emails := 0
	if err != nil {
		t.linkErr("subscriptions", err, "%v", err)
	} else {
		confirmed, pending := 0, 0
		for _, s := range subs {
			if strings.HasPrefix(s.Endpoint, "arn:") && strings.Contains(s.Endpoint, ":"+chain.SelfTestRulePrefix) {
				continue // another test's temporary queue
			}
			if s.Pending {
				pending++
				continue
			}
			confirmed++
			if s.Protocol == "email" || s.Protocol == "email-json" {
				emails++
			}
		}
		switch {
		case confirmed == 0 && pending > 0:
			t.link("subscriptions", Fail, "topic %s has no confirmed subscription (%d pending confirmation): nobody receives alerts; click the link in the confirmation e-mail", topic.ARN, pending)
		case confirmed == 0:
			t.link("subscriptions", Fail, "topic %s has no subscription: nobody receives alerts; run rootwatch deploy --email ADDR", topic.ARN)
		default:
			t.link("subscriptions", Pass, "%d confirmed subscription(s), %d by e-mail; %d pending", confirmed, emails, pending)
		}
	}

	// Dead-letter queue.
	dlqBefore := -1
	if rs, ok := t.spec.Forwarder(home); ok {
		q, err := qs.Queue(ctx, rs.DLQ.Name)
		switch {
		case err != nil:
			t.linkErr("dead-letter queue", err, "dead-letter queue %s does not exist in %s: failed deliveries are lost silently; run rootwatch deploy", rs.DLQ.Name, home)
		case q.Messages > 0:
			dlqBefore = q.Messages
			t.link("dead-letter queue", Fail, "dead-letter queue %s in %s holds %d message(s): alerts EventBridge could not deliver; read them (aws sqs receive-message --queue-url %s), fix the cause, then purge it", q.Name, home, q.Messages, q.URL)
		default:
			dlqBefore = 0
			t.link("dead-letter queue", Pass, "dead-letter queue %s is empty", q.Name)
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
				t.link("dead-letter queue", Fail, "dead-letter queue %s received %d message(s) during the test: EventBridge could not deliver to a rootwatch target", q.Name, q.Messages-dlqBefore)
			}
		}
	}

	if t.o.Notify {
		t.notify(ctx, tp, topic.ARN, emails)
	}
	return ctx.Err()
}

// linkErr records a link that could not be read: not found is a failure with
// the given message, anything else an error.
func (t *tester) linkErr(name string, err error, format string, args ...any) {
	if errors.Is(err, cloud.ErrNotFound) {
		t.link(name, Fail, format, args...)
		return
	}
	t.link(name, Error, "%v", err)
}

func (t *tester) checkKey(ctx context.Context, topic cloud.Topic) {
	k, err := t.acct.Keys(t.spec.HomeRegion).Key(ctx, topic.KMSKeyID)
	if err != nil {
		t.linkErr("KMS key", err, "the topic's KMS key %s does not exist: SNS cannot encrypt alerts", topic.KMSKeyID)
		return
	}
	if k.AWSManaged {
		t.link("KMS key", Fail, "topic %s is encrypted with the AWS managed key %s, which EventBridge cannot use: encrypt it with a customer managed key that grants events.amazonaws.com kms:GenerateDataKey* and kms:Decrypt", topic.ARN, topic.KMSKeyID)
		return
	}
	if lacking, err := chain.KeyGrantsLacking(k.Policy); err != nil || len(lacking) > 0 {
		t.link("KMS key", Fail, "the policy of KMS key %s does not grant events.amazonaws.com kms:GenerateDataKey* and kms:Decrypt: run rootwatch deploy --fix-kms-policy or add statement %s", k.ARN, chain.KeyStatementSid)
		return
	}
	t.link("KMS key", Pass, "KMS key %s lets EventBridge encrypt", k.ARN)
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

// ---- the end-to-end delivery ----

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
		if err := c.steps[i](ctx); err != nil && !errors.Is(err, cloud.ErrNotFound) {
			errs = append(errs, err.Error())
		}
	}
	return errs
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
	tempRuleARN := t.ruleARN(name)
	probeRuleARN := t.ruleARN(probeName)
	probeTopicARN := t.topicARN(name)
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

	// The temporary queue: SNS may send from the topic (and the probe topic),
	// EventBridge from the temporary rules (dead letters and the probe).
	queueARN := "arn:" + t.spec.Partition + ":sqs:" + home + ":" + t.spec.Account + ":" + name
	qpolicy := policy.Document{Version: policy.Version, Statement: policy.Statements{
		{Sid: "RootwatchTestFromTopic", Effect: "Allow", Principal: policy.Service("sns.amazonaws.com"), Action: policy.Values{"sqs:SendMessage"}, Resource: policy.Values{queueARN},
			Condition: policy.Conditions{"ArnEquals": {"aws:SourceArn": {topic.ARN, probeTopicARN}}}},
		{Sid: "RootwatchTestFromRules", Effect: "Allow", Principal: policy.Service(chain.EventsService), Action: policy.Values{"sqs:SendMessage"}, Resource: policy.Values{queueARN},
			Condition: policy.Conditions{"ArnEquals": {"aws:SourceArn": {tempRuleARN, probeRuleARN}}}},
	}}.String()
	t.progress("delivery check: creating temporary queue %s", name)
	q, err := qs.CreateQueue(ctx, name, qpolicy, tags)
	if err != nil {
		fail(Error, "create the temporary queue: %v", err)
		return
	}
	t.res.Temporary = append(t.res.Temporary, "SQS queue "+q.URL)
	c.add(func(ctx context.Context) error { return qs.DeleteQueue(ctx, q.URL) })

	sub, err := tp.Subscribe(ctx, topic.ARN, "sqs", q.ARN, true)
	if err != nil {
		fail(Error, "subscribe the temporary queue to the topic: %v", err)
		return
	}
	t.res.Temporary = append(t.res.Temporary, "SNS subscription "+sub)
	c.add(func(ctx context.Context) error { return tp.Unsubscribe(ctx, sub) })

	// Extend rootwatch's topic statement to the temporary rule; restore the
	// policy exactly afterwards.
	if extended, found, err := extendStatement(topic.Policy, chain.TopicStatementSid, tempRuleARN); err != nil {
		fail(Error, "%v", err)
		return
	} else if found && extended != topic.Policy {
		if err := tp.SetTopicPolicy(ctx, topic.ARN, extended); err != nil {
			fail(Error, "extend the topic policy to the temporary rule: %v", err)
			return
		}
		t.res.Temporary = append(t.res.Temporary, "topic policy statement "+chain.TopicStatementSid+" extended to "+tempRuleARN)
		orig := topic.Policy
		c.add(func(ctx context.Context) error {
			if err := tp.SetTopicPolicy(ctx, topic.ARN, orig); err != nil {
				return fmt.Errorf("restore the policy of topic %s: %w", topic.ARN, err)
			}
			return nil
		})
	}

	pat := fmt.Sprintf(`{"source":[%q],"detail":{"rootwatchSelfTest":[%q]}}`, TestSource, t.o.Nonce)
	if _, err := ev.PutRule(ctx, cloud.Rule{Name: name, Bus: bus, Pattern: pat, State: cloud.RuleEnabled,
		Description: "rootwatch test: temporary, removed when the test ends", Tags: tags}); err != nil {
		fail(Error, "create the temporary rule: %v", err)
		return
	}
	t.res.Temporary = append(t.res.Temporary, "EventBridge rule "+name+" on bus "+bus)
	c.add(func(ctx context.Context) error { return deleteRule(ctx, ev, bus, name) })
	tt := target
	tt.ID = chain.AlertTargetID
	tt.DeadLetterARN = q.ARN // a failed delivery lands in the test queue, with its error
	tt.MaxAttempts = 1
	tt.MaxAge = time.Minute
	if err := ev.PutTargets(ctx, bus, name, []cloud.Target{tt}); err != nil {
		fail(Error, "add the topic target to the temporary rule: %v", err)
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

// probes checks the EventBridge → SQS and SNS → SQS hops with a probe rule
// targeting the queue and a probe topic the queue subscribes to.
func (t *tester) probes(ctx context.Context, c *cleanups, ev cloud.Events, tp cloud.Topics, qs cloud.Queues, q cloud.Queue, bus, probeRule, probeTopic string, tags cloud.Tags) []Link {
	ebMark := "rootwatch-probe-eventbridge-" + t.o.Nonce
	snsMark := "rootwatch-probe-sns-" + t.o.Nonce
	eb := Link{Name: "EventBridge → SQS", Status: Fail}
	sn := Link{Name: "SNS → SQS", Status: Fail}

	pat := fmt.Sprintf(`{"source":[%q],"detail":{"rootwatchProbe":[%q]}}`, TestSource, ebMark)
	if _, err := ev.PutRule(ctx, cloud.Rule{Name: probeRule, Bus: bus, Pattern: pat, State: cloud.RuleEnabled, Description: "rootwatch test: temporary probe", Tags: tags}); err != nil {
		eb.Status, eb.Detail = Error, fmt.Sprintf("create the probe rule: %v", err)
	} else {
		t.res.Temporary = append(t.res.Temporary, "EventBridge rule "+probeRule+" on bus "+bus)
		c.add(func(ctx context.Context) error { return deleteRule(ctx, ev, bus, probeRule) })
		if err := ev.PutTargets(ctx, bus, probeRule, []cloud.Target{{ID: "rootwatch-test-queue", ARN: q.ARN}}); err != nil {
			eb.Status, eb.Detail = Error, fmt.Sprintf("target the probe rule at the queue: %v", err)
		} else if err := ev.PutEvents(ctx, bus, []cloud.Event{{Source: TestSource, DetailType: "rootwatch probe", Detail: fmt.Sprintf(`{"rootwatchProbe":%q}`, ebMark), Time: t.o.Now()}}); err != nil {
			eb.Status, eb.Detail = Error, fmt.Sprintf("put the probe event: %v", err)
		}
	}
	topicARN, err := tp.CreateTopic(ctx, probeTopic, tags)
	if err != nil {
		sn.Status, sn.Detail = Error, fmt.Sprintf("create the probe topic: %v", err)
	} else {
		t.res.Temporary = append(t.res.Temporary, "SNS topic "+topicARN)
		c.add(func(ctx context.Context) error { return tp.DeleteTopic(ctx, topicARN) })
		sub, err := tp.Subscribe(ctx, topicARN, "sqs", q.ARN, true)
		if err != nil {
			sn.Status, sn.Detail = Error, fmt.Sprintf("subscribe the queue to the probe topic: %v", err)
		} else {
			t.res.Temporary = append(t.res.Temporary, "SNS subscription "+sub)
			c.add(func(ctx context.Context) error { return tp.Unsubscribe(ctx, sub) })
			if err := tp.Publish(ctx, topicARN, "", snsMark); err != nil {
				sn.Status, sn.Detail = Error, fmt.Sprintf("publish to the probe topic: %v", err)
			}
		}
	}

	seenEB, seenSNS := eb.Status == Error, sn.Status == Error
	deadline := time.Now().Add(t.o.ProbeTimeout)
	for !(seenEB && seenSNS) && time.Now().Before(deadline) && ctx.Err() == nil {
		wait := min(time.Until(deadline), 5*time.Second).Truncate(time.Second)
		ms, err := qs.Receive(ctx, q.URL, 10, wait, 30*time.Second)
		if err != nil {
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
	if eb.Detail == "" {
		eb.Detail = fmt.Sprintf("a probe rule targeting an SQS queue delivered nothing within %s", t.o.ProbeTimeout)
	}
	if sn.Detail == "" {
		sn.Detail = fmt.Sprintf("a probe topic delivered nothing to its SQS subscription within %s", t.o.ProbeTimeout)
	}
	return []Link{eb, sn}
}
