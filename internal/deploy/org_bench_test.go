package deploy

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/cloud/cloudtest"
	"github.com/rootwatch/rootwatch/internal/cloud/fake"
	"github.com/rootwatch/rootwatch/internal/status"
)

// The scale benchmark: an organization of 500 accounts with 17 regions each
// on the fake, every call delayed and rate-limited as AWS would (see
// orgLimits), deployed, deployed again, and checked. It reports each phase's
// wall time, requests (retries and pages included), throttled requests and
// mutating calls. Run it with
//
//	go test ./internal/deploy -run '^$' -bench BenchmarkOrgScale -benchtime 1x
//
// ROOTWATCH_BENCH_ACCOUNTS (default 500) scales it down for a quick look;
// ROOTWATCH_BENCH_WORKERS sets --workers (default 16).

// benchRegions are 17 regions, as an account with the default regions and a
// few opt-in ones enabled has.
var benchRegions = []string{
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
	"ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3",
	"sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
}

// orgLimits are a round trip per service from a client in us-east-1 and the
// services' rate limits per account and region (per account for the global
// ones), with the SDK standard retryer's 3 attempts and its jittered
// exponential backoff (up to 2 s, then 4 s). accounts sets ListAccounts'
// pages.
// The figures are of the order AWS documents or that clients observe:
// EventBridge's control plane allows tens of calls a second per account and
// region, IAM's about ten per account, Organizations' ListAccounts pages 20
// accounts at a few calls a second.
func orgLimits(accounts int) cloudtest.Limits {
	return cloudtest.Limits{
		Latency: map[string]time.Duration{
			"events": 25 * time.Millisecond, "sqs": 20 * time.Millisecond, "sns": 25 * time.Millisecond, "kms": 20 * time.Millisecond,
			"cloudtrail": 30 * time.Millisecond, "iam": 60 * time.Millisecond, "sts": 40 * time.Millisecond,
			"organizations": 80 * time.Millisecond, "ec2": 40 * time.Millisecond, "*": 30 * time.Millisecond,
		},
		Rate:        map[string]float64{"events": 50, "sqs": 100, "iam": 10, "organizations": 5, "sts": 100},
		Pages:       map[string]int{"Accounts": (accounts + 19) / 20},
		MaxAttempts: 3,
		BaseBackoff: 2 * time.Second,
	}
}

func BenchmarkOrgScale(b *testing.B) {
	n := 500
	if v := getenvInt("ROOTWATCH_BENCH_ACCOUNTS"); v > 0 {
		n = v
	}
	for b.Loop() {
		b.StopTimer()
		w := fake.NewOrg(fake.OrgOptions{Management: fake.Options{Regions: benchRegions}})
		if err := w.Management().PutTrail(cloud.Trail{Name: "org", ARN: "arn:aws:cloudtrail:us-east-1:" + fake.DefaultAccount + ":trail/org", HomeRegion: "us-east-1",
			MultiRegion: true, GlobalEvents: true, Organization: true, Logging: true, Management: cloud.ManagementAll}); err != nil {
			b.Fatal(err)
		}
		for i := 1; i < n; i++ {
			w.AddAccount(fake.Options{Account: fmt.Sprintf("%012d", 100000000000+i), Regions: benchRegions}, fmt.Sprintf("workload-%03d", i))
		}
		central := fmt.Sprintf("%012d", 100000000001)
		lim := cloudtest.NewLimiter(orgLimits(n))
		rec := cloudtest.Record(w.Management())
		rec.SetHook(lim.Hook)
		o := OrgOptions{Options: chain.Options{Emails: []string{"sec@example.com"}, Version: "bench"}, Central: central, Workers: getenvInt("ROOTWATCH_BENCH_WORKERS")}
		b.StartTimer()

		phase := func(name string, fn func() error) {
			rec.Reset()
			req0, thr0, fail0 := lim.Stats()
			start := time.Now()
			if err := fn(); err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			req, thr, fail := lim.Stats()
			b.ReportMetric(time.Since(start).Seconds(), name+"-s")
			b.ReportMetric(float64(req-req0), name+"-requests")
			b.ReportMetric(float64(thr-thr0), name+"-throttled")
			b.ReportMetric(float64(len(rec.Mutations())), name+"-mutations")
			if fail > fail0 {
				b.Errorf("%s: %d calls failed after the retries", name, fail-fail0)
			}
		}
		deploy := func() error {
			p, err := PrepareOrg(b.Context(), rec, o)
			if err != nil {
				return err
			}
			if failed := p.Apply(b.Context()); failed > 0 {
				return fmt.Errorf("%d accounts failed", failed)
			}
			return nil
		}
		phase("deploy", deploy)
		b.StopTimer()
		if _, err := w.Account(central).ConfirmSubscription("arn:aws:sns:us-east-1:"+central+":"+chain.TopicName, "sec@example.com"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		phase("redeploy", deploy)
		phase("status", func() error {
			rep, err := status.CheckOrg(b.Context(), rec, status.OrgOptions{Options: chain.Options{}, Central: central, Workers: o.Workers}, time.Now())
			if err != nil {
				return err
			}
			if rep.Status != status.OK {
				return fmt.Errorf("status %s: %s: %v", rep.Status, status.OrgSummary(rep), rep.Errors())
			}
			return nil
		})
	}
}

func getenvInt(k string) int {
	var n int
	fmt.Sscan(os.Getenv(k), &n)
	return n
}
