package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Resource kinds of the channels.
const (
	KindConnection  = "events-connection"
	KindDestination = "api-destination"
)

// planChannels plans the channels of spec: the role their targets use, and for
// each channel its connection, API destination and one target per alert rule.
// Given channels, deploy is declarative: channels deployed earlier and not
// given now are removed. Given none, the deployed channels are left as they are
// (their secrets cannot be read back), and a note says so; their role, which
// needs no secret, is made rootwatch's again, its trust and own policy rebuilt
// from the API destinations deployed.
//
// Plans show a channel by its kind and host; neither the connection's secret
// nor an endpoint URL goes into a change.
func planChannels(ctx context.Context, acct cloud.Account, spec chain.Spec, p *Plan, add func(Change)) error {
	home := spec.HomeRegion
	dests := acct.Destinations(home)
	conns, err := dests.Connections(ctx, chain.ChannelPrefix)
	if err != nil {
		return fmt.Errorf("list connections in %s: %w", home, err)
	}
	dsts, err := dests.Destinations(ctx, chain.ChannelPrefix)
	if err != nil {
		return fmt.Errorf("list API destinations in %s: %w", home, err)
	}
	if len(spec.Channels) == 0 {
		if len(conns) == 0 && len(dsts) == 0 {
			return nil
		}
		var names []string
		for _, c := range conns {
			names = append(names, c.Name)
		}
		for _, d := range dsts {
			if !slices.Contains(names, d.Name) {
				names = append(names, d.Name)
			}
		}
		p.Notes = append(p.Notes, fmt.Sprintf("channels deployed earlier are left as they are (%s): deploy with --slack, --teams, --pagerduty or --webhook replaces the set, destroy removes them", strings.Join(names, ", ")))
		// Their role needs no secret: it is rebuilt from the API
		// destinations deployed, as a deploy given the channels writes it.
		var deployed []string
		for _, d := range dsts {
			if _, ok := chain.ChannelKind(d.Name); ok {
				deployed = append(deployed, d.Name)
			}
		}
		return planChannelRole(ctx, acct, spec, spec.ChannelRoleFor(deployed), len(deployed) > 0, p, add)
	}
	if err := planChannelRole(ctx, acct, spec, spec.ChannelRole, true, p, add); err != nil {
		return err
	}
	targets, err := alertTargets(ctx, acct, spec)
	if err != nil {
		return err
	}
	for _, c := range spec.Channels {
		planChannel(acct, spec, c, conns, dsts, targets, add)
	}

	// Channels deployed earlier and not given now.
	wanted := func(name string) bool {
		return slices.ContainsFunc(spec.Channels, func(c chain.ChannelSpec) bool { return c.Name == name })
	}
	ev := acct.Events(home)
	for _, r := range spec.AlertRules {
		var ids []string
		for _, t := range targets[r.Name] {
			if _, ok := chain.ChannelKind(t.ID); ok && !wanted(t.ID) {
				ids = append(ids, t.ID)
			}
		}
		if len(ids) > 0 {
			add(Change{Action: Delete, Resource: KindTarget, Region: home, Name: spec.Bus.Name + "/" + r.Name + " -> " + strings.Join(ids, ","), Detail: "channel not given",
				apply: func(ctx context.Context) error {
					return ignoreNotFound(ev.RemoveTargets(ctx, spec.Bus.Name, r.Name, ids))
				}})
		}
	}
	cs, err := planChannelRemoval(ctx, acct, home, wanted)
	if err != nil {
		return err
	}
	for _, c := range cs {
		add(c)
	}
	return nil
}

// planChannelRole makes the channel role want again: first the repair, as
// in PlanDeploy (it puts rootwatch's boundary back, and iam:PutRolePolicy
// is allowed only under that boundary), then, when own, the role's trust and
// its own policy. With no API destination to invoke there is no policy to
// write (own false): only what others put on the role goes.
func planChannelRole(ctx context.Context, acct cloud.Account, spec chain.Spec, want chain.RoleSpec, own bool, p *Plan, add func(Change)) error {
	if err := planRoleRepair(ctx, acct, spec, want, p, add); err != nil {
		return err
	}
	if !own {
		return nil
	}
	return planRoleSpec(ctx, acct, spec, want, spec.Tags, "trusted by events.amazonaws.com for the rootwatch alert rules",
		"events:InvokeApiDestination on the rootwatch channels", add)
}

