package fake

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/transform"
)

// Failure is a delivery EventBridge could not make.
type Failure struct {
	Rule       string // rule ARN
	Target     string // target ARN
	Err        error
	DeadLetter bool // the event went to the target's dead-letter queue
}

// errThirdBus is why an event that arrived on a bus from another bus does not
// go on to a third: EventBridge does not route it there ("Sending and receiving
// events between event buses", EventBridge user guide). Loops end there too.
var errThirdBus = errors.New("not delivered: an event that arrived from another event bus is not sent on to a third event bus")

// Emit puts an event document on region's default bus as an AWS service would
// (CloudTrail, sign-in), which PutEvents may not: the source may begin with
// "aws.". The document is a complete EventBridge event (version, id,
// detail-type, source, account, time, region, resources, detail). An "AWS API
// Call via CloudTrail" event whose detail.readOnly is true reaches only rules in
// the state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, as in EventBridge.
func (a *Account) Emit(region, event string) error {
	a.mu.Lock()
	defer a.unlockAndInvoke() // API destinations are invoked without the lock
	rs, ok := a.region[region]
	if !ok {
		return fmt.Errorf("emit event in %s: %w", region, errRegion)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(event), &doc); err != nil {
		return fmt.Errorf("emit event in %s: %w", region, err)
	}
	a.route(rs, rs.buses[cloud.DefaultBus], event, 0)
	return nil
}

// Failures returns the deliveries that failed so far, oldest first.
func (a *Account) Failures() []Failure {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.failures)
}

// route evaluates the rules of bus b against the event and delivers to their
// targets. The caller holds the lock.
func (a *Account) route(rs *regionState, b *bus, event string, hops int) {
	readOnlyMgmt := isReadOnlyManagement(event)
	names := make([]string, 0, len(b.rules))
	for n := range b.rules {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		r := b.rules[n]
		switch r.r.State {
		case cloud.RuleEnabledAllManagement:
		case cloud.RuleEnabled:
			if readOnlyMgmt {
				continue
			}
		default:
			continue
		}
		if r.r.Pattern == "" {
			continue // a scheduled rule matches no events
		}
		ok, err := matchPattern(r.r.Pattern, event)
		if err != nil || !ok {
			continue
		}
		a.ruleMetric(rs.name, r, cloud.MetricMatchedEvents)
		a.invokeTargets(rs, r, event, hops)
	}
}

// invokeTargets delivers an event a rule matched (or its schedule made) to each of
// its targets, recording failures and EventBridge's metrics. The caller holds
// the lock.
func (a *Account) invokeTargets(rs *regionState, r *rule, event string, hops int) {
	for _, t := range r.targets {
		a.ruleMetric(rs.name, r, cloud.MetricInvocations)
		err := a.deliver(rs, r, t, event, hops)
		if err == nil {
			continue
		}
		a.ruleMetric(rs.name, r, cloud.MetricFailedInvocations)
		f := Failure{Rule: r.r.ARN, Target: t.ARN, Err: err}
		if t.DeadLetterARN != "" {
			f.DeadLetter = a.deadLetter(r, t, event)
			if f.DeadLetter {
				a.ruleMetric(rs.name, r, cloud.MetricInvocationsSentToDlq)
			} else {
				a.ruleMetric(rs.name, r, cloud.MetricInvocationsFailedToBeSentToDlq)
			}
		}
		a.failures = append(a.failures, f)
	}
}

func isReadOnlyManagement(event string) bool {
	var ev struct {
		DetailType string `json:"detail-type"`
		Detail     struct {
			ReadOnly  *bool  `json:"readOnly"`
			EventType string `json:"eventType"`
		} `json:"detail"`
	}
	if json.Unmarshal([]byte(event), &ev) != nil {
		return false
	}
	return ev.DetailType == "AWS API Call via CloudTrail" && ev.Detail.ReadOnly != nil && *ev.Detail.ReadOnly
}

