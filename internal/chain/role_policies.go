package chain

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rootwatch/rootwatch/internal/policy"
)

// RolePermissions is what IAM holds of a role's permissions besides its
// trust: its inline policies and attached managed policies with their
// documents, and its permissions boundary.
type RolePermissions struct {
	Inline   map[string]string // inline policy name -> document
	Managed  map[string]string // attached managed policy ARN -> document ("" when it could not be read)
	Boundary string            // the boundary's ARN; "" when none
	// BoundaryDoc is the boundary's document ("" when none or unreadable).
	BoundaryDoc string
	// OwnBoundary says the account holds rootwatch's boundary
	// (s.Role.Boundary.ARN): deploy puts it on the role.
	OwnBoundary bool
}

// JudgeRolePermissions judges the forwarder role's permissions beyond
// rootwatch's own inline policy (issue 9 case 5): an explicit Deny of the
// forwarding call (events:PutEvents on the target bus) in any policy of the
// role, or a boundary that does not allow it, stops every region's
// forwarding: FAIL naming the policy. A policy rootwatch did not put on its
// role, or a boundary that is not rootwatch's, is reported (WARN): deploy
// makes the role exactly rootwatch's again.
func JudgeRolePermissions(s Spec, rp RolePermissions) Verdict {
	return judgeRoleUse(s, roleUse{
		name: s.Role.Name, policyName: s.Role.PolicyName, account: s.Role.ARN,
		action: "events:PutEvents", resources: []string{s.Bus.ARN}, lost: "no region can forward",
	}, rp)
}

// JudgeChannelRolePermissions judges the channel role's (ChannelRoleName)
// permissions beyond rootwatch's own inline policy, as JudgeRolePermissions
// does the forwarder's: an explicit Deny of events:InvokeApiDestination on
// a channel's API destination (destinations: their ARNs, as deployed), or a
// boundary that does not allow it, keeps every alert from that channel.
func JudgeChannelRolePermissions(s Spec, rp RolePermissions, destinations []string) Verdict {
	return judgeRoleUse(s, roleUse{
		name: ChannelRoleName, policyName: ChannelPolicyName, account: s.Role.ARN,
		action: "events:InvokeApiDestination", resources: destinations, lost: "its channels get no alert",
	}, rp)
}

// roleUse is what one of rootwatch's roles is for: its inline policy, and
// the call EventBridge makes with it on the resources it must reach.
type roleUse struct {
	name, policyName string
	account          string // an ARN in the role's account (policy variables resolve for it)
	action           string
	resources        []string
	lost             string // what a refusal costs
}

// judgeRoleUse judges what else than rootwatch's own policy bears on u's
// call: an explicit Deny in any of the role's policies, or a boundary that
// does not allow it, FAILs naming the statement and the policy; a policy
// rootwatch did not put there, or a boundary not rootwatch's, WARNs.
func judgeRoleUse(s Spec, u roleUse, rp RolePermissions) Verdict {
	account := ""
	if a, err := ParseARN(u.account); err == nil {
		account = a.Account
	}
	// Policy variables resolve for the role's own account, as IAM does.
	resolve := func(doc string) string { return strings.ReplaceAll(doc, principalAccount, account) }
	const fix = "run 'rootwatch deploy': it removes from its role the policies it did not put there and puts its own boundary back"
	var failures, warnings []string
	judge := func(what, doc string) {
		p, err := policy.Read(resolve(doc))
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("%s cannot be read (%v)", what, err))
			return
		}
		// One line per statement, naming every resource it denies.
		var order []policy.Denial
		on := map[policy.Denial][]string{}
		for _, res := range u.resources {
			for _, d := range p.Denials(u.action, res) {
				if _, seen := on[d]; !seen {
					order = append(order, d)
				}
				on[d] = append(on[d], res)
			}
		}
		for _, d := range order {
			res := strings.Join(on[d], ", ")
			if d.Conditional {
				warnings = append(warnings, fmt.Sprintf("statement %s of %s denies %s on %s under conditions status does not evaluate", d.Name, what, u.action, res))
			} else {
				failures = append(failures, fmt.Sprintf("statement %s of %s denies %s on %s", d.Name, what, u.action, res))
			}
		}
	}
	var foreign []string
	for _, name := range slices.Sorted(maps.Keys(rp.Inline)) {
		what := "inline policy " + name
		judge(what, rp.Inline[name])
		if name != u.policyName {
			foreign = append(foreign, what)
		}
	}
	for _, arn := range slices.Sorted(maps.Keys(rp.Managed)) {
		what := "managed policy " + arn
		if rp.Managed[arn] != "" {
			judge(what, rp.Managed[arn])
		}
		foreign = append(foreign, what)
	}
	if rp.Boundary != "" {
		what := "permissions boundary " + rp.Boundary
		judge(what, rp.BoundaryDoc)
		if p, err := policy.Read(resolve(rp.BoundaryDoc)); err == nil {
			var refused []string
			for _, res := range u.resources {
				if !slices.ContainsFunc(p.Statement, func(st policy.Statement) bool {
					return st.IsAllow() && st.Covers(u.action) && st.On(res)
				}) {
					refused = append(refused, res)
				}
			}
			if len(refused) > 0 {
				failures = append(failures, fmt.Sprintf("%s does not allow %s on %s", what, u.action, strings.Join(refused, ", ")))
			}
		}
		if rp.Boundary != s.Role.Boundary.ARN {
			warnings = append(warnings, fmt.Sprintf("its %s is not rootwatch's (%s)", what, BoundaryPolicyName))
		}
	} else if rp.OwnBoundary {
		warnings = append(warnings, fmt.Sprintf("it has no permissions boundary, though %s exists", s.Role.Boundary.ARN))
	}
	if len(failures) > 0 {
		return fail(fmt.Sprintf("role %s: %s: %s", u.name, strings.Join(failures, "; "), u.lost), fix)
	}
	if len(foreign) > 0 {
		warnings = append(warnings, "it also has "+strings.Join(foreign, ", ")+", which rootwatch did not put there")
	}
	if len(warnings) > 0 {
		return warn(fmt.Sprintf("role %s: %s", u.name, strings.Join(warnings, "; ")), fix)
	}
	if rp.Boundary != "" {
		return ok(fmt.Sprintf("role %s has only rootwatch's policy, bounded by %s", u.name, BoundaryPolicyName))
	}
	return ok(fmt.Sprintf("role %s has only rootwatch's policy", u.name))
}
