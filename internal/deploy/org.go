package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/fleet"
)

// Organization mode: one central account (a security account) holds the
// alert chain (bus, alert rules, topic); every account of the organization,
// the management and central accounts included, forwards root activity from
// every enabled region straight to the central bus (one hop: EventBridge does
// not route an event that arrived from another bus on to a third bus). The
// central bus's policy lets in the organization's rootwatch-forwarder roles
// and nothing else.

// KindBusPolicy is the resource kind of the central bus's policy in a plan.
const KindBusPolicy = "event-bus-policy"

// BusPolicySid is the statement of the central bus policy.
const BusPolicySid = "RootwatchOrgForwarders"

// CentralBusPolicy is the central bus's resource policy: events:PutEvents on
// the bus for principals of the organization (aws:PrincipalOrgID) that are a
// rootwatch-forwarder role (aws:PrincipalArn), so that no other principal of
// any account, and nobody outside the organization, can put events on it.
func CentralBusPolicy(partition, busARN, orgID string) string {
	return Document{Version: "2012-10-17", Statement: []Statement{{
		Sid:       BusPolicySid,
		Effect:    "Allow",
		Principal: map[string]any{"AWS": "*"},
		Action:    "events:PutEvents",
		Resource:  busARN,
		Condition: map[string]any{
			"StringEquals": map[string]any{"aws:PrincipalOrgID": orgID},
			"ArnLike":      map[string]any{"aws:PrincipalArn": arn(partition, "iam", "", "*", "role/"+ForwarderRoleName)},
		},
	}}}.String()
}

// MemberSpec is the desired state of an account that forwards to the central
// chain of central: the forwarder role, allowed to put events on the central
// bus only, and in each region a dead-letter queue and a forwarding rule whose
// target is the central bus. regions are the regions to cover (nil: every
// enabled one); those not enabled in the account are left out and returned.
func MemberSpec(central Spec, id cloud.Identity, enabled, regions []string) (Spec, []string) {
	p := central.Partition
	acct := id.Account
	var want, missing []string
	switch {
	case regions == nil:
		want = slices.Clone(enabled)
	default:
		for _, r := range append([]string{central.HomeRegion}, regions...) {
			switch {
			case slices.Contains(want, r):
			case slices.Contains(enabled, r):
				want = append(want, r)
			default:
				missing = append(missing, r)
			}
		}
	}
	sort.Strings(want)
	s := Spec{
		Account:    acct,
		Partition:  p,
		HomeRegion: central.HomeRegion,
		Regions:    want,
		Tags:       central.Tags,
		Bus:        central.Bus, // in the central account
	}
	s.Role = RoleSpec{
		Name:        ForwarderRoleName,
		ARN:         arn(p, "iam", "", acct, "role/"+ForwarderRoleName),
		PolicyName:  ForwarderPolicyName,
		Description: "rootwatch: lets the rootwatch-forward rules put root activity on the central rootwatch bus",
		Trust: Document{Version: "2012-10-17", Statement: []Statement{{
			Sid:       "EventBridgeForwardRules",
			Effect:    "Allow",
			Principal: map[string]any{"Service": "events.amazonaws.com"},
			Action:    "sts:AssumeRole",
			Condition: map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": acct},
				"ArnLike":      map[string]any{"aws:SourceArn": arn(p, "events", "*", acct, "rule/"+ForwardRuleName)},
			},
		}}}.String(),
		Policy: Document{Version: "2012-10-17", Statement: []Statement{{
			Sid:      "PutEventsOnCentralBus",
			Effect:   "Allow",
			Action:   "events:PutEvents",
			Resource: central.Bus.ARN,
		}}}.String(),
	}
	for _, r := range want {
		dlqARN := arn(p, "sqs", r, acct, DLQName)
		fwd := RuleSpec{
			Region:      r,
			Bus:         cloud.DefaultBus,
			Name:        ForwardRuleName,
			ARN:         arn(p, "events", r, acct, "rule/"+ForwardRuleName),
			Pattern:     forwardPattern(),
			State:       cloud.RuleEnabledAllManagement,
			Description: "rootwatch: forward root activity to the central rootwatch bus in " + central.Account + " " + central.HomeRegion,
			Target: cloud.Target{
				ID:            ForwardTargetID,
				ARN:           central.Bus.ARN,
				RoleARN:       s.Role.ARN,
				DeadLetterARN: dlqARN,
				MaxAttempts:   TargetMaxAttempts,
				MaxAge:        TargetMaxAge,
			},
		}
		dlq := QueueSpec{Region: r, Name: DLQName, ARN: dlqARN, Policy: Document{Version: "2012-10-17", Statement: []Statement{{
			Sid:       QueueStatementSid,
			Effect:    "Allow",
			Principal: map[string]any{"Service": "events.amazonaws.com"},
			Action:    "sqs:SendMessage",
			Resource:  dlqARN,
			Condition: map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": fwd.ARN}},
		}}}.String()}
		s.PerRegion = append(s.PerRegion, RegionSpec{Region: r, Forward: fwd, DLQ: dlq})
	}
	return s, missing
}

