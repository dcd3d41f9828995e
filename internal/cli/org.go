package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strings"

	"github.com/rootwatch/rootwatch/internal/audit"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/deploy"
	"github.com/rootwatch/rootwatch/internal/fleet"
	"github.com/rootwatch/rootwatch/internal/scp"
	"github.com/rootwatch/rootwatch/internal/selftest"
	"github.com/rootwatch/rootwatch/internal/status"
)

// orgFlags are the options of organization mode (--org), shared by deploy,
// status and destroy.
type orgFlags struct {
	on       bool
	central  string
	role     string
	accounts regionsFlag // comma-separated account IDs
	exclude  regionsFlag
	workers  int
	details  bool
	scp      string // deploy: --attach-scp
	regions  string // test: --regions (deploy and status have their own)
	what     string // the command
}

func (o *orgFlags) register(fs *flag.FlagSet, what string) {
	o.what = what
	fs.BoolVar(&o.on, "org", false, what+" in every account of the organization (run with the management account's credentials)")
	fs.StringVar(&o.central, "central-account", "", "with --org: the account that holds the alert chain (default: the caller's)")
	fs.StringVar(&o.role, "role-name", cloud.DefaultAccessRole, "with --org: the role to assume in each account")
	fs.Var(&o.accounts, "accounts", "with --org: only these accounts (comma-separated IDs)")
	fs.Var(&o.exclude, "exclude-accounts", "with --org: leave out these accounts (comma-separated IDs)")
	fs.IntVar(&o.workers, "workers", fleet.DefaultWorkers, "with --org: accounts worked on at once")
	fs.BoolVar(&o.details, "details", false, "with --org: print every changing account's full plan")
	if what == "test" {
		fs.StringVar(&o.regions, "regions", "", "with --org: check only these regions' forwarding (comma-separated; the home region is always checked)")
	}
	if what == "deploy" {
		fs.StringVar(&o.scp, "attach-scp", "", "with --org: create the service control policy of 'rootwatch scp' (exempting --role-name) and attach it to this root or OU (r-... or ou-...)")
	}
}

var accountIDRe = regexp.MustCompile(`^[0-9]{12}$`)

// check validates the flags, and refuses --org's options without --org.
func (o *orgFlags) check(fs *flag.FlagSet) error {
	if !o.on {
		var stray []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "central-account", "role-name", "accounts", "exclude-accounts", "workers", "details", "attach-scp":
				stray = append(stray, "--"+f.Name)
			case "regions":
				if o.what == "test" {
					stray = append(stray, "--"+f.Name)
				}
			}
		})
		if len(stray) > 0 {
			return usageError("%s only with --org", stray[0])
		}
		return nil
	}
	for _, id := range append(append([]string{}, o.accounts...), o.exclude...) {
		if !accountIDRe.MatchString(id) {
			return usageError("%q is not an account ID (12 digits)", id)
		}
	}
	if o.central != "" && !accountIDRe.MatchString(o.central) {
		return usageError("--central-account %q is not an account ID (12 digits)", o.central)
	}
	if o.scp != "" && !strings.HasPrefix(o.scp, "r-") && !strings.HasPrefix(o.scp, "ou-") {
		return usageError("--attach-scp %q is not a root (r-...) or an organizational unit (ou-...)", o.scp)
	}
	if o.workers < 1 {
		return usageError("--workers must be at least 1")
	}
	return nil
}

// orgProgress is the per-account progress of an organization command on the
// one progress line (progress), or nil when stderr is not a terminal.
func orgProgress(env *Env) func(stage string, done, total int) {
	p := newProgress(env)
	if !p.on {
		return nil
	}
	return func(stage string, done, total int) {
		if done >= total {
			p.done()
			return
		}
		p.set("%s %d/%d accounts", stage, done, total)
	}
}

