package status

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// TestHealthyMoto deploys with deploy (and --create-trail) through the AWS
// adapter against moto, then checks that status finds every link healthy.
//
// moto gaps, said here rather than hidden: moto 5.2.1 gives a new trail no
// event selectors at all, where AWS gives it {ReadWriteType: All,
// IncludeManagementEvents: true}; an adapter that reads that literally reports
// "management events none" and the trail check fails. Against moto only that
// exact failure is tolerated (and logged); the trail check's verdicts are
// asserted against the fake (TestStatusBrokenLinks in internal/cli). moto
// confirms e-mail subscriptions at once, so the subscription is confirmed here
// without a click.
func TestHealthyMoto(t *testing.T) {
	t.Parallel()
	tg := awstest.Endpoint(t)
	ctx := context.Background()
	acct, err := awscloud.ConnectWith(ctx, cloud.Config{EndpointURL: tg.URL}, awscloud.Options{Credentials: tg.Creds})
	if err != nil {
		t.Fatal(err)
	}
	regions := []string{"eu-west-1", "us-east-1", "us-west-2"}
	exp := deployed(t, acct, chain.Options{Regions: regions, CreateTrail: true, Emails: []string{"ops@example.com"}})
	rep := Check(ctx, acct, exp, now)
	if len(rep.Regions) != 3 {
		t.Errorf("checked regions %v, want %v", rep.Regions, regions)
	}
	for _, c := range rep.Checks {
		if c.Status == OK {
			continue
		}
		if tg.Kind == awstest.Moto && c.Check == "trail" && strings.HasSuffix(c.Detail, "records management events none (needs All or WriteOnly)") {
			t.Logf("moto gap (new trail without event selectors): %s", c.Detail)
			continue
		}
		t.Errorf("%s %s: %s: %s", c.Region, c.Check, c.Status, c.Detail)
	}
}

// TestLostAlertsMoto: messages in a dead-letter queue are reported with their
// count and age, and peeking at them leaves them in the queue (SQS's real
// visibility semantics, which the fake only imitates). The cloud interface has
// no SendMessage (rootwatch never sends to its queues), so the test sends with
// SQS's query API directly.
func TestLostAlertsMoto(t *testing.T) {
	t.Parallel()
	tg := awstest.Endpoint(t)
	if tg.Kind != awstest.Moto {
		t.Skipf("endpoint is %s; sending unsigned SQS requests works with moto only", tg.Kind)
	}
	ctx := context.Background()
	acct, err := awscloud.ConnectWith(ctx, cloud.Config{EndpointURL: tg.URL}, awscloud.Options{Credentials: tg.Creds})
	if err != nil {
		t.Fatal(err)
	}
	exp := deployed(t, acct, chain.Options{Regions: []string{"eu-west-1"}, CreateTrail: true, Emails: []string{"ops@example.com"}})
	q, err := acct.Queues("eu-west-1").Queue(ctx, chain.DLQName)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{"detail-type":"AWS Console Sign In via CloudTrail"}`, `{"detail-type":"AWS API Call via CloudTrail"}`} {
		motoSendMessage(t, tg.URL, tg.Creds.AccessKeyID, "eu-west-1", q.URL, body)
		time.Sleep(5 * time.Millisecond) // distinct SentTimestamps (milliseconds)
	}
	for run := 1; run <= 2; run++ {
		rep := Check(ctx, acct, exp, time.Now().Add(90*time.Minute))
		var got []Result
		for _, c := range rep.Checks {
			if c.Status != OK {
				got = append(got, c)
			}
		}
		if len(got) != 1 || got[0].Region != "eu-west-1" || got[0].Check != "dlq" || got[0].Status != Fail {
			t.Fatalf("run %d: checks not ok: %v, want one failing eu-west-1 dlq", run, got)
		}
		// moto's ApproximateNumberOfMessages is exact; the age is 1h30m give or take a second.
		if !regexp.MustCompile(`^dead-letter queue rootwatch-dlq holds 2 message\(s\): alerts that were never delivered; oldest sent \S+ \(1h(29|30)m ago\): AWS Console Sign In via CloudTrail$`).MatchString(got[0].Detail) {
			t.Errorf("run %d: detail %q", run, got[0].Detail)
		}
	}
}

// motoSendMessage sends body to the queue with SQS's query API, unsigned (moto
// does not check signatures; the credential scope names the access key, which
// moto maps to its account, and the region).
func motoSendMessage(t *testing.T, endpoint, accessKey, region, queueURL, body string) {
	t.Helper()
	form := url.Values{"Action": {"SendMessage"}, "QueueUrl": {queueURL}, "MessageBody": {body}, "Version": {"2012-11-05"}}
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+accessKey+"/20260101/"+region+"/sqs/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("SendMessage to %s: %s: %s", queueURL, resp.Status, b)
	}
}
