package fake_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

func TestConformance(t *testing.T) {
	cloudtest.Run(t, func(t *testing.T) cloud.Account { return fake.New() })
}

const (
	home   = "us-east-1"
	remote = "eu-west-1"
)

// signIn is a root console sign-in as EventBridge delivers it.
const signIn = `{"version":"0","id":"6f87d04b-9f74-4f04-a780-7acf4b0a9b38","detail-type":"AWS Console Sign In via CloudTrail","source":"aws.signin","account":"123456789012","time":"2026-10-14T09:10:02Z","region":"eu-west-1","resources":[],"detail":{"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012"},"eventTime":"2026-10-14T09:10:02Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.23","userAgent":"Mozilla/5.0","responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No"},"eventType":"AwsConsoleSignIn","readOnly":false}}`

const rootPattern = `{"detail":{"userIdentity":{"type":["Root"]}}}`

// chain builds the rootwatch chain by hand: a forwarding rule in remote, the
// home bus with an alert rule targeting a topic with an e-mail and an SQS
// subscription. It returns the account, the topic ARN and the queue URL.
type chain struct {
	a        *fake.Account
	topicARN string
	alertARN string
	queueURL string
	dlqURL   string
	roleARN  string
}

func buildChain(t *testing.T) chain {
	t.Helper()
	ctx := context.Background()
	a := fake.New()
	c := chain{a: a}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	c.topicARN, err = a.Topics(home).CreateTopic(ctx, "rootwatch-alerts", nil)
	must(err)
	_, err = a.Events(home).CreateBus(ctx, "rootwatch", nil)
	must(err)
	c.alertARN, err = a.Events(home).PutRule(ctx, cloud.Rule{Name: "rootwatch-alert-signin", Bus: "rootwatch", Pattern: rootPattern, State: cloud.RuleEnabled})
	must(err)
	must(a.Events(home).PutTargets(ctx, "rootwatch", "rootwatch-alert-signin", []cloud.Target{{
		ID: "rootwatch-topic", ARN: c.topicARN,
		Input: &cloud.InputTransformer{
			Paths:    map[string]string{"account": "$.account", "ip": "$.detail.sourceIPAddress", "mfa": "$.detail.additionalEventData.MFAUsed"},
			Template: `"Root user signed in to AWS account <account> from <ip>: MFA <mfa>"`,
		},
	}}))
	policy := `{"Version":"2012-10-17","Statement":[` + strings.TrimSuffix(strings.TrimPrefix(fake.DefaultTopicPolicy(c.topicARN), `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[`), `]}`) +
		`,{"Sid":"RootwatchEventBridgePublish","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"` + c.topicARN + `","Condition":{"ArnEquals":{"aws:SourceArn":["` + c.alertARN + `"]}}}]}`
	must(a.Topics(home).SetTopicPolicy(ctx, c.topicARN, policy))
	q, err := a.Queues(home).CreateQueue(ctx, "inbox", "", nil)
	must(err)
	c.queueURL = q.URL
	_, err = a.Topics(home).Subscribe(ctx, c.topicARN, "sqs", q.ARN, true)
	must(err)
	sub, err := a.Topics(home).Subscribe(ctx, c.topicARN, "email", "ops@example.com", false)
	must(err)
	if sub != fake.PendingSubscriptionARN {
		t.Fatalf("e-mail subscription = %q, want pending", sub)
	}
	_, err = a.ConfirmSubscription(c.topicARN, "ops@example.com")
	must(err)

	homeBus, err := a.Events(home).Bus(ctx, "rootwatch")
	must(err)
	c.roleARN, err = a.Roles().CreateRole(ctx, cloud.Role{Name: "rootwatch-forwarder", Trust: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
	must(err)
	must(a.Roles().PutRolePolicy(ctx, "rootwatch-forwarder", "rootwatch-put-events", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:PutEvents","Resource":"`+homeBus.ARN+`"}]}`))
	fwdARN, err := a.Events(remote).PutRule(ctx, cloud.Rule{Name: "rootwatch-forward", Pattern: rootPattern, State: cloud.RuleEnabledAllManagement})
	must(err)
	dlq, err := a.Queues(remote).CreateQueue(ctx, "rootwatch-dlq", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:`+remote+`:123456789012:rootwatch-dlq","Condition":{"ArnEquals":{"aws:SourceArn":"`+fwdARN+`"}}}]}`, nil)
	must(err)
	c.dlqURL = dlq.URL
	must(a.Events(remote).PutTargets(ctx, cloud.DefaultBus, "rootwatch-forward", []cloud.Target{{ID: "rootwatch-home-bus", ARN: homeBus.ARN, RoleARN: c.roleARN, DeadLetterARN: dlq.ARN, MaxAttempts: 3}}))
	return c
}

func TestDeliveryThroughTheChain(t *testing.T) {
	c := buildChain(t)
	if err := c.a.Emit(remote, signIn); err != nil {
		t.Fatal(err)
	}
	if f := c.a.Failures(); len(f) != 0 {
		t.Fatalf("failures: %v", f)
	}
	want := []fake.Email{{Topic: c.topicARN, To: "ops@example.com", Message: `"Root user signed in to AWS account 123456789012 from 198.51.100.23: MFA No"`}}
	if diff := cmp.Diff(want, c.a.Emails()); diff != "" {
		t.Errorf("e-mails (-want +got):\n%s", diff)
	}
	msgs, err := c.a.Queues(home).Receive(context.Background(), c.queueURL, 10, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Body != want[0].Message {
		t.Errorf("raw SQS delivery = %+v, want one message %q", msgs, want[0].Message)
	}
}

// Each broken link stops the e-mail, and the failure says why.
func TestDeliveryBrokenLinks(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		break_ func(t *testing.T, c chain)
		want   string // in the failure
		dlq    bool   // the event lands in the forwarder's DLQ
	}{
		{"topic policy reset", func(t *testing.T, c chain) {
			if err := c.a.Topics(home).SetTopicPolicy(ctx, c.topicARN, fake.DefaultTopicPolicy(c.topicARN)); err != nil {
				t.Fatal(err)
			}
		}, "topic policy does not let events.amazonaws.com publish", false},
		{"aws/sns key", func(t *testing.T, c chain) {
			if err := c.a.SetTopicKMSKey(c.topicARN, "alias/aws/sns"); err != nil {
				t.Fatal(err)
			}
		}, "AWS managed key", false},
		{"customer key without grant", func(t *testing.T, c chain) {
			k, err := c.a.CreateKey(home, "alias/alerts", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}`)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.a.SetTopicKMSKey(c.topicARN, k.ARN); err != nil {
				t.Fatal(err)
			}
		}, "does not let events.amazonaws.com kms:GenerateDataKey", false},
		{"forwarder role policy gone", func(t *testing.T, c chain) {
			if err := c.a.Roles().DeleteRolePolicy(ctx, "rootwatch-forwarder", "rootwatch-put-events"); err != nil {
				t.Fatal(err)
			}
		}, "may not events:PutEvents", true},
		{"alert rule disabled", func(t *testing.T, c chain) {
			r, err := c.a.Events(home).Rule(ctx, "rootwatch", "rootwatch-alert-signin")
			if err != nil {
				t.Fatal(err)
			}
			r.State = cloud.RuleDisabled
			if _, err := c.a.Events(home).PutRule(ctx, r); err != nil {
				t.Fatal(err)
			}
		}, "", false},
		{"subscription pending", func(t *testing.T, c chain) {
			subs, err := c.a.Topics(home).Subscriptions(ctx, c.topicARN)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range subs {
				if s.Protocol == "email" {
					if err := c.a.Topics(home).Unsubscribe(ctx, s.ARN); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := c.a.Topics(home).Subscribe(ctx, c.topicARN, "email", "ops@example.com", false); err != nil {
				t.Fatal(err)
			}
		}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := buildChain(t)
			tt.break_(t, c)
			if err := c.a.Emit(remote, signIn); err != nil {
				t.Fatal(err)
			}
			if got := c.a.Emails(); len(got) != 0 {
				t.Errorf("e-mail sent despite the broken link: %+v", got)
			}
			fails := c.a.Failures()
			if tt.want == "" {
				if len(fails) != 0 {
					t.Errorf("failures = %v, want none (the event is simply not delivered)", fails)
				}
			} else if len(fails) != 1 || !strings.Contains(fails[0].Err.Error(), tt.want) {
				t.Fatalf("failures = %v, want one containing %q", fails, tt.want)
			}
			q, err := c.a.Queues(remote).Queue(ctx, "rootwatch-dlq")
			if err != nil {
				t.Fatal(err)
			}
			if got := q.Messages == 1; got != tt.dlq {
				t.Errorf("dead-letter queue holds %d messages; want an event there: %v", q.Messages, tt.dlq)
			}
		})
	}
}

// A read-only management call reaches only rules in the state
// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
func TestReadOnlyManagementEvents(t *testing.T) {
	ctx := context.Background()
	readOnly := `{"version":"0","id":"1","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","account":"123456789012","time":"2026-10-14T09:10:02Z","region":"us-east-1","resources":[],"detail":{"userIdentity":{"type":"Root"},"eventName":"ListBuckets","readOnly":true,"eventType":"AwsApiCall"}}`
	for _, state := range []cloud.RuleState{cloud.RuleEnabled, cloud.RuleEnabledAllManagement} {
		a := fake.New()
		q, err := a.Queues(home).CreateQueue(ctx, "q", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		arn, err := a.Events(home).PutRule(ctx, cloud.Rule{Name: "r", Pattern: rootPattern, State: state})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Queues(home).SetQueuePolicy(ctx, q.URL, `{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"`+q.ARN+`","Condition":{"ArnEquals":{"aws:SourceArn":"`+arn+`"}}}]}`); err != nil {
			t.Fatal(err)
		}
		if err := a.Events(home).PutTargets(ctx, "", "r", []cloud.Target{{ID: "q", ARN: q.ARN}}); err != nil {
			t.Fatal(err)
		}
		if err := a.Emit(home, readOnly); err != nil {
			t.Fatal(err)
		}
		got, _ := a.Queues(home).Queue(ctx, "q")
		if want := map[cloud.RuleState]int{cloud.RuleEnabled: 0, cloud.RuleEnabledAllManagement: 1}[state]; got.Messages != want {
			t.Errorf("state %s: queue got %d messages, want %d", state, got.Messages, want)
		}
	}
}

func TestPutEventsRefusesAWSSources(t *testing.T) {
	err := fake.New().Events(home).PutEvents(context.Background(), "", []cloud.Event{{Source: "aws.signin", DetailType: "x", Detail: "{}"}})
	if err == nil || !strings.Contains(err.Error(), "NotAuthorizedForSourceException") {
		t.Fatalf("PutEvents with an aws.* source: %v, want NotAuthorizedForSourceException", err)
	}
}

func TestLookupThrottling(t *testing.T) {
	a := fake.New()
	a.ThrottleLookups(home, 1)
	_, err := a.Trails(home).Lookup(context.Background(), time.Time{}, time.Time{}, "")
	if !errors.Is(err, cloud.ErrThrottled) {
		t.Fatalf("first Lookup: %v, want ErrThrottled", err)
	}
	if _, err := a.Trails(home).Lookup(context.Background(), time.Time{}, time.Time{}, ""); err != nil {
		t.Fatalf("second Lookup: %v", err)
	}
}

func TestUnknownRegion(t *testing.T) {
	_, err := fake.New().Events("mars-north-1").Bus(context.Background(), "default")
	if err == nil || errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("Bus in an unknown region: %v, want a region error that is not ErrNotFound", err)
	}
}

func TestDump(t *testing.T) {
	ctx := context.Background()
	if d := fake.New().Dump(); d != "" {
		t.Fatalf("a new account dumps %q, want nothing", d)
	}
	// Two histories, one end state.
	a, b := fake.New(), fake.New()
	for _, acct := range []*fake.Account{a, b} {
		if acct == b {
			arn, _ := b.Topics(home).CreateTopic(ctx, "temporary", nil)
			if err := b.Topics(home).DeleteTopic(ctx, arn); err != nil {
				t.Fatal(err)
			}
		}
		arn, err := acct.Topics(home).CreateTopic(ctx, "rootwatch-alerts", cloud.Tags{cloud.ManagedTag: cloud.ManagedValue})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := acct.Topics(home).Subscribe(ctx, arn, "email", "ops@example.com", false); err != nil {
			t.Fatal(err)
		}
	}
	if a.Dump() != b.Dump() {
		t.Errorf("same end state, different dumps:\n%s\n---\n%s", a.Dump(), b.Dump())
	}
	if !strings.Contains(a.Dump(), cloud.ManagedTag) || !strings.Contains(a.Dump(), "email:ops@example.com pending=true") {
		t.Errorf("dump lacks the topic's tag or the pending subscription:\n%s", a.Dump())
	}
}

// Lookup pages newest first, within the time range, in pages of the account's
// page size.
func TestLookupPages(t *testing.T) {
	ctx := context.Background()
	a := fake.NewWith(fake.Options{PageSize: 2})
	base := time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)
	var recs []string
	for i := range 7 {
		recs = append(recs, `{"eventID":"`+string(rune('a'+i))+`","eventTime":"`+base.Add(time.Duration(i)*time.Minute).Format(time.RFC3339)+`"}`)
	}
	if err := a.AddEvents(home, recs...); err != nil {
		t.Fatal(err)
	}
	var got []string
	token, pages := "", 0
	for {
		p, err := a.Trails(home).Lookup(ctx, base.Add(time.Minute), base.Add(5*time.Minute), token)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range p.Events {
			got = append(got, e[12:13])
		}
		if p.Next == "" {
			break
		}
		token = p.Next
	}
	if diff := cmp.Diff([]string{"f", "e", "d", "c", "b"}, got); diff != "" || pages != 3 {
		t.Errorf("Lookup over %d pages (-want +got):\n%s", pages, diff)
	}
	if _, err := a.Trails(remote).Lookup(ctx, base, base.Add(time.Hour), ""); err != nil {
		t.Errorf("Lookup in a region without history: %v", err)
	}
}

// cloudtest.Cleanup removes everything the conformance suite creates: run the
// suite on fakes and dump each one after cleaning up.
func TestSuiteCleanup(t *testing.T) {
	cloudtest.Run(t, func(t *testing.T) cloud.Account {
		a := fake.New()
		t.Cleanup(func() {
			if err := cloudtest.Cleanup(context.Background(), a); err != nil {
				t.Errorf("Cleanup: %v", err)
			}
			if d := a.Dump(); strings.Contains(d, "rw-") {
				t.Errorf("left after Cleanup:\n%s", d)
			}
		})
		return a
	})
}

// Deploy works on regions concurrently; the fake must take that (run with -race).
func TestConcurrentRegions(t *testing.T) {
	ctx := context.Background()
	a := fake.New()
	regions, _ := a.Regions(ctx)
	errs := make(chan error, len(regions))
	for _, r := range regions {
		go func() {
			ev := a.Events(r)
			arn, err := ev.PutRule(ctx, cloud.Rule{Name: "rootwatch-forward", Pattern: rootPattern})
			if err == nil {
				_, err = a.Topics(r).CreateTopic(ctx, "t", nil)
			}
			if err == nil {
				err = ev.PutEvents(ctx, "", []cloud.Event{{Source: "x", DetailType: "y", Detail: `{"arn":"` + arn + `"}`}})
			}
			errs <- err
		}()
	}
	for range regions {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := strings.Count(a.Dump(), "rule default/rootwatch-forward"); n != len(regions) {
		t.Errorf("%d forwarding rules, want %d", n, len(regions))
	}
}
