package deploy_test

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
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

// TestKeyStatementScoped: the statement --fix-kms-policy adds lets EventBridge
// use the key only for the alert topic and the topic's account, and the fake
// (which sends SNS's encryption context) delivers through it; an unscoped
// statement of rootwatch's own from an earlier version is replaced.
func TestKeyStatementScoped(t *testing.T) {
	a := fake.New()
	putTrail(t, a)
	withForeignTopic(t, a)
	topic := simTopicARN(a)
	k := keyARN(t, a)
	// An earlier rootwatch's unscoped statement.
	old := `{"Version":"2012-10-17","Statement":[{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + a.ID() + `:root"},"Action":"kms:*","Resource":"*"},{"Sid":"` + chain.KeyStatementSid + `","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*"}]}`
	if err := a.Keys("us-east-1").PutKeyPolicy(t.Context(), k, old); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, a, "deploy", "--topic-arn", topic, "--regions", "eu-west-1", "--dry-run")
	if code != 0 || !strings.Contains(out, "not scoped to the topic") {
		t.Errorf("deploy without --fix-kms-policy does not mention the unscoped statement:\n%s", out)
	}
	mustRun(t, a, "deploy", "--topic-arn", topic, "--fix-kms-policy", "--regions", "eu-west-1", "--email", "x@example.com")
	key, err := a.Keys("us-east-1").Key(t.Context(), k)
	if err != nil {
		t.Fatal(err)
	}
	d, err := policy.Read(key.Policy)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := d.Sid(chain.KeyStatementSid)
	if !ok {
		t.Fatalf("no %s in %s", chain.KeyStatementSid, key.Policy)
	}
	cond := st.Condition["StringEquals"]
	if got := cond["kms:EncryptionContext:aws:sns:topicArn"]; len(got) != 1 || got[0] != topic {
		t.Errorf("encryption context condition = %v, want %s", got, topic)
	}
	if got := cond["aws:SourceAccount"]; len(got) != 1 || got[0] != a.ID() {
		t.Errorf("source account condition = %v", got)
	}
	if n := strings.Count(key.Policy, chain.KeyStatementSid); n != 1 {
		t.Errorf("%d statements %s", n, chain.KeyStatementSid)
	}
	// Delivery works through the scoped grant.
	if _, err := a.ConfirmSubscription(topic, "x@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := a.Emit("eu-west-1", rootSignIn(a.ID())); err != nil {
		t.Fatal(err)
	}
	if f := a.Failures(); len(f) != 0 || len(a.Emails()) != 1 {
		t.Errorf("through the scoped key statement: failures %v, %d e-mails (want 1)", f, len(a.Emails()))
	}
}

func rootSignIn(account string) string {
	return `{"version":"0","id":"6f87d04b-9f74-4f04-a780-7acf4b0a9b38","detail-type":"AWS Console Sign In via CloudTrail","source":"aws.signin","account":"` + account + `","time":"2026-10-14T09:10:02Z","region":"eu-west-1","resources":[],"detail":{"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"` + account + `","arn":"arn:aws:iam::` + account + `:root","accountId":"` + account + `"},"eventTime":"2026-10-14T09:10:02Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.23","userAgent":"Mozilla/5.0","responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No"},"eventType":"AwsConsoleSignIn","readOnly":false}}`
}