// deliver sends the event to one target, checking what AWS checks.
func (a *Account) deliver(rs *regionState, r *rule, t cloud.Target, event string, hops int) error {
	body := event
	if t.ConstantInput != "" {
		// EventBridge sends the constant instead of the event; to an event
		// bus that is the event put there.
		body, event = t.ConstantInput, t.ConstantInput
	}
	if t.Input != nil {
		var err error
		body, err = transform.Apply(t.Input.Paths, t.Input.Template, []byte(event), transform.Vars{RuleARN: r.r.ARN, RuleName: r.r.Name})
		if err != nil {
			return fmt.Errorf("input transformer: %w", err)
		}
	}
	dstAcct := a.peer(arnAccount(t.ARN))
	if dstAcct == nil || dstAcct != a && arnService(t.ARN) != "events" {
		return fmt.Errorf("target %s is in another account, which only an event bus target may be", t.ARN)
	}
	trs, ok := dstAcct.region[arnRegion(t.ARN)]
	if !ok {
		return fmt.Errorf("target %s is not in an enabled region of account %s", t.ARN, dstAcct.id)
	}
	ctxKeys := map[string]string{"aws:SourceArn": r.r.ARN, "aws:SourceAccount": a.id}
	switch arnService(t.ARN) {
	case "sns":
		if trs != rs {
			return fmt.Errorf("SNS target %s is in another region than the rule", t.ARN)
		}
		tp, err := rs.topic(t.ARN)
		if err != nil {
			return err
		}
		ok, err := allows(tp.policy, request{service: "events.amazonaws.com", action: "SNS:Publish", resource: tp.arn, keys: ctxKeys})
		if err != nil {
			return fmt.Errorf("topic policy: %w", err)
		}
		if !ok {
			return errors.New("AuthorizationError: the topic policy does not let events.amazonaws.com publish for this rule")
		}
		if tp.kmsKey != "" {
			if err := a.kmsUsableByEvents(rs, tp.kmsKey, tp.arn); err != nil {
				return err
			}
		}
		a.fanOut(rs, tp, "", body)
		return nil
	case "sqs":
		q, ok := trs.queueByARN(t.ARN)
		if !ok {
			return notFound("AWS.SimpleQueueService.NonExistentQueue: %s", t.ARN)
		}
		ok, err := allows(q.policy, request{service: "events.amazonaws.com", action: "sqs:SendMessage", resource: q.arn, keys: ctxKeys})
		if err != nil {
			return fmt.Errorf("queue policy: %w", err)
		}
		if !ok {
			return errors.New("AccessDenied: the queue policy does not let events.amazonaws.com send for this rule")
		}
		q.send(a, body)
		return nil
	case "events":
		if isAPIDestination(t.ARN) {
			if trs != rs {
				return fmt.Errorf("API destination %s is in another region than the rule", t.ARN)
			}
			return a.queueInvocation(r, t, event, body)
		}
		name := strings.TrimPrefix(arnResource(t.ARN), "event-bus/")
		dst, ok := trs.buses[name]
		if !ok {
			return notFound("ResourceNotFoundException: event bus %s", t.ARN)
		}
		if hops > 0 {
			return errThirdBus
		}
		if trs.name != rs.name || t.RoleARN != "" {
			if err := a.roleMayPutEvents(t.RoleARN, dst.arn, ctxKeys); err != nil {
				return err
			}
		}
		if dstAcct != a {
			// Another account's bus admits the event only if its policy lets
			// the sender in: the target's role when it has one (which an
			// organization-based grant requires), otherwise the account.
			principal, viaRole := t.RoleARN, true
			if principal == "" {
				principal, viaRole = "arn:aws:iam::"+a.id+":root", false
			}
			if err := a.busAdmits(dst, principal, viaRole); err != nil {
				return err
			}
		}
		dstAcct.route(trs, dst, event, hops+1)
		return nil
	}
	return fmt.Errorf("the fake cannot deliver to %s", t.ARN)
}

// kmsUsableByEvents reports whether EventBridge may use the topic's key: not an
// AWS-managed key, and a key policy that grants events.amazonaws.com
// kms:GenerateDataKey* and kms:Decrypt, with the request context SNS sends
// (the encryption context names the topic).
func (a *Account) kmsUsableByEvents(rs *regionState, keyID, topicARN string) error {
	k, ok := rs.resolve(keyID)
	if !ok {
		return notFound("KMS.NotFoundException: key %s", keyID)
	}
	if k.awsManaged {
		return fmt.Errorf("KMS.AccessDeniedException: the topic is encrypted with the AWS managed key %s, whose policy does not let events.amazonaws.com use it", keyID)
	}
	if err := k.usable(); err != nil {
		return err
	}
	for _, action := range []string{"kms:GenerateDataKey", "kms:Decrypt"} {
		ok, err := allows(k.policy, request{service: "events.amazonaws.com", action: action, resource: k.arn,
			keys: map[string]string{"aws:SourceAccount": a.id, "kms:EncryptionContext:aws:sns:topicArn": topicARN}})
		if err != nil {
			return fmt.Errorf("key policy: %w", err)
		}
		if !ok {
			return fmt.Errorf("KMS.AccessDeniedException: the policy of key %s does not let events.amazonaws.com %s", keyID, action)
		}
	}
	return nil
}

