package awscloud

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

type topics struct {
	c      *sns.Client
	region string
}

func toSNSTags(t cloud.Tags) []types.Tag {
	var out []types.Tag
	for k, v := range t {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func (s *topics) CreateTopic(ctx context.Context, name string, tags cloud.Tags) (string, error) {
	out, err := s.c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name), Tags: toSNSTags(tags)})
	if err != nil {
		return "", errorf(err, "create topic %s in %s", name, s.region)
	}
	return aws.ToString(out.TopicArn), nil
}

func (s *topics) Topic(ctx context.Context, arn string) (cloud.Topic, error) {
	out, err := s.c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if err != nil {
		return cloud.Topic{}, errorf(err, "get attributes of topic %s in %s", arn, s.region)
	}
	t := cloud.Topic{
		ARN:      arn,
		Owner:    out.Attributes["Owner"],
		Policy:   out.Attributes["Policy"],
		KMSKeyID: out.Attributes["KmsMasterKeyId"],
	}
	tags, err := s.c.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		return cloud.Topic{}, errorf(err, "list tags of topic %s in %s", arn, s.region)
	}
	for _, tag := range tags.Tags {
		if t.Tags == nil {
			t.Tags = cloud.Tags{}
		}
		t.Tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return t, nil
}

func (s *topics) SetTopicPolicy(ctx context.Context, arn, policy string) error {
	_, err := s.c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("Policy"), AttributeValue: aws.String(policy)})
	if err != nil {
		return errorf(err, "set policy of topic %s in %s", arn, s.region)
	}
	return nil
}

// DeleteTopic deletes a topic; a topic that does not exist is not an error (as
// in AWS).
func (s *topics) DeleteTopic(ctx context.Context, arn string) error {
	_, err := s.c.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)})
	if err != nil && !errors.Is(mapErr(err), cloud.ErrNotFound) {
		return errorf(err, "delete topic %s in %s", arn, s.region)
	}
	return nil
}

func (s *topics) Subscriptions(ctx context.Context, topicARN string) ([]cloud.Subscription, error) {
	in := &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topicARN)}
	var subs []cloud.Subscription
	for {
		out, err := s.c.ListSubscriptionsByTopic(ctx, in)
		if err != nil {
			return nil, errorf(err, "list subscriptions of topic %s in %s", topicARN, s.region)
		}
		for _, sub := range out.Subscriptions {
			arn := aws.ToString(sub.SubscriptionArn)
			c := cloud.Subscription{
				ARN:      arn,
				Protocol: aws.ToString(sub.Protocol),
				Endpoint: aws.ToString(sub.Endpoint),
				Pending:  arn == "PendingConfirmation",
			}
			if !c.Pending {
				if err := s.subscriptionAttributes(ctx, &c); err != nil {
					return nil, err
				}
			}
			subs = append(subs, c)
		}
		if aws.ToString(out.NextToken) == "" {
			return subs, nil
		}
		in.NextToken = out.NextToken
	}
}

func (s *topics) Subscribe(ctx context.Context, topicARN, protocol, endpoint string, raw bool) (string, error) {
	in := &sns.SubscribeInput{TopicArn: aws.String(topicARN), Protocol: aws.String(protocol), Endpoint: aws.String(endpoint)}
	if raw {
		in.Attributes = map[string]string{"RawMessageDelivery": "true"}
	}
	out, err := s.c.Subscribe(ctx, in)
	if err != nil {
		return "", errorf(err, "subscribe %s %s to topic %s in %s", protocol, endpoint, topicARN, s.region)
	}
	return aws.ToString(out.SubscriptionArn), nil
}

func (s *topics) Unsubscribe(ctx context.Context, arn string) error {
	if _, err := s.c.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)}); err != nil {
		return errorf(err, "unsubscribe %s in %s", arn, s.region)
	}
	return nil
}

func (s *topics) Publish(ctx context.Context, topicARN, subject, message string) error {
	in := &sns.PublishInput{TopicArn: aws.String(topicARN), Message: aws.String(message)}
	if subject != "" {
		in.Subject = aws.String(subject)
	}
	if _, err := s.c.Publish(ctx, in); err != nil {
		return errorf(err, "publish to topic %s in %s", topicARN, s.region)
	}
	return nil
}
