package status

import (
	"context"
	"strings"
	"testing"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

// TestHealthyMoto deploys with deploy (and --create-trail) through the AWS
// adapter against moto, then checks that status finds every link healthy.
//
// moto gaps, said here rather than hidden: moto 5.2.1 gives a new trail no
// event selectors at all, where AWS gives it {ReadWriteType: All,
// IncludeManagementEvents: true}; an adapter that reads that literally reports
// "management events none" and the trail check fails. Against moto only that
// exact failure is tolerated (and logged); the trail check's verdicts are
// asserted against the fake (TestStatusBrokenLinks in internal/cli). moto
// confirms e-mail subscriptions at once, so the subscription is confirmed here
// without a click.
func TestHealthyMoto(t *testing.T) {
	tg := awstest.Endpoint(t)
	ctx := context.Background()
	acct, err := awscloud.Connect(ctx, cloud.Config{})
	if err != nil {
		t.Fatal(err)
	}
	regions := []string{"eu-west-1", "us-east-1", "us-west-2"}
	exp := deployed(t, acct, deploy.Options{Regions: regions, CreateTrail: true, Emails: []string{"ops@example.com"}})
	rep := Check(ctx, acct, exp, now)
	if len(rep.Regions) != 3 {
		t.Errorf("checked regions %v, want %v", rep.Regions, regions)
	}
	for _, c := range rep.Checks {
		if c.Status == OK {
			continue
		}
		if tg.Kind == awstest.Moto && c.Check == "trail" && strings.HasSuffix(c.Detail, "records management events none (needs All or WriteOnly)") {
			t.Logf("moto gap (new trail without event selectors): %s", c.Detail)
			continue
		}
		t.Errorf("%s %s: %s: %s", c.Region, c.Check, c.Status, c.Detail)
	}
}
