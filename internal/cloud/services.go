package cloud

import (
	"context"
	"io"
	"time"
)

// Topic is an SNS topic with what rootwatch checks of it.
type Topic struct {
	ARN      string
	Owner    string // account ID
	Policy   string // the topic's access policy JSON (SNS always has one)
	KMSKeyID string // "" when not encrypted; as configured (alias, key ID or ARN)
	Tags     Tags
}

// Subscription is one subscription of a topic.
type Subscription struct {
	ARN      string // "PendingConfirmation" while pending
	Protocol string // "email", "sqs", ...
	Endpoint string
	Pending  bool
	// FilterPolicy is the subscription's filter policy JSON; "" when none
	// (every message is delivered).
	FilterPolicy string
	// Authenticated says the subscription was confirmed with
	// AuthenticateOnUnsubscribe: only the topic owner (signed requests) may
	// unsubscribe it, not anyone holding the link in a delivered message.
	Authenticated bool
}

// Topics is SNS in one region.
type Topics interface {
	// CreateTopic is idempotent as in AWS: an existing topic of the same name
	// is returned. Asking again with different (non-empty) tags is an error
	// wrapping ErrAlreadyExists.
	CreateTopic(ctx context.Context, name string, tags Tags) (string, error)
	Topic(ctx context.Context, arn string) (Topic, error)
	SetTopicPolicy(ctx context.Context, arn, policy string) error
	// DeleteTopic deletes a topic and its subscriptions; deleting one that
	// does not exist succeeds (as in AWS).
	DeleteTopic(ctx context.Context, arn string) error

	Subscriptions(ctx context.Context, topicARN string) ([]Subscription, error)
	// Subscribe returns the subscription ARN, or "pending confirmation" for an
	// e-mail endpoint until it is confirmed. raw asks for raw message delivery.
	Subscribe(ctx context.Context, topicARN, protocol, endpoint string, raw bool) (string, error)
	Unsubscribe(ctx context.Context, subscriptionARN string) error
	// ConfirmSubscription confirms a pending subscription with the token SNS
	// sent to its endpoint, with AuthenticateOnUnsubscribe, and returns the
	// subscription's ARN. An unknown or expired token is an error wrapping
	// ErrNotFound.
	ConfirmSubscription(ctx context.Context, topicARN, token string) (string, error)
	// RemoveFilterPolicy removes a confirmed subscription's filter policy
	// (SetSubscriptionAttributes FilterPolicy "{}", as SNS documents it), so
	// that every message reaches it; one without a filter policy is left as
	// it is. A subscription that does not exist is an error wrapping
	// ErrNotFound.
	RemoveFilterPolicy(ctx context.Context, subscriptionARN string) error
	Publish(ctx context.Context, topicARN, subject, message string) error
}

// Queue is an SQS queue.
type Queue struct {
	Name     string
	URL      string
	ARN      string
	Policy   string
	Messages int // approximate number of visible messages
	Tags     Tags
}

// Message is a message received from a queue.
type Message struct {
	ID      string
	Body    string
	Sent    time.Time
	Receipt string
}

// Queues is SQS in one region.
type Queues interface {
	// CreateQueue creates the queue or returns the existing one of that name.
	// An existing queue with a different policy is an error wrapping
	// ErrAlreadyExists (SQS's QueueAlreadyExists).
	CreateQueue(ctx context.Context, name, policy string, tags Tags) (Queue, error)
	Queue(ctx context.Context, name string) (Queue, error)
	SetQueuePolicy(ctx context.Context, url, policy string) error
	DeleteQueue(ctx context.Context, url string) error
	// Receive waits up to wait for at most max messages. A zero visibility
	// leaves them visible to others (a peek).
	Receive(ctx context.Context, url string, max int, wait, visibility time.Duration) ([]Message, error)
	DeleteMessage(ctx context.Context, url, receipt string) error
}

// Key is a KMS key.
type Key struct {
	ID         string
	ARN        string
	AWSManaged bool // true for keys such as alias/aws/sns, whose policy cannot change
	Policy     string
	// State is KMS's KeyState; "" when the reader did not say. Only an
	// Enabled key encrypts.
	State KeyState
}

// KeyState is a KMS key's state, as DescribeKey names it.
type KeyState string

const (
	KeyEnabled         KeyState = "Enabled"
	KeyDisabled        KeyState = "Disabled"
	KeyPendingDeletion KeyState = "PendingDeletion"
)

// Keys is KMS in one region.
type Keys interface {
	// Key resolves an alias, key ID or key ARN.
	Key(ctx context.Context, id string) (Key, error)
	PutKeyPolicy(ctx context.Context, keyID, policy string) error
}

