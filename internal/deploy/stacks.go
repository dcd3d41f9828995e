package deploy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/cfn"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// StackPlan is `deploy --via cloudformation`: the stacks of `rootwatch export
// cloudformation`, created or updated by CloudFormation in the account. For a
// stack that exists the plan is CloudFormation's own change set; for one that
// does not, the template's resources.
type StackPlan struct {
	Account    string         `json:"account"`
	HomeRegion string         `json:"homeRegion"`
	Regions    []string       `json:"regions"`
	Stacks     []PlannedStack `json:"stacks"`
	Notes      []string       `json:"notes,omitempty"`
	Applied    int            `json:"applied"` // stacks created or updated

	// Poll is how often Apply asks CloudFormation how a stack is doing
	// (default 2 s).
	Poll time.Duration `json:"-"`
	// OnEvent, when set, is called with every new stack event while Apply
	// waits (progress).
	OnEvent func(stack, region string, e cloud.StackEvent) `json:"-"`

	sa cloud.StackAccount
}

// PlannedStack is one stack of the plan in one region.
type PlannedStack struct {
	Name   string `json:"stack"`
	Region string `json:"region"`
	// Action is "create", "update" or "unchanged".
	Action    string                 `json:"action"`
	ChangeSet string                 `json:"changeSet,omitempty"` // the update's change set
	Changes   []cloud.ResourceChange `json:"changes"`

	input cloud.StackInput
}

// changeSetPrefix names the change sets deploy creates.
const changeSetPrefix = "rootwatch-"

