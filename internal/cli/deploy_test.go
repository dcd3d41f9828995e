package cli

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
)

// TestDeployEmailDedupe: --email addresses that differ only in case
// subscribe once, with the first spelling.
func TestDeployEmailDedupe(t *testing.T) {
	a := fake.NewWith(fake.Options{Now: func() time.Time { return fakeClock }})
	if err := a.PutTrail(cloud.Trail{Name: "main", HomeRegion: "us-east-1", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementAll}); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runStdin(t, a, "", false, "deploy", "--dry-run", "--output", "json",
		"--email", "Ops@Example.com", "--email", "ops@example.com", "--email", "sec@example.com", "--email", "OPS@EXAMPLE.COM")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	var doc struct {
		Changes []struct{ Resource, Name string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var subs []string
	for _, c := range doc.Changes {
		if c.Resource == "sns-subscription" {
			subs = append(subs, c.Name)
		}
	}
	if len(subs) != 2 || subs[0] != "Ops@Example.com" || subs[1] != "sec@example.com" {
		t.Errorf("subscriptions planned: %q, want [Ops@Example.com sec@example.com]", subs)
	}
}
