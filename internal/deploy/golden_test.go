package deploy

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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
	o := Options{Regions: []string{"eu-west-1"}, Emails: []string{"ops@example.com"}, TopicARN: arn, Version: "v1.0.0"}
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

// BenchmarkPolicyMerge measures the topic policy merge on a policy with the
// default statement and a few others.
func BenchmarkPolicyMerge(b *testing.B) {
	p := foreignPolicy("arn:aws:sns:us-east-1:123456789012:t", "123456789012")
	st := testStatement()
	for b.Loop() {
		if _, err := withStatement(p, TopicStatementSid, st); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanUnchanged measures planning a deploy that has nothing to do
// (the second run), on the fake, over its six regions.
func BenchmarkPlanUnchanged(b *testing.B) {
	ctx := context.Background()
	a := fake.New()
	if err := a.PutTrail(trailOK()); err != nil {
		b.Fatal(err)
	}
	if _, err := deployOnce(ctx, a, Options{Version: "bench"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p, _, err := Prepare(ctx, a, Options{Version: "bench"})
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
