package fake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// ConfirmSubscription implements cloud.Topics: it confirms the pending
// subscription that was sent token, with AuthenticateOnUnsubscribe.
func (t *topics) ConfirmSubscription(ctx context.Context, topicARN, token string) (string, error) {
	op := fmt.Sprintf("confirm subscription to topic %s in %s", topicARN, t.region)
	rs, err := t.a.lock(ctx, t.region)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	defer t.a.mu.Unlock()
	tp, err := rs.topic(topicARN)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	for _, s := range tp.subs {
		if token != "" && s.token == token {
			if s.arn == "" {
				s.arn = topicARN + ":" + t.a.nextID("")
			}
			s.authOnly = true
			return s.arn, nil
		}
	}
	return "", fmt.Errorf("%s: %w", op, notFound("InvalidParameter: Invalid token"))
}

// SubscriptionToken returns the confirmation token SNS sent to endpoint for
// its pending subscription to the topic (what the confirmation e-mail's link
// carries), or "" when there is none.
func (a *Account) SubscriptionToken(topicARN, endpoint string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	rs, ok := a.region[arnRegion(topicARN)]
	if !ok {
		return ""
	}
	tp, err := rs.topic(topicARN)
	if err != nil {
		return ""
	}
	for _, s := range tp.subs {
		if s.endpoint == endpoint && s.arn == "" {
			return s.token
		}
	}
	return ""
}

// SetFilterPolicy sets a subscription's filter policy (what an actor with
// sns:SetSubscriptionAttributes may do; the cloud interface never does).
// rootwatch's messages carry no message attributes, so any filter policy
// keeps every alert from that subscription.
func (a *Account) SetFilterPolicy(subscriptionARN, policy string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	rs, ok := a.region[arnRegion(subscriptionARN)]
	if !ok {
		return fmt.Errorf("set filter policy of %s: %w", subscriptionARN, errRegion)
	}
	tp, i, err := rs.subscription(subscriptionARN)
	if err != nil {
		return fmt.Errorf("set filter policy of %s: %w", subscriptionARN, err)
	}
	if noFilter(policy) {
		policy = "" // "{}" removes the filter policy, as in SNS
	}
	tp.subs[i].filter = policy
	return nil
}

// confirmationToken is the token SNS sends to a pending endpoint: long and
// unguessable in AWS; here derived from the subscription, so that the fake's
// generated IDs stay what they were.
func confirmationToken(topicARN, endpoint string) string {
	sum := sha256.Sum256([]byte(topicARN + "\x00" + endpoint))
	return hex.EncodeToString(sum[:])
}

// ConfirmByLink confirms the pending subscription of endpoint to the topic as
// the recipient's click on the link in the confirmation e-mail does: without
// AuthenticateOnUnsubscribe, so anyone holding an alert e-mail (and its
// unsubscribe link) may remove it.
func (a *Account) ConfirmByLink(topicARN, endpoint string) (string, error) {
	return a.confirm(topicARN, endpoint, false)
}