// PrepareStacks plans `deploy --via cloudformation`. It creates a change set
// for each stack that exists (DiscardStacks removes them after a dry run);
// otherwise it makes no mutating call.
func PrepareStacks(ctx context.Context, acct cloud.Account, sa cloud.StackAccount, o chain.Options, now time.Time) (*StackPlan, error) {
	if o.TopicARN != "" {
		return nil, &PreflightError{
			Problem: "--via cloudformation cannot use --topic-arn: a CloudFormation topic policy replaces the whole policy of the topic, dropping its other publishers' statements",
			Hint:    "deploy through the API (without --via), which adds one statement to the topic's policy and keeps every other, or let the stack create rootwatch's own topic",
		}
	}
	if o.CreateTrail {
		return nil, &PreflightError{
			Problem: "--via cloudformation does not create a trail",
			Hint:    "create the trail first with 'rootwatch deploy --create-trail' through the API, or your own",
		}
	}
	id, err := acct.Identity(ctx)
	if err != nil {
		return nil, fmt.Errorf("get caller identity: %w", err)
	}
	regions := o.Regions
	if regions == nil {
		if regions, err = acct.Regions(ctx); err != nil {
			return nil, fmt.Errorf("list enabled regions: %w", err)
		}
	}
	e, err := cfn.Render(cfn.Options{HomeRegion: o.HomeRegion, Regions: regions, Emails: o.Emails, Version: o.Version})
	if err != nil {
		return nil, err
	}
	home := e.Manifest.HomeRegion
	trails, err := acct.Trails(home).Trails(ctx)
	if err != nil {
		return nil, fmt.Errorf("list trails in %s: %w", home, err)
	}
	if good, problems := chain.FitTrail(trails); good == nil {
		return nil, &PreflightError{
			Problem: "CloudTrail pre-flight failed: no trail records root activity for EventBridge: " + strings.Join(problems, "; "),
			Hint:    "fix the trail (logging, multi-region, global service events, management events All or WriteOnly), or create one with 'rootwatch deploy --create-trail' through the API",
		}
	}
	// CloudFormation cannot take over resources that exist under the names
	// its templates give: a chain deployed through the API must go first.
	if _, err := sa.Stacks(home).Stack(ctx, cfn.HomeStackName); errors.Is(err, cloud.ErrNotFound) {
		b, err := acct.Events(home).Bus(ctx, chain.BusName)
		switch {
		case err == nil && b.Tags[cloud.StackTag] == "":
			return nil, &PreflightError{
				Problem: fmt.Sprintf("the bus %s in %s exists outside CloudFormation (deployed through the API): a stack cannot create resources whose names are taken", chain.BusName, home),
				Hint:    "keep deploying through the API ('rootwatch deploy'), or remove that chain first ('rootwatch destroy', which keeps the trail) and run deploy --via cloudformation again",
			}
		case err != nil && !errors.Is(err, cloud.ErrNotFound):
			return nil, fmt.Errorf("describe event bus %s in %s: %w", chain.BusName, home, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("describe stack %s in %s: %w", cfn.HomeStackName, home, err)
	}
	p := &StackPlan{Account: id.Account, HomeRegion: home, Regions: e.Manifest.Regions, sa: sa}
	if len(o.Emails) > 0 {
		p.Notes = append(p.Notes, "a new e-mail subscription stays pending until its recipient clicks Confirm subscription in the mail from AWS")
	} else {
		p.Notes = append(p.Notes, "no --email given: nobody receives the alerts until the topic has a confirmed subscription")
	}
	// The forwarder role is bounded as an API deploy bounds it: by the
	// account's rootwatch-forwarder-boundary when an administrator created it.
	boundary, err := forwarderBoundary(ctx, acct.Roles(), chain.Spec{Role: chain.RoleSpec{Boundary: chain.BoundarySpec{
		ARN: chain.BoundaryARN(id.Partition, id.Account), Policy: chain.AccountBoundary()}}})
	if err != nil {
		return nil, err
	}
	bodies := e.Templates()
	csName := changeSetPrefix + now.UTC().Format("20060102-150405")
	for _, s := range e.Manifest.Stacks {
		tmpl := bodies[s.Template]
		if _, ok := tmpl.Parameters[cfn.ParamBoundary]; ok && boundary != "" {
			s.Parameters = maps.Clone(s.Parameters)
			if s.Parameters == nil {
				s.Parameters = map[string]string{}
			}
			s.Parameters[cfn.ParamBoundary] = "true"
		}
		for _, r := range s.Regions {
			ps := PlannedStack{Name: s.Name, Region: r, input: cloud.StackInput{
				Name: s.Name, Template: string(tmpl.JSON()), Parameters: s.Parameters, Capabilities: s.Capabilities, Tags: s.Tags,
			}}
			st := sa.Stacks(r)
			cur, err := st.Stack(ctx, s.Name)
			switch {
			case errors.Is(err, cloud.ErrNotFound) || err == nil && cur.Status == "REVIEW_IN_PROGRESS":
				ps.Action = "create"
				for _, id := range tmpl.LogicalIDs() {
					ps.Changes = append(ps.Changes, cloud.ResourceChange{Action: "Add", LogicalID: id, Type: tmpl.Resources[id].Type})
				}
			case err != nil:
				return nil, fmt.Errorf("describe stack %s in %s: %w", s.Name, r, err)
			case strings.HasSuffix(cur.Status, "_IN_PROGRESS"):
				return nil, &PreflightError{
					Problem: fmt.Sprintf("stack %s in %s is %s", s.Name, r, cur.Status),
					Hint:    "wait until it is done (aws cloudformation describe-stacks --stack-name " + s.Name + " --region " + r + "), then run deploy again",
				}
			case cur.Status == "ROLLBACK_COMPLETE" || cur.Status == "ROLLBACK_FAILED" || cur.Status == "CREATE_FAILED":
				return nil, &PreflightError{
					Problem: fmt.Sprintf("stack %s in %s is %s (%s): CloudFormation cannot update it", s.Name, r, cur.Status, cur.StatusReason),
					Hint:    "delete it (aws cloudformation delete-stack --stack-name " + s.Name + " --region " + r + "), then run deploy again",
				}
			default:
				if _, err := st.CreateChangeSet(ctx, ps.input, csName, false); err != nil {
					if !noChanges(err.Error()) { // moto refuses the change set outright
						return nil, err
					}
					ps.Action = "unchanged"
					p.Stacks = append(p.Stacks, ps)
					continue
				}
				cs, err := waitChangeSet(ctx, st, s.Name, csName, p.poll())
				if err != nil {
					return nil, err
				}
				ps.ChangeSet = csName
				ps.Changes = cs.Changes
				ps.Action = "update"
				if cs.Status == "FAILED" {
					if !noChanges(cs.StatusReason) {
						return nil, fmt.Errorf("change set %s of stack %s in %s failed: %s", csName, s.Name, r, cs.StatusReason)
					}
					ps.Action, ps.Changes = "unchanged", nil
				}
			}
			p.Stacks = append(p.Stacks, ps)
		}
	}
	return p, nil
}

// noChanges reports whether a failed change set's reason is that there is
// nothing to change.
func noChanges(reason string) bool {
	return strings.Contains(reason, "didn't contain changes") || strings.Contains(reason, "No updates are to be performed")
}

func (p *StackPlan) poll() time.Duration {
	if p.Poll > 0 {
		return p.Poll
	}
	return 2 * time.Second
}

func waitChangeSet(ctx context.Context, st cloud.Stacks, stack, name string, poll time.Duration) (cloud.ChangeSet, error) {
	for {
		cs, err := st.ChangeSet(ctx, stack, name)
		if err != nil {
			return cloud.ChangeSet{}, err
		}
		if cs.Status != "CREATE_PENDING" && cs.Status != "CREATE_IN_PROGRESS" {
			return cs, nil
		}
		select {
		case <-ctx.Done():
			return cloud.ChangeSet{}, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// Counts returns how many stacks the plan creates or updates, and how many it
// leaves unchanged.
func (p *StackPlan) Counts() (changes, unchanged int) {
	for _, s := range p.Stacks {
		if s.Action == "unchanged" {
			unchanged++
		} else {
			changes++
		}
	}
	return changes, unchanged
}

// Discard deletes the change sets the plan created (after a dry run).
func (p *StackPlan) Discard(ctx context.Context) error {
	var errs []error
	for _, s := range p.Stacks {
		if s.ChangeSet != "" {
			if err := p.sa.Stacks(s.Region).DeleteChangeSet(ctx, s.Name, s.ChangeSet); err != nil && !errors.Is(err, cloud.ErrNotFound) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// StackError is a stack that CloudFormation could not create or update, with
// the events that say why.
type StackError struct {
	Stack, Region, Status, Reason string
	Failed                        []cloud.StackEvent // the events with a *_FAILED status, oldest first
	Done                          int                // stacks applied before it
}

func (e *StackError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stack %s in %s: %s (after %d stacks applied)", e.Stack, e.Region, e.Status, e.Done)
	if e.Reason != "" {
		fmt.Fprintf(&b, ": %s", e.Reason)
	}
	for _, ev := range e.Failed {
		fmt.Fprintf(&b, "\n  %s %s %s: %s", ev.LogicalID, ev.Type, ev.Status, ev.StatusReason)
	}
	return b.String()
}

// Apply creates or updates the stacks in the plan's order and waits for each.
// A stack that fails stops it, with the stack events that explain the failure.
func (p *StackPlan) Apply(ctx context.Context, now time.Time) error {
	for _, s := range p.Stacks {
		if s.Action == "unchanged" {
			continue
		}
		st := p.sa.Stacks(s.Region)
		cs := s.ChangeSet
		if s.Action == "create" {
			cs = changeSetPrefix + now.UTC().Format("20060102-150405")
			if _, err := st.CreateChangeSet(ctx, s.input, cs, true); err != nil {
				return err
			}
			c, err := waitChangeSet(ctx, st, s.Name, cs, p.poll())
			if err != nil {
				return err
			}
			if c.Status == "FAILED" {
				return &StackError{Stack: s.Name, Region: s.Region, Status: "change set " + cs + " FAILED", Reason: c.StatusReason, Done: p.Applied}
			}
		}
		// Events before the execution are not this deploy's.
		seen := map[string]bool{}
		if old, err := st.Events(ctx, s.Name); err == nil {
			for _, e := range old {
				seen[eventKey(e)] = true
			}
		}
		if err := st.ExecuteChangeSet(ctx, s.Name, cs); err != nil {
			return err
		}
		final, events, err := p.wait(ctx, st, s.Name, s.Region, seen)
		if err != nil {
			return err
		}
		if final.Status != "CREATE_COMPLETE" && final.Status != "UPDATE_COMPLETE" {
			se := &StackError{Stack: s.Name, Region: s.Region, Status: final.Status, Reason: final.StatusReason, Done: p.Applied}
			for _, e := range events {
				if strings.HasSuffix(e.Status, "_FAILED") {
					se.Failed = append(se.Failed, e)
				}
			}
			return se
		}
		p.Applied++
	}
	return nil
}

func eventKey(e cloud.StackEvent) string {
	return e.Time.String() + "|" + e.LogicalID + "|" + e.Status
}

// wait polls a stack until it leaves *_IN_PROGRESS, reporting new events, and
// returns it with the events of this deploy, oldest first.
func (p *StackPlan) wait(ctx context.Context, st cloud.Stacks, name, region string, seen map[string]bool) (cloud.Stack, []cloud.StackEvent, error) {
	var mine []cloud.StackEvent
	for {
		s, err := st.Stack(ctx, name)
		if err != nil {
			return cloud.Stack{}, nil, err
		}
		events, err := st.Events(ctx, name)
		if err != nil {
			return cloud.Stack{}, nil, err
		}
		sort.SliceStable(events, func(i, j int) bool { return events[i].Time.Before(events[j].Time) })
		for _, e := range events {
			if k := eventKey(e); !seen[k] {
				seen[k] = true
				mine = append(mine, e)
				if p.OnEvent != nil {
					p.OnEvent(name, region, e)
				}
			}
		}
		if !strings.HasSuffix(s.Status, "_IN_PROGRESS") {
			return s, mine, nil
		}
		select {
		case <-ctx.Done():
			return cloud.Stack{}, nil, ctx.Err()
		case <-time.After(p.poll()):
		}
	}
}
