package cloudtest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

func testTrails(t *testing.T, ctx context.Context, a cloud.Account) {
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	ct := a.Trails(Home)
	before, err := ct.Trails(ctx)
	check(t, "Trails", err)
	if len(suiteTrails(before)) != 0 {
		t.Fatalf("the suite's trail exists before the test: %+v", before)
	}
	bucket := "rw-trail-" + id.Account + "-" + Home
	check(t, "CreateBucket", a.Buckets().CreateBucket(ctx, bucket, Home, TrailBucketPolicy(bucket, id.Account), managed))
	tr, err := ct.CreateTrail(ctx, cloud.TrailSpec{Name: "rw-trail", Bucket: bucket, Tags: managed})
	check(t, "CreateTrail", err)
	want := cloud.Trail{
		Name:         "rw-trail",
		ARN:          "arn:aws:cloudtrail:" + Home + ":" + id.Account + ":trail/rw-trail",
		HomeRegion:   Home,
		Bucket:       bucket,
		MultiRegion:  true,
		GlobalEvents: true,
		Logging:      true,
		Management:   cloud.ManagementAll,
		Tags:         managed,
		// Log file validation, so that a deleted or edited log file shows.
		LogFileValidation: true,
	}
	if diff := cmp.Diff(want, tr); diff != "" {
		t.Errorf("CreateTrail (-want +got):\n%s", diff)
	}
	for _, region := range []string{Home, Remote} {
		got, err := a.Trails(region).Trails(ctx)
		check(t, "Trails in "+region, err)
		if diff := cmp.Diff([]cloud.Trail{want}, suiteTrails(got)); diff != "" {
			t.Errorf("Trails in %s (-want +got):\n%s", region, diff)
		}
	}
	_, err = ct.CreateTrail(ctx, cloud.TrailSpec{Name: "rw-trail", Bucket: bucket})
	wantExists(t, "CreateTrail of an existing trail", err)

	check(t, "DeleteTrail", ct.DeleteTrail(ctx, "rw-trail"))
	got, err := ct.Trails(ctx)
	check(t, "Trails after DeleteTrail", err)
	if got = suiteTrails(got); len(got) != 0 {
		t.Errorf("Trails after DeleteTrail = %+v", got)
	}
	wantNotFound(t, "DeleteTrail of a missing trail", ct.DeleteTrail(ctx, "rw-trail"))
}

// suiteTrails keeps the suite's own trails: a real account may have others.
func suiteTrails(ts []cloud.Trail) []cloud.Trail {
	var out []cloud.Trail
	for _, t := range ts {
		if strings.HasPrefix(t.Name, "rw-") {
			out = append(out, t)
		}
	}
	return out
}

// TrailBucketPolicy is the bucket policy CloudTrail requires of a trail's bucket.
func TrailBucketPolicy(bucket, account string) string {
	return `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"AWSCloudTrailAclCheck","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::` + bucket + `"},` +
		`{"Sid":"AWSCloudTrailWrite","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::` + bucket + `/AWSLogs/` + account + `/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}]}`
}

func testLookup(t *testing.T, ctx context.Context, a cloud.Account) {
	now := time.Now()
	page, err := a.Trails(Home).Lookup(ctx, now.Add(-time.Hour), now, "")
	skipUnsupported(t, "Lookup", err)
	check(t, "Lookup", err)
	for _, e := range page.Events {
		var rec map[string]any
		if err := json.Unmarshal([]byte(e), &rec); err != nil {
			t.Errorf("Lookup event is not a JSON record: %v", err)
		}
	}
	if _, err := a.Trails(Home).Lookup(ctx, now.Add(-time.Hour), now, "not-a-token"); err == nil {
		t.Error("Lookup with a bad token succeeded")
	}
}
