package fake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// props are a resource's properties, resolved, with what the resource type
// reads taken out one by one so that an unknown property fails the stack.
type props struct {
	id, typ string
	raw     map[string]json.RawMessage
	env     *stackEnv
	err     error
}

func (p *props) take(name string) (any, bool) {
	r, ok := p.raw[name]
	if !ok || p.err != nil {
		return nil, false
	}
	delete(p.raw, name)
	var v any
	if err := json.Unmarshal(r, &v); err != nil {
		p.err = err
		return nil, false
	}
	v, err := p.env.resolve(v)
	if err != nil {
		p.err = err
		return nil, false
	}
	if v == (noValue{}) {
		return nil, false // Ref AWS::NoValue: as if the property were not there
	}
	return v, true
}

func (p *props) str(name string, required bool) string {
	v, ok := p.take(name)
	if !ok {
		if required && p.err == nil {
			p.err = fmt.Errorf("property %s is required", name)
		}
		return ""
	}
	s, isStr := v.(string)
	if !isStr && p.err == nil {
		p.err = fmt.Errorf("property %s must be a string", name)
	}
	return s
}

// doc is a JSON-typed property (a policy document): its resolved JSON.
func (p *props) doc(name string) string {
	v, ok := p.take(name)
	if !ok {
		if p.err == nil {
			p.err = fmt.Errorf("property %s is required", name)
		}
		return ""
	}
	if s, isStr := v.(string); isStr {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		p.err = err
	}
	return string(b)
}

// raw JSON of a property, unresolved, compacted: an event pattern keeps its
// members' order, as CloudFormation passes it on.
func (p *props) rawJSON(name string) string {
	r, ok := p.raw[name]
	if !ok {
		return ""
	}
	delete(p.raw, name)
	var b bytes.Buffer
	if err := json.Compact(&b, r); err != nil {
		p.err = err
	}
	// A value written as a Fn::Sub (a beat rule's resources) is resolved in
	// place, so the members keep their order, as CloudFormation passes them.
	return subValue.ReplaceAllStringFunc(b.String(), func(m string) string {
		var v any
		if err := json.Unmarshal([]byte(m), &v); err != nil {
			p.err = err
			return m
		}
		v, err := p.env.resolve(v)
		if err != nil {
			p.err = err
			return m
		}
		out, err := json.Marshal(v)
		if err != nil {
			p.err = err
			return m
		}
		return string(out)
	})
}

// subValue matches a Fn::Sub object in compact JSON.
var subValue = regexp.MustCompile(`\{"Fn::Sub":"(?:[^"\\]|\\.)*"\}`)

// alarm reads an AWS::CloudWatch::Alarm's properties.
func (p *props) alarm() (cloud.Alarm, error) {
	a := cloud.Alarm{Name: p.str("AlarmName", true), Description: p.str("AlarmDescription", false), Namespace: p.str("Namespace", true),
		Metric: p.str("MetricName", true), Statistic: p.str("Statistic", true), Comparison: cloud.Comparison(p.str("ComparisonOperator", true)),
		TreatMissingData: cloud.MissingData(p.str("TreatMissingData", false)), AlarmActions: p.list("AlarmActions"), Tags: p.tags(), ActionsEnabled: true}
	num := func(name string) float64 {
		v, ok := p.take(name)
		f, isNum := v.(float64)
		if (!ok || !isNum) && p.err == nil {
			p.err = fmt.Errorf("property %s: a number is required", name)
		}
		return f
	}
	a.Period = time.Duration(num("Period")) * time.Second
	a.EvaluationPeriods = int(num("EvaluationPeriods"))
	a.Threshold = num("Threshold")
	if v, ok := p.take("ActionsEnabled"); ok {
		a.ActionsEnabled, _ = v.(bool)
	}
	if v, ok := p.take("Dimensions"); ok {
		a.Dimensions = map[string]string{}
		l, _ := v.([]any)
		for _, el := range l {
			m, _ := el.(map[string]any)
			k, _ := m["Name"].(string)
			val, _ := m["Value"].(string)
			a.Dimensions[k] = val
		}
	}
	return a, p.done()
}

