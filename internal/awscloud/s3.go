package awscloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

type buckets struct{ a *Account }

// s3In returns the S3 client for region. With a custom endpoint (an emulator)
// requests use path-style addressing.
func (a *Account) s3In(region string) *s3.Client {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.s3C == nil {
		a.s3C = map[string]*s3.Client{}
	}
	c, ok := a.s3C[region]
	if !ok {
		c = s3.NewFromConfig(a.regionCfg(region), func(o *s3.Options) {
			o.UsePathStyle = a.custom
			o.DisableLogOutputChecksumValidationSkipped = true
		})
		a.s3C[region] = c
	}
	return c
}

// bucketClient returns the client for the bucket's own region (real S3 answers
// requests for a bucket in another region with a redirect).
func (a *Account) bucketClient(ctx context.Context, bucket string) (*s3.Client, error) {
	a.mu.Lock()
	region, ok := a.bucketRg[bucket]
	a.mu.Unlock()
	if ok {
		return a.s3In(region), nil
	}
	out, err := a.s3In(a.cfg.Region).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil {
		region = aws.ToString(out.BucketRegion)
	} else {
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			if re.HTTPStatusCode() == 404 {
				return nil, &kindError{err: err, kind: cloud.ErrNotFound}
			}
			if re.Response != nil {
				region = re.Response.Header.Get("X-Amz-Bucket-Region")
			}
		}
		if region == "" {
			return nil, mapErr(err)
		}
	}
	if region == "" {
		region = a.cfg.Region
	}
	a.mu.Lock()
	if a.bucketRg == nil {
		a.bucketRg = map[string]string{}
	}
	a.bucketRg[bucket] = region
	a.mu.Unlock()
	return a.s3In(region), nil
}

func (a *Account) forgetBucket(bucket string) {
	a.mu.Lock()
	delete(a.bucketRg, bucket)
	a.mu.Unlock()
}

// CreateBucket creates the bucket, then sets its policy and tags. A bucket that
// already exists gives an error wrapping cloud.ErrAlreadyExists, in us-east-1
// too (where S3 itself would answer success for a bucket the caller owns).
func (s *buckets) CreateBucket(ctx context.Context, name, region, policy string, tags cloud.Tags) error {
	c := s.a.s3In(region)
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)}); err == nil {
		return fmt.Errorf("create bucket %s in %s: BucketAlreadyOwnedByYou: %w", name, region, cloud.ErrAlreadyExists)
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	if _, err := c.CreateBucket(ctx, in); err != nil {
		return errorf(err, "create bucket %s in %s", name, region)
	}
	s.a.mu.Lock()
	if s.a.bucketRg == nil {
		s.a.bucketRg = map[string]string{}
	}
	s.a.bucketRg[name] = region
	s.a.mu.Unlock()
	if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(name), PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{
		BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
	}}); err != nil {
		return errorf(err, "block public access to new bucket %s in %s", name, region)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(name), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		return errorf(err, "enable versioning of new bucket %s in %s", name, region)
	}
	if policy != "" {
		if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(name), Policy: aws.String(policy)}); err != nil {
			return errorf(err, "put policy of new bucket %s in %s", name, region)
		}
	}
	if len(tags) > 0 {
		var ts []types.Tag
		for k, v := range tags {
			ts = append(ts, types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		sort.Slice(ts, func(i, j int) bool { return *ts[i].Key < *ts[j].Key })
		if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(name), Tagging: &types.Tagging{TagSet: ts}}); err != nil {
			return errorf(err, "tag new bucket %s in %s", name, region)
		}
	}
	return nil
}

// BucketPolicy returns the bucket's policy; a bucket without one gives an error
// wrapping cloud.ErrNotFound (NoSuchBucketPolicy), as does a missing bucket.
func (s *buckets) BucketPolicy(ctx context.Context, name string) (string, error) {
	c, err := s.a.bucketClient(ctx, name)
	if err != nil {
		return "", fmt.Errorf("get policy of bucket %s: %w", name, err)
	}
	out, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(name)})
	if err != nil {
		return "", errorf(err, "get policy of bucket %s", name)
	}
	return aws.ToString(out.Policy), nil
}

func (s *buckets) DeleteBucket(ctx context.Context, name string) error {
	c, err := s.a.bucketClient(ctx, name)
	if err != nil {
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}); err != nil {
		return errorf(err, "delete bucket %s", name)
	}
	s.a.forgetBucket(name)
	return nil
}

func (s *buckets) List(ctx context.Context, bucket, prefix, delimiter, token string) (cloud.ListPage, error) {
	c, err := s.a.bucketClient(ctx, bucket)
	if err != nil {
		return cloud.ListPage{}, fmt.Errorf("list objects in bucket %s under %q: %w", bucket, prefix, err)
	}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(s.a.limit(1000))}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	if delimiter != "" {
		in.Delimiter = aws.String(delimiter)
	}
	if token != "" {
		in.ContinuationToken = aws.String(token)
	}
	out, err := c.ListObjectsV2(ctx, in)
	if err != nil {
		return cloud.ListPage{}, errorf(err, "list objects in bucket %s under %q", bucket, prefix)
	}
	var p cloud.ListPage
	for _, cp := range out.CommonPrefixes {
		p.Prefixes = append(p.Prefixes, aws.ToString(cp.Prefix))
	}
	for _, o := range out.Contents {
		p.Objects = append(p.Objects, cloud.Object{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size)})
	}
	if aws.ToBool(out.IsTruncated) {
		p.Next = aws.ToString(out.NextContinuationToken)
	}
	return p, nil
}

func (s *buckets) Open(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	c, err := s.a.bucketClient(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("get object %s from bucket %s: %w", key, bucket, err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, errorf(err, "get object %s from bucket %s", key, bucket)
	}
	return out.Body, nil
}

// PutObject stores an object. It is not part of cloud.Account (rootwatch never
// writes objects); the conformance suite uses it (cloudtest.ObjectPutter).
func (a *Account) PutObject(bucket, key string, data []byte) error {
	ctx := context.Background()
	c, err := a.bucketClient(ctx, bucket)
	if err != nil {
		return fmt.Errorf("put object %s in bucket %s: %w", key, bucket, err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)}); err != nil {
		return errorf(err, "put object %s in bucket %s", key, bucket)
	}
	return nil
}

// DeleteObject deletes an object. Like PutObject it is for tests
// (cloudtest.ObjectDeleter), to clean up on endpoints that are not reset.
func (a *Account) DeleteObject(bucket, key string) error {
	ctx := context.Background()
	c, err := a.bucketClient(ctx, bucket)
	if err != nil {
		return fmt.Errorf("delete object %s from bucket %s: %w", key, bucket, err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		return errorf(err, "delete object %s from bucket %s", key, bucket)
	}
	return nil
}
