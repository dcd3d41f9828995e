package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/status"
)

// runStatus checks every link of the deployed chain against what deploy would
// deploy with the same options, prints one line per check, and exits 0 when
// healthy, 1 when degraded, 2 when something could not be checked and the rest
// is healthy, 3 when degraded and something could not be checked.
func runStatus(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "status")
	var sf settingsFlags
	sf.register(fs, "status")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(fs.Output(), `
One line per check: region, check, OK/WARN/FAIL/ERROR, detail and the fix.
Exit status: 0 healthy; 1 degraded (a WARN or FAIL: an alert would be lost,
delayed or reach fewer people); 2 could not check (an ERROR: the rest of the
report is still printed); 3 degraded and could not check. --output json prints the same report as JSON.
`)
	}
	var of orgFlags
	of.register(fs, "check")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("status takes no arguments, got %q", fs.Arg(0))
	}
	if err := g.check("table", "json"); err != nil {
		return err
	}
	if err := of.check(fs); err != nil {
		return err
	}
	if of.on {
		return runStatusOrg(ctx, env, g, of, &sf)
	}
	acct, err := env.Connect(ctx, g.config())
	if err != nil {
		return withHint(fmt.Errorf("could not check: %w", err), "check your credentials, --profile and --region")
	}
	id, err := acct.Identity(ctx)
	if err != nil {
		return withHint(fmt.Errorf("could not check: %w", err), "check your credentials, --profile and --region")
	}
	enabled, err := acct.Regions(ctx)
	if err != nil {
		return fmt.Errorf("could not check: %w", err)
	}
	// The settings deploy recorded on the bus are the defaults: status
	// checks the topic deploy was given, never the one the rules point at
	// (which anyone who can edit a rule could change).
	d, err := sf.resolve(ctx, acct, enabled)
	if err != nil {
		return fmt.Errorf("could not check: %w", err)
	}
	spec, err := chain.Desired(id, enabled, d.opts)
	if err != nil {
		return usageError("%v", err)
	}
	// Without a record, the options given are checked, never the topic the
	// rules point at: the settings-record check says so.

	prog := newProgress(env)
	prog.set("status: checking %s", plural(len(spec.Forwarders), "region"))
	rep := status.CheckWith(ctx, acct, spec, env.Now(), status.CheckOptions{Recorded: d.rec, RegionDone: prog.regionHook("status: checked")})
	prog.done()
	if g.output == "json" {
		err = status.WriteJSON(env.Stdout, rep)
	} else {
		err = status.WriteTableWith(env.Stdout, rep, status.TableOptions{All: g.verbose, Width: env.Width})
	}
	if err != nil {
		return fmt.Errorf("write status: %w", err)
	}
	degraded := false
	for _, c := range rep.Checks {
		degraded = degraded || c.Status == status.Warn || c.Status == status.Fail
	}
	errs := rep.Errors()
	if rep.Status != status.Error {
		return outcome(degraded, false, nil)
	}
	if len(errs) == 0 {
		errs = append(errs, errors.New("unknown error"))
	}
	return outcome(degraded, true, fmt.Errorf("could not check %d link(s) (the ERROR lines; the rest of the report stands): %w", len(errs), errs[0]))
}

// flagsSet returns the names of the flags given on the command line.
func flagsSet(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}
