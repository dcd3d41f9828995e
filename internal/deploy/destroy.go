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

// DestroyOptions are the user's choices for destroy.
type DestroyOptions struct {
	// TopicARNs are topics rootwatch did not create from which to remove its
	// statement, in addition to the ones the alert rules' targets name.
	TopicARNs []string
	// DeleteTrail also deletes the trail --create-trail created, and its bucket
	// when the bucket holds no logs. Without it both are kept: removing the alert
	// should not silently remove the account's audit log.
	DeleteTrail bool
}

// PlanDestroy finds everything rootwatch deployed, by its deterministic names in
// every enabled region (and its rootwatch:managed tag), and plans removing it.
// It needs no state file, and works after a partial deploy. It makes no
// mutating call.
func PlanDestroy(ctx context.Context, acct cloud.Account, o DestroyOptions) (*Plan, error) {
	id, err := acct.Identity(ctx)
	if err != nil {
		return nil, err
	}
	regions, err := acct.Regions(ctx)
	if err != nil {
		return nil, err
	}
	p := &Plan{Command: "destroy", Account: id.Account, Regions: regions}
	part := id.Partition
	if part == "" {
		part = "aws"
	}

	type regional struct {
		forward      []Change
		bus          []Change
		topic        []Change
		queue        []Change
		trail        []Change
		channels     []Change
		topicARNs    []string
		deletedTopic string // the topic rootwatch created, deleted whole
		notes        []string
		home         bool
	}
	found := make([]regional, len(regions))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	regionDone := regionCounter(ctx, len(regions))
	for i, r := range regions {
		g.Go(func() error {
			defer regionDone(r)
			out := &found[i]
			ev := acct.Events(r)
			// Forwarding rule.
			if _, err := ev.Rule(gctx, cloud.DefaultBus, chain.ForwardRuleName); err == nil {
				cs, err := planRuleRemoval(gctx, acct, r, cloud.DefaultBus, chain.ForwardRuleName, "")
				if err != nil {
					return err
				}
				out.forward = cs
			} else if !errors.Is(err, cloud.ErrNotFound) {
				return err
			}
			// Heartbeat rule and alarms.
			if _, err := ev.Rule(gctx, cloud.DefaultBus, chain.HeartbeatRuleName); err == nil {
				cs, err := planRuleRemoval(gctx, acct, r, cloud.DefaultBus, chain.HeartbeatRuleName, "")
				if err != nil {
					return err
				}
				out.forward = append(out.forward, cs...)
			} else if !errors.Is(err, cloud.ErrNotFound) {
				return fmt.Errorf("describe rule %s in %s: %w", chain.HeartbeatRuleName, r, err)
			}
			alarms, err := acct.Alarms(r).Alarms(gctx, chain.AlarmPrefix)
			if err != nil {
				return fmt.Errorf("describe alarms in %s: %w", r, err)
			}
			for _, al := range alarms {
				if !managed(al.Tags) {
					continue
				}
				cw := acct.Alarms(r)
				out.forward = append(out.forward, Change{Action: Delete, Resource: KindAlarm, Region: r, Name: al.Name,
					apply: func(ctx context.Context) error { return cw.DeleteAlarms(ctx, []string{al.Name}) }})
			}
			// Home bus with its rules; the alert targets name the topic.
			bus, err := ev.Bus(gctx, chain.BusName)
			switch {
			case errors.Is(err, cloud.ErrNotFound):
			case err != nil:
				return err
			default:
				out.home = true
				// The topic deploy recorded, even when no rule targets it
				// any more (someone re-pointed them).
				if set, ok := chain.ReadSettings(bus.Tags); ok && set.TopicARN != "" {
					out.topicARNs = append(out.topicARNs, set.TopicARN)
				}
				rules, err := ev.Rules(gctx, chain.BusName, "rootwatch-")
				if err != nil && !errors.Is(err, cloud.ErrNotFound) {
					return err
				}
				for _, rule := range rules {
					targets, err := ev.Targets(gctx, chain.BusName, rule.Name)
					if err != nil && !errors.Is(err, cloud.ErrNotFound) {
						return err
					}
					for _, t := range targets {
						if a, err := chain.ParseARN(t.ARN); err == nil && a.Service == "sns" && !slices.Contains(out.topicARNs, t.ARN) {
							out.topicARNs = append(out.topicARNs, t.ARN)
						}
					}
					cs, err := planRuleRemoval(gctx, acct, r, chain.BusName, rule.Name, "")
					if err != nil {
						return err
					}
					out.bus = append(out.bus, cs...)
				}
				if managed(bus.Tags) {
					out.bus = append(out.bus, Change{Action: Delete, Resource: KindBus, Region: r, Name: chain.BusName,
						apply: func(ctx context.Context) error { return ignoreNotFound(ev.DeleteBus(ctx, chain.BusName)) }})
				} else {
					out.bus = append(out.bus, Change{Action: Keep, Resource: KindBus, Region: r, Name: chain.BusName, Detail: "not tagged " + cloud.ManagedTag + "=true"})
				}
			}
			// The topic rootwatch creates.
			topics := acct.Topics(r)
			topicARN := chain.TopicARN(part, r, id.Account)
			t, err := topics.Topic(gctx, topicARN)
			switch {
			case errors.Is(err, cloud.ErrNotFound):
			case err != nil:
				return err
			case managed(t.Tags):
				out.deletedTopic = topicARN
				out.topic = append(out.topic, Change{Action: Delete, Resource: KindTopic, Region: r, Name: chain.TopicName, Detail: "with its subscriptions",
					apply: func(ctx context.Context) error { return ignoreNotFound(topics.DeleteTopic(ctx, topicARN)) }})
			default:
				if !slices.Contains(out.topicARNs, topicARN) {
					out.topicARNs = append(out.topicARNs, topicARN)
				}
			}
			// Dead-letter queue.
			queues := acct.Queues(r)
			q, err := queues.Queue(gctx, chain.DLQName)
			switch {
			case errors.Is(err, cloud.ErrNotFound):
			case err != nil:
				return err
			case managed(q.Tags):
				detail := ""
				if q.Messages > 0 {
					detail = fmt.Sprintf("holds %d undelivered alert(s); they are deleted with it", q.Messages)
				}
				out.queue = append(out.queue, Change{Action: Delete, Resource: KindQueue, Region: r, Name: chain.DLQName, Detail: detail,
					apply: func(ctx context.Context) error { return ignoreNotFound(queues.DeleteQueue(ctx, q.URL)) }})
			default:
				out.queue = append(out.queue, Change{Action: Keep, Resource: KindQueue, Region: r, Name: chain.DLQName, Detail: "not tagged " + cloud.ManagedTag + "=true"})
			}
			// Channels' API destinations and connections (their targets go
			// with the alert rules).
			if out.channels, err = planChannelRemoval(gctx, acct, r, nil); err != nil {
				return err
			}
			// The trail and bucket of --create-trail, if this was their home.
			cs, notes, err := planTrailRemoval(gctx, acct, id.Account, r, o.DeleteTrail)
			if err != nil {
				return err
			}
			out.trail, out.notes = cs, notes
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	// Topics rootwatch did not create: remove only its statement.
	topicARNs := slices.Clone(o.TopicARNs)
	for _, f := range found {
		for _, a := range f.topicARNs {
			if !slices.Contains(topicARNs, a) {
				topicARNs = append(topicARNs, a)
			}
		}
		if f.home && p.HomeRegion == "" {
			p.HomeRegion = regions[slices.IndexFunc(found, func(x regional) bool { return x.home })]
		}
	}
	// A topic rootwatch created is deleted whole: editing its policy first
	// would make the plan contradict itself.
	topicARNs = slices.DeleteFunc(topicARNs, func(a string) bool {
		return slices.ContainsFunc(found, func(f regional) bool { return f.deletedTopic == a })
	})
	slices.Sort(topicARNs)
	var statementChanges []Change
	for _, ta := range topicARNs {
		cs, err := planStatementRemoval(ctx, acct, ta)
		if err != nil {
			return nil, err
		}
		statementChanges = append(statementChanges, cs...)
	}

	// Order: statements first (so that a failure later still leaves foreign
	// policies clean), then rules and targets, buses, topics, queues, the
	// roles, and the trail; but a role the least-privilege destroy policy
	// cannot empty (planRoleRemoval's blocked) is emptied before everything.
	p.Changes = append(p.Changes, statementChanges...)
	for _, f := range found {
		p.Changes = append(p.Changes, f.forward...)
	}
	for _, f := range found {
		p.Changes = append(p.Changes, f.bus...)
	}
	for _, f := range found {
		p.Changes = append(p.Changes, f.topic...)
	}
	for _, f := range found {
		p.Changes = append(p.Changes, f.queue...)
	}
	for _, f := range found {
		p.Changes = append(p.Changes, f.channels...)
	}
	boundaryARN := chain.BoundaryARN(part, id.Account)
	for _, role := range [][2]string{{chain.ForwarderRoleName, chain.ForwarderPolicyName}, {chain.ChannelRoleName, chain.ChannelPolicyName}} {
		rm, err := planRoleRemoval(ctx, acct, role[0], role[1], boundaryARN)
		if err != nil {
			return nil, err
		}
		if rm.blocked != "" {
			// Emptied first: without an administrator's rights destroy
			// stops at its first change, with nothing changed.
			p.Changes = append(rm.empty, p.Changes...)
			p.Warnings = append(p.Warnings, rm.blocked)
		} else {
			p.Changes = append(p.Changes, rm.empty...)
		}
		p.Changes = append(p.Changes, rm.remove...)
	}
	for _, f := range found {
		p.Changes = append(p.Changes, f.trail...)
		p.Notes = append(p.Notes, f.notes...)
	}
	return p, nil
}

func managed(t cloud.Tags) bool { return t[cloud.ManagedTag] == cloud.ManagedValue }

// planStatementRemoval removes rootwatch's statement from a topic rootwatch did
// not create, and its statement from the policy of the topic's customer key.
func planStatementRemoval(ctx context.Context, acct cloud.Account, topicARN string) ([]Change, error) {
	a, err := chain.ParseARN(topicARN)
	if err != nil {
		return nil, err
	}
	topics := acct.Topics(a.Region)
	t, err := topics.Topic(ctx, topicARN)
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var cs []Change
	after, found, err := policy.WithoutStatement(t.Policy, chain.TopicStatementSid)
	if err != nil {
		return nil, fmt.Errorf("policy of topic %s: %w", topicARN, err)
	}
	if found {
		cs = append(cs, Change{Action: Update, Resource: KindTopicPolicy, Region: a.Region, Name: a.Resource,
			Detail: "remove statement " + chain.TopicStatementSid + "; the topic and its subscriptions stay", Diff: policy.Diff(t.Policy, after),
			apply: func(ctx context.Context) error {
				t, err := topics.Topic(ctx, topicARN)
				if err != nil {
					return ignoreNotFound(err)
				}
				after, found, err := policy.WithoutStatement(t.Policy, chain.TopicStatementSid)
				if err != nil || !found {
					return err
				}
				return topics.SetTopicPolicy(ctx, topicARN, after)
			}})
	} else {
		cs = append(cs, Change{Action: Keep, Resource: KindTopic, Region: a.Region, Name: a.Resource, Detail: "not created by rootwatch; holds no rootwatch statement"})
	}
	if t.KMSKeyID == "" || t.KMSKeyID == "alias/aws/sns" {
		return cs, nil
	}
	keys := acct.Keys(a.Region)
	k, err := keys.Key(ctx, t.KMSKeyID)
	if err != nil || k.AWSManaged {
		return cs, nil // nothing of rootwatch's can be there
	}
	kafter, kfound, err := policy.WithoutStatement(k.Policy, chain.KeyStatementSid)
	if err != nil || !kfound {
		return cs, nil
	}
	keyID := k.ID
	if keyID == "" {
		keyID = t.KMSKeyID
	}
	cs = append(cs, Change{Action: Update, Resource: KindKeyPolicy, Region: a.Region, Name: k.ARN, Detail: "remove statement " + chain.KeyStatementSid,
		Diff: policy.Diff(k.Policy, kafter),
		apply: func(ctx context.Context) error {
			k, err := keys.Key(ctx, keyID)
			if err != nil {
				return err
			}
			after, found, err := policy.WithoutStatement(k.Policy, chain.KeyStatementSid)
			if err != nil || !found {
				return err
			}
			return keys.PutKeyPolicy(ctx, keyID, after)
		}})
	return cs, nil
}

// roleRemoval is how destroy removes one role of rootwatch's: empty puts
// rootwatch's boundary back when needed and deletes or detaches every policy
// on the role; remove deletes it (or keeps a role not rootwatch's). blocked,
// when set, says why the least-privilege destroy policy cannot empty the role.
type roleRemoval struct {
	empty, remove []Change
	blocked       string
}

// planRoleRemoval deletes a role of rootwatch's (tagged ManagedTag): first
// every inline policy (rootwatch's, policyName, and any someone added) and
// every managed policy someone attached, each on a plan line of its own,
// since IAM refuses DeleteRole while one remains. A permissions boundary does
// not stop DeleteRole, and goes with the role. A role not tagged is kept
// whole.
//
// The destroy policy deletes and detaches only while the role is bounded by
// rootwatch's boundary (boundaryARN), so that holding it is no way to
// widen what a role may do. When someone replaced or removed the boundary, it is
// put back first, as deploy does, if an administrator created it; its
// document is not judged (destroy cannot tell an organization member's
// variant from a wrong one), since the role is deleted in the same run. When
// it does not exist and the role has another boundary, blocked says so and
// what to run.
func planRoleRemoval(ctx context.Context, acct cloud.Account, name, policyName, boundaryARN string) (roleRemoval, error) {
	roles := acct.Roles()
	r, err := roles.Role(ctx, name)
	if errors.Is(err, cloud.ErrNotFound) {
		return roleRemoval{}, nil
	}
	if err != nil {
		return roleRemoval{}, err
	}
	if !managed(r.Tags) {
		return roleRemoval{remove: []Change{{Action: Keep, Resource: KindRole, Name: name, Detail: "not tagged " + cloud.ManagedTag + "=true"}}}, nil
	}
	names, err := roles.RolePolicyNames(ctx, name)
	if err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return roleRemoval{}, err
	}
	arns, err := roles.RoleManagedPolicies(ctx, name)
	if err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return roleRemoval{}, err
	}
	var rm roleRemoval
	if r.PermissionsBoundary != boundaryARN && len(names)+len(arns) > 0 {
		_, err := roles.ManagedPolicy(ctx, boundaryARN)
		switch {
		case err == nil:
			rm.empty = append(rm.empty, boundaryRestore(roles, name, r.PermissionsBoundary, boundaryARN))
		case !errors.Is(err, cloud.ErrNotFound):
			return roleRemoval{}, fmt.Errorf("read the roles' permissions boundary: %w", err)
		case r.PermissionsBoundary != "":
			rm.blocked = foreignBoundaryNote("destroy", name, r.PermissionsBoundary, boundaryARN,
				"the least-privilege destroy policy (rootwatch iam-policy --command destroy) cannot empty the role while it is so bounded, so destroy empties it before anything else and, without an administrator's rights, stops there with nothing changed; create the boundary (rootwatch iam-policy --boundary > boundary.json, with --central-bus in an organization's member account; aws iam create-policy --policy-name "+BoundaryPolicyName+" --policy-document file://boundary.json) and run rootwatch destroy again, or run it as an administrator")
		}
	}
	for _, n := range names {
		detail := "rootwatch did not write it"
		if n == policyName {
			detail = ""
		}
		rm.empty = append(rm.empty, Change{Action: Delete, Resource: KindRolePolicy, Name: name + "/" + n, Detail: detail,
			apply: func(ctx context.Context) error { return ignoreNotFound(roles.DeleteRolePolicy(ctx, name, n)) }})
	}
	for _, arn := range arns {
		rm.empty = append(rm.empty, Change{Action: Delete, Resource: KindRoleAttachment, Name: name + " " + arn, Detail: "detach: someone attached it; the policy itself stays",
			apply: func(ctx context.Context) error { return ignoreNotFound(roles.DetachRolePolicy(ctx, name, arn)) }})
	}
	rm.remove = []Change{{Action: Delete, Resource: KindRole, Name: name,
		apply: func(ctx context.Context) error { return ignoreNotFound(roles.DeleteRole(ctx, name)) }}}
	return rm, nil
}

// planTrailRemoval handles the trail and bucket --create-trail made with region
// as home. Without deleteTrail they are kept, and the notes say so.
func planTrailRemoval(ctx context.Context, acct cloud.Account, account, region string, deleteTrail bool) ([]Change, []string, error) {
	var cs []Change
	var notes []string
	trails, err := acct.Trails(region).Trails(ctx)
	if err != nil {
		return nil, nil, err
	}
	tr := acct.Trails(region)
	for _, t := range trails {
		if t.Name != chain.TrailName || (t.HomeRegion != "" && t.HomeRegion != region) || !managed(t.Tags) {
			continue
		}
		if deleteTrail {
			cs = append(cs, Change{Action: Delete, Resource: KindTrail, Region: region, Name: chain.TrailName, Detail: "stops logging; the logs stay in the bucket",
				apply: func(ctx context.Context) error { return ignoreNotFound(tr.DeleteTrail(ctx, chain.TrailName)) }})
		} else {
			cs = append(cs, Change{Action: Keep, Resource: KindTrail, Region: region, Name: chain.TrailName, Detail: "audit log; --delete-trail removes it"})
		}
	}
	bucket := chain.TrailBucketPrefix + account + "-" + region
	b := acct.Buckets()
	if _, err := b.BucketPolicy(ctx, bucket); errors.Is(err, cloud.ErrNotFound) {
		return cs, notes, nil
	} else if err != nil {
		return nil, nil, err
	}
	if !deleteTrail {
		cs = append(cs, Change{Action: Keep, Resource: KindBucket, Name: bucket, Detail: "CloudTrail logs; --delete-trail removes it when empty"})
		notes = append(notes, fmt.Sprintf("kept the CloudTrail trail %q and its log bucket %s: destroy never deletes audit logs unless told to (--delete-trail deletes the trail, and the bucket once it is empty)", chain.TrailName, bucket))
		return cs, notes, nil
	}
	page, err := b.List(ctx, bucket, "", "", "")
	if err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return nil, nil, err
	}
	if len(page.Objects) > 0 || len(page.Prefixes) > 0 {
		cs = append(cs, Change{Action: Keep, Resource: KindBucket, Name: bucket, Detail: "holds CloudTrail logs; empty it and run destroy --delete-trail again"})
		notes = append(notes, fmt.Sprintf("bucket %s holds CloudTrail logs: rootwatch does not delete logs; empty the bucket yourself and run destroy --delete-trail again", bucket))
		return cs, notes, nil
	}
	cs = append(cs, Change{Action: Delete, Resource: KindBucket, Name: bucket, Detail: "empty",
		apply: func(ctx context.Context) error { return ignoreNotFound(b.DeleteBucket(ctx, bucket)) }})
	return cs, notes, nil
}

// describeChanges is used by tests and output: "action resource region name".
func describeChanges(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, strings.Join([]string{string(c.Action), c.Resource, c.Region, c.Name}, " "))
	}
	return out
}
