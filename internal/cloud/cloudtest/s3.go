package cloudtest

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

func testBuckets(t *testing.T, ctx context.Context, a cloud.Account) {
	s3 := a.Buckets()
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	name := "rw-test-" + id.Account
	policy := TrailBucketPolicy(name, id.Account)
	check(t, "CreateBucket", s3.CreateBucket(ctx, name, Remote, policy, managed))
	got, err := s3.BucketPolicy(ctx, name)
	check(t, "BucketPolicy", err)
	sameJSON(t, "bucket policy", got, policy)
	wantExists(t, "CreateBucket of an existing bucket", s3.CreateBucket(ctx, name, Remote, policy, managed))

	plain := "rw-plain-" + id.Account
	check(t, "CreateBucket without policy", s3.CreateBucket(ctx, plain, Home, "", nil))
	_, err = s3.BucketPolicy(ctx, plain)
	wantNotFound(t, "BucketPolicy of a bucket without one", err)
	_, err = s3.BucketPolicy(ctx, "rw-no-such-bucket-"+id.Account)
	wantNotFound(t, "BucketPolicy of a missing bucket", err)
	_, err = s3.List(ctx, "rw-no-such-bucket-"+id.Account, "", "/", "")
	wantNotFound(t, "List of a missing bucket", err)

	check(t, "DeleteBucket", s3.DeleteBucket(ctx, plain))
	wantNotFound(t, "DeleteBucket of a deleted bucket", s3.DeleteBucket(ctx, plain))
}

func testObjects(t *testing.T, ctx context.Context, a cloud.Account) {
	put, ok := a.(ObjectPutter)
	if !ok {
		t.Skipf("%T cannot store objects (it does not implement cloudtest.ObjectPutter), so List and Open cannot be checked", a)
	}
	s3 := a.Buckets()
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	name := "rw-logs-" + id.Account
	check(t, "CreateBucket", s3.CreateBucket(ctx, name, Home, "", nil))
	base := "AWSLogs/" + id.Account + "/CloudTrail/"
	keys := []string{
		base + "eu-west-1/2026/10/14/a.json.gz",
		base + "us-east-1/2026/10/13/a.json.gz",
		base + "us-east-1/2026/10/14/a.json.gz",
		base + "us-east-1/2026/10/14/b.json.gz",
		base + "us-east-1/2026/10/14/c.json.gz",
		base + "us-east-1/2026/10/14/d.json.gz",
		base + "us-east-1/2026/10/14/e.json.gz",
		base + "us-west-2/2026/10/14/a.json.gz",
		"AWSLogs/" + id.Account + "/CloudTrail-Digest/us-east-1/x.json.gz",
	}
	for i, k := range keys {
		check(t, "PutObject", put.PutObject(name, k, []byte(strings.Repeat("x", i+1))))
	}
	// Region prefixes under CloudTrail/.
	prefixes, objects := listAll(t, ctx, s3, name, base, "/")
	if diff := cmp.Diff([]string{base + "eu-west-1/", base + "us-east-1/", base + "us-west-2/"}, prefixes); diff != "" {
		t.Errorf("List prefixes (-want +got):\n%s", diff)
	}
	if len(objects) != 0 {
		t.Errorf("List with delimiter returned objects %+v", objects)
	}
	// Objects of one day, over pages.
	day := base + "us-east-1/2026/10/14/"
	prefixes, objects = listAll(t, ctx, s3, name, day, "/")
	want := []cloud.Object{{Key: day + "a.json.gz", Size: 3}, {Key: day + "b.json.gz", Size: 4}, {Key: day + "c.json.gz", Size: 5}, {Key: day + "d.json.gz", Size: 6}, {Key: day + "e.json.gz", Size: 7}}
	if diff := cmp.Diff(want, objects); diff != "" || len(prefixes) != 0 {
		t.Errorf("List objects (-want +got):\n%s\nprefixes %v", diff, prefixes)
	}
	// Without a delimiter everything under the prefix.
	_, objects = listAll(t, ctx, s3, name, "AWSLogs/", "")
	if len(objects) != len(keys) {
		t.Errorf("List without delimiter = %d objects, want %d", len(objects), len(keys))
	}

	r, err := s3.Open(ctx, name, day+"c.json.gz")
	check(t, "Open", err)
	data, err := io.ReadAll(r)
	r.Close()
	check(t, "read object", err)
	if string(data) != "xxxxx" {
		t.Errorf("Open read %q, want xxxxx", data)
	}
	_, err = s3.Open(ctx, name, day+"missing.json.gz")
	wantNotFound(t, "Open of a missing key", err)
	if err := s3.DeleteBucket(ctx, name); err == nil {
		t.Error("DeleteBucket of a non-empty bucket succeeded")
	}
}

// listAll lists every page, checking that pages do not repeat entries.
func listAll(t *testing.T, ctx context.Context, s3 cloud.Buckets, bucket, prefix, delim string) ([]string, []cloud.Object) {
	t.Helper()
	var prefixes []string
	var objects []cloud.Object
	token := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("List: more than 100 pages")
		}
		p, err := s3.List(ctx, bucket, prefix, delim, token)
		check(t, "List", err)
		prefixes = append(prefixes, p.Prefixes...)
		objects = append(objects, p.Objects...)
		if p.Next == "" {
			break
		}
		token = p.Next
	}
	return prefixes, objects
}
