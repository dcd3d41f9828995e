package fake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// CloudWatch in the fake: the metrics EventBridge and SQS publish, metric
// alarms that evaluate them, and alarm actions that publish to SNS topics.
//
// EventBridge's metrics are emitted as deliveries happen, in the rule's
// region, with AWS's dimensions ({RuleName} for a rule on the default bus,
// {EventBusName, RuleName} on a custom bus): MatchedEvents for every event a
// rule matches, Invocations for every target invoked, FailedInvocations for
// every delivery that failed, InvocationsSentToDlq when the failed event went
// to the target's dead-letter queue and InvocationsFailedToBeSentToDlq when
// it could not. SQS's ApproximateNumberOfMessagesVisible ({QueueName}) is
// sampled for every queue each time the alarms are evaluated.
//
// Alarms are evaluated when a test calls EvaluateAlarms, at the account's
// clock, as CloudWatch does every minute.

type cwRegion struct {
	alarms map[string]*alarm
	points []datapoint
}

type alarm struct {
	a     cloud.Alarm
	state cloud.AlarmState
	tags  cloud.Tags
}

type datapoint struct {
	namespace, metric string
	dims              string // canonical dimensions, see dimKey
	value             float64
	at                time.Time
}

// dimKey is a metric's identity within its name: CloudWatch matches the exact
// set of dimensions.
func dimKey(d map[string]string) string {
	keys := slices.Sorted(maps.Keys(d))
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + d[k] + "\x00")
	}
	return b.String()
}

func (a *Account) cwState(region string) *cwRegion {
	if a.cw == nil {
		a.cw = map[string]*cwRegion{}
	}
	c := a.cw[region]
	if c == nil {
		c = &cwRegion{alarms: map[string]*alarm{}}
		a.cw[region] = c
	}
	return c
}

// putMetric records one data point at the account's clock. The caller holds
// the lock.
func (a *Account) putMetric(region, namespace, metric string, dims map[string]string, value float64) {
	c := a.cwState(region)
	c.points = append(c.points, datapoint{namespace, metric, dimKey(dims), value, a.now()})
}

// ruleMetric records one of EventBridge's per-rule metrics for r.
func (a *Account) ruleMetric(region string, r *rule, metric string) {
	dims := map[string]string{"RuleName": r.r.Name}
	if r.r.Bus != "" && r.r.Bus != cloud.DefaultBus {
		dims["EventBusName"] = r.r.Bus
	}
	a.putMetric(region, cloud.NamespaceEvents, metric, dims, 1)
}

type alarms struct {
	a      *Account
	region string
}

// Alarms implements cloud.Account.
func (a *Account) Alarms(region string) cloud.Alarms { return &alarms{a: a, region: region} }

var statistics = []string{"Sum", "Maximum", "Minimum", "Average", "SampleCount"}

