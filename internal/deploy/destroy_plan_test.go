package deploy

import (
	"testing"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// TestDestroyPlanConsistent: a destroy plan never acts twice on one resource,
// e.g. editing the policy of the topic it deletes (issue 13, bug 5), whether
// the topic was created by rootwatch or named with --topic-arn as well.
func TestDestroyPlanConsistent(t *testing.T) {
	for _, tt := range []struct {
		name   string
		topics func(a *fake.Account) []string
	}{
		{"created topic", func(*fake.Account) []string { return nil }},
		{"created topic named with --topic-arn", func(a *fake.Account) []string {
			return []string{"arn:aws:sns:us-east-1:" + a.ID() + ":" + chain.TopicName}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			a := fake.New()
			withTrail(t, a)
			p, _, err := Prepare(ctx, a, chain.Options{Regions: []string{"eu-west-1"}, Emails: []string{"ops@example.com"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Apply(ctx); err != nil {
				t.Fatal(err)
			}
			d, err := PlanDestroy(ctx, a, DestroyOptions{TopicARNs: tt.topics(a)})
			if err != nil {
				t.Fatal(err)
			}
			type key struct{ region, name string }
			seen := map[key]Change{}
			deletedTopic := false
			for _, c := range d.Changes {
				if c.Resource == KindTopic && c.Action == Delete {
					deletedTopic = true
				}
				if c.Resource != KindTopic && c.Resource != KindTopicPolicy {
					continue
				}
				k := key{c.Region, c.Name}
				if prev, ok := seen[k]; ok {
					t.Errorf("plan acts twice on topic %s in %s: %s %s, then %s %s", c.Name, c.Region, prev.Action, prev.Resource, c.Action, c.Resource)
				}
				seen[k] = c
			}
			if !deletedTopic {
				t.Errorf("plan does not delete the topic rootwatch created: %+v", d.Changes)
			}
			if err := d.Apply(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
