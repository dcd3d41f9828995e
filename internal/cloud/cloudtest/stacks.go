package cloudtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// stackTemplate is a small template of the kinds rootwatch's use: a queue, a
// rule on the default bus targeting it (GetAtt, Ref, Sub, a parameter).
const stackTemplate = `{
	"AWSTemplateFormatVersion": "2010-09-09",
	"Parameters": {"Suffix": {"Type": "String"}},
	"Resources": {
		"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "rw-stack-${Suffix}"}, "Tags": [{"Key": "rootwatch:managed", "Value": "true"}]}},
		"Rule": {"Type": "AWS::Events::Rule", "Properties": {
			"Name": {"Fn::Sub": "rw-stack-${Suffix}"},
			"EventPattern": {"source": ["rw.test"]},
			"State": "ENABLED",
			"Targets": [{"Id": "q", "Arn": {"Fn::GetAtt": ["Queue", "Arn"]}}]
		}}
	},
	"Outputs": {"QueueUrl": {"Value": {"Ref": "Queue"}}}
}`

// RunStacks runs the conformance suite of cloud.Stacks: what
// deploy --via cloudformation relies on. open returns a fresh account.
func RunStacks(t *testing.T, open func(t *testing.T) cloud.StackAccount) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const region = "us-east-1"
	a := open(t)
	st := a.Stacks(region)
	if _, err := st.Stack(ctx, "rw-stack"); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("Stack of a missing stack: %v, want ErrNotFound", err)
	}
	in := cloud.StackInput{Name: "rw-stack", Template: stackTemplate, Parameters: map[string]string{"Suffix": "a"}, Tags: cloud.Tags{"rootwatch:managed": "true"}}
	if _, err := st.CreateStack(ctx, in); err != nil {
		t.Fatal(err)
	}
	s := waitStack(t, ctx, st, in.Name)
	if s.Status != "CREATE_COMPLETE" || s.Parameters["Suffix"] != "a" || s.Tags["rootwatch:managed"] != "true" || !strings.HasSuffix(s.Outputs["QueueUrl"], "/rw-stack-a") {
		t.Fatalf("after CreateStack: %+v", s)
	}
	res, err := st.Resources(ctx, in.Name)
	check(t, "Resources", err)
	types := map[string]string{}
	for _, r := range res {
		types[r.LogicalID] = r.Type
	}
	if len(res) != 2 || types["Queue"] != "AWS::SQS::Queue" || types["Rule"] != "AWS::Events::Rule" {
		t.Errorf("Resources: %+v", res)
	}
	events, err := st.Events(ctx, in.Name)
	check(t, "Events", err)
	if len(events) == 0 || events[0].LogicalID != in.Name || events[0].Status != "CREATE_COMPLETE" {
		t.Errorf("Events, newest first: %+v", events)
	}
	// What the stack made, through the services.
	targets, err := a.(cloud.Account).Events(region).Targets(ctx, cloud.DefaultBus, "rw-stack-a")
	check(t, "Targets of the stack's rule", err)
	if len(targets) != 1 || !strings.HasSuffix(targets[0].ARN, ":rw-stack-a") {
		t.Errorf("the stack's rule targets %+v", targets)
	}

	// A change set that changes the template (the rule's state) and the
	// parameter (which renames both).
	in.Template = strings.Replace(stackTemplate, `"State": "ENABLED"`, `"State": "DISABLED"`, 1)
	in.Parameters = map[string]string{"Suffix": "b"}
	if _, err := st.CreateChangeSet(ctx, in, "rw-change", false); err != nil {
		t.Fatal(err)
	}
	cs := waitChangeSet(t, ctx, st, in.Name, "rw-change")
	if cs.Status != "CREATE_COMPLETE" || len(cs.Changes) == 0 {
		t.Fatalf("change set: %+v", cs)
	}
	for _, c := range cs.Changes {
		if c.Action != "Modify" && c.Action != "Add" && c.Action != "Remove" {
			t.Errorf("change set action %q", c.Action)
		}
	}
	check(t, "ExecuteChangeSet", st.ExecuteChangeSet(ctx, in.Name, "rw-change"))
	if s := waitStack(t, ctx, st, in.Name); s.Status != "UPDATE_COMPLETE" || s.Parameters["Suffix"] != "b" {
		t.Fatalf("after the change set: %+v", s)
	}
	if r, err := a.(cloud.Account).Events(region).Rule(ctx, cloud.DefaultBus, "rw-stack-b"); err != nil || r.State != cloud.RuleDisabled {
		t.Errorf("the updated stack's rule: %+v, %v", r, err)
	}

	// DeleteStack removes what the stack made, and is idempotent.
	check(t, "DeleteStack", st.DeleteStack(ctx, in.Name))
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := st.Stack(ctx, in.Name)
		if errors.Is(err, cloud.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stack still there after DeleteStack: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := a.(cloud.Account).Queues(region).Queue(ctx, "rw-stack-b"); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("queue after DeleteStack: %v", err)
	}
	check(t, "DeleteStack of a deleted stack", st.DeleteStack(ctx, in.Name))
}

func waitStack(t *testing.T, ctx context.Context, st cloud.Stacks, name string) cloud.Stack {
	t.Helper()
	for {
		s, err := st.Stack(ctx, name)
		check(t, "Stack", err)
		if !strings.HasSuffix(s.Status, "_IN_PROGRESS") {
			return s
		}
		select {
		case <-ctx.Done():
			t.Fatalf("stack %s still %s", name, s.Status)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func waitChangeSet(t *testing.T, ctx context.Context, st cloud.Stacks, stack, name string) cloud.ChangeSet {
	t.Helper()
	for {
		cs, err := st.ChangeSet(ctx, stack, name)
		check(t, "ChangeSet", err)
		if cs.Status != "CREATE_PENDING" && cs.Status != "CREATE_IN_PROGRESS" {
			return cs
		}
		select {
		case <-ctx.Done():
			t.Fatalf("change set %s still %s", name, cs.Status)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
