package cli

import (
	"context"
	"fmt"

	"github.com/rootwatch/rootwatch/internal/audit"
	"github.com/rootwatch/rootwatch/internal/cloud"
)

func runTest(ctx context.Context, env *Env, g *globals, args []string) error {
	return usageError("not implemented yet")
}

func runAudit(ctx context.Context, env *Env, g *globals, args []string) error {
	fs := newFlagSet(env, g, "audit", "")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("audit takes no arguments, got %q", fs.Args())
	}
	if err := g.checkOutput("table", "json"); err != nil {
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
	pa, ok := acct.(interface{ Posture() cloud.Posture })
	if !ok {
		return fmt.Errorf("audit: this account adapter cannot read IAM posture")
	}
	in := audit.Inputs{Posture: pa.Posture(), Account: id.Account, Now: env.Now()}
	if recentUse != nil {
		in.RecentUse = recentUse(acct)
	}
	rep, err := audit.Run(ctx, in)
	if err != nil {
		return err
	}
	if g.output == "json" {
		err = audit.WriteJSON(env.Stdout, rep)
	} else {
		err = audit.WriteTable(env.Stdout, rep)
	}
	if err != nil {
		return fmt.Errorf("write audit report: %w", err)
	}
	switch {
	case rep.Incomplete():
		return &exitError{code: ExitError}
	case rep.Failed():
		return report()
	}
	return nil
}

// recentUse returns the event history lookup for audit's recent-root-use
// check, or nil while the scan's lookup is not available.
var recentUse func(acct cloud.Account) audit.UseSource
