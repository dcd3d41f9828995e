package deploy

import (
	"context"
	"fmt"
	"slices"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// Resource kinds of the organization-level changes.
const (
	KindSCP           = "organizations-scp"
	KindSCPAttachment = "organizations-scp-attachment"
)

// SCPName is the name of the service control policy deploy --org
// --attach-scp creates.
const SCPName = "rootwatch-protect"

// SCP is what deploy --org --attach-scp asks for: the policy's content (from
// package scp) and the root or OU to attach it to.
type SCP struct {
	Content string
	Target  string // r-... or ou-...
}

// planSCP plans creating or updating the SCP and attaching it to the target,
// with the management account's Organizations.
func planSCP(ctx context.Context, org cloud.Org, s SCP, tags cloud.Tags) ([]Change, error) {
	var cs []Change
	add := func(c Change) { cs = append(cs, c) }
	ps, err := org.Policies(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(ps, func(p cloud.OrgPolicy) bool { return p.Name == SCPName })
	var id string
	if i < 0 {
		add(Change{Action: Create, Resource: KindSCP, Name: SCPName, Detail: "denies changes to rootwatch's resources to all but the deploy role",
			Diff: policy.Diff("", s.Content),
			apply: func(ctx context.Context) error {
				var err error
				id, err = org.CreatePolicy(ctx, cloud.OrgPolicy{Name: SCPName, Description: "rootwatch: protects rootwatch's resources (rootwatch scp)", Content: s.Content, Tags: tags})
				return err
			}})
		add(Change{Action: Create, Resource: KindSCPAttachment, Name: SCPName + " -> " + s.Target,
			apply: func(ctx context.Context) error { return org.AttachPolicy(ctx, id, s.Target) }})
		return cs, nil
	}
	id = ps[i].ID
	cur, err := org.Policy(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.Tags[cloud.ManagedTag] != cloud.ManagedValue {
		return nil, fmt.Errorf("a service control policy named %s exists but was not created by rootwatch; rename it or attach rootwatch's by hand (rootwatch scp)", SCPName)
	}
	if policy.Same(cur.Content, s.Content) {
		add(Change{Action: Unchanged, Resource: KindSCP, Name: SCPName})
	} else {
		add(Change{Action: Update, Resource: KindSCP, Name: SCPName, Diff: policy.Diff(cur.Content, s.Content),
			apply: func(ctx context.Context) error { return org.UpdatePolicy(ctx, id, s.Content) }})
	}
	targets, err := org.PolicyTargets(ctx, id)
	if err != nil {
		return nil, err
	}
	if slices.Contains(targets, s.Target) {
		add(Change{Action: Unchanged, Resource: KindSCPAttachment, Name: SCPName + " -> " + s.Target})
	} else {
		add(Change{Action: Create, Resource: KindSCPAttachment, Name: SCPName + " -> " + s.Target,
			apply: func(ctx context.Context) error { return org.AttachPolicy(ctx, id, s.Target) }})
	}
	return cs, nil
}

// planSCPRemoval plans detaching rootwatch's SCP from everything and
// deleting it; a policy of that name that rootwatch did not create is left.
func planSCPRemoval(ctx context.Context, org cloud.Org) ([]Change, error) {
	ps, err := org.Policies(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(ps, func(p cloud.OrgPolicy) bool { return p.Name == SCPName })
	if i < 0 {
		return nil, nil
	}
	id := ps[i].ID
	cur, err := org.Policy(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.Tags[cloud.ManagedTag] != cloud.ManagedValue {
		return []Change{{Action: Keep, Resource: KindSCP, Name: SCPName, Detail: "not created by rootwatch"}}, nil
	}
	targets, err := org.PolicyTargets(ctx, id)
	if err != nil {
		return nil, err
	}
	var cs []Change
	for _, t := range targets {
		cs = append(cs, Change{Action: Delete, Resource: KindSCPAttachment, Name: SCPName + " -> " + t,
			apply: func(ctx context.Context) error { return org.DetachPolicy(ctx, id, t) }})
	}
	return append(cs, Change{Action: Delete, Resource: KindSCP, Name: SCPName,
		apply: func(ctx context.Context) error { return org.DeletePolicy(ctx, id) }}), nil
}
