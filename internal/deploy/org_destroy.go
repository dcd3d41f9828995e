package deploy

import (
	"context"
	"fmt"
	"slices"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/fleet"
)

// OrgDestroyOptions are the user's choices for destroy --org.
type OrgDestroyOptions struct {
	DestroyOptions
	Selection fleet.Selection
	Role      string
	Workers   int
	Progress  func(stage string, done, total int)
}

// PrepareOrgDestroy plans removing rootwatch from every selected account of
// the organization, each as destroy does in one account (by deterministic
// names and tags, in every enabled region; foreign policy statements and
// trails kept). An account that cannot be planned carries its error.
func PrepareOrgDestroy(ctx context.Context, caller cloud.Account, o OrgDestroyOptions) (*OrgPlan, error) {
	id, err := caller.Identity(ctx)
	if err != nil {
		return nil, fmt.Errorf("get caller identity: %w", err)
	}
	org, err := caller.Org().Describe(ctx)
	if err != nil {
		return nil, fmt.Errorf("describe the organization: %w", err)
	}
	accounts, err := fleet.Select(ctx, caller.Org(), o.Selection)
	if err != nil {
		return nil, chain.InputErrorf("%v", err)
	}
	runner := &fleet.Runner{Caller: caller, CallerID: id.Account, Role: o.Role, Workers: o.Workers}
	if o.Progress != nil {
		runner.Progress = func(done, total int) { o.Progress("planned", done, total) }
	}
	p := &OrgPlan{Command: "destroy", Organization: org.ID, Management: org.ManagementAccount, workers: o.Workers, progress: o.Progress}
	if id.Account == org.ManagementAccount {
		if p.OrgChanges, err = planSCPRemoval(ctx, caller.Org()); err != nil {
			return nil, fmt.Errorf("service control policy: %w", err)
		}
	}
	results := fleet.Run(ctx, runner, accounts, func(ctx context.Context, a cloud.OrgAccount, acct cloud.Account) (*AccountPlan, error) {
		ap := &AccountPlan{Account: a, Role: "member", acct: acct}
		if a.ID == org.ManagementAccount {
			ap.Role = "management"
		}
		var err error
		ap.Plan, err = PlanDestroy(ctx, acct, o.DestroyOptions)
		return ap, err
	})
	for _, r := range results {
		ap := r.Value
		if ap == nil {
			ap = &AccountPlan{Account: r.Account, Role: "member"}
		}
		ap.Err = r.Err
		if ap.Plan != nil && slices.ContainsFunc(ap.Plan.Changes, func(c Change) bool { return c.Resource == KindBus && c.Action == Delete }) {
			ap.Role = "central" // it holds a rootwatch bus
			p.Central, p.HomeRegion = ap.Account.ID, ap.Plan.HomeRegion
		}
		p.Accounts = append(p.Accounts, ap)
	}
	return p, nil
}
