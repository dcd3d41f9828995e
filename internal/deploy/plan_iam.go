package deploy

import (
	"context"
	"errors"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

func planRole(ctx context.Context, acct cloud.Account, spec chain.Spec, add func(Change)) error {
	return planRoleSpec(ctx, acct, spec.Role, spec.Tags, "trusted by events.amazonaws.com for the rootwatch-forward rules", "events:PutEvents on "+spec.Bus.ARN, add)
}

// planRoleSpec plans an IAM role and its inline policy; trusted and allows
// say what the trust and the policy are for.
func planRoleSpec(ctx context.Context, acct cloud.Account, want chain.RoleSpec, tags cloud.Tags, trusted, allows string, add func(Change)) error {
	roles := acct.Roles()
	r, err := roles.Role(ctx, want.Name)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		add(Change{Action: Create, Resource: KindRole, Name: want.Name, Detail: trusted,
			apply: func(ctx context.Context) error {
				_, err := roles.CreateRole(ctx, cloud.Role{Name: want.Name, Trust: want.Trust, Description: want.Description, Tags: tags})
				return err
			}})
	case err != nil:
		return err
	case !policy.Same(r.Trust, want.Trust):
		add(Change{Action: Update, Resource: KindRole, Name: want.Name, Detail: "trust policy", Diff: policy.Diff(r.Trust, want.Trust),
			apply: func(ctx context.Context) error { return roles.UpdateTrust(ctx, want.Name, want.Trust) }})
	default:
		add(Change{Action: Unchanged, Resource: KindRole, Name: want.Name})
	}
	cur := ""
	if err == nil {
		cur, err = roles.RolePolicy(ctx, want.Name, want.PolicyName)
		if err != nil && !errors.Is(err, cloud.ErrNotFound) {
			return err
		}
	}
	putPolicy := func(ctx context.Context) error {
		return roles.PutRolePolicy(ctx, want.Name, want.PolicyName, want.Policy)
	}
	switch {
	case cur == "":
		add(Change{Action: Create, Resource: KindRolePolicy, Name: want.Name + "/" + want.PolicyName, Detail: allows,
			Diff: policy.Diff("", want.Policy), apply: putPolicy})
	case !policy.Same(cur, want.Policy):
		add(Change{Action: Update, Resource: KindRolePolicy, Name: want.Name + "/" + want.PolicyName, Diff: policy.Diff(cur, want.Policy), apply: putPolicy})
	default:
		add(Change{Action: Unchanged, Resource: KindRolePolicy, Name: want.Name + "/" + want.PolicyName})
	}
	return nil
}