// PutAlarm validates as CloudWatch does what rootwatch relies on: a known
// statistic and comparison, a period of whole minutes, at least one
// evaluation period, and actions that are SNS topics of this region.
func (c *alarms) PutAlarm(ctx context.Context, in cloud.Alarm) error {
	op := fmt.Sprintf("put metric alarm %s in %s", in.Name, c.region)
	if _, err := c.a.lock(ctx, c.region); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer c.a.mu.Unlock()
	invalid := func(what string) error { return fmt.Errorf("%s: ValidationError: %s", op, what) }
	switch {
	case in.Name == "" || len(in.Name) > 255:
		return invalid("invalid alarm name")
	case in.Namespace == "" || in.Metric == "":
		return invalid("a namespace and a metric name are required")
	case !slices.Contains(statistics, in.Statistic):
		return invalid("invalid statistic " + in.Statistic)
	case in.Period < time.Minute || in.Period%time.Minute != 0:
		return invalid("the period must be a multiple of 60 seconds")
	case in.EvaluationPeriods < 1:
		return invalid("EvaluationPeriods must be at least 1")
	}
	switch in.Comparison {
	case cloud.GreaterThanOrEqual, cloud.GreaterThan, cloud.LessThan, cloud.LessThanOrEqual:
	default:
		return invalid("invalid comparison operator " + string(in.Comparison))
	}
	switch in.TreatMissingData {
	case "":
		in.TreatMissingData = cloud.MissingMissing
	case cloud.MissingBreaching, cloud.MissingNotBreaching, cloud.MissingIgnore, cloud.MissingMissing:
	default:
		return invalid("invalid TreatMissingData " + string(in.TreatMissingData))
	}
	for _, t := range slices.Concat(in.AlarmActions, in.OKActions) {
		if arnService(t) != "sns" || arnRegion(t) != c.region || arnAccount(t) != c.a.id {
			return invalid("action " + t + " is not an SNS topic of this account in " + c.region)
		}
	}
	cs := c.a.cwState(c.region)
	in.ARN = "arn:aws:cloudwatch:" + c.region + ":" + c.a.id + ":alarm:" + in.Name
	in.Dimensions = maps.Clone(in.Dimensions)
	in.AlarmActions = slices.Clone(in.AlarmActions)
	in.OKActions = slices.Clone(in.OKActions)
	old, ok := cs.alarms[in.Name]
	al := &alarm{a: in, state: cloud.AlarmInsufficient, tags: cloneTags(in.Tags)}
	if ok {
		// As in CloudWatch, replacing an alarm keeps its tags and state
		// until the next evaluation.
		al.state, al.tags = old.state, old.tags
	}
	al.a.Tags, al.a.State = nil, ""
	cs.alarms[in.Name] = al
	return nil
}

func (c *alarms) Alarms(ctx context.Context, prefix string) ([]cloud.Alarm, error) {
	op := fmt.Sprintf("describe alarms %s* in %s", prefix, c.region)
	if _, err := c.a.lock(ctx, c.region); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer c.a.mu.Unlock()
	cs := c.a.cwState(c.region)
	var out []cloud.Alarm
	for _, name := range slices.Sorted(maps.Keys(cs.alarms)) {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		al := cs.alarms[name]
		x := al.a
		x.Dimensions = maps.Clone(x.Dimensions)
		x.AlarmActions = slices.Clone(x.AlarmActions)
		x.OKActions = slices.Clone(x.OKActions)
		x.State = al.state
		x.Tags = cloneTags(al.tags)
		out = append(out, x)
	}
	return out, nil
}

func (c *alarms) DeleteAlarms(ctx context.Context, names []string) error {
	op := fmt.Sprintf("delete alarms %s in %s", strings.Join(names, ", "), c.region)
	if _, err := c.a.lock(ctx, c.region); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer c.a.mu.Unlock()
	if len(names) > 100 {
		return fmt.Errorf("%s: ValidationError: at most 100 alarm names", op)
	}
	cs := c.a.cwState(c.region)
	for _, n := range names {
		delete(cs.alarms, n)
	}
	return nil
}

// SetAlarmActionsEnabled turns an alarm's actions on or off, as
// cloudwatch:DisableAlarmActions does (the cloud interface never does).
func (a *Account) SetAlarmActionsEnabled(region, name string, enabled bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	al, ok := a.cwState(region).alarms[name]
	if !ok {
		return fmt.Errorf("set actions of alarm %s in %s: %w", name, region, notFound("ResourceNotFound: alarm"))
	}
	al.a.ActionsEnabled = enabled
	return nil
}

// RunSchedules fires every enabled scheduled rule in every region once, as
// EventBridge does when a rule's schedule comes due: each target receives a
// "Scheduled Event" (source aws.events) whose resources name the rule.
func (a *Account) RunSchedules() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, region := range a.regions {
		rs := a.region[region]
		b := rs.buses[cloud.DefaultBus]
		for _, n := range slices.Sorted(maps.Keys(b.rules)) {
			r := b.rules[n]
			if r.r.Schedule == "" || r.r.State == cloud.RuleDisabled {
				continue
			}
			ev, err := a.eventJSON(region, cloud.Event{Source: "aws.events", DetailType: "Scheduled Event", Resources: []string{r.r.ARN}})
			if err != nil {
				panic(err) // a constant, valid event
			}
			a.ruleMetric(region, r, cloud.MetricMatchedEvents)
			a.invokeTargets(rs, r, ev, 0)
		}
	}
}

