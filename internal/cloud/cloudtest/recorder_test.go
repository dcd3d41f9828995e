package cloudtest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

func TestIsMutating(t *testing.T) {
	tests := map[string]bool{
		"CreateTopic": true, "PutRule": true, "PutTargets": true, "PutEvents": true, "SetTopicPolicy": true,
		"DeleteRule": true, "RemoveTargets": true, "UpdateTrust": true, "Subscribe": true, "Unsubscribe": true,
		"Publish": true, "PutKeyPolicy": true, "DeleteMessage": true, "CreateBucket": true,
		"Topic": false, "Rules": false, "Targets": false, "Subscriptions": false, "Receive": false,
		"TestPattern": false, "Lookup": false, "List": false, "Open": false, "Identity": false, "Regions": false,
		"Key": false, "Trails": false, "Role": false, "RolePolicy": false, "BucketPolicy": false, "Bus": false, "Queue": false,
	}
	for name, want := range tests {
		if got := cloudtest.IsMutating(name); got != want {
			t.Errorf("IsMutating(%s) = %v, want %v", name, got, want)
		}
	}
}

// some makes three mutating calls around reads.
func some(ctx context.Context, a cloud.Account) error {
	ev := a.Events("us-east-1")
	if _, err := ev.Bus(ctx, "default"); err != nil {
		return err
	}
	if _, err := ev.CreateBus(ctx, "rw", nil); err != nil {
		return err
	}
	if _, err := ev.PutRule(ctx, cloud.Rule{Name: "r", Bus: "rw", Pattern: `{"source":["x"]}`}); err != nil {
		return err
	}
	if _, err := ev.Rules(ctx, "rw", ""); err != nil {
		return err
	}
	return ev.DeleteRule(ctx, "rw", "r")
}

func TestRecorderCounts(t *testing.T) {
	ctx := context.Background()
	r := cloudtest.Record(fake.New())
	if err := some(ctx, r); err != nil {
		t.Fatal(err)
	}
	want := []string{"CreateBus us-east-1 rw", "PutRule us-east-1 rw/r", "DeleteRule us-east-1 rw/r"}
	if diff := cmp.Diff(want, r.Mutations()); diff != "" {
		t.Errorf("Mutations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"Bus": 1, "CreateBus": 1, "PutRule": 1, "Rules": 1, "DeleteRule": 1}, r.Calls()); diff != "" {
		t.Errorf("Calls (-want +got):\n%s", diff)
	}
	r.Reset()
	if _, err := r.Events("us-east-1").Bus(ctx, "rw"); err != nil {
		t.Fatal(err)
	}
	if len(r.Mutations()) != 0 || r.Count("Bus") != 1 || r.Count("CreateBus") != 0 {
		t.Errorf("after Reset: mutations %v, calls %v", r.Mutations(), r.Calls())
	}
}

// FailMutation(n) fails exactly the n-th mutating call, before it reaches the
// account; FailMutationAfter(n) after.
func TestRecorderFailMutation(t *testing.T) {
	ctx := context.Background()
	for n := 1; n <= 3; n++ {
		for _, after := range []bool{false, true} {
			f := fake.New()
			r := cloudtest.Record(f)
			if after {
				r.FailMutationAfter(n)
			} else {
				r.FailMutation(n)
			}
			err := some(ctx, r)
			if !errors.Is(err, cloudtest.ErrInjected) {
				t.Fatalf("n=%d after=%v: err = %v, want ErrInjected", n, after, err)
			}
			if got := len(r.Injected()); got != 1 {
				t.Errorf("n=%d: %d injected failures, want 1", n, got)
			}
			// What reached the fake: the first n-1 calls, plus the n-th if after.
			reached := n - 1
			if after {
				reached = n
			}
			if got := len(r.Mutations()); got != reached {
				t.Errorf("n=%d after=%v: %d mutations reached the account (%v), want %d", n, after, got, r.Mutations(), reached)
			}
			_, busErr := f.Events("us-east-1").Bus(ctx, "rw")
			if busExists := busErr == nil; busExists != (reached >= 1) {
				t.Errorf("n=%d after=%v: bus exists = %v", n, after, busExists)
			}
		}
	}
	// Disarmed after the failure: the next run passes.
	r := cloudtest.Record(fake.New())
	r.FailMutation(1)
	if err := some(ctx, r); err == nil {
		t.Fatal("armed recorder did not fail")
	}
	if err := some(ctx, r); err != nil {
		t.Fatalf("second run after the injected failure: %v", err)
	}
}

// The conformance suite passes through a Recorder, so the decorator passes every
// call and result through unchanged.
func TestRecorderConformance(t *testing.T) {
	cloudtest.Run(t, func(t *testing.T) cloud.Account { return cloudtest.Record(fake.New()) })
}
