package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/fleet"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// Organization mode (see package chain's MemberSpec): the central account's
// plan is deploy's, plus the central bus policy; every other account's plan
// is its forwarders'.

// KindBusPolicy is the resource kind of the central bus's policy in a plan.
const KindBusPolicy = "event-bus-policy"

// PlanMember reads a member account and plans bringing it to spec (see
// chain.MemberSpec). It makes no mutating call.
func PlanMember(ctx context.Context, acct cloud.Account, spec chain.Spec) (*Plan, error) {
	p := &Plan{Command: "deploy", Account: spec.Account, HomeRegion: spec.HomeRegion, Regions: spec.Regions}
	add := func(c Change) { p.Changes = append(p.Changes, c) }
	// The repair first, as in PlanDeploy.
	if err := planRoleRepair(ctx, acct, spec, spec.Role, p, add); err != nil {
		return nil, err
	}
	if err := planRole(ctx, acct, spec, add); err != nil {
		return nil, err
	}
	perRegion := make([][]Change, len(spec.Forwarders))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, rs := range spec.Forwarders {
		g.Go(func() error {
			addR := func(c Change) { perRegion[i] = append(perRegion[i], c) }
			if err := planQueue(gctx, acct, rs.DLQ, spec.Tags, addR); err != nil {
				return err
			}
			return planRule(gctx, acct, rs.Rule, spec.Tags, addR)
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, cs := range perRegion {
		p.Changes = append(p.Changes, cs...)
	}
	return p, nil
}

// planBusPolicy plans setting the central bus's policy; the bus may not exist
// yet (the plan creates it before).
func planBusPolicy(ctx context.Context, acct cloud.Account, spec chain.Spec, add func(Change)) error {
	ev := acct.Events(spec.HomeRegion)
	set := func(ctx context.Context) error { return ev.SetBusPolicy(ctx, spec.Bus.Name, spec.Bus.Policy) }
	b, err := ev.Bus(ctx, spec.Bus.Name)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		add(Change{Action: Create, Resource: KindBusPolicy, Region: spec.HomeRegion, Name: spec.Bus.Name,
			Detail: "events:PutEvents for the organization's " + chain.ForwarderRoleName + " roles only", Diff: policy.Diff("", spec.Bus.Policy), apply: set})
	case err != nil:
		return fmt.Errorf("describe event bus %s in %s: %w", spec.Bus.Name, spec.HomeRegion, err)
	case b.Policy == "":
		add(Change{Action: Create, Resource: KindBusPolicy, Region: spec.HomeRegion, Name: spec.Bus.Name,
			Detail: "events:PutEvents for the organization's " + chain.ForwarderRoleName + " roles only", Diff: policy.Diff("", spec.Bus.Policy), apply: set})
	case !policy.Same(b.Policy, spec.Bus.Policy):
		add(Change{Action: Update, Resource: KindBusPolicy, Region: spec.HomeRegion, Name: spec.Bus.Name, Diff: policy.Diff(b.Policy, spec.Bus.Policy), apply: set})
	default:
		add(Change{Action: Unchanged, Resource: KindBusPolicy, Region: spec.HomeRegion, Name: spec.Bus.Name})
	}
	return nil
}

// OrgOptions are the user's choices for deploy --org.
type OrgOptions struct {
	chain.Options        // HomeRegion, Regions, Emails, TopicARN, FixKMSPolicy, Version
	Central       string // the central account's ID; "" means the caller's
	Selection     fleet.Selection
	Role          string // the role to assume in each account; cloud.DefaultAccessRole
	Workers       int    // accounts at once; fleet.DefaultWorkers
	// AttachSCP, when set, creates (or updates) the service control policy
	// and attaches it to a root or OU, after everything else.
	AttachSCP *SCP
	// Progress, when set, is called as accounts are planned and applied.
	Progress func(stage string, done, total int)
	// Resolve, when set, is called with the central account and its enabled
	// regions before anything is planned, and returns the options to deploy
	// with: the CLI defaults each setting not given to the one deploy --org
	// recorded on the central bus, as deploy does in one account. Its warn,
	// when not nil, says what a deploy to the central chain's spec takes
	// away (another topic, fewer regions): the plan's Warnings.
	Resolve func(ctx context.Context, central cloud.Account, enabled []string) (o chain.Options, warn func(chain.Spec) []string, err error)
}

// AccountPlan is the plan of one account of an organization deploy.
type AccountPlan struct {
	Account cloud.OrgAccount `json:"account"`
	Role    string           `json:"role"` // "central", "management", "member"
	Plan    *Plan            `json:"plan,omitempty"`
	// Notes are this account's notes beyond its plan's (regions not enabled).
	Notes []string `json:"notes,omitempty"`
	Err   error    `json:"-"`

	acct cloud.Account
}

// Error is the account's error as text ("" when none), for JSON.
func (a *AccountPlan) ErrorText() string {
	if a.Err == nil {
		return ""
	}
	return a.Err.Error()
}

// OrgPlan is deploy --org's plan: the central account's, then every other
// account's.
type OrgPlan struct {
	Command      string         `json:"command"`
	Organization string         `json:"organization"`
	Management   string         `json:"managementAccount"`
	Central      string         `json:"centralAccount"`
	HomeRegion   string         `json:"homeRegion"`
	BusARN       string         `json:"centralBus"`
	Trail        string         `json:"organizationTrail,omitempty"`
	Accounts     []*AccountPlan `json:"accounts"`
	// OrgChanges are organization-level changes (the SCP), made with the
	// caller's credentials after every account; OrgErr is their failure.
	OrgChanges []Change `json:"organizationChanges,omitempty"`
	OrgErr     error    `json:"-"`
	// TrailChanges create the organization trail (--create-trail) in the
	// management account, before anything else.
	TrailChanges []Change `json:"trailChanges,omitempty"`
	// Warnings are what the deploy takes away from the organization's
	// deployment (another topic for the alert rules, fewer regions:
	// OrgOptions.Resolve) or adds unasked (the CLI's: subscriptions of
	// addresses taken from the central record), which the user must see
	// before it is applied.
	Warnings []string `json:"warnings,omitempty"`

	workers  int
	progress func(stage string, done, total int)
}

// PrepareOrg plans deploy --org. caller holds the management account's (or a
// delegated administrator's) credentials. An account that cannot be planned
// (its role cannot be assumed, a read is denied) carries its error; the others
// are planned. An error is returned only when nothing can be planned: the
// organization cannot be read, the central account fails, or no
// organization trail covers the accounts.
func PrepareOrg(ctx context.Context, caller cloud.Account, o OrgOptions) (*OrgPlan, error) {
	id, err := caller.Identity(ctx)
	if err != nil {
		return nil, fmt.Errorf("get caller identity: %w", err)
	}
	org, err := caller.Org().Describe(ctx)
	if err != nil {
		return nil, fmt.Errorf("describe the organization: %w", err)
	}
	all, err := caller.Org().Accounts(ctx)
	if err != nil {
		return nil, err
	}
	accounts, err := fleet.Pick(all, o.Selection)
	if err != nil {
		return nil, chain.InputErrorf("%v", err)
	}
	central := o.Central
	if central == "" {
		central = id.Account
	}
	ci := slices.IndexFunc(all, func(a cloud.OrgAccount) bool { return a.ID == central })
	if ci < 0 {
		return nil, chain.InputErrorf("--central-account %s is not an account of organization %s", central, org.ID)
	}
	runner := &fleet.Runner{Caller: caller, CallerID: id.Account, Role: o.Role, Workers: o.Workers}
	// The central account first: its recorded settings are the defaults
	// (Resolve), and its spec names the bus every other account targets.
	cacct, err := runner.Open(ctx, central)
	if err != nil {
		return nil, fmt.Errorf("central account %s: %w", central, err)
	}
	cid, err := cacct.Identity(ctx)
	if err != nil {
		return nil, fmt.Errorf("central account %s: get caller identity: %w", central, err)
	}
	enabled, err := cacct.Regions(ctx)
	if err != nil {
		return nil, fmt.Errorf("central account %s: list enabled regions: %w", central, err)
	}
	var warn func(chain.Spec) []string
	if o.Resolve != nil {
		if o.Options, warn, err = o.Resolve(ctx, cacct, enabled); err != nil {
			return nil, fmt.Errorf("central account %s: %w", central, err)
		}
	}
	home := o.HomeRegion
	if home == "" {
		home = chain.DefaultHomeRegion
	}
	op := &OrgPlan{Command: "deploy", Organization: org.ID, Management: org.ManagementAccount, Central: central, HomeRegion: home,
		workers: o.Workers, progress: o.Progress}

	// The organization trail, in the management account, covers every account.
	trails, err := caller.Trails(home).Trails(ctx)
	if err != nil {
		return nil, fmt.Errorf("list trails in %s of the management account: %w", home, err)
	}
	var orgTrails []cloud.Trail
	for _, t := range trails {
		if t.Organization {
			orgTrails = append(orgTrails, t)
		}
	}
	good, problems := chain.FitTrail(orgTrails)
	switch {
	case good != nil:
		op.Trail = good.ARN
	case !o.CreateTrail:
		why := "the management account has no organization trail"
		if len(orgTrails) > 0 {
			why = "no organization trail records root activity for EventBridge: " + strings.Join(problems, "; ")
		}
		return nil, &PreflightError{Problem: "CloudTrail pre-flight failed: " + why,
			Hint: "fix the organization trail in the management account (multi-region, global service events, management events All or WriteOnly, logging), or run deploy --org again with --create-trail to create one"}
	default:
		if id.Account != org.ManagementAccount {
			return nil, &PreflightError{Problem: "CloudTrail pre-flight failed: no organization trail, and only the management account can create one",
				Hint: "run deploy --org --create-trail with the management account's credentials, or create the organization trail there"}
		}
		ts := chain.OrgTrail(partitionOf(id), id.Account, home, org.ID)
		spec := chain.Spec{Account: id.Account, HomeRegion: home, Trail: ts, Tags: cloud.Tags{cloud.ManagedTag: cloud.ManagedValue, cloud.VersionTag: o.Version}}
		if err := planTrail(ctx, caller, spec, trails, func(c Change) { op.TrailChanges = append(op.TrailChanges, c) }); err != nil {
			return nil, err
		}
		for i, c := range op.TrailChanges {
			if c.Resource == KindTrail {
				op.TrailChanges[i].Detail = "organization trail: every account, every region, global service events, all management events; starts logging"
				op.TrailChanges[i].apply = func(ctx context.Context) error {
					_, err := caller.Trails(home).CreateTrail(ctx, cloud.TrailSpec{Name: ts.Name, Bucket: ts.Bucket, Tags: spec.Tags, Organization: true})
					return err
				}
			}
		}
		op.Trail = ts.ARN
	}
	if o.AttachSCP != nil {
		if op.OrgChanges, err = planSCP(ctx, caller.Org(), *o.AttachSCP, cloud.Tags{cloud.ManagedTag: cloud.ManagedValue}); err != nil {
			return nil, fmt.Errorf("service control policy: %w", err)
		}
	}

	co := o.Options
	co.HomeRegion = home
	co.OrgTrail, co.CreateTrail = op.Trail, false
	cspec, err := chain.Desired(cid, enabled, co)
	if err != nil {
		return nil, err
	}
	cspec = cspec.WithOrg(org.ID)
	op.BusARN = cspec.Bus.ARN
	if warn != nil {
		op.Warnings = warn(cspec)
	}
	cplan, err := PlanDeploy(ctx, cacct, cspec, co)
	if err != nil {
		return nil, fmt.Errorf("central account %s: %w", central, err)
	}
	if err := planBusPolicy(ctx, cacct, cspec, func(c Change) { cplan.Changes = append(cplan.Changes, c) }); err != nil {
		return nil, fmt.Errorf("central account %s: %w", central, err)
	}
	op.Accounts = append(op.Accounts, &AccountPlan{Account: all[ci], Role: "central", Plan: cplan, acct: cacct})

	// Every other selected account forwards to the central bus.
	var others []cloud.OrgAccount
	for _, a := range accounts {
		if a.ID != central {
			others = append(others, a)
		}
	}
	if o.Progress != nil {
		runner.Progress = func(done, total int) { o.Progress("planned", done, total) }
	}
	results := fleet.Run(ctx, runner, others, func(ctx context.Context, a cloud.OrgAccount, acct cloud.Account) (*AccountPlan, error) {
		ap := &AccountPlan{Account: a, Role: "member", acct: acct}
		if a.ID == org.ManagementAccount {
			ap.Role = "management"
		}
		id, err := acct.Identity(ctx)
		if err != nil {
			return ap, fmt.Errorf("get caller identity: %w", err)
		}
		enabled, err := acct.Regions(ctx)
		if err != nil {
			return ap, fmt.Errorf("list enabled regions: %w", err)
		}
		spec, missing := chain.MemberSpec(cspec, id, enabled, o.Regions)
		if len(missing) > 0 {
			ap.Notes = append(ap.Notes, "not enabled in this account, so not covered: "+strings.Join(missing, ", "))
		}
		ap.Plan, err = PlanMember(ctx, acct, spec)
		return ap, err
	})
	for _, r := range results {
		ap := r.Value
		if ap == nil {
			ap = &AccountPlan{Account: r.Account, Role: "member"}
		}
		ap.Err = r.Err
		op.Accounts = append(op.Accounts, ap)
	}
	return op, nil
}

// Counts returns how many accounts have changes, none, and an error.
func (p *OrgPlan) Counts() (changing, unchanged, failed int) {
	for _, a := range p.Accounts {
		switch {
		case a.Err != nil:
			failed++
		case a.Plan == nil:
		default:
			if n, _ := a.Plan.Counts(); n > 0 {
				changing++
			} else {
				unchanged++
			}
		}
	}
	return changing, unchanged, failed
}

// Pending says whether the plan changes anything (an account or the
// organization).
func (p *OrgPlan) Pending() bool {
	if changing, _, _ := p.Counts(); changing > 0 {
		return true
	}
	return slices.ContainsFunc(append(slices.Clone(p.TrailChanges), p.OrgChanges...), func(c Change) bool { return c.apply != nil })
}

// Failed is the number of accounts that failed, plus one if the
// organization-level changes did.
func (p *OrgPlan) Failed() int {
	_, _, failed := p.Counts()
	if p.OrgErr != nil {
		failed++
	}
	return failed
}

// Apply applies every account's plan, Workers at once. A deploy applies the
// central account's first: when it fails, no other account is changed, since
// their forwarders would target a chain that is not there. An account that
// fails carries its error; Apply returns the number of accounts that failed.
func (p *OrgPlan) Apply(ctx context.Context) int {
	if len(p.Accounts) == 0 {
		return 0
	}
	for i, c := range p.TrailChanges {
		if c.apply == nil {
			continue
		}
		if err := c.apply(ctx); err != nil {
			p.OrgErr = &ApplyError{Change: c, Done: i, Err: err}
			for _, a := range p.Accounts {
				if a.Err == nil {
					a.Err = errors.New("not changed: the organization trail could not be created")
				}
			}
			return p.Failed()
		}
	}
	rest := p.Accounts
	if c := p.Accounts[0]; p.Command == "deploy" && c.Err == nil && c.Plan != nil {
		rest = p.Accounts[1:]
		if err := c.Plan.Apply(ctx); err != nil {
			c.Err = err
			for _, a := range p.Accounts[1:] {
				if a.Err == nil {
					a.Err = fmt.Errorf("not changed: the central account %s failed", p.Central)
				}
			}
			_, _, failed := p.Counts()
			return failed
		}
	}
	var todo []cloud.OrgAccount
	byID := map[string]*AccountPlan{}
	for _, a := range rest {
		if a.Err != nil || a.Plan == nil {
			continue
		}
		if n, _ := a.Plan.Counts(); n > 0 {
			todo = append(todo, a.Account)
			byID[a.Account.ID] = a
		}
	}
	// The accounts are open already; the runner only bounds the concurrency.
	runner := &fleet.Runner{Workers: p.workers}
	if p.progress != nil {
		runner.Progress = func(done, total int) { p.progress("applied", done, total) }
	}
	results := fleet.RunOpen(ctx, runner, todo, func(ctx context.Context, a cloud.OrgAccount) (struct{}, error) {
		return struct{}{}, byID[a.ID].Plan.Apply(ctx)
	})
	for _, r := range results {
		if r.Err != nil {
			byID[r.Account.ID].Err = r.Err
		}
	}
	_, _, failed := p.Counts()
	if failed == 0 {
		for i, c := range p.OrgChanges {
			if c.apply == nil {
				continue
			}
			if err := c.apply(ctx); err != nil {
				p.OrgErr = &ApplyError{Change: c, Done: i, Err: err}
				return failed + 1
			}
		}
	}
	return failed
}

// partitionOf is an identity's partition, "aws" when unknown.
func partitionOf(id cloud.Identity) string {
	if id.Partition == "" {
		return "aws"
	}
	return id.Partition
}
