package deploy

import (
	"context"
	"errors"
	"fmt"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// planRoleRepair makes an existing role of rootwatch's (the forwarder's,
// spec.Role, or the channels', chain.ChannelRoleName) exactly rootwatch's
// again (issue 9 case 5): an explicit Deny in a policy someone added of the
// call the role exists for (events:PutEvents on the bus,
// events:InvokeApiDestination on the channels), or a boundary that does not
// allow it, silences the alerts, and anything else on the role was not put
// there by rootwatch. In this order, so that each call's
// iam:PermissionsBoundary condition holds: rootwatch's boundary is put back
// (when an administrator created it), then inline policies rootwatch did not
// write are deleted and managed policies detached (rootwatch attaches none).
// Callers plan it before the role's own policy and trust (planRole,
// planRoleSpec), whose iam:PutRolePolicy is allowed only under rootwatch's
// boundary too. A foreign boundary is never removed: without rootwatch's own
// to put in its place, the plan says what to do. Only the role's name and
// inline policy's name are read from want: the channel role is repaired also
// by a deploy given no channels.
func planRoleRepair(ctx context.Context, acct cloud.Account, spec chain.Spec, want chain.RoleSpec, p *Plan, add func(Change)) error {
	roles := acct.Roles()
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
		add(boundaryRestore(roles, want.Name, r.PermissionsBoundary, boundary))
	case boundary == "" && r.PermissionsBoundary != "":
		p.Notes = append(p.Notes, foreignBoundaryNote("deploy", want.Name, r.PermissionsBoundary, spec.Role.Boundary.ARN,
			"create it, or remove that boundary (aws iam delete-role-permissions-boundary --role-name "+want.Name+")"))
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

// boundaryRestore is the plan line that bounds role (bounded by current, ""
// for none) by rootwatch's boundary again: deploy's repair, and destroy's
// first step on such a role, since the grants that change a role of
// rootwatch's hold only while it is so bounded.
func boundaryRestore(roles cloud.Roles, role, current, boundary string) Change {
	detail := "put its permissions boundary " + BoundaryPolicyName + " back"
	if current == "" {
		detail = "bound it by " + BoundaryPolicyName
	} else {
		detail += " (someone replaced it with " + current + ")"
	}
	return Change{Action: Update, Resource: KindRole, Name: role, Detail: detail,
		apply: func(ctx context.Context) error { return roles.PutRoleBoundary(ctx, role, boundary) }}
}

// foreignBoundaryNote says that role is bounded by current, a policy not
// rootwatch's, which cmd cannot replace by rootwatch's own because that,
// boundaryARN, does not exist; remedy says what to run.
func foreignBoundaryNote(cmd, role, current, boundaryARN, remedy string) string {
	return fmt.Sprintf("role %s has the permissions boundary %s, which is not rootwatch's; %s cannot put its own in its place because %s does not exist (see rootwatch iam-policy --boundary): %s",
		role, current, cmd, boundaryARN, remedy)
}
