package awscloud_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
)

// These tests set up, with the SDK directly, what the cloud interface never
// writes (a topic's KMS key, a customer key, a trail's selectors) and check that
// the adapter reads it.

func sdkConfig(t *testing.T, tg awstest.Target) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(cloudtest.Home))
	if err != nil {
		t.Fatal(err)
	}
	if c := tg.Creds; c != nil {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	}
	return cfg
}

func TestTopicKMSKey(t *testing.T) {
	t.Parallel()
	a, tg := openTarget(t)
	ctx := context.Background()
	arn, err := a.Topics(cloudtest.Home).CreateTopic(ctx, "rw-encrypted", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sns.NewFromConfig(sdkConfig(t, tg)).SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{
		TopicArn: aws.String(arn), AttributeName: aws.String("KmsMasterKeyId"), AttributeValue: aws.String("alias/aws/sns"),
	})
	if err != nil {
		t.Fatal(err)
	}
	tp, err := a.Topics(cloudtest.Home).Topic(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	if tp.KMSKeyID != "alias/aws/sns" {
		t.Errorf("KMSKeyID = %q, want alias/aws/sns", tp.KMSKeyID)
	}
}

func TestCustomerKey(t *testing.T) {
	t.Parallel()
	if awstest.Endpoint(t).Kind == awstest.RealAWS {
		t.Skip("creates a KMS key, which AWS deletes only after a waiting period of at least 7 days")
	}
	a, tg := openTarget(t)
	ctx := context.Background()
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}`
	c := kms.NewFromConfig(sdkConfig(t, tg))
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(policy)})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.KeyMetadata.KeyId)
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/rw-alerts"), TargetKeyId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	keys := a.Keys(cloudtest.Home)
	for _, ref := range []string{id, aws.ToString(out.KeyMetadata.Arn), "alias/rw-alerts"} {
		k, err := keys.Key(ctx, ref)
		if err != nil {
			t.Fatalf("Key(%s): %v", ref, err)
		}
		if k.ID != id || k.AWSManaged || k.Policy == "" {
			t.Errorf("Key(%s) = %+v", ref, k)
		}
	}
	granted := `{"Version":"2012-10-17","Statement":[{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"},{"Sid":"RootwatchEventBridgeKMS","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:Decrypt"],"Resource":"*"}]}`
	if err := keys.PutKeyPolicy(ctx, id, granted); err != nil {
		t.Fatal(err)
	}
	k, err := keys.Key(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if k.Policy != granted {
		t.Errorf("key policy after PutKeyPolicy = %s", k.Policy)
	}
}

func TestTrailSelectors(t *testing.T) {
	t.Parallel()
	a, tg := openTarget(t)
	ctx := context.Background()
	id, err := a.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bucket := "rw-trail-" + id.Account + "-" + cloudtest.Home
	if err := a.Buckets().CreateBucket(ctx, bucket, cloudtest.Home, cloudtest.TrailBucketPolicy(bucket, id.Account), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Trails(cloudtest.Home).CreateTrail(ctx, cloud.TrailSpec{Name: "rw-trail", Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	c := cloudtrail.NewFromConfig(sdkConfig(t, tg))
	for _, tt := range []struct {
		name  string
		input cloudtrail.PutEventSelectorsInput
		want  cloud.Management
	}{
		{"basic write-only", cloudtrail.PutEventSelectorsInput{EventSelectors: []cttypes.EventSelector{{ReadWriteType: cttypes.ReadWriteTypeWriteOnly, IncludeManagementEvents: aws.Bool(true)}}}, cloud.ManagementWriteOnly},
		{"advanced management", cloudtrail.PutEventSelectorsInput{AdvancedEventSelectors: []cttypes.AdvancedEventSelector{{Name: aws.String("mgmt"), FieldSelectors: []cttypes.AdvancedFieldSelector{{Field: aws.String("eventCategory"), Equals: []string{"Management"}}}}}}, cloud.ManagementAll},
		{"advanced data only", cloudtrail.PutEventSelectorsInput{AdvancedEventSelectors: []cttypes.AdvancedEventSelector{{Name: aws.String("s3"), FieldSelectors: []cttypes.AdvancedFieldSelector{{Field: aws.String("eventCategory"), Equals: []string{"Data"}}, {Field: aws.String("resources.type"), Equals: []string{"AWS::S3::Object"}}}}}}, cloud.ManagementNone},
	} {
		in := tt.input
		in.TrailName = aws.String("rw-trail")
		if _, err := c.PutEventSelectors(ctx, &in); err != nil {
			t.Fatalf("%s: PutEventSelectors: %v", tt.name, err)
		}
		ts, err := a.Trails(cloudtest.Remote).Trails(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 1 || ts[0].Management != tt.want {
			t.Errorf("%s: trails seen from %s = %+v, want management %q", tt.name, cloudtest.Remote, ts, tt.want)
		}
	}
	if _, err := c.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String("rw-trail")}); err != nil {
		t.Fatal(err)
	}
	ts, err := a.Trails(cloudtest.Home).Trails(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Logging {
		t.Errorf("after StopLogging: %+v, want one trail not logging", ts)
	}
}

// The recorder counts the same mutating calls over moto as over the fake.
func TestRecorderOverEndpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := cloudtest.Record(open(t))
	ev := r.Events(cloudtest.Home)
	if _, err := ev.CreateBus(ctx, "rw-test", nil); err != nil {
		t.Fatal(err)
	}
	r.FailMutation(2)
	if _, err := ev.PutRule(ctx, cloud.Rule{Name: "rw-r", Bus: "rw-test", Pattern: `{"source":["x"]}`}); err != nil {
		t.Fatal(err)
	}
	if _, err := ev.PutRule(ctx, cloud.Rule{Name: "rw-s", Bus: "rw-test", Pattern: `{"source":["x"]}`}); !errors.Is(err, cloudtest.ErrInjected) {
		t.Fatalf("second mutation after FailMutation(2): %v, want ErrInjected", err)
	}
	rules, err := ev.Rules(ctx, "rw-test", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 1 || rules[0].Name != "rw-r" {
		t.Errorf("rules = %+v, want only rw-r (rw-s failed before reaching the endpoint)", rules)
	}
	want := []string{"CreateBus us-east-1 rw-test", "PutRule us-east-1 rw-test/rw-r"}
	if got := r.Mutations(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Mutations = %v, want %v", got, want)
	}
}

// countingTransport counts requests by X-Amz-Target (JSON protocols) or query
// string (REST), so that a test can see the pages an operation took.
type countingTransport struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	target := r.Header.Get("X-Amz-Target")
	if target == "" {
		target = r.Method + " " + r.URL.RawQuery
	}
	c.n[target[strings.LastIndexByte(target, '.')+1:]]++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// The adapter follows next-tokens: with pages of two, seven rules take four
// ListRules calls, and seven objects four ListObjectsV2 pages through the
// caller's token loop.
func TestPaging(t *testing.T) {
	t.Parallel()
	ep := awstest.Endpoint(t)
	ct := &countingTransport{n: map[string]int{}}
	a, err := awscloud.ConnectWith(context.Background(), cloud.Config{EndpointURL: ep.URL, Region: cloudtest.Home},
		awscloud.Options{PageSize: 2, HTTPClient: &http.Client{Transport: ct}, Credentials: ep.Creds})
	if err != nil {
		t.Fatal(err)
	}
	cleanupAfter(t, ep, a)
	ctx := context.Background()
	id, err := a.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bucket := "rw-paging-" + id.Account
	ev := a.Events(cloudtest.Home)
	for i := range 7 {
		if _, err := ev.PutRule(ctx, cloud.Rule{Name: fmt.Sprintf("rw-%d", i), Pattern: `{"source":["x"]}`}); err != nil {
			t.Fatal(err)
		}
	}
	rules, err := ev.Rules(ctx, "", "rw-")
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 7 || ct.n["ListRules"] != 4 {
		t.Errorf("Rules = %d rules in %d ListRules calls, want 7 in 4", len(rules), ct.n["ListRules"])
	}
	if err := a.Buckets().CreateBucket(ctx, bucket, cloudtest.Home, "", nil); err != nil {
		t.Fatal(err)
	}
	put := a.(cloudtest.ObjectPutter)
	for i := range 7 {
		if err := put.PutObject(bucket, fmt.Sprintf("k%d", i), []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	pages, n, token := 0, 0, ""
	for {
		p, err := a.Buckets().List(ctx, bucket, "", "/", token)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(p.Objects)
		if p.Next == "" {
			break
		}
		token = p.Next
	}
	if n != 7 || pages != 4 {
		t.Errorf("List = %d objects in %d pages, want 7 in 4", n, pages)
	}
}

// With no endpoint in the configuration the SDK takes AWS_ENDPOINT_URL (which
// awstest sets): the calls reach the emulator, not AWS, whose answer to the
// dummy credentials would be an error. (The SDK addresses S3 path-style by
// itself for an IP-address endpoint; Connect also asks for it for any custom
// endpoint, e.g. http://localstack:4566.)
func TestEndpointFromEnvironment(t *testing.T) {
	ep := awstest.Endpoint(t)
	if ep.Kind == awstest.RealAWS {
		t.Skip("AWS_ENDPOINT_URL is not set for real AWS")
	}
	a, err := awscloud.Connect(context.Background(), cloud.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cleanupAfter(t, ep, a)
	ctx := context.Background()
	id, err := a.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	name := "rw-test-" + id.Account
	if err := a.Buckets().CreateBucket(ctx, name, cloudtest.Home, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Buckets().List(ctx, name, "", "/", ""); err != nil {
		t.Fatal(err)
	}
}
