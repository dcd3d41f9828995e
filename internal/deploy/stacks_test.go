package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// scriptedStacks is CloudFormation as a script: every stack that is executed
// ends in the status the test names, with the events it names. (The stacks
// path against a real CloudFormation engine is tested on moto in
// cmd/rootwatch's deploy_cfn_moto.txtar and internal/cfn.)
type scriptedStacks struct {
	final  map[string]string             // region/stack -> status after execution
	events map[string][]cloud.StackEvent // region/stack -> events after execution
	stacks map[string]cloud.Stack
	sets   map[string]cloud.StackInput // region/stack/changeset
	log    []string
}

func newScripted() *scriptedStacks {
	return &scriptedStacks{final: map[string]string{}, events: map[string][]cloud.StackEvent{}, stacks: map[string]cloud.Stack{}, sets: map[string]cloud.StackInput{}}
}

func (s *scriptedStacks) Stacks(region string) cloud.Stacks { return &scriptedRegion{s, region} }
func (s *scriptedStacks) StackSets(region string) cloud.StackSets {
	panic("not used")
}

type scriptedRegion struct {
	s      *scriptedStacks
	region string
}

func (r *scriptedRegion) key(name string) string { return r.region + "/" + name }

func (r *scriptedRegion) Stack(ctx context.Context, name string) (cloud.Stack, error) {
	st, ok := r.s.stacks[r.key(name)]
	if !ok {
		return cloud.Stack{}, fmt.Errorf("describe stack %s: %w", name, cloud.ErrNotFound)
	}
	return st, nil
}
func (r *scriptedRegion) CreateStack(ctx context.Context, in cloud.StackInput) (string, error) {
	panic("deploy creates stacks through change sets")
}
func (r *scriptedRegion) DeleteStack(ctx context.Context, name string) error { panic("not used") }
func (r *scriptedRegion) Events(ctx context.Context, name string) ([]cloud.StackEvent, error) {
	if r.s.stacks[r.key(name)].Status == "REVIEW_IN_PROGRESS" {
		return nil, nil
	}
	return r.s.events[r.key(name)], nil
}
func (r *scriptedRegion) Resources(ctx context.Context, name string) ([]cloud.StackResource, error) {
	panic("not used")
}
func (r *scriptedRegion) CreateChangeSet(ctx context.Context, in cloud.StackInput, cs string, create bool) (string, error) {
	r.s.log = append(r.s.log, fmt.Sprintf("create-change-set %s %s %v", r.key(in.Name), cs, create))
	if _, ok := r.s.stacks[r.key(in.Name)]; !ok {
		r.s.stacks[r.key(in.Name)] = cloud.Stack{Name: in.Name, Status: "REVIEW_IN_PROGRESS"}
	}
	r.s.sets[r.key(in.Name)+"/"+cs] = in
	return cs, nil
}
func (r *scriptedRegion) ChangeSet(ctx context.Context, stack, cs string) (cloud.ChangeSet, error) {
	return cloud.ChangeSet{Name: cs, Status: "CREATE_COMPLETE", Changes: []cloud.ResourceChange{{Action: "Modify", LogicalID: "ForwardRule", Type: "AWS::Events::Rule", Replacement: "False"}}}, nil
}
func (r *scriptedRegion) ExecuteChangeSet(ctx context.Context, stack, cs string) error {
	r.s.log = append(r.s.log, "execute "+r.key(stack)+" "+cs)
	status := r.s.final[r.key(stack)]
	if status == "" {
		status = "CREATE_COMPLETE"
	}
	r.s.stacks[r.key(stack)] = cloud.Stack{Name: stack, Status: status, StatusReason: "scripted"}
	return nil
}
func (r *scriptedRegion) DeleteChangeSet(ctx context.Context, stack, cs string) error {
	r.s.log = append(r.s.log, "delete-change-set "+r.key(stack)+" "+cs)
	return nil
}

var stackNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// TestStacksFailureExplained: a stack that CloudFormation rolls back stops the
// deploy, and the error carries the events that say why, not the stacks after it.
func TestStacksFailureExplained(t *testing.T) {
	ctx := t.Context()
	a := fake.New()
	withTrail(t, a)
	s := newScripted()
	s.final["us-east-1/rootwatch"] = "ROLLBACK_COMPLETE"
	s.events["us-east-1/rootwatch"] = []cloud.StackEvent{
		{Time: stackNow.Add(3 * time.Second), LogicalID: "rootwatch", Type: "AWS::CloudFormation::Stack", Status: "ROLLBACK_COMPLETE"},
		{Time: stackNow.Add(1 * time.Second), LogicalID: "ForwarderRole", Type: "AWS::IAM::Role", Status: "CREATE_FAILED", StatusReason: "rootwatch-forwarder already exists in stack arn:aws:cloudformation:us-east-1:123456789012:stack/other"},
		{Time: stackNow.Add(2 * time.Second), LogicalID: "Bus", Type: "AWS::Events::EventBus", Status: "CREATE_FAILED", StatusReason: "Resource creation cancelled"},
	}
	p, err := PrepareStacks(ctx, a, s, opts("alice@example.com"), stackNow)
	if err != nil {
		t.Fatal(err)
	}
	if c, u := p.Counts(); c != 4 || u != 0 {
		t.Fatalf("plan: %d changes, %d unchanged; want 4 stacks to create (home, two forwarders, watch)", c, u)
	}
	p.Poll = time.Millisecond
	var progress []string
	p.OnEvent = func(stack, region string, e cloud.StackEvent) { progress = append(progress, e.LogicalID+" "+e.Status) }
	err = p.Apply(ctx, stackNow)
	var se *StackError
	if !errors.As(err, &se) {
		t.Fatalf("Apply: %v, want a StackError", err)
	}
	want := "stack rootwatch in us-east-1: ROLLBACK_COMPLETE (after 0 stacks applied): scripted\n" +
		"  ForwarderRole AWS::IAM::Role CREATE_FAILED: rootwatch-forwarder already exists in stack arn:aws:cloudformation:us-east-1:123456789012:stack/other\n" +
		"  Bus AWS::Events::EventBus CREATE_FAILED: Resource creation cancelled"
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ForwarderRole CREATE_FAILED", "Bus CREATE_FAILED", "rootwatch ROLLBACK_COMPLETE"}, progress); diff != "" {
		t.Errorf("progress, oldest first (-want +got):\n%s", diff)
	}
	for _, l := range s.log {
		if strings.Contains(l, "rootwatch-forwarder") {
			t.Errorf("a forwarder stack was touched after the home stack failed: %s", l)
		}
	}
}

// TestStacksDryRun: for stacks that exist, the plan is CloudFormation's
// change set, which a dry run deletes; stacks that do not exist are planned
// from the template without any call that changes the account.
func TestStacksDryRun(t *testing.T) {
	ctx := t.Context()
	a := fake.New()
	withTrail(t, a)
	s := newScripted()
	s.stacks["eu-west-1/rootwatch-forwarder"] = cloud.Stack{Name: "rootwatch-forwarder", Status: "CREATE_COMPLETE"}
	p, err := PrepareStacks(ctx, a, s, opts(), stackNow)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, st := range p.Stacks {
		got[st.Region+"/"+st.Name] = st.Action
	}
	if diff := cmp.Diff(map[string]string{"us-east-1/rootwatch": "create", "eu-west-1/rootwatch-forwarder": "update", "us-west-2/rootwatch-forwarder": "create", "us-east-1/rootwatch-watch": "create"}, got); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if err := p.Discard(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"create-change-set eu-west-1/rootwatch-forwarder rootwatch-20261130-120000 false",
		"delete-change-set eu-west-1/rootwatch-forwarder rootwatch-20261130-120000",
	}
	if diff := cmp.Diff(want, s.log); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestStacksRefuse(t *testing.T) {
	a := fake.New()
	withTrail(t, a)
	for _, o := range []chain.Options{
		{TopicARN: "arn:aws:sns:us-east-1:" + a.ID() + ":theirs", Regions: testRegions},
		{CreateTrail: true, Regions: testRegions},
	} {
		_, err := PrepareStacks(t.Context(), a, newScripted(), o, stackNow)
		var pe *PreflightError
		if !errors.As(err, &pe) || pe.Hint == "" {
			t.Errorf("options %+v: %v, want a preflight error with a hint", o, err)
		}
	}
	// No trail: refused before any stack is touched.
	s := newScripted()
	if _, err := PrepareStacks(t.Context(), fake.New(), s, opts(), stackNow); err == nil || !strings.Contains(err.Error(), "CloudTrail pre-flight failed") {
		t.Errorf("without a trail: %v", err)
	}
	if len(s.log) != 0 {
		t.Errorf("calls without a trail: %v", s.log)
	}
}
