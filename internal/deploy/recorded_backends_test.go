package deploy

import (
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/status"
)

// TestRetargetedToCopiedTopic (issue 9 case 4) on the fake and moto: every
// alert target pointed at another topic of the account whose policy copies
// rootwatch's statement. status, reading the settings deploy recorded on the
// bus, checks the recorded topic and FAILs each rule; deploy points them back.
// (The subscriptions check is left out: no e-mail is confirmed here.)
func TestRetargetedToCopiedTopic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := b.open(t)
		ctx := t.Context()
		withTrail(t, a)
		tp := a.Topics("us-east-1")
		own, err := tp.CreateTopic(ctx, "ops-alerts", nil)
		if err != nil {
			t.Fatal(err)
		}
		o := opts()
		o.TopicARN = own
		if _, err := deployOnce(ctx, a, o); err != nil {
			t.Fatal(err)
		}
		problems := func() []string {
			t.Helper()
			// No flags: everything comes from the record.
			rec, checks := notOK(t, a)
			if rec.TopicARN != own {
				t.Fatalf("recorded settings: %+v", rec)
			}
			var out []string
			for _, c := range checks {
				if c.Check != "subscriptions" {
					out = append(out, c.Region+" "+c.Check+" "+string(c.Status)+" "+c.Detail+"; fix: "+c.Fix)
				}
			}
			return out
		}
		if p := problems(); len(p) > 0 {
			t.Fatalf("after deploy:\n%s", strings.Join(p, "\n"))
		}

		quiet, alertRules := RetargetAlerts(t, a, own)
		p := problems()
		want := "sends to " + quiet + ", not " + own
		failed := 0
		for _, l := range p {
			if strings.Contains(l, " fail ") && strings.Contains(l, want) && strings.Contains(l, "--topic-arn "+own) {
				failed++
			}
		}
		if failed != alertRules {
			t.Errorf("%d of %d alert rules FAIL with %q and a fix naming --topic-arn %s:\n%s", failed, alertRules, want, own, strings.Join(p, "\n"))
		}

		// deploy with the recorded settings repairs.
		rec, _, _ := status.Recorded(ctx, a, "us-east-1")
		ro := rec.Options()
		ro.Version = o.Version
		if _, err := deployOnce(ctx, a, ro); err != nil {
			t.Fatal(err)
		}
		if p := problems(); len(p) > 0 {
			t.Errorf("after deploy repaired:\n%s", strings.Join(p, "\n"))
		}
	})
}
