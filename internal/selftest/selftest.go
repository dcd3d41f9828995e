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
//   - Links: status's checks of the home region's chain (internal/status),
//     verdict for verdict, so that `rootwatch status` and `rootwatch test`
//     never disagree about a link.
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
	"fmt"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
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
	// subscribers, and sends a test alert through every channel (channels.go).
	Notify bool
	// NotifyWait is how long to watch the channels' dead-letter queues
	// (default: Timeout, at most DefaultNotifyWait).
	NotifyWait time.Duration
	// Emulated says the endpoint is an emulator, not AWS: a chain that
	// delivers nothing while each hop it serves works is then reported as
	// not verifiable rather than failed.
	Emulated bool
	// Nonce names the temporary resources (default: random).
	Nonce string
	Now   func() time.Time
	// Progress, when set, receives one line per step.
	Progress func(string)
	// TrailAccount, in organization mode, is the management account: the
	// trail link is its organization trail (status.OrgTrail), not a trail
	// of the tested account.
	TrailAccount cloud.Account
}

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
	if o.Notify {
		if err := t.notifyChannels(ctx); err != nil {
			return t.res, err
		}
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
