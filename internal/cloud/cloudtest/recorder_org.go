package cloudtest

import (
	"context"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// SetHook makes every call run hook(method, region) first, outside the
// recorder's lock; an error from it fails the call without reaching the
// account. Benchmarks use it to add an endpoint's latency and throttling (see
// Limiter). nil removes it.
func (r *Recorder) SetHook(hook func(method, region string) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hook = hook
}

// Org records Organizations' calls like every other. The accounts its Assume
// returns are recorded by this recorder too, their calls' regions prefixed
// with the account ID ("PutRule 111122223333:eu-west-1 default/rootwatch-forward"),
// so that one recorder sees everything a multi-account run does.
func (r *Recorder) Org() cloud.Org { return &recOrg{r: r, next: r.next.Org()} }

type recOrg struct {
	r    *Recorder
	next cloud.Org
}

func (o *recOrg) Describe(ctx context.Context) (out cloud.Organization, err error) {
	err = o.r.do("DescribeOrganization", "global", "", func() (x error) { out, x = o.next.Describe(ctx); return })
	return
}
func (o *recOrg) Accounts(ctx context.Context) (out []cloud.OrgAccount, err error) {
	err = o.r.do("Accounts", "global", "", func() (x error) { out, x = o.next.Accounts(ctx); return })
	return
}
func (o *recOrg) Roots(ctx context.Context) (out []cloud.OrgUnit, err error) {
	err = o.r.do("Roots", "global", "", func() (x error) { out, x = o.next.Roots(ctx); return })
	return
}
func (o *recOrg) Units(ctx context.Context, parent string) (out []cloud.OrgUnit, err error) {
	err = o.r.do("Units", "global", parent, func() (x error) { out, x = o.next.Units(ctx, parent); return })
	return
}
func (o *recOrg) Policies(ctx context.Context) (out []cloud.OrgPolicy, err error) {
	err = o.r.do("Policies", "global", "", func() (x error) { out, x = o.next.Policies(ctx); return })
	return
}
func (o *recOrg) Policy(ctx context.Context, id string) (out cloud.OrgPolicy, err error) {
	err = o.r.do("Policy", "global", id, func() (x error) { out, x = o.next.Policy(ctx, id); return })
	return
}
func (o *recOrg) CreatePolicy(ctx context.Context, p cloud.OrgPolicy) (id string, err error) {
	err = o.r.do("CreatePolicy", "global", p.Name, func() (x error) { id, x = o.next.CreatePolicy(ctx, p); return })
	return
}
func (o *recOrg) UpdatePolicy(ctx context.Context, id, content string) error {
	return o.r.do("UpdatePolicy", "global", id, func() error { return o.next.UpdatePolicy(ctx, id, content) })
}
func (o *recOrg) DeletePolicy(ctx context.Context, id string) error {
	return o.r.do("DeletePolicy", "global", id, func() error { return o.next.DeletePolicy(ctx, id) })
}
func (o *recOrg) PolicyTargets(ctx context.Context, id string) (out []string, err error) {
	err = o.r.do("PolicyTargets", "global", id, func() (x error) { out, x = o.next.PolicyTargets(ctx, id); return })
	return
}
func (o *recOrg) AttachPolicy(ctx context.Context, id, target string) error {
	return o.r.do("AttachPolicy", "global", id+" "+target, func() error { return o.next.AttachPolicy(ctx, id, target) })
}
func (o *recOrg) DetachPolicy(ctx context.Context, id, target string) error {
	return o.r.do("DetachPolicy", "global", id+" "+target, func() error { return o.next.DetachPolicy(ctx, id, target) })
}

// Assume is recorded as "AssumeRole" (not mutating); the account it returns
// is recorded by the same recorder.
func (o *recOrg) Assume(ctx context.Context, accountID, roleName string) (out cloud.Account, err error) {
	err = o.r.do("AssumeRole", "global", accountID+"/"+roleName, func() (x error) { out, x = o.next.Assume(ctx, accountID, roleName); return })
	if err != nil {
		return nil, err
	}
	root := o.r
	if root.parent != nil {
		root = root.parent
	}
	return &Recorder{next: out, parent: root, account: accountID}, nil
}
