package fake

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// noFilter reports whether a filter policy filters nothing: none at all, or
// the empty JSON object SNS takes as "remove the filter policy".
func noFilter(policy string) bool {
	if policy == "" {
		return true
	}
	var m map[string]any
	return json.Unmarshal([]byte(policy), &m) == nil && len(m) == 0
}

// RemoveFilterPolicy removes a subscription's filter policy, as
// SetSubscriptionAttributes FilterPolicy "{}" does.
func (t *topics) RemoveFilterPolicy(ctx context.Context, subscriptionARN string) error {
	return t.withSubscription(ctx, fmt.Sprintf("remove filter policy of %s in %s", subscriptionARN, t.region), subscriptionARN, func(tp *topic, i int) {
		tp.subs[i].filter = ""
	})
}

// RolePolicyNames lists a role's inline policies by name, sorted.
func (s *roles) RolePolicyNames(ctx context.Context, name string) ([]string, error) {
	var names []string
	err := s.withRole(ctx, "list inline policies of role "+name, name, func(r *role) error {
		names = slices.Sorted(maps.Keys(r.policies))
		return nil
	})
	return names, err
}

// RoleManagedPolicies lists the managed policies attached to a role, sorted.
func (s *roles) RoleManagedPolicies(ctx context.Context, name string) ([]string, error) {
	var out []string
	err := s.withRole(ctx, "list attached policies of role "+name, name, func(r *role) error {
		out = slices.Sorted(slices.Values(r.attached))
		return nil
	})
	return out, err
}

// DetachRolePolicy detaches a managed policy; as IAM, one that is not
// attached is NoSuchEntity.
func (s *roles) DetachRolePolicy(ctx context.Context, name, policyARN string) error {
	return s.withRole(ctx, fmt.Sprintf("detach policy %s from role %s", policyARN, name), name, func(r *role) error {
		i := slices.Index(r.attached, policyARN)
		if i < 0 {
			return notFound("NoSuchEntity: Policy %s was not found", policyARN)
		}
		r.attached = slices.Delete(r.attached, i, i+1)
		return nil
	})
}

// PutRoleBoundary sets a role's permissions boundary; as IAM, the policy
// must exist.
func (s *roles) PutRoleBoundary(ctx context.Context, name, policyARN string) error {
	return s.withRole(ctx, fmt.Sprintf("put permissions boundary %s on role %s", policyARN, name), name, func(r *role) error {
		if _, ok := s.a.managed[policyARN]; !ok {
			return notFound("NoSuchEntity: Scope ARN: %s does not exist or is not attachable", policyARN)
		}
		r.r.PermissionsBoundary = policyARN
		return nil
	})
}

// AttachRolePolicy attaches a managed policy to a role (what an actor with
// iam:AttachRolePolicy may do; rootwatch never does). The policy must exist.
func (a *Account) AttachRolePolicy(name, policyARN string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	op := fmt.Sprintf("attach policy %s to role %s", policyARN, name)
	r, ok := a.roles[name]
	if !ok {
		return fmt.Errorf("%s: %w", op, noSuchRole(name))
	}
	if _, ok := a.managed[policyARN]; !ok {
		return fmt.Errorf("%s: %w", op, notFound("NoSuchEntity: Policy %s does not exist or is not attachable", policyARN))
	}
	if !slices.Contains(r.attached, policyARN) {
		r.attached = append(r.attached, policyARN)
	}
	return nil
}

// DeleteManagedPolicy deletes a customer managed policy; as IAM, not while
// a role has it attached or as its boundary.
func (a *Account) DeleteManagedPolicy(policyARN string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	op := fmt.Sprintf("delete policy %s", policyARN)
	if _, ok := a.managed[policyARN]; !ok {
		return fmt.Errorf("%s: %w", op, notFound("NoSuchEntity: Policy %s was not found", policyARN))
	}
	for _, r := range a.roles {
		if r.r.PermissionsBoundary == policyARN || slices.Contains(r.attached, policyARN) {
			return fmt.Errorf("%s: DeleteConflict: Cannot delete a policy attached to entities", op)
		}
	}
	delete(a.managed, policyARN)
	return nil
}

// rolePolicyDocs returns every identity policy of a role: its inline
// policies and the documents of its attached managed policies.
func (a *Account) rolePolicyDocs(r *role) []string {
	docs := make([]string, 0, len(r.policies)+len(r.attached))
	for _, p := range r.policies {
		docs = append(docs, p)
	}
	for _, arn := range r.attached {
		if d, ok := a.managed[arn]; ok {
			docs = append(docs, d)
		}
	}
	return docs
}

var _ cloud.Roles = (*roles)(nil)
