package deploy

import (
	"context"
	"errors"
	"fmt"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

func planRole(ctx context.Context, acct cloud.Account, spec chain.Spec, add func(Change)) error {
	return planRoleSpec(ctx, acct, spec, spec.Role, spec.Tags, "trusted by events.amazonaws.com for the rootwatch-forward rules", "events:PutEvents on "+spec.Bus.ARN, add)
}

// planRoleSpec plans an IAM role and its inline policy; trusted and allows
// say what the trust and the policy are for.
//
// Both roles rootwatch creates (the forwarder's and the channels') are
// created with the permissions boundary BoundaryPolicyName when an
// administrator has created it: the least-privilege deploy policy allows
// nothing else.
func planRoleSpec(ctx context.Context, acct cloud.Account, spec chain.Spec, want chain.RoleSpec, tags cloud.Tags, trusted, allows string, add func(Change)) error {
	roles := acct.Roles()
	r, err := roles.Role(ctx, want.Name)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		boundary, err := forwarderBoundary(ctx, roles, spec)
		if err != nil {
			return err
		}
		if boundary != "" {
			trusted += ", bounded by " + BoundaryPolicyName
		} else {
			trusted += ", without a permissions boundary (no policy " + BoundaryPolicyName + "; see rootwatch iam-policy --boundary)"
		}
		add(Change{Action: Create, Resource: KindRole, Name: want.Name, Detail: trusted,
			apply: func(ctx context.Context) error {
				_, err := roles.CreateRole(ctx, cloud.Role{Name: want.Name, Trust: want.Trust, Description: want.Description, Tags: tags, PermissionsBoundary: boundary})
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

// forwarderBoundary returns the ARN of the roles' permissions boundary
// (spec.Role.Boundary, in the role's own account) when an administrator has
// created it, "" when nobody has. A boundary that differs from the spec's is
// refused: it would bound nothing rootwatch can vouch for.
func forwarderBoundary(ctx context.Context, roles cloud.Roles, spec chain.Spec) (string, error) {
	want := spec.Role.Boundary
	if want.ARN == "" {
		return "", nil
	}
	doc, err := roles.ManagedPolicy(ctx, want.ARN)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("read the roles' permissions boundary: %w", err)
	case !policy.Same(doc, want.Policy):
		print := "'rootwatch iam-policy --boundary'"
		if want.Policy != chain.AccountBoundary() {
			print = "'rootwatch iam-policy --boundary --central-bus " + spec.Bus.ARN + "'"
		}
		return "", fmt.Errorf("the permissions boundary %s is not rootwatch's (it must allow only events:PutEvents on the rootwatch bus and events:InvokeApiDestination on rootwatch's channels, or in a member account events:PutEvents on the central bus); make its default version the output of %s", want.ARN, print)
	}
	return want.ARN, nil
}
