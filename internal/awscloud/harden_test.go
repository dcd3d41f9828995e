package awscloud_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
)

// TestCreateBucketHardened: a bucket rootwatch creates (the trail's) has all
// public access blocked and versioning enabled, as S3 itself reports.
func TestCreateBucketHardened(t *testing.T) {
	t.Parallel()
	a, tg := openTarget(t)
	ctx := context.Background()
	id, err := a.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	name := "rw-logs-" + id.Account
	if err := a.Buckets().CreateBucket(ctx, name, cloudtest.Remote, "", nil); err != nil {
		t.Fatal(err)
	}
	c := s3.NewFromConfig(sdkConfig(t, tg), func(o *s3.Options) { o.UsePathStyle = true; o.Region = cloudtest.Remote })
	v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != "Enabled" {
		t.Errorf("versioning = %q, want Enabled", v.Status)
	}
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := pab.PublicAccessBlockConfiguration
	if cfg == nil || !aws.ToBool(cfg.BlockPublicAcls) || !aws.ToBool(cfg.IgnorePublicAcls) || !aws.ToBool(cfg.BlockPublicPolicy) || !aws.ToBool(cfg.RestrictPublicBuckets) {
		t.Errorf("public access block = %+v, want all four on", cfg)
	}
	if err := a.Buckets().DeleteBucket(ctx, name); err != nil {
		t.Logf("cleanup: %v", err)
	}
}
