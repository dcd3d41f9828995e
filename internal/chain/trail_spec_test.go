package chain

import (
	"slices"
	"testing"

	"github.com/rootwatch/rootwatch/internal/policy"
)

// Both trails rootwatch creates (one account's, the organization's) get the
// same bucket policy: CloudTrail may write only for this trail, only under
// the writers' prefixes, and nobody may use the bucket without TLS.
func TestTrailBucketPolicies(t *testing.T) {
	tests := []struct {
		name   string
		trail  TrailSpec
		bucket string
		logs   []string
	}{
		{"account", trailSpec("aws", "111111111111", "us-east-1", "111111111111"), "rootwatch-trail-111111111111-us-east-1",
			[]string{"arn:aws:s3:::rootwatch-trail-111111111111-us-east-1/AWSLogs/111111111111/*"}},
		{"organization", OrgTrail("aws", "222222222222", "eu-west-1", "o-abc123"), "rootwatch-trail-222222222222-eu-west-1",
			[]string{"arn:aws:s3:::rootwatch-trail-222222222222-eu-west-1/AWSLogs/222222222222/*", "arn:aws:s3:::rootwatch-trail-222222222222-eu-west-1/AWSLogs/o-abc123/*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.trail.Bucket != tt.bucket {
				t.Errorf("bucket %q, want %q", tt.trail.Bucket, tt.bucket)
			}
			doc, err := policy.Read(tt.trail.BucketPolicy)
			if err != nil {
				t.Fatal(err)
			}
			write, ok := doc.Sid("AWSCloudTrailWrite")
			if !ok {
				t.Fatal("no AWSCloudTrailWrite statement")
			}
			if got := []string(write.Resource); !slices.Equal(got, tt.logs) {
				t.Errorf("CloudTrail may write %q, want %q", got, tt.logs)
			}
			if got := write.ConditionValues("aws:SourceArn"); !slices.Equal(got, []string{tt.trail.ARN}) {
				t.Errorf("write scoped to %q, want the trail %s", got, tt.trail.ARN)
			}
			deny, ok := doc.Sid("DenyInsecureTransport")
			if !ok || deny.Effect != "Deny" {
				t.Fatalf("no DenyInsecureTransport statement: %s", tt.trail.BucketPolicy)
			}
			if got := deny.ConditionValues("aws:SecureTransport"); !slices.Equal(got, []string{"false"}) {
				t.Errorf("TLS statement conditions %q, want aws:SecureTransport false", got)
			}
		})
	}
}
