package deploy

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Action is what a plan does to one resource.
type Action string

const (
	Create    Action = "create"
	Update    Action = "update"
	Unchanged Action = "unchanged"
	Delete    Action = "delete"
	Keep      Action = "keep" // destroy leaves it in place on purpose
)

// Resource kinds as the plan names them.
const (
	KindTrail      = "cloudtrail-trail"
	KindBucket     = "s3-bucket"
	KindRole       = "iam-role"
	KindRolePolicy = "iam-role-policy"
	// KindRoleAttachment is a managed policy attached to a role.
	KindRoleAttachment = "iam-role-policy-attachment"
	KindTopic          = "sns-topic"
	KindTopicPolicy    = "sns-topic-policy"
	KindSubscription   = "sns-subscription"
	KindKeyPolicy      = "kms-key-policy"
	KindBus            = "event-bus"
	KindQueue          = "sqs-queue"
	KindQueuePolicy    = "sqs-queue-policy"
	KindRule           = "event-rule"
	KindTarget         = "event-target"
)

// Change is one line of a plan.
type Change struct {
	Action   Action `json:"action"`
	Resource string `json:"resource"`
	Region   string `json:"region,omitempty"` // "" for IAM and S3
	Name     string `json:"name"`
	Detail   string `json:"detail,omitempty"`
	// Diff is a unified-style diff of the policy the change edits.
	Diff string `json:"diff,omitempty"`

	apply func(ctx context.Context) error
}

// Plan is what deploy or destroy will do, computed from the account's current
// state. Only Apply changes anything.
type Plan struct {
	Command    string   `json:"command"` // "deploy" or "destroy"
	Account    string   `json:"account"`
	HomeRegion string   `json:"homeRegion"`
	Regions    []string `json:"regions"`
	TopicARN   string   `json:"topicArn,omitempty"`
	Changes    []Change `json:"changes"`
	// Pending are the e-mail addresses whose subscription awaits confirmation
	// (after Apply: including the ones it just subscribed).
	Pending []string `json:"pendingSubscriptions,omitempty"`
	// Notes are things the user should know that are not changes.
	Notes []string `json:"notes,omitempty"`
	// Warnings are what the user must see before the plan is applied: what
	// it takes away (another topic, fewer regions) or adds without being
	// asked (subscriptions of recorded addresses); shown even when the
	// table is quiet.
	Warnings []string `json:"warnings,omitempty"`
	// Applied counts the changes Apply made.
	Applied int `json:"applied"`

	// OnApply, when set, is called before each change Apply makes (progress).
	OnApply func(Change) `json:"-"`

	subscribing []string
}

// Subscribing returns the e-mail addresses the plan subscribes (its create
// sns-subscription changes), in the plan's order.
func (p *Plan) Subscribing() []string {
	return slices.Clone(p.subscribing)
}

// Counts returns how many changes the plan makes and how many resources it
// leaves unchanged (or keeps).
func (p *Plan) Counts() (changes, unchanged int) {
	for _, c := range p.Changes {
		if c.Action == Unchanged || c.Action == Keep {
			unchanged++
		} else {
			changes++
		}
	}
	return changes, unchanged
}

// Apply makes the plan's changes in order. It stops at the first error, which
// says which change failed; running the command again picks up from there,
// since the next plan is computed from the state the failure left.
func (p *Plan) Apply(ctx context.Context) error {
	for _, c := range p.Changes {
		if c.apply == nil {
			continue
		}
		if p.OnApply != nil {
			p.OnApply(c)
		}
		if err := c.apply(ctx); err != nil {
			return &ApplyError{Change: c, Done: p.Applied, Err: err}
		}
		p.Applied++
	}
	for _, e := range p.subscribing {
		if !slices.Contains(p.Pending, e) {
			p.Pending = append(p.Pending, e)
		}
	}
	return nil
}

// ApplyError is a change that failed.
type ApplyError struct {
	Change Change
	Done   int // changes applied before it
	Err    error
}

