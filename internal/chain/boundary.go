package chain

import "github.com/rootwatch/rootwatch/internal/policy"

// BoundaryPolicyName is the customer managed policy, in the role's own
// account, that must be the permissions boundary of the roles rootwatch
// creates. An administrator creates it once (rootwatch iam-policy
// --boundary); the deploy policy lets its holder create the forwarder role
// and write its policies only with it, and grants no way to create, change
// or remove it.
const BoundaryPolicyName = "rootwatch-forwarder-boundary"

// BoundarySpec is the permissions boundary of a role: the ARN of the policy
// in the role's account, and the document it must hold.
type BoundarySpec struct {
	ARN    string
	Policy string
}

// BoundaryARN returns the ARN of the roles' permissions boundary in an
// account of a partition.
func BoundaryARN(partition, account string) string {
	if partition == "" {
		partition = "aws"
	}
	return arn(partition, "iam", "", account, "policy/"+BoundaryPolicyName)
}

// principalAccount is the IAM policy variable for the account of the
// principal the policy is evaluated for: a boundary names the role's own
// account's resources without naming the account.
const principalAccount = "${aws:PrincipalAccount}"

// AccountBoundary is the boundary of the roles of an account that holds its
// own chain (a single account, or an organization's central account): a
// role may at most put events on the account's rootwatch bus and invoke its
// rootwatch channels' API destinations.
func AccountBoundary() string {
	return policy.Document{Version: policy.Version, Statement: policy.Statements{
		{Sid: "RootwatchForwarderBoundary", Effect: "Allow", Action: policy.Values{"events:PutEvents"},
			Resource: policy.Values{"arn:aws:events:*:" + principalAccount + ":event-bus/" + BusName}},
		{Sid: "RootwatchChannelBoundary", Effect: "Allow", Action: policy.Values{"events:InvokeApiDestination"},
			Resource: policy.Values{"arn:aws:events:*:" + principalAccount + ":api-destination/" + ChannelPrefix + "*"}},
	}}.String()
}

// MemberBoundary is the boundary of the forwarder role of an organization's
// member account, whose forwarders put events on the central bus of another
// account: events:PutEvents on exactly that bus, nothing else (a member has
// no bus and no channels of its own).
func MemberBoundary(centralBusARN string) string {
	return policy.Document{Version: policy.Version, Statement: policy.Statements{
		{Sid: "RootwatchMemberForwarderBoundary", Effect: "Allow", Action: policy.Values{"events:PutEvents"},
			Resource: policy.Values{centralBusARN}},
	}}.String()
}
