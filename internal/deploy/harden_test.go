package deploy_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
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
	code, out, _ := runCLI(t, a, "deploy", "--topic-arn", topic, "--regions", "eu-west-1", "--dry-run", "--verbose")
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

// clock is a settable time for the fake.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// run runs the schedules every 5 minutes for d, evaluating alarms each minute.
func run(a *fake.Account, c *clock, d time.Duration) {
	for i := time.Duration(0); i < d; i += time.Minute {
		if i%(5*time.Minute) == 0 {
			a.RunSchedules()
		}
		c.Advance(time.Minute)
		a.EvaluateAlarms()
	}
}

// alarmMails returns the alarm notifications mailed so far: alarm name -> state.
func alarmMails(a *fake.Account) map[string]string {
	out := map[string]string{}
	for _, m := range a.Emails() {
		var n struct{ AlarmName, NewStateValue string }
		if json.Unmarshal([]byte(m.Message), &n) == nil && n.AlarmName != "" {
			out[n.AlarmName] = n.NewStateValue
		}
	}
	return out
}

// TestSilenceIsLoud: on a deployed chain the heartbeats keep every alarm quiet;
// cutting a region's forwarding path makes its heartbeat alarm mail the
// subscribers and status FAIL; breaking delivery to the topic fires the
// delivery alarm; deploy repairs and status is healthy again. destroy removes
// heartbeats and alarms (TestDeploy checks nothing is left).
func TestSilenceIsLoud(t *testing.T) {
	clk := &clock{now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	a := fake.NewWith(fake.Options{Now: clk.Now})
	putTrail(t, a)
	withBoundary(t, a)
	args := []string{"deploy", "--regions", "eu-west-1", "--email", "sec@example.com"}
	mustRun(t, a, args...)
	topic := "arn:aws:sns:us-east-1:" + a.ID() + ":" + chain.TopicName
	if _, err := a.ConfirmSubscription(topic, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	als, err := a.Alarms("us-east-1").Alarms(t.Context(), chain.AlarmPrefix)
	if err != nil || len(als) < 3 {
		t.Fatalf("alarms after deploy: %d, %v", len(als), err)
	}
	run(a, clk, 30*time.Minute)
	if m := alarmMails(a); len(m) != 0 {
		t.Fatalf("alarm mail on a healthy chain: %v (failures %v)", m, a.Failures())
	}
	if code, out, _ := runCLI(t, a, "status", "--regions", "eu-west-1"); code != 0 {
		t.Fatalf("status on a healthy chain: exit %d\n%s", code, out)
	}

	// Cut eu-west-1's path: its heartbeat rule is disabled.
	hb, err := a.Events("eu-west-1").Rule(t.Context(), "", chain.HeartbeatRuleName)
	if err != nil {
		t.Fatal(err)
	}
	hb.State = cloud.RuleDisabled
	if _, err := a.Events("eu-west-1").PutRule(t.Context(), hb); err != nil {
		t.Fatal(err)
	}
	run(a, clk, 20*time.Minute)
	if got := alarmMails(a)[chain.HeartbeatAlarmPrefix+"eu-west-1"]; got != "ALARM" {
		t.Errorf("heartbeat alarm mail = %q, want ALARM (mails %v)", got, alarmMails(a))
	}
	if got := alarmMails(a)[chain.HeartbeatAlarmPrefix+"us-east-1"]; got != "" {
		t.Errorf("us-east-1's heartbeat alarm fired too: %q", got)
	}
	code, out, _ := runCLI(t, a, "status", "--regions", "eu-west-1")
	if code != 1 || !strings.Contains(out, "heartbeat") || !strings.Contains(out, "in ALARM: "+chain.HeartbeatAlarmPrefix+"eu-west-1") {
		t.Errorf("status after the cut: exit %d\n%s", code, out)
	}

	// Break delivery: the topic policy loses rootwatch's statement.
	if err := a.ForceTopicPolicy(topic, fake.DefaultTopicPolicy(topic)); err != nil {
		t.Fatal(err)
	}
	if err := a.Emit("eu-west-1", rootSignIn(a.ID())); err != nil {
		t.Fatal(err)
	}
	run(a, clk, 2*time.Minute)
	if got := alarmMails(a)[chain.FailedAlarmPrefix+"root-console-signin-no-mfa"]; got != "ALARM" {
		t.Errorf("delivery alarm mail = %q, want ALARM (mails %v, failures %v)", got, alarmMails(a), a.Failures())
	}
	if got := alarmMails(a)[chain.DLQAlarmName]; got != "ALARM" {
		t.Errorf("dead-letter queue alarm mail = %q, want ALARM", got)
	}

	// deploy repairs what it owns; the alarms return to OK once the cause
	// is gone (the dead letter read and removed by the operator).
	mustRun(t, a, args...)
	q, err := a.Queues("us-east-1").Queue(t.Context(), chain.DLQName)
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := a.Queues("us-east-1").Receive(t.Context(), q.URL, 10, 0, time.Minute)
	for _, m := range msgs {
		a.Queues("us-east-1").DeleteMessage(t.Context(), q.URL, m.Receipt)
	}
	run(a, clk, 20*time.Minute)
	if code, out, _ := runCLI(t, a, "status", "--regions", "eu-west-1"); code != 0 {
		t.Errorf("status after deploy repaired: exit %d\n%s", code, out)
	}
}

// TestTamperAlert: the pack's tamper rule is deployed as an alert rule, and
// deleting the forwarding rule in another region mails the subscribers.
func TestTamperAlert(t *testing.T) {
	a := fake.New()
	putTrail(t, a)
	mustRun(t, a, "deploy", "--regions", "eu-west-1", "--email", "sec@example.com")
	topic := "arn:aws:sns:us-east-1:" + a.ID() + ":" + chain.TopicName
	if _, err := a.ConfirmSubscription(topic, "sec@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Events("us-east-1").Rule(t.Context(), chain.BusName, chain.AlertRulePrefix+"rootwatch-tamper"); err != nil {
		t.Fatalf("tamper alert rule: %v", err)
	}
	ev := `{"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602","detail-type":"AWS API Call via CloudTrail","source":"aws.events","account":"` + a.ID() + `","time":"2026-11-30T12:00:00Z","region":"eu-west-1","resources":[],"detail":{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::` + a.ID() + `:assumed-role/Admin/mallory","accountId":"` + a.ID() + `"},"eventTime":"2026-11-30T12:00:00Z","eventSource":"events.amazonaws.com","eventName":"DeleteRule","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli","requestParameters":{"name":"rootwatch-forward"},"responseElements":null,"eventID":"a1b2c3d4-0000-4000-8000-000000000001","readOnly":false,"eventType":"AwsApiCall"}}`
	if err := a.Emit("eu-west-1", ev); err != nil {
		t.Fatal(err)
	}
	mails := a.Emails()
	if len(mails) != 1 || !strings.Contains(mails[0].Message, "rootwatch's alert chain was changed: DeleteRule") {
		t.Errorf("tamper mail: %+v (failures %v)", mails, a.Failures())
	}
}

// TestGlobalRegionAlwaysCovered (issue 9 case 9): with --home-region eu-west-1
// --regions eu-west-1, us-east-1 (where root console sign-ins, IAM and STS
// events land) is covered all the same, and status with the same flags sees
// its forwarding rule cut.
func TestGlobalRegionAlwaysCovered(t *testing.T) {
	a := fake.New()
	if err := a.PutTrail(cloud.Trail{Name: "org", HomeRegion: "eu-west-1", Bucket: "org-logs", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementAll}); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--home-region", "eu-west-1", "--regions", "eu-west-1"}
	mustRun(t, a, append([]string{"deploy", "--email", "sec@example.com"}, flags...)...)
	if _, err := a.Events("us-east-1").Rule(t.Context(), "", chain.ForwardRuleName); err != nil {
		t.Fatalf("us-east-1 has no forwarding rule: %v", err)
	}
	a.ConfirmSubscription("arn:aws:sns:eu-west-1:"+a.ID()+":"+chain.TopicName, "sec@example.com")
	if code, out, _ := runCLI(t, a, append([]string{"status"}, flags...)...); code != 0 {
		t.Fatalf("status: exit %d\n%s", code, out)
	}
	ev := a.Events("us-east-1")
	if err := ev.RemoveTargets(t.Context(), "", chain.ForwardRuleName, []string{chain.ForwardTargetID}); err != nil {
		t.Fatal(err)
	}
	if err := ev.DeleteRule(t.Context(), "", chain.ForwardRuleName); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, a, append([]string{"status"}, flags...)...)
	if code != 1 || !strings.Contains(out, "forwarding rule rootwatch-forward is missing: root activity in us-east-1 raises no alert") {
		t.Errorf("status after us-east-1's rule was deleted: exit %d\n%s", code, out)
	}
	mustRun(t, a, append([]string{"deploy"}, flags...)...)
	if code, out, _ := runCLI(t, a, append([]string{"status"}, flags...)...); code != 0 {
		t.Errorf("status after deploy repaired: exit %d\n%s", code, out)
	}
}
