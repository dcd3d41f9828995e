package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/rootwatch/rootwatch/internal/audit"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/scan"
	"github.com/rootwatch/rootwatch/internal/selftest"
	"github.com/rootwatch/rootwatch/internal/termsafe"
)

// runTest proves the deployed alert works without using root: the pattern
// check, the links of the home region's chain, and an end-to-end delivery
// through temporary resources (a rule, a queue and its subscription, an
// extension of rootwatch's topic policy statement) that are removed in every
// outcome. Exit 0 when every check passed, 1 when one failed (or a temporary
// resource could not be removed), 2 when one could not be verified, 3 when
// both.
func runTest(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "test")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(fs.Output(), `
rootwatch test creates temporary resources in the home region and removes them
in every outcome (pass, failure, timeout, Ctrl-C): a rule on the rootwatch bus,
an SQS queue subscribed to the topic, and an extension of rootwatch's topic
policy statement to that rule (when the message does not arrive, also a probe
rule and a probe topic). They are named rootwatch-selftest-* and tagged
rootwatch:managed=true. The topic's subscribers receive the synthetic root
sign-in alert; its result reads TEST, so nobody mistakes it for a real one.

With --org (the management account's credentials), the delivery test runs in
the central account, and every account's forwarding path to the central bus
is judged as status --org judges it (the forwarding rules and their target,
the forwarder role's trust and permission, the central bus policy evaluated
for that account's forwarder role); nothing is put through a member's
forwarder, so no alert is raised.
`)
	}
	timeout := fs.Duration("timeout", selftest.DefaultTimeout, "how long to wait for the test message")
	notify := fs.Bool("notify", false, "also publish a test message, clearly marked, to the topic's e-mail subscribers, and send a test alert through every channel (Slack, Teams, PagerDuty, webhook)")
	var sf settingsFlags
	sf.register(fs, "test")
	var of orgFlags
	of.register(fs, "test")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("test takes no arguments, got %q", fs.Arg(0))
	}
	if *timeout <= 0 {
		return usageError("--timeout must be positive, got %s", *timeout)
	}
	if err := g.check("table", "json"); err != nil {
		return err
	}
	if err := of.check(fs); err != nil {
		return err
	}
	o := selftest.Options{
		Timeout:  *timeout,
		Notify:   *notify,
		Emulated: g.endpoint != "" || env.Getenv("AWS_ENDPOINT_URL") != "",
		Now:      env.Now,
	}
	if env.StderrTerminal {
		o.Progress = func(line string) { fmt.Fprintf(env.Stderr, "rootwatch: %s\n", line) }
	}
	if of.on {
		return runTestOrg(ctx, env, g, of, &sf, o)
	}
	acct, err := env.Connect(ctx, g.config())
	if err != nil {
		return withHint(fmt.Errorf("could not test: %w", err), "check your credentials, --profile and --region")
	}
	id, err := acct.Identity(ctx)
	if err != nil {
		return withHint(fmt.Errorf("could not test: %w", err), "check your credentials, --profile and --region")
	}
	enabled, err := acct.Regions(ctx)
	if err != nil {
		return fmt.Errorf("could not test: %w", err)
	}
	// The settings deploy recorded on the bus are the defaults: test sends
	// through the topic deploy was given, not whatever the rules point at.
	d, err := sf.resolve(ctx, acct, enabled)
	if err != nil {
		return fmt.Errorf("could not test: %w", err)
	}
	opts := d.opts
	opts.Regions = []string{opts.HomeRegion}
	spec, err := chain.Desired(id, enabled, opts)
	if err != nil {
		return usageError("%v", err)
	}
	// Without a record, test sends through the topic given (or rootwatch's),
	// never the one the rules point at: its links say so (settings-record).
	res, runErr := selftest.Run(ctx, acct, spec, o)
	if res != nil {
		if g.output == "json" {
			err = selftest.WriteJSON(env.Stdout, res)
		} else {
			err = selftest.WriteText(env.Stdout, res)
		}
		if err != nil {
			return fmt.Errorf("write test result: %w", err)
		}
	}
	if ctx.Err() != nil && res != nil {
		writeInterrupted(env, res)
	}
	switch {
	case runErr != nil && res != nil:
		return outcome(res.Failed() || res.Degraded(), true, runErr)
	case runErr != nil:
		return runErr
	}
	return outcome(res.Failed() || res.Degraded(), res.Unverified(), nil)
}

