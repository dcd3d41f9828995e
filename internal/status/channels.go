package status

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/channel"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// channels checks the channels deployed in the home region (found by name:
// status needs no secret): per channel its connection, its API destination and
// its target on every alert rule, and then the role those targets use. A
// channel's undelivered alerts land in the home region's dead-letter queue,
// which the dlq check reports. Without channels it returns nothing.
//
// Check names: channel/NAME (the connection), channel-destination/NAME,
// channel-targets/NAME, channel-role, channel-role-permissions.
func (c *checker) channels(ctx context.Context) []Result {
	region := c.spec.HomeRegion
	d := c.acct.Destinations(region)
	conns, err := d.Connections(ctx, chain.ChannelPrefix)
	if err != nil {
		return []Result{apiError(region, "channels", err)}
	}
	dsts, err := d.Destinations(ctx, chain.ChannelPrefix)
	if err != nil {
		return []Result{apiError(region, "channels", err)}
	}
	names := map[string]bool{}
	for _, x := range conns {
		names[x.Name] = true
	}
	for _, x := range dsts {
		names[x.Name] = true
	}
	if len(names) == 0 {
		return nil
	}
	c.channelCount = len(names)
	var rs []Result
	var dstARNs []string
	for _, name := range slices.Sorted(maps.Keys(names)) {
		kind, ok := chain.ChannelKind(name)
		if !ok {
			continue
		}
		ci := slices.IndexFunc(conns, func(x cloud.Connection) bool { return x.Name == name })
		di := slices.IndexFunc(dsts, func(x cloud.Destination) bool { return x.Name == name })
		host := "(no API destination)"
		if di >= 0 {
			host = chain.EndpointHost(dsts[di].Endpoint)
		}
		if ci < 0 {
			rs = append(rs, Result{Region: region, Check: "channel/" + name, Status: Fail,
				Detail: fmt.Sprintf("connection %s of the %s %s channel is missing: its alerts are not sent", name, kind, host),
				Fix:    fmt.Sprintf("run 'rootwatch deploy --%s ...' with the channel's secret to restore it", kind)})
		} else {
			rs = append(rs, result(region, "channel/"+name, chain.JudgeConnection(kind, host, conns[ci])))
		}
		if di < 0 {
			rs = append(rs, Result{Region: region, Check: "channel-destination/" + name, Status: Fail,
				Detail: fmt.Sprintf("API destination %s of the %s channel is missing: its alerts are not sent", name, kind),
				Fix:    fmt.Sprintf("run 'rootwatch deploy --%s ...' with the channel's secret to restore it", kind)})
			continue
		}
		connARN := ""
		if ci >= 0 {
			connARN = conns[ci].ARN
		}
		rs = append(rs, result(region, "channel-destination/"+name, chain.JudgeDestination(kind, dsts[di], connARN)))
		rs = append(rs, c.channelTargets(ctx, kind, name, host, dsts[di].ARN))
		dstARNs = append(dstARNs, dsts[di].ARN)
	}
	return append(rs, c.channelRole(ctx, dstARNs)...)
}

// channelTargets checks that every alert rule sends to the channel with the
// transformer, role, dead-letter queue and retry policy deploy gives it, and
// reports the worst, with how many rules it concerns.
func (c *checker) channelTargets(ctx context.Context, kind channel.Kind, name, host, dstARN string) Result {
	region := c.spec.HomeRegion
	check := "channel-targets/" + name
	var worst chain.Verdict
	bad := 0
	for _, r := range c.spec.AlertRules {
		want, err := c.spec.ChannelTarget(kind, name, r, dstARN)
		if err != nil {
			return Result{Region: region, Check: check, Status: Error, Detail: "could not check: " + err.Error(), Err: err}
		}
		ts, err := c.acct.Events(region).Targets(ctx, r.Bus, r.Name)
		if missing(err) {
			continue // the rule's own line says it is missing
		}
		if err != nil {
			return apiError(region, check, err)
		}
		rs := r
		rs.Target = want
		v := chain.JudgeTarget(rs, ts, "its "+r.RuleID+" alerts do not reach the "+string(kind)+" "+host+" channel")
		if v.Status != OK {
			bad++
			if worst.Status == "" || worst.Status.Worse(v.Status) != worst.Status {
				worst = v // the first of the worst
			}
		}
	}
	if bad == 0 {
		return Result{Region: region, Check: check, Status: OK, Detail: fmt.Sprintf("%d alert rules send to the %s %s channel", len(c.spec.AlertRules), kind, host)}
	}
	if bad > 1 {
		worst.Detail += fmt.Sprintf(" (and %d more alert rules)", bad-1)
	}
	return result(region, check, worst)
}

// restoreChannelRole is how to restore the channel role or its own policy:
// deploy rebuilds them from the API destinations deployed, without the
// channels' secrets.
const restoreChannelRole = "run 'rootwatch deploy' (the channels' flags are not needed): it restores the role from the channels deployed"

// channelRole checks the role the channels' targets use: EventBridge may
// assume it and its own policy lets it invoke every channel's API
// destination; and then that nothing else on the role (another policy, a
// boundary) keeps it from doing so.
func (c *checker) channelRole(ctx context.Context, dstARNs []string) []Result {
	const check = "channel-role"
	roles := c.acct.Roles()
	r, err := roles.Role(ctx, chain.ChannelRoleName)
	if missing(err) {
		return []Result{{Region: Global, Check: check, Status: Fail,
			Detail: fmt.Sprintf("role %s is missing: EventBridge cannot invoke any channel", chain.ChannelRoleName), Fix: restoreChannelRole}}
	}
	if err != nil {
		return []Result{apiError(Global, check, err)}
	}
	return []Result{c.channelRolePolicy(ctx, r, dstARNs), c.channelRolePermissions(ctx, r, dstARNs)}
}

// channelRolePolicy checks the channel role's trust and its own policy.
func (c *checker) channelRolePolicy(ctx context.Context, r cloud.Role, dstARNs []string) Result {
	const check = "channel-role"
	roles := c.acct.Roles()
	if v := chain.JudgeChannelRoleTrust(r); v.Status != OK {
		return result(Global, check, v)
	}
	doc, err := roles.RolePolicy(ctx, chain.ChannelRoleName, chain.ChannelPolicyName)
	if err != nil && !missing(err) {
		return apiError(Global, check, err)
	}
	p, perr := policy.Read(doc)
	for _, arn := range dstARNs {
		allowed := false
		if err == nil && perr == nil {
			for _, st := range p.Statement {
				if st.IsAllow() && st.Covers("events:InvokeApiDestination") && st.On(arn) {
					allowed = true
				}
			}
		}
		if !allowed {
			return Result{Region: Global, Check: check, Status: Fail,
				Detail: fmt.Sprintf("role %s may not events:InvokeApiDestination on %s: that channel's alerts are not sent", chain.ChannelRoleName, arn),
				Fix:    restoreChannelRole}
		}
	}
	return Result{Region: Global, Check: check, Status: OK, Detail: fmt.Sprintf("role %s may invoke the %d channels", chain.ChannelRoleName, len(dstARNs))}
}
