// Package fake is an in-memory AWS account that implements the cloud interfaces
// with AWS's semantics, for tests.
//
// It behaves as the services do where rootwatch depends on it: missing resources
// give errors wrapping cloud.ErrNotFound; CreateTopic is idempotent while CreateBus,
// CreateRole, CreateTrail and CreateBucket conflict; a new topic carries SNS's
// default access policy; DeleteRule fails while the rule has targets; e-mail
// subscriptions stay pending until ConfirmSubscription; CloudTrail history and S3
// listings come in small pages so that callers' loops run.
//
// It also delivers. PutEvents (and Emit, for events only AWS services may send)
// evaluates every enabled rule's pattern on the bus with internal/pattern and
// delivers to the rule's targets: SNS topics (after the input transformer), which
// fan out to SQS subscriptions and record e-mails; SQS queues; and event buses,
// whose own rules then run. A delivery succeeds only when AWS's would: the topic or
// queue policy must let events.amazonaws.com send for the rule's ARN, a topic
// encrypted with the AWS-managed alias/aws/sns key cannot receive, a cross-region
// bus target needs a role that EventBridge may assume and that may put events on
// the bus. A failed delivery goes to the target's dead-letter queue when it has
// one, and is recorded (see Failures), so that tests can break one link of the
// chain and watch what happens.
//
// Helpers set up what the cloud interface never writes or what only AWS does:
// ConfirmSubscription (the recipient's click), SetTopicKMSKey, ForceTopicPolicy,
// CreateKey, SetBusPolicy, PutTrail (a trail in any state), AddEvents and
// ThrottleLookups (CloudTrail event history), PutObject and DeleteObject,
// SendMessage (e.g. to fill a dead-letter queue), and Emit (an event from an
// AWS service). Emails, Failures and Dump show the outcome.
//
// Resource policies are evaluated by an IAM evaluator of the fake's own
// (policy.go), on purpose: rootwatch's policy library (internal/policy) writes
// and judges the policies, and the fake is the independent oracle that says
// whether AWS would deliver under them. Sharing the code would let one bug
// pass both.
//
// All methods are safe for concurrent use.
package fake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// DefaultAccount is the fake's account ID.
const DefaultAccount = "123456789012"

// DefaultRegions are the regions a fake account has enabled unless told otherwise.
var DefaultRegions = []string{"ap-southeast-2", "eu-central-1", "eu-west-1", "us-east-1", "us-east-2", "us-west-2"}

// DefaultPageSize is how many entries one page of a paged call holds.
const DefaultPageSize = 3

// Options configure a fake account. Zero fields take the defaults.
type Options struct {
	Account  string           // DefaultAccount
	Regions  []string         // DefaultRegions
	PageSize int              // DefaultPageSize, for Lookup and List
	Now      func() time.Time // time.Now
	// HTTPClient makes API destinations' requests (http.DefaultClient); a
	// test's TLS server's Client, for instance.
	HTTPClient *http.Client
	// Sleep is told of every wait of API-destination delivery (rate limit,
	// retry backoff), which otherwise passes on a virtual clock at once.
	Sleep func(time.Duration)
}

// Account is an in-memory AWS account. Create it with New or NewWith.
type Account struct {
	// mu guards the account; the accounts of one Org share it, so that an
	// event may travel from one account to another under one lock.
	mu       *sync.Mutex
	org      *Org // the world the account lives in; nil for a lone account
	id       string
	regions  []string
	pageSize int
	now      func() time.Time
	seq      int // for generated IDs

	region  map[string]*regionState
	roles   map[string]*role
	buckets map[string]*bucket

	emails   []Email
	failures []Failure

	posture *Posture // IAM and organization answers; see SetPosture

	cw      map[string]*cwRegion // CloudWatch by region, created on first use; see alarms.go
	managed map[string]string    // customer managed IAM policies by ARN; see CreateManagedPolicy
	cfn     cfnState             // CloudFormation stacks (stacks.go), with a lock of its own
	// Connections and API destinations (destinations.go).
	apis        map[string]*apiState
	pending     []pendingCall // invocations to make once the lock is released
	invocations []Invocation
	httpClient  *http.Client
	sleepFn     func(time.Duration)
}

// regionState is everything regional in one region.
type regionState struct {
	name     string
	buses    map[string]*bus
	topics   map[string]*topic // by ARN
	queues   map[string]*queue // by name
	keys     map[string]*key   // by key ID
	aliases  map[string]string // alias name -> key ID
	trails   map[string]*trail // trails whose home region this is, by name
	history  []historyEvent
	throttle int // Lookup calls still to throttle
}

// New returns an account with the default options.
func New() *Account { return NewWith(Options{}) }

// NewWith returns an account configured by o.
func NewWith(o Options) *Account { return newAccount(o, new(sync.Mutex)) }

