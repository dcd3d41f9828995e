// Package status checks every link of rootwatch's deployed alert chain and says,
// one line per link, what is healthy, what is broken and what to do about it.
//
// The chain, from an event to an e-mail:
//
//	trail → (every region) forwarding rule on the default bus → home bus
//	      → alert rules → SNS topic (policy, KMS key) → confirmed subscriptions
//
// with a dead-letter queue behind every target. Check reads each link and asks
// package chain for its verdict against the desired chain.Spec (what deploy
// would deploy), and returns a Report; nothing is changed in the account.
//
// # Verdicts and exit codes
//
// Each Result has a Status:
//
//   - ok: the link works as deploy would set it up.
//   - warn: the link works but an alert may be missed, delayed or reach fewer
//     people (for example a forwarding rule that misses read-only calls, a
//     pending subscription next to confirmed ones).
//   - fail: the link is broken: alerts are lost (for example no trail, a
//     disabled rule, a missing target, a topic policy that refuses EventBridge,
//     messages in a dead-letter queue, nobody subscribed).
//   - error: the link could not be checked (an API error); the other links are
//     still checked and reported.
//
// The Report's Status is the worst of its results. The CLI exits 0 when it is
// ok, 1 when a result is warn or fail (degraded), 2 when one is error (could not
// check) and none warns or fails, and 3 when both.
//
// # JSON
//
// `rootwatch status --output json` prints a Report, with its Result first;
// `rootwatch help output` (internal/cli/output.md) describes it with every
// other command's JSON.
//
// Check names: trail; bus, bus-policy, settings-record (only when the bus
// records no settings: record.go), alert-rule/ID, alert-pattern/ID,
// alert-target/ID, topic, topic-policy, subscriptions, kms, alarms (home
// region); channel/NAME, channel-destination/NAME, channel-targets/NAME (home
// region, per channel deployed), channel-role (global, with channels);
// forwarder-role, forwarder-policy, role-permissions (global); forward-rule, forward-pattern,
// forward-target, heartbeat, heartbeat-target, dlq (every region). Checks that depend on a missing resource
// are left out (the missing resource's line says it: a missing bus stands for
// its alert rules, a missing rule for its pattern and target). The order is stable:
// the home region's chain first, then the role, then each region by name.
package status

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Status is the verdict of one check, or the worst of a report: the chain's
// verdicts, and Error for a link that could not be checked.
type Status = chain.Status

const (
	OK    = chain.OK
	Warn  = chain.Warn
	Fail  = chain.Fail
	Error = chain.Error
)

// Global is the Region of checks of global resources (IAM).
const Global = "global"

