package deploy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/pattern"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// planBus plans the home bus, which records the deployment's settings in its
// tags (chain.Settings): status, test and destroy check what was deployed,
// not what the rules happen to point at. A deploy without --email keeps the
// addresses recorded before.
func planBus(ctx context.Context, acct cloud.Account, spec chain.Spec, o chain.Options, add func(Change)) error {
	home := spec.HomeRegion
	ev := acct.Events(home)
	settings := chain.RecordedSettings(spec, o)
	b, err := ev.Bus(ctx, spec.Bus.Name)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		tags, err := settings.TagsOn(spec.Bus.Name, spec.Tags)
		if err != nil {
			return recordFull(err)
		}
		maps.Copy(tags, spec.Tags)
		add(Change{Action: Create, Resource: KindBus, Region: home, Name: spec.Bus.Name,
			apply: func(ctx context.Context) error {
				_, err := ev.CreateBus(ctx, spec.Bus.Name, tags)
				return err
			}})
	case err != nil:
		return err
	case b.Tags[cloud.StackTag] != "":
		// A CloudFormation stack owns the bus and its tags; its templates
		// record no settings (their templates take no --topic-arn: status checks
		// rootwatch's own topic, the right one).
		add(Change{Action: Unchanged, Resource: KindBus, Region: home, Name: spec.Bus.Name})
	default:
		if old, ok := chain.ReadSettings(b.Tags); ok && len(spec.Topic.Emails) == 0 {
			// No address given: keep what is recorded, a previous
			// release's digest or a list that cannot be read as it is.
			settings.Emails, settings.EmailsDigest, settings.EmailsUnreadable = old.Emails, old.EmailsDigest, old.EmailsUnreadable
		}
		tags, err := settings.TagsOn(spec.Bus.Name, b.Tags)
		if err != nil {
			return recordFull(err)
		}
		if !chain.SettingsDiffer(b.Tags, settings) {
			add(Change{Action: Unchanged, Resource: KindBus, Region: home, Name: spec.Bus.Name})
			return nil
		}
		add(Change{Action: Update, Resource: KindBus, Region: home, Name: spec.Bus.Name, Detail: "record the deployment's settings in its tags",
			apply: func(ctx context.Context) error { return ev.TagBus(ctx, spec.Bus.Name, tags) }})
	}
	return nil
}

// recordFull makes a settings record that does not fit the bus a pre-flight
// error, with its hint: nothing is changed.
func recordFull(err error) error {
	var full *chain.RecordFullError
	if errors.As(err, &full) {
		return &PreflightError{Problem: full.Error(), Hint: full.Hint()}
	}
	return err
}

