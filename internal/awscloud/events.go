package awscloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

type events struct {
	c      *eventbridge.Client
	region string
	limit  int32 // page size of ListRules and ListTargetsByRule
}

func busName(name string) string {
	if name == "" {
		return cloud.DefaultBus
	}
	return name
}

func (e *events) tags(ctx context.Context, arn string) (cloud.Tags, error) {
	out, err := e.c.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	return ebTags(out.Tags), nil
}

func ebTags(ts []types.Tag) cloud.Tags {
	if len(ts) == 0 {
		return nil
	}
	m := cloud.Tags{}
	for _, t := range ts {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func toEBTags(t cloud.Tags) []types.Tag {
	var out []types.Tag
	for k, v := range t {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	sort.Slice(out, func(i, j int) bool { return *out[i].Key < *out[j].Key })
	return out
}

func (e *events) Bus(ctx context.Context, name string) (cloud.Bus, error) {
	name = busName(name)
	out, err := e.c.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String(name)})
	if err != nil {
		return cloud.Bus{}, errorf(err, "describe event bus %s in %s", name, e.region)
	}
	b := cloud.Bus{Name: aws.ToString(out.Name), ARN: aws.ToString(out.Arn), Policy: aws.ToString(out.Policy)}
	if b.Tags, err = e.tags(ctx, b.ARN); err != nil {
		return cloud.Bus{}, errorf(err, "list tags of event bus %s in %s", name, e.region)
	}
	return b, nil
}

func (e *events) CreateBus(ctx context.Context, name string, tags cloud.Tags) (cloud.Bus, error) {
	out, err := e.c.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(name), Tags: toEBTags(tags)})
	if err != nil {
		return cloud.Bus{}, errorf(err, "create event bus %s in %s", name, e.region)
	}
	return cloud.Bus{Name: name, ARN: aws.ToString(out.EventBusArn), Tags: cloneTags(tags)}, nil
}

func (e *events) TagBus(ctx context.Context, name string, tags cloud.Tags) error {
	b, err := e.c.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String(name)})
	if err != nil {
		return errorf(err, "tag event bus %s in %s", name, e.region)
	}
	if _, err := e.c.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: b.Arn, Tags: toEBTags(tags)}); err != nil {
		return errorf(err, "tag event bus %s in %s", name, e.region)
	}
	return nil
}

func cloneTags(t cloud.Tags) cloud.Tags {
	if len(t) == 0 {
		return nil
	}
	c := cloud.Tags{}
	for k, v := range t {
		c[k] = v
	}
	return c
}

// DeleteBus deletes a bus; a bus that does not exist is not an error (as in AWS).
func (e *events) DeleteBus(ctx context.Context, name string) error {
	_, err := e.c.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String(name)})
	if err != nil && !errors.Is(mapErr(err), cloud.ErrNotFound) {
		return errorf(err, "delete event bus %s in %s", name, e.region)
	}
	return nil
}

func (e *events) Rules(ctx context.Context, bus, prefix string) ([]cloud.Rule, error) {
	bus = busName(bus)
	in := &eventbridge.ListRulesInput{EventBusName: aws.String(bus), Limit: aws.Int32(e.limit)}
	if prefix != "" {
		in.NamePrefix = aws.String(prefix)
	}
	var rules []cloud.Rule
	for {
		out, err := e.c.ListRules(ctx, in)
		if err != nil {
			return nil, errorf(err, "list rules on bus %s in %s", bus, e.region)
		}
		for _, r := range out.Rules {
			rule := cloud.Rule{
				Name:        aws.ToString(r.Name),
				Bus:         bus,
				ARN:         aws.ToString(r.Arn),
				Pattern:     aws.ToString(r.EventPattern),
				Schedule:    aws.ToString(r.ScheduleExpression),
				State:       cloud.RuleState(r.State),
				Description: aws.ToString(r.Description),
			}
			if rule.Tags, err = e.tags(ctx, rule.ARN); err != nil {
				return nil, errorf(err, "list tags of rule %s on bus %s in %s", rule.Name, bus, e.region)
			}
			rules = append(rules, rule)
		}
		if aws.ToString(out.NextToken) == "" {
			return rules, nil
		}
		in.NextToken = out.NextToken
	}
}

func (e *events) Rule(ctx context.Context, bus, name string) (cloud.Rule, error) {
	bus = busName(bus)
	out, err := e.c.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(name), EventBusName: aws.String(bus)})
	if err != nil {
		return cloud.Rule{}, errorf(err, "describe rule %s on bus %s in %s", name, bus, e.region)
	}
	r := cloud.Rule{
		Name:        aws.ToString(out.Name),
		Bus:         bus,
		ARN:         aws.ToString(out.Arn),
		Pattern:     aws.ToString(out.EventPattern),
		Schedule:    aws.ToString(out.ScheduleExpression),
		State:       cloud.RuleState(out.State),
		Description: aws.ToString(out.Description),
	}
	if r.Tags, err = e.tags(ctx, r.ARN); err != nil {
		return cloud.Rule{}, errorf(err, "list tags of rule %s on bus %s in %s", name, bus, e.region)
	}
	return r, nil
}

