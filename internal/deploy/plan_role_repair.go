package deploy

import (
	"context"
	"errors"
	"fmt"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// planRoleRepair makes an existing forwarder role exactly rootwatch's again
// (issue 9 case 5): an explicit Deny events:PutEvents in a policy someone
// added, or a boundary that does not allow it, stops every region's
// forwarding, and anything else on the role was not put there by rootwatch.
// In this order, so that each call's iam:PermissionsBoundary condition holds:
// rootwatch's boundary is put back (when an administrator created it), then
// inline policies rootwatch did not write are deleted and managed policies
// detached (rootwatch attaches none). A foreign boundary is never removed:
// without rootwatch's own to put in its place, the plan says what to do.
func planRoleRepair(ctx context.Context, acct cloud.Account, spec chain.Spec, p *Plan, add func(Change)) error {
	roles := acct.Roles()
	want := spec.Role
	r, err := roles.Role(ctx, want.Name)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		return nil // created by this plan
	case err != nil:
		return err
	}
	boundary, err := forwarderBoundary(ctx, roles, spec)
	if err != nil {
		return err
	}
	switch {
	case boundary != "" && r.PermissionsBoundary != boundary:
		detail := "put its permissions boundary " + BoundaryPolicyName + " back"
		if r.PermissionsBoundary == "" {
			detail = "bound it by " + BoundaryPolicyName
		} else {
			detail += " (someone replaced it with " + r.PermissionsBoundary + ")"
		}
		add(Change{Action: Update, Resource: KindRole, Name: want.Name, Detail: detail,
			apply: func(ctx context.Context) error { return roles.PutRoleBoundary(ctx, want.Name, boundary) }})
	case boundary == "" && r.PermissionsBoundary != "":
		p.Notes = append(p.Notes, fmt.Sprintf("role %s has the permissions boundary %s, which is not rootwatch's; deploy cannot put its own in its place because %s does not exist (see rootwatch iam-policy --boundary): create it, or remove that boundary (aws iam delete-role-permissions-boundary --role-name %s)",
			want.Name, r.PermissionsBoundary, want.Boundary.ARN, want.Name))
	}
	names, err := roles.RolePolicyNames(ctx, want.Name)
	if err != nil {
		return err
	}
	for _, n := range names {
		if n == want.PolicyName {
			continue
		}
		doc, err := roles.RolePolicy(ctx, want.Name, n)
		if err != nil && !errors.Is(err, cloud.ErrNotFound) {
			return err
		}
		add(Change{Action: Delete, Resource: KindRolePolicy, Name: want.Name + "/" + n, Detail: "rootwatch did not write it", Diff: policy.Diff(doc, ""),
			apply: func(ctx context.Context) error { return roles.DeleteRolePolicy(ctx, want.Name, n) }})
	}
	arns, err := roles.RoleManagedPolicies(ctx, want.Name)
	if err != nil {
		return err
	}
	for _, arn := range arns {
		add(Change{Action: Delete, Resource: KindRoleAttachment, Name: want.Name + " " + arn, Detail: "detach: rootwatch attaches no managed policy",
			apply: func(ctx context.Context) error { return roles.DetachRolePolicy(ctx, want.Name, arn) }})
	}
	return nil
}
