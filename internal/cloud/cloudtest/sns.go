package cloudtest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

func testTopics(t *testing.T, ctx context.Context, a cloud.Account, gaps Gaps) {
	sns := a.Topics(Home)
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	arn, err := sns.CreateTopic(ctx, "rw-alerts", managed)
	check(t, "CreateTopic", err)
	if want := "arn:aws:sns:" + Home + ":" + id.Account + ":rw-alerts"; arn != want {
		t.Errorf("CreateTopic ARN = %q, want %q", arn, want)
	}
	again, err := sns.CreateTopic(ctx, "rw-alerts", managed)
	check(t, "CreateTopic again (idempotent)", err)
	if again != arn {
		t.Errorf("CreateTopic again = %q, want %q", again, arn)
	}
	t.Run("TagConflict", func(t *testing.T) {
		gaps.skip(t, GapTopicTagConflict)
		_, err := sns.CreateTopic(ctx, "rw-alerts", cloud.Tags{cloud.ManagedTag: cloud.ManagedValue, cloud.VersionTag: "other"})
		wantExists(t, "CreateTopic again with different tags", err)
	})
	tp, err := sns.Topic(ctx, arn)
	check(t, "Topic", err)
	if tp.ARN != arn || tp.Owner != id.Account || tp.KMSKeyID != "" || !cmp.Equal(tp.Tags, managed) {
		t.Errorf("Topic = %+v", tp)
	}
	// The default policy: one statement, __default_statement_ID, owner-only.
	var pol struct {
		Statement []struct {
			Sid       string
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(tp.Policy), &pol); err != nil {
		t.Fatalf("default topic policy is not JSON: %v: %s", err, tp.Policy)
	}
	if len(pol.Statement) != 1 || pol.Statement[0].Sid != "__default_statement_ID" || fmt.Sprint(pol.Statement[0].Condition["StringEquals"]["AWS:SourceOwner"]) != id.Account {
		t.Errorf("default topic policy = %s", tp.Policy)
	}

	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + id.Account + `:root"},"Action":["SNS:Publish","SNS:Subscribe"],"Resource":"` + arn + `"},{"Sid":"RootwatchEventBridgePublish","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"` + arn + `","Condition":{"ArnEquals":{"aws:SourceArn":["arn:aws:events:us-east-1:` + id.Account + `:rule/rw/a","arn:aws:events:us-east-1:` + id.Account + `:rule/rw/b"]}}}]}`
	check(t, "SetTopicPolicy", sns.SetTopicPolicy(ctx, arn, policy))
	tp, err = sns.Topic(ctx, arn)
	check(t, "Topic after SetTopicPolicy", err)
	sameJSON(t, "topic policy round trip", tp.Policy, policy)

	missing := "arn:aws:sns:" + Home + ":" + id.Account + ":no-such-topic"
	_, err = sns.Topic(ctx, missing)
	wantNotFound(t, "Topic(missing)", err)
	wantNotFound(t, "SetTopicPolicy(missing)", sns.SetTopicPolicy(ctx, missing, policy))
	_, err = sns.Subscriptions(ctx, missing)
	wantNotFound(t, "Subscriptions(missing)", err)

	check(t, "DeleteTopic", sns.DeleteTopic(ctx, arn))
	_, err = sns.Topic(ctx, arn)
	wantNotFound(t, "Topic after DeleteTopic", err)
	check(t, "DeleteTopic of a deleted topic (idempotent, as AWS)", sns.DeleteTopic(ctx, arn))
}

func testSubscriptions(t *testing.T, ctx context.Context, a cloud.Account, gaps Gaps) {
	sns := a.Topics(Home)
	arn, err := sns.CreateTopic(ctx, "rw-alerts", nil)
	check(t, "CreateTopic", err)
	q, err := a.Queues(Home).CreateQueue(ctx, "rw-inbox", "", nil)
	check(t, "CreateQueue", err)

	sqsSub, err := sns.Subscribe(ctx, arn, "sqs", q.ARN, true)
	check(t, "Subscribe sqs", err)
	if !strings.HasPrefix(sqsSub, arn+":") {
		t.Errorf("SQS subscription ARN = %q, want one under %s", sqsSub, arn)
	}
	again, err := sns.Subscribe(ctx, arn, "sqs", q.ARN, true)
	check(t, "Subscribe sqs again", err)
	if again != sqsSub {
		t.Errorf("Subscribe again = %q, want the existing %q", again, sqsSub)
	}
	subs, err := sns.Subscriptions(ctx, arn)
	check(t, "Subscriptions", err)
	if diff := cmp.Diff([]cloud.Subscription{{ARN: sqsSub, Protocol: "sqs", Endpoint: q.ARN, Authenticated: true}}, subs); diff != "" {
		t.Errorf("Subscriptions (-want +got):\n%s", diff)
	}
	check(t, "Unsubscribe", sns.Unsubscribe(ctx, sqsSub))
	subs, err = sns.Subscriptions(ctx, arn)
	check(t, "Subscriptions after Unsubscribe", err)
	if len(subs) != 0 {
		t.Errorf("Subscriptions after Unsubscribe = %+v", subs)
	}

	t.Run("EmailPending", func(t *testing.T) {
		gaps.skip(t, GapEmailPending)
		mail, err := sns.Subscribe(ctx, arn, "email", "ops@example.com", false)
		check(t, "Subscribe email", err)
		if !strings.EqualFold(mail, "pending confirmation") {
			t.Errorf("Subscribe email = %q, want \"pending confirmation\"", mail)
		}
		subs, err := sns.Subscriptions(ctx, arn)
		check(t, "Subscriptions", err)
		want := []cloud.Subscription{{ARN: "PendingConfirmation", Protocol: "email", Endpoint: "ops@example.com", Pending: true}}
		if diff := cmp.Diff(want, subs); diff != "" {
			t.Errorf("Subscriptions (-want +got):\n%s", diff)
		}
		if _, err := sns.Subscribe(ctx, arn, "email", "not an address", false); err == nil {
			t.Error("Subscribe with an invalid e-mail address succeeded")
		}
	})
}

func testPublishToQueue(t *testing.T, ctx context.Context, a cloud.Account) {
	sns, sqs := a.Topics(Home), a.Queues(Home)
	arn, err := sns.CreateTopic(ctx, "rw-alerts", nil)
	check(t, "CreateTopic", err)
	raw, err := sqs.CreateQueue(ctx, "rw-raw", "", nil)
	check(t, "CreateQueue", err)
	env, err := sqs.CreateQueue(ctx, "rw-envelope", "", nil)
	check(t, "CreateQueue", err)
	_, err = sns.Subscribe(ctx, arn, "sqs", raw.ARN, true)
	check(t, "Subscribe raw", err)
	_, err = sns.Subscribe(ctx, arn, "sqs", env.ARN, false)
	check(t, "Subscribe", err)
	check(t, "Publish", sns.Publish(ctx, arn, "rootwatch", "hello"))

	msgs := receiveOne(t, ctx, sqs, raw.URL)
	if msgs.Body != "hello" {
		t.Errorf("raw delivery body = %q, want hello", msgs.Body)
	}
	m := receiveOne(t, ctx, sqs, env.URL)
	var n struct{ Type, TopicArn, Message, Subject string }
	if err := json.Unmarshal([]byte(m.Body), &n); err != nil {
		t.Fatalf("envelope delivery is not JSON: %v: %q", err, m.Body)
	}
	if n.Type != "Notification" || n.TopicArn != arn || n.Message != "hello" || n.Subject != "rootwatch" {
		t.Errorf("envelope = %+v", n)
	}
	missing := arn + "-missing"
	wantNotFound(t, "Publish to a missing topic", sns.Publish(ctx, missing, "", "x"))
}