func (p *props) tags() cloud.Tags {
	t := cloud.Tags{}
	maps.Copy(t, p.env.fs.input.Tags)
	if v, ok := p.take("Tags"); ok {
		l, _ := v.([]any)
		for _, kv := range l {
			m, _ := kv.(map[string]any)
			k, _ := m["Key"].(string)
			val, _ := m["Value"].(string)
			t[k] = val
		}
	}
	// What CloudFormation adds to every resource it tags.
	t[cloud.StackTag] = p.env.fs.Name
	t["aws:cloudformation:logical-id"] = p.id
	t["aws:cloudformation:stack-id"] = p.env.fs.ID
	return t
}

func (p *props) done() error {
	if p.err == nil && len(p.raw) > 0 {
		p.err = fmt.Errorf("properties not supported by the fake: %v", slices.Sorted(maps.Keys(p.raw)))
	}
	if p.err != nil {
		return fmt.Errorf("%s (%s): %w", p.id, p.typ, p.err)
	}
	return nil
}

// create creates resource id through the account's services.
func (e *stackEnv) create(ctx context.Context, id string) (stackRes, error) {
	res := e.t.resources[id]
	p := &props{id: id, typ: res.Type, raw: map[string]json.RawMessage{}, env: e}
	if len(res.Properties) > 0 {
		if err := json.Unmarshal(res.Properties, &p.raw); err != nil {
			return stackRes{}, fmt.Errorf("%s: properties: %w", id, err)
		}
	}
	a, region := e.s.a, e.s.region
	r := stackRes{StackResource: cloud.StackResource{LogicalID: id, Type: res.Type, Status: "CREATE_COMPLETE"}, props: res.Properties, attrs: map[string]string{}}
	switch res.Type {
	case "AWS::Events::EventBus":
		name, tags := p.str("Name", true), p.tags()
		if err := p.done(); err != nil {
			return r, err
		}
		b, err := a.Events(region).CreateBus(ctx, name, tags)
		if err != nil {
			return r, err
		}
		r.PhysicalID, r.attrs["Ref"], r.attrs["Name"], r.attrs["Arn"] = name, name, name, b.ARN
		r.undo = func(ctx context.Context) error { return a.Events(region).DeleteBus(ctx, name) }

	case "AWS::Events::Rule":
		rule := cloud.Rule{Name: p.str("Name", true), Bus: p.str("EventBusName", false), Pattern: p.rawJSON("EventPattern"),
			Schedule: p.str("ScheduleExpression", false), State: cloud.RuleState(p.str("State", false)), Description: p.str("Description", false), Tags: p.tags()}
		if rule.Bus == "" {
			rule.Bus = cloud.DefaultBus
		}
		if rule.State == "" {
			rule.State = cloud.RuleEnabled
		}
		var targets []cloud.Target
		if v, ok := p.take("Targets"); ok {
			l, _ := v.([]any)
			for _, el := range l {
				t, err := readTarget(el)
				if err != nil {
					p.err = err
				}
				targets = append(targets, t)
			}
		}
		if err := p.done(); err != nil {
			return r, err
		}
		ev := a.Events(region)
		arn, err := ev.PutRule(ctx, rule)
		if err != nil {
			return r, err
		}
		if len(targets) > 0 {
			if err := ev.PutTargets(ctx, rule.Bus, rule.Name, targets); err != nil {
				ev.DeleteRule(ctx, rule.Bus, rule.Name)
				return r, err
			}
		}
		r.PhysicalID, r.attrs["Ref"], r.attrs["Arn"] = rule.Name, rule.Name, arn
		r.undo = func(ctx context.Context) error {
			var ids []string
			for _, t := range targets {
				ids = append(ids, t.ID)
			}
			if len(ids) > 0 {
				if err := ev.RemoveTargets(ctx, rule.Bus, rule.Name, ids); err != nil {
					return err
				}
			}
			return ev.DeleteRule(ctx, rule.Bus, rule.Name)
		}

	case "AWS::SNS::Topic":
		name, tags := p.str("TopicName", true), p.tags()
		if err := p.done(); err != nil {
			return r, err
		}
		arn, err := a.Topics(region).CreateTopic(ctx, name, tags)
		if err != nil {
			return r, err
		}
		r.PhysicalID, r.attrs["Ref"], r.attrs["TopicArn"], r.attrs["TopicName"] = arn, arn, arn, name
		r.undo = func(ctx context.Context) error { return a.Topics(region).DeleteTopic(ctx, arn) }

	case "AWS::SNS::TopicPolicy":
		topics, doc := p.list("Topics"), p.doc("PolicyDocument")
		if err := p.done(); err != nil {
			return r, err
		}
		for _, arn := range topics {
			if err := a.Topics(region).SetTopicPolicy(ctx, arn, doc); err != nil {
				return r, err
			}
		}
		r.PhysicalID = id
		r.undo = func(ctx context.Context) error { return nil } // AWS puts the topic's default policy back; the topic goes with its stack

	case "AWS::SNS::Subscription":
		topic, protocol, endpoint := p.str("TopicArn", true), p.str("Protocol", true), p.str("Endpoint", true)
		if err := p.done(); err != nil {
			return r, err
		}
		arn, err := a.Topics(region).Subscribe(ctx, topic, protocol, endpoint, false)
		if err != nil {
			return r, err
		}
		r.PhysicalID, r.attrs["Ref"] = arn, arn
		r.undo = func(ctx context.Context) error { return nil } // deleted with the topic

	case "AWS::SQS::Queue":
		name, tags := p.str("QueueName", true), p.tags()
		if err := p.done(); err != nil {
			return r, err
		}
		q, err := a.Queues(region).CreateQueue(ctx, name, "", tags)
		if err != nil {
			return r, err
		}
		r.PhysicalID, r.attrs["Ref"], r.attrs["Arn"], r.attrs["QueueName"] = q.URL, q.URL, q.ARN, name
		r.undo = func(ctx context.Context) error { return a.Queues(region).DeleteQueue(ctx, q.URL) }

	case "AWS::SQS::QueuePolicy":
		queues, doc := p.list("Queues"), p.doc("PolicyDocument")
		if err := p.done(); err != nil {
			return r, err
		}
		for _, u := range queues {
			if err := a.Queues(region).SetQueuePolicy(ctx, u, doc); err != nil {
				return r, err
			}
		}
		r.PhysicalID = id
		r.undo = func(ctx context.Context) error {
			for _, u := range queues {
				a.Queues(region).SetQueuePolicy(ctx, u, "")
			}
			return nil
		}

	case "AWS::IAM::Role":
		role := cloud.Role{Name: p.str("RoleName", true), Description: p.str("Description", false), Trust: p.doc("AssumeRolePolicyDocument"), Tags: p.tags(),
			PermissionsBoundary: p.str("PermissionsBoundary", false)}
		type inline struct{ name, doc string }
		var policies []inline
		if v, ok := p.take("Policies"); ok {
			l, _ := v.([]any)
			for _, el := range l {
				m, _ := el.(map[string]any)
				name, _ := m["PolicyName"].(string)
				b, err := json.Marshal(m["PolicyDocument"])
				if err != nil || name == "" {
					p.err = fmt.Errorf("property Policies: a policy needs PolicyName and PolicyDocument")
				}
				policies = append(policies, inline{name, string(b)})
			}
		}
		if err := p.done(); err != nil {
			return r, err
		}
		roles := a.Roles()
		arn, err := roles.CreateRole(ctx, role)
		if err != nil {
			return r, err
		}
		for _, pol := range policies {
			if err := roles.PutRolePolicy(ctx, role.Name, pol.name, pol.doc); err != nil {
				roles.DeleteRole(ctx, role.Name)
				return r, err
			}
		}
		r.PhysicalID, r.attrs["Ref"], r.attrs["Arn"] = role.Name, role.Name, arn
		r.undo = func(ctx context.Context) error {
			for _, pol := range policies {
				roles.DeleteRolePolicy(ctx, role.Name, pol.name)
			}
			return roles.DeleteRole(ctx, role.Name)
		}

	case "AWS::Events::EventBusPolicy":
		// AWS's PutPermission with a Statement: the statement, its Sid the
		// StatementId, in the bus's policy.
		bus, sid := p.str("EventBusName", true), p.str("StatementId", true)
		st, ok := p.take("Statement")
		m, _ := st.(map[string]any)
		if !ok || m == nil {
			p.err = fmt.Errorf("property Statement: an object is required")
		}
		if err := p.done(); err != nil {
			return r, err
		}
		m["Sid"] = sid
		doc, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{m}})
		if err != nil {
			return r, err
		}
		ev := a.Events(region)
		if err := ev.SetBusPolicy(ctx, bus, string(doc)); err != nil {
			return r, err
		}
		r.PhysicalID = sid
		r.undo = func(ctx context.Context) error { return ev.SetBusPolicy(ctx, bus, "") }

	case "AWS::CloudWatch::Alarm":
		al, err := p.alarm()
		if err != nil {
			return r, err
		}
		cw := a.Alarms(region)
		if err := cw.PutAlarm(ctx, al); err != nil {
			return r, err
		}
		r.PhysicalID, r.attrs["Ref"] = al.Name, al.Name
		r.undo = func(ctx context.Context) error { return cw.DeleteAlarms(ctx, []string{al.Name}) }

	default:
		return r, fmt.Errorf("%s: resource type %s is not supported by the fake", id, res.Type)
	}
	return r, nil
}