// PlanMember reads a member account and plans bringing it to spec (see
// MemberSpec). It makes no mutating call.
func PlanMember(ctx context.Context, acct cloud.Account, spec Spec) (*Plan, error) {
	p := &Plan{Command: "deploy", Account: spec.Account, HomeRegion: spec.HomeRegion, Regions: spec.Regions}
	add := func(c Change) { p.Changes = append(p.Changes, c) }
	if err := planRole(ctx, acct, spec, add); err != nil {
		return nil, err
	}
	perRegion := make([][]Change, len(spec.PerRegion))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, rs := range spec.PerRegion {
		g.Go(func() error {
			addR := func(c Change) { perRegion[i] = append(perRegion[i], c) }
			if err := planQueue(gctx, acct, rs.DLQ, spec.Tags, addR); err != nil {
				return err
			}
			return planRule(gctx, acct, rs.Forward, spec.Tags, addR)
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
func planBusPolicy(ctx context.Context, acct cloud.Account, spec Spec, add func(Change)) error {
	ev := acct.Events(spec.HomeRegion)
	set := func(ctx context.Context) error { return ev.SetBusPolicy(ctx, spec.Bus.Name, spec.Bus.Policy) }
	b, err := ev.Bus(ctx, spec.Bus.Name)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		add(Change{Action: Create, Resource: KindBusPolicy, Region: spec.HomeRegion, Name: spec.Bus.Name,
			Detail: "events:PutEvents for the organization's " + ForwarderRoleName + " roles only", Diff: policyDiff("", spec.Bus.Policy), apply: set})
	case err != nil:
		return fmt.Errorf("describe event bus %s in %s: %w", spec.Bus.Name, spec.HomeRegion, err)
	case b.Policy == "":
		add(Change{Action: Create, Resource: KindBusPolicy, Region: spec.HomeRegion, Name: spec.Bus.Name,
			Detail: "events:PutEvents for the organization's " + ForwarderRoleName + " roles only", Diff: policyDiff("", spec.Bus.Policy), apply: set})
	case !SamePolicy(b.Policy, spec.Bus.Policy):
		add(Change{Action: Update, Resource: KindBusPolicy, Region: spec.HomeRegion, Name: spec.Bus.Name, Diff: policyDiff(b.Policy, spec.Bus.Policy), apply: set})
	default:
		add(Change{Action: Unchanged, Resource: KindBusPolicy, Region: spec.HomeRegion, Name: spec.Bus.Name})
	}
	return nil
}

// OrgOptions are the user's choices for deploy --org.
type OrgOptions struct {
	Options          // HomeRegion, Regions, Emails, TopicARN, FixKMSPolicy, Version
	Central   string // the central account's ID; "" means the caller's
	Selection fleet.Selection
	Role      string // the role to assume in each account; cloud.DefaultAccessRole
	Workers   int    // accounts at once; fleet.DefaultWorkers
	// Progress, when set, is called as accounts are planned and applied.
	Progress func(stage string, done, total int)
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
	accounts, err := fleet.Select(ctx, caller.Org(), o.Selection)
	if err != nil {
		return nil, inputErrorf("%v", err)
	}
	central := o.Central
	if central == "" {
		central = id.Account
	}
	all, err := caller.Org().Accounts(ctx) // the central account need not be selected, but must be a member
	if err != nil {
		return nil, err
	}
	ci := slices.IndexFunc(all, func(a cloud.OrgAccount) bool { return a.ID == central })
	if ci < 0 {
		return nil, inputErrorf("--central-account %s is not an account of organization %s", central, org.ID)
	}
	home := o.HomeRegion
	if home == "" {
		home = DefaultHomeRegion
	}
	runner := &fleet.Runner{Caller: caller, CallerID: id.Account, Role: o.Role, Workers: o.Workers}
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
	good, problems := CheckTrails(orgTrails)
	if good == nil {
		why := "the management account has no organization trail"
		if len(orgTrails) > 0 {
			why = "no organization trail records root activity for EventBridge: " + strings.Join(problems, "; ")
		}
		return nil, &PreflightError{Problem: "CloudTrail pre-flight failed: " + why,
			Hint: "create an organization trail in the management account (multi-region, global service events, management events All or WriteOnly, logging), then run deploy --org again"}
	}
	op.Trail = good.ARN

	// The central account first: its spec names the bus every other account targets.
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
	co := o.Options
	co.HomeRegion = home
	co.OrgTrail = good.ARN
	cspec, err := Desired(cid, enabled, co)
	if err != nil {
		return nil, err
	}
	cspec.Bus.Policy = CentralBusPolicy(cspec.Partition, cspec.Bus.ARN, org.ID)
	op.BusARN = cspec.Bus.ARN
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
		spec, missing := MemberSpec(cspec, id, enabled, o.Regions)
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

// Apply applies every account's plan, Workers at once. A deploy applies the
// central account's first: when it fails, no other account is changed, since
// their forwarders would target a chain that is not there. An account that
// fails carries its error; Apply returns the number of accounts that failed.
func (p *OrgPlan) Apply(ctx context.Context) int {
	if len(p.Accounts) == 0 {
		return 0
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
	return failed
}