func newAccount(o Options, mu *sync.Mutex) *Account {
	a := &Account{
		mu:         mu,
		id:         o.Account,
		regions:    slices.Clone(o.Regions),
		pageSize:   o.PageSize,
		now:        o.Now,
		httpClient: o.HTTPClient,
		sleepFn:    o.Sleep,
		region:     map[string]*regionState{},
		roles:      map[string]*role{},
		buckets:    map[string]*bucket{},
	}
	if a.id == "" {
		a.id = DefaultAccount
	}
	if len(a.regions) == 0 {
		a.regions = slices.Clone(DefaultRegions)
	}
	slices.Sort(a.regions)
	if a.pageSize <= 0 {
		a.pageSize = DefaultPageSize
	}
	if a.now == nil {
		a.now = time.Now
	}
	for _, r := range a.regions {
		rs := &regionState{
			name:    r,
			buses:   map[string]*bus{},
			topics:  map[string]*topic{},
			queues:  map[string]*queue{},
			keys:    map[string]*key{},
			aliases: map[string]string{},
			trails:  map[string]*trail{},
		}
		rs.buses[cloud.DefaultBus] = &bus{name: cloud.DefaultBus, arn: a.busARN(r, cloud.DefaultBus), rules: map[string]*rule{}}
		a.region[r] = rs
		a.addAWSManagedKey(rs, "sns")
	}
	return a
}

var _ cloud.Account = (*Account)(nil)

// ID returns the account ID.
func (a *Account) ID() string { return a.id }

// Identity implements cloud.Account.
func (a *Account) Identity(ctx context.Context) (cloud.Identity, error) {
	if err := ctx.Err(); err != nil {
		return cloud.Identity{}, fmt.Errorf("get caller identity: %w", err)
	}
	return cloud.Identity{
		Account:   a.id,
		ARN:       "arn:aws:iam::" + a.id + ":user/rootwatch-tester",
		Partition: "aws",
	}, nil
}

// Regions implements cloud.Account.
func (a *Account) Regions(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("describe regions: %w", err)
	}
	return slices.Clone(a.regions), nil
}

// Events implements cloud.Account.
func (a *Account) Events(region string) cloud.Events { return &events{a: a, region: region} }

// Topics implements cloud.Account.
func (a *Account) Topics(region string) cloud.Topics { return &topics{a: a, region: region} }

// Queues implements cloud.Account.
func (a *Account) Queues(region string) cloud.Queues { return &queues{a: a, region: region} }

// Keys implements cloud.Account.
func (a *Account) Keys(region string) cloud.Keys { return &keys{a: a, region: region} }

// Trails implements cloud.Account.
func (a *Account) Trails(region string) cloud.Trails { return &trails{a: a, region: region} }

// Roles implements cloud.Account.
func (a *Account) Roles() cloud.Roles { return &roles{a: a} }

// Buckets implements cloud.Account.
func (a *Account) Buckets() cloud.Buckets { return &buckets{a: a} }

// errRegion is returned for a region the account does not have enabled, as AWS
// answers a call to a disabled opt-in region.
var errRegion = errors.New("UnrecognizedClientException: the security token included in the request is invalid (region not enabled)")

// lock takes the account's lock and returns the state of region, or an error if
// the region is not enabled or ctx is done. On error the lock is not held.
func (a *Account) lock(ctx context.Context, region string) (*regionState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.mu.Lock()
	rs, ok := a.region[region]
	if !ok {
		a.mu.Unlock()
		return nil, fmt.Errorf("region %q: %w", region, errRegion)
	}
	return rs, nil
}

// nextID returns a fresh identifier with the given prefix.
func (a *Account) nextID(prefix string) string {
	a.seq++
	return fmt.Sprintf("%s%08x-%04x-4%03x-8%03x-%012x", prefix, a.seq*2654435761%(1<<32), a.seq%0xffff, a.seq%0xfff, (a.seq*7)%0xfff, a.seq)
}

func cloneTags(t cloud.Tags) cloud.Tags {
	if len(t) == 0 {
		return nil
	}
	c := make(cloud.Tags, len(t))
	for k, v := range t {
		c[k] = v
	}
	return c
}

func tagsEqual(a, b cloud.Tags) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// notFound wraps cloud.ErrNotFound with the service's own words.
func notFound(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), cloud.ErrNotFound)
}

// exists wraps cloud.ErrAlreadyExists with the service's own words.
func exists(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), cloud.ErrAlreadyExists)
}

// arnRegion returns the region field of an ARN ("" when there is none).
func arnRegion(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 {
		return ""
	}
	return f[3]
}

// arnAccount returns the account field of an ARN.
func arnAccount(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 {
		return ""
	}
	return f[4]
}

// arnService returns the service field of an ARN.
func arnService(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 || f[0] != "arn" {
		return ""
	}
	return f[2]
}

// arnResource returns the resource part of an ARN.
func arnResource(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 {
		return ""
	}
	return f[5]
}