func (e *ApplyError) Error() string {
	where := e.Change.Name
	if e.Change.Region != "" {
		where += " in " + e.Change.Region
	}
	return fmt.Sprintf("%s %s %s (after %d changes applied): %v", e.Change.Action, e.Change.Resource, where, e.Done, e.Err)
}

func (e *ApplyError) Unwrap() error { return e.Err }

// PreflightError says why deploy cannot go ahead; nothing was changed.
type PreflightError struct {
	Problem string
	Hint    string
}

func (e *PreflightError) Error() string { return e.Problem }

// Prepare reads the account's identity and enabled regions, computes the
// desired state, and plans the deploy. It makes no mutating call; invalid
// options are reported before anything is read beyond identity and regions.
func Prepare(ctx context.Context, acct cloud.Account, o chain.Options) (*Plan, chain.Spec, error) {
	id, err := acct.Identity(ctx)
	if err != nil {
		return nil, chain.Spec{}, err
	}
	enabled, err := acct.Regions(ctx)
	if err != nil {
		return nil, chain.Spec{}, err
	}
	spec, err := chain.Desired(id, enabled, o)
	if err != nil {
		return nil, chain.Spec{}, err
	}
	p, err := PlanDeploy(ctx, acct, spec, o)
	if err != nil {
		return nil, spec, err
	}
	return p, spec, nil
}

// PlanDeploy reads the account's current state and returns the plan that
// brings it to spec. It makes no mutating call. Problems that would make the
// deployed chain useless (no usable trail, a topic encrypted with a key
// EventBridge cannot use, a malformed topic policy) are returned as errors here,
// before anything changes.
func PlanDeploy(ctx context.Context, acct cloud.Account, spec chain.Spec, o chain.Options) (*Plan, error) {
	p := &Plan{Command: "deploy", Account: spec.Account, HomeRegion: spec.HomeRegion, Regions: spec.Regions, TopicARN: spec.Topic.ARN}
	add := func(c Change) { p.Changes = append(p.Changes, c) }
	if err := planPreflight(ctx, acct, spec, o, p, add); err != nil {
		return nil, err
	}
	// The repair first: it puts rootwatch's boundary back, and
	// iam:PutRolePolicy is allowed only under that boundary.
	if err := planRoleRepair(ctx, acct, spec, spec.Role, p, add); err != nil {
		return nil, err
	}
	if err := planRole(ctx, acct, spec, add); err != nil {
		return nil, err
	}
	// Topic and its key; its policy comes after the targets.
	topic, topicExists, err := planTopic(ctx, acct, spec, o, add)
	if err != nil {
		return nil, err
	}
	if err := planBus(ctx, acct, spec, o, add); err != nil {
		return nil, err
	}
	// The forwarders and the alert rules are read in parallel; the changes
	// keep the spec's order.
	var forwarders, alerts []Change
	var notes []string
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		forwarders, notes, err = planForwarders(gctx, acct, spec)
		return err
	})
	g.Go(func() (err error) {
		alerts, err = planAlertRules(gctx, acct, spec)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	p.Changes = append(p.Changes, forwarders...)
	p.Notes = append(p.Notes, notes...)
	p.Changes = append(p.Changes, alerts...)
	// Channels: their targets go on the alert rules, so they come after them.
	if err := planChannels(ctx, acct, spec, p, add); err != nil {
		return nil, err
	}
	// Topic policy: merged after the targets exist, so that a topic whose policy
	// names rootwatch always has rootwatch targets pointing at it (destroy finds
	// a topic it did not create through them).
	planTopicPolicy(acct, spec, topic, topicExists, add)
	// Alarms, once the topic they publish to is in place.
	if err := planAlarms(ctx, acct, spec, add); err != nil {
		return nil, err
	}
	// Subscriptions last: the confirmation mail arrives when everything is in place.
	if err := planSubscriptions(ctx, acct, spec, topicExists, p, add); err != nil {
		return nil, err
	}
	return p, nil
}
