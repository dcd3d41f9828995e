package status

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/deploy"
	"github.com/rootwatch/rootwatch/internal/golden"
)

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// deployed returns acct with a fit trail (when trail is set) and rootwatch
// deployed by deploy itself, and the expectation status checks it against.
func deployed(t *testing.T, acct cloud.Account, opts chain.Options) chain.Spec {
	t.Helper()
	ctx := context.Background()
	id, err := acct.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	regions, err := acct.Regions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := chain.Desired(id, regions, opts)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := deploy.PlanDeploy(ctx, acct, spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	return spec
}

func newFake(t *testing.T) *fake.Account {
	t.Helper()
	a := fake.NewWith(fake.Options{Now: func() time.Time { return now.Add(-30 * time.Minute) }})
	err := a.PutTrail(cloud.Trail{Name: "main", HomeRegion: "us-east-1", MultiRegion: true, GlobalEvents: true, Logging: true, Management: cloud.ManagementAll})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// res is a Result with the given verdict; fix is optional.
func res(region, check string, st Status, detail string, fix ...string) Result {
	v := chain.Verdict{Status: st, Detail: detail}
	if len(fix) > 0 {
		v.Fix = fix[0]
	}
	return result(region, check, v)
}

// TestReportGolden pins the table and JSON renderings of a report with every
// status in it (a literal report, so that the rule pack's growth does not
// change it). Run with -update to rewrite testdata/report.*.
func TestReportGolden(t *testing.T) {
	rep := Report{
		Account: "123456789012", HomeRegion: "us-east-1", TopicARN: "arn:aws:sns:us-east-1:123456789012:rootwatch-alerts", Regions: []string{"eu-west-1", "us-east-1"},
		Checks: []Result{
			res("us-east-1", "trail", OK, "trail main: logging, multi-region, global service events, management events All"),
			res("us-east-1", "subscriptions", Warn, "1 confirmed, 1 pending (cto@example.com): those addresses get no alerts", "open the confirmation e-mail sent to each pending address and click its link"),
			res(Global, "forwarder-role", OK, "role rootwatch-forwarder trusts events.amazonaws.com"),
			apiError("eu-west-1", "forward-rule", errors.New("describe rule rootwatch-forward in eu-west-1: AccessDeniedException:\nnot authorized")),
			res("eu-west-1", "dlq", Fail, "dead-letter queue rootwatch-dlq holds 1 message(s): alerts that were never delivered; oldest sent 2026-11-23T11:30:00Z (30m0s ago): AWS Console Sign In via CloudTrail", "read them, act on them, purge the queue"),
			res("us-east-1", "forward-rule", OK, "rule rootwatch-forward is ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"),
		},
	}
	for _, c := range rep.Checks {
		rep.Status = rep.Status.Worse(c.Status)
	}
	if rep.Status != Error {
		t.Errorf("report status %q, want error", rep.Status)
	}
	var table, js bytes.Buffer
	if err := WriteTable(&table, rep); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "report.txt"), table.Bytes())
	golden.Check(t, filepath.Join("testdata", "report.json"), js.Bytes())
}

// TestPartial: an API error in one check leaves the others checked.
func TestPartial(t *testing.T) {
	ctx := context.Background()
	a := newFake(t)
	exp := deployed(t, a, chain.Options{Emails: []string{"ops@example.com"}})
	if _, err := a.ConfirmSubscription(exp.Topic.ARN, "ops@example.com"); err != nil {
		t.Fatal(err)
	}
	denied := errors.New("AccessDeniedException: not authorized to perform events:DescribeRule")
	rep := Check(ctx, ruleErr{a, "eu-central-1", denied}, exp, now)
	var bad []Result
	var dlqChecked bool
	for _, c := range rep.Checks {
		if c.Status != OK {
			bad = append(bad, c)
		}
		dlqChecked = dlqChecked || (c.Region == "eu-central-1" && c.Check == "dlq")
	}
	want := []Result{
		{Region: "eu-central-1", Check: "forward-rule", Status: Error, Detail: "could not check: " + denied.Error(), Err: denied},
		{Region: "eu-central-1", Check: "heartbeat", Status: Error, Detail: "could not check: " + denied.Error(), Err: denied},
	}
	if diff := cmp.Diff(want, bad, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Errorf("checks not ok (-want +got):\n%s", diff)
	}
	if !dlqChecked {
		t.Error("eu-central-1's dead-letter queue was not checked after its rule could not be")
	}
	if rep.Status != Error {
		t.Errorf("report status %q, want error", rep.Status)
	}
	if got := rep.Errors(); len(got) != 2 || got[0] != denied || got[1] != denied {
		t.Errorf("Errors() = %v, want [%v %v]", got, denied, denied)
	}
}

// ruleErr fails Rule calls in one region.
type ruleErr struct {
	cloud.Account
	region string
	err    error
}

func (r ruleErr) Events(region string) cloud.Events {
	ev := r.Account.Events(region)
	if region != r.region {
		return ev
	}
	return failingRule{ev, r.err}
}

type failingRule struct {
	cloud.Events
	err error
}

func (f failingRule) Rule(ctx context.Context, bus, name string) (cloud.Rule, error) {
	return cloud.Rule{}, f.err
}
