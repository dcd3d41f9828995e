package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

// settingsFlags are the options that say which deployment a command acts on:
// --home-region, --topic-arn and (deploy, status) --regions. deploy, status,
// test and confirm take them, and resolve defaults each one not given to what deploy
// recorded on the rootwatch bus (chain.Settings), and only then to
// rootwatch's own default. A bare command acts on the deployment as it was
// made: a bare deploy after 'deploy --topic-arn T --regions R' keeps T and R
// instead of re-targeting the alerts to a new topic. destroy takes none of
// them: it removes rootwatch from every region, reading each bus's record
// (deploy.PlanDestroy). deploy --org, status --org and test --org resolve
// them the same way against the central account (deploy.OrgOptions.Resolve,
// status.OrgOptions.Resolve).
type settingsFlags struct {
	fs      *flag.FlagSet
	home    string
	topic   string
	regions regionsFlag
}

// register adds the options to fs, with cmd's descriptions.
func (s *settingsFlags) register(fs *flag.FlagSet, cmd string) {
	s.fs = fs
	const recorded = " (default: the one deploy recorded, else " + chain.DefaultHomeRegion + ")"
	switch cmd {
	case "deploy":
		fs.StringVar(&s.topic, "topic-arn", "", "send alerts to this existing SNS topic (same account, home region) instead of creating "+chain.TopicName+" (default: the topic deploy recorded; --topic-arn= goes back to "+chain.TopicName+")")
		fs.Var(&s.regions, "regions", "deploy the forwarding rule only in these regions (comma-separated; the home region is always included; 'all': every enabled region; default: the regions deploy recorded, else all)")
		fs.StringVar(&s.home, "home-region", "", "region of the topic, the rootwatch bus and the alert rules"+recorded)
	case "confirm":
		fs.StringVar(&s.topic, "topic-arn", "", "the topic of the subscription, when only a token is given (default: the topic deploy recorded, else "+chain.TopicName+" in the home region)")
		fs.StringVar(&s.home, "home-region", "", "the home region given to deploy"+recorded)
	default:
		fs.StringVar(&s.topic, "topic-arn", "", "the existing topic given to deploy with --topic-arn (default: the one deploy recorded on the bus)")
		if cmd == "status" {
			fs.Var(&s.regions, "regions", "check only these regions' forwarding (comma-separated; the home region is always checked; 'all': every enabled region; default: the regions deploy recorded, else all)")
		}
		fs.StringVar(&s.home, "home-region", "", "the home region given to deploy"+recorded)
	}
}

// given returns the options as given on the command line, the home region
// defaulted, without reading any record.
func (s *settingsFlags) given() chain.Options {
	o := chain.Options{HomeRegion: homeOrDefault(s.home), TopicARN: s.topic}
	if s.regions != nil && !s.allRegions() {
		o.Regions = slices.Clone([]string(s.regions))
	}
	return o
}

// orgResolve is status --org's and test --org's status.OrgOptions.Resolve:
// the options resolved against the central account as deploy --org resolves
// them (an option given wins, --topic-arn= included; one not given is the
// recorded one, else the default). regions, when not nil, are test --org's
// --regions, which win over the record.
func (s *settingsFlags) orgResolve(regions []string) func(context.Context, cloud.Account, []string) (chain.Options, *chain.Settings, error) {
	return func(ctx context.Context, central cloud.Account, enabled []string) (chain.Options, *chain.Settings, error) {
		d, err := s.resolve(ctx, central, enabled)
		if err != nil {
			return chain.Options{}, nil, err
		}
		if regions != nil {
			d.opts.Regions = regions
		}
		return d.opts, d.rec, nil
	}
}

// allRegions says --regions all was given: every enabled region, as when
// nothing is recorded (nil Regions).
func (s *settingsFlags) allRegions() bool {
	return len(s.regions) == 1 && s.regions[0] == "all"
}

// deployment is what resolve found: the options a command acts on and the
// settings deploy recorded (nil when the account records none: nothing
// deployed yet, a deployment older than the record, or tags removed).
type deployment struct {
	opts chain.Options
	rec  *chain.Settings
	// unrecorded says the home region has a rootwatch bus that records no
	// settings: a deployment older than the record, or whose tags were
	// removed.
	unrecorded bool
}

// emails returns the e-mail addresses given, else the ones deploy recorded:
// a bare deploy subscribes them again when someone unsubscribed them.
func (d deployment) emails(given []string) []string {
	if len(given) == 0 && d.rec != nil {
		return d.rec.Emails
	}
	return given
}