// EvaluateAlarms samples the queues' depth and evaluates every alarm at the
// account's clock. An alarm whose state changes notifies its actions (when
// enabled): the AlarmActions on entering ALARM, the OKActions on entering OK.
func (a *Account) EvaluateAlarms() {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	for _, region := range a.regions {
		rs := a.region[region]
		for _, q := range rs.queues {
			a.putMetric(region, cloud.NamespaceSQS, cloud.MetricMessagesVisible, map[string]string{"QueueName": q.name}, float64(q.visible(now)))
		}
		cs := a.cwState(region)
		for _, name := range slices.Sorted(maps.Keys(cs.alarms)) {
			al := cs.alarms[name]
			state := evaluate(al.a, al.state, cs.points, now)
			if state == al.state {
				continue
			}
			old := al.state
			al.state = state
			if !al.a.ActionsEnabled {
				continue
			}
			var actions []string
			switch state {
			case cloud.AlarmAlarm:
				actions = al.a.AlarmActions
			case cloud.AlarmOK:
				actions = al.a.OKActions
			}
			for _, t := range actions {
				if err := a.notify(rs, al.a, old, state, t); err != nil {
					a.failures = append(a.failures, Failure{Rule: al.a.ARN, Target: t, Err: err})
				}
			}
		}
	}
}

// evaluate returns an alarm's state at now: each of its evaluation periods,
// the latest ending at now, breaches or not by its statistic; a period without
// data counts as TreatMissingData says. The alarm is in ALARM when every
// period that counts breaches.
func evaluate(al cloud.Alarm, current cloud.AlarmState, points []datapoint, now time.Time) cloud.AlarmState {
	dims := dimKey(al.Dimensions)
	counted, breaching := 0, 0
	for i := range al.EvaluationPeriods {
		end := now.Add(-time.Duration(i) * al.Period)
		start := end.Add(-al.Period)
		var vals []float64
		for _, p := range points {
			if p.namespace == al.Namespace && p.metric == al.Metric && p.dims == dims && p.at.After(start) && !p.at.After(end) {
				vals = append(vals, p.value)
			}
		}
		if len(vals) == 0 {
			switch al.TreatMissingData {
			case cloud.MissingBreaching:
				counted++
				breaching++
			case cloud.MissingNotBreaching:
				counted++
			}
			continue
		}
		counted++
		if compare(al.Comparison, statistic(al.Statistic, vals), al.Threshold) {
			breaching++
		}
	}
	switch {
	case counted == 0 && al.TreatMissingData == cloud.MissingIgnore && current != "":
		return current
	case counted == 0:
		return cloud.AlarmInsufficient
	case breaching == counted:
		return cloud.AlarmAlarm
	}
	return cloud.AlarmOK
}

func statistic(stat string, vals []float64) float64 {
	sum, lo, hi := 0.0, vals[0], vals[0]
	for _, v := range vals {
		sum += v
		lo, hi = min(lo, v), max(hi, v)
	}
	switch stat {
	case "Maximum":
		return hi
	case "Minimum":
		return lo
	case "Average":
		return sum / float64(len(vals))
	case "SampleCount":
		return float64(len(vals))
	}
	return sum
}

func compare(c cloud.Comparison, v, threshold float64) bool {
	switch c {
	case cloud.GreaterThanOrEqual:
		return v >= threshold
	case cloud.GreaterThan:
		return v > threshold
	case cloud.LessThan:
		return v < threshold
	case cloud.LessThanOrEqual:
		return v <= threshold
	}
	return false
}