func (e *events) PutRule(ctx context.Context, r cloud.Rule) (string, error) {
	bus := busName(r.Bus)
	in := &eventbridge.PutRuleInput{
		Name:         aws.String(r.Name),
		EventBusName: aws.String(bus),
		Tags:         toEBTags(r.Tags),
	}
	if r.Pattern != "" {
		in.EventPattern = aws.String(r.Pattern)
	}
	if r.Schedule != "" {
		in.ScheduleExpression = aws.String(r.Schedule)
	}
	if r.State != "" {
		in.State = types.RuleState(r.State)
	}
	if r.Description != "" {
		in.Description = aws.String(r.Description)
	}
	out, err := e.c.PutRule(ctx, in)
	if err != nil {
		return "", errorf(err, "put rule %s on bus %s in %s", r.Name, bus, e.region)
	}
	return aws.ToString(out.RuleArn), nil
}

// DeleteRule deletes a rule; a rule that does not exist is not an error (as in
// AWS).
func (e *events) DeleteRule(ctx context.Context, bus, name string) error {
	bus = busName(bus)
	_, err := e.c.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(name), EventBusName: aws.String(bus)})
	if err != nil && !errors.Is(mapErr(err), cloud.ErrNotFound) {
		return errorf(err, "delete rule %s on bus %s in %s", name, bus, e.region)
	}
	return nil
}

func (e *events) Targets(ctx context.Context, bus, rule string) ([]cloud.Target, error) {
	bus = busName(bus)
	in := &eventbridge.ListTargetsByRuleInput{Rule: aws.String(rule), EventBusName: aws.String(bus), Limit: aws.Int32(e.limit)}
	var ts []cloud.Target
	for {
		out, err := e.c.ListTargetsByRule(ctx, in)
		if err != nil {
			return nil, errorf(err, "list targets of rule %s on bus %s in %s", rule, bus, e.region)
		}
		for _, t := range out.Targets {
			ts = append(ts, fromTarget(t))
		}
		if aws.ToString(out.NextToken) == "" {
			return ts, nil
		}
		in.NextToken = out.NextToken
	}
}

func fromTarget(t types.Target) cloud.Target {
	c := cloud.Target{ID: aws.ToString(t.Id), ARN: aws.ToString(t.Arn), RoleARN: aws.ToString(t.RoleArn),
		ConstantInput: aws.ToString(t.Input), InputPath: aws.ToString(t.InputPath)}
	if it := t.InputTransformer; it != nil {
		c.Input = &cloud.InputTransformer{Paths: it.InputPathsMap, Template: aws.ToString(it.InputTemplate)}
		if len(c.Input.Paths) == 0 {
			c.Input.Paths = nil
		}
	}
	if t.DeadLetterConfig != nil {
		c.DeadLetterARN = aws.ToString(t.DeadLetterConfig.Arn)
	}
	if rp := t.RetryPolicy; rp != nil {
		c.MaxAttempts = int(aws.ToInt32(rp.MaximumRetryAttempts))
		c.MaxAge = time.Duration(aws.ToInt32(rp.MaximumEventAgeInSeconds)) * time.Second
	}
	return c
}

func toTarget(c cloud.Target) types.Target {
	t := types.Target{Id: aws.String(c.ID), Arn: aws.String(c.ARN)}
	if c.RoleARN != "" {
		t.RoleArn = aws.String(c.RoleARN)
	}
	if c.ConstantInput != "" {
		t.Input = aws.String(c.ConstantInput)
	}
	if c.InputPath != "" {
		t.InputPath = aws.String(c.InputPath)
	}
	if c.Input != nil {
		t.InputTransformer = &types.InputTransformer{InputPathsMap: c.Input.Paths, InputTemplate: aws.String(c.Input.Template)}
	}
	if c.DeadLetterARN != "" {
		t.DeadLetterConfig = &types.DeadLetterConfig{Arn: aws.String(c.DeadLetterARN)}
	}
	if c.MaxAttempts != 0 || c.MaxAge != 0 {
		t.RetryPolicy = &types.RetryPolicy{}
		if c.MaxAttempts != 0 {
			t.RetryPolicy.MaximumRetryAttempts = aws.Int32(int32(c.MaxAttempts))
		}
		if c.MaxAge != 0 {
			t.RetryPolicy.MaximumEventAgeInSeconds = aws.Int32(int32(c.MaxAge / time.Second))
		}
	}
	return t
}

