package deploy

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/status"
)

// TestRecordedEmailsBackends on the fake and on moto: 12 long addresses are
// recorded across several bus tags and read back through the backend; with
// one unsubscribed and a filter policy on another, status names the one gone,
// and a deploy with the recorded addresses (what a bare 'rootwatch deploy'
// does) subscribes it again and removes the filter: healthy again.
func TestRecordedEmailsBackends(t *testing.T) {
	var emails []string
	for i := range 12 {
		emails = append(emails, fmt.Sprintf("security-operations-team-member-%02d@long-department.example.com", i))
	}
	emails[3] = "O'Brien.Security-Operations@Long-Department.Example.com"
	forEachBackend(t, func(t *testing.T, b backend) {
		a := b.open(t)
		ctx := t.Context()
		tm := tamperer(t, a)
		withTrail(t, a)
		if _, err := tm.CreateManagedPolicy(BoundaryPolicyName, BoundaryPolicy()); err != nil {
			t.Fatal(err)
		}
		if _, err := deployOnce(ctx, a, opts(emails...)); err != nil {
			t.Fatal(err)
		}
		topic := topicOf(t, a)
		confirm := func(es ...string) {
			if f, ok := a.(*fake.Account); ok {
				for _, e := range es {
					if _, err := f.ConfirmSubscription(topic, e); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		confirm(emails...)
		bus, err := a.Events("us-east-1").Bus(ctx, chain.BusName)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := bus.Tags[chain.SubscribersKey(3)]; !ok {
			t.Errorf("12 long addresses recorded in fewer than 3 tags: %v", bus.Tags)
		}
		rec, ok, err := status.Recorded(ctx, a, "us-east-1")
		if err != nil || !ok || !slices.Equal(rec.Emails, chain.NormalEmails(emails)) {
			t.Fatalf("recorded %+v, %v, %v; want the 12 addresses", rec, ok, err)
		}
		if p := problems(t, a); len(p) > 0 {
			t.Fatalf("after deploy:\n%s", strings.Join(p, "\n"))
		}

		subs, err := a.Topics("us-east-1").Subscriptions(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		gone, filtered := emails[3], emails[7]
		for _, s := range subs {
			switch s.Endpoint {
			case gone:
				if err := a.Topics("us-east-1").Unsubscribe(ctx, s.ARN); err != nil {
					t.Fatal(err)
				}
			case filtered:
				if err := tm.SetFilterPolicy(s.ARN, `{"severity":["none-such"]}`); err != nil {
					t.Fatal(err)
				}
			}
		}
		p := problems(t, a)
		if len(p) != 1 || !strings.Contains(p[0], gone+", subscribed by deploy, no longer subscribed") || !strings.Contains(p[0], "filter policy") {
			t.Errorf("after the changes:\n%s\nwant one failing subscriptions check naming %s and the filter policy", strings.Join(p, "\n"), gone)
		}

		plan, err := deployOnce(ctx, a, opts(rec.Emails...))
		if err != nil {
			t.Fatal(err)
		}
		if plan.Applied != 2 {
			t.Errorf("deploy with the recorded addresses applied %d changes, want 2 (subscribe, remove the filter)", plan.Applied)
		}
		confirm(gone)
		if p := problems(t, a); len(p) > 0 {
			t.Errorf("after deploy repaired:\n%s", strings.Join(p, "\n"))
		}
	})
}
