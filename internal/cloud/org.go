package cloud

import "context"

// DefaultAccessRole is the role Organizations creates in every account it
// creates, trusting the management account: the role rootwatch assumes in
// member accounts unless told otherwise.
const DefaultAccessRole = "OrganizationAccountAccessRole"

// SCPType is the policy type of service control policies.
const SCPType = "SERVICE_CONTROL_POLICY"

// OrgUnit is a root or an organizational unit of an organization.
type OrgUnit struct {
	ID   string // r-... for a root, ou-... for an OU
	ARN  string
	Name string
}

// OrgPolicy is an Organizations policy (rootwatch uses service control
// policies only).
type OrgPolicy struct {
	ID          string // p-...; set by the service
	ARN         string
	Name        string
	Description string
	Content     string // the policy document JSON
	Tags        Tags
}

// Org is AWS Organizations as seen from the management account (or a delegated
// administrator), and the door into the organization's other accounts.
// Organizations is a global service; its listings are paged inside.
//
// Called from an account that is not allowed to use Organizations, every
// method fails as the service does (AccessDenied, or AWSOrganizationsNotInUse
// wrapping ErrNotFound when the account is in no organization).
type Org interface {
	// Describe describes the organization; the error wraps ErrNotFound when the
	// account is in none.
	Describe(ctx context.Context) (Organization, error)
	// Accounts lists every account of the organization, all pages, in the
	// service's order.
	Accounts(ctx context.Context) ([]OrgAccount, error)
	// Roots lists the organization's roots (there is one).
	Roots(ctx context.Context) ([]OrgUnit, error)
	// Units lists the organizational units directly under parent (a root or
	// an OU ID).
	Units(ctx context.Context, parent string) ([]OrgUnit, error)

	// Policies lists the service control policies, without their content.
	Policies(ctx context.Context) ([]OrgPolicy, error)
	// Policy returns one policy with its content.
	Policy(ctx context.Context, id string) (OrgPolicy, error)
	// CreatePolicy creates a service control policy and returns its ID. A
	// policy of that name is an error wrapping ErrAlreadyExists.
	CreatePolicy(ctx context.Context, p OrgPolicy) (string, error)
	// UpdatePolicy replaces a policy's content.
	UpdatePolicy(ctx context.Context, id, content string) error
	// DeletePolicy deletes a policy; it must be attached to nothing.
	DeletePolicy(ctx context.Context, id string) error
	// PolicyTargets lists the roots, OUs and accounts a policy is attached to.
	PolicyTargets(ctx context.Context, id string) ([]string, error)
	// AttachPolicy attaches a policy to a root, OU or account; attaching it
	// again is an error wrapping ErrAlreadyExists.
	AttachPolicy(ctx context.Context, id, target string) error
	// DetachPolicy detaches a policy; a policy not attached there is an error
	// wrapping ErrNotFound.
	DetachPolicy(ctx context.Context, id, target string) error

	// Assume returns the account accountID as reached by assuming its role
	// roleName (sts:AssumeRole, credentials refreshed as they expire). The
	// role is assumed at once, so a missing role or a trust that refuses the
	// caller fails here rather than at the first call.
	Assume(ctx context.Context, accountID, roleName string) (Account, error)
}
