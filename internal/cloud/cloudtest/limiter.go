package cloudtest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Service names the AWS service behind a cloud method, as Recorder names it.
func Service(method string) string {
	switch method {
	case "Bus", "CreateBus", "DeleteBus", "SetBusPolicy", "TagBus", "Rules", "Rule", "PutRule", "DeleteRule",
		"Targets", "PutTargets", "RemoveTargets", "TestPattern", "PutEvents":
		return "events"
	case "CreateTopic", "Topic", "SetTopicPolicy", "DeleteTopic", "Subscriptions", "Subscribe", "Unsubscribe", "Publish":
		return "sns"
	case "CreateQueue", "Queue", "SetQueuePolicy", "DeleteQueue", "Receive", "DeleteMessage":
		return "sqs"
	case "Key", "PutKeyPolicy":
		return "kms"
	case "Trails", "CreateTrail", "DeleteTrail", "Lookup":
		return "cloudtrail"
	case "Role", "CreateRole", "UpdateTrust", "RolePolicy", "PutRolePolicy", "DeleteRolePolicy", "DeleteRole":
		return "iam"
	case "CreateBucket", "BucketPolicy", "DeleteBucket", "List", "Open":
		return "s3"
	case "DescribeOrganization", "Accounts", "Roots", "Units", "Policies", "Policy", "CreatePolicy",
		"UpdatePolicy", "DeletePolicy", "PolicyTargets", "AttachPolicy", "DetachPolicy":
		return "organizations"
	case "Identity", "AssumeRole":
		return "sts"
	case "Regions":
		return "ec2"
	}
	return "other"
}

// Limits model an AWS endpoint's latency and throttling, and the SDK client's
// retries, for benchmarks on the fake.
type Limits struct {
	// Latency is each service's round trip; services not named take
	// Latency["*"].
	Latency map[string]time.Duration
	// Rate is each service's sustained calls per second per account and
	// region (IAM and Organizations: per account), a token bucket holding
	// a second's worth of calls, or Burst if more; 0 or absent means
	// unlimited.
	Rate  map[string]float64
	Burst int
	// Pages is how many requests a method makes (paged listings, e.g.
	// Organizations' ListAccounts at 20 accounts a page); absent means 1.
	Pages map[string]int
	// MaxAttempts and BaseBackoff are the client's retries of a throttled
	// call: exponential backoff with full jitter, as the SDK's standard
	// retryer; after MaxAttempts the call fails with cloud.ErrThrottled.
	MaxAttempts int
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
}

// Limiter applies Limits to the calls of a Recorder (see Recorder.SetHook)
// and counts requests and throttles. It is safe for concurrent use.
type Limiter struct {
	l Limits

	mu      sync.Mutex
	buckets map[string]*bucket

	requests, throttles, failures atomic.Int64
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter for l.
func NewLimiter(l Limits) *Limiter {
	if l.MaxAttempts <= 0 {
		l.MaxAttempts = 3
	}
	if l.BaseBackoff <= 0 {
		l.BaseBackoff = 50 * time.Millisecond
	}
	if l.MaxBackoff <= 0 {
		l.MaxBackoff = 20 * time.Second
	}
	if l.Burst <= 0 {
		l.Burst = 1
	}
	return &Limiter{l: l, buckets: map[string]*bucket{}}
}

// Hook is the function to give Recorder.SetHook. region is as the recorder
// passes it: "eu-west-1", "global", or "111122223333:eu-west-1" for an
// assumed account.
func (l *Limiter) Hook(method, region string) error {
	svc := Service(method)
	lat, ok := l.l.Latency[svc]
	if !ok {
		lat = l.l.Latency["*"]
	}
	key := svc + " " + region
	if svc == "iam" || svc == "organizations" || svc == "sts" {
		key = svc + " " + strings.SplitN(region, ":", 2)[0] // global: per account
	}
	pages := max(l.l.Pages[method], 1)
	for page := 0; page < pages; page++ {
		for attempt := 1; ; attempt++ {
			l.requests.Add(1)
			if l.take(key, svc) {
				time.Sleep(lat)
				break
			}
			l.throttles.Add(1)
			time.Sleep(lat) // the throttling answer takes a round trip too
			if attempt == l.l.MaxAttempts {
				l.failures.Add(1)
				return fmt.Errorf("ThrottlingException: rate exceeded after %d attempts: %w", attempt, cloud.ErrThrottled)
			}
			backoff := min(l.l.BaseBackoff<<(attempt-1), l.l.MaxBackoff)
			time.Sleep(time.Duration(rand.Int64N(int64(backoff) + 1)))
		}
	}
	return nil
}

// take takes a token from the bucket of key, if the service is limited.
func (l *Limiter) take(key, svc string) bool {
	rate := l.l.Rate[svc]
	if rate <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	b, ok := l.buckets[key]
	capacity := max(float64(l.l.Burst), rate)
	if !ok {
		b = &bucket{tokens: capacity, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(capacity, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Stats returns the requests made (retries and pages included), how many
// were throttled, and how many calls failed after the retries.
func (l *Limiter) Stats() (requests, throttled, failed int64) {
	return l.requests.Load(), l.throttles.Load(), l.failures.Load()
}