// runDeployOrg deploys the central chain and every account's forwarders. As
// deploy in one account, the settings not given (home region, topic,
// regions, e-mail addresses) are those deploy --org recorded on the central
// bus, and a plan that re-targets the alert rules, narrows the regions or
// subscribes addresses taken from the record says so and asks first (without
// --yes, on a terminal).
func runDeployOrg(ctx context.Context, env *Env, g *globals, of orgFlags, sf *settingsFlags, o chain.Options, dryRun, yes bool) error {
	acct, err := env.Connect(ctx, g.config())
	if err != nil {
		return err
	}
	var emailsNote string     // the record names addresses it does not list
	var centralDep deployment // what Resolve found on the central bus
	oo := deploy.OrgOptions{
		Options: o, Central: of.central, Role: of.role, Workers: of.workers,
		Selection: fleet.Selection{Include: of.accounts, Exclude: of.exclude},
		Progress:  orgProgress(env),
		Resolve: func(ctx context.Context, central cloud.Account, enabled []string) (chain.Options, func(chain.Spec) []string, error) {
			d, err := sf.resolve(ctx, central, enabled)
			if err != nil {
				return chain.Options{}, nil, err
			}
			co := o
			co.HomeRegion, co.TopicARN, co.Regions = d.opts.HomeRegion, d.opts.TopicARN, d.opts.Regions
			centralDep = d
			co.Emails = d.emails(o.Emails)
			emailsNote = d.emailsUnknown(o.Emails)
			warn := func(spec chain.Spec) []string {
				ws := coverageChanges(ctx, central, d, spec, enabled)
				for i, w := range ws {
					ws[i] = strings.ReplaceAll(w, "'rootwatch destroy'", "'rootwatch destroy --org'")
				}
				return ws
			}
			return co, warn, nil
		},
	}
	if of.scp != "" {
		p, err := scp.Build(scpOptions([]string{"arn:aws:iam::*:role/" + of.role}, nil))
		if err != nil {
			return usageError("--attach-scp: %v", err)
		}
		oo.AttachSCP = &deploy.SCP{Content: p.Compact(), Target: of.scp}
	}
	plan, err := deploy.PrepareOrg(ctx, acct, oo)
	if err != nil {
		return planError(err, "deploy --org")
	}
	for _, a := range plan.Accounts {
		if a.Role != "central" {
			continue
		}
		if emailsNote != "" {
			a.Notes = append(a.Notes, emailsNote)
		}
		if w := centralDep.recordedSubscribing(o.Emails, a.Plan.Subscribing()); w != "" {
			plan.Warnings = append(plan.Warnings, w)
		}
	}
	return applyOrgPlan(ctx, env, g, of, plan, dryRun, askWarnings(env, "deploy --org", plan.Warnings, yes))
}

// applyOrgPlan prints the organization plan, applies it unless dryRun, and
// prints the outcome; any account that failed makes it exit 2.
// ask, when not nil, is asked before any change is made (confirm).
func applyOrgPlan(ctx context.Context, env *Env, g *globals, of orgFlags, plan *deploy.OrgPlan, dryRun bool, ask func() error) error {
	pending := plan.Pending()
	if !dryRun && pending {
		if ask != nil {
			if err := ask(); err != nil {
				return err
			}
		}
		plan.Apply(ctx)
	}
	if g.output == "json" {
		if err := plan.WriteJSON(env.Stdout, dryRun); err != nil {
			return err
		}
	} else {
		if err := plan.WriteTable(env.Stdout, of.details); err != nil {
			return err
		}
		if dryRun && pending {
			fmt.Fprintf(env.Stdout, "dry run: nothing was changed; run without --dry-run to apply\n")
		}
	}
	if failed := plan.Failed(); failed > 0 {
		return withHint(&exitError{code: ExitError, err: fmt.Errorf("%s --org: %d accounts could not be done (listed above with the reason)", plan.Command, failed)},
			"fix those accounts (is the role there, does an SCP deny?) and run the command again: the other accounts are done and will show nothing to do")
	}
	return nil
}

func runDestroyOrg(ctx context.Context, env *Env, g *globals, of orgFlags, o deploy.DestroyOptions, dryRun, yes bool) error {
	if of.central != "" {
		return usageError("--central-account is for deploy and status; destroy --org finds the central bus wherever it is")
	}
	acct, err := env.Connect(ctx, g.config())
	if err != nil {
		return err
	}
	plan, err := deploy.PrepareOrgDestroy(ctx, acct, deploy.OrgDestroyOptions{
		DestroyOptions: o, Role: of.role, Workers: of.workers,
		Selection: fleet.Selection{Include: of.accounts, Exclude: of.exclude},
		Progress:  orgProgress(env),
	})
	if err != nil {
		return planError(err, "destroy --org")
	}
	var ask func() error
	if !yes {
		ask = func() error {
			return confirm(env, "destroy --org", "Remove rootwatch from every selected account of the organization (--dry-run shows the plan)?")
		}
	}
	return applyOrgPlan(ctx, env, g, of, plan, dryRun, ask)
}

