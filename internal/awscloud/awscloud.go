// Package awscloud implements the cloud interfaces with the AWS SDK for Go v2. It is
// the only package that imports the SDK's service clients.
//
// Every method wraps its error with the operation, the resource and the region
// (callers add no second copy of them), and maps the services' many ways of saying "does not exist" (NotFound,
// ResourceNotFoundException, NoSuchEntity, AWS.SimpleQueueService.NonExistentQueue,
// NoSuchBucket, TrailNotFoundException, ...) to errors wrapping cloud.ErrNotFound;
// conflicts to cloud.ErrAlreadyExists; throttling that outlived the SDK's retries
// to cloud.ErrThrottled; and an endpoint's inability to answer (an emulator gap)
// to cloud.ErrUnsupported. An endpoint that gives no answer at all (refused
// connection, unknown host) is cloud.ErrUnreachable, said as "cannot reach
// HOST: why"; no credentials is cloud.ErrNoCredentials, found when connecting.
// The SDK's own logger is silenced: nothing of it reaches stderr. Listings are
// paged inside.
//
// # Emulator gaps (moto_server 5.2.1)
//
// The conformance suite (internal/cloud/cloudtest) runs against moto in this
// package's tests. What moto cannot do, and how this package or the suite
// copes, is listed in MOTO.md next to this file.
package awscloud

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// DefaultRegion is the region used for global calls (STS, IAM, S3 bucket
// lookups, DescribeRegions) when the configuration names none.
const DefaultRegion = "us-east-1"

// Options tune the SDK clients. The zero value means the SDK's defaults.
type Options struct {
	// HTTPClient sends every request (e.g. one with a test transport). It is
	// used as it is: AWS_CA_BUNDLE is not added to it.
	HTTPClient *http.Client
	// MaxAttempts is the retryer's attempts per call, including the first
	// (the SDK's default is 3). 1 disables retries.
	MaxAttempts int
	// Retryer, when set, replaces the SDK's standard retryer entirely.
	Retryer func() aws.Retryer
	// PageSize caps the entries per page of the listings this package pages
	// through or hands out (ListRules, ListTargetsByRule, ListObjectsV2,
	// LookupEvents); 0 means each service's maximum. Tests set it low so that
	// every paging loop runs.
	PageSize int
	// Credentials, when set, are used instead of the SDK's credential chain
	// (tests: each in an emulator account of its own).
	Credentials *cloud.Credentials
}

// Connect opens the account that c names, with the SDK's credential chain.
func Connect(ctx context.Context, c cloud.Config) (cloud.Account, error) {
	return ConnectWith(ctx, c, Options{})
}

// ConnectWith is Connect with tuned clients.
func ConnectWith(ctx context.Context, c cloud.Config, o Options) (cloud.Account, error) {
	var opts []func(*config.LoadOptions) error
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if o.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(o.Credentials.AccessKeyID, o.Credentials.SecretAccessKey, o.Credentials.SessionToken)))
	}
	switch {
	case o.Retryer != nil:
		opts = append(opts, config.WithRetryer(o.Retryer))
	case o.MaxAttempts > 0:
		opts = append(opts, config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(s *retry.StandardOptions) { s.MaxAttempts = o.MaxAttempts })
		}))
	}
	// The SDK's own log lines (WARN falling back to IMDSv1, failed to discard
	// remaining HTTP response body) never reach the user's stderr: what
	// matters comes back as an error.
	opts = append(opts, config.WithLogger(logging.Nop{}), config.WithClientLogMode(0))
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		what := "load AWS configuration"
		if c.Profile != "" {
			what += " for profile " + c.Profile
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	// Credentials first, so that having none is said in one line rather
	// than as the SDK's chain ending at the instance metadata service.
	if err := retrieveCredentials(ctx, cfg, c.Profile); err != nil {
		return nil, err
	}
	if o.HTTPClient != nil {
		// Set after loading: the loader would try to add AWS_CA_BUNDLE to it,
		// which only the SDK's own client supports.
		cfg.HTTPClient = o.HTTPClient
	}
	if c.EndpointURL != "" {
		cfg.BaseEndpoint = aws.String(c.EndpointURL)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	// The SDK has read AWS_ENDPOINT_URL into BaseEndpoint already; an emulator
	// named either way (or only for S3) needs path-style S3 addressing.
	custom := cfg.BaseEndpoint != nil || os.Getenv("AWS_ENDPOINT_URL_S3") != ""
	return &Account{cfg: cfg, custom: custom, pageSize: o.PageSize, clients: map[string]*regional{}}, nil
}

// retrieveCredentials loads the credentials cfg names. No credentials at all
// (the chain fell through to the EC2 instance metadata service, and that had
// none) is a short error; any other failure (an expired SSO session, a role
// that cannot be assumed) keeps the SDK's words. Both wrap cloud.ErrNoCredentials.
func retrieveCredentials(ctx context.Context, cfg aws.Config, profile string) error {
	where := "the environment, the shared config and credentials files"
	if profile != "" {
		where += " (profile " + profile + ")"
	}
	where += ", or the EC2 instance metadata service"
	if cfg.Credentials == nil {
		return fmt.Errorf("%w found in %s", cloud.ErrNoCredentials, where)
	}
	_, err := cfg.Credentials.Retrieve(ctx)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case strings.Contains(err.Error(), "ec2imds") || strings.Contains(err.Error(), "EC2 IMDS"):
		return fmt.Errorf("%w found in %s", cloud.ErrNoCredentials, where)
	}
	what := "load AWS credentials"
	if profile != "" {
		what += " for profile " + profile
	}
	return &kindError{err: fmt.Errorf("%s: %w", what, err), kind: cloud.ErrNoCredentials}
}