func (p *props) list(name string) []string {
	v, ok := p.take(name)
	l, isList := v.([]any)
	if !ok || !isList {
		if p.err == nil {
			p.err = fmt.Errorf("property %s must be a list", name)
		}
		return nil
	}
	var out []string
	for _, el := range l {
		s, _ := el.(string)
		out = append(out, s)
	}
	return out
}

// readTarget reads a rule target's resolved properties.
func readTarget(v any) (cloud.Target, error) {
	m, _ := v.(map[string]any)
	var t cloud.Target
	num := func(x any) int { f, _ := x.(float64); return int(f) }
	for k, el := range m {
		switch k {
		case "Id":
			t.ID, _ = el.(string)
		case "Arn":
			t.ARN, _ = el.(string)
		case "RoleArn":
			t.RoleARN, _ = el.(string)
		case "DeadLetterConfig":
			dl, _ := el.(map[string]any)
			t.DeadLetterARN, _ = dl["Arn"].(string)
		case "RetryPolicy":
			rp, _ := el.(map[string]any)
			t.MaxAttempts = num(rp["MaximumRetryAttempts"])
			t.MaxAge = time.Duration(num(rp["MaximumEventAgeInSeconds"])) * time.Second
		case "InputTransformer":
			it, _ := el.(map[string]any)
			paths := map[string]string{}
			pm, _ := it["InputPathsMap"].(map[string]any)
			for pk, pv := range pm {
				paths[pk], _ = pv.(string)
			}
			tmpl, _ := it["InputTemplate"].(string)
			t.Input = &cloud.InputTransformer{Paths: paths, Template: tmpl}
		default:
			return t, fmt.Errorf("target property %s not supported by the fake", k)
		}
	}
	return t, nil
}

// noStackSets is StackSets on the fake: not implemented.
type noStackSets struct{}

func (noStackSets) err(op string) error {
	return fmt.Errorf("%s: StackSets span accounts, which the fake does not: %w", op, cloud.ErrUnsupported)
}
func (n noStackSets) CreateStackSet(context.Context, cloud.StackSetInput) (string, error) {
	return "", n.err("create StackSet")
}
func (n noStackSets) AddInstances(context.Context, string, []string, []string, []string) (string, error) {
	return "", n.err("create stack instances")
}
func (n noStackSets) Operation(context.Context, string, string) (string, string, error) {
	return "", "", n.err("describe StackSet operation")
}
func (n noStackSets) Instances(context.Context, string) ([]cloud.StackInstance, error) {
	return nil, n.err("list stack instances")
}
func (n noStackSets) RemoveInstances(context.Context, string, []string, []string, []string) (string, error) {
	return "", n.err("delete stack instances")
}
func (n noStackSets) DeleteStackSet(context.Context, string) error { return n.err("delete StackSet") }
