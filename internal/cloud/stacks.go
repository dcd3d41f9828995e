package cloud

import (
	"context"
	"time"
)

// StackAccount is an account that can run CloudFormation. It is separate from
// Account: only the CloudFormation paths (deploy --via cloudformation, the
// stack tests) need it, and an Account that cannot run CloudFormation stays
// an Account.
type StackAccount interface {
	Stacks(region string) Stacks
	StackSets(region string) StackSets
}

// StackTag is the tag CloudFormation puts on every resource a stack creates
// (where the resource type supports tags): the name of the stack.
const StackTag = "aws:cloudformation:stack-name"

// StackInput is a stack to create or update.
type StackInput struct {
	Name         string
	Template     string // the template body (JSON)
	Parameters   map[string]string
	Capabilities []string // e.g. CAPABILITY_NAMED_IAM
	Tags         Tags     // stack tags; CloudFormation propagates them to the resources
}

// Stack is a CloudFormation stack.
type Stack struct {
	Name, ID     string
	Status       string // CREATE_COMPLETE, ROLLBACK_COMPLETE, ...
	StatusReason string
	Parameters   map[string]string
	Outputs      map[string]string
	Tags         Tags
}

// StackEvent is one event of a stack: a resource (or the stack) changing status.
type StackEvent struct {
	Time         time.Time
	LogicalID    string
	PhysicalID   string
	Type         string // AWS::Events::Rule, AWS::CloudFormation::Stack, ...
	Status       string
	StatusReason string
}

// StackResource is one resource a stack manages.
type StackResource struct {
	LogicalID, PhysicalID, Type, Status string
}

// ChangeSet is a planned change of a stack.
type ChangeSet struct {
	Name, ID     string
	Status       string // CREATE_PENDING, CREATE_COMPLETE, FAILED
	StatusReason string
	Changes      []ResourceChange
}

// ResourceChange is one line of a change set.
type ResourceChange struct {
	Action      string `json:"action"` // Add, Modify, Remove, Import, Dynamic
	LogicalID   string `json:"logicalId"`
	PhysicalID  string `json:"physicalId,omitempty"`
	Type        string `json:"type"`
	Replacement string `json:"replacement,omitempty"` // True, False, Conditional, or "" for Add/Remove
}

// Stacks is CloudFormation in one region.
type Stacks interface {
	// Stack describes a stack by name; one that does not exist (or was
	// deleted) is an error wrapping ErrNotFound.
	Stack(ctx context.Context, name string) (Stack, error)
	CreateStack(ctx context.Context, in StackInput) (id string, err error)
	// DeleteStack starts deleting a stack; deleting one that does not exist
	// succeeds (as in AWS).
	DeleteStack(ctx context.Context, name string) error
	// Events lists a stack's events, newest first.
	Events(ctx context.Context, name string) ([]StackEvent, error)
	Resources(ctx context.Context, name string) ([]StackResource, error)

	// CreateChangeSet plans in as a change set named changeSet: of type
	// CREATE when the stack does not exist, UPDATE when it does (create).
	CreateChangeSet(ctx context.Context, in StackInput, changeSet string, create bool) (id string, err error)
	ChangeSet(ctx context.Context, stack, changeSet string) (ChangeSet, error)
	ExecuteChangeSet(ctx context.Context, stack, changeSet string) error
	DeleteChangeSet(ctx context.Context, stack, changeSet string) error
}

// StackSetInput is a StackSet to create.
type StackSetInput struct {
	StackInput
	// ServiceManaged: permissions through AWS Organizations (targets are OUs,
	// with automatic deployment to accounts that join them); otherwise
	// self-managed (targets are accounts, with the administration and
	// execution roles of AWS's StackSets setup).
	ServiceManaged bool
	// AutoDeploy: with ServiceManaged, deploy to accounts that join a target
	// OU, and remove the stacks of accounts that leave it.
	AutoDeploy bool
}

// StackInstance is one stack of a StackSet: an account in a region.
type StackInstance struct {
	Account, Region string
	OU              string // the OU it was deployed through, for service-managed StackSets
	Status          string // CURRENT, OUTDATED, INOPERABLE
	StatusReason    string
	StackID         string
}

// StackSets is CloudFormation StackSets, administered from one region.
type StackSets interface {
	// CreateStackSet creates a StackSet; an existing one is an error wrapping
	// ErrAlreadyExists.
	CreateStackSet(ctx context.Context, in StackSetInput) (id string, err error)
	// AddInstances deploys the StackSet to accounts (self-managed) or OUs
	// (service-managed) in regions, and returns the operation's ID.
	AddInstances(ctx context.Context, stackSet string, accounts, ous, regions []string) (operation string, err error)
	// Operation returns an operation's status: RUNNING, SUCCEEDED, FAILED,
	// STOPPING, STOPPED, QUEUED.
	Operation(ctx context.Context, stackSet, operation string) (status, reason string, err error)
	Instances(ctx context.Context, stackSet string) ([]StackInstance, error)
	// RemoveInstances deletes the StackSet's stacks from accounts or OUs in regions.
	RemoveInstances(ctx context.Context, stackSet string, accounts, ous, regions []string) (operation string, err error)
	// DeleteStackSet deletes a StackSet that has no instances left.
	DeleteStackSet(ctx context.Context, stackSet string) error
}
