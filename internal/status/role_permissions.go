package status

import (
	"context"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// rolePermissions checks what else bears on the forwarder role's permission
// to forward (issue 9 case 5): its other inline policies, its attached
// managed policies and its permissions boundary, each read and judged by
// chain.JudgeRolePermissions.
func (c *checker) rolePermissions(ctx context.Context, r cloud.Role) Result {
	const check = "role-permissions"
	rp, err := c.readRolePermissions(ctx, r)
	if err != nil {
		return apiError(Global, check, err)
	}
	return result(Global, check, chain.JudgeRolePermissions(c.spec, rp))
}

// channelRolePermissions checks the same of the channel role's permission
// to invoke the channels' API destinations (dstARNs), judged by
// chain.JudgeChannelRolePermissions.
func (c *checker) channelRolePermissions(ctx context.Context, r cloud.Role, dstARNs []string) Result {
	const check = "channel-role-permissions"
	rp, err := c.readRolePermissions(ctx, r)
	if err != nil {
		return apiError(Global, check, err)
	}
	return result(Global, check, chain.JudgeChannelRolePermissions(c.spec, rp, dstARNs))
}

// readRolePermissions reads a role's inline policies, attached managed
// policies and boundary, with their documents.
func (c *checker) readRolePermissions(ctx context.Context, r cloud.Role) (chain.RolePermissions, error) {
	roles := c.acct.Roles()
	rp := chain.RolePermissions{Inline: map[string]string{}, Managed: map[string]string{}, Boundary: r.PermissionsBoundary}
	names, err := roles.RolePolicyNames(ctx, r.Name)
	if err != nil {
		return rp, err
	}
	for _, n := range names {
		doc, err := roles.RolePolicy(ctx, r.Name, n)
		switch {
		case missing(err):
			continue // deleted since it was listed
		case err != nil:
			return rp, err
		}
		rp.Inline[n] = doc
	}
	arns, err := roles.RoleManagedPolicies(ctx, r.Name)
	if err != nil {
		return rp, err
	}
	for _, arn := range arns {
		doc, err := roles.ManagedPolicy(ctx, arn)
		if err != nil && !missing(err) {
			return rp, err
		}
		rp.Managed[arn] = doc
	}
	if own := c.spec.Role.Boundary.ARN; own != "" {
		doc, err := roles.ManagedPolicy(ctx, own)
		switch {
		case missing(err):
		case err != nil:
			return rp, err
		default:
			rp.OwnBoundary = true
			if rp.Boundary == own {
				rp.BoundaryDoc = doc
			}
		}
	}
	if rp.Boundary != "" && rp.Boundary != c.spec.Role.Boundary.ARN {
		doc, err := roles.ManagedPolicy(ctx, rp.Boundary)
		if err != nil && !missing(err) {
			return rp, err
		}
		rp.BoundaryDoc = doc
	}
	return rp, nil
}
