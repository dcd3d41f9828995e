package chain

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/policy"
)

// JudgeTopicPolicy judges rootwatch's statement in the topic's policy:
// EventBridge may publish to the topic for exactly the alert rules' ARNs, and
// nothing denies it.
func JudgeTopicPolicy(s Spec, t cloud.Topic) Verdict {
	want := s.Topic.Statement
	sid := want.Sid
	p, err := policy.Read(t.Policy)
	if err != nil {
		return fail(fmt.Sprintf("the topic policy is not valid JSON (%v): SNS refuses the alerts", err), "fix the policy, then run 'rootwatch deploy'")
	}
	st, present := p.Sid(sid)
	if !present {
		return fail(fmt.Sprintf("the topic policy has no statement %s: SNS refuses every alert EventBridge sends", sid),
			"run 'rootwatch deploy' to add the statement (other statements are kept)")
	}
	if !st.Allows(EventsService, "sns:Publish", t.ARN) {
		return fail(fmt.Sprintf("statement %s does not allow %s sns:Publish on the topic: SNS refuses every alert", sid, EventsService),
			"run 'rootwatch deploy' to replace the statement")
	}
	if v, denied := judgeDenials(p, "sns:Publish", t.ARN); denied {
		v.Fix = "remove or narrow that statement so EventBridge may publish for rootwatch's rules"
		return v
	}
	var rules []string // the rule ARNs the statement must name
	for _, a := range s.AlertRules {
		rules = append(rules, a.ARN)
	}
	values := st.ConditionValues("aws:SourceArn")
	if len(values) == 0 {
		return warn(fmt.Sprintf("statement %s lets any EventBridge rule publish (no aws:SourceArn condition)", sid),
			"run 'rootwatch deploy' to scope it to rootwatch's rules")
	}
	var refused, extra []string
	for _, w := range rules {
		if !policy.MatchAny(values, w) {
			refused = append(refused, w)
		}
	}
	for _, v := range values {
		if !slices.Contains(rules, v) {
			extra = append(extra, v)
		}
	}
	if len(refused) > 0 {
		return fail(fmt.Sprintf("statement %s does not let %s publish: SNS refuses their alerts", sid, strings.Join(refused, ", ")),
			"run 'rootwatch deploy' to update the statement")
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return warn(fmt.Sprintf("statement %s also lets %s publish", sid, strings.Join(extra, ", ")),
			"run 'rootwatch deploy' to scope it to exactly rootwatch's rules")
	}
	if same, err := policy.HasStatement(t.Policy, want); err == nil && !same {
		return warn(fmt.Sprintf("statement %s lets EventBridge publish for the alert rules but differs from the one rootwatch deploys", sid),
			"run 'rootwatch deploy' to replace the statement")
	}
	return ok(fmt.Sprintf("statement %s lets EventBridge publish for the %d alert rules", sid, len(rules)))
}

// JudgeSubscriptions judges whether someone gets the mail. A subscription
// with a filter policy counts as receiving nothing: rootwatch's messages carry
// no attributes, so a filter matches none of them (and one an actor set is
// how the mail is stopped without unsubscribing).
func JudgeSubscriptions(subs []cloud.Subscription) Verdict {
	var confirmed, pending, filtered []string
	for _, s := range subs {
		switch {
		case s.Pending:
			pending = append(pending, EndpointDisplay(s.Protocol, s.Endpoint))
		case s.FilterPolicy != "":
			filtered = append(filtered, s.Protocol+":"+EndpointDisplay(s.Protocol, s.Endpoint))
		default:
			confirmed = append(confirmed, s.Protocol+":"+EndpointDisplay(s.Protocol, s.Endpoint))
		}
	}
	if len(filtered) > 0 {
		return fail(fmt.Sprintf("%d subscription(s) have a filter policy that keeps every alert from them (%s)", len(filtered), strings.Join(filtered, ", ")),
			"run 'rootwatch deploy': it removes the filter policy from the addresses it subscribed (or remove it yourself: aws sns set-subscription-attributes --subscription-arn ARN --attribute-name FilterPolicy --attribute-value '{}')")
	}
	const confirmFix = "open the confirmation e-mail sent to each pending address and click its link (or run 'rootwatch deploy --email ADDR' to send it again)"
	switch {
	case len(subs) == 0:
		return fail("the topic has no subscription: nobody gets the alerts", "run 'rootwatch deploy --email ADDR'")
	case len(confirmed) == 0:
		return fail(fmt.Sprintf("no confirmed subscription, %d pending (%s): nobody gets the alerts", len(pending), strings.Join(pending, ", ")), confirmFix)
	case len(pending) > 0:
		return warn(fmt.Sprintf("%d confirmed, %d pending (%s): those addresses get no alerts", len(confirmed), len(pending), strings.Join(pending, ", ")), confirmFix)
	}
	return ok(fmt.Sprintf("%d confirmed (%s)", len(confirmed), strings.Join(confirmed, ", ")))
}

// KeyStatement is the statement rootwatch adds to a customer managed key's
// policy (deploy --fix-kms-policy): EventBridge may use the key only for
// messages to the alert topic (SNS's encryption context names it) and only
// on behalf of the topic's own account, so no other topic or account can
// borrow the grant.
func KeyStatement(topicARN, account string) policy.Statement {
	return policy.Statement{
		Sid:       KeyStatementSid,
		Effect:    "Allow",
		Principal: policy.Service(EventsService),
		Action:    policy.Values{"kms:Decrypt", "kms:GenerateDataKey*"},
		Resource:  policy.Values{"*"},
		Condition: policy.Conditions{"StringEquals": {
			"kms:EncryptionContext:aws:sns:topicArn": {topicARN},
			"aws:SourceAccount":                      {account},
		}},
	}
}