// Account is an AWS account reached through the SDK. It implements
// cloud.Account, and cloudtest.ObjectPutter for tests.
type Account struct {
	cfg    aws.Config
	custom bool // a custom endpoint (emulator): S3 path-style addressing
	// pageSize is Options.PageSize.
	pageSize int

	mu       sync.Mutex
	clients  map[string]*regional
	iamC     *iam.Client
	s3C      map[string]*s3.Client // by region
	bucketRg map[string]string     // bucket -> region
	cw       map[string]*cloudwatch.Client
	cfnC     sync.Map // region -> *cloudformation.Client (cloudformation.go)
}

var _ cloud.Account = (*Account)(nil)

// regional holds one region's clients.
type regional struct {
	events *eventbridge.Client
	sns    *sns.Client
	sqs    *sqs.Client
	kms    *kms.Client
	trail  *cloudtrail.Client
}

func (a *Account) regionCfg(region string) aws.Config {
	c := a.cfg.Copy()
	if region != "" {
		c.Region = region
	}
	return c
}

func (a *Account) in(region string) *regional {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.clients[region]
	if !ok {
		c := a.regionCfg(region)
		r = &regional{
			events: eventbridge.NewFromConfig(c),
			sns:    sns.NewFromConfig(c),
			sqs:    sqs.NewFromConfig(c),
			kms:    kms.NewFromConfig(c),
			trail:  cloudtrail.NewFromConfig(c),
		}
		a.clients[region] = r
	}
	return r
}

// Identity implements cloud.Account with STS GetCallerIdentity.
func (a *Account) Identity(ctx context.Context) (cloud.Identity, error) {
	out, err := sts.NewFromConfig(a.cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return cloud.Identity{}, fmt.Errorf("get caller identity: %w", mapErr(err))
	}
	id := cloud.Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn)}
	if f := strings.SplitN(id.ARN, ":", 3); len(f) == 3 {
		id.Partition = f[1]
	}
	return id, nil
}

// Regions implements cloud.Account with EC2 DescribeRegions: the regions enabled
// for the account, opted-in opt-in regions included.
func (a *Account) Regions(ctx context.Context) ([]string, error) {
	out, err := ec2.NewFromConfig(a.cfg).DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(false)})
	if err != nil {
		return nil, fmt.Errorf("describe regions: %w", mapErr(err))
	}
	var rs []string
	home := partitionOf(a.cfg.Region)
	for _, r := range out.Regions {
		name := aws.ToString(r.RegionName)
		if partitionOf(name) != home {
			continue // moto lists every partition's regions; AWS only the caller's
		}
		switch aws.ToString(r.OptInStatus) {
		case "", "opt-in-not-required", "opted-in":
			rs = append(rs, name)
		}
	}
	slices.Sort(rs)
	return rs, nil
}

// partitionOf names the partition of a region by its prefix.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "us-isof-"):
		return "aws-iso-f"
	}
	return "aws"
}

func (a *Account) Events(region string) cloud.Events {
	return &events{c: a.in(region).events, region: region, limit: a.limit(100)}
}

// limit is the page size to ask for, given the service's maximum.
func (a *Account) limit(max int) int32 {
	if a.pageSize > 0 && a.pageSize < max {
		return int32(a.pageSize)
	}
	return int32(max)
}
func (a *Account) Topics(region string) cloud.Topics {
	return &topics{c: a.in(region).sns, region: region}
}
func (a *Account) Queues(region string) cloud.Queues {
	return &queues{c: a.in(region).sqs, region: region}
}
func (a *Account) Keys(region string) cloud.Keys { return &keys{c: a.in(region).kms, region: region} }
func (a *Account) Trails(region string) cloud.Trails {
	return &trails{a: a, c: a.in(region).trail, region: region}
}

func (a *Account) Roles() cloud.Roles {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.iamC == nil {
		a.iamC = iam.NewFromConfig(a.cfg)
	}
	return &roles{c: a.iamC}
}

func (a *Account) Buckets() cloud.Buckets { return &buckets{a: a} }

// errorf wraps err, mapped, with the operation's description.
func errorf(err error, format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), mapErr(err))
}
