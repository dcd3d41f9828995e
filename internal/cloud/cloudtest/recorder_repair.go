package cloudtest

import (
	"context"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// The calls deploy makes to repair what an actor changed on resources
// rootwatch owns (issue 9 cases 3 and 5).

func (t *recTopics) RemoveFilterPolicy(ctx context.Context, subscriptionARN string) error {
	return t.r.do("RemoveFilterPolicy", t.region, subscriptionARN, func() error { return t.next.RemoveFilterPolicy(ctx, subscriptionARN) })
}

func (s *recRoles) RolePolicyNames(ctx context.Context, role string) (names []string, err error) {
	err = s.r.do("RolePolicyNames", "global", role, func() (x error) { names, x = s.next.RolePolicyNames(ctx, role); return })
	return
}

func (s *recRoles) RoleManagedPolicies(ctx context.Context, role string) (arns []string, err error) {
	err = s.r.do("RoleManagedPolicies", "global", role, func() (x error) { arns, x = s.next.RoleManagedPolicies(ctx, role); return })
	return
}

func (s *recRoles) DetachRolePolicy(ctx context.Context, role, policyARN string) error {
	return s.r.do("DetachRolePolicy", "global", role+" "+policyARN, func() error { return s.next.DetachRolePolicy(ctx, role, policyARN) })
}

// PutRoleBoundary records the boundary asked for, as IAM's
// iam:PermissionsBoundary condition key sees it.
func (s *recRoles) PutRoleBoundary(ctx context.Context, role, policyARN string) error {
	return s.r.call(Call{Method: "PutRoleBoundary", Region: "global", Resource: role, Role: &cloud.Role{Name: role, PermissionsBoundary: policyARN}},
		func() error { return s.next.PutRoleBoundary(ctx, role, policyARN) })
}