// roleMayPutEvents checks a target role: it exists, trusts events.amazonaws.com
// (with the rule's aws:SourceArn and aws:SourceAccount in the request context, as
// EventBridge sends them), its boundary (if any) allows events:PutEvents on the
// bus, one of its policies (inline or attached) allows it and none denies it.
func (a *Account) roleMayPutEvents(roleARN, busARN string, keys map[string]string) error {
	if roleARN == "" {
		return errors.New("ValidationException: RoleArn is required for a cross-region event bus target")
	}
	name := roleARN[strings.LastIndexByte(roleARN, '/')+1:]
	r, ok := a.roles[name]
	if !ok || r.r.ARN != roleARN {
		return fmt.Errorf("AccessDenied: role %s does not exist", roleARN)
	}
	ok, err := allows(r.r.Trust, request{service: "events.amazonaws.com", action: "sts:AssumeRole", resource: roleARN, keys: keys})
	if err != nil || !ok {
		return fmt.Errorf("AccessDenied: role %s does not trust events.amazonaws.com", roleARN)
	}
	if b := r.r.PermissionsBoundary; b != "" {
		// A boundary caps what the role's own policies grant.
		if ok, err := identityAllows(a.principalVars(a.managed[b]), "events:PutEvents", busARN); err != nil || !ok {
			return fmt.Errorf("AccessDenied: the permissions boundary of role %s does not allow events:PutEvents on %s", roleARN, busARN)
		}
	}
	// An explicit Deny in any of the role's policies wins over every Allow.
	allowed := false
	for _, p := range a.rolePolicyDocs(r) {
		p = a.principalVars(p)
		if denied, err := deniesAny(asResourcePolicy(p), request{aws: "self", action: "events:PutEvents", resource: busARN}); err == nil && denied {
			return fmt.Errorf("AccessDenied: an explicit Deny in a policy of role %s refuses events:PutEvents on %s", roleARN, busARN)
		}
		if ok, err := identityAllows(p, "events:PutEvents", busARN); err == nil && ok {
			allowed = true
		}
	}
	if allowed {
		return nil
	}
	return fmt.Errorf("AccessDenied: role %s may not events:PutEvents on %s", roleARN, busARN)
}

// identityAllows evaluates an identity policy (no Principal) for action on
// resource.
func identityAllows(policy, action, resource string) (bool, error) {
	return allows(asResourcePolicy(policy), request{aws: "self", action: action, resource: resource})
}

// deadLetter sends an undeliverable event to the target's dead-letter queue, if
// that queue exists and its policy lets EventBridge send for the rule.
func (a *Account) deadLetter(r *rule, t cloud.Target, event string) bool {
	rs, ok := a.region[arnRegion(t.DeadLetterARN)]
	if !ok {
		return false
	}
	q, ok := rs.queueByARN(t.DeadLetterARN)
	if !ok {
		return false
	}
	ok, err := allows(q.policy, request{service: "events.amazonaws.com", action: "sqs:SendMessage", resource: q.arn,
		keys: map[string]string{"aws:SourceArn": r.r.ARN, "aws:SourceAccount": a.id}})
	if err != nil || !ok {
		return false
	}
	q.send(a, event)
	return true
}

// principalVars resolves the policy variables of an identity policy that
// rootwatch's policies use, as IAM does when it evaluates them for a
// principal of this account.
func (a *Account) principalVars(policy string) string {
	return strings.ReplaceAll(policy, "${aws:PrincipalAccount}", a.id)
}

// asResourcePolicy gives every statement of an identity policy the principal
// "*" (the identity it is attached to), so that the resource-policy evaluator
// applies to it.
func asResourcePolicy(policy string) string {
	var doc map[string]any
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return policy
	}
	stmts, _ := doc["Statement"].([]any)
	if s, ok := doc["Statement"].(map[string]any); ok {
		stmts = []any{s}
	}
	for _, s := range stmts {
		if m, ok := s.(map[string]any); ok {
			m["Principal"] = "*"
		}
	}
	b, _ := json.Marshal(map[string]any{"Statement": stmts})
	return string(b)
}