// runStatusOrg checks the central chain and every account's forwarders, and
// exits as status does: 0 healthy, 1 degraded (an uncovered account too), 2
// something could not be checked.
func runStatusOrg(ctx context.Context, env *Env, g *globals, of orgFlags, sf *settingsFlags) error {
	if of.details {
		return usageError("--details is for deploy and destroy; status --org --output json has every check")
	}
	acct, err := env.Connect(ctx, g.config())
	if err != nil {
		return withHint(fmt.Errorf("could not check: %w", err), "check your credentials, --profile and --region")
	}
	rep, err := status.CheckOrg(ctx, acct, status.OrgOptions{
		Options: sf.given(), Central: of.central, Role: of.role, Workers: of.workers,
		Selection: fleet.Selection{Include: of.accounts, Exclude: of.exclude},
		Progress:  orgProgress(env),
		Resolve:   sf.orgResolve(nil),
	}, env.Now())
	if err != nil {
		return withHint(fmt.Errorf("could not check: %w", err), "run status --org with the management account's credentials")
	}
	if g.output == "json" {
		err = status.WriteOrgJSON(env.Stdout, rep)
	} else {
		err = status.WriteOrgTable(env.Stdout, rep)
	}
	if err != nil {
		return fmt.Errorf("write status: %w", err)
	}
	// One precedence (exit.go): degraded anywhere is 1, could not check
	// anywhere is 2, both are 3; the report's Result says which.
	result := rep.Result()
	degraded, incomplete := strings.HasPrefix(result, "degraded"), strings.HasSuffix(result, "incomplete")
	if !incomplete {
		return outcome(degraded, false, nil)
	}
	errs := rep.Errors()
	if len(errs) == 0 {
		errs = append(errs, errors.New("unknown error"))
	}
	return outcome(degraded, true, fmt.Errorf("could not check %d link(s) or account(s) (the ERROR lines; the rest of the report stands): %w", len(errs), errs[0]))
}

// runAuditOrg audits the management account (the caller) as audit does, and
// every other account's root posture through the assumed role, as one table.
func runAuditOrg(ctx context.Context, env *Env, g *globals, of orgFlags, acct cloud.Account, in audit.Inputs) error {
	if of.central != "" || of.details {
		return usageError("--central-account and --details are not for audit")
	}
	rep, err := audit.RunOrg(ctx, acct, in, audit.OrgOptions{
		Role: of.role, Workers: of.workers, Progress: orgProgress(env),
		Selection: fleet.Selection{Include: of.accounts, Exclude: of.exclude},
	})
	if err != nil {
		return withHint(fmt.Errorf("audit --org: %w", err), "run audit --org with the management account's credentials")
	}
	if g.output == "json" {
		err = audit.WriteOrgJSON(env.Stdout, rep)
	} else {
		err = audit.WriteOrgTable(env.Stdout, rep)
	}
	if err != nil {
		return fmt.Errorf("write audit report: %w", err)
	}
	return outcome(rep.Failed(), rep.Incomplete(), nil)
}

// runTestOrg proves the central delivery (rootwatch test against the central
// account's chain) and judges every account's forwarding path to the central
// bus with status --org's verdicts. Exit codes as test: 0 all passed, 1 a
// check failed or is degraded (an uncovered account too), 2 something could
// not be verified (an account that could not be reached), 3 both.
func runTestOrg(ctx context.Context, env *Env, g *globals, of orgFlags, sf *settingsFlags, to selftest.Options) error {
	if of.details {
		return usageError("--details is for deploy and destroy; test --org --output json has every check")
	}
	co := sf.given()
	for _, r := range strings.Split(of.regions, ",") {
		if r = strings.TrimSpace(r); r != "" {
			co.Regions = append(co.Regions, r)
		}
	}
	acct, err := env.Connect(ctx, g.config())
	if err != nil {
		return withHint(fmt.Errorf("could not test: %w", err), "check your credentials, --profile and --region")
	}
	res, err := selftest.RunOrg(ctx, acct, selftest.OrgOptions{
		OrgOptions: status.OrgOptions{
			Options: co, Central: of.central, Role: of.role, Workers: of.workers,
			Selection: fleet.Selection{Include: of.accounts, Exclude: of.exclude},
			Progress:  orgProgress(env),
			Resolve:   sf.orgResolve(co.Regions),
		},
		Test: to,
	})
	if res == nil {
		return withHint(fmt.Errorf("could not test: %w", err), "run test --org with the management account's credentials")
	}
	if res.Central != nil {
		var werr error
		if g.output == "json" {
			werr = selftest.WriteOrgJSON(env.Stdout, res)
		} else {
			werr = selftest.WriteOrgText(env.Stdout, res, g.verbose)
		}
		if werr != nil {
			return fmt.Errorf("write test result: %w", werr)
		}
	}
	return outcome(res.Failed(), res.Unverified(), err)
}
