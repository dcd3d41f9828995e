package awscloud_test

import (
	"context"
	"os"
	"testing"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
)

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

// open connects to the test endpoint, in an empty account of the test's own
// on moto.
func open(t *testing.T) cloud.Account {
	t.Helper()
	a, _ := openTarget(t)
	return a
}

// openTarget is open that also returns the endpoint and account it opened.
func openTarget(t *testing.T) (cloud.Account, awstest.Target) {
	t.Helper()
	ep := awstest.Endpoint(t)
	a, err := awscloud.ConnectWith(context.Background(), cloud.Config{EndpointURL: ep.URL, Region: "us-east-1"}, awscloud.Options{Credentials: ep.Creds})
	if err != nil {
		t.Fatal(err)
	}
	cleanupAfter(t, ep, a)
	return a, ep
}

// cleanupAfter removes the suite's resources before and after a test on an
// endpoint that awstest does not reset (LocalStack, real AWS).
func cleanupAfter(t *testing.T, ep awstest.Target, a cloud.Account) {
	if ep.Kind == awstest.Moto {
		return
	}
	ctx := context.Background()
	if err := cloudtest.Cleanup(ctx, a); err != nil {
		t.Logf("before the test: %v", err)
	}
	t.Cleanup(func() {
		if err := cloudtest.Cleanup(ctx, a); err != nil {
			t.Errorf("after the test: %v", err)
		}
	})
}

// TestConformance runs the suite the in-memory fake passes against moto (or the
// endpoint ROOTWATCH_TEST_ENDPOINT names). On moto every subtest has an
// account of its own, so they run in parallel.
func TestConformance(t *testing.T) {
	t.Parallel()
	if awstest.Endpoint(t).Kind == awstest.Moto {
		cloudtest.RunParallel(t, open, motoGaps)
		return
	}
	cloudtest.RunWith(t, open, nil)
}

// motoGaps are moto_server 5.2.1's differences from AWS that the suite
// tolerates (see MOTO.md); other gaps surface as ErrUnsupported skips.
var motoGaps = cloudtest.Gaps{
	cloudtest.GapEmailPending:          "moto confirms e-mail subscriptions at once and accepts any address",
	cloudtest.GapAWSManagedKeys:        "moto has no alias/aws/sns until something creates it; DescribeKey does not",
	cloudtest.GapTopicTagConflict:      "moto's CreateTopic returns the existing topic whatever the tags",
	cloudtest.GapDestinationConflict:   "moto's CreateConnection and CreateApiDestination replace an existing one; UpdateConnection gives a new ARN",
	cloudtest.GapDestinationValidation: "moto's CreateApiDestination takes any rate limit and an http:// endpoint",
	cloudtest.GapAWSSources:            "moto's PutEvents accepts aws.* sources",
	cloudtest.GapConfirmToken:          "moto's ConfirmSubscription accepts any token",
	cloudtest.GapBusTagLimit:           "moto's TagResource and CreateEventBus take any number of tags of any length",
}

// TestConformancePaged runs the suite with pages of two entries, so that every
// paging loop of the adapter (rules, targets, S3 listings) turns.
func TestConformancePaged(t *testing.T) {
	t.Parallel()
	open := func(t *testing.T) cloud.Account {
		ep := awstest.Endpoint(t)
		a, err := awscloud.ConnectWith(context.Background(), cloud.Config{EndpointURL: ep.URL, Region: "us-east-1"}, awscloud.Options{PageSize: 2, Credentials: ep.Creds})
		if err != nil {
			t.Fatal(err)
		}
		cleanupAfter(t, ep, a)
		return a
	}
	if awstest.Endpoint(t).Kind == awstest.Moto {
		cloudtest.RunParallel(t, open, motoGaps)
		return
	}
	cloudtest.RunWith(t, open, nil)
}