// emailsUnknown says, when no address is given and the record names
// addresses it does not list (a previous release's digest, a list someone
// edited), that deploy cannot re-subscribe or repair them; "" otherwise.
func (d deployment) emailsUnknown(given []string) string {
	if len(given) > 0 || d.rec == nil {
		return ""
	}
	return d.rec.EmailsUnknown()
}

// recordedSubscribing is the plan warning of a deploy given no --email whose
// plan subscribes addresses (subscribing) taken from the record: whoever may
// tag the bus (events:TagResource) can add an address to the record, and the
// deploy would subscribe it without anyone having typed it (its owner must
// still confirm, and the tamper rule alerts on the TagResource, but the deploy
// itself would say nothing special). "" when addresses are given (they are
// the user's own) or the plan subscribes none.
func (d deployment) recordedSubscribing(given, subscribing []string) string {
	if len(given) > 0 || d.rec == nil || len(subscribing) == 0 {
		return ""
	}
	what := "an address"
	if len(subscribing) > 1 {
		what = "addresses"
	}
	return fmt.Sprintf("this deploy subscribes %s to the alerts, %s recorded on the bus, not given with --email: whoever may tag the bus can add addresses to the record; check %s (or give the addresses with --email, which records them instead)",
		strings.Join(subscribing, ", "), what, them(len(subscribing)))
}

// resolve returns the options the command acts on: each setting given on the
// command line wins; a setting not given is the recorded one, else
// rootwatch's default. enabled are the account's enabled regions, where the
// record is looked for when --home-region is not given and the default home
// region has no rootwatch bus.
func (s *settingsFlags) resolve(ctx context.Context, acct cloud.Account, enabled []string) (deployment, error) {
	o := s.given()
	rec, bus, err := findRecord(ctx, acct, s.home, enabled)
	if err != nil {
		return deployment{}, err
	}
	set := flagsSet(s.fs)
	if rec == nil {
		// Nothing recorded: the options given, else rootwatch's defaults;
		// never the topic the alert rules send to, which whoever re-points
		// the rules and untags the bus would choose (status's
		// settings-record check names it; deploy warns before re-targeting).
		return deployment{opts: o, unrecorded: bus}, nil
	}
	if !set["home-region"] {
		o.HomeRegion = rec.HomeRegion
	}
	if !set["topic-arn"] {
		o.TopicARN = rec.TopicARN
	}
	if !set["regions"] {
		o.Regions = slices.Clone(rec.Regions)
	}
	return deployment{opts: o, rec: rec}, nil
}

// findRecord reads the settings deploy recorded on the rootwatch bus of home,
// or, when home is "", of the default home region; when that region has no
// rootwatch bus, it looks for the one bus in the enabled regions that records
// itself as the home. A region that cannot be read is passed over in that
// search (a service control policy may deny a region the deployment never
// used). It returns nil when nothing is recorded (bus says whether the home
// region has a rootwatch bus all the same), and a usage error when several
// home regions are recorded.
func findRecord(ctx context.Context, acct cloud.Account, home string, enabled []string) (rec *chain.Settings, bus bool, err error) {
	first := homeOrDefault(home)
	rec, bus, err = readRecord(ctx, acct, first)
	if err != nil || rec != nil || bus || home != "" {
		return rec, bus, err
	}
	var (
		mu    sync.Mutex
		found []chain.Settings
		wg    sync.WaitGroup
		limit = make(chan struct{}, 8)
	)
	for _, r := range enabled {
		if r == first {
			continue
		}
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			rec, _, err := readRecord(ctx, acct, r)
			if err != nil || rec == nil || rec.HomeRegion != r {
				return
			}
			mu.Lock()
			found = append(found, *rec)
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	switch len(found) {
	case 0:
		return nil, false, nil
	case 1:
		return &found[0], true, nil
	}
	homes := make([]string, len(found))
	for i, f := range found {
		homes[i] = f.HomeRegion
	}
	slices.Sort(homes)
	return nil, false, usageError("rootwatch is deployed with home regions %s: say which with --home-region", strings.Join(homes, " and "))
}

// readRecord reads the record on region's rootwatch bus; bus says whether
// there is one (a bus without a record is a deployment older than it).
func readRecord(ctx context.Context, acct cloud.Account, region string) (rec *chain.Settings, bus bool, err error) {
	b, err := acct.Events(region).Bus(ctx, chain.BusName)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("read the recorded settings in %s: %w", region, err)
	}
	s, ok := chain.ReadSettings(b.Tags)
	if !ok {
		return nil, true, nil
	}
	return &s, true, nil
}