// alertTargets reads the targets of the alert rules that exist, by rule name.
func alertTargets(ctx context.Context, acct cloud.Account, spec chain.Spec) (map[string][]cloud.Target, error) {
	ev := acct.Events(spec.HomeRegion)
	out := map[string][]cloud.Target{}
	for _, r := range spec.AlertRules {
		ts, err := ev.Targets(ctx, r.Bus, r.Name)
		switch {
		case errors.Is(err, cloud.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("list targets of rule %s/%s in %s: %w", r.Bus, r.Name, spec.HomeRegion, err)
		default:
			out[r.Name] = ts
		}
	}
	return out, nil
}

// planChannel plans one channel's connection, API destination and targets.
// The ARNs AWS gives the connection and the destination are known only once
// they exist: the changes that create them record them for the changes after.
func planChannel(acct cloud.Account, spec chain.Spec, c chain.ChannelSpec, conns []cloud.Connection, dsts []cloud.Destination, targets map[string][]cloud.Target, add func(Change)) {
	home := spec.HomeRegion
	dests := acct.Destinations(home)
	what := c.Channel.String()
	var connARN, dstARN string

	want := c.Connection()
	i := slices.IndexFunc(conns, func(x cloud.Connection) bool { return x.Name == c.Name })
	update := func(ctx context.Context) error {
		got, err := dests.UpdateConnection(ctx, want)
		connARN = got.ARN
		return err
	}
	switch {
	case i < 0:
		add(Change{Action: Create, Resource: KindConnection, Region: home, Name: c.Name, Detail: what,
			apply: func(ctx context.Context) error {
				got, err := dests.CreateConnection(ctx, want)
				connARN = got.ARN
				return err
			}})
	case conns[i].State != cloud.ConnectionAuthorized:
		connARN = conns[i].ARN
		add(Change{Action: Update, Resource: KindConnection, Region: home, Name: c.Name, Detail: what + ": " + string(conns[i].State) + ", authorize again", apply: update})
	case connectionDiffers(conns[i], want):
		connARN = conns[i].ARN
		add(Change{Action: Update, Resource: KindConnection, Region: home, Name: c.Name, Detail: what + ": parameters", apply: update})
	default:
		connARN = conns[i].ARN
		add(Change{Action: Unchanged, Resource: KindConnection, Region: home, Name: c.Name, Detail: what})
	}

	j := slices.IndexFunc(dsts, func(x cloud.Destination) bool { return x.Name == c.Name })
	if j < 0 {
		add(Change{Action: Create, Resource: KindDestination, Region: home, Name: c.Name, Detail: fmt.Sprintf("%s, at most %d/s", what, c.Channel.RateLimit()),
			apply: func(ctx context.Context) error {
				got, err := dests.CreateDestination(ctx, c.Destination(connARN))
				dstARN = got.ARN
				return err
			}})
	} else {
		cur := dsts[j]
		dstARN = cur.ARN
		if d := destinationDiffs(cur, c.Destination(connARN)); len(d) > 0 {
			add(Change{Action: Update, Resource: KindDestination, Region: home, Name: c.Name, Detail: what + ": " + strings.Join(d, ", "),
				apply: func(ctx context.Context) error {
					got, err := dests.UpdateDestination(ctx, c.Destination(connARN))
					dstARN = got.ARN
					return err
				}})
		} else {
			add(Change{Action: Unchanged, Resource: KindDestination, Region: home, Name: c.Name, Detail: what})
		}
	}

	ev := acct.Events(home)
	for _, r := range spec.AlertRules {
		name := spec.Bus.Name + "/" + r.Name + " -> " + c.Name
		put := func(ctx context.Context) error {
			t, err := spec.ChannelTarget(c.Kind(), c.Name, r, dstARN)
			if err != nil {
				return err
			}
			return ev.PutTargets(ctx, r.Bus, r.Name, []cloud.Target{t})
		}
		detail := what + ", input transformer, dead-letter queue, retry policy"
		ti := slices.IndexFunc(targets[r.Name], func(t cloud.Target) bool { return t.ID == c.Name })
		if ti < 0 || dstARN == "" {
			add(Change{Action: Create, Resource: KindTarget, Region: home, Name: name, Detail: detail, apply: put})
			continue
		}
		wantT, err := spec.ChannelTarget(c.Kind(), c.Name, r, dstARN)
		switch {
		case err != nil:
			add(Change{Action: Update, Resource: KindTarget, Region: home, Name: name, Detail: err.Error(), apply: put})
		case !chain.SameTarget(targets[r.Name][ti], wantT):
			add(Change{Action: Update, Resource: KindTarget, Region: home, Name: name, Detail: strings.Join(chain.TargetDiffs(targets[r.Name][ti], wantT), ", "), apply: put})
		default:
			add(Change{Action: Unchanged, Resource: KindTarget, Region: home, Name: name})
		}
	}
}

// connectionDiffers reports whether a connection's readable parameters differ
// from want's. The secret cannot be read back; it is part of the channel's
// name, so another secret is another channel.
func connectionDiffers(got cloud.Connection, want cloud.ConnectionSpec) bool {
	var keys []string
	for _, b := range want.Body {
		keys = append(keys, b.Key)
	}
	return got.AuthType != cloud.AuthAPIKey || got.APIKeyName != want.APIKeyName || got.Description != want.Description || !slices.Equal(got.BodyKeys, keys)
}

// destinationDiffs names what differs between a destination and the wanted
// one, without showing the endpoint (it may be the secret).
func destinationDiffs(got, want cloud.Destination) []string {
	var d []string
	if got.Endpoint != want.Endpoint {
		d = append(d, "endpoint")
	}
	if got.Method != want.Method {
		d = append(d, "method")
	}
	if got.RateLimit != want.RateLimit {
		d = append(d, fmt.Sprintf("rate limit %d/s -> %d/s", got.RateLimit, want.RateLimit))
	}
	if want.ConnectionARN != "" && got.ConnectionARN != want.ConnectionARN {
		d = append(d, "connection")
	}
	if got.Description != want.Description {
		d = append(d, "description")
	}
	return d
}

// planChannelRemoval plans deleting the channels' API destinations and
// connections in region, except those keep says to keep (nil keeps none).
func planChannelRemoval(ctx context.Context, acct cloud.Account, region string, keep func(name string) bool) ([]Change, error) {
	dests := acct.Destinations(region)
	dsts, err := dests.Destinations(ctx, chain.ChannelPrefix)
	if err != nil {
		return nil, fmt.Errorf("list API destinations in %s: %w", region, err)
	}
	conns, err := dests.Connections(ctx, chain.ChannelPrefix)
	if err != nil {
		return nil, fmt.Errorf("list connections in %s: %w", region, err)
	}
	var cs []Change
	for _, d := range dsts {
		if keep != nil && keep(d.Name) {
			continue
		}
		kind, _ := chain.ChannelKind(d.Name)
		cs = append(cs, Change{Action: Delete, Resource: KindDestination, Region: region, Name: d.Name, Detail: string(kind) + " " + chain.EndpointHost(d.Endpoint),
			apply: func(ctx context.Context) error { return ignoreNotFound(dests.DeleteDestination(ctx, d.Name)) }})
	}
	for _, c := range conns {
		if keep != nil && keep(c.Name) {
			continue
		}
		cs = append(cs, Change{Action: Delete, Resource: KindConnection, Region: region, Name: c.Name, Detail: "with its secret",
			apply: func(ctx context.Context) error { return ignoreNotFound(dests.DeleteConnection(ctx, c.Name)) }})
	}
	return cs, nil
}