// eventBridgeKeyActions are the KMS actions EventBridge needs on the key of an
// encrypted topic, as IAM patterns (as they are named to the user).
var eventBridgeKeyActions = []string{"kms:GenerateDataKey*", "kms:Decrypt"}

// KeyGrantsLacking lists which of kms:GenerateDataKey* and kms:Decrypt no
// Allow statement of a key policy grants the service principal
// events.amazonaws.com (wildcards honoured; conditions are not evaluated).
// Deploy and status both judge a key by it, so they agree.
func KeyGrantsLacking(doc string) ([]string, error) {
	p, err := policy.Read(doc)
	if err != nil {
		return nil, err
	}
	var lacking []string
	for _, need := range eventBridgeKeyActions {
		// A statement must cover the action EventBridge calls: the
		// pattern without its trailing *.
		action := strings.TrimSuffix(need, "*")
		if !slices.ContainsFunc(p.Statement, func(s policy.Statement) bool {
			return s.IsAllow() && s.NamesService(EventsService) && s.Covers(action)
		}) {
			lacking = append(lacking, need)
		}
	}
	return lacking, nil
}

// JudgeKey judges whether EventBridge can use the key that encrypts topic t:
// found is false when the key does not exist.
func JudgeKey(t cloud.Topic, k cloud.Key, found bool) Verdict {
	if t.KMSKeyID == "" {
		return ok("the topic is not encrypted")
	}
	if !found {
		return fail(fmt.Sprintf("the topic's key %s does not exist: SNS cannot encrypt, so every alert is lost", t.KMSKeyID),
			"set a customer managed key on the topic (aws sns set-topic-attributes --attribute-name KmsMasterKeyId) and run 'rootwatch deploy'")
	}
	if k.AWSManaged {
		return fail(fmt.Sprintf("the topic is encrypted with the AWS managed key %s, which EventBridge cannot use: SNS refuses every alert", t.KMSKeyID),
			fmt.Sprintf("encrypt the topic with a customer managed key instead: aws sns set-topic-attributes --topic-arn %s --attribute-name KmsMasterKeyId --attribute-value KEY, then run 'rootwatch deploy' to grant EventBridge kms:GenerateDataKey* and kms:Decrypt on it", t.ARN))
	}
	switch k.State {
	case cloud.KeyEnabled, "":
	case cloud.KeyDisabled:
		return fail(fmt.Sprintf("key %s that encrypts the topic is disabled: SNS cannot encrypt, so every alert is lost", k.ARN),
			fmt.Sprintf("enable it (aws kms enable-key --key-id %s); rootwatch deploy does not, since it does not own the key", k.ARN))
	case cloud.KeyPendingDeletion:
		return fail(fmt.Sprintf("key %s that encrypts the topic is scheduled for deletion: SNS cannot encrypt, so every alert is lost", k.ARN),
			fmt.Sprintf("cancel the deletion and enable it (aws kms cancel-key-deletion --key-id %s, then aws kms enable-key --key-id %s); rootwatch deploy does not, since it does not own the key", k.ARN, k.ARN))
	default:
		return fail(fmt.Sprintf("key %s that encrypts the topic is in state %s: SNS cannot encrypt, so every alert is lost", k.ARN, k.State),
			"make the key usable (state Enabled) or encrypt the topic with another customer managed key, then run 'rootwatch deploy'")
	}
	p, err := policy.Read(k.Policy)
	if err != nil {
		return fail(fmt.Sprintf("key %s has a policy status cannot read (%v)", k.ARN, err), "")
	}
	for _, action := range []string{"kms:GenerateDataKey", "kms:Decrypt"} {
		if v, denied := judgeDenials(p, action, k.ARN); denied {
			v.Detail = fmt.Sprintf("key %s's policy: %s", k.ARN, v.Detail)
			v.Fix = "remove that statement from the key policy (or narrow it so it spares events.amazonaws.com): 'rootwatch deploy --fix-kms-policy' adds rootwatch's statement but never removes another's"
			return v
		}
	}
	lacking, err := KeyGrantsLacking(k.Policy)
	if err != nil {
		return fail(fmt.Sprintf("key %s has a policy status cannot read (%v)", k.ARN, err), "")
	}
	if len(lacking) > 0 {
		return fail(fmt.Sprintf("key %s's policy does not let %s use %s: SNS refuses every alert", k.ARN, EventsService, strings.Join(lacking, " and ")),
			"run 'rootwatch deploy' and let it add the key statement, or add one allowing events.amazonaws.com kms:GenerateDataKey* and kms:Decrypt")
	}
	return ok(fmt.Sprintf("key %s lets EventBridge encrypt", k.ARN))
}

// EndpointDisplay is how a subscription's endpoint is shown: an HTTP(S)
// endpoint by its host only, since its path and query often hold a secret
// (a webhook token); anything else as it is.
func EndpointDisplay(protocol, endpoint string) string {
	if protocol != "http" && protocol != "https" {
		return endpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return protocol + "://(endpoint hidden)"
	}
	return u.Scheme + "://" + u.Hostname() + "/…"
}
