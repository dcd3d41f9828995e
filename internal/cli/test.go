package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/rootwatch/rootwatch/internal/audit"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/scan"
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
	case rep.Failed():
		return report()
	case rep.Incomplete():
		return &exitError{code: ExitError}
	}
	return nil
}

// recentUse is audit's recent-root-use input: the scan's LookupEvents path
// (every enabled region, paced, classified by the rule pack). Any region that
// could not be read makes the check "could not check", naming the first error.
var recentUse = func(acct cloud.Account) audit.UseSource {
	return func(ctx context.Context, since time.Time) ([]audit.Use, error) {
		res, err := scan.Scan(ctx, nil, scan.Options{Lookup: true, Since: since, Account: acct})
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
