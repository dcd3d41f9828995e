package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/deploy"
	"github.com/rootwatch/rootwatch/internal/policy"
	"github.com/rootwatch/rootwatch/internal/status"
)

// listFlag is a repeatable flag (--email a --email b).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// dedupeFold returns ss without the later of two values that are equal
// ignoring case (--email Ops@x.com --email ops@x.com subscribes once).
func dedupeFold(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, s) }) {
			out = append(out, s)
		}
	}
	return out
}

// regionsFlag is a comma-separated region list.
type regionsFlag []string

func (r *regionsFlag) String() string { return strings.Join(*r, ",") }
func (r *regionsFlag) Set(s string) error {
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			*r = append(*r, f)
		}
	}
	if len(*r) == 0 {
		return errors.New("no region given")
	}
	return nil
}

func runDeploy(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "deploy")
	var emails listFlag
	var sf settingsFlags
	o := chain.Options{Version: version()}
	var dryRun bool
	fs.Var(&emails, "email", "subscribe this e-mail address to the alerts (repeatable; default: the addresses deploy recorded)")
	sf.register(fs, "deploy")
	fs.BoolVar(&o.CreateTrail, "create-trail", false, "create a multi-region CloudTrail trail and its S3 bucket if no trail passes the pre-flight check")
	fs.BoolVar(&o.FixKMSPolicy, "fix-kms-policy", false, "add a statement letting EventBridge use the topic's customer managed KMS key to the key policy")
	fs.BoolVar(&dryRun, "dry-run", false, "print the plan and change nothing")
	via := fs.String("via", "api", "deploy through the AWS APIs (api) or as CloudFormation stacks (cloudformation)")
	yes := fs.Bool("yes", false, "do not ask for confirmation before re-targeting the alerts to another topic, narrowing the regions or subscribing addresses taken from the record (asked only when stdin is a terminal)")
	chans := channelFlags{}
	chans.register(fs)
	var of orgFlags
	of.register(fs, "deploy")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("deploy takes no arguments, got %d", fs.NArg()) // an argument may be a misplaced secret
	}
	var err error
	if o.Channels, err = chans.channels(env); err != nil {
		return err
	}
	if *via != "api" && *via != "cloudformation" {
		return usageError("--via %q is not one of api, cloudformation", *via)
	}
	if err := g.check("table", "json"); err != nil {
		return err
	}
	if err := of.check(fs); err != nil {
		return err
	}
	o.Emails = dedupeFold(emails)
	if of.on {
		if *via != "api" {
			return usageError("--via %s does not work with --org (see 'rootwatch export cloudformation' for StackSets)", *via)
		}
		return runDeployOrg(ctx, env, g, of, &sf, o, dryRun, *yes)
	}
	acct, err := env.Connect(ctx, g.config())
	if err != nil {
		return err
	}
	// Who the credentials are, first: its error is the one that says what is
	// wrong with them.
	if _, err := acct.Identity(ctx); err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	enabled, err := acct.Regions(ctx)
	if err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	// What was deployed is the default: a bare deploy repairs the deployment
	// as it was made, and is a no-op when nothing is broken.
	d, err := sf.resolve(ctx, acct, enabled)
	if err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	o.HomeRegion, o.TopicARN, o.Regions = d.opts.HomeRegion, d.opts.TopicARN, d.opts.Regions
	if *via == "cloudformation" {
		return deployStacks(ctx, env, g, acct, o, dryRun)
	}
	o.Emails = d.emails(o.Emails)
	prog := newProgress(env)
	plan, spec, err := deploy.Prepare(prog.planContext(ctx, "deploy"), acct, o)
	prog.done()
	if err != nil {
		return planError(err, "deploy")
	}
	plan.Warnings = append(plan.Warnings, coverageChanges(ctx, acct, d, spec, enabled)...)
	if w := d.recordedSubscribing(emails, plan.Subscribing()); w != "" {
		plan.Warnings = append(plan.Warnings, w)
	}
	if note := d.emailsUnknown(emails); note != "" {
		plan.Notes = append(plan.Notes, note)
	}
	return applyPlan(ctx, env, g, plan, dryRun, askWarnings(env, "deploy", plan.Warnings, *yes), rerunDeploy(spec, o))
}

// askWarnings is deploy's confirmation of a plan with warnings (nil when
// there are none, or with --yes): re-targeting the alert rules leaves the old
// topic's subscribers without alerts, dropping a region leaves it
// unwatched, and an address taken from the record may be one whoever can tag
// the bus added, so it asks first (confirm asks only on a terminal).
func askWarnings(env *Env, cmd string, warnings []string, yes bool) func() error {
	if yes || len(warnings) == 0 {
		return nil
	}
	return func() error {
		return confirm(env, cmd, capitalize(strings.Join(warnings, "; "))+". Go on?")
	}
}

// rerunDeploy is the deploy command line that continues a deploy that
// stopped: it repeats the settings, since the stop may have come before the
// bus recorded them.
func rerunDeploy(spec chain.Spec, o chain.Options) string {
	cmd := chain.RecordedSettings(spec, o).DeployCommand()
	for _, e := range o.Emails {
		cmd += " --email " + e
	}
	if len(o.Channels) > 0 {
		cmd += " with the same channel options"
	}
	return cmd
}

