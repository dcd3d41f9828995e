package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
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
	KindTrail        = "cloudtrail-trail"
	KindBucket       = "s3-bucket"
	KindRole         = "iam-role"
	KindRolePolicy   = "iam-role-policy"
	KindTopic        = "sns-topic"
	KindTopicPolicy  = "sns-topic-policy"
	KindSubscription = "sns-subscription"
	KindKeyPolicy    = "kms-key-policy"
	KindBus          = "event-bus"
	KindQueue        = "sqs-queue"
	KindQueuePolicy  = "sqs-queue-policy"
	KindRule         = "event-rule"
	KindTarget       = "event-target"
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
	// Applied counts the changes Apply made.
	Applied int `json:"applied"`

	// OnApply, when set, is called before each change Apply makes (progress).
	OnApply func(Change) `json:"-"`

	subscribing []string
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
		return nil, chain.Spec{}, fmt.Errorf("get caller identity: %w", err)
	}
	enabled, err := acct.Regions(ctx)
	if err != nil {
		return nil, chain.Spec{}, fmt.Errorf("list enabled regions: %w", err)
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
	home := spec.HomeRegion
	add := func(c Change) { p.Changes = append(p.Changes, c) }

	// CloudTrail pre-flight.
	trails, err := acct.Trails(home).Trails(ctx)
	if err != nil {
		return nil, fmt.Errorf("list trails in %s: %w", home, err)
	}
	good, problems := chain.FitTrail(trails)
	switch {
	case good != nil:
		p.Notes = append(p.Notes, fmt.Sprintf("CloudTrail: trail %s logs management events of every region", good.Name))
	case !o.CreateTrail:
		return nil, &PreflightError{
			Problem: "CloudTrail pre-flight failed: no trail records root activity for EventBridge: " + strings.Join(problems, "; "),
			Hint: fmt.Sprintf("fix the trail (it must be logging, multi-region, include global service events, and record management events: All or WriteOnly), "+
				"or run deploy again with --create-trail to create the multi-region trail %q logging to the new S3 bucket %s", spec.Trail.Name, spec.Trail.Bucket),
		}
	default:
		if err := planTrail(ctx, acct, spec, trails, add); err != nil {
			return nil, err
		}
	}

	// IAM role for the forwarding rules.
	if err := planRole(ctx, acct, spec, add); err != nil {
		return nil, err
	}

	// Topic, its key, its subscriptions (the policy comes after the targets).
	tp, topicExists, err := planTopic(ctx, acct, spec, o, p, add)
	if err != nil {
		return nil, err
	}

	// Home bus.
	ev := acct.Events(home)
	if _, err := ev.Bus(ctx, spec.Bus.Name); errors.Is(err, cloud.ErrNotFound) {
		add(Change{Action: Create, Resource: KindBus, Region: home, Name: spec.Bus.Name,
			apply: func(ctx context.Context) error {
				_, err := ev.CreateBus(ctx, spec.Bus.Name, spec.Tags)
				return err
			}})
	} else if err != nil {
		return nil, fmt.Errorf("describe event bus %s in %s: %w", spec.Bus.Name, home, err)
	} else {
		add(Change{Action: Unchanged, Resource: KindBus, Region: home, Name: spec.Bus.Name})
	}

	// Per region reads run in parallel; the changes keep the spec's order.
	perRegion := make([][]Change, len(spec.Forwarders))
	otherHomes := make([]string, len(spec.Forwarders))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, rs := range spec.Forwarders {
		g.Go(func() error {
			var cs []Change
			addR := func(c Change) { cs = append(cs, c) }
			if err := planQueue(gctx, acct, rs.DLQ, spec.Tags, addR); err != nil {
				return err
			}
			if err := planRule(gctx, acct, rs.Rule, spec.Tags, addR); err != nil {
				return err
			}
			perRegion[i] = cs
			if rs.Region == home {
				return nil
			}
			// A rootwatch bus elsewhere is an earlier deploy with another home
			// region: its alert chain still runs (duplicate alerts).
			if _, err := acct.Events(rs.Region).Bus(gctx, spec.Bus.Name); err == nil {
				otherHomes[i] = rs.Region
			} else if !errors.Is(err, cloud.ErrNotFound) {
				return fmt.Errorf("describe event bus %s in %s: %w", spec.Bus.Name, rs.Region, err)
			}
			return nil
		})
	}
	// Alert rules, including ones an older rule pack deployed.
	var alertChanges []Change
	g.Go(func() error {
		var cs []Change
		addA := func(c Change) { cs = append(cs, c) }
		for _, r := range spec.AlertRules {
			if err := planRule(gctx, acct, r, spec.Tags, addA); err != nil {
				return err
			}
		}
		existing, err := ev.Rules(gctx, spec.Bus.Name, chain.AlertRulePrefix)
		if err != nil && !errors.Is(err, cloud.ErrNotFound) {
			return fmt.Errorf("list rules on bus %s in %s: %w", spec.Bus.Name, home, err)
		}
		for _, r := range existing {
			if slices.ContainsFunc(spec.AlertRules, func(w chain.RuleSpec) bool { return w.Name == r.Name }) {
				continue
			}
			rcs, err := planRuleRemoval(gctx, acct, home, spec.Bus.Name, r.Name, "not in the rule pack any more")
			if err != nil {
				return err
			}
			cs = append(cs, rcs...)
		}
		alertChanges = cs
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, cs := range perRegion {
		p.Changes = append(p.Changes, cs...)
	}
	for _, r := range otherHomes {
		if r != "" {
			p.Notes = append(p.Notes, fmt.Sprintf("a rootwatch bus also exists in %s, from a deploy with --home-region %s: its alert rules still run; 'rootwatch destroy' removes every rootwatch resource in every region", r, r))
		}
	}
	p.Changes = append(p.Changes, alertChanges...)

	// Topic policy: merged after the targets exist, so that a topic whose policy
	// names rootwatch always has rootwatch targets pointing at it (destroy finds
	// a topic it did not create through them).
	planTopicPolicy(acct, spec, tp, topicExists, add)

	// Subscriptions last: the confirmation mail arrives when everything is in place.
	subs := map[string]cloud.Subscription{}
	if topicExists {
		list, err := acct.Topics(home).Subscriptions(ctx, spec.Topic.ARN)
		if err != nil {
			return nil, fmt.Errorf("list subscriptions of %s: %w", spec.Topic.ARN, err)
		}
		confirmed := 0
		for _, s := range list {
			if s.Protocol == "email" || s.Protocol == "email-json" {
				subs[s.Endpoint] = s
			}
			if !s.Pending {
				confirmed++
			}
		}
		for _, s := range list {
			if s.Pending && (s.Protocol == "email" || s.Protocol == "email-json") {
				p.Pending = append(p.Pending, s.Endpoint)
			}
		}
		if confirmed == 0 && len(spec.Topic.Emails) == 0 {
			p.Notes = append(p.Notes, "the topic has no confirmed subscription: nobody receives the alerts; add one with --email")
		}
	} else if len(spec.Topic.Emails) == 0 {
		p.Notes = append(p.Notes, "no --email given: nobody will receive the alerts until the topic has a confirmed subscription")
	}
	topics := acct.Topics(home)
	for _, e := range spec.Topic.Emails {
		if s, ok := subs[e]; ok {
			detail := "confirmed"
			if s.Pending {
				detail = "pending confirmation"
			}
			add(Change{Action: Unchanged, Resource: KindSubscription, Region: home, Name: e, Detail: detail})
			continue
		}
		p.subscribing = append(p.subscribing, e)
		add(Change{Action: Create, Resource: KindSubscription, Region: home, Name: e, Detail: "e-mail; must be confirmed",
			apply: func(ctx context.Context) error {
				_, err := topics.Subscribe(ctx, spec.Topic.ARN, "email", e, false)
				return err
			}})
	}
	return p, nil
}

func planTrail(ctx context.Context, acct cloud.Account, spec chain.Spec, trails []cloud.Trail, add func(Change)) error {
	for _, t := range trails {
		if t.Name == spec.Trail.Name {
			return &PreflightError{
				Problem: fmt.Sprintf("trail %s exists but cannot be used (see above) and --create-trail will not replace it", t.Name),
				Hint:    fmt.Sprintf("fix trail %s, or delete it and run deploy --create-trail again", t.Name),
			}
		}
	}
	b := acct.Buckets()
	if _, err := b.BucketPolicy(ctx, spec.Trail.Bucket); errors.Is(err, cloud.ErrNotFound) {
		add(Change{Action: Create, Resource: KindBucket, Name: spec.Trail.Bucket, Detail: "CloudTrail log bucket with the CloudTrail bucket policy",
			Diff: policy.Diff("", spec.Trail.BucketPolicy),
			apply: func(ctx context.Context) error {
				return b.CreateBucket(ctx, spec.Trail.Bucket, spec.HomeRegion, spec.Trail.BucketPolicy, spec.Tags)
			}})
	} else if err != nil {
		return fmt.Errorf("get bucket policy of %s: %w", spec.Trail.Bucket, err)
	} else {
		add(Change{Action: Unchanged, Resource: KindBucket, Name: spec.Trail.Bucket})
	}
	tr := acct.Trails(spec.HomeRegion)
	add(Change{Action: Create, Resource: KindTrail, Region: spec.HomeRegion, Name: spec.Trail.Name,
		Detail: "multi-region, global service events, all management events; starts logging",
		apply: func(ctx context.Context) error {
			_, err := tr.CreateTrail(ctx, cloud.TrailSpec{Name: spec.Trail.Name, Bucket: spec.Trail.Bucket, Tags: spec.Tags})
			return err
		}})
	return nil
}

func planRole(ctx context.Context, acct cloud.Account, spec chain.Spec, add func(Change)) error {
	roles := acct.Roles()
	r, err := roles.Role(ctx, spec.Role.Name)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		add(Change{Action: Create, Resource: KindRole, Name: spec.Role.Name, Detail: "trusted by events.amazonaws.com for the rootwatch-forward rules",
			apply: func(ctx context.Context) error {
				_, err := roles.CreateRole(ctx, cloud.Role{Name: spec.Role.Name, Trust: spec.Role.Trust, Description: spec.Role.Description, Tags: spec.Tags})
				return err
			}})
	case err != nil:
		return fmt.Errorf("get role %s: %w", spec.Role.Name, err)
	case !policy.Same(r.Trust, spec.Role.Trust):
		add(Change{Action: Update, Resource: KindRole, Name: spec.Role.Name, Detail: "trust policy", Diff: policy.Diff(r.Trust, spec.Role.Trust),
			apply: func(ctx context.Context) error { return roles.UpdateTrust(ctx, spec.Role.Name, spec.Role.Trust) }})
	default:
		add(Change{Action: Unchanged, Resource: KindRole, Name: spec.Role.Name})
	}
	cur := ""
	if err == nil {
		cur, err = roles.RolePolicy(ctx, spec.Role.Name, spec.Role.PolicyName)
		if err != nil && !errors.Is(err, cloud.ErrNotFound) {
			return fmt.Errorf("get policy %s of role %s: %w", spec.Role.PolicyName, spec.Role.Name, err)
		}
	}
	putPolicy := func(ctx context.Context) error {
		return roles.PutRolePolicy(ctx, spec.Role.Name, spec.Role.PolicyName, spec.Role.Policy)
	}
	switch {
	case cur == "":
		add(Change{Action: Create, Resource: KindRolePolicy, Name: spec.Role.Name + "/" + spec.Role.PolicyName, Detail: "events:PutEvents on " + spec.Bus.ARN,
			Diff: policy.Diff("", spec.Role.Policy), apply: putPolicy})
	case !policy.Same(cur, spec.Role.Policy):
		add(Change{Action: Update, Resource: KindRolePolicy, Name: spec.Role.Name + "/" + spec.Role.PolicyName, Diff: policy.Diff(cur, spec.Role.Policy), apply: putPolicy})
	default:
		add(Change{Action: Unchanged, Resource: KindRolePolicy, Name: spec.Role.Name + "/" + spec.Role.PolicyName})
	}
	return nil
}

// planTopic plans the topic and its KMS key; it returns the topic as it is now
// and whether it exists.
func planTopic(ctx context.Context, acct cloud.Account, spec chain.Spec, o chain.Options, p *Plan, add func(Change)) (cloud.Topic, bool, error) {
	home := spec.HomeRegion
	topics := acct.Topics(home)
	t, err := topics.Topic(ctx, spec.Topic.ARN)
	switch {
	case errors.Is(err, cloud.ErrNotFound) && spec.Topic.Managed:
		add(Change{Action: Create, Resource: KindTopic, Region: home, Name: spec.Topic.Name,
			apply: func(ctx context.Context) error {
				_, err := topics.CreateTopic(ctx, spec.Topic.Name, spec.Tags)
				return err
			}})
		return cloud.Topic{}, false, nil
	case errors.Is(err, cloud.ErrNotFound):
		return cloud.Topic{}, false, chain.InputErrorf("--topic-arn %s: the topic does not exist (%v)", spec.Topic.ARN, err)
	case err != nil:
		return cloud.Topic{}, false, fmt.Errorf("get topic %s: %w", spec.Topic.ARN, err)
	}
	if err := policy.Validate(t.Policy); err != nil {
		return t, true, fmt.Errorf("topic %s has a policy rootwatch cannot edit safely, so it changes nothing: %w", spec.Topic.ARN, err)
	}
	detail := ""
	if spec.Topic.Managed && t.Tags[cloud.ManagedTag] != cloud.ManagedValue {
		detail = "exists but was not created by rootwatch: destroy will leave it"
	}
	add(Change{Action: Unchanged, Resource: KindTopic, Region: home, Name: spec.Topic.Name, Detail: detail})
	if t.KMSKeyID == "" {
		return t, true, nil
	}
	return t, true, planKey(ctx, acct, spec, o, t, add)
}

func planKey(ctx context.Context, acct cloud.Account, spec chain.Spec, o chain.Options, t cloud.Topic, add func(Change)) error {
	fix := "use a customer managed KMS key whose key policy allows events.amazonaws.com kms:GenerateDataKey* and kms:Decrypt (rootwatch can add that statement with --fix-kms-policy), or turn encryption off for the topic"
	if t.KMSKeyID == "alias/aws/sns" {
		return &PreflightError{Problem: fmt.Sprintf("topic %s is encrypted with the AWS managed key alias/aws/sns, whose policy does not let EventBridge publish to it: alerts would never arrive", t.ARN), Hint: fix}
	}
	keys := acct.Keys(spec.HomeRegion)
	k, err := keys.Key(ctx, t.KMSKeyID)
	if err != nil {
		return fmt.Errorf("describe KMS key %s of topic %s: %w", t.KMSKeyID, t.ARN, err)
	}
	if k.AWSManaged {
		return &PreflightError{Problem: fmt.Sprintf("topic %s is encrypted with the AWS managed key %s, whose policy does not let EventBridge publish to it: alerts would never arrive", t.ARN, t.KMSKeyID), Hint: fix}
	}
	lacking, err := chain.KeyGrantsLacking(k.Policy)
	ok := len(lacking) == 0
	if err != nil {
		return fmt.Errorf("key policy of %s: %w", k.ARN, err)
	}
	name := k.ARN
	if name == "" {
		name = t.KMSKeyID
	}
	if ok {
		add(Change{Action: Unchanged, Resource: KindKeyPolicy, Region: spec.HomeRegion, Name: name, Detail: "grants events.amazonaws.com"})
		return nil
	}
	merged, err := policy.WithStatement(k.Policy, chain.KeyStatement())
	if err != nil {
		return fmt.Errorf("key policy of %s: %w", name, err)
	}
	if !o.FixKMSPolicy {
		return &PreflightError{
			Problem: fmt.Sprintf("the key policy of %s (which encrypts topic %s) does not let events.amazonaws.com use the key: alerts would never arrive. The statement to add:\n%s", name, t.ARN, policy.Diff(k.Policy, merged)),
			Hint:    "run deploy again with --fix-kms-policy to add that statement (Sid " + chain.KeyStatementSid + "), or add it yourself",
		}
	}
	keyID := k.ID
	if keyID == "" {
		keyID = t.KMSKeyID
	}
	add(Change{Action: Update, Resource: KindKeyPolicy, Region: spec.HomeRegion, Name: name, Detail: "add statement " + chain.KeyStatementSid,
		Diff: policy.Diff(k.Policy, merged),
		apply: func(ctx context.Context) error {
			k, err := keys.Key(ctx, keyID)
			if err != nil {
				return err
			}
			merged, err := policy.WithStatement(k.Policy, chain.KeyStatement())
			if err != nil {
				return err
			}
			return keys.PutKeyPolicy(ctx, keyID, merged)
		}})
	return nil
}

func planTopicPolicy(acct cloud.Account, spec chain.Spec, t cloud.Topic, exists bool, add func(Change)) {
	topics := acct.Topics(spec.HomeRegion)
	before := t.Policy
	if !exists {
		before = ""
	}
	after, err := policy.WithStatement(before, spec.Topic.Statement)
	if err != nil {
		panic(err) // the policy was parsed by planTopic
	}
	if exists {
		if ok, _ := policy.HasStatement(t.Policy, spec.Topic.Statement); ok {
			add(Change{Action: Unchanged, Resource: KindTopicPolicy, Region: spec.HomeRegion, Name: spec.Topic.Name, Detail: "statement " + chain.TopicStatementSid})
			return
		}
	}
	action, detail := Update, "add statement "+chain.TopicStatementSid
	if _, found, _ := policy.WithoutStatement(before, chain.TopicStatementSid); found {
		detail = "replace statement " + chain.TopicStatementSid
	}
	if !exists {
		detail += " to the new topic's default policy"
	}
	add(Change{Action: action, Resource: KindTopicPolicy, Region: spec.HomeRegion, Name: spec.Topic.Name, Detail: detail,
		Diff: policy.Diff(before, after),
		apply: func(ctx context.Context) error {
			// Read again: merge into the policy as it is now, never replace it.
			t, err := topics.Topic(ctx, spec.Topic.ARN)
			if err != nil {
				return err
			}
			merged, err := policy.WithStatement(t.Policy, spec.Topic.Statement)
			if err != nil {
				return err
			}
			if policy.Same(merged, t.Policy) {
				return nil
			}
			return topics.SetTopicPolicy(ctx, spec.Topic.ARN, merged)
		}})
}

func planQueue(ctx context.Context, acct cloud.Account, q chain.QueueSpec, tags cloud.Tags, add func(Change)) error {
	queues := acct.Queues(q.Region)
	cur, err := queues.Queue(ctx, q.Name)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		add(Change{Action: Create, Resource: KindQueue, Region: q.Region, Name: q.Name, Detail: "dead-letter queue; policy lets this region's rootwatch rules send",
			apply: func(ctx context.Context) error {
				_, err := queues.CreateQueue(ctx, q.Name, q.Policy, tags)
				return err
			}})
	case err != nil:
		return fmt.Errorf("get queue %s in %s: %w", q.Name, q.Region, err)
	case !policy.Same(cur.Policy, q.Policy):
		add(Change{Action: Unchanged, Resource: KindQueue, Region: q.Region, Name: q.Name})
		add(Change{Action: Update, Resource: KindQueuePolicy, Region: q.Region, Name: q.Name, Diff: policy.Diff(cur.Policy, q.Policy),
			apply: func(ctx context.Context) error { return queues.SetQueuePolicy(ctx, cur.URL, q.Policy) }})
	default:
		add(Change{Action: Unchanged, Resource: KindQueue, Region: q.Region, Name: q.Name})
	}
	return nil
}

