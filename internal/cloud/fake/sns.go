package fake

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// PendingSubscriptionARN is what Subscribe returns for a subscription that waits
// for confirmation, as SNS does.
const PendingSubscriptionARN = "pending confirmation"

type topic struct {
	name   string
	arn    string
	policy string
	kmsKey string
	tags   cloud.Tags
	subs   []*subscription
}

type subscription struct {
	arn      string // "" while pending
	protocol string
	endpoint string
	raw      bool
	token    string // the confirmation token SNS sent while pending
	filter   string // filter policy JSON; "" when none
	authOnly bool   // confirmed with AuthenticateOnUnsubscribe
}

type topics struct {
	a      *Account
	region string
}

// Email is one e-mail SNS sent to a confirmed e-mail subscription.
type Email struct {
	Topic   string
	To      string
	Subject string
	Message string
}

// DefaultTopicPolicy returns the access policy SNS gives a new topic.
func DefaultTopicPolicy(topicARN string) string {
	account := arnAccount(topicARN)
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"` + topicARN + `","Condition":{"StringEquals":{"AWS:SourceOwner":"` + account + `"}}}]}`
}

// CreateTopic creates a topic or returns the existing one of that name. As in
// AWS, asking again with different tags is an error.
func (t *topics) CreateTopic(ctx context.Context, name string, tags cloud.Tags) (string, error) {
	op := fmt.Sprintf("create topic %s in %s", name, t.region)
	rs, err := t.a.lock(ctx, t.region)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	defer t.a.mu.Unlock()
	if !validName(name, 256, "_-") {
		return "", fmt.Errorf("%s: InvalidParameter: Topic names must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long", op)
	}
	arn := "arn:aws:sns:" + t.region + ":" + t.a.id + ":" + name
	if tp, ok := rs.topics[arn]; ok {
		if len(tags) > 0 && !tagsEqual(tp.tags, tags) {
			return "", fmt.Errorf("%s: %w", op, exists("InvalidParameter: Invalid parameter: Tags Reason: Topic already exists with different tags"))
		}
		return arn, nil
	}
	rs.topics[arn] = &topic{name: name, arn: arn, policy: DefaultTopicPolicy(arn), tags: cloneTags(tags)}
	return arn, nil
}

func (rs *regionState) topic(arn string) (*topic, error) {
	tp, ok := rs.topics[arn]
	if !ok {
		return nil, notFound("NotFound: Topic does not exist")
	}
	return tp, nil
}

func (t *topics) Topic(ctx context.Context, arn string) (cloud.Topic, error) {
	op := fmt.Sprintf("get attributes of topic %s in %s", arn, t.region)
	rs, err := t.a.lock(ctx, t.region)
	if err != nil {
		return cloud.Topic{}, fmt.Errorf("%s: %w", op, err)
	}
	defer t.a.mu.Unlock()
	tp, err := rs.topic(arn)
	if err != nil {
		return cloud.Topic{}, fmt.Errorf("%s: %w", op, err)
	}
	return cloud.Topic{ARN: tp.arn, Owner: t.a.id, Policy: tp.policy, KMSKeyID: tp.kmsKey, Tags: cloneTags(tp.tags)}, nil
}

func (t *topics) SetTopicPolicy(ctx context.Context, arn, policy string) error {
	op := fmt.Sprintf("set policy of topic %s in %s", arn, t.region)
	rs, err := t.a.lock(ctx, t.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer t.a.mu.Unlock()
	tp, err := rs.topic(arn)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := validPolicy(policy); err != nil {
		return fmt.Errorf("%s: InvalidParameter: Policy: %w", op, err)
	}
	tp.policy = policy
	return nil
}

// DeleteTopic deletes a topic and its subscriptions. Like SNS, deleting a topic
// that does not exist succeeds.
func (t *topics) DeleteTopic(ctx context.Context, arn string) error {
	rs, err := t.a.lock(ctx, t.region)
	if err != nil {
		return fmt.Errorf("delete topic %s in %s: %w", arn, t.region, err)
	}
	defer t.a.mu.Unlock()
	delete(rs.topics, arn)
	return nil
}

func (t *topics) Subscriptions(ctx context.Context, topicARN string) ([]cloud.Subscription, error) {
	op := fmt.Sprintf("list subscriptions of topic %s in %s", topicARN, t.region)
	rs, err := t.a.lock(ctx, t.region)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer t.a.mu.Unlock()
	tp, err := rs.topic(topicARN)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out := make([]cloud.Subscription, 0, len(tp.subs))
	for _, s := range tp.subs {
		c := cloud.Subscription{ARN: s.arn, Protocol: s.protocol, Endpoint: s.endpoint, Pending: s.arn == "", FilterPolicy: s.filter, Authenticated: s.authOnly}
		if c.Pending {
			c.ARN = "PendingConfirmation"
		}
		out = append(out, c)
	}
	return out, nil
}

// Subscribe subscribes an endpoint. SQS subscriptions are confirmed at once;
// e-mail (and HTTP) subscriptions stay pending until ConfirmSubscription.
// Subscribing the same endpoint again returns the existing subscription.
func (t *topics) Subscribe(ctx context.Context, topicARN, protocol, endpoint string, raw bool) (string, error) {
	op := fmt.Sprintf("subscribe %s %s to topic %s in %s", protocol, endpoint, topicARN, t.region)
	rs, err := t.a.lock(ctx, t.region)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	defer t.a.mu.Unlock()
	tp, err := rs.topic(topicARN)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	switch protocol {
	case "email", "email-json":
		if i := strings.IndexByte(endpoint, '@'); i <= 0 || i == len(endpoint)-1 || strings.ContainsAny(endpoint, " \t\n<>") {
			return "", fmt.Errorf("%s: InvalidParameter: Invalid parameter: Email address", op)
		}
	case "sqs":
		if arnService(endpoint) != "sqs" {
			return "", fmt.Errorf("%s: InvalidParameter: Invalid parameter: SQS endpoint ARN", op)
		}
	case "http", "https":
		if !strings.HasPrefix(endpoint, protocol+"://") {
			return "", fmt.Errorf("%s: InvalidParameter: Invalid parameter: Endpoint must match the specified protocol", op)
		}
	default:
		return "", fmt.Errorf("%s: InvalidParameter: Invalid parameter: Amazon SNS does not support this protocol string: %s", op, protocol)
	}
	for _, s := range tp.subs {
		if s.protocol == protocol && s.endpoint == endpoint {
			if s.arn == "" {
				return PendingSubscriptionARN, nil
			}
			return s.arn, nil
		}
	}
	s := &subscription{protocol: protocol, endpoint: endpoint, raw: raw}
	if protocol == "sqs" {
		// Confirmed by the owner's own signed call: authenticated, as
		// SNS reports it (ConfirmationWasAuthenticated).
		s.arn = topicARN + ":" + t.a.nextID("")
		s.authOnly = true
	} else {
		s.token = confirmationToken(topicARN, endpoint)
	}
	tp.subs = append(tp.subs, s)
	if s.arn == "" {
		return PendingSubscriptionARN, nil
	}
	return s.arn, nil
}

// subscription finds the confirmed subscription subscriptionARN: its topic
// and its index there.
func (rs *regionState) subscription(subscriptionARN string) (*topic, int, error) {
	for _, tp := range rs.topics {
		for i, s := range tp.subs {
			if s.arn != "" && s.arn == subscriptionARN {
				return tp, i, nil
			}
		}
	}
	return nil, 0, notFound("NotFound: Subscription does not exist")
}

// Unsubscribe removes a confirmed subscription.
func (t *topics) Unsubscribe(ctx context.Context, subscriptionARN string) error {
	return t.withSubscription(ctx, fmt.Sprintf("unsubscribe %s in %s", subscriptionARN, t.region), subscriptionARN, func(tp *topic, i int) {
		tp.subs = slices.Delete(tp.subs, i, i+1)
	})
}

// withSubscription runs f on the confirmed subscription subscriptionARN (its
// topic and index there) under the account's lock, as SNS finds it: an ARN
// that is not SNS's is invalid, one of no subscription not found. Errors are
// wrapped with op.
func (t *topics) withSubscription(ctx context.Context, op, subscriptionARN string, f func(tp *topic, i int)) error {
	rs, err := t.a.lock(ctx, t.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer t.a.mu.Unlock()
	if arnService(subscriptionARN) != "sns" {
		return fmt.Errorf("%s: InvalidParameter: Invalid parameter: SubscriptionArn", op)
	}
	tp, i, err := rs.subscription(subscriptionARN)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	f(tp, i)
	return nil
}

func (t *topics) Publish(ctx context.Context, topicARN, subject, message string) error {
	op := fmt.Sprintf("publish to topic %s in %s", topicARN, t.region)
	rs, err := t.a.lock(ctx, t.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer t.a.mu.Unlock()
	tp, err := rs.topic(topicARN)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if message == "" {
		return fmt.Errorf("%s: InvalidParameter: Empty message", op)
	}
	t.a.fanOut(rs, tp, subject, message)
	return nil
}

// fanOut delivers a message to the topic's confirmed subscriptions.
func (a *Account) fanOut(rs *regionState, tp *topic, subject, message string) {
	id := a.nextID("")
	for _, s := range tp.subs {
		if s.arn == "" {
			continue // pending: nobody gets mail
		}
		if !noFilter(s.filter) {
			// rootwatch publishes no message attributes, and a filter
			// policy on attributes matches no message without them.
			continue
		}
		switch s.protocol {
		case "email", "email-json":
			a.emails = append(a.emails, Email{Topic: tp.arn, To: s.endpoint, Subject: subject, Message: message})
		case "sqs":
			qrs, ok := a.region[arnRegion(s.endpoint)]
			if !ok {
				continue
			}
			q, ok := qrs.queueByARN(s.endpoint)
			if !ok {
				continue
			}
			body := message
			if !s.raw {
				env := map[string]string{
					"Type":      "Notification",
					"MessageId": id,
					"TopicArn":  tp.arn,
					"Message":   message,
					"Timestamp": a.now().UTC().Format("2006-01-02T15:04:05.000Z"),
				}
				if subject != "" {
					env["Subject"] = subject
				}
				b, _ := json.Marshal(env)
				body = string(b)
			}
			q.send(a, body)
		}
	}
}

// ConfirmSubscription confirms the pending subscription of endpoint to the
// topic as its owner should, with AuthenticateOnUnsubscribe ('rootwatch
// confirm'), and returns the subscription's ARN. ConfirmByLink is the
// recipient's click on the link instead.
func (a *Account) ConfirmSubscription(topicARN, endpoint string) (string, error) {
	return a.confirm(topicARN, endpoint, true)
}

func (a *Account) confirm(topicARN, endpoint string, authenticated bool) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	op := fmt.Sprintf("confirm subscription of %s to topic %s", endpoint, topicARN)
	rs, ok := a.region[arnRegion(topicARN)]
	if !ok {
		return "", fmt.Errorf("%s: %w", op, errRegion)
	}
	tp, err := rs.topic(topicARN)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	for _, s := range tp.subs {
		if s.endpoint == endpoint && s.arn == "" {
			s.arn = topicARN + ":" + a.nextID("")
			s.authOnly = authenticated
			return s.arn, nil
		}
	}
	return "", fmt.Errorf("%s: %w", op, notFound("no pending subscription"))
}

// SetTopicKMSKey encrypts a topic with a KMS key (alias, key ID or ARN), as
// SetTopicAttributes KmsMasterKeyId does; "" turns encryption off.
func (a *Account) SetTopicKMSKey(topicARN, keyID string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	op := fmt.Sprintf("set KmsMasterKeyId of topic %s", topicARN)
	rs, ok := a.region[arnRegion(topicARN)]
	if !ok {
		return fmt.Errorf("%s: %w", op, errRegion)
	}
	tp, err := rs.topic(topicARN)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	tp.kmsKey = keyID
	return nil
}

// Emails returns the e-mails sent so far, oldest first.
func (a *Account) Emails() []Email {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.emails)
}

// ForceTopicPolicy stores a topic policy without the validation SetTopicPolicy
// does, to give tests a topic whose policy is malformed or unexpected.
func (a *Account) ForceTopicPolicy(topicARN, policy string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	rs, ok := a.region[arnRegion(topicARN)]
	if !ok {
		return fmt.Errorf("force policy of topic %s: %w", topicARN, errRegion)
	}
	tp, err := rs.topic(topicARN)
	if err != nil {
		return fmt.Errorf("force policy of topic %s: %w", topicARN, err)
	}
	tp.policy = policy
	return nil
}
