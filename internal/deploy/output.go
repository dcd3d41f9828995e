package deploy

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/rootwatch/rootwatch/internal/table"
	"github.com/rootwatch/rootwatch/internal/termsafe"
)

// WriteTable writes the plan as a table, followed by the diffs of the policies
// it edits.
func (p *Plan) WriteTable(w io.Writer) error {
	return p.WriteTableWith(w, TableOptions{All: true})
}

// TableOptions say how much of a plan WriteTableWith shows, and how wide.
type TableOptions struct {
	// All shows unchanged resources too; else a plan with nothing to do is
	// one line.
	All bool
	// Width wraps the DETAIL column to fit this many columns (0: no limit).
	Width int
}

// WriteTableWith writes the plan as WriteTable does, showing what o selects.
func (p *Plan) WriteTableWith(w io.Writer, o TableOptions) error {
	changes, unchanged := p.Counts()
	if changes == 0 && !o.All {
		notes := ""
		switch len(p.Notes) {
		case 0:
		case 1:
			notes = "; 1 note, --verbose shows it"
		default:
			notes = fmt.Sprintf("; %d notes, --verbose shows them", len(p.Notes))
		}
		_, err := fmt.Fprintf(w, "nothing to do: %s unchanged (account %s, %s)%s\n", plural(unchanged, "resource"), p.Account, plural(len(p.Regions), "region"), notes)
		return err
	}
	regions := strings.Join(p.Regions, ", ")
	if p.Command == "destroy" {
		fmt.Fprintf(w, "Destroy plan for account %s (searched %s)\n\n", p.Account, plural(len(p.Regions), "region"))
	} else {
		fmt.Fprintf(w, "Deploy plan for account %s: home region %s, %s (%s)\n\n", p.Account, p.HomeRegion, plural(len(p.Regions), "region"), regions)
	}
	t := table.New("ACTION", "RESOURCE", "REGION", "NAME", "DETAIL")
	for _, c := range p.Changes {
		if c.Action == Unchanged && !o.All {
			continue
		}
		region := c.Region
		if region == "" {
			region = "-"
		}
		t.Row(string(c.Action), c.Resource, region, c.Name, c.Detail)
	}
	if t.Len() > 0 {
		if err := t.Write(w, o.Width); err != nil {
			return err
		}
	}
	for _, c := range p.Changes {
		if c.Diff == "" || c.Action == Unchanged || c.Action == Keep {
			continue
		}
		fmt.Fprintf(w, "\n%s %s %s:\n", c.Action, c.Resource, termsafe.Cell(c.Name))
		for _, line := range strings.Split(strings.TrimSuffix(c.Diff, "\n"), "\n") {
			fmt.Fprintf(w, "    %s\n", termsafe.Cell(line))
		}
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "\nnote: %s\n", termsafe.Cell(n))
	}
	for _, n := range p.Warnings {
		fmt.Fprintf(w, "\nwarning: %s\n", termsafe.Cell(n))
	}
	if changes == 0 {
		fmt.Fprintf(w, "\nnothing to do: %s unchanged\n", plural(unchanged, "resource"))
	} else {
		fmt.Fprintf(w, "\nplan: %s; %d unchanged\n", p.summary(), unchanged)
	}
	return nil
}

// plural is "1 resource", "2 resources".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (p *Plan) summary() string {
	n := map[Action]int{}
	for _, c := range p.Changes {
		n[c.Action]++
	}
	var parts []string
	for _, a := range []Action{Create, Update, Delete} {
		if n[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", n[a], a))
		}
	}
	return strings.Join(parts, ", ")
}

// WritePending tells the user what to do about subscriptions awaiting confirmation.
func (p *Plan) WritePending(w io.Writer) {
	if len(p.Pending) == 0 {
		return
	}
	fmt.Fprintf(w, "\nPending e-mail subscriptions: nobody receives alerts at these addresses until they confirm:\n")
	for _, e := range p.Pending {
		fmt.Fprintf(w, "  %s: check your inbox for \"AWS Notification - Subscription Confirmation\" and click \"Confirm subscription\"\n", termsafe.Cell(e))
	}
}

// JSONReport is the document `--output json` prints for deploy and destroy.
//
//	{
//	  "result": "applied" | "nothing-to-do" | "dry-run" | "failed",
//	  "command": "deploy" | "destroy",
//	  "account": "123456789012",
//	  "homeRegion": "us-east-1",
//	  "regions": ["eu-west-1", ...],
//	  "topicArn": "arn:aws:sns:...",            // deploy
//	  "changes": [{"action": "create"|"update"|"unchanged"|"delete"|"keep",
//	               "resource": "event-rule", "region": "eu-west-1",
//	               "name": "rootwatch-forward", "detail": "...", "diff": "..."}],
//	  "pendingSubscriptions": ["alice@example.com"],
//	  "notes": ["..."],
//	  "warnings": ["..."],  // deploy: what it takes away (another topic, fewer regions) or subscribes unasked (recorded addresses)
//	  "dryRun": false,
//	  "applied": 12,        // changes made by this run
//	  "error": "..."        // when applying stopped at a failed change
//	}
type JSONReport struct {
	// Result is "failed" when applying stopped at a failed change (exit 2),
	// else "dry-run", "nothing-to-do" or "applied" (exit 0).
	Result string `json:"result"`
	*Plan
	DryRun bool   `json:"dryRun"`
	Error  string `json:"error,omitempty"`
}

// WriteJSON writes the plan (and what was applied) as JSON.
func (p *Plan) WriteJSON(w io.Writer, dryRun bool, applyErr error) error {
	r := JSONReport{Plan: p, DryRun: dryRun}
	changes, _ := p.Counts()
	switch {
	case applyErr != nil:
		r.Result, r.Error = "failed", applyErr.Error()
	case dryRun && changes > 0:
		r.Result = "dry-run"
	case changes == 0:
		r.Result = "nothing-to-do"
	default:
		r.Result = "applied"
	}
	if r.Changes == nil {
		r.Changes = []Change{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
