package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

// deployStacks is `deploy --via cloudformation`: the export's stacks,
// planned as change sets, applied by CloudFormation.
func deployStacks(ctx context.Context, env *Env, g *globals, acct cloud.Account, o chain.Options, dryRun bool) error {
	sa, ok := acct.(cloud.StackAccount)
	if !ok {
		return errors.New("deploy: this endpoint cannot run CloudFormation")
	}
	plan, err := deploy.PrepareStacks(ctx, acct, sa, o, env.Now())
	if err != nil {
		return planError(err, "deploy")
	}
	changes, unchanged := plan.Counts()
	if g.output == "table" {
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "STACK\tREGION\tACTION\tRESOURCE\tTYPE\tREPLACEMENT")
		for _, s := range plan.Stacks {
			if len(s.Changes) == 0 {
				fmt.Fprintf(tw, "%s\t%s\t%s\t\t\t\n", s.Name, s.Region, s.Action)
			}
			for _, c := range s.Changes {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.Region, c.Action, c.LogicalID, c.Type, c.Replacement)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	var applyErr error
	switch {
	case dryRun:
		if err := plan.Discard(ctx); err != nil {
			return fmt.Errorf("deploy: delete the change sets of the dry run: %w", err)
		}
	case changes > 0:
		if env.StderrTerminal {
			plan.OnEvent = func(stack, region string, e cloud.StackEvent) {
				fmt.Fprintf(env.Stderr, "%s %s: %s %s %s %s\n", stack, region, e.LogicalID, e.Type, e.Status, e.StatusReason)
			}
		}
		applyErr = plan.Apply(ctx, env.Now())
	}
	if g.output == "json" {
		doc := struct {
			*deploy.StackPlan
			DryRun bool   `json:"dryRun"`
			Error  string `json:"error,omitempty"`
		}{StackPlan: plan, DryRun: dryRun}
		if applyErr != nil {
			doc.Error = applyErr.Error()
		}
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s\n", b)
	} else {
		switch {
		case changes == 0:
			fmt.Fprintf(env.Stdout, "nothing to do: %d stacks unchanged\n", unchanged)
		case dryRun:
			fmt.Fprintf(env.Stdout, "dry run: nothing was changed (the change sets were deleted); run without --dry-run to apply\n")
		case applyErr == nil:
			fmt.Fprintf(env.Stdout, "applied %d stacks\n", plan.Applied)
		}
		for _, n := range plan.Notes {
			fmt.Fprintf(env.Stdout, "note: %s\n", n)
		}
	}
	if applyErr != nil {
		return withHint(fmt.Errorf("deploy: %w", applyErr),
			"fix what the events above say, then run 'rootwatch deploy --via cloudformation' again; a stack left in ROLLBACK_COMPLETE must be deleted first")
	}
	return nil
}
