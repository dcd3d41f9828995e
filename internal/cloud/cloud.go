// Package cloud is rootwatch's boundary with AWS: the domain-shaped operations that
// deploy, status, destroy, test, audit and scan need, and nothing more.
//
// The interfaces speak rootwatch's language (a bus, a rule with its targets, a topic
// with its policy and subscriptions, a trail with its status) rather than mirroring
// the SDK. Exactly one package, internal/awscloud, implements them with the AWS SDK;
// internal/cloud/fake implements them in memory with AWS's semantics; and
// internal/cloud/cloudtest is the one conformance suite both must pass.
//
// Every method wraps its errors with the operation and the resource. A resource that
// does not exist is reported with an error that wraps ErrNotFound, whatever the
// service's own error code for it.
package cloud

import (
	"context"
	"errors"
)

// ErrNotFound is wrapped by every error that means "the resource does not exist".
var ErrNotFound = errors.New("not found")

// ErrUnsupported is wrapped by errors from an endpoint that cannot answer an
// operation at all (an emulator gap, such as moto's empty TestEventPattern answer),
// as opposed to answering it with a failure.
var ErrUnsupported = errors.New("not supported by this endpoint")

// ErrAlreadyExists is wrapped by errors that mean "a resource of that name already
// exists and the call does not return it" (CreateBus, CreateRole, CreateTrail,
// CreateBucket, CreateQueue with a different policy, CreateTopic with different
// tags).
var ErrAlreadyExists = errors.New("already exists")

// ErrThrottled is wrapped by errors that mean the service throttled the call
// after the client's own retries (CloudTrail LookupEvents in particular).
var ErrThrottled = errors.New("throttled")

// Tags are resource tags. rootwatch marks what it creates with ManagedTag.
type Tags map[string]string

// The tags rootwatch puts on everything it creates.
const (
	ManagedTag   = "rootwatch:managed"
	VersionTag   = "rootwatch:version"
	ManagedValue = "true"
)

// Identity is the caller's account.
type Identity struct {
	Account   string // 12 digits
	ARN       string // the caller's principal ARN
	Partition string // "aws", "aws-cn", "aws-us-gov"
}

// Account is one AWS account as rootwatch sees it. Regional services are reached
// through a region; IAM and S3 are global.
type Account interface {
	Identity(ctx context.Context) (Identity, error)
	// Regions returns the regions enabled for the account (opt-in regions that
	// are opted in included), sorted.
	Regions(ctx context.Context) ([]string, error)

	Events(region string) Events
	Destinations(region string) Destinations
	Topics(region string) Topics
	Queues(region string) Queues
	Keys(region string) Keys
	Trails(region string) Trails
	Roles() Roles
	Buckets() Buckets
	Alarms(region string) Alarms
	Posture() Posture
	// Org is Organizations, and the way into the organization's other accounts.
	Org() Org
}
