package deploy

import (
	"context"
	"errors"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

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
		return err
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
			return err
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