// notify publishes an alarm's state change to a topic, as CloudWatch does: the
// topic policy must let the alarm publish (the owner account, as SNS's default
// policy allows, or cloudwatch.amazonaws.com for the alarm's ARN), and an
// encrypted topic's key must let cloudwatch.amazonaws.com use it.
func (a *Account) notify(rs *regionState, al cloud.Alarm, from, to cloud.AlarmState, topicARN string) error {
	tp, err := rs.topic(topicARN)
	if err != nil {
		return err
	}
	keys := map[string]string{"aws:SourceArn": al.ARN, "aws:SourceAccount": a.id, "AWS:SourceOwner": a.id}
	byOwner, err := allows(tp.policy, request{aws: a.id, action: "SNS:Publish", resource: tp.arn, keys: keys})
	if err != nil {
		return fmt.Errorf("topic policy: %w", err)
	}
	byService, _ := allows(tp.policy, request{service: "cloudwatch.amazonaws.com", action: "SNS:Publish", resource: tp.arn, keys: keys})
	if denied, _ := deniesAny(tp.policy, request{service: "cloudwatch.amazonaws.com", action: "SNS:Publish", resource: tp.arn, keys: keys}); denied || !(byOwner || byService) {
		return errors.New("AuthorizationError: the topic policy does not let CloudWatch publish for this alarm")
	}
	if tp.kmsKey != "" {
		k, ok := rs.resolve(tp.kmsKey)
		if !ok {
			return notFound("KMS.NotFoundException: key %s", tp.kmsKey)
		}
		if err := k.usable(); err != nil {
			return err
		}
		for _, action := range []string{"kms:GenerateDataKey", "kms:Decrypt"} {
			if ok, err := allows(k.policy, request{service: "cloudwatch.amazonaws.com", action: action, resource: k.arn,
				keys: map[string]string{"aws:SourceAccount": a.id, "kms:EncryptionContext:aws:sns:topicArn": tp.arn}}); err != nil || !ok {
				return fmt.Errorf("KMS.AccessDeniedException: the policy of key %s does not let cloudwatch.amazonaws.com %s", tp.kmsKey, action)
			}
		}
	}
	msg, _ := json.Marshal(map[string]any{
		"AlarmName":        al.Name,
		"AlarmDescription": al.Description,
		"AWSAccountId":     a.id,
		"NewStateValue":    string(to),
		"OldStateValue":    string(from),
		"StateChangeTime":  a.now().UTC().Format("2006-01-02T15:04:05.000+0000"),
		"Region":           rs.name,
		"AlarmArn":         al.ARN,
		"Trigger": map[string]any{
			"MetricName": al.Metric, "Namespace": al.Namespace, "Statistic": al.Statistic,
			"Period": int(al.Period / time.Second), "EvaluationPeriods": al.EvaluationPeriods,
			"ComparisonOperator": string(al.Comparison), "Threshold": al.Threshold,
			"TreatMissingData": string(al.TreatMissingData),
		},
	})
	a.fanOut(rs, tp, fmt.Sprintf("%s: %q in %s", to, al.Name, rs.name), string(msg))
	return nil
}

// deniesAny reports whether an explicit Deny statement of policy applies to req.
func deniesAny(policy string, req request) (bool, error) {
	var doc struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return false, err
	}
	var stmts []statement
	if len(doc.Statement) > 0 && doc.Statement[0] == '{' {
		var s statement
		if err := json.Unmarshal(doc.Statement, &s); err != nil {
			return false, err
		}
		stmts = []statement{s}
	} else if err := json.Unmarshal(doc.Statement, &stmts); err != nil {
		return false, err
	}
	for _, s := range stmts {
		if s.Effect == "Deny" && s.applies(req) {
			return true, nil
		}
	}
	return false, nil
}

// validSchedule accepts EventBridge's schedule expressions: rate(N unit) with
// a singular unit for 1 and a plural one otherwise, or cron(six fields).
func validSchedule(s string) bool {
	switch {
	case strings.HasPrefix(s, "rate(") && strings.HasSuffix(s, ")"):
		f := strings.Fields(s[len("rate(") : len(s)-1])
		if len(f) != 2 {
			return false
		}
		n := 0
		for _, c := range f[0] {
			if c < '0' || c > '9' {
				return false
			}
			n = n*10 + int(c-'0')
		}
		unit := strings.TrimSuffix(f[1], "s")
		if n < 1 || (unit != "minute" && unit != "hour" && unit != "day") {
			return false
		}
		return (n == 1) == (f[1] == unit)
	case strings.HasPrefix(s, "cron(") && strings.HasSuffix(s, ")"):
		return len(strings.Fields(s[len("cron("):len(s)-1])) == 6
	}
	return false
}
