package fake_test

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// TestSetKeyState: a customer key's state is read back; an AWS managed key's
// cannot change, as in KMS.
func TestSetKeyState(t *testing.T) {
	a := fake.New()
	k, err := a.CreateKey("us-east-1", "", `{"Statement":[]}`)
	if err != nil {
		t.Fatal(err)
	}
	if k.State != cloud.KeyEnabled {
		t.Errorf("new key state %q, want Enabled", k.State)
	}
	for _, s := range []cloud.KeyState{cloud.KeyDisabled, cloud.KeyPendingDeletion, cloud.KeyEnabled} {
		if err := a.SetKeyState("us-east-1", k.ID, s); err != nil {
			t.Fatal(err)
		}
		got, err := a.Keys("us-east-1").Key(t.Context(), k.ARN)
		if err != nil || got.State != s {
			t.Errorf("after SetKeyState(%s): %q, %v", s, got.State, err)
		}
	}
	if err := a.SetKeyState("us-east-1", "alias/aws/sns", cloud.KeyDisabled); err == nil {
		t.Error("an AWS managed key was disabled")
	}
	if err := a.SetKeyState("us-east-1", k.ID, "Unavailable"); err == nil {
		t.Error("a state the fake does not model was accepted")
	}
}

// TestTargetInputExclusive: EventBridge takes at most one of Input, InputPath
// and InputTransformer, and a constant Input must be JSON.
func TestTargetInputExclusive(t *testing.T) {
	a := fake.New()
	ev := a.Events("us-east-1")
	if _, err := ev.PutRule(t.Context(), cloud.Rule{Name: "r", Pattern: `{"source":["aws.signin"]}`, State: cloud.RuleEnabled}); err != nil {
		t.Fatal(err)
	}
	const q = "arn:aws:sqs:us-east-1:123456789012:q"
	if err := ev.PutTargets(t.Context(), "", "r", []cloud.Target{{ID: "ok", ARN: q, ConstantInput: `{}`}}); err != nil {
		t.Fatalf("a target with only a constant input: %v", err)
	}
	for _, tg := range []cloud.Target{
		{ID: "a", ARN: q, ConstantInput: `{}`, InputPath: "$.detail"},
		{ID: "b", ARN: q, ConstantInput: `{}`, Input: &cloud.InputTransformer{Template: `"x"`}},
		{ID: "c", ARN: q, InputPath: "$.detail", Input: &cloud.InputTransformer{Template: `"x"`}},
		{ID: "d", ARN: q, ConstantInput: `not json`},
	} {
		err := ev.PutTargets(t.Context(), "", "r", []cloud.Target{tg})
		if err == nil || !strings.Contains(err.Error(), "ValidationException") {
			t.Errorf("PutTargets(%+v) = %v, want a ValidationException", tg, err)
		}
	}
}