// writeInterrupted tells, on stderr, what an interrupted test removed: the
// result above says which check was cut short; this says the account is as
// it was (or what to remove by hand).
func writeInterrupted(env *Env, res *selftest.Result) {
	if len(res.CleanupErrors) > 0 {
		fmt.Fprintf(env.Stderr, "interrupted: NOT every temporary resource was removed; remove by hand what the result above lists\n")
		return
	}
	fmt.Fprintf(env.Stderr, "interrupted: the test stopped before its end; it removed the %s it had created:\n", plural(len(res.Temporary), "temporary resource"))
	for _, r := range res.Temporary {
		fmt.Fprintf(env.Stderr, "  %s\n", termsafe.Cell(r))
	}
}

func runAudit(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "audit")
	noLookup := fs.Bool("no-lookup", false, "skip the recent-root-use check, which reads 90 days of CloudTrail event history in every enabled region (slow in busy accounts: LookupEvents allows 2 requests per second)")
	var of orgFlags
	of.register(fs, "audit")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("audit takes no arguments, got %q", fs.Args())
	}
	if err := g.check("table", "json"); err != nil {
		return err
	}
	if err := of.check(fs); err != nil {
		return err
	}
	acct, err := env.Connect(ctx, g.config())
	if err != nil {
		return err
	}
	id, err := acct.Identity(ctx)
	if err != nil {
		return withHint(err, "check the credentials: aws sts get-caller-identity")
	}
	in := audit.Inputs{Posture: acct.Posture(), Account: id.Account, Now: env.Now()}
	if recentUse != nil && !*noLookup {
		in.RecentUse = recentUse(acct, env)
	}
	if of.on {
		return runAuditOrg(ctx, env, g, of, acct, in)
	}
	rep, err := audit.Run(ctx, in)
	if err != nil {
		return err
	}
	if g.output == "json" {
		err = audit.WriteJSON(env.Stdout, rep)
	} else {
		err = audit.WriteTableWidth(env.Stdout, rep, env.Width)
	}
	if err != nil {
		return fmt.Errorf("write audit report: %w", err)
	}
	return outcome(rep.Failed(), rep.Incomplete(), nil)
}

// recentUse is audit's recent-root-use input: the scan's LookupEvents path
// (every enabled region, paced, classified by the rule pack). Any region that
// could not be read makes the check "could not check", naming the first error.
var recentUse = func(acct cloud.Account, env *Env) audit.UseSource {
	return func(ctx context.Context, since time.Time) ([]audit.Use, error) {
		o := scan.Options{Lookup: true, Since: since, Account: acct}
		prog := newProgress(env)
		if env.StderrTerminal {
			o.Progress = func(st scan.Stats) {
				prog.set("reading event history: %d/%d regions, %d events, %d root events", st.RegionsDone, st.Regions, st.HistoryEvents, st.Findings)
			}
		}
		res, err := scan.Scan(ctx, nil, o)
		prog.done()
		if err != nil {
			return nil, fmt.Errorf("look up root activity: %w", err)
		}
		if len(res.Errors) > 0 {
			return nil, fmt.Errorf("look up root activity: %d error(s), the first: %w", res.Stats.Errors, res.Errors[0])
		}
		uses := make([]audit.Use, 0, len(res.Findings))
		for _, f := range res.Findings {
			uses = append(uses, audit.Use{Time: f.Summary.Time, Kind: f.Rule.ID, Event: f.Summary.EventName, SourceIP: f.Summary.SourceIP, Region: f.Summary.Region})
		}
		return uses, nil
	}
}