// planForwarders plans each forwarder's dead-letter queue and forwarding rule,
// eight regions at a time, in the spec's order. A rootwatch bus in another
// region is an earlier deploy with another home region, whose alert chain
// still runs (duplicate alerts): the notes say so.
func planForwarders(ctx context.Context, acct cloud.Account, spec chain.Spec) ([]Change, []string, error) {
	perRegion := make([][]Change, len(spec.Forwarders))
	otherHomes := make([]string, len(spec.Forwarders))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	regionDone := regionCounter(ctx, len(spec.Forwarders))
	for i, f := range spec.Forwarders {
		g.Go(func() error {
			defer regionDone(f.Region)
			var cs []Change
			add := func(c Change) { cs = append(cs, c) }
			if err := planQueue(gctx, acct, f.DLQ, spec.Tags, add); err != nil {
				return err
			}
			if err := planRule(gctx, acct, f.Rule, spec.Tags, add); err != nil {
				return err
			}
			for _, hb := range spec.Watch.Heartbeats {
				if hb.Region == f.Region {
					if err := planRule(gctx, acct, hb, spec.Tags, add); err != nil {
						return err
					}
				}
			}
			perRegion[i] = cs
			if f.Region == spec.HomeRegion {
				return nil
			}
			if _, err := acct.Events(f.Region).Bus(gctx, spec.Bus.Name); err == nil {
				otherHomes[i] = f.Region
			} else if !errors.Is(err, cloud.ErrNotFound) {
				return err
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	var notes []string
	for _, r := range otherHomes {
		if r != "" {
			notes = append(notes, fmt.Sprintf("a rootwatch bus also exists in %s, from a deploy with --home-region %s: its alert rules still run; 'rootwatch destroy' removes every rootwatch resource in every region", r, r))
		}
	}
	return slices.Concat(perRegion...), notes, nil
}

// planAlertRules plans the alert rules on the home bus, and the removal of
// those an older rule pack deployed.
func planAlertRules(ctx context.Context, acct cloud.Account, spec chain.Spec) ([]Change, error) {
	var cs []Change
	add := func(c Change) { cs = append(cs, c) }
	for _, r := range spec.AlertRules {
		if err := planRule(ctx, acct, r, spec.Tags, add); err != nil {
			return nil, err
		}
	}
	for _, r := range spec.Watch.Beats {
		if err := planRule(ctx, acct, r, spec.Tags, add); err != nil {
			return nil, err
		}
	}
	existing, err := acct.Events(spec.HomeRegion).Rules(ctx, spec.Bus.Name, chain.AlertRulePrefix)
	if err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return nil, err
	}
	for _, r := range existing {
		if slices.ContainsFunc(spec.AlertRules, func(w chain.RuleSpec) bool { return w.Name == r.Name }) {
			continue
		}
		rcs, err := planRuleRemoval(ctx, acct, spec.HomeRegion, spec.Bus.Name, r.Name, "not in the rule pack any more")
		if err != nil {
			return nil, err
		}
		cs = append(cs, rcs...)
	}
	return cs, nil
}

func planRule(ctx context.Context, acct cloud.Account, r chain.RuleSpec, tags cloud.Tags, add func(Change)) error {
	ev := acct.Events(r.Region)
	want := cloud.Rule{Name: r.Name, Bus: r.Bus, Pattern: r.Pattern, Schedule: r.Schedule, State: r.State, Description: r.Description, Tags: tags}
	putRule := func(ctx context.Context) error {
		_, err := ev.PutRule(ctx, want)
		return err
	}
	putTarget := func(ctx context.Context) error { return ev.PutTargets(ctx, r.Bus, r.Name, []cloud.Target{r.Target}) }
	name := r.Name
	if r.Bus != cloud.DefaultBus {
		name = r.Bus + "/" + r.Name
	}
	cur, err := ev.Rule(ctx, r.Bus, r.Name)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		detail := string(r.State)
		if r.Schedule != "" {
			detail += ", " + r.Schedule
		}
		add(Change{Action: Create, Resource: KindRule, Region: r.Region, Name: name, Detail: detail, apply: putRule})
		if r.Target.ID != "" {
			add(Change{Action: Create, Resource: KindTarget, Region: r.Region, Name: name + " -> " + r.Target.ID, Detail: targetDetail(r.Target), apply: putTarget})
		}
		return nil
	case err != nil:
		return err
	}
	var diffs []string
	// A pattern handed back re-spaced or re-ordered (by a stack, say) is
	// the same pattern: status agrees (chain.JudgePattern).
	samePattern := pattern.Same(cur.Pattern, r.Pattern)
	if !samePattern {
		diffs = append(diffs, "pattern")
	}
	if cur.Schedule != r.Schedule {
		diffs = append(diffs, fmt.Sprintf("schedule %q -> %q", cur.Schedule, r.Schedule))
	}
	if cur.State != r.State {
		diffs = append(diffs, fmt.Sprintf("state %s -> %s", cur.State, r.State))
	}
	if cur.Description != r.Description {
		diffs = append(diffs, "description")
	}
	if len(diffs) > 0 {
		c := Change{Action: Update, Resource: KindRule, Region: r.Region, Name: name, Detail: strings.Join(diffs, ", "), apply: putRule}
		if !samePattern {
			c.Diff = policy.Diff(cur.Pattern, r.Pattern)
		}
		add(c)
	} else {
		add(Change{Action: Unchanged, Resource: KindRule, Region: r.Region, Name: name, Detail: string(r.State)})
	}
	targets, err := ev.Targets(ctx, r.Bus, r.Name)
	if err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return err
	}
	if r.Target.ID == "" {
		// A rule counted by its metric (a heartbeat's beat): it has no
		// target, and anyone's target is left alone.
		return nil
	}
	var got *cloud.Target
	var others []string
	for i := range targets {
		switch _, channel := chain.ChannelKind(targets[i].ID); {
		case targets[i].ID == r.Target.ID:
			got = &targets[i]
		case channel:
			// A channel's target: planChannels' business.
		default:
			others = append(others, targets[i].ID)
		}
	}
	tname := name + " -> " + r.Target.ID
	switch {
	case got == nil:
		add(Change{Action: Create, Resource: KindTarget, Region: r.Region, Name: tname, Detail: targetDetail(r.Target), apply: putTarget})
	case !chain.SameTarget(*got, r.Target):
		add(Change{Action: Update, Resource: KindTarget, Region: r.Region, Name: tname, Detail: strings.Join(chain.TargetDiffs(*got, r.Target), ", "), apply: putTarget})
	default:
		add(Change{Action: Unchanged, Resource: KindTarget, Region: r.Region, Name: tname})
	}
	if len(others) > 0 {
		// Someone added targets to a rootwatch rule; leave them, but say so.
		add(Change{Action: Keep, Resource: KindTarget, Region: r.Region, Name: name + " -> " + strings.Join(others, ","), Detail: "not rootwatch's; left alone"})
	}
	return nil
}

// planRuleRemoval plans removing a rule's targets and the rule.
func planRuleRemoval(ctx context.Context, acct cloud.Account, region, bus, rule, why string) ([]Change, error) {
	ev := acct.Events(region)
	name := rule
	if bus != cloud.DefaultBus {
		name = bus + "/" + rule
	}
	targets, err := ev.Targets(ctx, bus, rule)
	if errors.Is(err, cloud.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var cs []Change
	if len(targets) > 0 {
		var ids []string
		for _, t := range targets {
			ids = append(ids, t.ID)
		}
		cs = append(cs, Change{Action: Delete, Resource: KindTarget, Region: region, Name: name + " -> " + strings.Join(ids, ","), Detail: why,
			apply: func(ctx context.Context) error { return ignoreNotFound(ev.RemoveTargets(ctx, bus, rule, ids)) }})
	}
	cs = append(cs, Change{Action: Delete, Resource: KindRule, Region: region, Name: name, Detail: why,
		apply: func(ctx context.Context) error { return ignoreNotFound(ev.DeleteRule(ctx, bus, rule)) }})
	return cs, nil
}

func targetDetail(t cloud.Target) string {
	s := t.ARN
	if t.Input != nil {
		s += ", input transformer"
	}
	return s + ", dead-letter queue, retry policy"
}

func ignoreNotFound(err error) error {
	if errors.Is(err, cloud.ErrNotFound) {
		return nil
	}
	return err
}