// Management is which management events a trail records.
type Management string

const (
	ManagementNone      Management = ""
	ManagementAll       Management = "All"
	ManagementWriteOnly Management = "WriteOnly"
	ManagementReadOnly  Management = "ReadOnly"
)

// Trail is a CloudTrail trail with its status and selectors.
type Trail struct {
	Name         string
	ARN          string
	HomeRegion   string
	Bucket       string
	MultiRegion  bool
	GlobalEvents bool // includes global service events
	Organization bool
	Logging      bool
	Management   Management
	Tags         Tags
	// LogFileValidation says the trail writes signed digest files, so that
	// a log file deleted or changed after delivery can be told.
	LogFileValidation bool
}

// TrailSpec is what rootwatch asks for when it creates a trail.
type TrailSpec struct {
	Name   string
	Bucket string
	Tags   Tags
	// Organization makes an organization trail (the management account
	// only): it logs every account of the organization.
	Organization bool
}

// LookupPage is one page of CloudTrail event history.
type LookupPage struct {
	Events []string // each the raw CloudTrailEvent JSON record
	Next   string   // "" on the last page
}

// Trails is CloudTrail in one region.
type Trails interface {
	// Trails lists the trails that apply to the region (shadow trails of
	// multi-region trails included), with their status and selectors.
	Trails(ctx context.Context) ([]Trail, error)
	// CreateTrail creates a multi-region trail with global service events,
	// all management events and log file validation, and starts logging.
	// An existing trail of that name is an error wrapping ErrAlreadyExists.
	CreateTrail(ctx context.Context, spec TrailSpec) (Trail, error)
	// DeleteTrail deletes a trail in its home region.
	DeleteTrail(ctx context.Context, name string) error
	// Lookup reads one page of the region's event history between start and
	// end. Throttling errors are returned as they are; callers pace and retry.
	Lookup(ctx context.Context, start, end time.Time, token string) (LookupPage, error)
}

// Role is an IAM role.
type Role struct {
	Name        string
	ARN         string
	Trust       string // assume-role policy JSON
	Description string
	Tags        Tags
	// PermissionsBoundary is the ARN of the managed policy that bounds the
	// role's permissions; "" when none.
	PermissionsBoundary string
}

// Roles is IAM.
type Roles interface {
	Role(ctx context.Context, name string) (Role, error)
	CreateRole(ctx context.Context, r Role) (string, error)
	UpdateTrust(ctx context.Context, name, trust string) error
	RolePolicy(ctx context.Context, role, name string) (string, error)
	PutRolePolicy(ctx context.Context, role, name, policy string) error
	DeleteRolePolicy(ctx context.Context, role, name string) error
	DeleteRole(ctx context.Context, name string) error
	// ManagedPolicy returns the default version's document of a customer
	// managed policy; a policy that does not exist is an error wrapping
	// ErrNotFound.
	ManagedPolicy(ctx context.Context, arn string) (string, error)

	// RolePolicyNames lists the names of a role's inline policies, sorted.
	RolePolicyNames(ctx context.Context, role string) ([]string, error)
	// RoleManagedPolicies lists the ARNs of the managed policies attached to
	// a role, sorted.
	RoleManagedPolicies(ctx context.Context, role string) ([]string, error)
	// DetachRolePolicy detaches a managed policy from a role.
	DetachRolePolicy(ctx context.Context, role, policyARN string) error
	// PutRoleBoundary sets a role's permissions boundary to the managed
	// policy policyARN (replacing the one it has).
	PutRoleBoundary(ctx context.Context, role, policyARN string) error
}

// Object is an S3 object's listing entry.
type Object struct {
	Key  string
	Size int64
}

// ListPage is one page of an S3 listing with a delimiter.
type ListPage struct {
	Prefixes []string // common prefixes
	Objects  []Object
	Next     string // continuation token; "" on the last page
}

// Buckets is S3.
type Buckets interface {
	// CreateBucket creates a bucket in region with all public access
	// blocked and versioning enabled, then sets its policy and tags.
	// An existing bucket is an error wrapping ErrAlreadyExists.
	CreateBucket(ctx context.Context, name, region, policy string, tags Tags) error
	// BucketPolicy returns the bucket's policy; a bucket without one is an
	// error wrapping ErrNotFound (S3's NoSuchBucketPolicy).
	BucketPolicy(ctx context.Context, name string) (string, error)
	DeleteBucket(ctx context.Context, name string) error
	List(ctx context.Context, bucket, prefix, delimiter, token string) (ListPage, error)
	Open(ctx context.Context, bucket, key string) (io.ReadCloser, error)
}