func (e *events) PutTargets(ctx context.Context, bus, rule string, targets []cloud.Target) error {
	bus = busName(bus)
	in := &eventbridge.PutTargetsInput{Rule: aws.String(rule), EventBusName: aws.String(bus)}
	for _, t := range targets {
		in.Targets = append(in.Targets, toTarget(t))
	}
	out, err := e.c.PutTargets(ctx, in)
	if err != nil {
		return errorf(err, "put targets on rule %s on bus %s in %s", rule, bus, e.region)
	}
	if out.FailedEntryCount > 0 {
		var msgs []string
		for _, f := range out.FailedEntries {
			msgs = append(msgs, fmt.Sprintf("target %s: %s: %s", aws.ToString(f.TargetId), aws.ToString(f.ErrorCode), aws.ToString(f.ErrorMessage)))
		}
		return fmt.Errorf("put targets on rule %s on bus %s in %s: %s", rule, bus, e.region, strings.Join(msgs, "; "))
	}
	return nil
}

func (e *events) RemoveTargets(ctx context.Context, bus, rule string, ids []string) error {
	bus = busName(bus)
	out, err := e.c.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(rule), EventBusName: aws.String(bus), Ids: ids})
	if err != nil {
		return errorf(err, "remove targets from rule %s on bus %s in %s", rule, bus, e.region)
	}
	if out.FailedEntryCount > 0 {
		var msgs []string
		for _, f := range out.FailedEntries {
			msgs = append(msgs, fmt.Sprintf("target %s: %s: %s", aws.ToString(f.TargetId), aws.ToString(f.ErrorCode), aws.ToString(f.ErrorMessage)))
		}
		return fmt.Errorf("remove targets from rule %s on bus %s in %s: %s", rule, bus, e.region, strings.Join(msgs, "; "))
	}
	return nil
}

// resultSeen is the metadata key under which sniffResult records whether a
// TestEventPattern answer had a Result field.
type resultSeen struct{}

// sniffResult reads the raw TestEventPattern response, which the SDK decodes
// into a plain bool: an answer without a Result field (moto's) would otherwise
// read as "does not match".
func sniffResult(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("rootwatchSniffResult",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if err != nil {
				return out, md, err
			}
			resp, ok := out.RawResponse.(*smithyhttp.Response)
			if !ok || resp.Body == nil {
				return out, md, nil
			}
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			if rerr != nil {
				return out, md, rerr
			}
			var m map[string]json.RawMessage
			has := false
			if json.Unmarshal(body, &m) == nil {
				_, has = m["Result"]
			}
			md.Set(resultSeen{}, has)
			return out, md, nil
		}), middleware.After)
}

func (e *events) TestPattern(ctx context.Context, pattern, event string) (bool, error) {
	out, err := e.c.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{EventPattern: aws.String(pattern), Event: aws.String(event)},
		func(o *eventbridge.Options) { o.APIOptions = append(o.APIOptions, sniffResult) })
	if err != nil {
		return false, errorf(err, "test event pattern in %s", e.region)
	}
	if seen, _ := out.ResultMetadata.Get(resultSeen{}).(bool); !seen {
		return false, fmt.Errorf("test event pattern in %s: the answer has no Result: %w", e.region, cloud.ErrUnsupported)
	}
	return out.Result, nil
}

func (e *events) PutEvents(ctx context.Context, bus string, evs []cloud.Event) error {
	bus = busName(bus)
	for start := 0; start < len(evs); start += 10 {
		in := &eventbridge.PutEventsInput{}
		for _, ev := range evs[start:min(start+10, len(evs))] {
			entry := types.PutEventsRequestEntry{
				EventBusName: aws.String(bus),
				Source:       aws.String(ev.Source),
				DetailType:   aws.String(ev.DetailType),
				Detail:       aws.String(ev.Detail),
				Resources:    ev.Resources,
			}
			if ev.Detail == "" {
				entry.Detail = aws.String("{}")
			}
			if !ev.Time.IsZero() {
				entry.Time = aws.Time(ev.Time)
			}
			in.Entries = append(in.Entries, entry)
		}
		out, err := e.c.PutEvents(ctx, in)
		if err != nil {
			return errorf(err, "put events on bus %s in %s", bus, e.region)
		}
		if out.FailedEntryCount > 0 {
			var msgs []string
			notFound := false
			for i, r := range out.Entries {
				if aws.ToString(r.ErrorCode) != "" {
					msgs = append(msgs, fmt.Sprintf("entry %d: %s: %s", start+i, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage)))
					notFound = notFound || aws.ToString(r.ErrorCode) == "ResourceNotFoundException"
				}
			}
			err := fmt.Errorf("put events on bus %s in %s: %s", bus, e.region, strings.Join(msgs, "; "))
			if notFound {
				err = fmt.Errorf("%w: %w", err, cloud.ErrNotFound)
			}
			return err
		}
	}
	return nil
}
