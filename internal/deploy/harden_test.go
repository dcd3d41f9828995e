package deploy_test

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// TestCreateTrailHardened: --create-trail makes a trail that validates its log
// files, in a bucket that is versioned, blocks public access and refuses
// requests without TLS.
func TestCreateTrailHardened(t *testing.T) {
	a := fake.New()
	mustRun(t, a, "deploy", "--create-trail", "--regions", "eu-west-1")
	trails, err := a.Trails("us-east-1").Trails(t.Context())
	if err != nil || len(trails) != 1 {
		t.Fatalf("trails: %+v, %v", trails, err)
	}
	tr := trails[0]
	if !tr.LogFileValidation {
		t.Errorf("trail %s: log file validation off", tr.Name)
	}
	versioned, blocked, err := a.BucketSettings(tr.Bucket)
	if err != nil || !versioned || !blocked {
		t.Errorf("bucket %s: versioned %v, public access blocked %v, %v", tr.Bucket, versioned, blocked, err)
	}
	doc, err := a.Buckets().BucketPolicy(t.Context(), tr.Bucket)
	if err != nil {
		t.Fatal(err)
	}
	d, err := policy.Read(doc)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := d.Sid("DenyInsecureTransport")
	if !ok || !st.IsDeny() || !st.Covers("s3:GetObject") || !st.Covers("s3:PutObject") ||
		!st.On("arn:aws:s3:::"+tr.Bucket) || !st.On("arn:aws:s3:::"+tr.Bucket+"/AWSLogs/x") ||
		!strings.Contains(doc, `"aws:SecureTransport":"false"`) {
		t.Errorf("bucket policy has no TLS-only statement:\n%s", doc)
	}
}
