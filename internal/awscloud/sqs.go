package awscloud

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

type queues struct {
	c      *sqs.Client
	region string
}

func (s *queues) CreateQueue(ctx context.Context, name, policy string, tags cloud.Tags) (cloud.Queue, error) {
	in := &sqs.CreateQueueInput{QueueName: aws.String(name), Tags: tags}
	if policy != "" {
		in.Attributes = map[string]string{string(types.QueueAttributeNamePolicy): policy}
	}
	out, err := s.c.CreateQueue(ctx, in)
	if err != nil {
		return cloud.Queue{}, errorf(err, "create queue %s in %s", name, s.region)
	}
	q, err := s.describe(ctx, name, aws.ToString(out.QueueUrl))
	if err != nil {
		return cloud.Queue{}, errorf(err, "get attributes of new queue %s in %s", name, s.region)
	}
	return q, nil
}

func (s *queues) Queue(ctx context.Context, name string) (cloud.Queue, error) {
	out, err := s.c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return cloud.Queue{}, errorf(err, "get URL of queue %s in %s", name, s.region)
	}
	q, err := s.describe(ctx, name, aws.ToString(out.QueueUrl))
	if err != nil {
		return cloud.Queue{}, errorf(err, "get attributes of queue %s in %s", name, s.region)
	}
	return q, nil
}

func (s *queues) describe(ctx context.Context, name, url string) (cloud.Queue, error) {
	attrs, err := s.c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll},
	})
	if err != nil {
		return cloud.Queue{}, err
	}
	q := cloud.Queue{
		Name:   name,
		URL:    url,
		ARN:    attrs.Attributes[string(types.QueueAttributeNameQueueArn)],
		Policy: attrs.Attributes[string(types.QueueAttributeNamePolicy)],
	}
	q.Messages, _ = strconv.Atoi(attrs.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	tags, err := s.c.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
	if err != nil {
		return cloud.Queue{}, err
	}
	if len(tags.Tags) > 0 {
		q.Tags = cloud.Tags(tags.Tags)
	}
	return q, nil
}

// SetQueuePolicy sets the queue's policy; "" removes it.
func (s *queues) SetQueuePolicy(ctx context.Context, url, policy string) error {
	_, err := s.c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{
		QueueUrl:   aws.String(url),
		Attributes: map[string]string{string(types.QueueAttributeNamePolicy): policy},
	})
	if err != nil {
		return errorf(err, "set policy of queue %s in %s", url, s.region)
	}
	return nil
}

func (s *queues) DeleteQueue(ctx context.Context, url string) error {
	if _, err := s.c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}); err != nil {
		return errorf(err, "delete queue %s in %s", url, s.region)
	}
	return nil
}

// Receive receives up to max messages. The SDK omits a zero VisibilityTimeout
// (so the queue's default would apply); for a peek, the messages are made
// visible again at once with ChangeMessageVisibility.
func (s *queues) Receive(ctx context.Context, url string, max int, wait, visibility time.Duration) ([]cloud.Message, error) {
	in := &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(url),
		MaxNumberOfMessages:         int32(max),
		WaitTimeSeconds:             int32(wait / time.Second),
		VisibilityTimeout:           int32(visibility / time.Second),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameSentTimestamp},
	}
	out, err := s.c.ReceiveMessage(ctx, in)
	if err != nil {
		return nil, errorf(err, "receive messages from queue %s in %s", url, s.region)
	}
	var msgs []cloud.Message
	for _, m := range out.Messages {
		msg := cloud.Message{ID: aws.ToString(m.MessageId), Body: aws.ToString(m.Body), Receipt: aws.ToString(m.ReceiptHandle)}
		if ms, err := strconv.ParseInt(m.Attributes[string(types.MessageSystemAttributeNameSentTimestamp)], 10, 64); err == nil {
			msg.Sent = time.UnixMilli(ms)
		}
		msgs = append(msgs, msg)
		if visibility < time.Second {
			_, err := s.c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
			if err != nil {
				return nil, errorf(err, "make message %s of queue %s in %s visible again", msg.ID, url, s.region)
			}
		}
	}
	return msgs, nil
}

func (s *queues) DeleteMessage(ctx context.Context, url, receipt string) error {
	if _, err := s.c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(receipt)}); err != nil {
		return errorf(err, "delete message from queue %s in %s", url, s.region)
	}
	return nil
}
