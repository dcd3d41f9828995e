package status

import (
	"context"
	"testing"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

// TestHealthyMoto deploys with deploy (and --create-trail) through the AWS
// adapter against moto, then checks that status finds every link healthy.
func TestHealthyMoto(t *testing.T) {
	tg := awstest.Endpoint(t)
	ctx := context.Background()
	acct, err := awscloud.Connect(ctx, cloud.Config{})
	if err != nil {
		t.Fatal(err)
	}
	regions := []string{"eu-west-1", "us-east-1", "us-west-2"}
	exp := deployed(t, acct, deploy.Options{Regions: regions, CreateTrail: true})
	rep := Check(ctx, acct, exp, now)
	for _, c := range rep.Checks {
		if c.Status != OK {
			t.Errorf("%s %s: %s: %s", c.Region, c.Check, c.Status, c.Detail)
		}
	}
	if rep.Status != OK {
		t.Errorf("status against %s: %s, want ok", tg.Kind, rep.Status)
	}
}
