package deploy

// Tests that need what only the fake can do: deliver events, create KMS keys,
// encrypt topics, confirm subscriptions. moto cannot deliver EventBridge
// targets, so the end-to-end delivery of a deployed chain is shown here.

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/policy"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// deployedConfirmed is a fake account with the chain deployed for
// alice@example.com, her subscription confirmed; it returns the topic ARN.
func deployedConfirmed(t *testing.T) (*fake.Account, string) {
	t.Helper()
	a := fake.New()
	withTrail(t, a)
	if _, err := deployOnce(t.Context(), a, opts("alice@example.com")); err != nil {
		t.Fatal(err)
	}
	topic := "arn:aws:sns:us-east-1:" + a.ID() + ":" + chain.TopicName
	if _, err := a.ConfirmSubscription(topic, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	return a, topic
}

// TestDeployDelivers: after deploy, root activity in any deployed region
// reaches the confirmed subscriber as the rule's readable message, with no
// delivery failure on the way (forwarding role, bus, topic policy, DLQ).
func TestDeployDelivers(t *testing.T) {
	a, _ := deployedConfirmed(t)
	sent := 0
	kinds := rules.NewClassifier()
	for _, r := range rules.All() {
		pos, _ := rules.Fixtures(r.ID)
		for i, f := range pos {
			region := testRegions[i%len(testRegions)]
			if err := a.Emit(region, string(f.Event)); err != nil {
				t.Fatalf("emit %s/%s: %v", r.ID, f.Name, err)
			}
			sent++
			// A change to the chain made by root is also root activity:
			// two alerts, by design (internal/rules/pack/README.md).
			if _, root, _ := kinds.Classify(f.Event); root && r.Scope == rules.ScopeChain {
				sent++
			}
			emails := a.Emails()
			if len(emails) != sent {
				t.Fatalf("rule %s fixture %s emitted in %s: %d e-mails after %d events; failures: %v", r.ID, f.Name, region, len(emails), sent, a.Failures())
			}
			if m := emails[len(emails)-1]; m.To != "alice@example.com" || m.Message == "" || strings.Contains(m.Message, "<") {
				t.Errorf("rule %s: e-mail %+v", r.ID, m)
			}
		}
	}
	if sent == 0 {
		t.Fatal("the rule pack has no positive fixtures to send")
	}
	if f := a.Failures(); len(f) != 0 {
		t.Fatalf("delivery failures: %v", f)
	}
	// A region outside --regions is not covered: the event goes nowhere.
	pos, _ := rules.Fixtures(rules.All()[0].ID)
	if err := a.Emit("eu-central-1", string(pos[0].Event)); err != nil {
		t.Fatal(err)
	}
	if len(a.Emails()) != sent {
		t.Fatal("an event in an undeployed region was delivered")
	}
}

// TestTrailPreflight: without a usable trail deploy stops before any change and
// says what is missing; --create-trail creates bucket and trail; destroy keeps
// them unless --delete-trail.
func TestTrailPreflight(t *testing.T) {
	ctx := t.Context()
	a := fake.New()
	rec := cloudtest.Record(a)
	_, err := deployOnce(ctx, rec, opts())
	var pe *PreflightError
	if !errors.As(err, &pe) || !strings.Contains(pe.Problem, "no CloudTrail trail") || !strings.Contains(pe.Hint, "--create-trail") {
		t.Fatalf("deploy without trail: %v", err)
	}
	if m := rec.Mutations(); len(m) != 0 {
		t.Fatalf("mutating calls: %v", m)
	}

	// A trail that is single-region and records no management events.
	if err := a.PutTrail(cloud.Trail{Name: "weak", HomeRegion: "us-east-1", Bucket: "b", Logging: true, GlobalEvents: true, Management: cloud.ManagementReadOnly}); err != nil {
		t.Fatal(err)
	}
	_, err = deployOnce(ctx, rec, opts())
	if !errors.As(err, &pe) || !strings.Contains(pe.Problem, "trail weak is not multi-region, records management events ReadOnly") {
		t.Fatalf("deploy with a weak trail: %v", err)
	}

	o := opts()
	o.CreateTrail = true
	p, err := deployOnce(ctx, rec, o)
	if err != nil {
		t.Fatalf("deploy --create-trail: %v", err)
	}
	if !slices.ContainsFunc(p.Changes, func(c Change) bool { return c.Resource == KindTrail && c.Action == Create }) {
		t.Fatalf("no trail created: %v", describeChanges(p.Changes))
	}
	rec.Reset()
	if _, err := deployOnce(ctx, rec, o); err != nil || len(rec.Mutations()) != 0 {
		t.Fatalf("second deploy --create-trail: %v, mutations %v", err, rec.Mutations())
	}

	// Destroy keeps the audit trail and its bucket by default.
	d, err := destroyOnce(ctx, a, DestroyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	left := strings.Join(snapshot(t, a, allRegions(t, a)), "\n")
	if !strings.Contains(left, "trail rootwatch") || !strings.Contains(left, "bucket "+chain.TrailBucketPrefix) || strings.Count(left, "\n") != 1 {
		t.Fatalf("after destroy without --delete-trail:\n%s", left)
	}
	if len(d.Notes) == 0 || !strings.Contains(strings.Join(d.Notes, " "), "--delete-trail") {
		t.Errorf("destroy did not say it kept the trail: %v", d.Notes)
	}
	// A bucket with logs is never emptied by rootwatch.
	bucket := chain.TrailBucketPrefix + a.ID() + "-us-east-1"
	if err := a.PutObject(bucket, "AWSLogs/x.json.gz", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := destroyOnce(ctx, a, DestroyOptions{DeleteTrail: true}); err != nil {
		t.Fatal(err)
	}
	left = strings.Join(snapshot(t, a, allRegions(t, a)), "\n")
	if want := strings.ReplaceAll("bucket "+bucket+" policy="+mustNormalize(t, specFor(t, a, o).Trail.BucketPolicy), a.ID(), "ACCOUNT"); left != want {
		t.Fatalf("after destroy --delete-trail with logs in the bucket:\n%s", left)
	}
}

func mustNormalize(t *testing.T, p string) string {
	n, err := policy.Normalize(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeployDeleteTrailEmpty: --delete-trail removes an empty bucket too.
func TestDestroyDeleteTrailEmpty(t *testing.T) {
	ctx := t.Context()
	a := fake.New()
	o := opts()
	o.CreateTrail = true
	if _, err := deployOnce(ctx, a, o); err != nil {
		t.Fatal(err)
	}
	if _, err := destroyOnce(ctx, a, DestroyOptions{DeleteTrail: true}); err != nil {
		t.Fatal(err)
	}
	if left := snapshot(t, a, allRegions(t, a)); len(left) != 0 {
		t.Fatalf("left: %v", left)
	}
}

// TestKMS: a topic encrypted with alias/aws/sns stops deploy with the fix; a
// customer key without the grant stops it unless --fix-kms-policy, which adds
// the statement (and destroy removes it); events then arrive.
func TestKMS(t *testing.T) {
	ctx := t.Context()
	a := fake.New()
	withTrail(t, a)
	topics := a.Topics("us-east-1")
	arn, err := topics.CreateTopic(ctx, "secure", nil)
	if err != nil {
		t.Fatal(err)
	}
	o := opts("alice@example.com")
	o.TopicARN = arn
	rec := cloudtest.Record(a)

	if err := a.SetTopicKMSKey(arn, "alias/aws/sns"); err != nil {
		t.Fatal(err)
	}
	_, err = deployOnce(ctx, rec, o)
	var pe *PreflightError
	if !errors.As(err, &pe) || !strings.Contains(pe.Problem, "alias/aws/sns") || !strings.Contains(pe.Hint, "customer managed KMS key") {
		t.Fatalf("deploy to an alias/aws/sns topic: %v", err)
	}
	// The same key named by its ID is recognised as AWS managed too.
	k, err := a.Keys("us-east-1").Key(ctx, "alias/aws/sns")
	if err != nil {
		t.Fatal(err)
	}
	a.SetTopicKMSKey(arn, k.ARN)
	if _, err = deployOnce(ctx, rec, o); !errors.As(err, &pe) || !strings.Contains(pe.Problem, "AWS managed key") {
		t.Fatalf("deploy to a topic with the AWS managed key by ARN: %v", err)
	}

	keyPolicy := `{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + a.ID() + `:root"},"Action":"kms:*","Resource":"*"}]}`
	ck, err := a.CreateKey("us-east-1", "alias/alerts", keyPolicy)
	if err != nil {
		t.Fatal(err)
	}
	a.SetTopicKMSKey(arn, "alias/alerts")
	_, err = deployOnce(ctx, rec, o)
	if !errors.As(err, &pe) || !strings.Contains(pe.Hint, "--fix-kms-policy") || !strings.Contains(pe.Problem, chain.KeyStatementSid) {
		t.Fatalf("deploy with a customer key lacking the grant: %v", err)
	}
	if m := rec.Mutations(); len(m) != 0 {
		t.Fatalf("mutating calls before --fix-kms-policy: %v", m)
	}

	o.FixKMSPolicy = true
	if _, err := deployOnce(ctx, rec, o); err != nil {
		t.Fatalf("deploy --fix-kms-policy: %v", err)
	}
	got, _ := a.Keys("us-east-1").Key(ctx, ck.ID)
	if lacking, err := chain.KeyGrantsLacking(got.Policy); err != nil || len(lacking) > 0 {
		t.Fatalf("key policy after --fix-kms-policy: %s", got.Policy)
	}
	a.ConfirmSubscription(arn, "alice@example.com")
	pos, _ := rules.Fixtures(rules.All()[0].ID)
	a.Emit("eu-west-1", string(pos[0].Event))
	if len(a.Emails()) != 1 {
		t.Fatalf("no e-mail through the encrypted topic; failures: %v", a.Failures())
	}
	rec.Reset()
	if _, err := deployOnce(ctx, rec, o); err != nil || len(rec.Mutations()) != 0 {
		t.Fatalf("second deploy: %v %v", err, rec.Mutations())
	}

	if _, err := destroyOnce(ctx, a, DestroyOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ = a.Keys("us-east-1").Key(ctx, ck.ID)
	if !policy.Same(got.Policy, keyPolicy) {
		t.Fatalf("key policy after destroy: %s", got.Policy)
	}
}

// TestHomeRegionMove: deploying with another home region says that the old
// home's chain still runs; destroy removes both.
func TestHomeRegionMove(t *testing.T) {
	ctx := t.Context()
	a := fake.New()
	withTrail(t, a)
	if _, err := deployOnce(ctx, a, opts()); err != nil {
		t.Fatal(err)
	}
	o := opts()
	o.HomeRegion = "eu-west-1"
	p, err := deployOnce(ctx, a, o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(p.Notes, "\n"), "a rootwatch bus also exists in us-east-1") {
		t.Errorf("notes: %v", p.Notes)
	}
	if _, err := destroyOnce(ctx, a, DestroyOptions{}); err != nil {
		t.Fatal(err)
	}
	if left := snapshot(t, a, allRegions(t, a)); len(left) != 0 {
		t.Fatalf("left:\n%s", strings.Join(left, "\n"))
	}
}