// coverageChanges says what a deploy to spec takes away from the deployment
// d found: another topic for the alert rules (its subscribers get no more
// alerts), and regions no longer covered. For a deployment older than the
// record, the topic the alert rules send to is compared. The plan shows each
// as a line of its own, and deploy asks before applying.
func coverageChanges(ctx context.Context, acct cloud.Account, d deployment, spec chain.Spec, enabled []string) []string {
	var out []string
	oldTopic := ""
	var oldRegions []string
	rec := d.rec
	switch {
	case rec == nil && d.unrecorded:
		oldTopic = status.DeployedTopic(ctx, acct, spec)
	case rec == nil:
		return nil // nothing deployed yet
	case rec.HomeRegion != spec.HomeRegion:
		// Another home region is another chain; the plan's notes say that
		// the old one still runs.
		return nil
	default:
		old, err := chain.Desired(cloud.Identity{Account: spec.Account, Partition: spec.Partition}, enabled, rec.Options())
		if err != nil {
			// A recorded region no longer enabled: compare what was recorded.
			old = chain.Spec{Regions: rec.Regions, Topic: chain.Topic{ARN: rec.TopicARN}}
		}
		oldTopic, oldRegions = old.Topic.ARN, old.Regions
	}
	if oldTopic != "" && oldTopic != spec.Topic.ARN {
		out = append(out, fmt.Sprintf("this deploy re-targets the alert rules from topic %s to topic %s: the subscribers of %s get no more alerts", oldTopic, spec.Topic.ARN, oldTopic))
	}
	var dropped []string
	for _, r := range oldRegions {
		if !slices.Contains(spec.Regions, r) {
			dropped = append(dropped, r)
		}
	}
	if len(dropped) > 0 {
		out = append(out, fmt.Sprintf("this deploy narrows the regions from %d to %d, dropping %s: status stops checking %s and deploy stops repairing %s (the forwarding rules stay until 'rootwatch destroy')",
			len(oldRegions), len(spec.Regions), strings.Join(dropped, ", "), them(len(dropped)), them(len(dropped))))
	}
	return out
}

// them is "it" for one, "them" for more.
func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func runDestroy(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "destroy")
	var topics listFlag
	var o deploy.DestroyOptions
	var dryRun bool
	fs.Var(&topics, "topic-arn", "also remove rootwatch's statement from this topic's policy (repeatable; topics the alert rules target are found without it)")
	fs.BoolVar(&o.DeleteTrail, "delete-trail", false, "also delete the trail --create-trail created, and its bucket if it holds no logs")
	fs.BoolVar(&dryRun, "dry-run", false, "print the plan and change nothing")
	var of orgFlags
	of.register(fs, "destroy")
	yes := fs.Bool("yes", false, "do not ask for confirmation (destroy asks only when stdin is a terminal)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("destroy takes no arguments, got %q", fs.Args())
	}
	if err := g.check("table", "json"); err != nil {
		return err
	}
	if err := of.check(fs); err != nil {
		return err
	}
	o.TopicARNs = topics
	if of.on {
		return runDestroyOrg(ctx, env, g, of, o, dryRun, *yes)
	}
	acct, err := env.Connect(ctx, g.config())
	if err != nil {
		return err
	}
	prog := newProgress(env)
	plan, err := deploy.PlanDestroy(prog.planContext(ctx, "destroy"), acct, o)
	prog.done()
	if err != nil {
		return planError(err, "destroy")
	}
	var ask func() error
	if !*yes {
		ask = func() error {
			changes, _ := plan.Counts()
			return confirm(env, "destroy", fmt.Sprintf("Remove rootwatch from account %s (%s)?", plan.Account, plural(changes, "change")))
		}
	}
	return applyPlan(ctx, env, g, plan, dryRun, ask, "rootwatch destroy")
}

// planError turns a planning error into the command's error with a hint.
func planError(err error, cmd string) error {
	var pe *deploy.PreflightError
	if errors.As(err, &pe) {
		return withHint(fmt.Errorf("%s: %w; nothing was changed", cmd, err), pe.Hint)
	}
	if errors.Is(err, policy.ErrMalformed) {
		return withHint(fmt.Errorf("%s: %w; nothing was changed", cmd, err), "fix the policy (it must be a JSON object whose Statement is an object or an array of objects), then run "+cmd+" again")
	}
	var ie *chain.InputError
	if errors.As(err, &ie) {
		return withHint(fmt.Errorf("%s: %w; nothing was changed", cmd, err), "run 'rootwatch "+cmd+" -h' for the options")
	}
	return fmt.Errorf("%s: %w", cmd, err)
}

