package chain

import (
	"fmt"
	"slices"
	"sort"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// Organization mode: one central account (a security account) holds the
// alert chain (bus, alert rules, topic); every account of the organization,
// the management and central accounts included, forwards root activity from
// every enabled region straight to the central bus: one hop, since
// EventBridge does not route an event that arrived from another bus on to a
// third bus. The central bus's policy lets in the organization's
// rootwatch-forwarder roles and nothing else.

// BusPolicySid is the statement of the central bus policy.
const BusPolicySid = "RootwatchOrgForwarders"

// CentralBusPolicy is the central bus's resource policy: events:PutEvents on
// the bus for principals of the organization (aws:PrincipalOrgID) that are a
// rootwatch-forwarder role (aws:PrincipalArn), so that no other principal of
// any account, and nobody outside the organization, can put events on it.
// (An organization-based grant requires the sender to use a role, which the
// forwarding rules do.)
func CentralBusPolicy(partition, busARN, orgID string) string {
	return policy.Document{Version: policy.Version, Statement: policy.Statements{{
		Sid:       BusPolicySid,
		Effect:    "Allow",
		Principal: &policy.Principal{Any: true},
		Action:    policy.Values{"events:PutEvents"},
		Resource:  policy.Values{busARN},
		Condition: policy.Conditions{
			"StringEquals": {"aws:PrincipalOrgID": {orgID}},
			"ArnLike":      {"aws:PrincipalArn": {arn(partition, "iam", "", "*", "role/"+ForwarderRoleName)}},
		},
	}}}.String()
}

// WithOrg makes central's Spec the central chain of organization orgID: its
// bus gets CentralBusPolicy.
func (s Spec) WithOrg(orgID string) Spec {
	s.Bus.Policy = CentralBusPolicy(s.Partition, s.Bus.ARN, orgID)
	return s
}

// MemberSpec is the desired state of an account id that forwards to the
// central chain of central: the forwarder role, which may put events on the
// central bus only, and in each region a dead-letter queue and a forwarding
// rule whose target is the central bus. Its home part (Account, Bus,
// HomeRegion) is central's; it has no topic and no alert rules. regions are
// the regions to cover (nil: every enabled one); those not enabled in the
// account are left out and returned.
func MemberSpec(central Spec, id cloud.Identity, enabled, regions []string) (Spec, []string) {
	p := central.Partition
	acct := id.Account
	var want, missing []string
	if regions == nil {
		want = slices.Clone(enabled)
	} else {
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
		Account:    central.Account,
		Partition:  p,
		HomeRegion: central.HomeRegion,
		Regions:    want,
		Tags:       central.Tags,
		Bus:        central.Bus,
	}
	s.Role = forwarderRole(p, acct, central.Bus.ARN, "the central rootwatch bus", "PutEventsOnCentralBus",
		memberBoundary(central, acct), ForwardRuleName)
	for _, r := range want {
		fwd := forwardRule(p, acct, r, central.Bus.ARN, s.Role.ARN,
			"the central rootwatch bus in "+central.Account+" "+central.HomeRegion)
		dlqARN := fwd.Target.DeadLetterARN
		dlq := QueueSpec{Region: r, Name: DLQName, ARN: dlqARN, Policy: policy.Document{Version: policy.Version, Statement: policy.Statements{{
			Sid:       QueueStatementSid,
			Effect:    "Allow",
			Principal: policy.Service(EventsService),
			Action:    policy.Values{"sqs:SendMessage"},
			Resource:  policy.Values{dlqARN},
			Condition: policy.Conditions{"ArnEquals": {"aws:SourceArn": {fwd.ARN}}},
		}}}.String()}
		s.Forwarders = append(s.Forwarders, Forwarder{Account: acct, Region: r, Rule: fwd, DLQ: dlq})
	}
	return s, missing
}

// memberBoundary is the boundary of account's forwarder role: the central
// account's own (its bus is in the account), a member's naming the central
// bus exactly.
func memberBoundary(central Spec, account string) BoundarySpec {
	if account == central.Account {
		return central.Role.Boundary
	}
	return BoundarySpec{ARN: BoundaryARN(central.Partition, account), Policy: MemberBoundary(central.Bus.ARN)}
}

// OrgTrail is the organization trail deploy --org --create-trail creates in
// the management account mgmt: multi-region, logging every account of
// organization orgID to a bucket of the management account whose policy lets
// CloudTrail write, for this trail only, the management account's logs and
// the organization's.
func OrgTrail(partition, mgmt, home, orgID string) TrailSpec {
	return trailSpec(partition, mgmt, home, mgmt, orgID)
}

// ForwarderARN is the ARN of account's forwarder role, the principal its
// forwarding rules put events on the central bus as.
func ForwarderARN(partition, account string) string {
	return arn(partition, "iam", "", account, "role/"+ForwarderRoleName)
}

// JudgeAdmission judges whether the central bus's policy busPolicy lets
// account's forwarder role put events on the bus busARN, for a member of
// organization orgID: the policy is evaluated for that principal, with
// aws:PrincipalArn, aws:PrincipalAccount and aws:PrincipalOrgID as AWS sets
// them.
func JudgeAdmission(partition, busARN, busPolicy, account, orgID string) Verdict {
	role := ForwarderARN(partition, account)
	ev, err := policy.Evaluate(busPolicy, policy.Request{
		Principal: role, Action: "events:PutEvents", Resource: busARN,
		Keys: map[string]string{"aws:PrincipalArn": role, "aws:PrincipalAccount": account, "aws:PrincipalOrgID": orgID},
	})
	const fix = "run 'rootwatch deploy --org' to restore the central bus policy"
	switch {
	case err != nil:
		return fail(fmt.Sprintf("the central bus policy cannot be read (%v): it admits no forwarder", err), fix)
	case ev.Decision == policy.Allowed:
		return ok(fmt.Sprintf("the central bus policy (statement %s) admits %s", ev.Statement, role))
	case ev.Decision == policy.Denied:
		return fail(fmt.Sprintf("statement %s of the central bus policy denies %s events:PutEvents: this account's root activity raises no alert", ev.Statement, role),
			"remove or narrow that statement, or "+fix)
	case ev.Decision == policy.Undetermined:
		return warn(fmt.Sprintf("statement %s of the central bus policy has conditions rootwatch does not evaluate: make sure it admits %s", ev.Statement, role), "")
	}
	if busPolicy == "" {
		return fail("the central bus has no policy: it refuses this account's forwarder, its root activity raises no alert", fix)
	}
	return fail(fmt.Sprintf("the central bus policy does not admit %s (organization %s): this account's root activity raises no alert", role, orgID), fix)
}
