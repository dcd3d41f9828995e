package status

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// TestManagedByStack: when CloudFormation manages the chain (its resources
// carry the aws:cloudformation:stack-name tag), status names the stacks and
// points every fix at a stack update instead of the API deploy, which the
// stack would undo. Without the tag, nothing changes.
func TestManagedByStack(t *testing.T) {
	for _, stacks := range []bool{false, true} {
		ctx := t.Context()
		a := newFake(t)
		o := chain.Options{Regions: []string{"eu-west-1"}, Emails: []string{"a@example.com"}}
		if stacks {
			// What the stacks created before deploy looked: tagged by CloudFormation.
			if _, err := a.Events("us-east-1").CreateBus(ctx, chain.BusName, cloud.Tags{cloud.ManagedTag: cloud.ManagedValue, cloud.StackTag: "rootwatch"}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Queues("eu-west-1").CreateQueue(ctx, chain.DLQName, "", cloud.Tags{cloud.ManagedTag: cloud.ManagedValue, cloud.StackTag: "rootwatch-forwarder"}); err != nil {
				t.Fatal(err)
			}
		}
		spec := deployed(t, a, o)
		if err := a.Events("eu-west-1").DeleteRule(ctx, cloud.DefaultBus, chain.ForwardRuleName); err == nil {
			t.Fatal("a rule with targets was deleted")
		}
		if err := a.Events("eu-west-1").RemoveTargets(ctx, cloud.DefaultBus, chain.ForwardRuleName, []string{chain.ForwardTargetID}); err != nil {
			t.Fatal(err)
		}
		if err := a.Events("eu-west-1").DeleteRule(ctx, cloud.DefaultBus, chain.ForwardRuleName); err != nil {
			t.Fatal(err)
		}
		rep := Check(ctx, a, spec, now)
		var fix string
		for _, c := range rep.Checks {
			if c.Region == "eu-west-1" && c.Check == "forward-rule" {
				fix = c.Fix
			}
		}
		var buf bytes.Buffer
		if err := WriteTable(&buf, rep); err != nil {
			t.Fatal(err)
		}
		if !stacks {
			if rep.Stacks != nil || fix != chain.Redeploy || strings.Contains(buf.String(), "CloudFormation") {
				t.Errorf("without stacks: stacks %v, fix %q\n%s", rep.Stacks, fix, buf.String())
			}
			continue
		}
		if diff := cmp.Diff([]StackRef{{Name: "rootwatch-forwarder", Region: "eu-west-1"}, {Name: "rootwatch", Region: "us-east-1"}}, rep.Stacks); diff != "" {
			t.Errorf("stacks (-want +got):\n%s", diff)
		}
		if want := "run " + stackFix + " to restore it"; fix != want {
			t.Errorf("fix of the missing forwarding rule:\n got %q\nwant %q", fix, want)
		}
		if !strings.Contains(buf.String(), "\nmanaged by CloudFormation stacks: rootwatch-forwarder in eu-west-1, rootwatch in us-east-1; fix drift with a stack update") {
			t.Errorf("table does not name the stacks:\n%s", buf.String())
		}
	}
}
