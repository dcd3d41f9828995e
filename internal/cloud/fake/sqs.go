package fake

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

type queue struct {
	name   string
	url    string
	arn    string
	policy string
	tags   cloud.Tags
	msgs   []*message
}

type message struct {
	id        string
	body      string
	sent      time.Time
	invisible time.Time // hidden until then
	receipt   string
}

type queues struct {
	a      *Account
	region string
}

func (q *queue) send(a *Account, body string) {
	q.msgs = append(q.msgs, &message{id: a.nextID(""), body: body, sent: a.now()})
}

func (q *queue) visible(now time.Time) int {
	n := 0
	for _, m := range q.msgs {
		if !now.Before(m.invisible) {
			n++
		}
	}
	return n
}

func (q *queue) info(now time.Time) cloud.Queue {
	return cloud.Queue{Name: q.name, URL: q.url, ARN: q.arn, Policy: q.policy, Messages: q.visible(now), Tags: cloneTags(q.tags)}
}

func (rs *regionState) queueByARN(arn string) (*queue, bool) {
	for _, q := range rs.queues {
		if q.arn == arn {
			return q, true
		}
	}
	return nil, false
}

func (rs *regionState) queueByURL(url string) (*queue, error) {
	for _, q := range rs.queues {
		if q.url == url {
			return q, nil
		}
	}
	return nil, notFound("AWS.SimpleQueueService.NonExistentQueue: The specified queue does not exist")
}

// CreateQueue creates a queue or returns the existing one. As in SQS, an
// existing queue with a different policy is a conflict; tags given replace the
// queue's tags.
func (s *queues) CreateQueue(ctx context.Context, name, policy string, tags cloud.Tags) (cloud.Queue, error) {
	op := fmt.Sprintf("create queue %s in %s", name, s.region)
	rs, err := s.a.lock(ctx, s.region)
	if err != nil {
		return cloud.Queue{}, fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	if !validName(name, 80, "_-") {
		return cloud.Queue{}, fmt.Errorf("%s: InvalidParameterValue: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length", op)
	}
	if policy != "" {
		if err := validPolicy(policy); err != nil {
			return cloud.Queue{}, fmt.Errorf("%s: InvalidAttributeValue: Policy: %w", op, err)
		}
	}
	if q, ok := rs.queues[name]; ok {
		if policy != "" && policy != q.policy {
			return cloud.Queue{}, fmt.Errorf("%s: %w", op, exists("QueueAlreadyExists: The specified queue already exists with a different value for attribute Policy"))
		}
		if len(tags) > 0 {
			q.tags = cloneTags(tags)
		}
		return q.info(s.a.now()), nil
	}
	q := &queue{
		name:   name,
		url:    "https://sqs." + s.region + ".amazonaws.com/" + s.a.id + "/" + name,
		arn:    "arn:aws:sqs:" + s.region + ":" + s.a.id + ":" + name,
		policy: policy,
		tags:   cloneTags(tags),
	}
	rs.queues[name] = q
	return q.info(s.a.now()), nil
}

func (s *queues) Queue(ctx context.Context, name string) (cloud.Queue, error) {
	op := fmt.Sprintf("get queue %s in %s", name, s.region)
	rs, err := s.a.lock(ctx, s.region)
	if err != nil {
		return cloud.Queue{}, fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	q, ok := rs.queues[name]
	if !ok {
		return cloud.Queue{}, fmt.Errorf("%s: %w", op, notFound("AWS.SimpleQueueService.NonExistentQueue: The specified queue does not exist"))
	}
	return q.info(s.a.now()), nil
}

// SetQueuePolicy sets the queue's policy; "" removes it.
func (s *queues) SetQueuePolicy(ctx context.Context, url, policy string) error {
	op := fmt.Sprintf("set policy of queue %s in %s", url, s.region)
	rs, err := s.a.lock(ctx, s.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	q, err := rs.queueByURL(url)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if policy != "" {
		if err := validPolicy(policy); err != nil {
			return fmt.Errorf("%s: InvalidAttributeValue: Policy: %w", op, err)
		}
	}
	q.policy = policy
	return nil
}

func (s *queues) DeleteQueue(ctx context.Context, url string) error {
	op := fmt.Sprintf("delete queue %s in %s", url, s.region)
	rs, err := s.a.lock(ctx, s.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	q, err := rs.queueByURL(url)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	delete(rs.queues, q.name)
	return nil
}

// Receive returns up to max visible messages at once (the fake delivers
// synchronously, so it never needs to wait). With a visibility above zero the
// messages are hidden for that long; with zero they stay visible.
func (s *queues) Receive(ctx context.Context, url string, max int, wait, visibility time.Duration) ([]cloud.Message, error) {
	op := fmt.Sprintf("receive messages from queue %s in %s", url, s.region)
	rs, err := s.a.lock(ctx, s.region)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	q, err := rs.queueByURL(url)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if max < 1 || max > 10 {
		return nil, fmt.Errorf("%s: InvalidParameterValue: MaxNumberOfMessages must be between 1 and 10, got %d", op, max)
	}
	if wait < 0 || wait > 20*time.Second {
		return nil, fmt.Errorf("%s: InvalidParameterValue: WaitTimeSeconds must be between 0 and 20", op)
	}
	now := s.a.now()
	var out []cloud.Message
	for _, m := range q.msgs {
		if len(out) == max {
			break
		}
		if now.Before(m.invisible) {
			continue
		}
		m.receipt = s.a.nextID("rcpt-")
		if visibility > 0 {
			m.invisible = now.Add(visibility)
		}
		out = append(out, cloud.Message{ID: m.id, Body: m.body, Sent: m.sent, Receipt: m.receipt})
	}
	return out, nil
}

func (s *queues) DeleteMessage(ctx context.Context, url, receipt string) error {
	op := fmt.Sprintf("delete message from queue %s in %s", url, s.region)
	rs, err := s.a.lock(ctx, s.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	q, err := rs.queueByURL(url)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for i, m := range q.msgs {
		if m.receipt != "" && m.receipt == receipt {
			q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
			return nil
		}
	}
	if !strings.HasPrefix(receipt, "rcpt-") {
		return fmt.Errorf("%s: ReceiptHandleIsInvalid: The input receipt handle is invalid", op)
	}
	return nil // an already deleted message: SQS does not complain
}

// SendMessage puts a message on a queue directly, e.g. to make a dead-letter
// queue non-empty in a test.
func (a *Account) SendMessage(region, queueName, body string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	rs, ok := a.region[region]
	if !ok {
		return fmt.Errorf("send message to queue %s in %s: %w", queueName, region, errRegion)
	}
	q, ok := rs.queues[queueName]
	if !ok {
		return fmt.Errorf("send message to queue %s in %s: %w", queueName, region, notFound("AWS.SimpleQueueService.NonExistentQueue: The specified queue does not exist"))
	}
	q.send(a, body)
	return nil
}
