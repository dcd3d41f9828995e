package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/fleet"
)

// AccountAudit is one account's audit in an organization audit.
type AccountAudit struct {
	Account cloud.OrgAccount `json:"account"`
	// Status is the worst of the account's checks (fail, warn, error, pass).
	Status Status  `json:"status"`
	Report *Report `json:"report,omitempty"`
	Error  string  `json:"error,omitempty"` // the account could not be audited
}

// OrgAudit is `audit --org`'s result: the management account's audit (with
// the organization's centralized root access and every member's root
// credentials as the management account sees them), and every other
// account's own audit, read through an assumed role.
type OrgAudit struct {
	Management *Report        `json:"management"`
	Accounts   []AccountAudit `json:"accounts"`
}

// OrgOptions say which accounts audit --org reaches, and how.
type OrgOptions struct {
	Selection fleet.Selection
	Role      string
	Workers   int
	Progress  func(stage string, done, total int)
}

// RunOrg audits the organization from the management account's credentials
// (in.Posture and in.Account are the caller's). An account that cannot be
// reached carries its error; the others are audited.
func RunOrg(ctx context.Context, caller cloud.Account, in Inputs, o OrgOptions) (*OrgAudit, error) {
	mgmt, err := Run(ctx, in)
	if err != nil {
		return nil, err
	}
	out := &OrgAudit{Management: mgmt}
	accounts, err := fleet.Select(ctx, caller.Org(), o.Selection)
	if err != nil {
		return nil, err
	}
	var others []cloud.OrgAccount
	for _, a := range accounts {
		if a.ID != in.Account {
			others = append(others, a)
		}
	}
	runner := &fleet.Runner{Caller: caller, CallerID: in.Account, Role: o.Role, Workers: o.Workers}
	if o.Progress != nil {
		runner.Progress = func(done, total int) { o.Progress("audited", done, total) }
	}
	results := fleet.Run(ctx, runner, others, func(ctx context.Context, a cloud.OrgAccount, acct cloud.Account) (*Report, error) {
		return Run(ctx, Inputs{Posture: acct.Posture(), Account: a.ID, Now: in.Now})
	})
	for _, r := range results {
		aa := AccountAudit{Account: r.Account}
		if r.Err != nil {
			aa.Status, aa.Error = Error, r.Err.Error()
		} else {
			aa.Report, aa.Status = r.Value, worst(r.Value)
		}
		out.Accounts = append(out.Accounts, aa)
	}
	return out, nil
}

// worst is a report's worst status: fail, warn, error, then pass.
func worst(r *Report) Status {
	for _, s := range []Status{Fail, Warn, Error} {
		if r.Summary[s] > 0 {
			return s
		}
	}
	return Pass
}

// Failed says whether any account has something to fix.
func (o *OrgAudit) Failed() bool {
	if o.Management.Failed() {
		return true
	}
	for _, a := range o.Accounts {
		if a.Status == Fail || a.Status == Warn {
			return true
		}
	}
	return false
}

// Incomplete says whether anything could not be audited.
func (o *OrgAudit) Incomplete() bool {
	if o.Management.Incomplete() {
		return true
	}
	for _, a := range o.Accounts {
		if a.Error != "" || a.Report != nil && a.Report.Incomplete() {
			return true
		}
	}
	return false
}

// WriteOrgTable writes the management account's audit, then one row per
// other account: its root password, MFA and active access keys, and its first
// problem.
func WriteOrgTable(w io.Writer, o *OrgAudit) error {
	if err := WriteTable(w, o.Management); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nRoot posture of the other %d accounts:\n", len(o.Accounts))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tNAME\tSTATUS\tROOT PASSWORD\tROOT MFA\tROOT KEYS\tFIRST PROBLEM")
	for _, a := range o.Accounts {
		if a.Error != "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\tcould not audit: %s\n", a.Account.ID, a.Account.Name, strings.ToUpper(string(Error)), oneLine(a.Error))
			continue
		}
		password, mfa, keys := "unknown", "unknown", "unknown"
		if r := a.Report.Root; r != nil {
			password = r.Password
			if r.MFA != nil {
				mfa = map[bool]string{true: "yes", false: "no"}[*r.MFA]
			}
			if r.InReport {
				n := 0
				for _, k := range r.AccessKeys {
					if k.Active != nil && *k.Active {
						n++
					}
				}
				keys = fmt.Sprint(n)
			}
		}
		problem := "-"
		for _, c := range a.Report.Checks {
			if c.Status == a.Status && c.Status != Pass {
				problem = c.Title + ": " + c.Detail
				break
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Account.ID, a.Account.Name, strings.ToUpper(string(a.Status)), password, mfa, keys, oneLine(problem))
	}
	return tw.Flush()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// WriteOrgJSON writes the organization audit as JSON.
func WriteOrgJSON(w io.Writer, o *OrgAudit) error {
	if o.Accounts == nil {
		o.Accounts = []AccountAudit{}
	}
	b, err := json.MarshalIndent(struct {
		Result string `json:"result"` // as Report.Result, for the whole organization
		*OrgAudit
	}{verdict(o.Failed(), o.Incomplete(), "passed", "failed"), o}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
