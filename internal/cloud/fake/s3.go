package fake

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

type bucket struct {
	name    string
	region  string
	policy  string
	tags    cloud.Tags
	objects map[string][]byte
	// Set by CreateBucket, as the cloud interface promises; see BucketSettings.
	versioned, publicBlocked bool
}

type buckets struct{ a *Account }

func noSuchBucket(name string) error {
	return notFound("NoSuchBucket: The specified bucket %s does not exist", name)
}

func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 || strings.Contains(name, "..") {
		return false
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (c == '-' || c == '.') && i > 0 && i < len(name)-1
		if !ok {
			return false
		}
	}
	return true
}

// CreateBucket creates a bucket. Unlike S3's us-east-1 quirk, asking again for a
// bucket the account owns is always a conflict (BucketAlreadyOwnedByYou).
func (s *buckets) CreateBucket(ctx context.Context, name, region, policy string, tags cloud.Tags) error {
	op := fmt.Sprintf("create bucket %s in %s", name, region)
	if err := s.a.lockGlobal(ctx); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	if !validBucketName(name) {
		return fmt.Errorf("%s: InvalidBucketName: The specified bucket is not valid", op)
	}
	if _, ok := s.a.region[region]; !ok {
		return fmt.Errorf("%s: InvalidLocationConstraint: %w", op, errRegion)
	}
	if _, ok := s.a.buckets[name]; ok {
		return fmt.Errorf("%s: %w", op, exists("BucketAlreadyOwnedByYou: Your previous request to create the named bucket succeeded and you already own it"))
	}
	if policy != "" {
		if err := validPolicy(policy); err != nil {
			return fmt.Errorf("%s: put bucket policy: %w", op, err)
		}
	}
	s.a.buckets[name] = &bucket{name: name, region: region, policy: policy, tags: cloneTags(tags), objects: map[string][]byte{}, versioned: true, publicBlocked: true}
	return nil
}

// BucketPolicy returns the bucket's policy; a bucket without one gives an error
// wrapping cloud.ErrNotFound (S3's NoSuchBucketPolicy), as does a missing bucket.
func (s *buckets) BucketPolicy(ctx context.Context, name string) (string, error) {
	op := fmt.Sprintf("get policy of bucket %s", name)
	if err := s.a.lockGlobal(ctx); err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	b, ok := s.a.buckets[name]
	if !ok {
		return "", fmt.Errorf("%s: %w", op, noSuchBucket(name))
	}
	if b.policy == "" {
		return "", fmt.Errorf("%s: %w", op, notFound("NoSuchBucketPolicy: The bucket policy does not exist"))
	}
	return b.policy, nil
}

// DeleteBucket deletes an empty bucket.
func (s *buckets) DeleteBucket(ctx context.Context, name string) error {
	op := fmt.Sprintf("delete bucket %s", name)
	if err := s.a.lockGlobal(ctx); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	b, ok := s.a.buckets[name]
	if !ok {
		return fmt.Errorf("%s: %w", op, noSuchBucket(name))
	}
	if len(b.objects) > 0 {
		return fmt.Errorf("%s: BucketNotEmpty: The bucket you tried to delete is not empty", op)
	}
	delete(s.a.buckets, name)
	return nil
}

// List returns one page of the keys under prefix, rolled up into common
// prefixes at delimiter. A page holds at most the account's page size entries,
// counting prefixes and objects together, as S3's MaxKeys does.
func (s *buckets) List(ctx context.Context, name, prefix, delimiter, token string) (cloud.ListPage, error) {
	op := fmt.Sprintf("list objects in bucket %s under %q", name, prefix)
	if err := s.a.lockGlobal(ctx); err != nil {
		return cloud.ListPage{}, fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	b, ok := s.a.buckets[name]
	if !ok {
		return cloud.ListPage{}, fmt.Errorf("%s: %w", op, noSuchBucket(name))
	}
	after := ""
	if token != "" {
		var ok bool
		after, ok = strings.CutPrefix(token, "after:")
		if !ok {
			return cloud.ListPage{}, fmt.Errorf("%s: InvalidArgument: The continuation token provided is incorrect", op)
		}
	}
	keys := make([]string, 0, len(b.objects))
	for k := range b.objects {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var page cloud.ListPage
	n := 0
	last := ""
	for _, k := range keys {
		entry, isPrefix := k, false
		if delimiter != "" {
			if i := strings.Index(k[len(prefix):], delimiter); i >= 0 {
				entry, isPrefix = k[:len(prefix)+i+len(delimiter)], true
			}
		}
		if entry <= after || entry == last {
			continue
		}
		if n == s.a.pageSize {
			page.Next = "after:" + last
			break
		}
		n++
		last = entry
		if isPrefix {
			page.Prefixes = append(page.Prefixes, entry)
		} else {
			page.Objects = append(page.Objects, cloud.Object{Key: k, Size: int64(len(b.objects[k]))})
		}
	}
	return page, nil
}

func (s *buckets) Open(ctx context.Context, name, key string) (io.ReadCloser, error) {
	op := fmt.Sprintf("get object %s from bucket %s", key, name)
	if err := s.a.lockGlobal(ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	b, ok := s.a.buckets[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", op, noSuchBucket(name))
	}
	data, ok := b.objects[key]
	if !ok {
		return nil, fmt.Errorf("%s: %w", op, notFound("NoSuchKey: The specified key does not exist"))
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// PutObject stores an object in a bucket, e.g. CloudTrail log files for scan
// tests.
func (a *Account) PutObject(bucketName, key string, data []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.buckets[bucketName]
	if !ok {
		return fmt.Errorf("put object %s in bucket %s: %w", key, bucketName, noSuchBucket(bucketName))
	}
	b.objects[key] = bytes.Clone(data)
	return nil
}

// DeleteObject deletes an object; a missing key is not an error, as in S3.
func (a *Account) DeleteObject(bucketName, key string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.buckets[bucketName]
	if !ok {
		return fmt.Errorf("delete object %s from bucket %s: %w", key, bucketName, noSuchBucket(bucketName))
	}
	delete(b.objects, key)
	return nil
}

// BucketSettings reports a bucket's versioning and whether all public access
// is blocked (the cloud interface writes them but never reads them).
func (a *Account) BucketSettings(name string) (versioned, publicBlocked bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.buckets[name]
	if !ok {
		return false, false, notFound("NoSuchBucket: %s", name)
	}
	return b.versioned, b.publicBlocked, nil
}