func planRule(ctx context.Context, acct cloud.Account, r chain.RuleSpec, tags cloud.Tags, add func(Change)) error {
	ev := acct.Events(r.Region)
	want := cloud.Rule{Name: r.Name, Bus: r.Bus, Pattern: r.Pattern, State: r.State, Description: r.Description, Tags: tags}
	putRule := func(ctx context.Context) error {
		_, err := ev.PutRule(ctx, want)
		return err
	}
	putTarget := func(ctx context.Context) error { return ev.PutTargets(ctx, r.Bus, r.Name, []cloud.Target{r.Target}) }
	name := r.Name
	if r.Bus != cloud.DefaultBus {
		name = r.Bus + "/" + r.Name
	}
	cur, err := ev.Rule(ctx, r.Bus, r.Name)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		add(Change{Action: Create, Resource: KindRule, Region: r.Region, Name: name, Detail: string(r.State), apply: putRule})
		add(Change{Action: Create, Resource: KindTarget, Region: r.Region, Name: name + " -> " + r.Target.ID, Detail: targetDetail(r.Target), apply: putTarget})
		return nil
	case err != nil:
		return fmt.Errorf("describe rule %s in %s: %w", name, r.Region, err)
	}
	var diffs []string
	if cur.Pattern != r.Pattern {
		diffs = append(diffs, "pattern")
	}
	if cur.State != r.State {
		diffs = append(diffs, fmt.Sprintf("state %s -> %s", cur.State, r.State))
	}
	if cur.Description != r.Description {
		diffs = append(diffs, "description")
	}
	if len(diffs) > 0 {
		c := Change{Action: Update, Resource: KindRule, Region: r.Region, Name: name, Detail: strings.Join(diffs, ", "), apply: putRule}
		if cur.Pattern != r.Pattern {
			c.Diff = policy.Diff(cur.Pattern, r.Pattern)
		}
		add(c)
	} else {
		add(Change{Action: Unchanged, Resource: KindRule, Region: r.Region, Name: name, Detail: string(r.State)})
	}
	targets, err := ev.Targets(ctx, r.Bus, r.Name)
	if err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return fmt.Errorf("list targets of rule %s in %s: %w", name, r.Region, err)
	}
	var got *cloud.Target
	var others []string
	for i := range targets {
		if targets[i].ID == r.Target.ID {
			got = &targets[i]
		} else {
			others = append(others, targets[i].ID)
		}
	}
	tname := name + " -> " + r.Target.ID
	switch {
	case got == nil:
		add(Change{Action: Create, Resource: KindTarget, Region: r.Region, Name: tname, Detail: targetDetail(r.Target), apply: putTarget})
	case !chain.SameTarget(*got, r.Target):
		add(Change{Action: Update, Resource: KindTarget, Region: r.Region, Name: tname, Detail: strings.Join(chain.TargetDiffs(*got, r.Target), ", "), apply: putTarget})
	default:
		add(Change{Action: Unchanged, Resource: KindTarget, Region: r.Region, Name: tname})
	}
	if len(others) > 0 {
		// Someone added targets to a rootwatch rule; leave them, but say so.
		add(Change{Action: Keep, Resource: KindTarget, Region: r.Region, Name: name + " -> " + strings.Join(others, ","), Detail: "not rootwatch's; left alone"})
	}
	return nil
}

