package cloudtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

func testQueues(t *testing.T, ctx context.Context, a cloud.Account) {
	sqs := a.Queues(Home)
	id, err := a.Identity(ctx)
	check(t, "Identity", err)
	qarn := "arn:aws:sqs:" + Home + ":" + id.Account + ":rw-dlq"
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"RootwatchEventBridgeDLQ","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` + qarn + `","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:events:us-east-1:` + id.Account + `:rule/rw-forward"}}}]}`
	q, err := sqs.CreateQueue(ctx, "rw-dlq", policy, managed)
	check(t, "CreateQueue", err)
	if q.Name != "rw-dlq" || q.ARN != qarn || q.URL == "" || q.Messages != 0 {
		t.Errorf("CreateQueue = %+v", q)
	}
	again, err := sqs.CreateQueue(ctx, "rw-dlq", policy, managed)
	check(t, "CreateQueue again (same attributes)", err)
	if again.URL != q.URL {
		t.Errorf("CreateQueue again URL = %q, want %q", again.URL, q.URL)
	}
	_, err = sqs.CreateQueue(ctx, "rw-dlq", strings.Replace(policy, "RootwatchEventBridgeDLQ", "Other", 1), managed)
	wantExists(t, "CreateQueue again with a different policy", err)
	got, err := sqs.Queue(ctx, "rw-dlq")
	check(t, "Queue", err)
	sameJSON(t, "queue policy", got.Policy, policy)
	if got.URL != q.URL || got.ARN != qarn || !cmp.Equal(got.Tags, managed) {
		t.Errorf("Queue = %+v", got)
	}
	_, err = sqs.Queue(ctx, "no-such-queue")
	wantNotFound(t, "Queue(missing)", err)

	policy2 := strings.Replace(policy, "rule/rw-forward", "rule/rw-forward-2", 1)
	check(t, "SetQueuePolicy", sqs.SetQueuePolicy(ctx, q.URL, policy2))
	got, err = sqs.Queue(ctx, "rw-dlq")
	check(t, "Queue after SetQueuePolicy", err)
	sameJSON(t, "queue policy after SetQueuePolicy", got.Policy, policy2)

	// Messages: a peek leaves them; a receive with visibility hides them; delete.
	msgs, err := sqs.Receive(ctx, q.URL, 10, 0, 0)
	check(t, "Receive (empty)", err)
	if len(msgs) != 0 {
		t.Errorf("Receive from an empty queue = %+v", msgs)
	}
	topic, err := a.Topics(Home).CreateTopic(ctx, "rw-feed", nil)
	check(t, "CreateTopic", err)
	_, err = a.Topics(Home).Subscribe(ctx, topic, "sqs", q.ARN, true)
	check(t, "Subscribe", err)
	check(t, "Publish", a.Topics(Home).Publish(ctx, topic, "", "lost alert"))
	got, err = sqs.Queue(ctx, "rw-dlq")
	check(t, "Queue", err)
	if got.Messages != 1 {
		t.Errorf("Messages = %d, want 1", got.Messages)
	}
	peek := receiveOne(t, ctx, sqs, q.URL)
	if peek.Body != "lost alert" || peek.ID == "" || peek.Receipt == "" || peek.Sent.IsZero() {
		t.Errorf("message = %+v", peek)
	}
	if age := time.Since(peek.Sent); age < -time.Hour || age > time.Hour {
		t.Errorf("message Sent = %v, not about now", peek.Sent)
	}
	msgs, err = sqs.Receive(ctx, q.URL, 10, 0, time.Minute)
	check(t, "Receive with visibility", err)
	if len(msgs) != 1 {
		t.Fatalf("after a peek, Receive = %d messages, want 1 (a zero visibility leaves them visible)", len(msgs))
	}
	got, err = sqs.Queue(ctx, "rw-dlq")
	check(t, "Queue", err)
	if got.Messages != 0 {
		t.Errorf("Messages while hidden = %d, want 0", got.Messages)
	}
	check(t, "DeleteMessage", sqs.DeleteMessage(ctx, q.URL, msgs[0].Receipt))

	check(t, "DeleteQueue", sqs.DeleteQueue(ctx, q.URL))
	_, err = sqs.Queue(ctx, "rw-dlq")
	wantNotFound(t, "Queue after DeleteQueue", err)
	wantNotFound(t, "DeleteQueue of a deleted queue", sqs.DeleteQueue(ctx, q.URL))
}

func receiveOne(t *testing.T, ctx context.Context, sqs cloud.Queues, url string) cloud.Message {
	t.Helper()
	msgs, err := sqs.Receive(ctx, url, 10, time.Second, 0)
	check(t, "Receive", err)
	if len(msgs) != 1 {
		t.Fatalf("Receive from %s = %d messages, want 1", url, len(msgs))
	}
	return msgs[0]
}