// Result is the verdict on one link.
type Result struct {
	Region string `json:"region"`
	Check  string `json:"check"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
	// Err is the API error behind an Error result.
	Err error `json:"-"`
}

// Report is the outcome of Check.
type Report struct {
	Account    string   `json:"account"`
	HomeRegion string   `json:"homeRegion"`
	TopicARN   string   `json:"topicArn"`
	Regions    []string `json:"regions"`
	Status     Status   `json:"status"`
	Checks     []Result `json:"checks"`
	// Stacks are the CloudFormation stacks that manage the chain's resources
	// (deploy --via cloudformation, or the exported templates).
	Stacks []StackRef `json:"stacks,omitempty"`
}

// Errors returns the API errors behind the report's error results.
func (r Report) Errors() []error {
	var errs []error
	for _, c := range r.Checks {
		if c.Status == Error && c.Err != nil {
			errs = append(errs, c.Err)
		}
	}
	return errs
}

// Check checks the chain in acct against spec. now is the time the ages of
// dead-lettered messages are measured from. The home region's chain, the role
// and each forwarder are checked concurrently (and the alert rules four at a
// time); the report's order does not depend on it.
func Check(ctx context.Context, acct cloud.Account, spec chain.Spec, now time.Time) Report {
	return CheckRecorded(ctx, acct, spec, now, nil)
}

// CheckRecorded is Check for a deployment whose settings deploy recorded on
// the bus (Recorded): the topic's subscriptions are also judged against the
// addresses recorded, and every fix that says to run deploy repeats the
// recorded flags, so that following it does not re-target or narrow the
// chain. rec nil is Check.
func CheckRecorded(ctx context.Context, acct cloud.Account, spec chain.Spec, now time.Time, rec *chain.Settings) Report {
	return CheckWith(ctx, acct, spec, now, CheckOptions{Recorded: rec})
}

// CheckOptions are CheckWith's options.
type CheckOptions struct {
	// Recorded is the deployment's recorded settings (CheckRecorded's rec).
	Recorded *chain.Settings
	// RegionDone, when set, is called as each region's forwarding has been
	// checked, with how many of the regions are done (progress); calls may
	// come from several goroutines, one at a time.
	RegionDone func(region string, done, total int)
}

// CheckWith is CheckRecorded with options.
func CheckWith(ctx context.Context, acct cloud.Account, spec chain.Spec, now time.Time, o CheckOptions) Report {
	rec := o.Recorded
	c := &checker{acct: acct, spec: spec, now: now, rec: rec}
	var mu sync.Mutex
	done := 0
	regionDone := func(region string) {
		if o.RegionDone == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		done++
		o.RegionDone(region, done, len(spec.Forwarders))
	}

	regions := slices.Clone(spec.Forwarders)
	slices.SortFunc(regions, func(a, b chain.Forwarder) int { return strings.Compare(a.Region, b.Region) })

	var home, global []Result
	perRegion := make([][]Result, len(regions))
	var wg sync.WaitGroup
	wg.Go(func() { home = c.home(ctx) })
	wg.Go(func() { global = c.role(ctx) })
	for i, re := range regions {
		wg.Go(func() {
			perRegion[i] = c.forwarder(ctx, re)
			regionDone(re.Region)
		})
	}
	wg.Wait()

	rep := Report{Account: spec.Account, HomeRegion: spec.HomeRegion, TopicARN: spec.Topic.ARN, Regions: []string{}, Status: OK}
	for _, re := range regions {
		rep.Regions = append(rep.Regions, re.Region)
	}
	rep.Checks = append(rep.Checks, home...)
	rep.Checks = append(rep.Checks, global...)
	for _, rs := range perRegion {
		rep.Checks = append(rep.Checks, rs...)
	}
	if rec != nil {
		cmd := rec.DeployCommand()
		for i := range rep.Checks {
			rep.Checks[i].Fix = chain.WithDeployCommand(rep.Checks[i].Fix, cmd)
		}
	}
	unrecordedFixes(rep.Checks) // record.go
	for _, r := range rep.Checks {
		rep.Status = rep.Status.Worse(r.Status)
	}
	c.stacks.report(&rep)
	return rep
}

// checker holds what every check function needs.
type checker struct {
	acct   cloud.Account
	spec   chain.Spec
	now    time.Time
	stacks stackSeen // stacks.go
	// rec is the deployment's recorded settings; nil when none are known.
	rec *chain.Settings
	// channelCount is how many channels are deployed (set by channels, which
	// runs before the topic's checks).
	channelCount int
}

// result is the Result of check in region with verdict v.
func result(region, check string, v chain.Verdict) Result {
	return Result{Region: region, Check: check, Status: v.Status, Detail: v.Detail, Fix: v.Fix}
}

// apiError is the result of a check that could not be done.
func apiError(region, check string, err error) Result {
	return Result{Region: region, Check: check, Status: Error, Detail: "could not check: " + err.Error(), Err: err}
}

// missing reports whether err says the resource does not exist.
func missing(err error) bool { return errors.Is(err, cloud.ErrNotFound) }

// DeployedTopic returns the topic the deployed alert rules send to, when it is
// not the one spec expects. status and test name it (settings-record) but
// never adopt it: anyone who may edit a rule could have re-pointed it; deploy
// asks before re-targeting away from it. It returns "" when the rules send to
// spec's topic, disagree, or cannot be read (the checks then say what is
// wrong).
func DeployedTopic(ctx context.Context, acct cloud.Account, spec chain.Spec) string {
	found := ""
	for _, r := range spec.AlertRules {
		ts, err := acct.Events(spec.HomeRegion).Targets(ctx, r.Bus, r.Name)
		if err != nil {
			continue
		}
		for _, t := range ts {
			if t.ID != r.Target.ID || !strings.HasPrefix(t.ARN, "arn:"+spec.Partition+":sns:"+spec.HomeRegion+":"+spec.Account+":") {
				continue
			}
			if found != "" && found != t.ARN {
				return ""
			}
			found = t.ARN
		}
	}
	if found == spec.Topic.ARN {
		return ""
	}
	return found
}

// Recorded reads the settings deploy recorded on the rootwatch bus in home.
// ok is false when there is no bus or it records none (a deployment older
// than the record, or one whose tags were removed).
func Recorded(ctx context.Context, acct cloud.Account, home string) (s chain.Settings, ok bool, err error) {
	b, err := acct.Events(home).Bus(ctx, chain.BusName)
	if missing(err) {
		return chain.Settings{}, false, nil
	}
	if err != nil {
		return chain.Settings{}, false, fmt.Errorf("read the recorded settings: %w", err)
	}
	s, ok = chain.ReadSettings(b.Tags)
	return s, ok, nil
}
