package selftest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

// TestMoto runs the test after a real deploy through the AWS adapter against
// moto. moto's TestEventPattern gives no answer, so the local engine answers,
// labelled so. moto cannot deliver to SNS targets (its PutEvents answers 500
// when a matching rule targets a topic), so the delivery check must come out
// "not verifiable", neither passing nor crashing, while the hops moto does serve
// (EventBridge → SQS, SNS → SQS) are shown to work. The whole chain is covered
// by the fake (TestPassOnFake). Every temporary resource is gone afterwards,
// listed through the adapter.
func TestMoto(t *testing.T) {
	t.Parallel()
	tg := awstest.Endpoint(t)
	if tg.Kind == awstest.RealAWS {
		t.Skip("deploys and tests a chain; run it against an emulator")
	}
	ctx := context.Background()
	a, err := awscloud.ConnectWith(ctx, cloud.Config{EndpointURL: tg.URL, Region: home}, awscloud.Options{Credentials: tg.Creds})
	if err != nil {
		t.Fatal(err)
	}
	plan, spec, err := deploy.Prepare(ctx, a, chain.Options{Emails: []string{email}, Regions: []string{"eu-west-1"}, CreateTrail: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	before := topicPolicy(t, a, spec)
	o := opts()
	o.Timeout, o.ProbeTimeout, o.Emulated = 3*time.Second, 5*time.Second, tg.Kind != awstest.RealAWS
	start := time.Now()
	res, err := Run(ctx, a, spec, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("test took %s", time.Since(start))
	var out strings.Builder
	WriteText(&out, res)
	t.Logf("rootwatch test against %s:\n%s", tg.Kind, out.String())

	if tg.Kind == awstest.Moto {
		if res.PatternEngine != EngineLocal || res.PatternNote == "" {
			t.Errorf("pattern engine %q (note %q): moto's TestEventPattern gives no answer, want the local engine, said so", res.PatternEngine, res.PatternNote)
		}
		if res.Delivery.Status != NotVerifiable {
			t.Errorf("delivery %s: %s; want not-verifiable", res.Delivery.Status, res.Delivery.Detail)
		}
		if !hopsPass(res.Delivery.Hops) {
			t.Errorf("hops %+v: moto delivers EventBridge → SQS and SNS → SQS", res.Delivery.Hops)
		}
	}
	for _, p := range res.Patterns {
		if p.Status != Pass {
			t.Errorf("pattern check %+v", p)
		}
	}
	for _, l := range res.Links {
		if l.Status != Pass {
			t.Errorf("link %+v", l)
		}
	}
	if res.Failed() {
		t.Errorf("Failed() on a fresh deploy")
	}
	if len(res.CleanupErrors) > 0 {
		t.Errorf("cleanup errors: %v", res.CleanupErrors)
	}
	if left := leftovers(t, a, spec, before); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
