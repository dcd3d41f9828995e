package deploy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/rules"
)

// TestForgedEventsMoto shows on moto's EventBridge what moto can express of
// TestForgedEventsNotAlerted: the forwarding pattern and a root alert pattern,
// deployed as rules with a queue as target, route a root sign-in put under
// its AWS source and not the same event under forged sources. moto accepts
// aws.* sources in PutEvents (AWS refuses them; MOTO.md, gap aws-sources), which
// is what lets this test put the genuine event at all; moto cannot deliver to
// SNS targets, so the chain's own delivery is the fake's to show.
func TestForgedEventsMoto(t *testing.T) {
	ctx := t.Context()
	a := motoBackend().open(t)
	ev, qs := a.Events("us-east-1"), a.Queues("us-east-1")
	signIn, _ := rules.Get("root-console-signin-no-mfa")
	patterns := map[string]string{"forward": rules.ForwardPattern(), "alert": signIn.Pattern}
	queues := map[string]cloud.Queue{}
	for name, pat := range patterns {
		q, err := qs.CreateQueue(ctx, "forged-"+name, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		queues[name] = q
		if _, err := ev.PutRule(ctx, cloud.Rule{Name: "forged-" + name, Pattern: pat, State: cloud.RuleEnabled}); err != nil {
			t.Fatal(err)
		}
		if err := ev.PutTargets(ctx, "", "forged-"+name, []cloud.Target{{ID: "q", ARN: q.ARN}}); err != nil {
			t.Fatal(err)
		}
	}
	pos, _ := rules.Fixtures(signIn.ID)
	var genuine struct {
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
		Detail     json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal(pos[0].Event, &genuine); err != nil {
		t.Fatal(err)
	}
	put := func(source string) {
		t.Helper()
		err := ev.PutEvents(ctx, "", []cloud.Event{{Source: source, DetailType: genuine.DetailType, Detail: string(genuine.Detail), Time: time.Now()}})
		if err != nil {
			t.Fatalf("PutEvents with source %q: %v", source, err)
		}
	}
	for _, src := range []string{"signin.forged", "aws", "aws-signin", "AWS.signin"} {
		put(src)
	}
	for name, q := range queues {
		msgs, err := qs.Receive(ctx, q.URL, 10, time.Second, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			var got struct {
				Source string `json:"source"`
			}
			_ = json.Unmarshal([]byte(m.Body), &got)
			t.Errorf("rule %s routed a forged event (source %q)", name, got.Source)
		}
	}
	// The genuine source: moto accepts it where AWS would refuse a PutEvents.
	if err := ev.PutEvents(ctx, "", []cloud.Event{{Source: genuine.Source, DetailType: genuine.DetailType, Detail: string(genuine.Detail), Time: time.Now()}}); err != nil {
		if errors.Is(err, cloud.ErrUnsupported) || strings.Contains(err.Error(), "NotAuthorizedForSource") {
			t.Skipf("this endpoint refuses aws.* sources in PutEvents, as AWS does: %v", err)
		}
		t.Fatal(err)
	}
	for name, q := range queues {
		msgs, err := qs.Receive(ctx, q.URL, 10, 5*time.Second, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 {
			t.Errorf("rule %s routed %d events under the AWS source, want 1", name, len(msgs))
		}
	}
}
