package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// planTopic plans the topic and its KMS key; it returns the topic as it is now
// and whether it exists.
func planTopic(ctx context.Context, acct cloud.Account, spec chain.Spec, o chain.Options, add func(Change)) (cloud.Topic, bool, error) {
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
		return cloud.Topic{}, false, err
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
		return err
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
	want := chain.KeyStatement(t.ARN, spec.Account)
	if ok {
		// A statement of rootwatch's own that predates its scoping is
		// replaced when deploy may edit the key policy.
		doc, _ := policy.Read(k.Policy)
		_, own := doc.Sid(chain.KeyStatementSid)
		same, _ := policy.HasStatement(k.Policy, want)
		if !own || same {
			add(Change{Action: Unchanged, Resource: KindKeyPolicy, Region: spec.HomeRegion, Name: name, Detail: "grants events.amazonaws.com"})
			return nil
		}
		if !o.FixKMSPolicy {
			add(Change{Action: Unchanged, Resource: KindKeyPolicy, Region: spec.HomeRegion, Name: name,
				Detail: "statement " + chain.KeyStatementSid + " is not scoped to the topic; deploy --fix-kms-policy scopes it"})
			return nil
		}
	}
	merged, err := policy.WithStatement(k.Policy, want)
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
			merged, err := policy.WithStatement(k.Policy, want)
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

// planSubscriptions plans the e-mail subscriptions, and notes when nobody
// would receive the alerts.
func planSubscriptions(ctx context.Context, acct cloud.Account, spec chain.Spec, topicExists bool, p *Plan, add func(Change)) error {
	home := spec.HomeRegion
	topics := acct.Topics(home)
	subs := map[string]cloud.Subscription{}
	if topicExists {
		list, err := topics.Subscriptions(ctx, spec.Topic.ARN)
		if err != nil {
			return err
		}
		confirmed := 0
		for _, s := range list {
			email := s.Protocol == "email" || s.Protocol == "email-json"
			if email {
				// Matched ignoring case, as deploy takes --email and
				// status judges (a previous release recorded the
				// addresses lower-cased).
				subs[strings.ToLower(s.Endpoint)] = s
			}
			if !s.Pending {
				confirmed++
			} else if email {
				p.Pending = append(p.Pending, s.Endpoint)
			}
		}
		if confirmed == 0 && len(spec.Topic.Emails) == 0 && len(spec.Channels) == 0 {
			p.Notes = append(p.Notes, "the topic has no confirmed subscription: nobody receives the alerts; add one with --email")
		}
	} else if len(spec.Topic.Emails) == 0 && len(spec.Channels) == 0 {
		p.Notes = append(p.Notes, "no --email given: nobody will receive the alerts until the topic has a confirmed subscription")
	}
	for _, e := range spec.Topic.Emails {
		if s, ok := subs[strings.ToLower(e)]; ok {
			if s.FilterPolicy != "" {
				add(removeFilterPolicy(topics, home, e, s))
				continue
			}
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
	return nil
}

// removeFilterPolicy is the change that removes the filter policy someone put
// on the subscription of an address deploy subscribes (issue 9 case 3):
// rootwatch's messages carry no message attributes, so a filter policy can
// keep every alert from that address while the subscription looks confirmed.
func removeFilterPolicy(topics cloud.Topics, region, email string, s cloud.Subscription) Change {
	return Change{Action: Update, Resource: KindSubscription, Region: region, Name: email,
		Detail: "remove the filter policy from subscription " + s.ARN + " (someone added one: it can drop every alert)",
		Diff:   policy.Diff(s.FilterPolicy, ""),
		apply:  func(ctx context.Context) error { return topics.RemoveFilterPolicy(ctx, s.ARN) }}
}
