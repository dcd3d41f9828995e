package cloudtest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// testTargetInputOverride: a target's constant Input and InputPath (what an
// actor sets to blind a forwarder, issue 9 case 8) are read back, and putting
// the target without them clears them, as deploy's repair relies on.
func testTargetInputOverride(t *testing.T, ctx context.Context, a cloud.Account) {
	ev := a.Events(Home)
	q, err := a.Queues(Home).CreateQueue(ctx, "rw-inbox", "", nil)
	check(t, "CreateQueue", err)
	_, err = ev.PutRule(ctx, cloud.Rule{Name: "rw-input", Pattern: `{"source":["aws.signin"]}`, State: cloud.RuleEnabled})
	check(t, "PutRule", err)
	for _, want := range []cloud.Target{
		{ID: "q", ARN: q.ARN, ConstantInput: `{"all":"quiet"}`},
		{ID: "q", ARN: q.ARN, InputPath: "$.account"},
		{ID: "q", ARN: q.ARN},
	} {
		check(t, "PutTargets", ev.PutTargets(ctx, "", "rw-input", []cloud.Target{want}))
		got, err := ev.Targets(ctx, "", "rw-input")
		check(t, "Targets", err)
		if diff := cmp.Diff([]cloud.Target{want}, got); diff != "" {
			t.Errorf("targets after putting %+v (-want +got):\n%s", want, diff)
		}
	}
}