// planRuleRemoval plans removing a rule's targets and the rule.
func planRuleRemoval(ctx context.Context, acct cloud.Account, region, bus, rule, why string) ([]Change, error) {
	ev := acct.Events(region)
	name := rule
	if bus != cloud.DefaultBus {
		name = bus + "/" + rule
	}
	targets, err := ev.Targets(ctx, bus, rule)
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list targets of rule %s in %s: %w", name, region, err)
	}
	var cs []Change
	if len(targets) > 0 {
		var ids []string
		for _, t := range targets {
			ids = append(ids, t.ID)
		}
		cs = append(cs, Change{Action: Delete, Resource: KindTarget, Region: region, Name: name + " -> " + strings.Join(ids, ","), Detail: why,
			apply: func(ctx context.Context) error { return ignoreNotFound(ev.RemoveTargets(ctx, bus, rule, ids)) }})
	}
	cs = append(cs, Change{Action: Delete, Resource: KindRule, Region: region, Name: name, Detail: why,
		apply: func(ctx context.Context) error { return ignoreNotFound(ev.DeleteRule(ctx, bus, rule)) }})
	return cs, nil
}

func targetDetail(t cloud.Target) string {
	s := t.ARN
	if t.Input != nil {
		s += ", input transformer"
	}
	return s + ", dead-letter queue, retry policy"
}

func ignoreNotFound(err error) error {
	if errors.Is(err, cloud.ErrNotFound) {
		return nil
	}
	return err
}