// applyPlan prints the plan, applies it unless dryRun, and prints the outcome.
// ask, when not nil, is asked before any change is made (confirm). rerun is
// the command line that continues from where a failed apply stopped.
func applyPlan(ctx context.Context, env *Env, g *globals, plan *deploy.Plan, dryRun bool, ask func() error, rerun string) error {
	changes, _ := plan.Counts()
	if g.output == "table" {
		if err := plan.WriteTableWith(env.Stdout, deploy.TableOptions{All: g.verbose, Width: env.Width}); err != nil {
			return err
		}
	}
	if !dryRun && changes > 0 && ask != nil {
		if err := ask(); err != nil {
			return err
		}
	}
	var applyErr error
	if !dryRun && changes > 0 {
		prog := newProgress(env)
		n := 0
		plan.OnApply = func(c deploy.Change) {
			n++
			region := ""
			if c.Region != "" {
				region = " in " + c.Region
			}
			prog.set("%s %d/%d: %s %s %s%s", plan.Command, n, changes, c.Action, c.Resource, c.Name, region)
		}
		applyErr = plan.Apply(ctx)
		prog.done()
	}
	if g.output == "json" {
		if err := plan.WriteJSON(env.Stdout, dryRun, applyErr); err != nil {
			return err
		}
	} else {
		switch {
		case dryRun && changes > 0:
			fmt.Fprintf(env.Stdout, "dry run: nothing was changed; run without --dry-run to apply\n")
		case applyErr == nil && changes > 0:
			fmt.Fprintf(env.Stdout, "applied %s\n", plural(plan.Applied, "change"))
		case applyErr != nil:
			fmt.Fprintf(env.Stdout, "stopped: applied %d of %s\n", plan.Applied, plural(changes, "change"))
		}
		if plan.Command == "deploy" {
			plan.WritePending(env.Stdout)
		}
	}
	if applyErr != nil {
		return withHint(fmt.Errorf("%s: %w", plan.Command, applyErr),
			fmt.Sprintf("%d of %s applied before it stopped; run '%s' again to continue from there (it reads the current state)", plan.Applied, plural(changes, "change"), rerun))
	}
	return nil
}

func runIAMPolicy(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "iam-policy")
	var o deploy.PolicyOptions
	var cmds, topics, keys, buckets listFlag
	fs.Var(&cmds, "command", "only the permissions of this command (repeatable; one of "+strings.Join(deploy.PolicyCommands, ", ")+"; default: all but org, which is what --org needs of the management account)")
	fs.Var(&topics, "topic-arn", "the SNS topic deploy was (or will be) given with --topic-arn (repeatable): the only foreign topic the policy may edit")
	fs.Var(&keys, "kms-key-arn", "the KMS key of that topic whose policy deploy --fix-kms-policy may extend (repeatable); without it, no key policy can be written")
	fs.Var(&buckets, "bucket", "an S3 bucket scan may read CloudTrail archives from (repeatable)")
	boundary := fs.Bool("boundary", false, "print instead the permissions boundary an administrator creates once as IAM policy "+deploy.BoundaryPolicyName)
	centralBus := fs.String("central-bus", "", "with --boundary: the boundary of an organization member's forwarder, which may put events on this central bus ARN only (arn:aws:events:REGION:CENTRAL:event-bus/"+chain.BusName+")")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("iam-policy takes no arguments, got %q", fs.Args())
	}
	if *centralBus != "" && !*boundary {
		return usageError("--central-bus goes with --boundary")
	}
	if *boundary {
		if *centralBus != "" {
			a, err := chain.ParseARN(*centralBus)
			if err != nil || a.Service != "events" || a.Resource != "event-bus/"+chain.BusName || a.Region == "" || len(a.Account) != 12 {
				return usageError("--central-bus %q is not the ARN of a central rootwatch bus (arn:aws:events:REGION:ACCOUNT:event-bus/%s)", *centralBus, chain.BusName)
			}
			fmt.Fprint(env.Stdout, deploy.MemberBoundaryPolicy(*centralBus))
			return nil
		}
		fmt.Fprint(env.Stdout, deploy.BoundaryPolicy())
		return nil
	}
	for _, c := range cmds {
		if !slices.Contains(deploy.PolicyCommands, c) {
			return usageError("--command %q is not one of %s", c, strings.Join(deploy.PolicyCommands, ", "))
		}
	}
	for _, t := range topics {
		if f := strings.Split(t, ":"); len(f) != 6 || f[0] != "arn" || f[2] != "sns" || f[4] == "" {
			return usageError("--topic-arn %q is not an SNS topic ARN", t)
		}
	}
	for _, k := range keys {
		if f := strings.Split(k, ":"); len(f) != 6 || f[0] != "arn" || f[2] != "kms" || !strings.HasPrefix(f[5], "key/") {
			return usageError("--kms-key-arn %q is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID; not an alias)", k)
		}
	}
	for _, b := range buckets {
		if b == "" || strings.ContainsAny(b, "/*?: ") {
			return usageError("--bucket %q is not a bucket name", b)
		}
	}
	o.Commands, o.TopicARNs, o.KeyARNs, o.Buckets = cmds, topics, keys, buckets
	fmt.Fprint(env.Stdout, deploy.IAMPolicy(o))
	return nil
}

// homeOrDefault is the home region, chain.DefaultHomeRegion when "".
func homeOrDefault(home string) string {
	if home == "" {
		return chain.DefaultHomeRegion
	}
	return home
}
