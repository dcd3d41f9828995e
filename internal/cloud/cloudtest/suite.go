// Package cloudtest holds what tests of every cloud.Account need: Run, the one
// conformance suite that the in-memory fake and the AWS adapter (against moto,
// LocalStack or AWS itself) must both pass, and Recorder, a decorator that counts
// calls, lists mutating calls and injects failures.
package cloudtest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// The regions the suite works in; every endpoint under test must have them.
const (
	Home   = "us-east-1"
	Remote = "eu-west-1"
)

// ObjectPutter is implemented by accounts that can store S3 objects, which the
// cloud interface itself never does. The suite needs it to test List and Open.
type ObjectPutter interface {
	PutObject(bucket, key string, data []byte) error
}

// Known gaps: differences of an endpoint from AWS that a caller of RunWith may
// declare, with the reason, so that the suite skips exactly the checks they
// affect (and says so) instead of failing.
const (
	// GapEmailPending: e-mail subscriptions are confirmed at once and addresses
	// are not checked (moto).
	GapEmailPending = "email-pending"
	// GapAWSManagedKeys: DescribeKey of alias/aws/sns does not create the
	// AWS-managed key as AWS does (moto).
	GapAWSManagedKeys = "aws-managed-keys"
	// GapTopicTagConflict: CreateTopic of an existing topic with different tags
	// returns the topic instead of failing (moto).
	GapTopicTagConflict = "topic-tag-conflict"
	// GapAWSSources: PutEvents accepts sources beginning with "aws." (moto).
	GapAWSSources = "aws-sources"
)

// Gaps maps known gaps (the Gap constants) to the reason they exist.
type Gaps map[string]string

// skip skips t if the gap is declared.
func (g Gaps) skip(t *testing.T, gap string) {
	t.Helper()
	if why, ok := g[gap]; ok {
		t.Skipf("known endpoint gap %q: %s", gap, why)
	}
}

// Run runs the conformance suite. open returns a fresh, empty account for each
// subtest. A subtest is skipped only when the endpoint answers ErrUnsupported,
// and the skip says so.
func Run(t *testing.T, open func(t *testing.T) cloud.Account) { RunWith(t, open, nil) }

// RunWith is Run for an endpoint with declared gaps.
func RunWith(t *testing.T, open func(t *testing.T) cloud.Account, gaps Gaps) {
	run(t, open, gaps, false)
}

// RunParallel is RunWith with the subtests in parallel: open must give each
// call an account of its own (a fresh fake, a moto account per test).
func RunParallel(t *testing.T, open func(t *testing.T) cloud.Account, gaps Gaps) {
	run(t, open, gaps, true)
}

func run(t *testing.T, open func(t *testing.T) cloud.Account, gaps Gaps, parallel bool) {
	tests := []struct {
		name string
		fn   func(t *testing.T, ctx context.Context, a cloud.Account)
	}{
		{"Identity", testIdentity},
		{"Regions", testRegions},
		{"Buses", testBuses},
		{"BusTagsFull", func(t *testing.T, ctx context.Context, a cloud.Account) { testBusTagsFull(t, ctx, a, gaps) }},
		{"Rules", testRules},
		{"RulePagination", testRulePagination},
		{"Targets", testTargets},
		{"TargetInputOverride", testTargetInputOverride},
		{"Destinations", func(t *testing.T, ctx context.Context, a cloud.Account) { testDestinations(t, ctx, a, gaps) }},
		{"TestPattern", testTestPattern},
		{"PutEvents", func(t *testing.T, ctx context.Context, a cloud.Account) { testPutEvents(t, ctx, a, gaps) }},
		{"Topics", func(t *testing.T, ctx context.Context, a cloud.Account) { testTopics(t, ctx, a, gaps) }},
		{"Subscriptions", func(t *testing.T, ctx context.Context, a cloud.Account) { testSubscriptions(t, ctx, a, gaps) }},
		{"PublishToQueue", testPublishToQueue},
		{"Queues", testQueues},
		{"Keys", func(t *testing.T, ctx context.Context, a cloud.Account) { testKeys(t, ctx, a, gaps) }},
		{"Trails", testTrails},
		{"Lookup", testLookup},
		{"Roles", testRoles},
		{"Buckets", testBuckets},
		{"Objects", testObjects},
		{"Alarms", testAlarms},
		{"ScheduledRule", testScheduledRule},
		{"ConfirmSubscription", func(t *testing.T, ctx context.Context, a cloud.Account) { testConfirmSubscription(t, ctx, a, gaps) }},
		{"FilterPolicy", testFilterPolicy},
		{"RolePermissions", testRolePermissions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if parallel {
				t.Parallel()
			}
			a := open(t)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			tt.fn(t, ctx, a)
		})
	}
}

// check fails t with the operation's error.
func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantNotFound fails t unless err wraps cloud.ErrNotFound.
func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("%s: got error %v, want one wrapping cloud.ErrNotFound", what, err)
	}
}

// wantExists fails t unless err wraps cloud.ErrAlreadyExists.
func wantExists(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, cloud.ErrAlreadyExists) {
		t.Errorf("%s: got error %v, want one wrapping cloud.ErrAlreadyExists", what, err)
	}
}

// skipUnsupported skips t when err wraps cloud.ErrUnsupported.
func skipUnsupported(t *testing.T, what string, err error) {
	t.Helper()
	if errors.Is(err, cloud.ErrUnsupported) {
		t.Skipf("endpoint gap: %s: %v", what, err)
	}
}

// sameJSON fails t unless the two documents are equal as JSON values.
func sameJSON(t *testing.T, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("%s: not JSON: %v: %q", what, err, got)
		return
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: the test's document is not JSON: %v", what, err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

var managed = cloud.Tags{cloud.ManagedTag: cloud.ManagedValue, cloud.VersionTag: "test"}
