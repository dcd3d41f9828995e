package deploy

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rootwatch/rootwatch/internal/termsafe"
)

// WriteTable writes the organization plan: one line per account that changes
// or failed (the central account always), a count of the unchanged ones, and,
// with details, every changing account's own plan. Readable at hundreds of
// accounts.
func (p *OrgPlan) WriteTable(w io.Writer, details bool) error {
	verb := "Deploy"
	if p.Command == "destroy" {
		verb = "Destroy"
	}
	fmt.Fprintf(w, "%s plan for organization %s (%d accounts)", verb, p.Organization, len(p.Accounts))
	if p.Central != "" {
		fmt.Fprintf(w, ": central account %s, home region %s", p.Central, p.HomeRegion)
	}
	fmt.Fprintln(w)
	if p.BusARN != "" {
		fmt.Fprintf(w, "central bus: %s\n", p.BusARN)
	}
	if p.Trail != "" {
		fmt.Fprintf(w, "organization trail: %s\n", p.Trail)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tNAME\tROLE\tREGIONS\tPLAN")
	hidden := 0
	for _, a := range p.Accounts {
		switch {
		case a.Err != nil:
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\tfailed: %s\n", a.Account.ID, a.Account.Name, a.Role, oneLine(a.Err.Error()))
		case a.Plan == nil:
		default:
			n, unchanged := a.Plan.Counts()
			if n == 0 && a.Role != "central" {
				hidden++
				continue
			}
			what := fmt.Sprintf("nothing to do (%d unchanged)", unchanged)
			if n > 0 {
				what = a.Plan.summary()
			}
			if a.Plan.Applied > 0 {
				what += fmt.Sprintf("; applied %d", a.Plan.Applied)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", a.Account.ID, a.Account.Name, a.Role, len(a.Plan.Regions), what)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if hidden > 0 {
		fmt.Fprintf(w, "(%d more accounts: nothing to do)\n", hidden)
	}
	for _, c := range p.TrailChanges {
		fmt.Fprintf(w, "organization trail: %s %s %s\n", c.Action, c.Resource, c.Name)
	}
	for _, c := range p.OrgChanges {
		fmt.Fprintf(w, "organization: %s %s %s\n", c.Action, c.Resource, c.Name)
		if c.Diff != "" && c.Action != Unchanged {
			for _, line := range strings.Split(strings.TrimSuffix(c.Diff, "\n"), "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
	}
	if p.OrgErr != nil {
		fmt.Fprintf(w, "organization: failed: %s\n", oneLine(p.OrgErr.Error()))
	}
	for _, a := range p.Accounts {
		for _, n := range a.Notes {
			fmt.Fprintf(w, "note: account %s: %s\n", a.Account.ID, n)
		}
	}
	for _, n := range p.Warnings {
		fmt.Fprintf(w, "warning: %s\n", termsafe.Cell(n))
	}
	if details {
		for _, a := range p.Accounts {
			if a.Plan == nil {
				continue
			}
			if n, _ := a.Plan.Counts(); n == 0 {
				continue
			}
			fmt.Fprintf(w, "\n--- account %s (%s, %s)\n", a.Account.ID, a.Account.Name, a.Role)
			if err := a.Plan.WriteTable(w); err != nil {
				return err
			}
		}
	}
	changing, unchanged, failed := p.Counts()
	fmt.Fprintf(w, "\naccounts: %d to change, %d unchanged, %d failed\n", changing, unchanged, failed)
	return nil
}

// oneLine keeps an error message to one line of a table.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

// OrgJSONReport is the document `--output json` prints for deploy --org and
// destroy --org: the organization plan with every account's plan in full.
//
//	{
//	  "command": "deploy", "organization": "o-...", "managementAccount": "...",
//	  "centralAccount": "...", "homeRegion": "us-east-1", "centralBus": "arn:...",
//	  "organizationTrail": "arn:...",
//	  "accounts": [{"account": {"id": "...", "name": "...", "email": "...", "status": "ACTIVE"}, "role": "central"|"management"|"member",
//	                "plan": {...as deploy's JSON...}, "notes": ["..."], "error": "..."}],
//	  "warnings": ["..."], "dryRun": false, "failedAccounts": 0
//	}
type OrgJSONReport struct {
	// Result is "failed" when an account could not be done (exit 2), else
	// "dry-run", "nothing-to-do" or "applied" (exit 0).
	Result string `json:"result"`
	*OrgPlan
	Accounts []accountJSON `json:"accounts"`
	DryRun   bool          `json:"dryRun"`
	Failed   int           `json:"failedAccounts"`
	OrgError string        `json:"organizationError,omitempty"`
}

type accountJSON struct {
	*AccountPlan
	Error string `json:"error,omitempty"`
}

// WriteJSON writes the organization plan as JSON.
func (p *OrgPlan) WriteJSON(w io.Writer, dryRun bool) error {
	r := OrgJSONReport{OrgPlan: p, DryRun: dryRun, Failed: p.Failed(), Accounts: []accountJSON{}}
	switch {
	case r.Failed > 0 || p.OrgErr != nil:
		r.Result = "failed"
	case !p.Pending():
		r.Result = "nothing-to-do"
	case dryRun:
		r.Result = "dry-run"
	default:
		r.Result = "applied"
	}
	if p.OrgErr != nil {
		r.OrgError = p.OrgErr.Error()
	}
	for _, a := range p.Accounts {
		if a.Plan != nil && a.Plan.Changes == nil {
			a.Plan.Changes = []Change{}
		}
		r.Accounts = append(r.Accounts, accountJSON{AccountPlan: a, Error: a.ErrorText()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
