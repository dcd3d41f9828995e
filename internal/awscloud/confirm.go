package awscloud

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// ConfirmSubscription implements cloud.Topics with SNS ConfirmSubscription and
// AuthenticateOnUnsubscribe. The token is not part of any error: it is the
// subscription's secret.
func (s *topics) ConfirmSubscription(ctx context.Context, topicARN, token string) (string, error) {
	out, err := s.c.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{
		TopicArn:                  aws.String(topicARN),
		Token:                     aws.String(token),
		AuthenticateOnUnsubscribe: aws.String("true"),
	})
	if err != nil {
		return "", errorf(err, "confirm subscription to topic %s in %s", topicARN, s.region)
	}
	return aws.ToString(out.SubscriptionArn), nil
}

// subscriptionAttributes reads what ListSubscriptionsByTopic leaves out: the
// filter policy and whether the confirmation was authenticated. A
// subscription deleted since it was listed keeps its zero values.
func (s *topics) subscriptionAttributes(ctx context.Context, c *cloud.Subscription) error {
	out, err := s.c.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(c.ARN)})
	if err != nil {
		if errors.Is(mapErr(err), cloud.ErrNotFound) {
			return nil
		}
		return errorf(err, "get attributes of subscription %s in %s", c.ARN, s.region)
	}
	c.FilterPolicy = filterPolicy(out.Attributes["FilterPolicy"])
	c.Authenticated = out.Attributes["ConfirmationWasAuthenticated"] == "true"
	return nil
}
