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
	const action = "events:PutEvents"
	role, bus := s.Role.Name, s.Bus.ARN
	account := ""
	if a, err := ParseARN(s.Role.ARN); err == nil {
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
		for _, d := range p.Denials(action, bus) {
			if d.Conditional {
				warnings = append(warnings, fmt.Sprintf("statement %s of %s denies %s on %s under conditions status does not evaluate", d.Name, what, action, bus))
			} else {
				failures = append(failures, fmt.Sprintf("statement %s of %s denies %s on %s", d.Name, what, action, bus))
			}
		}
	}
	var foreign []string
	for _, name := range slices.Sorted(maps.Keys(rp.Inline)) {
		what := "inline policy " + name
		judge(what, rp.Inline[name])
		if name != s.Role.PolicyName {
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
		if p, err := policy.Read(resolve(rp.BoundaryDoc)); err == nil && !slices.ContainsFunc(p.Statement, func(st policy.Statement) bool {
			return st.IsAllow() && st.Covers(action) && st.On(bus)
		}) {
			failures = append(failures, fmt.Sprintf("%s does not allow %s on %s", what, action, bus))
		}
		if rp.Boundary != s.Role.Boundary.ARN {
			warnings = append(warnings, fmt.Sprintf("its %s is not rootwatch's (%s)", what, BoundaryPolicyName))
		}
	} else if rp.OwnBoundary {
		warnings = append(warnings, fmt.Sprintf("it has no permissions boundary, though %s exists", s.Role.Boundary.ARN))
	}
	if len(failures) > 0 {
		return fail(fmt.Sprintf("role %s: %s: no region can forward", role, strings.Join(failures, "; ")), fix)
	}
	if len(foreign) > 0 {
		warnings = append(warnings, "it also has "+strings.Join(foreign, ", ")+", which rootwatch did not put there")
	}
	if len(warnings) > 0 {
		return warn(fmt.Sprintf("role %s: %s", role, strings.Join(warnings, "; ")), fix)
	}
	if rp.Boundary != "" {
		return ok(fmt.Sprintf("role %s has only rootwatch's policy, bounded by %s", role, BoundaryPolicyName))
	}
	return ok(fmt.Sprintf("role %s has only rootwatch's policy", role))
}
