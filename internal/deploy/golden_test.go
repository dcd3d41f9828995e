package deploy

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/golden"
)

// TestIAMPolicyGolden pins the printed IAM policy, so that a change to the
// permissions table shows up in review.
func TestIAMPolicyGolden(t *testing.T) {
	golden.Check(t, filepath.Join("testdata", "iam-policy.json"), []byte(IAMPolicy(PolicyOptions{})))
	golden.Check(t, filepath.Join("testdata", "iam-policy-status.json"), []byte(IAMPolicy(PolicyOptions{Commands: []string{CmdStatus}})))
	golden.Check(t, filepath.Join("testdata", "iam-policy-deploy-topic.json"), []byte(IAMPolicy(PolicyOptions{
		Commands:  []string{CmdDeploy},
		TopicARNs: []string{"arn:aws:sns:us-east-1:123456789012:ops-alerts"},
		KeyARNs:   []string{"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
	})))
	golden.Check(t, filepath.Join("testdata", "iam-policy-boundary.json"), []byte(BoundaryPolicy()))
}

// TestPlanGolden pins the plan table of a first deploy into an account with an
// existing topic (policy diff included), and of destroy.
func TestPlanGolden(t *testing.T) {
	ctx := t.Context()
	a := fake.New()
	withTrail(t, a)
	topics := a.Topics("us-east-1")
	arn, err := topics.CreateTopic(ctx, "ops-alerts", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := topics.SetTopicPolicy(ctx, arn, foreignPolicy(arn, a.ID())); err != nil {
		t.Fatal(err)
	}
	o := chain.Options{Regions: []string{"eu-west-1"}, Emails: []string{"ops@example.com"}, TopicARN: arn, Version: "v1.0.0"}
	p, _, err := Prepare(ctx, a, o)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	p.WriteTable(&b)
	golden.Check(t, filepath.Join("testdata", "plan-deploy.txt"), []byte(b.String()))
	if err := p.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	d, err := PlanDestroy(ctx, a, DestroyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	d.WriteTable(&b)
	// Queue URLs and the like are stable in the fake; nothing to scrub but IDs.
	golden.Check(t, filepath.Join("testdata", "plan-destroy.txt"), []byte(regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f-]{27}`).ReplaceAllString(b.String(), "ID")))
}

func BenchmarkPlanUnchanged(b *testing.B) {
	ctx := context.Background()
	a := fake.New()
	if err := a.PutTrail(trailOK()); err != nil {
		b.Fatal(err)
	}
	if _, err := deployOnce(ctx, a, chain.Options{Version: "bench"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p, _, err := Prepare(ctx, a, chain.Options{Version: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if c, _ := p.Counts(); c != 0 {
			b.Fatalf("%d changes", c)
		}
	}
}

func trailOK() cloud.Trail {
	return cloud.Trail{Name: "org", HomeRegion: "us-east-1", Bucket: "org-logs", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementAll}
}
